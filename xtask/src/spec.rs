//! Pinned Amperity OpenAPI documents: the manifest that pins them and the lookup that finds
//! their bytes. The documents are never committed; only their SHA-256 is (`spec/manifest.toml`),
//! so every byte that reaches the generator is checked against that pin.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};

/// Relative to the workspace root.
const MANIFEST_PATH: &str = "spec/manifest.toml";
/// Relative to the workspace root; git-ignored.
const CACHE_DIR: &str = "spec/cache";
/// A directory that holds the documents, looked in after the cache.
pub const ENV_DIR_VAR: &str = "AMPERITY_SPEC_DIR";
/// Generous for ~100 KB documents, but a hung server must not hang `regen` forever.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// The workspace root (the directory holding the top-level Cargo.toml): the parent of xtask's
/// CARGO_MANIFEST_DIR at compile time.
pub fn workspace_root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // xtask always lives one level below the root; the fallback only avoids a panic.
    xtask_dir.parent().unwrap_or(xtask_dir).to_path_buf()
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Manifest {
    #[serde(rename = "document")]
    pub documents: Vec<PinnedDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedDocument {
    pub name: String,
    pub file: String,
    pub url: String,
    pub version: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Requests per second Amperity allows on this API (its documentation says so; the
    /// document does not): the generated client's default rate limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_second: Option<u32>,
    /// The budget this API's limit counts against, when it shares one with another module
    /// (the unstable control plane shares the stable one's); by default the module's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_family: Option<String>,
    /// The cargo feature that gates the module; none for a default module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// The document is Amperity's: its client sets the tenant and api-version headers on
    /// every request whatever the document declares, and absorbs a query `api_version`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub amperity: bool,
    /// The api-version sent when the document declares none (default: its `version`, the
    /// document's `info.version`). Only with `amperity = true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `false` for an Amperity API that takes no version header (the Real-time API).
    /// Only with `amperity = true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version_header: Option<bool>,
}

impl PinnedDocument {
    /// How the generator reads the document: Amperity's conventions, or as written.
    pub fn conventions(&self) -> Option<amperity_codegen::Conventions> {
        use amperity_codegen::ApiVersionRule;
        self.amperity.then(|| amperity_codegen::Conventions {
            api_version: match (self.api_version_header, &self.api_version) {
                (Some(false), _) => ApiVersionRule::NoHeader,
                (_, Some(value)) => ApiVersionRule::Value(value.clone()),
                (_, None) => ApiVersionRule::Value(self.version.clone()),
            },
        })
    }
}

impl Manifest {
    /// Reads and validates `<root>/spec/manifest.toml` (unique names and files, 64-hex sha256,
    /// file names without path separators or `..`). Errors name the file and the offending entry.
    pub fn load(root: &Path) -> anyhow::Result<Manifest> {
        let path = manifest_path(root);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Manifest::parse(&text, &path)
    }

    /// Parses and validates manifest text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<Manifest> {
        let manifest: Manifest = toml::from_str(text)
            .with_context(|| format!("{} is not a valid manifest", path.display()))?;
        manifest
            .validate()
            .with_context(|| format!("invalid manifest {}", path.display()))?;
        Ok(manifest)
    }

    /// Looks a document up by `name` or by `file`; the error lists the known names.
    pub fn find(&self, name_or_file: &str) -> anyhow::Result<&PinnedDocument> {
        self.documents
            .iter()
            .find(|d| d.name == name_or_file || d.file == name_or_file)
            .with_context(|| {
                let known: Vec<&str> = self.documents.iter().map(|d| d.name.as_str()).collect();
                format!(
                    "no pinned document named {name_or_file:?}; known documents: {}",
                    known.join(", ")
                )
            })
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.documents.is_empty() {
            bail!("no [[document]] entries");
        }
        let (mut names, mut files) = (HashSet::new(), HashSet::new());
        for (i, doc) in self.documents.iter().enumerate() {
            // 1-based, matching the order of the [[document]] tables in the file.
            let entry = format!("document #{} (name {:?})", i + 1, doc.name);
            let fail = |msg: String| anyhow::anyhow!("{entry}: {msg}");
            let fields = [
                ("name", &doc.name),
                ("url", &doc.url),
                ("version", &doc.version),
            ];
            if let Some((key, _)) = fields.iter().find(|(_, v)| v.trim().is_empty()) {
                return Err(fail(format!("`{key}` is empty")));
            }
            if !names.insert(doc.name.as_str()) {
                return Err(fail("duplicate name".into()));
            }
            if !doc.amperity && (doc.api_version.is_some() || doc.api_version_header.is_some()) {
                return Err(fail(
                    "`api_version` and `api_version_header` apply only with `amperity = true`"
                        .into(),
                ));
            }
            if doc.api_version_header == Some(false) && doc.api_version.is_some() {
                return Err(fail(
                    "`api_version` with `api_version_header = false`: no version is sent".into(),
                ));
            }
            if !files.insert(doc.file.as_str()) {
                return Err(fail(format!("duplicate file {:?}", doc.file)));
            }
            // The file name is joined onto several directories; it must not escape them.
            let special = matches!(doc.file.as_str(), "" | "." | "..");
            if special || doc.file.contains(['/', '\\', ':', '\0']) {
                return Err(fail(format!(
                    "`file` {:?} must be a plain file name (no path separators, not `.` or `..`)",
                    doc.file
                )));
            }
            // Lowercase only, because comparisons against sha256_hex are plain string equality.
            let is_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
            if doc.sha256.len() != 64 || !doc.sha256.bytes().all(is_hex) {
                return Err(fail(format!(
                    "`sha256` must be 64 lowercase hex characters, got {:?} ({} characters)",
                    doc.sha256,
                    doc.sha256.len()
                )));
            }
        }
        Ok(())
    }
}

/// `<root>/spec/manifest.toml`.
pub fn manifest_path(root: &Path) -> PathBuf {
    root.join(MANIFEST_PATH)
}

/// `<root>/spec/cache/<file>`, where a pinned document is cached.
pub fn cache_path(root: &Path, document: &PinnedDocument) -> PathBuf {
    root.join(CACHE_DIR).join(&document.file)
}

/// Where the bytes were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecSource {
    Cache(PathBuf),
    EnvDir(PathBuf),
    Shared(PathBuf),
    Downloaded { url: String, cached_at: PathBuf },
}

