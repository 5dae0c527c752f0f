//! Swagger 2.0 → OpenAPI 3.0, in process, on `serde_json::Value`.
//!
//! Amperity published this API as Swagger 2.0 until 2026 and older tenants' tooling still
//! holds such documents. [`load`](crate::load) converts them here and then reads the result
//! exactly like a 3.0 document, so nothing after loading knows which version it was given.
//! Pure: values in, values out, document order kept.
//!
//! # Rules
//!
//! - `host` + `basePath` + `schemes` → one server per scheme, `https` first (the first
//!   server is the generated client's default, and the runtime only sends tokens over
//!   https); no `schemes` means https; no `host` → one relative server from `basePath`;
//!   neither → no servers. A trailing `/` of `basePath` is dropped, because paths start
//!   with one. An operation's own `schemes` become its `servers`.
//! - `definitions` → `components/schemas`; top-level `parameters` → `components/parameters`
//!   (body parameters → `components/requestBodies`; formData parameters have no reusable
//!   3.0 form, so they are inlined where an operation refers to them); `responses` →
//!   `components/responses`; `securityDefinitions` → `components/securitySchemes` (basic →
//!   http basic; apiKey unchanged; oauth2 `implicit`, `password`, `application` →
//!   `clientCredentials`, `accessCode` → `authorizationCode`).
//! - `$ref`s: `#/definitions/X` → `#/components/schemas/X`, `#/parameters/X` →
//!   `#/components/parameters/X`, or the operation's `requestBody` `$ref`s
//!   `#/components/requestBodies/X` when X is a body parameter, `#/responses/X` →
//!   `#/components/responses/X`. A referenced body or response whose media types would
//!   differ (the operation has its own `consumes`/`produces`) is inlined instead, because a
//!   component only knows the document's media types. Every reference is checked: it must
//!   be local, point into the right section, and find something there.
//! - An `in: body` parameter → `requestBody`: one `content` entry per media type of
//!   `consumes` (the operation's, else the document's, else `application/json`),
//!   `description` and `required` carried, the parameter's name kept as
//!   `x-codegen-request-body-name` (where other converters put it).
//! - `in: formData` parameters → one `requestBody`: `multipart/form-data` when `consumes`
//!   lists it or a parameter is a file, else `application/x-www-form-urlencoded`; an object
//!   schema of the fields with their `required` list; an array's `collectionFormat` becomes
//!   the field's `encoding`; `allowEmptyValue` has no home in a schema and is kept as the
//!   property's `x-allowEmptyValue`.
//! - Path-level body and formData parameters move into each operation of the path item
//!   (3.0 has no path-level body); the operation's own body or same-named field wins.
//! - Other parameters: `type`, `format`, `items`, `enum`, `default` and the limits move into
//!   `schema`. Arrays get `style`/`explode` from `collectionFormat` (default `csv`):
//!   `csv` → `form`/`simple` without explode, `multi` → `form` with explode, `ssv`/`pipes`
//!   → `spaceDelimited`/`pipeDelimited` (query only). `tsv` has no 3.0 equivalent and is an
//!   error, as are `ssv`/`pipes`/`multi` in a path or header. `collectionFormat` on a
//!   non-array means nothing in 2.0 and is ignored.
//! - Responses: `schema` → one `content` entry per media type of `produces` (same
//!   fallbacks as `consumes`); no schema, no content; `headers` → 3.0 header objects;
//!   `examples` → the `example` of the matching media type (examples of a media type
//!   without a schema stay on the response as `x-examples`).
//! - Schemas, recursively through `properties`, `items`, `allOf`, `additionalProperties`:
//!   `x-nullable` → `nullable` (beside a `$ref`, which 3.0 says hides its siblings, the
//!   reference is wrapped in a one-part `allOf`); `type: file` → `type: string, format:
//!   binary`; a `discriminator` string → `{propertyName: ...}`.
//! - `x-` extensions are kept everywhere. A field that Swagger 2.0 does not define where
//!   it stands is an error, not dropped.
//!
//! # Errors and pointers
//!
//! Conversion errors point into the 2.0 document. The conversion also returns an
//! [`Origin`] that maps pointers into the converted document back to where each part came
//! from, and `load` and [`generate_crate`](crate::generate_crate) translate the pointers of
//! later errors with it (`/paths/~1a/post/requestBody/content` →
//! `/paths/~1a/post/parameters/0`), including the pointers a message quotes after "at "
//! (the first holder of a colliding name). Two limits: calling [`load`](crate::load) and
//! [`lower`](crate::lower) separately reports lowering errors at pointers into the
//! converted document, and so do the pointers of inline types in the IR (`Model::pointer`,
//! which the model summary shows).

