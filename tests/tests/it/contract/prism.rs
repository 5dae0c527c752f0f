//! Prism (`@stoplight/prism-cli`, pinned in `tests/contract/package-lock.json`): installed
//! from npm on first use, run as a child process on a loopback port, stopped by a guard.

use std::fs::{self, File};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use amperity_generated::runtime::HeaderMap;
use serde::Deserialize;

use crate::support::root;

/// How long Prism may take to load a document and listen (it usually needs 1–3 s; the
/// machine may be busy compiling).
const START_DEADLINE: Duration = Duration::from_secs(90);

/// Written into `node_modules` after a successful `npm ci`: the SHA-256 of the lock file
/// it installed.
const STAMP: &str = ".amperity-contract-lock.sha256";

/// What Prism prints once it accepts connections, followed by its URL.
const LISTENING: &str = "Prism is listening on ";

/// The Prism CLI's JavaScript entry point, installed on first use.
///
/// `npm ci` runs unless `node_modules` holds a stamp with the SHA-256 of the current
/// `package-lock.json`, so later runs reuse the install and a changed lock reinstalls.
/// The test binary's tests run concurrently: the `OnceLock` makes every test wait for one
/// install and share its outcome (an error is repeated to each test that needs Prism).
pub fn entry_point() -> &'static Path {
    static INSTALL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match INSTALL.get_or_init(install) {
        Ok(entry) => entry,
        Err(message) => panic!("{message}"),
    }
}

