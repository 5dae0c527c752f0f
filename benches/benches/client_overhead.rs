//! Client overhead: what our generated client costs over a hand-written `reqwest` +
//! `serde_json` call doing the same request, and what our models cost to decode over a
//! plain `#[derive(Deserialize)]` struct with the same fields.
//!
//! - `list_events`: `client.list_events().limit(100).send()` (rate limiting off, retries on
//!   their default but never triggered: the server always answers 200) against a
//!   `reqwest::Client` sending `GET /api/audit-events?limit=100` with the same headers and
//!   the same 60 s timeout and decoding the page into a plain struct. One request at a
//!   time on a single-threaded runtime; the loopback server has a thread of its own and
//!   answers a pre-serialized page of 100 audit events. Requests per second, latency
//!   percentiles over every request, and the median of the per-round throughput ratios.
//! - `decode`: `serde_json::from_slice` of a page of 1,000 audit events (about 530 KiB)
//!   into our `AuditEventList` and into the plain struct.
//!
//! Both pairs are measured in interleaved ABBA rounds ([`amperity_benches::abba`]).
//! `CLIENT_ROUNDS` (default 100) and `CLIENT_REQUESTS` (requests per side per round,
//! default 100: short rounds, so that a change of load rarely falls inside one),
//! `DECODE_ROUNDS` (default 40) and `DECODE_CALLS` (default 10) change the run.

use std::sync::Arc;
use std::time::Duration;

use amperity_benches::abba::{self, Abba};
use amperity_benches::{bytes, client_for, env_or, events, server, summary};
use amperity_generated::control_plane::models::AuditEventList;
use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Deserialize;

