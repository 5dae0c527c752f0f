//! The hand-written runtime that generated API modules call into.
//!
//! Everything that is logic lives here and is tested here: building URLs, encoding
//! parameters, sending requests, classifying responses, errors, rate limiting
//! ([`RateLimiter`]), retries ([`RetryPolicy`]), OAuth2 tokens, pagination ([`Pages`],
//! [`Items`]), deprecation notices and polling ([`poll_until`]). Generated code is thin
//! glue: it names the operation, formats its path, lists its parameters, and calls
//! [`ApiClient::send`] or [`ApiClient::send_empty`].
//!
//! This directory is the single source of truth for the runtime: `cargo xtask regen`
//! leaves it alone, and `cargo xtask generate` copies it into standalone crates.

mod auth;
mod client;
mod deprecation;
mod encode;
mod error;
mod limit;
mod pager;
mod request;
mod response;
mod retry;
mod secret;
mod wait;

pub use client::{Api, ApiClient, ClientBuilder, Unversioned};
pub use deprecation::{Deprecation, DeprecationNotice};
pub use encode::{QueryValue, path_segment, server_url};
pub use error::{ApiError, AuthError, DecodeError, Error, ErrorBody, TransportError};
pub use limit::{RateLimit, RateLimiter};
pub use pager::{Items, Page, Pages};
pub use request::Request;
pub use response::Response;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use wait::{WaitError, WaitOptions, poll_until};

/// Re-exported so that callers can name header maps and status codes without adding
/// `http` to their own dependencies.
pub use http::{HeaderMap, Method, StatusCode};

/// Re-exported: the type of binary bodies.
pub use bytes::Bytes;
