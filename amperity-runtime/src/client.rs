//! The configured client every generated API module wraps: its builder, and the calls
//! generated code makes. Sending (rate limiting, authentication, retries, timeouts,
//! redirects, tracing) happens in `send.rs`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::header::ACCEPT;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::auth::{Auth, Credentials, TokenCache};
use crate::{
    DecodeError, Deprecation, DeprecationNotice, Error, RateLimit, RateLimiter, RedirectPolicy,
    Request, Response, RetryPolicy, Secret,
};

/// What the runtime needs to know about one generated API module. Generated code
/// implements it on a marker type; callers never do.
pub trait Api: Sized + 'static {
    /// The generated client type. It is made from a [`Configured`] of this very API,
    /// which only `ClientBuilder<Self>` makes: a client of one document cannot be built
    /// from another document's runtime (it would send the other's api-version).
    type Client: From<Configured<Self>>;
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
    /// Which budget the API's requests count against: modules whose requests share one
    /// per-tenant limit share it (the stable and unstable control plane:
    /// `control_plane`). A fleet limiter keys its budget by it.
    const RATE_LIMIT_FAMILY: &'static str;
    /// The API key the document declares (an `apiKey` security scheme) and where it is
    /// sent; [`ClientBuilder::api_key`] sets it.
    const API_KEY: Option<ApiKey> = None;
    /// The document lets operations be called without credentials (`security: []`, an
    /// empty requirement, or no security at all): then `build()` needs none.
    const CREDENTIALS_OPTIONAL: bool = false;
}

