//! A fleet on one machine, for the tests and benchmarks of the Redis rate limiter: a real
//! `redis-server` ([`redis_server`]), a loopback HTTP server that records when each request
//! arrives ([`probe`]), and worker processes that call it through one fleet limiter
//! ([`worker`]; the `fleet-worker` binary, or a benchmark re-running itself).
//!
//! Everything listens on 127.0.0.1 only, and every process started here is killed when
//! its handle is dropped, a failed assertion included.

pub mod probe;
pub mod redis_server;
pub mod worker;

use std::time::Duration;

/// The most instants inside any half-open window `[t, t + width)`; `sorted` ascending.
/// Two instants exactly `width` apart are never in one window, so requests evenly spaced
/// at `n` per second give exactly `n`.
pub fn busiest_window(sorted: &[Duration], width: Duration) -> usize {
    let mut best = 0;
    let mut first = 0;
    for (last, &at) in sorted.iter().enumerate() {
        while sorted[first] + width <= at {
            first += 1;
        }
        best = best.max(last - first + 1);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_half_open() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        let second = Duration::from_secs(1);
        assert_eq!(busiest_window(&ms(&[0, 100, 999, 1000]), second), 3);
        assert_eq!(busiest_window(&ms(&[0, 1000, 2000]), second), 1);
        assert_eq!(busiest_window(&ms(&[5, 5, 5]), second), 3);
        assert_eq!(busiest_window(&[], second), 0);
    }
}
