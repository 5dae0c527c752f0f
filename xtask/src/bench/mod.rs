//! `cargo xtask bench`: our generator and client side by side with progenitor and
//! openapi-generator, written to `BENCHMARKS.md`.
//!
//! One stage per module: `peers` installs the peers into a cache the benchmark owns,
//! `generation` times generation, `compile` counts lines and times builds, `runtime`
//! runs the `amperity-benches` benchmarks, `limit` generates the largest document the
//! generator accepts (written by `synthetic`, measured through `peak`), `report` writes
//! the file. Nothing here runs in `cargo test` except the unit tests of the pure helpers.

pub(crate) mod cmd;
mod compile;
mod generation;
mod limit;
mod loc;
mod machine;
mod merge;
pub mod peak;
pub(crate) mod peers;
mod report;
mod runtime;
mod stats;
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, Result, bail};

use crate::spec::{self, Manifest, SpecSource};
use generation::{Document, Runs};
use peers::Peers;
use report::Results;

/// The parts of the suite, in the order they run; `--skip` and `--only` take their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Generation speed (and whether each generated crate compiles).
    Generation,
    /// Lines of code and recompile times.
    Compile,
    /// Cold builds (part of the compile measurements, and the slowest thing here).
    Cold,
    /// Client overhead and decode time against hand-written reqwest.
    Client,
    /// The limiter's busiest window and utilization.
    Limiter,
    /// Peak memory while streaming a million items.
    Memory,
    /// The fleet-wide (Redis) limiter: overhead per call, windows of 1 to 8 processes,
    /// packages of the feature.
    Fleet,
    /// Generation of a document with as many operations as the generator accepts: wall
    /// time and peak memory.
    Limit,
}

impl Part {
    pub const ALL: [Part; 8] = [
        Part::Generation,
        Part::Compile,
        Part::Cold,
        Part::Client,
        Part::Limiter,
        Part::Memory,
        Part::Fleet,
        Part::Limit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Part::Generation => "generation",
            Part::Compile => "compile",
            Part::Cold => "cold",
            Part::Client => "client",
            Part::Limiter => "limiter",
            Part::Memory => "memory",
            Part::Fleet => "fleet",
            Part::Limit => "limit",
        }
    }
}

/// `cargo xtask bench` options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Few repetitions: for trying the suite out, not for quoting.
    pub quick: bool,
    pub skip: Vec<Part>,
    /// Where to write the report; by default `BENCHMARKS.md` at the root for a full run,
    /// in the cache for a quick or partial one (so that a try-out never replaces the
    /// committed results).
    pub out: Option<PathBuf>,
    /// The cache directory (default: `bench-peers/` in cargo's target directory).
    pub cache: Option<PathBuf>,
    /// The arguments as given, for the report's command line.
    pub args: Vec<String>,
}

impl Options {
    /// Parses the arguments after `bench`.
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            args: args.to_vec(),
            ..Options::default()
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value = |flag: &str| {
                iter.next()
                    .cloned()
                    .with_context(|| format!("{flag} needs a value"))
            };
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--skip" => options.skip.extend(parts("--skip", &value("--skip")?)?),
                // Everything else skipped: a part re-run on its own.
                "--only" => {
                    let only = parts("--only", &value("--only")?)?;
                    options
                        .skip
                        .extend(Part::ALL.into_iter().filter(|p| !only.contains(p)));
                }
                "--out" => options.out = Some(PathBuf::from(value("--out")?)),
                "--cache" => options.cache = Some(PathBuf::from(value("--cache")?)),
                other => bail!("unknown option {other:?} for bench"),
            }
        }
        Ok(options)
    }

    fn runs(&self, part: Part) -> bool {
        !self.skip.contains(&part)
    }
}

/// The parts named in `list` (comma-separated), for `flag`.
fn parts(flag: &str, list: &str) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some(part) = Part::ALL.into_iter().find(|p| p.name() == name) else {
            let known: Vec<&str> = Part::ALL.iter().map(|p| p.name()).collect();
            bail!(
                "unknown part {name:?} for {flag}; parts: {}",
                known.join(", ")
            );
        };
        parts.push(part);
    }
    Ok(parts)
}

