//! The `xtask` binary itself: arguments and exit codes (0 no breaking changes, 1 breaking
//! changes, 2 errors), as the USAGE text documents them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    xtask::spec::workspace_root()
}

/// Runs `xtask <args>` in the workspace root.
fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("xtask runs")
}

fn fixture(case: &str, side: &str) -> String {
    format!("tests/fixtures/diff/{case}/{side}.yaml")
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn diff_exits_0_without_breaking_changes() {
    let out = xtask(&[
        "diff",
        &fixture("operation_added", "old"),
        &fixture("operation_added", "new"),
    ]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("0 breaking, 1 non-breaking changes\n"));
}

#[test]
fn diff_exits_1_with_breaking_changes() {
    let out = xtask(&[
        "diff",
        &fixture("operation_removed", "old"),
        &fixture("operation_removed", "new"),
    ]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("DELETE /campaigns"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn diff_json_is_json_and_keeps_the_exit_code() {
    let (old, new) = (
        fixture("pagination_added", "old"),
        fixture("pagination_added", "new"),
    );
    let out = xtask(&["diff", "--json", &old, &new]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(json["breaking"], 2);
    assert_eq!(json["changes"][0]["kind"], "pagination-added");
}

#[test]
fn diff_reads_pinned_documents_by_name() {
    let out = xtask(&["diff", "control-plane-2024-04-01", "control-plane-unstable"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("GET /campaign-drafts"));
    // Backwards, the operation is removed: breaking.
    let out = xtask(&["diff", "control-plane-unstable", "control-plane-2024-04-01"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
}

#[test]
fn diff_exits_2_on_errors() {
    let old = fixture("operation_added", "old");
    let cases: [&[&str]; 5] = [
        &["diff"],
        &["diff", &old],
        &["diff", &old, "no-such-document"],
        &["diff", &old, "tests/fixtures/broken/invalid_yaml.yaml"],
        &["diff", &old, &old, "--verbose"],
    ];
    for args in cases {
        let out = xtask(args);
        assert_eq!(code(&out), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: "),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = xtask(&["diff", &old, "no-such-document"]);
    assert!(stderr(&out).contains("neither a file nor a pinned document"));
    let out = xtask(&["diff", &old, "tests/fixtures/broken/invalid_yaml.yaml"]);
    assert!(
        stderr(&out).contains("invalid_yaml.yaml#"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_documents_the_exit_codes() {
    let out = xtask(&["help"]);
    assert_eq!(code(&out), Some(0));
    let usage = stdout(&out);
    for part in [
        "diff OLD NEW [--json]",
        "fetch-spec --update NAME [--from FILE]",
        "1  regen --check: the crate is stale; diff: there are breaking changes",
        "2  error",
    ] {
        assert!(usage.contains(part), "{part:?} missing from:\n{usage}");
    }
    let out = xtask(&["fetch-spec", "--update"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
}

/// A fresh, empty directory under cargo's per-test-target temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `generate` with a broken or hostile document: exit status 2, one line on stderr that
/// names the file, the JSON pointer and the problem, and nothing written.
#[test]
fn generate_exits_2_with_one_line_and_writes_nothing() {
    let cases = [
        (
            "invalid_yaml.yaml",
            "invalid_yaml.yaml#/info: invalid YAML: ",
        ),
        ("deep_nesting.json", "deep_nesting.json#/0/0/0/"),
        (
            "yaml_alias_bomb.yaml",
            "yaml_alias_bomb.yaml#/x-lol5/0/4/6/7/2: YAML aliases expand too much",
        ),
        (
            "allof_merge_bomb.yaml",
            "allof_merge_bomb.yaml#/components/schemas/A12/allOf/0: with the references it copies",
        ),
        (
            "circular_schema_alias.yaml",
            "circular_schema_alias.yaml#/components/schemas/A/$ref: ",
        ),
        (
            "duplicate_operation_id.yaml",
            "duplicate_operation_id.yaml#/paths/~1b/get/operationId: ",
        ),
        ("non_utf8.json", "non_utf8.json#: the document is not UTF-8"),
    ];
    let out = scratch("generate-broken").join("client");
    for (file, expected) in cases {
        let spec = format!("tests/fixtures/broken/{file}");
        let output = xtask(&[
            "generate",
            "--spec",
            &spec,
            "--out",
            &out.display().to_string(),
        ]);
        let err = stderr(&output);
        assert_eq!(code(&output), Some(2), "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(
            err.starts_with(&format!("error: {expected}")),
            "{file}: {err}"
        );
        assert!(!out.exists(), "{file}: something was written");
    }
}

/// A document over the size limit is refused (and read no further than the limit).
#[test]
fn generate_refuses_a_document_over_the_size_limit() {
    let dir = scratch("generate-oversized");
    let spec = dir.join("big.json");
    let header = br#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}"#;
    let mut bytes = header.to_vec();
    bytes.resize(amperity_codegen::limits::MAX_DOCUMENT_BYTES + 1, b' ');
    fs::write(&spec, &bytes).expect("written");
    let out = dir.join("client");
    let args = [
        "generate",
        "--spec",
        &spec.display().to_string(),
        "--out",
        &out.display().to_string(),
    ];
    let output = xtask(&args);
    assert_eq!(code(&output), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).trim_end(),
        "error: big.json#: the document is larger than 16777216 bytes (16 MiB), the most accepted"
    );
    assert!(!out.exists());
    // One byte less is read and generated.
    bytes.truncate(amperity_codegen::limits::MAX_DOCUMENT_BYTES);
    fs::write(&spec, &bytes).expect("written");
    let output = xtask(&args);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert!(out.join("src/api/mod.rs").is_file());
}

/// `--runtime-path` is written into the manifest as given, once it leads (from the output
/// directory, which need not exist yet) to a crate; otherwise exit 2 and nothing written.
#[test]
fn generate_names_the_runtime_crate_at_the_given_path() {
    let dir = scratch("generate-runtime-path");
    let runtime = dir.join("vendor/amperity-runtime");
    fs::create_dir_all(&runtime).expect("runtime dir");
    let out = dir.join("clients/keywords");
    let spec = "tests/fixtures/hazards/keywords.yaml";
    let out_arg = out.display().to_string();
    let generate = |runtime_path: &str| {
        xtask(&[
            "generate",
            "--spec",
            spec,
            "--out",
            &out_arg,
            "--runtime-path",
            runtime_path,
        ])
    };

    let missing = generate("../../vendor/amperity-runtime");
    assert_eq!(code(&missing), Some(2), "{}", stderr(&missing));
    let err = stderr(&missing);
    assert!(
        err.starts_with("error: --runtime-path ../../vendor/amperity-runtime: no Cargo.toml at "),
        "{err}"
    );
    assert!(!out.exists(), "something was written");

    fs::write(runtime.join("Cargo.toml"), "[package]\n").expect("manifest");
    let written = generate("../../vendor/amperity-runtime");
    assert_eq!(code(&written), Some(0), "{}", stderr(&written));
    let manifest = fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
    assert!(
        manifest.contains(
            "amperity-runtime = { version = \"0.1.0\", path = \"../../vendor/amperity-runtime\" }"
        ),
        "{manifest}"
    );
}

const SMALL: &str = "openapi: 3.0.3
info: {title: Small, version: '1'}
paths:
  /things:
    get:
      operationId: list-things
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Thing:
      type: object
      required: [id, status]
      properties:
        id: {type: string}
        status: {type: string}
";

/// `generate --overlay` applies each overlay in order before anything reads the document,
/// lists them in the headers, and refuses (writing nothing) one whose target selects
/// nothing.
#[test]
fn generate_applies_overlays_and_names_them() {
    let dir = scratch("generate-overlays");
    fs::write(dir.join("small.yaml"), SMALL).unwrap();
    let overlay = |file: &str, target: &str| {
        let text = format!(
            "overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n  - target: \"{target}\"\n    remove: true\n"
        );
        fs::write(dir.join(file), text).unwrap();
        dir.join(file).display().to_string()
    };
    let first = overlay(
        "1-status.yaml",
        "$.components.schemas.Thing.required[?@ == 'status']",
    );
    // Applies to the result of the first: `status` is no longer in `required`.
    let second = overlay(
        "2-id.yaml",
        "$.components.schemas.Thing.required[?@ == 'id']",
    );
    let out = dir.join("client");
    let spec = dir.join("small.yaml").display().to_string();
    let run = |overlays: &[&str]| {
        let mut args = vec!["generate", "--spec", &spec, "--out"];
        let out = out.display().to_string();
        args.push(&out);
        for overlay in overlays {
            args.extend(["--overlay", overlay]);
        }
        xtask(&args)
    };

    let output = run(&[&first, &second]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let models = fs::read_to_string(out.join("src/api/models.rs")).unwrap();
    let header: Vec<&str> = models.lines().take(4).collect();
    assert!(
        header[2].starts_with("// overlay: 1-status.yaml (sha256 "),
        "{header:?}"
    );
    assert!(
        header[3].starts_with("// overlay: 2-id.yaml (sha256 "),
        "{header:?}"
    );
    assert!(
        models.contains("pub status: ::std::option::Option<::std::string::String>"),
        "{models}"
    );
    assert!(
        models.contains("pub id: ::std::option::Option<"),
        "{models}"
    );

    fs::remove_dir_all(&out).unwrap();
    // Applied twice, the first overlay finds nothing the second time.
    let output = run(&[&first, &first]);
    let err = stderr(&output);
    assert_eq!(code(&output), Some(2), "{err}");
    assert!(
        err.starts_with("error: 1-status.yaml#/actions/0/target: `$.components.schemas.Thing.required[?@ == 'status']` selects nothing in small.yaml"),
        "{err}"
    );
    assert!(!out.exists(), "something was written");
}

/// `diff` compares a pinned document with its overlays applied: against the same bytes
/// without them, the overlay's change is all there is.
#[test]
fn diff_applies_a_pinned_documents_overlays() {
    let manifest = xtask::spec::Manifest::load(&root()).unwrap();
    let pinned = manifest.find("control-plane-2024-04-01").unwrap();
    let bytes = xtask::spec::resolve(&root(), pinned).unwrap().bytes;
    let raw = scratch("diff-overlays").join("as-published.json");
    fs::write(&raw, bytes).unwrap();
    let raw = raw.display().to_string();

    let output = xtask(&["diff", "control-plane-2024-04-01", &raw]);
    let report = stdout(&output);
    assert!(report.contains("Segment"), "{report}");
    assert!(report.contains("status"), "{report}");
    let output = xtask(&["diff", &raw, &raw]);
    assert!(!stdout(&output).contains("status"), "{}", stdout(&output));
}
