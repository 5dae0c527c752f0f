//! The runtime's behaviours end to end, against wiremock on 127.0.0.1: pagination, the
//! rate limiter's shared back-off, retries, OAuth2 client credentials, timeouts,
//! deprecation notices and the workflow waiter. (The rules themselves are unit-tested
//! with injected time in `amperity-runtime`.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amperity_generated::control_plane::models::WorkflowRunRequest;
use amperity_generated::control_plane::{Client, ClientBuilder};
use amperity_generated::runtime::{
    DeprecationNotice, Error, RateLimit, RateLimiter, RetryPolicy, WaitError, WaitOptions,
};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "static-token";
const SECRET: &str = "s3cret-value";
const WF: &str = "wf-20240603-12345-MNabc";

/// Fast retries, so the tests never wait long.
fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_secs(2))
}

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder("acme")
        .base_url(format!("{}/api", server.uri()))
        .bearer_token(TOKEN)
        .no_rate_limit()
        .retry(quick_retries(3))
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn segment(n: usize) -> Value {
    json!({"id": format!("seg-{n}"), "name": format!("Segment {n}"), "status": "active"})
}

fn workflow(state: &str) -> Value {
    json!({
        "id": WF, "state": state, "type": "courier_group", "name": "Daily",
        "tenant": "acme", "created_at": "2024-06-03T12:00:00Z"
    })
}

async fn requests_to(server: &MockServer, route: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap_or_default();
    all.into_iter().filter(|r| r.url.path() == route).collect()
}

fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

// --- Pagination ---------------------------------------------------------------------------

/// Serves `pages` pages of `per_page` segments; page k is asked for with `tok-k` and
/// points at `tok-(k+1)`; the last page ends with `last` (absent or empty).
struct SegmentPages {
    pages: usize,
    per_page: usize,
    last: Option<&'static str>,
}

impl Respond for SegmentPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page = match query(request, "next_token") {
            None => 0,
            Some(token) => token
                .trim_start_matches("tok-")
                .parse()
                .unwrap_or(usize::MAX),
        };
        if page >= self.pages {
            return ResponseTemplate::new(400).set_body_json(json!({"message": "bad token"}));
        }
        let data: Vec<Value> = (0..self.per_page)
            .map(|i| segment(page * self.per_page + i))
            .collect();
        let mut body = json!({ "data": data });
        if page + 1 < self.pages {
            body["next_token"] = json!(format!("tok-{}", page + 1));
        } else if let Some(last) = self.last {
            body["next_token"] = json!(last);
        }
        if query(request, "with_total").as_deref() == Some("true") {
            body["total"] = json!(self.pages * self.per_page);
        }
        ok(body)
    }
}

