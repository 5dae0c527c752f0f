//! The parsed value, checked part by part before `openapiv3` reads the whole document.
//!
//! Every part that `openapiv3` reads through a `ReferenceOr` (schemas, parameters, headers,
//! request bodies, responses, path items) is checked on its own, innermost first, for
//! three reasons:
//!
//! - **Time.** When the content of a `ReferenceOr` fails to deserialize, `openapiv3` reads
//!   it a second time to produce its message; nested schemas double the work at every
//!   level, so one bad value at the bottom of 30 levels costs 2^30 reads. Checked innermost
//!   first, no part contains a failing part when it is read, and each schema is read with
//!   its nested schemas replaced by `{}`: linear again.
//! - **Stack.** `openapiv3`'s deserializers take deep stack frames for each schema level;
//!   schemas (and callbacks) nesting more than [`MAX_SCHEMA_NESTING`] levels are refused
//!   here, before they run.
//! - **Precision.** `openapiv3` flattens and uses untagged enums, which stop
//!   `serde_path_to_error`'s path early; the innermost part that fails on its own is the
//!   place to report.
//!
//! It also refuses what `openapiv3` would read without a word but the generated client
//! would get wrong: a `paths` key that does not start with `/` (nor `x-`: dropped), an
//! unknown schema `type` (read as "any value"), a cycle of component schemas that are only
//! references (type aliases of each other), a server URL placeholder without its variable
//! (kept in the default URL).
//!
//! A `required` name without a property of that name is accepted: JSON Schema allows it
//! (the value must be present, of any type), the generated type has no field for it and
//! serde ignores it, and a document that removes a required property keeps it listed
//! more often than not (the diff must read that document).

use std::cell::Cell;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Pointer, Reporter, Result};
use crate::limits::{MAX_OPERATIONS, MAX_PARAMETERS, MAX_SCHEMA_NESTING};

/// Checks `document` (after any Swagger 2.0 conversion) part by part.
pub(super) fn check(document: &Value, report: &Reporter) -> Result<()> {
    let shape = Shape {
        report,
        operations: Cell::new(0),
    };
    let root = Pointer::root();
    shape.servers(document, &root)?;
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let at = root.join("paths").join(path);
            if path.starts_with('/') {
                shape.path_item(item, &at, 0)?;
            } else if !path.starts_with("x-") {
                return Err(report.error(
                    ErrorKind::Parse,
                    &at,
                    format!(
                        "the path {path:?} does not start with `/`; keys of `paths` are path templates such as \"/segments/{{id}}\" (or `x-` extensions)"
                    ),
                ));
            }
        }
    }
    let Some(components) = document.get("components") else {
        return Ok(());
    };
    let at = root.join("components");
    type Part<'r> = fn(&Shape<'r>, &Value, &Pointer) -> Result<()>;
    let sections: [(&str, Part<'_>); 6] = [
        ("schemas", |s, v, at| s.schema(v, at, 1)),
        ("parameters", |s, v, at| s.parameter(v, at, 0)),
        ("headers", |s, v, at| s.header(v, at, 0)),
        ("requestBodies", |s, v, at| s.request_body(v, at, 0)),
        ("responses", |s, v, at| s.response(v, at, 0)),
        ("callbacks", |s, v, at| {
            if s.reference(v, at)? {
                return Ok(());
            }
            s.callback(v, at, 0)
        }),
    ];
    for (section, part) in sections {
        let entries = components.get(section).and_then(Value::as_object);
        for (name, value) in entries.into_iter().flatten() {
            part(&shape, value, &at.join(section).join(name))?;
        }
    }
    if let Some(schemas) = components.get("schemas").and_then(Value::as_object) {
        shape.alias_cycles(schemas, &at.join("schemas"))?;
    }
    Ok(())
}

/// The keys of a path item that hold operations: the generator's one list.
const METHODS: [&str; 8] = crate::ir::Method::KEYS;

struct Shape<'r> {
    report: &'r Reporter,
    /// Operations seen so far under `paths`.
    operations: Cell<usize>,
}

