//! The API module's `mod.rs`: module docs, `ApiVersion`, the `Api` marker that configures
//! the runtime, `servers`, and `Client` with one method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc, inner_doc};
use super::models::string_enum;
use super::operations::client_method;
use super::text::{FileText, Inside};
use super::types::ident;
use crate::error::Result;
use crate::ir::{Api, ApiKey, Security};

/// The contents of `src/<module>/mod.rs`.
pub fn module_file(api: &Api, mut file: FileText) -> Result<String> {
    let module_doc = inner_doc(&format!(
        "{} (version {}).\n\n{}",
        api.title,
        api.version,
        api.description.as_deref().unwrap_or("")
    ));
    let title = &api.title;
    let default_base_url = api
        .servers
        .first()
        .map(|s| s.default_url.as_str())
        .unwrap_or("");
    let (version_type, version_enum) = match &api.api_version {
        Some(version) => {
            let mut variants = version.values.clone();
            // The default goes first so `#[default]` lands on it.
            if let Some(pos) = variants.iter().position(|v| v.wire == version.default) {
                let default = variants.remove(pos);
                variants.insert(0, default);
            }
            let description = format!(
                "The values of the `{}` header this document knows; the client sends `{}` unless told otherwise. Any other value can be sent as `ApiVersion::from(\"...\")`.",
                version.header, version.default
            );
            (
                quote!(ApiVersion),
                string_enum(&ident("ApiVersion"), Some(&description), &variants, true),
            )
        }
        None => (quote!(crate::runtime::Unversioned), TokenStream::new()),
    };
    let tenant_header = option_str(api.tenant_header.as_deref());
    let version_header = option_str(api.api_version.as_ref().map(|v| v.header.as_str()));
    let builder_fn = match &api.tenant_header {
        Some(header) => {
            let docs = doc(&format!(
                "A builder for a client of tenant `tenant` (sent as `{header}`), using the document's first server and its api-version; add credentials, then `build()`."
            ));
            quote! {
                #docs
                pub fn builder(tenant: impl ::std::convert::Into<::std::string::String>) -> ClientBuilder {
                    ClientBuilder::new().tenant(tenant)
                }
            }
        }
        None => quote! {
            /// A builder using the document's first server; add credentials, then `build()`.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::new()
            }
        },
    };
    let rate_limit = match api.rate_limit {
        Some(per_second) => {
            quote!(::std::option::Option::Some(crate::runtime::RateLimit::per_second(#per_second)))
        }
        None => quote!(::std::option::Option::None),
    };
    let rate_limit_family = &api.rate_limit_family;
    let security = security_consts(&api.security);
    let servers = servers_module(api);
    let client_doc = doc(&format!(
        "A client of the {title}: configured once (base URL, tenant, api-version, credentials), cheap to clone, one method per operation."
    ));
    file.items(quote! {
        #module_doc

        pub mod models;
        pub mod requests;
        #[cfg(feature = "test-kit")]
        pub mod mock;

        #version_enum

        /// Ties the runtime to this API: its client type, version type and defaults.
        #[derive(Debug, Clone, Copy)]
        pub struct Api;

        impl crate::runtime::Api for Api {
            type Client = Client;
            type Version = #version_type;
            const TITLE: &'static str = #title;
            const DEFAULT_BASE_URL: &'static str = #default_base_url;
            const TENANT_HEADER: ::std::option::Option<&'static str> = #tenant_header;
            const API_VERSION_HEADER: ::std::option::Option<&'static str> = #version_header;
            const DEFAULT_RATE_LIMIT: ::std::option::Option<crate::runtime::RateLimit> = #rate_limit;
            const RATE_LIMIT_FAMILY: &'static str = #rate_limit_family;
            #security
        }

        /// Configures a [`Client`]; see [`crate::runtime::ClientBuilder`].
        pub type ClientBuilder = crate::runtime::ClientBuilder<Api>;

        #servers

        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: crate::runtime::ApiClient,
        }

        // Only this document's `ClientBuilder` makes a `Configured<Api>`: no client of
        // another document can be turned into this one.
        #[doc(hidden)]
        impl ::std::convert::From<crate::runtime::Configured<Api>> for Client {
            fn from(configured: crate::runtime::Configured<Api>) -> Self {
                Self { runtime: configured.into_runtime() }
            }
        }
    })?;
    let client = quote! {
        impl Client {
            #builder_fn

            /// The runtime client that sends this client's requests.
            pub fn runtime(&self) -> &crate::runtime::ApiClient {
                &self.runtime
            }
        }
    };
    // The methods, one per operation: most of the file for a large document.
    file.block_of(client, Inside::Impl, &api.operations, client_method)?;
    Ok(file.finish())
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

fn servers_module(api: &Api) -> TokenStream {
    let items = api.servers.iter().map(|server| {
        let url = &server.url;
        let description = server.description.as_deref().unwrap_or("A server of the document.");
        if server.variables.is_empty() {
            let name = ident(&server.name.rust);
            let docs = doc(&format!("{description}: `{url}`."));
            quote! { #docs pub const #name: &str = #url; }
        } else {
            let name = ident(&server.name.rust);
            let docs = doc(&format!(
                "{description}: `{url}` with the variables filled in. Each value must be a host-name label (letters, digits, `-`)."
            ));
            let args = server.variables.iter().map(|v| {
                let rust = ident(&v.rust);
                quote!(#rust: &str)
            });
            let pairs = server.variables.iter().map(|v| {
                let rust = ident(&v.rust);
                let wire = &v.wire;
                quote!((#wire, #rust))
            });
            quote! {
                #docs
                pub fn #name(#( #args ),*) -> ::std::result::Result<::std::string::String, crate::runtime::Error> {
                    crate::runtime::server_url(#url, &[#( #pairs ),*])
                }
            }
        }
    });
    quote! {
        /// The servers the document lists, as base URLs for [`ClientBuilder::base_url`](crate::runtime::ClientBuilder::base_url).
        pub mod servers {
            #( #items )*
        }
    }
}

/// The `Api` constants for credentials, when they differ from the runtime's defaults (no
/// API key, credentials required), so that Amperity's modules stay as they were.
fn security_consts(security: &Security) -> TokenStream {
    let api_key = security.api_key.as_ref().map(|key| {
        let location = match key {
            ApiKey::Header(name) => quote!(crate::runtime::ApiKey::Header(#name)),
            ApiKey::Query(name) => quote!(crate::runtime::ApiKey::Query(#name)),
        };
        quote! {
            const API_KEY: ::std::option::Option<crate::runtime::ApiKey> =
                ::std::option::Option::Some(#location);
        }
    });
    let optional = security.optional.then(|| {
        quote!(
            const CREDENTIALS_OPTIONAL: bool = true;
        )
    });
    quote!(#api_key #optional)
}
