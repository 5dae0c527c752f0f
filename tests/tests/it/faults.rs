//! Fault injection on loopback: 429 storms, 5xx bursts, connections reset mid-body,
//! truncated and malformed JSON, an HTML error page, an empty 200, a body over the size
//! cap, servers that stall. Each ends in a typed error or a bounded retry, never a panic
//! or a hang (every call runs under a deadline), and `POST /workflow/runs` is never sent
//! twice after an answer that may mean it ran. Also: what cannot leak or escape.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amperity_generated::control_plane::models::WorkflowRunRequest;
use amperity_generated::control_plane::{Client, ClientBuilder};
use amperity_generated::runtime::{Error, RetryPolicy};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ATTEMPTS: u32 = 3;

/// Nothing here may take long: a hang fails the test instead of stalling the suite.
async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("the call ended instead of hanging")
}

fn builder(base_url: String) -> ClientBuilder {
    Client::builder("acme")
        .base_url(base_url)
        .bearer_token("fault-token")
        .no_rate_limit()
        .attempt_timeout(Duration::from_millis(300))
        .retry(
            RetryPolicy::default()
                .max_attempts(ATTEMPTS)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(20)),
        )
}

fn start_request() -> WorkflowRunRequest {
    WorkflowRunRequest::new("cfg-1")
}

// --- A raw TCP server for faults wiremock cannot produce ----------------------------------

