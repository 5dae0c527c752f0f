//! The mock's OAuth2 token endpoint: client credentials in, numbered bearer tokens out,
//! every issue counted; revoked tokens are answered `401` on every other path.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, Request, Respond, ResponseTemplate};

use super::server::{lock, request_line};

/// The client id of [`super::MockServer::oauth_client_builder`]'s clients.
pub const CLIENT_ID: &str = "mock-client";

/// The client secret the token endpoint accepts.
pub const CLIENT_SECRET: &str = "mock-client-secret";

/// Where the token endpoint is served; outside any API's base path, so no operation's
/// stub can shadow it.
const TOKEN_PATH: &str = "/__amperity_mock/oauth2/token";

/// Token `n` is `mock-access-token-{n}`, counting from 1.
const TOKEN_PREFIX: &str = "mock-access-token-";

/// The token endpoint's state, shared with its responders.
#[derive(Clone)]
pub(crate) struct TokenEndpoint {
    issued: Arc<AtomicUsize>,
    /// Tokens numbered up to this one are revoked.
    revoked_through: Arc<AtomicUsize>,
    lifetime_secs: Arc<AtomicU64>,
}

impl TokenEndpoint {
    pub(crate) async fn mount(server: &wiremock::MockServer, log: Arc<Mutex<Vec<String>>>) -> Self {
        let endpoint = Self {
            issued: Arc::new(AtomicUsize::new(0)),
            revoked_through: Arc::new(AtomicUsize::new(0)),
            lifetime_secs: Arc::new(AtomicU64::new(3600)),
        };
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(IssueToken {
                endpoint: endpoint.clone(),
                log: log.clone(),
            })
            .named("amperity mock: OAuth2 token endpoint")
            .mount(server)
            .await;
        // Ahead of every stub (priority 1; stubs have the default, 5).
        Mock::given(Revoked(endpoint.revoked_through.clone()))
            .respond_with(move |request: &Request| {
                lock(&log).push(format!("{} -> 401 (revoked token)", request_line(request)));
                ResponseTemplate::new(401).set_body_json(serde_json::json!({
                    "status": 401,
                    "message": "The access token has been revoked."
                }))
            })
            .with_priority(1)
            .named("amperity mock: revoked tokens")
            .mount(server)
            .await;
        endpoint
    }

    pub(crate) fn url(&self, root: &str) -> String {
        format!("{root}{TOKEN_PATH}")
    }

    pub(crate) fn issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }

    pub(crate) fn set_lifetime(&self, lifetime: Duration) {
        self.lifetime_secs
            .store(lifetime.as_secs(), Ordering::SeqCst);
    }

    pub(crate) fn revoke_all(&self) {
        self.revoked_through.store(self.issued(), Ordering::SeqCst);
    }
}

/// Issues the next token to a well-formed client-credentials request.
struct IssueToken {
    endpoint: TokenEndpoint,
    log: Arc<Mutex<Vec<String>>>,
}

impl Respond for IssueToken {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |name: &str| {
            form.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let refusal = if field("grant_type") != Some("client_credentials") {
            Some("unsupported_grant_type")
        } else if field("client_id") != Some(CLIENT_ID)
            || field("client_secret") != Some(CLIENT_SECRET)
        {
            Some("invalid_client")
        } else {
            None
        };
        if let Some(error) = refusal {
            lock(&self.log).push(format!(
                "{} -> 401 (token endpoint: {error})",
                request_line(request)
            ));
            return ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": error}));
        }
        let number = self.endpoint.issued.fetch_add(1, Ordering::SeqCst) + 1;
        lock(&self.log).push(format!(
            "{} -> token endpoint: issued token {number}",
            request_line(request)
        ));
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": format!("{TOKEN_PREFIX}{number}"),
            "token_type": "Bearer",
            "expires_in": self.endpoint.lifetime_secs.load(Ordering::SeqCst),
        }))
    }
}

/// Matches requests that carry a revoked token.
struct Revoked(Arc<AtomicUsize>);

impl Match for Revoked {
    fn matches(&self, request: &Request) -> bool {
        let number = request
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|token| token.strip_prefix(TOKEN_PREFIX))
            .and_then(|number| number.parse::<usize>().ok());
        number.is_some_and(|n| n <= self.0.load(Ordering::SeqCst))
    }
}
