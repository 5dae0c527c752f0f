//! Amperity's conventions on the wire: a Swagger 2.0 document shaped like the 2024–2025
//! control-plane documents (an optional query `api_version`, no tenant) generated with
//! `--amperity` gives a client whose every request carries `amperity-tenant` and
//! `api-version`, and no `api_version` query pair. (The lowering rules are unit-tested in
//! `amperity-codegen/src/lower/conventions.rs`.)

use std::fs;

use xtask::regen::{Standalone, generate_standalone};

use crate::fixtures::cargo_in;
use crate::support::{root, scratch_dir};

const FIXTURE: &str = "tests/fixtures/conventions/control_plane_2024.json";

fn generate(name: &str, amperity: bool) -> std::path::PathBuf {
    let out = scratch_dir(name);
    let spec = root().join(FIXTURE);
    generate_standalone(
        &root(),
        &Standalone {
            spec: &spec,
            out: &out,
            name,
            module: "api",
            runtime_path: None,
            overlays: &[],
            amperity,
        },
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    out
}

#[test]
fn an_amperity_document_of_2024_sends_tenant_and_version_headers() {
    // As written, the document gives the client neither header and a per-call setter.
    let plain = generate("amperity-2024-plain", false);
    let module = fs::read_to_string(plain.join("src/api/mod.rs")).unwrap();
    assert!(module.contains("const TENANT_HEADER: ::std::option::Option<&'static str> = ::std::option::Option::None;"), "{module}");
    let requests = fs::read_to_string(plain.join("src/api/requests.rs")).unwrap();
    assert!(requests.contains("pub fn api_version("), "{requests}");

    let dir = generate("amperity-2024", true);
    let requests = fs::read_to_string(dir.join("src/api/requests.rs")).unwrap();
    assert!(!requests.contains("api_version"), "{requests}");
    fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file copied");
    fs::create_dir_all(dir.join("tests")).expect("tests dir");
    fs::copy(
        root().join("tests/fixtures/behaviour/conventions.rs"),
        dir.join("tests/wire.rs"),
    )
    .expect("wire test copied");
    cargo_in(&dir, &["test", "--quiet", "--test", "wire"]);
}
