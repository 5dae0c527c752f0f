//! Part 1, generation speed: whole-process wall time of each generator on each pinned
//! document, interleaved (every round runs each tool once, in a rotating order, so a change
//! of load on the shared machine hits all of them), and whether what it wrote compiles.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

use super::cmd;
use super::peers::{Peers, Tool};
use super::stats::Samples;

/// A pinned document, found on disk.
#[derive(Debug, Clone)]
pub struct Document {
    /// The manifest's name (`control-plane-2024-04-01`).
    pub name: String,
    pub path: PathBuf,
}

/// How often each tool runs on each document.
#[derive(Debug, Clone, Copy)]
pub struct Runs {
    /// Ours and progenitor (a fraction of a second each).
    pub fast: usize,
    /// openapi-generator (seconds each: a JVM starts every time).
    pub slow: usize,
}

impl Runs {
    fn of(self, tool: Tool) -> usize {
        match tool {
            Tool::OpenApiGenerator => self.slow,
            Tool::Ours | Tool::Progenitor => self.fast,
        }
    }
}

/// One tool on one document.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub tool: Tool,
    pub samples: Samples,
    /// The generator failed: the end of its output.
    pub failure: Option<String>,
    /// `cargo check` of the generated crate: `None` when not checked (generation failed or
    /// checks skipped), else `Ok` or the first errors.
    pub check: Option<Result<(), String>>,
    /// Where the last successful run wrote its crate.
    pub out: PathBuf,
}

/// Every tool on one document.
#[derive(Debug, Clone)]
pub struct DocumentResult {
    pub document: Document,
    pub outcomes: Vec<Outcome>,
}

impl DocumentResult {
    pub fn outcome(&self, tool: Tool) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.tool == tool)
    }
}

/// The crate name each tool is asked for (also the generated crate's directory name).
pub fn crate_name(tool: Tool, document: &Document) -> String {
    format!("bench-{}-{}", tool.slug(), document.name)
}

/// Generates every document with every tool `runs` times, then checks each crate compiles
/// (each tool with a `cargo check` target directory of its own, shared by its documents).
pub fn run(
    peers: &Peers,
    documents: &[Document],
    runs: Runs,
    check: bool,
) -> Result<Vec<DocumentResult>> {
    let mut results = Vec::new();
    for document in documents {
        let mut outcomes: Vec<Outcome> = Tool::ALL
            .iter()
            .map(|&tool| Outcome {
                tool,
                samples: Samples::default(),
                failure: None,
                check: None,
                out: peers
                    .cache
                    .join("generated")
                    .join(crate_name(tool, document)),
            })
            .collect();
        let rounds = Tool::ALL.iter().map(|&t| runs.of(t)).max().unwrap_or(0);
        for round in 0..rounds {
            eprintln!(
                "bench: generation: {} round {}/{rounds}",
                document.name,
                round + 1
            );
            for i in 0..outcomes.len() {
                let outcome = &mut outcomes[(i + round) % Tool::ALL.len()];
                if round >= runs.of(outcome.tool) || outcome.failure.is_some() {
                    continue;
                }
                // Every run starts from nothing: no tool gets to skip unchanged files.
                cmd::remove_dir(&outcome.out)?;
                let name = crate_name(outcome.tool, document);
                let finished = cmd::timed(&mut peers.generate(
                    outcome.tool,
                    &document.path,
                    &outcome.out,
                    &name,
                ))?;
                if finished.success {
                    outcome.samples.push(finished.elapsed);
                } else {
                    outcome.failure = Some(finished.errors(6));
                }
            }
        }
        if check {
            for outcome in outcomes.iter_mut().filter(|o| o.failure.is_none()) {
                eprintln!(
                    "bench: cargo check of {}'s {}",
                    outcome.tool.label(),
                    document.name
                );
                let target = peers.cache.join("check-target").join(outcome.tool.slug());
                outcome.check = Some(cargo_check(&outcome.out, &target)?);
            }
        }
        results.push(DocumentResult {
            document: document.clone(),
            outcomes,
        });
    }
    Ok(results)
}

/// `cargo check` of a generated crate; `Err` holds the first compiler errors.
fn cargo_check(dir: &Path, target: &Path) -> Result<Result<(), String>> {
    standalone(dir)?;
    let finished = cmd::timed(
        Command::new("cargo")
            .args(["check", "--quiet", "--message-format=short"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target),
    )?;
    if finished.success {
        return Ok(Ok(()));
    }
    let errors: Vec<&str> = finished
        .stderr
        .lines()
        .filter(|l| l.contains("error"))
        .collect();
    let total = errors.len();
    let mut summary: Vec<String> = errors.iter().take(3).map(|l| l.trim().to_owned()).collect();
    if total > 3 {
        summary.push(format!("… {total} error lines in all"));
    }
    if summary.is_empty() {
        summary.push(finished.tail(3));
    }
    Ok(Err(summary.join("\n")))
}

/// Makes a generated crate its own workspace (appends an empty `[workspace]` table when it
/// has none), so that cargo never mistakes it for a member of an enclosing workspace when
/// the cache lives inside this repository's `target/`.
pub fn standalone(dir: &Path) -> Result<()> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)?;
    if !text.lines().any(|l| l.trim() == "[workspace]") {
        std::fs::write(&path, format!("{}\n[workspace]\n", text.trim_end()))?;
    }
    Ok(())
}
