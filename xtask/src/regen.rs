//! `cargo xtask regen [--check]` and `cargo xtask generate`: generator output → disk.
//!
//! Generation happens entirely in memory first; only a complete, successful result is
//! written, and it is written by staging every changed file beside its target and then
//! renaming them all, so a failure leaves the crate as it was.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use amperity_codegen::{ApiInput, CrateOptions, GENERATED_MARKER, GeneratedFiles};
use anyhow::{Context, Result, bail};

use crate::overlays;
use crate::spec::{self, Manifest};

/// The committed crate's directory, relative to the workspace root.
pub const GENERATED_CRATE: &str = "amperity-generated";
/// The command named in every header of the committed crate.
pub const REGEN_COMMAND: &str = "cargo xtask regen";
/// The runtime crate's directory, relative to the workspace root.
pub const RUNTIME_CRATE: &str = "amperity-runtime";

/// Hand-written modules of the committed crate: Amperity-specific helpers built on the
/// generated modules (standalone crates do not have them).
const HAND_WRITTEN_MODULES: &[&str] = &["workflows"];

/// Hand-written examples of the committed crate that test code with the test kit; `cargo
/// test` runs them when the `test-kit` feature is on (as in the workspace).
const TEST_KIT_EXAMPLES: &[&str] = &["testing_with_the_mock"];

/// The files `cargo xtask regen` would write, from the pinned documents.
pub fn committed_crate_files(root: &Path) -> Result<GeneratedFiles> {
    let manifest = Manifest::load(root)?;
    overlays::check_directories(root, &manifest)?;
    let mut resolved = Vec::new();
    for document in manifest.documents.iter().filter(|d| d.module.is_some()) {
        let files = overlays::for_document(root, document)?;
        resolved.push((spec::resolve(root, document)?, files));
    }
    let overlay_inputs: Vec<_> = resolved
        .iter()
        .map(|(_, files)| overlays::inputs(files))
        .collect();
    let conventions: Vec<_> = resolved
        .iter()
        .map(|(r, _)| r.document.conventions())
        .collect();
    let inputs: Vec<ApiInput<'_>> = resolved
        .iter()
        .zip(&overlay_inputs)
        .zip(&conventions)
        .map(|(((r, _), overlays), conventions)| ApiInput {
            module: r.document.module.as_deref().unwrap_or_default(),
            document: &r.document.file,
            bytes: &r.bytes,
            sha256: &r.document.sha256,
            feature: r.document.feature.as_deref(),
            rate_limit: r.document.rate_limit_per_second,
            rate_limit_family: r.document.rate_limit_family.as_deref(),
            overlays,
            conventions: conventions.as_ref(),
        })
        .collect();
    let options = CrateOptions {
        name: GENERATED_CRATE.to_owned(),
        command: REGEN_COMMAND.to_owned(),
        workspace_member: true,
        extra_modules: HAND_WRITTEN_MODULES.iter().map(|m| m.to_string()).collect(),
        test_kit_examples: TEST_KIT_EXAMPLES.iter().map(|e| e.to_string()).collect(),
        runtime_path: format!("../{RUNTIME_CRATE}"),
    };
    amperity_codegen::generate_crate(&options, &inputs).map_err(|e| anyhow::anyhow!("{e}"))
}

/// What a write changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Files written because they were new or different.
    pub written: Vec<PathBuf>,
    /// Generated files that no longer have a source, removed.
    pub removed: Vec<PathBuf>,
    /// Files already up to date.
    pub unchanged: usize,
}

/// `cargo xtask regen`: regenerates the committed crate.
pub fn regen(root: &Path) -> Result<Outcome> {
    let files = committed_crate_files(root)?;
    write_crate(&root.join(GENERATED_CRATE), &files.files)
}

/// `cargo xtask regen --check` and the freshness test: `Ok(None)` when the committed crate
/// matches what regen would write, otherwise a unified diff of every difference.
pub fn check(root: &Path) -> Result<Option<String>> {
    let files = committed_crate_files(root)?;
    let dir = root.join(GENERATED_CRATE);
    let mut diff = String::new();
    for (relative, expected) in &files.files {
        let actual = fs::read_to_string(dir.join(relative)).unwrap_or_default();
        if &actual != expected {
            diff.push_str(&unified_diff(
                &format!("{GENERATED_CRATE}/{relative}"),
                &actual,
                expected,
            ));
        }
    }
    for stale in stale_generated_files(&dir, &files.files)? {
        let actual = fs::read_to_string(&stale).unwrap_or_default();
        diff.push_str(&unified_diff(&stale.display().to_string(), &actual, ""));
    }
    Ok((!diff.is_empty()).then_some(diff))
}

/// A unified diff from `old` to `new`, labelled with `name`.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{name} (committed)"),
            &format!("b/{name} (regenerated)"),
        )
        .to_string()
}

/// What `cargo xtask generate` is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Standalone<'a> {
    /// The document (OpenAPI 3.0.x, 3.1.x or Swagger 2.0, JSON or YAML).
    pub spec: &'a Path,
    /// The crate's directory.
    pub out: &'a Path,
    /// The package name.
    pub name: &'a str,
    /// The module the API goes in.
    pub module: &'a str,
    /// Where the runtime crate is, relative to `out` or absolute (`None`: this
    /// workspace's, by its absolute path).
    pub runtime_path: Option<&'a str>,
    /// Overlay files applied to the document, in order (`--overlay`).
    pub overlays: &'a [PathBuf],
    /// The document is Amperity's (`--amperity`): the client sets the tenant and
    /// api-version (its `info.version`) headers whatever it declares.
    pub amperity: bool,
}

