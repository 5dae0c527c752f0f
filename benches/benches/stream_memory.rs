//! Streaming memory: peak heap while streaming one million audit events over a thousand
//! pages of a thousand, against the peak while fetching one page of a thousand.
//!
//! The heap is counted by a counting global allocator (`peak_alloc`: current and peak
//! bytes) in this process only: the loopback server runs in a child process (this binary
//! run again with `STREAM_MEMORY_SERVE=1`), serving pre-serialized page bodies chained by
//! `next_token`, the last page with an empty token. The client has rate limiting off
//! (`.no_rate_limit()`), since at the control plane's 10 requests per second a thousand
//! pages would take 100 s; the limiter's memory does not depend on the number of pages.
//!
//! `STREAM_PAGES` (default 1000) and `STREAM_PAGE_SIZE` (default 1000) override the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amperity_benches::{bytes, client_for, env_or, events, server, summary};
use amperity_generated::control_plane::Client;
use amperity_generated::control_plane::models::AuditEvent;
use futures_util::TryStreamExt;
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Set in the child process's environment: serve pages instead of measuring.
const SERVE_ENV: &str = "STREAM_MEMORY_SERVE";
/// How often the single-page baseline is measured (the median is used).
const BASELINE_RUNS: usize = 5;

fn main() {
    let pages: usize = env_or("STREAM_PAGES", 1000);
    let page_size: usize = env_or("STREAM_PAGE_SIZE", 1000);
    assert!(
        pages > 0 && page_size > 0,
        "STREAM_PAGES and STREAM_PAGE_SIZE must be positive"
    );
    if std::env::var_os(SERVE_ENV).is_some() {
        serve(pages, page_size);
        return;
    }

    let mut child = ServerProcess::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the client's runtime");
    let client = client_for(child.addr)
        .no_rate_limit()
        .build()
        .expect("a client");
    eprintln!(
        "stream_memory: {pages} pages of {page_size} from a server process at http://{} ...",
        child.addr
    );

    let report = runtime.block_on(async {
        // Warm up: the connection, the runtime's and the client's lazily built state.
        let warm = client.list_events().limit(page_size as i64).send().await;
        let body_len = warm.expect("the server answers").into_inner().data.len();
        assert_eq!(body_len, page_size, "the first page holds a full page");

        let mut baseline: Vec<Measured> = Vec::new();
        for _ in 0..BASELINE_RUNS {
            baseline.push(one_page(&client, page_size).await);
        }
        let stream = whole_stream(&client, page_size).await;
        // What the stream left behind is held by the client (its pooled connection's
        // buffers): show that it goes with the client.
        drop(client);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after_client = HEAP.current_usage() as i64 - stream.start as i64;
        (baseline, stream, after_client)
    });
    drop(runtime);
    let wire = child.finish();

    let (mut baseline, stream, after_client) = report;
    baseline.sort_by_key(|m| m.peak);
    let median = baseline[baseline.len() / 2];
    let expected = pages * page_size;
    assert_eq!(
        stream.items, expected,
        "every item of every page arrives once"
    );
    let items_per_s = stream.items as f64 / stream.elapsed.as_secs_f64();
    summary::record("stream_memory.items", stream.items);
    summary::record("stream_memory.stream_peak_bytes", stream.peak);
    summary::record("stream_memory.page_peak_bytes", median.peak);
    summary::record(
        "stream_memory.ratio",
        format_args!("{:.3}", stream.peak as f64 / median.peak as f64),
    );
    summary::record(
        "stream_memory.items_per_s",
        format_args!("{items_per_s:.0}"),
    );

    println!();
    println!("### Streaming memory: {pages} pages × {page_size} `AuditEvent`s");
    println!();
    println!(
        "| measurement | items | peak heap above the start | heap left after | time | ratio to baseline |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| baseline: one page with `send()` (median of {BASELINE_RUNS}) | {} | {} | {} | {} | 1.00 |",
        median.items,
        bytes(median.peak),
        bytes(median.left),
        fmt_duration(median.elapsed),
    );
    println!(
        "| `stream()` over every page, `try_next` | {} | {} | {} | {} | {:.2} |",
        stream.items,
        bytes(stream.peak),
        bytes(stream.left),
        fmt_duration(stream.elapsed),
        stream.peak as f64 / median.peak as f64,
    );
    println!();
    println!(
        "Baseline peaks of the {BASELINE_RUNS} runs: {}.",
        baseline
            .iter()
            .map(|m| bytes(m.peak))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "Throughput: {items_per_s:.0} items/s ({:.1} pages/s); the server sent {} of JSON in all (warm-up and baselines included), {} per page.",
        pages as f64 / stream.elapsed.as_secs_f64(),
        bytes(wire.total),
        bytes(wire.total / (pages + 1 + BASELINE_RUNS)),
    );
    println!(
        "Heap left after the stream, once the client is dropped too: {after_client:+} bytes \
         against the stream's start (what was left is the client's pooled connection)."
    );
    println!(
        "`size_of::<AuditEvent>()` = {} B, so a page's `Vec` is {} before its strings.",
        std::mem::size_of::<AuditEvent>(),
        bytes(std::mem::size_of::<AuditEvent>() * page_size),
    );
    println!(
        "Heap counted in the client process only; the allocator's peak includes every thread \
         of it (runtime workers, connection task)."
    );
}

