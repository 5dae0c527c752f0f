//! Medians and their formatting: every figure in the report is a median over repeated
//! runs, shown beside its spread and as a ratio to a baseline measured in the same run.

use std::time::Duration;

/// Repeated timings of one thing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples(pub Vec<Duration>);

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The median (the mean of the two middle values for an even count); `None` when empty.
    pub fn median(&self) -> Option<Duration> {
        let mut sorted = self.0.clone();
        sorted.sort();
        let n = sorted.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(sorted[n / 2]),
            _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
        }
    }

    pub fn min(&self) -> Option<Duration> {
        self.0.iter().min().copied()
    }

    pub fn max(&self) -> Option<Duration> {
        self.0.iter().max().copied()
    }

    /// `median (min – max)`, or `–` when empty.
    pub fn describe(&self) -> String {
        match (self.median(), self.min(), self.max()) {
            (Some(m), Some(lo), Some(hi)) if self.len() > 1 => {
                format!("{} ({} – {})", secs(m), secs(lo), secs(hi))
            }
            (Some(m), ..) => secs(m),
            _ => "–".to_owned(),
        }
    }
}

/// Seconds with three significant decimals at the scale of the value: `0.0123 s`,
/// `0.152 s`, `1.93 s`, `19.4 s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.1 {
        format!("{s:.4} s")
    } else if s < 1.0 {
        format!("{s:.3} s")
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

/// `subject / baseline` of two medians, as `0.27×`; `–` when either is missing.
pub fn ratio(subject: Option<Duration>, baseline: Option<Duration>) -> String {
    ratio_value(subject, baseline).map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×"))
}

pub fn ratio_value(subject: Option<Duration>, baseline: Option<Duration>) -> Option<f64> {
    let (s, b) = (subject?, baseline?);
    (!b.is_zero()).then(|| s.as_secs_f64() / b.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Samples {
        Samples(values.iter().map(|&v| Duration::from_millis(v)).collect())
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(ms(&[30, 10, 20]).median(), Some(Duration::from_millis(20)));
        assert_eq!(
            ms(&[40, 10, 20, 30]).median(),
            Some(Duration::from_millis(25))
        );
        assert_eq!(ms(&[]).median(), None);
    }

    #[test]
    fn descriptions_and_ratios() {
        assert_eq!(
            ms(&[150, 140, 160]).describe(),
            "0.150 s (0.140 s – 0.160 s)"
        );
        assert_eq!(ms(&[1930]).describe(), "1.93 s");
        assert_eq!(ms(&[]).describe(), "–");
        assert_eq!(secs(Duration::from_millis(12)), "0.0120 s");
        assert_eq!(secs(Duration::from_millis(19_400)), "19.4 s");
        let (a, b) = (ms(&[50]).median(), ms(&[150]).median());
        assert_eq!(ratio(a, b), "0.33×");
        assert_eq!(ratio(a, None), "–");
    }
}
