//! Credentials: a static bearer token, or OAuth2 client credentials with a cached token.
//!
//! The token exchange is one form `POST` (`grant_type=client_credentials`, the client id
//! and secret, and Amperity's `X-Amperity-Tenant` header). It is written here on the
//! client's own `reqwest::Client` rather than with the `oauth2` crate: that crate brings
//! its own HTTP client setup, has no hook for the tenant header without a custom
//! transport, and would add a dozen dependencies for a request this size. What matters is
//! around the request: caching, refreshing before expiry, one fetch for many waiting
//! callers, and never letting the secret reach a `Debug` or an error message.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::header::{ACCEPT, AUTHORIZATION, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::{AuthError, Error, Secret};

/// How a client authenticates.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// An access token from the Amperity UI, sent as is.
    Bearer(Secret),
    /// OAuth2 client credentials, exchanged for short-lived tokens.
    OAuth2 {
        client_id: String,
        client_secret: Secret,
    },
    /// The API key the document declares ([`crate::Api::API_KEY`]).
    ApiKey(Secret),
    /// HTTP basic authentication.
    Basic { user: String, password: Secret },
    /// None at all, said explicitly.
    Anonymous,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer([redacted])"),
            Credentials::OAuth2 { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            Credentials::ApiKey(_) => f.write_str("ApiKey([redacted])"),
            Credentials::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"[redacted]")
                .finish(),
            Credentials::Anonymous => f.write_str("Anonymous"),
        }
    }
}

/// The `Authorization` header of one attempt, and which token it came from (so that a
/// 401 discards that token and not a newer one another task fetched meanwhile).
pub(crate) struct Authorization {
    /// The header that carries the credential (`Authorization`, or an API key's own).
    pub(crate) header: Option<(HeaderName, HeaderValue)>,
    /// An API key sent as a query parameter.
    pub(crate) query: Option<(&'static str, Secret)>,
    generation: u64,
}

/// Where the `Authorization` header comes from.
pub(crate) enum Auth {
    /// The same header on every request: a bearer token, basic credentials, an API key.
    Static(HeaderName, HeaderValue),
    /// An API key in a query parameter.
    Query(&'static str, Secret),
    /// No credentials.
    Anonymous,
    /// OAuth2 access tokens, fetched and replaced as they expire.
    Refreshed(Box<TokenCache>),
}

impl Auth {
    pub(crate) fn bearer(token: &Secret) -> Result<Self, Error> {
        Ok(Auth::Static(
            AUTHORIZATION,
            bearer_header(token.expose()).ok_or_else(|| {
                Error::Config(
                    "the bearer token contains characters that cannot be sent in a header"
                        .to_owned(),
                )
            })?,
        ))
    }

    /// HTTP basic authentication (RFC 7617): `user:password` in base64.
    pub(crate) fn basic(user: &str, password: &Secret) -> Result<Self, Error> {
        let encoded = base64(format!("{user}:{}", password.expose()).as_bytes());
        let mut header = HeaderValue::from_str(&format!("Basic {encoded}")).map_err(|_| {
            Error::Config("basic credentials cannot be sent in a header".to_owned())
        })?;
        header.set_sensitive(true);
        Ok(Auth::Static(AUTHORIZATION, header))
    }

    /// An API key in the header `name`.
    pub(crate) fn key_header(name: &'static str, key: &Secret) -> Result<Self, Error> {
        let name = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
            .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
        let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
            Error::Config(
                "the API key contains characters that cannot be sent in a header".to_owned(),
            )
        })?;
        value.set_sensitive(true);
        Ok(Auth::Static(name, value))
    }

    /// The header for the next attempt, fetching a token first when needed.
    pub(crate) async fn authorization(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<Authorization, Error> {
        match self {
            Auth::Static(name, value) => Ok(Authorization {
                header: Some((name.clone(), value.clone())),
                query: None,
                generation: 0,
            }),
            Auth::Query(name, key) => Ok(Authorization {
                header: None,
                query: Some((name, key.clone())),
                generation: 0,
            }),
            Auth::Anonymous => Ok(Authorization {
                header: None,
                query: None,
                generation: 0,
            }),
            Auth::Refreshed(cache) => cache.authorization(http, timeout).await,
        }
    }

    /// After a 401: drops the token that was refused and says whether trying again with
    /// a fresh one can help.
    pub(crate) fn refused(&self, used: &Authorization) -> bool {
        match self {
            Auth::Static(..) | Auth::Query(..) | Auth::Anonymous => false,
            Auth::Refreshed(cache) => {
                cache.discard(used.generation);
                true
            }
        }
    }
}

/// OAuth2 client credentials and the token they were last exchanged for.
pub(crate) struct TokenCache {
    token_url: reqwest::Url,
    tenant: Option<String>,
    client_id: String,
    client_secret: Secret,
    current: Mutex<Option<CachedToken>>,
    /// Held while a token is fetched, so that concurrent callers wait for that one
    /// fetch instead of starting their own.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct CachedToken {
    header: HeaderValue,
    refresh_at: Instant,
    generation: u64,
    /// The server answered 401 to it.
    refused: bool,
}

/// When a token says nothing of its lifetime, assume a short one.
const UNKNOWN_LIFETIME: Duration = Duration::from_secs(300);

impl TokenCache {
    pub(crate) fn new(
        token_url: reqwest::Url,
        tenant: Option<String>,
        client_id: String,
        client_secret: Secret,
    ) -> Self {
        Self {
            token_url,
            tenant,
            client_id,
            client_secret,
            current: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self, now: Instant) -> Option<Authorization> {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|token| !token.refused && now < token.refresh_at)
            .map(|token| Authorization {
                header: Some((AUTHORIZATION, token.header.clone())),
                query: None,
                generation: token.generation,
            })
    }

