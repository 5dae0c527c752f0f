//! `cargo xtask diff OLD NEW [--json]`: the spec drift report between two documents, each
//! given as a pinned document's name (resolved and hash-checked like `regen` does, with its
//! overlays applied) or a file (as it is).

use std::path::Path;

use amperity_codegen::diff::{Document, Report};
use anyhow::{Context as _, Result, bail};

use crate::overlays::{self, OverlayFile};
use crate::spec::{self, Manifest};

/// A document to compare: the name it is reported under and its bytes.
pub struct Input {
    /// The pinned document's file name, or the path as given.
    pub name: String,
    /// The document's bytes.
    pub bytes: Vec<u8>,
    /// The overlays applied to it before comparing (a pinned document's own).
    pub overlays: Vec<OverlayFile>,
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
            overlays: Vec::new(),
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
        overlays: overlays::for_document(root, document)?,
    })
}

/// Loads both documents (with their overlays) and compares them.
pub fn compare(old: &Input, new: &Input) -> Result<Report> {
    let load = |input: &Input| {
        let overlays = overlays::inputs(&input.overlays);
        amperity_codegen::load_overlaid(&input.name, &input.bytes, &overlays)
            .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let (old_spec, new_spec) = (load(old)?, load(new)?);
    amperity_codegen::diff::diff(
        Document {
            name: &old.name,
            spec: &old_spec,
        },
        Document {
            name: &new.name,
            spec: &new_spec,
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// `cargo xtask diff`: the report for `old` → `new`, as text or JSON.
pub fn diff(root: &Path, old: &str, new: &str) -> Result<Report> {
    let old = input(root, old)?;
    let new = input(root, new)?;
    compare(&old, &new)
}
