use serde_json::json;

use super::*;

fn converted(value: Value) -> Value {
    convert("t.json", &value).expect("converts").0
}

fn schema_of(value: Value) -> Value {
    let document = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "components": {"schemas": {"S": value}}
    });
    converted(document)["components"]["schemas"]["S"].clone()
}

#[test]
fn the_root_becomes_3_0_without_webhooks_and_with_paths() {
    let out = converted(json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "t", "version": "1"},
        "webhooks": {"ping": {"post": {"responses": {"200": {"description": "ok"}}}}}
    }));
    assert_eq!(
        out,
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}})
    );
}

#[test]
fn type_lists_and_null() {
    assert_eq!(
        schema_of(json!({"type": ["string", "null"], "format": "date"})),
        json!({"type": "string", "format": "date", "nullable": true})
    );
    assert_eq!(
        schema_of(json!({"type": "null"})),
        json!({"nullable": true})
    );
    assert_eq!(schema_of(json!({"type": ["string", "integer"]})), json!({}));
    // Inside properties, items and combinators too.
    assert_eq!(
        schema_of(
            json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": ["integer", "null"]}}}})
        ),
        json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer", "nullable": true}}}})
    );
}

#[test]
fn null_members_of_unions_become_nullable() {
    assert_eq!(
        schema_of(
            json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}], "description": "d"})
        ),
        json!({"description": "d", "nullable": true, "allOf": [{"$ref": "#/components/schemas/A"}]})
    );
    assert_eq!(
        schema_of(json!({"oneOf": [{"type": "string"}, {"type": "null"}]})),
        json!({"nullable": true, "type": "string"})
    );
    assert_eq!(
        schema_of(json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
        json!({"nullable": true, "oneOf": [{"type": "string"}, {"type": "integer"}]})
    );
}

#[test]
fn const_examples_and_exclusive_bounds() {
    assert_eq!(
        schema_of(json!({"const": "fixed", "examples": ["fixed", "other"]})),
        json!({"enum": ["fixed"], "example": "fixed"})
    );
    assert_eq!(
        schema_of(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10.5})),
        json!({"type": "number", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 10.5})
    );
    // 3.0's boolean form is left alone.
    assert_eq!(
        schema_of(json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true})),
        json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true})
    );
    assert_eq!(
        schema_of(json!({"type": "string", "contentEncoding": "base64"})),
        json!({"type": "string", "format": "byte"})
    );
    assert_eq!(
        schema_of(json!({"type": "string", "contentMediaType": "image/png"})),
        json!({"type": "string", "format": "binary"})
    );
}

#[test]
fn reference_siblings_keep_their_meaning() {
    assert_eq!(
        schema_of(json!({"$ref": "#/components/schemas/A", "description": "d", "x-added": "2"})),
        json!({"$ref": "#/components/schemas/A"})
    );
    assert_eq!(
        schema_of(json!({"$ref": "#/components/schemas/A", "description": "d", "readOnly": true})),
        json!({"description": "d", "readOnly": true, "allOf": [{"$ref": "#/components/schemas/A"}]})
    );
}

#[test]
fn examples_and_extensions_are_data() {
    let document = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {
            "parameters": [{"name": "q", "in": "query", "schema": {"type": ["string", "null"]},
                            "examples": {"one": {"value": {"schema": {"type": ["x", "null"]}}}}}],
            "x-data": {"schema": {"const": 1}},
            "responses": {"200": {"description": "ok"}}
        }}}
    });
    let out = converted(document.clone());
    let get = &out["paths"]["/a"]["get"];
    assert_eq!(
        get["parameters"][0]["schema"],
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        get["parameters"][0]["examples"],
        document["paths"]["/a"]["get"]["parameters"][0]["examples"]
    );
    assert_eq!(get["x-data"], json!({"schema": {"const": 1}}));
}

#[test]
fn path_items_from_components_are_inlined_and_traced() {
    let (out, origin) = convert(
        "t.json",
        &json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"$ref": "#/components/pathItems/A"}},
            "components": {"pathItems": {"A": {"get": {"responses": {"200": {"description": "ok"}}}}}}
        }),
    )
    .unwrap();
    assert_eq!(
        out["paths"]["/a"],
        json!({"get": {"responses": {"200": {"description": "ok"}}}})
    );
    assert_eq!(out["components"], json!({}));
    assert_eq!(
        origin.original("/paths/~1a/get/responses"),
        "/components/pathItems/A/get/responses"
    );
    let e = convert(
        "t.json",
        &json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
                "paths": {"/a": {"$ref": "#/components/pathItems/B"}},
                "components": {"pathItems": {}}}),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.pointer.as_str()),
        (ErrorKind::BadReference, "/paths/~1a/$ref")
    );
}

#[test]
fn a_converted_document_loads_and_its_errors_point_into_it() {
    let text = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"type": ["integer", "null"], "maxLength": "x"}}}}}}}}}"#;
    let e = crate::load("t.json", text.as_bytes()).unwrap_err();
    assert_eq!(
        e.pointer.as_str(),
        "/paths/~1a/get/responses/200/content/application~1json/schema",
        "{e}"
    );
}
