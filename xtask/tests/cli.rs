//! The `xtask` binary itself: arguments and exit codes (0 no breaking changes, 1 breaking
//! changes, 2 errors), as the USAGE text documents them.

use std::path::PathBuf;
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
