//! Amperity's conventions, applied to a document that is Amperity's whatever it declares.
//!
//! Amperity's API overview requires a tenant (`amperity-tenant`) and an api-version on
//! every request, by header or by the `api_version` query parameter. The 2026 documents
//! declare both headers on every operation; the 2024–2025 control-plane documents (Swagger
//! 2.0) declare `api_version` as an optional query parameter and no tenant at all, so a
//! client generated from them as written would send neither. With [`Conventions`], the
//! client sets both headers once, whatever the document declares: a declared header is
//! taken out of the operations as always, a query `api_version` is taken out the same way
//! (its `enum`/`default`, when it has one, gives the versions), and what the document
//! leaves out is added. Some Amperity APIs take no version (Amperity's pages say so of the
//! Real-time API): [`ApiVersionRule::NoHeader`].

use openapiv3::{ParameterData, ParameterSchemaOrContent, ReferenceOr, SchemaKind, Type};

use super::Lowerer;
use crate::error::{ErrorKind, Pointer, Result};
use crate::ir::ApiVersion;

/// The tenant header Amperity requires.
const TENANT_HEADER: &str = "amperity-tenant";
/// The version header Amperity requires.
const VERSION_HEADER: &str = "api-version";
/// The query parameter Amperity accepts instead of the version header.
const VERSION_QUERY: &str = "api_version";

/// How a document that is Amperity's is read (`spec/manifest.toml`'s `amperity = true`,
/// `cargo xtask generate --amperity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conventions {
    /// The api-version the client sends when the document declares none.
    pub api_version: ApiVersionRule,
}

/// Which api-version an Amperity document's client sends when the document does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiVersionRule {
    /// The document's `info.version` (Amperity's documents carry the version date there).
    DocumentVersion,
    /// This value (the manifest's `api_version`).
    Value(String),
    /// No version header at all, even one the document declares.
    NoHeader,
}

impl Lowerer<'_> {
    /// Takes a query `api_version` out of an operation of an Amperity document (true), or
    /// leaves it (false: not Amperity's, not that parameter, or no version is sent).
    pub(super) fn take_query_version(
        &mut self,
        data: &ParameterData,
        at: &Pointer,
    ) -> Result<bool> {
        let sends_version = self
            .conventions
            .is_some_and(|c| c.api_version != ApiVersionRule::NoHeader);
        if !sends_version || data.name != VERSION_QUERY {
            return Ok(false);
        }
        if self.api_version.is_none() {
            let (values, default) = declared_versions(data);
            if let Some(default) = default.or_else(|| values.first().cloned()) {
                self.api_version =
                    Some(self.version_header(values, default, &at.join("schema"))?);
            }
        }
        Ok(true)
    }

    /// After the operations: the tenant header and the version header an Amperity document
    /// left out.
    pub(super) fn complete_conventions(&mut self) -> Result<()> {
        let Some(conventions) = self.conventions else {
            return Ok(());
        };
        self.tenant_header
            .get_or_insert_with(|| TENANT_HEADER.to_owned());
        let version = match &conventions.api_version {
            ApiVersionRule::NoHeader => {
                self.api_version = None;
                return Ok(());
            }
            _ if self.api_version.is_some() => return Ok(()),
            ApiVersionRule::DocumentVersion => self.spec.info.version.trim().to_owned(),
            ApiVersionRule::Value(value) => value.clone(),
        };
        let at = Pointer::root().join("info").join("version");
        if version.is_empty() {
            return Err(self.error(
                ErrorKind::Unsupported,
                &at,
                "an Amperity document needs an api-version: `info.version` is empty and none was given",
            ));
        }
        self.api_version = Some(self.version_header(vec![version.clone()], version, &at)?);
        Ok(())
    }

    fn version_header(
        &self,
        mut values: Vec<String>,
        default: String,
        at: &Pointer,
    ) -> Result<ApiVersion> {
        if !values.contains(&default) {
            values.insert(0, default.clone());
        }
        Ok(ApiVersion {
            header: VERSION_HEADER.to_owned(),
            values: self.enum_variants(&values, &at.join("enum"))?,
            default,
        })
    }
}

