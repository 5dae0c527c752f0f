//! Unit tests of the conversion rules: a 2.0 value in, the expected 3.0 value out.
//! Values are compared as pretty JSON text, so the order of keys is checked too. This file
//! has the document-level rules; `operations.rs` has parameters, bodies and responses.

mod operations;

use serde_json::{Value, json};

use super::{Origin, convert};
use crate::error::{Error, ErrorKind};

/// A minimal 2.0 document with `extra`'s fields added after `paths`.
fn document(extra: Value) -> Value {
    let mut document =
        json!({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}});
    let root = document.as_object_mut().expect("object");
    for (key, value) in extra.as_object().expect("object") {
        root.insert(key.clone(), value.clone());
    }
    document
}

fn converted_with_origin(extra: Value) -> (Value, Origin) {
    convert("t.yaml", &document(extra)).unwrap_or_else(|e| panic!("{e}"))
}

fn converted(extra: Value) -> Value {
    converted_with_origin(extra).0
}

fn error(extra: Value) -> Error {
    match convert("t.yaml", &document(extra)) {
        Ok((value, _)) => panic!("converted without an error: {value:#}"),
        Err(e) => e,
    }
}

#[track_caller]
fn same(actual: &Value, expected: Value) {
    let text = |v: &Value| serde_json::to_string_pretty(v).expect("serializable");
    assert_eq!(text(actual), text(&expected));
}

#[track_caller]
fn fails(e: &Error, kind: ErrorKind, pointer: &str, message: &str) {
    assert_eq!((e.kind, e.pointer.as_str()), (kind, pointer), "{e}");
    assert!(e.message.contains(message), "{e}");
    assert_eq!(e.document, "t.yaml");
}

/// The one operation `GET /a` (or another method) with `op` as its body.
fn at_a(method: &str, op: Value) -> Value {
    json!({"paths": {"/a": {method: op}}})
}

fn ok() -> Value {
    json!({"200": {"description": "ok"}})
}

#[test]
fn root_keeps_document_order_with_openapi_first() {
    let document = json!({
        "info": {"title": "t", "version": "1"},
        "swagger": "2.0",
        "host": "api.example.com",
        "definitions": {"A": {"type": "string"}},
        "tags": [{"name": "t"}],
        "paths": {},
        "x-audience": "internal",
        "basePath": "/api",
        "consumes": ["application/json"],
        "securityDefinitions": {"key": {"type": "apiKey", "name": "k", "in": "header"}},
    });
    let (value, _) = convert("t.yaml", &document).expect("converts");
    let keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "openapi",
            "info",
            "servers",
            "components",
            "tags",
            "paths",
            "x-audience"
        ]
    );
    assert_eq!(value["openapi"], "3.0.3");
    same(
        &value["servers"],
        json!([{"url": "https://api.example.com/api"}]),
    );
}

#[test]
fn servers_one_per_scheme_https_first() {
    let value = converted(json!({
        "host": "api.example.com:8443",
        "basePath": "/api/",
        "schemes": ["http", "wss", "https"],
    }));
    same(
        &value["servers"],
        json!([
            {"url": "https://api.example.com:8443/api"},
            {"url": "http://api.example.com:8443/api"},
            {"url": "wss://api.example.com:8443/api"},
        ]),
    );
}

#[test]
fn servers_without_schemes_host_or_base_path() {
    let value = converted(json!({"host": "api.example.com"}));
    same(
        &value["servers"],
        json!([{"url": "https://api.example.com"}]),
    );
    let value = converted(json!({"basePath": "/api"}));
    same(&value["servers"], json!([{"url": "/api"}]));
    let value = converted(json!({"basePath": "/"}));
    same(&value["servers"], json!([{"url": "/"}]));
    let value = converted(json!({"schemes": ["https"]}));
    assert!(value.get("servers").is_none(), "{value:#}");
}

#[test]
fn servers_refuse_what_is_not_a_host_or_scheme() {
    let e = error(json!({"host": "https://api.example.com", "schemes": ["https"]}));
    fails(&e, ErrorKind::Parse, "/host", "without a scheme or path");
    let e = error(json!({"host": "h", "schemes": ["https", "ftp"]}));
    fails(&e, ErrorKind::Parse, "/schemes/1", "\"ftp\" is not one of");
    let e = error(json!({"basePath": "api"}));
    fails(&e, ErrorKind::Parse, "/basePath", "must start with `/`");
}

