//! The methods of every stub: expectations, faults, decorations, and the answers that
//! mount it. Default methods of a trait, so that generated stubs (which add their
//! operation's parameters as setters) get them by implementing two accessors, and each
//! is compiled only where a test uses it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Sample;
use super::fault::{Fault, MockError};
use super::stub::{Mounted, Stub};

/// A stub of one operation: what it expects, then how it answers. Every method but the
/// answers returns the stub, so they chain; an answer (`respond`, `respond_sample`,
/// `sequence`, `fail`, and [`PagedStub::pages`]) mounts it and must be awaited.
///
/// Stubs are tried in the order they were mounted: mount a stub with narrower
/// expectations before a broader one of the same operation.
pub trait StubBuilder: Sized + Send {
    /// The request body type `expect_body` predicates see (`()` without a body).
    type Body: Send + 'static;
    /// The success body type the stub answers with (`()` without a body).
    type Response: Send + 'static;

    /// The stub being described.
    fn stub(&mut self) -> &mut Stub<Self::Body, Self::Response>;

    /// The stub, to mount.
    fn into_stub(self) -> Stub<Self::Body, Self::Response>;

    // --- Expectations ---------------------------------------------------------------

    /// The stub must answer exactly `n` requests (faults included) by the time the
    /// server is dropped or verified; otherwise the test fails, naming the operation.
    fn times(mut self, n: u64) -> Self {
        self.stub().times = Some(n);
        self
    }

    /// Answers only requests whose body decodes and satisfies `predicate` (several
    /// predicates must all hold). A request that matches no stub is answered `404` and
    /// fails the test.
    fn expect_body(
        mut self,
        predicate: impl Fn(&Self::Body) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.stub().body_checks.push(Arc::new(predicate));
        self
    }

    // --- Faults, served before the answer, in the order given -------------------------

    /// Serves `fault` to the next `n` requests this stub matches, before its answer.
    fn fault(mut self, fault: Fault, n: u64) -> Self {
        self.stub().faults.push((fault, n));
        self
    }

    /// `429 Too Many Requests` without `Retry-After`, `n` times.
    fn too_many_requests(self, n: u64) -> Self {
        self.fault(Fault::TooManyRequests { retry_after: None }, n)
    }

    /// `429 Too Many Requests` with `Retry-After: seconds`, `n` times.
    fn too_many_requests_retry_after(self, n: u64, seconds: u64) -> Self {
        self.fault(
            Fault::TooManyRequests {
                retry_after: Some(seconds),
            },
            n,
        )
    }

    /// A burst of `n` `503 Service Unavailable` answers (retried for `GET` only).
    fn server_errors(self, n: u64) -> Self {
        self.fault(Fault::Error(MockError::new(503, "Service Unavailable")), n)
    }

    /// `401` `n` times: a client with client credentials fetches a new token and tries
    /// once more; one with a static token fails.
    fn unauthorized(self, n: u64) -> Self {
        self.fault(
            Fault::Error(MockError::new(
                401,
                "The access token is invalid or has expired.",
            )),
            n,
        )
    }

    /// The answer, `n` times, only after `delay` (set it past the client's attempt timeout).
    fn stalled(self, n: u64, delay: Duration) -> Self {
        self.fault(Fault::Stall(delay), n)
    }

    /// The answer, `n` times, cut off mid-body (the connection ends early).
    fn truncated(self, n: u64) -> Self {
        self.fault(Fault::Truncated, n)
    }

    /// The connection closed without an answer, `n` times.
    fn disconnected(self, n: u64) -> Self {
        self.fault(Fault::Disconnect, n)
    }

    // --- Decorations of the answer --------------------------------------------------

    /// Adds a response header to every answer (faults included).
    fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.stub().headers.push((name.into(), value.into()));
        self
    }

    /// `Deprecation: @<unix time>` (RFC 9745) on every answer.
    fn deprecated_at(self, at: DateTime<Utc>) -> Self {
        self.header("deprecation", format!("@{}", at.timestamp()))
    }

    /// `Sunset: <HTTP date>` (RFC 8594) on every answer.
    fn sunset(self, at: DateTime<Utc>) -> Self {
        self.header("sunset", at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
    }

    /// Adds a field the document does not declare to the JSON object answered (to each
    /// page of a list), as a newer server would. Panics when `value` does not serialize.
    fn extra_field(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value)
            .unwrap_or_else(|e| panic!("amperity mock: extra field does not serialize: {e}"));
        self.stub().extra_fields.insert(name.into(), value);
        self
    }

    // --- Answers ------------------------------------------------------------------------

    /// Answers with `value` and the operation's documented success status.
    fn respond(self, value: Self::Response) -> impl Future<Output = Mounted> + Send {
        let stub = self.into_stub();
        let status = stub.operation.status();
        stub.respond_status(status, &value)
    }

    /// Answers with `value` and `status`.
    fn respond_status(
        self,
        status: u16,
        value: Self::Response,
    ) -> impl Future<Output = Mounted> + Send {
        self.into_stub().respond_status(status, &value)
    }

    /// Answers with the response model's sample, made from the document's examples (of
    /// a paginated list: as its only page, whatever token the example shows).
    fn respond_sample(self) -> impl Future<Output = Mounted> + Send
    where
        Self::Response: Sample,
    {
        self.into_stub().respond_sample(&Self::Response::sample())
    }

    /// Answers the first call with the first value, the second with the second, and so
    /// on; the last value answers every later call. For a client that polls (a workflow
    /// run going from `running` to `succeeded`).
    fn sequence(self, values: Vec<Self::Response>) -> impl Future<Output = Mounted> + Send {
        self.into_stub().sequence(&values)
    }

    /// Answers with Amperity's error body (a `404`, a `409`, a `400` with a
    /// `request_id`, ...).
    fn fail(self, error: MockError) -> impl Future<Output = Mounted> + Send {
        self.into_stub().fail(&error)
    }
}

/// The stub of a cursor-paginated list operation.
pub trait PagedStub: StubBuilder {
    /// Answers the pages in order: the first to the request without a token, each
    /// later one only to the request carrying the token handed out with the page before
    /// (made up here, so whatever the pages' own token fields say is replaced; the last
    /// page has none). A client that sends another token gets `404` and fails the test.
    fn pages(self, pages: Vec<Self::Response>) -> impl Future<Output = Mounted> + Send {
        self.into_stub().pages(&pages)
    }
}
