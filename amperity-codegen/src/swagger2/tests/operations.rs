//! Parameters, request bodies (body and formData) and responses.

use serde_json::{Value, json};

use super::{at_a, converted, error, fails, ok, same};
use crate::error::ErrorKind;

#[test]
fn non_body_parameters_move_their_value_fields_into_a_schema() {
    let value = converted(at_a(
        "get",
        json!({
            "parameters": [
                {"name": "limit", "in": "query", "description": "page size", "type": "integer",
                 "format": "int32", "minimum": 1, "maximum": 100, "default": 20, "x-example": 10},
                {"name": "view", "in": "query", "required": false, "allowEmptyValue": true,
                 "type": "string", "enum": ["overview", "verbose"]},
                {"name": "job-id", "in": "path", "required": true, "type": "string", "pattern": "^j-"},
            ],
            "responses": ok(),
        }),
    ));
    same(
        &value["paths"]["/a"]["get"]["parameters"],
        json!([
            {"name": "limit", "in": "query", "description": "page size",
             "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 100, "default": 20},
             "x-example": 10},
            {"name": "view", "in": "query", "required": false, "allowEmptyValue": true,
             "schema": {"type": "string", "enum": ["overview", "verbose"]}},
            {"name": "job-id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^j-"}},
        ]),
    );
}

#[test]
fn collection_formats_become_style_and_explode() {
    let array = |name: &str, location: &str, format: Option<&str>| {
        let mut param =
            json!({"name": name, "in": location, "type": "array", "items": {"type": "string"}});
        if let Some(format) = format {
            param["collectionFormat"] = json!(format);
        }
        if location == "path" {
            param["required"] = json!(true);
        }
        param
    };
    let value = converted(json!({"paths": {"/a/{ids}": {"get": {
        "parameters": [
            array("default", "query", None),
            array("csv", "query", Some("csv")),
            array("multi", "query", Some("multi")),
            array("ssv", "query", Some("ssv")),
            array("pipes", "query", Some("pipes")),
            array("ids", "path", Some("csv")),
            array("X-Tags", "header", None),
        ],
        "responses": ok(),
    }}}}));
    let styles: Vec<(String, Value, Value)> = value["paths"]["/a/{ids}"]["get"]["parameters"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or("").to_owned(),
                p["style"].clone(),
                p["explode"].clone(),
            )
        })
        .collect();
    let expected = [
        ("default", "form", false),
        ("csv", "form", false),
        ("multi", "form", true),
        ("ssv", "spaceDelimited", false),
        ("pipes", "pipeDelimited", false),
        ("ids", "simple", false),
        ("X-Tags", "simple", false),
    ];
    let expected: Vec<(String, Value, Value)> = expected
        .iter()
        .map(|(n, s, e)| ((*n).to_owned(), json!(s), json!(e)))
        .collect();
    assert_eq!(styles, expected);
    same(
        &value["paths"]["/a/{ids}"]["get"]["parameters"][0]["schema"],
        json!({"type": "array", "items": {"type": "string"}}),
    );
}

#[test]
fn collection_formats_without_a_3_0_equivalent_are_errors() {
    let param = |location: &str, format: &str| {
        at_a(
            "get",
            json!({"parameters": [{"name": "p", "in": location, "type": "array",
                "items": {"type": "string"}, "collectionFormat": format}], "responses": ok()}),
        )
    };
    let e = error(param("query", "tsv"));
    fails(
        &e,
        ErrorKind::Unsupported,
        "/paths/~1a/get/parameters/0/collectionFormat",
        "`tsv` (tab-separated) has no OpenAPI 3.0 equivalent",
    );
    let e = error(param("header", "pipes"));
    fails(
        &e,
        ErrorKind::Unsupported,
        "/paths/~1a/get/parameters/0/collectionFormat",
        "not possible in a header",
    );
    let e = error(param("query", "commas"));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/parameters/0/collectionFormat",
        "not one of csv",
    );
    let nested = at_a(
        "get",
        json!({"parameters": [{"name": "p", "in": "query", "type": "array",
            "items": {"type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"}}],
            "responses": ok()}),
    );
    fails(
        &error(nested),
        ErrorKind::Unsupported,
        "/paths/~1a/get/parameters/0/items/collectionFormat",
        "csv",
    );
    // A non-array ignores collectionFormat, as 2.0 says.
    let value = converted(at_a(
        "get",
        json!({"parameters": [{"name": "p", "in": "query", "type": "string", "collectionFormat": "tsv"}], "responses": ok()}),
    ));
    same(
        &value["paths"]["/a"]["get"]["parameters"][0],
        json!({"name": "p", "in": "query", "schema": {"type": "string"}}),
    );
}