impl fmt::Display for SpecSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecSource::Cache(p) => write!(f, "cache {}", p.display()),
            SpecSource::EnvDir(p) => write!(f, "${ENV_DIR_VAR} {}", p.display()),
            SpecSource::Shared(p) => write!(f, "shared mirror {}", p.display()),
            SpecSource::Downloaded { url, .. } => write!(f, "downloaded {url}"),
        }
    }
}

/// A pinned document's verified bytes.
pub struct ResolvedSpec {
    pub document: PinnedDocument,
    pub bytes: Vec<u8>,
    pub source: SpecSource,
}

/// Finds the bytes of a pinned document, in this order:
///   1. `<root>/spec/cache/<file>` (git-ignored),
///   2. `$AMPERITY_SPEC_DIR/<file>` when that variable is set and non-empty,
///   3. `<root>/../shared/openapi/<file>`,
///   4. download from `url` and store it in `<root>/spec/cache/<file>`, only after the hash
///      is verified.
///
/// The first location where the file exists is used, and its SHA-256 must equal the pin: a
/// mismatch is an error (naming the path, both hashes and the fix), never a fall-through. When
/// nothing is found and the download fails, the error lists every place tried.
pub fn resolve(root: &Path, document: &PinnedDocument) -> anyhow::Result<ResolvedSpec> {
    let (env_dir, shared) = (std::env::var_os(ENV_DIR_VAR), default_shared_dir(root));
    resolve_with(root, document, env_dir.as_deref(), &shared)
}

