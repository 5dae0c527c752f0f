//! Whether to ask Redis or the local fallback limiter, decided from what one budget has
//! seen: a pure state machine, fed instants, so the failover rules are tested without
//! waiting.
//!
//! The rules, and why no one-second window at the server goes over the limit across a
//! failover (when every process of the fleet loses Redis together, as when it restarts):
//!
//! - Redis → local: the local limiter starts paused for one *window* (1 s plus the
//!   arrival allowance), so its first request cannot share a window with the fleet's
//!   last Redis-admitted ones.
//! - local → Redis: while this process admitted a request locally within the last
//!   window, its Redis calls carry a *hold*: the script admits nothing, for anyone,
//!   before the hold ends. A restarted Redis has forgotten the budget; the hold stands in
//!   for the requests the fleet sent without it.
//! - While on the local limiter, Redis is probed by at most one call per
//!   [`PROBE_EVERY`], by whichever task asks next (waiting tasks wake at least that
//!   often), so every busy process is back on Redis well within the first hold.

use std::time::{Duration, Instant};

/// How often a process on its local limiter tries Redis again.
pub(super) const PROBE_EVERY: Duration = Duration::from_millis(250);

/// Where one request should be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    Redis,
    Local,
}

/// What one budget knows about its Redis.
#[derive(Debug, Default)]
pub(super) struct Health {
    /// When Redis last failed and no call has succeeded since: the next probe's instant.
    next_probe: Option<Instant>,
    /// The last request this process admitted on its local limiter.
    last_local: Option<Instant>,
}

impl Health {
    /// Where a request asking at `now` goes. While Redis is down, one caller per
    /// [`PROBE_EVERY`] is sent to try it.
    pub(super) fn route(&mut self, now: Instant) -> Route {
        match self.next_probe {
            None => Route::Redis,
            Some(at) if now >= at => {
                self.next_probe = Some(now + PROBE_EVERY);
                Route::Redis
            }
            Some(_) => Route::Local,
        }
    }

    /// A Redis call failed at `now`. `true` when this switches the budget from Redis to
    /// the local limiter (the caller warns and pauses the local limiter).
    pub(super) fn failed(&mut self, now: Instant) -> bool {
        let switched = self.next_probe.is_none();
        self.next_probe = Some(now + PROBE_EVERY);
        switched
    }

    /// A Redis call succeeded. `true` when the budget was on the local limiter.
    pub(super) fn succeeded(&mut self) -> bool {
        self.next_probe.take().is_some()
    }

    /// A request was admitted by the local limiter at `now`.
    pub(super) fn admitted_locally(&mut self, now: Instant) {
        self.last_local = Some(now);
    }

    /// How long Redis must admit nothing from `now`: what is left of `window` since this
    /// process's last local admission.
    pub(super) fn hold(&self, now: Instant, window: Duration) -> Duration {
        self.last_local
            .map(|at| (at + window).saturating_duration_since(now))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_millis(1020);

    #[test]
    fn redis_until_it_fails_then_one_probe_per_interval() {
        let t0 = Instant::now();
        let mut health = Health::default();
        assert_eq!(health.route(t0), Route::Redis);
        assert!(health.failed(t0), "the first failure switches");
        assert!(!health.failed(t0), "a second one does not warn again");
        assert_eq!(health.route(t0 + Duration::from_millis(10)), Route::Local);
        let due = t0 + PROBE_EVERY;
        assert_eq!(health.route(due), Route::Redis, "the probe");
        assert_eq!(health.route(due), Route::Local, "only one probe at a time");
        assert_eq!(
            health.route(due + PROBE_EVERY),
            Route::Redis,
            "an abandoned probe expires"
        );
        assert!(
            !health.failed(due + PROBE_EVERY),
            "still down: no second warning"
        );
        assert!(health.succeeded(), "back on Redis");
        assert!(!health.succeeded());
        assert_eq!(health.route(due + PROBE_EVERY * 3), Route::Redis);
    }

    #[test]
    fn the_hold_covers_one_window_after_the_last_local_admission() {
        let t0 = Instant::now();
        let mut health = Health::default();
        assert_eq!(
            health.hold(t0, WINDOW),
            Duration::ZERO,
            "never local: no hold"
        );
        health.admitted_locally(t0);
        assert_eq!(health.hold(t0, WINDOW), WINDOW);
        let later = t0 + Duration::from_millis(400);
        assert_eq!(health.hold(later, WINDOW), Duration::from_millis(620));
        assert_eq!(health.hold(t0 + WINDOW, WINDOW), Duration::ZERO);
    }
}
