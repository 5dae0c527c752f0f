//! Operations → request builders (`requests.rs`) and the `Client` methods that create them.
//!
//! A builder holds the required arguments, has a setter per optional parameter, and its
//! `send` (see `send`) is a few lines of glue: format the path, add parameters and body,
//! and hand the request to the runtime. Builders own a clone of the client (an `Arc`), so
//! a paginated operation's `pages()`/`stream()` is `'static`, free to move into a spawned
//! task.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc, doc_paragraphs};
use super::send::{outcome_enum, send, streams};
use super::text::FileText;
use super::types::{argument, ident, rust_type};
use crate::error::Result;
use crate::ir::{Api, Arguments, Location, Operation, Pagination, Param, QueryKeys};
use crate::names::shadows_std_trait_method;

/// The contents of the requests module.
pub fn requests_file(api: &Api, mut file: FileText) -> Result<String> {
    file.items(quote! {
        #![doc = " Request builders, one per operation: set optional parameters, then `.send().await`."]
    })?;
    file.items_of(&api.operations, |operation| Some(builder(operation)))?;
    file.items(page_impls(api))?;
    Ok(file.finish())
}

/// `impl Page` for every list body a paginated operation returns, once per model.
fn page_impls(api: &Api) -> TokenStream {
    let models = quote!(super::models::);
    let mut pages: BTreeMap<&str, &Pagination> = BTreeMap::new();
    for pagination in api
        .operations
        .iter()
        .filter_map(|op| op.pagination.as_ref())
    {
        pages.entry(pagination.page.as_str()).or_insert(pagination);
    }
    let impls = pages.values().map(|p| {
        let page = ident(&p.page);
        let item = rust_type(&p.item, &models);
        let items = ident(&p.items_field.rust);
        let token = ident(&p.token_field.rust);
        let next_token = if p.token_optional {
            quote!(self.#token.as_deref())
        } else {
            quote!(::std::option::Option::Some(self.#token.as_str()))
        };
        let into_items = if p.items_optional {
            quote!(self.#items.unwrap_or_default())
        } else {
            quote!(self.#items)
        };
        quote! {
            impl crate::runtime::Page for super::models::#page {
                type Item = #item;
                fn next_token(&self) -> ::std::option::Option<&str> {
                    #next_token
                }
                fn into_items(self) -> ::std::vec::Vec<#item> {
                    #into_items
                }
            }
        }
    });
    quote!( #( #impls )* )
}

/// The `Client` method of an operation, which makes its request builder.
pub fn client_method(op: &Operation) -> TokenStream {
    let models = quote!(models::);
    let name = ident(&op.name.rust);
    let builder = ident(&op.builder.rust);
    let mut args = Vec::new();
    let mut values = Vec::new();
    match &op.arguments {
        Arguments::Positional => {
            for param in required_params(op) {
                let rust = ident(&param.name.rust);
                let (ty, convert) = argument(&param.ty, &models);
                if param.keys.caller_chosen() {
                    args.push(
                        quote!(#rust: (impl ::std::convert::Into<::std::string::String>, #ty)),
                    );
                    values.push(quote!(::std::vec![(#rust.0.into(), #rust.1 #convert)]));
                } else {
                    args.push(quote!(#rust: #ty));
                    values.push(quote!(#rust #convert));
                }
            }
        }
        Arguments::Struct(args_type) => {
            let args_type = ident(&args_type.rust);
            args.push(quote!(args: requests::#args_type));
            values.push(quote!(args));
        }
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let ty = rust_type(&body.ty, &models);
        args.push(quote!(body: #ty));
        values.push(quote!(body));
    }
    let docs = operation_docs(op);
    let deprecated = op
        .deprecated
        .then(|| quote!(#[deprecated = "deprecated by the API document"]));
    quote! {
        #docs
        #deprecated
        pub fn #name(&self, #( #args ),*) -> requests::#builder {
            requests::#builder::new(self.clone(), #( #values ),*)
        }
    }
}

fn operation_docs(op: &Operation) -> TokenStream {
    let title = format!("`{} {}` (`{}`)", op.method, op.path, op.name.wire);
    let summary = op
        .summary
        .as_deref()
        .filter(|s| s.trim() != format!("{} {}", op.method, op.path));
    let pairs = op
        .params
        .iter()
        .find(|p| p.required && p.keys.caller_chosen())
        .map(caller_chosen_doc);
    doc_paragraphs(&[
        summary,
        op.description.as_deref(),
        pairs.as_deref(),
        Some(&title),
    ])
}

fn required_params(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| p.required)
}

/// How a parameter whose keys the caller picks is sent.
fn caller_chosen_doc(param: &Param) -> String {
    let wire = &param.name.wire;
    match param.keys {
        QueryKeys::Bracketed => format!(
            "`{}` is a key and a value, sent as `{wire}[key]=value`; the builder's `{}` adds more pairs.",
            param.name.rust, param.name.rust
        ),
        _ => format!(
            "`{}` is a key and a value, sent as `key=value` (the key stands for `{wire}`, which is never sent itself); the builder's `{}` adds more pairs.",
            param.name.rust, param.name.rust
        ),
    }
}

/// The builder's field type for a parameter.
fn field_type(param: &Param, models: &TokenStream) -> TokenStream {
    let ty = rust_type(&param.ty, models);
    if param.keys.caller_chosen() {
        quote!(::std::vec::Vec<(::std::string::String, #ty)>)
    } else if param.required {
        ty
    } else {
        quote!(::std::option::Option<#ty>)
    }
}

fn builder(op: &Operation) -> TokenStream {
    let models = quote!(super::models::);
    let name = ident(&op.builder.rust);
    let method_name = &op.name.rust;
    let docs = doc(&format!(
        "Request builder for [`Client::{method_name}`](super::Client::{method_name}): `{} {}`.",
        op.method, op.path
    ));
    let mut fields = Vec::new();
    for param in &op.params {
        let rust = ident(&param.name.rust);
        let ty = field_type(param, &models);
        fields.push(quote!(#rust: #ty));
    }
    if let Some(body) = &op.body {
        let ty = rust_type(&body.ty, &models);
        fields.push(if body.required {
            quote!(body: #ty)
        } else {
            quote!(body: ::std::option::Option<#ty>)
        });
    }
    let constructor = constructor(op);
    let args_struct = args_struct(op);
    let setters = op
        .params
        .iter()
        .filter(|p| !p.required || p.keys.caller_chosen())
        .map(setter);
    let body_setter = op.body.as_ref().filter(|b| !b.required).map(|body| {
        let ty = rust_type(&body.ty, &models);
        let docs = doc_paragraphs(&[body.doc.as_deref(), Some("The request body.")]);
        quote! {
            #docs
            pub fn body(mut self, value: #ty) -> Self {
                self.body = ::std::option::Option::Some(value);
                self
            }
        }
    });
    let send = send(op);
    let outcome = outcome_enum(op);
    let streams = op.pagination.as_ref().map(|p| streams(op, p));
    quote! {
        #docs
        #[derive(Debug, Clone)]
        #[must_use = "a request builder does nothing until `.send().await`"]
        pub struct #name {
            client: super::Client,
            #( #fields, )*
            timeout: ::std::option::Option<::std::time::Duration>,
        }

        impl #name {
            #constructor
            #( #setters )*
            #body_setter
            /// The timeout of this call as a whole (every attempt, the waits between them,
            /// redirects), instead of the client's.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.timeout = ::std::option::Option::Some(timeout);
                self
            }
            #send
            #streams
        }
        #args_struct
        #outcome
    }
}

/// `new`: the client, the required parameters (one by one, or as the argument struct)
/// and the required body; everything optional starts unset.
fn constructor(op: &Operation) -> TokenStream {
    let models = quote!(super::models::);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let by_struct = matches!(op.arguments, Arguments::Struct(_));
    if let Arguments::Struct(args_type) = &op.arguments {
        let args_type = ident(&args_type.rust);
        args.push(quote!(args: #args_type));
    }
    for param in &op.params {
        let rust = ident(&param.name.rust);
        if !param.required {
            let empty = if param.keys.caller_chosen() {
                quote!(::std::vec::Vec::new())
            } else {
                quote!(::std::option::Option::None)
            };
            inits.push(quote!(#rust: #empty));
        } else if by_struct && param.keys.caller_chosen() {
            inits.push(quote!(#rust: ::std::vec![args.#rust]));
        } else if by_struct {
            inits.push(quote!(#rust: args.#rust));
        } else {
            let ty = field_type(param, &models);
            args.push(quote!(#rust: #ty));
            inits.push(quote!(#rust));
        }
    }
    if let Some(body) = &op.body {
        if body.required {
            let ty = rust_type(&body.ty, &models);
            args.push(quote!(body: #ty));
            inits.push(quote!(body));
        } else {
            inits.push(quote!(body: ::std::option::Option::None));
        }
    }
    quote! {
        pub(super) fn new(client: super::Client, #( #args ),*) -> Self {
            Self { client, #( #inits, )* timeout: ::std::option::Option::None }
        }
    }
}

/// The struct of required parameters of an operation that has too many to pass one by one.
fn args_struct(op: &Operation) -> TokenStream {
    let Arguments::Struct(args_type) = &op.arguments else {
        return TokenStream::new();
    };
    let models = quote!(super::models::);
    let name = ident(&args_type.rust);
    let method_name = &op.name.rust;
    let docs = doc(&format!(
        "The required parameters of [`Client::{method_name}`](super::Client::{method_name}), too many to pass one by one."
    ));
    let fields = required_params(op).map(|param| {
        let rust = ident(&param.name.rust);
        let ty = rust_type(&param.ty, &models);
        let ty = if param.keys.caller_chosen() {
            quote!((::std::string::String, #ty))
        } else {
            ty
        };
        let how = if param.keys.caller_chosen() {
            caller_chosen_doc(param)
        } else {
            location_doc(param)
        };
        let docs = doc_paragraphs(&[param.doc.as_deref(), Some(&how)]);
        quote!(#docs pub #rust: #ty,)
    });
    quote! {
        #docs
        #[derive(Debug, Clone)]
        pub struct #name {
            #( #fields )*
        }
    }
}

fn location_doc(param: &Param) -> String {
    let place = match param.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    };
    format!("`{}` ({place} parameter).", param.name.wire)
}

/// The setter of an optional parameter, or the pair-adder of one whose keys the caller
/// picks.
fn setter(param: &Param) -> TokenStream {
    let models = quote!(super::models::);
    let rust = ident(&param.name.rust);
    let (ty, convert) = argument(&param.ty, &models);
    let wire = &param.name.wire;
    let how = match param.keys {
        QueryKeys::Fixed => location_doc(param),
        QueryKeys::Bracketed => {
            format!("Adds a pair sent as `{wire}[key]=value`; call again to add more.")
        }
        QueryKeys::CallerNamed => format!(
            "Adds a pair sent as `key=value`, the key standing for `{wire}`; call again to add more."
        ),
    };
    let docs = doc_paragraphs(&[param.doc.as_deref(), Some(&how)]);
    let deprecated = param
        .deprecated
        .then(|| quote!(#[deprecated = "deprecated by the API document"]));
    let allow = shadows_std_trait_method(&param.name.rust)
        .then(|| quote!(#[allow(clippy::should_implement_trait)]));
    if param.keys.caller_chosen() {
        return quote! {
            #docs
            #deprecated
            #allow
            pub fn #rust(mut self, key: impl ::std::convert::Into<::std::string::String>, value: #ty) -> Self {
                self.#rust.push((key.into(), value #convert));
                self
            }
        };
    }
    quote! {
        #docs
        #deprecated
        #allow
        pub fn #rust(mut self, value: #ty) -> Self {
            self.#rust = ::std::option::Option::Some(value #convert);
            self
        }
    }
}