mod operation;
mod origin;
mod response;
mod schema;
mod security;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

pub(crate) use origin::Origin;

use crate::error::{Error, ErrorKind, Pointer, Reporter, Result};

/// The version converted documents declare.
const OPENAPI_VERSION: &str = "3.0.3";
/// The media type of bodies and responses when neither the operation nor the document says.
const DEFAULT_MEDIA_TYPE: &str = "application/json";

const ROOT_FIELDS: &[&str] = &[
    "swagger",
    "info",
    "host",
    "basePath",
    "schemes",
    "consumes",
    "produces",
    "paths",
    "definitions",
    "parameters",
    "responses",
    "securityDefinitions",
    "security",
    "tags",
    "externalDocs",
];

/// Converts a Swagger 2.0 document (already known to say `swagger: "2.0"`) into an OpenAPI
/// 3.0 one. `document` names it in errors.
pub(crate) fn convert(document: &str, swagger: &Value) -> Result<(Value, Origin)> {
    let report = Reporter::new(document);
    let root = swagger.as_object().ok_or_else(|| {
        report.error(
            ErrorKind::Parse,
            &Pointer::root(),
            "the document is not an object",
        )
    })?;
    let mut converter = Converter {
        report,
        document: swagger,
        root,
        origin: Origin::default(),
        consumes: Vec::new(),
        produces: Vec::new(),
    };
    converter.consumes = converter.media_types(root, "consumes", &Pointer::root(), None)?;
    converter.produces = converter.media_types(root, "produces", &Pointer::root(), None)?;
    let converted = converter.convert_root()?;
    Ok((converted, converter.origin))
}

/// The state of one conversion: the original document, for references, and the origin
/// of everything moved so far.
struct Converter<'a> {
    report: Reporter,
    document: &'a Value,
    root: &'a Map<String, Value>,
    origin: Origin,
    /// The document's `consumes`, or `application/json`.
    consumes: Vec<String>,
    /// The document's `produces`, or `application/json`.
    produces: Vec<String>,
}

impl<'a> Converter<'a> {
    /// The root, in document order: `openapi` first, `servers` where the first of `host`,
    /// `basePath` and `schemes` was, `components` where the first reusable section was.
    fn convert_root(&mut self) -> Result<Value> {
        let root = self.root;
        self.check_fields(root, ROOT_FIELDS, &Pointer::root(), "document root")?;
        let mut out = Map::new();
        out.insert("openapi".into(), OPENAPI_VERSION.into());
        for (key, value) in root {
            match key.as_str() {
                // The version is `openapi` now; media types moved into bodies and responses.
                "swagger" | "consumes" | "produces" => {}
                "host" | "basePath" | "schemes" => {
                    if !out.contains_key("servers") {
                        let servers = self.servers(root.get("schemes"), &Pointer::root())?;
                        out.insert("servers".into(), Value::Array(servers));
                    }
                }
                "definitions" | "parameters" | "responses" | "securityDefinitions" => {
                    if !out.contains_key("components") {
                        out.insert("components".into(), self.components()?);
                    }
                }
                "paths" => {
                    out.insert(key.clone(), self.paths(value)?);
                }
                // `info`, `tags`, `security`, `externalDocs` and extensions read the same in 3.0.
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if out
            .get("servers")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            out.remove("servers");
        }
        Ok(Value::Object(out))
    }

    /// The servers of the document, or of an operation whose `schemes` are under `owner`.
    fn servers(&mut self, schemes: Option<&Value>, owner: &Pointer) -> Result<Vec<Value>> {
        let root = Pointer::root();
        let host = match self.root.get("host") {
            Some(host) => {
                let at = root.join("host");
                let host = self.string(host, &at)?;
                if host.is_empty() || host.contains('/') {
                    return Err(self.error(
                        ErrorKind::Parse,
                        &at,
                        format!("host {host:?} must be a host name with an optional port, without a scheme or path"),
                    ));
                }
                Some(host)
            }
            None => None,
        };
        let base_path = match self.root.get("basePath") {
            Some(base) => {
                let at = root.join("basePath");
                let base = self.string(base, &at)?;
                if !base.starts_with('/') {
                    return Err(self.error(
                        ErrorKind::Parse,
                        &at,
                        format!("basePath {base:?} must start with `/`"),
                    ));
                }
                Some(base)
            }
            None => None,
        };
        let servers_at = owner.join("servers");
        let Some(host) = host else {
            // No host: the API is served relative to wherever the document was found.
            let Some(base) = base_path else {
                return Ok(Vec::new());
            };
            self.origin.built(&servers_at, &root.join("basePath"));
            let url = match base.trim_end_matches('/') {
                "" => "/",
                trimmed => trimmed,
            };
            return Ok(vec![json!({ "url": url })]);
        };
        let schemes_at = owner.join("schemes");
        let mut schemes = match schemes {
            Some(list) => self.strings(list, &schemes_at)?,
            None => Vec::new(),
        };
        for (index, scheme) in schemes.iter().enumerate() {
            if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss") {
                return Err(self.error(
                    ErrorKind::Parse,
                    &schemes_at.join(index),
                    format!("scheme {scheme:?} is not one of http, https, ws, wss"),
                ));
            }
        }
        if schemes.is_empty() {
            schemes.push("https".to_owned());
        }
        // Stable: https first, the others in document order.
        schemes.sort_by_key(|scheme| scheme != "https");
        schemes.dedup();
        let from = if owner.as_str().is_empty() {
            root.join("host")
        } else {
            schemes_at
        };
        self.origin.built(&servers_at, &from);
        let base = base_path.unwrap_or("").trim_end_matches('/');
        Ok(schemes
            .iter()
            .map(|scheme| json!({ "url": format!("{scheme}://{host}{base}") }))
            .collect())
    }

