//! Paths and operations → [`Operation`]s: names, servers, path templates. Parameters are
//! lowered in `params`, bodies and responses in `payload`.

use std::collections::BTreeMap;

use openapiv3::{ParameterSchemaOrContent, PathItem, ReferenceOr, SchemaKind, Type};

use super::Lowerer;
use super::path_query::{self, QueryPiece};
use crate::error::{ErrorKind, Pointer, Result};
use crate::ir::{ApiVersion, Arguments, Location, Method, Operation, Param, PathPart, Success};
use crate::names::{Case, Name, NameSet, joined_type};

/// Names of the generated `Client`'s own methods, which operations cannot take (the
/// control plane's hand-written waiters included).
const CLIENT_METHODS: &[&str] = &[
    // Not a method of `Client`, but clippy expects a method called `new` to return `Self`.
    "new",
    "builder",
    "runtime",
    "from",
    "clone",
    "fmt",
    "wait_for_workflow",
    "run_workflow_and_wait",
    // The test kit's `MockAmperity::start`, beside one method per operation.
    "start",
];

/// The ambient headers: set once on the client, never per call.
const TENANT_HEADER: &str = "amperity-tenant";
const API_VERSION_HEADER: &str = "api-version";

/// Whether a header parameter is one the client sets itself (tenant, api-version), which
/// lowering takes out of every operation (and `diff` ignores).
pub(crate) fn is_ambient_header(name: &str) -> bool {
    name.eq_ignore_ascii_case(TENANT_HEADER) || name.eq_ignore_ascii_case(API_VERSION_HEADER)
}

/// A client method takes `&self` and its arguments; with more than this many required
/// parameters (and body) they go into one argument struct (clippy's `too_many_arguments`
/// counts seven, `self` or the builder's `client` included).
const MAX_POSITIONAL: usize = 6;

