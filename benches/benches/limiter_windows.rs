//! Limiter windows: many tasks share one client limited to `n` requests per second; does
//! any one-second window ever hold more than `n` requests, and how much of the budget is
//! used?
//!
//! 100 tokio tasks call `list_segment().send()` in a loop on one client (limit 10/s, the
//! control plane's default; retries off) for 20 s against a loopback server that notes the
//! arrival instant of each request. The client side is measured too: the instant each
//! request leaves the limiter (see `amperity_benches::send_times`). Both series are
//! reported, because loopback jitter can move an arrival by tens of microseconds.
//!
//! `LIMITER_SECONDS` (default 20), `LIMITER_RATE` (default 10) and `LIMITER_TASKS`
//! (default 100) override the run, e.g. `LIMITER_SECONDS=3 cargo bench -p amperity-benches
//! --bench limiter_windows`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use amperity_benches::send_times::SendTimes;
use amperity_benches::windows::{Busiest, busiest_window, gap_range};
use amperity_benches::{client_for, env_or, server, summary};
use amperity_generated::runtime::{RateLimit, RetryPolicy};

const WINDOW: Duration = Duration::from_secs(1);

fn main() {
    let seconds: f64 = env_or("LIMITER_SECONDS", 20.0);
    let rate: u32 = env_or("LIMITER_RATE", 10);
    let tasks: usize = env_or("LIMITER_TASKS", 100);
    assert!(seconds > 0.0, "LIMITER_SECONDS must be positive");
    let duration = Duration::from_secs_f64(seconds);

    let send_times = SendTimes::install();
    let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let addr = server::spawn({
        let arrivals = arrivals.clone();
        Arc::new(move |parts| {
            // Read the clock first, as the request head is parsed.
            let now = Instant::now();
            if parts.uri.path() != "/api/segments" {
                return server::not_found(parts);
            }
            arrivals
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(now);
            server::json(r#"{"data":[]}"#)
        })
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the client's runtime");
    let client = client_for(addr)
        .rate_limit(RateLimit::per_second(rate))
        .retry(RetryPolicy::none())
        .build()
        .expect("a client");

    eprintln!(
        "limiter_windows: {tasks} tasks, limit {rate}/s, {seconds} s against http://{addr} ..."
    );
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let (start, end) = runtime.block_on(async {
        let start = Instant::now();
        let end = start + duration;
        let workers: Vec<_> = (0..tasks)
            .map(|_| {
                let client = client.clone();
                let (ok, failed) = (ok.clone(), failed.clone());
                tokio::spawn(async move {
                    loop {
                        match client.list_segment().send().await {
                            Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                            Err(e) => {
                                if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                                    eprintln!("first failed request: {e}");
                                }
                                1
                            }
                        };
                    }
                })
            })
            .collect();
        tokio::time::sleep_until(end.into()).await;
        // Tasks still waiting for the limiter are cancelled: only what started in
        // [start, end) is counted, on both sides.
        for worker in &workers {
            worker.abort();
        }
        for worker in workers {
            let _ = worker.await;
        }
        (start, end)
    });
    drop(runtime);

    let in_run = |times: Vec<Instant>| -> Vec<Duration> {
        let mut offsets: Vec<Duration> = times
            .into_iter()
            .filter(|&t| t >= start && t < end)
            .map(|t| t - start)
            .collect();
        offsets.sort();
        offsets
    };
    let server_side = in_run(
        arrivals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone(),
    );
    let client_side = in_run(send_times.snapshot());

    let server_stats = Side::new("server (arrival)", &server_side, duration, rate);
    let client_side_stats = Side::new("client (left the limiter)", &client_side, duration, rate);
    for (side, stats) in [("server", &server_stats), ("client", &client_side_stats)] {
        summary::record(&format!("limiter.{side}.requests"), stats.requests);
        summary::record(&format!("limiter.{side}.busiest"), stats.busiest.count);
        summary::record(
            &format!("limiter.{side}.utilization"),
            format_args!("{:.4}", stats.utilization),
        );
    }
    summary::record("limiter.limit", rate);
    summary::record("limiter.tasks", tasks);
    summary::record("limiter.seconds", fmt_secs(duration));

    println!();
    println!(
        "### Limiter windows: {tasks} tasks, limit {rate} req/s, {} s",
        fmt_secs(duration)
    );
    println!();
    println!(
        "| measured at | requests | achieved (req/s) | utilization | busiest 1 s window | its span | smallest gap | largest gap |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for side in [&server_stats, &client_side_stats] {
        side.row();
    }
    println!();
    println!(
        "Completed requests: {}; failed: {}; requests cut off at the end of the run are not counted.",
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    let limit = rate as usize;
    match (
        client_side_stats.busiest.count > limit,
        server_stats.busiest.count > limit,
    ) {
        (true, _) => println!(
            "\n**The limiter let {} requests into one second** (client side, from {} to {}): the limit is {rate}.",
            client_side_stats.busiest.count,
            fmt_ms(client_side_stats.busiest.first),
            fmt_ms(client_side_stats.busiest.last),
        ),
        (false, true) => println!(
            "\nThe server saw {} requests within {} (arrivals from {} to {}), while no \
             one-second window on the client side held more than {}: the requests left the \
             limiter at least {} apart, and loopback delivery moved some arrivals closer \
             together (server gaps down to {}). That is jitter after the limiter, not a \
             limiter fault; a server that counts strictly would see it too.",
            server_stats.busiest.count,
            fmt_ms(server_stats.busiest.span()),
            fmt_ms(server_stats.busiest.first),
            fmt_ms(server_stats.busiest.last),
            client_side_stats.busiest.count,
            client_side_stats
                .gaps
                .map_or("n/a".to_owned(), |(low, _)| fmt_ms(low)),
            server_stats
                .gaps
                .map_or("n/a".to_owned(), |(low, _)| fmt_ms(low)),
        ),
        (false, false) => {
            println!("\nNo one-second window held more than {rate} requests, on either side.")
        }
    }
}

/// What one series of instants shows.
struct Side {
    label: &'static str,
    requests: usize,
    rate: f64,
    utilization: f64,
    busiest: Busiest,
    gaps: Option<(Duration, Duration)>,
}

impl Side {
    fn new(label: &'static str, offsets: &[Duration], run: Duration, limit: u32) -> Self {
        let rate = offsets.len() as f64 / run.as_secs_f64();
        Self {
            label,
            requests: offsets.len(),
            rate,
            utilization: rate / f64::from(limit),
            busiest: busiest_window(offsets, WINDOW),
            gaps: gap_range(offsets),
        }
    }

    fn row(&self) {
        let (low, high) = self
            .gaps
            .map_or(("n/a".to_owned(), "n/a".to_owned()), |(low, high)| {
                (fmt_ms(low), fmt_ms(high))
            });
        println!(
            "| {} | {} | {:.3} | {:.3} | {} | {} | {low} | {high} |",
            self.label,
            self.requests,
            self.rate,
            self.utilization,
            self.busiest.count,
            fmt_ms(self.busiest.span()),
        );
    }
}

fn fmt_ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}
