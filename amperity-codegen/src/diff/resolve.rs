//! `$ref` resolution for the diff: local `#/components/<section>/<name>` references only,
//! chains followed up to a limit, every failure an error with the document's name and the
//! pointer of the `$ref`.

use std::borrow::Borrow;

use indexmap::IndexMap;
use openapiv3::{Components, OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

use crate::error::{ErrorKind, Pointer, Reporter};
use crate::{Error, Result};

/// A `$ref` to a `$ref` to … is followed this many times; more is taken for a cycle.
const MAX_HOPS: usize = 32;

/// One of the two documents, with what resolving and errors need.
pub(crate) struct Doc<'a> {
    pub(crate) spec: &'a OpenAPI,
    report: Reporter,
}

/// A schema as it appears in the document: properties and items are boxed, other places not.
#[derive(Clone, Copy)]
pub(crate) enum SchemaRef<'a> {
    Plain(&'a ReferenceOr<Schema>),
    Boxed(&'a ReferenceOr<Box<Schema>>),
}

impl<'a> SchemaRef<'a> {
    /// The name of the component it refers to, if it is a `#/components/schemas/<name>` ref.
    pub(crate) fn component_name(self) -> Option<String> {
        let reference = match self {
            SchemaRef::Plain(ReferenceOr::Reference { reference })
            | SchemaRef::Boxed(ReferenceOr::Reference { reference }) => reference,
            _ => return None,
        };
        let name = reference.strip_prefix("#/components/schemas/")?;
        (!name.contains('/')).then(|| unescape(name))
    }
}

impl<'a> Doc<'a> {
    pub(crate) fn new(name: &str, spec: &'a OpenAPI) -> Self {
        Self {
            spec,
            report: Reporter::new(name),
        }
    }

    pub(crate) fn error(&self, kind: ErrorKind, at: &Pointer, message: impl Into<String>) -> Error {
        self.report.error(kind, at, message)
    }

    /// A parameter and the pointer of its definition.
    pub(crate) fn parameter(
        &self,
        param: &'a ReferenceOr<Parameter>,
        at: &Pointer,
    ) -> Result<(&'a Parameter, Pointer)> {
        self.follow(param, at, "parameters", |c| &c.parameters)
    }

    /// A request body and the pointer of its definition.
    pub(crate) fn request_body(
        &self,
        body: &'a ReferenceOr<RequestBody>,
        at: &Pointer,
    ) -> Result<(&'a RequestBody, Pointer)> {
        self.follow(body, at, "requestBodies", |c| &c.request_bodies)
    }

    /// A response and the pointer of its definition.
    pub(crate) fn response(
        &self,
        response: &'a ReferenceOr<Response>,
        at: &Pointer,
    ) -> Result<(&'a Response, Pointer)> {
        self.follow(response, at, "responses", |c| &c.responses)
    }

    /// A schema and the pointer of its definition.
    pub(crate) fn schema(
        &self,
        schema: SchemaRef<'a>,
        at: &Pointer,
    ) -> Result<(&'a Schema, Pointer)> {
        match schema {
            SchemaRef::Plain(s) => self.follow_schema(s, at),
            SchemaRef::Boxed(s) => self.follow_schema(s, at),
        }
    }

    fn follow_schema<S: Borrow<Schema>>(
        &self,
        schema: &'a ReferenceOr<S>,
        at: &Pointer,
    ) -> Result<(&'a Schema, Pointer)> {
        match schema {
            ReferenceOr::Item(item) => Ok((item.borrow(), at.clone())),
            ReferenceOr::Reference { reference } => {
                self.follow_reference(reference, at, "schemas", |c| &c.schemas)
            }
        }
    }

    fn follow<T>(
        &self,
        item: &'a ReferenceOr<T>,
        at: &Pointer,
        section: &str,
        map: fn(&'a Components) -> &'a IndexMap<String, ReferenceOr<T>>,
    ) -> Result<(&'a T, Pointer)> {
        match item {
            ReferenceOr::Item(item) => Ok((item, at.clone())),
            ReferenceOr::Reference { reference } => {
                self.follow_reference(reference, at, section, map)
            }
        }
    }

    /// Follows `reference` (found at `at`) and any chain of references behind it.
    fn follow_reference<T>(
        &self,
        reference: &'a str,
        at: &Pointer,
        section: &str,
        map: fn(&'a Components) -> &'a IndexMap<String, ReferenceOr<T>>,
    ) -> Result<(&'a T, Pointer)> {
        let (mut reference, mut at) = (reference, at.clone());
        for _ in 0..MAX_HOPS {
            let name = self.local_name(reference, section, &at)?;
            let target = self
                .spec
                .components
                .as_ref()
                .and_then(|c| map(c).get(&name))
                .ok_or_else(|| {
                    self.error(
                        ErrorKind::BadReference,
                        &at.join("$ref"),
                        format!("$ref {reference:?} points to nothing in this document"),
                    )
                })?;
            let target_at = Pointer::root().join("components").join(section).join(&name);
            match target {
                ReferenceOr::Item(item) => return Ok((item, target_at)),
                ReferenceOr::Reference { reference: next } => (reference, at) = (next, target_at),
            }
        }
        Err(self.error(
            ErrorKind::BadReference,
            &at.join("$ref"),
            format!(
                "$ref {reference:?} is part of a chain of references that never ends (a cycle)"
            ),
        ))
    }

    /// `#/components/<section>/<name>` → `<name>`, unescaped.
    fn local_name(&self, reference: &str, section: &str, at: &Pointer) -> Result<String> {
        let prefix = format!("#/components/{section}/");
        match reference.strip_prefix(&prefix) {
            Some(name) if !name.contains('/') && !name.is_empty() => Ok(unescape(name)),
            _ if !reference.starts_with('#') => Err(self.error(
                ErrorKind::BadReference,
                &at.join("$ref"),
                format!(
                    "$ref {reference:?} points outside this document; only local references \
                     (#/components/{section}/...) are supported"
                ),
            )),
            _ => Err(self.error(
                ErrorKind::BadReference,
                &at.join("$ref"),
                format!("$ref {reference:?} must point to #/components/{section}/<name> here"),
            )),
        }
    }
}

/// RFC 6901: `~1` is `/`, `~0` is `~` (in that order).
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
