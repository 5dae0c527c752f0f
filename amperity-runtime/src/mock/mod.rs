//! A mock Amperity server for testing code that uses a generated client (feature
//! `test-kit`).
//!
//! [`MockServer::start`] runs an HTTP server on loopback and hands out clients configured
//! for it (tenant, token, base URL, no rate limit, quick retries). A [`Stub`] answers one
//! operation: it matches the request by method, path template, path and query parameters
//! (encoded exactly as the client encodes them) and a predicate over the decoded body,
//! and responds with a typed value, a sequence of values, pages of a cursor-paginated
//! list (tokens made up and checked), or an error body. Faults come first, as one-liners:
//! `429` with or without `Retry-After`, `5xx` bursts, a `401` that makes the client fetch
//! a new token, a stalled answer, a body cut off mid-way, a dropped connection. The
//! server also serves an OAuth2 token endpoint and counts the tokens it issues.
//!
//! Expectations are checked when the server is dropped (or by [`MockServer::verify`]):
//! a stub called another number of times than its [`StubBuilder::times`], or a request
//! that no stub matched, fails the test with a message naming the operation and listing
//! every request the server received.
//!
//! Generated crates build on this module: with their own `test-kit` feature each API
//! module gets a `mock` module with a typed stub per operation, whose setters are the
//! operation's parameters. Those stubs implement [`StubBuilder`] (and [`PagedStub`] for
//! paginated lists), the traits that carry every method shown here:
//!
//! ```ignore
//! use amperity_generated::control_plane::mock::*;
//!
//! let mock = MockAmperity::start().await;
//! mock.get_workflow().workflow_id("wf-1").too_many_requests(1).respond(workflow).await;
//! mock.list_events().limit(100).pages(vec![first, second]).await;
//! mock.run_workflow()
//!     .expect_body(|request| request.config_id == "cg-1")
//!     .times(1)
//!     .respond(run)
//!     .await;
//! my_code(&mock.client()).await;
//! ```

mod answers;
mod api;
mod builder;
mod fault;
mod matching;
mod oauth;
mod server;
mod stub;

pub use api::MockApi;
pub use builder::{PagedStub, StubBuilder};
pub use fault::{Fault, MockError};
pub use oauth::{CLIENT_ID, CLIENT_SECRET};
pub use server::{MockServer, TENANT, TOKEN};
pub use stub::{Mounted, Operation, Paging, Stub};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value of a response model built from the examples in the API document, for tests
/// that need a realistic answer without spelling one out ([`StubBuilder::respond_sample`]).
pub trait Sample {
    /// The sample value.
    fn sample() -> Self;
}

/// Decodes the sample of `model` that generated code holds as JSON. The generator builds
/// it from the document's examples, checked against the model's type, so a failure here is
/// a bug of the generator, reported by panicking with the model named.
pub fn sample_from_json<T: DeserializeOwned>(model: &str, json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| {
        panic!("amperity mock: the sample of `{model}` does not decode ({e}); this is a bug of the generator: {json}")
    })
}

/// How a stub reads the body of a request before its `expect_body` predicates see it.
pub type BodyDecoder<B> = fn(&[u8]) -> Option<B>;

/// How a stub writes the value it answers with.
pub type ResponseEncoder<R> = fn(&R) -> Result<Vec<u8>, String>;

/// Reads a JSON request body.
pub fn json_body<B: DeserializeOwned>(bytes: &[u8]) -> Option<B> {
    serde_json::from_slice(bytes).ok()
}

/// Reads a text request body.
pub fn text_body(bytes: &[u8]) -> Option<String> {
    String::from_utf8(bytes.to_vec()).ok()
}

/// Keeps a binary request body as it came.
pub fn bytes_body(bytes: &[u8]) -> Option<bytes::Bytes> {
    Some(bytes::Bytes::copy_from_slice(bytes))
}

/// Reads an `application/x-www-form-urlencoded` request body as its pairs, in order.
pub fn form_body(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    Some(url::form_urlencoded::parse(bytes).into_owned().collect())
}

/// For operations without a request body: there is nothing to read.
pub fn no_body(_: &[u8]) -> Option<()> {
    Some(())
}

/// Writes a JSON response body.
pub fn json_response<R: Serialize>(value: &R) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

/// Writes a text response body.
// `&String`, not `&str`: it must be a `ResponseEncoder<String>`.
#[allow(clippy::ptr_arg)]
pub fn text_response(value: &String) -> Result<Vec<u8>, String> {
    Ok(value.clone().into_bytes())
}

/// Writes a binary response body.
pub fn bytes_response(value: &bytes::Bytes) -> Result<Vec<u8>, String> {
    Ok(value.to_vec())
}

/// For operations whose success has no body.
pub fn no_response(_: &()) -> Result<Vec<u8>, String> {
    Ok(Vec::new())
}