/// `cargo xtask generate`: a standalone crate for any OpenAPI 3.0.x, 3.1.x or Swagger 2.0 document
/// (converted in process while loading), with overlays applied. It depends on the runtime
/// crate at `runtime_path` (relative to `out`, or absolute), which must hold a
/// `Cargo.toml`; by default, this workspace's runtime crate by its absolute path.
pub fn generate_standalone(root: &Path, request: &Standalone<'_>) -> Result<Outcome> {
    let Standalone {
        spec: spec_path,
        out,
        name,
        module,
        runtime_path,
        overlays: overlay_paths,
        amperity,
    } = *request;
    let runtime_path = match runtime_path {
        None => self::runtime_path(root)?,
        Some(given) => {
            let manifest = lexical_join(out, Path::new(given)).join("Cargo.toml");
            if !manifest.is_file() {
                bail!(
                    "--runtime-path {given}: no Cargo.toml at {} (the path is taken from the \
                     output directory {})",
                    manifest.display(),
                    out.display()
                );
            }
            given.to_owned()
        }
    };
    let bytes = spec::read_document(spec_path)
        .with_context(|| format!("cannot read {}", spec_path.display()))?;
    let sha256 = spec::sha256_hex(&bytes);
    let document = spec_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| spec_path.display().to_string());
    let overlay_files = overlays::from_paths(overlay_paths)?;
    let input = ApiInput {
        module,
        document: &document,
        bytes: &bytes,
        sha256: &sha256,
        feature: None,
        // Nothing documents the limit of an arbitrary API; the caller can set one.
        rate_limit: None,
        rate_limit_family: None,
        overlays: &overlays::inputs(&overlay_files),
        conventions: amperity.then_some(&amperity_codegen::Conventions {
            api_version: amperity_codegen::ApiVersionRule::DocumentVersion,
        }),
    };
    let options = CrateOptions {
        name: name.to_owned(),
        command: "cargo xtask generate".to_owned(),
        workspace_member: false,
        extra_modules: Vec::new(),
        test_kit_examples: Vec::new(),
        runtime_path,
    };
    let files = amperity_codegen::generate_crate(&options, &[input])
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .files;
    write_crate(out, &files)
}

/// `base` joined with `path`, with `.` and `..` resolved by their names, so that a path
/// relative to an output directory that does not exist yet can still be followed.
fn lexical_join(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut joined = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if joined.file_name().is_some() => {
                joined.pop();
            }
            other => joined.push(other),
        }
    }
    joined
}

/// The absolute path of the runtime crate, for the manifest of a standalone crate.
pub fn runtime_path(root: &Path) -> Result<String> {
    let dir = root.join(RUNTIME_CRATE);
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot find the runtime crate at {}", dir.display()))?;
    if !dir.join("Cargo.toml").is_file() {
        bail!(
            "no Cargo.toml in the runtime crate's directory {}",
            dir.display()
        );
    }
    dir.to_str().map(str::to_owned).with_context(|| {
        format!(
            "the runtime crate's path {} is not UTF-8, which Cargo.toml cannot hold",
            dir.display()
        )
    })
}

/// Writes `files` under `dir` all-or-nothing and removes generated files that are no
/// longer produced. Files that already have the right contents are not touched.
pub fn write_crate(dir: &Path, files: &BTreeMap<String, String>) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let stage = |staged: &mut Vec<(PathBuf, PathBuf)>| -> Result<()> {
        for (relative, contents) in files {
            let target = dir.join(relative);
            if fs::read_to_string(&target).is_ok_and(|current| &current == contents) {
                continue;
            }
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let temp = target.with_file_name(format!(
                ".{}.regen-tmp",
                target
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
            fs::write(&temp, contents)
                .with_context(|| format!("cannot write {}", temp.display()))?;
            staged.push((temp, target));
        }
        Ok(())
    };
    if let Err(e) = stage(&mut staged) {
        for (temp, _) in &staged {
            let _ = fs::remove_file(temp);
        }
        return Err(e);
    }
    let stale = stale_generated_files(dir, files)?;
    outcome.unchanged = files.len() - staged.len();
    for (temp, target) in staged {
        fs::rename(&temp, &target)
            .with_context(|| format!("cannot move {} to {}", temp.display(), target.display()))?;
        outcome.written.push(target);
    }
    for path in stale {
        fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        outcome.removed.push(path);
    }
    Ok(outcome)
}

/// Files under `dir/src` that carry the generated marker but are not in `files`.
fn stale_generated_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    let mut pending = vec![dir.join("src")];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if path.extension().is_some_and(|e| e == "rs") && !files.contains_key(&relative) {
                let generated =
                    fs::read_to_string(&path).is_ok_and(|t| t.starts_with(GENERATED_MARKER));
                if generated {
                    stale.push(path);
                }
            }
        }
    }
    stale.sort();
    Ok(stale)
}
