//! The one place a `$ref` is read.
//!
//! Lowering and `diff` both resolve references here, so they accept exactly the same
//! documents: local references to `#/components/<section>/<name>` only, the name decoded
//! as RFC 6901 says for a JSON pointer inside a URI fragment (percent-encoding first, then
//! `~1` → `/` and `~0` → `~`), chains of references followed to their end, a chain that
//! comes back to where it passed an error at the `$ref` that closes the circle. `allOf`
//! parts are flattened here too (nested `allOf`s and references included), with the same
//! rule for a part that contains itself.

use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{
    Components, OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema, SchemaKind,
};

use crate::error::{Error, ErrorKind, Pointer, Reporter, Result};
use crate::limits::{MAX_SCHEMA_NESTING, MAX_TEXT_BYTES, MAX_VALUES};
use crate::swagger2::Origin;

/// The component name a `#/components/<section>/<name>` reference names, decoded; `None`
/// for any other reference.
pub(crate) fn component_name(reference: &str, section: &str) -> Option<String> {
    let escaped = reference.strip_prefix(&format!("#/components/{section}/"))?;
    if escaped.is_empty() || escaped.contains('/') {
        return None;
    }
    decode(escaped)
}

/// One segment of a JSON pointer in a URI fragment: percent-decoded, then `~1` → `/` and
/// `~0` → `~` (in that order, as RFC 6901 says).
fn decode(escaped: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(escaped)
        .decode_utf8()
        .ok()?;
    Some(decoded.replace("~1", "/").replace("~0", "~"))
}

/// A document's references, resolved, and the one expansion budget.
///
/// Lowering and `diff` copy what references name instead of naming it: an `allOf` part's
/// properties are merged into every schema that lists it (and so on through the parts it
/// merges), and shared parameters, request bodies and responses are lowered again for
/// every operation. A small document can thus ask for an enormous amount of work (one
/// schema of 10,000 properties merged into 50,000 others is 500 million fields from a
/// 4 MB document). Whatever reads the document spends from this budget as it goes, with
/// the parser's limits ([`MAX_VALUES`], [`MAX_TEXT_BYTES`]): the work stays linear in them.
pub(crate) struct Resolver<'a> {
    pub(crate) spec: &'a OpenAPI,
    report: Reporter,
    /// Values and bytes of text spent so far.
    spent: Cell<(usize, usize)>,
    /// Where schemas that lowering composed (a property two `allOf` parts define, as the
    /// `allOf` of both) are defined: errors inside them point there.
    composed: RefCell<Origin>,
}

impl<'a> Resolver<'a> {
    /// `document` names the document in errors.
    pub(crate) fn new(document: &str, spec: &'a OpenAPI) -> Self {
        Self {
            spec,
            report: Reporter::new(document),
            spent: Cell::new((0, 0)),
            composed: RefCell::new(Origin::default()),
        }
    }

    /// Spends `values` values and `bytes` bytes of text on what is read at `at`; fails
    /// there once the budget is spent.
    pub(crate) fn spend(&self, values: usize, bytes: usize, at: &Pointer) -> Result<()> {
        let (spent_values, spent_bytes) = self.spent.get();
        let spent = (
            spent_values.saturating_add(values),
            spent_bytes.saturating_add(bytes),
        );
        self.spent.set(spent);
        let what = if spent.0 > MAX_VALUES {
            format!("{MAX_VALUES} values")
        } else if spent.1 > MAX_TEXT_BYTES {
            format!("{MAX_TEXT_BYTES} bytes of text")
        } else {
            return Ok(());
        };
        Err(self.error(
            ErrorKind::Limit,
            at,
            format!("with the references it copies (allOf parts merged, shared parameters, request bodies and responses lowered for every operation), the document amounts to more than {what} here"),
        ))
    }

    pub(crate) fn error(&self, kind: ErrorKind, at: &Pointer, message: impl Into<String>) -> Error {
        self.composed
            .borrow()
            .locate(self.report.error(kind, at, message))
    }

    /// Records that what lowering reads at `at` (in a schema it composed) is defined at
    /// `definition`.
    pub(crate) fn relocate(&self, at: &Pointer, definition: &Pointer) {
        self.composed.borrow_mut().moved(at, definition);
    }

    /// The component name `reference` (found at `at`) names in `section`, decoded.
    pub(crate) fn name(&self, reference: &str, section: &str, at: &Pointer) -> Result<String> {
        let prefix = format!("#/components/{section}/");
        let bad = |message: String| self.error(ErrorKind::BadReference, &at.join("$ref"), message);
        let Some(escaped) = reference.strip_prefix(&prefix) else {
            return Err(bad(if reference.starts_with('#') {
                format!("$ref {reference:?} must point to #/components/{section}/<name> here")
            } else {
                format!(
                    "$ref {reference:?} points outside this document; only local references (#/components/{section}/...) are supported"
                )
            }));
        };
        if escaped.is_empty() || escaped.contains('/') {
            return Err(bad(format!(
                "$ref {reference:?} must point to #/components/{section}/<name> here"
            )));
        }
        decode(escaped).ok_or_else(|| {
            bad(format!(
                "$ref {reference:?} is not UTF-8 once percent-decoded"
            ))
        })
    }

