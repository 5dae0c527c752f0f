//! Boolean schemas: `true` (any value) and `false` (no value).
//!
//! OpenAPI 3.1 (JSON Schema 2020-12) allows them wherever a schema goes; 3.0 only as
//! `additionalProperties`, yet 3.0 documents have them too (`properties:
//! {additionalProperties: false}`, the keyword written one level too deep). `openapiv3`
//! reads neither, so before it reads the document they are written as what they mean
//! for the types we generate:
//!
//! - a property whose schema is `false` can never be present: it is left out, and out of
//!   `required`; `true` is `{}` (any value);
//! - an `anyOf`/`oneOf` alternative that is `false` is never chosen: left out; `true`
//!   is `{}`;
//! - an `allOf` part that is `true` adds nothing: left out;
//! - `true` anywhere else a schema goes (`schema`, a component, `items`, `not`) is `{}`.
//!
//! `false` elsewhere (a component, `items`, an `allOf` part) stays, and `openapiv3`
//! refuses it where it is. `additionalProperties` keeps its boolean, which `openapiv3`
//! reads. Examples and extensions are data, never walked.

use serde_json::{Map, Value};

/// Rewrites every boolean schema of the document (see the module docs).
pub(super) fn rewrite(value: &mut Value) {
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
                    _ => rewrite(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite),
        _ => {}
    }
}

/// Rewrites one schema and the schemas inside it.
fn schema(value: &mut Value) {
    if *value == Value::Bool(true) {
        *value = Value::Object(Map::new());
        return;
    }
    let Value::Object(object) = value else {
        return;
    };
    properties(object);
    if let Some(child @ Value::Object(_)) = object.get_mut("additionalProperties") {
        schema(child);
    }
    for key in ["items", "not"] {
        if let Some(child) = object.get_mut(key) {
            schema(child);
        }
    }
    for (key, drop) in [("allOf", true), ("anyOf", false), ("oneOf", false)] {
        if let Some(Value::Array(children)) = object.get_mut(key) {
            // In allOf a `true` part adds nothing; in a union a `false` one is never chosen.
            children.retain(|child| *child != Value::Bool(drop));
            children.iter_mut().for_each(schema);
        }
    }
}

/// Leaves out properties that can never be present; the others are schemas.
fn properties(object: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = object.get_mut("properties") else {
        return;
    };
    let never: Vec<String> = properties
        .iter()
        .filter(|(_, schema)| **schema == Value::Bool(false))
        .map(|(name, _)| name.clone())
        .collect();
    for name in &never {
        properties.shift_remove(name);
    }
    properties.values_mut().for_each(schema);
    if let Some(Value::Array(required)) = object.get_mut("required") {
        required.retain(|name| !never.iter().any(|n| Some(n.as_str()) == name.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::rewrite;

    #[test]
    fn boolean_schemas_become_what_they_mean() {
        let mut document = json!({
            "components": {"schemas": {
                "Any": true,
                "Connection": {
                    "type": "object",
                    "required": ["id", "additionalProperties"],
                    "properties": {
                        "id": {"type": "string"},
                        "additionalProperties": false,
                        "anything": true,
                        "list": {"type": "array", "items": true}
                    },
                    "additionalProperties": false
                },
                "Union": {"oneOf": [false, {"type": "string"}, true], "allOf": [true, {}]}
            }},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": true,
                    "example": {"properties": {"enabled": false}}}}}}}}}
        });
        rewrite(&mut document);
        let schemas = &document["components"]["schemas"];
        assert_eq!(schemas["Any"], json!({}));
        assert_eq!(
            schemas["Connection"],
            json!({
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "anything": {},
                    "list": {"type": "array", "items": {}}
                },
                "additionalProperties": false
            })
        );
        assert_eq!(
            schemas["Union"],
            json!({"oneOf": [{"type": "string"}, {}], "allOf": [{}]})
        );
        let media =
            &document["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"], json!({}));
        // Examples are data.
        assert_eq!(media["example"], json!({"properties": {"enabled": false}}));
    }
}
