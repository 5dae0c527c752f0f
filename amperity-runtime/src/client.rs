//! The configured client every generated API module wraps, and the one place requests
//! are sent: rate limiting, authentication, retries, timeouts, deprecation notices and
//! tracing all happen in [`ApiClient::execute`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::auth::{Auth, Credentials, TokenCache};
use crate::retry::{Decision, Failure};
use crate::{
    ApiError, DecodeError, Deprecation, DeprecationNotice, Error, RateLimit, RateLimiter, Request,
    Response, RetryPolicy, Secret, TransportError,
};

/// What the runtime needs to know about one generated API module. Generated code
/// implements it on a marker type; callers never do.
pub trait Api: 'static {
    /// The generated client type.
    type Client: From<ApiClient>;
    /// The API version type of the document (or [`Unversioned`]).
    type Version: AsRef<str> + Default + Clone + fmt::Debug;
    /// The document's title, for messages.
    const TITLE: &'static str;
    /// The first server of the document.
    const DEFAULT_BASE_URL: &'static str;
    /// The tenant header the document requires on every operation, if any.
    const TENANT_HEADER: Option<&'static str>;
    /// The version header the document requires on every operation, if any.
    const API_VERSION_HEADER: Option<&'static str>;
    /// The rate limit the API documents, applied unless the caller says otherwise.
    const DEFAULT_RATE_LIMIT: Option<RateLimit>;
}

/// The version type of a document that declares no version header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unversioned;

impl AsRef<str> for Unversioned {
    fn as_ref(&self) -> &str {
        ""
    }
}

/// Default time allowed to open a connection.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, body included. Some Amperity requests take
/// seconds; none documented takes minutes.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default cap on a response body. A page of 1000 audit events is well under 1 MiB; a
/// body hundreds of times that is a misbehaving server or proxy, not data.
const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// Called once per operation the first time the server marks it deprecated.
type DeprecationCallback = Arc<dyn Fn(&DeprecationNotice) + Send + Sync>;

/// Which rate limiter a client gets.
#[derive(Debug, Clone)]
enum Limiting {
    /// The API's documented limit, on a limiter of the client's own.
    Default,
    Off,
    Own(RateLimit),
    Shared(RateLimiter),
}

/// Configures a client once: base URL, tenant, api-version, credentials, timeouts, rate
/// limit, retries.
///
/// Obtained from the generated `Client::builder`; none of these settings is ever a
/// parameter of an individual call (except a per-call `.timeout(..)`).
pub struct ClientBuilder<A: Api> {
    base_url: String,
    tenant: Option<String>,
    api_version: A::Version,
    credentials: Option<Credentials>,
    token_url: Option<String>,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    limiting: Limiting,
    retry: RetryPolicy,
    on_deprecation: Option<DeprecationCallback>,
    api: PhantomData<fn() -> A>,
}

impl<A: Api> Default for ClientBuilder<A> {
    fn default() -> Self {
        Self {
            base_url: A::DEFAULT_BASE_URL.to_owned(),
            tenant: None,
            api_version: A::Version::default(),
            credentials: None,
            token_url: None,
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            limiting: Limiting::Default,
            retry: RetryPolicy::default(),
            on_deprecation: None,
            api: PhantomData,
        }
    }
}

