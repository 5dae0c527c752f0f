//! One schema flattened into a [`View`]: its type (with format), nullability, enum, default,
//! properties (with `allOf` parts merged), items, map values and variants, each with the JSON
//! pointer where it is written. The comparison in `schema.rs` only ever looks at views.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{AdditionalProperties, AnySchema, ReferenceOr, Schema, SchemaKind, Type};
use serde::Serialize;
use serde_json::Value;

use super::resolve::{Doc, SchemaRef};
use crate::Result;
use crate::error::{ErrorKind, Pointer};
use crate::limits::MAX_SCHEMA_NESTING;

/// How deep a short type description (`array of array of string`) looks.
const MAX_DESCRIBE_DEPTH: usize = 4;

/// What `additionalProperties` says.
pub(super) enum Additional<'a> {
    /// Not written: unlisted properties are allowed.
    Unspecified,
    /// `true` or `false`, at this pointer.
    Any(bool, Pointer),
    /// A schema for the values.
    Schema(SchemaRef<'a>, Pointer),
}

impl Additional<'_> {
    pub(super) fn allowed(&self) -> bool {
        !matches!(self, Additional::Any(false, _))
    }

    fn typed(&self) -> bool {
        matches!(self, Additional::Schema(..))
    }
}

/// One schema flattened: what the comparison looks at.
pub(super) struct View<'a> {
    pub(super) at: Pointer,
    /// `string`, `string(date-time)`, `integer(int32)`, `object`, `array`, `oneOf`, `any`, …
    pub(super) ty: String,
    pub(super) nullable: bool,
    /// The values as JSON text, and where the `enum` is.
    pub(super) enumeration: Option<(Vec<String>, Pointer)>,
    /// The default value and where it is.
    pub(super) default: Option<(&'a Value, Pointer)>,
    pub(super) properties: BTreeMap<&'a str, (SchemaRef<'a>, Pointer)>,
    pub(super) required: BTreeSet<&'a str>,
    pub(super) items: Option<(SchemaRef<'a>, Pointer)>,
    pub(super) additional: Additional<'a>,
    pub(super) variants: Vec<(SchemaRef<'a>, Pointer)>,
    /// Where the merged `allOf` parts are defined.
    pub(super) parts: Vec<Pointer>,
}

impl<'a> View<'a> {
    fn empty(at: &Pointer, schema: &'a Schema) -> Self {
        Self {
            at: at.clone(),
            ty: "any".to_owned(),
            nullable: schema.schema_data.nullable,
            enumeration: None,
            default: schema
                .schema_data
                .default
                .as_ref()
                .map(|d| (d, at.join("default"))),
            properties: BTreeMap::new(),
            required: BTreeSet::new(),
            items: None,
            additional: Additional::Unspecified,
            variants: Vec::new(),
            parts: Vec::new(),
        }
    }
}

/// Flattens `schema` (found at `at`); `stack` holds the `allOf` parts being merged, so a part
/// that contains itself is skipped instead of recursing forever.
pub(super) fn view<'a>(
    doc: &Doc<'a>,
    schema: &'a Schema,
    at: &Pointer,
    stack: &mut Vec<Pointer>,
) -> Result<View<'a>> {
    let mut view = View::empty(at, schema);
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            view.ty = with_format("string", &s.format);
            view.enumeration = enumeration(&s.enumeration, at);
        }
        SchemaKind::Type(Type::Number(n)) => {
            view.ty = with_format("number", &n.format);
            view.enumeration = enumeration(&n.enumeration, at);
        }
        SchemaKind::Type(Type::Integer(i)) => {
            view.ty = with_format("integer", &i.format);
            view.enumeration = enumeration(&i.enumeration, at);
        }
        SchemaKind::Type(Type::Boolean(b)) => {
            view.ty = "boolean".to_owned();
            view.enumeration = enumeration(&b.enumeration, at);
        }
        SchemaKind::Type(Type::Object(o)) => {
            view.ty = "object".to_owned();
            view.properties = properties(&o.properties, at);
            view.required = o.required.iter().map(String::as_str).collect();
            view.additional = additional(o.additional_properties.as_ref(), at);
        }
        SchemaKind::Type(Type::Array(a)) => {
            view.ty = "array".to_owned();
            view.items = a
                .items
                .as_ref()
                .map(|i| (SchemaRef::Boxed(i), at.join("items")));
        }
        SchemaKind::OneOf { one_of } => {
            view.ty = "oneOf".to_owned();
            view.variants = variants(one_of, &at.join("oneOf"));
        }
        SchemaKind::AnyOf { any_of } => {
            view.ty = "anyOf".to_owned();
            view.variants = variants(any_of, &at.join("anyOf"));
        }
        SchemaKind::Not { .. } => view.ty = "not".to_owned(),
        SchemaKind::AllOf { all_of } => merge(doc, &mut view, all_of, at, stack)?,
        SchemaKind::Any(any) => view_any(doc, &mut view, any, at, stack)?,
    }
    Ok(view)
}

