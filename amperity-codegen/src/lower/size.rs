//! Boxing the variants that make an enum large.
//!
//! An enum is as large as its largest variant, so one large struct among small variants
//! makes every value large; clippy's `large_enum_variant` refuses a difference of 200 bytes
//! or more between the two largest. The sizes here are estimates made from the types
//! alone, on the high side (every `Option` counts a word for its tag), and every variant
//! estimated at [`BOX_FROM`] bytes or more is boxed: the unboxed ones then differ by
//! less than 200.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Model, ModelKind, Operation, Success, TypeRef};

/// The estimated size from which a variant's payload is boxed.
const BOX_FROM: usize = 160;

/// A pointer, and what a recursive field (already boxed) costs.
const WORD: usize = 8;

/// Boxes the large variants of unions and of operations' outcome enums.
pub(crate) fn box_large_variants(
    models: &mut BTreeMap<String, Model>,
    operations: &mut [Operation],
) {
    let mut sizes = Sizes {
        models: &*models,
        known: BTreeMap::new(),
        visiting: BTreeSet::new(),
    };
    let unions: Vec<(String, Vec<TypeRef>)> = sizes
        .models
        .iter()
        .filter_map(|(name, model)| match &model.kind {
            ModelKind::Union(union) => Some((
                name.clone(),
                union.variants.iter().map(|v| v.ty.clone()).collect(),
            )),
            _ => None,
        })
        .collect();
    let large: Vec<(String, Vec<bool>)> = unions
        .into_iter()
        .map(|(name, tys)| {
            let flags = tys.iter().map(|ty| sizes.of(ty) >= BOX_FROM).collect();
            (name, flags)
        })
        .collect();
    for operation in operations.iter_mut() {
        if let Success::Outcomes { outcomes, .. } = &mut operation.success {
            for outcome in outcomes {
                if let Some(payload) = &outcome.payload {
                    outcome.boxed = sizes.of(&payload.ty) >= BOX_FROM;
                }
            }
        }
    }
    for (name, flags) in large {
        if let Some(Model {
            kind: ModelKind::Union(union),
            ..
        }) = models.get_mut(&name)
        {
            for (variant, large) in union.variants.iter_mut().zip(flags) {
                variant.boxed |= large;
            }
        }
    }
}

struct Sizes<'m> {
    models: &'m BTreeMap<String, Model>,
    known: BTreeMap<String, usize>,
    visiting: BTreeSet<String>,
}

impl Sizes<'_> {
    /// The estimated size of a value of `ty`, in bytes.
    fn of(&mut self, ty: &TypeRef) -> usize {
        match ty {
            TypeRef::Bool => 1,
            TypeRef::I32 | TypeRef::F32 | TypeRef::Date => 4,
            TypeRef::I64 | TypeRef::U64 | TypeRef::F64 => 8,
            TypeRef::DateTime => 12,
            TypeRef::I128 => 16,
            TypeRef::String | TypeRef::Array(_) | TypeRef::Map(_) => 3 * WORD,
            TypeRef::Bytes => 4 * WORD,
            // Never a field: request bodies only.
            TypeRef::Multipart => 3 * WORD,
            // `serde_json::Value` with `preserve_order` (an `IndexMap`), the larger form.
            TypeRef::Json => 9 * WORD,
            TypeRef::Nullable(inner) => WORD + self.of(inner),
            TypeRef::Named(name) => self.model(name),
        }
    }

    fn model(&mut self, name: &str) -> usize {
        if let Some(size) = self.known.get(name) {
            return *size;
        }
        // A model met again inside itself is behind a box (or a `Vec`) there.
        if !self.visiting.insert(name.to_owned()) {
            return WORD;
        }
        let models = self.models;
        let size = match models.get(name).map(|m| &m.kind) {
            None => WORD,
            Some(ModelKind::Enum(_)) => 3 * WORD,
            Some(ModelKind::Alias(ty) | ModelKind::Newtype(ty)) => self.of(ty),
            Some(ModelKind::Struct(fields)) => fields
                .iter()
                .map(|f| match (f.boxed, f.optional()) {
                    (true, _) => 2 * WORD,
                    (false, true) => WORD + self.of(&f.ty),
                    (false, false) => self.of(&f.ty),
                })
                .sum(),
            Some(ModelKind::Union(union)) => {
                let largest = union
                    .variants
                    .iter()
                    .map(|v| if v.boxed { WORD } else { self.of(&v.ty) })
                    .max()
                    .unwrap_or(0);
                WORD + largest.max(9 * WORD)
            }
        };
        self.visiting.remove(name);
        self.known.insert(name.to_owned(), size);
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Access, Field, Name, Union, Variant};

    fn field(name: &str) -> Field {
        Field {
            place: crate::ir::FieldPlace::Property,
            name: Name {
                rust: name.into(),
                wire: name.into(),
            },
            ty: TypeRef::String,
            required: true,
            nullable: false,
            doc: None,
            boxed: false,
            access: Access::ReadWrite,
            example: None,
        }
    }

    fn model(name: &str, kind: ModelKind) -> (String, Model) {
        let model = Model {
            name: Name {
                rust: name.into(),
                wire: name.into(),
            },
            doc: None,
            kind,
            pointer: String::new(),
            request_body: false,
            example: None,
        };
        (name.to_owned(), model)
    }

    #[test]
    fn only_large_variants_are_boxed() {
        let variant = |name: &str, ty| Variant {
            name: Name {
                rust: name.into(),
                wire: name.into(),
            },
            ty,
            tags: Vec::new(),
            boxed: false,
        };
        let large = (0..12).map(|i| field(&format!("f{i}"))).collect();
        let mut models: BTreeMap<String, Model> = [
            model("Large", ModelKind::Struct(large)),
            model("Small", ModelKind::Struct(vec![field("a")])),
            model(
                "Shape",
                ModelKind::Union(Union {
                    variants: vec![
                        variant("Flag", TypeRef::Bool),
                        variant("Small", TypeRef::Named("Small".into())),
                        variant("Large", TypeRef::Named("Large".into())),
                    ],
                    discriminator: None,
                }),
            ),
        ]
        .into_iter()
        .collect();
        box_large_variants(&mut models, &mut []);
        let ModelKind::Union(union) = &models["Shape"].kind else {
            unreachable!()
        };
        let boxed: Vec<bool> = union.variants.iter().map(|v| v.boxed).collect();
        assert_eq!(boxed, [false, false, true]);
    }
}
