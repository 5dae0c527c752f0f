//! The mock server: a wiremock server on loopback, the clients configured for it, the
//! log of what it received, and the check of every stub's expectations.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use super::oauth::TokenEndpoint;
use crate::{Api, ClientBuilder, RetryPolicy};

/// The tenant the mock's clients send.
pub const TENANT: &str = "acme";

/// The static bearer token of [`MockServer::client_builder`]'s clients.
pub const TOKEN: &str = "mock-token";

/// How many requests the log shows in a failure message.
const LOG_SHOWN: usize = 50;

/// A mock Amperity server on loopback. Cheap to clone (clones share one server); when
/// the last clone is dropped, every stub's expectations are checked (see
/// [`MockServer::verify`]) and the server stops.
#[derive(Clone)]
pub struct MockServer {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) server: wiremock::MockServer,
    /// Every request, in order of arrival, with the stub that answered it.
    log: Arc<Mutex<Vec<String>>>,
    /// Requests that no stub matched.
    unmatched: Arc<AtomicU64>,
    allow_unmatched: AtomicBool,
    expectations: Mutex<Vec<Expectation>>,
    tokens: tokio::sync::Mutex<Option<TokenEndpoint>>,
}

/// A stub's call count and what it should be at the end.
struct Expectation {
    label: String,
    calls: Arc<AtomicU64>,
    expected: u64,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("uri", &self.uri())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1` (a free port). Requests no stub matches are answered
    /// `404` with a JSON error body that says so, and fail the test at the end unless
    /// [`MockServer::allow_unmatched`] was called.
    pub async fn start() -> Self {
        let server = wiremock::MockServer::start().await;
        let log = Arc::new(Mutex::new(Vec::new()));
        let unmatched = Arc::new(AtomicU64::new(0));
        Mock::given(any())
            .respond_with(Fallback {
                log: log.clone(),
                unmatched: unmatched.clone(),
            })
            .with_priority(u8::MAX)
            .named("amperity mock: no stub matched")
            .mount(&server)
            .await;
        Self {
            inner: Arc::new(Inner {
                server,
                log,
                unmatched,
                allow_unmatched: AtomicBool::new(false),
                expectations: Mutex::new(Vec::new()),
                tokens: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// The server's root URL, e.g. `http://127.0.0.1:41234` (without the API's base path).
    pub fn uri(&self) -> String {
        self.inner.server.uri()
    }

    /// The base URL for API `A`: the server's root followed by the path of the API's
    /// default server (`/api` for Amperity's), so requests take the paths they take in
    /// production.
    pub fn base_url<A: Api>(&self) -> String {
        format!("{}{}", self.uri(), base_path::<A>())
    }

    /// A client builder for API `A` pointed at this server: tenant [`TENANT`], bearer
    /// token [`TOKEN`], no rate limit, and retries as the default policy makes them but
    /// with delays of a few milliseconds (a `Retry-After` of up to 5 s is still honoured).
    /// Change anything before `build()`.
    pub fn client_builder<A: Api>(&self) -> ClientBuilder<A> {
        ClientBuilder::new()
            .tenant(TENANT)
            .base_url(self.base_url::<A>())
            .bearer_token(TOKEN)
            .no_rate_limit()
            .retry(quick_retries())
    }

    /// Like [`MockServer::client_builder`], but with OAuth2 client credentials
    /// ([`super::CLIENT_ID`], [`super::CLIENT_SECRET`]) exchanged at this server's token
    /// endpoint, which is started on first use. Tokens live an hour unless
    /// [`MockServer::token_lifetime`] says otherwise.
    pub async fn oauth_client_builder<A: Api>(&self) -> ClientBuilder<A> {
        let token_url = self.token_endpoint().await.url(&self.uri());
        self.client_builder::<A>()
            .client_credentials(super::CLIENT_ID, super::CLIENT_SECRET)
            .token_url(token_url)
    }

    /// How many access tokens the token endpoint has issued.
    pub async fn token_requests(&self) -> usize {
        match &*self.inner.tokens.lock().await {
            Some(tokens) => tokens.issued(),
            None => 0,
        }
    }

    /// The lifetime (`expires_in`) of the tokens issued from now on.
    pub async fn token_lifetime(&self, lifetime: Duration) {
        self.token_endpoint().await.set_lifetime(lifetime);
    }

    /// Revokes every token issued so far: a request that carries one is answered `401`,
    /// as Amperity answers a revoked or expired token, and a client with client
    /// credentials then fetches a new token and tries again.
    pub async fn revoke_tokens(&self) {
        self.token_endpoint().await.revoke_all();
    }

