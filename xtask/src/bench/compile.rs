//! Part 2, generated code size and compile cost, all on the stable control-plane document:
//! lines of Rust; a cold build (fresh target directory: every dependency compiled) and the
//! number of packages it compiles; a full recompile of the generated crate alone with its
//! dependencies already built (`touch` its sources, then `cargo check` and `cargo build`).
//! Every crate has a target directory of its own under the cache, and `CARGO_INCREMENTAL=0`
//! so that a recompile is a full one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context as _, Result, bail};

use super::cmd;
use super::generation::{self, Document};
use super::loc::{self, Lines};
use super::peers::{Peers, Tool};
use super::stats::Samples;
use crate::regen::{GENERATED_CRATE, RUNTIME_CRATE};
use crate::spec::Manifest;

/// A crate under measurement.
#[derive(Debug, Clone)]
pub struct Subject {
    pub label: String,
    /// The generator it comes from (ratios are taken against progenitor's).
    pub tool: Tool,
    pub dir: PathBuf,
    /// Extra `cargo build` arguments (`--all-features`).
    pub cargo_args: Vec<String>,
    /// Source directories left out of the line count (feature-gated modules that are off).
    pub excluded: Vec<PathBuf>,
    /// Ours: the runtime crate it depends on (its lines are shown apart).
    pub runtime: Option<PathBuf>,
    /// Which TLS stack its HTTP client compiles.
    pub tls: &'static str,
    /// A row that explains another rather than competes (shown in italics).
    pub diagnostic: bool,
}

/// What was measured of one subject.
#[derive(Debug, Clone)]
pub struct Measured {
    pub subject: Subject,
    pub lines: Lines,
    /// Lines of the hand-written runtime crate it depends on (ours only).
    pub runtime_lines: Option<Lines>,
    pub cold: Samples,
    pub packages: Option<usize>,
    pub check: Samples,
    pub build: Samples,
    pub failure: Option<String>,
    /// Anything that makes a figure less than it seems.
    pub notes: Vec<String>,
}

/// How often each measurement repeats.
#[derive(Debug, Clone, Copy)]
pub struct Repeats {
    pub cold: usize,
    pub recompile: usize,
}