    /// `components`, in the order 3.0 documents usually list them.
    fn components(&mut self) -> Result<Value> {
        let root = self.root;
        let top = Pointer::root();
        let to = top.join("components");
        let mut components = Map::new();
        if let Some(definitions) = root.get("definitions") {
            let at = top.join("definitions");
            let schemas_to = to.join("schemas");
            self.origin.moved(&schemas_to, &at);
            let mut schemas = Map::new();
            for (name, schema) in self.object(definitions, &at, "`definitions`")? {
                let converted = self.schema(schema, &at.join(name), &schemas_to.join(name))?;
                schemas.insert(name.clone(), converted);
            }
            components.insert("schemas".into(), Value::Object(schemas));
        }
        if let Some(responses) = root.get("responses") {
            let at = top.join("responses");
            let responses_to = to.join("responses");
            self.origin.moved(&responses_to, &at);
            let mut converted = Map::new();
            let produces = self.produces.clone();
            for (name, response) in self.object(responses, &at, "`responses`")? {
                let (rat, rto) = (at.join(name), responses_to.join(name));
                let response = self.object(response, &rat, "a response")?;
                let response = self.response(response, &rat, &rto, &produces)?;
                converted.insert(name.clone(), response);
            }
            components.insert("responses".into(), Value::Object(converted));
        }
        if let Some(parameters) = root.get("parameters") {
            let at = top.join("parameters");
            let (params_to, bodies_to) = (to.join("parameters"), to.join("requestBodies"));
            self.origin.moved(&params_to, &at);
            let (mut params, mut bodies) = (Map::new(), Map::new());
            let consumes = self.consumes.clone();
            for (name, param) in self.object(parameters, &at, "`parameters`")? {
                let pat = at.join(name);
                let param = self.object(param, &pat, "a parameter")?;
                match self.location(param, &pat)? {
                    "body" => {
                        let to = bodies_to.join(name);
                        let body = self.body(param, &pat, &to, &consumes)?;
                        self.origin.built(&to, &pat);
                        bodies.insert(name.clone(), body);
                    }
                    // Inlined into each form that refers to it: 3.0 has no reusable form field.
                    "formData" => {}
                    _ => {
                        let param = self.parameter(param, &pat)?;
                        // The 2.0 parameter holds its schema's fields itself.
                        self.origin
                            .moved(&params_to.join(name).join("schema"), &pat);
                        params.insert(name.clone(), param);
                    }
                }
            }
            if !params.is_empty() {
                components.insert("parameters".into(), Value::Object(params));
            }
            if !bodies.is_empty() {
                components.insert("requestBodies".into(), Value::Object(bodies));
            }
        }
        if let Some(schemes) = root.get("securityDefinitions") {
            let at = top.join("securityDefinitions");
            let schemes_to = to.join("securitySchemes");
            self.origin.moved(&schemes_to, &at);
            let mut converted = Map::new();
            for (name, scheme) in self.object(schemes, &at, "`securityDefinitions`")? {
                converted.insert(name.clone(), self.security_scheme(scheme, &at.join(name))?);
            }
            components.insert("securitySchemes".into(), Value::Object(converted));
        }
        Ok(Value::Object(components))
    }

