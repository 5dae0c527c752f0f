//! `cargo xtask diff OLD NEW [--json]`: the spec drift report between two documents, each
//! given as a pinned document's name (resolved and hash-checked like `regen` does) or a file.

use std::path::Path;

use amperity_codegen::diff::Report;
use anyhow::{Context as _, Result, bail};

use crate::spec::{self, Manifest};

/// A document to compare: the name it is reported under and its bytes.
pub struct Input {
    /// The pinned document's file name, or the path as given.
    pub name: String,
    /// The document's bytes.
    pub bytes: Vec<u8>,
}

/// Reads `arg`: an existing file wins; otherwise a name (or file name) from
/// `spec/manifest.toml`, resolved through [`spec::resolve`].
pub fn input(root: &Path, arg: &str) -> Result<Input> {
    let path = Path::new(arg);
    if path.is_file() {
        let bytes = spec::read_document(path).with_context(|| format!("cannot read {arg}"))?;
        // The path as given: two files may share a name (`old/openapi.json`).
        return Ok(Input {
            name: arg.to_owned(),
            bytes,
        });
    }
    let manifest = Manifest::load(root)?;
    let Ok(document) = manifest.find(arg) else {
        let known: Vec<&str> = manifest.documents.iter().map(|d| d.name.as_str()).collect();
        bail!(
            "{arg:?} is neither a file nor a pinned document; pinned documents: {}",
            known.join(", ")
        );
    };
    let resolved = spec::resolve(root, document)?;
    Ok(Input {
        name: document.file.clone(),
        bytes: resolved.bytes,
    })
}

/// Loads both documents and compares them.
pub fn compare(old: &Input, new: &Input) -> Result<Report> {
    amperity_codegen::diff::diff_bytes(&old.name, &old.bytes, &new.name, &new.bytes)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// `cargo xtask diff`: the report for `old` → `new`, as text or JSON.
pub fn diff(root: &Path, old: &str, new: &str) -> Result<Report> {
    let old = input(root, old)?;
    let new = input(root, new)?;
    compare(&old, &new)
}
