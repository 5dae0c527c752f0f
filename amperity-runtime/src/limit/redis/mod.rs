//! The fleet-wide limiter (feature `redis`): every process that uses the same Redis,
//! prefix and tenant draws from one budget per API family, kept by a Lua script.
//!
//! - Keys: `{prefix}:{tenant}:{family}` holds the budget (a GCRA's theoretical arrival
//!   time, in the server's microseconds) and `{prefix}:{tenant}:{family}:pause` the 429
//!   pause. Both expire once they no longer constrain anything. Nothing else is stored:
//!   no token, no URL.
//! - Admission: one script call reserves the next slot with the server's clock (`TIME`)
//!   and answers how long to wait for it; a caller that had to wait checks, once there,
//!   that no 429 pause began meanwhile. Retries acquire again, from the same budget.
//! - Failure policy ([`OnRedisFailure`]): each call has a timeout (50 ms by default);
//!   when Redis cannot be asked, fall back to a local limiter at the limit divided by the
//!   expected number of processes, with a `tracing` warning (the default), or fail the
//!   call with [`Error::RateLimiter`]. See `health` for why a failover never lets a
//!   window at the server go over the limit.

mod budget;
mod health;
mod store;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use budget::Budget;
use store::Store;

use super::{Backend, RateLimit, RateLimiter};
use crate::Error;

/// What a fleet limiter does when Redis cannot be asked (unreachable, slower than the
/// timeout, or restarting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnRedisFailure {
    /// Admit requests with a local limiter at `limit / expected_processes` (rounded
    /// down, at least 1/s) and log a `tracing` warning once per outage; go back to Redis
    /// as soon as it answers. The default.
    #[default]
    FallBack,
    /// Fail the call with [`Error::RateLimiter`] without sending it.
    Fail,
}

/// Settings of a fleet limiter ([`RateLimiter::redis_with`]).
#[derive(Debug, Clone)]
pub struct RedisOptions {
    prefix: String,
    timeout: Duration,
    connect_timeout: Duration,
    expected_processes: u32,
    on_failure: OnRedisFailure,
    arrival_allowance: Duration,
    /// Limits that replace an API's documented one, by family.
    limits: Vec<(String, RateLimit)>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: "amperity".to_owned(),
            timeout: Duration::from_millis(50),
            connect_timeout: Duration::from_secs(1),
            expected_processes: 8,
            on_failure: OnRedisFailure::FallBack,
            arrival_allowance: Self::DEFAULT_ARRIVAL_ALLOWANCE,
            limits: Vec::new(),
        }
    }
}

impl RedisOptions {
    /// The default [`arrival_allowance`](Self::arrival_allowance): 40 ms, what the fleet
    /// tests show keeps every one-second window at the server within the limit (at 10/s,
    /// 104 ms apart: 96% of the budget).
    pub const DEFAULT_ARRIVAL_ALLOWANCE: Duration = Duration::from_millis(40);

    /// The defaults: prefix `amperity`, 50 ms per call, 1 s to connect, 8 expected
    /// processes, fall back on failure, 40 ms arrival allowance.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first part of every key (default `amperity`): printable ASCII, no spaces.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest a request waits for one answer from Redis (default 50 ms) before the
    /// failure policy applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest the first request waits for a connection (default 1 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How many processes share the budget (default 8): while Redis is away each one
    /// keeps to `limit / expected_processes`, so a fleet of at most this many stays
    /// within the limit.
    pub fn expected_processes(mut self, processes: u32) -> Self {
        self.expected_processes = processes;
        self
    }

    /// What to do when Redis cannot be asked (default [`OnRedisFailure::FallBack`]).
    pub fn on_failure(mut self, policy: OnRedisFailure) -> Self {
        self.on_failure = policy;
        self
    }

    /// How much later than its admission a request may reach the API without any
    /// one-second window there holding more than the limit (default 40 ms, at most 1 s).
    /// Requests are spaced for a window this much longer than a second: at 10/s, 104 ms
    /// apart instead of 100 ms. Processes on one machine, or a fleet with uneven network
    /// paths, deliver requests with that much spread.
    pub fn arrival_allowance(mut self, allowance: Duration) -> Self {
        self.arrival_allowance = allowance;
        self
    }

    /// Uses `limit` for the budget of `family` (`control_plane`, `profile`) instead of the
    /// API's documented limit: for a tenant whose limit Amperity raised, or to keep a
    /// fleet well below it. Every process sharing the budget should say the same.
    pub fn limit(mut self, family: impl Into<String>, limit: RateLimit) -> Self {
        let family = family.into();
        self.limits.retain(|(f, _)| *f != family);
        self.limits.push((family, limit));
        self
    }
}

