//! The fleet-wide rate limiter (`RateLimiter::redis`, feature `redis`) with real processes:
//! `fleet-worker` processes share one budget through a real `redis-server`, and a loopback
//! probe server counts what arrives. Each test starts its own Redis (installed when
//! missing and root; otherwise the test prints why it skips) and probe, and kills both,
//! and its workers, whatever happens.
//!
//! The 2000/s test takes the machine: it runs alone (an exclusive lock); the others are
//! light and run side by side.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use amperity_generated::control_plane;
use amperity_generated::runtime::{
    Error, OnRedisFailure, RateLimiter, RateLimiterErrorKind, RedisOptions,
};
use amperity_tests::fleet::busiest_window;
use amperity_tests::fleet::probe::{Arrival, Probe, offsets};
use amperity_tests::fleet::redis_server::RedisServer;
use amperity_tests::fleet::worker::{Family, Finished, Worker, WorkerArgs, epoch_ms};

const WORKER: &str = env!("CARGO_BIN_EXE_fleet-worker");
const SECOND: Duration = Duration::from_secs(1);

/// Shared by the light tests, taken alone by the heavy one.
static MACHINE: LazyLock<tokio::sync::RwLock<()>> = LazyLock::new(|| tokio::sync::RwLock::new(()));

/// A Redis server for this test, or `None` (the reason printed) when there can be none.
fn redis(password: Option<&str>) -> Option<RedisServer> {
    RedisServer::start(password).unwrap_or_else(|e| panic!("{e}"))
}

/// One worker to start: tenant, token, family, tasks, arrival allowance.
struct Spec {
    tenant: &'static str,
    token: String,
    family: Family,
    tasks: usize,
    allowance: Duration,
}

/// The workers' arrival allowance: twice `RedisOptions`' default (20 ms). The machine
/// that runs these tests also runs the four workers, Redis, the probe server and, on a
/// developer's machine, whatever else is building: requests reach the probe with more
/// spread than across a quiet fleet, and one 20 ms stall at a window's edge would show as
/// one request too many. The allowance is the knob a fleet turns for exactly that; at
/// 10/s it spaces requests 104 ms apart (0.96 of the limit).
const ALLOWANCE: Duration = Duration::from_millis(40);

fn specs(count: usize, tenant: &'static str, family: Family, tasks: usize) -> Vec<Spec> {
    (0..count)
        .map(|i| Spec {
            tenant,
            token: format!("worker-{tenant}-{i}"),
            family,
            tasks,
            allowance: ALLOWANCE,
        })
        .collect()
}

/// Starts the workers on a common start 2.5 s from now (time for the processes to come
/// up on a busy machine); returns that start as an `Instant` of this process, and the
/// workers.
fn launch(
    redis_url: &str,
    probe: &Probe,
    specs: &[Spec],
    run: Duration,
    expected_processes: u32,
    env: &[(&str, &str)],
) -> (Instant, Vec<Worker>) {
    let lead = 2500;
    let (now_ms, now) = (epoch_ms(), Instant::now());
    let start_at_ms = now_ms + lead;
    let workers = specs
        .iter()
        .map(|spec| {
            let args = WorkerArgs {
                redis: redis_url.to_owned(),
                base_url: probe.base_url().to_owned(),
                tenant: spec.tenant.to_owned(),
                token: spec.token.clone(),
                family: spec.family,
                tasks: spec.tasks,
                start_at_ms,
                run,
                expected_processes,
                arrival_allowance: spec.allowance,
            };
            Worker::spawn(WORKER.as_ref(), env, &args).expect("the worker starts")
        })
        .collect();
    (now + Duration::from_millis(lead), workers)
}

/// Waits for every worker: each must exit, successfully, within a few seconds of its
/// deadline (a call that hangs keeps its worker running).
async fn finish(workers: Vec<Worker>, run: Duration) -> Vec<Finished> {
    let mut finished = Vec::new();
    for worker in workers {
        let done = worker
            .finish(run + Duration::from_secs(8))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(done.success, "a worker failed:\n{}", done.stderr);
        finished.push(done);
    }
    finished
}

