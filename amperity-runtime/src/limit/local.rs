//! The in-process limiter: a GCRA from `governor`, decided against a clock.
//!
//! The decision is a pure function of the clock ([`Gate::decide`]); only
//! [`RateLimiter::acquire`](super::RateLimiter::acquire) sleeps, so the rules are tested
//! with a fake clock. The Redis backend falls back to a `Gate` when Redis is away.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::RateLimiter as Gcra;
use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};

use super::RateLimit;
use crate::Error;

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

    /// The limit this gate enforces.
    pub(crate) fn limit(&self) -> RateLimit {
        self.limit
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