impl<'a> Lowerer<'a> {
    pub(crate) fn lower_operations(&mut self) -> Result<Vec<Operation>> {
        let spec = self.spec;
        let mut method_names = NameSet::reserving(CLIENT_METHODS);
        // Type names of the `requests` module: builders, outcome enums, argument structs.
        // A builder's constructor is `new`, which clippy refuses on a type called `New`.
        let mut request_types = NameSet::reserving(&["New"]);
        let mut operation_ids: BTreeMap<String, Pointer> = BTreeMap::new();
        let mut operations = Vec::new();
        for (path, item) in &spec.paths.paths {
            let pat = Pointer::root().join("paths").join(path);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { reference } => {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        &pat.join("$ref"),
                        format!("path items by reference ({reference:?}) are not supported"),
                    ));
                }
            };
            for (method, op) in methods(item) {
                let at = pat.join(method.key());
                let wire_id = match &op.operation_id {
                    Some(id) => id.clone(),
                    None => format!("{} {path}", method.key()),
                };
                if let Some(first) = operation_ids.insert(wire_id.clone(), at.clone()) {
                    return Err(self.error(
                        ErrorKind::Duplicate,
                        &at.join("operationId"),
                        format!("operationId {wire_id:?} is also used at {first}"),
                    ));
                }
                let id_at = at.join("operationId");
                let rust = self.escape(&wire_id, Case::Value, &id_at, "operationId")?;
                let rust = method_names.claim(&rust, &wire_id, at.as_str());
                let builder = self.request_type(&mut request_types, &wire_id, "", &id_at)?;
                let name = Name {
                    rust,
                    wire: wire_id,
                };
                let place = OperationPlace {
                    method,
                    path,
                    item,
                    op,
                    at: &at,
                };
                let mut operation = self.lower_operation(name, builder, place)?;
                self.name_request_types(&mut operation, &mut request_types, &id_at)?;
                operations.push(operation);
            }
        }
        operations.sort_by(|a, b| a.name.rust.cmp(&b.name.rust));
        Ok(operations)
    }

    /// Claims `{Builder}{suffix}` in the `requests` module for the operation `wire_id`.
    fn request_type(
        &self,
        taken: &mut NameSet,
        wire_id: &str,
        suffix: &str,
        at: &Pointer,
    ) -> Result<Name> {
        let rust = self.escape(wire_id, Case::Type, at, "operationId")?;
        let rust = taken.claim(
            &joined_type(&format!("{rust}{suffix}")),
            wire_id,
            at.as_str(),
        );
        Ok(Name {
            rust,
            wire: wire_id.to_owned(),
        })
    }

    /// Names the outcome enum and the argument struct of an operation that has them,
    /// beside its builder in `requests`.
    fn name_request_types(
        &self,
        operation: &mut Operation,
        taken: &mut NameSet,
        at: &Pointer,
    ) -> Result<()> {
        let wire = operation.name.wire.clone();
        if let Success::Outcomes { name, .. } = &mut operation.success {
            *name = self.request_type(taken, &wire, "Outcome", at)?;
        }
        let positional = operation.params.iter().filter(|p| p.required).count()
            + usize::from(operation.body.as_ref().is_some_and(|b| b.required));
        if positional > MAX_POSITIONAL {
            operation.arguments = Arguments::Struct(self.request_type(taken, &wire, "Args", at)?);
        }
        Ok(())
    }

    fn lower_operation(
        &mut self,
        name: Name,
        builder: Name,
        place: OperationPlace<'a, '_>,
    ) -> Result<Operation> {
        let OperationPlace {
            method,
            path,
            item,
            op,
            at,
        } = place;
        let text = [&op.summary, &op.description]
            .into_iter()
            .flatten()
            .map(String::len)
            .sum::<usize>();
        self.resolve.spend(1, path.len() + text, at)?;
        let has_body = op.request_body.is_some();
        let params = self.lower_params(&builder.rust, path, item, op, at, has_body)?;
        let (path, query) = path_query::split(path);
        let fixed_query = query
            .iter()
            .filter_map(|piece| match *piece {
                QueryPiece::Fixed { key, value } => Some((key.to_owned(), value.to_owned())),
                QueryPiece::Placeholder { .. } => None,
            })
            .collect();
        let path_parts = self.path_parts(path, &params, at)?;
        let body = match &op.request_body {
            None => None,
            Some(body) => self.lower_body(&builder.rust, body, &at.join("requestBody"))?,
        };
        let success = self.lower_success(&builder.rust, &op.responses, &at.join("responses"))?;
        let server = self.operation_server(item, op);
        Ok(Operation {
            name,
            builder,
            arguments: Arguments::Positional,
            method,
            path: path.to_owned(),
            path_parts,
            params,
            fixed_query,
            body,
            success,
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            pointer: at.as_str().to_owned(),
            pagination: None,
            server,
        })
    }

    /// The first of the operation's own `servers` (or its path's), variables filled with
    /// their defaults.
    fn operation_server(&self, item: &PathItem, op: &openapiv3::Operation) -> Option<String> {
        let server = op.servers.first().or_else(|| item.servers.first())?;
        let mut url = server.url.clone();
        for (variable, spec) in server.variables.iter().flatten() {
            url = url
                .replace(&format!("{{{variable}}}"), &spec.default)
                .replace(&format!("<{variable}>"), &spec.default);
        }
        Some(url)
    }

    /// Records an ambient header (tenant, api-version) on the API and returns true, or
    /// returns false for an ordinary header parameter.
    pub(super) fn take_ambient(
        &mut self,
        data: &openapiv3::ParameterData,
        at: &Pointer,
    ) -> Result<bool> {
        if data.name.eq_ignore_ascii_case(TENANT_HEADER) {
            self.tenant_header.get_or_insert_with(|| data.name.clone());
            return Ok(true);
        }
        if !data.name.eq_ignore_ascii_case(API_VERSION_HEADER) {
            return Ok(false);
        }
        if self.api_version.is_some() {
            return Ok(true);
        }
        let (values, default) = match &data.format {
            ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => {
                let values: Vec<String> = match &schema.schema_kind {
                    SchemaKind::Type(Type::String(s)) => {
                        s.enumeration.iter().flatten().cloned().collect()
                    }
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
            _ => (Vec::new(), None),
        };
        let Some(default) = default.or_else(|| values.first().cloned()) else {
            return Err(self.error(
                ErrorKind::Unsupported,
                &at.join("schema"),
                "the api-version header needs an `enum` or a `default` to say which version this document describes",
            ));
        };
        let mut values = values;
        if !values.contains(&default) {
            values.insert(0, default.clone());
        }
        let variants = self.enum_variants(&values, &at.join("schema").join("enum"))?;
        self.api_version = Some(ApiVersion {
            header: data.name.clone(),
            values: variants,
            default,
        });
        Ok(true)
    }

    /// Splits `/workflow/runs/{workflow-id}` into literals and parameters, checking that
    /// every placeholder has a path parameter and every path parameter is used.
    fn path_parts(&self, path: &str, params: &[Param], at: &Pointer) -> Result<Vec<PathPart>> {
        let mut parts = Vec::new();
        let mut rest = path;
        let mut used = vec![false; params.len()];
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                return Err(self.error(
                    ErrorKind::Parse,
                    at,
                    format!("path {path:?} has an unclosed `{{`"),
                ));
            };
            if open > 0 {
                parts.push(PathPart::Literal(rest[..open].to_owned()));
            }
            let placeholder = &rest[open + 1..close];
            // A repeated placeholder takes the next declaration of that name, in order.
            let index = params
                .iter()
                .enumerate()
                .position(|(i, p)| {
                    p.location == Location::Path && p.name.wire == placeholder && !used[i]
                })
                .or_else(|| {
                    params
                        .iter()
                        .position(|p| p.location == Location::Path && p.name.wire == placeholder)
                })
                .ok_or_else(|| {
                    self.error(
                        ErrorKind::Parse,
                        at,
                        format!("path {path:?} uses {{{placeholder}}} but the operation declares no path parameter {placeholder:?}"),
                    )
                })?;
            let declared = params
                .iter()
                .filter(|p| p.location == Location::Path && p.name.wire == placeholder)
                .count();
            // One declaration used twice (`/System.{location}/.../{location}`) is one value
            // in both places; several declarations are taken in order, and running out of
            // them is ambiguous.
            if used[index] && declared > 1 {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    at,
                    format!("path {path:?} uses {{{placeholder}}} more often than the operation declares path parameters {placeholder:?}"),
                ));
            }
            used[index] = true;
            parts.push(PathPart::Param(params[index].name.clone()));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_owned()));
        }
        if let Some(unused) = params
            .iter()
            .zip(&used)
            .find(|(p, used)| p.location == Location::Path && !**used)
        {
            return Err(self.error(
                ErrorKind::Parse,
                at,
                format!(
                    "path parameter {:?} does not appear in the path {path:?}",
                    unused.0.name.wire
                ),
            ));
        }
        Ok(parts)
    }
}