#[test]
fn an_operations_schemes_become_its_servers() {
    let value = converted(json!({
        "host": "h",
        "paths": {"/a": {"get": {"schemes": ["http"], "responses": {}}}},
    }));
    same(
        &value["paths"]["/a"]["get"]["servers"],
        json!([{"url": "http://h"}]),
    );
}

#[test]
fn definitions_become_schemas_with_rewritten_refs() {
    let value = converted(json!({"definitions": {
        "Run": {
            "type": "object",
            "required": ["state"],
            "properties": {
                "state": {"$ref": "#/definitions/State"},
                "tasks": {"type": "array", "items": {"$ref": "#/definitions/Task"}},
            },
        },
        "State": {"type": "string", "enum": ["started", "stopped"]},
        "Task": {"allOf": [{"$ref": "#/definitions/State"}, {"type": "object"}]},
    }}));
    same(
        &value["components"],
        json!({"schemas": {
            "Run": {
                "type": "object",
                "required": ["state"],
                "properties": {
                    "state": {"$ref": "#/components/schemas/State"},
                    "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                },
            },
            "State": {"type": "string", "enum": ["started", "stopped"]},
            "Task": {"allOf": [{"$ref": "#/components/schemas/State"}, {"type": "object"}]},
        }}),
    );
}

#[test]
fn schemas_nullable_file_discriminator_recursively() {
    let value = converted(json!({"definitions": {
        "Pet": {
            "type": "object",
            "discriminator": "kind",
            "properties": {
                "kind": {"type": "string"},
                "photo": {"type": "file", "x-nullable": true},
                "owner": {"$ref": "#/definitions/Owner", "x-nullable": true},
                "vet": {"$ref": "#/definitions/Owner", "x-nullable": false},
                "tags": {"type": "array", "items": {"type": "string", "x-nullable": true}},
                "extra": {"type": "object", "additionalProperties": {"type": "integer", "x-nullable": true}},
                "closed": {"type": "object", "additionalProperties": false},
            },
        },
        "Owner": {"allOf": [{"type": "object", "properties": {"name": {"type": "string", "x-nullable": true}}}]},
    }}));
    same(
        &value["components"]["schemas"],
        json!({
            "Pet": {
                "type": "object",
                "discriminator": {"propertyName": "kind"},
                "properties": {
                    "kind": {"type": "string"},
                    "photo": {"type": "string", "format": "binary", "nullable": true},
                    "owner": {"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": true},
                    "vet": {"$ref": "#/components/schemas/Owner"},
                    "tags": {"type": "array", "items": {"type": "string", "nullable": true}},
                    "extra": {"type": "object", "additionalProperties": {"type": "integer", "nullable": true}},
                    "closed": {"type": "object", "additionalProperties": false},
                },
            },
            "Owner": {"allOf": [{"type": "object", "properties": {"name": {"type": "string", "nullable": true}}}]},
        }),
    );
}

#[test]
fn schemas_refuse_tuples_and_bad_nullable() {
    let e = error(json!({"definitions": {"T": {"type": "array", "items": [{"type": "string"}]}}}));
    fails(&e, ErrorKind::Unsupported, "/definitions/T/items", "tuple");
    let e = error(json!({"definitions": {"T": {"type": "string", "x-nullable": "yes"}}}));
    fails(
        &e,
        ErrorKind::Parse,
        "/definitions/T/x-nullable",
        "true or false",
    );
}

#[test]
fn references_are_checked() {
    let response = |schema: Value| {
        at_a(
            "get",
            json!({"responses": {"200": {"description": "ok", "schema": schema}}}),
        )
    };
    let e = error(response(json!({"$ref": "#/definitions/Missing"})));
    fails(
        &e,
        ErrorKind::BadReference,
        "/paths/~1a/get/responses/200/schema/$ref",
        "\"#/definitions/Missing\" points to nothing",
    );
    let e = error(response(json!({"$ref": "other.yaml#/definitions/A"})));
    fails(
        &e,
        ErrorKind::BadReference,
        "/paths/~1a/get/responses/200/schema/$ref",
        "outside this document",
    );
    let mut wrong = response(json!({"$ref": "#/responses/A"}));
    wrong["responses"] = json!({"A": {"description": "a"}});
    let e = error(wrong);
    fails(
        &e,
        ErrorKind::BadReference,
        "/paths/~1a/get/responses/200/schema/$ref",
        "must point to #/definitions/<name>",
    );
    let e = error(at_a(
        "get",
        json!({"parameters": [{"$ref": "#/parameters/nope"}], "responses": ok()}),
    ));
    fails(
        &e,
        ErrorKind::BadReference,
        "/paths/~1a/get/parameters/0/$ref",
        "points to nothing",
    );
}

#[test]
fn top_level_parameters_split_into_components() {
    let value = converted(json!({
        "parameters": {
            "Tenant": {"name": "amperity-tenant", "in": "header", "required": true, "type": "string"},
            "Run": {"name": "run", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Run"}},
            "Note": {"name": "note", "in": "formData", "type": "string"},
        },
        "definitions": {"Run": {"type": "object"}},
        "paths": {
            "/runs": {"post": {"parameters": [{"$ref": "#/parameters/Tenant"}, {"$ref": "#/parameters/Run"}], "responses": ok()}},
            "/notes": {"post": {"parameters": [{"$ref": "#/parameters/Note"}], "responses": ok()}},
        },
    }));
    same(
        &value["components"],
        json!({
            "schemas": {"Run": {"type": "object"}},
            "parameters": {"Tenant": {"name": "amperity-tenant", "in": "header", "required": true, "schema": {"type": "string"}}},
            "requestBodies": {"Run": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}},
                "required": true,
                "x-codegen-request-body-name": "run",
            }},
        }),
    );
    same(
        &value["paths"]["/runs"]["post"],
        json!({
            "parameters": [{"$ref": "#/components/parameters/Tenant"}],
            "requestBody": {"$ref": "#/components/requestBodies/Run"},
            "responses": ok(),
        }),
    );
    same(
        &value["paths"]["/notes"]["post"]["requestBody"],
        json!({"content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object",
            "properties": {"note": {"type": "string"}},
        }}}}),
    );
}

