//! The spec drift report (`cargo xtask diff`): fixture pairs of our own, one rule each
//! (`tests/fixtures/diff/<case>/{old,new}.yaml`), snapshotted as text (one also as JSON),
//! and the real report from the stable control-plane document to the unstable one.

use std::fs;

use amperity_codegen::diff::{Class, Report, diff_bytes};
use xtask::spec::{Manifest, resolve};

use crate::support::root;

/// Every fixture and the (breaking, non-breaking) counts its rule must produce: checked
/// before the snapshot, so a wrong classification fails with a message, not only a diff.
const EXPECTED: &[(&str, usize, usize)] = &[
    ("additional_properties", 3, 1),
    ("allof_merged", 1, 1),
    ("circular_schema", 1, 1),
    ("client_set_headers_and_int64", 1, 0),
    ("enum_restriction_changed", 2, 0),
    ("error_code_removed", 0, 1),
    ("field_enum_changed", 1, 2),
    ("field_type_changed", 2, 0),
    ("media_type_changed", 1, 2),
    ("no_changes", 0, 0),
    ("operation_added", 0, 1),
    ("operation_deprecated", 0, 1),
    ("operation_id_renamed", 1, 0),
    ("operation_removed", 1, 0),
    ("optional_param_added", 0, 1),
    ("pagination_added", 2, 0),
    ("param_default_changed", 0, 1),
    ("param_enum_changed", 1, 1),
    ("param_made_optional", 0, 1),
    ("param_made_required", 1, 0),
    ("param_removed", 1, 0),
    ("param_type_changed", 2, 0),
    ("path_level_param", 1, 0),
    ("ref_schemas", 2, 0),
    ("request_body_added_required", 1, 0),
    ("request_body_made_required", 1, 0),
    ("request_body_removed", 1, 0),
    ("request_field_added_optional", 0, 1),
    ("request_field_added_required", 1, 0),
    ("request_field_made_optional", 0, 1),
    ("request_field_made_required", 1, 0),
    ("request_field_nullable", 1, 1),
    ("request_field_removed", 1, 0),
    ("required_param_added", 1, 0),
    ("response_code_added", 0, 2),
    ("response_field_added", 0, 2),
    ("response_field_made_nullable", 1, 0),
    ("response_field_made_optional", 1, 1),
    ("response_field_removed", 1, 0),
    ("schemas_added_removed", 1, 1),
    ("server_added", 0, 1),
    ("server_changed", 1, 1),
    ("server_removed", 1, 0),
    ("success_code_removed", 1, 0),
    ("unused_schema_changed", 2, 1),
];

fn read(case: &str, side: &str) -> Vec<u8> {
    let path = root()
        .join("tests/fixtures/diff")
        .join(case)
        .join(format!("{side}.yaml"));
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn fixture_report(case: &str) -> Report {
    diff_bytes(
        "old.yaml",
        &read(case, "old"),
        "new.yaml",
        &read(case, "new"),
    )
    .unwrap_or_else(|e| panic!("{case}: {e}"))
}

#[test]
fn every_fixture_has_an_expectation() {
    let dir = root().join("tests/fixtures/diff");
    let mut cases: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .map(|path| crate::support::stem(&path))
        .collect();
    cases.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(case, ..)| *case).collect();
    assert_eq!(
        cases, listed,
        "tests/fixtures/diff and EXPECTED must list the same cases"
    );
}

#[test]
fn fixture_pairs_are_classified_and_snapshotted() {
    for (case, breaking, non_breaking) in EXPECTED {
        let report = fixture_report(case);
        let text = report.to_text();
        assert_eq!(
            (report.breaking(), report.non_breaking()),
            (*breaking, *non_breaking),
            "{case}: wrong classification:\n{text}"
        );
        insta::assert_snapshot!(format!("diff__{case}"), text);
    }
}

/// Comparing a document with itself finds nothing, and comparing backwards works too (a
/// removal becomes an addition): no fixture makes the walk fail in either direction.
#[test]
fn fixture_pairs_compare_with_themselves_and_backwards() {
    for (case, ..) in EXPECTED {
        for side in ["old", "new"] {
            let bytes = read(case, side);
            let same = diff_bytes("a.yaml", &bytes, "b.yaml", &bytes)
                .unwrap_or_else(|e| panic!("{case}/{side}: {e}"));
            assert_eq!(same.changes, [], "{case}/{side} differs from itself");
        }
        let backwards = diff_bytes(
            "new.yaml",
            &read(case, "new"),
            "old.yaml",
            &read(case, "old"),
        )
        .unwrap_or_else(|e| panic!("{case} backwards: {e}"));
        let forwards = fixture_report(case);
        assert_eq!(
            backwards.changes.is_empty(),
            forwards.changes.is_empty(),
            "{case}"
        );
    }
}

#[test]
fn json_report_snapshot() {
    let report = fixture_report("ref_schemas");
    let json = report.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["format"], 1);
    assert_eq!(value["changes"].as_array().map(Vec::len), Some(2));
    insta::assert_snapshot!("diff__ref_schemas__json", json);
}

fn pinned(name: &str) -> (String, Vec<u8>) {
    let root = root();
    let manifest = Manifest::load(&root).expect("manifest");
    let document = manifest.find(name).expect("pinned");
    let resolved = resolve(&root, document).expect("pinned document resolves");
    (document.file.clone(), resolved.bytes)
}

/// The unstable document adds `GET /campaign-drafts` and its two schemas, and lets
/// `api-version` be `unstable`; nothing in it breaks a client of the stable one.
#[test]
fn stable_to_unstable_report() {
    let (old_name, old) = pinned("control-plane-2024-04-01");
    let (new_name, new) = pinned("control-plane-unstable");
    let report = diff_bytes(&old_name, &old, &new_name, &new).unwrap_or_else(|e| panic!("{e}"));
    let text = report.to_text();
    assert_eq!(report.breaking(), 0, "{text}");
    for label in [
        "GET /campaign-drafts",
        "components › schema CampaignDraft",
        "components › schema CampaignDraftList",
    ] {
        assert!(
            report
                .changes
                .iter()
                .any(|c| c.class == Class::NonBreaking && c.location.label == label),
            "{label} is not reported as a non-breaking change:\n{text}"
        );
    }
    insta::assert_snapshot!("diff__stable_to_unstable", text);
}

/// The diff reads every pinned document, including the Profile API that the generator cannot
/// generate yet, and each one compared with itself has no changes.
#[test]
fn every_pinned_document_compares() {
    let manifest = Manifest::load(&root()).expect("manifest");
    let documents: Vec<(String, Vec<u8>)> =
        manifest.documents.iter().map(|d| pinned(&d.name)).collect();
    for (old_name, old) in &documents {
        for (new_name, new) in &documents {
            let report = diff_bytes(old_name, old, new_name, new).unwrap_or_else(|e| panic!("{e}"));
            if old_name == new_name {
                assert_eq!(report.changes, [], "{old_name}");
            } else {
                assert_ne!(report.changes, [], "{old_name} -> {new_name}");
            }
        }
    }
}