/// How many times `{name}` appears in a path template.
pub(super) fn placeholder_count(path: &str, name: &str) -> usize {
    path.matches(&format!("{{{name}}}")).count()
}

/// `indexes` → `index`, `profiles` → `profile`, `policies` → `policy`: enough English
/// to name the parameter after the collection it picks from.
fn singular(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "ches", "shes", "zes", "ses"] {
        if let Some(stem) = lower.strip_suffix(suffix) {
            return format!("{stem}{}", &suffix[..suffix.len() - 2]);
        }
    }
    match lower.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') && !stem.is_empty() => stem.to_owned(),
        _ => lower,
    }
}

impl Lowerer<'_> {
    /// The Rust name of the `occurrence`-th (0-based) `{name}` of a path that repeats it:
    /// the collection segment before it, made singular, then the name
    /// (`/indexes/{id}/profiles/{id}` → `index_id`, `profile_id`). Another generator
    /// silently used one argument for both; two distinct names make the mix-up impossible.
    pub(super) fn repeated_path_param_name(
        &self,
        path: &str,
        name: &str,
        occurrence: usize,
        at: &Pointer,
    ) -> Result<String> {
        let placeholder = format!("{{{name}}}");
        let segments: Vec<&str> = path.split('/').collect();
        let before = segments
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == placeholder)
            .nth(occurrence)
            .and_then(|(i, _)| i.checked_sub(1))
            .map(|i| segments[i])
            .filter(|s| !s.is_empty() && !s.contains('{'));
        let Some(collection) = before else {
            return Err(self.error(
                ErrorKind::Unsupported,
                at,
                format!(
                    "path {path:?} repeats {{{name}}} without a literal segment before occurrence {} to name it after",
                    occurrence + 1
                ),
            ));
        };
        let wire = format!("{}_{name}", singular(collection));
        self.escape(&wire, Case::Value, &at.join("name"), "parameter name")
    }
}

/// The operations of a path item, in the order of [`Method::ALL`].
fn methods(item: &PathItem) -> Vec<(Method, &openapiv3::Operation)> {
    let slot = |method: Method| match method {
        Method::Get => &item.get,
        Method::Put => &item.put,
        Method::Post => &item.post,
        Method::Delete => &item.delete,
        Method::Options => &item.options,
        Method::Head => &item.head,
        Method::Patch => &item.patch,
        Method::Trace => &item.trace,
    };
    Method::ALL
        .into_iter()
        .filter_map(|m| slot(m).as_ref().map(|op| (m, op)))
        .collect()
}

/// Where an operation is in the document.
#[derive(Clone, Copy)]
struct OperationPlace<'a, 'p> {
    method: Method,
    path: &'a str,
    item: &'a PathItem,
    op: &'a openapiv3::Operation,
    at: &'p Pointer,
}
