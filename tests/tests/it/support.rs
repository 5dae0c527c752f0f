//! Helpers shared by the test modules.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    xtask::spec::workspace_root()
}

/// The files of a fixture directory, sorted by name.
pub fn fixture_files(dir: &str) -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures").join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The file name without extension, e.g. `keywords` for `keywords.yaml`.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every file under `dir` with its bytes, for before/after comparisons.
pub fn snapshot_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.clone(), fs::read(&path).expect("readable file"));
            }
        }
    }
    files
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for (path, bytes) in snapshot_tree(from) {
        let target = to.join(path.strip_prefix(from).expect("inside the tree"));
        fs::create_dir_all(target.parent().expect("has a parent")).expect("create dir");
        fs::write(target, bytes).expect("write file");
    }
}

/// A fresh, empty directory under cargo's per-test-target temp dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The target directory for cargo commands that tests run themselves: not the workspace's
/// own (the outer `cargo test` holds its lock), but one shared by those tests so that
/// dependencies are compiled once.
pub fn nested_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("nested-target")
}
