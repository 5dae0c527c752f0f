//! What can go wrong, on demand: the faults a stub serves before its answer, and
//! Amperity's error bodies.

use std::time::Duration;

use serde::Serialize;
use wiremock::ResponseTemplate;

/// One way for an answer to go wrong. A stub serves its faults first, each as many times
/// as asked, then its answer ([`super::StubBuilder::fault`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// `429 Too Many Requests`, with `Retry-After: n` (seconds) when `Some`.
    TooManyRequests {
        /// The `Retry-After` header's value in seconds.
        retry_after: Option<u64>,
    },
    /// An error status with Amperity's JSON error body: a `5xx` of a burst, or a `401`
    /// that makes a client with client credentials fetch a new token and try again.
    Error(MockError),
    /// The stub's own answer, sent only after this delay: a client whose attempt timeout is
    /// shorter gives up (and retries a `GET`).
    Stall(Duration),
    /// The stub's own answer with its body cut in half while the `Content-Length`
    /// header announces all of it: the connection ends mid-body.
    Truncated,
    /// The stub's own answer with a body that stops mid-way but is otherwise complete (a
    /// `200` whose JSON does not parse: a decode error, not a transport error).
    MalformedBody,
    /// The connection is closed without an answer.
    Disconnect,
}

impl Fault {
    /// What the server sends; `answer` is the stub's own answer, which some faults
    /// distort. `None`: close the connection.
    pub(crate) fn template(
        &self,
        answer: &ResponseTemplate,
        body: &[u8],
    ) -> Option<ResponseTemplate> {
        Some(match self {
            Fault::TooManyRequests { retry_after } => {
                let error = MockError::new(429, "Too Many Requests");
                let template = error.template();
                match retry_after {
                    Some(seconds) => template.insert_header("retry-after", seconds.to_string()),
                    None => template,
                }
            }
            Fault::Error(error) => error.template(),
            Fault::Stall(delay) => answer.clone().set_delay(*delay),
            Fault::Truncated => answer
                .clone()
                .insert_header("content-length", body.len().to_string())
                .set_body_bytes(body[..body.len() / 2].to_vec()),
            Fault::MalformedBody => answer
                .clone()
                .set_body_bytes(body[..body.len() / 2].to_vec()),
            Fault::Disconnect => return None,
        })
    }

    /// A short description for the request log.
    pub(crate) fn describe(&self) -> String {
        match self {
            Fault::TooManyRequests {
                retry_after: Some(seconds),
            } => format!("429 with Retry-After: {seconds}"),
            Fault::TooManyRequests { retry_after: None } => "429".to_owned(),
            Fault::Error(error) => error.status.to_string(),
            Fault::Stall(delay) => format!("answer stalled for {delay:?}"),
            Fault::Truncated => "answer cut off mid-body".to_owned(),
            Fault::MalformedBody => "answer with a malformed body".to_owned(),
            Fault::Disconnect => "connection closed without an answer".to_owned(),
        }
    }
}

/// An error answer in Amperity's format: `{"status": 404, "message": "...",
/// "request_id": "...", "trace_id": "..."}` (the ids only when set).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MockError {
    #[serde(skip)]
    status: u16,
    #[serde(rename = "status")]
    body_status: u16,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<String>,
    #[serde(skip)]
    headers: Vec<(String, String)>,
}

impl MockError {
    /// An error with this HTTP status and message.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            body_status: status,
            message: message.into(),
            request_id: None,
            trace_id: None,
            headers: Vec::new(),
        }
    }

    /// The `request_id` to quote to Amperity support.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// The `trace_id` of the request inside Amperity.
    pub fn trace_id(mut self, id: impl Into<String>) -> Self {
        self.trace_id = Some(id.into());
        self
    }

    /// A response header sent with the error.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    pub(crate) fn template(&self) -> ResponseTemplate {
        let mut template = ResponseTemplate::new(self.status).set_body_json(self);
        for (name, value) in &self.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        template
    }
}
