//! `cargo xtask <command>`: the workspace's developer commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use xtask::update::{self, Source};
use xtask::{bench, corpus, diff, fuzz, regen, spec};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  regen [--check]      regenerate amperity-generated from the pinned documents;
                       --check exits 1 with a diff when the committed crate is stale
  generate --spec PATH --out DIR [--name CRATE] [--module NAME] [--runtime-path PATH]
           [--overlay FILE].. [--amperity]
                       write a standalone client crate for any OpenAPI 3.0.x, 3.1.x
                       or Swagger 2.0 document (JSON or YAML); it depends on the
                       amperity-runtime crate at PATH (relative to DIR, or absolute;
                       default: this checkout's, by its absolute path); each --overlay
                       (OpenAPI Overlay 1.0) is applied to the document, in order;
                       --amperity: the document is Amperity's, so the client sends
                       the tenant and api-version headers whatever it declares
  fetch-spec [NAME..]  copy (or download) the pinned documents into spec/cache/
  fetch-spec --update NAME [--from FILE]
                       re-pin NAME to a new document (FILE, or downloaded from its URL):
                       print the diff report, store it in spec/cache/, rewrite its sha256 and
                       version in spec/manifest.toml; then run `cargo xtask regen` and
                       `cargo insta review`
  diff OLD NEW [--json]
                       report every change from OLD to NEW, breaking changes first, as text
                       or JSON; OLD and NEW are pinned document names (see spec/manifest.toml)
                       or file paths
  fuzz --minutes N [--compile N]
                       fuzz the generator with random mutations of the fixture documents
                       for N minutes, then compile (clippy and rustdoc, warnings denied)
                       up to --compile of the documents that generated (default 200)
  bench [--quick] [--skip PART,.. | --only PART,..] [--out FILE] [--cache DIR]
                       benchmarks side by side with progenitor and openapi-generator
                       (installed into DIR, default <target>/bench-peers/), written to
                       BENCHMARKS.md (a --quick or partial run writes DIR/BENCHMARKS.md
                       unless --out says otherwise; a partial run into an existing
                       report keeps the sections of the parts it did not run); PART:
                       generation, compile, cold, client, limiter, memory, fleet, limit
  corpus [--sample N] [--seed S] [--no-compile | --compile-sample N] [--no-peer]
         [--fresh] [--out FILE]
                       generate every document of APIs.guru's directory (installed
                       from tests/corpus/package-lock.json with npm ci), compile what
                       was generated with clippy and rustdoc warnings denied, run
                       progenitor on the same documents (installed into
                       <target>/bench-peers/ on first use, as bench does; --no-peer
                       leaves it out), and write CORPUS.md (a --sample run writes
                       <target>/corpus/CORPUS.md). Verdicts are kept in
                       <target>/corpus/verdicts.json by the digest of each crate, so
                       a later run (or an interrupted one, resumed) compiles only
                       crates it has not seen with this runtime and toolchain;
                       --fresh compiles everything again