/// The connection and settings every client given the same fleet limiter shares.
struct Fleet {
    store: Store,
    prefix: String,
    tenant: String,
    options: RedisOptions,
    /// The budgets this process has drawn from, one per family and limit.
    budgets: Mutex<Vec<Arc<Budget>>>,
}

/// A fleet limiter as a [`RateLimiter`] carries it: unbound until a client's builder
/// binds it to its API's family.
#[derive(Clone)]
pub(super) struct Handle {
    fleet: Arc<Fleet>,
    budget: Option<Arc<Budget>>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("redis", &self.fleet.store.shown())
            .field("key", &self.budget.as_ref().map(|b| b.key()))
            .field("limit", &self.limit())
            .field("on_failure", &self.fleet.options.on_failure)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A fleet-wide limiter: every process using this Redis (`redis://[:password@]host:port[/db]`)
    /// and tenant shares one budget per API (`{prefix}:{tenant}:control_plane`,
    /// `{prefix}:{tenant}:profile`), at the API's documented limit. Give it to each
    /// client's builder with `.rate_limiter(..)`; the client picks its API's budget.
    /// Nothing connects until the first request. Settings: [`RateLimiter::redis_with`].
    ///
    /// A URL that does not parse, or a tenant that is not a plain identifier, is an
    /// error here.
    pub fn redis(url: &str, tenant: &str) -> Result<Self, Error> {
        Self::redis_with(url, tenant, RedisOptions::default())
    }

    /// [`RateLimiter::redis`] with settings: key prefix, timeouts, expected processes,
    /// failure policy.
    pub fn redis_with(url: &str, tenant: &str, options: RedisOptions) -> Result<Self, Error> {
        check_key_part("key prefix", &options.prefix, |b| b.is_ascii_graphic())?;
        check_key_part("tenant", tenant, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
        })?;
        if options.expected_processes == 0 {
            return Err(Error::Config(
                "a fleet limiter expects at least 1 process".to_owned(),
            ));
        }
        if options.timeout.is_zero() || options.connect_timeout.is_zero() {
            return Err(Error::Config(
                "the fleet limiter's timeouts must be longer than zero".to_owned(),
            ));
        }
        if options.arrival_allowance > Duration::from_secs(1) {
            return Err(Error::Config(format!(
                "an arrival allowance of {:?} would halve the budget; at most 1 s",
                options.arrival_allowance
            )));
        }
        let shown = store::shown_url(url);
        let store = Store::new(url, shown, options.connect_timeout, options.timeout)
            .map_err(|e| Error::Config(format!("Redis URL {e}")))?;
        let fleet = Fleet {
            store,
            prefix: options.prefix.clone(),
            tenant: tenant.to_owned(),
            options,
            budgets: Mutex::new(Vec::new()),
        };
        Ok(Self {
            backend: Backend::Redis(Handle {
                fleet: Arc::new(fleet),
                budget: None,
            }),
        })
    }
}

/// Key parts are limited so that two different (prefix, tenant, family) never make the
/// same key, and a key never carries a space or a line break.
fn check_key_part(what: &str, value: &str, allowed: impl Fn(u8) -> bool) -> Result<(), Error> {
    if value.is_empty() || value.len() > 128 {
        return Err(Error::Config(format!(
            "the fleet limiter's {what} must be 1 to 128 characters, not {}",
            value.len()
        )));
    }
    match value.bytes().find(|&b| !allowed(b)) {
        None => Ok(()),
        Some(b) => Err(Error::Config(format!(
            "the fleet limiter's {what} {value:?} contains {:?}, which a Redis key of this \
             limiter may not",
            char::from(b)
        ))),
    }
}

impl Handle {
    pub(super) fn limit(&self) -> Option<RateLimit> {
        self.budget.as_ref().map(|b| b.limit)
    }

