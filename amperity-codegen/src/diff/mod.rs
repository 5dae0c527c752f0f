//! Spec drift: every change between two OpenAPI documents, each classified as breaking or
//! not by Amperity's own versioning rules.
//!
//! The comparison reads the `openapiv3` structure directly, with `$ref`s resolved. It does
//! not go through [`lower`](crate::lower()): the report must work on documents the generator
//! cannot generate yet (the Profile API), and it must see the wire contract, not the Rust
//! names chosen for it.
//!
//! # The rules
//!
//! Amperity's API overview lists what breaks a client; `rules.rs` applies it, one function
//! per rule:
//!
//! - breaking: removing or renaming anything (operation, operationId, parameter, field,
//!   media type, server, component schema, success status code); adding a required input
//!   (parameter, request field, request body); making an input required; changing a type or
//!   format; removing an enum value or restricting an input to an enum; adding pagination to an
//!   existing operation (a new `next_token` query parameter or top-level `next_token` field of
//!   a 2xx response); a response field becoming optional or nullable (clients relied on it);
//! - non-breaking: adding an operation, an optional input, a response field, an enum value, a
//!   status code, a media type, a server or a component schema; an input becoming optional or
//!   nullable; a changed `default` (defaults in these documents are examples, and the
//!   generated client never sends them); deprecating an operation;
//! - removing an *error* status code (4xx, 5xx, `default`) is non-breaking: the runtime turns
//!   every non-2xx answer into the same `Error::Api`, documented or not, so no client code
//!   depends on an error code being listed. Removing a 1xx/2xx/3xx code is breaking.
//!
//! Direction matters: a schema reached from a request is an input, from a response an
//! output. A component schema no operation reaches is judged both ways (breaking if it breaks
//! either).
//!
//! # What is reported where
//!
//! Each [`Change`] has a [`Location`]: a JSON pointer into the new document when the changed
//! thing exists there, else into the old one, and a label such as
//! `GET /campaigns › query parameter limit` or `GET /campaigns › response 200 › data[].name`
//! (`[]` is an array's items, `{}` a map's values). A shared component (a parameter or schema
//! reached from several operations) changes in one place: that change is reported once, at
//! the shallowest label (then the first in sorted order), with the others in
//! [`Change::also`]. Within one parameter or body, a schema reached twice (or recursively) is
//! compared once, where it is first reached (properties in name order).
//!
//! Not compared: `info`, descriptions, examples, tags, security requirements, response
//! headers (none of Amperity's documents has any yet) and constraints such as `maxLength`.
//!
//! # JSON shape (`format` 1)
//!
//! ```json
//! {
//!   "format": 1,
//!   "old": { "document": "old.yaml", "title": "T", "version": "1" },
//!   "new": { "document": "new.yaml", "title": "T", "version": "2" },
//!   "breaking": 1,
//!   "non_breaking": 0,
//!   "changes": [
//!     {
//!       "class": "breaking",
//!       "kind": "parameter-required-changed",
//!       "label": "GET /campaigns › query parameter limit",
//!       "description": "parameter is now required",
//!       "document": "new",
//!       "pointer": "/paths/~1campaigns/get/parameters/0",
//!       "also": []
//!     }
//!   ]
//! }
//! ```
//!
//! `changes` is sorted: breaking first, then by label, kind, description and pointer. `kind`
//! is one of the kebab-case names of [`ChangeKind`]; new kinds may be added, existing ones
//! keep their names while `format` stays 1.

mod operation;
mod render;
mod resolve;
mod rules;
mod schema;
#[cfg(test)]
mod tests;
mod view;
mod walk;

use openapiv3::OpenAPI;
use serde::Serialize;

use crate::Result;

/// Whether a change can break an existing client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// An existing client may stop working.
    Breaking,
    /// Existing clients keep working.
    NonBreaking,
}

/// What changed. Serialized in kebab-case (`operation-added`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// A server (base URL) was added.
    ServerAdded,
    /// A server was removed.
    ServerRemoved,
    /// A server's URL changed.
    ServerChanged,
    /// An operation (method + path template) was added.
    OperationAdded,
    /// An operation was removed.
    OperationRemoved,
    /// The operationId of an operation changed.
    OperationIdChanged,
    /// An operation became deprecated, or stopped being deprecated.
    DeprecationChanged,
    /// An existing operation gained `next_token`.
    PaginationAdded,
    /// A parameter was added.
    ParameterAdded,
    /// A parameter was removed.
    ParameterRemoved,
    /// A parameter became required or optional.
    ParameterRequiredChanged,
    /// A request body was added.
    RequestBodyAdded,
    /// The request body was removed.
    RequestBodyRemoved,
    /// The request body became required or optional.
    RequestBodyRequiredChanged,
    /// A status code was added to an operation's responses.
    ResponseAdded,
    /// A status code was removed from an operation's responses.
    ResponseRemoved,
    /// A media type was added to a body.
    MediaTypeAdded,
    /// A media type was removed from a body.
    MediaTypeRemoved,
    /// A field was added to an object.
    FieldAdded,
    /// A field was removed from an object.
    FieldRemoved,
    /// A field became required or optional.
    FieldRequiredChanged,
    /// A type or format changed.
    TypeChanged,
    /// A schema became nullable or stopped being nullable.
    NullableChanged,
    /// A value was added to an enum.
    EnumValueAdded,
    /// A value was removed from an enum.
    EnumValueRemoved,
    /// A schema gained or lost its enum restriction.
    EnumRestrictionChanged,
    /// An object started or stopped allowing properties it does not list.
    AdditionalPropertiesChanged,
    /// A `default` value changed.
    DefaultChanged,
    /// A component schema was added.
    SchemaAdded,
    /// A component schema was removed.
    SchemaRemoved,
}

