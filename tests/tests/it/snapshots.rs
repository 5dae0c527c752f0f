//! Snapshots of what the pinned documents become: a one-screen summary of the model, and
//! the rendered code split per generated file, so a spec refresh is reviewed with
//! `cargo insta review`.

use crate::support::root;
use xtask::overlays;
use xtask::spec::{Manifest, resolve};

#[test]
fn pinned_documents() {
    let root = root();
    let manifest = Manifest::load(&root).expect("manifest");
    for document in &manifest.documents {
        let resolved = resolve(&root, document).expect("pinned document resolves");
        let module = document.module.clone().unwrap_or_else(|| "api".to_owned());
        // As regen sees it: with the document's overlays applied.
        let overlays = overlays::for_document(&root, document).expect("overlays read");
        let overlays = overlays::inputs(&overlays);
        let lowered = amperity_codegen::load_overlaid(&document.file, &resolved.bytes, &overlays)
            .and_then(|spec| {
                let conventions = document.conventions();
                amperity_codegen::lower_with(&document.file, &module, &spec, conventions.as_ref())
            });
        let text = match lowered {
            Ok(api) => amperity_codegen::summary(&api),
            // Documents the generator cannot read yet are snapshotted with their error, so
            // the day they generate shows up in review.
            Err(e) => format!("error: {e}\n"),
        };
        insta::assert_snapshot!(format!("summary__{}", document.name), text);
    }
}

#[test]
fn committed_crate_files() {
    let files = xtask::regen::committed_crate_files(&root()).expect("generates");
    for (path, contents) in &files.files {
        let name = path.replace(['/', '.'], "_");
        insta::assert_snapshot!(format!("code__{name}"), contents);
    }
}
