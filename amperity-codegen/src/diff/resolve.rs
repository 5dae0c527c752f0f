//! `$ref` resolution for the diff: the generator's own [`Resolver`], so that `diff`
//! accepts exactly the references `generate` accepts.

use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

use crate::error::{ErrorKind, Pointer};
use crate::resolve::{Resolver, component_name};
use crate::{Error, Result};

/// One of the two documents, with what resolving and errors need.
pub(crate) struct Doc<'a> {
    pub(crate) spec: &'a OpenAPI,
    resolve: Resolver<'a>,
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
        match self {
            SchemaRef::Plain(ReferenceOr::Reference { reference })
            | SchemaRef::Boxed(ReferenceOr::Reference { reference }) => {
                component_name(reference, "schemas")
            }
            _ => None,
        }
    }
}

impl<'a> Doc<'a> {
    pub(crate) fn new(name: &str, spec: &'a OpenAPI) -> Self {
        Self {
            spec,
            resolve: Resolver::new(name, spec),
        }
    }

    pub(crate) fn error(&self, kind: ErrorKind, at: &Pointer, message: impl Into<String>) -> Error {
        self.resolve.error(kind, at, message)
    }

    /// Spends `values` from the document's one expansion budget (see [`Resolver`]) for
    /// what the diff copies at `at`.
    pub(crate) fn spend(&self, values: usize, at: &Pointer) -> Result<()> {
        self.resolve.spend(values, 0, at)
    }

    /// A parameter and the pointer of its definition.
    pub(crate) fn parameter(
        &self,
        param: &'a ReferenceOr<Parameter>,
        at: &Pointer,
    ) -> Result<(&'a Parameter, Pointer)> {
        self.resolve.parameter(param, at)
    }

    /// A request body and the pointer of its definition.
    pub(crate) fn request_body(
        &self,
        body: &'a ReferenceOr<RequestBody>,
        at: &Pointer,
    ) -> Result<(&'a RequestBody, Pointer)> {
        self.resolve.request_body(body, at)
    }

    /// A response and the pointer of its definition.
    pub(crate) fn response(
        &self,
        response: &'a ReferenceOr<Response>,
        at: &Pointer,
    ) -> Result<(&'a Response, Pointer)> {
        self.resolve.response(response, at)
    }

    /// A schema and the pointer of its definition.
    pub(crate) fn schema(
        &self,
        schema: SchemaRef<'a>,
        at: &Pointer,
    ) -> Result<(&'a Schema, Pointer)> {
        match schema {
            SchemaRef::Plain(s) => self.resolve.schema(s, at),
            SchemaRef::Boxed(s) => self.resolve.schema(s, at),
        }
    }
}
