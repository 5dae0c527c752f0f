//! Lines of Rust in a generated crate.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

/// Line counts of a set of `.rs` files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lines {
    pub files: usize,
    /// Every line.
    pub total: usize,
    /// Lines that are neither blank nor a line comment (`//`, and `///`/`//!` docs).
    pub code: usize,
}

impl std::ops::AddAssign for Lines {
    fn add_assign(&mut self, other: Lines) {
        self.files += other.files;
        self.total += other.total;
        self.code += other.code;
    }
}

/// Counts the lines of one file's text.
pub fn count_text(text: &str) -> Lines {
    let mut lines = Lines {
        files: 1,
        ..Lines::default()
    };
    for line in text.lines() {
        lines.total += 1;
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with("//") {
            lines.code += 1;
        }
    }
    lines
}

/// Counts every `.rs` file under `dir`, except those under any of `excluded` (directories
/// relative to `dir`).
pub fn count_dir(dir: &Path, excluded: &[PathBuf]) -> Result<Lines> {
    let mut lines = Lines::default();
    for path in rust_files(dir)? {
        let relative = path.strip_prefix(dir).unwrap_or(&path);
        if excluded.iter().any(|e| relative.starts_with(e)) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        lines += count_text(&text);
    }
    Ok(lines)
}

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .with_context(|| format!("cannot read {}", current.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_comment_lines_are_not_code() {
        let text = "//! crate docs\n\n/// an item\npub struct A;\n    // note\nfn f() {}\n";
        assert_eq!(
            count_text(text),
            Lines {
                files: 1,
                total: 6,
                code: 2
            }
        );
    }
}
