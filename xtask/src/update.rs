//! `cargo xtask fetch-spec --update NAME [--from FILE]`: re-pins one document to new bytes.
//!
//! Reads the new document (from FILE, or downloads the pinned URL), reports what changed
//! against the currently pinned bytes, stores the new bytes in `spec/cache/` and rewrites
//! that entry's `sha256` and `version` in `spec/manifest.toml`. The manifest is edited as
//! text, two values on two lines, so its comments and layout survive; the result is parsed
//! back and checked before it is written. `amperity-generated/` is not touched: regenerating
//! and reviewing snapshots is the next, separate step.
//!
//! The report compares the documents as published (what the vendor changed); the
//! document's overlays are then tried on the new one, and each action whose target selects
//! nothing there is listed: the vendor fixed what it corrected, or moved it, and `regen`
//! will refuse it until it is changed or deleted.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use amperity_codegen::diff::Report;
use amperity_codegen::overlay::StaleAction;
use amperity_codegen::toml_string;
use anyhow::{Context as _, Result, bail};

use crate::diff::{self, Input};
use crate::overlays;
use crate::spec::{self, Manifest};

/// What `--update` did.
pub struct Update {
    /// The manifest entry's name.
    pub name: String,
    /// The changes from the pinned document to the new one; `None` when the pinned bytes
    /// could not be found (see `warning`).
    pub report: Option<Report>,
    /// Why there is no report.
    pub warning: Option<String>,
    /// The pin before and after: (version, sha256).
    pub before: (String, String),
    /// The pin after.
    pub after: (String, String),
    /// Where the new bytes were stored.
    pub cached_at: PathBuf,
    /// The document's overlay actions that select nothing in the new document.
    pub stale_overlays: Vec<StaleAction>,
}

impl Update {
    /// Whether the manifest changed.
    pub fn repinned(&self) -> bool {
        self.before != self.after
    }

    /// What to print after the report (the warning, if any, is printed apart).
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if !self.repinned() {
            let _ = writeln!(
                out,
                "{} is already pinned to these bytes (version {}); nothing to do",
                self.name, self.after.0
            );
            return out;
        }
        let short = |sha: &str| sha.get(..12).unwrap_or(sha).to_owned();
        let _ = writeln!(
            out,
            "re-pinned {}: version {} -> {}, sha256 {}… -> {}…",
            self.name,
            self.before.0,
            self.after.0,
            short(&self.before.1),
            short(&self.after.1)
        );
        let _ = writeln!(out, "stored {}", self.cached_at.display());
        for stale in &self.stale_overlays {
            let _ = writeln!(
                out,
                "overlay {} action {}: `{}` selects nothing in the new document (fixed or \
                 moved by the vendor?); change or delete it, or regen will refuse it{}",
                stale.overlay,
                stale.action,
                stale.target,
                stale
                    .description
                    .as_deref()
                    .map(|d| format!(" -- it said: {}", d.trim()))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "next: `cargo xtask regen`, then `cargo insta review`, then commit"
        );
        out
    }
}

/// Where the new document comes from.
pub enum Source<'p> {
    /// A local file.
    File(&'p Path),
    /// The manifest entry's URL.
    Download,
}

/// `cargo xtask fetch-spec --update`, with the pinned document looked up as [`spec::resolve`]
/// does.
pub fn update(root: &Path, name: &str, source: Source<'_>) -> Result<Update> {
    let env_dir = std::env::var_os(spec::ENV_DIR_VAR);
    let shared = spec::default_shared_dir(root);
    update_with(root, name, source, env_dir.as_deref(), &shared)
}

