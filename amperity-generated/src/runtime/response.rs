//! A decoded success response together with its status and headers.

use std::ops::Deref;

use http::{HeaderMap, StatusCode};

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
}

impl<T> Response<T> {
    /// Assembles a response; generated code and tests use it, callers rarely need to.
    pub fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        Self {
            status,
            headers,
            body,
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
    pub fn deprecation(&self) -> Option<crate::runtime::Deprecation> {
        crate::runtime::Deprecation::from_headers(&self.headers)
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

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}
