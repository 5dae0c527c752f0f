//! Every feature combination of `amperity-generated` compiles warning-free on its own:
//! none (the stable control plane only), `unstable`, `profile`, and both. The other tests
//! run with both enabled; cargo unifies features across a workspace, so only a separate
//! build proves that a module does not lean on another one's code.

use std::process::Command;

use crate::support::{nested_target, root};

#[test]
fn every_feature_combination_builds_without_warnings() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let run = |args: &[&str]| {
        let output = Command::new(&cargo)
            .args(args)
            .current_dir(root())
            .env("CARGO_TARGET_DIR", nested_target())
            .env("RUSTDOCFLAGS", "-D warnings")
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "`cargo {}` failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let package = ["--quiet", "--package", "amperity-generated"];
    // Tests, examples and benches do not depend on the optional modules: checking them
    // once, with everything on, is enough.
    for features in [
        &["--no-default-features"][..],
        &["--no-default-features", "--features", "unstable"],
        &["--no-default-features", "--features", "profile"],
        &["--all-features", "--all-targets"],
    ] {
        let mut args = vec!["clippy"];
        args.extend(package);
        args.extend(features);
        args.extend(["--", "-D", "warnings"]);
        run(&args);
    }
    run(&[
        "doc",
        "--quiet",
        "--package",
        "amperity-generated",
        "--no-deps",
        "--all-features",
    ]);
}
