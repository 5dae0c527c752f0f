//! Stage 1: bytes → `openapiv3::OpenAPI`, with errors that carry a JSON pointer.
//!
//! `openapiv3`'s own serde errors say neither where nor which document, so the document is
//! first read into a generic value and then deserialized through `serde_path_to_error`,
//! whose path is turned into a JSON pointer. A Swagger 2.0 document is converted to 3.0
//! between the two steps (see `swagger2`), and errors in the converted value are reported
//! at the places of the original.

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::error::{ErrorKind, Pointer, Reporter, Result};
use crate::swagger2::{self, Origin};

/// Parses a JSON or YAML OpenAPI 3.0.x or Swagger 2.0 document. `document` names it in
/// errors.
pub fn load(document: &str, bytes: &[u8]) -> Result<OpenAPI> {
    load_traced(document, bytes).map(|(spec, _)| spec)
}

/// [`load`], and where each part of a converted Swagger 2.0 document came from (nothing
/// for a 3.0 document), so that later stages' errors can point into the original.
pub(crate) fn load_traced(document: &str, bytes: &[u8]) -> Result<(OpenAPI, Origin)> {
    let report = Reporter::new(document);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        report.error(
            ErrorKind::Parse,
            &Pointer::root(),
            format!(
                "the document is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    let value =
        parse_value(text).map_err(|m| report.error(ErrorKind::Parse, &Pointer::root(), m))?;
    let (value, origin) = match check_version(&value, &report)? {
        Version::OpenApi3 => (value, Origin::default()),
        Version::Swagger2 => swagger2::convert(document, &value)?,
    };
    let mut track = serde_path_to_error::Track::new();
    let deserializer = serde_path_to_error::Deserializer::new(&value, &mut track);
    match <OpenAPI as serde::Deserialize>::deserialize(deserializer) {
        Ok(spec) => Ok((spec, origin)),
        Err(e) => {
            // `openapiv3` flattens and uses untagged enums, which stop the path early;
            // look for the innermost known part of the document that fails on its own.
            let (pointer, message) =
                locate(&value).unwrap_or_else(|| (path_to_pointer(&track.path()), e.to_string()));
            Err(origin.locate(report.error(
                ErrorKind::Parse,
                &pointer,
                format!("not a valid OpenAPI 3.0 document here: {message}"),
            )))
        }
    }
}

/// Which kind of document the root says it is.
enum Version {
    OpenApi3,
    Swagger2,
}

/// JSON when the text starts like JSON (so JSON errors report JSON line and column),
/// YAML otherwise.
fn parse_value(text: &str) -> Result<Value, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err("the document is empty".to_owned());
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str(trimmed).map_err(|e| format!("invalid JSON: {e}"))
    } else {
        serde_yaml::from_str(trimmed).map_err(|e| format!("invalid YAML: {e}"))
    }
}

fn check_version(value: &Value, report: &Reporter) -> Result<Version> {
    let Some(object) = value.as_object() else {
        return Err(report.error(
            ErrorKind::Parse,
            &Pointer::root(),
            "the document is not an object",
        ));
    };
    let at = Pointer::root().join("openapi");
    let swagger_at = Pointer::root().join("swagger");
    match (object.get("openapi"), object.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.0.") => Ok(Version::OpenApi3),
        (Some(Value::String(v)), _) => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &at,
            format!("OpenAPI version {v:?} is not supported; this generator reads 3.0.x and Swagger 2.0"),
        )),
        (Some(other), _) => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &at,
            format!("`openapi` must be a version string such as \"3.0.3\", found {other}"),
        )),
        (None, Some(Value::String(v))) if v == "2.0" => Ok(Version::Swagger2),
        (None, Some(Value::String(v))) => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &swagger_at,
            format!("Swagger version {v:?} is not supported; this generator reads Swagger 2.0 and OpenAPI 3.0.x"),
        )),
        (None, Some(other)) => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &swagger_at,
            format!("`swagger` must be the version string \"2.0\" (quoted, in YAML), found {other}"),
        )),
        (None, None) => Err(report.error(
            ErrorKind::Parse,
            &Pointer::root(),
            "no `openapi` or `swagger` field: this is not an OpenAPI document",
        )),
    }
}

