//! Polling until something finishes (a workflow run, for one).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::Error;

/// How often to poll and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    interval: Duration,
    timeout: Duration,
}

impl Default for WaitOptions {
    /// Every 10 seconds, for up to 2 hours.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(2 * 60 * 60),
        }
    }
}

impl WaitOptions {
    /// The defaults: every 10 seconds, for up to 2 hours.
    pub fn new() -> Self {
        Self::default()
    }

    /// Time between two polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long to wait in all before giving up with [`WaitError::TimedOut`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long to sleep before the next poll, `elapsed` after the first; `None` once
    /// the time is up. The last sleep is cut short so the final poll lands on the deadline.
    pub(crate) fn next_poll(&self, elapsed: Duration) -> Option<Duration> {
        let left = self.timeout.checked_sub(elapsed).filter(|d| !d.is_zero())?;
        Some(self.interval.min(left))
    }
}

/// Why a wait ended without reaching a final state.
#[derive(Debug)]
pub enum WaitError<T> {
    /// A poll failed (after the client's own retries).
    Request(Error),
    /// The timeout passed; `last` is what the final poll saw.
    TimedOut {
        /// The last state seen.
        last: Box<T>,
        /// How long the wait lasted.
        waited: Duration,
    },
}

impl<T> From<Error> for WaitError<T> {
    fn from(e: Error) -> Self {
        WaitError::Request(e)
    }
}

impl<T> fmt::Display for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Request(e) => write!(f, "polling failed: {e}"),
            WaitError::TimedOut { waited, .. } => {
                write!(f, "still not finished after {:.1?}", waited)
            }
        }
    }
}

impl<T: fmt::Debug> std::error::Error for WaitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Request(e) => Some(e),
            WaitError::TimedOut { .. } => None,
        }
    }
}

/// Calls `poll` until `finished` says yes, sleeping as `options` say; returns the final
/// value, or the last one seen when time runs out.
pub async fn poll_until<T, F, Fut>(
    options: WaitOptions,
    mut poll: F,
    finished: impl Fn(&T) -> bool,
) -> Result<T, WaitError<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = tokio::time::Instant::now();
    loop {
        let value = poll().await?;
        if finished(&value) {
            return Ok(value);
        }
        let waited = started.elapsed();
        match options.next_poll(waited) {
            Some(delay) => tokio::time::sleep(delay).await,
            None => {
                return Err(WaitError::TimedOut {
                    last: Box::new(value),
                    waited,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_at_the_interval_and_lands_on_the_deadline() {
        let options = WaitOptions::new()
            .interval(Duration::from_secs(10))
            .timeout(Duration::from_secs(25));
        assert_eq!(
            options.next_poll(Duration::ZERO),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            options.next_poll(Duration::from_secs(20)),
            Some(Duration::from_secs(5))
        );
        assert_eq!(options.next_poll(Duration::from_secs(25)), None);
        assert_eq!(options.next_poll(Duration::from_secs(90)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn returns_the_final_value_or_the_last_one_seen() {
        let options = WaitOptions::new()
            .interval(Duration::from_secs(10))
            .timeout(Duration::from_secs(60));
        let mut polls = 0;
        let done = poll_until(
            options,
            || {
                polls += 1;
                std::future::ready(Ok::<_, Error>(polls))
            },
            |n| *n == 3,
        )
        .await;
        assert_eq!(done.unwrap(), 3);

        let mut polls = 0;
        let started = tokio::time::Instant::now();
        let timed_out = poll_until(
            options,
            || {
                polls += 1;
                std::future::ready(Ok::<_, Error>(polls))
            },
            |_| false,
        )
        .await;
        match timed_out {
            Err(WaitError::TimedOut { last, waited }) => {
                assert_eq!(*last, 7, "polls at 0, 10, .., 60 s");
                assert_eq!(waited, Duration::from_secs(60));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(started.elapsed(), Duration::from_secs(60));
    }
}