fn install() -> Result<PathBuf, String> {
    let dir = root().join("tests/contract");
    let lock = fs::read(dir.join("package-lock.json"))
        .map_err(|e| format!("cannot read {}/package-lock.json: {e}", dir.display()))?;
    let want = format!("{}\n", xtask::spec::sha256_hex(&lock));
    let modules = dir.join("node_modules");
    let entry = modules.join("@stoplight/prism-cli/dist/index.js");
    let stamp = modules.join(STAMP);
    if entry.is_file() && fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return Ok(entry);
    }

    let node = tool_version("node")?;
    tool_version("npm")?;
    // `--ignore-scripts`: the only install script in the tree is @scarf/scarf's telemetry
    // postinstall; Prism itself needs none.
    let output = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `npm ci` in {}: {e}", dir.display()))?;
    if !output.status.success() {
        return Err(format!(
            "`npm ci` in {} failed ({}, node {node}); it installs Prism from the npm \
             registry, so it needs network access to it on first run.\n--- stdout\n{}\n\
             --- stderr\n{}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        ));
    }
    if !entry.is_file() {
        return Err(format!(
            "`npm ci` succeeded but {} is missing",
            entry.display()
        ));
    }
    fs::write(&stamp, want).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(entry)
}

/// `tool --version`, or an error that says what is missing and why it is needed.
fn tool_version(tool: &str) -> Result<String, String> {
    let output = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| needs_node(&format!("`{tool} --version` failed: {e}")))?;
    if !output.status.success() {
        let status = output.status;
        return Err(needs_node(&format!(
            "`{tool} --version` exited with {status}"
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Why Node.js is needed, and what failed.
fn needs_node(failure: &str) -> String {
    format!(
        "the contract tests run Prism, an OpenAPI mock server from npm, and need Node.js \
         18.20 or later with `node` and `npm` on PATH: {failure}"
    )
}

/// A running `prism mock` for one document; dropping it kills Prism and waits for it.
pub struct Prism {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Prism {
    /// Writes `document` to a temp file under `CARGO_TARGET_TMPDIR` and serves it with
    /// `prism mock` on 127.0.0.1 (static examples, no `--errors`, see `contract.rs`).
    ///
    /// `--port 0` lets the OS pick a free port when Prism binds (no window in which another
    /// process could take a port chosen beforehand); Prism prints the address it got.
    pub fn start(name: &str, document: &[u8]) -> Prism {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let entry = entry_point();
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("contract")
            .join(format!("{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the Prism temp dir");
        let file = dir.join(format!("{name}.json"));
        fs::write(&file, document).expect("write the document for Prism");
        let log_path = dir.join("prism.log");
        let log = File::create(&log_path).expect("create the Prism log");
        let preload = root().join("tests/contract/exit-with-parent.cjs");

        // `node` runs Prism's entry point itself (no npx or shell in between), so the child
        // is Prism and killing it stops it. Its stdin is a pipe kept open by `child`: see
        // exit-with-parent.cjs. Output goes to a file, which cannot fill up and block Prism.
        let child = Command::new("node")
            .arg("--require")
            .arg(&preload)
            .arg(entry)
            .arg("mock")
            .arg(&file)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .stdin(Stdio::piped())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                let _ = fs::remove_dir_all(&dir);
                panic!("{}", needs_node(&format!("`node` failed: {e}")))
            });
        // The guard exists before the wait, so that Prism is killed if it never listens.
        let mut prism = Prism {
            child,
            url: String::new(),
            dir,
        };
        prism.url = prism.wait_until_listening(&log_path);
        prism
    }

    /// The base URL Prism serves the document's paths under (no `/api` prefix: Prism
    /// ignores the document's `servers`).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn wait_until_listening(&mut self, log_path: &Path) -> String {
        let started = Instant::now();
        loop {
            let log = fs::read_to_string(log_path).unwrap_or_default();
            if let Some(url) = listening_url(&log)
                && TcpStream::connect(url.trim_start_matches("http://")).is_ok()
            {
                return url;
            }
            match self.child.try_wait() {
                Ok(Some(status)) => panic!("Prism exited before listening ({status}):\n{log}"),
                Ok(None) => {}
                Err(e) => panic!("cannot check on Prism: {e}\n{log}"),
            }
            if started.elapsed() > START_DEADLINE {
                panic!("Prism did not listen within {START_DEADLINE:?}:\n{log}");
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The `http://host:port` from Prism's "listening" line, once it has printed it.
fn listening_url(log: &str) -> Option<String> {
    let rest = &log[log.find(LISTENING)? + LISTENING.len()..];
    let url = rest.split_whitespace().next()?;
    url.starts_with("http://127.0.0.1:").then(|| url.to_owned())
}

/// One entry of Prism's `sl-violations` response header.
#[derive(Debug, Deserialize)]
pub struct Violation {
    /// Where: `["request", "query", "limit"]`, `["response", "body", ...]`.
    pub location: Vec<serde_json::Value>,
    /// `Error`, `Warning`, `Information` or `Hint`.
    pub severity: String,
    /// A JSON-schema keyword (`type`, `enum`, `required`) or an HTTP status (401, 415).
    pub code: serde_json::Value,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let location: Vec<String> = self.location.iter().map(plain).collect();
        let (severity, at, code) = (&self.severity, location.join("."), plain(&self.code));
        write!(f, "{severity} at {at} [{code}]: {}", self.message)
    }
}

/// A JSON string without its quotes; anything else as JSON.
fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every violation Prism reported on one exchange, request and response side, of every
/// severity. A header that is there but does not parse is itself reported, never ignored.
pub fn violations(headers: &HeaderMap) -> Result<Vec<Violation>, String> {
    let mut found = Vec::new();
    for value in headers.get_all("sl-violations") {
        let text = String::from_utf8_lossy(value.as_bytes());
        let parsed: Vec<Violation> = serde_json::from_str(&text)
            .map_err(|e| format!("unreadable sl-violations header ({e}): {text}"))?;
        found.extend(parsed);
    }
    Ok(found)
}

#[test]
fn the_listening_line_gives_the_url() {
    let log = "[CLI] ℹ  info      GET        http://127.0.0.1:42419/indexes\n\
               [CLI] ▶  start     Prism is listening on http://127.0.0.1:42419\n";
    assert_eq!(
        listening_url(log).as_deref(),
        Some("http://127.0.0.1:42419")
    );
    assert_eq!(listening_url("[CLI] …  awaiting  Starting Prism…\n"), None);
}

#[test]
fn a_document_prism_cannot_serve_fails_with_its_output() {
    let started = std::panic::catch_unwind(|| Prism::start("not-a-document", b"{}"));
    let panic = started.err().expect("Prism must not start");
    let message = panic
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains("Prism exited before listening"),
        "{message}"
    );
    assert!(message.contains("Unsupported document format"), "{message}");
}
