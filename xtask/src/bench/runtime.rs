//! Parts 3 and 4, the client at run time: the `amperity-benches` benchmarks
//! (`client_overhead`, `limiter_windows`, `stream_memory`, `fleet`), run with `cargo bench` in this
//! workspace. Each prints Markdown tables, which the report quotes as they are, and
//! appends its headline figures to a summary file (`AMPERITY_BENCH_SUMMARY`), from which
//! the report checks the targets.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result};

use super::cmd;

/// One benchmark of the `amperity-benches` package and its environment.
#[derive(Debug, Clone)]
pub struct Bench {
    pub name: &'static str,
    pub env: Vec<(&'static str, String)>,
}

/// What a benchmark printed, from its first `###` heading on.
#[derive(Debug, Clone)]
pub struct Printed {
    pub markdown: String,
    /// The exact command, for the report.
    pub command: String,
}

/// The benchmarks' environment for a full or a quick run.
pub fn client_overhead(quick: bool) -> Bench {
    let (rounds, requests, decode_rounds) = if quick {
        ("6", "100", "6")
    } else {
        ("100", "100", "40")
    };
    Bench {
        name: "client_overhead",
        env: vec![
            ("CLIENT_ROUNDS", rounds.to_owned()),
            ("CLIENT_REQUESTS", requests.to_owned()),
            ("DECODE_ROUNDS", decode_rounds.to_owned()),
        ],
    }
}

pub fn limiter_windows(quick: bool) -> Bench {
    Bench {
        name: "limiter_windows",
        env: vec![
            ("LIMITER_SECONDS", if quick { "5" } else { "20" }.to_owned()),
            ("LIMITER_RATE", "10".to_owned()),
            ("LIMITER_TASKS", "100".to_owned()),
        ],
    }
}

pub fn stream_memory(quick: bool) -> Bench {
    Bench {
        name: "stream_memory",
        env: vec![(
            "STREAM_PAGES",
            if quick { "100" } else { "1000" }.to_owned(),
        )],
    }
}

/// The fleet-wide limiter (needs `redis-server`, which it installs when root).
pub fn fleet(quick: bool) -> Bench {
    let (rounds, seconds) = if quick { ("6", "3") } else { ("40", "10") };
    Bench {
        name: "fleet",
        env: vec![
            ("FLEET_ROUNDS", rounds.to_owned()),
            ("FLEET_ACQUIRES", "200".to_owned()),
            ("FLEET_SECONDS", seconds.to_owned()),
        ],
    }
}

/// Builds every benchmark once (`cargo bench --no-run`), so that running them measures
/// them and not the compiler.
pub fn build(root: &Path, benches: &[Bench]) -> Result<()> {
    let mut command = Command::new("cargo");
    command
        .current_dir(root)
        .args(["bench", "-p", "amperity-benches", "--no-run"]);
    for bench in benches {
        command.args(["--bench", bench.name]);
    }
    cmd::visible(&mut command)
}

/// Runs one benchmark, its summary lines appended to `summary`.
pub fn run(root: &Path, bench: &Bench, summary: &Path) -> Result<Printed> {
    let mut command = Command::new("cargo");
    command
        .current_dir(root)
        .args(["bench", "-p", "amperity-benches", "--bench", bench.name])
        .env("AMPERITY_BENCH_SUMMARY", summary);
    for (key, value) in &bench.env {
        command.env(key, value);
    }
    let shown = bench
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v} "))
        .collect::<String>()
        + &format!("cargo bench -p amperity-benches --bench {}", bench.name);
    eprintln!("bench: {shown}");
    let finished = cmd::checked(&mut command)?;
    let markdown = finished
        .stdout
        .find("### ")
        .map(|start| finished.stdout[start..].trim_end().to_owned())
        .with_context(|| format!("{} printed no table:\n{}", bench.name, finished.stdout))?;
    Ok(Printed {
        markdown,
        command: shown,
    })
}

/// The `key=value` lines of a summary file (later lines win).
pub fn read_summary(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    Ok(parse_summary(&text))
}

pub fn parse_summary(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_key_value_lines() {
        let parsed = parse_summary("a=1\nb = x y\nnot a pair\na=2\n");
        assert_eq!(parsed["a"], "2");
        assert_eq!(parsed["b"], "x y");
        assert_eq!(parsed.len(), 2);
    }
}
