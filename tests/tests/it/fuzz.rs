//! Fuzzing the whole pipeline: our own fixture documents (`tests/fixtures/hazards/`,
//! `tests/fixtures/swagger2/`), mutated at random, through
//! [`amperity_codegen::generate_crate`].
//!
//! Mutations work on the parsed document: delete a key or an element, replace a value with
//! one of another JSON type, rename a key to an odd string (unicode, a keyword, digits,
//! empty, punctuation), set a string to odd text (comment markers, fences, `\r`, `{`,
//! unicode), point a `$ref` at a random place (or outside the document), copy an
//! operation (same operationId, another method or path), nest a value deeper (up to past
//! the nesting limits), insert an OpenAPI keyword with a random value, copy one part of the
//! document over another. The result is written as JSON or YAML, and its bytes may then be
//! truncated or damaged.
//!
//! Properties: nothing panics (proptest reports a panic as a failure and shrinks it); every
//! error is one line with a JSON pointer and never an internal error (code that does not
//! parse); every generated `.rs` file parses with `syn::parse_file` and holds no
//! text-direction control (which rustc denies and syn does not check).
//!
//! The documents that generate are then compiled (the first `FUZZ_COMPILE` distinct ones,
//! default 24, 200 in a long run), as modules of one crate with clippy and rustdoc
//! warnings denied.
//!
//! The normal test run tries a fixed set of cases (`FUZZ_CASES`, default 1,000, about 10 s;
//! seeded, so it is the same every time). `FUZZ_SECONDS=600` (or `cargo xtask fuzz
//! --minutes 10`) runs random cases for ten minutes instead and prints how many, going on
//! after a failure; each failure is shrunk,
//! printed and saved under the target's tmp dir (`fuzz-failure-<n>`).

use std::time::{Duration, Instant};

use amperity_codegen::{ApiInput, ErrorKind};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{Map, Value};

use crate::fixtures::{fixtures, standalone};

/// A mutation of the parsed document. Node numbers pick a value in a pre-order walk
/// (modulo the number of values), so every mutation applies to any document.
#[derive(Debug, Clone)]
enum Mutation {
    /// Removes a key of an object or an element of an array.
    Delete { node: u32, which: u32 },
    /// Replaces a value with `with` (often of another type).
    Replace { node: u32, with: Value },
    /// Renames a key of an object.
    Rename { node: u32, which: u32, to: String },
    /// Makes an object a reference to another place (or to `target`, when it is set).
    Ref {
        node: u32,
        place: u32,
        target: Option<String>,
    },
    /// Copies an operation to another method of its path, or to a new path.
    DuplicateOperation {
        which: u32,
        method: u32,
        new_path: bool,
    },
    /// Wraps a value `levels` times in a property, `items`, `additionalProperties`, an
    /// `allOf` or an array.
    Deepen { node: u32, levels: u8, how: u8 },
    /// Inserts `key` into an object.
    Insert {
        node: u32,
        key: String,
        value: Value,
    },
    /// Copies one value over another.
    Copy { from: u32, to: u32 },
    /// Replaces a string value (a name, an operationId, a description, a URL...).
    SetString { string: u32, to: String },
}

#[derive(Debug, Clone)]
enum Damage {
    Truncate(u32),
    Flip(u32, u8),
    Insert(u32, Vec<u8>),
}

#[derive(Debug, Clone)]
struct Case {
    seed: u32,
    mutations: Vec<Mutation>,
    yaml: bool,
    damage: Option<Damage>,
}

const ODD_NAMES: &[&str] = &[
    "",
    " ",
    "-",
    "---",
    "_",
    "0",
    "2024-04-01",
    "20240401",
    "type",
    "type_",
    "self",
    "Self",
    "super",
    "crate",
    "gen",
    "fn",
    "r#type",
    "new",
    "send",
    "builder",
    "client",
    "stream",
    "UnknownValue",
    "Empty",
    "String",
    "Option",
    "Result",
    "Box",
    "Vec",
    "ü",
    "列表",
    "🦀",
    "a/b",
    "~1",
    "{id}",
    "<id>",
    "$ref",
    "allOf",
    "x-",
    "x-ext",
    "next_token",
    "data",
    "api-version",
    "amperity-tenant",
    "Content-Type",
    "a b",
    "A",
    "a",
    "A_B",
    "aB",
    "a-b",
];

const KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "enum",
    "required",
    "nullable",
    "additionalProperties",
    "format",
    "$ref",
    "in",
    "name",
    "schema",
    "content",
    "parameters",
    "requestBody",
    "responses",
    "operationId",
    "servers",
    "variables",
    "url",
    "default",
    "style",
    "explode",
    "description",
    "summary",
    "x-nullable",
    "collectionFormat",
    "discriminator",
    "deprecated",
    "paths",
    "components",
    "schemas",
    "definitions",
    "basePath",
    "host",
    "schemes",
    "consumes",
    "produces",
    "callbacks",
    "headers",
    "example",
    "minimum",
    "maxLength",
    "uniqueItems",
    "readOnly",
    "get",
    "post",
    "delete",
    "200",
    "default",
];

/// Text that docs, literals and URLs must survive.
const ODD_TEXTS: &[&str] = &[
    "*/",
    "/*",
    "/**",
    "//",
    "```",
    "```rust\nfn main() {}",
    "<tenant-id>",
    "[link]",
    "\\",
    "\"",
    "#",
    "#[doc]",
    "{{",
    "}}",
    "{",
    "}",
    "\r",
    "a\rb",
    "\r\n",
    "\u{0}",
    "\u{2028}",
    "\u{feff}",
    "\t",
    "  ",
    "\n\n\n",
    "https://{tenant}.example.com",
    "https://<x>.example.com",
    "%",
    "%%",
    "r#\"",
    "\"#",
    "'",
    "$",
    "${x}",
    "\u{7f}",
    "é",
    "ǅ",
];

const REF_TARGETS: &[&str] = &[
    "#",
    "#/",
    "#/components/schemas/",
    "#/components/schemas/Missing",
    "#/components/parameters/Missing",
    "#/components/responses/Missing",
    "#/components/requestBodies/Missing",
    "#/definitions/Missing",
    "#/paths/~1a",
    "other.yaml#/components/schemas/Thing",
    "https://example.com/openapi.json#/components/schemas/Thing",
    "#/components/schemas/a~1b",
];

fn odd_string() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(ODD_NAMES).prop_map(str::to_owned),
        "[a-zA-Z0-9_-]{0,12}",
        "\\PC{0,8}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        odd_string().prop_map(Value::String),
        proptest::sample::select(KEYWORDS).prop_map(|k| Value::String(k.to_owned())),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(KEYWORDS).prop_map(str::to_owned),
                        odd_string(),
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let node = any::<u32>();
    // Weighted towards mutations that keep the document readable, so that more cases get
    // past loading into lowering and rendering.
    prop_oneof![
        1 => (node, any::<u32>()).prop_map(|(node, which)| Mutation::Delete { node, which }),
        1 => (node, value()).prop_map(|(node, with)| Mutation::Replace { node, with }),
        3 => (node, any::<u32>(), odd_string())
            .prop_map(|(node, which, to)| Mutation::Rename { node, which, to }),
        2 => (
            node,
            any::<u32>(),
            proptest::option::of(proptest::sample::select(REF_TARGETS).prop_map(str::to_owned))
        )
            .prop_map(|(node, place, target)| Mutation::Ref {
                node,
                place,
                target
            }),
        2 => (any::<u32>(), any::<u32>(), any::<bool>()).prop_map(|(which, method, new_path)| {
            Mutation::DuplicateOperation {
                which,
                method,
                new_path,
            }
        }),
        2 => (node, prop_oneof![1u8..4, 20u8..40, 60u8..110], any::<u8>())
            .prop_map(|(node, levels, how)| Mutation::Deepen { node, levels, how }),
        3 => (
            node,
            prop_oneof![
                proptest::sample::select(KEYWORDS).prop_map(str::to_owned),
                odd_string()
            ],
            value()
        )
            .prop_map(|(node, key, value)| Mutation::Insert { node, key, value }),
        1 => (node, any::<u32>()).prop_map(|(from, to)| Mutation::Copy { from, to }),
        3 => (
            any::<u32>(),
            prop_oneof![
                proptest::sample::select(ODD_TEXTS).prop_map(str::to_owned),
                odd_string(),
                (odd_string(), proptest::sample::select(ODD_TEXTS), odd_string())
                    .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
            ]
        )
            .prop_map(|(string, to)| Mutation::SetString { string, to }),
    ]
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<u32>().prop_map(Damage::Truncate),
        (any::<u32>(), any::<u8>()).prop_map(|(at, byte)| Damage::Flip(at, byte)),
        (
            any::<u32>(),
            proptest::sample::select(vec![
                b"\xff".to_vec(),
                b"\t".to_vec(),
                b"{".to_vec(),
                b"[".to_vec(),
                b"\"".to_vec(),
                b"*a".to_vec(),
                b"&a ".to_vec(),
                b": ".to_vec(),
                b"\n- ".to_vec(),
                b"~".to_vec(),
            ])
        )
            .prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u32>(),
        proptest::collection::vec(mutation(), 1..4),
        any::<bool>(),
        proptest::option::weighted(0.1, damage()),
    )
        .prop_map(|(seed, mutations, yaml, damage)| Case {
            seed,
            mutations,
            yaml,
            damage,
        })
}

