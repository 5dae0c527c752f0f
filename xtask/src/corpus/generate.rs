//! Generation of every document in this process: each through `generate_crate` (which runs
//! on the generator's own thread), with panics caught and recorded instead of ending the
//! run, on as many worker threads as the machine has cores.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use amperity_codegen::{ApiInput, CrateOptions, ErrorKind};

use super::install::Document;

/// What generating one document came to.
#[derive(Debug, Clone)]
pub enum Generated {
    /// A crate: the number of bytes of Rust it holds (to size the compile batches) and
    /// the digest of its files (the key of its verdict in the cache of verdicts).
    Crate { rust_bytes: usize, digest: String },
    /// A located error: the generator refused the document.
    Refused {
        kind: ErrorKind,
        message: String,
        line: String,
    },
    /// The generator panicked: the panic's message and where.
    Panicked(String),
    /// The file could not be read.
    Unreadable(String),
}

/// One document's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub document: Document,
    pub module: String,
    pub generated: Generated,
    pub elapsed: Duration,
}

/// The options every corpus crate is generated with (`name` aside).
pub fn options(name: &str, runtime_path: &str) -> CrateOptions {
    CrateOptions {
        name: name.to_owned(),
        command: "cargo xtask corpus".to_owned(),
        workspace_member: false,
        extra_modules: Vec::new(),
        test_kit_examples: Vec::new(),
        runtime_path: runtime_path.to_owned(),
    }
}

/// Generates each of `documents` (as module `modules[i]`) and reports progress through
/// `progress(done, outcome)` as each finishes. Outcomes come back in the documents' order.
pub fn generate_all(
    documents: &[Document],
    modules: &[String],
    runtime_path: &str,
    progress: &(dyn Fn(usize, &Outcome) + Sync),
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, Outcome>> = Mutex::new(BTreeMap::new());
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    quiet_generator_panics();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(document) = documents.get(i) else {
                        break;
                    };
                    let outcome = generate_one(document, &modules[i], runtime_path);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, &outcome);
                    results
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(i, outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_values()
        .collect()
}

/// Generates one document as a crate of its own, in memory.
pub fn generate_one(document: &Document, module: &str, runtime_path: &str) -> Outcome {
    let started = Instant::now();
    let generated = match std::fs::read(&document.path) {
        Err(e) => Generated::Unreadable(format!("{}: {e}", document.path.display())),
        Ok(bytes) => {
            let file = format!("{}.json", document.id);
            let input = ApiInput {
                module,
                document: &file,
                bytes: &bytes,
                sha256: "corpus",
                feature: None,
                rate_limit: None,
                rate_limit_family: None,
                overlays: &[],
                conventions: None,
            };
            let options = options("corpus-document", runtime_path);
            match panic::catch_unwind(AssertUnwindSafe(|| {
                amperity_codegen::generate_crate(&options, std::slice::from_ref(&input))
            })) {
                Ok(Ok(files)) => Generated::Crate {
                    rust_bytes: files
                        .files
                        .iter()
                        .filter(|(p, _)| p.ends_with(".rs"))
                        .map(|(_, c)| c.len())
                        .sum(),
                    digest: super::verdicts::crate_digest(
                        files.files.iter().map(|(p, c)| (p.as_str(), c.as_str())),
                    ),
                },
                Ok(Err(e)) => Generated::Refused {
                    kind: e.kind,
                    message: e.message.clone(),
                    line: e.to_string(),
                },
                Err(payload) => Generated::Panicked(panic_message(payload.as_ref())),
            }
        }
    };
    Outcome {
        document: document.clone(),
        module: module.to_owned(),
        generated,
        elapsed: started.elapsed(),
    }
}

/// Where each panic happened, by message: the hook sees the location, `catch_unwind`
/// only the payload.
static LOCATIONS: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload_text(payload);
    match LOCATIONS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&message)
    {
        Some(location) => format!("{message} (at {location})"),
        None => message,
    }
}

/// The name `generate_crate` gives the thread it generates on.
const GENERATOR_THREAD: &str = "amperity-codegen";

/// From the first call on, panics on the generator's thread are recorded (message and
/// location) instead of printed: a run over thousands of documents reports them in its
/// summary. Panics on every other thread go to the hook that was there before, so a test
/// binary's other tests still print theirs.
pub fn quiet_generator_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(GENERATOR_THREAD) {
                return previous(info);
            }
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LOCATIONS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(payload_text(info.payload()), location);
        }));
    });
}
