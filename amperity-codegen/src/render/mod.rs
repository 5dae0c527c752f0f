//! Stages 3 and 4: IR → tokens → formatted text.
//!
//! Each generated file is rendered to tokens, parsed as a `syn::File` and printed by
//! prettyplease, so formatting never depends on the installed toolchain; a large file
//! one item at a time (`text`). Tokens that do not parse are a bug of this generator,
//! reported as [`ErrorKind::Internal`](crate::ErrorKind::Internal).

mod docs;
pub(crate) mod krate;
mod mock;
mod models;
mod module;
mod operations;
mod samples;
mod send;
mod text;
mod types;

use std::collections::BTreeMap;

use crate::error::Result;
use crate::ir::Api;
use crate::{ApiInput, CrateOptions};
use text::FileText;

/// The files of one API module, keyed by path relative to the crate root.
pub fn api_files(api: &Api, header: &str) -> Result<BTreeMap<String, String>> {
    let dir = format!("src/{}", api.module);
    let mut files = BTreeMap::new();
    let file = || FileText::new(header, &api.module);
    // Largest first: a file's pieces and its joined text are both alive at its end, and
    // the smaller that is, the less it adds to the files already done.
    files.insert(format!("{dir}/mock.rs"), mock::mock_file(api, file())?);
    files.insert(
        format!("{dir}/models.rs"),
        models::models_file(api, file())?,
    );
    files.insert(
        format!("{dir}/requests.rs"),
        operations::requests_file(api, file())?,
    );
    files.insert(format!("{dir}/mod.rs"), module::module_file(api, file())?);
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
    let mut lib = FileText::new(header, "lib");
    lib.items(krate::lib_file(options, apis))?;
    files.insert("src/lib.rs".to_owned(), lib.finish());
    Ok(files)
}
