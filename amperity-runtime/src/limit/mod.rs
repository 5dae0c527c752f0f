//! The client-side rate limiter: one per API client, shared by every clone and task, or
//! (with the `redis` feature) by every process of a fleet.
//!
//! Amperity allows 10 requests per second on the control plane and 2000 on the Profile
//! API, per tenant, and answers 429 beyond that. The limiter spaces requests evenly (a
//! GCRA with a small burst), so that no one-second window ever holds more than the
//! configured count, whatever the number of concurrent tasks. After a 429 the whole
//! limiter pauses: every request waits, not just the one that was refused.
//!
//! Two backends keep the same rules: [`local`] decides in process (`governor`), `redis`
//! decides in a Lua script on a Redis server that every process of a fleet shares.

mod local;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use governor::Quota;
use governor::clock::MonotonicClock;

use crate::Error;
pub(crate) use local::Gate;
#[cfg(feature = "redis")]
pub use redis::{OnRedisFailure, RedisOptions};

/// How many requests per second a client may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    per_second: u32,
}

impl RateLimit {
    /// At most `count` requests in any one-second window, evenly spaced
    /// (`1 s / count` apart). A count of zero is refused when the client is built.
    pub const fn per_second(count: u32) -> Self {
        Self { per_second: count }
    }

    /// The configured count per second.
    pub const fn count_per_second(&self) -> u32 {
        self.per_second
    }

    /// How many requests may go at once after a quiet spell: one per hundred of the
    /// limit. A burst lets the limiter catch up when tasks wake late (timers tick in
    /// milliseconds, which at 2000/s is two requests' worth); it is paid for below.
    pub(crate) fn burst(&self) -> u32 {
        (self.per_second / 100).max(1)
    }

    /// The spacing between two requests. A GCRA with burst `b` and spacing `t` lets at
    /// most `b - 1 + ceil(1 s / t)` requests into any one-second window, so the spacing
    /// is that of `count - b + 1` per second (rounded up to the nanosecond), keeping
    /// every window at or under `count`. At 10/s that is exactly 100 ms; at 2000/s,
    /// 1981/s with bursts of 20.
    pub(crate) fn interval(&self) -> Option<Duration> {
        self.interval_for_window(Duration::from_secs(1))
    }

    /// The spacing that keeps every window of length `window` at or under `count`: the
    /// same rule as [`interval`](Self::interval), for a window longer than a second
    /// when the arrival of requests may lag their admission by up to `window - 1 s`.
    pub(crate) fn interval_for_window(&self, window: Duration) -> Option<Duration> {
        if self.per_second == 0 {
            return None;
        }
        let steady = u64::from(self.per_second - self.burst() + 1);
        let window = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
        Some(Duration::from_nanos(window.div_ceil(steady)))
    }

    fn quota(&self) -> Option<Quota> {
        let burst = std::num::NonZeroU32::new(self.burst())?;
        Some(Quota::with_period(self.interval()?)?.allow_burst(burst))
    }
}

/// A handle to a rate limiter. Clones share the same budget: hand one to several client
/// builders (`.rate_limiter(handle)`) to make them share Amperity's per-tenant limit.
///
/// With the `redis` feature, `RateLimiter::redis` makes a limiter whose budget every
/// process using the same Redis, prefix and tenant shares; each client built with it
/// draws from its own API's budget (the control plane's or the Profile API's).
#[derive(Clone)]
pub struct RateLimiter {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Local(Arc<Gate<MonotonicClock>>),
    #[cfg(feature = "redis")]
    Redis(redis::Handle),
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Backend::Local(gate) => f
                .debug_struct("RateLimiter")
                .field("limit", &gate.limit())
                .finish_non_exhaustive(),
            #[cfg(feature = "redis")]
            Backend::Redis(handle) => fmt::Debug::fmt(handle, f),
        }
    }
}

impl RateLimiter {
    /// A new, independent limiter in this process.
    pub fn new(limit: RateLimit) -> Result<Self, Error> {
        Ok(Self {
            backend: Backend::Local(Arc::new(Gate::new(limit, MonotonicClock)?)),
        })
    }

    /// The limit this limiter enforces; `None` for a fleet limiter not yet given to a
    /// client (it takes the limit of the client's API).
    pub fn limit(&self) -> Option<RateLimit> {
        match &self.backend {
            Backend::Local(gate) => Some(gate.limit()),
            #[cfg(feature = "redis")]
            Backend::Redis(handle) => handle.limit(),
        }
    }

    /// Waits until a request may start, and returns how long it waited (zero when it
    /// did not have to). Only a fleet limiter set to fail when Redis cannot be asked
    /// (`OnRedisFailure::Fail`, feature `redis`) returns an error.
    pub async fn acquire(&self) -> Result<Duration, Error> {
        match &self.backend {
            Backend::Local(gate) => Ok(local_acquire(gate).await),
            #[cfg(feature = "redis")]
            Backend::Redis(handle) => handle.acquire().await,
        }
    }

    /// Makes every request on this limiter wait `delay` from now (the shared back-off
    /// after a 429); for a fleet limiter, every process's requests. A longer pause
    /// already in force is kept.
    pub async fn pause_for(&self, delay: Duration) {
        match &self.backend {
            Backend::Local(gate) => gate.pause_for(delay),
            #[cfg(feature = "redis")]
            Backend::Redis(handle) => handle.pause_for(delay).await,
        }
    }

    /// Whether two handles share one budget.
    pub fn same_as(&self, other: &RateLimiter) -> bool {
        match (&self.backend, &other.backend) {
            (Backend::Local(a), Backend::Local(b)) => Arc::ptr_eq(a, b),
            #[cfg(feature = "redis")]
            (Backend::Redis(a), Backend::Redis(b)) => a.same_as(b),
            #[cfg(feature = "redis")]
            _ => false,
        }
    }

    /// The limiter a client of an API uses: a local limiter as it is; a fleet limiter
    /// drawing from the budget of `family` at the API's documented limit.
    #[cfg_attr(not(feature = "redis"), allow(unused_variables))]
    pub(crate) fn for_api(
        &self,
        family: &'static str,
        documented: Option<RateLimit>,
        title: &str,
    ) -> Result<Self, Error> {
        match &self.backend {
            Backend::Local(_) => Ok(self.clone()),
            #[cfg(feature = "redis")]
            Backend::Redis(handle) => Ok(Self {
                backend: Backend::Redis(handle.for_api(family, documented, title)?),
            }),
        }
    }
}

/// Sleeps until the gate lets a request through; the one place the local limiter sleeps.
async fn local_acquire(gate: &Gate<MonotonicClock>) -> Duration {
    let Err(mut wait) = gate.decide() else {
        return Duration::ZERO;
    };
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(wait).await;
        match gate.decide() {
            Ok(()) => return started.elapsed(),
            Err(again) => wait = again,
        }
    }
}
