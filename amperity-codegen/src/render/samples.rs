//! Models → `impl Sample` (in the test kit): a value of every model, built from the
//! document's examples where they fit the schema.
//!
//! Each sample is decided here as JSON and emitted as a string the runtime decodes into
//! the model, so the generated code stays one line per model. A model's own `example` is
//! used when it fits its type; otherwise a struct is built field by field (every field,
//! optional ones included, each from its property's `example` when that fits), an enum
//! takes its first value, a union its first variant, an array one item. What has no
//! usable example gets a plain value of its type (a string field gets its own name). A
//! model met again inside itself ends the recursion: an empty array or map, an absent
//! optional field; a model that requires itself has no finite sample and no impl. Past
//! a budget of optional or nullable fields per sample, such fields are left out (absent,
//! or null), so that samples of widely nested models stay small.

use std::collections::BTreeSet;

use quote::quote;
use serde_json::{Map, Value};

use super::text::{FileText, Inside};
use super::types::ident;
use crate::error::Result;
use crate::ir::{Api, FieldPlace, ModelKind, TypeRef};

/// One `impl Sample` per model that is a type of its own (an alias is another type's
/// name, which may not even be this crate's) and has a finite value (a struct that
/// requires itself has none), appended to `file` one at a time, then `check_samples`.
pub fn sample_impls(api: &Api, file: &mut FileText) -> Result<()> {
    let samples: Vec<(&str, String)> = api
        .models
        .values()
        .filter(|model| !matches!(model.kind, ModelKind::Alias(_)))
        .filter_map(|model| {
            let json = model_sample(api, &model.name.rust, &mut Walk::new())?;
            Some((model.name.rust.as_str(), json.to_string()))
        })
        .collect();
    file.items_of(&samples, |(rust, json)| {
        let name = ident(rust);
        Some(quote! {
            impl crate::runtime::mock::Sample for super::models::#name {
                #[inline]
                fn sample() -> Self {
                    crate::runtime::mock::sample_from_json(#rust, #json)
                }
            }
        })
    })?;
    // One statement per model: printed a statement at a time like the items, as a
    // large document's function would be the largest single item of the crate.
    let check = quote! {
        /// Decodes the sample of every model, panicking with the name of one that does not
        /// decode: the generator's own check that its samples fit their types.
        #[inline]
        pub fn check_samples() {}
    };
    file.block_of(check, Inside::Fn, &samples, |(rust, _)| {
        let name = ident(rust);
        quote!(let _ = <super::models::#name as crate::runtime::mock::Sample>::sample();)
    })
}

/// The models being built around the current one (met again, they end the recursion),
/// and how many more optional or nullable fields the sample may fill in. Without that
/// budget, a document whose models nest widely without recursion (Stripe's: every object
/// expands into others, through optional and nullable fields) makes samples of
/// exponential size: tens of gigabytes before the corpus test could finish.
struct Walk {
    open: BTreeSet<String>,
    optional_left: usize,
}

/// Optional or nullable fields filled in per model sample; the rest are left out.
const MAX_OPTIONAL_FIELDS: usize = 256;

impl Walk {
    fn new() -> Walk {
        Walk {
            open: BTreeSet::new(),
            optional_left: MAX_OPTIONAL_FIELDS,
        }
    }
}

/// The sample of model `name`; `walk.open` holds the models being built around it. `None`
/// when it cannot be finite (it requires a model being built).
fn model_sample(api: &Api, name: &str, walk: &mut Walk) -> Option<Value> {
    let model = api.models.get(name)?;
    if walk.open.contains(name) {
        return None;
    }
    walk.open.insert(name.to_owned());
    let value = match &model.kind {
        ModelKind::Struct(fields) => match model
            .example
            .as_ref()
            .filter(|e| fits_struct(api, fields, e))
        {
            Some(example) => Some(example.clone()),
            None => struct_sample(api, fields, walk),
        },
        ModelKind::Enum(values) => {
            let listed = |v: &Value| values.iter().any(|n| Some(n.wire.as_str()) == v.as_str());
            match model.example.as_ref().filter(|e| listed(e)) {
                Some(example) => Some(example.clone()),
                None => Some(Value::String(
                    values.first().map(|v| v.wire.clone()).unwrap_or_default(),
                )),
            }
        }
        ModelKind::Alias(ty) | ModelKind::Newtype(ty) => {
            match model.example.as_ref().filter(|e| fits(api, ty, e, false)) {
                Some(example) => Some(example.clone()),
                None => sample(api, ty, &model.name.rust, walk),
            }
        }
        ModelKind::Union(union) => union.variants.iter().find_map(|variant| {
            let mut value = sample(api, &variant.ty, &variant.name.rust, walk)?;
            // With a discriminator, the variant is chosen by its tag.
            if let (Some(property), Some(tag), Value::Object(object)) =
                (&union.discriminator, variant.tags.first(), &mut value)
            {
                object.insert(property.clone(), Value::String(tag.clone()));
            }
            Some(value)
        }),
    };
    walk.open.remove(name);
    value
}

/// An object with every field that has a finite value; `None` when a required one has
/// none.
fn struct_sample(api: &Api, fields: &[crate::ir::Field], walk: &mut Walk) -> Option<Value> {
    let mut object = Map::new();
    for field in fields {
        if field.place == FieldPlace::Flattened {
            // The variant's properties sit beside the struct's own.
            let Value::Object(variant) = sample(api, &field.ty, &field.name.rust, walk)? else {
                return None;
            };
            for (key, value) in variant {
                object.entry(key).or_insert(value);
            }
            continue;
        }
        let example = field
            .example
            .as_ref()
            .filter(|e| fits(api, &field.ty, e, field.nullable));
        let may_be_left = field.optional() || field.nullable;
        let value = match example {
            Some(example) => Some(example.clone()),
            // Past the budget, what may be left out is (absent, or null).
            None if may_be_left && walk.optional_left == 0 => None,
            None => {
                if may_be_left {
                    walk.optional_left -= 1;
                }
                sample(api, &field.ty, &field.name.wire, walk)
            }
        };
        match value {
            Some(value) => {
                object.insert(field.name.wire.clone(), value);
            }
            None if field.optional() => {}
            None if field.nullable => {
                object.insert(field.name.wire.clone(), Value::Null);
            }
            None => return None,
        }
    }
    Some(Value::Object(object))
}

/// A plain value of `ty`; `label` names it (a string's value). `None` when it cannot be
/// finite.
fn sample(api: &Api, ty: &TypeRef, label: &str, walk: &mut Walk) -> Option<Value> {
    Some(match ty {
        TypeRef::String => Value::String(label.to_owned()),
        TypeRef::Bool => Value::Bool(true),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U64 | TypeRef::I128 => Value::from(1),
        TypeRef::F32 | TypeRef::F64 => Value::from(1.5),
        TypeRef::Nullable(inner) => sample(api, inner, label, walk).unwrap_or(Value::Null),
        TypeRef::DateTime => Value::String("2026-01-01T00:00:00Z".to_owned()),
        TypeRef::Date => Value::String("2026-01-01".to_owned()),
        TypeRef::Json => Value::Object(Map::new()),
        TypeRef::Bytes | TypeRef::Multipart => Value::String(String::new()),
        TypeRef::Named(name) => return model_sample(api, name, walk),
        // An empty collection is finite whatever its items are.
        TypeRef::Array(item) => Value::Array(sample(api, item, label, walk).into_iter().collect()),
        TypeRef::Map(value) => Value::Object(
            sample(api, value, label, walk)
                .map(|v| ("key".to_owned(), v))
                .into_iter()
                .collect(),
        ),
    })
}

/// Whether `value` is a valid JSON value of `ty` (`null` only when `nullable`).
fn fits(api: &Api, ty: &TypeRef, value: &Value, nullable: bool) -> bool {
    fits_within(api, ty, value, nullable, 0)
}

/// How deep an example is checked against nested models; deeper examples are refused
/// rather than followed around a recursive schema.
const MAX_DEPTH: usize = 16;

fn fits_within(api: &Api, ty: &TypeRef, value: &Value, nullable: bool, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if value.is_null() {
        return nullable || matches!(ty, TypeRef::Nullable(_) | TypeRef::Json);
    }
    match ty {
        TypeRef::String | TypeRef::Bytes | TypeRef::Multipart => value.is_string(),
        TypeRef::Bool => value.is_boolean(),
        TypeRef::I32 => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        TypeRef::I64 => value.is_i64(),
        TypeRef::U64 => value.is_u64(),
        TypeRef::I128 => value.is_i64() || value.is_u64(),
        TypeRef::Nullable(inner) => fits_within(api, inner, value, false, depth + 1),
        TypeRef::F32 | TypeRef::F64 => value.is_number(),
        TypeRef::DateTime => value.as_str().is_some_and(is_rfc3339),
        TypeRef::Date => value.as_str().is_some_and(is_date),
        TypeRef::Json => true,
        TypeRef::Array(item) => value.as_array().is_some_and(|items| {
            items
                .iter()
                .all(|v| fits_within(api, item, v, false, depth + 1))
        }),
        TypeRef::Map(inner) => value.as_object().is_some_and(|object| {
            object
                .values()
                .all(|v| fits_within(api, inner, v, false, depth + 1))
        }),
        TypeRef::Named(name) => match api.models.get(name).map(|m| &m.kind) {
            Some(ModelKind::Struct(fields)) => fits_struct_within(api, fields, value, depth + 1),
            Some(ModelKind::Enum(values)) => value
                .as_str()
                .is_some_and(|s| values.iter().any(|v| v.wire == s)),
            Some(ModelKind::Alias(inner) | ModelKind::Newtype(inner)) => {
                fits_within(api, inner, value, false, depth + 1)
            }
            Some(ModelKind::Union(union)) => union
                .variants
                .iter()
                .any(|v| fits_within(api, &v.ty, value, false, depth + 1)),
            None => false,
        },
    }
}

fn fits_struct(api: &Api, fields: &[crate::ir::Field], value: &Value) -> bool {
    fits_struct_within(api, fields, value, 0)
}

/// An object whose every required property is present and every known property fits
/// (unknown ones are ignored, as the client ignores them).
fn fits_struct_within(api: &Api, fields: &[crate::ir::Field], value: &Value, depth: usize) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    fields
        .iter()
        .all(|field| match object.get(&field.name.wire) {
            _ if field.place == FieldPlace::Flattened => {
                fits_within(api, &field.ty, value, false, depth)
            }
            None => field.optional(),
            Some(v) => fits_within(api, &field.ty, v, field.nullable || !field.required, depth),
        })
}

