//! Models → `models.rs`: structs, enums that keep unknown values, aliases.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc;
use super::text::FileText;
use super::types::{argument, ident, rust_type};
use crate::error::Result;
use crate::ir::{Access, Api, Field, FieldPlace, Model, ModelKind, Union};
use crate::names::shadows_std_trait_method;

/// Clippy's `too_many_arguments` threshold: a request body with more required fields than
/// this gets no constructor (its fields are public: a struct literal builds it).
const MAX_CONSTRUCTOR_ARGUMENTS: usize = 7;

/// The contents of the models module.
pub fn models_file(api: &Api, mut file: FileText) -> Result<String> {
    file.items(quote! {
        #![doc = " The types of the document's schemas, and inline types named after their owner."]
    })?;
    let models: Vec<&Model> = api.models.values().collect();
    file.items_of(&models, |model| Some(model_items(model)))?;
    Ok(file.finish())
}

fn model_items(model: &Model) -> TokenStream {
    match &model.kind {
        ModelKind::Struct(fields) => structure(model, fields),
        ModelKind::Enum(variants) => string_enum(
            &ident(&model.name.rust),
            model.doc.as_deref(),
            variants,
            false,
        ),
        ModelKind::Union(union) => one_of(model, union),
        ModelKind::Newtype(target) => {
            let docs = doc(model.doc.as_deref().unwrap_or(""));
            let name = ident(&model.name.rust);
            let target = rust_type(target, &TokenStream::new());
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #target);
            }
        }
        ModelKind::Alias(target) => {
            let docs = doc(model.doc.as_deref().unwrap_or(""));
            let name = ident(&model.name.rust);
            let target = rust_type(target, &TokenStream::new());
            quote! { #docs pub type #name = #target; }
        }
    }
}

