//! The crate around the API modules: `Cargo.toml` and `src/lib.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::inner_doc;
use super::types::ident;
use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, ModelKind, TypeRef};
use crate::{ApiInput, CrateOptions};

/// What the generated code uses besides the runtime (serde derives, `chrono` date-times,
/// `serde_json::Value`), in the versions `amperity-runtime` uses, and what the committed
/// crate's examples use.
const DEPENDENCIES: &str = r#"chrono = { version = "0.4.35", default-features = false, features = ["serde", "std"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[dev-dependencies]
futures-util = "0.3"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
tracing-subscriber = { version = "0.3", features = ["fmt", "env-filter"] }
"#;

/// The `[dependencies]` table: the runtime crate, found at `options.runtime_path`, and
/// [`DEPENDENCIES`].
fn dependencies(options: &CrateOptions) -> String {
    format!(
        "[dependencies]\namperity-runtime = {{ version = \"0.1.0\", path = {} }}\n{DEPENDENCIES}",
        toml_string(&options.runtime_path)
    )
}

/// `value` as a TOML basic string (quoted, with `"`, `\` and control characters
/// escaped): for the manifests the generator writes and the one `xtask` edits.
pub fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `Cargo.toml`. A workspace member inherits edition and lints from the workspace; a
/// standalone crate spells them out and is its own workspace root.
pub fn cargo_toml(options: &CrateOptions, apis: &[ApiInput<'_>], header: &str) -> String {
    let features = feature_table(apis);
    let mut dependencies = dependencies(options);
    for example in &options.test_kit_examples {
        dependencies.push_str(&format!(
            "\n[[example]]\nname = {}\nrequired-features = [\"test-kit\"]\ntest = true\n",
            toml_string(example)
        ));
    }
    if options.workspace_member {
        format!(
            "{header}[package]\nname = \"{name}\"\nversion = \"0.1.0\"\ndescription = \"A Rust client for Amperity's APIs, generated from their OpenAPI documents.\"\nedition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n{features}{dependencies}\n[lints]\nworkspace = true\n",
            name = options.name
        )
    } else {
        format!(
            "{header}[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\nrust-version = \"1.88\"\npublish = false\n\n{features}{dependencies}\n[lints.rust]\nunsafe_code = \"forbid\"\n\n# A standalone crate is its own workspace; remove this table to add it to yours.\n[workspace]\n",
            name = options.name
        )
    }
}

/// `[features]`: one per optional module; `redis`, which switches on the runtime's
/// fleet-wide rate limiter (`RateLimiter::redis`) without the crate's users naming the
/// runtime crate themselves; and `test-kit`, each module's `mock` on the runtime's mock
/// server (which only this feature adds to the build).
fn feature_table(apis: &[ApiInput<'_>]) -> String {
    let mut table = String::from("[features]\ndefault = []\n");
    for feature in apis.iter().filter_map(|a| a.feature) {
        table.push_str(&format!("{feature} = []\n"));
    }
    table.push_str("redis = [\"amperity-runtime/redis\"]\n");
    table.push_str("test-kit = [\"amperity-runtime/test-kit\"]\n\n");
    table
}

/// `src/lib.rs`: crate docs, the runtime (re-exported as `runtime`, the path generated code
/// uses), and one module per API.
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
    let subject = match apis {
        _ if apis
            .iter()
            .all(|(_, api)| api.title.starts_with("Amperity")) =>
        {
            "Amperity's APIs, generated from their OpenAPI documents".to_owned()
        }
        [(_, api)] => format!("{}, generated from its OpenAPI document", api.title),
        _ => "the APIs below, generated from their OpenAPI documents".to_owned(),
    };
    let docs = inner_doc(&format!(
        "A Rust client for {subject}.\n\n{}\n\nEach module has a `Client` (configured once with tenant, credentials and base URL), `models` and `requests`; `runtime` holds the hand-written HTTP layer they share.",
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
    // Hand-written modules of the crate; the generator only declares them.
    let extra = options.extra_modules.iter().map(|m| {
        let module = ident(m);
        quote!(pub mod #module;)
    });
    let recursion_limit = deep_types(apis).then(|| quote!(#![recursion_limit = "512"]));
    quote! {
        #docs
        #recursion_limit
        pub use amperity_runtime as runtime;
        #( #extra )*
        #( #modules )*
    }
}

/// Types nested this deep (containers and structs inside one another) need more than
/// rustc's default recursion limit of 128 when it checks auto traits such as
/// `RefUnwindSafe` (each `BTreeMap` level costs several steps): the crate raises it.
const DEEP_TYPE: usize = 12;

/// Whether any model nests deeper than [`DEEP_TYPE`].
fn deep_types(apis: &[(ApiInput<'_>, Api)]) -> bool {
    apis.iter().any(|(_, api)| {
        let mut depths = BTreeMap::new();
        api.models
            .keys()
            .any(|name| model_depth(api, name, &mut depths, &mut BTreeSet::new()) > DEEP_TYPE)
    })
}

fn model_depth(
    api: &Api,
    name: &str,
    depths: &mut BTreeMap<String, usize>,
    visiting: &mut BTreeSet<String>,
) -> usize {
    if let Some(depth) = depths.get(name) {
        return *depth;
    }
    // A type met again inside itself is behind a `Box`, `Vec` or map: it adds nothing new.
    if !visiting.insert(name.to_owned()) {
        return 0;
    }
    let types: Vec<&TypeRef> = match api.models.get(name).map(|m| &m.kind) {
        Some(ModelKind::Struct(fields)) => fields.iter().map(|f| &f.ty).collect(),
        Some(ModelKind::Alias(ty) | ModelKind::Newtype(ty)) => vec![ty],
        Some(ModelKind::Union(union)) => union.variants.iter().map(|v| &v.ty).collect(),
        Some(ModelKind::Enum(_)) | None => Vec::new(),
    };
    let depth = 1 + types
        .into_iter()
        .map(|ty| type_depth(api, ty, depths, visiting))
        .max()
        .unwrap_or(0);
    visiting.remove(name);
    depths.insert(name.to_owned(), depth);
    depth
}

fn type_depth(
    api: &Api,
    ty: &TypeRef,
    depths: &mut BTreeMap<String, usize>,
    visiting: &mut BTreeSet<String>,
) -> usize {
    match ty {
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
            1 + type_depth(api, inner, depths, visiting)
        }
        TypeRef::Named(name) => model_depth(api, name, depths, visiting),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::toml_string;

    #[test]
    fn toml_strings_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(
            toml_string("/work/amperity-runtime"),
            "\"/work/amperity-runtime\""
        );
        assert_eq!(toml_string(r#"C:\crates\"x""#), r#""C:\\crates\\\"x\"""#);
        assert_eq!(toml_string("a\nb\tc\u{1}"), r#""a\nb\tc\u0001""#);
    }
}
