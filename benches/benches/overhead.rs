//! Limiter overhead: what the rate limiter costs a request when it never has to wait.
//!
//! Two criterion groups, each a baseline and a subject measured in the same run:
//!
//! - `list_segment`: `client.list_segment().send()` against a loopback server with
//!   `.no_rate_limit()` (baseline) and with a limiter of 1,000,000,000 requests per second
//!   (one request per nanosecond: sequential requests never wait).
//! - `acquire`: `RateLimiter::acquire()` alone on such a limiter, against awaiting an empty
//!   `async fn` (baseline).
//!
//! After criterion's own report, a table gives each subject's time as a ratio to its
//! baseline, from the estimates criterion saved in this run. Criterion measures one
//! function after the other, so on a machine shared with other work a change of load
//! between the two shows up in that ratio; a second table therefore measures each pair
//! interleaved (rounds of baseline and subject calls in ABBA order) and reports the median
//! of the per-round ratios, which such drift does not move.
//!
//! Criterion's usual options apply, e.g. `cargo bench -p amperity-benches --bench overhead
//! -- --warm-up-time 1 --measurement-time 2` for a short run; `OVERHEAD_ROUNDS` (default
//! 100) sets the rounds of the interleaved check.

use std::future::Future;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use amperity_benches::{client_for, env_or, server};
use amperity_generated::control_plane::Client;
use amperity_generated::runtime::{RateLimit, RateLimiter};
use criterion::Criterion;

/// A limit so high that a limiter never makes a sequential caller wait.
const NEVER_WAITS: RateLimit = RateLimit::per_second(1_000_000_000);

/// (group, baseline, subject) pairs reported as ratios.
const PAIRS: [(&str, &str, &str); 2] = [
    ("list_segment", "no_rate_limit", "limit_1e9_per_s"),
    ("acquire", "empty_async_fn", "acquire_never_waits"),
];

/// Calls per side in one round of the interleaved check.
const REQUESTS_PER_ROUND: u32 = 200;
const ACQUIRES_PER_ROUND: u32 = 100_000;

fn main() {
    let run_started = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    // The client runs on this thread; the server has a thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client's runtime");
    let (unlimited, limited) = clients(&runtime);
    let limiter = RateLimiter::new(NEVER_WAITS).expect("a limiter");

    let (group, baseline, subject) = PAIRS[0];
    let mut requests = criterion.benchmark_group(group);
    requests.bench_function(baseline, |b| {
        b.to_async(&runtime)
            .iter(|| async { unlimited.list_segment().send().await.expect("a page") });
    });
    requests.bench_function(subject, |b| {
        b.to_async(&runtime)
            .iter(|| async { limited.list_segment().send().await.expect("a page") });
    });
    requests.finish();

    let (group, baseline, subject) = PAIRS[1];
    let mut acquire = criterion.benchmark_group(group);
    acquire.bench_function(baseline, |b| b.to_async(&runtime).iter(empty));
    acquire.bench_function(subject, |b| b.to_async(&runtime).iter(|| limiter.acquire()));
    acquire.finish();

    criterion.final_summary();
    report_ratios(run_started);

    // Not in criterion's `--test` (run each once) and `--list` modes.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let rounds = env_or("OVERHEAD_ROUNDS", 100);
    let requests = runtime.block_on(interleaved(
        rounds,
        REQUESTS_PER_ROUND,
        || async { unlimited.list_segment().send().await.expect("a page") },
        || async { limited.list_segment().send().await.expect("a page") },
    ));
    let acquires = runtime.block_on(interleaved(rounds, ACQUIRES_PER_ROUND, empty, || {
        limiter.acquire()
    }));
    report_interleaved(rounds, [requests, acquires]);
}

