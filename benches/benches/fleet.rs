//! The fleet-wide (Redis) rate limiter, three ways:
//!
//! 1. **overhead**: `RateLimiter::acquire()` on a fleet limiter (Redis on loopback, a limit
//!    so high it never waits) against the in-process limiter (the same), in interleaved
//!    ABBA rounds; every Redis acquire is timed on its own for its p50/p90/p99 (target:
//!    p99 ≤ 1 ms);
//! 2. **fleet**: 1, 2, 4 and 8 worker processes (this binary again, `AMPERITY_FLEET_WORKER`
//!    set) of 25 tasks each calling `list_segment` at the control plane's 10/s through one
//!    Redis, with the limiter's defaults; a loopback probe server counts the busiest
//!    one-second window of arrivals and the utilization;
//! 3. **packages**: how many packages a cold build of `amperity-generated` compiles, with
//!    and without the `redis` feature (`cargo tree`, normal and build dependencies).
//!
//! `FLEET_ROUNDS` (default 40), `FLEET_ACQUIRES` (per side and round, default 200) and
//! `FLEET_SECONDS` (per fleet, default 10) change the run. Needs `redis-server` (see
//! `amperity_tests::fleet::redis_server`); without it the benchmark says so and stops.

use std::process::Command;
use std::time::{Duration, Instant};

use amperity_benches::abba;
use amperity_benches::summary::record;
use amperity_generated::control_plane::Client;
use amperity_generated::runtime::{RateLimit, RateLimiter, RedisOptions};
use amperity_tests::fleet::busiest_window;
use amperity_tests::fleet::probe::{Probe, offsets};
use amperity_tests::fleet::redis_server::RedisServer;
use amperity_tests::fleet::worker::{self, Family, Worker, WorkerArgs, epoch_ms};

/// Set in the environment of the worker processes this benchmark starts.
const WORKER_ENV: &str = "AMPERITY_FLEET_WORKER";
const NEVER_WAITS: RateLimit = RateLimit::per_second(1_000_000_000);
const LIMIT: u32 = 10;