/// `2026-04-09T17:21:06.747Z` or with an offset: what `chrono` reads as RFC 3339.
fn is_rfc3339(text: &str) -> bool {
    let Some((date, rest)) = text.split_once(['T', 't']) else {
        return false;
    };
    if !is_date(date) || rest.len() < 9 {
        return false;
    }
    let (time, zone) = rest.split_at(8);
    let time_ok = digits_with(time, &[2, 5], ':');
    let zone = match zone.strip_prefix('.') {
        Some(fraction) => fraction.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => zone,
    };
    let zone_ok = zone.eq_ignore_ascii_case("z")
        || (zone.len() == 6
            && (zone.starts_with('+') || zone.starts_with('-'))
            && digits_with(&zone[1..], &[2], ':'));
    time_ok && zone_ok
}

/// `2026-04-09`.
fn is_date(text: &str) -> bool {
    text.len() == 10 && digits_with(text, &[4, 7], '-')
}

/// ASCII digits, with `separator` exactly at the given positions.
fn digits_with(text: &str, positions: &[usize], separator: char) -> bool {
    text.char_indices().all(|(i, c)| {
        if positions.contains(&i) {
            c == separator
        } else {
            c.is_ascii_digit()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_dates_are_checked_before_an_example_is_used() {
        assert!(is_rfc3339("2026-04-09T17:21:06.747Z"));
        assert!(is_rfc3339("2026-04-09T17:21:06+02:00"));
        assert!(!is_rfc3339("2026-04-09"));
        assert!(!is_rfc3339("2026-04-09T17:21Z"));
        assert!(!is_rfc3339("yesterday"));
        assert!(is_date("2026-04-09"));
        assert!(!is_date("2026-4-9"));
    }
}
