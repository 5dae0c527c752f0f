//! Comparing two schemas: both sides are flattened into views (`view.rs`), the views are
//! compared, and the walk recurses into properties, items, map values and variants.
//!
//! Recursion is bounded twice: a schema pair already compared under the current root (a
//! parameter or one body) is not compared again, which ends every `$ref` cycle; and nesting
//! deeper than [`MAX_DEPTH`] is an error rather than a stack overflow.

use std::collections::BTreeSet;

use serde_json::Value;

use super::resolve::SchemaRef;
use super::rules::{self, Direction};
use super::view::{Additional, View, describe, view};
use super::walk::Differ;
use super::{ChangeKind, Side};
use crate::Result;
use crate::error::{ErrorKind, Pointer};

/// Deeper than any real document; only reached by pathological input.
const MAX_DEPTH: usize = crate::limits::MAX_DIFF_DEPTH;
/// The cursor field whose arrival in an existing response is "adding pagination".
pub(super) const NEXT_TOKEN: &str = "next_token";

/// A schema as written somewhere in a document, and where.
#[derive(Clone, Copy)]
pub(super) struct Sub<'a, 'p> {
    pub(super) schema: SchemaRef<'a>,
    pub(super) at: &'p Pointer,
}

/// The label and rules that apply where a schema is compared.
#[derive(Debug, Clone)]
pub(super) struct Ctx {
    direction: Direction,
    /// `GET /campaigns › response 200`.
    prefix: String,
    /// The field path below the prefix: `data[].name`; empty at the root.
    path: String,
    /// At the root of a 2xx response body of an existing operation: a new `next_token` here
    /// is pagination.
    pagination_root: bool,
    depth: usize,
}

impl Ctx {
    pub(super) fn root(direction: Direction, prefix: String, pagination_root: bool) -> Self {
        Self {
            direction,
            prefix,
            path: String::new(),
            pagination_root,
            depth: 0,
        }
    }

    pub(super) fn label(&self) -> String {
        if self.path.is_empty() {
            self.prefix.clone()
        } else {
            format!("{} › {}", self.prefix, self.path)
        }
    }

    fn child(&self, path: String) -> Self {
        Self {
            direction: self.direction,
            prefix: self.prefix.clone(),
            path,
            pagination_root: false,
            depth: self.depth + 1,
        }
    }

    fn field(&self, name: &str) -> Self {
        if self.path.is_empty() {
            self.child(name.to_owned())
        } else {
            self.child(format!("{}.{name}", self.path))
        }
    }

    fn items(&self) -> Self {
        self.child(format!("{}[]", self.path))
    }

    fn values(&self) -> Self {
        self.child(format!("{}{{}}", self.path))
    }

    fn variant(&self, ty: &str, index: usize) -> Self {
        self.child(format!("{}({ty} #{})", self.path, index + 1))
    }
}

fn json_or_none(value: Option<&(&Value, Pointer)>) -> String {
    value.map_or_else(|| "none".to_owned(), |(v, _)| v.to_string())
}

impl<'a> Differ<'a> {
    /// Compares two schemas at `ctx` and everything below them.
    pub(super) fn compare_schema(
        &mut self,
        old: Sub<'a, '_>,
        new: Sub<'a, '_>,
        ctx: &Ctx,
    ) -> Result<()> {
        let (old_schema, old_at) = self.old.schema(old.schema, old.at)?;
        let (new_schema, new_at) = self.new.schema(new.schema, new.at)?;
        let key = (old_at.as_str().to_owned(), new_at.as_str().to_owned());
        self.compared.insert(key.clone());
        if !self.seen.insert(key) {
            return Ok(());
        }
        if ctx.depth > MAX_DEPTH {
            return Err(self.new.error(
                ErrorKind::Unsupported,
                &new_at,
                format!(
                    "schemas nest deeper than {MAX_DEPTH} levels at {}",
                    ctx.label()
                ),
            ));
        }
        let old_view = view(&self.old, old_schema, &old_at, &mut vec![old_at.clone()])?;
        let new_view = view(&self.new, new_schema, &new_at, &mut vec![new_at.clone()])?;
        // A component merged into both sides through `allOf` has been compared as part of
        // this schema; the pass over unused components must not take it for unused.
        for part in old_view.parts.iter().filter(|p| new_view.parts.contains(p)) {
            let part = part.as_str().to_owned();
            self.compared.insert((part.clone(), part));
        }
        self.compare_views(&old_view, &new_view, ctx)
    }

