//! `cargo xtask corpus`: the generator over APIs.guru's directory of public OpenAPI
//! documents, written to `CORPUS.md`.
//!
//! One stage per module: `install` puts the pinned npm package in place and lists its
//! documents, `generate` runs the generator on each in this process (panics caught),
//! `compile` builds what was generated in batch crates with clippy and rustdoc warnings
//! denied, `peer` runs progenitor on the same documents (installing it, once, into the
//! cache `cargo xtask bench` uses, when it is not there yet), `report` writes the file. `tests/tests/it/corpus.rs` runs the same stages
//! on the whole corpus (generation only) and on a fixed sample (compiled).

pub mod compile;
pub mod generate;
pub mod install;
mod peer;
mod report;
pub mod verdicts;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use generate::{Generated, Outcome};
pub use install::{Document, documents, install, module_name, sample};

/// `cargo xtask corpus` options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only this many documents, picked by `seed`.
    pub sample: Option<usize>,
    pub seed: u64,
    /// Generate only; compile nothing.
    pub no_compile: bool,
    /// Compile only this many of the generated documents, picked by `seed` (compiling
    /// everything takes hours on a small machine: the corpus generates ~1 GB of Rust).
    pub compile_sample: Option<usize>,
    /// Leave progenitor out (neither installed nor run).
    pub no_peer: bool,
    /// Compile every document again, ignoring the verdicts kept from earlier runs.
    pub fresh: bool,
    /// Where to write the report (default: `CORPUS.md` at the root for a full run, the
    /// work directory for a sample).
    pub out: Option<PathBuf>,
    /// The arguments as given, for the report.
    pub args: Vec<String>,
}

impl Options {
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
                "--sample" => {
                    let n = value("--sample")?;
                    options.sample = Some(
                        n.parse()
                            .with_context(|| format!("--sample {n:?}: not a count"))?,
                    );
                }
                "--seed" => {
                    let n = value("--seed")?;
                    options.seed = n
                        .parse()
                        .with_context(|| format!("--seed {n:?}: not a number"))?;
                }
                "--no-compile" => options.no_compile = true,
                "--compile-sample" => {
                    let n = value("--compile-sample")?;
                    options.compile_sample = Some(
                        n.parse()
                            .with_context(|| format!("--compile-sample {n:?}: not a count"))?,
                    );
                }
                "--no-peer" => options.no_peer = true,
                "--fresh" => options.fresh = true,
                "--out" => options.out = Some(PathBuf::from(value("--out")?)),
                other => bail!("unknown option {other:?} for corpus"),
            }
        }
        Ok(options)
    }
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Run {
    pub command: String,
    pub started: String,
    pub corpus: usize,
    pub outcomes: Vec<Outcome>,
    /// Wall time of the generation pass.
    pub generation: Duration,
    /// Verdicts by module, when compiled.
    pub verdicts: Option<std::collections::BTreeMap<String, compile::Verdict>>,
    /// How many verdicts came from earlier runs ([`verdicts`]).
    pub reused: usize,
    pub compile_time: Duration,
    /// How many generated documents were compiled, and whether they were a sample.
    pub compiled_of: Option<(usize, bool)>,
    pub peer: peer::PeerRun,
    pub elapsed: Duration,
}

