//! Stage 1: bytes → `openapiv3::OpenAPI`, with errors that carry a JSON pointer.
//! OpenAPI 3.1 and Swagger 2.0 documents are converted to 3.0 on the way (`openapi31`,
//! `swagger2`).
//!
//! Overlays (`overlay`) apply to the parsed value first, before anything else reads it:
//! the version check, the Swagger 2.0 conversion, the limits, lowering.
//!
//! `openapiv3`'s own serde errors say neither where nor which document, so the document is
//! first read into a generic value and then deserialized through `serde_path_to_error`,
//! whose path is turned into a JSON pointer. A Swagger 2.0 document is converted to 3.0
//! between the two steps (see `swagger2`), and errors in the converted value are reported
//! at the places of the original.
//!
//! Both steps keep within [`crate::limits`]: the parser stops at the first limit crossed
//! (`parse`), and the value is checked part by part, innermost first, before `openapiv3`
//! reads it (`shape`), which keeps that read linear and its stack shallow. `openapiv3`
//! then reads it a path item and a component at a time (`model`), so that the value and
//! serde's copies of it are not all held at once.

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::error::{ErrorKind, Pointer, Reporter, Result};
use crate::limits::MAX_DOCUMENT_BYTES;
use crate::swagger2::{self, Origin};

pub(crate) use integers::WIDTH as INTEGER_WIDTH;

mod booleans;
mod deep_refs;
mod integers;
mod model;
pub mod overlay;
mod parse;
mod shape;

use overlay::{Overlay, OverlayInput};

/// Parses a JSON or YAML OpenAPI 3.0.x, 3.1.x or Swagger 2.0 document. `document` names it in
/// errors.
pub fn load(document: &str, bytes: &[u8]) -> Result<OpenAPI> {
    load_overlaid(document, bytes, &[])
}

/// [`load`] with `overlays` applied, in order, to the parsed document.
pub fn load_overlaid(
    document: &str,
    bytes: &[u8],
    overlays: &[OverlayInput<'_>],
) -> Result<OpenAPI> {
    let overlays = overlay::parse_all(overlays)?;
    load_traced(document, bytes, &overlays).map(|(spec, _)| spec)
}

/// The parsed document with `overlays` applied, as a value (what a mock server should
/// serve in its place); neither converted nor checked further.
pub fn overlaid_value(
    document: &str,
    bytes: &[u8],
    overlays: &[OverlayInput<'_>],
) -> Result<Value> {
    let overlays = overlay::parse_all(overlays)?;
    let value = parse_value(document, bytes)?;
    overlay::apply(document, value, &overlays)
}

/// The actions of `overlays` that select nothing in the document (see
/// [`overlay::stale_actions`]).
pub fn stale_overlay_actions(
    document: &str,
    bytes: &[u8],
    overlays: &[OverlayInput<'_>],
) -> Result<Vec<overlay::StaleAction>> {
    let overlays = overlay::parse_all(overlays)?;
    Ok(overlay::stale_actions(
        parse_value(document, bytes)?,
        &overlays,
    ))
}

/// [`load`] with overlays, and where each part of a converted Swagger 2.0 document came
/// from (nothing for a 3.0 document), so that later stages' errors can point into the
/// original.
pub(crate) fn load_traced(
    document: &str,
    bytes: &[u8],
    overlays: &[Overlay],
) -> Result<(OpenAPI, Origin)> {
    let report = Reporter::new(document);
    let value = overlay::apply(document, parse_value(document, bytes)?, overlays)?;
    let (mut value, origin) = match check_version(&value, &report)? {
        Version::OpenApi3 => {
            let (mut value, mut origin) = (value, Origin::default());
            deep_refs::inline(&mut value, &deep_refs::OPENAPI3, &report, &mut origin)?;
            (value, origin)
        }
        Version::Swagger2 => {
            // Before the conversion, which reads references to whole definitions only.
            let (mut value, mut copied) = (value, Origin::default());
            deep_refs::inline(&mut value, &deep_refs::SWAGGER2, &report, &mut copied)?;
            let (value, origin) =
                swagger2::convert(document, &value).map_err(|e| copied.locate(e))?;
            (value, origin.after(copied))
        }
        Version::OpenApi31 => {
            let (mut value, mut origin) = crate::openapi31::convert(document, &value)?;
            deep_refs::inline(&mut value, &deep_refs::OPENAPI3, &report, &mut origin)
                .map_err(|e| origin.locate(e))?;
            (value, origin)
        }
    };
    integers::widen(&mut value);
    booleans::rewrite(&mut value);
    // Every part that `openapiv3` reads through a reference first, innermost first: the
    // whole document then reads in linear time, and an error names the innermost place.
    shape::check(&value, &report).map_err(|e| origin.locate(e))?;
    let spec = model::read(value, &report).map_err(|e| origin.locate(e))?;
    Ok((spec, origin))
}

/// Bytes → value, within the limits.
fn parse_value(document: &str, bytes: &[u8]) -> Result<Value> {
    let report = Reporter::new(document);
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(report.error(
            ErrorKind::Limit,
            &Pointer::root(),
            // Not the exact size: a caller may have stopped reading at the limit.
            format!(
                "the document is larger than {MAX_DOCUMENT_BYTES} bytes (16 MiB), the most accepted"
            ),
        ));
    }
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
    parse::parse(text).map_err(|e| report.error(e.kind, &e.pointer, e.message))
}

/// Which kind of document the root says it is.
enum Version {
    OpenApi3,
    /// Converted to 3.0 (`openapi31`).
    OpenApi31,
    Swagger2,
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
        (Some(Value::String(v)), _) if v.starts_with("3.1.") => Ok(Version::OpenApi31),
        (Some(Value::String(v)), _) => Err(report.error(
            ErrorKind::UnsupportedVersion,
            &at,
            format!("OpenAPI version {v:?} is not supported; this generator reads 3.0.x, 3.1.x and Swagger 2.0"),
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
            format!("Swagger version {v:?} is not supported; this generator reads Swagger 2.0 and OpenAPI 3.0.x and 3.1.x"),
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
        let e = err(r#"{"openapi":"3.2.0","info":{"title":"t","version":"1"},"paths":{}}"#);
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