exit status:
  0  success; for diff: no breaking changes
  1  regen --check: the crate is stale; diff: there are breaking changes;
     fuzz: a case failed
  2  error (bad arguments, unreadable or invalid document, ...)";

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Bad arguments, unreadable documents and every other failure.
const EXIT_ERROR: u8 = 2;
/// A check that ran and failed: a stale crate, breaking changes.
const EXIT_CHECK_FAILED: u8 = 1;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let root = spec::workspace_root();
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(ExitCode::from(EXIT_ERROR));
    };
    match command.as_str() {
        "regen" => regen_command(&root, rest),
        "generate" => generate_command(&root, rest),
        "fetch-spec" => fetch_spec_command(&root, rest),
        "diff" => diff_command(&root, rest),
        "bench" => {
            let options =
                bench::Options::parse(rest).map_err(|e| anyhow::anyhow!("{e:#}\n\n{USAGE}"))?;
            let out = bench::run(&root, &options)?;
            println!("bench: wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        "fuzz" => {
            let options =
                fuzz::Options::parse(rest).map_err(|e| anyhow::anyhow!("{e:#}\n\n{USAGE}"))?;
            let status = fuzz::run(&root, &options)?;
            Ok(if status.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_CHECK_FAILED)
            })
        }
        // The benchmark's measuring wrapper (see `bench::peak`), not for people.
        cmd if cmd == bench::peak::COMMAND => bench::peak::wrapper_main(rest),
        "corpus" => {
            let options =
                corpus::Options::parse(rest).map_err(|e| anyhow::anyhow!("{e:#}\n\n{USAGE}"))?;
            let out = corpus::run(&root, &options)?;
            println!("corpus: wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

/// `regen [--check]`.
fn regen_command(root: &Path, rest: &[String]) -> Result<ExitCode> {
    match rest {
        [] => {
            let started = Instant::now();
            let outcome = regen::regen(root)?;
            for path in &outcome.written {
                println!(
                    "wrote   {}",
                    path.strip_prefix(root).unwrap_or(path).display()
                );
            }
            for path in &outcome.removed {
                println!(
                    "removed {}",
                    path.strip_prefix(root).unwrap_or(path).display()
                );
            }
            println!(
                "regen: {} written, {} removed, {} unchanged in {:.2?}",
                outcome.written.len(),
                outcome.removed.len(),
                outcome.unchanged,
                started.elapsed()
            );
            Ok(ExitCode::SUCCESS)
        }
        [flag] if flag == "--check" => match regen::check(root)? {
            None => {
                println!("{} is up to date", regen::GENERATED_CRATE);
                Ok(ExitCode::SUCCESS)
            }
            Some(diff) => {
                print!("{diff}");
                eprintln!(
                    "{} is stale: run `cargo xtask regen` and commit the result",
                    regen::GENERATED_CRATE
                );
                Ok(ExitCode::from(EXIT_CHECK_FAILED))
            }
        },
        _ => bail!("regen takes only --check\n\n{USAGE}"),
    }
}

/// `generate --spec PATH --out DIR [...]`: a standalone crate for any document.
fn generate_command(root: &Path, rest: &[String]) -> Result<ExitCode> {
    let mut spec_path = None;
    let mut out = None;
    let mut name = None;
    let mut module = None;
    let mut runtime_path = None;
    let mut overlays = Vec::new();
    let mut amperity = false;
    let mut iter = rest.iter();
    while let Some(flag) = iter.next() {
        if flag == "--amperity" {
            amperity = true;
            continue;
        }
        let Some(value) = iter.next() else {
            bail!("{flag} needs a value\n\n{USAGE}")
        };
        match flag.as_str() {
            "--spec" => spec_path = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            "--name" => name = Some(value.clone()),
            "--module" => module = Some(value.clone()),
            "--runtime-path" => runtime_path = Some(value.clone()),
            "--overlay" => overlays.push(PathBuf::from(value)),
            _ => bail!("unknown option {flag}\n\n{USAGE}"),
        }
    }
    let (Some(spec_path), Some(out)) = (spec_path, out) else {
        bail!("generate needs --spec and --out\n\n{USAGE}");
    };
    let name = name.unwrap_or_else(|| "openapi-client".to_owned());
    let module = module.unwrap_or_else(|| "api".to_owned());
    let outcome = regen::generate_standalone(
        root,
        &regen::Standalone {
            spec: &spec_path,
            out: &out,
            name: &name,
            module: &module,
            runtime_path: runtime_path.as_deref(),
            overlays: &overlays,
            amperity,
        },
    )?;
    println!(
        "generate: crate `{name}` in {} ({} files written, {} unchanged)",
        out.display(),
        outcome.written.len(),
        outcome.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

/// `fetch-spec [NAME..]` and `fetch-spec --update NAME [--from FILE]`.
fn fetch_spec_command(root: &Path, rest: &[String]) -> Result<ExitCode> {
    match rest {
        [flag, name] if flag == "--update" => fetch_update(root, name, Source::Download),
        [flag, name, from, file] if flag == "--update" && from == "--from" => {
            fetch_update(root, name, Source::File(Path::new(file)))
        }
        _ if rest.iter().any(|a| a.starts_with("--")) => {
            bail!("fetch-spec takes names, or --update NAME [--from FILE]\n\n{USAGE}")
        }
        _ => {
            spec::fetch_into_cache(root, rest)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `diff OLD NEW [--json]`: exit 1 when there are breaking changes.
fn diff_command(root: &Path, rest: &[String]) -> Result<ExitCode> {
    let json = rest.iter().any(|a| a == "--json");
    let documents: Vec<&String> = rest.iter().filter(|a| *a != "--json").collect();
    let [old, new] = documents[..] else {
        bail!("diff needs OLD and NEW (and optionally --json)\n\n{USAGE}");
    };
    if let Some(flag) = [old, new].into_iter().find(|a| a.starts_with("--")) {
        bail!("unknown option {flag}\n\n{USAGE}");
    }
    let report = diff::diff(root, old, new)?;
    print!(
        "{}",
        if json {
            report.to_json()
        } else {
            report.to_text()
        }
    );
    Ok(if report.breaking() > 0 {
        ExitCode::from(EXIT_CHECK_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// `fetch-spec --update`: the report first, then what was re-pinned and what to do next.
/// Succeeds once re-pinned, whatever the report says: reading it is the user's part.
fn fetch_update(root: &Path, name: &str, source: Source<'_>) -> Result<ExitCode> {
    let outcome = update::update(root, name, source)?;
    if let Some(warning) = &outcome.warning {
        eprintln!("warning: no report: {warning}");
    }
    if let Some(report) = &outcome.report {
        print!("{}", report.to_text());
        println!();
    }
    print!("{}", outcome.summary());
    Ok(ExitCode::SUCCESS)
}
