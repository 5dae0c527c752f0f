//! Wall time and peak memory of one process.
//!
//! The kernel keeps each process's peak resident set size and hands it to the parent that
//! waits for it: `getrusage(RUSAGE_CHILDREN)` returns the largest of every child waited
//! for so far. That is a maximum over the caller's whole life (the benchmark has run cargo
//! and other generators before), so the measured command runs under a fresh copy of this
//! binary (`xtask __measure FILE -- PROGRAM ARGS..`) that has no other child: its
//! `RUSAGE_CHILDREN` after the one wait is the command's own peak. It writes the figures
//! to FILE, and the command's output and exit status pass through unchanged.
//!
//! `nix`, with its `resource` feature only (its dependencies, libc, bitflags and cfg-if,
//! were already in the lock file), is the safe wrapper of `getrusage`: the workspace
//! forbids `unsafe`, and std has no such call.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use nix::sys::resource::{UsageWho, getrusage};

use super::cmd;

/// The hidden command name the wrapper answers to.
pub const COMMAND: &str = "__measure";

/// One measured run.
#[derive(Debug)]
pub struct Measured {
    pub finished: cmd::Finished,
    /// Peak resident set size, in bytes.
    pub peak_rss: u64,
}

/// Runs `command` under the wrapper (`xtask`, the binary running now), output captured,
/// and returns its wall time (spawn to exit, measured by the wrapper), exit status, output
/// and peak RSS.
pub fn measure(command: &Command, scratch: &Path) -> Result<Measured> {
    let figures = scratch.join(format!("measure-{}.txt", std::process::id()));
    cmd::remove_file(&figures)?;
    let mut wrapper = Command::new(std::env::current_exe()?);
    wrapper
        .arg(COMMAND)
        .arg(&figures)
        .arg("--")
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapper.current_dir(dir);
    }
    let mut finished = cmd::timed(&mut wrapper)?;
    let text = std::fs::read_to_string(&figures).with_context(|| {
        format!(
            "the measuring wrapper wrote no figures for {}: {}",
            cmd::show(command),
            finished.tail(5)
        )
    })?;
    let (elapsed, peak_rss) = parse_figures(&text)?;
    finished.elapsed = elapsed;
    Ok(Measured { finished, peak_rss })
}

/// `__measure FILE -- PROGRAM ARGS..`: runs the program with this process's standard
/// streams, writes `<wall nanoseconds> <peak RSS bytes>` to FILE, exits as it did.
pub fn wrapper_main(args: &[String]) -> Result<ExitCode> {
    let [file, dash, program, rest @ ..] = args else {
        bail!("usage: xtask {COMMAND} FILE -- PROGRAM [ARGS..]");
    };
    if dash != "--" {
        bail!("usage: xtask {COMMAND} FILE -- PROGRAM [ARGS..]");
    }
    let started = Instant::now();
    let status = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {program}"))?;
    let elapsed = started.elapsed();
    // Linux reports `ru_maxrss` in KiB.
    let peak_kib = getrusage(UsageWho::RUSAGE_CHILDREN)
        .context("getrusage(RUSAGE_CHILDREN)")?
        .max_rss();
    let peak = u64::try_from(peak_kib).unwrap_or(0) * 1024;
    std::fs::write(file, format!("{} {peak}\n", elapsed.as_nanos()))
        .with_context(|| format!("cannot write {file}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // Killed by a signal (a panic that aborts, the OOM killer): a failure.
        None => ExitCode::from(128),
    })
}

fn parse_figures(text: &str) -> Result<(Duration, u64)> {
    let mut numbers = text.split_whitespace().map(str::parse::<u64>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(nanos)), Some(Ok(peak))) => Ok((Duration::from_nanos(nanos), peak)),
        _ => bail!("the measuring wrapper wrote {text:?}, not two numbers"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_back() {
        assert_eq!(
            parse_figures("1500000000 157286400\n").unwrap(),
            (Duration::from_millis(1500), 150 << 20)
        );
        assert!(parse_figures("1500000000").is_err());
    }
}
