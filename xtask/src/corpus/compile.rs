//! Compiling what the generator wrote: the generated documents go into a few batch crates
//! (several documents each, as modules), the batches are members of one workspace with one
//! target directory, so the dependencies build once and cargo compiles two batches at a
//! time. Then `cargo clippy -D warnings` and `cargo doc` with rustdoc warnings denied, each
//! diagnostic traced back to its document by the module its file is in.
//!
//! A document with a compile error stops its batch before the lints run, so its batch is
//! written again without it and checked again, until every batch compiles.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use amperity_codegen::ApiInput;
use anyhow::{Context as _, Result, bail};

use super::generate::options;
use super::verdicts::Cache;

/// Most generated Rust per batch crate: large enough that cargo's per-crate cost is
/// small, small enough that two batches keep two cores busy and one failing document
/// does not make a large batch be checked again.
const BATCH_BYTES: usize = 4 << 20;
/// Most documents per batch.
const BATCH_DOCUMENTS: usize = 40;
/// Batches compiled together (two at a time, by cargo) before the verdicts are saved.
const GROUP_BATCHES: usize = 4;
/// Rounds of removing documents that do not compile before giving up on a batch.
const MAX_ROUNDS: usize = 6;

/// A generated document to compile.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub module: String,
    pub path: PathBuf,
    pub rust_bytes: usize,
    /// The digest of the crate generated for it alone ([`super::verdicts::crate_digest`]).
    pub digest: String,
}

/// What became of one document's code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Verdict {
    /// Compiles, and neither clippy nor rustdoc has anything to say.
    Clean,
    /// `cargo check` fails: the first error.
    Compile(String),
    /// Compiles, but a lint fires with warnings denied: the lint and the first message.
    Lint(String),
    /// Compiles and passes clippy, but rustdoc warns.
    Rustdoc(String),
    /// Never checked on its own: its batch crate failed in a way no document is blamed
    /// for, or still failed after the last round of removing failing documents.
    Unchecked(String),
}

impl Verdict {
    /// Whether the verdict is about the document's code alone (and so holds wherever
    /// that code is compiled), not about the batch it was in.
    pub fn is_the_documents_own(&self) -> bool {
        !matches!(self, Verdict::Unchecked(_))
    }
}

/// How the compile steps run.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The workspace root of this repository (for the lock file and the runtime).
    pub root: PathBuf,
    /// Where the batch workspace is written (emptied first).
    pub dir: PathBuf,
    /// The target directory shared by every batch.
    pub target: PathBuf,
    /// Let cargo's progress through to this process's stderr.
    pub show_cargo: bool,
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Each document's verdict, by module name.
    pub verdicts: BTreeMap<String, Verdict>,
    /// How many of them came from the cache (byte-identical crates checked before in the
    /// same environment) instead of being compiled in this run.
    pub reused: usize,
}

/// Compiles `members` (those the cache has no verdict for) and returns each one's verdict.
/// The batches are compiled a few at a time, and the cache is written after
/// each group, so an interrupted run keeps what it finished.
pub fn check(setup: &Setup, members: &[Member], cache: &mut Cache) -> Result<Checked> {
    let runtime = crate::regen::runtime_path(&setup.root)?;
    let mut checked = Checked::default();
    let mut todo = Vec::new();
    for member in members {
        match cache.get(&member.digest) {
            Some(verdict) => {
                checked
                    .verdicts
                    .insert(member.module.clone(), verdict.clone());
                checked.reused += 1;
            }
            None => todo.push(member.clone()),
        }
    }
    if checked.reused > 0 {
        eprintln!(
            "corpus: {} verdicts from earlier runs (the same crates, runtime and toolchain); {} documents to compile",
            checked.reused,
            todo.len()
        );
    }
    let batches = batches(&todo);
    let started = std::time::Instant::now();
    let mut done = 0;
    for (group, chunk) in batches.chunks(GROUP_BATCHES).enumerate() {
        let first = group * GROUP_BATCHES;
        let names: Vec<String> = (first..first + chunk.len())
            .map(|i| format!("corpus-batch-{i:03}"))
            .collect();
        let found = check_group(setup, &names, chunk, &runtime)?;
        for member in chunk.iter().flatten() {
            if let Some(verdict) = found.get(&member.module) {
                cache.insert(&member.digest, verdict);
            }
        }
        cache.save()?;
        done += chunk.iter().map(Vec::len).sum::<usize>();
        eprintln!(
            "corpus: {done}/{} documents compiled ({:.0?})",
            todo.len(),
            started.elapsed()
        );
        checked.verdicts.extend(found);
    }
    Ok(checked)
}

