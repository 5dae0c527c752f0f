//! Hazard fixtures of our own (`tests/fixtures/hazards/`, one hazard each): each is
//! snapshotted (model summary and rendered code) and all of them are compiled together as
//! one standalone crate with warnings, clippy lints and rustdoc warnings denied. The
//! helpers are shared with the Swagger 2.0 fixtures (`swagger2.rs`).

use std::fs;
use std::path::Path;
use std::process::Command;

use amperity_codegen::{ApiInput, CrateOptions};

use crate::support::{fixture_files, nested_target, root, scratch_dir, stem};

/// One fixture document: its module name (the file stem), file name and bytes.
pub(crate) struct Fixture {
    pub(crate) name: String,
    pub(crate) file: String,
    pub(crate) bytes: Vec<u8>,
}

/// The fixtures of `tests/fixtures/<dir>/`, sorted by file name.
pub(crate) fn fixtures(dir: &str) -> Vec<Fixture> {
    fixture_files(dir)
        .into_iter()
        .map(|path| Fixture {
            name: stem(&path),
            file: path
                .file_name()
                .expect("file")
                .to_string_lossy()
                .into_owned(),
            bytes: fs::read(&path).expect("readable fixture"),
        })
        .collect()
}

pub(crate) fn inputs(fixtures: &[Fixture]) -> Vec<ApiInput<'_>> {
    fixtures
        .iter()
        .map(|f| ApiInput {
            module: &f.name,
            document: &f.file,
            bytes: &f.bytes,
            sha256: "fixture",
            feature: None,
            rate_limit: None,
            rate_limit_family: None,
            overlays: &[],
            conventions: None,
        })
        .collect()
}

/// A standalone crate named `name`; `command` is what its headers say made it.
pub(crate) fn standalone(name: &str, command: &str) -> CrateOptions {
    CrateOptions {
        name: name.to_owned(),
        command: command.to_owned(),
        workspace_member: false,
        extra_modules: Vec::new(),
        test_kit_examples: Vec::new(),
        runtime_path: xtask::regen::runtime_path(&root()).expect("the runtime crate"),
    }
}

const HAZARD_COMMAND: &str = "cargo test (hazard fixtures)";