/// One measurement: heap above the level at its start.
#[derive(Debug, Clone, Copy)]
struct Measured {
    items: usize,
    /// Heap at the start.
    start: usize,
    /// Peak heap during the measurement, above the heap at its start.
    peak: usize,
    /// Heap still held after everything the measurement made was dropped.
    left: usize,
    elapsed: Duration,
}

/// Starts counting: returns the current heap, and resets the peak to it.
fn start_counting() -> usize {
    HEAP.reset_peak_usage();
    HEAP.current_usage()
}

fn stop_counting(items: usize, start: usize, elapsed: Duration) -> Measured {
    Measured {
        items,
        start,
        peak: HEAP.peak_usage().saturating_sub(start),
        left: HEAP.current_usage().saturating_sub(start),
        elapsed,
    }
}

async fn one_page(client: &Client, page_size: usize) -> Measured {
    let counting = start_counting();
    let started = Instant::now();
    let page = client
        .list_events()
        .limit(page_size as i64)
        .send()
        .await
        .expect("a page")
        .into_inner();
    let items = page.data.len();
    let elapsed = started.elapsed();
    drop(page);
    stop_counting(items, counting, elapsed)
}

async fn whole_stream(client: &Client, page_size: usize) -> Measured {
    let counting = start_counting();
    let started = Instant::now();
    let mut events = client.list_events().limit(page_size as i64).stream();
    let mut items = 0;
    while let Some(event) = events.try_next().await.expect("an event") {
        std::hint::black_box(&event);
        items += 1;
    }
    let elapsed = started.elapsed();
    drop(events);
    stop_counting(items, counting, elapsed)
}

/// The server child process: started with [`SERVE_ENV`], it prints its address on its
/// first line of output, then its JSON byte counts when its standard input closes.
struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    addr: SocketAddr,
}

/// Bytes of JSON the server sent.
struct Wire {
    total: usize,
}

impl ServerProcess {
    fn start() -> Self {
        let exe = std::env::current_exe().expect("this benchmark's path");
        let mut child = Command::new(exe)
            .env(SERVE_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process");
        let stdin = child.stdin.take();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().expect("the server's output"))
            .read_line(&mut first)
            .expect("the server's address");
        let addr = first
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the server printed {first:?}, not an address"));
        Self { child, stdin, addr }
    }

    /// Closes the child's input (its signal to stop) and reads what it sent.
    fn finish(&mut self) -> Wire {
        drop(self.stdin.take());
        let mut rest = String::new();
        self.child
            .stdout
            .as_mut()
            .expect("the server's output")
            .read_to_string(&mut rest)
            .expect("the server's byte counts");
        let status = self.child.wait().expect("the server process ends");
        assert!(status.success(), "the server process failed: {status}");
        Wire {
            total: rest.trim().parse().unwrap_or(0),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Only if `finish` did not run (a panic): never leave the child behind.
        if self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The child's side: serves `pages` pages of `page_size` events until its input closes,
/// then prints how many bytes of JSON it sent.
fn serve(pages: usize, page_size: usize) {
    let data = Arc::new(events::events_json(page_size));
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let addr = server::spawn({
        let (data, sent) = (data.clone(), sent.clone());
        Arc::new(move |parts| {
            if parts.uri.path() != "/api/audit-events" {
                return server::not_found(parts);
            }
            let page = match server::query_param(parts, "next_token") {
                None => 0,
                Some(token) => match page_of(token) {
                    Some(page) if page < pages => page,
                    _ => return server::not_found(parts),
                },
            };
            let next = if page + 1 < pages {
                token_of(page + 1)
            } else {
                String::new()
            };
            let body = events::page_json(&data, &next);
            sent.fetch_add(body.len(), std::sync::atomic::Ordering::Relaxed);
            server::json(body)
        })
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{addr}").expect("print the address");
    out.flush().expect("print the address");
    // Serve until the parent closes our input (or exits).
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    writeln!(out, "{}", sent.load(std::sync::atomic::Ordering::Relaxed))
        .expect("print the byte count");
}

/// An opaque cursor of realistic length (64 characters) that names a page.
fn token_of(page: usize) -> String {
    format!("{page:08}.eyJjdXJzb3IiOiJhdWRpdC1ldmVudHMiLCJzb3J0IjoiZGVzYyJ9.c2ln")
}

fn page_of(token: &str) -> Option<usize> {
    token.split('.').next()?.parse().ok()
}

fn fmt_duration(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    }
}