/// Writes the batches `names` (holding `batches`) as the whole batch workspace and checks
/// them: clippy in rounds, each leaving out the documents that failed to compile, then
/// rustdoc.
fn check_group(
    setup: &Setup,
    names: &[String],
    batches: &[Vec<Member>],
    runtime: &str,
) -> Result<BTreeMap<String, Verdict>> {
    remove_dir(&setup.dir)?;
    fs::create_dir_all(&setup.dir)?;
    let listed: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    fs::write(
        setup.dir.join("Cargo.toml"),
        format!(
            "# Written by `cargo xtask corpus`: a group of batches of generated documents.\n[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            listed.join(", ")
        ),
    )?;
    fs::copy(setup.root.join("Cargo.lock"), setup.dir.join("Cargo.lock"))
        .context("cannot copy Cargo.lock into the batch workspace")?;

    let mut verdicts = BTreeMap::new();
    let mut live: BTreeMap<String, Vec<Member>> =
        names.iter().cloned().zip(batches.iter().cloned()).collect();
    let mut dirty: BTreeSet<String> = names.iter().cloned().collect();
    for round in 1..=MAX_ROUNDS {
        for name in &dirty {
            write_batch(&setup.dir.join(name), name, &live[name], runtime)?;
        }
        eprintln!(
            "corpus: clippy, round {round}: {} batch crates, {} documents",
            dirty.len(),
            dirty.iter().map(|n| live[n].len()).sum::<usize>()
        );
        let found = run_cargo(setup, &dirty, Step::Clippy)?;
        let mut next = BTreeSet::new();
        for name in &dirty {
            let members = live.get_mut(name).expect("a batch");
            let failed = record(&found, members, &mut verdicts, round == MAX_ROUNDS);
            if !failed.is_empty() {
                members.retain(|m| !failed.contains(&m.module));
                next.insert(name.clone());
            }
        }
        dirty = next;
        if dirty.is_empty() {
            break;
        }
    }
    // Batches still failing after the last round: what is left in them was never checked.
    for name in &dirty {
        for member in live.get_mut(name).expect("a batch").drain(..) {
            verdicts.insert(
                member.module,
                Verdict::Unchecked(format!(
                    "its batch still failed to compile after {MAX_ROUNDS} rounds"
                )),
            );
        }
    }
    eprintln!("corpus: rustdoc with warnings denied");
    let everything: BTreeSet<String> = live.keys().cloned().collect();
    let found = run_cargo(setup, &everything, Step::Doc)?;
    for members in live.values() {
        for member in members {
            let verdict = verdicts
                .entry(member.module.clone())
                .or_insert(Verdict::Clean);
            if *verdict == Verdict::Clean
                && let Some(first) = found.get(&member.module).and_then(|d| d.first())
            {
                *verdict = Verdict::Rustdoc(first.text.clone());
            }
        }
    }
    Ok(verdicts)
}

/// Records what `found` says about `members`; returns the modules that failed to compile
/// (to be left out of the next round). Errors no module can be blamed for (the batch's own
/// `lib.rs`, a manifest) fail every member when `last` or when nothing else failed.
fn record(
    found: &BTreeMap<String, Vec<Diagnostic>>,
    members: &[Member],
    verdicts: &mut BTreeMap<String, Verdict>,
    last: bool,
) -> BTreeSet<String> {
    let mut failed = BTreeSet::new();
    for member in members {
        let Some(diagnostics) = found.get(&member.module) else {
            continue;
        };
        if let Some(error) = diagnostics.iter().find(|d| d.lint.is_none()) {
            failed.insert(member.module.clone());
            verdicts.insert(member.module.clone(), Verdict::Compile(error.text.clone()));
        } else if let Some(lint) = diagnostics.first() {
            verdicts
                .entry(member.module.clone())
                .or_insert_with(|| Verdict::Lint(lint.text.clone()));
        }
    }
    let stray = found
        .get(UNATTRIBUTED)
        .and_then(|d| d.iter().find(|d| d.lint.is_none()));
    if let Some(stray) = stray
        && (failed.is_empty() || last)
    {
        for member in members {
            failed.insert(member.module.clone());
            verdicts.insert(
                member.module.clone(),
                Verdict::Unchecked(format!("the batch crate failed: {}", stray.text)),
            );
        }
    }
    failed
}