/// What is snapshotted of one fixture, as `(part, contents)`: the model summary
/// (`summary`) and each rendered module file (`mod_rs`, `models_rs`, ...). The caller
/// asserts them, so that the snapshot files carry the caller's module name.
pub(crate) fn rendered(fixture: &Fixture, command: &str) -> Vec<(String, String)> {
    let spec =
        amperity_codegen::load(&fixture.file, &fixture.bytes).unwrap_or_else(|e| panic!("{e}"));
    let api = amperity_codegen::lower(&fixture.file, &fixture.name, &spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut parts = vec![("summary".to_owned(), amperity_codegen::summary(&api))];
    let files = amperity_codegen::generate_crate(
        &standalone("fixture", command),
        &inputs(std::slice::from_ref(fixture)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for (path, contents) in files
        .files
        .into_iter()
        .filter(|(p, _)| p.starts_with("src/") && p.as_str() != "src/lib.rs")
    {
        let file = Path::new(&path)
            .file_name()
            .expect("file")
            .to_string_lossy()
            .replace('.', "_");
        parts.push((file, contents));
    }
    parts
}

#[test]
fn hazard_fixtures_snapshot() {
    for fixture in fixtures("hazards") {
        for (part, contents) in rendered(&fixture, HAZARD_COMMAND) {
            insta::assert_snapshot!(format!("hazard__{}__{part}", fixture.name), contents);
        }
    }
}

/// Generates one crate holding every fixture (depending on the runtime crate, as `cargo
/// xtask generate` does), then runs clippy and rustdoc on it, test kit included, with warnings
/// denied. This is also the
/// proof that a standalone crate compiles on its own.
///
/// Then `tests/fixtures/behaviour/hazards.rs` runs inside that crate: the glue for
/// unions, non-JSON bodies, distinct outcomes and unusual parameters, on the wire; and a
/// test that decodes the test kit's sample of every model of every fixture.
#[test]
fn hazard_fixtures_compile_without_warnings() {
    let dir = compile_without_warnings("hazard-fixtures", HAZARD_COMMAND, &fixtures("hazards"));
    let behaviour = root().join("tests/fixtures/behaviour/hazards.rs");
    fs::create_dir_all(dir.join("tests")).expect("tests dir");
    fs::copy(&behaviour, dir.join("tests/behaviour.rs")).expect("behaviour test copied");
    // The test kit's samples decode for every fixture (recursive models, unions,
    // nullable maps, untyped values, ...).
    let checks: String = fixtures("hazards")
        .iter()
        .map(|f| format!("    hazard_fixtures::{}::mock::check_samples();\n", f.name))
        .collect();
    fs::write(
        dir.join("tests/samples.rs"),
        format!("#[test]\nfn every_sample_decodes() {{\n{checks}}}\n"),
    )
    .expect("samples test written");
    cargo_in(
        &dir,
        &[
            "test",
            "--quiet",
            "--all-features",
            "--test",
            "behaviour",
            "--test",
            "samples",
        ],
    );
}

/// Generates the crate `crate_name` holding every fixture of `fixtures`, then runs clippy and rustdoc on it with warnings denied.
pub(crate) fn compile_without_warnings(
    crate_name: &str,
    command: &str,
    fixtures: &[Fixture],
) -> std::path::PathBuf {
    let files =
        amperity_codegen::generate_crate(&standalone(crate_name, command), &inputs(fixtures))
            .unwrap_or_else(|e| panic!("{e}"))
            .files;
    let dir = scratch_dir(crate_name);
    xtask::regen::write_crate(&dir, &files).expect("written");
    fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file copied");
    // `--all-features`: the test kit (`test-kit`) is generated for every fixture too.
    cargo_in(
        &dir,
        &[
            "clippy",
            "--quiet",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    );
    cargo_in(&dir, &["doc", "--quiet", "--no-deps", "--all-features"]);
    dir
}

/// Runs cargo in a generated crate, in a target directory shared by every crate the
/// tests build themselves (so the dependencies build once; the outer `cargo test` may
/// hold the workspace's lock), with rustdoc warnings denied.
pub(crate) fn cargo_in(dir: &Path, args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", nested_target())
        .env("RUSTDOCFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo {}` failed on the generated fixtures in {}:\n{}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `cargo xtask generate` writes a crate of its own: its manifest (a workspace root of its
/// own) naming the runtime crate by its absolute path, `lib.rs` re-exporting it as
/// `runtime`, and the API module.
#[test]
fn generate_command_writes_a_crate_of_its_own() {
    let out = scratch_dir("generate-command");
    let spec = root().join("tests/fixtures/hazards/keywords.yaml");
    let outcome = xtask::regen::generate_standalone(
        &root(),
        &xtask::regen::Standalone {
            spec: &spec,
            out: &out,
            name: "keywords-client",
            module: "api",
            runtime_path: None,
            overlays: &[],
            amperity: false,
        },
    )
    .expect("generates");
    assert!(!outcome.written.is_empty());
    let manifest = fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
    assert!(
        manifest.contains("name = \"keywords-client\""),
        "{manifest}"
    );
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    let runtime = root()
        .join("amperity-runtime")
        .canonicalize()
        .expect("runtime dir");
    let runtime_line = format!(
        "amperity-runtime = {{ version = \"0.1.0\", path = \"{}\" }}",
        runtime.display()
    );
    assert!(manifest.contains(&runtime_line), "{manifest}");
    let lib = fs::read_to_string(out.join("src/lib.rs")).expect("lib.rs");
    assert!(
        lib.contains("pub use amperity_runtime as runtime;") && lib.contains("pub mod api;"),
        "{lib}"
    );
    assert!(
        !out.join("src/runtime").exists(),
        "the runtime is not copied"
    );
    assert!(out.join("src/api/requests.rs").is_file());
}
