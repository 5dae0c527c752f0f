//! OpenAPI 3.1 → OpenAPI 3.0, in process, on `serde_json::Value`, like `swagger2` does for
//! Swagger 2.0: [`load`](crate::load) converts a 3.1 document here and reads the result as
//! a 3.0 document. Pure: values in, values out, document order kept.
//!
//! # Rules
//!
//! - `openapi: 3.1.x` → `3.0.3`; `jsonSchemaDialect` is dropped; a document without
//!   `paths` (3.1 allows one with only `webhooks` or `components`) gets empty ones.
//! - `webhooks` are dropped: they describe requests the API sends, which a client does
//!   not make (the generated crate has no code for them; the README says so).
//! - `components/pathItems`: a path item that is a `$ref` to one is replaced by it (3.0
//!   has no such section), and the section is dropped.
//! - Schemas, wherever they stand (`components/schemas`, every `schema`, and recursively
//!   `properties`, `items`, `additionalProperties`, `allOf`/`anyOf`/`oneOf`, `not`,
//!   `patternProperties`, `$defs`):
//!   - `type: [T, "null"]` → `type: T, nullable: true`; `type: "null"` alone, or a type
//!     list of several non-null types, → no `type` (any value), nullable if `"null"` was
//!     in it;
//!   - a `{type: "null"}` member of `anyOf`/`oneOf` → `nullable: true` on the schema;
//!     when one member is left it stands alone (a `$ref` in a one-part `allOf`, 3.0's
//!     idiom for a nullable reference);
//!   - `const: v` → `enum: [v]`;
//!   - `examples: [..]` → `example:` the first;
//!   - numeric `exclusiveMinimum: n` → `minimum: n, exclusiveMinimum: true` (the same for
//!     the maximum);
//!   - `contentEncoding: base64` → `format: byte`; `contentMediaType` of a string without
//!     a format → `format: binary`;
//!   - `$ref` with sibling keywords, which 3.1 applies and 3.0 ignores: annotations only
//!     (`description`, `title`, `summary`, `deprecated`, `example(s)`, `$comment`, `x-`)
//!     are dropped, as 3.0 would; any other keyword (`nullable`, `readOnly`, constraints,
//!     `properties`, …) keeps its meaning: the reference moves into a one-part `allOf`
//!     beside them.
//!
//! # Pointers
//!
//! Everything stays where it was except path items taken from `components/pathItems`,
//! which the returned [`Origin`] maps back, so errors point into the 3.1 document.

use serde_json::{Map, Value};

use crate::error::{ErrorKind, Pointer, Reporter, Result};
use crate::swagger2::Origin;

/// The 3.0 version the converted document declares.
const CONVERTED_VERSION: &str = "3.0.3";

/// Converts a 3.1 document to 3.0, and says where the moved parts came from.
pub(crate) fn convert(document: &str, value: &Value) -> Result<(Value, Origin)> {
    let report = Reporter::new(document);
    let mut origin = Origin::default();
    let Some(root) = value.as_object() else {
        return Err(report.error(
            ErrorKind::Parse,
            &Pointer::root(),
            "the document is not an object",
        ));
    };
    let mut root = root.clone();
    root.insert("openapi".to_owned(), Value::from(CONVERTED_VERSION));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    let path_items = root
        .get_mut("components")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.remove("pathItems"));
    let paths = root
        .entry("paths")
        .or_insert_with(|| Value::Object(Map::new()));
    if let (Some(paths), Some(Value::Object(items))) = (paths.as_object_mut(), &path_items) {
        inline_path_items(paths, items, &report, &mut origin)?;
    }
    let mut root = Value::Object(root);
    walk(&mut root);
    Ok((root, origin))
}

/// Replaces each path item that is a `$ref` to `#/components/pathItems/X` by X.
fn inline_path_items(
    paths: &mut Map<String, Value>,
    items: &Map<String, Value>,
    report: &Reporter,
    origin: &mut Origin,
) -> Result<()> {
    const PREFIX: &str = "#/components/pathItems/";
    for (path, item) in paths.iter_mut() {
        let Some(reference) = item.get("$ref").and_then(Value::as_str) else {
            continue;
        };
        let Some(name) = reference.strip_prefix(PREFIX) else {
            continue;
        };
        let at = Pointer::root().join("paths").join(path);
        let name = name.replace("~1", "/").replace("~0", "~");
        let Some(found) = items.get(&name) else {
            return Err(report.error(
                ErrorKind::BadReference,
                &at.join("$ref"),
                format!("$ref {reference:?} points to no path item in components/pathItems"),
            ));
        };
        if found.get("$ref").is_some() {
            return Err(report.error(
                ErrorKind::BadReference,
                &at.join("$ref"),
                format!(
                    "$ref {reference:?} points to another reference; refer to the path item itself"
                ),
            ));
        }
        origin.moved(
            &at,
            &Pointer::root()
                .join("components")
                .join("pathItems")
                .join(&name),
        );
        *item = found.clone();
    }
    Ok(())
}