    async fn authorization(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<Authorization, Error> {
        if let Some(fresh) = self.fresh(Instant::now()) {
            return Ok(fresh);
        }
        let _only_fetcher = self.fetching.lock().await;
        // Whoever held the lock before us may have just fetched one.
        if let Some(fresh) = self.fresh(Instant::now()) {
            return Ok(fresh);
        }
        let fetched_at = Instant::now();
        let (header, lifetime) = self.fetch(http, timeout).await?;
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let generation = current.as_ref().map_or(1, |t| t.generation + 1);
        *current = Some(CachedToken {
            header: header.clone(),
            refresh_at: fetched_at + lifetime.saturating_sub(refresh_margin(lifetime)),
            generation,
            refused: false,
        });
        tracing::debug!(
            lifetime_s = lifetime.as_secs(),
            generation,
            "fetched an OAuth2 access token"
        );
        Ok(Authorization {
            header: Some((AUTHORIZATION, header)),
            query: None,
            generation,
        })
    }

    fn discard(&self, generation: u64) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = current.as_mut().filter(|t| t.generation == generation) {
            // Kept (not removed) so that generations keep counting up.
            token.refused = true;
        }
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<(HeaderValue, Duration), Error> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
        ];
        let mut request = http
            .post(self.token_url.clone())
            .timeout(timeout)
            .header(ACCEPT, "application/json")
            .form(&form);
        if let Some(tenant) = &self.tenant {
            request = request.header("x-amperity-tenant", tenant);
        }
        let url = self.token_url.as_str();
        let response = request.send().await.map_err(|e| {
            // reqwest's message names the URL and the cause, never the form body.
            auth_error(
                None,
                format!("cannot reach the token endpoint {url}: {}", e.without_url()),
            )
        })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            auth_error(
                Some(status),
                format!(
                    "the token endpoint {url} broke off its answer: {}",
                    e.without_url()
                ),
            )
        })?;
        if !status.is_success() {
            let reason = crate::ErrorBody::parse(&body)
                .and_then(|b| {
                    b.message
                        .or_else(|| b.extra.get("error").map(|e| e.to_string()))
                })
                .unwrap_or_default();
            return Err(auth_error(
                Some(status),
                format!("the token endpoint {url} refused the client credentials of `{}`: HTTP {status} {reason}", self.client_id).trim_end().to_owned(),
            ));
        }
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            auth_error(
                Some(status),
                format!("the token endpoint {url} answered with an unreadable body: {e}"),
            )
        })?;
        if let Some(kind) = token
            .token_type
            .as_ref()
            .filter(|kind| !kind.eq_ignore_ascii_case("bearer"))
        {
            return Err(auth_error(
                Some(status),
                format!(
                    "the token endpoint {url} issued a {kind:?} token; only bearer tokens are supported"
                ),
            ));
        }
        let header = bearer_header(&token.access_token).ok_or_else(|| {
            auth_error(
                Some(status),
                format!("the token endpoint {url} issued a token that cannot be sent in a header"),
            )
        })?;
        let lifetime = token
            .expires_in
            .map_or(UNKNOWN_LIFETIME, Duration::from_secs);
        Ok((header, lifetime))
    }
}

/// The token endpoint's answer. No `Debug`: it holds the access token.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
    token_type: Option<String>,
}

/// How long before expiry a token is replaced: a tenth of its lifetime, at most a minute,
/// so that a request never leaves with a token that expires on the way.
pub(crate) fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

fn bearer_header(token: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// Standard base64 with padding (RFC 4648), for basic credentials: a few lines rather
/// than a crate.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn auth_error(status: Option<http::StatusCode>, message: String) -> Error {
    Error::Auth(Box::new(AuthError::new(status, message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_rfc_4648_says() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn tokens_are_replaced_before_they_expire() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(30)),
            Duration::from_secs(3)
        );
        assert_eq!(refresh_margin(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn a_cached_token_is_used_until_its_refresh_time_and_a_refusal_discards_only_it() {
        let cache = TokenCache::new(
            "https://acme.amperity.com/api/v0/oauth2/token"
                .parse()
                .unwrap(),
            Some("acme".into()),
            "id".into(),
            Secret::new("shh"),
        );
        let now = Instant::now();
        assert!(cache.fresh(now).is_none());
        *cache.current.lock().unwrap() = Some(CachedToken {
            header: bearer_header("t1").unwrap(),
            refresh_at: now + Duration::from_secs(10),
            generation: 1,
            refused: false,
        });
        assert_eq!(cache.fresh(now).unwrap().generation, 1);
        assert!(cache.fresh(now + Duration::from_secs(10)).is_none());
        cache.discard(0);
        assert!(
            cache.fresh(now).is_some(),
            "an older generation's refusal keeps the newer token"
        );
        cache.discard(1);
        assert!(cache.fresh(now).is_none());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!(
            "{:?} {:?}",
            Credentials::Bearer(Secret::new("tok-1")),
            Credentials::OAuth2 {
                client_id: "app".into(),
                client_secret: Secret::new("sec-2")
            }
        );
        assert!(
            !shown.contains("tok-1") && !shown.contains("sec-2"),
            "{shown}"
        );
        assert!(shown.contains("app"), "{shown}");
    }
}