    async fn token_endpoint(&self) -> TokenEndpoint {
        let mut tokens = self.inner.tokens.lock().await;
        if let Some(tokens) = &*tokens {
            return tokens.clone();
        }
        let endpoint = TokenEndpoint::mount(&self.inner.server, self.inner.log.clone()).await;
        *tokens = Some(endpoint.clone());
        endpoint
    }

    /// Requests no stub matches no longer fail the test (they are still answered `404`).
    pub fn allow_unmatched(&self) -> &Self {
        self.inner.allow_unmatched.store(true, Ordering::SeqCst);
        self
    }

    /// Every request received so far, in order, each as `METHOD /path?query -> what
    /// answered it`.
    pub fn received(&self) -> Vec<String> {
        lock(&self.inner.log).clone()
    }

    /// The underlying wiremock server, for what this kit does not cover.
    pub fn wiremock(&self) -> &wiremock::MockServer {
        &self.inner.server
    }

    /// Checks now what is otherwise checked when the server is dropped: every stub with
    /// an expected call count got exactly that many calls, and (unless allowed) no request
    /// went unmatched. Panics with a message naming each failed operation.
    pub fn verify(&self) {
        if let Err(report) = self.inner.check() {
            panic!("{report}");
        }
    }

    pub(crate) fn log(&self) -> Arc<Mutex<Vec<String>>> {
        self.inner.log.clone()
    }

    pub(crate) fn expect_calls(&self, label: String, calls: Arc<AtomicU64>, expected: u64) {
        lock(&self.inner.expectations).push(Expectation {
            label,
            calls,
            expected,
        });
    }
}

impl Inner {
    /// The failure report, if anything failed.
    fn check(&self) -> Result<(), String> {
        let mut failures = Vec::new();
        for expectation in lock(&self.expectations).iter() {
            let calls = expectation.calls.load(Ordering::SeqCst);
            if calls != expectation.expected {
                failures.push(format!(
                    "{} was expected to be called {} time{}, and was called {calls} time{}",
                    expectation.label,
                    expectation.expected,
                    plural(expectation.expected),
                    plural(calls),
                ));
            }
        }
        let unmatched = self.unmatched.load(Ordering::SeqCst);
        if unmatched > 0 && !self.allow_unmatched.load(Ordering::SeqCst) {
            failures.push(format!(
                "{unmatched} request{} matched no stub (answered 404)",
                plural(unmatched)
            ));
        }
        if failures.is_empty() {
            return Ok(());
        }
        let mut report = String::from("amperity mock: expectations not met:\n");
        for failure in &failures {
            let _ = writeln!(report, "- {failure}");
        }
        let log = lock(&self.log);
        if log.is_empty() {
            report.push_str("The server received no request.");
        } else {
            let _ = writeln!(report, "Requests received ({}):", log.len());
            for line in log.iter().take(LOG_SHOWN) {
                let _ = writeln!(report, "  {line}");
            }
            if log.len() > LOG_SHOWN {
                let _ = writeln!(report, "  … and {} more", log.len() - LOG_SHOWN);
            }
        }
        Err(report)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Err(report) = self.check() {
            // Panicking while a test already panics would abort the process and hide
            // the first failure.
            if std::thread::panicking() {
                eprintln!("{report}");
            } else {
                panic!("{report}");
            }
        }
    }
}

/// Answers what no stub matched, and remembers it.
struct Fallback {
    log: Arc<Mutex<Vec<String>>>,
    unmatched: Arc<AtomicU64>,
}

impl Respond for Fallback {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.unmatched.fetch_add(1, Ordering::SeqCst);
        let mut line = request_line(request);
        if !request.body.is_empty() {
            let body = String::from_utf8_lossy(&request.body);
            let shown: String = body.chars().take(500).collect();
            let _ = write!(line, " with body {shown}");
        }
        lock(&self.log).push(format!("{line} -> no stub matched"));
        let message = format!("amperity mock: no stub matched {line}");
        ResponseTemplate::new(404)
            .set_body_json(serde_json::json!({"status": 404, "message": message}))
    }
}

/// `GET /api/segments?limit=5`, as a log line.
pub(crate) fn request_line(request: &Request) -> String {
    let mut line = format!("{} {}", request.method, request.url.path());
    if let Some(query) = request.url.query() {
        line.push('?');
        line.push_str(query);
    }
    line
}

/// The path of the API's default server (`/api`), without a trailing `/`.
pub(crate) fn base_path<A: Api>() -> String {
    url::Url::parse(A::DEFAULT_BASE_URL)
        .map(|url| url.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// The default policy's attempts, with delays short enough for tests.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(2))
        .max_delay(Duration::from_secs(5))
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