/// Items per page of the request benchmark (`limit=100`).
const REQUEST_PAGE: usize = 100;
/// Items per page of the decode benchmark.
const DECODE_PAGE: usize = 1000;
/// The runtime's default time limit per attempt, given to the baseline too.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The hand-written baseline's model: the fields of `AuditEvent`, nothing else.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // decoded, never read: that is the point
struct PlainEvent {
    event_id: String,
    event_type: String,
    tenant: String,
    tenant_family: String,
    happened_at: DateTime<Utc>,
    principal_id: String,
    principal_name: String,
    principal_email: String,
    object_id: String,
    object_name: Option<String>,
    origin_ip: String,
    user_agent: String,
    session_id: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct PlainList {
    data: Vec<PlainEvent>,
    next_token: Option<String>,
    total: Option<i64>,
}

fn main() {
    let rounds: usize = env_or("CLIENT_ROUNDS", 100);
    let requests: usize = env_or("CLIENT_REQUESTS", 100);
    let decode_rounds: usize = env_or("DECODE_ROUNDS", 40);
    let decode_calls: usize = env_or("DECODE_CALLS", 10);

    let page = Arc::new(events::page_json(
        &events::events_json(REQUEST_PAGE),
        "00000001.eyJjdXJzb3IiOiJhdWRpdC1ldmVudHMiLCJzb3J0IjoiZGVzYyJ9.c2ln",
    ));
    let addr = server::spawn({
        let page = page.clone();
        Arc::new(move |parts| {
            let wanted = parts.uri.path() == "/api/audit-events"
                && server::query_param(parts, "limit") == Some("100");
            if !wanted {
                return server::not_found(parts);
            }
            server::json(page.as_slice().to_vec())
        })
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client's runtime");

    let ours = client_for(addr).no_rate_limit().build().expect("a client");
    let url = format!("http://{addr}/api/audit-events?limit=100");
    let plain = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .default_headers(plain_headers())
        .build()
        .expect("a reqwest client");

    eprintln!(
        "client_overhead: {rounds} rounds of {requests} requests per side against http://{addr} ..."
    );
    let list = runtime.block_on(async {
        // Warm up both: connections, pools, lazily built state; check both decode a page.
        for _ in 0..20 {
            let a = ours.list_events().limit(100).send().await.expect("a page");
            let b = plain_page(&plain, &url).await;
            assert_eq!(a.data.len(), REQUEST_PAGE);
            assert_eq!(b.data.len(), REQUEST_PAGE);
        }
        abba::run(
            rounds,
            requests,
            || plain_page(&plain, &url),
            || async {
                ours.list_events()
                    .limit(100)
                    .send()
                    .await
                    .expect("a page")
                    .into_inner()
            },
        )
        .await
    });

    let big = events::page_json(&events::events_json(DECODE_PAGE), "");
    eprintln!(
        "client_overhead: decoding a page of {DECODE_PAGE} events ({}), {decode_rounds} rounds of {decode_calls} ...",
        bytes(big.len())
    );
    let decode = runtime.block_on(abba::run(
        decode_rounds,
        decode_calls,
        || async { serde_json::from_slice::<PlainList>(&big).expect("a plain page") },
        || async { serde_json::from_slice::<AuditEventList>(&big).expect("our page") },
    ));
    report(
        &list,
        rounds,
        requests,
        &decode,
        big.len(),
        decode_rounds,
        decode_calls,
    );
}

/// What our client sends besides the request line: accept, bearer token, tenant,
/// api-version.
fn plain_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_static("Bearer bench-token"),
    );
    headers.insert("amperity-tenant", HeaderValue::from_static("acme"));
    headers.insert("api-version", HeaderValue::from_static("2024-04-01"));
    headers
}

/// The hand-written baseline: one GET, a status check, the body decoded into a plain struct.
async fn plain_page(client: &reqwest::Client, url: &str) -> PlainList {
    client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("an answer")
        .json::<PlainList>()
        .await
        .expect("a plain page")
}

fn report(
    list: &Abba,
    rounds: usize,
    requests: usize,
    decode: &Abba,
    decode_bytes: usize,
    decode_rounds: usize,
    decode_calls: usize,
) {
    let (low, ratio, high) = list.throughput_ratio();
    let per_s = |side: &abba::Side| 1.0 / side.median_per_call();
    println!();
    println!(
        "### Client overhead: `list_events().limit(100).send()`, {REQUEST_PAGE} audit events per page \
         ({rounds} ABBA rounds × {requests} sequential requests per side)"
    );
    println!();
    println!(
        "| client | requests/s | p50 | p90 | p99 | throughput ratio to baseline (quartiles) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| baseline: hand-written `reqwest` + `serde_json` into a plain struct | {:.0} | {} | {} | {} | 1.000 |",
        per_s(&list.baseline),
        fmt_us(list.baseline.latency(0.5)),
        fmt_us(list.baseline.latency(0.9)),
        fmt_us(list.baseline.latency(0.99)),
    );
    println!(
        "| ours: generated client, limiter off, default retries | {:.0} | {} | {} | {} | {ratio:.3} ({low:.3} – {high:.3}) |",
        per_s(&list.subject),
        fmt_us(list.subject.latency(0.5)),
        fmt_us(list.subject.latency(0.9)),
        fmt_us(list.subject.latency(0.99)),
    );
    let (d_low, d_ratio, d_high) = decode.time_ratio();
    println!();
    println!(
        "### Decoding a page of {DECODE_PAGE} audit events ({}; {decode_rounds} ABBA rounds × {decode_calls} decodes per side)",
        bytes(decode_bytes)
    );
    println!();
    println!("| model | time per page (median) | MiB/s | time ratio to baseline (quartiles) |");
    println!("|---|---:|---:|---:|");
    let mib_s = |side: &abba::Side| decode_bytes as f64 / side.median_per_call() / 1048576.0;
    println!(
        "| baseline: plain `#[derive(Deserialize)]` struct | {} | {:.0} | 1.000 |",
        fmt_us(Duration::from_secs_f64(decode.baseline.median_per_call())),
        mib_s(&decode.baseline),
    );
    println!(
        "| ours: `AuditEventList` | {} | {:.0} | {d_ratio:.3} ({d_low:.3} – {d_high:.3}) |",
        fmt_us(Duration::from_secs_f64(decode.subject.median_per_call())),
        mib_s(&decode.subject),
    );

    summary::record(
        "client.baseline_rps",
        format_args!("{:.0}", per_s(&list.baseline)),
    );
    summary::record(
        "client.ours_rps",
        format_args!("{:.0}", per_s(&list.subject)),
    );
    summary::record("client.throughput_ratio", format_args!("{ratio:.4}"));
    for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
        let us = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e6);
        summary::record(
            &format!("client.baseline_{name}_us"),
            us(list.baseline.latency(q)),
        );
        summary::record(
            &format!("client.ours_{name}_us"),
            us(list.subject.latency(q)),
        );
    }
    summary::record("decode.time_ratio", format_args!("{d_ratio:.4}"));
}

fn fmt_us(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}
