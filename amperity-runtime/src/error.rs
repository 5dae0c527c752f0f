//! One error type for every operation.
//!
//! Whatever goes wrong, the caller keeps what the server said: the status, the headers
//! and the raw body are never lost, even when the body is not the JSON the document
//! describes (an HTML page from a proxy, a truncated body, a status the document does not
//! list such as 429 or 502).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use crate::RedirectError;

/// The error of every generated operation.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status outside 2xx.
    Api(Box<ApiError>),
    /// The server answered 2xx but the body did not decode into the declared type.
    Decode(Box<DecodeError>),
    /// The request never got a complete answer: connection refused or reset, TLS
    /// failure, an attempt that ran out of its attempt timeout.
    Transport(Box<TransportError>),
    /// The call ran out of its timeout (all attempts, waits and redirects together), set
    /// with `.timeout(..)` on the client builder or on the call.
    Timeout(Box<TimeoutError>),
    /// The server answered with a redirect the client does not follow (to another
    /// origin, or one that would send a `POST` again); it carries the `Location`.
    Redirect(Box<RedirectError>),
    /// No access token could be obtained (OAuth2 client credentials refused, token
    /// endpoint unreachable). Never carries the client secret.
    Auth(Box<AuthError>),
    /// The response body was larger than the client's limit
    /// (`ClientBuilder::max_response_bytes`); it was not read to the end.
    ResponseTooLarge(String),
    /// The server broke the pagination rules (it handed out the same `next_token`
    /// twice); the stream stopped instead of looping.
    Pagination(String),
    /// The request could not be built from the arguments (an empty or dot-only path
    /// segment, a header value with a line break, a body that does not serialize).
    InvalidRequest(String),
    /// The client configuration is unusable (missing credentials, a bad base URL).
    Config(String),
    /// The shared rate limiter could not be asked (Redis unreachable, too slow, or
    /// refusing the script) and it is set to fail rather than fall back
    /// (`RedisOptions::on_failure`). The request was not sent.
    RateLimiter(Box<RateLimiterError>),
}

impl Error {
    /// The HTTP status, when the server answered at all.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Auth(e) => e.status,
            Error::Redirect(e) => Some(e.status),
            Error::Transport(_)
            | Error::Timeout(_)
            | Error::ResponseTooLarge(_)
            | Error::Pagination(_)
            | Error::InvalidRequest(_)
            | Error::Config(_)
            | Error::RateLimiter(_) => None,
        }
    }

    /// How many times the request was sent (retries included); 0 when it never left.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts,
            Error::Decode(e) => e.attempts,
            Error::Transport(e) => e.attempts,
            Error::Timeout(e) => e.attempts,
            Error::Redirect(e) => e.attempts,
            _ => 0,
        }
    }

    /// Whether the call ran out of time: its timeout ([`Error::Timeout`]), or an
    /// attempt's ([`Error::Transport`] after the last attempt timed out).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout(_) => true,
            Error::Transport(e) => e.source.is_timeout(),
            _ => false,
        }
    }

    /// Whether a transport failure is one that trying again can cure: a timeout, a
    /// refused or broken connection, a body cut off mid-way (which reqwest reports as a
    /// decode error: JSON is decoded later, here). Not a TLS or protocol failure.
    pub(crate) fn is_retryable_transport(&self) -> bool {
        match self {
            Error::Transport(e) => {
                let s = &e.source;
                s.is_timeout() || s.is_connect() || s.is_request() || s.is_body() || s.is_decode()
            }
            _ => false,
        }
    }

    /// The response headers, when the server answered.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(&e.headers),
            Error::Decode(e) => Some(&e.headers),
            Error::Redirect(e) => Some(&e.headers),
            _ => None,
        }
    }

    /// The parsed error body of an API error, when it was a JSON object.
    pub fn error_body(&self) -> Option<&ErrorBody> {
        match self {
            Error::Api(e) => e.body.as_ref(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Transport(e) => fmt::Display::fmt(e, f),
            Error::Timeout(e) => fmt::Display::fmt(e, f),
            Error::Redirect(e) => fmt::Display::fmt(e, f),
            Error::Auth(e) => fmt::Display::fmt(e, f),
            Error::Pagination(m) => write!(f, "pagination failed: {m}"),
            Error::ResponseTooLarge(m) => write!(f, "response too large: {m}"),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Config(m) => write!(f, "invalid client configuration: {m}"),
            Error::RateLimiter(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode(e) => Some(&*e.source),
            Error::Transport(e) => Some(&e.source),
            Error::Timeout(e) => e.last.as_ref().map(|e| e as _),
            Error::Redirect(e) => Some(&**e),
            _ => None,
        }
    }
}

/// Why the shared rate limiter could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimiterErrorKind {
    /// No answer within the limiter's per-acquire timeout.
    Timeout,
    /// No connection: refused, reset, or not established within the connect timeout.
    Unavailable,
    /// The limiter's store answered with an error (authentication, a refused script).
    Refused,
}

