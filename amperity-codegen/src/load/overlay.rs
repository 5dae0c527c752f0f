//! Overlays (OpenAPI Overlay Specification 1.0): corrections to a published document,
//! kept beside it, applied in memory to its parsed value before anything else reads it.
//!
//! Amperity's documents and Amperity's answers sometimes disagree (a field the document
//! requires that the API's own documented example leaves out). The document is pinned by
//! hash and never edited; an overlay says what to change, where (an RFC 9535 JSONPath
//! `target`), and why (its `description`, with a link to the page that shows the real
//! answer: [`Overlay::require_evidence`]).
//!
//! Each action either merges `update` into every node its target selects (objects are
//! merged key by key, recursively, as the reference implementations do; into an array the
//! update is appended as one entry) or, with `remove: true`, removes every selected node
//! from the object or array that holds it. Actions apply in order, each to the result of
//! the ones before. A target that selects nothing is an error here (the pinned document
//! cannot change under an overlay, so it means the overlay is wrong); [`stale_actions`]
//! lists such actions for a new document instead, so that `fetch-spec --update` can say
//! which overlays the vendor's fix (or move) left behind.
//!
//! JSONPath is `serde_json_path`: it implements RFC 9535 (which the Overlay specification
//! names) and passes its compliance suite, it is maintained, it works on the
//! `serde_json::Value` this crate already parses into, and it reports the normalized path
//! of every node it selects, which is what updating and removing in place need.

use serde_json::{Map, Value};
use serde_json_path::JsonPath;

use super::parse;
use crate::error::{Error, ErrorKind, Pointer, Reporter, Result};
use crate::limits::MAX_DOCUMENT_BYTES;

/// An overlay file as the caller read it.
#[derive(Debug, Clone, Copy)]
pub struct OverlayInput<'a> {
    /// How errors and generated file headers name it (a path relative to the workspace).
    pub name: &'a str,
    /// Its bytes (YAML or JSON).
    pub bytes: &'a [u8],
    /// Its SHA-256, for the headers of generated files.
    pub sha256: &'a str,
}

/// A parsed, checked overlay.
#[derive(Debug, Clone)]
pub struct Overlay {
    name: String,
    actions: Vec<Action>,
}

#[derive(Debug, Clone)]
struct Action {
    index: usize,
    target: String,
    path: JsonPath,
    description: Option<String>,
    change: Change,
}

#[derive(Debug, Clone)]
enum Change {
    Update(Value),
    Remove,
}

/// An action whose target selects nothing in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleAction {
    /// The overlay's name.
    pub overlay: String,
    /// The action's index in `actions`.
    pub action: usize,
    /// Its target.
    pub target: String,
    /// Its description.
    pub description: Option<String>,
}

impl Overlay {
    /// Reads and checks an overlay; errors name `name` and a JSON pointer into it.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Overlay> {
        let report = Reporter::new(name);
        let fail = |at: &Pointer, message: String| report.error(ErrorKind::Overlay, at, message);
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(fail(
                &Pointer::root(),
                "the overlay is larger than 16 MiB".into(),
            ));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| fail(&Pointer::root(), "the overlay is not UTF-8".into()))?;
        let value = parse::parse(text).map_err(|e| report.error(e.kind, &e.pointer, e.message))?;
        let root = Pointer::root();
        let Value::Object(fields) = value else {
            return Err(fail(&root, "an overlay is an object".into()));
        };
        known_fields(
            &fields,
            &["overlay", "info", "extends", "actions"],
            &root,
            &fail,
        )?;
        match fields.get("overlay") {
            Some(Value::String(v)) if is_version_1_0(v) => {}
            other => {
                return Err(report.error(
                    ErrorKind::UnsupportedVersion,
                    &root.join("overlay"),
                    format!(
                        "`overlay` must be a 1.0.x version string such as \"1.0.0\", found {}",
                        shown(other)
                    ),
                ));
            }
        }
        check_info(fields.get("info"), &root.join("info"), &fail)?;
        let Some(Value::Array(raw)) = fields.get("actions") else {
            return Err(fail(
                &root.join("actions"),
                "`actions` must be a list".into(),
            ));
        };
        if raw.is_empty() {
            return Err(fail(&root.join("actions"), "`actions` is empty".into()));
        }
        let actions = raw
            .iter()
            .enumerate()
            .map(|(index, raw)| action(index, raw, &root.join("actions").join(index), &fail))
            .collect::<Result<Vec<_>>>()?;
        Ok(Overlay {
            name: name.to_owned(),
            actions,
        })
    }

    /// The name it was parsed under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This project's rule for the overlays it keeps: every action's `description` links
    /// to the page (`https://…`) that shows the answer the overlay follows.
    pub fn require_evidence(&self) -> Result<()> {
        let unproven = self.actions.iter().find(|a| {
            !a.description
                .as_deref()
                .is_some_and(|d| d.contains("https://") || d.contains("http://"))
        });
        match unproven {
            None => Ok(()),
            Some(action) => Err(Reporter::new(&self.name).error(
                ErrorKind::Overlay,
                &Pointer::root()
                    .join("actions")
                    .join(action.index)
                    .join("description"),
                "each action's `description` must give its evidence: a link to the page that \
                 shows what the API really answers",
            )),
        }
    }
}