#[test]
fn parameters_are_checked() {
    let one = |param: Value| at_a("get", json!({"parameters": [param], "responses": ok()}));
    let e = error(one(json!({"name": "p", "in": "cookie", "type": "string"})));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/parameters/0/in",
        "\"cookie\" is not one of",
    );
    let e = error(one(json!({"name": "p", "in": "query"})));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/parameters/0",
        "needs a `type`",
    );
    let e = error(one(json!({"name": "p", "in": "query", "type": "file"})));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/parameters/0/type",
        "only allowed for formData",
    );
    let e = error(one(
        json!({"name": "p", "in": "query", "type": "string", "schema": {"type": "string"}}),
    ));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/parameters/0/schema",
        "`schema` is not a field of a Swagger 2.0 parameter",
    );
    let e = error(one(
        json!({"name": "p", "in": "query", "type": "string", "deprecated": true}),
    ));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/parameters/0/deprecated",
        "not a field",
    );
}

#[test]
fn a_body_parameter_becomes_the_request_body() {
    let op = |consumes: Option<Value>| {
        let mut op = json!({
            "operationId": "run",
            "parameters": [
                {"name": "request", "in": "body", "description": "what to run", "required": true,
                 "schema": {"$ref": "#/definitions/Request"}, "x-kept": 1},
                {"name": "dry", "in": "query", "type": "boolean"},
            ],
            "responses": ok(),
        });
        if let Some(consumes) = consumes {
            op["consumes"] = consumes;
        }
        op
    };
    let definitions = json!({"Request": {"type": "object"}});
    let mut document = at_a(
        "post",
        op(Some(json!(["application/json", "application/vnd.x+json"]))),
    );
    document["definitions"] = definitions.clone();
    document["consumes"] = json!(["text/plain"]);
    let value = converted(document);
    let schema = json!({"$ref": "#/components/schemas/Request"});
    same(
        &value["paths"]["/a"]["post"],
        json!({
            "operationId": "run",
            "parameters": [{"name": "dry", "in": "query", "schema": {"type": "boolean"}}],
            "requestBody": {
                "description": "what to run",
                "content": {
                    "application/json": {"schema": schema},
                    "application/vnd.x+json": {"schema": schema},
                },
                "required": true,
                "x-codegen-request-body-name": "request",
                "x-kept": 1,
            },
            "responses": ok(),
        }),
    );
    // The document's consumes, then the default.
    let mut document = at_a("post", op(None));
    document["definitions"] = definitions.clone();
    document["consumes"] = json!(["application/vnd.x+json"]);
    let value = converted(document);
    same(
        &value["paths"]["/a"]["post"]["requestBody"]["content"],
        json!({"application/vnd.x+json": {"schema": schema}}),
    );
    let mut document = at_a("post", op(None));
    document["definitions"] = definitions;
    let value = converted(document);
    same(
        &value["paths"]["/a"]["post"]["requestBody"]["content"],
        json!({"application/json": {"schema": schema}}),
    );
}

#[test]
fn body_parameters_are_checked() {
    let e = error(at_a(
        "post",
        json!({"parameters": [{"name": "b", "in": "body"}], "responses": ok()}),
    ));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/post/parameters/0",
        "needs a `schema`",
    );
    let body = json!({"name": "b", "in": "body", "schema": {"type": "object"}});
    let e = error(at_a(
        "post",
        json!({"parameters": [body, body], "responses": ok()}),
    ));
    fails(
        &e,
        ErrorKind::Duplicate,
        "/paths/~1a/post/parameters/1",
        "already the body",
    );
    let field = json!({"name": "f", "in": "formData", "type": "string"});
    let e = error(at_a(
        "post",
        json!({"parameters": [body, field], "responses": ok()}),
    ));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/post/parameters/1",
        "cannot be combined with the body parameter at /paths/~1a/post/parameters/0",
    );
}

#[test]
fn form_data_becomes_an_urlencoded_object() {
    let value = converted(at_a(
        "post",
        json!({
            "parameters": [
                {"name": "name", "in": "formData", "description": "who", "required": true, "type": "string"},
                {"name": "tags", "in": "formData", "type": "array", "items": {"type": "string"},
                 "collectionFormat": "multi", "allowEmptyValue": true},
                {"name": "trace", "in": "header", "type": "string"},
            ],
            "responses": ok(),
        }),
    ));
    same(
        &value["paths"]["/a"]["post"],
        json!({
            "parameters": [{"name": "trace", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {
                "content": {"application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "name": {"description": "who", "type": "string"},
                            "tags": {"type": "array", "items": {"type": "string"}, "x-allowEmptyValue": true},
                        },
                        "required": ["name"],
                    },
                    "encoding": {"tags": {"style": "form", "explode": true}},
                }},
                "required": true,
            },
            "responses": ok(),
        }),
    );
}

