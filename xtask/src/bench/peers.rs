//! The three generators side by side: where the benchmark keeps them (a cache directory it
//! owns), how it installs the peers there, and the command each runs to generate a crate.
//!
//! The peers are pinned: `cargo install cargo-progenitor --locked` from crates.io and
//! `pip install openapi-generator-cli` (which bundles the generator's jar; Java runs it)
//! into a virtual environment in the cache. Nothing is installed anywhere else.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result};

use super::cmd;

/// The cargo-progenitor release measured.
pub const PROGENITOR_VERSION: &str = "0.15.1";
/// The openapi-generator-cli release measured (its PyPI version is the generator's).
pub const OPENAPI_GENERATOR_VERSION: &str = "7.26.0";

/// A generator under measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tool {
    Ours,
    Progenitor,
    OpenApiGenerator,
}

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::Ours, Tool::Progenitor, Tool::OpenApiGenerator];

    /// The name in the report's tables.
    pub fn label(self) -> &'static str {
        match self {
            Tool::Ours => "ours",
            Tool::Progenitor => "progenitor",
            Tool::OpenApiGenerator => "openapi-generator (rust)",
        }
    }

    /// The name in directory and crate names.
    pub fn slug(self) -> &'static str {
        match self {
            Tool::Ours => "ours",
            Tool::Progenitor => "progenitor",
            Tool::OpenApiGenerator => "openapi-generator",
        }
    }
}

/// The benchmark's cache directory and the tools installed in it.
#[derive(Debug, Clone)]
pub struct Peers {
    pub cache: PathBuf,
    /// Our generator: the xtask binary built in release mode, run directly.
    pub xtask: PathBuf,
}

impl Peers {
    pub fn new(cache: PathBuf, xtask: PathBuf) -> Self {
        Self { cache, xtask }
    }

    fn progenitor_root(&self) -> PathBuf {
        self.cache.join("progenitor")
    }

    /// `cargo-progenitor`, run directly as cargo would (`cargo-progenitor progenitor ..`),
    /// so that cargo's own start-up is not measured (ours is run the same way).
    pub fn progenitor(&self) -> PathBuf {
        self.progenitor_root().join("bin").join("cargo-progenitor")
    }

    fn venv(&self) -> PathBuf {
        self.cache.join("venv")
    }

    pub fn python(&self) -> PathBuf {
        self.venv().join("bin").join("python3")
    }

    /// The `openapi-generator-cli` wrapper script: Python starts Java on the bundled jar.
    pub fn openapi_generator(&self) -> PathBuf {
        self.venv().join("bin").join("openapi-generator-cli")
    }

    /// Compiles cargo-progenitor into the cache, once: cargo does nothing when the pinned
    /// version is already installed there.
    pub fn install_progenitor(&self) -> Result<()> {
        std::fs::create_dir_all(&self.cache)
            .with_context(|| format!("cannot create {}", self.cache.display()))?;
        eprintln!(
            "bench: installing cargo-progenitor {PROGENITOR_VERSION} into {}",
            self.progenitor_root().display()
        );
        cmd::visible(
            Command::new("cargo")
                .args(["install", "cargo-progenitor", "--locked", "--version"])
                .arg(format!("={PROGENITOR_VERSION}"))
                .arg("--root")
                .arg(self.progenitor_root())
                .arg("--target-dir")
                .arg(self.cache.join("progenitor-build")),
        )?;
        Ok(())
    }

    /// openapi-generator-cli into a virtual environment in the cache.
    pub fn install_openapi_generator(&self) -> Result<()> {
        std::fs::create_dir_all(&self.cache)
            .with_context(|| format!("cannot create {}", self.cache.display()))?;
        if !self.python().exists() {
            eprintln!(
                "bench: creating a Python virtual environment in {}",
                self.venv().display()
            );
            cmd::visible(
                Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(self.venv()),
            )?;
        }
        eprintln!("bench: installing openapi-generator-cli {OPENAPI_GENERATOR_VERSION} into it");
        cmd::visible(
            Command::new(self.python())
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .arg(format!(
                    "openapi-generator-cli=={OPENAPI_GENERATOR_VERSION}"
                )),
        )?;
        Ok(())
    }

    /// The command that generates a crate named `name` from `spec` into `out`.
    pub fn generate(&self, tool: Tool, spec: &Path, out: &Path, name: &str) -> Command {
        match tool {
            Tool::Ours => {
                let mut command = Command::new(&self.xtask);
                command
                    .arg("generate")
                    .arg("--spec")
                    .arg(spec)
                    .arg("--out")
                    .arg(out);
                command.args(["--name", name]);
                command
            }
            Tool::Progenitor => {
                let mut command = Command::new(self.progenitor());
                command
                    .args(["progenitor", "-i"])
                    .arg(spec)
                    .arg("-o")
                    .arg(out);
                command.args(["-n", name, "-v", "0.1.0"]);
                command
            }
            Tool::OpenApiGenerator => {
                let mut command = Command::new(self.openapi_generator());
                command
                    .args(["generate", "-g", "rust", "-i"])
                    .arg(spec)
                    .arg("-o")
                    .arg(out);
                // Its default crate version is the document's `info.version` plus `.0.0`
                // (`2024-04-01.0.0`), which cargo refuses; progenitor is given one too.
                command.arg(format!(
                    "--additional-properties=packageName={name},packageVersion=0.1.0"
                ));
                command
            }
        }
    }

    /// The version cargo recorded when it installed cargo-progenitor (the binary has no
    /// `--version`).
    pub fn progenitor_version(&self) -> String {
        let crates = std::fs::read_to_string(self.progenitor_root().join(".crates.toml"))
            .unwrap_or_default();
        crates
            .lines()
            .find_map(|line| {
                let rest = line.trim().strip_prefix("\"cargo-progenitor ")?;
                rest.split_whitespace().next().map(str::to_owned)
            })
            .unwrap_or_else(|| "not installed".to_owned())
    }

    pub fn openapi_generator_version(&self) -> String {
        cmd::first_line(self.openapi_generator(), &["version"])
            .unwrap_or_else(|| "not installed".to_owned())
    }
}