/// Runs the corpus and writes the report; returns its path.
pub fn run(root: &Path, options: &Options) -> Result<PathBuf> {
    let started = Instant::now();
    let api = install(root)?;
    let all = documents(&api)?;
    let chosen = match options.sample {
        Some(n) => sample(&all, n, options.seed),
        None => all.clone(),
    };
    let work = crate::bench::target_dir(root).join("corpus");
    let out = match &options.out {
        Some(path) => std::path::absolute(path)?,
        None if options.sample.is_none() => root.join("CORPUS.md"),
        None => work.join("CORPUS.md"),
    };
    let mut run = Run {
        command: command_line(options),
        started: crate::bench::utc_now(),
        corpus: all.len(),
        ..Run::default()
    };
    let modules = modules(&chosen);
    let runtime = crate::regen::runtime_path(root)?;
    eprintln!("corpus: generating {} documents", chosen.len());
    let generation = Instant::now();
    run.outcomes = generate::generate_all(&chosen, &modules, &runtime, &progress(chosen.len()));
    run.generation = generation.elapsed();
    eprintln!("corpus: generation took {:.1?}", run.generation);

    if !options.no_compile {
        let members: Vec<compile::Member> = run
            .outcomes
            .iter()
            .filter_map(|o| match o.generated {
                Generated::Crate {
                    rust_bytes,
                    ref digest,
                } => Some(compile::Member {
                    id: o.document.id.clone(),
                    module: o.module.clone(),
                    path: o.document.path.clone(),
                    rust_bytes,
                    digest: digest.clone(),
                }),
                _ => None,
            })
            .collect();
        let members = match options.compile_sample {
            Some(n) => sample_members(&members, n, options.seed),
            None => members,
        };
        run.compiled_of = Some((members.len(), options.compile_sample.is_some()));
        let setup = compile::Setup {
            root: root.to_path_buf(),
            dir: work.join("batches"),
            target: work.join("target"),
            show_cargo: true,
        };
        let kept = work.join("verdicts.json");
        let environment = verdicts::environment(root)?;
        if options.fresh {
            // Nothing to remove is as good as removed.
            std::fs::remove_file(&kept).ok();
        }
        let mut cache = verdicts::Cache::open(&kept, environment)?;
        let compiling = Instant::now();
        let checked = compile::check(&setup, &members, &mut cache)?;
        run.compile_time = compiling.elapsed();
        run.verdicts = Some(checked.verdicts);
        run.reused = checked.reused;
    }
    if !options.no_peer {
        run.peer = peer::run(root, &chosen, &work.join("progenitor"))?;
    }
    run.elapsed = started.elapsed();
    let text = report::render(&run);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, text).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(out)
}

/// `count` of `members` picked by `seed`, as [`sample`] picks documents.
fn sample_members(members: &[compile::Member], count: usize, seed: u64) -> Vec<compile::Member> {
    let as_documents: Vec<Document> = members
        .iter()
        .map(|m| Document {
            id: m.id.clone(),
            path: m.path.clone(),
        })
        .collect();
    let picked: BTreeSet<String> = sample(&as_documents, count, seed)
        .into_iter()
        .map(|d| d.id)
        .collect();
    members
        .iter()
        .filter(|m| picked.contains(&m.id))
        .cloned()
        .collect()
}

/// A module name for each document, unique across them.
pub fn modules(documents: &[Document]) -> Vec<String> {
    let mut taken = BTreeSet::new();
    documents
        .iter()
        .map(|d| module_name(&d.id, &mut taken))
        .collect()
}

/// Prints a progress line every 100 documents (and every panic as it happens).
fn progress(total: usize) -> impl Fn(usize, &Outcome) + Sync {
    let started = Instant::now();
    move |done, outcome| {
        if let Generated::Panicked(message) = &outcome.generated {
            eprintln!("corpus: PANIC in {}: {message}", outcome.document.id);
        }
        if done % 100 == 0 || done == total {
            eprintln!(
                "corpus: {done}/{total} generated or refused ({:.0?})",
                started.elapsed()
            );
        }
    }
}

/// The command as a user would type it for the build that runs (generation times depend
/// on the build: `cargo xtask` is a debug build, its generator at opt-level 1).
fn command_line(options: &Options) -> String {
    let mut line = if cfg!(debug_assertions) {
        "cargo xtask corpus"
    } else {
        "cargo run --release -p xtask -- corpus"
    }
    .to_owned();
    for arg in &options.args {
        line.push(' ');
        line.push_str(arg);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse() {
        let args: Vec<String> = [
            "--sample",
            "40",
            "--seed",
            "7",
            "--no-compile",
            "--compile-sample",
            "9",
            "--fresh",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let o = Options::parse(&args).unwrap();
        assert_eq!((o.sample, o.seed, o.no_compile), (Some(40), 7, true));
        assert_eq!((o.compile_sample, o.fresh), (Some(9), true));
        assert!(Options::parse(&["--sample".to_owned()]).is_err());
        assert!(Options::parse(&["--sample".to_owned(), "x".to_owned()]).is_err());
        assert!(Options::parse(&["--fast".to_owned()]).is_err());
    }
}