/// The shared rate limiter failed; see [`Error::RateLimiter`]. Never carries the
/// store's password.
#[derive(Debug, Clone)]
pub struct RateLimiterError {
    kind: RateLimiterErrorKind,
    message: String,
}

impl RateLimiterError {
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn new(kind: RateLimiterErrorKind, message: String) -> Self {
        Self { kind, message }
    }

    /// What went wrong.
    pub fn kind(&self) -> RateLimiterErrorKind {
        self.kind
    }
}

impl fmt::Display for RateLimiterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate limiter unavailable: {}", self.message)
    }
}

impl std::error::Error for RateLimiterError {}

/// A non-2xx answer from the server.
#[derive(Debug)]
pub struct ApiError {
    operation_id: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    raw_body: Bytes,
    body: Option<ErrorBody>,
    attempts: u32,
}

impl ApiError {
    /// Builds the error from what the server sent; the body is parsed leniently.
    pub fn new(
        operation_id: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        raw_body: Bytes,
    ) -> Self {
        let body = ErrorBody::parse(&raw_body);
        Self {
            operation_id,
            status,
            headers,
            raw_body,
            body,
            attempts: 1,
        }
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// How many times the request was sent before this answer was kept.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The operationId of the call that failed, e.g. `list-events`.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body exactly as received.
    pub fn raw_body(&self) -> &Bytes {
        &self.raw_body
    }

    /// The error body, when the response was a JSON object.
    pub fn body(&self) -> Option<&ErrorBody> {
        self.body.as_ref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.operation_id, self.status)?;
        match &self.body {
            Some(body) => {
                if let Some(message) = &body.message {
                    write!(f, ": {message}")?;
                }
                if let Some(id) = &body.request_id {
                    write!(f, " (request_id {id})")?;
                }
            }
            None if self.raw_body.is_empty() => {}
            None => write!(f, ": {}", snippet(&self.raw_body))?,
        }
        attempts_suffix(f, self.attempts)
    }
}

impl std::error::Error for ApiError {}

/// A 2xx answer whose body is not what the document declares.
#[derive(Debug)]
pub struct DecodeError {
    operation_id: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    raw_body: Bytes,
    source: Box<dyn std::error::Error + Send + Sync>,
    attempts: u32,
}

impl DecodeError {
    /// Builds the error; `source` says where decoding stopped.
    pub fn new(
        operation_id: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        raw_body: Bytes,
        source: Box<dyn std::error::Error + Send + Sync>,
    ) -> Self {
        Self {
            operation_id,
            status,
            headers,
            raw_body,
            source,
            attempts: 1,
        }
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// The operationId of the call.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The HTTP status (a 2xx).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body exactly as received.
    pub fn raw_body(&self) -> &Bytes {
        &self.raw_body
    }

    /// How many times the request was sent.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The decoder's error: for JSON, line, column and what was expected.
    pub fn source_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {} with a body that does not decode: {}",
            self.operation_id, self.status, self.source
        )?;
        attempts_suffix(f, self.attempts)
    }
}

/// A request that got no complete answer.
#[derive(Debug)]
pub struct TransportError {
    operation_id: &'static str,
    attempts: u32,
    source: reqwest::Error,
    /// The attempt timeout, named in the message when it is what fired.
    attempt_timeout: Duration,
}

impl TransportError {
    pub(crate) fn new(
        operation_id: &'static str,
        attempts: u32,
        source: reqwest::Error,
        attempt_timeout: Duration,
    ) -> Self {
        Self {
            operation_id,
            attempts,
            source,
            attempt_timeout,
        }
    }

    /// The operationId of the call.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// How many times the request was sent.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The underlying `reqwest` error.
    pub fn source_error(&self) -> &reqwest::Error {
        &self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.source.is_timeout() {
            format!(
                "timed out (the attempt timeout of {:?}, `ClientBuilder::attempt_timeout`)",
                self.attempt_timeout
            )
        } else if self.source.is_connect() {
            "could not connect".to_owned()
        } else {
            "failed".to_owned()
        };
        // The URL holds path parameters only (the base URL and ids), never credentials.
        write!(f, "{}: request {what}: {}", self.operation_id, self.source)?;
        attempts_suffix(f, self.attempts)
    }
}

/// A call that ran out of its timeout, which bounds everything the call does: waiting for
/// the rate limiter, fetching a token, every attempt, the waits between them, redirects.
#[derive(Debug)]
pub struct TimeoutError {
    operation_id: &'static str,
    timeout: Duration,
    attempts: u32,
    last: Option<Error>,
    /// The back-off before the next attempt would have ended past the timeout, so the
    /// call ended at once.
    no_time_to_retry: bool,
}

impl TimeoutError {
    pub(crate) fn new(
        operation_id: &'static str,
        timeout: Duration,
        attempts: u32,
        last: Option<Error>,
        no_time_to_retry: bool,
    ) -> Self {
        Self {
            operation_id,
            timeout,
            attempts,
            last,
            no_time_to_retry,
        }
    }

