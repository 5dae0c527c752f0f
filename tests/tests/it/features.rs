//! Every feature combination of `amperity-generated` compiles warning-free on its own:
//! none (the stable control plane only), `unstable`, `profile`, `test-kit` (the control
//! plane's mock), and all of them. The other tests
//! run with both enabled; cargo unifies features across a workspace, so only a separate
//! build proves that a module does not lean on another one's code.

use std::fs;
use std::process::{Command, Output};

use crate::support::{nested_target, root, scratch_dir};

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
        &["--no-default-features", "--features", "test-kit"],
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

/// A client of one document cannot be made from another document's runtime: the
/// Profile API's runtime sends the Profile API's api-version, which the control plane
/// would refuse. A crate of our own that only passes clients around compiles; adding the
/// conversion makes it fail to compile, at that line, for want of a `From` impl.
#[test]
fn clients_of_different_documents_do_not_mix() {
    let dir = scratch_dir("mixing-clients");
    let generated = root().join("amperity-generated");
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"mixing-clients\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\namperity-generated = {{ path = {:?}, \
             features = [\"profile\"] }}\n\n[workspace]\n",
            generated.display().to_string()
        ),
    )
    .expect("manifest written");
    fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file copied");
    fs::create_dir_all(dir.join("src")).expect("src dir");
    let passing = "use amperity_generated::{control_plane, profile};\n\
        pub fn same(a: &profile::Client, b: &control_plane::Client) -> (profile::Client, control_plane::Client) {\n    \
        (a.clone(), b.clone())\n}\n";
    let check = || -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        Command::new(cargo)
            .args(["check", "--quiet", "--offline"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", nested_target())
            .output()
            .expect("cargo runs")
    };

    fs::write(dir.join("src/lib.rs"), passing).expect("lib.rs written");
    let output = check();
    assert!(
        output.status.success(),
        "the crate without the conversion must compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let mixing = format!(
        "{passing}pub fn mixed(p: &profile::Client) -> control_plane::Client {{\n    \
         control_plane::Client::from(p.runtime().clone())\n}}\n"
    );
    fs::write(dir.join("src/lib.rs"), mixing).expect("lib.rs written");
    let output = check();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "mixing clients compiled");
    assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
    assert!(stderr.contains("error[E0277]"), "{stderr}");
    assert!(stderr.contains("From<ApiClient>"), "{stderr}");
    assert!(stderr.contains("src/lib.rs:6:"), "{stderr}");
}

/// The fleet-wide rate limiter is opt-in: without the `redis` feature neither the
/// generated crate nor the runtime depends on the redis crate (`cargo tree` reads the
/// lock file and builds nothing); with it, they do.
#[test]
fn the_redis_feature_alone_brings_the_redis_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let tree = |features: &[&str]| {
        let output = Command::new(&cargo)
            .args([
                "tree",
                "--quiet",
                "--offline",
                "--package",
                "amperity-generated",
            ])
            .args(["--edges", "normal", "--prefix", "none"])
            .args(features)
            .current_dir(root())
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let has_redis = |tree: &str| tree.lines().any(|line| line.starts_with("redis v"));
    let default = tree(&["--no-default-features", "--features", "unstable,profile"]);
    assert!(
        !has_redis(&default),
        "the default build depends on redis:\n{default}"
    );
    assert!(has_redis(&tree(&["--features", "redis"])));
}
