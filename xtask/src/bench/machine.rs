//! What the report says about the machine and the tools, read from the system at run time
//! (Linux's `/proc` and `/etc/os-release`; "unknown" elsewhere).

use std::path::Path;

use super::cmd;
use super::peers::Peers;

/// The machine the figures were measured on.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub cores: String,
    pub memory: String,
    pub os: String,
}

impl Machine {
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = field(&cpuinfo, "model name").unwrap_or_else(|| "unknown".to_owned());
        let logical = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let usable = std::thread::available_parallelism().map_or(0, |n| n.get());
        let cores = format!("{usable} usable ({logical} logical CPUs listed in /proc/cpuinfo)");
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = field(&meminfo, "MemTotal")
            .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or_else(
                || "unknown".to_owned(),
                |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
            );
        let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let name = field_eq(&release, "PRETTY_NAME").unwrap_or_else(|| "unknown".to_owned());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|k| k.trim().to_owned())
            .unwrap_or_else(|_| "unknown".to_owned());
        Self {
            cpu,
            cores,
            memory,
            os: format!("{name}, Linux {kernel}"),
        }
    }
}

/// The versions of everything measured or used to measure.
#[derive(Debug, Clone)]
pub struct Versions {
    pub rows: Vec<(String, String)>,
}

impl Versions {
    pub fn detect(root: &Path, peers: &Peers) -> Self {
        let unknown = || "unknown".to_owned();
        let mut rows = vec![
            (
                "rustc".to_owned(),
                cmd::first_line("rustc", &["-V"]).unwrap_or_else(unknown),
            ),
            (
                "cargo".to_owned(),
                cmd::first_line("cargo", &["-V"]).unwrap_or_else(unknown),
            ),
            ("ours (commit)".to_owned(), our_commit(root)),
        ];
        rows.push(("cargo-progenitor".to_owned(), peers.progenitor_version()));
        rows.push((
            "openapi-generator".to_owned(),
            peers.openapi_generator_version(),
        ));
        // `java -version` prints to stderr.
        rows.push((
            "Java".to_owned(),
            cmd::first_line("java", &["-version"]).unwrap_or_else(unknown),
        ));
        rows.push((
            "Python (runs openapi-generator-cli)".to_owned(),
            cmd::first_line(peers.python(), &["--version"]).unwrap_or_else(unknown),
        ));
        Self { rows }
    }
}

/// `abc1234` or `abc1234 + uncommitted changes`.
fn our_commit(root: &Path) -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown (not a git checkout)".to_owned();
    };
    // BENCHMARKS.md itself changes with every run: it does not make the code dirty.
    let dirty = git(&["status", "--porcelain", "--", ".", ":!BENCHMARKS.md"])
        .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{commit} + uncommitted changes")
    } else {
        commit
    }
}

/// The value of `key : value` lines (`/proc/cpuinfo`, `/proc/meminfo`).
fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_owned())
    })
}

/// The value of `KEY="value"` lines (`/etc/os-release`).
fn field_eq(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_and_os_release_fields() {
        let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\n";
        assert_eq!(
            field(cpuinfo, "model name").as_deref(),
            Some("AMD EPYC 7B13")
        );
        assert_eq!(
            field("MemTotal:  24000 kB\n", "MemTotal").as_deref(),
            Some("24000 kB")
        );
        let release = "NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
        assert_eq!(
            field_eq(release, "PRETTY_NAME").as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(field_eq(release, "VERSION"), None);
    }
}
