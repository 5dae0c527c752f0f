//! The hand-written runtime that generated API modules call into.
//!
//! Everything that is logic lives here and is tested here: building URLs, encoding
//! parameters, sending requests, classifying responses, errors. Generated code is thin
//! glue: it names the operation, formats its path, lists its parameters, and calls
//! [`ApiClient::send`] or [`ApiClient::send_empty`].
//!
//! This directory is the single source of truth for the runtime: `cargo xtask regen`
//! leaves it alone, and `cargo xtask generate` copies it into standalone crates.

mod client;
mod encode;
mod error;
mod request;
mod response;
mod secret;

pub use client::{Api, ApiClient, ClientBuilder, Unversioned};
pub use encode::{QueryValue, path_segment, server_url};
pub use error::{ApiError, DecodeError, Error, ErrorBody};
pub use request::Request;
pub use response::Response;
pub use secret::Secret;

/// Re-exported so that callers can name header maps and status codes without adding
/// `http` to their own dependencies.
pub use http::{HeaderMap, Method, StatusCode};
