//! Verdicts kept between runs of `cargo xtask corpus`, by the digest of the crate the
//! generator wrote for a document.
//!
//! Compiling the whole corpus takes hours on a small machine, and most generator changes
//! touch the output of a few documents. What clippy and rustdoc say about a document's
//! code depends only on that code, the runtime it calls, the locked dependencies and the
//! toolchain: so a verdict is kept under the digest of the generated crate, in a file
//! whose `environment` is the digest of the rest. A run compiles only the documents whose
//! crates are new, and an interrupted run keeps what it finished (the file is written
//! after each group of batches). Any change of the runtime, `Cargo.lock`, the toolchain
//! or of the file's format starts the file afresh.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::compile::Verdict;

/// Bumped when what a verdict means changes (the lints denied, the steps run).
const FORMAT: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    environment: String,
    verdicts: BTreeMap<String, Verdict>,
}

/// The verdicts of earlier runs in the same environment.
#[derive(Debug)]
pub struct Cache {
    path: Option<PathBuf>,
    stored: Stored,
}

impl Cache {
    /// A cache that remembers nothing (for tests that must compile what they check).
    pub fn disabled() -> Self {
        Self {
            path: None,
            stored: Stored::default(),
        }
    }

    /// The verdicts in `path` if they were found in `environment`; none otherwise (the
    /// file is replaced at the next [`Cache::save`]).
    pub fn open(path: &Path, environment: String) -> Result<Self> {
        let stored = match fs::read(path) {
            Ok(bytes) => serde_json::from_slice::<Stored>(&bytes)
                .ok()
                .filter(|s| s.environment == environment),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(Self {
            path: Some(path.to_path_buf()),
            stored: stored.unwrap_or(Stored {
                environment,
                verdicts: BTreeMap::new(),
            }),
        })
    }

    pub fn get(&self, digest: &str) -> Option<&Verdict> {
        self.stored.verdicts.get(digest)
    }

    /// Keeps a verdict that belongs to the crate alone: not one that blames the batch
    /// or says the document was never checked.
    pub fn insert(&mut self, digest: &str, verdict: &Verdict) {
        if verdict.is_the_documents_own() {
            self.stored
                .verdicts
                .insert(digest.to_owned(), verdict.clone());
        }
    }

    /// Writes the file (through a temporary one, so an interrupted write loses nothing).
    pub fn save(&self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let partial = path.with_extension("partial");
        fs::write(&partial, serde_json::to_vec(&self.stored)?)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The digest of what a verdict depends on besides the document's own crate: this file's
/// format version, the toolchain (`rustc -vV`, `clippy-driver -V`, `rustdoc -V`), the
/// workspace's `Cargo.lock` and every file of the runtime crate.
pub fn environment(root: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(FORMAT.to_le_bytes());
    for (tool, args) in [
        ("rustc", &["-vV"][..]),
        ("clippy-driver", &["-V"]),
        ("rustdoc", &["-V"]),
    ] {
        let output = Command::new(tool)
            .args(args)
            .output()
            .with_context(|| format!("cannot run {tool}"))?;
        hasher.update(&output.stdout);
    }
    hash_file(&mut hasher, &root.join("Cargo.lock"))?;
    let runtime = root.join("amperity-runtime");
    let mut files = Vec::new();
    list_files(&runtime, &mut files)?;
    files.sort();
    for file in files {
        hasher.update(
            file.strip_prefix(&runtime)
                .unwrap_or(&file)
                .to_string_lossy()
                .as_bytes(),
        );
        hash_file(&mut hasher, &file)?;
    }
    Ok(hex(&hasher.finalize()))
}

/// The digest of a generated crate: every file's path and contents, in order.
pub fn crate_digest<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    for (path, contents) in files {
        for part in [path, contents] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hex(&hasher.finalize())
}

fn hash_file(hasher: &mut Sha256, path: &Path) -> Result<()> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(&bytes);
    Ok(())
}

fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_tell_paths_from_contents() {
        let a = crate_digest([("src/a.rs", "x"), ("src/b.rs", "")]);
        let b = crate_digest([("src/a.rs", ""), ("src/b.rs", "x")]);
        let c = crate_digest([("src/a.rsx", ""), ("src/b.rs", "")]);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, crate_digest([("src/a.rs", "x"), ("src/b.rs", "")]));
    }

    #[test]
    fn verdicts_survive_only_in_the_same_environment() {
        let dir = std::env::temp_dir().join(format!("xtask-verdicts-{}", std::process::id()));
        let path = dir.join("verdicts.json");
        let mut cache = Cache::open(&path, "one".to_owned()).unwrap();
        cache.insert("d1", &Verdict::Clean);
        cache.insert("d2", &Verdict::Lint("clippy::x".to_owned()));
        cache.insert("d3", &Verdict::Unchecked("its batch failed".to_owned()));
        cache.save().unwrap();
        let again = Cache::open(&path, "one".to_owned()).unwrap();
        assert_eq!(again.get("d1"), Some(&Verdict::Clean));
        assert_eq!(
            again.get("d2"),
            Some(&Verdict::Lint("clippy::x".to_owned()))
        );
        assert_eq!(again.get("d3"), None);
        let other = Cache::open(&path, "two".to_owned()).unwrap();
        assert_eq!(other.get("d1"), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
