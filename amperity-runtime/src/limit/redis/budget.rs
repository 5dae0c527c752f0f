//! One family's budget (the control plane's, or the Profile API's) of one tenant on one
//! Redis: the GCRA parameters the script receives, the local fallback limiter, and the
//! loop that sleeps until a request may start.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use governor::clock::MonotonicClock;

use super::OnRedisFailure;
use super::health::{Health, PROBE_EVERY, Route};
use super::store::{Call, Op, Store};
use crate::Error;
use crate::error::RateLimiterError;
use crate::limit::{Gate, RateLimit};

/// The script's arguments for one budget, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spacing {
    /// Between two requests: the in-process rule for a window of `1 s + allowance`,
    /// rounded up to the microsecond (Lua's numbers hold microseconds since 1970 exactly).
    pub spacing_us: u64,
    /// How far ahead of its turn a request may go: the burst, `spacing × (burst - 1)`.
    pub tau_us: u64,
}

impl Spacing {
    /// The spacing that keeps every one-second window at the server at or under `limit`
    /// when requests reach it up to `allowance` later than their admission (a GCRA's
    /// bound for a window of `1 s + allowance`).
    pub(super) fn new(limit: RateLimit, allowance: Duration) -> Option<Self> {
        let interval = limit.interval_for_window(Duration::from_secs(1) + allowance)?;
        let spacing_us = u64::try_from(interval.as_nanos().div_ceil(1000)).ok()?;
        Some(Self {
            spacing_us,
            tau_us: spacing_us * u64::from(limit.burst() - 1),
        })
    }
}

/// One budget as this process sees it.
#[derive(Debug)]
pub(super) struct Budget {
    pub family: &'static str,
    pub limit: RateLimit,
    key: String,
    pause_key: String,
    spacing: Spacing,
    /// One second plus the arrival allowance: what a failover keeps apart.
    window: Duration,
    fallback: FallbackGate,
    health: Mutex<Health>,
}

/// The local limiter used while Redis cannot be asked, at the fleet's limit divided by
/// the expected number of processes.
struct FallbackGate(Gate<MonotonicClock>);

impl std::fmt::Debug for FallbackGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FallbackGate")
            .field(&self.0.limit())
            .finish()
    }
}

impl Budget {
    pub(super) fn new(
        key: String,
        family: &'static str,
        limit: RateLimit,
        allowance: Duration,
        expected_processes: u32,
    ) -> Result<Self, Error> {
        let spacing = Spacing::new(limit, allowance).ok_or_else(|| {
            Error::Config(
                "a rate limit of 0 requests per second would never send anything; \
                 use `.no_rate_limit()` to switch the limiter off"
                    .to_owned(),
            )
        })?;
        let share = (limit.count_per_second() / expected_processes.max(1)).max(1);
        Ok(Self {
            family,
            limit,
            pause_key: format!("{key}:pause"),
            key,
            spacing,
            window: Duration::from_secs(1) + allowance,
            fallback: FallbackGate(Gate::new(RateLimit::per_second(share), MonotonicClock)?),
            health: Mutex::new(Health::default()),
        })
    }

    pub(super) fn key(&self) -> &str {
        &self.key
    }

    /// The limit of the local limiter used while Redis is away.
    pub(super) fn fallback_limit(&self) -> RateLimit {
        self.fallback.0.limit()
    }