#[test]
fn referenced_bodies_and_responses_are_inlined_for_other_media_types() {
    let value = converted(json!({
        "parameters": {"Run": {"name": "run", "in": "body", "schema": {"type": "object"}}},
        "responses": {
            "Error": {"description": "failed", "schema": {"type": "object"}},
            "Gone": {"description": "gone"},
        },
        "paths": {"/a": {"post": {
            "consumes": ["application/vnd.x+json"],
            "produces": ["application/problem+json"],
            "parameters": [{"$ref": "#/parameters/Run"}],
            "responses": {"400": {"$ref": "#/responses/Error"}, "410": {"$ref": "#/responses/Gone"}},
        }}},
    }));
    same(
        &value["paths"]["/a"]["post"],
        json!({
            "requestBody": {
                "content": {"application/vnd.x+json": {"schema": {"type": "object"}}},
                "x-codegen-request-body-name": "run",
            },
            "responses": {
                "400": {"description": "failed", "content": {"application/problem+json": {"schema": {"type": "object"}}}},
                "410": {"$ref": "#/components/responses/Gone"},
            },
        }),
    );
}

#[test]
fn security_definitions_become_security_schemes() {
    let value = converted(json!({"securityDefinitions": {
        "basic": {"type": "basic", "description": "user and password"},
        "key": {"type": "apiKey", "name": "Authorization", "in": "header", "x-prefix": "Bearer"},
        "implicit": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://a", "scopes": {"read": "read"}},
        "password": {"type": "oauth2", "flow": "password", "tokenUrl": "https://t"},
        "application": {"type": "oauth2", "flow": "application", "tokenUrl": "https://t", "scopes": {}},
        "accessCode": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {}},
    }}));
    same(
        &value["components"]["securitySchemes"],
        json!({
            "basic": {"type": "http", "scheme": "basic", "description": "user and password"},
            "key": {"type": "apiKey", "name": "Authorization", "in": "header", "x-prefix": "Bearer"},
            "implicit": {"type": "oauth2", "flows": {"implicit": {"authorizationUrl": "https://a", "scopes": {"read": "read"}}}},
            "password": {"type": "oauth2", "flows": {"password": {"tokenUrl": "https://t", "scopes": {}}}},
            "application": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://t", "scopes": {}}}},
            "accessCode": {"type": "oauth2", "flows": {"authorizationCode": {"authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {}}}},
        }),
    );
    let e = error(
        json!({"securityDefinitions": {"o": {"type": "oauth2", "flow": "device", "scopes": {}}}}),
    );
    fails(
        &e,
        ErrorKind::Parse,
        "/securityDefinitions/o/flow",
        "\"device\" is not one of",
    );
    let e = error(
        json!({"securityDefinitions": {"o": {"type": "oauth2", "flow": "password", "scopes": {}}}}),
    );
    fails(
        &e,
        ErrorKind::Parse,
        "/securityDefinitions/o",
        "needs `tokenUrl`",
    );
    let e = error(json!({"securityDefinitions": {"o": {"type": "bearer"}}}));
    fails(
        &e,
        ErrorKind::Parse,
        "/securityDefinitions/o/type",
        "not one of basic, apiKey, oauth2",
    );
}

#[test]
fn unknown_fields_are_errors_not_dropped() {
    let e = error(json!({"components": {}}));
    fails(
        &e,
        ErrorKind::Parse,
        "/components",
        "`components` is not a field of a Swagger 2.0 document root",
    );
    let e = error(at_a("get", json!({"requestBody": {}, "responses": ok()})));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/requestBody",
        "operation",
    );
    let e = error(json!({"paths": {"/a": {"trace": {"responses": ok()}}}}));
    fails(&e, ErrorKind::Parse, "/paths/~1a/trace", "path item");
    let e = error(json!({"paths": {"/a": {"$ref": "other.yaml#/a"}}}));
    fails(
        &e,
        ErrorKind::Unsupported,
        "/paths/~1a/$ref",
        "by reference",
    );
}

#[test]
fn origin_points_back_into_the_original() {
    let (_, origin) = converted_with_origin(json!({
        "host": "h",
        "definitions": {"A": {"type": "object", "properties": {"b": {"$ref": "#/definitions/A", "x-nullable": true}}}},
        "parameters": {
            "Limit": {"name": "limit", "in": "query", "type": "integer"},
            "Body": {"name": "body", "in": "body", "schema": {"type": "object"}},
        },
        "responses": {"Error": {"description": "e", "schema": {"type": "object"}, "headers": {"X": {"type": "string"}}}},
        "paths": {"/a": {
            "parameters": [{"name": "t", "in": "header", "type": "string"}],
            "post": {
                "parameters": [
                    {"name": "body", "in": "body", "schema": {"type": "object"}},
                    {"$ref": "#/parameters/Limit"},
                    {"name": "view", "in": "query", "type": "array", "items": {"type": "string"}},
                ],
                "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"type": "string"}}}},
            },
            "put": {"parameters": [{"name": "f", "in": "formData", "type": "string"}, {"name": "g", "in": "formData", "type": "string"}], "responses": ok()},
        }},
    }));
    let cases = [
        ("/servers/0/url", "/host"),
        (
            "/components/schemas/A/properties/b/allOf/0/$ref",
            "/definitions/A/properties/b/$ref",
        ),
        (
            "/components/parameters/Limit/schema/type",
            "/parameters/Limit/type",
        ),
        (
            "/components/requestBodies/Body/content/application~1json/schema/type",
            "/parameters/Body/schema/type",
        ),
        ("/components/requestBodies/Body/content", "/parameters/Body"),
        (
            "/components/responses/Error/content/application~1json/schema",
            "/responses/Error/schema",
        ),
        (
            "/components/responses/Error/headers/X/schema/type",
            "/responses/Error/headers/X/type",
        ),
        ("/paths/~1a/parameters/0/schema", "/paths/~1a/parameters/0"),
        (
            "/paths/~1a/post/parameters/0/$ref",
            "/paths/~1a/post/parameters/1/$ref",
        ),
        (
            "/paths/~1a/post/parameters/1/schema/items",
            "/paths/~1a/post/parameters/2/items",
        ),
        (
            "/paths/~1a/post/parameters/1/explode",
            "/paths/~1a/post/parameters/2/explode",
        ),
        (
            "/paths/~1a/post/requestBody/content",
            "/paths/~1a/post/parameters/0",
        ),
        (
            "/paths/~1a/post/requestBody/content/application~1json/schema/type",
            "/paths/~1a/post/parameters/0/schema/type",
        ),
        (
            "/paths/~1a/post/responses/200/content/application~1json/schema/items",
            "/paths/~1a/post/responses/200/schema/items",
        ),
        (
            "/paths/~1a/post/responses/200/description",
            "/paths/~1a/post/responses/200/description",
        ),
        (
            "/paths/~1a/put/requestBody/content/application~1x-www-form-urlencoded/schema/properties/g/type",
            "/paths/~1a/put/parameters/1/type",
        ),
        (
            "/paths/~1a/put/requestBody/content",
            "/paths/~1a/put/parameters/0",
        ),
    ];
    for (converted, original) in cases {
        assert_eq!(origin.original(converted), original, "{converted}");
    }
}
