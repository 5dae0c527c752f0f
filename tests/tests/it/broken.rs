//! Broken documents (`tests/fixtures/broken/`) end in a clear error that names the problem
//! and where it is, never a panic, and a failed regen leaves the committed crate untouched.

use std::fs;

use amperity_codegen::{ApiInput, CrateOptions};

use crate::support::{copy_tree, fixture_files, root, scratch_dir, snapshot_tree};

fn generate(file: &str, bytes: &[u8]) -> Result<(), amperity_codegen::Error> {
    let options = CrateOptions {
        name: "broken".to_owned(),
        command: "test".to_owned(),
        workspace_member: false,
        extra_modules: Vec::new(),
    };
    let input = ApiInput {
        module: "api",
        document: file,
        bytes,
        sha256: "0",
        feature: None,
        rate_limit: None,
    };
    amperity_codegen::generate_crate(&options, &[input]).map(|_| ())
}

/// Every broken document fails, and the messages (one line each) are snapshotted.
#[test]
fn every_broken_document_fails_with_a_located_message() {
    let mut report = String::new();
    for path in fixture_files("broken") {
        let file = path
            .file_name()
            .expect("file")
            .to_string_lossy()
            .into_owned();
        let bytes = fs::read(&path).expect("readable");
        let outcome = std::panic::catch_unwind(|| generate(&file, &bytes));
        let error = match outcome {
            Err(_) => panic!("{file}: the generator panicked"),
            Ok(Ok(())) => panic!("{file}: generated without an error"),
            Ok(Err(e)) => e,
        };
        assert!(
            error.to_string().starts_with(&format!("{file}#")),
            "{error}"
        );
        report.push_str(&format!("{:?}: {error}\n", error.kind));
    }
    insta::assert_snapshot!(report);
}

/// A temp workspace whose manifest pins `bytes` for the module `control_plane`, with a
/// copy of the committed crate.
fn scratch_workspace(name: &str, file: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    fs::create_dir_all(dir.join("spec/cache")).expect("spec dir");
    fs::write(dir.join("spec/cache").join(file), bytes).expect("cached document");
    fs::write(
        dir.join("spec/manifest.toml"),
        format!(
            "[[document]]\nname = \"under-test\"\nfile = \"{file}\"\nurl = \"http://127.0.0.1:9/{file}\"\nversion = \"1\"\nsha256 = \"{}\"\nmodule = \"control_plane\"\n",
            xtask::spec::sha256_hex(bytes)
        ),
    )
    .expect("manifest");
    copy_tree(
        &root().join("amperity-generated"),
        &dir.join("amperity-generated"),
    );
    dir
}

#[test]
fn failed_regen_leaves_the_crate_byte_for_byte() {
    for path in fixture_files("broken") {
        let file = path
            .file_name()
            .expect("file")
            .to_string_lossy()
            .into_owned();
        let workspace =
            scratch_workspace("failed-regen", &file, &fs::read(&path).expect("readable"));
        let before = snapshot_tree(&workspace.join("amperity-generated"));
        let error = xtask::regen::regen(&workspace).expect_err("a broken document must fail");
        assert!(error.to_string().contains(&file), "{error}");
        assert_eq!(
            before,
            snapshot_tree(&workspace.join("amperity-generated")),
            "{file}"
        );
    }
}

/// The control for the test above: the same set-up with a good document does write.
#[test]
fn regen_in_a_scratch_workspace_writes_when_the_document_is_good() {
    let good = br#"{"openapi":"3.0.3","info":{"title":"Tiny","version":"1"},"paths":{"/ping":{"get":{"operationId":"ping","responses":{"204":{"description":"pong"}}}}}}"#;
    let workspace = scratch_workspace("good-regen", "tiny.json", good);
    let outcome = xtask::regen::regen(&workspace).expect("generates");
    assert!(!outcome.written.is_empty());
    let module = fs::read_to_string(workspace.join("amperity-generated/src/control_plane/mod.rs"))
        .expect("written");
    assert!(module.contains("pub fn ping(&self)"), "{module}");
    // A second run finds nothing to do.
    assert!(
        xtask::regen::regen(&workspace)
            .expect("generates")
            .written
            .is_empty()
    );
}
