//! The committed crate is exactly what `cargo xtask regen` writes from the pinned documents.

use crate::support::root;

#[test]
fn committed_crate_is_fresh() {
    match xtask::regen::check(&root()).expect("the pinned documents generate") {
        None => {}
        Some(diff) => panic!(
            "amperity-generated is stale; run `cargo xtask regen` and commit the result.\n\n{diff}"
        ),
    }
}

#[test]
fn regen_is_deterministic() {
    let first = xtask::regen::committed_crate_files(&root()).expect("generates");
    let second = xtask::regen::committed_crate_files(&root()).expect("generates");
    assert_eq!(first, second);
}