#[test]
fn form_data_is_multipart_for_files_or_when_consumes_says_so() {
    let value = converted(at_a(
        "post",
        json!({"parameters": [{"name": "upload", "in": "formData", "type": "file"}], "responses": ok()}),
    ));
    same(
        &value["paths"]["/a"]["post"]["requestBody"],
        json!({"content": {"multipart/form-data": {"schema": {
            "type": "object",
            "properties": {"upload": {"type": "string", "format": "binary"}},
        }}}}),
    );
    let value = converted(at_a(
        "post",
        json!({"consumes": ["multipart/form-data"],
               "parameters": [{"name": "note", "in": "formData", "type": "string"}], "responses": ok()}),
    ));
    assert!(
        value["paths"]["/a"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object(),
        "{value:#}"
    );
}

#[test]
fn responses_get_content_per_produced_media_type() {
    let mut document = at_a(
        "get",
        json!({
            "produces": ["application/json", "application/xml"],
            "responses": {
                "200": {
                    "description": "the run",
                    "schema": {"$ref": "#/definitions/Run"},
                    "headers": {
                        "X-Rate-Limit": {"type": "integer", "format": "int32", "description": "left"},
                        "X-Ids": {"type": "array", "items": {"type": "string"}, "x-kept": true},
                    },
                    "examples": {"application/json": {"id": "r-1"}, "text/csv": "id\nr-1"},
                    "x-audience": "public",
                },
                "204": {"description": "nothing"},
                "default": {"$ref": "#/responses/Error"},
                "x-note": "kept",
            },
        }),
    );
    document["definitions"] = json!({"Run": {"type": "object"}});
    document["responses"] =
        json!({"Error": {"description": "failed", "schema": {"$ref": "#/definitions/Run"}}});
    let value = converted(document);
    let run = json!({"$ref": "#/components/schemas/Run"});
    same(
        &value["paths"]["/a"]["get"]["responses"],
        json!({
            "200": {
                "description": "the run",
                "headers": {
                    "X-Rate-Limit": {"description": "left", "schema": {"type": "integer", "format": "int32"}},
                    "X-Ids": {"schema": {"type": "array", "items": {"type": "string"}}, "x-kept": true},
                },
                "content": {
                    "application/json": {"schema": run, "example": {"id": "r-1"}},
                    "application/xml": {"schema": run},
                },
                "x-audience": "public",
                "x-examples": {"text/csv": "id\nr-1"},
            },
            "204": {"description": "nothing"},
            // The operation produces other types than the document: inlined.
            "default": {"description": "failed", "content": {
                "application/json": {"schema": run},
                "application/xml": {"schema": run},
            }},
            "x-note": "kept",
        }),
    );
    same(
        &value["components"]["responses"],
        json!({"Error": {"description": "failed", "content": {"application/json": {"schema": run}}}}),
    );
}

#[test]
fn response_headers_are_checked() {
    let e = error(at_a(
        "get",
        json!({"responses": {"200": {"description": "ok", "headers": {"X": {"type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}}}}}),
    ));
    fails(
        &e,
        ErrorKind::Unsupported,
        "/paths/~1a/get/responses/200/headers/X/collectionFormat",
        "only csv",
    );
    let e = error(at_a(
        "get",
        json!({"responses": {"200": {"description": "ok", "content": {}}}}),
    ));
    fails(
        &e,
        ErrorKind::Parse,
        "/paths/~1a/get/responses/200/content",
        "not a field of a Swagger 2.0 response",
    );
}

#[test]
fn path_level_bodies_and_fields_move_into_each_operation() {
    let value = converted(json!({"paths": {"/a/{id}": {
        "parameters": [
            {"name": "id", "in": "path", "required": true, "type": "string"},
            {"name": "note", "in": "formData", "type": "string"},
            {"name": "size", "in": "formData", "type": "integer"},
        ],
        "put": {"parameters": [{"name": "size", "in": "formData", "type": "number"}], "responses": ok()},
        "post": {"responses": ok()},
    }}}));
    let item = &value["paths"]["/a/{id}"];
    same(
        &item["parameters"],
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]),
    );
    same(
        &item["put"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"],
        json!({"note": {"type": "string"}, "size": {"type": "number"}}),
    );
    same(
        &item["post"],
        json!({
            "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object",
                "properties": {"note": {"type": "string"}, "size": {"type": "integer"}},
            }}}},
            "responses": ok(),
        }),
    );
}
