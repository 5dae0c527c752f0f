//! The client-side rate limiter: one per API client, shared by every clone and task.
//!
//! Amperity allows 10 requests per second on the control plane and 2000 on the Profile
//! API, and answers 429 beyond that. The limiter spaces requests evenly (a GCRA with a
//! burst of one, from `governor`), so that no one-second window ever holds more than the
//! configured count, whatever the number of concurrent tasks. After a 429 the whole
//! limiter pauses: every request waits, not just the one that was refused.
//!
//! The decision is a pure function of the clock ([`Gate::decide`]); only
//! [`RateLimiter::acquire`] sleeps, so the rules are tested with a fake clock.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter as Gcra};

use crate::Error;

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
    fn burst(&self) -> u32 {
        (self.per_second / 100).max(1)
    }

    /// The spacing between two requests. A GCRA with burst `b` and spacing `t` lets at
    /// most `b - 1 + ceil(1 s / t)` requests into any one-second window, so the spacing
    /// is that of `count - b + 1` per second (rounded up to the nanosecond), keeping
    /// every window at or under `count`. At 10/s that is exactly 100 ms; at 2000/s,
    /// 1981/s with bursts of 20.
    fn interval(&self) -> Option<Duration> {
        if self.per_second == 0 {
            return None;
        }
        let steady = u64::from(self.per_second - self.burst() + 1);
        Some(Duration::from_nanos(1_000_000_000u64.div_ceil(steady)))
    }

    fn quota(&self) -> Option<Quota> {
        let burst = std::num::NonZeroU32::new(self.burst())?;
        Some(Quota::with_period(self.interval()?)?.allow_burst(burst))
    }
}

/// A handle to a rate limiter. Clones share the same budget: hand one to several client
/// builders (`.rate_limiter(handle)`) to make them share Amperity's per-tenant limit.
#[derive(Clone)]
pub struct RateLimiter {
    gate: Arc<Gate<MonotonicClock>>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.gate.limit)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A new, independent limiter.
    pub fn new(limit: RateLimit) -> Result<Self, Error> {
        Ok(Self {
            gate: Arc::new(Gate::new(limit, MonotonicClock)?),
        })
    }

    /// The limit this limiter enforces.
    pub fn limit(&self) -> RateLimit {
        self.gate.limit
    }

    /// Waits until a request may start, and returns how long it waited (zero when it
    /// did not have to).
    pub async fn acquire(&self) -> Duration {
        let Err(mut wait) = self.gate.decide() else {
            return Duration::ZERO;
        };
        let started = std::time::Instant::now();
        loop {
            tokio::time::sleep(wait).await;
            match self.gate.decide() {
                Ok(()) => return started.elapsed(),
                Err(again) => wait = again,
            }
        }
    }

    /// Makes every request on this limiter wait `delay` from now (the shared back-off
    /// after a 429). A longer pause already in force is kept.
    pub fn pause_for(&self, delay: Duration) {
        self.gate.pause_for(delay);
    }

    /// Whether two handles share one budget.
    pub fn same_as(&self, other: &RateLimiter) -> bool {
        Arc::ptr_eq(&self.gate, &other.gate)
    }
}

/// The decision half of the limiter, generic over the clock so tests can drive time.
pub(crate) struct Gate<C: Clock> {
    limit: RateLimit,
    gcra: Gcra<NotKeyed, InMemoryState, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    start: C::Instant,
    /// Nanoseconds after `start` before which nothing may pass; 0 when not paused.
    paused_until: AtomicU64,
}

impl<C: Clock + Clone> Gate<C> {
    pub(crate) fn new(limit: RateLimit, clock: C) -> Result<Self, Error> {
        let quota = limit.quota().ok_or_else(|| {
            Error::Config(
                "a rate limit of 0 requests per second would never send anything; \
                 use `.no_rate_limit()` to switch the limiter off"
                    .to_owned(),
            )
        })?;
        Ok(Self {
            limit,
            gcra: Gcra::direct_with_clock(quota, clock.clone()),
            start: clock.now(),
            clock,
            paused_until: AtomicU64::new(0),
        })
    }

    fn elapsed_nanos(&self, now: C::Instant) -> u64 {
        now.duration_since(self.start).as_u64()
    }