    /// `consumes` or `produces` of `owner` (an operation, or the root when `inherited` is
    /// `None`); an operation without its own inherits the document's, and an empty or
    /// missing list means `application/json`.
    fn media_types(
        &self,
        owner: &Map<String, Value>,
        key: &str,
        at: &Pointer,
        inherited: Option<&[String]>,
    ) -> Result<Vec<String>> {
        let own = match owner.get(key) {
            Some(list) => self.strings(list, &at.join(key))?,
            None => inherited.map(<[String]>::to_vec).unwrap_or_default(),
        };
        Ok(if own.is_empty() {
            vec![DEFAULT_MEDIA_TYPE.to_owned()]
        } else {
            own
        })
    }

    /// Checks a local reference to `#/<section>/<name>` and returns the escaped `<name>`
    /// and what it points to.
    fn local_ref<'r>(
        &self,
        reference: &'r Value,
        section: &str,
        at: &Pointer,
    ) -> Result<(&'r str, &'a Value)> {
        let ref_at = at.join("$ref");
        let reference = self.string(reference, &ref_at)?;
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(self.error(
                ErrorKind::BadReference,
                &ref_at,
                format!("$ref {reference:?} points outside this document; only local references (#/{section}/...) are supported"),
            ));
        };
        let name = match fragment.strip_prefix(&format!("/{section}/")) {
            Some(name) if !name.is_empty() && !name.contains('/') => name,
            _ => {
                return Err(self.error(
                    ErrorKind::BadReference,
                    &ref_at,
                    format!("$ref {reference:?} must point to #/{section}/<name> here"),
                ));
            }
        };
        let target = self.document.pointer(fragment).ok_or_else(|| {
            self.error(
                ErrorKind::BadReference,
                &ref_at,
                format!("$ref {reference:?} points to nothing in this document"),
            )
        })?;
        Ok((name, target))
    }

    fn error(&self, kind: ErrorKind, at: &Pointer, message: impl Into<String>) -> Error {
        self.report.error(kind, at, message)
    }

    /// Refuses a field Swagger 2.0 does not define on `what`; extensions (`x-`) are fine.
    fn check_fields(
        &self,
        object: &Map<String, Value>,
        known: &[&str],
        at: &Pointer,
        what: &str,
    ) -> Result<()> {
        match object
            .keys()
            .find(|key| !key.starts_with("x-") && !known.contains(&key.as_str()))
        {
            Some(key) => Err(self.error(
                ErrorKind::Parse,
                &at.join(key),
                format!("`{key}` is not a field of a Swagger 2.0 {what}"),
            )),
            None => Ok(()),
        }
    }

    fn object<'v>(
        &self,
        value: &'v Value,
        at: &Pointer,
        what: &str,
    ) -> Result<&'v Map<String, Value>> {
        value.as_object().ok_or_else(|| {
            self.error(
                ErrorKind::Parse,
                at,
                format!("expected {what} (an object) here, found {}", kind(value)),
            )
        })
    }

    fn array<'v>(&self, value: &'v Value, at: &Pointer, what: &str) -> Result<&'v [Value]> {
        value.as_array().map(Vec::as_slice).ok_or_else(|| {
            self.error(
                ErrorKind::Parse,
                at,
                format!("expected {what} (an array) here, found {}", kind(value)),
            )
        })
    }

    fn string<'v>(&self, value: &'v Value, at: &Pointer) -> Result<&'v str> {
        value.as_str().ok_or_else(|| {
            self.error(
                ErrorKind::Parse,
                at,
                format!("expected a string here, found {}", kind(value)),
            )
        })
    }

    fn strings(&self, value: &Value, at: &Pointer) -> Result<Vec<String>> {
        self.array(value, at, "a list of strings")?
            .iter()
            .enumerate()
            .map(|(index, item)| self.string(item, &at.join(index)).map(str::to_owned))
            .collect()
    }
}

/// The extensions (`x-...`) of an object, for copying.
fn extensions(object: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    object.iter().filter(|(key, _)| key.starts_with("x-"))
}

/// How a value is described in "found ..." messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