/// Where an API key goes, as the document's `apiKey` security scheme says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKey {
    /// In this header.
    Header(&'static str),
    /// In this query parameter.
    Query(&'static str),
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
/// Default time allowed for each request sent, body included. Some Amperity requests take
/// seconds; none documented takes minutes. (A call has no overall timeout by default: its
/// attempts, each bounded by this, and the retry policy's capped waits bound it.)
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

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
///
/// Requests are sent by a `reqwest::Client` that follows no redirect itself: the runtime
/// follows same-origin ones, never sends `Referer`, and never replays a `POST`
/// ([`RedirectPolicy`]).
pub struct ClientBuilder<A: Api> {
    base_url: String,
    tenant: Option<String>,
    api_version: A::Version,
    credentials: Option<Credentials>,
    token_url: Option<String>,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    timeout: Option<Duration>,
    redirects: RedirectPolicy,
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
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            timeout: None,
            redirects: RedirectPolicy::default(),
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
            .field("attempt_timeout", &self.attempt_timeout)
            .field("timeout", &self.timeout)
            .field("redirects", &self.redirects)
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
        self.credentials = Some(Credentials::OAuth2 {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }

    /// The API key the document declares, sent where its `apiKey` security scheme says
    /// (a header or a query parameter; never in logs, `Debug` or error messages).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::ApiKey(key.into()));
        self
    }

    /// HTTP basic authentication: `Authorization: Basic ..` on every request.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Basic {
            user: user.into(),
            password: password.into(),
        });
        self
    }

    /// No credentials at all: for an API whose operations need none, which the document
    /// did not say (when it does, `security: []`, no call is needed).
    pub fn no_credentials(mut self) -> Self {
        self.credentials = Some(Credentials::Anonymous);
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
    /// to every request; the connect timeout is then the given client's own, and so is
    /// its redirect policy: build it with `.redirect(reqwest::redirect::Policy::none())`
    /// and `.referer(false)` for [`ClientBuilder::redirects`] to apply (reqwest's
    /// default follows redirects to other origins, and adds a `Referer`).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for each call as a whole: waiting for the rate limiter, fetching a
    /// token, every attempt and the waits between them, redirects (no limit by default;
    /// a request builder's `.timeout(..)` sets it for one call). When it runs out the call
    /// ends with [`Error::Timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time allowed for each request sent, body included (default 60 s); one that runs
    /// out is retried like a broken connection (for idempotent methods) and ends the call
    /// with [`Error::Transport`] when it was the last attempt.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Which redirects are followed (default: [`RedirectPolicy::same_origin`]).
    pub fn redirects(mut self, policy: RedirectPolicy) -> Self {
        self.redirects = policy;
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
    ///
    /// A fleet limiter (`RateLimiter::redis`, feature `redis`) is shared by every
    /// process using the same Redis and tenant; this client draws from its API's budget
    /// ([`Api::RATE_LIMIT_FAMILY`]) at the API's documented limit.
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
            None | Some(Credentials::Anonymous) if A::CREDENTIALS_OPTIONAL => Auth::Anonymous,
            Some(Credentials::Anonymous) => Auth::Anonymous,
            None => {
                let how = match A::API_KEY {
                    Some(_) => "`.api_key(..)`, `.bearer_token(..)` or `.no_credentials()`",
                    None => "`.bearer_token(..)` or `.client_credentials(..)`",
                };
                return Err(Error::Config(format!("no credentials: call {how}")));
            }
            Some(Credentials::ApiKey(key)) => match A::API_KEY {
                Some(ApiKey::Header(name)) => Auth::key_header(name, &key)?,
                Some(ApiKey::Query(name)) => Auth::Query(name, key),
                None => {
                    return Err(Error::Config(format!(
                        "{} declares no API key: use `.bearer_token(..)` or `.basic_auth(..)`",
                        A::TITLE
                    )));
                }
            },
            Some(Credentials::Basic { user, password }) => Auth::basic(&user, &password)?,
            Some(Credentials::Bearer(token)) => Auth::bearer(&token)?,
            Some(Credentials::OAuth2 {
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
                Auth::Refreshed(Box::new(TokenCache::new(
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
            Limiting::Shared(limiter) => {
                Some(limiter.for_api(A::RATE_LIMIT_FAMILY, A::DEFAULT_RATE_LIMIT, A::TITLE)?)
            }
        };
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                // Redirects are followed in `send.rs`, by `RedirectPolicy`.
                .redirect(reqwest::redirect::Policy::none())
                .referer(false)
                .user_agent(concat!(
                    env!("CARGO_PKG_NAME"),
                    "/",
                    env!("CARGO_PKG_VERSION")
                ))
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(A::Client::from(Configured::new(ApiClient {
            inner: Arc::new(Inner {
                title: A::TITLE,
                http,
                base_url: base_url.as_str().trim_end_matches('/').to_owned(),
                ambient,
                auth,
                limiter,
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                timeout: self.timeout,
                redirects: self.redirects,
                max_response_bytes: self.max_response_bytes,
                tenant: self.tenant,
                api_version: self.api_version.as_ref().to_owned(),
                warned: Mutex::new(Vec::new()),
                on_deprecation: self.on_deprecation,
            }),
        })))
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
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        scheme => Err(Error::Config(format!(
            "{what} {raw:?} uses {scheme:?}: only https is allowed (http only for loopback hosts)"
        ))),
    }
}

/// Whether the URL's host is this machine (`localhost`, 127.0.0.0/8, `::1`).
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
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

/// A runtime client configured by `ClientBuilder<A>`, on its way into `A::Client`.
///
/// Glue between the runtime and generated code: only [`ClientBuilder::build`] makes one,
/// so a generated client's `From<Configured<its own Api>>` is the only way to it, and
/// clients of different documents cannot be made from one another.
#[doc(hidden)]
pub struct Configured<A: Api> {
    runtime: ApiClient,
    api: PhantomData<fn() -> A>,
}

impl<A: Api> Configured<A> {
    fn new(runtime: ApiClient) -> Self {
        Self {
            runtime,
            api: PhantomData,
        }
    }

    /// The runtime client, for the generated client to keep.
    pub fn into_runtime(self) -> ApiClient {
        self.runtime
    }
}

/// An API whose client is the bare runtime client (tests, hand-written APIs).
impl<A: Api> From<Configured<A>> for ApiClient {
    fn from(configured: Configured<A>) -> Self {
        configured.runtime
    }
}

/// A configured, cheaply cloneable client. Clones share the connection pool, the rate
/// limiter and the cached access token.
#[derive(Clone)]
pub struct ApiClient {
    pub(crate) inner: Arc<Inner>,
}

/// Read by `send.rs`.
pub(crate) struct Inner {
    pub(crate) title: &'static str,
    pub(crate) http: reqwest::Client,
    base_url: String,
    /// Accept, tenant and api-version: added to every request, once.
    pub(crate) ambient: HeaderMap,
    pub(crate) auth: Auth,
    pub(crate) limiter: Option<RateLimiter>,
    pub(crate) retry: RetryPolicy,
    pub(crate) attempt_timeout: Duration,
    /// The call's timeout, unless the call sets its own.
    pub(crate) timeout: Option<Duration>,
    pub(crate) redirects: RedirectPolicy,
    pub(crate) max_response_bytes: usize,
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
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("timeout", &self.inner.timeout)
            .field("redirects", &self.inner.redirects)
            .field("limiter", &self.inner.limiter)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
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
    #[doc(hidden)]
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
    #[doc(hidden)]
    pub async fn send_empty(&self, request: Request) -> Result<Response<()>, Error> {
        let exchange = self.execute(request).await?;
        Ok(Response::new(exchange.status, exchange.headers, ()))
    }

    /// Sends the request and returns a 2xx body as it came (binary bodies, and operations
    /// whose 2xx statuses carry different bodies: see [`Response::json`]).
    #[doc(hidden)]
    pub async fn send_bytes(&self, request: Request) -> Result<Response<Bytes>, Error> {
        let exchange = self.execute(request).await?;
        Ok(
            Response::new(exchange.status, exchange.headers, exchange.body)
                .with_origin(exchange.operation_id, exchange.attempts),
        )
    }

    /// Sends the request and returns a 2xx body as UTF-8 text.
    #[doc(hidden)]
    pub async fn send_text(&self, request: Request) -> Result<Response<String>, Error> {
        let bytes = self.send_bytes(request).await?;
        let text = bytes.text()?;
        Ok(bytes.map(|_| text))
    }

    /// Warns once per operation (and calls the callback) when the server announces a
    /// deprecation or a sunset.
    pub(crate) fn notice_deprecation(&self, request: &Request, headers: &HeaderMap) {
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

    pub(crate) fn url(&self, request: &Request) -> Result<reqwest::Url, Error> {
        let base_url = request
            .server
            .map_or(self.inner.base_url.as_str(), |s| s.trim_end_matches('/'));
        let raw = format!("{base_url}{}", request.path);
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
    impl From<Configured<TestApi>> for TestClient {
        fn from(configured: Configured<TestApi>) -> Self {
            Self(configured.into_runtime())
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
        const RATE_LIMIT_FAMILY: &'static str = "test";
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
        // An operation with servers of its own in the document goes there instead.
        request.server("https://status.example.com/v1/");
        assert_eq!(
            client.url(&request).unwrap().as_str(),
            "https://status.example.com/v1/ingest/jobs/a%2Fb?q=a+b%26c"
        );
    }
}