/// `openapiv3` keeps schemas that mix keywords (`type: object` with `allOf`, properties
/// without `type`) as `AnySchema`; read what is there.
fn view_any<'a>(
    doc: &Doc<'a>,
    view: &mut View<'a>,
    any: &'a AnySchema,
    at: &Pointer,
    stack: &mut Vec<Pointer>,
) -> Result<()> {
    view.properties = properties(&any.properties, at);
    view.required = any.required.iter().map(String::as_str).collect();
    view.additional = additional(any.additional_properties.as_ref(), at);
    view.items = any
        .items
        .as_ref()
        .map(|i| (SchemaRef::Boxed(i), at.join("items")));
    view.enumeration = enumeration(&any.enumeration, at);
    let shaped = if !view.properties.is_empty() || view.additional.typed() {
        "object"
    } else if view.items.is_some() {
        "array"
    } else {
        "any"
    };
    let ty = any.typ.as_deref().unwrap_or(shaped);
    view.ty = typed(ty, any.format.as_deref());
    if !any.one_of.is_empty() {
        view.ty = "oneOf".to_owned();
        view.variants = variants(&any.one_of, &at.join("oneOf"));
    } else if !any.any_of.is_empty() {
        view.ty = "anyOf".to_owned();
        view.variants = variants(&any.any_of, &at.join("anyOf"));
    }
    if !any.all_of.is_empty() {
        merge(doc, view, &any.all_of, at, stack)?;
    }
    Ok(())
}

/// Merges every `allOf` part into `view`: the first part that says something about the type,
/// enum, items or default wins; properties and `required` are united. The result is null only
/// if every part allows null (or the outer schema says so).
fn merge<'a>(
    doc: &Doc<'a>,
    merged: &mut View<'a>,
    parts: &'a [ReferenceOr<Schema>],
    at: &Pointer,
    stack: &mut Vec<Pointer>,
) -> Result<()> {
    let mut all_nullable = !parts.is_empty();
    for (index, part) in parts.iter().enumerate() {
        let (schema, part_at) =
            doc.schema(SchemaRef::Plain(part), &at.join("allOf").join(index))?;
        doc.spend(1, &part_at)?;
        // As the generator's resolver does (`resolve::Resolver::all_of_parts`), so that
        // `diff` refuses exactly what `generate` refuses.
        if stack.contains(&part_at) {
            return Err(doc.error(
                ErrorKind::BadReference,
                &at.join("allOf").join(index).join("$ref"),
                format!("allOf refers back to \"#{part_at}\": the schema contains itself"),
            ));
        }
        if stack.len() > MAX_SCHEMA_NESTING {
            return Err(doc.error(
                ErrorKind::Limit,
                &at.join("allOf").join(index),
                format!("allOf parts merge other allOf parts more than {MAX_SCHEMA_NESTING} levels deep here"),
            ));
        }
        stack.push(part_at.clone());
        let part = view(doc, schema, &part_at, stack);
        stack.pop();
        let part = part?;
        doc.spend(part.properties.len(), &part_at)?;
        all_nullable &= part.nullable;
        if merged.ty == "any" {
            merged.ty = part.ty;
        }
        if merged.enumeration.is_none() {
            merged.enumeration = part.enumeration;
        }
        if merged.default.is_none() {
            merged.default = part.default;
        }
        if merged.items.is_none() {
            merged.items = part.items;
        }
        if matches!(merged.additional, Additional::Unspecified) {
            merged.additional = part.additional;
        }
        for (name, property) in part.properties {
            merged.properties.entry(name).or_insert(property);
        }
        merged.required.extend(part.required);
        if merged.variants.is_empty() {
            merged.variants = part.variants;
        }
        merged.parts.push(part_at);
        merged.parts.extend(part.parts);
    }
    merged.nullable |= all_nullable;
    Ok(())
}

