//! Schemas → types and models.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, IntegerFormat, IntegerType, NumberFormat, ReferenceOr, Schema,
    SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::{Lowerer, MAX_DEPTH};
use crate::error::{ErrorKind, Pointer, Result};
use crate::ir::{Access, Field, FieldPlace, Model, ModelKind, TypeRef, Union, Variant};
use crate::names::{Case, Name, NameSet, numbered};

impl<'a> Lowerer<'a> {
    /// The type of a schema or reference; inline objects and enums become models named
    /// `owner` (the caller builds it from the enclosing type and field).
    pub(crate) fn type_of<S: std::borrow::Borrow<Schema>>(
        &mut self,
        schema: &ReferenceOr<S>,
        at: &Pointer,
        owner: &str,
        depth: usize,
    ) -> Result<TypeRef> {
        self.resolve.spend(1, 0, at)?;
        match schema {
            ReferenceOr::Reference { reference } => self.schema_ref(reference, at),
            ReferenceOr::Item(schema) => self.inline(schema.borrow(), at, owner, depth),
        }
    }

    fn inline(
        &mut self,
        schema: &Schema,
        at: &Pointer,
        owner: &str,
        depth: usize,
    ) -> Result<TypeRef> {
        if depth > MAX_DEPTH {
            return Err(self.error(
                ErrorKind::Unsupported,
                at,
                format!("schemas nest more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                self.define_inline(owner, schema, at, depth)?
            }
            SchemaKind::Type(Type::String(s)) => match &s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
                _ => TypeRef::String,
            },
            SchemaKind::Type(Type::Integer(i)) => integer_type(schema, i),
            SchemaKind::Type(Type::Number(n)) => match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::Array(a)) => match &a.items {
                None => TypeRef::Array(Box::new(TypeRef::Json)),
                Some(items) => {
                    let item_owner = format!("{owner}Item");
                    let item = self.type_of(items, &at.join("items"), &item_owner, depth + 1)?;
                    let item = self.nullable_type(items, item);
                    let item = self.name_nested_container(item, &item_owner, &at.join("items"))?;
                    TypeRef::Array(Box::new(item))
                }
            },
            SchemaKind::Type(Type::Object(o)) if o.properties.is_empty() => {
                self.map_type(o.additional_properties.as_ref(), at, owner, depth)?
            }
            SchemaKind::Type(Type::Object(_)) => self.define_inline(owner, schema, at, depth)?,
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                self.type_of(&all_of[0], &at.join("allOf").join(0), owner, depth + 1)?
            }
            SchemaKind::AllOf { all_of } => match self.all_of_shape(all_of, &at.join("allOf"))? {
                AllOfShape::Object { .. } => self.define_inline(owner, schema, at, depth)?,
                AllOfShape::One(index) => {
                    let pat = at.join("allOf").join(index);
                    self.type_of(&all_of[index], &pat, owner, depth + 1)?
                }
            },
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                self.define_inline(owner, schema, at, depth)?
            }
            SchemaKind::Any(_) => TypeRef::Json,
            SchemaKind::OneOf { one_of: parts } | SchemaKind::AnyOf { any_of: parts }
                if parts.len() == 1 =>
            {
                let keyword = union_keyword(schema);
                self.type_of(&parts[0], &at.join(keyword).join(0), owner, depth + 1)?
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                self.define_inline(owner, schema, at, depth)?
            }
            SchemaKind::Not { .. } => return Err(self.unsupported(at, "not")),
        })
    }

    /// The variants of a `oneOf`/`anyOf`: `$ref`s are named after their schema, titled
    /// inline schemas after their title, scalars after their kind, other inline schemas
    /// `Variant{n}` (their model `{owner}Variant{n}`).
    fn union(
        &mut self,
        owner: &str,
        schema: &Schema,
        parts: &[ReferenceOr<Schema>],
        at: &Pointer,
        depth: usize,
    ) -> Result<Union> {
        let keyword = union_keyword(schema);
        // A discriminator tells variants apart only if each has its tags: a component's
        // name (or the mapping's values for it), or the `enum` an inline variant gives the
        // tag property. Otherwise the variants are told apart by shape, as without one.
        let discriminator = schema.schema_data.discriminator.as_ref().filter(|d| {
            parts.iter().all(|part| match part {
                ReferenceOr::Reference { .. } => true,
                ReferenceOr::Item(inline) => self.inline_tags(inline, &d.property_name).is_some(),
            })
        });
        let mut names = NameSet::reserving(&["Unknown"]);
        let mut variants = Vec::new();
        let mut listed = BTreeSet::new();
        for (index, part) in parts.iter().enumerate() {
            let vat = at.join(keyword).join(index);
            // The same `$ref` listed twice (stream-io-api.com) is one variant.
            if let ReferenceOr::Reference { reference } = part
                && !listed.insert(reference.as_str())
            {
                continue;
            }
            let ty = self.type_of(
                part,
                &vat,
                &format!("{owner}Variant{}", index + 1),
                depth + 1,
            )?;
            let (name, tags) = match part {
                ReferenceOr::Reference { reference } => {
                    let key = self.resolve.name(reference, "schemas", &vat)?;
                    let name = match &ty {
                        TypeRef::Named(rust) => rust.clone(),
                        _ => self.escape(&key, Case::Type, &vat, "schema name")?,
                    };
                    let tags = match discriminator {
                        None => Vec::new(),
                        Some(d) => {
                            let mapped: Vec<String> = d
                                .mapping
                                .iter()
                                .filter(|(_, target)| {
                                    target.as_str() == reference || target.as_str() == key
                                })
                                .map(|(value, _)| value.clone())
                                .collect();
                            if mapped.is_empty() { vec![key] } else { mapped }
                        }
                    };
                    (name, tags)
                }
                ReferenceOr::Item(inline) => {
                    let tags = discriminator
                        .and_then(|d| self.inline_tags(inline, &d.property_name))
                        .unwrap_or_default();
                    let name = match (&inline.schema_data.title, &ty) {
                        (Some(title), _) => {
                            self.escape(title, Case::Type, &vat.join("title"), "title")?
                        }
                        (None, TypeRef::Named(_)) => format!("Variant{}", index + 1),
                        (None, scalar) => scalar_variant_name(scalar).to_owned(),
                    };
                    (name, tags)
                }
            };
            let rust = names.claim(&name, vat.as_str(), vat.as_str());
            variants.push(Variant {
                name: Name {
                    rust,
                    wire: vat.as_str().to_owned(),
                },
                ty,
                tags,
                boxed: false,
            });
        }
        let discriminator = discriminator.map(|d| d.property_name.clone());
        Ok(Union {
            discriminator: distinct_tags(&mut variants)
                .then_some(discriminator)
                .flatten(),
            variants,
        })
    }

    /// The tags of an inline union variant: the string `enum` its `property` has.
    fn inline_tags(&self, variant: &Schema, property: &str) -> Option<Vec<String>> {
        let properties = match &variant.schema_kind {
            SchemaKind::Type(Type::Object(o)) => &o.properties,
            SchemaKind::Any(any) => &any.properties,
            _ => return None,
        };
        let tag = match properties.get(property)? {
            ReferenceOr::Item(tag) => tag.as_ref(),
            ReferenceOr::Reference { reference } => self.component_schema(reference)?,
        };
        match &tag.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                Some(s.enumeration.iter().flatten().cloned().collect())
            }
            _ => None,
        }
    }

    /// What a schema says of itself (`nullable`, `readOnly`, `writeOnly`): its own
    /// keywords, or those of the component a `$ref` names (through chains of references),
    /// or, for an `allOf` of one part written to add `nullable` or a description next to a
    /// `$ref`, the wrapper's keywords together with the part's.
    fn traits<S: std::borrow::Borrow<Schema>>(&self, schema: &ReferenceOr<S>) -> Traits {
        match schema {
            ReferenceOr::Item(schema) => self.own_traits(schema.borrow(), 0),
            ReferenceOr::Reference { reference } => self
                .component_schema(reference)
                .map(|s| self.own_traits(s, 0))
                .unwrap_or_default(),
        }
    }

    fn own_traits(&self, schema: &Schema, depth: usize) -> Traits {
        self.traits_once(schema, depth, &mut BTreeMap::new())
    }

    /// [`Self::own_traits`], each schema looked at once (`seen`, by address): parts that
    /// list one schema twice, level after level, would otherwise double the work at each
    /// level.
    fn traits_once(
        &self,
        schema: &Schema,
        depth: usize,
        seen: &mut BTreeMap<*const Schema, Traits>,
    ) -> Traits {
        let key: *const Schema = schema;
        if let Some(traits) = seen.get(&key) {
            return *traits;
        }
        let data = &schema.schema_data;
        let own = Traits {
            nullable: data.nullable,
            read_only: data.read_only,
            write_only: data.write_only,
        };
        let traits = match &schema.schema_kind {
            // The wrapper's keywords and its parts': `allOf: [{$ref: X}, {readOnly: true}]`
            // is a read-only X. Null only when the one part (or the wrapper) allows it.
            SchemaKind::AllOf { all_of } if depth < MAX_DEPTH => {
                all_of.iter().fold(own, |traits, part| {
                    let inner = match part {
                        ReferenceOr::Item(part) => self.traits_once(part, depth + 1, seen),
                        ReferenceOr::Reference { reference } => self
                            .component_schema(reference)
                            .map(|s| self.traits_once(s, depth + 1, seen))
                            .unwrap_or_default(),
                    };
                    Traits {
                        nullable: traits.nullable || (all_of.len() == 1 && inner.nullable),
                        read_only: traits.read_only || inner.read_only,
                        write_only: traits.write_only || inner.write_only,
                    }
                })
            }
            _ => own,
        };
        seen.insert(key, traits);
        traits
    }

    /// A component schema by reference, following chains of references to the end.
    fn component_schema(&self, reference: &str) -> Option<&'a Schema> {
        self.resolve.component_schema(reference)
    }

    /// `Option<T>` for an array item or map value whose schema is `nullable`.
    fn nullable_type<S: std::borrow::Borrow<Schema>>(
        &self,
        schema: &ReferenceOr<S>,
        ty: TypeRef,
    ) -> TypeRef {
        if self.traits(schema).nullable && !matches!(ty, TypeRef::Json | TypeRef::Nullable(_)) {
            TypeRef::Nullable(Box::new(ty))
        } else {
            ty
        }
    }

    /// An array item or map value that is itself a container of containers gets a name
    /// (`pub type {owner} = ...`), so no Rust type nests deep enough for clippy's
    /// `type_complexity` (maps of maps of arrays).
    fn name_nested_container(&mut self, ty: TypeRef, owner: &str, at: &Pointer) -> Result<TypeRef> {
        if container_depth(&ty) < 2 {
            return Ok(ty);
        }
        let rust = self.claim_model_name(owner, at.as_str(), at);
        let name = Name {
            rust: rust.clone(),
            wire: at.as_str().to_owned(),
        };
        self.insert_model(name, None, ModelKind::Alias(ty), at);
        Ok(TypeRef::Named(rust))
    }

    fn unsupported(&self, at: &Pointer, construct: &str) -> crate::Error {
        self.error(
            ErrorKind::Unsupported,
            &at.join(construct),
            format!("`{construct}` schemas are not supported yet"),
        )
    }

    fn map_type(
        &mut self,
        additional: Option<&AdditionalProperties>,
        at: &Pointer,
        owner: &str,
        depth: usize,
    ) -> Result<TypeRef> {
        let value = match additional {
            Some(AdditionalProperties::Schema(schema)) => {
                let value_owner = format!("{owner}Value");
                let vat = at.join("additionalProperties");
                let value = self.type_of(schema.as_ref(), &vat, &value_owner, depth + 1)?;
                let value = self.nullable_type(schema.as_ref(), value);
                self.name_nested_container(value, &value_owner, &vat)?
            }
            _ => TypeRef::Json,
        };
        Ok(TypeRef::Map(Box::new(value)))
    }

    /// Names an inline object or enum after its owner and defines it.
    fn define_inline(
        &mut self,
        owner: &str,
        schema: &Schema,
        at: &Pointer,
        depth: usize,
    ) -> Result<TypeRef> {
        let rust = self.claim_model_name(owner, at.as_str(), at);
        let name = Name {
            rust: rust.clone(),
            wire: at.as_str().to_owned(),
        };
        self.define(name, schema, at, depth + 1)?;
        Ok(TypeRef::Named(rust))
    }

    /// Defines the model `name` from `schema` (a component schema or an inline one).
    pub(crate) fn define(
        &mut self,
        name: Name,
        schema: &Schema,
        at: &Pointer,
        depth: usize,
    ) -> Result<()> {
        let doc = schema.schema_data.description.clone();
        let kind = match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                let values: Vec<String> = s.enumeration.iter().flatten().cloned().collect();
                ModelKind::Enum(self.enum_variants(&values, &at.join("enum"))?)
            }
            SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => {
                ModelKind::Struct(self.fields(
                    &name.rust,
                    &o.properties,
                    &o.required,
                    (at, &Places::new()),
                    depth,
                )?)
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => ModelKind::Struct(self.fields(
                &name.rust,
                &any.properties,
                &any.required,
                (at, &Places::new()),
                depth,
            )?),
            SchemaKind::AllOf { all_of } if all_of.len() > 1 => {
                match self.all_of_shape(all_of, &at.join("allOf"))? {
                    AllOfShape::Object { unions } => {
                        let (properties, required, places) =
                            self.merge_all_of(all_of, &at.join("allOf"), &unions)?;
                        let mut fields =
                            self.fields(&name.rust, &properties, &required, (at, &places), depth)?;
                        self.flattened_unions(&name.rust, all_of, &unions, at, depth, &mut fields)?;
                        ModelKind::Struct(fields)
                    }
                    AllOfShape::One(index) => {
                        let pat = at.join("allOf").join(index);
                        match &all_of[index] {
                            // The component is that schema, with the other parts'
                            // descriptions and constraints around it.
                            ReferenceOr::Item(part) => {
                                return self.define(name, part, &pat, depth + 1);
                            }
                            reference => ModelKind::Alias(self.type_of(
                                reference,
                                &pat,
                                &format!("{}Inner", name.rust),
                                depth + 1,
                            )?),
                        }
                    }
                }
            }
            SchemaKind::OneOf { one_of: parts } | SchemaKind::AnyOf { any_of: parts }
                if parts.len() > 1 =>
            {
                ModelKind::Union(self.union(&name.rust, schema, parts, at, depth)?)
            }
            _ => ModelKind::Alias(self.inline_alias(schema, at, &name.rust, depth)?),
        };
        let key = name.rust.clone();
        self.insert_model(name, doc, kind, at);
        if let Some(model) = self.models.get_mut(&key) {
            model.example = schema.schema_data.example.clone();
        }
        Ok(())
    }

    /// The aliased type of a component that is not itself a struct or enum. Arrays and
    /// maps name their nested inline types after the component (`{owner}Item`,
    /// `{owner}Value`); anything else that would define a type takes `{owner}Inner`,
    /// because the component already holds `owner` itself.
    fn inline_alias(
        &mut self,
        schema: &Schema,
        at: &Pointer,
        owner: &str,
        depth: usize,
    ) -> Result<TypeRef> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::Array(_) | Type::Object(_)) => {
                self.inline(schema, at, owner, depth + 1)
            }
            _ => self.inline(schema, at, &format!("{owner}Inner"), depth + 1),
        }
    }

    pub(crate) fn enum_variants(&self, values: &[String], at: &Pointer) -> Result<Vec<Name>> {
        let text = values.iter().map(String::len).sum();
        self.resolve.spend(values.len(), text, at)?;
        // `UnknownValue` is the variant that keeps values the document does not list.
        let mut names = NameSet::reserving(&["UnknownValue"]);
        let mut variants = Vec::new();
        let mut listed = BTreeSet::new();
        for (index, value) in values.iter().enumerate() {
            // A value listed twice (`[true, "true"]` read as text: ix-api.net) is one variant.
            if !listed.insert(value.as_str()) {
                continue;
            }
            let vat = at.join(index);
            let rust = if value.is_empty() {
                "Empty".to_owned()
            } else {
                self.escape(value, Case::Type, &vat, "enum value")?
            };
            let rust = names.claim(&rust, value, vat.as_str());
            variants.push(Name {
                rust,
                wire: value.clone(),
            });
        }
        Ok(variants)
    }

    /// The fields of an object at `at`. `places` are where properties merged from `allOf`
    /// parts are defined (any other is at `at/properties/<name>`).
    fn fields(
        &mut self,
        owner: &str,
        properties: &Properties,
        required: &[String],
        (at, places): (&Pointer, &Places),
        depth: usize,
    ) -> Result<Vec<Field>> {
        // `new` is a request body's constructor, which calls `Self::default()` when it takes
        // no argument: a property of either name becomes `new_`/`default_` (apideck.com's
        // `default` made `Self::default()` its setter, a compile error).
        let mut names = NameSet::reserving(&["new", "default"]);
        let mut fields = Vec::new();
        // A set: a schema can list many thousands of properties and required names.
        let required: BTreeSet<&str> = required.iter().map(String::as_str).collect();
        for (wire, schema) in properties {
            let fat = places
                .get(wire)
                .cloned()
                .unwrap_or_else(|| at.join("properties").join(wire));
            let doc_bytes = match schema {
                ReferenceOr::Item(s) => s.schema_data.description.as_ref().map_or(0, String::len),
                ReferenceOr::Reference { .. } => 0,
            };
            self.resolve.spend(1, wire.len() + doc_bytes, &fat)?;
            let rust = self.escape(wire, Case::Value, &fat, "property name")?;
            let rust = names.claim(&rust, wire, fat.as_str());
            let inline_owner = format!(
                "{owner}{}",
                self.escape(wire, Case::Type, &fat, "property name")?
            );
            let ty = self.type_of(schema, &fat, &inline_owner, depth + 1)?;
            let (doc, example) = match schema {
                ReferenceOr::Item(s) => (
                    s.schema_data.description.clone(),
                    s.schema_data.example.clone(),
                ),
                ReferenceOr::Reference { .. } => (None, None),
            };
            let traits = self.traits(schema);
            let access = match traits {
                Traits {
                    read_only: true, ..
                } => Access::ReadOnly,
                Traits {
                    write_only: true, ..
                } => Access::WriteOnly,
                _ => Access::ReadWrite,
            };
            fields.push(Field {
                name: Name {
                    rust,
                    wire: wire.clone(),
                },
                ty,
                required: required.contains(wire.as_str()),
                nullable: traits.nullable,
                doc,
                boxed: false,
                access,
                example,
                place: FieldPlace::Property,
            });
        }
        Ok(fields)
    }

    /// Collects the properties of every part of an `allOf` (the resolver flattens nested
    /// `allOf`s and follows references) into one object. A property that two parts define
    /// differently must satisfy both: it becomes the `allOf` of both definitions, which
    /// lowers like any other (a description beside a type, an enum beside its string, two
    /// objects merged; two types no value has at once are refused there).
    fn merge_all_of(
        &self,
        parts: &'a [ReferenceOr<Schema>],
        at: &Pointer,
        flattened: &[usize],
    ) -> Result<(Properties, Vec<String>, Places)> {
        // The unions held as flattened fields, as the resolver hands them out (by identity:
        // a referenced part comes back at the component's pointer).
        let mut unions: Vec<&Schema> = Vec::new();
        for &index in flattened {
            unions.push(self.resolve.schema(&parts[index], &at.join(index))?.0);
        }
        let mut properties = Properties::new();
        let mut places = Places::new();
        // What each property is so far (a description alone says nothing), and where.
        let mut kinds: BTreeMap<String, (&'static str, Pointer)> = BTreeMap::new();
        let mut required = Vec::new();
        for (schema, pat) in self.resolve.all_of_parts(parts, at)? {
            let (props, req) = match &schema.schema_kind {
                SchemaKind::Type(Type::Object(o)) => (&o.properties, &o.required),
                SchemaKind::Any(a) => (&a.properties, &a.required),
                // A union of constraints only (`anyOf` of `required` lists) adds no field;
                // a union of objects is a field of its own (`flattened_unions`).
                _ if matches!(part_kind(schema), PartKind::Annotation) => continue,
                _ if unions.iter().any(|union| std::ptr::eq(*union, schema)) => continue,
                _ => return Err(self.unsupported_merge(&pat)),
            };
            for (key, value) in props {
                let here = pat.join("properties").join(key);
                let (definition, _) = self.resolve.schema(value, &here)?;
                if let Some(kind) = self.value_kind(definition, &here)? {
                    match kinds.get(key) {
                        Some((first, first_at)) if narrower(first, kind).is_none() => {
                            return Err(self.error(
                                ErrorKind::Unsupported,
                                &here,
                                format!("allOf parts define property {key:?} as {first} (at {first_at}) and as {kind} here: no value is both"),
                            ));
                        }
                        Some((first, first_at)) => {
                            let kept = narrower(first, kind).unwrap_or(first);
                            let kept_at = if kept == *first {
                                first_at.clone()
                            } else {
                                here.clone()
                            };
                            kinds.insert(key.clone(), (kept, kept_at));
                        }
                        None => {
                            kinds.insert(key.clone(), (kind, here.clone()));
                        }
                    }
                }
                match (properties.get_mut(key), places.get(key)) {
                    (Some(existing), Some(place)) if existing != value => {
                        // Errors in the `allOf` made here point to the definitions.
                        let (wrapped, last) = both(existing, value);
                        let merged = place.join("allOf");
                        if wrapped {
                            self.resolve.relocate(&merged.join(0), place);
                        }
                        self.resolve.relocate(&merged.join(last), &here);
                    }
                    (Some(_), _) => {}
                    (None, _) => {
                        properties.insert(key.clone(), value.clone());
                        places.insert(key.clone(), here);
                    }
                }
            }
            required.extend(req.iter().cloned());
        }
        Ok((properties, required, places))
    }

    /// What kind of value `schema` describes, for telling contradictory definitions apart.
    fn value_kind(&self, schema: &Schema, at: &Pointer) -> Result<Option<&'static str>> {
        Ok(self.kind_of(schema, at, 0)?.label())
    }

    /// What `schema` contributes to an `allOf`, looking into an `allOf` of its own: an
    /// object if any of its parts is one, else the first type, else what may be of several
    /// types, else an annotation (`allOf: [{$ref: Name}]` beside a string is a string).
    /// Each part looked at is spent from the document's budget (charged to `at`): parts
    /// that list one schema twice, level after level, would otherwise double the work at
    /// each level.
    fn kind_of(&self, schema: &Schema, at: &Pointer, depth: usize) -> Result<PartKind> {
        let SchemaKind::AllOf { all_of } = &schema.schema_kind else {
            return Ok(part_kind(schema));
        };
        if depth >= MAX_DEPTH {
            return Ok(PartKind::Object);
        }
        let mut kinds = Vec::with_capacity(all_of.len());
        for part in all_of {
            self.resolve.spend(1, 0, at)?;
            let part = match part {
                ReferenceOr::Item(part) => Some(part),
                ReferenceOr::Reference { reference } => self.component_schema(reference),
            };
            if let Some(part) = part {
                kinds.push(self.kind_of(part, at, depth + 1)?);
            }
        }
        let first = |wanted: fn(&PartKind) -> bool| kinds.iter().copied().find(wanted);
        Ok(first(|k| matches!(k, PartKind::Object))
            .or_else(|| first(|k| matches!(k, PartKind::Typed(_))))
            .or_else(|| first(|k| matches!(k, PartKind::Loose(_))))
            .unwrap_or(PartKind::Annotation))
    }

    /// What an `allOf` of several parts means: an object made of every part's properties
    /// (parts that only describe or constrain add nothing), or the type of its one part
    /// that has a type other than object (a `$ref` to a string, an enum or an array with a
    /// description or constraints beside it). Parts of different kinds contradict each
    /// other, or mix an object with something that is not one: refused, at the part. A
    /// union or an untyped enum beside a type is that type (what both allow). A `$ref` to
    /// an object with only annotations beside it is that object's type, not a copy (which,
    /// for schemas that refer to each other so, would never end).
    fn all_of_shape(&self, parts: &'a [ReferenceOr<Schema>], at: &Pointer) -> Result<AllOfShape> {
        let mut object = None;
        let mut objects = 0;
        let mut typed: Option<(usize, &'static str, u8)> = None;
        let mut loose: Option<(usize, &'static str)> = None;
        let mut unions: Vec<usize> = Vec::new();
        let mut loose_parts = 0;
        for (index, part) in parts.iter().enumerate() {
            let pat = at.join(index);
            let (schema, _) = self.resolve.schema(part, &pat)?;
            // Of parts of one kind, a reference keeps the component's name, and an enum is
            // the narrower type of its values.
            let rank = match (part, &schema.schema_kind) {
                (ReferenceOr::Reference { .. }, _) => 2,
                (_, SchemaKind::Type(Type::String(s))) if !s.enumeration.is_empty() => 1,
                _ => 0,
            };
            match self.kind_of(schema, &pat, 0)? {
                PartKind::Annotation => {}
                PartKind::Object => {
                    objects += 1;
                    object = object.or(Some(index));
                }
                PartKind::Loose(kind) => {
                    loose_parts += 1;
                    if self.union_of_objects(schema, &pat)? {
                        unions.push(index);
                    }
                    loose = loose.or(Some((index, kind)));
                }
                PartKind::Typed(kind) => match typed {
                    None => typed = Some((index, kind, rank)),
                    Some((_, first, first_rank)) if first == kind => {
                        if rank > first_rank {
                            typed = Some((index, kind, rank));
                        }
                    }
                    Some((_, first, _)) if narrower(first, kind) == Some(kind) => {
                        typed = Some((index, kind, rank));
                    }
                    Some((_, first, _)) if narrower(first, kind).is_some() => {}
                    Some((first_index, first, _)) => {
                        return Err(self.error(
                            ErrorKind::Unsupported,
                            &pat,
                            format!("allOf part {index} is {kind} where part {first_index} is {first}: no value is both"),
                        ));
                    }
                },
            }
        }
        // Beside objects, unions of objects are flattened fields (when nothing else is typed).
        if object.is_some() && typed.is_none() && !unions.is_empty() && loose_parts == unions.len()
        {
            return Ok(AllOfShape::Object { unions });
        }
        let typed = typed.map(|(index, kind, _)| (index, kind)).or(loose);
        if let (Some(index), 1, None) = (object, objects, typed)
            && matches!(parts[index], ReferenceOr::Reference { .. })
        {
            return Ok(AllOfShape::One(index));
        }
        match (object, typed) {
            (_, None) => Ok(AllOfShape::Object { unions: Vec::new() }),
            (None, Some((index, _))) => Ok(AllOfShape::One(index)),
            (Some(object), Some((index, kind))) => Err(self.error(
                ErrorKind::Unsupported,
                &at.join(index),
                format!("allOf combines an object (part {object}) with {kind} (part {index}); only objects merge"),
            )),
        }
    }

    /// Whether `schema` is a oneOf/anyOf whose every alternative is an object: beside an
    /// object in an `allOf`, a struct holds it flattened.
    fn union_of_objects(&self, schema: &Schema, at: &Pointer) -> Result<bool> {
        let (keyword, alternatives) = match &schema.schema_kind {
            SchemaKind::OneOf { one_of } => ("oneOf", one_of),
            SchemaKind::AnyOf { any_of } => ("anyOf", any_of),
            _ => return Ok(false),
        };
        for (index, alternative) in alternatives.iter().enumerate() {
            let (alternative, _) = self
                .resolve
                .schema(alternative, &at.join(keyword).join(index))?;
            if !matches!(self.kind_of(alternative, at, 0)?, PartKind::Object) {
                return Ok(false);
            }
        }
        Ok(!alternatives.is_empty())
    }

    /// The fields of an object's `allOf` parts that are unions of objects: each holds its
    /// union (the component's type, or one named `{owner}Union` when inline),
    /// flattened into the struct, under a name of its own (the component's, or
    /// `variant`) that no property has.
    fn flattened_unions(
        &mut self,
        owner: &str,
        parts: &[ReferenceOr<Schema>],
        unions: &[usize],
        at: &Pointer,
        depth: usize,
        fields: &mut Vec<Field>,
    ) -> Result<()> {
        for &index in unions {
            let pat = at.join("allOf").join(index);
            let ty = self.type_of(&parts[index], &pat, &format!("{owner}Union"), depth + 1)?;
            let base = match &parts[index] {
                ReferenceOr::Reference { reference } => {
                    reference.rsplit('/').next().unwrap_or("variant")
                }
                ReferenceOr::Item(_) => "variant",
            };
            let rust = self.escape(base, Case::Value, &pat, "union")?;
            let taken = |name: &str| name == "new" || fields.iter().any(|f| f.name.rust == name);
            let mut name = rust.clone();
            let mut n = 1;
            while taken(&name) {
                n += 1;
                name = numbered(&rust, n);
            }
            fields.push(Field {
                name: Name {
                    rust: name,
                    wire: String::new(),
                },
                ty,
                required: true,
                nullable: false,
                doc: Some(format!(
                    "One of the variants of `allOf` part {index}, whose properties sit beside the others in the same JSON object."
                )),
                boxed: false,
                access: Access::ReadWrite,
                example: None,
                place: FieldPlace::Flattened,
            });
        }
        Ok(())
    }

    fn unsupported_merge(&self, at: &Pointer) -> crate::Error {
        self.error(
            ErrorKind::Unsupported,
            at,
            "allOf with more than one part is supported only when every part is an object",
        )
    }
}

/// Keeps each tag for the first variant that has it (a mapping can give two variants one
/// value); whether every variant still has a tag. Where one has none, no variant keeps any:
/// the union is told apart by shape.
fn distinct_tags(variants: &mut [Variant]) -> bool {
    let mut claimed = BTreeSet::new();
    for variant in variants.iter_mut() {
        variant.tags.retain(|tag| claimed.insert(tag.clone()));
    }
    let tagged = variants.iter().all(|variant| !variant.tags.is_empty());
    if !tagged {
        variants.iter_mut().for_each(|variant| variant.tags.clear());
    }
    tagged
}

/// Makes `existing` (a property's definition in earlier `allOf` parts) also satisfy `more`
/// (its definition in a later part): the `allOf` of both, with the first description and
/// example. Null is allowed when either allows it: a server that sends null where one part
/// allows it should not make the response fail to decode.
fn both(existing: &mut ReferenceOr<Box<Schema>>, more: &ReferenceOr<Box<Schema>>) -> (bool, usize) {
    let unbox = |schema: &ReferenceOr<Box<Schema>>| match schema {
        ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
    };
    let data = |schema: &ReferenceOr<Box<Schema>>| match schema {
        ReferenceOr::Item(schema) => Some(schema.schema_data.clone()),
        ReferenceOr::Reference { .. } => None,
    };
    // An `allOf` already (made here, or written so): one more part means the same.
    if let ReferenceOr::Item(merged) = existing
        && let SchemaKind::AllOf { all_of } = &mut merged.schema_kind
    {
        all_of.push(unbox(more));
        let more = data(more).unwrap_or_default();
        let own = &mut merged.schema_data;
        own.nullable |= more.nullable;
        own.description = own.description.take().or(more.description);
        own.example = own.example.take().or(more.example);
        return (false, all_of.len() - 1);
    }
    let (first, second) = (
        data(existing).unwrap_or_default(),
        data(more).unwrap_or_default(),
    );
    let schema_data = openapiv3::SchemaData {
        nullable: first.nullable || second.nullable,
        description: first.description.or(second.description),
        example: first.example.or(second.example),
        ..Default::default()
    };
    *existing = ReferenceOr::Item(Box::new(Schema {
        schema_data,
        schema_kind: SchemaKind::AllOf {
            all_of: vec![unbox(existing), unbox(more)],
        },
    }));
    (true, 1)
}

/// An object's properties, by wire name.
type Properties = indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>;

/// Where properties merged from `allOf` parts are defined, by wire name.
type Places = indexmap::IndexMap<String, Pointer>;

/// Untagged unions decode as the first variant that fits, and structs accept unknown
/// fields, so a struct with fewer required fields would swallow values meant for a later,
/// stricter one. Struct variants are therefore tried strictest first (most required
/// fields); the order is otherwise the document's.
pub(crate) fn order_untagged_variants(models: &mut BTreeMap<String, Model>) {
    let strictness: BTreeMap<String, usize> = models
        .iter()
        .filter_map(|(name, model)| match &model.kind {
            ModelKind::Struct(fields) => {
                Some((name.clone(), fields.iter().filter(|f| f.required).count()))
            }
            _ => None,
        })
        .collect();
    for model in models.values_mut() {
        if let ModelKind::Union(union) = &mut model.kind
            && union.discriminator.is_none()
        {
            union.variants.sort_by_key(|v| match &v.ty {
                TypeRef::Named(n) => std::cmp::Reverse(strictness.get(n).copied().unwrap_or(0)),
                _ => std::cmp::Reverse(0),
            });
        }
    }
}

/// What an `allOf` of several parts means (see [`Lowerer::all_of_shape`]).
enum AllOfShape {
    /// An object made of every part's properties, and of the parts at `unions` (unions of
    /// objects), each a flattened field: the variant's properties join the object's.
    Object { unions: Vec<usize> },
    /// The type of the part at this index.
    One(usize),
}

/// What one `allOf` part contributes.
#[derive(Clone, Copy)]
enum PartKind {
    /// Properties (or an `allOf` of its own, merged as objects are).
    Object,
    /// Only a description, examples or constraints that do not change the Rust type.
    Annotation,
    /// A type other than object: what kind, for messages.
    Typed(&'static str),
    /// A value that may be of several types (a union, an enum without a type): beside a
    /// type, it is that type.
    Loose(&'static str),
}

/// Of two kinds of value, the one whose values both allow (an integer is a number);
/// `None` when no value is of both.
fn narrower(a: &'static str, b: &'static str) -> Option<&'static str> {
    const INTEGER: &str = "an integer";
    const NUMBER: &str = "a number";
    match (a, b) {
        _ if a == b => Some(a),
        (INTEGER, NUMBER) | (NUMBER, INTEGER) => Some(INTEGER),
        _ => None,
    }
}

impl PartKind {
    /// What a value of this kind is, for messages; `None` for an annotation.
    fn label(self) -> Option<&'static str> {
        match self {
            PartKind::Object => Some("an object"),
            PartKind::Annotation | PartKind::Loose(_) => None,
            PartKind::Typed(kind) => Some(kind),
        }
    }
}

fn part_kind(schema: &Schema) -> PartKind {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => PartKind::Object,
        SchemaKind::Type(Type::String(_)) => PartKind::Typed("a string"),
        SchemaKind::Type(Type::Number(_)) => PartKind::Typed("a number"),
        SchemaKind::Type(Type::Integer(_)) => PartKind::Typed("an integer"),
        SchemaKind::Type(Type::Boolean(_)) => PartKind::Typed("a boolean"),
        SchemaKind::Type(Type::Array(_)) => PartKind::Typed("an array"),
        SchemaKind::OneOf { one_of: parts } | SchemaKind::AnyOf { any_of: parts }
            if constraints_only(parts) =>
        {
            PartKind::Annotation
        }
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
            PartKind::Loose("a oneOf/anyOf union")
        }
        SchemaKind::Not { .. } => PartKind::Typed("a `not` schema"),
        SchemaKind::Any(any) => {
            let object = !any.properties.is_empty()
                || any.additional_properties.is_some()
                || any.typ.as_deref() == Some("object")
                || !any.all_of.is_empty();
            let typed = any.typ.is_some()
                || any.items.is_some()
                || !any.enumeration.is_empty()
                || !constraints_only(&any.one_of)
                || !constraints_only(&any.any_of)
                || any.not.is_some();
            match (object, typed) {
                (true, _) => PartKind::Object,
                (false, true) => PartKind::Loose("a value of another type"),
                (false, false) => PartKind::Annotation,
            }
        }
    }
}

