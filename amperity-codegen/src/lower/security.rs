//! `securitySchemes` and `security` → [`Security`]: what the generated client's builder
//! asks for. Bearer tokens, OAuth2 and basic credentials need nothing from the document
//! (the builder has `.bearer_token`, `.client_credentials`, `.basic_auth`); an API key needs
//! its parameter's name and place, and a document that lets operations run without
//! credentials makes them optional.

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityScheme};

use crate::ir::{ApiKey, Security};

/// What the document says about credentials.
///
/// - The API key: the first `apiKey` scheme (in document order) that a requirement names
///   (the top-level `security`, else any operation's), in a header or the query; a
///   cookie key is left out (the builder has no cookie jar).
/// - Optional: the top-level `security` is absent or empty, or lists an empty
///   requirement (`- {}`); and no operation requires a scheme where the top level is
///   absent. Amperity's documents require their bearer scheme at the top level.
pub(crate) fn security(spec: &OpenAPI) -> Security {
    let required: Vec<&String> = spec
        .security
        .iter()
        .flatten()
        .chain(operation_requirements(spec))
        .flat_map(|requirement| requirement.keys())
        .collect();
    let schemes = spec
        .components
        .as_ref()
        .map(|c| &c.security_schemes)
        .into_iter()
        .flatten();
    let api_key = schemes
        .filter(|(name, _)| required.contains(name))
        .find_map(|(_, scheme)| match scheme {
            ReferenceOr::Item(SecurityScheme::APIKey { location, name, .. }) => match location {
                APIKeyLocation::Header => Some(ApiKey::Header(name.clone())),
                APIKeyLocation::Query => Some(ApiKey::Query(name.clone())),
                APIKeyLocation::Cookie => None,
            },
            _ => None,
        });
    let optional = match &spec.security {
        None => operation_requirements(spec).all(|r| r.is_empty()),
        Some(requirements) => requirements.is_empty() || requirements.iter().any(|r| r.is_empty()),
    };
    Security { api_key, optional }
}

/// The security requirements operations declare for themselves.
fn operation_requirements(spec: &OpenAPI) -> impl Iterator<Item = &openapiv3::SecurityRequirement> {
    spec.paths
        .paths
        .values()
        .filter_map(|item| item.as_item())
        .flat_map(|item| item.iter().map(|(_, op)| op))
        .flat_map(|op| op.security.iter().flatten())
}
