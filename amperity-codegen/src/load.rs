//! Stage 1: bytes → `openapiv3::OpenAPI`, with errors that carry a JSON pointer.
//!
//! `openapiv3`'s own serde errors say neither where nor which document, so the document is
//! first read into a generic value and then deserialized through `serde_path_to_error`,
//! whose path is turned into a JSON pointer.

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::error::{ErrorKind, Pointer, Reporter, Result};

/// Parses a JSON or YAML OpenAPI 3.0.x document. `document` names it in errors.
pub fn load(document: &str, bytes: &[u8]) -> Result<OpenAPI> {
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
    check_version(&value, &report)?;
    let mut track = serde_path_to_error::Track::new();
    let deserializer = serde_path_to_error::Deserializer::new(&value, &mut track);
    match <OpenAPI as serde::Deserialize>::deserialize(deserializer) {
        Ok(spec) => Ok(spec),
        Err(e) => {
            let pointer = path_to_pointer(&track.path());
            Err(report.error(
                ErrorKind::Parse,
                &pointer,
                format!("not a valid OpenAPI 3.0 document here: {e}"),
            ))
        }
    }
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

fn check_version(value: &Value, report: &Reporter) -> Result<()> {
    let Some(object) = value.as_object() else {
        return Err(report.error(
            ErrorKind::Parse,
            &Pointer::root(),
            "the document is not an object",
        ));
    };
    let at = Pointer::root().join("openapi");
    match object.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(()),
        Some(Value::String(v)) => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &at,
            format!("OpenAPI version {v:?} is not supported; this generator reads 3.0.x"),
        )),
        Some(other) => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &at,
            format!("`openapi` must be a version string such as \"3.0.3\", found {other}"),
        )),
        None if object.contains_key("swagger") => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &Pointer::root().join("swagger"),
            "Swagger 2.0 documents are not supported yet; this generator reads OpenAPI 3.0.x",
        )),
        None => Err(report.error(
            ErrorKind::Parse,
            &Pointer::root(),
            "no `openapi` field: this is not an OpenAPI document",
        )),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> Pointer {
    use serde_path_to_error::Segment;
    path.iter()
        .fold(Pointer::root(), |pointer, segment| match segment {
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
        assert!(e.pointer.starts_with("/paths/~1a/get/responses"), "{e}");
        let e = err("{\"openapi\": ");
        assert!(e.message.starts_with("invalid JSON"), "{e}");
        let e = load("t.json", b"\xff\xfe").unwrap_err();
        assert!(e.message.contains("not UTF-8"), "{e}");
    }
}