/// Converts every schema of the document: the values of `schema` keys and of
/// `components/schemas`. Examples and extensions are data, never walked.
fn walk(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                match key.as_str() {
                    "schema" => schema(child),
                    "schemas" => {
                        if let Value::Object(schemas) = child {
                            schemas.values_mut().for_each(schema);
                        }
                    }
                    "example" | "examples" => {}
                    k if k.starts_with("x-") => {}
                    _ => walk(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

/// Keywords beside a `$ref` that only annotate: 3.0 ignores them, and so may we.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "summary",
    "deprecated",
    "example",
    "examples",
    "$comment",
];

/// Converts one schema and the schemas inside it.
fn schema(value: &mut Value) {
    let Value::Object(object) = value else {
        return;
    };
    for key in ["properties", "patternProperties", "$defs"] {
        if let Some(Value::Object(children)) = object.get_mut(key) {
            children.values_mut().for_each(schema);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = object.get_mut(key) {
            schema(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(children)) = object.get_mut(key) {
            children.iter_mut().for_each(schema);
        }
    }
    types(object);
    null_members(object);
    if let Some(constant) = object.remove("const") {
        object.insert("enum".to_owned(), Value::Array(vec![constant]));
    }
    if let Some(Value::Array(examples)) = object.get("examples") {
        let first = examples.first().cloned();
        object.remove("examples");
        if let Some(first) = first {
            object.entry("example").or_insert(first);
        }
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(limit) = object.get(exclusive).filter(|v| v.is_number()).cloned() {
            object.insert(bound.to_owned(), limit);
            object.insert(exclusive.to_owned(), Value::Bool(true));
        }
    }
    content(object);
    reference_siblings(object);
}

/// `type` lists → one type and `nullable`.
fn types(object: &mut Map<String, Value>) {
    let (types, nullable) = match object.get("type") {
        Some(Value::Array(list)) => {
            let nullable = list.iter().any(|t| t == "null");
            let types: Vec<Value> = list.iter().filter(|t| *t != "null").cloned().collect();
            (types, nullable)
        }
        Some(Value::String(t)) if t == "null" => (Vec::new(), true),
        _ => return,
    };
    match <[Value; 1]>::try_from(types) {
        Ok([single]) => {
            object.insert("type".to_owned(), single);
        }
        // None or several: any value (3.0 has no list of types).
        Err(_) => {
            object.remove("type");
        }
    }
    if nullable {
        object.insert("nullable".to_owned(), Value::Bool(true));
    }
}

/// `{type: "null"}` members of `anyOf`/`oneOf` → `nullable`.
fn null_members(object: &mut Map<String, Value>) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = object.get_mut(key) else {
            continue;
        };
        let before = members.len();
        members.retain(|m| !is_null_schema(m));
        if members.len() == before {
            continue;
        }
        object.insert("nullable".to_owned(), Value::Bool(true));
        let Some(Value::Array(members)) = object.remove(key) else {
            continue;
        };
        match <[Value; 1]>::try_from(members) {
            // One member left: it stands alone, a reference as 3.0's nullable idiom.
            Ok([Value::Object(single)]) if single.contains_key("$ref") => {
                object.insert(
                    "allOf".to_owned(),
                    Value::Array(vec![Value::Object(single)]),
                );
            }
            Ok([Value::Object(single)]) => {
                for (k, v) in single {
                    object.entry(k).or_insert(v);
                }
            }
            Ok([other]) => {
                object.insert(key.to_owned(), Value::Array(vec![other]));
            }
            Err(members) if members.is_empty() => {}
            Err(members) => {
                object.insert(key.to_owned(), Value::Array(members));
            }
        }
    }
}

/// `{type: "null"}` (after conversion: `{nullable: true}` with nothing else).
fn is_null_schema(value: &Value) -> bool {
    value.as_object().is_some_and(|o| {
        o.get("nullable") == Some(&Value::Bool(true))
            && !o.contains_key("type")
            && o.keys()
                .all(|k| k == "nullable" || ANNOTATIONS.contains(&k.as_str()))
    })
}

/// `contentEncoding`/`contentMediaType` → the 3.0 string formats.
fn content(object: &mut Map<String, Value>) {
    let encoding = object.remove("contentEncoding");
    let media_type = object.remove("contentMediaType");
    if object.contains_key("format") {
        return;
    }
    let format = match (encoding.as_ref().and_then(Value::as_str), media_type) {
        (Some("base64"), _) => "byte",
        (None, Some(_)) => "binary",
        _ => return,
    };
    object.insert("format".to_owned(), Value::from(format));
}

/// A `$ref` with keywords beside it that mean something: the reference moves into a
/// one-part `allOf`; annotations alone are dropped.
fn reference_siblings(object: &mut Map<String, Value>) {
    if !object.contains_key("$ref") || object.len() == 1 {
        return;
    }
    let meaningful = object
        .keys()
        .any(|k| k != "$ref" && !k.starts_with("x-") && !ANNOTATIONS.contains(&k.as_str()));
    if !meaningful {
        object.retain(|k, _| k == "$ref");
        return;
    }
    let reference = object.remove("$ref").expect("checked above");
    let mut part = Map::new();
    part.insert("$ref".to_owned(), reference);
    let mut parts = vec![Value::Object(part)];
    if let Some(Value::Array(existing)) = object.remove("allOf") {
        parts.extend(existing);
    }
    object.insert("allOf".to_owned(), Value::Array(parts));
}

#[cfg(test)]
mod tests;