/// Applies `overlays` in order to the parsed `document`. An action whose target selects
/// nothing, or that cannot change what it selects, is an error naming the overlay, the
/// action and the document.
pub fn apply(document: &str, mut value: Value, overlays: &[Overlay]) -> Result<Value> {
    for overlay in overlays {
        for action in &overlay.actions {
            let at = Pointer::root().join("actions").join(action.index);
            let fail = |at: Pointer, message: String| {
                Reporter::new(&overlay.name).error(ErrorKind::Overlay, &at, message)
            };
            match apply_action(&mut value, action) {
                Ok(0) => {
                    return Err(fail(
                        at.join("target"),
                        format!(
                            "`{}` selects nothing in {document}: the document no longer has \
                             what this action corrects (fixed or moved); change or delete it",
                            action.target
                        ),
                    ));
                }
                Ok(_) => {}
                Err(message) => return Err(fail(at, format!("{message} (in {document})"))),
            }
        }
    }
    Ok(value)
}

/// The actions of `overlays` whose target selects nothing in `value` (applying the others
/// in order, as [`apply`] would): what a new version of a document leaves behind.
pub fn stale_actions(mut value: Value, overlays: &[Overlay]) -> Vec<StaleAction> {
    let mut stale = Vec::new();
    for overlay in overlays {
        for action in &overlay.actions {
            if matches!(apply_action(&mut value, action), Ok(0)) {
                stale.push(StaleAction {
                    overlay: overlay.name.clone(),
                    action: action.index,
                    target: action.target.clone(),
                    description: action.description.clone(),
                });
            }
        }
    }
    stale
}

