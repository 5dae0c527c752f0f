//! Machine-readable results for `cargo xtask bench`, beside the Markdown tables people
//! read: when the environment variable [`SUMMARY_ENV`] names a file, each benchmark appends
//! one `key=value` line per headline figure to it. Nothing is written otherwise.

use std::fmt::Display;
use std::io::Write as _;

/// The variable naming the summary file.
pub const SUMMARY_ENV: &str = "AMPERITY_BENCH_SUMMARY";

/// Appends `key=value` to the summary file, if one was asked for. Panics when the file
/// cannot be written: a run that was asked for figures must not lose them silently.
pub fn record(key: &str, value: impl Display) {
    let Some(path) = std::env::var_os(SUMMARY_ENV) else {
        return;
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.to_string_lossy()));
    writeln!(file, "{key}={value}")
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.to_string_lossy()));
}
