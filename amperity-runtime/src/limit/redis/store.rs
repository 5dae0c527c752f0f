//! Talking to Redis: one lazily opened connection per fleet limiter (redis-rs's
//! `ConnectionManager`, which multiplexes every task's calls on it), and the script run by
//! `EVALSHA`, sent whole by `EVAL` when the server does not have it (a restarted or
//! flushed server), each call within the limiter's timeout.
//!
//! A connection that failed is dropped and opened again by the next call, rather than
//! left to redis-rs's reconnection with its own back-off: the limiter's probes (every
//! 250 ms while on the fallback) are the retry policy, so every process of a fleet is
//! back on a restarted Redis within a probe or two of each other.

use std::fmt;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisError, ServerErrorKind};

use crate::error::{RateLimiterError, RateLimiterErrorKind};

/// The script's source and SHA-1 (what `EVALSHA` names it by).
const SOURCE: &str = include_str!("gcra.lua");
static SHA1: LazyLock<String> = LazyLock::new(|| redis::Script::new(SOURCE).get_hash().to_owned());

/// What the script is asked to do (its `ARGV[1]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Reserve,
    Check,
    Pause,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Reserve => "reserve",
            Op::Check => "check",
            Op::Pause => "pause",
        }
    }
}

/// The arguments of one script call, in microseconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Call<'a> {
    pub key: &'a str,
    pub pause_key: &'a str,
    pub op: Op,
    pub spacing_us: u64,
    pub tau_us: u64,
    /// The hold (reserve, check) or the pause.
    pub extra_us: u64,
    /// The epoch a slot being checked was taken in.
    pub epoch: u64,
    pub window_us: u64,
}

/// The script's answer: how long to wait, and the epoch of the budget (the instant its
/// key was created: a restarted or flushed Redis starts a new one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Slot {
    pub wait_us: u64,
    pub epoch: u64,
}

/// A Redis server, as the limiter reaches it.
pub(super) struct Store {
    client: redis::Client,
    /// The URL without its password, for messages.
    shown: String,
    connect_timeout: Duration,
    call_timeout: Duration,
    /// The open connection; `None` before the first call and after a failure.
    connection: Mutex<Option<ConnectionManager>>,
    /// Held while opening one, so that callers wait for one attempt rather than each
    /// making their own.
    opening: tokio::sync::Mutex<()>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.shown)
            .field("connect_timeout", &self.connect_timeout)
            .field("call_timeout", &self.call_timeout)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Parses the URL; connects on first use. `shown` is the URL fit for messages.
    pub(super) fn new(
        url: &str,
        shown: String,
        connect_timeout: Duration,
        call_timeout: Duration,
    ) -> Result<Self, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("{shown:?}: {}", redacted(&e)))?;
        Ok(Self {
            client,
            shown,
            connect_timeout,
            call_timeout,
            connection: Mutex::new(None),
            opening: tokio::sync::Mutex::new(()),
        })
    }

    /// The URL without its password.
    pub(super) fn shown(&self) -> &str {
        &self.shown
    }

    /// Runs the script once.
    pub(super) async fn run(&self, call: Call<'_>) -> Result<Slot, RateLimiterError> {
        let mut connection = self.connection().await?;
        let exchange = async {
            let mut evalsha = redis::cmd("EVALSHA");
            evalsha.arg(SHA1.as_str());
            push_arguments(&mut evalsha, &call);
            match evalsha.query_async::<(u64, u64)>(&mut connection).await {
                Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                    // EVAL runs it and leaves it cached for the next EVALSHA.
                    let mut eval = redis::cmd("EVAL");
                    eval.arg(SOURCE);
                    push_arguments(&mut eval, &call);
                    eval.query_async::<(u64, u64)>(&mut connection).await
                }
                other => other,
            }
        };
        let error = match tokio::time::timeout(self.call_timeout, exchange).await {
            Ok(Ok((wait_us, epoch))) => return Ok(Slot { wait_us, epoch }),
            Ok(Err(e)) => self.failure(&e),
            Err(_) => RateLimiterError::new(
                RateLimiterErrorKind::Timeout,
                format!(
                    "Redis at {} did not answer within {:?}",
                    self.shown, self.call_timeout
                ),
            ),
        };
        if error.kind() != RateLimiterErrorKind::Refused {
            // Broken or stuck: the next call opens a new connection.
            *self.open() = None;
        }
        Err(error)
    }

    fn open(&self) -> MutexGuard<'_, Option<ConnectionManager>> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connection, opened when there is none within the connect timeout, one
    /// attempt at a time. A failed or timed-out attempt leaves nothing behind: the next
    /// call tries again.
    async fn connection(&self) -> Result<ConnectionManager, RateLimiterError> {
        if let Some(open) = self.open().clone() {
            return Ok(open);
        }
        let opening = async {
            let _one_at_a_time = self.opening.lock().await;
            if let Some(open) = self.open().clone() {
                return Ok(open);
            }
            // No retries of redis-rs's own (see the module's comment).
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(self.connect_timeout))
                .set_response_timeout(Some(self.call_timeout.max(Duration::from_millis(500))))
                .set_number_of_retries(0);
            let open = ConnectionManager::new_with_config(self.client.clone(), config).await?;
            *self.open() = Some(open.clone());
            Ok(open)
        };
        match tokio::time::timeout(self.connect_timeout, opening).await {
            Ok(Ok(open)) => Ok(open),
            Ok(Err(e)) => Err(self.failure(&e)),
            Err(_) => Err(RateLimiterError::new(
                RateLimiterErrorKind::Unavailable,
                format!(
                    "no connection to Redis at {} within {:?}",
                    self.shown, self.connect_timeout
                ),
            )),
        }
    }

    fn failure(&self, e: &RedisError) -> RateLimiterError {
        let kind = match e.kind() {
            _ if e.is_timeout() => RateLimiterErrorKind::Timeout,
            ErrorKind::Server(_) | ErrorKind::AuthenticationFailed | ErrorKind::Extension => {
                RateLimiterErrorKind::Refused
            }
            _ => RateLimiterErrorKind::Unavailable,
        };
        RateLimiterError::new(kind, format!("Redis at {}: {}", self.shown, redacted(e)))
    }
}

fn push_arguments(cmd: &mut redis::Cmd, call: &Call<'_>) {
    cmd.arg(2)
        .arg(call.key)
        .arg(call.pause_key)
        .arg(call.op.as_str())
        .arg(call.spacing_us)
        .arg(call.tau_us)
        .arg(call.extra_us)
        .arg(call.epoch)
        .arg(call.window_us);
}

/// A Redis error as text, without anything the URL carried: redis-rs describes errors by
/// kind and server message, but a parse error of a URL could quote it.
fn redacted(e: &RedisError) -> String {
    let text = e.to_string();
    if text.contains('@') {
        format!("{:?} error", e.kind())
    } else {
        text
    }
}

/// `url` with its password (and user name) replaced, for messages; unparseable URLs are
/// shown only by their scheme.
pub(super) fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => "(not a URL)".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_never_carry_the_password() {
        assert_eq!(
            shown_url("redis://:hunter2@10.0.0.5:6379/0"),
            "redis://:***@10.0.0.5:6379/0"
        );
        assert_eq!(
            shown_url("redis://app:hunter2@cache:6379"),
            "redis://app:***@cache:6379"
        );
        assert_eq!(shown_url("redis://cache:6379"), "redis://cache:6379");
        assert!(!shown_url("redis://:hunter2@[bad").contains("hunter2"));
    }

    #[test]
    fn the_script_has_a_stable_name() {
        assert_eq!(SHA1.len(), 40);
        assert!(SHA1.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
