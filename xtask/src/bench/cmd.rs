//! Running the tools under measurement: whole-process wall time, and captured output for
//! the report when something fails.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// A finished process.
#[derive(Debug)]
pub struct Finished {
    pub elapsed: Duration,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The last `lines` non-empty lines of stderr (or of stdout when stderr is empty): what
    /// the report quotes for a failure.
    pub fn tail(&self, lines: usize) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let kept: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        kept[kept.len().saturating_sub(lines)..].join("\n")
    }

    /// What the report quotes for a failed tool: the lines of its output (stdout and stderr)
    /// that say error, exception or failure (at most `lines`), else the end of its output.
    pub fn errors(&self, lines: usize) -> String {
        let telling = |l: &&str| {
            let lower = l.to_ascii_lowercase();
            ["error", "exception", "panicked", "fail", "duplicate"]
                .iter()
                .any(|w| lower.contains(w))
        };
        let found: Vec<&str> = self
            .stderr
            .lines()
            .chain(self.stdout.lines())
            .filter(telling)
            .map(str::trim)
            .take(lines)
            .collect();
        if found.is_empty() {
            self.tail(lines)
        } else {
            found.join("\n")
        }
    }
}

/// Runs `command` to completion, timing it from spawn to exit, with its output captured
/// (stdin closed). An error only when it cannot be started at all.
pub fn timed(command: &mut Command) -> Result<Finished> {
    let shown = show(command);
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    let elapsed = started.elapsed();
    Ok(Finished {
        elapsed,
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Runs `command` and fails, quoting its output, unless it succeeds.
pub fn checked(command: &mut Command) -> Result<Finished> {
    let shown = show(command);
    let finished = timed(command)?;
    if !finished.success {
        bail!("{shown} failed:\n{}", finished.tail(30));
    }
    Ok(finished)
}

/// Runs `command` with its output going to this process's terminal (installs, long
/// builds whose progress the user may want to watch).
pub fn visible(command: &mut Command) -> Result<()> {
    let shown = show(command);
    let status = command
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// The first line of what `program args` prints (stdout, else stderr), trimmed; `None` if
/// it cannot run. For version strings.
pub fn first_line(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    let text = if output.stdout.is_empty() {
        output.stderr
    } else {
        output.stdout
    };
    let text = String::from_utf8_lossy(&text);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

/// `program arg arg`, for messages.
pub fn show(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// Removes `dir` and everything in it, if it exists.
pub fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Removes a file, if it exists.
pub fn remove_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}