/// Requests that were answered without error, summed over the workers.
fn completed(finished: &[Finished]) -> u64 {
    finished
        .iter()
        .map(|f| f.summary["ok"].as_u64().unwrap_or(0))
        .sum()
}

fn errors(finished: &[Finished]) -> Vec<String> {
    finished
        .iter()
        .flat_map(|f| f.summary["errors"].as_array().cloned().unwrap_or_default())
        .map(|e| e.to_string())
        .collect()
}

/// The busiest one-second window and the utilization of the arrivals within
/// `[start, start + run)`: requests ÷ (limit × time), the time counted from the first
/// arrival (a worker process that comes up late on a busy machine is not the limiter's
/// doing; every window is checked all the same).
fn measure<'a>(
    arrivals: impl IntoIterator<Item = &'a Arrival>,
    start: Instant,
    run: Duration,
    limit: u32,
) -> (usize, f64, usize) {
    let within: Vec<Duration> = offsets(arrivals, start)
        .into_iter()
        .filter(|&at| at < run)
        .collect();
    let busiest = busiest_window(&within, SECOND);
    let flowing = run - within.first().copied().unwrap_or_default();
    let utilization = within.len() as f64 / (f64::from(limit) * flowing.as_secs_f64());
    (busiest, utilization, within.len())
}