/// A path from the root to a value: object keys and array indexes.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every value's path, in pre-order.
fn paths(value: &Value) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    let mut pending = vec![(value, Vec::new())];
    while let Some((value, path)) = pending.pop() {
        match value {
            Value::Object(object) => {
                for (key, child) in object.iter().rev() {
                    let mut p = path.clone();
                    p.push(Step::Key(key.clone()));
                    pending.push((child, p));
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate().rev() {
                    let mut p = path.clone();
                    p.push(Step::Index(index));
                    pending.push((child, p));
                }
            }
            _ => {}
        }
        out.push(path);
    }
    out
}

fn get_mut<'v>(mut value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    for step in path {
        value = match (step, value) {
            (Step::Key(key), Value::Object(object)) => object.get_mut(key)?,
            (Step::Index(index), Value::Array(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

fn get<'v>(mut value: &'v Value, path: &[Step]) -> Option<&'v Value> {
    for step in path {
        value = match (step, value) {
            (Step::Key(key), Value::Object(object)) => object.get(key)?,
            (Step::Index(index), Value::Array(items)) => items.get(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The JSON pointer of `path`.
fn pointer(path: &[Step]) -> String {
    path.iter()
        .map(|step| match step {
            Step::Key(key) => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Step::Index(index) => format!("/{index}"),
        })
        .collect()
}

fn pick<T>(items: &[T], n: u32) -> Option<&T> {
    (!items.is_empty()).then(|| &items[n as usize % items.len()])
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn apply(document: &mut Value, mutation: &Mutation) {
    let all = paths(document);
    let node = |n: u32| pick(&all, n).cloned().unwrap_or_default();
    match mutation {
        Mutation::Delete { node: n, which } => match get_mut(document, &node(*n)) {
            Some(Value::Object(object)) if !object.is_empty() => {
                let key = object.keys().nth(*which as usize % object.len()).cloned();
                if let Some(key) = key {
                    object.shift_remove(&key);
                }
            }
            Some(Value::Array(items)) if !items.is_empty() => {
                items.remove(*which as usize % items.len());
            }
            _ => {}
        },
        Mutation::Replace { node: n, with } => {
            if let Some(target) = get_mut(document, &node(*n)) {
                *target = with.clone();
            }
        }
        Mutation::Rename { node: n, which, to } => {
            if let Some(Value::Object(object)) = get_mut(document, &node(*n))
                && !object.is_empty()
            {
                let index = *which as usize % object.len();
                let entries: Vec<(String, Value)> = std::mem::take(object).into_iter().collect();
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    object.insert(if i == index { to.clone() } else { key }, value);
                }
            }
        }
        Mutation::Ref {
            node: n,
            place,
            target,
        } => {
            let target = target
                .clone()
                .unwrap_or_else(|| format!("#{}", pointer(&node(*place))));
            if let Some(value) = get_mut(document, &node(*n)) {
                let mut object = Map::new();
                object.insert("$ref".to_owned(), Value::String(target));
                *value = Value::Object(object);
            }
        }
        Mutation::DuplicateOperation {
            which,
            method,
            new_path,
        } => {
            let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
                return;
            };
            let operations: Vec<(String, &str)> = paths
                .iter()
                .flat_map(|(path, item)| {
                    METHODS
                        .iter()
                        .filter(|m| item.get(**m).is_some())
                        .map(move |m| (path.clone(), *m))
                })
                .collect();
            let Some((path, from)) = pick(&operations, *which).cloned() else {
                return;
            };
            let operation = paths[&path][from].clone();
            let to = METHODS[*method as usize % METHODS.len()];
            let path = if *new_path {
                format!("{path}/copy")
            } else {
                path
            };
            let item = paths
                .entry(path)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(to.to_owned(), operation);
            }
        }
        Mutation::Deepen {
            node: n,
            levels,
            how,
        } => {
            if let Some(value) = get_mut(document, &node(*n)) {
                let mut inner = value.take();
                for _ in 0..*levels {
                    inner = match how % 5 {
                        0 => serde_json::json!({"type": "object", "properties": {"p": inner}}),
                        1 => serde_json::json!({"type": "array", "items": inner}),
                        2 => serde_json::json!({"type": "object", "additionalProperties": inner}),
                        3 => serde_json::json!({"allOf": [inner, {"type": "object"}]}),
                        _ => Value::Array(vec![inner]),
                    };
                }
                *value = inner;
            }
        }
        Mutation::Insert {
            node: n,
            key,
            value,
        } => {
            if let Some(Value::Object(object)) = get_mut(document, &node(*n)) {
                object.insert(key.clone(), value.clone());
            }
        }
        Mutation::SetString { string, to } => {
            let strings: Vec<&Vec<Step>> = all
                .iter()
                .filter(|p| get(document, p).is_some_and(Value::is_string))
                .collect();
            if let Some(path) = pick(&strings, *string).map(|p| (*p).clone())
                && let Some(value) = get_mut(document, &path)
            {
                *value = Value::String(to.clone());
            }
        }
        Mutation::Copy { from, to } => {
            let Some(copy) = get(document, &node(*from)).cloned() else {
                return;
            };
            if let Some(target) = get_mut(document, &node(*to)) {
                *target = copy;
            }
        }
    }
}

fn damage_bytes(bytes: &mut Vec<u8>, damage: &Damage) {
    if bytes.is_empty() {
        return;
    }
    match damage {
        Damage::Truncate(at) => bytes.truncate(*at as usize % bytes.len()),
        Damage::Flip(at, byte) => {
            let len = bytes.len();
            bytes[*at as usize % len] ^= byte | 1;
        }
        Damage::Insert(at, inserted) => {
            let at = *at as usize % bytes.len();
            bytes.splice(at..at, inserted.iter().copied());
        }
    }
}

/// The seed documents, parsed.
fn seeds() -> Vec<(String, Value)> {
    let mut seeds = Vec::new();
    for dir in ["hazards", "swagger2", "swagger2/openapi3"] {
        for fixture in fixtures(dir) {
            let text = String::from_utf8(fixture.bytes).expect("UTF-8 fixture");
            let value: Value = if fixture.file.ends_with(".json") {
                serde_json::from_str(&text).expect("JSON fixture")
            } else {
                serde_yaml::from_str(&text).expect("YAML fixture")
            };
            seeds.push((fixture.file, value));
        }
    }
    seeds
}

/// The document bytes of `case`. Mutations nest values hundreds of levels deep, and
/// serde's serializers (and `Value`'s drop) recurse: that runs on a thread with a large
/// stack, so that only the generator runs on the test thread's own stack (2 MiB), which
/// it must fit.
fn document(seeds: &[(String, Value)], case: &Case) -> Vec<u8> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(scope, || build(seeds, case))
            .expect("a thread to build the document")
            .join()
            .expect("the document is built")
    })
}