/// Runs the suite and writes the report; returns its path.
pub fn run(root: &Path, options: &Options) -> Result<PathBuf> {
    let started = Instant::now();
    let started_at = utc_now();
    let target = target_dir(root);
    let cache = match &options.cache {
        Some(dir) => absolute(dir)?,
        None => target.join("bench-peers"),
    };
    let out = match &options.out {
        Some(path) => absolute(path)?,
        None if !options.quick && options.skip.is_empty() => root.join("BENCHMARKS.md"),
        None => cache.join("BENCHMARKS.md"),
    };
    let needs_generators = options.runs(Part::Generation) || options.runs(Part::Compile);
    let peers = Peers::new(cache.clone(), target.join("release").join("xtask"));
    if needs_generators || options.runs(Part::Limit) {
        eprintln!("bench: building our generator (xtask) in release mode");
        cmd::visible(Command::new("cargo").current_dir(root).args([
            "build",
            "--release",
            "-p",
            "xtask",
        ]))?;
        peers.install_progenitor()?;
    }
    if needs_generators {
        peers.install_openapi_generator()?;
    }
    let documents = documents(root)?;

    let mut results = Results {
        command: command_line(options),
        started: started_at,
        quick: options.quick,
        machine: Some(machine::Machine::detect()),
        versions: Some(machine::Versions::detect(root, &peers)),
        cache: cache.display().to_string(),
        cold_skipped: !options.runs(Part::Cold),
        partial: if options.skip.is_empty() {
            Vec::new()
        } else {
            Part::ALL
                .into_iter()
                .filter(|&p| options.runs(p))
                .map(Part::name)
                .collect()
        },
        ..Results::default()
    };

    if options.runs(Part::Generation) {
        let runs = if options.quick {
            Runs { fast: 3, slow: 1 }
        } else {
            Runs { fast: 15, slow: 7 }
        };
        results.generation = Some(generation::run(&peers, &documents, runs, true)?);
    }
    if options.runs(Part::Compile) {
        let stable = documents
            .iter()
            .find(|d| d.name == report::STABLE)
            .with_context(|| format!("{} is not in the manifest", report::STABLE))?;
        let subjects = compile::subjects(root, &peers, stable)?;
        let repeats = compile::Repeats {
            cold: match (options.runs(Part::Cold), options.quick) {
                (false, _) => 0,
                (true, true) => 1,
                (true, false) => 3,
            },
            // A recompile takes about a second, and cargo's own start-up and fingerprinting
            // move it by a tenth between runs: 11 rounds give a median that holds still.
            recompile: if options.quick { 1 } else { 11 },
        };
        results.compile = Some(compile::measure(subjects, repeats)?);
    }

    if options.runs(Part::Limit) {
        results.limit = Some(limit::run(&peers, if options.quick { 3 } else { 7 })?);
    }

    let benches: Vec<(Part, runtime::Bench)> = [
        (Part::Client, runtime::client_overhead(options.quick)),
        (Part::Limiter, runtime::limiter_windows(options.quick)),
        (Part::Memory, runtime::stream_memory(options.quick)),
        (Part::Fleet, runtime::fleet(options.quick)),
    ]
    .into_iter()
    .filter(|(part, _)| options.runs(*part))
    .collect();
    if !benches.is_empty() {
        let summary = cache.join("summary.txt");
        std::fs::create_dir_all(&cache)?;
        cmd::remove_file(&summary)?;
        let all: Vec<runtime::Bench> = benches.iter().map(|(_, b)| b.clone()).collect();
        runtime::build(root, &all)?;
        for (part, bench) in &benches {
            let printed = runtime::run(root, bench, &summary)?;
            match part {
                Part::Client => results.client = Some(printed),
                Part::Limiter => results.limiter = Some(printed),
                Part::Fleet => results.fleet = Some(printed),
                _ => results.memory = Some(printed),
            }
        }
        results.summary = runtime::read_summary(&summary)?;
    }

    results.elapsed = started.elapsed();
    let previous = std::fs::read_to_string(&out).ok();
    let text = report::render(&results, previous.as_deref());
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, text).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(out)
}

/// Every pinned document, as a file the peers can read.
fn documents(root: &Path) -> Result<Vec<Document>> {
    let manifest = Manifest::load(root)?;
    let mut documents = Vec::new();
    for pinned in &manifest.documents {
        let resolved = spec::resolve(root, pinned)?;
        let path = match resolved.source {
            SpecSource::Cache(p) | SpecSource::EnvDir(p) | SpecSource::Shared(p) => p,
            SpecSource::Downloaded { cached_at, .. } => cached_at,
        };
        documents.push(Document {
            name: pinned.name.clone(),
            path: absolute(&path)?,
        });
    }
    Ok(documents)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR`, else `<root>/target`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => absolute(Path::new(&dir)).unwrap_or_else(|_| PathBuf::from(dir)),
        None => root.join("target"),
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}

/// `cargo xtask bench …` as it was run.
fn command_line(options: &Options) -> String {
    let mut line = "cargo xtask bench".to_owned();
    for arg in &options.args {
        line.push(' ');
        line.push_str(arg);
    }
    line
}

/// The current time in UTC as `YYYY-MM-DD HH:MM UTC` (no date library for one line).
pub(crate) fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_parse_and_refuse_unknown_parts() {
        let o = Options::parse(&args(&[
            "--quick",
            "--skip",
            "cold,limiter",
            "--out",
            "x.md",
        ]))
        .unwrap();
        assert!(o.quick);
        assert_eq!(o.skip, [Part::Cold, Part::Limiter]);
        assert_eq!(o.out, Some(PathBuf::from("x.md")));
        assert_eq!(
            command_line(&o),
            "cargo xtask bench --quick --skip cold,limiter --out x.md"
        );
        let err = Options::parse(&args(&["--skip", "colds"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("generation, compile, cold, client, limiter, memory, fleet, limit"),
            "{err}"
        );
        let only = Options::parse(&args(&["--only", "limit"])).unwrap();
        assert!(only.runs(Part::Limit));
        assert_eq!(only.skip.len(), Part::ALL.len() - 1);
        assert!(Options::parse(&args(&["--fast"])).is_err());
        assert!(Options::parse(&args(&["--out"])).is_err());
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_818), (2026, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
