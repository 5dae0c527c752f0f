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
//! baseline, from the estimates criterion saved in this run. Criterion's usual options
//! apply, e.g. `cargo bench -p amperity-benches --bench overhead -- --warm-up-time 1
//! --measurement-time 2` for a short run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use amperity_benches::{client_for, server};
use amperity_generated::runtime::{RateLimit, RateLimiter};
use criterion::Criterion;

/// A limit so high that a limiter never makes a sequential caller wait.
const NEVER_WAITS: RateLimit = RateLimit::per_second(1_000_000_000);

/// (group, baseline, subject) pairs reported as ratios.
const PAIRS: [(&str, &str, &str); 2] = [
    ("list_segment", "no_rate_limit", "limit_1e9_per_s"),
    ("acquire", "empty_async_fn", "acquire_never_waits"),
];

fn main() {
    let run_started = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    // The client runs on this thread; the server has a thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client's runtime");

    requests(&mut criterion, &runtime);
    acquire(&mut criterion, &runtime);

    criterion.final_summary();
    report_ratios(run_started);
}

fn requests(criterion: &mut Criterion, runtime: &tokio::runtime::Runtime) {
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
    // Open each client's connection before measuring.
    runtime.block_on(async {
        for client in [&unlimited, &limited] {
            client
                .list_segment()
                .send()
                .await
                .expect("the loopback server answers");
        }
    });

    let (group_name, baseline, subject) = PAIRS[0];
    let mut group = criterion.benchmark_group(group_name);
    group.bench_function(baseline, |b| {
        b.to_async(runtime)
            .iter(|| async { unlimited.list_segment().send().await.expect("a page") });
    });
    group.bench_function(subject, |b| {
        b.to_async(runtime)
            .iter(|| async { limited.list_segment().send().await.expect("a page") });
    });
    group.finish();
}

/// The baseline of the `acquire` micro-benchmark: the cost of creating and awaiting a
/// future that does nothing.
async fn empty() {}

fn acquire(criterion: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let limiter = RateLimiter::new(NEVER_WAITS).expect("a limiter");
    let (group_name, baseline, subject) = PAIRS[1];
    let mut group = criterion.benchmark_group(group_name);
    group.bench_function(baseline, |b| b.to_async(runtime).iter(empty));
    group.bench_function(subject, |b| b.to_async(runtime).iter(|| limiter.acquire()));
    group.finish();
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