fn build(seeds: &[(String, Value)], case: &Case) -> Vec<u8> {
    let (_, seed) = pick(seeds, case.seed).expect("seeds");
    let mut document = seed.clone();
    for mutation in &case.mutations {
        apply(&mut document, mutation);
    }
    let mut bytes = if case.yaml {
        serde_yaml::to_string(&document)
            .expect("serializable")
            .into_bytes()
    } else {
        serde_json::to_vec_pretty(&document).expect("serializable")
    };
    if let Some(damage) = &case.damage {
        damage_bytes(&mut bytes, damage);
    }
    bytes
}

/// How the cases ended: generated, or failed with an error of each kind; and the first
/// distinct documents that generated, to be compiled.
#[derive(Debug, Default)]
struct Outcomes {
    counts: std::cell::RefCell<std::collections::BTreeMap<String, u64>>,
    generated: std::cell::RefCell<std::collections::BTreeMap<Vec<u8>, bool>>,
    keep: usize,
}

impl Outcomes {
    fn count(&self, outcome: String) {
        *self.counts.borrow_mut().entry(outcome).or_default() += 1;
    }

    /// Keeps a document that generated (and whether it is YAML), up to `keep` of them.
    fn keep(&self, bytes: &[u8], yaml: bool) {
        let mut generated = self.generated.borrow_mut();
        if generated.len() < self.keep {
            generated.insert(bytes.to_vec(), yaml);
        }
    }
}