    /// The operationId of the call.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The call's timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How many attempts were started.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How the previous attempt failed, when one did (the reason for a retry the timeout
    /// then cut short).
    pub fn last_failure(&self) -> Option<&Error> {
        self.last.as_ref()
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (operation_id, timeout, n) = (self.operation_id, self.timeout, self.attempts);
        match (&self.last, self.no_time_to_retry) {
            (Some(last), true) => write!(
                f,
                "{operation_id}: the call's timeout of {timeout:?} leaves no time to wait for \
                 another attempt after attempt {n} failed: {last}"
            ),
            _ if n == 0 => write!(
                f,
                "{operation_id}: the call's timeout of {timeout:?} ran out before the request \
                 was sent (waiting for the rate limiter or an access token)"
            ),
            (last, _) => {
                write!(
                    f,
                    "{operation_id}: the call's timeout of {timeout:?} ran out during attempt {n}"
                )?;
                match last {
                    Some(last) => write!(f, "; attempt {} failed: {last}", n - 1),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for TimeoutError {}

/// No access token could be obtained.
#[derive(Debug)]
pub struct AuthError {
    status: Option<StatusCode>,
    message: String,
}

impl AuthError {
    pub(crate) fn new(status: Option<StatusCode>, message: String) -> Self {
        Self { status, message }
    }

    /// The token endpoint's status, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "authentication failed: {}", self.message)
    }
}

fn attempts_suffix(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}

/// Amperity's error body: `{"status": 400, "message": "..."}`, and in practice also
/// `request_id` and `trace_id`. Any further fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ErrorBody {
    /// The status the server put in the body (usually the HTTP status).
    pub status: Option<i64>,
    /// The human-readable message.
    pub message: Option<String>,
    /// The id to quote to Amperity support.
    pub request_id: Option<String>,
    /// The trace id of the request inside Amperity.
    pub trace_id: Option<String>,
    /// Every other field of the body.
    pub extra: Map<String, Value>,
}

impl ErrorBody {
    /// Parses an error body leniently: any JSON object is accepted and the known fields
    /// are taken when they have the expected type (a `status` sent as a string of digits
    /// counts). Anything that is not a JSON object gives `None`.
    pub fn parse(raw: &[u8]) -> Option<Self> {
        let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(raw) else {
            return None;
        };
        let mut take_string = |key: &str| match fields.remove(key) {
            Some(Value::String(s)) => Some(s),
            Some(other) if !other.is_null() => Some(other.to_string()),
            _ => None,
        };
        let message = take_string("message");
        let request_id = take_string("request_id");
        let trace_id = take_string("trace_id");
        let status = match fields.remove("status") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Some(Self {
            status,
            message,
            request_id,
            trace_id,
            extra: fields,
        })
    }
}

/// The start of a body for a one-line message: valid UTF-8 up to 200 characters.
fn snippet(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_and_undocumented_fields() {
        let body = ErrorBody::parse(
            br#"{"status":404,"message":"no such workflow","request_id":"r-1","trace_id":"t-1","hint":"x"}"#,
        )
        .expect("a JSON object parses");
        assert_eq!(body.status, Some(404));
        assert_eq!(body.message.as_deref(), Some("no such workflow"));
        assert_eq!(body.request_id.as_deref(), Some("r-1"));
        assert_eq!(body.trace_id.as_deref(), Some("t-1"));
        assert_eq!(body.extra.get("hint"), Some(&Value::from("x")));
    }

    #[test]
    fn tolerates_odd_types_and_rejects_non_objects() {
        let body = ErrorBody::parse(br#"{"status":"429","message":null}"#).expect("object");
        assert_eq!(body.status, Some(429));
        assert_eq!(body.message, None);
        assert!(ErrorBody::parse(b"<html>Bad Gateway</html>").is_none());
        assert!(ErrorBody::parse(b"").is_none());
        assert!(ErrorBody::parse(b"[1,2]").is_none());
    }

    #[test]
    fn display_keeps_status_for_any_body() {
        let e = ApiError::new(
            "list-events",
            StatusCode::BAD_GATEWAY,
            HeaderMap::new(),
            Bytes::from_static(b"<html>\n<h1>502 Bad Gateway</h1></html>"),
        );
        assert_eq!(
            e.to_string(),
            "list-events: HTTP 502 Bad Gateway: <html> <h1>502 Bad Gateway</h1></html>"
        );
        let e = ApiError::new(
            "get-workflow",
            StatusCode::NOT_FOUND,
            HeaderMap::new(),
            Bytes::from_static(br#"{"status":404,"message":"not found","request_id":"abc"}"#),
        );
        assert_eq!(
            e.to_string(),
            "get-workflow: HTTP 404 Not Found: not found (request_id abc)"
        );
    }
}
