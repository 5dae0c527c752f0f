//! `cargo xtask fuzz --minutes N [--compile N]`: the generator's fuzz test for as long as
//! asked, random cases instead of the test run's fixed seed, then the documents that
//! generated compiled with clippy and rustdoc warnings denied (see
//! `tests/tests/it/fuzz.rs`, which this runs).

use std::path::Path;
use std::process::{Command, ExitStatus};

use anyhow::{Context, Result, bail};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How long to generate random cases.
    pub minutes: u64,
    /// How many distinct generated documents to compile afterwards.
    pub compile: u64,
}

impl Options {
    /// Parses `--minutes N [--compile N]`.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut options = Options {
            minutes: 0,
            compile: 200,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            let number: u64 = value
                .parse()
                .with_context(|| format!("{flag} takes a whole number, not {value:?}"))?;
            match flag.as_str() {
                "--minutes" => options.minutes = number,
                "--compile" => options.compile = number,
                _ => bail!("unknown option {flag}"),
            }
        }
        if options.minutes == 0 {
            bail!("fuzz needs --minutes N (at least 1)");
        }
        Ok(options)
    }
}

/// Runs the fuzz test with the options; its output goes to the terminal.
pub fn run(root: &Path, options: &Options) -> Result<ExitStatus> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .args([
            "test",
            "-p",
            "amperity-tests",
            "--test",
            "it",
            "fuzz::",
            "--",
            "--nocapture",
        ])
        .current_dir(root)
        .env("FUZZ_SECONDS", (options.minutes * 60).to_string())
        .env("FUZZ_COMPILE", options.compile.to_string())
        .status()
        .context("running cargo test")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options() {
        assert_eq!(
            Options::parse(&args(&["--minutes", "10", "--compile", "50"])).unwrap(),
            Options {
                minutes: 10,
                compile: 50
            }
        );
        assert_eq!(
            Options::parse(&args(&["--minutes", "1"])).unwrap().compile,
            200
        );
        for bad in [
            &[][..],
            &["--minutes"],
            &["--minutes", "x"],
            &["--hours", "1"],
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