/// The string `enum` and `default` of a parameter's schema.
fn declared_versions(data: &ParameterData) -> (Vec<String>, Option<String>) {
    let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &data.format else {
        return (Vec::new(), None);
    };
    let values = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.enumeration.iter().flatten().cloned().collect(),
        _ => Vec::new(),
    };
    let default = schema
        .schema_data
        .default
        .as_ref()
        .and_then(|d| d.as_str())
        .map(str::to_owned);
    (values, default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Location;

    /// Shaped like the 2024–2025 control-plane documents: Swagger 2.0, an optional query
    /// `api_version`, no tenant.
    const SWAGGER: &str = r#"{"swagger": "2.0",
      "info": {"title": "Amperity API", "version": "2024-04-01"},
      "host": "app.amperity.com", "basePath": "/api", "schemes": ["https"],
      "paths": {"/segments": {"get": {"operationId": "list-segments",
        "parameters": [
          {"name": "api_version", "in": "query", "required": false, "type": "string"},
          {"name": "limit", "in": "query", "required": false, "type": "integer"}],
        "responses": {"200": {"description": "ok"}}}}}}"#;

    fn lowered(conventions: Option<&Conventions>) -> crate::ir::Api {
        let spec = crate::load("old.json", SWAGGER.as_bytes()).unwrap();
        crate::lower::lower_with("old.json", "api", &spec, conventions).unwrap()
    }

    fn query_names(api: &crate::ir::Api) -> Vec<&str> {
        api.operations[0]
            .params
            .iter()
            .filter(|p| p.location == Location::Query)
            .map(|p| p.name.wire.as_str())
            .collect()
    }

    #[test]
    fn an_amperity_document_gets_both_headers_and_loses_the_query_version() {
        let api = lowered(Some(&Conventions {
            api_version: ApiVersionRule::DocumentVersion,
        }));
        assert_eq!(api.tenant_header.as_deref(), Some("amperity-tenant"));
        let version = api.api_version.as_ref().unwrap();
        assert_eq!(
            (version.header.as_str(), version.default.as_str()),
            ("api-version", "2024-04-01")
        );
        assert_eq!(query_names(&api), ["limit"]);

        let api = lowered(Some(&Conventions {
            api_version: ApiVersionRule::Value("2025-01-01".to_owned()),
        }));
        assert_eq!(api.api_version.unwrap().default, "2025-01-01");
    }

    #[test]
    fn without_conventions_or_without_a_version_the_document_is_read_as_written() {
        let api = lowered(None);
        assert_eq!((api.tenant_header, api.api_version), (None, None));
        assert_eq!(query_names(&lowered(None)), ["api_version", "limit"]);

        let api = lowered(Some(&Conventions {
            api_version: ApiVersionRule::NoHeader,
        }));
        assert_eq!(api.tenant_header.as_deref(), Some("amperity-tenant"));
        assert_eq!(api.api_version, None);
    }

    #[test]
    fn a_query_version_with_values_gives_them() {
        let spec = SWAGGER.replace(
            r#""required": false, "type": "string"}"#,
            r#""required": false, "type": "string", "enum": ["2024-04-01", "2023-07-01"], "default": "2024-04-01"}"#,
        );
        let spec = crate::load("old.json", spec.as_bytes()).unwrap();
        let api = crate::lower::lower_with(
            "old.json",
            "api",
            &spec,
            Some(&Conventions {
                api_version: ApiVersionRule::Value("ignored".to_owned()),
            }),
        )
        .unwrap();
        let version = api.api_version.unwrap();
        let values: Vec<&str> = version.values.iter().map(|v| v.wire.as_str()).collect();
        assert_eq!(values, ["2024-04-01", "2023-07-01"]);
        assert_eq!(version.default, "2024-04-01");
    }
}
