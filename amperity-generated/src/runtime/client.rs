//! The configured client every generated API module wraps.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

use crate::runtime::{ApiError, DecodeError, Error, Request, Response, Secret};

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

/// Configures a client once: base URL, tenant, api-version, credentials, timeouts.
///
/// Obtained from the generated `Client::builder`; none of these settings is ever a
/// parameter of an individual call.
pub struct ClientBuilder<A: Api> {
    base_url: String,
    tenant: Option<String>,
    api_version: A::Version,
    token: Option<Secret>,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    api: PhantomData<fn() -> A>,
}

impl<A: Api> Default for ClientBuilder<A> {
    fn default() -> Self {
        Self {
            base_url: A::DEFAULT_BASE_URL.to_owned(),
            tenant: None,
            api_version: A::Version::default(),
            token: None,
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
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
            .field("token", &self.token)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<A: Api> ClientBuilder<A> {
    /// A builder with the document's defaults: its first server, its api-version.
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
        self.token = Some(token.into());
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

    /// Time allowed for a whole request, body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<A::Client, Error> {
        let base_url = checked_base_url(&self.base_url)?;
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
        let token = self
            .token
            .ok_or_else(|| Error::Config("no credentials: call `.bearer_token(..)`".to_owned()))?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| {
                Error::Config(
                    "the bearer token contains characters that cannot be sent in a header"
                        .to_owned(),
                )
            })?;
        authorization.set_sensitive(true);
        ambient.insert(AUTHORIZATION, authorization);
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
                base_url,
                ambient,
                timeout: self.timeout,
                tenant: self.tenant,
                api_version: self.api_version.as_ref().to_owned(),
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

/// Base URLs must be absolute `https` URLs; plain `http` is accepted only for loopback
/// hosts so that a typo cannot send a bearer token in clear text.
fn checked_base_url(raw: &str) -> Result<String, Error> {
    let url = reqwest::Url::parse(raw)
        .map_err(|e| Error::Config(format!("base URL {raw:?} is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => {
            return Err(Error::Config(format!(
                "base URL {raw:?} uses {scheme:?}: only https is allowed (http only for loopback hosts)"
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {raw:?} must not have a query or fragment"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A configured, cheaply cloneable client. Clones share the connection pool.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    title: &'static str,
    http: reqwest::Client,
    base_url: String,
    /// Accept, Authorization, tenant and api-version: added to every request, once.
    ambient: HeaderMap,
    timeout: Duration,
    tenant: Option<String>,
    api_version: String,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The ambient headers hold the bearer token: list only what is safe to print.
        f.debug_struct("ApiClient")
            .field("api", &self.inner.title)
            .field("base_url", &self.inner.base_url)
            .field("tenant", &self.inner.tenant)
            .field("api_version", &self.inner.api_version)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// The base URL requests are sent to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends the request and decodes a JSON body of type `T` from a 2xx answer.
    pub async fn send<T: DeserializeOwned>(&self, request: Request) -> Result<Response<T>, Error> {
        let operation_id = request.operation_id;
        let (status, headers, body) = self.execute(request).await?;
        match serde_json::from_slice(&body) {
            Ok(value) => Ok(Response::new(status, headers, value)),
            Err(source) => Err(Error::Decode(Box::new(DecodeError::new(
                operation_id,
                status,
                headers,
                body,
                source,
            )))),
        }
    }

    /// Sends the request for an operation whose success has no body; any body is ignored.
    pub async fn send_empty(&self, request: Request) -> Result<Response<()>, Error> {
        let (status, headers, _body) = self.execute(request).await?;
        Ok(Response::new(status, headers, ()))
    }

    /// The one place a request is sent: every non-2xx status becomes [`Error::Api`] with
    /// the status, headers and body kept.
    async fn execute(&self, request: Request) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let url = self.url(&request)?;
        let mut builder = self
            .inner
            .http
            .request(request.method, url)
            .timeout(self.inner.timeout)
            .headers(self.inner.ambient.clone())
            .headers(request.headers);
        if let Some(body) = request.json_body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
        }
        let response = builder.send().await.map_err(Error::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::Transport)?;
        if status.is_success() {
            Ok((status, headers, body))
        } else {
            Err(Error::Api(Box::new(ApiError::new(
                request.operation_id,
                status,
                headers,
                body,
            ))))
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
        let mut request = Request::new(http::Method::GET, "op", "/ingest/jobs/a%2Fb".to_owned());
        request.query("q", &"a b&c".to_owned());
        assert_eq!(
            client.url(&request).unwrap().as_str(),
            "https://app.example.com/api/ingest/jobs/a%2Fb?q=a+b%26c"
        );
    }
}
