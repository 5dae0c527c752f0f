//! progenitor on the same documents: each document once, as a process, two at a time.
//! It is the binary `cargo xtask bench` measures, in the same cache
//! (`<target>/bench-peers/`); when it is not there yet, this run installs it there first
//! (cargo compiles cargo-progenitor once, several minutes on a small machine, and keeps
//! it), so one run gives both generators' figures. `--no-peer` leaves it out.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::install::Document;
use crate::bench::cmd;
use crate::bench::peers::{PROGENITOR_VERSION, Peers};

/// progenitor's results, or why there are none.
#[derive(Debug)]
pub struct PeerRun {
    /// Why progenitor did not run, when it did not.
    pub not_run: Option<String>,
    pub version: String,
    pub generated: usize,
    pub failed: usize,
    pub panicked: usize,
    /// One example of a panic: document and message.
    pub panic_example: Option<(String, String)>,
    pub wall: Duration,
    pub ran: usize,
}

impl Default for PeerRun {
    fn default() -> Self {
        PeerRun {
            not_run: Some("`--no-peer` left it out".to_owned()),
            version: String::new(),
            generated: 0,
            failed: 0,
            panicked: 0,
            panic_example: None,
            wall: Duration::ZERO,
            ran: 0,
        }
    }
}

/// Runs progenitor on every document, installing it first when it is not installed.
pub fn run(root: &Path, documents: &[Document], work: &Path) -> Result<PeerRun> {
    let target = crate::bench::target_dir(root);
    let peers = Peers::new(target.join("bench-peers"), target.join("release/xtask"));
    let binary = peers.progenitor();
    if !binary.is_file() {
        eprintln!(
            "corpus: progenitor is not installed at {}: installing it (once)",
            binary.display()
        );
        if let Err(e) = peers.install_progenitor() {
            eprintln!("corpus: progenitor could not be installed: {e:#}");
            return Ok(PeerRun {
                not_run: Some(format!(
                    "it could not be installed at `{}`: {e:#}",
                    binary.display()
                )),
                ..PeerRun::default()
            });
        }
    }
    let version = peers.progenitor_version();
    eprintln!(
        "corpus: progenitor {version} (measured in the bench at {PROGENITOR_VERSION}) on {} documents",
        documents.len()
    );
    let next = AtomicUsize::new(0);
    let result = Mutex::new(PeerRun {
        not_run: None,
        version,
        ran: documents.len(),
        ..PeerRun::default()
    });
    let started = Instant::now();
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (next, result, peers) = (&next, &result, &peers);
            scope.spawn(move || {
                let out = work.join(format!("worker-{worker}"));
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(document) = documents.get(i) else {
                        break;
                    };
                    let _ = cmd::remove_dir(&out);
                    let mut command = Command::new(peers.progenitor());
                    command
                        .args(["progenitor", "-i"])
                        .arg(&document.path)
                        .arg("-o")
                        .arg(&out)
                        .args(["-n", "corpus-peer", "-v", "0.1.0"]);
                    let finished = cmd::timed(&mut command);
                    let mut result = result.lock().unwrap_or_else(|e| e.into_inner());
                    match finished {
                        Ok(f) if f.success => result.generated += 1,
                        Ok(f) if f.stderr.contains("panicked at") => {
                            result.panicked += 1;
                            if result.panic_example.is_none() {
                                result.panic_example =
                                    Some((document.id.clone(), panic_message(&f.stderr)));
                            }
                        }
                        _ => result.failed += 1,
                    }
                    let done = i + 1;
                    if done % 100 == 0 {
                        eprintln!("corpus: progenitor {done}/{}", documents.len());
                    }
                }
                let _ = cmd::remove_dir(&out);
            });
        }
    });
    let mut result = result.into_inner().unwrap_or_else(|e| e.into_inner());
    result.wall = started.elapsed();
    Ok(result)
}

/// The panic's own lines (where, and the message on the next line), not the end of a
/// backtrace when `RUST_BACKTRACE` is set.
fn panic_message(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    match lines.iter().position(|l| l.contains("panicked at")) {
        Some(at) => lines[at..lines.len().min(at + 2)].join("\n"),
        None => lines[lines.len().saturating_sub(2)..].join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn the_panic_is_quoted_not_the_backtrace() {
        let stderr = "thread 'main' panicked at src/lib.rs:3:5:\nnot yet\nstack backtrace:\n   9: main\nnote: Some details";
        assert_eq!(
            panic_message(stderr),
            "thread 'main' panicked at src/lib.rs:3:5:\nnot yet"
        );
        assert_eq!(panic_message("a\nb\nc"), "b\nc");
    }
}