#[derive(Clone, Copy)]
enum Fault {
    /// Sends these bytes, then closes the connection.
    SendAndClose(&'static [u8]),
    /// Sends these bytes, then keeps the connection open without a word more.
    SendAndStall(&'static [u8]),
}

/// Serves `fault` to every connection; counts the requests that reached it.
async fn raw_server(fault: Fault) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                // Read the request head (and whatever body came with it).
                let mut seen = Vec::new();
                let mut buffer = [0u8; 4096];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buffer[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                match fault {
                    Fault::SendAndClose(bytes) => {
                        let _ = socket.write_all(bytes).await;
                        let _ = socket.shutdown().await;
                    }
                    Fault::SendAndStall(bytes) => {
                        let _ = socket.write_all(bytes).await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    (format!("http://{address}/api"), requests)
}

const RESET_MID_BODY: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"data\": [{\"id\": \"seg";
const HEADERS_THEN_NOTHING: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n";

#[tokio::test]
async fn a_connection_reset_mid_body_is_retried_for_get_and_never_for_the_workflow_start() {
    let (url, requests) = raw_server(Fault::SendAndClose(RESET_MID_BODY)).await;
    let client = builder(url).build().unwrap();

    let err = within(client.list_segment().send()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.attempts(), ATTEMPTS);
    assert_eq!(requests.load(Ordering::SeqCst), ATTEMPTS as usize);

    requests.store(0, Ordering::SeqCst);
    let err = within(client.run_workflow(start_request()).send())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "the start may have run: never resent"
    );
}

#[tokio::test]
async fn a_server_that_stalls_times_out_each_attempt() {
    for fault in [
        Fault::SendAndStall(b""),
        Fault::SendAndStall(HEADERS_THEN_NOTHING),
    ] {
        let (url, requests) = raw_server(fault).await;
        let client = builder(url).build().unwrap();

        let err = within(client.list_segment().send()).await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(err.attempts(), ATTEMPTS);
        assert_eq!(requests.load(Ordering::SeqCst), ATTEMPTS as usize);

        requests.store(0, Ordering::SeqCst);
        let err = within(client.run_workflow(start_request()).send())
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(requests.load(Ordering::SeqCst), 1);
    }
}

// --- Faults wiremock can produce --------------------------------------------------------------

async fn serving(verb: &str, route: &str, response: ResponseTemplate) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = builder(format!("{}/api", server.uri())).build().unwrap();
    (server, client)
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test]
async fn a_429_storm_is_retried_a_bounded_number_of_times_for_every_method() {
    let storm = ResponseTemplate::new(429)
        .set_body_json(json!({"status": 429, "message": "Too Many Requests"}));
    let (server, client) = serving("GET", "/api/segments", storm.clone()).await;
    Mock::given(method("POST"))
        .and(path("/api/workflow/runs"))
        .respond_with(storm)
        .mount(&server)
        .await;

    let get = within(client.list_segment().send()).await.unwrap_err();
    let post = within(client.run_workflow(start_request()).send())
        .await
        .unwrap_err();

    for err in [&get, &post] {
        assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
        assert_eq!(err.attempts(), ATTEMPTS, "{err}");
    }
    assert_eq!(count(&server).await, 2 * ATTEMPTS as usize);
}

#[tokio::test]
async fn a_5xx_burst_with_an_html_page_is_retried_for_get_only() {
    let page = ResponseTemplate::new(502).set_body_raw(
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "text/html",
    );
    let (server, client) = serving("GET", "/api/segments", page.clone()).await;
    Mock::given(method("POST"))
        .and(path("/api/workflow/runs"))
        .respond_with(page)
        .mount(&server)
        .await;

    let get = within(client.list_segment().send()).await.unwrap_err();
    let Error::Api(api) = &get else {
        panic!("{get:?}")
    };
    assert_eq!(api.status(), 502);
    assert!(api.body().is_none(), "HTML is not an error body");
    assert!(get.to_string().contains("502 Bad Gateway"), "{get}");
    assert_eq!(get.attempts(), ATTEMPTS);

    let post = within(client.run_workflow(start_request()).send())
        .await
        .unwrap_err();
    assert_eq!(post.attempts(), 1);
    assert_eq!(count(&server).await, ATTEMPTS as usize + 1);
}

#[tokio::test]
async fn truncated_malformed_and_empty_success_bodies_are_decode_errors_sent_once() {
    for body in [
        r#"{"data": [{"id": "seg-1", "name": "#,
        "{data: []}",
        "",
        "null",
        "<html>ok</html>",
    ] {
        let response = ResponseTemplate::new(200).set_body_raw(body, "application/json");
        let (server, client) = serving("GET", "/api/segments", response).await;

        let err = within(client.list_segment().send()).await.unwrap_err();

        let Error::Decode(decode) = &err else {
            panic!("{body:?}: {err:?}")
        };
        assert_eq!(decode.raw_body().as_ref(), body.as_bytes());
        assert_eq!(err.attempts(), 1, "a 200 is an answer: not retried");
        assert_eq!(count(&server).await, 1);
    }
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_without_being_read() {
    let big = "x".repeat(2 * 1024 * 1024);
    let (server, _) = serving(
        "GET",
        "/api/segments",
        ResponseTemplate::new(200).set_body_raw(big, "application/json"),
    )
    .await;
    let client = builder(format!("{}/api", server.uri()))
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();

    let err = within(client.list_segment().send()).await.unwrap_err();

    assert!(matches!(err, Error::ResponseTooLarge(_)), "{err:?}");
    assert!(err.to_string().contains("1048576"), "{err}");
    assert_eq!(
        count(&server).await,
        1,
        "the same request would bring the same body"
    );
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_cut_off() {
    // No content-length: the cap applies while reading.
    static CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n400\r\n";
    let (url, _) = raw_server(Fault::SendAndStall(CHUNKED)).await;
    let client = builder(url).max_response_bytes(100).build().unwrap();

    let err = within(client.list_segment().send()).await.unwrap_err();

    // Either the cap (the first chunk announces 1 KiB) or the stall's timeout ends it.
    assert!(
        matches!(err, Error::ResponseTooLarge(_)) || err.is_timeout(),
        "{err:?}"
    );
}

// --- Secrets and injection ----------------------------------------------------------------------

#[tokio::test]
async fn path_parameters_cannot_escape_their_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = builder(format!("{}/api", server.uri())).build().unwrap();

    for id in [
        "../../admin",
        "a/b",
        "x?admin=true",
        "y#frag",
        "%2e%2e",
        "a b",
    ] {
        let _ = within(client.get_workflow(id).send()).await;
    }
    for refused in ["..", ".", ""] {
        let err = within(client.get_workflow(refused).send())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest(_)),
            "{refused:?}: {err:?}"
        );
    }

    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/api/workflow/runs/..%2F..%2Fadmin",
            "/api/workflow/runs/a%2Fb",
            "/api/workflow/runs/x%3Fadmin%3Dtrue",
            "/api/workflow/runs/y%23frag",
            "/api/workflow/runs/%252e%252e",
            "/api/workflow/runs/a%20b",
        ]
    );
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.url.query().is_none() && r.url.fragment().is_none())
    );
}

#[tokio::test]
async fn line_breaks_in_configuration_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let base = format!("{}/api", server.uri());
    let tenant = Client::builder("acme\r\nx-injected: 1")
        .base_url(base.clone())
        .bearer_token("t")
        .build();
    assert!(matches!(tenant, Err(Error::Config(_))), "{tenant:?}");
    let token = Client::builder("acme")
        .base_url(base.clone())
        .bearer_token("t\r\nx-injected: 1")
        .build();
    assert!(matches!(token, Err(Error::Config(_))));
    let plain = Client::builder("acme")
        .base_url("http://api.example.com/api")
        .bearer_token("t")
        .build();
    assert!(matches!(plain, Err(Error::Config(m)) if m.contains("https")));
    assert!(server.received_requests().await.unwrap().is_empty());
}
