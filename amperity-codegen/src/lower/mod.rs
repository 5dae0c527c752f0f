//! Stage 2: `openapiv3::OpenAPI` → [`crate::ir::Api`].
//!
//! Lowering resolves references, decides every name once (and reports collisions),
//! separates the ambient headers from operation parameters, names inline types after
//! their owner, and sorts everything. Nothing after this stage looks at the document.

pub mod conventions;
mod operation;
mod pagination;
mod params;
mod path_query;
mod payload;
mod schema;
mod security;
mod size;

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr};

use crate::error::{Error, ErrorKind, Pointer, Result};
use crate::ir::{Api, ApiVersion, Model, ModelKind, Server, TypeRef};
use crate::names::{Case, Name, NameSet, escape, joined_type, spell_out};
use crate::resolve::Resolver;

use conventions::Conventions;
pub(crate) use operation::is_ambient_header;

/// How deep schemas may nest inside one another before the document is refused; deeper
/// documents are almost certainly hostile and would otherwise exhaust the stack.
const MAX_DEPTH: usize = crate::limits::MAX_LOWERING_DEPTH;

/// Lowers a loaded document into the IR of module `module`. `document` names it in errors.
pub fn lower(document: &str, module: &str, spec: &OpenAPI) -> Result<Api> {
    lower_with(document, module, spec, None)
}

/// [`lower`], reading the document by Amperity's [`Conventions`] when it is Amperity's.
pub fn lower_with(
    document: &str,
    module: &str,
    spec: &OpenAPI,
    conventions: Option<&Conventions>,
) -> Result<Api> {
    let mut lowerer = Lowerer {
        conventions,
        spec,
        resolve: Resolver::new(document, spec),
        models: BTreeMap::new(),
        model_names: NameSet::default(),
        components: BTreeMap::new(),
        tenant_header: None,
        api_version: None,
    };
    lowerer.declare_components()?;
    lowerer.lower_components()?;
    let mut operations = lowerer.lower_operations()?;
    lowerer.complete_conventions()?;
    lowerer.mark_request_bodies(&operations);
    schema::newtype_alias_cycles(&mut lowerer.models);
    schema::box_recursive_fields(&mut lowerer.models);
    size::box_large_variants(&mut lowerer.models, &mut operations);
    schema::order_untagged_variants(&mut lowerer.models);
    pagination::detect(&mut operations, &lowerer.models);
    let servers = lowerer.lower_servers()?;
    Ok(Api {
        module: module.to_owned(),
        // One line: the title heads the module's docs and names the client in prose.
        title: spec
            .info
            .title
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        version: spec.info.version.clone(),
        description: spec.info.description.clone(),
        servers,
        tenant_header: lowerer.tenant_header,
        api_version: lowerer.api_version,
        models: lowerer.models,
        operations,
        rate_limit: None,
        rate_limit_family: module.to_owned(),
        security: security::security(spec),
    })
}

pub(crate) struct Lowerer<'a> {
    pub(crate) spec: &'a OpenAPI,
    /// Set for a document that is Amperity's.
    pub(crate) conventions: Option<&'a Conventions>,
    /// The document's references, resolved as `diff` resolves them.
    pub(crate) resolve: Resolver<'a>,
    pub(crate) models: BTreeMap<String, Model>,
    /// Type names of the models module.
    pub(crate) model_names: NameSet,
    /// Component schema name → Rust type name.
    pub(crate) components: BTreeMap<String, String>,
    pub(crate) tenant_header: Option<String>,
    pub(crate) api_version: Option<ApiVersion>,
}

impl<'a> Lowerer<'a> {
    pub(crate) fn error(&self, kind: ErrorKind, at: &Pointer, message: impl Into<String>) -> Error {
        self.resolve.error(kind, at, message)
    }

    /// Escapes `wire` or reports that it cannot become a Rust name.
    pub(crate) fn escape(
        &self,
        wire: &str,
        case: Case,
        at: &Pointer,
        what: &str,
    ) -> Result<String> {
        // A name with no ASCII letter or digit is spelled out (`-` → `Minus`).
        escape(wire, case)
            .or_else(|| escape(&spell_out(wire), case))
            .ok_or_else(|| {
                self.error(
                    ErrorKind::Internal,
                    at,
                    format!(
                        "generator bug: {what} {wire:?} could not be spelled out as a Rust name"
                    ),
                )
            })
    }

