//! Text → `serde_json::Value`, within the limits of [`crate::limits`].
//!
//! `serde_json` and `serde_yaml` build the value through a visitor of our own rather than
//! `Value`'s, so that each limit stops the parser as soon as it is crossed (not after a
//! billion-laughs document has been expanded) and the error names the JSON pointer of the
//! place: nesting, the number of values and the bytes of text once YAML aliases are
//! expanded, the length of one string or key. The visitor also refuses a key that appears
//! twice in one object, which both parsers would otherwise resolve silently (the last one
//! wins), losing a path or a property the document spells out.
//!
//! YAML merge keys (`<<: *base`, `<<: [*a, *b]`, YAML 1.1's type that serde_yaml leaves as
//! a plain key) are resolved here, as the documents' authors meant them: the merged
//! mappings' keys are added where the `<<` stands, keys of the mapping itself win, and of
//! several merged mappings the earlier wins. In JSON `<<` is an ordinary key.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{ErrorKind, Pointer};
use crate::limits::{MAX_KEY_BYTES, MAX_NESTING, MAX_STRING_BYTES, MAX_TEXT_BYTES, MAX_VALUES};

/// Why parsing stopped: a limit or a duplicate key (with a pointer), or a syntax error
/// (at the root; the message carries the parser's line and column).
#[derive(Debug)]
pub(super) struct ParseError {
    pub(super) kind: ErrorKind,
    pub(super) pointer: Pointer,
    pub(super) message: String,
}

/// JSON when the text starts like JSON (so JSON errors report JSON line and column),
/// YAML otherwise.
pub(super) fn parse(text: &str) -> Result<Value, ParseError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(syntax("the document is empty".to_owned()));
    }
    let budget = Budget {
        values: Cell::new(MAX_VALUES),
        text: Cell::new(MAX_TEXT_BYTES),
        stop: RefCell::new(None),
        failed_at: RefCell::new(None),
        yaml: Cell::new(false),
    };
    let root = Node {
        budget: &budget,
        path: Path::Root,
        level: 1,
    };
    let parsed = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut deserializer = serde_json::Deserializer::from_str(trimmed);
        root.deserialize(&mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value))
            .map_err(|e| format!("invalid JSON: {e}"))
    } else {
        budget.yaml.set(true);
        root.deserialize(serde_yaml::Deserializer::from_str(trimmed))
            .map_err(|e| format!("invalid YAML: {e}"))
    };
    parsed.map_err(|message| {
        let stop = budget.stop.into_inner();
        stop.unwrap_or_else(|| syntax_at(message, budget.failed_at.into_inner()))
    })
}

fn syntax(message: String) -> ParseError {
    syntax_at(message, None)
}

/// A syntax error, at the innermost value being read when the parser failed.
fn syntax_at(message: String, at: Option<Pointer>) -> ParseError {
    // `serde_yaml` 0.9 stops expanding aliases after 100 uses per event of the document,
    // which stops the classic "billion laughs" before our own count of values does.
    if message.ends_with("repetition limit exceeded") {
        return ParseError {
            kind: ErrorKind::Limit,
            pointer: at.unwrap_or_default(),
            message: "YAML aliases expand too much here (serde_yaml allows 100 alias uses per event of the document): a \"billion laughs\" document?".to_owned(),
        };
    }
    ParseError {
        kind: ErrorKind::Parse,
        pointer: at.unwrap_or_default(),
        message,
    }
}

/// What is left to spend, and the reason the visitor stopped the parser, if it did.
struct Budget {
    values: Cell<usize>,
    text: Cell<usize>,
    stop: RefCell<Option<ParseError>>,
    /// The innermost value being read when the parser failed for another reason.
    failed_at: RefCell<Option<Pointer>>,
    /// The text is YAML, where `<<` is a merge key.
    yaml: Cell<bool>,
}

impl Budget {
    /// Records why parsing stops and returns the error that makes the parser stop (its own
    /// message is replaced by the recorded one).
    fn stop<E: de::Error>(&self, kind: ErrorKind, path: &Path<'_>, message: String) -> E {
        let mut stop = self.stop.borrow_mut();
        if stop.is_none() {
            *stop = Some(ParseError {
                kind,
                pointer: path.pointer(),
                message,
            });
        }
        E::custom("stopped by a limit")
    }

