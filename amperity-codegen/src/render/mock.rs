//! Operations → the API module's test kit (`mock.rs`, behind the crate's `test-kit`
//! feature): `MockAmperity`, with one method per operation that returns a typed stub.
//!
//! The kit itself is hand-written (`amperity_runtime::mock`); this is its glue. Each stub
//! wraps the runtime's `Stub<Body, Response>` with the operation's body and success types,
//! has one setter per parameter (named as on the request builder, required parameters
//! included) that records the expected value through the same encoding the client uses,
//! and implements `StubBuilder` (and `PagedStub` for paginated lists), whose default
//! methods do everything else. Names come from the IR as they are.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc;
use super::text::{FileText, Inside};
use super::types::{argument, ident, rust_type};
use crate::error::Result;
use crate::ir::{
    Api, Location, Media, Operation, Pagination, Param, PathPart, QueryKeys, Style, Success,
};
use crate::names::shadows_std_trait_method;

/// The contents of `src/<module>/mock.rs`.
pub fn mock_file(api: &Api, mut file: FileText) -> Result<String> {
    let title = &api.title;
    // The title is the document's text: escaped like every description (the IR keeps it
    // on one line).
    let title = super::docs::sanitize(title).join(" ");
    let module_doc = format!(
        " A mock {} for testing code that uses [`Client`](super::Client) (feature `test-kit`): [`MockAmperity::start`] runs a server on loopback and hands out clients configured for it; each operation has a typed stub whose setters are the values the request must carry, and whose [`StubBuilder`] methods add faults and answer. See [`crate::runtime::mock`].",
        title.trim()
    );
    file.items(quote! {
        #![doc = #module_doc]

        pub use crate::runtime::mock::{Fault, MockError, Mounted, PagedStub, Sample, StubBuilder};

        /// A mock server of this API on loopback; see the [module](self) docs. It
        /// dereferences to [`MockApi`](crate::runtime::mock::MockApi) for clients, the OAuth2
        /// token endpoint and the request log. When it is dropped, every stub's expected
        /// call count is checked and the test fails with the operation named.
        #[derive(Debug, Clone)]
        pub struct MockAmperity {
            api: crate::runtime::mock::MockApi<super::Api>,
        }

        impl ::std::ops::Deref for MockAmperity {
            type Target = crate::runtime::mock::MockApi<super::Api>;
            fn deref(&self) -> &Self::Target {
                &self.api
            }
        }

    })?;
    // One method and one stub per operation: the file is mostly these two blocks.
    let mock = quote! {
        impl MockAmperity {
            /// Starts the server on `127.0.0.1`.
            pub async fn start() -> Self {
                Self { api: crate::runtime::mock::MockApi::start().await }
            }
        }
    };
    file.block_of(mock, Inside::Impl, &api.operations, mock_method)?;
    let stubs = quote! {
        /// One stub type per operation.
        pub mod stubs {}
    };
    file.block_of(stubs, Inside::Mod, &api.operations, stub)?;
    super::samples::sample_impls(api, &mut file)?;
    Ok(file.finish())
}

/// `MockAmperity::<operation>()`.
fn mock_method(op: &Operation) -> TokenStream {
    let name = ident(&op.name.rust);
    let stub = ident(&op.builder.rust);
    let docs = doc(&format!(
        "A stub of [`Client::{}`](super::Client::{}): `{} {}`. Mount it with an answer (`respond`, `respond_sample`, `sequence`, `fail`{}) and `.await`.",
        op.name.rust,
        op.name.rust,
        op.method.as_str(),
        op.path,
        if op.pagination.is_some() {
            ", `pages`"
        } else {
            ""
        },
    ));
    quote! {
        #docs
        // Inline: a stub's encoders are compiled in the crate whose test uses it.
        #[inline]
        pub fn #name(&self) -> stubs::#stub {
            stubs::#stub::new(self.api.server())
        }
    }
}

