//! When to try a request again, and after how long.
//!
//! The policy is a pure function ([`RetryPolicy::decide`]) of what happened, the attempt
//! number, the method and a random number; the client does the sleeping. The rules:
//!
//! - **429** (the server refused the request before doing anything) is retried for every
//!   method, `POST` included.
//! - **502, 503, 504**, timeouts and broken connections are retried only for idempotent
//!   methods (`GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`): for a `POST` such as
//!   `POST /workflow/runs` they may mean the request ran, and replaying it would start a
//!   second workflow.
//! - Delays grow exponentially from `base` and are capped at `max_delay`, with full jitter
//!   (a uniformly random delay between zero and that bound), so that many clients retrying
//!   at once do not retry in step.
//! - A `Retry-After` header, when the server sends one, is honoured as a minimum; when it
//!   asks for longer than `max_delay` the error is returned instead of blocking the caller.

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

/// How many times, and how patiently, a failed request is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts in all, delays drawn from 0–250 ms, 0–500 ms, 0–1 s, capped at 20 s.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// Never retries: every request is sent once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The total number of attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The upper bound of the first delay; each later bound doubles.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest delay between two attempts, and the longest `Retry-After` honoured.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The configured number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The bound of the delay after attempt `attempt` (1-based), before jitter.
    pub(crate) fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// Decides what to do after attempt `attempt` (1-based) of a `method` request ended
    /// in `failure`. `unit` is a random number in `[0, 1)` for the jitter.
    pub(crate) fn decide(
        &self,
        attempt: u32,
        method: &Method,
        failure: &Failure,
        retry_after: Option<Duration>,
        unit: f64,
    ) -> Decision {
        if attempt >= self.max_attempts || !failure.retryable(method) {
            return Decision::Stop;
        }
        let jittered = self.ceiling(attempt).mul_f64(unit.clamp(0.0, 1.0));
        match retry_after {
            Some(asked) if asked > self.max_delay => Decision::Stop,
            Some(asked) => Decision::RetryAfter(asked.max(jittered)),
            None => Decision::RetryAfter(jittered),
        }
    }
}

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server answered with this status.
    Status(StatusCode),
    /// No complete answer: timeout, refused or reset connection, truncated body.
    Transport,
}

impl Failure {
    fn retryable(&self, method: &Method) -> bool {
        match self {
            Failure::Status(StatusCode::TOO_MANY_REQUESTS) => true,
            Failure::Status(
                StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT,
            )
            | Failure::Transport => is_idempotent(method),
            Failure::Status(_) => false,
        }
    }
}

/// The outcome of [`RetryPolicy::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Try again after this delay.
    RetryAfter(Duration),
    /// Return the error.
    Stop,
}

/// RFC 9110's idempotent methods: sending them twice has the effect of sending them once.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// `Retry-After` as delay-seconds or an HTTP date (relative to `now`); `None` when absent
/// or unreadable.
pub(crate) fn retry_after(
    headers: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = crate::date::http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const SECOND: Duration = Duration::from_secs(1);

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(5)
            .base_delay(SECOND)
            .max_delay(Duration::from_secs(5))
    }

    #[test]
    fn too_many_requests_is_retried_for_every_method() {
        let failure = Failure::Status(StatusCode::TOO_MANY_REQUESTS);
        for method in [Method::GET, Method::POST] {
            assert_eq!(
                policy().decide(1, &method, &failure, None, 0.5),
                Decision::RetryAfter(SECOND / 2)
            );
        }
    }

    #[test]
    fn server_errors_and_transport_failures_are_retried_only_when_idempotent() {
        for failure in [
            Failure::Status(StatusCode::BAD_GATEWAY),
            Failure::Status(StatusCode::SERVICE_UNAVAILABLE),
            Failure::Status(StatusCode::GATEWAY_TIMEOUT),
            Failure::Transport,
        ] {
            assert!(
                matches!(
                    policy().decide(1, &Method::GET, &failure, None, 0.0),
                    Decision::RetryAfter(_)
                ),
                "{failure:?}"
            );
            assert_eq!(
                policy().decide(1, &Method::POST, &failure, None, 0.0),
                Decision::Stop,
                "{failure:?}"
            );
        }
        for status in [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_REQUEST,
            StatusCode::UNAUTHORIZED,
            StatusCode::NOT_FOUND,
        ] {
            assert_eq!(
                policy().decide(1, &Method::GET, &Failure::Status(status), None, 0.0),
                Decision::Stop,
                "{status}"
            );
        }
    }

    #[test]
    fn delays_double_up_to_the_cap_with_full_jitter() {
        let failure = Failure::Transport;
        let bounds: Vec<Duration> = (1..5)
            .map(|attempt| {
                match policy().decide(attempt, &Method::GET, &failure, None, 0.999_999) {
                    Decision::RetryAfter(d) => d,
                    Decision::Stop => panic!("attempt {attempt} stopped"),
                }
            })
            .collect();
        let secs: Vec<u64> = bounds
            .iter()
            .map(|d| d.as_secs_f64().round() as u64)
            .collect();
        assert_eq!(secs, [1, 2, 4, 5]);
        assert_eq!(
            policy().decide(3, &Method::GET, &failure, None, 0.0),
            Decision::RetryAfter(Duration::ZERO)
        );
    }

    #[test]
    fn attempts_are_bounded() {
        let failure = Failure::Status(StatusCode::TOO_MANY_REQUESTS);
        assert!(matches!(
            policy().decide(4, &Method::GET, &failure, None, 0.1),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            policy().decide(5, &Method::GET, &failure, None, 0.1),
            Decision::Stop
        );
        assert_eq!(
            RetryPolicy::none().decide(1, &Method::GET, &failure, None, 0.1),
            Decision::Stop
        );
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }

    #[test]
    fn retry_after_is_a_minimum_and_too_long_a_wait_gives_up() {
        let failure = Failure::Status(StatusCode::TOO_MANY_REQUESTS);
        let three = Some(Duration::from_secs(3));
        assert_eq!(
            policy().decide(1, &Method::POST, &failure, three, 0.5),
            Decision::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            policy().decide(
                1,
                &Method::POST,
                &failure,
                Some(Duration::from_secs(60)),
                0.5
            ),
            Decision::Stop
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now), None);
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        headers.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static("Thu, 26 Nov 2026 10:00:30 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
        headers.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static("Thu, 26 Nov 2026 09:00:00 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }
}