/// Prepares the crates: ours (`generate` on the stable document; a copy of the committed
/// `amperity-generated` with default and with all features; the standalone crate without
/// TLS and the runtime crate alone, as diagnostics) and both peers' crates for the same
/// document. Ours depend on this workspace's `amperity-runtime` by path, as progenitor's
/// depend on `progenitor-client` from crates.io.
pub fn subjects(root: &Path, peers: &Peers, stable: &Document) -> Result<Vec<Subject>> {
    let base = peers.cache.join("compile");
    let runtime = root
        .join(RUNTIME_CRATE)
        .canonicalize()
        .context("the runtime crate")?;
    let mut subjects = Vec::new();
    let generated = |tool: Tool| -> Result<PathBuf> {
        let dir = base.join(tool.slug());
        cmd::remove_dir(&dir)?;
        let name = generation::crate_name(tool, stable);
        cmd::checked(&mut peers.generate(tool, &stable.path, &dir, &name))?;
        generation::standalone(&dir)?;
        Ok(dir)
    };
    let ours = generated(Tool::Ours)?;
    subjects.push(Subject {
        label: format!("ours: `cargo xtask generate` ({})", stable.name),
        tool: Tool::Ours,
        dir: ours.clone(),
        cargo_args: Vec::new(),
        excluded: Vec::new(),
        runtime: Some(runtime.clone()),
        tls: "rustls (ring)",
        diagnostic: false,
    });
    let copy = copy_member_crate(root, GENERATED_CRATE, &base.join("ours-amperity-generated"))?;
    point_runtime_at(&copy.join("Cargo.toml"), &runtime)?;
    let gated = gated_modules(root)?;
    subjects.push(Subject {
        label: "ours: `amperity-generated`, default features (control plane)".to_owned(),
        tool: Tool::Ours,
        dir: copy.clone(),
        cargo_args: Vec::new(),
        excluded: gated,
        runtime: Some(runtime.clone()),
        tls: "rustls (ring)",
        diagnostic: false,
    });
    subjects.push(Subject {
        label: "ours: `amperity-generated`, all features (3 documents)".to_owned(),
        tool: Tool::Ours,
        dir: copy,
        cargo_args: vec!["--all-features".to_owned()],
        excluded: Vec::new(),
        runtime: Some(runtime.clone()),
        tls: "rustls (ring)",
        diagnostic: false,
    });
    let runtime_alone = copy_member_crate(root, RUNTIME_CRATE, &base.join("ours-runtime"))?;
    subjects.push(Subject {
        label: "ours: `amperity-runtime` alone (a dependency, built once rather than with each \
                change of a generated crate; diagnostic)"
            .to_owned(),
        tool: Tool::Ours,
        dir: runtime_alone,
        cargo_args: Vec::new(),
        excluded: Vec::new(),
        runtime: None,
        tls: "rustls (ring)",
        diagnostic: true,
    });
    let no_tls_runtime = copy_member_crate(root, RUNTIME_CRATE, &base.join("ours-runtime-no-tls"))?;
    without_tls(&no_tls_runtime.join("Cargo.toml"))?;
    let no_tls = base.join("ours-no-tls");
    cmd::remove_dir(&no_tls)?;
    copy_tree(&ours, &no_tls)?;
    point_runtime_at(&no_tls.join("Cargo.toml"), &no_tls_runtime)?;
    subjects.push(Subject {
        label: format!(
            "ours: `cargo xtask generate` ({}), TLS removed (diagnostic)",
            stable.name
        ),
        tool: Tool::Ours,
        dir: no_tls,
        cargo_args: Vec::new(),
        excluded: Vec::new(),
        runtime: Some(no_tls_runtime),
        tls: "none",
        diagnostic: true,
    });
    subjects.push(Subject {
        label: format!("progenitor ({})", stable.name),
        tool: Tool::Progenitor,
        dir: generated(Tool::Progenitor)?,
        cargo_args: Vec::new(),
        excluded: Vec::new(),
        runtime: None,
        tls: "none (reqwest without default features)",
        diagnostic: false,
    });
    subjects.push(Subject {
        label: format!("openapi-generator rust ({})", stable.name),
        tool: Tool::OpenApiGenerator,
        dir: generated(Tool::OpenApiGenerator)?,
        cargo_args: Vec::new(),
        excluded: Vec::new(),
        runtime: None,
        tls: "native-tls (system OpenSSL)",
        diagnostic: false,
    });
    Ok(subjects)
}