impl<A: Api> fmt::Debug for ClientBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &A::TITLE)
            .field("base_url", &self.base_url)
            .field("tenant", &self.tenant)
            .field("api_version", &self.api_version)
            .field("credentials", &self.credentials)
            .field("token_url", &self.token_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("limiting", &self.limiting)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<A: Api> ClientBuilder<A> {
    /// A builder with the document's defaults: its first server, its api-version, its
    /// rate limit, four attempts per request.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tenant id, sent as the tenant header on every request.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The base URL, e.g. `https://acme.amperity.com/api` for a tenant hosted on Azure
    /// (the generated `servers` module builds these). Must be `https`, except for loopback
    /// hosts (tests and local proxies).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Overrides the api-version sent on every request (the document's own by default).
    pub fn api_version(mut self, version: A::Version) -> Self {
        self.api_version = version;
        self
    }

    /// A static bearer token (an access token from the Amperity UI).
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Bearer(token.into()));
        self
    }

    /// OAuth2 client credentials: the client exchanges them for access tokens at the
    /// token endpoint, caches each token, replaces it shortly before it expires (one
    /// fetch however many requests are waiting), and fetches a new one and retries once
    /// when the server answers 401.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }

    /// The OAuth2 token endpoint; by default
    /// `https://{tenant}.amperity.com/api/v0/oauth2/token`.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Uses this `reqwest::Client` (proxies, custom TLS, connection pools shared with
    /// the rest of a service). Authorization, tenant and version headers are still added
    /// to every request; the connect timeout is then the given client's own.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for each attempt of a request, body included (default 60 s); a
    /// request builder's `.timeout(..)` overrides it for one call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes (default 32 MiB); a larger one ends
    /// the call with [`Error::ResponseTooLarge`] without being read into memory.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Limits this client (and its clones) to `limit`, instead of the API's documented
    /// limit.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.limiting = Limiting::Own(limit);
        self
    }

    /// Shares `limiter` with other clients (for example one per task or per module that
    /// talk to the same tenant), so that together they stay within one budget.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiting = Limiting::Shared(limiter);
        self
    }

    /// Switches client-side rate limiting off. The server's 429s are still retried.
    pub fn no_rate_limit(mut self) -> Self {
        self.limiting = Limiting::Off;
        self
    }

    /// How failed requests are retried; [`RetryPolicy::none`] sends every request once.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Called once per operation, the first time a response carries `Deprecation` or
    /// `Sunset` headers (a `tracing` warning is logged at the same moment).
    pub fn on_deprecation(
        mut self,
        callback: impl Fn(&DeprecationNotice) + Send + Sync + 'static,
    ) -> Self {
        self.on_deprecation = Some(Arc::new(callback));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<A::Client, Error> {
        let base_url = checked_url(&self.base_url, "base URL")?;
        if base_url.query().is_some() || base_url.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL {:?} must not have a query or fragment",
                self.base_url
            )));
        }
        let mut ambient = HeaderMap::new();
        ambient.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(name) = A::TENANT_HEADER {
            let tenant = self.tenant.as_deref().ok_or_else(|| {
                Error::Config(format!("{} needs a tenant: call `.tenant(..)`", A::TITLE))
            })?;
            insert_config_header(&mut ambient, name, tenant, "tenant")?;
        }
        if let Some(name) = A::API_VERSION_HEADER {
            insert_config_header(&mut ambient, name, self.api_version.as_ref(), "api-version")?;
        }
        let auth = match self.credentials {
            None => {
                return Err(Error::Config(
                    "no credentials: call `.bearer_token(..)` or `.client_credentials(..)`"
                        .to_owned(),
                ));
            }
            Some(Credentials::Bearer(token)) => Auth::bearer(&token)?,
            Some(Credentials::ClientCredentials {
                client_id,
                client_secret,
            }) => {
                let token_url = match (&self.token_url, &self.tenant) {
                    (Some(url), _) => checked_url(url, "token URL")?,
                    (None, Some(tenant)) => default_token_url(tenant)?,
                    (None, None) => {
                        return Err(Error::Config(
                            "client credentials need a tenant or a `.token_url(..)`".to_owned(),
                        ));
                    }
                };
                if let Some(tenant) = &self.tenant {
                    // The token request carries the tenant as a header too.
                    insert_config_header(
                        &mut HeaderMap::new(),
                        "x-amperity-tenant",
                        tenant,
                        "tenant",
                    )?;
                }
                Auth::OAuth(Box::new(TokenCache::new(
                    token_url,
                    self.tenant.clone(),
                    client_id,
                    client_secret,
                )))
            }
        };
        let limiter = match self.limiting {
            Limiting::Default => A::DEFAULT_RATE_LIMIT.map(RateLimiter::new).transpose()?,
            Limiting::Off => None,
            Limiting::Own(limit) => Some(RateLimiter::new(limit)?),
            Limiting::Shared(limiter) => Some(limiter),
        };
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(concat!(
                    env!("CARGO_PKG_NAME"),
                    "/",
                    env!("CARGO_PKG_VERSION")
                ))
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(A::Client::from(ApiClient {
            inner: Arc::new(Inner {
                title: A::TITLE,
                http,
                base_url: base_url.as_str().trim_end_matches('/').to_owned(),
                ambient,
                auth,
                limiter,
                retry: self.retry,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                tenant: self.tenant,
                api_version: self.api_version.as_ref().to_owned(),
                warned: Mutex::new(Vec::new()),
                on_deprecation: self.on_deprecation,
            }),
        }))
    }
}

fn insert_config_header(
    headers: &mut HeaderMap,
    name: &str,
    value: &str,
    what: &str,
) -> Result<(), Error> {
    let name = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
        .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
    let value = HeaderValue::from_str(value).map_err(|_| {
        Error::Config(format!(
            "the {what} contains characters that cannot be sent in a header: {value:?}"
        ))
    })?;
    headers.insert(name, value);
    Ok(())
}