/// The properties, for one document.
fn check(bytes: &[u8], yaml: bool, outcomes: &Outcomes) -> Result<(), TestCaseError> {
    let file = if yaml { "fuzz.yaml" } else { "fuzz.json" };
    let input = ApiInput {
        module: "api",
        document: file,
        bytes,
        sha256: "fuzz",
        feature: None,
        rate_limit: None,
        rate_limit_family: None,
        overlays: &[],
        conventions: None,
    };
    match amperity_codegen::generate_crate(&standalone("fuzz", "fuzz"), &[input]) {
        Err(e) => {
            outcomes.count(format!("{:?}", e.kind));
            prop_assert!(e.kind != ErrorKind::Internal, "generator bug: {e}");
            let line = e.to_string();
            prop_assert!(!line.contains('\n'), "not one line: {line}");
            prop_assert!(line.starts_with(&format!("{file}#")), "{line}");
            prop_assert!(e.pointer.is_empty() || e.pointer.starts_with('/'), "{line}");
        }
        Ok(files) => {
            outcomes.count("generated".to_owned());
            outcomes.keep(bytes, yaml);
            for (path, contents) in files.files.iter().filter(|(p, _)| p.ends_with(".rs")) {
                if let Err(e) = syn::parse_file(contents) {
                    return Err(TestCaseError::fail(format!(
                        "{path} does not parse: {e}\n{contents}"
                    )));
                }
                // What syn accepts but rustc refuses: a text-direction control (denied
                // in comments and literals, CVE-2021-42574).
                let refused = contents
                    .chars()
                    .find(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'));
                prop_assert!(refused.is_none(), "{path} holds {refused:?}:\n{contents}");
            }
        }
    }
    Ok(())
}

/// Runs `runner`; a failure is shrunk, saved as `fuzz-failure-<n>` under the target's tmp
/// dir and described.
fn run(
    runner: &mut TestRunner,
    seeds: &[(String, Value)],
    outcomes: &Outcomes,
    n: usize,
) -> Result<(), String> {
    let outcome = runner.run(&case(), |case| {
        check(&document(seeds, &case), case.yaml, outcomes)
    });
    let (reason, case) = match outcome {
        Ok(()) => return Ok(()),
        Err(TestError::Fail(reason, case)) => (reason.to_string(), case),
        Err(TestError::Abort(reason)) => return Err(format!("fuzzing aborted: {reason}")),
    };
    let bytes = document(seeds, &case);
    let saved = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-failure-{n}"));
    let _ = std::fs::write(&saved, &bytes);
    Err(format!(
        "{reason}\nminimal case: {case:#?}\nseed document: {}\nthe document (saved as {}):\n{}",
        pick(seeds, case.seed).map_or("", |(f, _)| f),
        saved.display(),
        String::from_utf8_lossy(&bytes)
    ))
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
    )
}

