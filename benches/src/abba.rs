//! Interleaved measurement of a baseline and a subject on a shared machine: rounds of
//! `calls` baseline calls and `calls` subject calls in ABBA order (baseline first in even
//! rounds, subject first in odd ones, so neither side always runs in the other's wake).
//! A change of load hits both sides of a round alike, so the per-round ratio is the figure
//! to quote; every call is also timed on its own for latency percentiles.

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The timings of one side.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Mean time per call in each round, in seconds.
    pub round_means: Vec<f64>,
    /// Every call's time, in the order they ran.
    pub calls: Vec<Duration>,
}

impl Side {
    /// The median over rounds of the mean time per call, in seconds.
    pub fn median_per_call(&self) -> f64 {
        quantile(&self.round_means, 0.5)
    }

    /// The `q` quantile (0.5 for the median, 0.99 for p99) of single-call times.
    pub fn latency(&self, q: f64) -> Duration {
        let secs: Vec<f64> = self.calls.iter().map(Duration::as_secs_f64).collect();
        Duration::from_secs_f64(quantile(&secs, q))
    }
}

/// Both sides of an interleaved run.
#[derive(Debug, Clone, Default)]
pub struct Abba {
    pub baseline: Side,
    pub subject: Side,
}

impl Abba {
    /// Per-round ratios of the subject's mean time per call to the baseline's (above 1:
    /// the subject is slower), sorted.
    pub fn time_ratios(&self) -> Vec<f64> {
        let mut ratios: Vec<f64> = self
            .subject
            .round_means
            .iter()
            .zip(&self.baseline.round_means)
            .map(|(s, b)| s / b.max(1e-12))
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }

    /// The median and quartiles of [`Abba::time_ratios`]: `(q1, median, q3)`.
    pub fn time_ratio(&self) -> (f64, f64, f64) {
        let r = self.time_ratios();
        (quantile(&r, 0.25), quantile(&r, 0.5), quantile(&r, 0.75))
    }

    /// The same as throughput, subject ÷ baseline (above 1: the subject does more per
    /// second): `(q1, median, q3)` of the per-round inverse ratios.
    pub fn throughput_ratio(&self) -> (f64, f64, f64) {
        let (q1, median, q3) = self.time_ratio();
        (1.0 / q3, 1.0 / median, 1.0 / q1)
    }
}

/// Runs `rounds` ABBA rounds of `calls` calls of each side, timing every call.
pub async fn run<A, FA, B, FB>(rounds: usize, calls: usize, mut baseline: A, mut subject: B) -> Abba
where
    A: FnMut() -> FA,
    FA: Future,
    B: FnMut() -> FB,
    FB: Future,
{
    async fn side<F: Future>(calls: usize, call: &mut impl FnMut() -> F, into: &mut Side) {
        let started = Instant::now();
        for _ in 0..calls {
            let one = Instant::now();
            black_box(call().await);
            into.calls.push(one.elapsed());
        }
        into.round_means
            .push(started.elapsed().as_secs_f64() / calls as f64);
    }
    let (rounds, calls) = (rounds.max(1), calls.max(1));
    let mut result = Abba::default();
    for round in 0..rounds {
        if round % 2 == 0 {
            side(calls, &mut baseline, &mut result.baseline).await;
            side(calls, &mut subject, &mut result.subject).await;
        } else {
            side(calls, &mut subject, &mut result.subject).await;
            side(calls, &mut baseline, &mut result.baseline).await;
        }
    }
    result
}

/// The `q` quantile of `values` by the nearest-rank rule on a sorted copy (`q` = 0.5 gives
/// the upper median of an even count); 0 for no values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((sorted.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    sorted[rank]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert_eq!(quantile(&v, 0.25), 2.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn ratios_compare_rounds_pairwise() {
        let abba = Abba {
            baseline: Side {
                round_means: vec![1.0, 2.0, 4.0],
                calls: Vec::new(),
            },
            subject: Side {
                round_means: vec![1.1, 2.2, 4.4],
                calls: Vec::new(),
            },
        };
        let (low, median, high) = abba.time_ratio();
        assert!((median - 1.1).abs() < 1e-9 && low <= median && median <= high);
        let (_, throughput, _) = abba.throughput_ratio();
        assert!((throughput - 1.0 / 1.1).abs() < 1e-9);
    }
}