/// Deserializes `value` as `T`; on failure, the pointer (below `at`) and the message.
fn check<T: serde::de::DeserializeOwned>(value: &Value, at: &Pointer) -> Option<(Pointer, String)> {
    let mut track = serde_path_to_error::Track::new();
    let deserializer = serde_path_to_error::Deserializer::new(value, &mut track);
    match T::deserialize(deserializer) {
        Ok(_) => None,
        Err(e) => Some((join_path(at.clone(), &track.path()), e.to_string())),
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

type Found = Option<(Pointer, String)>;

/// Checks one entry of a components section.
type Locator = fn(&Value, &Pointer) -> Found;

/// The innermost failing part among paths, operations, parameters, bodies, responses
/// and (recursively) schemas.
fn locate(document: &Value) -> Found {
    let root = Pointer::root();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(found) = locate_path_item(item, &root.join("paths").join(path)) {
                return Some(found);
            }
        }
    }
    let components = document.get("components")?;
    let at = root.join("components");
    let sections: [(&str, Locator); 4] = [
        ("schemas", locate_schema),
        ("parameters", locate_parameter),
        ("requestBodies", locate_body_or_response),
        ("responses", locate_body_or_response),
    ];
    for (section, each) in sections {
        let entries = components.get(section).and_then(Value::as_object);
        for (name, value) in entries.into_iter().flatten() {
            if let Some(found) = each(value, &at.join(section).join(name)) {
                return Some(found);
            }
        }
    }
    None
}

fn locate_parameters(owner: &Value, at: &Pointer) -> Found {
    let params = owner.get("parameters").and_then(Value::as_array);
    params
        .into_iter()
        .flatten()
        .enumerate()
        .find_map(|(index, param)| locate_parameter(param, &at.join("parameters").join(index)))
}

fn locate_path_item(item: &Value, at: &Pointer) -> Found {
    if let Some(found) = locate_parameters(item, at) {
        return Some(found);
    }
    for method in METHODS {
        let Some(op) = item.get(method) else { continue };
        let at = at.join(method);
        if let Some(found) = locate_parameters(op, &at) {
            return Some(found);
        }
        if let Some(body) = op.get("requestBody")
            && let Some(found) = locate_body_or_response(body, &at.join("requestBody"))
        {
            return Some(found);
        }
        let responses = op.get("responses").and_then(Value::as_object);
        for (code, response) in responses.into_iter().flatten() {
            if let Some(found) = locate_body_or_response(response, &at.join("responses").join(code))
            {
                return Some(found);
            }
        }
        if let Some(found) = check::<openapiv3::Operation>(op, &at) {
            return Some(found);
        }
    }
    if item.get("$ref").is_none() {
        return check::<openapiv3::PathItem>(item, at);
    }
    None
}

fn locate_parameter(param: &Value, at: &Pointer) -> Found {
    if param.get("$ref").is_some() {
        return None;
    }
    if let Some(schema) = param.get("schema")
        && let Some(found) = locate_schema(schema, &at.join("schema"))
    {
        return Some(found);
    }
    check::<openapiv3::Parameter>(param, at)
}

fn locate_body_or_response(value: &Value, at: &Pointer) -> Found {
    if value.get("$ref").is_some() {
        return None;
    }
    let content = value.get("content").and_then(Value::as_object);
    for (media, media_value) in content.into_iter().flatten() {
        if let Some(schema) = media_value.get("schema")
            && let Some(found) =
                locate_schema(schema, &at.join("content").join(media).join("schema"))
        {
            return Some(found);
        }
    }
    // Request bodies have `required` and no mandatory description; responses need one.
    if value.get("description").is_some() && value.get("required").is_none() {
        check::<openapiv3::Response>(value, at)
    } else {
        check::<openapiv3::RequestBody>(value, at)
    }
}