/// Splits `members` into batches of at most [`BATCH_BYTES`] and [`BATCH_DOCUMENTS`] (a
/// document larger than that alone).
fn batches(members: &[Member]) -> Vec<Vec<Member>> {
    let mut batches: Vec<Vec<Member>> = Vec::new();
    let mut size = 0;
    for member in members {
        match batches.last_mut() {
            Some(batch)
                if size + member.rust_bytes <= BATCH_BYTES && batch.len() < BATCH_DOCUMENTS =>
            {
                size += member.rust_bytes;
                batch.push(member.clone());
            }
            _ => {
                size = member.rust_bytes;
                batches.push(vec![member.clone()]);
            }
        }
    }
    batches
}

/// Generates the batch crate `name` with `members` as its modules into `dir`, as a member
/// of the batch workspace (the standalone crate's own `[workspace]` table removed).
fn write_batch(dir: &Path, name: &str, members: &[Member], runtime: &str) -> Result<()> {
    remove_dir(dir)?;
    let mut loaded = Vec::new();
    for member in members {
        let bytes = fs::read(&member.path)
            .with_context(|| format!("cannot read {}", member.path.display()))?;
        loaded.push((format!("{}.json", member.id), bytes));
    }
    let inputs: Vec<ApiInput<'_>> = members
        .iter()
        .zip(&loaded)
        .map(|(member, (file, bytes))| ApiInput {
            module: &member.module,
            document: file,
            bytes,
            sha256: "corpus",
            feature: None,
            rate_limit: None,
            rate_limit_family: None,
            overlays: &[],
            conventions: None,
        })
        .collect();
    if inputs.is_empty() {
        // Every document of the batch failed: an empty library keeps the workspace whole.
        fs::create_dir_all(dir.join("src"))?;
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n"
            ),
        )?;
        fs::write(
            dir.join("src/lib.rs"),
            "//! Every document of this batch failed.\n",
        )?;
        return Ok(());
    }
    let mut files = amperity_codegen::generate_crate(&options(name, runtime), &inputs)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("a document that generated alone fails in a batch")?
        .files;
    let manifest = files
        .get_mut("Cargo.toml")
        .context("no Cargo.toml generated")?;
    *manifest = without_workspace_table(manifest);
    crate::regen::write_crate(dir, &files)?;
    Ok(())
}

/// The manifest without its trailing `[workspace]` table (and the comment above it).
fn without_workspace_table(manifest: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in manifest.lines() {
        if line.trim() == "[workspace]" {
            while kept.last().is_some_and(|l| l.starts_with('#')) {
                kept.pop();
            }
            break;
        }
        kept.push(line);
    }
    kept.join("\n") + "\n"
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Clippy,
    Doc,
}

/// A diagnostic, traced to a module.
#[derive(Debug, Clone)]
struct Diagnostic {
    /// The lint's name, `None` for a hard error.
    lint: Option<String>,
    /// The first lines of what the compiler printed.
    text: String,
}

/// The key of diagnostics in no document's module.
const UNATTRIBUTED: &str = "";