fn properties<'a>(
    properties: &'a indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
    at: &Pointer,
) -> BTreeMap<&'a str, (SchemaRef<'a>, Pointer)> {
    properties
        .iter()
        .map(|(name, schema)| {
            let pointer = at.join("properties").join(name);
            (name.as_str(), (SchemaRef::Boxed(schema), pointer))
        })
        .collect()
}

fn additional<'a>(additional: Option<&'a AdditionalProperties>, at: &Pointer) -> Additional<'a> {
    let at = at.join("additionalProperties");
    match additional {
        None => Additional::Unspecified,
        Some(AdditionalProperties::Any(allowed)) => Additional::Any(*allowed, at),
        Some(AdditionalProperties::Schema(schema)) => {
            Additional::Schema(SchemaRef::Plain(schema.as_ref()), at)
        }
    }
}

fn variants<'a>(parts: &'a [ReferenceOr<Schema>], at: &Pointer) -> Vec<(SchemaRef<'a>, Pointer)> {
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| (SchemaRef::Plain(part), at.join(index)))
        .collect()
}

/// `openapiv3` keeps known formats as enums and unknown ones as strings; serializing gives
/// the text as written either way (and `null` for no format).
fn with_format(ty: &str, format: &impl Serialize) -> String {
    match serde_json::to_value(format) {
        Ok(Value::String(format)) => typed(ty, Some(&format)),
        _ => typed(ty, None),
    }
}

/// `type(format)`, except where the format does not change the generated type: an
/// `integer` is an `i64` with `int64`, with no format, or with one the generator does not
/// know, so all are `integer`; only `int32` and `uint64` make another type. Likewise a
/// `number` is an `f64` unless its format is `float`. (Mirrors `lower::schema`.)
fn typed(ty: &str, format: Option<&str>) -> String {
    let format = format.filter(|f| !f.is_empty());
    let meaningful = match ty {
        "integer" => format.filter(|f| matches!(*f, "int32" | "uint64")),
        "number" => format.filter(|f| *f == "float"),
        _ => format,
    };
    match meaningful {
        Some(format) => format!("{ty}({format})"),
        None => ty.to_owned(),
    }
}

/// The enum values as JSON text (`"a"`, `1`, `null`), in document order.
fn enumeration<T: Serialize>(values: &[T], at: &Pointer) -> Option<(Vec<String>, Pointer)> {
    if values.is_empty() {
        return None;
    }
    let text = values
        .iter()
        .map(|v| serde_json::to_string(v).unwrap_or_else(|_| "?".to_owned()))
        .collect();
    Some((text, at.join("enum")))
}

/// A few words for a schema: its component name, `array of Campaign`, `string(date-time)`,
/// `nullable string`.
pub(super) fn describe<'a>(doc: &Doc<'a>, schema: SchemaRef<'a>, at: &Pointer) -> Result<String> {
    describe_at_depth(doc, schema, at, 0)
}

fn describe_at_depth<'a>(
    doc: &Doc<'a>,
    schema: SchemaRef<'a>,
    at: &Pointer,
    depth: usize,
) -> Result<String> {
    if let Some(name) = schema.component_name() {
        // Resolve anyway, so a dangling reference is reported here too.
        doc.schema(schema, at)?;
        return Ok(name);
    }
    let (resolved, resolved_at) = doc.schema(schema, at)?;
    let view = view(doc, resolved, &resolved_at, &mut vec![resolved_at.clone()])?;
    let mut text = match &view.items {
        Some((items, items_at)) if view.ty == "array" && depth < MAX_DESCRIBE_DEPTH => {
            format!(
                "array of {}",
                describe_at_depth(doc, *items, items_at, depth + 1)?
            )
        }
        _ => view.ty.clone(),
    };
    if view.nullable {
        text.insert_str(0, "nullable ");
    }
    Ok(text)
}