/// Same as [`resolve`] but with an explicit value for AMPERITY_SPEC_DIR (so tests don't mutate
/// the process environment) and an explicit `shared_dir` (normally `<root>/../shared/openapi`).
pub fn resolve_with(
    root: &Path,
    document: &PinnedDocument,
    env_dir: Option<&OsStr>,
    shared_dir: &Path,
) -> anyhow::Result<ResolvedSpec> {
    let cache_path = cache_path(root, document);
    let resolved = |bytes, source| ResolvedSpec {
        document: document.clone(),
        bytes,
        source,
    };
    let mut tried = Vec::new();
    // Each local place to look, with the SpecSource variant that reports it.
    type Candidate = (PathBuf, fn(PathBuf) -> SpecSource);
    let mut candidates: Vec<Candidate> = vec![(cache_path.clone(), SpecSource::Cache)];
    let env_dir = env_dir.filter(|d| !d.is_empty());
    if let Some(dir) = env_dir {
        candidates.push((Path::new(dir).join(&document.file), SpecSource::EnvDir));
    }
    candidates.push((shared_dir.join(&document.file), SpecSource::Shared));

    for (path, make_source) in candidates {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                tried.push(format!("{} (not found)", path.display()));
                continue;
            }
            // The file exists but is unreadable: falling through would hide the problem.
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let source = make_source(path);
        // A present but different file is a stale or tampered copy; using another location
        // instead would silently make results depend on which copies happen to exist.
        check_hash(document, &bytes, &source)?;
        return Ok(resolved(bytes, source));
    }

    let bytes = match download(&document.url) {
        Ok(bytes) => bytes,
        Err(e) => {
            if env_dir.is_none() {
                tried.insert(1, format!("${ENV_DIR_VAR} (not set)"));
            }
            tried.push(format!("{} (download failed: {e:#})", document.url));
            bail!(
                "pinned document {:?} ({}) not found; tried:\n  {}",
                document.name,
                document.file,
                tried.join("\n  ")
            );
        }
    };
    let source = SpecSource::Downloaded {
        url: document.url.clone(),
        cached_at: cache_path.clone(),
    };
    check_hash(document, &bytes, &source)?;
    write_atomically(&cache_path, &bytes)?;
    Ok(resolved(bytes, source))
}

/// `cargo xtask fetch-spec [NAME...]`: makes sure every named (or every) pinned document is in
/// `<root>/spec/cache/`, copying it from wherever [`resolve`] finds it (or downloading). Prints
/// one line per document: name, where it came from, and the cache path. Fails if any document
/// fails, after trying all of them.
pub fn fetch_into_cache(root: &Path, names: &[String]) -> anyhow::Result<()> {
    let (env_dir, shared) = (std::env::var_os(ENV_DIR_VAR), default_shared_dir(root));
    fetch_into_cache_with(root, names, env_dir.as_deref(), &shared)
}

fn fetch_into_cache_with(
    root: &Path,
    names: &[String],
    env_dir: Option<&OsStr>,
    shared_dir: &Path,
) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let (mut failures, mut selected) = (Vec::new(), Vec::new());
    if names.is_empty() {
        selected.extend(manifest.documents.iter());
    }
    for name in names {
        match manifest.find(name) {
            Ok(doc) if !selected.contains(&doc) => selected.push(doc),
            Ok(_) => {}
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    for doc in selected {
        let cached = root.join(CACHE_DIR).join(&doc.file);
        let result = resolve_with(root, doc, env_dir, shared_dir).and_then(|found| {
            // Cache hits and downloads are already in the cache; local copies are not.
            if let SpecSource::EnvDir(_) | SpecSource::Shared(_) = found.source {
                write_atomically(&cached, &found.bytes)?;
            }
            Ok(found.source)
        });
        // Keep going after a failure so one run reports every broken document.
        match result {
            Ok(source) => println!("{}: {source} -> {}", doc.name, cached.display()),
            Err(e) => failures.push(format!("{}: {e:#}", doc.name)),
        }
    }
    if !failures.is_empty() {
        bail!("fetch-spec failed:\n{}", failures.join("\n"));
    }
    Ok(())
}

/// Reads a document from disk, but never more than one byte over
/// [`MAX_DOCUMENT_BYTES`](amperity_codegen::limits::MAX_DOCUMENT_BYTES): a larger file is
/// refused by the generator all the same (with its name), without being read whole first.
pub fn read_document(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let limit = amperity_codegen::limits::MAX_DOCUMENT_BYTES as u64 + 1;
    let file = std::fs::File::open(path)?;
    // Sized from the file's length (the document is held for the whole run: growing by
    // doubling would hold up to twice its size), never past the limit.
    let size = file.metadata().map_or(0, |m| m.len()).min(limit);
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// `<root>/../shared/openapi`, the local mirror [`resolve`] looks in.
pub fn default_shared_dir(root: &Path) -> PathBuf {
    root.join("..").join("shared").join("openapi")
}

fn check_hash(doc: &PinnedDocument, bytes: &[u8], source: &SpecSource) -> anyhow::Result<()> {
    let actual = sha256_hex(bytes);
    if actual == doc.sha256 {
        return Ok(());
    }
    let fix = match source {
        SpecSource::Cache(_) => "delete the stale cache file",
        SpecSource::EnvDir(_) | SpecSource::Shared(_) => {
            "replace the file with the published document"
        }
        SpecSource::Downloaded { .. } => "check what Amperity changed in the published document",
    };
    bail!(
        "SHA-256 mismatch for pinned document {:?} ({source})\n  \
         expected (spec/manifest.toml): {}\n  \
         actual:                        {actual}\n\
         to fix: {fix}; or, if these bytes are the ones you want, re-pin them with \
         `cargo xtask fetch-spec --update {}` (or by editing sha256 in spec/manifest.toml)",
        doc.name,
        doc.sha256,
        doc.name
    )
}

/// Downloads `url` (with a timeout); the bytes are not checked here.
pub fn download(url: &str) -> anyhow::Result<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(DOWNLOAD_TIMEOUT))
        .build()
        .into();
    // read_to_vec caps the body at 10 MB, far above the ~100 KB documents.
    Ok(agent.get(url).call()?.body_mut().read_to_vec()?)
}