/// Measures every subject: cold builds first (rounds over the subjects in a rotating
/// order), then recompiles (likewise), so that a change of load spreads over all of them.
pub fn measure(subjects: Vec<Subject>, repeats: Repeats) -> Result<Vec<Measured>> {
    let mut measured = Vec::new();
    for subject in subjects {
        eprintln!("bench: fetching the dependencies of {}", subject.label);
        let fetched = cmd::timed(cargo(&subject, "fetch").arg("--quiet"))?;
        let lines = loc::count_dir(&subject.dir.join("src"), &subject.excluded)?;
        let runtime_lines = match &subject.runtime {
            Some(runtime) => Some(loc::count_dir(&runtime.join("src"), &[])?),
            None => None,
        };
        measured.push(Measured {
            failure: (!fetched.success).then(|| fetched.errors(6)),
            notes: Vec::new(),
            subject,
            lines,
            runtime_lines,
            cold: Samples::default(),
            packages: None,
            check: Samples::default(),
            build: Samples::default(),
        });
    }
    let n = measured.len();
    for round in 0..repeats.cold {
        for i in 0..n {
            let m = &mut measured[(i + round) % n];
            if m.failure.is_some() {
                continue;
            }
            eprintln!(
                "bench: cold build {}/{} of {}",
                round + 1,
                repeats.cold,
                m.subject.label
            );
            cmd::remove_dir(&target_dir(&m.subject))?;
            let finished = cmd::timed(&mut cargo(&m.subject, "build"))?;
            if !finished.success {
                m.failure = Some(finished.errors(6));
                continue;
            }
            m.cold.push(finished.elapsed);
            m.packages = Some(compiled_packages(&finished.stderr));
        }
    }
    for m in measured.iter_mut().filter(|m| m.failure.is_none()) {
        // The dependencies' metadata for `check`, and the build itself when the cold
        // builds were skipped: recompiles measure the generated crate alone.
        for step in ["check", "build"] {
            let finished = cmd::timed(&mut cargo(&m.subject, step))?;
            if !finished.success {
                m.failure = Some(finished.errors(6));
                break;
            }
        }
    }
    for round in 0..repeats.recompile {
        for i in 0..n {
            let m = &mut measured[(i + round) % n];
            if m.failure.is_some() {
                continue;
            }
            eprintln!(
                "bench: recompile {}/{} of {}",
                round + 1,
                repeats.recompile,
                m.subject.label
            );
            for (step, samples) in [("check", &mut m.check), ("build", &mut m.build)] {
                touch_sources(&m.subject.dir.join("src"))?;
                let finished = cmd::timed(&mut cargo(&m.subject, step))?;
                if !finished.success {
                    bail!(
                        "{step} of {} failed after it had succeeded:\n{}",
                        m.subject.label,
                        finished.tail(10)
                    );
                }
                let packages = compiled_packages(&finished.stderr);
                if packages != 1 {
                    m.notes.push(format!(
                        "a `cargo {step}` after touching the sources compiled {packages} packages, not 1"
                    ));
                }
                samples.push(finished.elapsed);
            }
        }
    }
    Ok(measured)
}

/// Each subject's own target directory: `<crate>/target`, or `target-<args>` beside it
/// for another feature set of the same crate.
fn target_dir(subject: &Subject) -> PathBuf {
    if subject.cargo_args.is_empty() {
        subject.dir.join("target")
    } else {
        let suffix: String = subject
            .cargo_args
            .join("-")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        subject.dir.join(format!("target{suffix}"))
    }
}

/// `cargo <step>` in the subject's crate, with its own target directory, no incremental
/// compilation and its feature arguments.
fn cargo(subject: &Subject, step: &str) -> Command {
    let mut command = Command::new("cargo");
    command
        .arg(step)
        .current_dir(&subject.dir)
        .env("CARGO_TARGET_DIR", target_dir(subject))
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTC_WRAPPER");
    if step != "fetch" {
        command.args(&subject.cargo_args);
    }
    command
}

/// The number of `Compiling …` (or `Checking …`) lines cargo printed: packages compiled
/// (a package with a build script counts once).
pub fn compiled_packages(stderr: &str) -> usize {
    stderr
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("Compiling ") || l.starts_with("Checking "))
        .count()
}

/// Sets the modification time of every `.rs` file under `dir` to now.
fn touch_sources(dir: &Path) -> Result<()> {
    let now = SystemTime::now();
    for path in loc::rust_files(dir)? {
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(now))
            .with_context(|| format!("cannot touch {}", path.display()))?;
    }
    Ok(())
}

/// Copies the manifest and sources (not tests or examples) of the workspace member
/// `member` into `dest` as a standalone crate: the keys it inherits from this workspace
/// get this workspace's values, and it becomes its own workspace.
fn copy_member_crate(root: &Path, member: &str, dest: &Path) -> Result<PathBuf> {
    let source = root.join(member);
    cmd::remove_dir(dest)?;
    copy_tree(&source.join("src"), &dest.join("src"))?;
    let manifest = std::fs::read_to_string(source.join("Cargo.toml"))?;
    let workspace = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let standalone = standalone_manifest(&manifest, &workspace)?;
    std::fs::write(dest.join("Cargo.toml"), standalone)?;
    Ok(dest.to_path_buf())
}