impl Shape<'_> {
    /// Deserializes `value` as `T`; fails at the innermost place `serde_path_to_error` knows.
    fn read<T: serde::de::DeserializeOwned>(&self, value: &Value, at: &Pointer) -> Result<()> {
        let mut track = serde_path_to_error::Track::new();
        let deserializer = serde_path_to_error::Deserializer::new(value, &mut track);
        match T::deserialize(deserializer) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.report.error(
                ErrorKind::Parse,
                &super::join_path(at.clone(), &track.path()),
                format!("not a valid OpenAPI 3.0 document here: {e}"),
            )),
        }
    }

    /// True when `value` is a reference (`openapiv3` reads it as one whatever else the
    /// object holds); an error when its `$ref` is not a string.
    fn reference(&self, value: &Value, at: &Pointer) -> Result<bool> {
        match value.get("$ref") {
            None => Ok(false),
            Some(Value::String(_)) => Ok(true),
            Some(other) => Err(self.report.error(
                ErrorKind::Parse,
                &at.join("$ref"),
                format!(
                    "`$ref` must be a string such as \"#/components/schemas/Name\", found {}",
                    describe(other)
                ),
            )),
        }
    }

    /// One level deeper than `level`, or an error when that is too deep.
    fn deeper(&self, level: usize, at: &Pointer) -> Result<usize> {
        let level = level + 1;
        if level > MAX_SCHEMA_NESTING {
            return Err(self.too_deep(at));
        }
        Ok(level)
    }

    fn too_deep(&self, at: &Pointer) -> Error {
        self.report.error(
            ErrorKind::Limit,
            at,
            format!("schemas nest more than {MAX_SCHEMA_NESTING} levels deep here (counting properties, items, additionalProperties, allOf, oneOf, anyOf, not and callbacks)"),
        )
    }

    /// A path item at nesting `level` (0 under `paths`, deeper inside callbacks).
    fn path_item(&self, item: &Value, at: &Pointer, level: usize) -> Result<()> {
        if self.reference(item, at)? {
            return Ok(());
        }
        self.parameters(item, at, level)?;
        self.servers(item, at)?;
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = at.join(method);
            self.servers(op, &at)?;
            if level == 0 {
                self.operations.set(self.operations.get() + 1);
                if self.operations.get() > MAX_OPERATIONS {
                    return Err(self.report.error(
                        ErrorKind::Limit,
                        &at,
                        format!("the document has more than {MAX_OPERATIONS} operations; this is one too many"),
                    ));
                }
            }
            let own = op
                .get("parameters")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if shared + own > MAX_PARAMETERS {
                return Err(self.report.error(
                    ErrorKind::Limit,
                    &at.join("parameters"),
                    format!("the operation has {} parameters (its path item's included); the most accepted is {MAX_PARAMETERS}", shared + own),
                ));
            }
            self.parameters(op, &at, level)?;
            if let Some(body) = op.get("requestBody") {
                self.request_body(body, &at.join("requestBody"), level)?;
            }
            let responses = op.get("responses").and_then(Value::as_object);
            for (code, response) in responses.into_iter().flatten() {
                self.response(response, &at.join("responses").join(code), level)?;
            }
            let callbacks = op.get("callbacks").and_then(Value::as_object);
            for (name, callback) in callbacks.into_iter().flatten() {
                self.callback(callback, &at.join("callbacks").join(name), level)?;
            }
            self.read::<openapiv3::Operation>(op, &at)?;
        }
        self.read::<openapiv3::PathItem>(item, at)
    }

    /// A callback: expressions → path items, one level below the operation.
    fn callback(&self, callback: &Value, at: &Pointer, level: usize) -> Result<()> {
        let Some(expressions) = callback.as_object() else {
            return self.read::<openapiv3::Callback>(callback, at);
        };
        let level = self.deeper(level, at)?;
        for (expression, item) in expressions {
            self.path_item(item, &at.join(expression), level)?;
        }
        Ok(())
    }

    fn parameters(&self, owner: &Value, at: &Pointer, level: usize) -> Result<()> {
        let params = owner.get("parameters").and_then(Value::as_array);
        for (index, param) in params.into_iter().flatten().enumerate() {
            self.parameter(param, &at.join("parameters").join(index), level)?;
        }
        Ok(())
    }

    fn parameter(&self, param: &Value, at: &Pointer, level: usize) -> Result<()> {
        if self.reference(param, at)? {
            return Ok(());
        }
        self.schema_or_content(param, at, level)?;
        self.read::<openapiv3::Parameter>(param, at)
    }

    fn header(&self, header: &Value, at: &Pointer, level: usize) -> Result<()> {
        if self.reference(header, at)? {
            return Ok(());
        }
        self.schema_or_content(header, at, level)?;
        self.read::<openapiv3::Header>(header, at)
    }

    /// The `schema` or `content` of a parameter or header.
    fn schema_or_content(&self, owner: &Value, at: &Pointer, level: usize) -> Result<()> {
        if let Some(schema) = owner.get("schema") {
            self.schema(schema, &at.join("schema"), level + 1)?;
        }
        self.content(owner, at, level)
    }

    fn request_body(&self, body: &Value, at: &Pointer, level: usize) -> Result<()> {
        if self.reference(body, at)? {
            return Ok(());
        }
        self.content(body, at, level)?;
        self.read::<openapiv3::RequestBody>(body, at)
    }

    fn response(&self, response: &Value, at: &Pointer, level: usize) -> Result<()> {
        if self.reference(response, at)? {
            return Ok(());
        }
        let headers = response.get("headers").and_then(Value::as_object);
        for (name, header) in headers.into_iter().flatten() {
            self.header(header, &at.join("headers").join(name), level)?;
        }
        self.content(response, at, level)?;
        self.read::<openapiv3::Response>(response, at)
    }

    /// The media types of `owner.content`: their schemas and their encodings' headers.
    fn content(&self, owner: &Value, at: &Pointer, level: usize) -> Result<()> {
        let content = owner.get("content").and_then(Value::as_object);
        for (media, media_value) in content.into_iter().flatten() {
            let at = at.join("content").join(media);
            if let Some(schema) = media_value.get("schema") {
                self.schema(schema, &at.join("schema"), level + 1)?;
            }
            let encodings = media_value.get("encoding").and_then(Value::as_object);
            for (property, encoding) in encodings.into_iter().flatten() {
                let headers = encoding.get("headers").and_then(Value::as_object);
                for (name, header) in headers.into_iter().flatten() {
                    let at = at
                        .join("encoding")
                        .join(property)
                        .join("headers")
                        .join(name);
                    self.header(header, &at, level)?;
                }
            }
        }
        Ok(())
    }

    /// A schema at nesting `level` (1 for the outermost): the schemas inside it first,
    /// then the schema itself with each of them replaced by `{}`.
    fn schema(&self, schema: &Value, at: &Pointer, level: usize) -> Result<()> {
        if level > MAX_SCHEMA_NESTING {
            return Err(self.too_deep(at));
        }
        let Some(object) = schema.as_object() else {
            return self.read::<openapiv3::Schema>(schema, at);
        };
        if self.reference(schema, at)? {
            return Ok(());
        }
        let properties = object.get("properties").and_then(Value::as_object);
        for (key, child) in properties.into_iter().flatten() {
            self.schema(child, &at.join("properties").join(key), level + 1)?;
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = object.get(key).filter(|c| c.is_object()) {
                self.schema(child, &at.join(key), level + 1)?;
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            let parts = object.get(key).and_then(Value::as_array);
            for (index, child) in parts.into_iter().flatten().enumerate() {
                self.schema(child, &at.join(key).join(index), level + 1)?;
            }
        }
        self.schema_type(object, at)?;
        self.read::<openapiv3::Schema>(&Value::Object(stubbed(object)), at)
    }

    /// `openapiv3` reads an unknown `type` as "any value" without a word.
    fn schema_type(&self, schema: &Map<String, Value>, at: &Pointer) -> Result<()> {
        const TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];
        match schema.get("type") {
            None => Ok(()),
            Some(Value::String(t)) if TYPES.contains(&t.as_str()) => Ok(()),
            Some(Value::String(t)) => Err(self.report.error(
                ErrorKind::Parse,
                &at.join("type"),
                format!("unknown schema type {t:?}; OpenAPI 3.0 knows string, number, integer, boolean, array and object"),
            )),
            Some(other) => Err(self.report.error(
                ErrorKind::Parse,
                &at.join("type"),
                format!("`type` must be one type name in OpenAPI 3.0 (a list of types is 3.1), found {}", describe(other)),
            )),
        }
    }

    /// A component schema that is only a `$ref` becomes a type alias; a cycle of them
    /// (`A` → `B` → `A`) would be `type A = B; type B = A;`, which does not compile.
    fn alias_cycles(&self, schemas: &Map<String, Value>, at: &Pointer) -> Result<()> {
        let target = |name: &str| -> Option<&str> {
            let reference = schemas.get(name)?.get("$ref")?.as_str()?;
            reference.strip_prefix("#/components/schemas/")
        };
        // Names known to end somewhere other than a cycle.
        let mut ends: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for start in schemas.keys() {
            let mut chain: Vec<&str> = vec![start.as_str()];
            let mut next = target(start);
            while let Some(name) = next {
                if ends.contains(name) || !schemas.contains_key(name) {
                    break;
                }
                if chain.contains(&name) {
                    chain.push(name);
                    return Err(self.report.error(
                        ErrorKind::BadReference,
                        &at.join(start).join("$ref"),
                        format!(
                            "the schema is only a reference, and the references lead back: {}",
                            chain.join(" → ")
                        ),
                    ));
                }
                chain.push(name);
                next = target(name);
            }
            ends.extend(chain);
        }
        Ok(())
    }

    /// The `servers` of `owner` (the document, a path item or an operation): every
    /// `{variable}` (or Amperity's `<variable>`) in a URL must be declared, or the default
    /// URL of the generated client would keep the placeholder.
    fn servers(&self, owner: &Value, at: &Pointer) -> Result<()> {
        let servers = owner.get("servers").and_then(Value::as_array);
        for (index, server) in servers.into_iter().flatten().enumerate() {
            let Some(url) = server.get("url").and_then(Value::as_str) else {
                continue;
            };
            let variables = server.get("variables").and_then(Value::as_object);
            let declared = |name: &str| variables.is_some_and(|v| v.contains_key(name));
            let at = at.join("servers").join(index).join("url");
            for (open, close) in [('{', '}'), ('<', '>')] {
                let mut rest = url;
                while let Some(start) = rest.find(open) {
                    let Some(end) = rest[start..].find(close) else {
                        return Err(self.report.error(
                            ErrorKind::Parse,
                            &at,
                            format!("the server URL {url:?} has an unclosed `{open}`"),
                        ));
                    };
                    let name = &rest[start + 1..start + end];
                    if !declared(name) {
                        return Err(self.report.error(
                            ErrorKind::Parse,
                            &at,
                            format!("the server URL {url:?} uses {open}{name}{close}, which its `variables` do not declare"),
                        ));
                    }
                    rest = &rest[start + end + 1..];
                }
            }
        }
        Ok(())
    }
}

/// A copy of a schema whose nested schemas (already checked) are `{}`, so reading it costs
/// its own size only.
fn stubbed(schema: &Map<String, Value>) -> Map<String, Value> {
    let empty = || Value::Object(Map::new());
    let stub = |v: &Value| if v.is_object() { empty() } else { v.clone() };
    schema
        .iter()
        .map(|(key, value)| {
            let value = match (key.as_str(), value) {
                ("properties", Value::Object(properties)) => Value::Object(
                    properties
                        .iter()
                        .map(|(name, child)| (name.clone(), stub(child)))
                        .collect(),
                ),
                ("items" | "additionalProperties" | "not", child) => stub(child),
                ("allOf" | "oneOf" | "anyOf", Value::Array(parts)) => {
                    Value::Array(parts.iter().map(stub).collect())
                }
                (_, other) => other.clone(),
            };
            (key.clone(), value)
        })
        .collect()
}

/// `a number (5)`, `an array`, ... for messages about a value of the wrong type.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({s:?})"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}