/// Parses each input, in order.
pub fn parse_all(inputs: &[OverlayInput<'_>]) -> Result<Vec<Overlay>> {
    inputs
        .iter()
        .map(|input| Overlay::parse(input.name, input.bytes))
        .collect()
}

/// One step of a node's location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

/// Applies one action; the number of nodes it selected, or why it cannot change them.
fn apply_action(value: &mut Value, action: &Action) -> std::result::Result<usize, String> {
    let mut locations: Vec<Vec<Step>> = action
        .path
        .query_located(value)
        .locations()
        .map(|path| {
            path.iter()
                .map(|element| match element {
                    serde_json_path::PathElement::Name(key) => Step::Key((*key).to_owned()),
                    serde_json_path::PathElement::Index(i) => Step::Index(*i),
                })
                .collect()
        })
        .collect();
    match &action.change {
        Change::Update(update) => {
            for location in &locations {
                let node = node_mut(value, location).ok_or("a selected node vanished")?;
                match (node, update) {
                    (Value::Object(node), Value::Object(update)) => merge(node, update),
                    (Value::Array(items), entry) => items.push(entry.clone()),
                    (Value::Object(_), other) => {
                        return Err(format!(
                            "`update` must be an object to merge into the object at {}, found {}",
                            pointer(location),
                            kind(other)
                        ));
                    }
                    (other, _) => {
                        return Err(format!(
                            "`{}` selects {} at {}: `update` changes objects and arrays only \
                             (select the object that holds it)",
                            action.target,
                            kind(other),
                            pointer(location)
                        ));
                    }
                }
            }
        }
        Change::Remove => {
            // Deepest and last first, so that removing one node never moves another.
            locations.sort_unstable_by(|a, b| b.cmp(a));
            for location in &locations {
                let Some((last, parent)) = location.split_last() else {
                    return Err("`remove` cannot remove the whole document".to_owned());
                };
                match (node_mut(value, parent), last) {
                    (Some(Value::Object(map)), Step::Key(key)) => {
                        map.shift_remove(key);
                    }
                    (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
                        items.remove(*i);
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(locations.len())
}

/// Objects merge key by key, recursively; any other value replaces what was there.
fn merge(node: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, new) in update {
        match (node.get_mut(key), new) {
            (Some(Value::Object(old)), Value::Object(new)) => merge(old, new),
            _ => {
                node.insert(key.clone(), new.clone());
            }
        }
    }
}

fn node_mut<'v>(value: &'v mut Value, location: &[Step]) -> Option<&'v mut Value> {
    location.iter().try_fold(value, |node, step| match step {
        Step::Key(key) => node.get_mut(key.as_str()),
        Step::Index(i) => node.get_mut(*i),
    })
}

fn pointer(location: &[Step]) -> String {
    let pointer = location.iter().fold(Pointer::root(), |p, step| match step {
        Step::Key(key) => p.join(key),
        Step::Index(i) => p.join(i),
    });
    match pointer.as_str() {
        "" => "the root".to_owned(),
        p => p.to_owned(),
    }
}

fn action(
    index: usize,
    raw: &Value,
    at: &Pointer,
    fail: &impl Fn(&Pointer, String) -> Error,
) -> Result<Action> {
    let Value::Object(fields) = raw else {
        return Err(fail(at, "an action is an object".into()));
    };
    known_fields(
        fields,
        &["target", "description", "update", "remove"],
        at,
        fail,
    )?;
    let Some(Value::String(target)) = fields.get("target") else {
        return Err(fail(
            &at.join("target"),
            "`target` must be a JSONPath string such as \"$.components.schemas.Segment\"".into(),
        ));
    };
    let path = JsonPath::parse(target).map_err(|e| {
        fail(
            &at.join("target"),
            format!("`{target}` is not an RFC 9535 JSONPath: {e}"),
        )
    })?;
    let description = match fields.get("description") {
        None => None,
        Some(Value::String(d)) => Some(d.clone()),
        Some(other) => {
            return Err(fail(
                &at.join("description"),
                format!("`description` must be a string, found {}", kind(other)),
            ));
        }
    };
    let change = match (fields.get("remove"), fields.get("update")) {
        (Some(Value::Bool(true)), None) => Change::Remove,
        (Some(Value::Bool(true)), Some(_)) => {
            return Err(fail(
                at,
                "`remove: true` and `update` together: the update would be ignored".into(),
            ));
        }
        (None | Some(Value::Bool(false)), Some(update)) => Change::Update(update.clone()),
        (None | Some(Value::Bool(false)), None) => {
            return Err(fail(
                at,
                "the action does nothing: give it `update` or `remove: true`".into(),
            ));
        }
        (Some(other), _) => {
            return Err(fail(
                &at.join("remove"),
                format!("`remove` must be true or false, found {}", kind(other)),
            ));
        }
    };
    Ok(Action {
        index,
        target: target.clone(),
        path,
        description,
        change,
    })
}

fn check_info(
    info: Option<&Value>,
    at: &Pointer,
    fail: &impl Fn(&Pointer, String) -> Error,
) -> Result<()> {
    let Some(Value::Object(fields)) = info else {
        return Err(fail(
            at,
            "`info` must be an object with `title` and `version`".into(),
        ));
    };
    for key in ["title", "version"] {
        if !matches!(fields.get(key), Some(Value::String(_))) {
            return Err(fail(
                &at.join(key),
                format!("`info.{key}` must be a string"),
            ));
        }
    }
    Ok(())
}

/// Fields the specification does not define are refused (a misspelt `remove` would
/// otherwise turn a removal into an error far from its cause, or into nothing), except
/// `x-` extensions.
fn known_fields(
    fields: &Map<String, Value>,
    known: &[&str],
    at: &Pointer,
    fail: &impl Fn(&Pointer, String) -> Error,
) -> Result<()> {
    match fields
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !k.starts_with("x-"))
    {
        None => Ok(()),
        Some(unknown) => Err(fail(
            &at.join(unknown),
            format!(
                "unknown field `{unknown}` (known: {}, and `x-` extensions)",
                known.join(", ")
            ),
        )),
    }
}

fn is_version_1_0(version: &str) -> bool {
    version
        .strip_prefix("1.0.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn shown(value: Option<&Value>) -> String {
    match value {
        None => "nothing".to_owned(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(other) => kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests;