/// Whether every alternative of a oneOf/anyOf only constrains the value (`anyOf: [{required:
/// [a]}, {required: [b]}]`: one of two properties must be there), so the union adds no type
/// of its own: beside an object, the object is the type. An empty list says nothing either.
fn constraints_only(alternatives: &[ReferenceOr<Schema>]) -> bool {
    alternatives.iter().all(|alternative| match alternative {
        ReferenceOr::Item(schema) => matches!(part_kind(schema), PartKind::Annotation),
        ReferenceOr::Reference { .. } => false,
    })
}

/// How many arrays, maps and `Option`s a type nests.
fn container_depth(ty: &TypeRef) -> usize {
    match ty {
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
            1 + container_depth(inner)
        }
        _ => 0,
    }
}

/// See [`Lowerer::traits`].
#[derive(Debug, Clone, Copy, Default)]
struct Traits {
    nullable: bool,
    read_only: bool,
    write_only: bool,
}

/// The Rust integer for an integer schema: `format: int32` is `i32`, `uint64` (a format
/// some documents use) `u64`; bounds past `i64` choose `u64`, `i128` or `f64` (see
/// `load::integers`); anything else is `i64`.
fn integer_type(schema: &Schema, integer: &IntegerType) -> TypeRef {
    let widened = schema
        .schema_data
        .extensions
        .get(crate::load::INTEGER_WIDTH)
        .and_then(serde_json::Value::as_str);
    match (widened, &integer.format) {
        (Some("u64"), _) => TypeRef::U64,
        (Some("i128"), _) => TypeRef::I128,
        (Some(_), _) => TypeRef::F64,
        (None, VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32)) => TypeRef::I32,
        (None, VariantOrUnknownOrEmpty::Unknown(f)) if f == "uint64" => TypeRef::U64,
        (None, _) => TypeRef::I64,
    }
}