/// The two clients of the `list_segment` group, each with its connection already open.
fn clients(runtime: &tokio::runtime::Runtime) -> (Client, Client) {
    let addr = server::spawn(Arc::new(|parts| {
        if parts.uri.path() != "/api/segments" {
            return server::not_found(parts);
        }
        server::json(r#"{"data":[{"id":"sg-1","name":"Churn risk","status":"active"}]}"#)
    }));
    let unlimited = client_for(addr).no_rate_limit().build().expect("a client");
    let limited = client_for(addr)
        .rate_limit(NEVER_WAITS)
        .build()
        .expect("a client");
    runtime.block_on(async {
        for client in [&unlimited, &limited] {
            client
                .list_segment()
                .send()
                .await
                .expect("the loopback server answers");
        }
    });
    (unlimited, limited)
}

/// The baseline of the `acquire` micro-benchmark: the cost of creating and awaiting a
/// future that does nothing.
async fn empty() {}

/// Per-call times of an interleaved pair: the median over rounds of each side's mean,
/// and the median and quartiles of the per-round ratios (subject / baseline).
struct Interleaved {
    /// Nanoseconds per call.
    baseline: f64,
    /// Nanoseconds per call.
    subject: f64,
    ratio: f64,
    ratio_low: f64,
    ratio_high: f64,
}

/// Runs `rounds` rounds of `calls` baseline calls and `calls` subject calls, in ABBA order
/// (baseline first in even rounds, subject first in odd ones, so that neither side always
/// runs in the other's wake), and compares the two round by round.
async fn interleaved<A, FA, B, FB>(
    rounds: usize,
    calls: u32,
    mut baseline: A,
    mut subject: B,
) -> Interleaved
where
    A: FnMut() -> FA,
    FA: Future,
    B: FnMut() -> FB,
    FB: Future,
{
    /// Nanoseconds per call (as a float: an empty call takes about one).
    async fn per_call<F: Future>(calls: u32, mut call: impl FnMut() -> F) -> f64 {
        let started = Instant::now();
        for _ in 0..calls {
            black_box(call().await);
        }
        started.elapsed().as_secs_f64() * 1e9 / f64::from(calls)
    }
    let rounds = rounds.max(1);
    let mut base_times = Vec::with_capacity(rounds);
    let mut subj_times = Vec::with_capacity(rounds);
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (b, s) = if round % 2 == 0 {
            let b = per_call(calls, &mut baseline).await;
            (b, per_call(calls, &mut subject).await)
        } else {
            let s = per_call(calls, &mut subject).await;
            (per_call(calls, &mut baseline).await, s)
        };
        base_times.push(b);
        subj_times.push(s);
        ratios.push(s / b.max(1e-3));
    }
    base_times.sort_by(f64::total_cmp);
    subj_times.sort_by(f64::total_cmp);
    ratios.sort_by(f64::total_cmp);
    let quartile = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    Interleaved {
        baseline: base_times[rounds / 2],
        subject: subj_times[rounds / 2],
        ratio: quartile(2),
        ratio_low: quartile(1),
        ratio_high: quartile(3),
    }
}

fn report_interleaved(rounds: usize, results: [Interleaved; 2]) {
    println!();
    println!(
        "### Limiter overhead, interleaved ({rounds} rounds; median time per call; \
         ratio = median of the per-round ratios subject / baseline, with quartiles)"
    );
    println!();
    println!("| group | baseline | subject | ratio (quartiles) | difference |");
    println!("|---|---:|---:|---:|---:|");
    for ((group, baseline, subject), r) in PAIRS.into_iter().zip(results) {
        let (b, s) = (r.baseline, r.subject);
        println!(
            "| {group} | {baseline}: {} | {subject}: {} | {:.3} ({:.3} – {:.3}) | {} |",
            fmt_ns(b),
            fmt_ns(s),
            r.ratio,
            r.ratio_low,
            r.ratio_high,
            fmt_ns(s - b),
        );
    }
}

/// Prints each subject's time per call as a ratio to its baseline's, from the
/// `estimates.json` criterion wrote during this run (nothing for a `--test` or filtered
/// run that left no fresh estimates).
fn report_ratios(run_started: SystemTime) {
    let dir = criterion_dir();
    let mut rows = Vec::new();
    for (group, baseline, subject) in PAIRS {
        let (Some(base), Some(subj)) = (
            Estimate::read(&dir, group, baseline, run_started),
            Estimate::read(&dir, group, subject, run_started),
        ) else {
            continue;
        };
        rows.push(format!(
            "| {group} | {baseline}: {} | {subject}: {} | {:.3} ({:.3} – {:.3}) | {} |",
            fmt_ns(base.mean),
            fmt_ns(subj.mean),
            subj.mean / base.mean,
            subj.low / base.high,
            subj.high / base.low,
            fmt_ns(subj.mean - base.mean),
        ));
    }
    if rows.is_empty() {
        eprintln!(
            "overhead: no estimates from this run under {} (a --test or filtered run?): no ratios",
            dir.display()
        );
        return;
    }
    println!();
    println!(
        "### Limiter overhead (time per call as criterion prints it; ratio = subject / baseline)"
    );
    println!();
    println!("| group | baseline | subject | ratio (range from the 95% CIs) | difference |");
    println!("|---|---:|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
}

/// Criterion's estimate of the time per iteration and its 95% confidence interval, in
/// nanoseconds: the slope of the linear regression when criterion sampled linearly (the
/// `time:` it prints), else the mean.
struct Estimate {
    mean: f64,
    low: f64,
    high: f64,
}

impl Estimate {
    fn read(dir: &Path, group: &str, bench: &str, fresh_since: SystemTime) -> Option<Self> {
        let path = dir
            .join(group)
            .join(bench)
            .join("new")
            .join("estimates.json");
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        if modified < fresh_since {
            return None;
        }
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        let estimate = if json["slope"].is_object() {
            &json["slope"]
        } else {
            &json["mean"]
        };
        Some(Self {
            mean: estimate["point_estimate"].as_f64()?,
            low: estimate["confidence_interval"]["lower_bound"].as_f64()?,
            high: estimate["confidence_interval"]["upper_bound"].as_f64()?,
        })
    }
}

/// Where criterion keeps its results, found the way criterion finds it: `CRITERION_HOME`,
/// else `$CARGO_TARGET_DIR/criterion`, else `criterion/` in the target directory this
/// binary was built in (`<target>/release/deps/overhead-…`).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

fn fmt_ns(ns: f64) -> String {
    if ns.abs() >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns.abs() >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}