#[test]
fn mutated_fixtures_never_panic_and_generate_code_that_parses() {
    let seeds = seeds();
    assert!(seeds.len() >= 10, "{} seed documents", seeds.len());
    // How many documents that generate are compiled: a sample in the normal run (about a
    // minute of clippy on two cores), more in a long one.
    let keep =
        env_number("FUZZ_COMPILE").unwrap_or(if std::env::var_os("FUZZ_SECONDS").is_some() {
            200
        } else {
            24
        });
    let outcomes = Outcomes {
        keep: keep as usize,
        ..Outcomes::default()
    };
    let config = |cases: u32| Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    match env_number("FUZZ_SECONDS") {
        None => {
            let cases = env_number("FUZZ_CASES").unwrap_or(1000) as u32;
            let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
            let mut runner = TestRunner::new_with_rng(config(cases), rng);
            if let Err(failure) = run(&mut runner, &seeds, &outcomes, 0) {
                panic!("{failure}");
            }
        }
        Some(seconds) => {
            // Random batches until the time is up; failures are collected, not fatal, so
            // that one run finds as many as it can.
            let (started, budget) = (Instant::now(), Duration::from_secs(seconds));
            let (mut cases, mut failures) = (0u64, Vec::new());
            let mut report = Instant::now();
            while started.elapsed() < budget {
                // Progress, so that even a run that dies (a stack overflow aborts the
                // process) says how far it got.
                if report.elapsed() > Duration::from_secs(30) {
                    eprintln!(
                        "fuzz: {cases} cases in {:.0?}, {} failures so far",
                        started.elapsed(),
                        failures.len()
                    );
                    report = Instant::now();
                }
                // TestRunner::new seeds each batch from the operating system.
                let mut runner = TestRunner::new(config(64));
                if let Err(failure) = run(&mut runner, &seeds, &outcomes, failures.len()) {
                    eprintln!("fuzz: failure {}:\n{failure}", failures.len());
                    failures.push(failure);
                }
                cases += 64;
            }
            eprintln!(
                "fuzz: {cases} cases in {:.0?}, {} failures",
                started.elapsed(),
                failures.len()
            );
            assert!(failures.is_empty(), "{}", failures.join("\n\n"));
        }
    }
    // Shown with `--nocapture`: how many cases generated code, how many ended in each kind
    // of error (shrinking runs count too).
    eprintln!("fuzz outcomes: {:?}", outcomes.counts.borrow());
    compile_generated(&outcomes);
}

/// Compiles the documents that generated, as modules of one crate, with clippy and rustdoc
/// warnings denied: parsing with syn is not enough to find code rustc or clippy refuses.
/// The documents are saved beside it (`fuzz-documents/api_<n>.yaml|json`), so a failure
/// names the module and its document can be read back.
fn compile_generated(outcomes: &Outcomes) {
    let generated = outcomes.generated.borrow();
    let documents: Vec<crate::fixtures::Fixture> = generated
        .iter()
        .enumerate()
        .map(|(n, (bytes, yaml))| crate::fixtures::Fixture {
            name: format!("api_{n}"),
            file: format!("api_{n}.{}", if *yaml { "yaml" } else { "json" }),
            bytes: bytes.clone(),
        })
        .collect();
    let saved = crate::support::scratch_dir("fuzz-documents");
    for document in &documents {
        std::fs::write(saved.join(&document.file), &document.bytes).expect("saved");
    }
    eprintln!(
        "fuzz: compiling {} generated documents (module api_<n> is {}/api_<n>.*)",
        documents.len(),
        saved.display()
    );
    crate::fixtures::compile_without_warnings("fuzz-compiled", "fuzz", &documents);
}