/// The stub type of one operation.
fn stub(op: &Operation) -> TokenStream {
    let name = ident(&op.builder.rust);
    let (body_type, decoder) = body_types(op);
    let (response_type, encoder, content_type) = response_types(op);
    let id = &op.name.wire;
    let method = op.method.as_str();
    let path = &op.path;
    let status = op.success.statuses().first().copied().unwrap_or(200);
    let paging = op.pagination.as_ref().map(paging);
    let paged_impl = op
        .pagination
        .as_ref()
        .map(|_| quote!(impl crate::runtime::mock::PagedStub for #name {}));
    let setters = op.params.iter().map(|param| setter(op, param));
    let elsewhere = op.server.as_ref().map_or_else(String::new, |url| {
        format!(" The document gives this operation a server of its own (`{url}`): the client sends it there, not to the mock.")
    });
    let docs = doc(&format!(
        "Stub of `{method} {path}` (`{id}`): its setters are the values the request must carry; the [`StubBuilder`](crate::runtime::mock::StubBuilder) methods add faults and answer.{elsewhere}"
    ));
    quote! {
        #docs
        #[derive(Debug)]
        #[must_use = "a stub does nothing until it is answered: `.respond(..).await`"]
        pub struct #name {
            stub: crate::runtime::mock::Stub<#body_type, #response_type>,
        }

        impl #name {
            const OPERATION: crate::runtime::mock::Operation =
                crate::runtime::mock::Operation::new(#id, #method, #path, #status, #content_type) #paging;

            #[inline]
            pub(super) fn new(server: &crate::runtime::mock::MockServer) -> Self {
                Self {
                    stub: crate::runtime::mock::Stub::new::<super::super::Api>(
                        server,
                        &Self::OPERATION,
                        #decoder,
                        #encoder,
                    ),
                }
            }
            #( #setters )*
        }

        impl crate::runtime::mock::StubBuilder for #name {
            type Body = #body_type;
            type Response = #response_type;
            fn stub(&mut self) -> &mut crate::runtime::mock::Stub<#body_type, #response_type> {
                &mut self.stub
            }
            fn into_stub(self) -> crate::runtime::mock::Stub<#body_type, #response_type> {
                self.stub
            }
        }
        #paged_impl
    }
}