    /// Notes where the parser failed, if nothing deeper has; returns the error unchanged.
    fn failed<E>(&self, path: &Path<'_>, error: E) -> E {
        let mut failed_at = self.failed_at.borrow_mut();
        if failed_at.is_none() {
            *failed_at = Some(path.pointer());
        }
        error
    }

    /// Spends one value and `bytes` bytes of text.
    fn spend<E: de::Error>(&self, path: &Path<'_>, bytes: usize) -> Result<(), E> {
        let Some(values) = self.values.get().checked_sub(1) else {
            return Err(self.stop(
                ErrorKind::Limit,
                path,
                format!(
                    "the document holds more than {MAX_VALUES} values (counting YAML aliases as often as they are used)"
                ),
            ));
        };
        let Some(text) = self.text.get().checked_sub(bytes) else {
            return Err(self.stop(
                ErrorKind::Limit,
                path,
                format!(
                    "the document's strings add up to more than {MAX_TEXT_BYTES} bytes (counting YAML aliases as often as they are used)"
                ),
            ));
        };
        self.values.set(values);
        self.text.set(text);
        Ok(())
    }
}

/// Where a value is, built into a pointer only when an error needs it.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn pointer(&self) -> Pointer {
        match self {
            Path::Root => Pointer::root(),
            Path::Key(parent, key) => parent.pointer().join(key),
            Path::Index(parent, index) => parent.pointer().join(index),
        }
    }
}

/// One value to parse: where it is and how deep (the root is level 1).
struct Node<'a> {
    budget: &'a Budget,
    path: Path<'a>,
    level: usize,
}

impl Node<'_> {
    fn child<'c>(&self, path: Path<'c>) -> Node<'c>
    where
        Self: 'c,
    {
        Node {
            budget: self.budget,
            path,
            level: self.level + 1,
        }
    }

    /// Checks the nesting of an array or object about to be read, and spends it.
    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.level > MAX_NESTING {
            return Err(self.budget.stop(
                ErrorKind::Limit,
                &self.path,
                format!("arrays and objects nest more than {MAX_NESTING} levels deep here"),
            ));
        }
        self.budget.spend(&self.path, 0)
    }

    fn string<E: de::Error>(&self, value: &str) -> Result<Value, E> {
        if value.len() > MAX_STRING_BYTES {
            return Err(self.budget.stop(
                ErrorKind::Limit,
                &self.path,
                format!(
                    "a string of {} bytes; the longest accepted is {MAX_STRING_BYTES}",
                    value.len()
                ),
            ));
        }
        self.budget.spend(&self.path, value.len())?;
        Ok(Value::String(value.to_owned()))
    }

    fn number<E: de::Error>(&self, number: Number) -> Result<Value, E> {
        self.budget.spend(&self.path, 0)?;
        Ok(Value::Number(number))
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        self.budget.spend(&self.path, 0)?;
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        self.number(value.into())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        self.number(value.into())
    }

    /// An integer past `u64` (a bound such as `-2^127`) is kept as the nearest `f64`, as
    /// JSON parsers do: what the document means by it (a range past `i64`) survives, the
    /// last digits do not matter.
    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Value, E> {
        match i64::try_from(value) {
            Ok(small) => self.number(small.into()),
            Err(_) => self.visit_f64(value as f64),
        }
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Value, E> {
        match u64::try_from(value) {
            Ok(small) => self.number(small.into()),
            Err(_) => self.visit_f64(value as f64),
        }
    }

    /// As `serde_json::Value` does: a NaN or infinity (YAML `.nan`, `.inf`) is null.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        self.budget.spend(&self.path, 0)?;
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        self.string(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.budget.spend(&self.path, 0)?;
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.visit_none()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            let path = Path::Index(&self.path, items.len());
            match access.next_element_seed(self.child(path)) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return Ok(Value::Array(items)),
                Err(e) => return Err(self.budget.failed(&path, e)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut object = Map::new();
        // A merge key's mappings, and how many keys came before it.
        let mut merged: Option<(usize, Vec<Map<String, Value>>)> = None;
        loop {
            let key = match access.next_key_seed(Key { parent: &self }) {
                Ok(Some(key)) => key,
                Ok(None) => return Ok(Value::Object(merge(object, merged))),
                Err(e) => return Err(self.budget.failed(&self.path, e)),
            };
            let path = Path::Key(&self.path, &key);
            let is_merge = key == MERGE_KEY && self.budget.yaml.get();
            if object.contains_key(&key) || (is_merge && merged.is_some()) {
                return Err(self.budget.stop(
                    ErrorKind::Duplicate,
                    &path,
                    format!("the key {key:?} appears more than once in this object"),
                ));
            }
            let value = access
                .next_value_seed(self.child(path))
                .map_err(|e| self.budget.failed(&path, e))?;
            if is_merge {
                merged = Some((object.len(), self.mappings(&path, value)?));
            } else {
                object.insert(key, value);
            }
        }
    }
}

/// YAML's merge key.
const MERGE_KEY: &str = "<<";

impl Node<'_> {
    /// The mappings a merge key's value names: one mapping or a list of them.
    fn mappings<E: de::Error>(
        &self,
        path: &Path<'_>,
        value: Value,
    ) -> Result<Vec<Map<String, Value>>, E> {
        let list = match value {
            Value::Object(map) => return Ok(vec![map]),
            Value::Array(list) => list,
            _ => Vec::new(),
        };
        let count = list.len();
        let maps: Vec<Map<String, Value>> = list
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .collect();
        if maps.len() == count && count > 0 {
            return Ok(maps);
        }
        Err(self.budget.stop(
            ErrorKind::Parse,
            path,
            "a YAML merge key (`<<`) takes a mapping or a list of mappings".to_owned(),
        ))
    }
}

