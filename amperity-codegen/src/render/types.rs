//! [`TypeRef`] → Rust type tokens.
//!
//! Every path is fully qualified (`::std::string::String`), so a schema named `String`,
//! `Option`, `Vec` or `Box` cannot shadow the type the generated code means.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::TypeRef;

/// An identifier from a name the model already escaped.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The tokens of `ty`; models are reached through `models` (empty inside the models
/// module, `super::models::` or `models::` elsewhere).
pub fn rust_type(ty: &TypeRef, models: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U64 => quote!(u64),
        TypeRef::I128 => quote!(i128),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        TypeRef::Date => quote!(::chrono::NaiveDate),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Bytes => quote!(crate::runtime::Bytes),
        TypeRef::Multipart => quote!(crate::runtime::Multipart),
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#models #name)
        }
        TypeRef::Array(item) => {
            let item = rust_type(item, models);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = rust_type(value, models);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
        TypeRef::Nullable(inner) => {
            let inner = rust_type(inner, models);
            quote!(::std::option::Option<#inner>)
        }
    }
}

/// How a value of `ty` is taken as an argument: strings as `impl Into<String>` so
/// callers can pass `&str`; everything else as is.
pub fn argument(ty: &TypeRef, models: &TokenStream) -> (TokenStream, TokenStream) {
    match ty {
        TypeRef::String => (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(.into()),
        ),
        other => (rust_type(other, models), TokenStream::new()),
    }
}
