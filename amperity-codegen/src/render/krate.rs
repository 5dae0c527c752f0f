//! The crate around the API modules: `Cargo.toml` and `src/lib.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::inner_doc;
use super::types::ident;
use crate::ir::Api;
use crate::{ApiInput, CrateOptions};

/// The dependencies the runtime and the generated code use: one list for the committed
/// crate and for standalone crates alike.
const DEPENDENCIES: &str = r#"[dependencies]
bytes = "1"
chrono = { version = "0.4", default-features = false, features = ["serde", "std", "clock"] }
fastrand = "2"
futures-core = "0.3"
governor = { version = "0.10", default-features = false, features = ["std"] }
http = "1"
percent-encoding = "2"
reqwest = { version = "0.12", default-features = false, features = ["json", "rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["sync", "time"] }
tracing = "0.1"
url = "2"

[dev-dependencies]
futures-util = "0.3"
tokio = { version = "1", features = ["macros", "rt-multi-thread", "test-util"] }
tracing-subscriber = { version = "0.3", features = ["fmt", "env-filter"] }
"#;

/// `Cargo.toml`. A workspace member inherits edition and lints from the workspace; a
/// standalone crate spells them out and is its own workspace root.
pub fn cargo_toml(options: &CrateOptions, apis: &[ApiInput<'_>], header: &str) -> String {
    let features = feature_table(apis);
    if options.workspace_member {
        format!(
            "{header}[package]\nname = \"{name}\"\nversion = \"0.1.0\"\ndescription = \"A Rust client for Amperity's APIs, generated from their OpenAPI documents.\"\nedition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n{features}{DEPENDENCIES}\n[lints]\nworkspace = true\n",
            name = options.name
        )
    } else {
        format!(
            "{header}[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\nrust-version = \"1.88\"\npublish = false\n\n{features}{DEPENDENCIES}\n[lints.rust]\nunsafe_code = \"forbid\"\n\n# A standalone crate is its own workspace; remove this table to add it to yours.\n[workspace]\n",
            name = options.name
        )
    }
}

fn feature_table(apis: &[ApiInput<'_>]) -> String {
    let features: Vec<&str> = apis.iter().filter_map(|a| a.feature).collect();
    if features.is_empty() {
        return String::new();
    }
    let mut table = String::from("[features]\ndefault = []\n");
    for feature in features {
        table.push_str(&format!("{feature} = []\n"));
    }
    table.push('\n');
    table
}

/// `src/lib.rs`: crate docs, the runtime, and one module per API.
pub fn lib_file(options: &CrateOptions, apis: &[(ApiInput<'_>, Api)]) -> TokenStream {
    let list: Vec<String> = apis
        .iter()
        .map(|(input, api)| {
            let gate = input
                .feature
                .map(|f| format!(" (feature `{f}`)"))
                .unwrap_or_default();
            format!(
                "- [`{m}`]: {} {}{gate}",
                api.title,
                api.version,
                m = api.module
            )
        })
        .collect();
    let docs = inner_doc(&format!(
        "A Rust client for Amperity's APIs, generated from their OpenAPI documents.\n\n{}\n\nEach module has a `Client` (configured once with tenant, credentials and base URL), `models` and `requests`; `runtime` holds the hand-written HTTP layer they share.",
        list.join("\n")
    ));
    let modules = apis.iter().map(|(input, api)| {
        let module = ident(&api.module);
        let gate = input.feature.map(|f| quote!(#[cfg(feature = #f)]));
        quote! {
            #gate
            #[rustfmt::skip]
            pub mod #module;
        }
    });
    // Hand-written modules, kept beside the runtime; the generator only declares them.
    let extra = options.extra_modules.iter().map(|m| {
        let module = ident(m);
        quote!(pub mod #module;)
    });
    quote! {
        #docs
        pub mod runtime;
        #( #extra )*
        #( #modules )*
    }
}
