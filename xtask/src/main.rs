//! `cargo xtask <command>`: the workspace's developer commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use xtask::{regen, spec};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  regen [--check]      regenerate amperity-generated from the pinned documents;
                       --check exits 1 with a diff when the committed crate is stale
  generate --spec PATH --out DIR [--name CRATE] [--module NAME]
                       write a standalone client crate for any OpenAPI 3.0.x or
                       Swagger 2.0 document (JSON or YAML)
  fetch-spec [NAME..]  copy (or download) the pinned documents into spec/cache/";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let root = spec::workspace_root();
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(ExitCode::FAILURE);
    };
    match command.as_str() {
        "regen" => match rest {
            [] => {
                let started = Instant::now();
                let outcome = regen::regen(&root)?;
                for path in &outcome.written {
                    println!(
                        "wrote   {}",
                        path.strip_prefix(&root).unwrap_or(path).display()
                    );
                }
                for path in &outcome.removed {
                    println!(
                        "removed {}",
                        path.strip_prefix(&root).unwrap_or(path).display()
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
            [flag] if flag == "--check" => match regen::check(&root)? {
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
                    Ok(ExitCode::FAILURE)
                }
            },
            _ => bail!("regen takes only --check\n\n{USAGE}"),
        },
        "generate" => {
            let mut spec_path = None;
            let mut out = None;
            let mut name = None;
            let mut module = None;
            let mut iter = rest.iter();
            while let Some(flag) = iter.next() {
                let Some(value) = iter.next() else {
                    bail!("{flag} needs a value\n\n{USAGE}")
                };
                match flag.as_str() {
                    "--spec" => spec_path = Some(PathBuf::from(value)),
                    "--out" => out = Some(PathBuf::from(value)),
                    "--name" => name = Some(value.clone()),
                    "--module" => module = Some(value.clone()),
                    _ => bail!("unknown option {flag}\n\n{USAGE}"),
                }
            }
            let (Some(spec_path), Some(out)) = (spec_path, out) else {
                bail!("generate needs --spec and --out\n\n{USAGE}");
            };
            let name = name.unwrap_or_else(|| "openapi-client".to_owned());
            let module = module.unwrap_or_else(|| "api".to_owned());
            let outcome = regen::generate_standalone(&root, &spec_path, &out, &name, &module)?;
            println!(
                "generate: crate `{name}` in {} ({} files written, {} unchanged)",
                out.display(),
                outcome.written.len(),
                outcome.unchanged
            );
            Ok(ExitCode::SUCCESS)
        }
        "fetch-spec" => {
            spec::fetch_into_cache(&root, rest)?;
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}
