//! Part 6, the limit document: our whole `xtask generate` process and progenitor's on a
//! synthetic document with exactly [`MAX_OPERATIONS`] operations (`synthetic`): wall time
//! and peak resident memory of each run, interleaved like part 1.

use std::path::{Path, PathBuf};

use amperity_codegen::limits::MAX_OPERATIONS;
use anyhow::{Context as _, Result};

use super::peak;
use super::peers::{Peers, Tool};
use super::stats::Samples;
use super::{cmd, synthetic};

/// The tools measured here: openapi-generator takes tens of seconds per run on a document
/// this size (a JVM on 5,000 operations), which would make the part too slow to re-run.
pub const TOOLS: [Tool; 2] = [Tool::Ours, Tool::Progenitor];

/// One tool's runs.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub tool: Tool,
    pub wall: Samples,
    /// Peak RSS of each run, in bytes.
    pub peak: Vec<u64>,
    /// It failed (or panicked): the lines of its output that say so.
    pub failure: Option<String>,
    pub panicked: bool,
}

impl Outcome {
    /// The median peak RSS, in bytes.
    pub fn peak_median(&self) -> Option<u64> {
        let mut sorted = self.peak.clone();
        sorted.sort_unstable();
        sorted.get(sorted.len().wrapping_sub(1) / 2).copied()
    }

    pub fn peak_range(&self) -> Option<(u64, u64)> {
        Some((*self.peak.iter().min()?, *self.peak.iter().max()?))
    }
}

/// What the part measured.
#[derive(Debug, Clone)]
pub struct LimitResult {
    pub operations: usize,
    /// The document's size in bytes.
    pub bytes: usize,
    pub path: PathBuf,
    pub outcomes: Vec<Outcome>,
}

impl LimitResult {
    pub fn outcome(&self, tool: Tool) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.tool == tool)
    }
}

/// Writes the document into the cache and runs each tool `runs` times on it, in a
/// rotating order; a tool that fails is not run again.
pub fn run(peers: &Peers, runs: usize) -> Result<LimitResult> {
    let text = synthetic::document(MAX_OPERATIONS);
    let path = peers
        .cache
        .join(format!("limit-{MAX_OPERATIONS}-operations.json"));
    std::fs::create_dir_all(&peers.cache)?;
    std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    let mut outcomes: Vec<Outcome> = TOOLS
        .iter()
        .map(|&tool| Outcome {
            tool,
            wall: Samples::default(),
            peak: Vec::new(),
            failure: None,
            panicked: false,
        })
        .collect();
    for round in 0..runs {
        for i in 0..outcomes.len() {
            let outcome = &mut outcomes[(i + round) % TOOLS.len()];
            if outcome.failure.is_some() {
                continue;
            }
            eprintln!(
                "bench: limit document: {} round {}/{runs}",
                outcome.tool.label(),
                round + 1
            );
            measure_once(peers, &path, outcome)?;
        }
    }
    Ok(LimitResult {
        operations: MAX_OPERATIONS,
        bytes: text.len(),
        path,
        outcomes,
    })
}

fn measure_once(peers: &Peers, document: &Path, outcome: &mut Outcome) -> Result<()> {
    let name = format!("bench-{}-limit", outcome.tool.slug());
    let out = peers.cache.join("generated").join(&name);
    // Every run starts from nothing, as in part 1.
    cmd::remove_dir(&out)?;
    let command = peers.generate(outcome.tool, document, &out, &name);
    let measured = peak::measure(&command, &peers.cache)?;
    if measured.finished.success {
        outcome.wall.push(measured.finished.elapsed);
        outcome.peak.push(measured.peak_rss);
    } else {
        outcome.panicked = measured.finished.stderr.contains("panicked at");
        outcome.failure = Some(measured.finished.errors(6));
    }
    Ok(())
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_medians() {
        let outcome = |peak: Vec<u64>| Outcome {
            tool: Tool::Ours,
            wall: Samples::default(),
            peak,
            failure: None,
            panicked: false,
        };
        assert_eq!(outcome(vec![30, 10, 20]).peak_median(), Some(20));
        // The lower middle of an even count: a figure that was measured.
        assert_eq!(outcome(vec![40, 10, 20, 30]).peak_median(), Some(20));
        assert_eq!(outcome(vec![]).peak_median(), None);
        assert_eq!(outcome(vec![3, 1, 2]).peak_range(), Some((1, 3)));
        assert_eq!(mib(150 << 20), "150.0 MiB");
    }
}