/// `oneOf`/`anyOf` as an enum with one tuple variant per alternative and `Unknown` for
/// anything else. Without a discriminator serde tries the variants in order
/// (`untagged`); with one, a hand-written `Deserialize` reads the tag first and decodes
/// the whole value (tag included, so the variant's struct keeps its own tag field) as
/// the variant it names.
fn one_of(model: &Model, union: &Union) -> TokenStream {
    let name = ident(&model.name.rust);
    let docs = doc(model.doc.as_deref().unwrap_or(""));
    let payload = |v: &crate::ir::Variant| {
        let ty = rust_type(&v.ty, &TokenStream::new());
        if v.boxed {
            quote!(::std::boxed::Box<#ty>)
        } else {
            ty
        }
    };
    let variants = union.variants.iter().map(|v| {
        let variant = ident(&v.name.rust);
        let ty = payload(v);
        let text = if v.tags.is_empty() {
            String::new()
        } else {
            let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
            format!("Selected by {}.", tags.join(", "))
        };
        let docs = doc(&text);
        quote!(#docs #variant(#ty),)
    });
    let unknown = quote! {
        /// A value that fits none of the variants the document lists (kept as JSON, so a
        /// kind the server adds later does not break decoding).
        Unknown(::serde_json::Value),
    };
    let Some(property) = &union.discriminator else {
        return quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name { #( #variants )* #unknown }
        };
    };
    let arms = union.variants.iter().map(|v| {
        let variant = ident(&v.name.rust);
        let tags = &v.tags;
        let wrap = if v.boxed {
            quote!(|v| Self::#variant(::std::boxed::Box::new(v)))
        } else {
            quote!(Self::#variant)
        };
        quote! {
            ::std::option::Option::Some(#( #tags )|*) => ::serde_json::from_value(value).map(#wrap).map_err(::serde::de::Error::custom),
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        pub enum #name { #( #variants )* #unknown }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(::serde_json::Value::as_str).map(::std::borrow::ToOwned::to_owned);
                match tag.as_deref() {
                    #( #arms )*
                    _ => ::std::result::Result::Ok(Self::Unknown(value)),
                }
            }
        }
    }
}

/// The field's full Rust type: `Option` when optional, `Box` when recursive.
fn field_type(field: &Field) -> TokenStream {
    let mut ty = rust_type(&field.ty, &TokenStream::new());
    if field.boxed {
        ty = quote!(::std::boxed::Box<#ty>);
    }
    if field.optional() {
        ty = quote!(::std::option::Option<#ty>);
    }
    ty
}

fn structure(model: &Model, fields: &[Field]) -> TokenStream {
    let name = ident(&model.name.rust);
    let docs = doc(model.doc.as_deref().unwrap_or(""));
    let all_optional = fields.iter().all(Field::optional);
    let default = all_optional.then(|| quote!(Default,));
    let members = fields.iter().map(|field| {
        let docs = doc(field.doc.as_deref().unwrap_or(""));
        let rust = ident(&field.name.rust);
        let ty = field_type(field);
        if field.place == FieldPlace::Flattened {
            return quote! { #docs #[serde(flatten)] pub #rust: #ty, };
        }
        let wire = &field.name.wire;
        let rename = (field.name.rust != field.name.wire).then(|| quote!(#[serde(rename = #wire)]));
        let skip = serde_skip(field);
        quote! { #docs #rename #skip pub #rust: #ty, }
    });
    let builder = model.request_body.then(|| request_body_impl(&name, fields));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name { #( #members )* }
        #builder
    }
}

/// Optional fields are omitted when `None`, required nullable ones sent as null;
/// read-only fields are never sent and write-only ones may be absent from a response.
fn serde_skip(field: &Field) -> Option<TokenStream> {
    match field.access {
        Access::ReadOnly => Some(quote!(#[serde(default, skip_serializing)])),
        Access::WriteOnly if field.required && !field.nullable => {
            Some(quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]))
        }
        _ => (!field.required).then(
            || quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
        ),
    }
}

/// A constructor for the required fields and a setter for each optional one.
fn request_body_impl(name: &proc_macro2::Ident, fields: &[Field]) -> TokenStream {
    let required: Vec<&Field> = fields.iter().filter(|f| f.constructor_argument()).collect();
    let constructor = if required.is_empty() {
        quote! {
            /// An empty body; set what you need with the setters.
            pub fn new() -> Self { Self::default() }
        }
    } else if required.len() > MAX_CONSTRUCTOR_ARGUMENTS {
        // Too many to pass one by one: every field is public, a struct literal names them.
        TokenStream::new()
    } else {
        constructor(fields, &required)
    };
    let setters = fields
        .iter()
        .filter(|f| !f.constructor_argument() && f.access != Access::ReadOnly)
        .map(setter);
    quote! {
        impl #name {
            #constructor
            #( #setters )*
        }
    }
}

fn constructor(fields: &[Field], required: &[&Field]) -> TokenStream {
    let none = TokenStream::new();
    let args = required.iter().map(|f| {
        let rust = ident(&f.name.rust);
        let ty = if f.nullable || f.boxed {
            field_type(f)
        } else {
            argument(&f.ty, &none).0
        };
        quote!(#rust: #ty)
    });
    let inits = fields.iter().map(|f| {
        let rust = ident(&f.name.rust);
        if !f.constructor_argument() {
            return quote!(#rust: ::std::option::Option::None);
        }
        if f.nullable || f.boxed {
            return quote!(#rust);
        }
        let (_, convert) = argument(&f.ty, &none);
        if f.optional() {
            quote!(#rust: ::std::option::Option::Some(#rust #convert))
        } else if convert.is_empty() {
            quote!(#rust)
        } else {
            quote!(#rust: #rust #convert)
        }
    });
    quote! {
        /// A body with its required fields; set optional ones with the setters.
        pub fn new(#( #args ),*) -> Self { Self { #( #inits ),* } }
    }
}

fn setter(f: &Field) -> TokenStream {
    let none = TokenStream::new();
    let rust = ident(&f.name.rust);
    let docs = doc(&format!("Sets `{}`.", f.name.wire));
    let (ty, convert) = argument(&f.ty, &none);
    let value = if f.boxed {
        quote!(::std::boxed::Box::new(value #convert))
    } else {
        quote!(value #convert)
    };
    let allow = shadows_std_trait_method(&f.name.rust)
        .then(|| quote!(#[allow(clippy::should_implement_trait)]));
    quote! {
        #docs
        #allow
        pub fn #rust(mut self, value: #ty) -> Self {
            self.#rust = ::std::option::Option::Some(#value);
            self
        }
    }
}

/// A string enum with a variant that keeps values the document does not list, so a new
/// value on the server never breaks deserialization, and round-trips unchanged.
pub fn string_enum(
    name: &proc_macro2::Ident,
    description: Option<&str>,
    variants: &[crate::ir::Name],
    default_first: bool,
) -> TokenStream {
    let docs = doc(description.unwrap_or(""));
    let decls = variants.iter().enumerate().map(|(i, v)| {
        let rust = ident(&v.rust);
        let docs = doc(&format!("`{}`", v.wire));
        let default = (default_first && i == 0).then(|| quote!(#[default]));
        quote!(#docs #default #rust,)
    });
    let as_str = variants.iter().map(|v| {
        let rust = ident(&v.rust);
        let wire = &v.wire;
        quote!(Self::#rust => #wire,)
    });
    let from = variants.iter().map(|v| {
        let rust = ident(&v.rust);
        let wire = &v.wire;
        quote!(#wire => Self::#rust,)
    });
    let default = default_first.then(|| quote!(Default,));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, #default ::serde::Serialize, ::serde::Deserialize)]
        #[serde(from = "::std::string::String", into = "::std::string::String")]
        pub enum #name {
            #( #decls )*
            /// A value this version of the document does not list, kept as received.
            UnknownValue(::std::string::String),
        }

        impl #name {
            /// The value as it is sent and received.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #as_str )*
                    Self::UnknownValue(value) => value.as_str(),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #( #from )*
                    _ => Self::UnknownValue(value),
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                Self::from(value.to_owned())
            }
        }

        impl ::std::convert::From<#name> for ::std::string::String {
            fn from(value: #name) -> Self {
                match value {
                    #name::UnknownValue(value) => value,
                    known => known.as_str().to_owned(),
                }
            }
        }

        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::runtime::QueryValue for #name {
            fn append_to(&self, name: &str, pairs: &mut ::std::vec::Vec<(::std::string::String, ::std::string::String)>) {
                crate::runtime::QueryValue::append_to(self.as_str(), name, pairs);
            }
        }
    }
}