/// [`update`] with explicit places to look for the pinned document, for tests.
pub fn update_with(
    root: &Path,
    name: &str,
    source: Source<'_>,
    env_dir: Option<&OsStr>,
    shared_dir: &Path,
) -> Result<Update> {
    let manifest_path = spec::manifest_path(root);
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let manifest = Manifest::parse(&text, &manifest_path)?;
    let pinned = manifest.find(name)?.clone();

    // The new document is named by where it came from, so the report tells the two apart.
    let new = match source {
        Source::File(path) => Input {
            name: path.display().to_string(),
            bytes: spec::read_document(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
            overlays: Vec::new(),
        },
        Source::Download => Input {
            name: pinned.url.clone(),
            bytes: spec::download(&pinned.url)
                .with_context(|| format!("cannot download {}", pinned.url))?,
            overlays: Vec::new(),
        },
    };
    // Never pin a document that cannot be read: its version comes from inside it.
    let spec = amperity_codegen::load(&new.name, &new.bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let version = spec.info.version.trim().to_owned();
    if version.is_empty() {
        bail!("{}: info.version is empty; cannot pin it", new.name);
    }
    let sha256 = spec::sha256_hex(&new.bytes);

    // The report is a review aid; when the old bytes are gone (the usual reason to update
    // is that the published document changed), re-pinning still goes ahead, loudly.
    let (report, warning) = match spec::resolve_with(root, &pinned, env_dir, shared_dir) {
        Ok(old) => {
            let old = Input {
                name: pinned.file.clone(),
                bytes: old.bytes,
                overlays: Vec::new(),
            };
            (Some(diff::compare(&old, &new)?), None)
        }
        Err(e) => (
            None,
            Some(format!(
                "the currently pinned document is not available: {e:#}"
            )),
        ),
    };

    let overlay_files = overlays::for_document(root, &pinned)?;
    let stale_overlays = amperity_codegen::stale_overlay_actions(
        &new.name,
        &new.bytes,
        &overlays::inputs(&overlay_files),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cached_at = spec::cache_path(root, &pinned);
    let update = Update {
        name: pinned.name.clone(),
        report,
        warning,
        before: (pinned.version.clone(), pinned.sha256.clone()),
        after: (version.clone(), sha256.clone()),
        cached_at: cached_at.clone(),
        stale_overlays,
    };
    // Cache first: if the manifest write then fails, the mismatch error names the fix.
    spec::write_atomically(&cached_at, &new.bytes)?;
    if update.repinned() {
        let edited = repin(&text, &pinned.name, &sha256, &version)
            .with_context(|| format!("cannot edit {}", manifest_path.display()))?;
        check_edit(
            &manifest,
            &edited,
            &manifest_path,
            &pinned.name,
            &sha256,
            &version,
        )?;
        spec::write_atomically(&manifest_path, edited.as_bytes())?;
    }
    Ok(update)
}

/// Rewrites the `sha256` and `version` values of the `[[document]]` whose `name` is `name`,
/// leaving every other byte of `text` as it was.
pub fn repin(text: &str, name: &str, sha256: &str, version: &str) -> Result<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut target: Option<Table> = None;
    let mut current: Option<Table> = None;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            if let Some(table) = current.take().filter(|t| t.name.as_deref() == Some(name)) {
                target.get_or_insert(table);
            }
            if trimmed.starts_with("[[document]]") {
                current = Some(Table::default());
            }
            continue;
        }
        let Some(table) = current.as_mut() else {
            continue;
        };
        match key_of(line) {
            Some("name") => table.name = Some(string_value(line)?),
            Some("sha256") => table.sha256 = Some(index),
            Some("version") => table.version = Some(index),
            _ => {}
        }
    }
    if let Some(table) = current.filter(|t| t.name.as_deref() == Some(name)) {
        target.get_or_insert(table);
    }
    let Some(table) = target else {
        bail!("no [[document]] with name = {name:?}");
    };
    let (Some(sha_line), Some(version_line)) = (table.sha256, table.version) else {
        bail!("the [[document]] named {name:?} has no `sha256` or no `version` line");
    };
    let mut out = String::with_capacity(text.len());
    for (index, line) in lines.iter().enumerate() {
        if index == sha_line {
            out.push_str(&replace_value(line, sha256)?);
        } else if index == version_line {
            out.push_str(&replace_value(line, version)?);
        } else {
            out.push_str(line);
        }
    }
    Ok(out)
}

/// The lines of interest in one `[[document]]` table.
#[derive(Default)]
struct Table {
    name: Option<String>,
    sha256: Option<usize>,
    version: Option<usize>,
}

