//! The one place requests are sent ([`ApiClient::execute`]): the call's timeout around
//! everything, attempts and the waits between them, redirects within an attempt.
//!
//! Two timeouts, and why two: `.timeout(..)` (on the client builder, or on one call)
//! bounds the whole call — waiting for the rate limiter, fetching a token, every attempt,
//! the back-off between attempts, redirects — because that is what a caller who writes
//! `.timeout(500ms)` means; `ClientBuilder::attempt_timeout` (60 s by default) bounds each
//! request sent, so that one stalled connection is given up and retried while the call
//! still has time. When the call's timeout fires the error is [`Error::Timeout`]; when an
//! attempt's does it is [`Error::Transport`] (after the last attempt). When the back-off
//! before the next attempt would end past the call's timeout, the call ends at once with
//! [`Error::Timeout`] carrying the failure that would have been retried, rather than
//! sleeping into a certain timeout.

use std::time::Instant;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, StatusCode};
use tracing::Instrument;

use crate::RedirectError;
use crate::TimeoutError;
use crate::auth::Authorization;
use crate::client::ApiClient;
use crate::redirect::{self, Hop};
use crate::retry::{Decision, Failure};
use crate::{ApiError, Error, Request, TransportError};

/// A complete answer with a 2xx status.
pub(crate) struct Exchange {
    pub(crate) operation_id: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) attempts: u32,
}

/// What the attempts of a call have done so far, kept outside the future the call's
/// timeout cancels, so that the timeout error can say it.
#[derive(Default)]
struct Progress {
    attempts: u32,
    /// The failure of the latest attempt that was to be retried.
    last: Option<Error>,
}

/// What to do after an attempt.
enum Verdict {
    Done(Exchange),
    /// The failure as the retry policy sees it, the error the call ends with unless it
    /// is retried, and the server's `Retry-After`.
    Failed(Failure, Error, Option<std::time::Duration>),
}

/// What one attempt ended with.
enum Sent {
    /// A complete answer, after the redirects that were followed.
    Answer(StatusCode, HeaderMap, Bytes),
    /// No complete answer.
    Broken(reqwest::Error),
}