    fn health(&self) -> MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn call(&self, op: Op, extra: Duration, epoch: u64) -> Call<'_> {
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Call {
            key: &self.key,
            pause_key: &self.pause_key,
            op,
            spacing_us: self.spacing.spacing_us,
            tau_us: self.spacing.tau_us,
            extra_us: micros(extra),
            epoch,
            window_us: micros(self.window),
        }
    }

    /// Waits until a request may start; the error only with [`OnRedisFailure::Fail`].
    pub(super) async fn acquire(
        &self,
        store: &Store,
        policy: OnRedisFailure,
        tenant: &str,
    ) -> Result<Duration, Error> {
        let mut waited = Duration::ZERO;
        loop {
            let route = match policy {
                OnRedisFailure::Fail => Route::Redis,
                OnRedisFailure::FallBack => self.health().route(Instant::now()),
            };
            if route == Route::Local {
                match self.fallback.0.decide() {
                    Ok(()) => {
                        self.health().admitted_locally(Instant::now());
                        return Ok(waited);
                    }
                    // Wake at least once per probe interval, to try Redis again.
                    Err(wait) => waited += sleep(wait.min(PROBE_EVERY)).await,
                }
                continue;
            }
            match self.wait_for_slot(store, &mut waited, tenant).await {
                Ok(()) => return Ok(waited),
                Err(e) => match policy {
                    OnRedisFailure::Fail => return Err(Error::RateLimiter(Box::new(e))),
                    OnRedisFailure::FallBack => self.fell_back(&e, tenant),
                },
            }
        }
    }

    /// Takes a slot in Redis and waits for it, adding the time slept to `waited`. A slot
    /// made void meanwhile (a fleet pause, a restarted Redis, a local admission of this
    /// process while it waited) is replaced by a new one.
    async fn wait_for_slot(
        &self,
        store: &Store,
        waited: &mut Duration,
        tenant: &str,
    ) -> Result<(), RateLimiterError> {
        let hold = self.health().hold(Instant::now(), self.window);
        let mut slot = store.run(self.call(Op::Reserve, hold, 0)).await?;
        // Back on Redis from now on, for every task of this process: a local admission
        // while this one waits for its slot would only lengthen the hold.
        if self.health().succeeded() {
            tracing::info!(
                tenant,
                family = self.family,
                "the fleet rate limiter reaches Redis again; back on the shared budget"
            );
        }
        while slot.wait_us > 0 {
            *waited += sleep(Duration::from_micros(slot.wait_us)).await;
            let hold = self.health().hold(Instant::now(), self.window);
            let op = if hold.is_zero() {
                Op::Check
            } else {
                Op::Reserve
            };
            slot = store.run(self.call(op, hold, slot.epoch)).await?;
        }
        Ok(())
    }

    /// Redis could not be asked: switch to the local limiter (paused for a window, so it
    /// cannot add to the fleet's last Redis-admitted second), warning once per outage.
    fn fell_back(&self, e: &RateLimiterError, tenant: &str) {
        if self.health().failed(Instant::now()) {
            self.fallback.0.pause_for(self.window);
            tracing::warn!(
                tenant,
                family = self.family,
                error = %e,
                fallback_per_second = self.fallback_limit().count_per_second(),
                "the fleet rate limiter cannot reach Redis; falling back to a local limit \
                 (the fleet's limit divided by the expected number of processes)"
            );
        }
    }

    /// Pauses the fleet (and this process's fallback limiter) for `delay` from now.
    pub(super) async fn pause_for(&self, store: &Store, delay: Duration, tenant: &str) {
        self.fallback.0.pause_for(delay);
        if let Err(e) = store.run(self.call(Op::Pause, delay, 0)).await {
            tracing::warn!(
                tenant,
                family = self.family,
                error = %e,
                "the fleet rate limiter could not share a pause after a 429; \
                 only this process pauses"
            );
            self.fell_back(&e, tenant);
        }
    }
}

/// Sleeps for `duration`; returns how long that really took (timers wake late).
async fn sleep(duration: Duration) -> Duration {
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    started.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_keeps_a_window_of_one_second_plus_the_allowance_under_the_limit() {
        let at_10 = Spacing::new(RateLimit::per_second(10), Duration::from_millis(20)).unwrap();
        assert_eq!(
            at_10,
            Spacing {
                spacing_us: 102_000,
                tau_us: 0
            }
        );
        let at_2000 = Spacing::new(RateLimit::per_second(2000), Duration::from_millis(20)).unwrap();
        // 1.02 s / 1981, rounded up; bursts of 20.
        assert_eq!(at_2000.spacing_us, 515);
        assert_eq!(at_2000.tau_us, 515 * 19);
        // The GCRA bound: burst - 1 + ceil(window / spacing) <= limit.
        for (limit, s) in [(10u64, at_10), (2000, at_2000)] {
            let burst = s.tau_us / s.spacing_us + 1;
            let bound = burst - 1 + 1_020_000u64.div_ceil(s.spacing_us);
            assert!(bound <= limit, "{limit}/s: {bound}");
        }
        assert!(Spacing::new(RateLimit::per_second(0), Duration::ZERO).is_none());
    }

    #[test]
    fn the_fallback_shares_the_limit_among_the_expected_processes() {
        let budget = |limit, processes| {
            Budget::new(
                "p:t:f".to_owned(),
                "f",
                RateLimit::per_second(limit),
                Duration::from_millis(20),
                processes,
            )
            .unwrap()
            .fallback_limit()
            .count_per_second()
        };
        assert_eq!(budget(10, 4), 2, "rounded down: 4 x 2 <= 10");
        assert_eq!(budget(2000, 8), 250);
        assert_eq!(budget(10, 20), 1, "never zero");
    }
}