fn union_keyword(schema: &Schema) -> &'static str {
    match schema.schema_kind {
        SchemaKind::AnyOf { .. } => "anyOf",
        _ => "oneOf",
    }
}

/// The variant name of an inline scalar, array or map in a union.
fn scalar_variant_name(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::String => "String",
        TypeRef::Bool => "Boolean",
        TypeRef::I32 | TypeRef::I64 | TypeRef::U64 | TypeRef::I128 => "Integer",
        TypeRef::F32 | TypeRef::F64 => "Number",
        TypeRef::DateTime => "DateTime",
        TypeRef::Date => "Date",
        TypeRef::Json => "Value",
        TypeRef::Bytes => "Bytes",
        TypeRef::Multipart => "Multipart",
        TypeRef::Array(_) => "Array",
        TypeRef::Map(_) => "Map",
        TypeRef::Named(_) => "Object",
        TypeRef::Nullable(inner) => scalar_variant_name(inner),
    }
}

/// Marks the fields that make a struct contain itself (directly, or through other
/// structs without a `Vec` or map in between) so they are boxed; otherwise the type would
/// have infinite size.
pub(crate) fn box_recursive_fields(models: &mut BTreeMap<String, Model>) {
    let direct: BTreeMap<String, Vec<String>> = models
        .iter()
        .map(|(name, model)| (name.clone(), direct_refs(model)))
        .collect();
    // A field leads from its struct to `target`: `target` leads back exactly when both are
    // in one strongly connected component (a search from every field would be quadratic:
    // 10,000 fields referring along a chain of 100 structs took 40 s).
    let component = crate::graph::strongly_connected(&direct);
    for (name, model) in models.iter_mut() {
        match &mut model.kind {
            ModelKind::Struct(fields) => {
                for field in fields {
                    if let Some(target) = direct_target(&field.ty, &direct) {
                        field.boxed =
                            component.get(target.as_str()) == component.get(name.as_str());
                    }
                }
            }
            ModelKind::Union(union) => {
                for variant in &mut union.variants {
                    if let Some(target) = direct_target(&variant.ty, &direct) {
                        variant.boxed =
                            component.get(target.as_str()) == component.get(name.as_str());
                    }
                }
            }
            _ => {}
        }
    }
}