impl ApiClient {
    /// Sends a request inside a `tracing` span that records the operation, method, path
    /// template, attempt, status and latency (never credentials).
    pub(crate) async fn execute(&self, request: Request) -> Result<Exchange, Error> {
        let span = tracing::info_span!(
            "amperity_request",
            api = self.inner.title,
            operation = request.operation_id,
            method = %request.method,
            path = request.path_template,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        self.within_timeout(request).instrument(span).await
    }

    /// Runs the attempts within the call's timeout, when there is one.
    async fn within_timeout(&self, request: Request) -> Result<Exchange, Error> {
        let mut progress = Progress::default();
        let Some(timeout) = request.timeout.or(self.inner.timeout) else {
            return self.attempt_until_done(&request, None, &mut progress).await;
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let attempts = self.attempt_until_done(&request, Some(deadline), &mut progress);
        match tokio::time::timeout_at(deadline, attempts).await {
            Ok(outcome) => outcome,
            Err(_elapsed) => Err(Error::Timeout(Box::new(TimeoutError::new(
                request.operation_id,
                timeout,
                progress.attempts,
                progress.last.take(),
                false,
            )))),
        }
    }

    /// Sends attempts until one succeeds or the retry policy gives up. Every non-2xx
    /// answer that is not retried becomes [`Error::Api`] with status, headers and body.
    async fn attempt_until_done(
        &self,
        request: &Request,
        deadline: Option<tokio::time::Instant>,
        progress: &mut Progress,
    ) -> Result<Exchange, Error> {
        let inner = &*self.inner;
        let url = self.url(request)?;
        let mut reauthorized = false;
        loop {
            progress.attempts += 1;
            let attempt = progress.attempts;
            self.wait_for_limiter().await?;
            let authorization = inner
                .auth
                .authorization(&inner.http, inner.attempt_timeout)
                .await?;
            tracing::Span::current().record("attempt", attempt);
            let sent = self
                .send_once(request, &url, &authorization, attempt)
                .await?;
            let (failure, error, retry_after) = match self.classify(request, attempt, sent) {
                Verdict::Done(exchange) => return Ok(exchange),
                Verdict::Failed(failure, error, retry_after) => (failure, error, retry_after),
            };
            if failure == Failure::Status(StatusCode::UNAUTHORIZED)
                && !reauthorized
                && inner.auth.refused(&authorization)
            {
                // The token was revoked or expired early: fetch a new one and try once
                // more. A 401 means the request was refused, so even a POST is safe to
                // resend.
                reauthorized = true;
                tracing::debug!(attempt, "401: fetching a new access token and retrying");
                continue;
            }
            let decision = match failure {
                // Neither a timeout nor a broken connection: a TLS or protocol failure.
                Failure::Transport if !error.is_retryable_transport() => Decision::Stop,
                _ => inner.retry.decide(
                    attempt,
                    &request.method,
                    &failure,
                    retry_after,
                    fastrand::f64(),
                ),
            };
            let Decision::RetryAfter(delay) = decision else {
                return Err(error);
            };
            if let Some(deadline) = deadline
                && tokio::time::Instant::now() + delay >= deadline
            {
                return Err(Error::Timeout(Box::new(TimeoutError::new(
                    request.operation_id,
                    request.timeout.or(inner.timeout).unwrap_or_default(),
                    attempt,
                    Some(error),
                    true,
                ))));
            }
            if let (Some(limiter), Failure::Status(StatusCode::TOO_MANY_REQUESTS)) =
                (&inner.limiter, failure)
            {
                // Everyone on this limiter backs off, not just this request.
                limiter
                    .pause_for(retry_after.unwrap_or_else(|| inner.retry.ceiling(attempt)))
                    .await;
            }
            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            progress.last = Some(error);
            tokio::time::sleep(delay).await;
        }
    }

    /// Sorts what an attempt brought: a success, or a failure with what the retry
    /// policy needs to know.
    fn classify(&self, request: &Request, attempt: u32, sent: Sent) -> Verdict {
        match sent {
            Sent::Broken(e) => Verdict::Failed(
                Failure::Transport,
                Error::Transport(Box::new(TransportError::new(
                    request.operation_id,
                    attempt,
                    e,
                    self.inner.attempt_timeout,
                ))),
                None,
            ),
            Sent::Answer(status, headers, body) => {
                self.notice_deprecation(request, &headers);
                if status.is_success() {
                    return Verdict::Done(Exchange {
                        operation_id: request.operation_id,
                        status,
                        headers,
                        body,
                        attempts: attempt,
                    });
                }
                let retry_after = crate::retry::retry_after(&headers, chrono::Utc::now());
                let error = ApiError::new(request.operation_id, status, headers, body)
                    .with_attempts(attempt);
                Verdict::Failed(
                    Failure::Status(status),
                    Error::Api(Box::new(error)),
                    retry_after,
                )
            }
        }
    }

    /// Waits for the rate limiter; fails only when a fleet limiter that cannot reach
    /// Redis is set to fail rather than fall back.
    async fn wait_for_limiter(&self) -> Result<(), Error> {
        if let Some(limiter) = &self.inner.limiter {
            let waited = limiter.acquire().await?;
            if !waited.is_zero() {
                tracing::trace!(waited_ms = waited.as_millis() as u64, "rate limiter");
            }
        }
        Ok(())
    }

    /// Sends one attempt and follows the redirects the policy allows (see `redirect.rs`).
    /// Errors are the ends no retry can change: a body over the size limit, a redirect
    /// that is not followed.
    async fn send_once(
        &self,
        request: &Request,
        first: &reqwest::Url,
        authorization: &Authorization,
        attempt: u32,
    ) -> Result<Sent, Error> {
        let inner = &*self.inner;
        let span = tracing::Span::current();
        let (mut url, mut method, mut body) =
            (first.clone(), request.method.clone(), request.body.as_ref());
        let mut foreign = false;
        let mut hops = 0;
        loop {
            let mut builder = inner
                .http
                .request(method.clone(), url.clone())
                .timeout(inner.attempt_timeout);
            if !foreign {
                // Another origin gets none of these: see `redirect.rs`.
                builder = builder
                    .headers(inner.ambient.clone())
                    .headers(request.headers.clone());
                if let Some((name, value)) = &authorization.header {
                    builder = builder.header(name.clone(), value.clone());
                }
                if let Some((name, key)) = &authorization.query {
                    builder = builder.query(&[(name, key.expose())]);
                }
            }
            if let Some((content_type, bytes)) = body {
                builder = builder
                    .header(CONTENT_TYPE, content_type.clone())
                    .body(bytes.clone());
            }
            let started = Instant::now();
            let response = builder.send().await;
            span.record("latency_ms", started.elapsed().as_millis() as u64);
            let response = match response {
                Ok(response) => response,
                // Its URL would carry an API key sent as a query parameter.
                Err(e) if authorization.query.is_some() => {
                    return Ok(Sent::Broken(e.without_url()));
                }
                Err(e) => return Ok(Sent::Broken(e)),
            };
            let (status, headers) = (response.status(), response.headers().clone());
            span.record("status", status.as_u16());
            let hop = redirect::decide(
                &inner.redirects,
                status,
                &headers,
                &method,
                first,
                &url,
                hops,
            );
            match hop {
                Hop::Answer => return self.read_answer(request, response).await,
                Hop::Refuse { location, refusal } => {
                    return Err(Error::Redirect(Box::new(RedirectError {
                        operation_id: request.operation_id,
                        status,
                        headers,
                        location,
                        refusal,
                        attempts: attempt,
                    })));
                }
                Hop::Follow {
                    url: next,
                    method: next_method,
                    keep_body,
                    foreign: next_foreign,
                } => {
                    tracing::debug!(status = status.as_u16(), to = %next, "following a redirect");
                    (url, method, foreign) = (next, next_method, next_foreign);
                    body = body.filter(|_| keep_body);
                    hops += 1;
                    if !foreign {
                        self.wait_for_limiter().await?;
                    }
                }
            }
        }
    }

    async fn read_answer(
        &self,
        request: &Request,
        response: reqwest::Response,
    ) -> Result<Sent, Error> {
        let status = response.status();
        let headers = response.headers().clone();
        match read_capped(response, self.inner.max_response_bytes).await {
            Ok(Some(body)) => Ok(Sent::Answer(status, headers, body)),
            // Not retried: the same request would bring the same body.
            Ok(None) => Err(Error::ResponseTooLarge(format!(
                "{}: HTTP {status} with a body over the limit of {} bytes \
                 (`ClientBuilder::max_response_bytes` raises it)",
                request.operation_id, self.inner.max_response_bytes
            ))),
            Err(e) => Ok(Sent::Broken(e)),
        }
    }
}

/// Reads a body, or gives `None` as soon as it is known to exceed `limit` bytes (from
/// `Content-Length`, or while reading), so a huge or endless body never fills memory.
///
/// A body whose length is announced (and within the limit) is read whole by hyper, which
/// hands over a body that arrived in one chunk without copying it; hyper fails a body that
/// runs past its `Content-Length`. Only a body of unknown length is gathered chunk by chunk
/// and counted.
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Bytes>, reqwest::Error> {
    match response.content_length() {
        Some(announced) if announced > limit as u64 => return Ok(None),
        Some(_) => return response.bytes().await.map(Some),
        None => {}
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}