fn main() {
    if std::env::var_os(WORKER_ENV).is_some() {
        worker::main();
        return;
    }
    // criterion-style invocations that only list or smoke-test benchmarks.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let redis = match RedisServer::start(None) {
        Ok(Some(redis)) => redis,
        Ok(None) => return,
        Err(e) => panic!("{e}"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let rounds = env_or("FLEET_ROUNDS", 40);
    let calls = env_or("FLEET_ACQUIRES", 200);
    let seconds = env_or("FLEET_SECONDS", 10) as u64;
    // One thread for the overhead, as in `overhead`: the caller and Redis are then the
    // only two threads that matter on a two-core machine.
    let single = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let overhead = single.block_on(overhead(&redis, rounds, calls));
    let fleets: Vec<FleetRun> = [1, 2, 4, 8]
        .into_iter()
        .map(|n| runtime.block_on(fleet(&redis, n, Duration::from_secs(seconds))))
        .collect();
    let packages = [false, true].map(packages);
    report(rounds, calls, &overhead, &fleets, seconds, packages);
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The limiter a control-plane client gets from `limiter`.
fn bound(limiter: RateLimiter) -> RateLimiter {
    Client::builder("acme")
        .base_url("http://127.0.0.1:9/api")
        .bearer_token("t")
        .rate_limiter(limiter)
        .build()
        .expect("a client")
        .runtime()
        .rate_limiter()
        .cloned()
        .expect("a limiter")
}

async fn overhead(redis: &RedisServer, rounds: usize, calls: usize) -> abba::Abba {
    let local = RateLimiter::new(NEVER_WAITS).expect("a limiter");
    let options = RedisOptions::new()
        .prefix("bench")
        .limit("control_plane", NEVER_WAITS);
    let fleet = bound(RateLimiter::redis_with(&redis.url(), "acme", options).expect("a limiter"));
    // Connect (and load the script) before measuring.
    fleet.acquire().await.expect("Redis answers");
    abba::run(
        rounds,
        calls,
        || async { local.acquire().await.expect("in process") },
        || async { fleet.acquire().await.expect("Redis answers") },
    )
    .await
}

struct FleetRun {
    processes: usize,
    requests: usize,
    busiest: usize,
    utilization: f64,
    errors: usize,
}

async fn fleet(redis: &RedisServer, processes: usize, run: Duration) -> FleetRun {
    let probe = Probe::start().await.expect("a probe server");
    let program = std::env::current_exe().expect("this benchmark's path");
    let lead = 2500;
    let (now_ms, now) = (epoch_ms(), Instant::now());
    let workers: Vec<Worker> = (0..processes)
        .map(|i| {
            let args = WorkerArgs {
                redis: redis.url(),
                base_url: probe.base_url().to_owned(),
                // A tenant per run: each fleet starts on a budget of its own.
                tenant: format!("fleet{processes}"),
                token: format!("worker-{i}"),
                family: Family::ControlPlane,
                tasks: 25,
                start_at_ms: now_ms + lead,
                run,
                expected_processes: processes as u32,
                arrival_allowance: RedisOptions::DEFAULT_ARRIVAL_ALLOWANCE,
            };
            Worker::spawn(&program, &[(WORKER_ENV, "1")], &args).expect("a worker starts")
        })
        .collect();
    let start = now + Duration::from_millis(lead);
    let mut errors = 0;
    for worker in workers {
        let done = worker
            .finish(run + Duration::from_secs(10))
            .await
            .expect("the worker ends");
        errors += done.summary["errors"].as_array().map_or(0, Vec::len);
    }
    let within: Vec<Duration> = offsets(&probe.arrivals(), start)
        .into_iter()
        .filter(|&at| at < run)
        .collect();
    let flowing = run - within.first().copied().unwrap_or_default();
    FleetRun {
        processes,
        requests: within.len(),
        busiest: busiest_window(&within, Duration::from_secs(1)),
        utilization: within.len() as f64 / (f64::from(LIMIT) * flowing.as_secs_f64()),
        errors,
    }
}

/// The packages a cold build of `amperity-generated` compiles, from `cargo tree`.
fn packages(redis: bool) -> usize {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .args(["tree", "--quiet", "--offline", "-p", "amperity-generated"])
        .args(["--edges", "normal,build", "--prefix", "none", "--no-dedupe"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    if redis {
        command.args(["--features", "redis"]);
    }
    let output = command.output().expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut seen: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some(format!("{} {}", words.next()?, words.next()?))
        })
        .collect();
    seen.sort();
    seen.dedup();
    seen.len()
}

fn report(
    rounds: usize,
    calls: usize,
    overhead: &abba::Abba,
    fleets: &[FleetRun],
    seconds: u64,
    packages: [usize; 2],
) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let (local, redis) = (&overhead.baseline, &overhead.subject);
    let (q1, median, q3) = overhead.time_ratio();
    let p99 = redis.latency(0.99);
    println!("\n### Fleet limiter: overhead per acquire (Redis on loopback vs in process)\n");
    println!(
        "{rounds} ABBA rounds of {calls} `acquire()` calls per side, on limiters that never \
         wait.\n"
    );
    println!("| limiter | median per call | p50 | p90 | p99 |\n|---|---:|---:|---:|---:|");
    for (name, side) in [("in process", local), ("Redis (loopback)", redis)] {
        println!(
            "| {name} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs |",
            side.median_per_call() * 1e6,
            us(side.latency(0.5)),
            us(side.latency(0.9)),
            us(side.latency(0.99)),
        );
    }
    println!(
        "\nRedis ÷ in process, per round: median {median:.0}× (quartiles {q1:.0}×–{q3:.0}×); \
         the difference is the Redis round trip ({:.1} µs per call). Target p99 ≤ 1 ms: {}.\n",
        (redis.median_per_call() - local.median_per_call()) * 1e6,
        if p99 <= Duration::from_millis(1) {
            "met"
        } else {
            "**missed**"
        },
    );
    record("fleet.acquire.p99_us", format!("{:.1}", us(p99)));
    record(
        "fleet.acquire.redis_median_us",
        format!("{:.1}", redis.median_per_call() * 1e6),
    );
    record(
        "fleet.acquire.local_median_us",
        format!("{:.3}", local.median_per_call() * 1e6),
    );

    println!("### Fleet limiter: the fleet's busiest window\n");
    println!(
        "Worker processes of 25 tasks each call `list_segment` in a loop for {seconds} s \
         through one fleet limiter at the control plane's {LIMIT}/s, with the defaults (20 ms \
         arrival allowance: 102 ms apart); a loopback server counts arrivals. Utilization: \
         requests ÷ ({LIMIT}/s × time from the first arrival).\n"
    );
    println!("| processes | requests | busiest 1 s window (server) | utilization | errors |");
    println!("|---:|---:|---:|---:|---:|");
    for f in fleets {
        println!(
            "| {} | {} | {} | {:.3} | {} |",
            f.processes, f.requests, f.busiest, f.utilization, f.errors
        );
        record(&format!("fleet.p{}.busiest", f.processes), f.busiest);
        record(
            &format!("fleet.p{}.utilization", f.processes),
            format!("{:.3}", f.utilization),
        );
    }
    record("fleet.limit", LIMIT);
    let [without, with] = packages;
    println!("\n### Fleet limiter: packages in a cold build of `amperity-generated`\n");
    println!("| features | packages |\n|---|---:|");
    println!(
        "| default | {without} |\n| `redis` | {with} (+{}) |\n",
        with - without
    );
    record("fleet.packages.default", without);
    record("fleet.packages.redis", with);
}