/// Writes via a temp file in the same directory and a rename, so readers (and later runs)
/// never see a half-written document.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("cache path has no parent")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let file_name = path.file_name().and_then(OsStr::to_str).unwrap_or("doc");
    let tmp = dir.join(format!(".{file_name}.{}.tmp", unique_suffix()));
    let result = std::fs::write(&tmp, bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
        });
    if result.is_err() {
        // Best effort: the original error is the one worth reporting.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Process id, clock and a counter: unique across concurrent runs and threads.
pub(crate) fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH);
    let nanos = since_epoch.map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{nanos}-{n}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TempDir, put, serve};

    const SHA: &str = "b8b1047661c6552c6a328a3093b0eb5b8255949c8896d0d18815ccd67e9f649b";
    const DEAD_URL: &str = "http://127.0.0.1:9/demo-openapi.json";

    fn entry(name: &str, file: &str, sha: &str) -> String {
        let url = format!("http://127.0.0.1:9/{file}");
        format!(
            "[[document]]\nname = '{name}'\nfile = '{file}'\nurl = '{url}'\n\
             version = '1'\nsha256 = '{sha}'\n"
        )
    }

    /// A document named "demo" whose pin matches `bytes`.
    fn demo(bytes: &[u8]) -> PinnedDocument {
        let text = entry("demo", "demo-openapi.json", &sha256_hex(bytes));
        let manifest: Manifest = toml::from_str(&text).unwrap();
        manifest.documents[0].clone()
    }

    /// The whole error chain (`ResolvedSpec` is not Debug, so no `unwrap_err`).
    fn err_text<T>(result: anyhow::Result<T>) -> String {
        format!("{:#}", result.err().expect("expected an error"))
    }

    fn assert_has(text: &str, parts: &[&str]) {
        for part in parts {
            assert!(text.contains(part), "{part:?} missing from:\n{text}");
        }
    }

    fn load_err(manifest: &str) -> String {
        let root = TempDir::new("spec");
        put(&root.0.join("spec"), "manifest.toml", manifest.as_bytes());
        err_text(Manifest::load(&root.0))
    }

    #[test]
    fn manifest_parses_and_finds_by_name_or_file() {
        let root = TempDir::new("spec");
        let (a, b) = (entry("a", "a.json", SHA), entry("b", "b.json", SHA));
        let text = format!("{a}module = 'm'\n{b}");
        put(&root.0.join("spec"), "manifest.toml", text.as_bytes());
        let manifest = Manifest::load(&root.0).unwrap();
        assert_eq!(manifest.documents.len(), 2);
        assert_eq!(manifest.find("a").unwrap().module.as_deref(), Some("m"));
        assert_eq!(manifest.find("b.json").unwrap().name, "b");
        let err = err_text(manifest.find("nope"));
        assert_has(&err, &["\"nope\"", "known documents: a, b"]);
    }

    #[test]
    fn manifest_rejects_duplicate_name_and_file() {
        let (a, b) = (entry("a", "a.json", SHA), entry("a", "b.json", SHA));
        let err = load_err(&format!("{a}{b}"));
        assert_has(&err, &["manifest.toml", "document #2 (name \"a\")"]);
        assert_has(&err, &["duplicate name"]);
        let err = load_err(&format!("{a}{}", entry("b", "a.json", SHA)));
        assert_has(&err, &["document #2", "duplicate file"]);
    }

    #[test]
    fn manifest_rejects_bad_hash_length() {
        let err = load_err(&entry("a", "a.json", "abc123"));
        assert_has(&err, &["manifest.toml", "(name \"a\")"]);
        assert_has(&err, &["64 lowercase hex", "6 characters"]);
    }

    #[test]
    fn manifest_rejects_path_separator_or_dotdot_in_file() {
        for file in ["../a.json", "dir/a.json", "dir\\a.json", ".."] {
            let err = load_err(&entry("a", file, SHA));
            assert_has(&err, &["manifest.toml", "plain file name"]);
        }
    }

    #[test]
    fn amperity_conventions_come_from_the_manifest() {
        use amperity_codegen::ApiVersionRule;
        let a = entry("a", "a.json", SHA);
        let rule = |extra: &str| {
            let text = format!("{a}{extra}");
            let manifest = Manifest::parse(&text, Path::new("manifest.toml")).unwrap();
            manifest.documents[0].conventions().map(|c| c.api_version)
        };
        assert_eq!(rule(""), None);
        assert_eq!(
            rule("amperity = true\n"),
            Some(ApiVersionRule::Value("1".to_owned()))
        );
        assert_eq!(
            rule("amperity = true\napi_version = '2025-01-01'\n"),
            Some(ApiVersionRule::Value("2025-01-01".to_owned()))
        );
        assert_eq!(
            rule("amperity = true\napi_version_header = false\n"),
            Some(ApiVersionRule::NoHeader)
        );
        let err = load_err(&format!("{a}api_version_header = false\n"));
        assert_has(&err, &["only with `amperity = true`"]);
    }

    #[test]
    fn manifest_rejects_unknown_key() {
        let err = load_err(&format!("{}extra = 1\n", entry("a", "a.json", SHA)));
        assert_has(&err, &["manifest.toml", "extra"]);
    }

    #[test]
    fn resolve_prefers_cache_then_env_dir_then_shared() {
        let root = TempDir::new("spec");
        let (env, shared) = (root.0.join("env"), root.0.join("shared"));
        let (env_var, doc) = (Some(env.as_os_str()), demo(b"{}"));
        let shared_file = put(&shared, &doc.file, b"{}");
        let found = resolve_with(&root.0, &doc, env_var, &shared).unwrap();
        assert_eq!(found.source, SpecSource::Shared(shared_file.clone()));

        let env_file = put(&env, &doc.file, b"{}");
        let found = resolve_with(&root.0, &doc, env_var, &shared).unwrap();
        assert_eq!(found.source, SpecSource::EnvDir(env_file));
        // An empty variable counts as unset.
        let found = resolve_with(&root.0, &doc, Some(OsStr::new("")), &shared);
        assert_eq!(found.unwrap().source, SpecSource::Shared(shared_file));

        let cache_file = put(&root.0.join(CACHE_DIR), &doc.file, b"{}");
        let found = resolve_with(&root.0, &doc, env_var, &shared).unwrap();
        assert_eq!(found.source, SpecSource::Cache(cache_file));
        assert_eq!((found.bytes, found.document), (b"{}".to_vec(), doc));
    }

    #[test]
    fn resolve_hash_mismatch_names_path_and_both_hashes() {
        let root = TempDir::new("spec");
        let (shared, doc) = (root.0.join("shared"), demo(b"{}"));
        put(&shared, &doc.file, b"{}");
        // The stale cache must win over the good shared copy: no silent fall-through.
        let stale = put(&root.0.join(CACHE_DIR), &doc.file, b"[]");
        let err = err_text(resolve_with(&root.0, &doc, None, &shared));
        let path = stale.display().to_string();
        assert_has(&err, &[&path, &doc.sha256, &sha256_hex(b"[]")]);
        assert_has(&err, &["delete the stale cache file"]);
        assert_has(&err, &["cargo xtask fetch-spec --update demo"]);
    }

    #[test]
    fn resolve_nothing_found_lists_every_place_tried() {
        let root = TempDir::new("spec");
        let (env, shared, doc) = (root.0.join("env"), root.0.join("shared"), demo(b"{}"));
        let cache = root.0.join(CACHE_DIR);
        let err = err_text(resolve_with(&root.0, &doc, Some(env.as_os_str()), &shared));
        for place in [&cache, &env, &shared] {
            assert_has(&err, &[&place.join(&doc.file).display().to_string()]);
        }
        assert_has(&err, &[&format!("{DEAD_URL} (download failed")]);
        assert!(!cache.join(&doc.file).exists());
        let err = err_text(resolve_with(&root.0, &doc, None, &shared));
        assert_has(&err, &["not found)\n  $AMPERITY_SPEC_DIR (not set)\n  "]);
    }

    #[test]
    fn resolve_downloads_verifies_and_caches() {
        let root = TempDir::new("spec");
        let (body, shared) = (b"{\"openapi\":\"3\"}", root.0.join("shared"));
        let mut doc = demo(body);
        doc.url = format!("{}/demo-openapi.json", serve(body, 2));
        let found = resolve_with(&root.0, &doc, None, &shared).unwrap();
        let (url, cached_at) = (doc.url.clone(), root.0.join(CACHE_DIR).join(&doc.file));
        assert_eq!(std::fs::read(&cached_at).unwrap(), body);
        assert_eq!(found.source, SpecSource::Downloaded { url, cached_at });

        // A download with the wrong hash must leave nothing behind in the cache.
        std::fs::remove_dir_all(root.0.join(CACHE_DIR)).unwrap();
        doc.sha256 = sha256_hex(b"other");
        let err = err_text(resolve_with(&root.0, &doc, None, &shared));
        assert_has(&err, &["mismatch", &doc.url, &doc.sha256]);
        assert_has(&err, &[&sha256_hex(body)]);
        let left = std::fs::read_dir(root.0.join(CACHE_DIR)).map_or(0, |d| d.count());
        assert_eq!(left, 0);
    }

    #[test]
    fn fetch_into_cache_copies_local_documents() {
        let root = TempDir::new("spec");
        let (shared, doc) = (root.0.join("shared"), demo(b"{}"));
        let text = entry(&doc.name, &doc.file, &doc.sha256);
        put(&root.0.join("spec"), "manifest.toml", text.as_bytes());
        put(&shared, &doc.file, b"{}");
        fetch_into_cache_with(&root.0, &[], None, &shared).unwrap();
        let cached = std::fs::read(root.0.join(CACHE_DIR).join(&doc.file));
        assert_eq!(cached.unwrap(), b"{}");
        let err = err_text(fetch_into_cache_with(&root.0, &["x".into()], None, &shared));
        assert_has(&err, &["known documents: demo"]);
    }

    #[test]
    fn real_manifest_resolves_from_shared_mirror() {
        let manifest = Manifest::load(&workspace_root()).unwrap();
        assert_eq!(manifest.documents.len(), 3);
        // An empty temp root has no cache, so every document must come from the mirror.
        let (root, shared) = (TempDir::new("spec"), default_shared_dir(&workspace_root()));
        for doc in &manifest.documents {
            let found = resolve_with(&root.0, doc, None, &shared).unwrap();
            assert_eq!(found.source, SpecSource::Shared(shared.join(&doc.file)));
            assert_eq!(sha256_hex(&found.bytes), doc.sha256);
            let version = format!("\"version\": \"{}\"", doc.version);
            assert_has(&String::from_utf8_lossy(&found.bytes), &[&version]);
        }
        let stable = manifest.find("control-plane-2024-04-01").unwrap();
        assert_eq!(stable.module.as_deref(), Some("control_plane"));
    }
}