/// Runs the step over the batches `packages` and returns every error-level diagnostic by
/// module (warnings are denied, so each lint that fires is one).
fn run_cargo(
    setup: &Setup,
    packages: &BTreeSet<String>,
    step: Step,
) -> Result<BTreeMap<String, Vec<Diagnostic>>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    match step {
        // `--keep-going`: one failing batch must not keep the others from being checked.
        Step::Clippy => command.args(["clippy", "--lib", "--keep-going"]),
        Step::Doc => command.args(["doc", "--lib", "--no-deps", "--keep-going"]),
    };
    command.arg("--message-format=json");
    for package in packages {
        command.args(["-p", package]);
    }
    if let Step::Clippy = step {
        command.args(["--", "-D", "warnings"]);
    }
    command
        .current_dir(&setup.dir)
        .env("CARGO_TARGET_DIR", &setup.target)
        .env("RUSTDOCFLAGS", "-D warnings")
        // Each batch is checked a few times at most: incremental caches would only take
        // disk (a few GB for a few hundred documents).
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if setup.show_cargo {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
    let output = command.output().context("cannot run cargo")?;
    let found = diagnostics(&String::from_utf8_lossy(&output.stdout));
    if !output.status.success() && found.is_empty() {
        bail!(
            "cargo failed on the batch workspace {} without a diagnostic:\n{}",
            setup.dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(found)
}

/// Error-level compiler messages in cargo's JSON output, by the module of their primary
/// span's file (`<batch>/src/<module>/…`).
fn diagnostics(json_lines: &str) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut found: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for line in json_lines.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if value["reason"] != "compiler-message" || value["message"]["level"] != "error" {
            continue;
        }
        let message = &value["message"];
        let file = message["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
            .and_then(|s| s["file_name"].as_str())
            .unwrap_or_default();
        let module = module_of(file).unwrap_or(UNATTRIBUTED).to_owned();
        let code = message["code"]["code"].as_str();
        // Hard errors carry an `E0123` code or none; a denied lint carries its name.
        let lint = code
            .filter(|c| !(c.starts_with('E') && c[1..].chars().all(|d| d.is_ascii_digit())))
            .map(str::to_owned);
        let rendered = message["rendered"]
            .as_str()
            .or(message["message"].as_str())
            .unwrap_or_default();
        let text: Vec<&str> = rendered.lines().take(12).collect();
        found.entry(module).or_default().push(Diagnostic {
            lint,
            text: text.join("\n"),
        });
    }
    found
}

/// The document module a generated file belongs to: the directory after `src/`.
fn module_of(file: &str) -> Option<&str> {
    let (_, rest) = file.rsplit_once("src/")?;
    let (module, _) = rest.split_once('/')?;
    Some(module)
}

fn remove_dir(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_are_traced_to_modules_and_split_into_errors_and_lints() {
        let lines = [
            r#"{"reason":"compiler-message","message":{"level":"error","code":{"code":"E0277"},"rendered":"error[E0277]: no QueryValue","spans":[{"file_name":"corpus-batch-000/src/d_a_com/requests.rs","is_primary":true}]}}"#,
            r#"{"reason":"compiler-message","message":{"level":"error","code":{"code":"clippy::too_many_arguments"},"rendered":"error: too many","spans":[{"file_name":"/x/corpus-batch-001/src/d_b/mod.rs","is_primary":true}]}}"#,
            r#"{"reason":"compiler-message","message":{"level":"warning","code":null,"rendered":"warning: x","spans":[]}}"#,
            r#"{"reason":"compiler-message","message":{"level":"error","code":null,"rendered":"error: aborting","spans":[]}}"#,
            "not json",
        ]
        .join("\n");
        let found = diagnostics(&lines);
        assert_eq!(found["d_a_com"][0].lint, None);
        assert_eq!(
            found["d_b"][0].lint.as_deref(),
            Some("clippy::too_many_arguments")
        );
        assert_eq!(found[UNATTRIBUTED].len(), 1);
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn batches_respect_both_limits() {
        let member = |i: usize, rust_bytes| Member {
            id: format!("{i}"),
            module: format!("d_{i}"),
            path: PathBuf::new(),
            rust_bytes,
            digest: String::new(),
        };
        let members: Vec<Member> = (0..100).map(|i| member(i, 1000)).collect();
        let sizes: Vec<usize> = batches(&members).iter().map(Vec::len).collect();
        assert_eq!(sizes, [40, 40, 20]);
        let big = [member(0, BATCH_BYTES), member(1, 1), member(2, BATCH_BYTES)];
        let sizes: Vec<usize> = batches(&big).iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 1, 1]);
    }

    #[test]
    fn the_workspace_table_goes() {
        let manifest =
            "[package]\nname = \"x\"\n\n# A standalone crate is its own workspace.\n[workspace]\n";
        assert_eq!(
            without_workspace_table(manifest),
            "[package]\nname = \"x\"\n\n"
        );
    }
}
