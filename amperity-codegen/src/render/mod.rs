//! Stages 3 and 4: IR → tokens → formatted text.
//!
//! Each generated file is rendered to tokens, parsed as a `syn::File` and printed by
//! prettyplease, so formatting never depends on the installed toolchain. Tokens that do
//! not parse are a bug of this generator, reported as [`ErrorKind::Internal`].

mod docs;
pub(crate) mod krate;
mod mock;
mod models;
mod module;
mod operations;
mod samples;
mod send;
mod types;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;

use crate::error::{Error, ErrorKind, Result};
use crate::ir::Api;
use crate::{ApiInput, CrateOptions};

/// The files of one API module, keyed by path relative to the crate root.
pub fn api_files(api: &Api, header: &str) -> Result<BTreeMap<String, String>> {
    let dir = format!("src/{}", api.module);
    let mut files = BTreeMap::new();
    files.insert(
        format!("{dir}/mod.rs"),
        format_file(module::module_file(api), header, &api.module)?,
    );
    files.insert(
        format!("{dir}/models.rs"),
        format_file(models::models_file(api), header, &api.module)?,
    );
    files.insert(
        format!("{dir}/requests.rs"),
        format_file(operations::requests_file(api), header, &api.module)?,
    );
    files.insert(
        format!("{dir}/mock.rs"),
        format_file(mock::mock_file(api), header, &api.module)?,
    );
    Ok(files)
}

/// `Cargo.toml` and `src/lib.rs` of a crate holding `apis`.
pub fn crate_files(
    options: &CrateOptions,
    apis: &[(ApiInput<'_>, Api)],
    header: &str,
) -> Result<BTreeMap<String, String>> {
    let inputs: Vec<ApiInput<'_>> = apis.iter().map(|(i, _)| i.clone()).collect();
    let toml_header: String = header
        .lines()
        .map(|l| format!("#{}\n", l.trim_start_matches("//")))
        .collect();
    let mut files = BTreeMap::new();
    files.insert(
        "Cargo.toml".to_owned(),
        krate::cargo_toml(options, &inputs, &toml_header),
    );
    files.insert(
        "src/lib.rs".to_owned(),
        format_file(krate::lib_file(options, apis), header, "lib")?,
    );
    Ok(files)
}

fn format_file(tokens: TokenStream, header: &str, what: &str) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error {
        document: what.to_owned(),
        pointer: String::new(),
        kind: ErrorKind::Internal,
        message: format!("generator bug: the code generated for `{what}` does not parse: {e}"),
    })?;
    Ok(format!("{header}\n{}", prettyplease::unparse(&file)))
}