    fn compare_views(&mut self, old: &View<'a>, new: &View<'a>, ctx: &Ctx) -> Result<()> {
        let label = ctx.label();
        if old.ty != new.ty {
            let description = format!("type changed from {} to {}", old.ty, new.ty);
            self.push(
                rules::type_changed(),
                ChangeKind::TypeChanged,
                Side::New,
                &new.at,
                label,
                description,
            );
            // Below a different type, field-by-field differences are noise.
            return Ok(());
        }
        if old.nullable != new.nullable {
            let description = if new.nullable {
                "now nullable"
            } else {
                "no longer nullable"
            };
            self.push(
                rules::nullable_changed(ctx.direction, new.nullable),
                ChangeKind::NullableChanged,
                Side::New,
                &new.at,
                label.clone(),
                description.to_owned(),
            );
        }
        self.compare_enums(old, new, ctx);
        if old.default.as_ref().map(|(v, _)| v) != new.default.as_ref().map(|(v, _)| v) {
            let description = format!(
                "default changed from {} to {}",
                json_or_none(old.default.as_ref()),
                json_or_none(new.default.as_ref())
            );
            let at = new.default.as_ref().map_or(&new.at, |(_, at)| at);
            self.push(
                rules::default_changed(),
                ChangeKind::DefaultChanged,
                Side::New,
                at,
                label,
                description,
            );
        }
        self.compare_properties(old, new, ctx)?;
        self.compare_additional(old, new, ctx)?;
        if let (Some((old_items, old_at)), Some((new_items, new_at))) = (&old.items, &new.items) {
            let (old_sub, new_sub) = (
                Sub {
                    schema: *old_items,
                    at: old_at,
                },
                Sub {
                    schema: *new_items,
                    at: new_at,
                },
            );
            self.compare_schema(old_sub, new_sub, &ctx.items())?;
        }
        self.compare_variants(old, new, ctx)
    }

    fn compare_enums(&mut self, old: &View<'a>, new: &View<'a>, ctx: &Ctx) {
        let label = ctx.label();
        match (&old.enumeration, &new.enumeration) {
            (Some((old_values, _)), Some((new_values, at))) => {
                for value in old_values.iter().filter(|v| !new_values.contains(v)) {
                    self.push(
                        rules::removed(),
                        ChangeKind::EnumValueRemoved,
                        Side::New,
                        at,
                        label.clone(),
                        format!("enum value {value} removed"),
                    );
                }
                for value in new_values.iter().filter(|v| !old_values.contains(v)) {
                    self.push(
                        rules::added(),
                        ChangeKind::EnumValueAdded,
                        Side::New,
                        at,
                        label.clone(),
                        format!("enum value {value} added"),
                    );
                }
            }
            (None, Some((values, at))) => self.push(
                rules::restricted(ctx.direction),
                ChangeKind::EnumRestrictionChanged,
                Side::New,
                at,
                label,
                format!("values are now restricted to {}", values.join(", ")),
            ),
            (Some((values, _)), None) => self.push(
                rules::relaxed(ctx.direction),
                ChangeKind::EnumRestrictionChanged,
                Side::New,
                &new.at,
                label,
                format!("values are no longer restricted to {}", values.join(", ")),
            ),
            (None, None) => {}
        }
    }