impl ChangeKind {
    /// The kebab-case name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::ServerAdded => "server-added",
            ChangeKind::ServerRemoved => "server-removed",
            ChangeKind::ServerChanged => "server-changed",
            ChangeKind::OperationAdded => "operation-added",
            ChangeKind::OperationRemoved => "operation-removed",
            ChangeKind::OperationIdChanged => "operation-id-changed",
            ChangeKind::DeprecationChanged => "deprecation-changed",
            ChangeKind::PaginationAdded => "pagination-added",
            ChangeKind::ParameterAdded => "parameter-added",
            ChangeKind::ParameterRemoved => "parameter-removed",
            ChangeKind::ParameterRequiredChanged => "parameter-required-changed",
            ChangeKind::RequestBodyAdded => "request-body-added",
            ChangeKind::RequestBodyRemoved => "request-body-removed",
            ChangeKind::RequestBodyRequiredChanged => "request-body-required-changed",
            ChangeKind::ResponseAdded => "response-added",
            ChangeKind::ResponseRemoved => "response-removed",
            ChangeKind::MediaTypeAdded => "media-type-added",
            ChangeKind::MediaTypeRemoved => "media-type-removed",
            ChangeKind::FieldAdded => "field-added",
            ChangeKind::FieldRemoved => "field-removed",
            ChangeKind::FieldRequiredChanged => "field-required-changed",
            ChangeKind::TypeChanged => "type-changed",
            ChangeKind::NullableChanged => "nullable-changed",
            ChangeKind::EnumValueAdded => "enum-value-added",
            ChangeKind::EnumValueRemoved => "enum-value-removed",
            ChangeKind::EnumRestrictionChanged => "enum-restriction-changed",
            ChangeKind::AdditionalPropertiesChanged => "additional-properties-changed",
            ChangeKind::DefaultChanged => "default-changed",
            ChangeKind::SchemaAdded => "schema-added",
            ChangeKind::SchemaRemoved => "schema-removed",
        }
    }
}

/// Which document a pointer points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The old document (the thing no longer exists in the new one).
    Old,
    /// The new document.
    New,
}

/// Where a change is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The document the pointer points into: the new one when the thing exists there.
    pub side: Side,
    /// A JSON pointer (RFC 6901) into that document.
    pub pointer: String,
    /// For people: `GET /campaigns › query parameter limit`.
    pub label: String,
}

/// One change between the documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Breaking or not.
    pub class: Class,
    /// What changed.
    pub kind: ChangeKind,
    /// Where.
    pub location: Location,
    /// What happened, in a few words: `field added (optional, string)`.
    pub description: String,
    /// Other labels of the same change, when a shared component changed (sorted).
    pub also: Vec<String>,
}

/// What a report says about one of the two documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentInfo {
    /// The name the caller gave (a file name).
    pub document: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
}

/// Every change from `old` to `new`, sorted (breaking first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The old document.
    pub old: DocumentInfo,
    /// The new document.
    pub new: DocumentInfo,
    /// The changes, sorted by class, label, kind, description, pointer.
    pub changes: Vec<Change>,
}

impl Report {
    /// How many changes are breaking.
    pub fn breaking(&self) -> usize {
        self.count(Class::Breaking)
    }

    /// How many changes are not breaking.
    pub fn non_breaking(&self) -> usize {
        self.count(Class::NonBreaking)
    }

    fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class == class).count()
    }
}

/// A loaded document and the name errors and reports call it by.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// Usually the file name.
    pub name: &'a str,
    /// The document, from [`load`](crate::load()).
    pub spec: &'a OpenAPI,
}

/// Compares two loaded documents. Fails (with the document's name and a JSON pointer) on a
/// `$ref` that points nowhere or outside the document, never on a difference.
pub fn diff(old: Document<'_>, new: Document<'_>) -> Result<Report> {
    let changes = walk::Differ::new(old, new).run()?;
    Ok(Report {
        old: info(old),
        new: info(new),
        changes,
    })
}

/// [`load`](crate::load()) both documents, then [`diff`] them.
pub fn diff_bytes(old_name: &str, old: &[u8], new_name: &str, new: &[u8]) -> Result<Report> {
    let old_spec = crate::load(old_name, old)?;
    let new_spec = crate::load(new_name, new)?;
    diff(
        Document {
            name: old_name,
            spec: &old_spec,
        },
        Document {
            name: new_name,
            spec: &new_spec,
        },
    )
}

fn info(document: Document<'_>) -> DocumentInfo {
    DocumentInfo {
        document: document.name.to_owned(),
        title: document.spec.info.title.clone(),
        version: document.spec.info.version.clone(),
    }
}