/// Arrivals per 250 ms from `start`, for failure messages.
fn timeline(arrivals: &[Arrival], start: Instant) -> String {
    let mut buckets = std::collections::BTreeMap::<u128, usize>::new();
    for at in offsets(arrivals, start) {
        *buckets.entry(at.as_millis() / 250 * 250).or_default() += 1;
    }
    buckets
        .iter()
        .map(|(ms, n)| format!("{ms}ms:{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Four processes of 25 tasks against one probe: the fleet's budget holds at the
/// server and is used.
async fn four_processes(
    family: Family,
    limit: u32,
    allowance: Duration,
    run: Duration,
    min_utilization: f64,
) {
    let Some(redis) = redis(None) else { return };
    let probe = Probe::start().await.unwrap();
    let mut fleet = specs(4, "acme", family, 25);
    for spec in &mut fleet {
        spec.allowance = allowance;
    }
    let (start, workers) = launch(&redis.url(), &probe, &fleet, run, 4, &[]);
    let finished = finish(workers, run).await;
    let (busiest, utilization, count) = measure(&probe.arrivals(), start, run, limit);
    eprintln!(
        "{family:?}: {count} requests in {run:?} at {limit}/s: busiest window {busiest}, \
         utilization {utilization:.3}"
    );
    if limit <= 100 {
        eprintln!("{}", timeline(&probe.arrivals(), start));
    }
    assert!(
        busiest <= limit as usize,
        "{busiest} requests in one second at {limit}/s"
    );
    assert!(
        utilization >= min_utilization,
        "utilization {utilization:.3}"
    );
    assert_eq!(errors(&finished), Vec::<String>::new());
    assert!(completed(&finished) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_ten_per_second() {
    let _light = MACHINE.read().await;
    four_processes(
        Family::ControlPlane,
        10,
        ALLOWANCE,
        Duration::from_secs(10),
        0.95,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_the_profile_apis_two_thousand_per_second() {
    let _alone = MACHINE.write().await;
    // The limiter spaces requests for ~0.95 of the limit here, but 2000 requests a
    // second from four processes, Redis and the probe server on two shared cores is
    // bound by the CPU (0.78 to 0.95 seen): the floor only catches a limiter that holds
    // far too much back; the fleet benchmark reports the figure.
    four_processes(
        Family::Profile,
        2000,
        ALLOWANCE,
        Duration::from_secs(10),
        0.7,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenants_on_one_redis_do_not_share_a_budget() {
    let _light = MACHINE.read().await;
    let Some(redis) = redis(None) else { return };
    let probe = Probe::start().await.unwrap();
    let run = Duration::from_secs(4);
    let mut both = specs(2, "acme", Family::ControlPlane, 10);
    both.extend(specs(2, "globex", Family::ControlPlane, 10));
    let (start, workers) = launch(&redis.url(), &probe, &both, run, 2, &[]);
    finish(workers, run).await;
    let arrivals = probe.arrivals();
    for tenant in ["acme", "globex"] {
        let (busiest, utilization, count) = measure(
            arrivals.iter().filter(|a| a.tenant == tenant),
            start,
            run,
            10,
        );
        eprintln!("{tenant}: {count} requests, busiest {busiest}, utilization {utilization:.3}");
        assert!(busiest <= 10, "{tenant}: {busiest} in one second");
        // Sharing one budget would leave each tenant half of it.
        assert!(utilization >= 0.9, "{tenant}: utilization {utilization:.3}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_seen_by_one_process_pauses_the_others() {
    let _light = MACHINE.read().await;
    let Some(redis) = redis(None) else { return };
    let probe = Probe::start().await.unwrap();
    let run = Duration::from_secs(4);
    let (start, workers) = launch(
        &redis.url(),
        &probe,
        &specs(4, "acme", Family::ControlPlane, 5),
        run,
        4,
        &[],
    );
    probe.refuse_once_after(start + Duration::from_millis(1500), 1);
    finish(workers, run).await;
    let arrivals = probe.arrivals();
    let refused = arrivals
        .iter()
        .find(|a| a.status == 429)
        .expect("one request was refused");
    let next_from_others = arrivals
        .iter()
        .filter(|a| a.at > refused.at && a.who != refused.who)
        .map(|a| a.at - refused.at)
        .min()
        .expect("the others went on after the pause");
    eprintln!(
        "after the 429, the next request from another process came {next_from_others:?} later"
    );
    // Without a shared pause the others would go on at 10/s: the next within ~100 ms.
    assert!(
        next_from_others >= Duration::from_millis(900),
        "another process sent {next_from_others:?} after the 429 (Retry-After: 1)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_mid_run_never_lets_a_window_over_the_limit() {
    let _light = MACHINE.read().await;
    let Some(mut redis) = redis(None) else { return };
    let probe = Probe::start().await.unwrap();
    let run = Duration::from_secs(12);
    let (start, workers) = launch(
        &redis.url(),
        &probe,
        &specs(4, "acme", Family::ControlPlane, 25),
        run,
        4,
        &[],
    );
    tokio::time::sleep_until((start + Duration::from_secs(3)).into()).await;
    redis.kill();
    tokio::time::sleep_until((start + Duration::from_secs(6)).into()).await;
    redis.restart().expect("redis starts again");
    let finished = finish(workers, run).await;
    let arrivals = probe.arrivals();
    let (busiest, utilization, count) = measure(&arrivals, start, run, 10);
    let between = |from: u64, to: u64| {
        offsets(&arrivals, start)
            .into_iter()
            .filter(|&at| at >= Duration::from_millis(from) && at < Duration::from_millis(to))
            .count()
    };
    let (outage, after) = (between(4500, 6000), between(8500, 12000));
    eprintln!(
        "{count} requests, busiest window {busiest}, utilization {utilization:.3}; \
         {outage} in the outage's last 1.5 s, {after} in the last 3.5 s\n{}",
        timeline(&arrivals, start)
    );
    if std::env::var_os("FLEET_VERBOSE").is_some() {
        for f in &finished {
            eprintln!("{}\n{}", f.summary, f.stderr);
        }
    }
    assert!(
        busiest <= 10,
        "{busiest} requests in one second: {}",
        timeline(&arrivals, start)
    );
    assert!(outage > 0, "nothing went out on the fallback limiter");
    assert!(
        after >= 25,
        "only {after} requests in the last 3.5 s: not back on Redis?"
    );
    let logs: String = finished.iter().map(|f| f.stderr.as_str()).collect();
    assert!(
        logs.contains("cannot reach Redis"),
        "no fallback warning:\n{logs}"
    );
    assert!(
        logs.contains("reaches Redis again"),
        "never back on Redis:\n{logs}"
    );
    assert_eq!(errors(&finished), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_in_redis_or_the_logs_holds_a_token_or_password() {
    let _light = MACHINE.read().await;
    let password = "pw-Zq81-do-not-log";
    let Some(redis) = redis(Some(password)) else {
        return;
    };
    let probe = Probe::start().await.unwrap();
    let run = Duration::from_secs(2);
    let mut fleet = specs(2, "acme", Family::ControlPlane, 3);
    for (i, spec) in fleet.iter_mut().enumerate() {
        spec.token = format!("tok-Xk93-secret-{i}");
    }
    let (_, workers) = launch(
        &redis.url(),
        &probe,
        &fleet,
        run,
        2,
        &[("FLEET_LOG", "trace")],
    );
    let finished = finish(workers, run).await;
    assert!(completed(&finished) > 0);

    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert!(
        keys.contains(&"amperity:acme:control_plane".to_owned()),
        "{keys:?}"
    );
    for key in &keys {
        assert!(key.starts_with("amperity:acme:control_plane"), "{key}");
        let value: String = redis::cmd("GET").arg(key).query(&mut connection).unwrap();
        for secret in [password, "tok-Xk93", "secret"] {
            assert!(
                !key.contains(secret) && !value.contains(secret),
                "{key} = {value}"
            );
        }
    }
    let logs: String = finished.iter().map(|f| f.stderr.as_str()).collect();
    assert!(logs.len() > 1000, "the trace log is missing:\n{logs}");
    for secret in [password, "tok-Xk93"] {
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
}

/// A client of the control plane on the fleet limiter: its bound limiter.
fn bound(fleet: RateLimiter) -> RateLimiter {
    control_plane::Client::builder("acme")
        .base_url("http://127.0.0.1:9/api")
        .bearer_token("t")
        .rate_limiter(fleet)
        .build()
        .unwrap()
        .runtime()
        .rate_limiter()
        .cloned()
        .expect("a limiter")
}

#[tokio::test]
async fn one_process_is_spaced_and_survives_a_script_flush() {
    let _light = MACHINE.read().await;
    let Some(redis) = redis(None) else { return };
    let limiter = bound(RateLimiter::redis(&redis.url(), "acme").unwrap());
    assert_eq!(
        limiter.acquire().await.unwrap(),
        Duration::ZERO,
        "the first goes at once"
    );
    let waited = limiter.acquire().await.unwrap();
    assert!(
        waited >= Duration::from_millis(90),
        "at 10/s the second waits about 102 ms, not {waited:?}"
    );
    // A flushed (or restarted) server has no script: EVALSHA fails, EVAL runs it.
    assert!(redis.command("SCRIPT FLUSH").unwrap().starts_with("+OK"));
    limiter.acquire().await.unwrap();
}

#[tokio::test]
async fn the_fail_policy_returns_a_typed_error_when_redis_is_away() {
    let _light = MACHINE.read().await;
    // A port nothing listens on: the connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = RedisOptions::new().on_failure(OnRedisFailure::Fail);
    let url = format!("redis://127.0.0.1:{port}");
    let limiter = bound(RateLimiter::redis_with(&url, "acme", options).unwrap());
    let started = Instant::now();
    let error = limiter.acquire().await.expect_err("no Redis, no admission");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    match error {
        Error::RateLimiter(e) => {
            assert_eq!(e.kind(), RateLimiterErrorKind::Unavailable, "{e}");
            assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
        }
        other => panic!("expected Error::RateLimiter, got {other:?}"),
    }
}