    fn compare_properties(&mut self, old: &View<'a>, new: &View<'a>, ctx: &Ctx) -> Result<()> {
        let names: BTreeSet<&str> = old
            .properties
            .keys()
            .chain(new.properties.keys())
            .copied()
            .collect();
        for name in names {
            let field = ctx.field(name);
            let (was_required, now_required) =
                (old.required.contains(name), new.required.contains(name));
            let required = |yes: bool| if yes { "required" } else { "optional" };
            match (old.properties.get(name), new.properties.get(name)) {
                (Some((schema, at)), None) => {
                    let was = describe(&self.old, *schema, at)?;
                    self.push(
                        rules::removed(),
                        ChangeKind::FieldRemoved,
                        Side::Old,
                        at,
                        field.label(),
                        format!("field removed (was {}, {was})", required(was_required)),
                    );
                }
                (None, Some((_, at)))
                    if ctx.pagination_root
                        && ctx.direction == Direction::Response
                        && name == NEXT_TOKEN =>
                {
                    self.push(
                        rules::pagination_added(),
                        ChangeKind::PaginationAdded,
                        Side::New,
                        at,
                        field.label(),
                        format!("pagination added: response field {NEXT_TOKEN}"),
                    );
                }
                (None, Some((schema, at))) => {
                    let now = describe(&self.new, *schema, at)?;
                    self.push(
                        rules::field_added(ctx.direction, now_required),
                        ChangeKind::FieldAdded,
                        Side::New,
                        at,
                        field.label(),
                        format!("field added ({}, {now})", required(now_required)),
                    );
                }
                (Some((old_schema, old_at)), Some((new_schema, new_at))) => {
                    if was_required != now_required {
                        self.push(
                            rules::required_changed(ctx.direction, now_required),
                            ChangeKind::FieldRequiredChanged,
                            Side::New,
                            new_at,
                            field.label(),
                            format!("field is now {}", required(now_required)),
                        );
                    }
                    let old_sub = Sub {
                        schema: *old_schema,
                        at: old_at,
                    };
                    let new_sub = Sub {
                        schema: *new_schema,
                        at: new_at,
                    };
                    self.compare_schema(old_sub, new_sub, &field)?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    fn compare_additional(&mut self, old: &View<'a>, new: &View<'a>, ctx: &Ctx) -> Result<()> {
        let label = ctx.label();
        match (&old.additional, &new.additional) {
            (Additional::Schema(old_schema, old_at), Additional::Schema(new_schema, new_at)) => {
                let old_sub = Sub {
                    schema: *old_schema,
                    at: old_at,
                };
                let new_sub = Sub {
                    schema: *new_schema,
                    at: new_at,
                };
                self.compare_schema(old_sub, new_sub, &ctx.values())?;
            }
            (o, n) if o.allowed() && !n.allowed() => {
                let at = match n {
                    Additional::Any(_, at) => at,
                    _ => &new.at,
                };
                self.push(
                    rules::restricted(ctx.direction),
                    ChangeKind::AdditionalPropertiesChanged,
                    Side::New,
                    at,
                    label,
                    "unlisted properties are no longer allowed".to_owned(),
                );
            }
            (o, n) if !o.allowed() && n.allowed() => {
                let at = match n {
                    Additional::Any(_, at) | Additional::Schema(_, at) => at,
                    Additional::Unspecified => &new.at,
                };
                self.push(
                    rules::additional_properties_allowed(),
                    ChangeKind::AdditionalPropertiesChanged,
                    Side::New,
                    at,
                    label,
                    "unlisted properties are now allowed".to_owned(),
                );
            }
            (_, Additional::Schema(schema, at)) => {
                let now = describe(&self.new, *schema, at)?;
                self.push(
                    rules::restricted(ctx.direction),
                    ChangeKind::AdditionalPropertiesChanged,
                    Side::New,
                    at,
                    label,
                    format!("unlisted property values are now restricted to {now}"),
                );
            }
            (Additional::Schema(schema, at), _) => {
                let was = describe(&self.old, *schema, at)?;
                self.push(
                    rules::relaxed(ctx.direction),
                    ChangeKind::AdditionalPropertiesChanged,
                    Side::New,
                    &new.at,
                    label,
                    format!("unlisted property values are no longer restricted to {was}"),
                );
            }
            _ => {}
        }
        Ok(())
    }

    fn compare_variants(&mut self, old: &View<'a>, new: &View<'a>, ctx: &Ctx) -> Result<()> {
        if old.variants.len() != new.variants.len() {
            let description = format!(
                "{} changed from {} to {} variants",
                new.ty,
                old.variants.len(),
                new.variants.len()
            );
            self.push(
                rules::type_changed(),
                ChangeKind::TypeChanged,
                Side::New,
                &new.at,
                ctx.label(),
                description,
            );
            return Ok(());
        }
        for (index, ((old_schema, old_at), (new_schema, new_at))) in
            old.variants.iter().zip(&new.variants).enumerate()
        {
            let old_sub = Sub {
                schema: *old_schema,
                at: old_at,
            };
            let new_sub = Sub {
                schema: *new_schema,
                at: new_at,
            };
            self.compare_schema(old_sub, new_sub, &ctx.variant(&new.ty, index))?;
        }
        Ok(())
    }
}