fn locate_schema(schema: &Value, at: &Pointer) -> Found {
    let Some(object) = schema.as_object() else {
        return check::<openapiv3::Schema>(schema, at);
    };
    if object.contains_key("$ref") {
        return None;
    }
    let properties = object.get("properties").and_then(Value::as_object);
    for (key, child) in properties.into_iter().flatten() {
        if let Some(found) = locate_schema(child, &at.join("properties").join(key)) {
            return Some(found);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = object.get(key).filter(|c| c.is_object())
            && let Some(found) = locate_schema(child, &at.join(key))
        {
            return Some(found);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        let parts = object.get(key).and_then(Value::as_array);
        for (index, child) in parts.into_iter().flatten().enumerate() {
            if let Some(found) = locate_schema(child, &at.join(key).join(index)) {
                return Some(found);
            }
        }
    }
    check::<openapiv3::Schema>(schema, at)
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> Pointer {
    join_path(Pointer::root(), path)
}

fn join_path(base: Pointer, path: &serde_path_to_error::Path) -> Pointer {
    use serde_path_to_error::Segment;
    path.iter().fold(base, |pointer, segment| match segment {
        Segment::Seq { index } => pointer.join(index),
        Segment::Map { key } => pointer.join(key),
        Segment::Enum { variant } => pointer.join(variant),
        Segment::Unknown => pointer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(doc: &str) -> crate::Error {
        load("t.json", doc.as_bytes()).unwrap_err()
    }

    #[test]
    fn reads_json_and_yaml() {
        let json = r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}"#;
        assert_eq!(load("t.json", json.as_bytes()).unwrap().info.title, "t");
        let yaml = "openapi: 3.0.0\ninfo: {title: y, version: '1'}\npaths: {}\n";
        assert_eq!(load("t.yaml", yaml.as_bytes()).unwrap().info.title, "y");
    }

    #[test]
    fn errors_say_where() {
        let e = err(r#"{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{}}"#);
        assert_eq!(
            (e.kind, e.pointer.as_str()),
            (ErrorKind::UnsupportedVersion, "/openapi")
        );
        let e = err(
            r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":5}}}}}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Parse);
        assert_eq!(e.pointer, "/paths/~1a/get/responses/200/description", "{e}");
        let e = err(
            r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"type":"object","properties":{"b":{"type":"string","maxLength":"x"}}}}}}"#,
        );
        assert_eq!(e.pointer, "/components/schemas/A/properties/b", "{e}");
        let e = err("{\"openapi\": ");
        assert!(e.message.starts_with("invalid JSON"), "{e}");
        let e = load("t.json", b"\xff\xfe").unwrap_err();
        assert!(e.message.contains("not UTF-8"), "{e}");
    }

    #[test]
    fn reads_swagger_2_and_refuses_other_swagger_versions() {
        let yaml = "swagger: '2.0'\ninfo: {title: s, version: '1'}\nhost: h\npaths: {}\n";
        let spec = load("t.yaml", yaml.as_bytes()).unwrap();
        assert_eq!(
            (spec.info.title.as_str(), spec.servers[0].url.as_str()),
            ("s", "https://h")
        );
        let e = err(r#"{"swagger":"1.2","info":{"title":"t","version":"1"},"paths":{}}"#);
        assert_eq!(
            (e.kind, e.pointer.as_str()),
            (ErrorKind::UnsupportedVersion, "/swagger")
        );
        assert!(e.message.contains("\"1.2\" is not supported"), "{e}");
        let e = load(
            "t.yaml",
            b"swagger: 2.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
        )
        .unwrap_err();
        assert!(e.message.contains("quoted"), "{e}");
        let e = err(r#"{"info":{"title":"t","version":"1"},"paths":{}}"#);
        assert!(e.message.contains("no `openapi` or `swagger` field"), "{e}");
    }

    #[test]
    fn errors_in_a_converted_document_point_into_the_original() {
        // The body parameter leaves `parameters`, so the query parameter moves from index 1
        // to 0 in the converted document; the error still names index 1.
        let e = err(
            r#"{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"parameters":[{"name":"b","in":"body","schema":{}},{"name":"q","in":"query","type":"string","required":"yes"}],"responses":{}}}}}"#,
        );
        assert_eq!(e.pointer, "/paths/~1a/post/parameters/1", "{e}");
        assert!(e.message.contains("expected a boolean"), "{e}");
        let e = err(
            r#"{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{},"definitions":{"A":{"type":"string","maxLength":"x"}}}"#,
        );
        assert_eq!(e.pointer, "/definitions/A", "{e}");
    }
}