/// The bare key of a `key = value` line (None for comments, blank lines, anything else).
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    bare.then_some(key)
}

/// The string value of a one-line `key = "value"`, decoded by the TOML parser itself.
fn string_value(line: &str) -> Result<String> {
    let table: toml::Table =
        toml::from_str(line).with_context(|| format!("cannot read line {:?}", line.trim_end()))?;
    table
        .values()
        .next()
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .with_context(|| format!("expected a string value on line {:?}", line.trim_end()))
}

/// `line` with its string value replaced by `value`; the key, spacing and any trailing
/// comment stay as they were.
fn replace_value(line: &str, value: &str) -> Result<String> {
    let Some(equals) = line.find('=') else {
        bail!("no `=` on line {:?}", line.trim_end());
    };
    let after = &line[equals + 1..];
    let start = equals + 1 + (after.len() - after.trim_start().len());
    let rest = &line[start..];
    let length = string_literal_length(rest)
        .with_context(|| format!("expected a one-line string on line {:?}", line.trim_end()))?;
    Ok(format!(
        "{}{}{}",
        &line[..start],
        toml_string(value),
        &rest[length..]
    ))
}

/// The byte length of the basic (`"…"`) or literal (`'…'`) string at the start of `text`.
fn string_literal_length(text: &str) -> Option<usize> {
    if text.starts_with("\"\"\"") || text.starts_with("'''") {
        return None;
    }
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut escaped = false;
    for (offset, c) in text.char_indices().skip(1) {
        match c {
            '\n' => return None,
            '\\' if quote == '"' && !escaped => escaped = true,
            c if c == quote && !escaped => return Some(offset + 1),
            _ => escaped = false,
        }
    }
    None
}