/// `.paged(Paging::new("next_token", "next_token", false))`: the token parameter and the
/// page's token field by their wire names.
fn paging(pagination: &Pagination) -> TokenStream {
    let param = &pagination.token_param.wire;
    let field = &pagination.token_field.wire;
    let required = !pagination.token_optional;
    quote!(.paged(crate::runtime::mock::Paging::new(#param, #field, #required)))
}

/// The setter that expects `param`, recorded as the request builder sends it.
fn setter(op: &Operation, param: &Param) -> TokenStream {
    let models = quote!(super::super::models::);
    let rust = ident(&param.name.rust);
    let wire = &param.name.wire;
    let (ty, convert) = argument(&param.ty, &models);
    let docs = doc(&format!(
        "Answers only requests whose {} `{wire}` is this value (as the client sends it).",
        match param.location {
            Location::Path => "path parameter",
            Location::Query => "query parameter",
            Location::Header => "header",
        }
    ));
    // Written as the request builder writes it: through serde for objects.
    let value = match param.style {
        Style::Object(style) => {
            let style = super::send::object_style(style);
            quote!(&crate::runtime::Serialized::new(&value, #style))
        }
        Style::Plain | Style::Joined(_) => quote!(&value),
    };
    let record = match (param.location, param.keys, param.style) {
        (Location::Path, ..) => {
            // The position among the template's placeholders: the Profile API's
            // `/indexes/{id}/profiles/{id}` has two of one name.
            let position = op
                .path_parts
                .iter()
                .filter_map(|part| match part {
                    PathPart::Param(name) => Some(name),
                    PathPart::Literal(_) => None,
                })
                .position(|name| name.rust == param.name.rust)
                .unwrap_or(0);
            quote!(self.stub.expect_path(#position, #wire, #value);)
        }
        (Location::Header, ..) => quote!(self.stub.expect_header(#wire, #value);),
        (Location::Query, QueryKeys::Bracketed, _) => {
            let call = quote!(expect_query_bracketed(#wire, &key.into(), value #convert));
            return caller_keyed(&rust, &ty, docs, call);
        }
        (Location::Query, QueryKeys::CallerNamed, _) => {
            let call = quote!(expect_query_caller_named(&key.into(), value #convert));
            return caller_keyed(&rust, &ty, docs, call);
        }
        (Location::Query, QueryKeys::Fixed, Style::Joined(separator)) => {
            quote!(self.stub.expect_query_joined(#wire, &value, #separator);)
        }
        (Location::Query, QueryKeys::Fixed, _) => quote!(self.stub.expect_query(#wire, #value);),
    };
    let value_type = rust_type(&param.ty, &models);
    let allow = allow_std_names(&param.name.rust);
    quote! {
        #docs
        #allow
        pub fn #rust(mut self, value: #ty) -> Self {
            let value: #value_type = value #convert;
            #record
            self
        }
    }
}

/// The setter of a parameter whose keys the caller chooses: one `key, value` pair per
/// call, as on the request builder.
fn caller_keyed(
    rust: &proc_macro2::Ident,
    ty: &TokenStream,
    docs: TokenStream,
    call: TokenStream,
) -> TokenStream {
    let allow = allow_std_names(&rust.to_string());
    quote! {
        #docs
        #allow
        pub fn #rust(mut self, key: impl ::std::convert::Into<::std::string::String>, value: #ty) -> Self {
            self.stub.#call;
            self
        }
    }
}

/// A setter named like a std trait's method (`add`, `from_str`) is what the document
/// says, not a trait left unimplemented.
fn allow_std_names(name: &str) -> Option<TokenStream> {
    shadows_std_trait_method(name).then(|| quote!(#[allow(clippy::should_implement_trait)]))
}

/// The type `expect_body` predicates see, and the runtime function that decodes it.
fn body_types(op: &Operation) -> (TokenStream, TokenStream) {
    let models = quote!(super::super::models::);
    let Some(body) = &op.body else {
        return (quote!(()), quote!(crate::runtime::mock::no_body));
    };
    match body.media {
        Media::Json => {
            let ty = rust_type(&body.ty, &models);
            (ty.clone(), quote!(crate::runtime::mock::json_body::<#ty>))
        }
        Media::Form => (
            quote!(::std::vec::Vec<(::std::string::String, ::std::string::String)>),
            quote!(crate::runtime::mock::form_body),
        ),
        Media::Text => (
            quote!(::std::string::String),
            quote!(crate::runtime::mock::text_body),
        ),
        Media::Bytes | Media::Multipart => (
            quote!(crate::runtime::Bytes),
            quote!(crate::runtime::mock::bytes_body),
        ),
    }
}

/// The type a stub answers with, the runtime function that encodes it, and its media
/// type. An operation whose 2xx statuses carry different payloads is answered with raw
/// bytes (`respond_status(status, bytes)`).
fn response_types(op: &Operation) -> (TokenStream, TokenStream, String) {
    let models = quote!(super::super::models::);
    let payload = match &op.success {
        Success::Single { payload, .. } => payload.as_ref(),
        Success::Outcomes { outcomes, .. } => {
            let content_type = outcomes
                .iter()
                .find_map(|o| o.payload.as_ref())
                .map_or_else(|| "application/json".to_owned(), |p| p.content_type.clone());
            return (
                quote!(crate::runtime::Bytes),
                quote!(crate::runtime::mock::bytes_response),
                content_type,
            );
        }
    };
    let Some(payload) = payload else {
        return (
            quote!(()),
            quote!(crate::runtime::mock::no_response),
            String::new(),
        );
    };
    let content_type = payload.content_type.clone();
    match payload.media {
        Media::Text => (
            quote!(::std::string::String),
            quote!(crate::runtime::mock::text_response),
            content_type,
        ),
        Media::Bytes | Media::Multipart => (
            quote!(crate::runtime::Bytes),
            quote!(crate::runtime::mock::bytes_response),
            content_type,
        ),
        Media::Json | Media::Form => {
            let ty = rust_type(&payload.ty, &models);
            (
                ty.clone(),
                quote!(crate::runtime::mock::json_response::<#ty>),
                content_type,
            )
        }
    }
}