async fn paged_server(pages: usize, per_page: usize, last: Option<&'static str>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(SegmentPages {
            pages,
            per_page,
            last,
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn stream_walks_every_page_in_order_and_sends_limit_each_time() {
    let server = paged_server(25, 4, None).await;
    let client = builder(&server).build().unwrap();

    let segments: Vec<_> = client
        .list_segment()
        .limit(4)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<String> = segments.iter().map(|s| s.id.clone()).collect();
    let expected: Vec<String> = (0..100).map(|n| format!("seg-{n}")).collect();
    assert_eq!(ids, expected);
    let sent = requests_to(&server, "/api/segments").await;
    assert_eq!(sent.len(), 25);
    for (k, request) in sent.iter().enumerate() {
        assert_eq!(query(request, "limit").as_deref(), Some("4"), "page {k}");
        let expected = (k > 0).then(|| format!("tok-{k}"));
        assert_eq!(query(request, "next_token"), expected, "page {k}");
    }
}

#[tokio::test]
async fn stream_fetches_lazily_and_is_static() {
    let server = paged_server(10, 3, None).await;
    let client = builder(&server).build().unwrap();

    // 'static: the stream can move into a task; the client here is dropped first.
    let stream = client.list_segment().stream();
    drop(client);
    let first_four = tokio::spawn(async move {
        let mut stream = stream;
        let mut ids = Vec::new();
        while ids.len() < 4 {
            ids.push(stream.try_next().await.unwrap().unwrap().id);
        }
        (ids, stream.pages_fetched())
    })
    .await
    .unwrap();

    assert_eq!(first_four.0, ["seg-0", "seg-1", "seg-2", "seg-3"]);
    assert_eq!(first_four.1, 2, "four items need two pages of three");
    assert_eq!(requests_to(&server, "/api/segments").await.len(), 2);
}

#[tokio::test]
async fn an_empty_next_token_ends_the_stream_and_pages_keep_total() {
    let server = paged_server(3, 2, Some("")).await;
    let client = builder(&server).build().unwrap();

    let pages: Vec<_> = client
        .list_segment()
        .with_total(true)
        .pages()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(pages.len(), 3);
    assert!(
        pages
            .iter()
            .all(|p| p.total == Some(6) && p.status() == 200)
    );
    assert_eq!(pages[2].next_token.as_deref(), Some(""));
    let sent = requests_to(&server, "/api/segments").await;
    assert_eq!(sent.len(), 3, "the empty token is never sent");
    assert!(
        sent.iter()
            .all(|r| query(r, "next_token").as_deref() != Some(""))
    );
}

#[tokio::test]
async fn a_repeated_next_token_fails_instead_of_looping() {
    let server = MockServer::start().await;
    let body = json!({"data": [segment(1)], "next_token": "same"});
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(ok(body))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();

    let results: Vec<_> = client.list_segment().stream().collect().await;

    // Page 1 hands out "same"; page 2 hands it out again, so page 2 is not trusted.
    assert_eq!(results.len(), 2, "one item, then the error: {results:?}");
    let err = results[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::Pagination(_)), "{err:?}");
    assert!(err.to_string().contains("\"same\""), "{err}");
    assert_eq!(requests_to(&server, "/api/segments").await.len(), 2);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let server = paged_server(2, 2, None).await;
    // Page 2 is asked for with tok-2, which this server refuses with a 400.
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(ok(json!({"data": [segment(9)], "next_token": "tok-7"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();

    let results: Vec<_> = client.list_segment().stream().collect().await;

    assert_eq!(results.len(), 2);
    assert_eq!(
        results[1]
            .as_ref()
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(400)
    );
}

// --- Retries ------------------------------------------------------------------------------

async fn answer_first_with(
    server: &MockServer,
    verb: &str,
    route: &str,
    times: u64,
    first: ResponseTemplate,
    then: ResponseTemplate,
) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(then)
        .mount(server)
        .await;
}

#[tokio::test]
async fn too_many_requests_is_retried_for_get_and_for_post() {
    let server = MockServer::start().await;
    let busy =
        || ResponseTemplate::new(429).set_body_json(json!({"status": 429, "message": "slow down"}));
    answer_first_with(
        &server,
        "GET",
        "/api/segments",
        1,
        busy(),
        ok(json!({"data": []})),
    )
    .await;
    answer_first_with(
        &server,
        "POST",
        "/api/workflow/runs",
        2,
        busy(),
        ResponseTemplate::new(201).set_body_json(workflow("scheduled")),
    )
    .await;
    let client = builder(&server).build().unwrap();

    client.list_segment().send().await.unwrap();
    let started = client
        .run_workflow(WorkflowRunRequest::new("cfg-1"))
        .send()
        .await
        .unwrap();

    assert_eq!(started.id, WF);
    assert_eq!(requests_to(&server, "/api/segments").await.len(), 2);
    let posts = requests_to(&server, "/api/workflow/runs").await;
    assert_eq!(
        posts.len(),
        3,
        "a 429 means the workflow did not start: safe to resend"
    );
    assert!(posts.iter().all(|p| p.body == posts[0].body));
}

#[tokio::test]
async fn server_errors_on_get_are_retried_and_the_final_error_counts_attempts() {
    let server = MockServer::start().await;
    let unavailable = || ResponseTemplate::new(503).set_body_string("<html>busy</html>");
    answer_first_with(
        &server,
        "GET",
        "/api/segments",
        2,
        unavailable(),
        ok(json!({"data": []})),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/campaigns"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();

    let recovered = client.list_segment().send().await.unwrap();
    let gave_up = client.list_campaign().send().await.unwrap_err();

    assert_eq!(recovered.status(), 200);
    assert_eq!(requests_to(&server, "/api/segments").await.len(), 3);
    assert_eq!(gave_up.attempts(), 3);
    assert_eq!(gave_up.status().map(|s| s.as_u16()), Some(502));
    assert!(
        gave_up.to_string().contains("after 3 attempts"),
        "{gave_up}"
    );
    assert_eq!(requests_to(&server, "/api/campaigns").await.len(), 3);
}

#[tokio::test]
async fn a_workflow_start_is_never_replayed_after_an_answer_that_may_mean_it_ran() {
    for status in [500, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/workflow/runs"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let client = builder(&server).retry(quick_retries(5)).build().unwrap();

        let err = client
            .run_workflow(WorkflowRunRequest::new("cfg-1"))
            .send()
            .await
            .unwrap_err();

        assert_eq!(err.attempts(), 1, "{status}");
        assert_eq!(
            requests_to(&server, "/api/workflow/runs").await.len(),
            1,
            "{status}"
        );
    }
    // A timeout may mean it ran too.
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(201)
        .set_body_json(workflow("scheduled"))
        .set_delay(Duration::from_millis(400));
    Mock::given(method("POST"))
        .and(path("/api/workflow/runs"))
        .respond_with(slow)
        .mount(&server)
        .await;
    let client = builder(&server).retry(quick_retries(5)).build().unwrap();
    let err = client
        .run_workflow(WorkflowRunRequest::new("cfg-1"))
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(requests_to(&server, "/api/workflow/runs").await.len(), 1);
}

#[tokio::test]
async fn an_attempt_timeout_is_retried_and_named() {
    let server = MockServer::start().await;
    let slow = ok(json!({"data": []})).set_delay(Duration::from_millis(400));
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(slow)
        .mount(&server)
        .await;
    let client = builder(&server)
        .attempt_timeout(Duration::from_millis(50))
        .retry(quick_retries(2))
        .build()
        .unwrap();

    let err = client.list_segment().send().await.unwrap_err();

    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert!(err.to_string().contains("attempt timeout of 50ms"), "{err}");
    assert_eq!(requests_to(&server, "/api/segments").await.len(), 2);
}

#[tokio::test]
async fn a_calls_timeout_bounds_every_attempt_and_wait() {
    let server = MockServer::start().await;
    let slow = ok(json!({"data": []})).set_delay(Duration::from_secs(2));
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(slow)
        .mount(&server)
        .await;
    // Ten attempts of 150 ms each would take 1.5 s; the call has 400 ms.
    let client = builder(&server)
        .attempt_timeout(Duration::from_millis(150))
        .retry(quick_retries(10))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client
        .list_segment()
        .timeout(Duration::from_millis(400))
        .send()
        .await
        .unwrap_err();
    let took = started.elapsed();

    let Error::Timeout(timeout) = &err else {
        panic!("expected the call's timeout: {err:?}");
    };
    assert!(err.is_timeout());
    assert_eq!(timeout.timeout(), Duration::from_millis(400));
    assert!(timeout.attempts() >= 2, "{err}");
    assert!(
        matches!(timeout.last_failure(), Some(last) if last.is_timeout()),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("the call's timeout of 400ms"),
        "{err}"
    );
    assert!(took < Duration::from_millis(1200), "{took:?}");
    let sent = requests_to(&server, "/api/segments").await.len();
    assert!((2..10).contains(&sent), "{sent} requests");
}

#[tokio::test]
async fn a_retry_that_cannot_start_in_time_ends_the_call_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    // The builder's timeout applies to every call.
    let client = builder(&server)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.list_segment().send().await.unwrap_err();

    // The server asked for 1 s: the call does not sleep into a certain timeout.
    assert!(started.elapsed() < Duration::from_millis(500));
    let Error::Timeout(timeout) = &err else {
        panic!("expected the call's timeout: {err:?}");
    };
    assert_eq!(timeout.attempts(), 1);
    assert_eq!(
        timeout.last_failure().and_then(Error::status),
        Some(amperity_generated::runtime::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert!(err.to_string().contains("leaves no time"), "{err}");
    assert_eq!(requests_to(&server, "/api/segments").await.len(), 1);
}

// --- Rate limiting ------------------------------------------------------------------------

/// Answers with `template` and records when each request arrived.
struct Clocked {
    arrivals: Arc<Mutex<Vec<(String, Instant)>>>,
    template: ResponseTemplate,
}

impl Respond for Clocked {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.arrivals
            .lock()
            .unwrap()
            .push((request.url.path().to_owned(), Instant::now()));
        self.template.clone()
    }
}

#[tokio::test]
async fn a_429_pauses_every_request_on_the_limiter() {
    let server = MockServer::start().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let clocked = |template: ResponseTemplate| Clocked {
        arrivals: arrivals.clone(),
        template,
    };
    let refused = ResponseTemplate::new(429).insert_header("retry-after", "1");
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(clocked(refused))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(clocked(ok(json!({"data": []}))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/campaigns"))
        .respond_with(clocked(ok(json!({"data": []}))))
        .mount(&server)
        .await;
    let client = Client::builder("acme")
        .base_url(format!("{}/api", server.uri()))
        .bearer_token(TOKEN)
        .rate_limit(RateLimit::per_second(1000))
        .retry(quick_retries(3))
        .build()
        .unwrap();

    let first = tokio::spawn({
        let client = client.clone();
        async move { client.list_segment().send().await.map(|_| ()) }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.list_campaign().send().await.unwrap();
    first.await.unwrap().unwrap();

    let arrivals = arrivals.lock().unwrap().clone();
    let refused_at = arrivals[0].1;
    let other = arrivals
        .iter()
        .find(|(p, _)| p == "/api/campaigns")
        .unwrap()
        .1;
    assert!(
        other - refused_at >= Duration::from_millis(900),
        "another request on the same limiter went out {:?} after the 429",
        other - refused_at
    );
}

#[tokio::test]
async fn clones_share_one_limiter_which_handles_can_share_further() {
    let server = MockServer::start().await;
    let client = Client::builder("acme")
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    let limiter = client
        .runtime()
        .rate_limiter()
        .expect("on by default")
        .clone();
    assert_eq!(
        limiter.limit(),
        Some(RateLimit::per_second(10)),
        "the control plane's documented limit"
    );
    assert!(
        client
            .clone()
            .runtime()
            .rate_limiter()
            .unwrap()
            .same_as(&limiter)
    );

    let sharing = Client::builder("acme")
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .rate_limiter(limiter.clone())
        .build()
        .unwrap();
    assert!(sharing.runtime().rate_limiter().unwrap().same_as(&limiter));
    let separate = Client::builder("acme")
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    assert!(!separate.runtime().rate_limiter().unwrap().same_as(&limiter));
    let off = Client::builder("acme")
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .no_rate_limit()
        .build()
        .unwrap();
    assert!(off.runtime().rate_limiter().is_none());
    let zero = Client::builder("acme")
        .bearer_token(TOKEN)
        .rate_limit(RateLimit::per_second(0))
        .build();
    assert!(matches!(zero, Err(Error::Config(_))));
    assert!(RateLimiter::new(RateLimit::per_second(0)).is_err());
}

// --- OAuth2 client credentials --------------------------------------------------------------

/// Hands out `tok-1`, `tok-2`, ... and counts the requests.
struct TokenEndpoint {
    issued: Arc<AtomicUsize>,
    delay: Duration,
}

impl Respond for TokenEndpoint {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ok(json!({"access_token": format!("tok-{n}"), "expires_in": 3600, "token_type": "Bearer"}))
            .set_delay(self.delay)
    }
}

async fn oauth_server(delay: Duration) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/api/v0/oauth2/token"))
        .respond_with(TokenEndpoint {
            issued: issued.clone(),
            delay,
        })
        .mount(&server)
        .await;
    (server, issued)
}

fn oauth_builder(server: &MockServer) -> ClientBuilder {
    Client::builder("acme")
        .base_url(format!("{}/api", server.uri()))
        .client_credentials("app-id", SECRET)
        .token_url(format!("{}/api/v0/oauth2/token", server.uri()))
        .no_rate_limit()
        .retry(quick_retries(3))
}

#[tokio::test]
async fn client_credentials_are_exchanged_once_and_the_token_is_reused() {
    let (server, issued) = oauth_server(Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ok(json!({"data": []})))
        .mount(&server)
        .await;
    let client = oauth_builder(&server).build().unwrap();

    client.list_segment().send().await.unwrap();
    client.clone().list_segment().send().await.unwrap();

    assert_eq!(issued.load(Ordering::SeqCst), 1);
    let token_request = &requests_to(&server, "/api/v0/oauth2/token").await[0];
    assert_eq!(token_request.headers["x-amperity-tenant"], "acme");
    assert_eq!(
        token_request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&token_request.body)
        .into_owned()
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        form,
        [
            ("grant_type", "client_credentials"),
            ("client_id", "app-id"),
            ("client_secret", SECRET)
        ]
    );
}

#[tokio::test]
async fn a_401_fetches_a_new_token_and_retries_once() {
    let (server, issued) = oauth_server(Duration::ZERO).await;
    let unauthorized = || {
        ResponseTemplate::new(401).set_body_json(json!({"status": 401, "message": "token revoked"}))
    };
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(unauthorized())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ok(json!({"data": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/campaigns"))
        .respond_with(unauthorized())
        .mount(&server)
        .await;
    let client = oauth_builder(&server).build().unwrap();

    client.list_segment().send().await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 2);

    // A 401 with a fresh token too is the caller's problem: one refresh, no loop.
    let err = client.list_campaign().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.attempts(), 2);
    assert_eq!(issued.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn fifty_concurrent_calls_share_one_token_fetch() {
    let (server, issued) = oauth_server(Duration::from_millis(200)).await;
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(ok(json!({"data": []})))
        .mount(&server)
        .await;
    let client = oauth_builder(&server).build().unwrap();

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_segment().send().await.map(|_| ()) })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }

    assert_eq!(issued.load(Ordering::SeqCst), 1);
    let sent = requests_to(&server, "/api/segments").await;
    assert_eq!(sent.len(), 50);
    assert!(
        sent.iter()
            .all(|r| r.headers["authorization"] == "Bearer tok-1")
    );
}

#[tokio::test]
async fn a_refused_exchange_is_an_auth_error_that_never_shows_the_secret() {
    let server = MockServer::start().await;
    let refused = ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"}));
    Mock::given(method("POST"))
        .and(path("/api/v0/oauth2/token"))
        .respond_with(refused)
        .mount(&server)
        .await;
    let client = oauth_builder(&server).build().unwrap();

    let err = client.list_segment().send().await.unwrap_err();

    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let shown = format!(
        "{err} / {err:?} / {client:?} / {:?}",
        oauth_builder(&server)
    );
    assert!(
        shown.contains("app-id") && shown.contains("invalid_client"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(requests_to(&server, "/api/segments").await.is_empty());
}

// --- Deprecation, tracing ---------------------------------------------------------------------

/// A tracing subscriber for this thread that writes into a buffer.
fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || Sink(writer.clone()))
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(flavor = "current_thread")]
async fn deprecation_is_warned_once_per_operation_and_reaches_the_callback() {
    let (logs, _guard) = capture_logs();
    let server = MockServer::start().await;
    let deprecated = |body: Value| {
        ok(body)
            .insert_header("deprecation", "@1767225600")
            .insert_header("sunset", "Thu, 31 Dec 2026 23:59:59 GMT")
    };
    Mock::given(method("GET"))
        .and(path("/api/segments"))
        .respond_with(deprecated(json!({"data": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/campaigns"))
        .respond_with(deprecated(json!({"data": []})))
        .mount(&server)
        .await;
    let notices: Arc<Mutex<Vec<DeprecationNotice>>> = Arc::default();
    let seen = notices.clone();
    let client = builder(&server)
        .on_deprecation(move |n| seen.lock().unwrap().push(n.clone()))
        .build()
        .unwrap();

    let response = client.list_segment().send().await.unwrap();
    client.list_segment().send().await.unwrap();
    client.clone().list_segment().send().await.unwrap();
    client.list_campaign().send().await.unwrap();

    let deprecation = response.deprecation().expect("parsed from the headers");
    assert_eq!(
        deprecation.deprecated_at.unwrap().to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    assert_eq!(
        deprecation.sunset.unwrap().to_rfc3339(),
        "2026-12-31T23:59:59+00:00"
    );
    let notices = notices.lock().unwrap();
    let operations: Vec<&str> = notices.iter().map(|n| n.operation_id).collect();
    assert_eq!(operations, ["list-segment", "list-campaign"]);
    assert_eq!(notices[0].path, "/segments");
    assert_eq!(notices[0].api_version, "2024-04-01");
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert_eq!(logs.matches("is deprecated").count(), 2, "{logs}");
    assert!(logs.contains("WARN"), "{logs}");
}

#[tokio::test(flavor = "current_thread")]
async fn every_request_is_traced_without_credentials() {
    let (logs, _guard) = capture_logs();
    let (server, _) = oauth_server(Duration::ZERO).await;
    answer_first_with(
        &server,
        "GET",
        "/api/workflow/runs/wf-1",
        1,
        ResponseTemplate::new(503),
        ok(workflow("running")),
    )
    .await;
    let client = oauth_builder(&server).build().unwrap();

    client.get_workflow("wf-1").send().await.unwrap();

    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    for expected in [
        "amperity_request",
        "operation=\"get-workflow\"",
        "path=\"/workflow/runs/{workflow-id}\"",
        "method=GET",
        "attempt=2",
        "retrying",
    ] {
        assert!(logs.contains(expected), "missing {expected:?} in\n{logs}");
    }
    for secret in [SECRET, "tok-1", "Bearer"] {
        assert!(!logs.contains(secret), "{secret:?} leaked into\n{logs}");
    }
}

// --- The workflow waiter --------------------------------------------------------------------

/// Answers `states` in turn, then the last one forever.
struct States(Vec<&'static str>, AtomicUsize);

impl Respond for States {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst).min(self.0.len() - 1);
        ok(workflow(self.0[n]))
    }
}

#[tokio::test]
async fn run_workflow_and_wait_polls_until_a_final_state() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/workflow/runs"))
        .respond_with(ResponseTemplate::new(201).set_body_json(workflow("scheduled")))
        .expect(1)
        .mount(&server)
        .await;
    let states = States(
        vec!["running", "Finalizing", "succeeded"],
        AtomicUsize::new(0),
    );
    Mock::given(method("GET"))
        .and(path(format!("/api/workflow/runs/{WF}")))
        .respond_with(states)
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let options = WaitOptions::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(10));

    let done = client
        .run_workflow_and_wait(WorkflowRunRequest::new("cfg-1"), options)
        .await
        .unwrap();

    assert_eq!(done.state, "succeeded");
    assert_eq!(
        requests_to(&server, &format!("/api/workflow/runs/{WF}"))
            .await
            .len(),
        3
    );
}

#[tokio::test]
async fn waiting_gives_up_at_the_deadline_with_the_last_state() {
    let server = MockServer::start().await;
    let states = States(vec!["running"], AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path(format!("/api/workflow/runs/{WF}")))
        .respond_with(states)
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let options = WaitOptions::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_millis(60));

    let err = client.wait_for_workflow(WF, options).await.unwrap_err();

    match err {
        WaitError::TimedOut { last, waited } => {
            assert_eq!(last.state, "running");
            assert!(waited >= Duration::from_millis(60), "{waited:?}");
        }
        other => panic!("expected a timeout: {other:?}"),
    }
}
