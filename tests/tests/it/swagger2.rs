//! Swagger 2.0 fixtures of our own (`tests/fixtures/swagger2/`): each goes through the whole
//! pipeline (converted while loading); the converted document, the model summary and the
//! rendered code are snapshotted, and all of them are compiled together as one crate with
//! warnings denied. `control_plane.json` must generate exactly what its hand-written 3.0
//! equivalent (`openapi3/control_plane.json`) generates.

use std::fs;

use amperity_codegen::{ApiInput, ErrorKind};

use crate::fixtures::{Fixture, compile_without_warnings, fixtures, rendered, standalone};
use crate::support::{root, scratch_dir};

const COMMAND: &str = "cargo test (Swagger 2.0 fixtures)";

/// Fixtures that convert but that lowering refuses today, with the error a user sees.
const REFUSED: &[(&str, ErrorKind, &str, &str)] = &[(
    "allof_contradiction.yaml",
    ErrorKind::Unsupported,
    // Under `definitions`, where the 2.0 document has it, not `components/schemas`.
    "/definitions/Item/allOf/1/properties/size",
    "allOf parts define property \"size\" as a string (at /definitions/Item/allOf/0/properties/size) and as an integer here: no value is both",
)];

fn generating() -> Vec<Fixture> {
    fixtures("swagger2")
        .into_iter()
        .filter(|f| !REFUSED.iter().any(|(file, ..)| *file == f.file))
        .collect()
}

/// The document as the generator reads it after the conversion: re-serialized by
/// `openapiv3`, so in its field order, with its defaults (`style`) filled in and without
/// the fields it does not model. The converter's own output, in document order, is
/// checked by the unit tests in `amperity-codegen/src/swagger2/tests.rs`.
fn converted(fixture: &Fixture) -> String {
    let spec =
        amperity_codegen::load(&fixture.file, &fixture.bytes).unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_string_pretty(&spec).expect("serializable")
}

#[test]
fn swagger2_fixtures_snapshot() {
    for fixture in fixtures("swagger2") {
        insta::assert_snapshot!(format!("{}__converted", fixture.name), converted(&fixture));
    }
    for fixture in generating() {
        for (part, contents) in rendered(&fixture, COMMAND) {
            insta::assert_snapshot!(format!("{}__{part}", fixture.name), contents);
        }
    }
}

#[test]
fn swagger2_fixtures_compile_without_warnings() {
    compile_without_warnings("swagger2-fixtures", COMMAND, &generating());
}

/// Lowering refuses a contradiction; the error names the place in the 2.0 document, not
/// the one the conversion moved it to.
#[test]
fn refused_fixtures_fail_with_a_pointer_into_the_2_0_document() {
    for (file, kind, pointer, message) in REFUSED {
        let fixture = fixtures("swagger2")
            .into_iter()
            .find(|f| f.file == *file)
            .expect("fixture exists");
        let input = ApiInput {
            module: &fixture.name,
            document: &fixture.file,
            bytes: &fixture.bytes,
            sha256: "fixture",
            feature: None,
            rate_limit: None,
            rate_limit_family: None,
            overlays: &[],
            conventions: None,
        };
        let error = amperity_codegen::generate_crate(&standalone("refused", COMMAND), &[input])
            .expect_err("lowering refuses it");
        assert_eq!(
            (error.kind, error.pointer.as_str(), error.message.as_str()),
            (*kind, *pointer, *message),
            "{error}"
        );
    }
}

/// The strongest check of the conversion: the generated files are byte for byte those of
/// a 3.0 document written by hand (same document name, so the headers match too).
#[test]
fn swagger2_and_its_3_0_equivalent_generate_identical_code() {
    let dir = root().join("tests/fixtures/swagger2");
    let generate = |path: &str| {
        let bytes = fs::read(dir.join(path)).expect("readable");
        let input = ApiInput {
            module: "control_plane",
            document: "control_plane.json",
            bytes: &bytes,
            sha256: "fixture",
            feature: None,
            rate_limit: None,
            rate_limit_family: None,
            overlays: &[],
            conventions: None,
        };
        amperity_codegen::generate_crate(&standalone("equivalent", COMMAND), &[input])
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .files
    };
    let from_2_0 = generate("control_plane.json");
    let from_3_0 = generate("openapi3/control_plane.json");
    assert_eq!(
        from_2_0.keys().collect::<Vec<_>>(),
        from_3_0.keys().collect::<Vec<_>>()
    );
    for (path, contents) in &from_3_0 {
        assert_eq!(&from_2_0[path], contents, "{path} differs");
    }
}

/// `cargo xtask generate --spec <2.0 document>` goes through the same loading.
#[test]
fn generate_command_accepts_a_swagger2_document() {
    let out = scratch_dir("generate-swagger2");
    let spec = root().join("tests/fixtures/swagger2/references.yaml");
    let outcome = xtask::regen::generate_standalone(
        &root(),
        &xtask::regen::Standalone {
            spec: &spec,
            out: &out,
            name: "references",
            module: "api",
            runtime_path: None,
            overlays: &[],
            amperity: false,
        },
    )
    .expect("generates");
    assert!(!outcome.written.is_empty());
    let module = fs::read_to_string(out.join("src/api/mod.rs")).expect("module");
    assert!(module.contains("pub fn replace_item("), "{module}");
    assert!(module.contains("// source: references.yaml"), "{module}");
}