    pub(super) fn same_as(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.fleet, &other.fleet)
            && match (&self.budget, &other.budget) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }

    /// The same fleet, drawing from `family`'s budget at the `documented` limit.
    pub(super) fn for_api(
        &self,
        family: &'static str,
        documented: Option<RateLimit>,
        title: &str,
    ) -> Result<Handle, Error> {
        let chosen = self.fleet.options.limits.iter().find(|(f, _)| f == family);
        let limit = chosen
            .map(|(_, limit)| *limit)
            .or(documented)
            .ok_or_else(|| {
                Error::Config(format!(
                    "{title} documents no rate limit, so a fleet limiter has no budget to share: \
                 give it one with `RedisOptions::limit(\"{family}\", ..)`"
                ))
            })?;
        check_key_part("API family", family, |b| {
            b.is_ascii_alphanumeric() || b == b'_'
        })?;
        let fleet = &self.fleet;
        let mut budgets = fleet.budgets.lock().unwrap_or_else(|e| e.into_inner());
        let budget = match budgets
            .iter()
            .find(|b| b.family == family && b.limit == limit)
        {
            Some(budget) => budget.clone(),
            None => {
                let key = format!("{}:{}:{family}", fleet.prefix, fleet.tenant);
                let budget = Arc::new(Budget::new(
                    key,
                    family,
                    limit,
                    fleet.options.arrival_allowance,
                    fleet.options.expected_processes,
                )?);
                budgets.push(budget.clone());
                budget
            }
        };
        Ok(Handle {
            fleet: fleet.clone(),
            budget: Some(budget),
        })
    }

    fn budget(&self) -> Result<&Budget, Error> {
        self.budget.as_deref().ok_or_else(|| {
            Error::Config(
                "this fleet limiter is not bound to an API yet: give it to a client builder \
                 (`.rate_limiter(..)`) and use `client.runtime().rate_limiter()`"
                    .to_owned(),
            )
        })
    }

    pub(super) async fn acquire(&self) -> Result<Duration, Error> {
        let fleet = &self.fleet;
        self.budget()?
            .acquire(&fleet.store, fleet.options.on_failure, &fleet.tenant)
            .await
    }

    pub(super) async fn pause_for(&self, delay: Duration) {
        if let Ok(budget) = self.budget() {
            budget
                .pause_for(&self.fleet.store, delay, &self.fleet.tenant)
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_error(result: Result<RateLimiter, Error>) -> String {
        match result {
            Err(Error::Config(message)) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn bad_configuration_is_an_error_when_built() {
        let url = "redis://127.0.0.1:6379";
        let spaced = RedisOptions::new().prefix("my app");
        assert!(config_error(RateLimiter::redis_with(url, "acme", spaced)).contains("' '"));
        let newline = RedisOptions::new().prefix("app\n");
        assert!(config_error(RateLimiter::redis_with(url, "acme", newline)).contains("prefix"));
        assert!(config_error(RateLimiter::redis(url, "ac:me")).contains("tenant"));
        assert!(config_error(RateLimiter::redis(url, "")).contains("tenant"));
        let message = config_error(RateLimiter::redis("not a url", "acme"));
        assert!(message.contains("Redis URL"), "{message}");
        let message = config_error(RateLimiter::redis("http://127.0.0.1:6379", "acme"));
        assert!(message.contains("Redis URL"), "{message}");
        let none = RedisOptions::new().expected_processes(0);
        assert!(config_error(RateLimiter::redis_with(url, "acme", none)).contains("process"));
        let zero = RedisOptions::new().timeout(Duration::ZERO);
        assert!(config_error(RateLimiter::redis_with(url, "acme", zero)).contains("timeout"));
    }

    #[test]
    fn a_bad_url_never_shows_its_password() {
        let message = config_error(RateLimiter::redis("redis://:hunter2@[::1", "acme"));
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn each_api_family_gets_its_own_budget_and_key() {
        let fleet = RateLimiter::redis("redis://:hunter2@127.0.0.1:1/0", "acme").unwrap();
        assert_eq!(fleet.limit(), None, "unbound");
        let control = fleet
            .for_api("control_plane", Some(RateLimit::per_second(10)), "A")
            .unwrap();
        let unstable = fleet
            .for_api("control_plane", Some(RateLimit::per_second(10)), "B")
            .unwrap();
        let profile = fleet
            .for_api("profile", Some(RateLimit::per_second(2000)), "C")
            .unwrap();
        assert!(control.same_as(&unstable), "one family, one budget");
        assert!(!control.same_as(&profile));
        assert_eq!(profile.limit(), Some(RateLimit::per_second(2000)));
        let shown = format!("{control:?}");
        assert!(shown.contains("acme:control_plane"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(fleet.for_api("x", None, "Undocumented").is_err());
        let raised = RedisOptions::new().limit("profile", RateLimit::per_second(5000));
        let fleet = RateLimiter::redis_with("redis://127.0.0.1:1", "acme", raised).unwrap();
        let profile = fleet
            .for_api("profile", Some(RateLimit::per_second(2000)), "C")
            .unwrap();
        assert_eq!(profile.limit(), Some(RateLimit::per_second(5000)));
        let control = fleet
            .for_api("control_plane", Some(RateLimit::per_second(10)), "A")
            .unwrap();
        assert_eq!(control.limit(), Some(RateLimit::per_second(10)));
    }
}