/// `object` with the merged mappings' keys added where the merge key stood: keys of
/// `object` itself win, and of the merged mappings the earlier.
fn merge(
    object: Map<String, Value>,
    merged: Option<(usize, Vec<Map<String, Value>>)>,
) -> Map<String, Value> {
    let Some((at, maps)) = merged else {
        return object;
    };
    let mut result = Map::new();
    let mut own = object.into_iter();
    for (key, value) in own.by_ref().take(at) {
        result.insert(key, value);
    }
    let rest: Vec<(String, Value)> = own.collect();
    for map in maps {
        for (key, value) in map {
            let overridden = rest.iter().any(|(k, _)| *k == key);
            if !overridden && !result.contains_key(&key) {
                result.insert(key, value);
            }
        }
    }
    result.extend(rest);
    result
}

/// An object key: a string, as `serde_json::Value` reads keys (YAML `200:` becomes "200").
struct Key<'n, 'a> {
    parent: &'n Node<'a>,
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<String, E> {
        let node = self.parent;
        if key.len() > MAX_KEY_BYTES {
            let start: String = key.chars().take(40).collect();
            return Err(node.budget.stop(
                ErrorKind::Limit,
                &node.path,
                format!(
                    "a key of {} bytes ({start:?}…); the longest accepted is {MAX_KEY_BYTES}",
                    key.len()
                ),
            ));
        }
        node.budget.spend(&node.path, key.len())?;
        Ok(key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ParseError {
        parse(text).expect_err("must fail")
    }

    #[test]
    fn reads_json_and_yaml_as_serde_json_does() {
        let json = r#"{"a": [1, -2, 3.5, "x", true, null, {}], "b": 18446744073709551615}"#;
        assert_eq!(
            parse(json).unwrap(),
            serde_json::from_str::<Value>(json).unwrap()
        );
        let yaml = "a: [1, -2, 3.5, x, true, ~, {}]\n200: {z: 1, a: 2}\nn: .nan\n";
        assert_eq!(
            parse(yaml).unwrap(),
            serde_json::json!({"a": [1, -2, 3.5, "x", true, null, {}], "200": {"z": 1, "a": 2}, "n": null})
        );
        // Document order is kept.
        let keys: Vec<String> = parse(yaml).unwrap()["200"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["z", "a"]);
    }

    #[test]
    fn nesting_stops_at_the_limit_with_a_pointer() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(MAX_NESTING)).is_ok());
        for text in [
            deep(MAX_NESTING + 1),
            deep(10_000),
            format!("x: {}", deep(10_000)),
        ] {
            let e = error(&text);
            assert_eq!(e.kind, ErrorKind::Limit, "{}", e.message);
            let expected = format!("nest more than {MAX_NESTING} levels");
            assert!(e.message.contains(&expected), "{}", e.message);
            assert!(e.pointer.as_str().ends_with("/0/0/0"), "{}", e.pointer);
        }
    }

    #[test]
    fn alias_expansion_is_counted() {
        // The classic: each level refers nine times to the one before, 9^9 strings once
        // expanded. serde_yaml's own limit stops it.
        let mut laughs = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (previous, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
            let uses = vec![format!("*{previous}"); 9].join(", ");
            laughs.push_str(&format!("{name}: &{name} [{uses}]\n"));
        }
        let e = error(&laughs);
        assert_eq!(e.kind, ErrorKind::Limit);
        assert!(e.message.contains("billion laughs"), "{}", e.message);
        assert_eq!(e.pointer.as_str(), "/f/0/3/2/5/6");
        // Wide instead of deep: 1,100 uses of an anchor of 1,100 items are within
        // serde_yaml's limit, but not within ours.
        let items = vec!["1"; 1_100].join(", ");
        let uses = vec!["*a"; 1_100].join(", ");
        let e = error(&format!("a: &a [{items}]\nb: [{uses}]\n"));
        assert_eq!(e.kind, ErrorKind::Limit);
        assert!(
            e.message.contains("more than 1000000 values"),
            "{}",
            e.message
        );
        assert_eq!(e.pointer.as_str(), "/b/907/287");
        // A long string used many times is counted by its bytes.
        let long = "y".repeat(60_000);
        let uses = vec!["*s"; 2_000].join(", ");
        let e = error(&format!("s: &s {long}\nt: [{uses}]\n"));
        assert!(
            e.message.contains("strings add up to more than"),
            "{}",
            e.message
        );
        assert_eq!(e.pointer.as_str(), "/t/1117");
    }

    #[test]
    fn long_strings_and_keys_and_repeated_keys_are_refused() {
        let e = error(&format!("a: {{b: {}}}", "x".repeat(MAX_STRING_BYTES + 1)));
        assert_eq!((e.kind, e.pointer.as_str()), (ErrorKind::Limit, "/a/b"));
        let e = error(&format!("a: {{{}: 1}}", "k".repeat(MAX_KEY_BYTES + 1)));
        assert_eq!((e.kind, e.pointer.as_str()), (ErrorKind::Limit, "/a"));
        let e = error(r#"{"paths": {"/a": 1, "/a": 2}}"#);
        assert_eq!(
            (e.kind, e.pointer.as_str()),
            (ErrorKind::Duplicate, "/paths/~1a")
        );
        let e = error("a:\n  b: 1\n  b: 2\n");
        assert_eq!((e.kind, e.pointer.as_str()), (ErrorKind::Duplicate, "/a/b"));
    }

    #[test]
    fn yaml_merge_keys_are_resolved_where_they_stand() {
        let yaml = "base: &base {a: 1, b: 2}\nother: &other {b: 3, c: 4, d: 5}\n\
                    one: {x: 0, <<: *base, b: 9}\n\
                    two: {<<: [*base, *other], d: 6}\n";
        let value = parse(yaml).unwrap();
        assert_eq!(value["one"], serde_json::json!({"x": 0, "a": 1, "b": 9}));
        let keys: Vec<&String> = value["one"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["x", "a", "b"]);
        assert_eq!(
            value["two"],
            serde_json::json!({"a": 1, "b": 2, "c": 4, "d": 6})
        );
        // Not a mapping, twice in one mapping, and in JSON a key like any other.
        let e = error("a: &a [1]\nb: {<<: *a}\n");
        assert_eq!((e.kind, e.pointer.as_str()), (ErrorKind::Parse, "/b/<<"));
        assert!(e.message.contains("merge key"), "{}", e.message);
        let e = error("a: &a {x: 1}\nb: {<<: *a, <<: *a}\n");
        assert_eq!(e.kind, ErrorKind::Duplicate);
        assert_eq!(
            parse(r#"{"<<": {"a": 1}}"#).unwrap(),
            serde_json::json!({"<<": {"a": 1}})
        );
    }

    #[test]
    fn syntax_errors_keep_the_parsers_messages() {
        let e = error("{\"a\": 1} x");
        assert!(
            e.message.starts_with("invalid JSON: trailing characters"),
            "{}",
            e.message
        );
        let e = error("a: [1\n");
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        // At the innermost value being read.
        let e = error("{\"paths\": {\"/a\": {\"get\": [1, }}}");
        assert_eq!(e.pointer.as_str(), "/paths/~1a/get/1", "{}", e.message);
        assert_eq!(error(" \n\t").message, "the document is empty");
    }
}