/// Points the `amperity-runtime` dependency of a manifest at `runtime` (an absolute path).
fn point_runtime_at(manifest: &Path, runtime: &Path) -> Result<()> {
    let text = std::fs::read_to_string(manifest)?;
    let line = format!(
        "amperity-runtime = {{ version = \"0.1.0\", path = {:?} }}",
        runtime.display().to_string()
    );
    let mut found = false;
    let changed: Vec<String> = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("amperity-runtime = ") {
                found = true;
                line.clone()
            } else {
                l.to_owned()
            }
        })
        .collect();
    if !found {
        bail!("{}: no amperity-runtime dependency", manifest.display());
    }
    std::fs::write(manifest, changed.join("\n") + "\n")?;
    Ok(())
}

/// The workspace member's manifest with `key.workspace = true` replaced by the
/// workspace's `[workspace.package]` value, the `[lints]` inheritance by the workspace's
/// Rust lints, dev-dependencies dropped (not built by `cargo build`) and `[workspace]` added.
pub fn standalone_manifest(member: &str, workspace: &str) -> Result<String> {
    let workspace: toml::Table = toml::from_str(workspace).context("the workspace Cargo.toml")?;
    let package = workspace
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.as_table())
        .context("no [workspace.package] in the workspace Cargo.toml")?;
    let mut out = String::new();
    let mut section = String::new();
    for line in member.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_owned();
            if section == "[lints]" || section == "[dev-dependencies]" {
                continue;
            }
        }
        if section == "[lints]" || section == "[dev-dependencies]" {
            continue;
        }
        if let Some(key) = trimmed.strip_suffix(".workspace = true") {
            let value = package
                .get(key)
                .with_context(|| format!("`{key}` is not in [workspace.package]"))?;
            out.push_str(&format!("{key} = {value}\n"));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("\n[lints.rust]\nunsafe_code = \"forbid\"\n\n[workspace]\n");
    Ok(out)
}

/// The directories (under `src/`) of modules behind a cargo feature, from the manifest.
fn gated_modules(root: &Path) -> Result<Vec<PathBuf>> {
    Ok(Manifest::load(root)?
        .documents
        .iter()
        .filter(|d| d.feature.is_some())
        .filter_map(|d| d.module.as_deref().map(PathBuf::from))
        .collect())
}

/// Takes reqwest's TLS feature out of the runtime crate's manifest (the diagnostic row:
/// what the rest of our cold build costs without a TLS stack, as progenitor's crate has
/// none).
fn without_tls(manifest: &Path) -> Result<()> {
    let text = std::fs::read_to_string(manifest)?;
    let changed = text.replace(r#""json", "rustls-tls""#, r#""json""#);
    if changed == text {
        bail!(
            "{}: no reqwest `rustls-tls` feature to remove",
            manifest.display()
        );
    }
    std::fs::write(manifest, changed)?;
    Ok(())
}

/// Copies a directory tree (files and directories only), skipping `target*` directories.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name.to_string_lossy().starts_with("target") {
                continue;
            }
            copy_tree(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name))
                .with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_compiling_lines() {
        let stderr =
            "   Compiling libc v0.2\n   Compiling foo v0.1.0 (/x)\n    Finished `dev` profile\n";
        assert_eq!(compiled_packages(stderr), 2);
    }

    #[test]
    fn a_member_manifest_becomes_standalone() {
        let workspace = "[workspace]\nmembers = []\n[workspace.package]\nedition = \"2024\"\nlicense = \"MIT\"\n";
        let member = "[package]\nname = \"x\"\nedition.workspace = true\nlicense.workspace = true\n\n[dependencies]\nserde = \"1\"\n\n[dev-dependencies]\ntokio = \"1\"\n\n[lints]\nworkspace = true\n";
        let out = standalone_manifest(member, workspace).unwrap();
        assert!(out.contains("edition = \"2024\"\n"), "{out}");
        assert!(out.contains("license = \"MIT\"\n"), "{out}");
        assert!(out.contains("serde = \"1\""), "{out}");
        assert!(!out.contains("tokio"), "{out}");
        assert!(!out.contains("[lints]\nworkspace"), "{out}");
        assert!(out.trim_end().ends_with("[workspace]"), "{out}");
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["package"]["edition"].as_str(), Some("2024"));
    }
}