    /// Follows `item` (found at `at`) through `#/components/<section>/` to its definition
    /// and returns it with the pointer of the definition.
    pub(crate) fn follow<T>(
        &self,
        item: &'a ReferenceOr<T>,
        section: &str,
        table: fn(&'a Components) -> &'a IndexMap<String, ReferenceOr<T>>,
        at: &Pointer,
    ) -> Result<(&'a T, Pointer)> {
        let mut current = item;
        let mut here = at.clone();
        let mut passed = BTreeSet::new();
        loop {
            let reference = match current {
                ReferenceOr::Item(item) => return Ok((item, here)),
                ReferenceOr::Reference { reference } => reference,
            };
            let name = self.name(reference, section, &here)?;
            current = self
                .spec
                .components
                .as_ref()
                .and_then(|c| table(c).get(&name))
                .ok_or_else(|| self.dangling(reference, &here))?;
            if !passed.insert(name.clone()) {
                return Err(self.error(
                    ErrorKind::BadReference,
                    &here.join("$ref"),
                    format!("$ref {reference:?} closes a circle of references that never reaches a definition"),
                ));
            }
            here = Pointer::root().join("components").join(section).join(&name);
        }
    }

    pub(crate) fn dangling(&self, reference: &str, at: &Pointer) -> Error {
        self.error(
            ErrorKind::BadReference,
            &at.join("$ref"),
            format!("$ref {reference:?} points to nothing in this document"),
        )
    }

    /// A schema (inline, or by reference) and the pointer of its definition.
    pub(crate) fn schema<S: Borrow<Schema>>(
        &self,
        schema: &'a ReferenceOr<S>,
        at: &Pointer,
    ) -> Result<(&'a Schema, Pointer)> {
        match schema {
            ReferenceOr::Item(item) => Ok((item.borrow(), at.clone())),
            ReferenceOr::Reference { reference } => {
                let name = self.name(reference, "schemas", at)?;
                let first = self
                    .spec
                    .components
                    .as_ref()
                    .and_then(|c| c.schemas.get(&name))
                    .ok_or_else(|| self.dangling(reference, at))?;
                let first_at = Pointer::root()
                    .join("components")
                    .join("schemas")
                    .join(&name);
                self.follow(first, "schemas", |c| &c.schemas, &first_at)
            }
        }
    }

    /// The component schema `reference` names, followed to its definition; `None` for
    /// anything that does not resolve (callers that need the error use [`Self::schema`]).
    pub(crate) fn component_schema(&self, reference: &str) -> Option<&'a Schema> {
        let name = self.name(reference, "schemas", &Pointer::root()).ok()?;
        let first = self.spec.components.as_ref()?.schemas.get(&name)?;
        let at = Pointer::root()
            .join("components")
            .join("schemas")
            .join(&name);
        self.follow(first, "schemas", |c| &c.schemas, &at)
            .ok()
            .map(|(s, _)| s)
    }

    pub(crate) fn parameter(
        &self,
        param: &'a ReferenceOr<Parameter>,
        at: &Pointer,
    ) -> Result<(&'a Parameter, Pointer)> {
        self.follow(param, "parameters", |c| &c.parameters, at)
    }

    pub(crate) fn request_body(
        &self,
        body: &'a ReferenceOr<RequestBody>,
        at: &Pointer,
    ) -> Result<(&'a RequestBody, Pointer)> {
        self.follow(body, "requestBodies", |c| &c.request_bodies, at)
    }

    pub(crate) fn response(
        &self,
        response: &'a ReferenceOr<Response>,
        at: &Pointer,
    ) -> Result<(&'a Response, Pointer)> {
        self.follow(response, "responses", |c| &c.responses, at)
    }