    /// `Ok` when a request may start now (and counts it), else how long to wait before
    /// asking again.
    pub(crate) fn decide(&self) -> Result<(), Duration> {
        let now = self.clock.now();
        let elapsed = self.elapsed_nanos(now);
        let paused_until = self.paused_until.load(Ordering::Acquire);
        if paused_until > elapsed {
            return Err(Duration::from_nanos(paused_until - elapsed));
        }
        self.gcra
            .check()
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    pub(crate) fn pause_for(&self, delay: Duration) {
        let now = self.elapsed_nanos(self.clock.now());
        let delay = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
        self.paused_until
            .fetch_max(now.saturating_add(delay), Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    /// Runs `tasks` callers that each ask again as soon as they are told they may, for
    /// `duration`, stepping the fake clock by `step`; returns the admission times in ns.
    fn admissions(
        gate: &Gate<FakeRelativeClock>,
        clock: &FakeRelativeClock,
        tasks: usize,
        duration: Duration,
        step: Duration,
    ) -> Vec<u64> {
        let mut admitted = Vec::new();
        let mut elapsed = Duration::ZERO;
        while elapsed < duration {
            for _ in 0..tasks {
                if gate.decide().is_err() {
                    // Everyone asking at this instant gets the same answer.
                    break;
                }
                admitted.push(elapsed.as_nanos() as u64);
            }
            clock.advance(step);
            elapsed += step;
        }
        admitted
    }

    fn busiest_window(admitted: &[u64], window: u64) -> usize {
        let mut best = 0;
        let mut first = 0;
        for (last, &at) in admitted.iter().enumerate() {
            while admitted[first] + window <= at {
                first += 1;
            }
            best = best.max(last - first + 1);
        }
        best
    }

    #[test]
    fn never_more_than_the_limit_in_any_one_second_window() {
        for per_second in [1, 3, 7, 10, 2000] {
            let clock = FakeRelativeClock::default();
            let gate = Gate::new(RateLimit::per_second(per_second), clock.clone()).unwrap();
            let admitted = admissions(
                &gate,
                &clock,
                100,
                Duration::from_secs(20),
                Duration::from_micros(250),
            );
            let busiest = busiest_window(&admitted, 1_000_000_000);
            assert!(
                busiest <= per_second as usize,
                "{per_second}/s: {busiest} in one window"
            );
            // And the budget is used: 20 s at `per_second` is 20 × per_second requests,
            // give or take the first and the last.
            // And the budget is used: at least 98% of 20 s × per_second.
            let expected = 20 * per_second as usize * 98 / 100;
            assert!(
                admitted.len() >= expected,
                "{per_second}/s: only {} of {expected}",
                admitted.len()
            );
        }
    }

    #[test]
    fn waits_are_reported_not_slept() {
        let clock = FakeRelativeClock::default();
        let gate = Gate::new(RateLimit::per_second(10), clock.clone()).unwrap();
        assert!(gate.decide().is_ok());
        assert_eq!(gate.decide(), Err(Duration::from_millis(100)));
        clock.advance(Duration::from_millis(40));
        assert_eq!(gate.decide(), Err(Duration::from_millis(60)));
        clock.advance(Duration::from_millis(60));
        assert!(gate.decide().is_ok());
    }

    #[test]
    fn a_pause_holds_everyone_and_the_longest_pause_wins() {
        let clock = FakeRelativeClock::default();
        let gate = Gate::new(RateLimit::per_second(10), clock.clone()).unwrap();
        gate.pause_for(Duration::from_secs(2));
        gate.pause_for(Duration::from_millis(500));
        assert_eq!(gate.decide(), Err(Duration::from_secs(2)));
        clock.advance(Duration::from_millis(1500));
        assert_eq!(gate.decide(), Err(Duration::from_millis(500)));
        clock.advance(Duration::from_millis(500));
        assert!(gate.decide().is_ok());
    }

    #[test]
    fn zero_is_refused_with_a_hint() {
        let err = Gate::new(RateLimit::per_second(0), FakeRelativeClock::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("no_rate_limit"), "{err}");
    }

    #[test]
    fn intervals_round_up() {
        assert_eq!(
            RateLimit::per_second(3).interval(),
            Some(Duration::from_nanos(333_333_334))
        );
        assert_eq!(
            RateLimit::per_second(10).interval(),
            Some(Duration::from_millis(100))
        );
        assert_eq!(RateLimit::per_second(2000).burst(), 20);
        assert_eq!(
            RateLimit::per_second(2000).interval(),
            Some(Duration::from_nanos(504_796))
        );
    }

    /// Tasks that wake a millisecond late (tokio's timer granularity) still get the
    /// budget at high rates, thanks to the burst, and never exceed it.
    #[test]
    fn late_wakeups_do_not_waste_the_budget() {
        for per_second in [10, 200, 2000] {
            let clock = FakeRelativeClock::default();
            let gate = Gate::new(RateLimit::per_second(per_second), clock.clone()).unwrap();
            let mut admitted = Vec::new();
            let mut now = Duration::ZERO;
            while now < Duration::from_secs(10) {
                match gate.decide() {
                    Ok(()) => admitted.push(now.as_nanos() as u64),
                    Err(wait) => {
                        // Sleep as tokio does: to the next millisecond tick after `wait`.
                        let late = (wait + Duration::from_millis(1)).as_millis() as u64;
                        let step = Duration::from_millis(late);
                        clock.advance(step);
                        now += step;
                    }
                }
            }
            let busiest = busiest_window(&admitted, 1_000_000_000);
            assert!(busiest <= per_second as usize, "{per_second}/s: {busiest}");
            let expected = 10 * per_second as usize * 98 / 100;
            assert!(
                admitted.len() >= expected,
                "{per_second}/s: {} of {expected}",
                admitted.len()
            );
        }
    }
}
