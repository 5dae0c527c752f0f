//! Counting events in sliding windows: the check that a rate limit of `n` per second
//! never lets more than `n` requests into any one-second window.

use std::time::Duration;

/// The busiest window of a series of instants: how many events it holds, and the offsets
/// of its first and last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busiest {
    /// Events in the busiest window.
    pub count: usize,
    /// Offset of the window's first event.
    pub first: Duration,
    /// Offset of the window's last event.
    pub last: Duration,
}

impl Busiest {
    /// Time from the window's first event to its last.
    pub fn span(&self) -> Duration {
        self.last - self.first
    }
}

/// The largest number of events inside any half-open window `[t, t + width)`, for
/// `offsets` sorted in ascending order. Two events exactly `width` apart are never in one
/// window, so evenly spaced events at `n` per second give exactly `n` per one-second window.
pub fn busiest_window(offsets: &[Duration], width: Duration) -> Busiest {
    let mut best = Busiest {
        count: 0,
        first: Duration::ZERO,
        last: Duration::ZERO,
    };
    let mut first = 0;
    for (last, &at) in offsets.iter().enumerate() {
        debug_assert!(
            last == 0 || offsets[last - 1] <= at,
            "offsets must be sorted"
        );
        while offsets[first] + width <= at {
            first += 1;
        }
        let count = last - first + 1;
        if count > best.count {
            best = Busiest {
                count,
                first: offsets[first],
                last: at,
            };
        }
    }
    best
}

/// Smallest and largest gap between consecutive events (`None` for fewer than two).
pub fn gap_range(offsets: &[Duration]) -> Option<(Duration, Duration)> {
    offsets
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .fold(None, |range, gap| match range {
            None => Some((gap, gap)),
            Some((low, high)) => Some((low.min(gap), high.max(gap))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn evenly_spaced_events_fill_a_window_exactly() {
        let offsets: Vec<u64> = (0..50).map(|i| i * 100).collect();
        let busiest = busiest_window(&ms(&offsets), Duration::from_secs(1));
        assert_eq!(busiest.count, 10);
        assert_eq!(busiest.span(), Duration::from_millis(900));
    }

    #[test]
    fn one_event_just_inside_the_window_makes_eleven() {
        let mut offsets = ms(&(0..20).map(|i| i * 100).collect::<Vec<_>>());
        // The eleventh event arrives 1 µs early: 0 ms and 999.999 ms share a window.
        offsets[10] -= Duration::from_micros(1);
        let busiest = busiest_window(&offsets, Duration::from_secs(1));
        assert_eq!(busiest.count, 11);
        assert_eq!(busiest.first, Duration::ZERO);
        assert_eq!(busiest.last, Duration::from_micros(999_999));
    }

    #[test]
    fn a_burst_is_counted_whole() {
        let busiest = busiest_window(&ms(&[0, 5, 5, 5, 2000, 2999, 3000]), Duration::from_secs(1));
        assert_eq!(busiest.count, 4);
        assert_eq!(busiest_window(&[], Duration::from_secs(1)).count, 0);
    }

    #[test]
    fn gaps() {
        assert_eq!(
            gap_range(&ms(&[0, 100, 250, 300])),
            Some((Duration::from_millis(50), Duration::from_millis(150)))
        );
        assert_eq!(gap_range(&ms(&[7])), None);
    }
}