/// The edited text must be a valid manifest in which exactly the one entry changed, and only
/// in `sha256` and `version`.
fn check_edit(
    before: &Manifest,
    edited: &str,
    path: &Path,
    name: &str,
    sha256: &str,
    version: &str,
) -> Result<()> {
    let after = Manifest::parse(edited, path).context("the edited manifest does not parse")?;
    let mut expected = before.documents.clone();
    for document in expected.iter_mut().filter(|d| d.name == name) {
        document.sha256 = sha256.to_owned();
        document.version = version.to_owned();
    }
    if after.documents != expected {
        bail!("editing the manifest text changed more than {name:?}'s sha256 and version");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TempDir, put, serve};

    const MANIFEST: &str = "# comment kept\n\n[[document]]\nname = \"a\"\nfile = \"a.json\"\nurl = \"http://127.0.0.1:9/a.json\"\nversion = \"1\"  # trailing comment kept\nsha256 = 'OLD_A'\n\n[[document]]\nname = \"b\"\nfile = \"b.json\"\nurl = \"http://127.0.0.1:9/b.json\"\nversion = \"1\"\nsha256 = \"OLD_B\"\nmodule = \"b\"\n";

    fn doc(version: &str, extra_path: &str) -> Vec<u8> {
        format!(
            "{{\"openapi\":\"3.0.3\",\"info\":{{\"title\":\"T\",\"version\":\"{version}\"}},\"paths\":{{\"/a\":{{\"get\":{{\"operationId\":\"a\",\"responses\":{{\"200\":{{\"description\":\"ok\"}}}}}}}}{extra_path}}}}}"
        )
        .into_bytes()
    }

    /// A temp workspace whose manifest pins `old` as document "a" (and something else as
    /// "b"), with `old` in the cache.
    fn workspace(old: &[u8]) -> (TempDir, String) {
        let root = TempDir::new("update");
        let manifest = MANIFEST
            .replace("OLD_A", &spec::sha256_hex(old))
            .replace("OLD_B", &spec::sha256_hex(b"b"));
        put(&root.0.join("spec"), "manifest.toml", manifest.as_bytes());
        put(&root.0.join("spec/cache"), "a.json", old);
        (root, manifest)
    }

    fn no_shared(root: &TempDir) -> PathBuf {
        root.0.join("no-shared")
    }

    #[test]
    fn repin_edits_two_values_and_nothing_else() {
        let text = MANIFEST
            .replace("OLD_A", &"0".repeat(64))
            .replace("OLD_B", &"1".repeat(64));
        let edited = repin(&text, "a", &"f".repeat(64), "2025 \"x\"").unwrap();
        let changed: Vec<(&str, &str)> = text
            .lines()
            .zip(edited.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed,
            [
                (
                    "version = \"1\"  # trailing comment kept",
                    "version = \"2025 \\\"x\\\"\"  # trailing comment kept"
                ),
                (
                    &*format!("sha256 = '{}'", "0".repeat(64)),
                    &*format!("sha256 = \"{}\"", "f".repeat(64))
                ),
            ]
        );
        let manifest = Manifest::parse(&edited, Path::new("m")).unwrap();
        assert_eq!(manifest.find("a").unwrap().version, "2025 \"x\"");
        assert_eq!(manifest.find("b").unwrap().sha256, "1".repeat(64));
        let err = format!("{:#}", repin(&text, "c", "x", "y").unwrap_err());
        assert!(err.contains("no [[document]] with name = \"c\""), "{err}");
    }

    #[test]
    fn overlays_that_no_longer_match_the_new_document_are_reported() {
        // The pinned document has GET /b; the new one drops it. One overlay corrects /b
        // (stale after the update), another /a (still applies).
        let old = doc(
            "1",
            ",\"/b\":{\"get\":{\"responses\":{\"200\":{\"description\":\"ok\"}}}}",
        );
        let (root, _) = workspace(&old);
        put(
            &root.0.join("spec/overlays/a"),
            "fixes.yaml",
            b"overlay: 1.0.0\ninfo: {title: fixes, version: '1'}\nactions:\n  \
              - target: $.paths['/a'].get\n    update: {summary: A}\n    \
              description: https://docs.example/a\n  \
              - target: $.paths['/b'].get\n    update: {summary: B}\n    \
              description: https://docs.example/b shows it\n",
        );
        let from = put(&root.0, "new.json", &doc("2", ""));
        let outcome =
            update_with(&root.0, "a", Source::File(&from), None, &no_shared(&root)).unwrap();
        assert_eq!(outcome.stale_overlays.len(), 1);
        assert_eq!(outcome.stale_overlays[0].action, 1);
        let summary = outcome.summary();
        assert!(
            summary.contains(
                "overlay spec/overlays/a/fixes.yaml action 1: `$.paths['/b'].get` selects nothing"
            ),
            "{summary}"
        );
        assert!(
            summary.contains("https://docs.example/b shows it"),
            "{summary}"
        );
    }

    #[test]
    fn update_from_file_reports_repins_and_caches() {
        let (old, new) = (
            doc("1", ""),
            doc(
                "2",
                ",\"/b\":{\"get\":{\"responses\":{\"200\":{\"description\":\"ok\"}}}}",
            ),
        );
        let (root, manifest_before) = workspace(&old);
        let from = put(&root.0, "new.json", &new);
        let outcome =
            update_with(&root.0, "a", Source::File(&from), None, &no_shared(&root)).unwrap();
        let report = outcome.report.as_ref().expect("a report");
        assert_eq!((report.breaking(), report.non_breaking()), (0, 1));
        assert!(report.to_text().contains("GET /b"), "{}", report.to_text());
        assert!(outcome.repinned() && outcome.warning.is_none());
        assert!(outcome.summary().contains("re-pinned a: version 1 -> 2"));

        let manifest_after = std::fs::read_to_string(root.0.join("spec/manifest.toml")).unwrap();
        let changed: Vec<&str> = manifest_before
            .lines()
            .zip(manifest_after.lines())
            .filter(|(a, b)| a != b)
            .map(|(_, b)| b)
            .collect();
        let sha = spec::sha256_hex(&new);
        assert_eq!(
            changed,
            [
                "version = \"2\"  # trailing comment kept",
                &*format!("sha256 = \"{sha}\"")
            ]
        );
        assert_eq!(
            std::fs::read(root.0.join("spec/cache/a.json")).unwrap(),
            new
        );
        // The workspace now resolves the new bytes.
        let manifest = Manifest::load(&root.0).unwrap();
        let found = spec::resolve_with(
            &root.0,
            manifest.find("a").unwrap(),
            None,
            &no_shared(&root),
        );
        assert_eq!(found.unwrap().bytes, new);

        // Running it again finds nothing to do.
        let again =
            update_with(&root.0, "a", Source::File(&from), None, &no_shared(&root)).unwrap();
        assert!(!again.repinned());
        assert_eq!(again.report.as_ref().map(|r| r.changes.len()), Some(0));
        assert!(again.summary().contains("already pinned"));
    }

    #[test]
    fn an_unreadable_new_document_changes_nothing() {
        let old = doc("1", "");
        let (root, manifest_before) = workspace(&old);
        for bad in [
            &b"{\"swagger\":\"2.0\"}"[..],
            b"not json: [",
            b"{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"T\",\"version\":\" \"},\"paths\":{}}",
        ] {
            let from = put(&root.0, "bad.json", bad);
            let err = update_with(&root.0, "a", Source::File(&from), None, &no_shared(&root));
            assert!(err.is_err());
            let manifest = std::fs::read_to_string(root.0.join("spec/manifest.toml")).unwrap();
            assert_eq!(manifest, manifest_before);
            assert_eq!(
                std::fs::read(root.0.join("spec/cache/a.json")).unwrap(),
                old
            );
        }
    }

    #[test]
    fn update_downloads_and_warns_when_the_old_document_is_gone() {
        let new: &'static [u8] = doc("2", "").leak();
        let (root, manifest) = workspace(&doc("1", ""));
        // The published document changed and no copy of the pinned one is left.
        std::fs::remove_file(root.0.join("spec/cache/a.json")).unwrap();
        let url = format!("{}/a.json", serve(new, 2));
        let manifest = manifest.replace("http://127.0.0.1:9/a.json", &url);
        put(&root.0.join("spec"), "manifest.toml", manifest.as_bytes());
        let outcome = update_with(&root.0, "a", Source::Download, None, &no_shared(&root)).unwrap();
        assert!(outcome.report.is_none());
        let warning = outcome.warning.as_deref().unwrap_or_default();
        assert!(warning.contains("not available"), "{warning}");
        let summary = outcome.summary();
        assert!(summary.contains("re-pinned a: version 1 -> 2"), "{summary}");
        assert_eq!(
            std::fs::read(root.0.join("spec/cache/a.json")).unwrap(),
            new
        );
        let pinned = Manifest::load(&root.0).unwrap();
        assert_eq!(pinned.find("a").unwrap().sha256, spec::sha256_hex(new));
    }

    /// The real manifest's text (never the file itself) is edited in a temp workspace, with
    /// the real stable document re-pinned to the unstable one's bytes.
    #[test]
    fn update_keeps_the_real_manifest_layout() {
        let real_root = spec::workspace_root();
        let text = std::fs::read_to_string(spec::manifest_path(&real_root)).unwrap();
        let root = TempDir::new("update-real");
        put(&root.0.join("spec"), "manifest.toml", text.as_bytes());
        let shared = spec::default_shared_dir(&real_root);
        let from = shared.join("control-plane-unstable-openapi.json");
        let outcome = update_with(
            &root.0,
            "control-plane-2024-04-01",
            Source::File(&from),
            None,
            &shared,
        )
        .unwrap();
        let report = outcome.report.expect("a report");
        assert_eq!(report.breaking(), 0, "{}", report.to_text());
        let edited = std::fs::read_to_string(spec::manifest_path(&root.0)).unwrap();
        let changed: Vec<&str> = text
            .lines()
            .zip(edited.lines())
            .filter(|(a, b)| a != b)
            .map(|(_, b)| b)
            .collect();
        let sha = spec::sha256_hex(&std::fs::read(&from).unwrap());
        assert_eq!(
            changed,
            ["version = \"unstable\"", &*format!("sha256 = \"{sha}\"")]
        );
        assert_eq!(text.lines().count(), edited.lines().count());
    }
}
