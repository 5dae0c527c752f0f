//! The checked value → `openapiv3::OpenAPI`, one path item and one component at a time.
//!
//! `OpenAPI`, `Paths`, `Components` and most of their parts keep their extensions with
//! `#[serde(flatten)]`, for which serde first copies the whole object into a buffer of its
//! own and then reads the fields from that buffer. Read at once, the whole document is
//! copied so, on top of the value and the model being built: the peak of a large
//! document's run. Here the root is read with `paths` and the component maps emptied,
//! then each path item and each component on its own, its part of the value dropped as
//! soon as it is read: the value shrinks as the model grows. The model is the same as
//! reading the whole document at once; an error points at the innermost place
//! `serde_path_to_error` knows, below the part's own pointer.

use indexmap::IndexMap;
use openapiv3::{OpenAPI, ReferenceOr};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ErrorKind, Pointer, Reporter, Result};

/// Reads `value` (an object: `check_version` made sure) as the model.
pub(super) fn read(mut value: Value, report: &Reporter) -> Result<OpenAPI> {
    let paths = take(&mut value, &["paths"]);
    let sections: Vec<(&str, Map<String, Value>)> = SECTIONS
        .iter()
        .filter_map(|&section| Some((section, take(&mut value, &["components", section])?)))
        .collect();
    let root = Pointer::root();
    let mut spec: OpenAPI = part(&value, &root, report)?;
    drop(value);
    // Path items and components are large (a `PathItem` holds its eight operations in
    // place): maps sized up front are not copied as they grow, nor left half empty.
    spec.paths.paths.reserve(paths.as_ref().map_or(0, Map::len));
    for (key, item) in paths.into_iter().flatten() {
        // What `Paths` keeps: path templates, and `x-` extensions as they are.
        if key.starts_with('/') {
            let path_item = part(&item, &root.join("paths").join(&key), report)?;
            spec.paths.paths.insert(key, path_item);
        } else if key.starts_with("x-") {
            spec.paths.extensions.insert(key, item);
        }
    }
    if let Some(components) = spec.components.as_mut() {
        let at = root.join("components");
        for (section, entries) in sections {
            let at = at.join(section);
            let read = Section {
                entries,
                at: &at,
                report,
            };
            match section {
                "schemas" => read.into(&mut components.schemas),
                "responses" => read.into(&mut components.responses),
                "parameters" => read.into(&mut components.parameters),
                "examples" => read.into(&mut components.examples),
                "requestBodies" => read.into(&mut components.request_bodies),
                "headers" => read.into(&mut components.headers),
                "securitySchemes" => read.into(&mut components.security_schemes),
                "links" => read.into(&mut components.links),
                _ => read.into(&mut components.callbacks),
            }?;
        }
    }
    Ok(spec)
}

/// The maps of `components`, by their keys in the document.
const SECTIONS: [&str; 9] = [
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];

/// The object at `path` under `value`, replaced by an empty one (so the key keeps its
/// place and the root still reads); `None` when there is no object there (the root's read
/// reports whatever is wrong with it).
fn take(value: &mut Value, path: &[&str]) -> Option<Map<String, Value>> {
    let mut at = value;
    for key in path {
        at = at.as_object_mut()?.get_mut(*key)?;
    }
    match at {
        Value::Object(map) => Some(std::mem::take(map)),
        _ => None,
    }
}

/// The entries of one map of `components`, read one at a time.
struct Section<'a> {
    entries: Map<String, Value>,
    at: &'a Pointer,
    report: &'a Reporter,
}

impl Section<'_> {
    fn into<T: DeserializeOwned>(self, map: &mut IndexMap<String, ReferenceOr<T>>) -> Result<()> {
        map.reserve(self.entries.len());
        for (name, entry) in self.entries {
            let read = part(&entry, &self.at.join(&name), self.report)?;
            map.insert(name, read);
        }
        Ok(())
    }
}

/// Deserializes one part of the document, located at `at`.
fn part<T: DeserializeOwned>(value: &Value, at: &Pointer, report: &Reporter) -> Result<T> {
    let mut track = serde_path_to_error::Track::new();
    let deserializer = serde_path_to_error::Deserializer::new(value, &mut track);
    T::deserialize(deserializer).map_err(|e| {
        report.error(
            ErrorKind::Parse,
            &super::join_path(at.clone(), &track.path()),
            format!("not a valid OpenAPI 3.0 document here: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Part by part gives the model of the whole document read at once.
    #[test]
    fn the_model_is_the_whole_documents() {
        let document = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "x-root": [1, 2],
            "paths": {
                "/b": {"get": {"operationId": "b", "responses": {"200": {"$ref": "#/components/responses/Ok"}}}},
                "x-paths": {"kept": true},
                "/a": {"$ref": "#/components/pathItems/A"},
            },
            "components": {
                "schemas": {"Z": {"type": "string"}, "A": {"$ref": "#/components/schemas/Z"}},
                "responses": {"Ok": {"description": "ok"}},
                "parameters": {"P": {"name": "p", "in": "query", "schema": {"type": "integer"}}},
                "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "k"}},
                "x-components": "kept",
            },
        });
        let whole: OpenAPI = serde_json::from_value(document.clone()).unwrap();
        let parts = read(document, &Reporter::new("t.json")).unwrap();
        assert_eq!(parts, whole);
        assert_eq!(parts.paths.paths.keys().collect::<Vec<_>>(), ["/b", "/a"]);
    }

    #[test]
    fn errors_point_into_the_part() {
        let document = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"parameters": {"P": {"name": "p", "in": "query", "required": "yes"}}},
        });
        let e = read(document, &Reporter::new("t.json")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Parse);
        assert!(e.pointer.starts_with("/components/parameters/P"), "{e}");
    }
}