    /// Claims a type name in the models module and returns the name it got (see
    /// [`NameSet::claim`]); inline types are named by joining their owner's name with
    /// theirs, so the name is [`joined_type`] first.
    pub(crate) fn claim_model_name(&mut self, rust: &str, wire: &str, at: &Pointer) -> String {
        self.model_names
            .claim(&joined_type(rust), wire, at.as_str())
    }

    /// Every component schema gets its name before any is lowered, so references
    /// between them (including cycles) resolve.
    fn declare_components(&mut self) -> Result<()> {
        let spec = self.spec;
        let Some(components) = &spec.components else {
            return Ok(());
        };
        let mut keys: Vec<&String> = components.schemas.keys().collect();
        keys.sort();
        for key in keys {
            let at = Pointer::root().join("components").join("schemas").join(key);
            let rust = self.escape(key, Case::Type, &at, "schema name")?;
            let rust = self.claim_model_name(&rust, key, &at);
            self.components.insert(key.clone(), rust);
        }
        Ok(())
    }

    fn lower_components(&mut self) -> Result<()> {
        let spec = self.spec;
        let Some(components) = &spec.components else {
            return Ok(());
        };
        for (key, schema) in &components.schemas {
            let at = Pointer::root().join("components").join("schemas").join(key);
            let rust = self.components[key].clone();
            let name = Name {
                rust,
                wire: key.clone(),
            };
            match schema {
                ReferenceOr::Reference { reference } => {
                    let target = self.schema_ref(reference, &at)?;
                    self.insert_model(name, None, ModelKind::Alias(target), &at);
                }
                ReferenceOr::Item(schema) => self.define(name, schema, &at, 0)?,
            }
        }
        Ok(())
    }

    pub(crate) fn insert_model(
        &mut self,
        name: Name,
        doc: Option<String>,
        kind: ModelKind,
        at: &Pointer,
    ) {
        self.models.insert(
            name.rust.clone(),
            Model {
                name,
                doc,
                kind,
                pointer: at.as_str().to_owned(),
                request_body: false,
                example: None,
            },
        );
    }

    /// Resolves a `#/components/schemas/X` reference to the Rust type name of `X`.
    pub(crate) fn schema_ref(&self, reference: &str, at: &Pointer) -> Result<TypeRef> {
        let name = self.resolve.name(reference, "schemas", at)?;
        self.components
            .get(&name)
            .map(|rust| TypeRef::Named(rust.clone()))
            .ok_or_else(|| self.resolve.dangling(reference, at))
    }

    fn lower_servers(&self) -> Result<Vec<Server>> {
        let mut names = NameSet::default();
        let mut servers = Vec::new();
        for (index, server) in self.spec.servers.iter().enumerate() {
            let at = Pointer::root().join("servers").join(index);
            let (variables, default_url) = self.server_variables(server, &at)?;
            let label = server
                .description
                .clone()
                .unwrap_or_else(|| format!("server {}", index + 1));
            // A constant when the URL is fixed, a function of the variables otherwise.
            let case = if variables.is_empty() {
                Case::Constant
            } else {
                Case::Value
            };
            let rust = self.escape(&label, case, &at.join("description"), "server description")?;
            let rust = names.claim(&rust, &label, at.as_str());
            servers.push(Server {
                name: Name { rust, wire: label },
                url: server.url.clone(),
                description: server.description.clone(),
                variables,
                default_url,
            });
        }
        Ok(servers)
    }

    /// The variables a server URL uses, in order, and the URL with their defaults.
    fn server_variables(
        &self,
        server: &openapiv3::Server,
        at: &Pointer,
    ) -> Result<(Vec<Name>, String)> {
        let mut variables = Vec::new();
        let mut variable_names = NameSet::default();
        let mut default_url = server.url.clone();
        for (variable, spec) in server.variables.iter().flatten() {
            default_url = default_url
                .replace(&format!("{{{variable}}}"), &spec.default)
                .replace(&format!("<{variable}>"), &spec.default);
            let used = server.url.contains(&format!("{{{variable}}}"))
                || server.url.contains(&format!("<{variable}>"));
            if !used {
                continue;
            }
            let vat = at.join("variables").join(variable);
            let rust = self.escape(variable, Case::Value, &vat, "server variable")?;
            let rust = variable_names.claim(&rust, variable, vat.as_str());
            variables.push(Name {
                rust,
                wire: variable.clone(),
            });
        }
        Ok((variables, default_url))
    }
}
