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
        test_kit_examples: Vec::new(),
        runtime_path: "../amperity-runtime".to_owned(),
    };
    let input = ApiInput {
        module: "api",
        document: file,
        bytes,
        sha256: "0",
        feature: None,
        rate_limit: None,
        rate_limit_family: None,
        overlays: &[],
        conventions: None,
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

/// Documents built here rather than stored: each crosses one limit of
/// `amperity_codegen::limits` (or stays just within it) and is checked by its error.
mod limits {
    use amperity_codegen::ErrorKind;
    use amperity_codegen::limits::{MAX_NESTING, MAX_OPERATIONS, MAX_SCHEMA_NESTING};

    use super::generate;

    const HEADER: &str = r#""openapi": "3.0.3", "info": {"title": "t", "version": "1"}"#;

    fn error(document: &str) -> amperity_codegen::Error {
        generate("limits.json", document.as_bytes()).expect_err("must fail")
    }

    /// `{"type": "array", "items": …}` or `{"type": "object", "properties": {"p": …}}`,
    /// `levels` schemas deep in all.
    fn nested(levels: usize, array: bool) -> String {
        let mut schema = r#"{"type": "string"}"#.to_owned();
        for _ in 1..levels {
            schema = if array {
                format!(r#"{{"type": "array", "items": {schema}}}"#)
            } else {
                format!(r#"{{"type": "object", "properties": {{"p": {schema}}}}}"#)
            };
        }
        format!(r#"{{{HEADER}, "paths": {{}}, "components": {{"schemas": {{"Deep": {schema}}}}}}}"#)
    }

    /// At the limit, the deepest schemas load, lower and render on a test thread's stack
    /// (2 MiB) in a debug build; one level more is refused before `openapiv3` reads them.
    #[test]
    fn schema_nesting() {
        for array in [true, false] {
            generate("deep.json", nested(MAX_SCHEMA_NESTING, array).as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
            let e = error(&nested(MAX_SCHEMA_NESTING + 1, array));
            assert_eq!(e.kind, ErrorKind::Limit, "{e}");
            assert!(
                e.message.starts_with("schemas nest more than 32 levels"),
                "{e}"
            );
            let step = if array { "/items" } else { "/properties/p" };
            assert_eq!(
                e.pointer,
                format!(
                    "/components/schemas/Deep{}",
                    step.repeat(MAX_SCHEMA_NESTING)
                ),
            );
        }
    }

    /// Schemas nested to the limit inside a response, the innermost holding an example
    /// nested to the JSON limit: the deepest the stages recurse, on a test thread's stack
    /// (2 MiB) in a debug build. One more level of example is refused.
    #[test]
    fn the_deepest_document_within_the_limits_generates() {
        for array in [true, false] {
            // The root is level 1 and the response's schema level 9; `items` adds one
            // level, `properties` two.
            let step = if array { 1 } else { 2 };
            let innermost = 9 + (MAX_SCHEMA_NESTING - 1) * step;
            let document = |example_depth: usize| {
                let mut body = format!(
                    r#"{{"type": "string", "example": {}{}}}"#,
                    "[".repeat(example_depth),
                    "]".repeat(example_depth)
                );
                for _ in 1..MAX_SCHEMA_NESTING {
                    body = if array {
                        format!(r#"{{"type": "array", "items": {body}}}"#)
                    } else {
                        format!(r#"{{"type": "object", "properties": {{"p": {body}}}}}"#)
                    };
                }
                format!(
                    r#"{{{HEADER}, "paths": {{"/a": {{"get": {{"operationId": "a", "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{"schema": {body}}}}}}}}}}}}}}}}}"#
                )
            };
            let depth = MAX_NESTING - innermost;
            generate("deepest.json", document(depth).as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            let e = error(&document(depth + 1));
            assert!(
                e.message.starts_with("arrays and objects nest more than"),
                "{e}"
            );
        }
    }

    #[test]
    fn operations() {
        let paths: Vec<String> = (0..=MAX_OPERATIONS)
            .map(|i| format!(r#""/p{i}": {{"get": {{"operationId": "op{i}", "responses": {{"204": {{"description": "ok"}}}}}}}}"#))
            .collect();
        let e = error(&format!(
            r#"{{{HEADER}, "paths": {{{}}}}}"#,
            paths.join(",")
        ));
        assert_eq!(e.kind, ErrorKind::Limit, "{e}");
        assert_eq!(e.pointer, format!("/paths/~1p{MAX_OPERATIONS}/get"));
    }

    /// A response shared by many operations is lowered for each of them: 500 operations
    /// referring to one response of 1,000 properties would be 500,000 fields. The budget
    /// runs out while the shared response is lowered once too often: the error points into it.
    #[test]
    fn shared_responses_are_counted_for_every_operation() {
        let properties: Vec<String> = (0..1000)
            .map(|i| format!(r#""p{i}": {{"type": "string"}}"#))
            .collect();
        let paths: Vec<String> = (0..500)
            .map(|i| format!(r##""/p{i}": {{"get": {{"operationId": "op{i}", "responses": {{"200": {{"$ref": "#/components/responses/Big"}}}}}}}}"##))
            .collect();
        let document = format!(
            r#"{{{HEADER}, "paths": {{{}}}, "components": {{"responses": {{"Big": {{"description": "ok", "content": {{"application/json": {{"schema": {{"type": "object", "properties": {{{}}}}}}}}}}}}}}}}}"#,
            paths.join(","),
            properties.join(",")
        );
        let e = error(&document);
        assert_eq!(e.kind, ErrorKind::Limit, "{e}");
        assert!(e.message.contains("more than 1000000 values"), "{e}");
        assert!(e.pointer.starts_with("/components/responses/Big/"), "{e}");
    }

    /// Decided: a `required` name without a property of that name is accepted. JSON Schema
    /// allows it, the generated type has no field for it (serde ignores the value), and a
    /// document that removes a property often keeps it in `required`.
    #[test]
    fn a_required_name_without_its_property_is_accepted() {
        let document = format!(
            r#"{{{HEADER}, "paths": {{}}, "components": {{"schemas": {{"Thing": {{"type": "object", "required": ["id", "nmae"], "properties": {{"id": {{"type": "string"}}}}}}}}}}}}"#
        );
        let spec = amperity_codegen::load("t.json", document.as_bytes()).expect("loads");
        let api = amperity_codegen::lower("t.json", "api", &spec).expect("lowers");
        let summary = amperity_codegen::summary(&api);
        assert!(summary.contains("id: String"), "{summary}");
        assert!(!summary.contains("nmae"), "{summary}");
        generate("t.json", document.as_bytes()).expect("generates");
    }
}
