//! Operations → request builders (`requests.rs`) and the `Client` methods that create them.
//!
//! A builder holds the required arguments, has a setter per optional parameter, and its
//! `send` is a few lines of glue: format the path, add parameters and body, and hand the
//! request to the runtime. Builders own a clone of the client (an `Arc`), so a paginated
//! operation's `pages()`/`stream()` is `'static`, free to move into a spawned task.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc, doc_paragraphs};
use super::types::{argument, ident, rust_type};
use crate::ir::{Api, Location, Media, Operation, Pagination, Param, PathPart, QueryKeys, TypeRef};

/// The contents of the requests module.
pub fn requests_file(api: &Api) -> TokenStream {
    let builders = api.operations.iter().map(builder);
    let pages = page_impls(api);
    quote! {
        #![doc = " Request builders, one per operation: set optional parameters, then `.send().await`."]
        #( #builders )*
        #pages
    }
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
        let items = ident(&p.items_field);
        let token = ident(&p.token_field);
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

/// The `Client` methods, one per operation.
pub fn client_methods(api: &Api) -> TokenStream {
    let models = quote!(models::);
    let methods = api.operations.iter().map(|op| {
        let name = ident(&op.name.rust);
        let builder = ident(&op.builder);
        let mut args = Vec::new();
        let mut values = Vec::new();
        for param in op.params.iter().filter(|p| p.required) {
            let rust = ident(&param.name.rust);
            let (ty, convert) = argument(&param.ty, &models);
            args.push(quote!(#rust: #ty));
            values.push(quote!(#rust #convert));
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
    });
    quote!( #( #methods )* )
}

fn operation_docs(op: &Operation) -> TokenStream {
    let title = format!("`{} {}` (`{}`)", op.method, op.path, op.name.wire);
    let summary = op
        .summary
        .as_deref()
        .filter(|s| s.trim() != format!("{} {}", op.method, op.path));
    doc_paragraphs(&[summary, op.description.as_deref(), Some(&title)])
}

fn optional_params(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| !p.required)
}

fn builder(op: &Operation) -> TokenStream {
    let models = quote!(super::models::);
    let name = ident(&op.builder);
    let method_name = &op.name.rust;
    let docs = doc(&format!(
        "Request builder for [`Client::{method_name}`](super::Client::{method_name}): `{} {}`.",
        op.method, op.path
    ));
    let mut fields = Vec::new();
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for param in &op.params {
        let rust = ident(&param.name.rust);
        let ty = rust_type(&param.ty, &models);
        if param.required {
            fields.push(quote!(#rust: #ty));
            args.push(quote!(#rust: #ty));
            inits.push(quote!(#rust));
        } else if param.keys.caller_chosen() {
            fields.push(quote!(#rust: ::std::vec::Vec<(::std::string::String, #ty)>));
            inits.push(quote!(#rust: ::std::vec::Vec::new()));
        } else {
            fields.push(quote!(#rust: ::std::option::Option<#ty>));
            inits.push(quote!(#rust: ::std::option::Option::None));
        }
    }
    if let Some(body) = &op.body {
        let ty = rust_type(&body.ty, &models);
        if body.required {
            fields.push(quote!(body: #ty));
            args.push(quote!(body: #ty));
            inits.push(quote!(body));
        } else {
            fields.push(quote!(body: ::std::option::Option<#ty>));
            inits.push(quote!(body: ::std::option::Option::None));
        }
    }
    let setters = optional_params(op).map(|param| {
        let rust = ident(&param.name.rust);
        let (ty, convert) = argument(&param.ty, &models);
        let wire = &param.name.wire;
        let how = match param.keys {
            QueryKeys::Fixed => {
                format!("`{wire}` ({:?} parameter).", param.location).to_lowercase()
            }
            QueryKeys::Bracketed => format!(
                "Sent as `{wire}[key]=value`; call again to add more pairs (query parameter `{wire}`)."
            ),
            QueryKeys::CallerNamed => format!(
                "Sent as `key=value`, the key standing for `{wire}`; call again to add more pairs."
            ),
        };
        let docs = doc_paragraphs(&[param.doc.as_deref(), Some(&how)]);
        let deprecated = param
            .deprecated
            .then(|| quote!(#[deprecated = "deprecated by the API document"]));
        if param.keys.caller_chosen() {
            return quote! {
                #docs
                #deprecated
                pub fn #rust(mut self, key: impl ::std::convert::Into<::std::string::String>, value: #ty) -> Self {
                    self.#rust.push((key.into(), value #convert));
                    self
                }
            };
        }
        quote! {
            #docs
            #deprecated
            pub fn #rust(mut self, value: #ty) -> Self {
                self.#rust = ::std::option::Option::Some(value #convert);
                self
            }
        }
    });
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
            pub(super) fn new(client: super::Client, #( #args ),*) -> Self {
                Self { client, #( #inits, )* timeout: ::std::option::Option::None }
            }
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
        #outcome
    }
}

fn send(op: &Operation) -> TokenStream {
    let models = quote!(super::models::);
    let method = ident(&op.method);
    let operation_id = &op.name.wire;
    let template = &op.path;
    let path = path_expression(op);
    let params = op
        .params
        .iter()
        .filter(|p| p.location != Location::Path)
        .map(|param| {
            let rust = ident(&param.name.rust);
            let wire = &param.name.wire;
            match param.location {
                Location::Query if param.keys == QueryKeys::Bracketed => {
                    quote!(request.query_bracketed(#wire, &self.#rust);)
                }
                Location::Query if param.keys == QueryKeys::CallerNamed => {
                    quote!(request.query_caller_named(&self.#rust);)
                }
                Location::Query => match param.separator {
                    Some(separator) => {
                        quote!(request.query_joined(#wire, &self.#rust, #separator);)
                    }
                    None => quote!(request.query(#wire, &self.#rust);),
                },
                Location::Header => quote!(request.header(#wire, &self.#rust)?;),
                Location::Path => TokenStream::new(),
            }
        });
    let body = op.body.as_ref().map(|body| {
        let set = |value: TokenStream| match body.media {
            Media::Json => quote!(request.json(#value)?;),
            Media::Form => quote!(request.form(#value)?;),
            Media::Text | Media::Bytes => {
                let content_type = &body.content_type;
                quote!(request.raw(#content_type, ::std::clone::Clone::clone(#value));)
            }
        };
        if body.required {
            set(quote!(&self.body))
        } else {
            let set = set(quote!(body));
            quote! {
                if let ::std::option::Option::Some(body) = &self.body {
                    #set
                }
            }
        }
    });
    let success = &op.success;
    let accept = match (&success.content_type, success.media) {
        (Some(content_type), Media::Text | Media::Bytes) => {
            Some(quote!(request.accept(#content_type);))
        }
        _ if success
            .outcomes
            .iter()
            .any(|o| o.body.is_some() && o.media != Media::Json) =>
        {
            Some(quote!(request.accept("*/*");))
        }
        _ => None,
    };
    let (output, finish) = if success.outcomes.is_empty() {
        let (output, call) = match (&success.body, success.media) {
            (None, _) => (quote!(()), quote!(send_empty)),
            (Some(_), Media::Text) => (quote!(::std::string::String), quote!(send_text)),
            (Some(_), Media::Bytes) => (quote!(crate::runtime::Bytes), quote!(send_bytes)),
            (Some(ty), _) => (rust_type(ty, &models), quote!(send)),
        };
        (output, quote!(self.client.runtime().#call(request).await))
    } else {
        let outcome = ident(&format!("{}Outcome", op.builder));
        let arms = success.outcomes.iter().map(|o| {
            let status = proc_macro2::Literal::u16_unsuffixed(o.status);
            let variant = ident(&o.name);
            let value = match (&o.body, o.media) {
                (None, _) => quote!(#outcome::#variant),
                (Some(_), Media::Text) => quote!(#outcome::#variant(response.text()?)),
                (Some(_), Media::Bytes) => {
                    quote!(#outcome::#variant(::std::clone::Clone::clone(response.body())))
                }
                (Some(_), _) => quote!(#outcome::#variant(response.json()?)),
            };
            quote!(#status => #value,)
        });
        let finish = quote! {
            let response = self.client.runtime().send_bytes(request).await?;
            let outcome = match response.status().as_u16() {
                #( #arms )*
                _ => #outcome::Other(response.status()),
            };
            ::std::result::Result::Ok(response.map(|_| outcome))
        };
        (quote!(#outcome), finish)
    };
    let statuses: Vec<String> = op.success.statuses.iter().map(u16::to_string).collect();
    let docs = doc(&format!(
        "Sends the request. Success is {}; any other status is an [`Error::Api`](crate::runtime::Error::Api) that keeps status, headers and body.",
        if statuses.is_empty() {
            "any 2xx status".to_owned()
        } else {
            format!("HTTP {}", statuses.join(" or "))
        }
    ));
    let build = quote! {
        let path = #path;
        let mut request = crate::runtime::Request::new(crate::runtime::Method::#method, #operation_id, #template, path);
        request.timeout(self.timeout);
        #( #params )*
        #body
        #accept
    };
    if op.pagination.is_none() {
        // Built inside the async `send`, whose body rustc compiles only in a crate that
        // awaits it: a body's `Serialize` into JSON costs nothing until then.
        return quote! {
            #docs
            pub async fn send(self) -> ::std::result::Result<crate::runtime::Response<#output>, crate::runtime::Error> {
                #build
                #finish
            }
        };
    }
    quote! {
        /// The request `send` hands to the runtime and `pages` hands to the pager.
        fn to_request(&self) -> ::std::result::Result<crate::runtime::Request, crate::runtime::Error> {
            #build
            ::std::result::Result::Ok(request)
        }
        #docs
        pub async fn send(self) -> ::std::result::Result<crate::runtime::Response<#output>, crate::runtime::Error> {
            let request = self.to_request()?;
            #finish
        }
    }
}

/// The enum of an operation whose 2xx statuses carry different bodies.
fn outcome_enum(op: &Operation) -> TokenStream {
    if op.success.outcomes.is_empty() {
        return TokenStream::new();
    }
    let models = quote!(super::models::);
    let name = ident(&format!("{}Outcome", op.builder));
    let method_name = &op.name.rust;
    let docs = doc(&format!(
        "What [`Client::{method_name}`](super::Client::{method_name}) answered: one variant per documented 2xx status."
    ));
    let variants = op.success.outcomes.iter().map(|o| {
        let variant = ident(&o.name);
        let docs = doc(&format!("HTTP {}.", o.status));
        match (&o.body, o.media) {
            (None, _) => quote!(#docs #variant,),
            (Some(_), Media::Text) => quote!(#docs #variant(::std::string::String),),
            (Some(_), Media::Bytes) => quote!(#docs #variant(crate::runtime::Bytes),),
            (Some(ty), _) => {
                let ty = rust_type(ty, &models);
                quote!(#docs #variant(#ty),)
            }
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #( #variants )*
            /// A 2xx status the document does not list.
            Other(crate::runtime::StatusCode),
        }
    }
}

/// `pages()` and `stream()` of a paginated operation: the builder's request (without the
/// token) handed to the runtime's pager, which adds each page's token and decides when to
/// stop. No closure or future is made here: the pager builds the sending future in its
/// generic `Stream` impl, so the JSON decoding of a list body is compiled only in a crate
/// that streams it.
fn streams(op: &Operation, pagination: &Pagination) -> TokenStream {
    let page = ident(&pagination.page);
    let token = ident(&op.params[pagination.token_param].name.rust);
    let token_wire = &op.params[pagination.token_param].name.wire;
    let operation_id = &op.name.wire;
    let pages_doc = doc(&format!(
        "Every page, fetched lazily one request at a time and starting from `next_token` when it is set; each keeps its status and headers (and `total` when `with_total` is set). The stream ends after the page whose `{}` is absent or empty, and fails (instead of looping) if the server repeats a token. Other parameters, `limit` included, are sent with every page.",
        op.params[pagination.token_param].name.wire
    ));
    let item_name = match &pagination.item {
        TypeRef::Named(name) => format!("[`{name}`](super::models::{name})"),
        _ => "item".to_owned(),
    };
    let stream_doc = doc(&format!(
        "Every {item_name} of every page, in order, as a stream; the next page is fetched only when the current one is used up. Errors end the stream. `Unpin`: use `futures::TryStreamExt::try_next` or `try_collect`."
    ));
    quote! {
        #pages_doc
        pub fn pages(mut self) -> crate::runtime::Pages<super::models::#page> {
            let first = self.#token.take();
            let request = self.to_request();
            crate::runtime::Pages::of_request(self.client.runtime(), #operation_id, #token_wire, first, request)
        }
        #stream_doc
        pub fn stream(self) -> crate::runtime::Items<super::models::#page> {
            self.pages().items()
        }
    }
}

/// `["/workflow/runs/", path_segment("workflow-id", &self.workflow_id)?.as_str()].concat()`,
/// or a plain string when the path has no parameters. No macro (prettyplease cannot format
/// inside one) and no local variables (they could collide with parameter names).
fn path_expression(op: &Operation) -> TokenStream {
    if !op
        .path_parts
        .iter()
        .any(|p| matches!(p, PathPart::Param(_)))
    {
        let path = &op.path;
        return quote!(::std::string::String::from(#path));
    }
    let parts = op.path_parts.iter().map(|part| match part {
        PathPart::Literal(text) => quote!(#text),
        PathPart::Param(index) => {
            let param = &op.params[*index];
            let rust = ident(&param.name.rust);
            let wire = &param.name.wire;
            quote!(crate::runtime::path_segment(#wire, &self.#rust)?.as_str())
        }
    });
    quote!([#( #parts ),*].concat())
}
