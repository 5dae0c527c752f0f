//! The overlays kept beside the pinned documents: `spec/overlays/<document name>/*.yaml`
//! (or `.yml`, `.json`), applied in file-name order by `regen`, `diff`, the contract
//! tests, and reported by `fetch-spec --update` when a new document leaves them behind.
//! Reading them is this module's part; applying them is the generator's
//! (`amperity_codegen::overlay`), in memory, on the document's parsed value.

use std::path::{Path, PathBuf};

use amperity_codegen::OverlayInput;
use amperity_codegen::overlay::Overlay;
use anyhow::{Context as _, Result, bail};

use crate::spec::{self, Manifest, PinnedDocument};

/// Relative to the workspace root.
pub const OVERLAYS_DIR: &str = "spec/overlays";

/// One overlay file, read.
#[derive(Debug, Clone)]
pub struct OverlayFile {
    /// How headers and errors name it: its path relative to the workspace root for the
    /// pinned documents' overlays (`spec/overlays/<document>/<file>`), its file name for
    /// `generate --overlay`.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its SHA-256.
    pub sha256: String,
}

impl OverlayFile {
    fn read(path: &Path, name: String) -> Result<OverlayFile> {
        let bytes =
            spec::read_document(path).with_context(|| format!("cannot read {}", path.display()))?;
        let sha256 = spec::sha256_hex(&bytes);
        Ok(OverlayFile {
            name,
            bytes,
            sha256,
        })
    }

    /// What the generator takes.
    pub fn input(&self) -> OverlayInput<'_> {
        OverlayInput {
            name: &self.name,
            bytes: &self.bytes,
            sha256: &self.sha256,
        }
    }
}

/// The generator's inputs for `files`.
pub fn inputs(files: &[OverlayFile]) -> Vec<OverlayInput<'_>> {
    files.iter().map(OverlayFile::input).collect()
}

/// The overlays of a pinned document, in file-name order, each checked to parse and to
/// give its evidence (a link in every action's description). None when the document has
/// no directory.
pub fn for_document(root: &Path, document: &PinnedDocument) -> Result<Vec<OverlayFile>> {
    let dir = root.join(OVERLAYS_DIR).join(&document.name);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read {}", dir.display()))?;
    paths.retain(|p| p.is_file());
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !(file_name.ends_with(".yaml")
            || file_name.ends_with(".yml")
            || file_name.ends_with(".json"))
        {
            bail!(
                "{}: only overlays (.yaml, .yml, .json) belong in {OVERLAYS_DIR}/{}/",
                path.display(),
                document.name
            );
        }
        let name = format!("{OVERLAYS_DIR}/{}/{file_name}", document.name);
        let file = OverlayFile::read(&path, name)?;
        Overlay::parse(&file.name, &file.bytes)
            .and_then(|overlay| overlay.require_evidence())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        files.push(file);
    }
    Ok(files)
}

/// Every directory under `spec/overlays/` must name a pinned document: a misspelt one
/// would drop its overlays without a word.
pub fn check_directories(root: &Path, manifest: &Manifest) -> Result<()> {
    let dir = root.join(OVERLAYS_DIR);
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
    {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if manifest.documents.iter().all(|d| d.name != name) {
            let known: Vec<&str> = manifest.documents.iter().map(|d| d.name.as_str()).collect();
            bail!(
                "{OVERLAYS_DIR}/{name} names no pinned document; overlays go in a directory \
                 named after one: {}",
                known.join(", ")
            );
        }
    }
    Ok(())
}

/// Overlay files given on the command line (`generate --overlay FILE`), named by their
/// file name, in the order given.
pub fn from_paths(paths: &[PathBuf]) -> Result<Vec<OverlayFile>> {
    paths
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            OverlayFile::read(path, name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TempDir, put};

    const MANIFEST: &str = "[[document]]\nname = \"a\"\nfile = \"a.json\"\nurl = \"https://x/a.json\"\nversion = \"1\"\nsha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n";

    fn workspace() -> (TempDir, Manifest) {
        let root = TempDir::new("overlays");
        put(&root.0.join("spec"), "manifest.toml", MANIFEST.as_bytes());
        let manifest = Manifest::load(&root.0).unwrap();
        (root, manifest)
    }

    fn overlay(description: &str) -> Vec<u8> {
        format!(
            "overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n  - {{target: $.a, remove: true, description: '{description}'}}\n"
        )
        .into_bytes()
    }

    #[test]
    fn read_in_file_name_order_with_their_evidence() {
        let (root, manifest) = workspace();
        let dir = root.0.join(OVERLAYS_DIR).join("a");
        put(&dir, "2-second.yaml", &overlay("https://docs.example/2"));
        put(&dir, "1-first.json", br#"{"overlay":"1.0.0","info":{"title":"t","version":"1"},"actions":[{"target":"$.b","remove":true,"description":"see https://docs.example/1"}]}"#);
        let files = for_document(&root.0, &manifest.documents[0]).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "spec/overlays/a/1-first.json",
                "spec/overlays/a/2-second.yaml"
            ]
        );
        assert_eq!(files[1].sha256, spec::sha256_hex(&files[1].bytes));
        check_directories(&root.0, &manifest).unwrap();
    }

    #[test]
    fn an_action_without_evidence_a_stray_file_or_directory_is_refused() {
        let (root, manifest) = workspace();
        let dir = root.0.join(OVERLAYS_DIR).join("a");
        put(&dir, "fix.yaml", &overlay("trust me"));
        let err = for_document(&root.0, &manifest.documents[0]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("spec/overlays/a/fix.yaml#/actions/0/description: "),
            "{err}"
        );
        put(&dir, "fix.yaml", &overlay("https://docs.example/fix"));
        put(&dir, "notes.txt", b"why");
        let err = for_document(&root.0, &manifest.documents[0]).unwrap_err();
        assert!(err.to_string().contains("notes.txt"), "{err}");
        std::fs::create_dir_all(root.0.join(OVERLAYS_DIR).join("a-typo")).unwrap();
        let err = check_directories(&root.0, &manifest).unwrap_err();
        assert!(
            err.to_string()
                .contains("spec/overlays/a-typo names no pinned document"),
            "{err}"
        );
    }
}