/// Turns aliases that contain themselves through arrays or maps (`Tree = [Tree]`,
/// `Dict = {string: Dict}`, or a longer ring of such aliases) into newtypes: Rust refuses a
/// type alias that names itself.
pub(crate) fn newtype_alias_cycles(models: &mut BTreeMap<String, Model>) {
    let aliases: BTreeMap<String, Vec<String>> = models
        .iter()
        .filter_map(|(name, model)| match &model.kind {
            ModelKind::Alias(target) => Some((name.clone(), named_in(target))),
            _ => None,
        })
        .map(|(name, targets)| {
            let targets = targets
                .into_iter()
                .filter(|t| matches!(models.get(t).map(|m| &m.kind), Some(ModelKind::Alias(_))))
                .collect();
            (name, targets)
        })
        .collect();
    let component = crate::graph::strongly_connected(&aliases);
    let cyclic: Vec<String> = aliases
        .iter()
        .filter(|(name, targets)| {
            targets.contains(name)
                || aliases.keys().any(|other| {
                    other != *name && component.get(other.as_str()) == component.get(name.as_str())
                })
        })
        .map(|(name, _)| name.clone())
        .collect();
    for name in cyclic {
        if let Some(model) = models.get_mut(&name)
            && let ModelKind::Alias(target) = &model.kind
        {
            model.kind = ModelKind::Newtype(target.clone());
        }
    }
}

/// Every model a type names, however deep in arrays and maps.
fn named_in(ty: &TypeRef) -> Vec<String> {
    match ty {
        TypeRef::Named(n) => vec![n.clone()],
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => named_in(inner),
        _ => Vec::new(),
    }
}

/// The models a model embeds by value (not through `Vec` or a map).
fn direct_refs(model: &Model) -> Vec<String> {
    match &model.kind {
        ModelKind::Struct(fields) => fields
            .iter()
            .filter_map(|f| match &f.ty {
                TypeRef::Named(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        ModelKind::Alias(TypeRef::Named(n)) => vec![n.clone()],
        ModelKind::Union(union) => union
            .variants
            .iter()
            .filter_map(|v| match &v.ty {
                TypeRef::Named(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn direct_target(ty: &TypeRef, direct: &BTreeMap<String, Vec<String>>) -> Option<String> {
    match ty {
        TypeRef::Named(n) if direct.contains_key(n) => Some(n.clone()),
        _ => None,
    }
}
