//! A decoded success response together with its status and headers.

use std::ops::Deref;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::{DecodeError, Error};

/// A success response: the decoded body plus the status and headers it came with.
///
/// It dereferences to the body, so `response.data` reads a field of the body directly;
/// [`Response::headers`] keeps what the server said beside it (for example the
/// `Deprecation` and `Sunset` headers Amperity uses to announce retirements).
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: T,
    /// The operation and attempt count, for decode errors raised later.
    operation_id: &'static str,
    attempts: u32,
}

impl<T> Response<T> {
    /// Assembles a response; generated code and tests use it, callers rarely need to.
    pub fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        Self {
            status,
            headers,
            body,
            operation_id: "",
            attempts: 1,
        }
    }

    pub(crate) fn with_origin(mut self, operation_id: &'static str, attempts: u32) -> Self {
        self.operation_id = operation_id;
        self.attempts = attempts;
        self
    }

    /// The same response with its body transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            body: f(self.body),
            operation_id: self.operation_id,
            attempts: self.attempts,
        }
    }

    /// The HTTP status the server answered with (one of the 2xx codes).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// What the `Deprecation` and `Sunset` headers announce, when present.
    pub fn deprecation(&self) -> Option<crate::Deprecation> {
        crate::Deprecation::from_headers(&self.headers)
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// Drops status and headers and returns the body.
    pub fn into_inner(self) -> T {
        self.body
    }

    /// Splits the response into status, headers and body.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, T) {
        (self.status, self.headers, self.body)
    }
}

impl Response<Bytes> {
    /// Decodes the body as JSON; a mismatch is an [`Error::Decode`] that keeps the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(Box::new(e)))
    }

    /// The body as UTF-8 text; invalid UTF-8 is an [`Error::Decode`].
    pub fn text(&self) -> Result<String, Error> {
        String::from_utf8(self.body.to_vec()).map_err(|e| self.decode_error(Box::new(e)))
    }

    fn decode_error(&self, source: Box<dyn std::error::Error + Send + Sync>) -> Error {
        Error::Decode(Box::new(
            DecodeError::new(
                self.operation_id,
                self.status,
                self.headers.clone(),
                self.body.clone(),
                source,
            )
            .with_attempts(self.attempts),
        ))
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}