    /// The parts of an `allOf` (found at `at`, the pointer of the `allOf` array), in order,
    /// with nested `allOf`s flattened into them and references followed: each part with the
    /// pointer of its definition. A part may appear twice side by side (a diamond), never
    /// inside itself.
    pub(crate) fn all_of_parts(
        &self,
        parts: &'a [ReferenceOr<Schema>],
        at: &Pointer,
    ) -> Result<Vec<(&'a Schema, Pointer)>> {
        let mut out = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            // The budget is charged to the part of this `allOf` that copies, however deep
            // in its own parts the copying happens.
            let top = at.join(index);
            self.flatten_part(part, top.clone(), &top, &mut Vec::new(), &mut out)?;
        }
        Ok(out)
    }

    fn flatten(
        &self,
        parts: &'a [ReferenceOr<Schema>],
        at: &Pointer,
        top: &Pointer,
        entered: &mut Vec<Pointer>,
        out: &mut Vec<(&'a Schema, Pointer)>,
    ) -> Result<()> {
        for (index, part) in parts.iter().enumerate() {
            self.flatten_part(part, at.join(index), top, entered, out)?;
        }
        Ok(())
    }

    /// One part found at `pat`: nested `allOf`s flattened, anything else kept.
    fn flatten_part(
        &self,
        part: &'a ReferenceOr<Schema>,
        pat: Pointer,
        top: &Pointer,
        entered: &mut Vec<Pointer>,
        out: &mut Vec<(&'a Schema, Pointer)>,
    ) -> Result<()> {
        let (schema, defined_at) = self.schema(part, &pat)?;
        if entered.contains(&defined_at) {
            return Err(self.error(
                ErrorKind::BadReference,
                &pat.join("$ref"),
                format!("allOf refers back to \"#{defined_at}\": the schema contains itself"),
            ));
        }
        match &schema.schema_kind {
            SchemaKind::AllOf { all_of } if entered.len() >= MAX_SCHEMA_NESTING => {
                return Err(self.error(
                        ErrorKind::Limit,
                        &pat,
                        format!("allOf parts merge other allOf parts more than {MAX_SCHEMA_NESTING} levels deep here"),
                    ));
            }
            SchemaKind::AllOf { all_of } => {
                entered.push(defined_at.clone());
                self.flatten(all_of, &defined_at.join("allOf"), top, entered, out)?;
                entered.pop();
            }
            _ => {
                let copied = match &schema.schema_kind {
                    SchemaKind::Type(openapiv3::Type::Object(o)) => o.properties.len(),
                    SchemaKind::Any(a) => a.properties.len(),
                    _ => 0,
                };
                self.spend(1 + copied, 0, top)?;
                out.push((schema, defined_at));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read without `load`, which refuses the circles these tests resolve.
    fn resolver(yaml: &str) -> OpenAPI {
        serde_yaml::from_str(yaml).unwrap()
    }

    const HEAD: &str =
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n";

    #[test]
    fn names_are_decoded_as_json_pointers_in_uri_fragments() {
        let spec = resolver(&format!(
            "{HEAD}    'a/b~c d': {{type: string}}\n    R: {{$ref: '#/components/schemas/a~1b~0c%20d'}}\n"
        ));
        let r = Resolver::new("t.yaml", &spec);
        let (schema, at) = r
            .schema(
                &spec.components.as_ref().unwrap().schemas["R"],
                &Pointer::root(),
            )
            .unwrap();
        assert!(matches!(
            schema.schema_kind,
            SchemaKind::Type(openapiv3::Type::String(_))
        ));
        assert_eq!(at.as_str(), "/components/schemas/a~1b~0c d");
        assert_eq!(
            component_name("#/components/schemas/x~1y", "schemas").as_deref(),
            Some("x/y")
        );
        assert_eq!(component_name("#/definitions/x", "schemas"), None);
    }

    #[test]
    fn long_chains_resolve_and_circles_are_errors() {
        let mut yaml = HEAD.to_owned();
        for i in 0..40 {
            yaml.push_str(&format!(
                "    S{i}: {{$ref: '#/components/schemas/S{}'}}\n",
                i + 1
            ));
        }
        yaml.push_str("    S40: {type: integer}\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n");
        let spec = resolver(&yaml);
        let r = Resolver::new("t.yaml", &spec);
        let schemas = &spec.components.as_ref().unwrap().schemas;
        let (_, at) = r.schema(&schemas["S0"], &Pointer::root()).unwrap();
        assert_eq!(
            at.as_str(),
            "/components/schemas/S40",
            "a 40-hop chain is no cycle"
        );
        let err = r.schema(&schemas["A"], &Pointer::root()).unwrap_err();
        assert!(err.message.contains("circle"), "{err}");
    }

    #[test]
    fn all_of_parts_are_flattened_and_may_not_contain_themselves() {
        let spec = resolver(&format!(
            "{HEAD}    A: {{type: object, properties: {{a: {{type: string}}}}}}\n    B: {{allOf: [{{$ref: '#/components/schemas/A'}}, {{type: object}}]}}\n    C: {{allOf: [{{$ref: '#/components/schemas/B'}}, {{$ref: '#/components/schemas/A'}}]}}\n    L: {{allOf: [{{$ref: '#/components/schemas/L'}}, {{type: object}}]}}\n"
        ));
        let r = Resolver::new("t.yaml", &spec);
        let schemas = &spec.components.as_ref().unwrap().schemas;
        let parts = |name: &str| match &schemas[name] {
            ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::AllOf { all_of },
                ..
            }) => all_of,
            _ => unreachable!(),
        };
        let at = Pointer::root()
            .join("components")
            .join("schemas")
            .join("C")
            .join("allOf");
        let flat: Vec<String> = r
            .all_of_parts(parts("C"), &at)
            .unwrap()
            .into_iter()
            .map(|(_, p)| p.as_str().to_owned())
            .collect();
        assert_eq!(
            flat,
            [
                "/components/schemas/A",
                "/components/schemas/B/allOf/1",
                "/components/schemas/A"
            ]
        );
        let at = Pointer::root()
            .join("components")
            .join("schemas")
            .join("L")
            .join("allOf");
        let err = r.all_of_parts(parts("L"), &at).unwrap_err();
        assert!(err.message.contains("contains itself"), "{err}");
    }
}
