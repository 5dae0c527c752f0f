//! A builder's `send` (and `to_request`), the outcome enum of an operation with several
//! distinct 2xx answers, and `pages()`/`stream()` of a paginated one.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc;
use super::types::{ident, rust_type};
use crate::ir::{
    Location, Media, ObjectStyle, Operation, Outcome, Pagination, Param, PathPart, Payload,
    QueryKeys, Style, Success, TypeRef,
};

/// `send` (and, for a paginated operation, the `to_request` it shares with `pages`).
pub fn send(op: &Operation) -> TokenStream {
    let (output, finish) = match &op.success {
        Success::Single { payload, .. } => single_finish(payload.as_ref()),
        Success::Outcomes { name, outcomes } => outcomes_finish(&name.rust, outcomes),
    };
    let statuses: Vec<String> = op.success.statuses().iter().map(u16::to_string).collect();
    let docs = doc(&format!(
        "Sends the request. Success is {}; any other status is an [`Error::Api`](crate::runtime::Error::Api) that keeps status, headers and body.",
        if statuses.is_empty() {
            "any 2xx status".to_owned()
        } else {
            format!("HTTP {}", statuses.join(" or "))
        }
    ));
    let build = build_request(op);
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

/// The statements that build `request` from the builder's fields.
fn build_request(op: &Operation) -> TokenStream {
    let method = ident(op.method.as_str());
    let operation_id = &op.name.wire;
    let template = &op.path;
    let path = path_expression(op);
    let server = op.server.as_ref().map(|url| quote!(request.server(#url);));
    let params = op
        .params
        .iter()
        .filter(|p| p.location != Location::Path)
        .map(param_statement);
    let fixed = op
        .fixed_query
        .iter()
        .map(|(key, value)| quote!(request.query(#key, &#value);));
    let body = body_statement(op);
    let accept = accept_statement(&op.success);
    quote! {
        let path = #path;
        let mut request = crate::runtime::Request::new(crate::runtime::Method::#method, #operation_id, #template, path);
        request.timeout(self.timeout);
        #server
        #( #fixed )*
        #( #params )*
        #body
        #accept
    }
}

/// The value of a parameter as the runtime takes it: the field itself, or the field
/// wrapped to be written through serde in its OpenAPI style.
fn param_value(param: &Param) -> TokenStream {
    let rust = ident(&param.name.rust);
    match param.style {
        Style::Object(style) => {
            let style = object_style(style);
            quote!(&crate::runtime::Serialized::new(&self.#rust, #style))
        }
        Style::Plain | Style::Joined(_) => quote!(&self.#rust),
    }
}

/// The runtime's name for `style`.
pub(super) fn object_style(style: ObjectStyle) -> TokenStream {
    match style {
        ObjectStyle::FormExploded => quote!(crate::runtime::ObjectStyle::FormExploded),
        ObjectStyle::Form => quote!(crate::runtime::ObjectStyle::Form),
        ObjectStyle::DeepObject => quote!(crate::runtime::ObjectStyle::DeepObject),
        ObjectStyle::Json => quote!(crate::runtime::ObjectStyle::Json),
    }
}

fn param_statement(param: &Param) -> TokenStream {
    let rust = ident(&param.name.rust);
    let wire = &param.name.wire;
    let value = param_value(param);
    match (param.location, param.keys, param.style) {
        (Location::Query, QueryKeys::Bracketed, _) => {
            quote!(request.query_bracketed(#wire, &self.#rust);)
        }
        (Location::Query, QueryKeys::CallerNamed, _) => {
            quote!(request.query_caller_named(&self.#rust);)
        }
        (Location::Query, QueryKeys::Fixed, Style::Joined(separator)) => {
            quote!(request.query_joined(#wire, &self.#rust, #separator);)
        }
        (Location::Query, QueryKeys::Fixed, _) => quote!(request.query(#wire, #value);),
        (Location::Header, ..) => quote!(request.header(#wire, #value)?;),
        (Location::Path, ..) => TokenStream::new(),
    }
}

fn body_statement(op: &Operation) -> Option<TokenStream> {
    let body = op.body.as_ref()?;
    let set = |value: TokenStream| match body.media {
        Media::Json => quote!(request.json(#value)?;),
        Media::Form => quote!(request.form(#value)?;),
        Media::Multipart => quote!(request.multipart(#value);),
        Media::Text | Media::Bytes => {
            let content_type = &body.content_type;
            quote!(request.raw(#content_type, ::std::clone::Clone::clone(#value));)
        }
    };
    Some(if body.required {
        set(quote!(&self.body))
    } else {
        let set = set(quote!(body));
        quote! {
            if let ::std::option::Option::Some(body) = &self.body {
                #set
            }
        }
    })
}

/// `Accept` for answers that are not JSON.
fn accept_statement(success: &Success) -> Option<TokenStream> {
    match success {
        Success::Single {
            payload:
                Some(Payload {
                    media: Media::Text | Media::Bytes,
                    content_type,
                    ..
                }),
            ..
        } => Some(quote!(request.accept(#content_type);)),
        Success::Outcomes { outcomes, .. }
            if outcomes
                .iter()
                .any(|o| o.payload.as_ref().is_some_and(|p| p.media != Media::Json)) =>
        {
            Some(quote!(request.accept("*/*");))
        }
        _ => None,
    }
}

/// The output type and the statements that send `request` when every success carries
/// the same payload.
fn single_finish(payload: Option<&Payload>) -> (TokenStream, TokenStream) {
    let models = quote!(super::models::);
    let (output, call) = match payload {
        None => (quote!(()), quote!(send_empty)),
        Some(p) if p.media == Media::Text => (quote!(::std::string::String), quote!(send_text)),
        Some(p) if p.media == Media::Bytes => (quote!(crate::runtime::Bytes), quote!(send_bytes)),
        Some(p) => (rust_type(&p.ty, &models), quote!(send)),
    };
    (output, quote!(self.client.runtime().#call(request).await))
}

/// The output type and the statements that send `request` and pick the outcome by status.
fn outcomes_finish(name: &str, outcomes: &[Outcome]) -> (TokenStream, TokenStream) {
    let outcome = ident(name);
    let arms = outcomes.iter().map(|o| {
        let status = proc_macro2::Literal::u16_unsuffixed(o.status);
        let variant = ident(&o.name.rust);
        let decoded = match &o.payload {
            None => None,
            Some(p) if p.media == Media::Text => Some(quote!(response.text()?)),
            Some(p) if p.media == Media::Bytes => {
                Some(quote!(::std::clone::Clone::clone(response.body())))
            }
            Some(_) => Some(quote!(response.json()?)),
        };
        let value = match decoded {
            None => quote!(#outcome::#variant),
            Some(value) if o.boxed => quote!(#outcome::#variant(::std::boxed::Box::new(#value))),
            Some(value) => quote!(#outcome::#variant(#value)),
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
}

/// The enum of an operation whose 2xx statuses carry different bodies.
pub fn outcome_enum(op: &Operation) -> TokenStream {
    let Success::Outcomes { name, outcomes } = &op.success else {
        return TokenStream::new();
    };
    let models = quote!(super::models::);
    let name = ident(&name.rust);
    let method_name = &op.name.rust;
    let docs = doc(&format!(
        "What [`Client::{method_name}`](super::Client::{method_name}) answered: one variant per documented 2xx status."
    ));
    let variants = outcomes.iter().map(|o| {
        let variant = ident(&o.name.rust);
        let docs = doc(&format!("HTTP {}.", o.status));
        let ty = match &o.payload {
            None => return quote!(#docs #variant,),
            Some(p) if p.media == Media::Text => quote!(::std::string::String),
            Some(p) if p.media == Media::Bytes => quote!(crate::runtime::Bytes),
            Some(p) => rust_type(&p.ty, &models),
        };
        if o.boxed {
            quote!(#docs #variant(::std::boxed::Box<#ty>),)
        } else {
            quote!(#docs #variant(#ty),)
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
pub fn streams(op: &Operation, pagination: &Pagination) -> TokenStream {
    let page = ident(&pagination.page);
    let token = ident(&pagination.token_param.rust);
    let token_wire = &pagination.token_param.wire;
    let operation_id = &op.name.wire;
    let pages_doc = doc(&format!(
        "Every page, fetched lazily one request at a time and starting from `{token_wire}` when it is set; each keeps its status and headers (and `total` when `with_total` is set). The stream ends after the page whose `{}` is absent or empty, and fails (instead of looping) if the server repeats a token. Other parameters, `limit` included, are sent with every page.",
        pagination.token_field.wire
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
        PathPart::Param(name) => {
            let wire = &name.wire;
            let value = op
                .params
                .iter()
                .find(|p| p.location == Location::Path && p.name.rust == name.rust)
                .map_or_else(
                    || {
                        let rust = ident(&name.rust);
                        quote!(&self.#rust)
                    },
                    param_value,
                );
            quote!(crate::runtime::path_segment(#wire, #value)?.as_str())
        }
    });
    quote!([#( #parts ),*].concat())
}