/// URLs that receive credentials must be absolute `https` URLs; plain `http` is accepted
/// only for loopback hosts so that a typo cannot send a token in clear text.
fn checked_url(raw: &str, what: &str) -> Result<reqwest::Url, Error> {
    let url = reqwest::Url::parse(raw)
        .map_err(|e| Error::Config(format!("{what} {raw:?} is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        scheme => Err(Error::Config(format!(
            "{what} {raw:?} uses {scheme:?}: only https is allowed (http only for loopback hosts)"
        ))),
    }
}

/// Amperity's token endpoint for a tenant: the tenant must be a plain host label.
fn default_token_url(tenant: &str) -> Result<reqwest::Url, Error> {
    let label_ok = !tenant.is_empty()
        && tenant.len() <= 63
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !tenant.starts_with('-')
        && !tenant.ends_with('-');
    if !label_ok {
        return Err(Error::Config(format!(
            "tenant {tenant:?} cannot name a host for the token endpoint; set `.token_url(..)`"
        )));
    }
    checked_url(
        &format!("https://{tenant}.amperity.com/api/v0/oauth2/token"),
        "token URL",
    )
}

/// A configured, cheaply cloneable client. Clones share the connection pool, the rate
/// limiter and the cached access token.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    title: &'static str,
    http: reqwest::Client,
    base_url: String,
    /// Accept, tenant and api-version: added to every request, once.
    ambient: HeaderMap,
    auth: Auth,
    limiter: Option<RateLimiter>,
    retry: RetryPolicy,
    timeout: Duration,
    max_response_bytes: usize,
    tenant: Option<String>,
    api_version: String,
    /// Operations already reported as deprecated. A `Vec`: it holds a handful of names,
    /// and a `BTreeSet` here was a tenth of a generated crate's compiled code.
    warned: Mutex<Vec<&'static str>>,
    on_deprecation: Option<DeprecationCallback>,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials are deliberately absent.
        f.debug_struct("ApiClient")
            .field("api", &self.inner.title)
            .field("base_url", &self.inner.base_url)
            .field("tenant", &self.inner.tenant)
            .field("api_version", &self.inner.api_version)
            .field("timeout", &self.inner.timeout)
            .field("limiter", &self.inner.limiter)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Reads a body, or gives `None` as soon as it is known to exceed `limit` bytes (from
/// `Content-Length`, or while reading), so a huge or endless body never fills memory.
///
/// A body whose length is announced (and within the limit) is read whole by hyper, which
/// hands over a body that arrived in one chunk without copying it; hyper fails a body that
/// runs past its `Content-Length`. Only a body of unknown length is gathered chunk by chunk
/// and counted.
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Bytes>, reqwest::Error> {
    match response.content_length() {
        Some(announced) if announced > limit as u64 => return Ok(None),
        Some(_) => return response.bytes().await.map(Some),
        None => {}
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// A complete answer with a 2xx status.
struct Exchange {
    operation_id: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    attempts: u32,
}

impl ApiClient {
    /// The base URL requests are sent to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The rate limiter this client uses, to share with other clients
    /// ([`ClientBuilder::rate_limiter`]); `None` when limiting is off.
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.limiter.as_ref()
    }

    /// Sends the request and decodes a JSON body of type `T` from a 2xx answer.
    pub async fn send<T: DeserializeOwned>(&self, request: Request) -> Result<Response<T>, Error> {
        let operation_id = request.operation_id;
        let exchange = self.execute(request).await?;
        match serde_json::from_slice(&exchange.body) {
            Ok(value) => Ok(Response::new(exchange.status, exchange.headers, value)),
            Err(source) => Err(Error::Decode(Box::new(
                DecodeError::new(
                    operation_id,
                    exchange.status,
                    exchange.headers,
                    exchange.body,
                    Box::new(source),
                )
                .with_attempts(exchange.attempts),
            ))),
        }
    }

    /// Sends the request for an operation whose success has no body; any body is ignored.
    pub async fn send_empty(&self, request: Request) -> Result<Response<()>, Error> {
        let exchange = self.execute(request).await?;
        Ok(Response::new(exchange.status, exchange.headers, ()))
    }

    /// Sends the request and returns a 2xx body as it came (binary bodies, and operations
    /// whose 2xx statuses carry different bodies: see [`Response::json`]).
    pub async fn send_bytes(&self, request: Request) -> Result<Response<Bytes>, Error> {
        let exchange = self.execute(request).await?;
        Ok(
            Response::new(exchange.status, exchange.headers, exchange.body)
                .with_origin(exchange.operation_id, exchange.attempts),
        )
    }

    /// Sends the request and returns a 2xx body as UTF-8 text.
    pub async fn send_text(&self, request: Request) -> Result<Response<String>, Error> {
        let bytes = self.send_bytes(request).await?;
        let text = bytes.text()?;
        Ok(bytes.map(|_| text))
    }

    /// The one place a request is sent, inside a `tracing` span that records the
    /// operation, method, path template, attempt, status and latency (never credentials).
    async fn execute(&self, request: Request) -> Result<Exchange, Error> {
        let span = tracing::info_span!(
            "amperity_request",
            api = self.inner.title,
            operation = request.operation_id,
            method = %request.method,
            path = request.path_template,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        self.attempt_until_done(request).instrument(span).await
    }

    /// Sends attempts until one succeeds or the retry policy gives up. Every non-2xx
    /// answer that is not retried becomes [`Error::Api`] with status, headers and body.
    async fn attempt_until_done(&self, request: Request) -> Result<Exchange, Error> {
        let inner = &*self.inner;
        let url = self.url(&request)?;
        let timeout = request.timeout.unwrap_or(inner.timeout);
        let span = tracing::Span::current();
        let mut reauthorized = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(limiter) = &inner.limiter {
                let waited = limiter.acquire().await;
                if !waited.is_zero() {
                    tracing::trace!(waited_ms = waited.as_millis() as u64, "rate limiter");
                }
            }
            let authorization = inner.auth.authorization(&inner.http, timeout).await?;
            let mut builder = inner
                .http
                .request(request.method.clone(), url.clone())
                .timeout(timeout)
                .headers(inner.ambient.clone())
                .headers(request.headers.clone())
                .header(AUTHORIZATION, authorization.header.clone());
            if let Some((content_type, body)) = &request.body {
                builder = builder
                    .header(CONTENT_TYPE, content_type.clone())
                    .body(body.clone());
            }
            span.record("attempt", attempt);
            let started = Instant::now();
            let outcome = match builder.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    match read_capped(response, inner.max_response_bytes).await {
                        Ok(Some(body)) => Ok((status, headers, body)),
                        Ok(None) => {
                            // Not retried: the same request would bring the same body.
                            return Err(Error::ResponseTooLarge(format!(
                                "{}: HTTP {status} with a body over the limit of {} bytes \
                                 (`ClientBuilder::max_response_bytes` raises it)",
                                request.operation_id, inner.max_response_bytes
                            )));
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            span.record("latency_ms", started.elapsed().as_millis() as u64);
            let (status, headers, body) = match outcome {
                Ok(answer) => answer,
                Err(e) => {
                    // A body cut off mid-way surfaces from reqwest as a decode error: it is a
                    // broken connection, not a bad document (JSON is decoded here, later).
                    let retryable = e.is_timeout()
                        || e.is_connect()
                        || e.is_request()
                        || e.is_body()
                        || e.is_decode();
                    let decision = if retryable {
                        inner.retry.decide(
                            attempt,
                            &request.method,
                            &Failure::Transport,
                            None,
                            fastrand::f64(),
                        )
                    } else {
                        Decision::Stop
                    };
                    match decision {
                        Decision::RetryAfter(delay) => {
                            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, error = %e, "retrying after a transport failure");
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                        Decision::Stop => {
                            return Err(Error::Transport(Box::new(TransportError::new(
                                request.operation_id,
                                attempt,
                                e,
                            ))));
                        }
                    }
                }
            };
            span.record("status", status.as_u16());
            self.notice_deprecation(&request, &headers);
            if status.is_success() {
                return Ok(Exchange {
                    operation_id: request.operation_id,
                    status,
                    headers,
                    body,
                    attempts: attempt,
                });
            }
            if status == StatusCode::UNAUTHORIZED
                && !reauthorized
                && inner.auth.refused(&authorization)
            {
                // The token was revoked or expired early: fetch a new one and try once more.
                // A 401 means the request was refused, so even a POST is safe to resend.
                reauthorized = true;
                tracing::debug!(attempt, "401: fetching a new access token and retrying");
                continue;
            }
            let retry_after = crate::retry::retry_after(&headers, chrono::Utc::now());
            match inner.retry.decide(
                attempt,
                &request.method,
                &Failure::Status(status),
                retry_after,
                fastrand::f64(),
            ) {
                Decision::RetryAfter(delay) => {
                    if let Some(limiter) = inner
                        .limiter
                        .as_ref()
                        .filter(|_| status == StatusCode::TOO_MANY_REQUESTS)
                    {
                        // Everyone on this limiter backs off, not just this request.
                        limiter
                            .pause_for(retry_after.unwrap_or_else(|| inner.retry.ceiling(attempt)));
                    }
                    tracing::debug!(
                        attempt,
                        status = status.as_u16(),
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Decision::Stop => {
                    return Err(Error::Api(Box::new(
                        ApiError::new(request.operation_id, status, headers, body)
                            .with_attempts(attempt),
                    )));
                }
            }
        }
    }

    /// Warns once per operation (and calls the callback) when the server announces a
    /// deprecation or a sunset.
    fn notice_deprecation(&self, request: &Request, headers: &HeaderMap) {
        let Some(deprecation) = Deprecation::from_headers(headers) else {
            return;
        };
        {
            let mut warned = self.inner.warned.lock().unwrap_or_else(|e| e.into_inner());
            if warned.contains(&request.operation_id) {
                return;
            }
            warned.push(request.operation_id);
        }
        tracing::warn!(
            operation = request.operation_id,
            path = request.path_template,
            api_version = %self.inner.api_version,
            deprecated_at = ?deprecation.deprecated_at,
            sunset = ?deprecation.sunset,
            "{}: `{}` is deprecated by the server; plan to move off it before its sunset",
            self.inner.title,
            request.operation_id,
        );
        if let Some(callback) = &self.inner.on_deprecation {
            callback(&DeprecationNotice {
                operation_id: request.operation_id,
                path: request.path_template,
                api_version: self.inner.api_version.clone(),
                deprecation,
            });
        }
    }

    fn url(&self, request: &Request) -> Result<reqwest::Url, Error> {
        let raw = format!("{}{}", self.inner.base_url, request.path);
        let mut url = reqwest::Url::parse(&raw).map_err(|e| {
            Error::InvalidRequest(format!(
                "{}: {raw:?} is not a URL: {e}",
                request.operation_id
            ))
        })?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestApi;
    #[derive(Debug)]
    struct TestClient(ApiClient);
    impl From<ApiClient> for TestClient {
        fn from(client: ApiClient) -> Self {
            Self(client)
        }
    }
    impl Api for TestApi {
        type Client = TestClient;
        type Version = Unversioned;
        const TITLE: &'static str = "Test API";
        const DEFAULT_BASE_URL: &'static str = "https://app.example.com/api/";
        const TENANT_HEADER: Option<&'static str> = Some("amperity-tenant");
        const API_VERSION_HEADER: Option<&'static str> = None;
        const DEFAULT_RATE_LIMIT: Option<RateLimit> = Some(RateLimit::per_second(10));
    }

    fn builder() -> ClientBuilder<TestApi> {
        ClientBuilder::new().tenant("acme").bearer_token("tok-123")
    }

    #[test]
    fn builds_with_defaults_and_never_prints_the_token() {
        let client = builder().build().unwrap();
        assert_eq!(client.0.base_url(), "https://app.example.com/api");
        let shown = format!("{client:?} {:?}", builder());
        assert!(!shown.contains("tok-123"), "{shown}");
        assert!(shown.contains("acme"), "{shown}");
    }

    #[test]
    fn refuses_unusable_configuration() {
        let missing_tenant = ClientBuilder::<TestApi>::new().bearer_token("t").build();
        assert!(matches!(missing_tenant, Err(Error::Config(m)) if m.contains("tenant")));
        let missing_token = ClientBuilder::<TestApi>::new().tenant("acme").build();
        assert!(matches!(missing_token, Err(Error::Config(m)) if m.contains("credentials")));
        let injected = builder().tenant("acme\r\nx-evil: 1").build();
        assert!(matches!(injected, Err(Error::Config(m)) if m.contains("tenant")));
        for bad in [
            "http://app.example.com/api",
            "ftp://x",
            "not a url",
            "https://x/api?q=1",
        ] {
            assert!(builder().base_url(bad).build().is_err(), "{bad}");
        }
        for ok in [
            "http://127.0.0.1:8080/api",
            "http://localhost:1",
            "http://[::1]:2/",
        ] {
            assert!(builder().base_url(ok).build().is_ok(), "{ok}");
        }
    }

    #[test]
    fn urls_join_base_path_and_query() {
        let client = builder().build().unwrap().0;
        let mut request = Request::new(
            http::Method::GET,
            "op",
            "/ingest/jobs/{job-id}",
            "/ingest/jobs/a%2Fb".to_owned(),
        );
        request.query("q", &"a b&c".to_owned());
        assert_eq!(
            client.url(&request).unwrap().as_str(),
            "https://app.example.com/api/ingest/jobs/a%2Fb?q=a+b%26c"
        );
    }
}
