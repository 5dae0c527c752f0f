//! Paths and operations → [`Operation`]s.

use std::collections::BTreeMap;

use openapiv3::{
    MediaType, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody, Response,
    SchemaKind, StatusCode, Type,
};

use super::Lowerer;
use crate::error::{ErrorKind, Pointer, Result};
use crate::ir::{
    ApiVersion, Body, Location, Media, ModelKind, Operation, Outcome, Param, PathPart, QueryKeys,
    Success, TypeRef,
};
use crate::names::{Case, Name, NameSet};

/// Names of the generated `Client`'s own methods, which operations cannot take.
const CLIENT_METHODS: &[&str] = &["builder", "runtime", "from", "clone", "fmt"];
/// Names a request builder uses itself, which parameters cannot take.
const BUILDER_MEMBERS: &[&str] = &[
    "send",
    "to_request",
    "new",
    "client",
    "timeout",
    "pages",
    "stream",
];

/// Headers that belong to the client, not to each call.
const TENANT_HEADER: &str = "amperity-tenant";
const API_VERSION_HEADER: &str = "api-version";

impl<'a> Lowerer<'a> {
    pub(crate) fn lower_operations(&mut self) -> Result<Vec<Operation>> {
        let spec = self.spec;
        let mut method_names = NameSet::reserving(CLIENT_METHODS);
        let mut builder_names = NameSet::default();
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
                let at = pat.join(method);
                let wire_id = match &op.operation_id {
                    Some(id) => id.clone(),
                    None => format!("{method} {path}"),
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
                method_names
                    .claim(&rust, &wire_id, at.as_str())
                    .map_err(|c| self.collision(&id_at, "operationId", &wire_id, c))?;
                let builder = self.escape(&wire_id, Case::Type, &id_at, "operationId")?;
                builder_names
                    .claim(&builder, &wire_id, at.as_str())
                    .map_err(|c| self.collision(&id_at, "operationId", &wire_id, c))?;
                let name = Name {
                    rust,
                    wire: wire_id,
                };
                let operation = self.lower_operation(name, builder, method, path, item, op, &at)?;
                if !operation.success.outcomes.is_empty() {
                    // The outcome enum lives beside the builders in `requests`.
                    let outcome = format!("{}Outcome", operation.builder);
                    builder_names
                        .claim(&outcome, &operation.name.wire, at.as_str())
                        .map_err(|c| {
                            self.collision(&id_at, "operationId", &operation.name.wire, c)
                        })?;
                }
                operations.push(operation);
            }
        }
        operations.sort_by(|a, b| a.name.rust.cmp(&b.name.rust));
        Ok(operations)
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_operation(
        &mut self,
        name: Name,
        builder: String,
        method: &str,
        path: &str,
        item: &'a PathItem,
        op: &'a openapiv3::Operation,
        at: &Pointer,
    ) -> Result<Operation> {
        let params = self.lower_params(&builder, path, item, op, at)?;
        let path_parts = self.path_parts(path, &params, at)?;
        let body = match &op.request_body {
            None => None,
            Some(body) => Some(self.lower_body(&builder, body, &at.join("requestBody"))?),
        };
        let success = self.lower_success(&builder, &op.responses, &at.join("responses"))?;
        Ok(Operation {
            name,
            builder,
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            path_parts,
            params,
            body,
            success,
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            pointer: at.as_str().to_owned(),
            pagination: None,
        })
    }

    /// Path-level parameters merged with the operation's (which override them), minus
    /// the ambient headers, in document order.
    fn lower_params(
        &mut self,
        builder: &str,
        path: &str,
        item: &'a PathItem,
        op: &'a openapiv3::Operation,
        at: &Pointer,
    ) -> Result<Vec<Param>> {
        let path_at = Pointer::from_escaped(at.as_str().rsplit_once('/').map_or("", |(p, _)| p));
        let sources = [
            (&item.parameters, path_at.join("parameters")),
            (&op.parameters, at.join("parameters")),
        ];
        let mut merged: Vec<(Pointer, &openapiv3::ParameterData, Location, usize)> = Vec::new();
        let mut deep_objects: Vec<Pointer> = Vec::new();
        let mut separators: Vec<(Pointer, &'static str)> = Vec::new();
        for (level, (list, list_at)) in sources.iter().enumerate() {
            let mut seen_here: BTreeMap<(String, Location), Pointer> = BTreeMap::new();
            for (index, param) in list.iter().enumerate() {
                let pat = list_at.join(index);
                let (data, location) = match self.resolve_param(param, &pat)? {
                    Parameter::Query {
                        parameter_data,
                        style,
                        ..
                    } => {
                        if *style == openapiv3::QueryStyle::DeepObject {
                            deep_objects.push(pat.clone());
                        }
                        let separator = match style {
                            openapiv3::QueryStyle::SpaceDelimited => Some(" "),
                            openapiv3::QueryStyle::PipeDelimited => Some("|"),
                            openapiv3::QueryStyle::Form
                                if parameter_data.explode == Some(false) =>
                            {
                                Some(",")
                            }
                            _ => None,
                        };
                        if let Some(separator) = separator {
                            separators.push((pat.clone(), separator));
                        }
                        (parameter_data, Location::Query)
                    }
                    Parameter::Header { parameter_data, .. } => (parameter_data, Location::Header),
                    Parameter::Path { parameter_data, .. } => (parameter_data, Location::Path),
                    Parameter::Cookie { .. } => {
                        return Err(self.error(
                            ErrorKind::Unsupported,
                            &pat,
                            "cookie parameters are not supported",
                        ));
                    }
                };
                let repeats = location == Location::Path && placeholder_count(path, &data.name) > 1;
                if let Some(first) = seen_here.insert((data.name.clone(), location), pat.clone()) {
                    // `/indexes/{id}/profiles/{id}`: one declaration per occurrence, taken
                    // in order, is how Amperity writes it; more declarations than
                    // occurrences is a real duplicate.
                    let declared = 1 + merged
                        .iter()
                        .filter(|(_, d, l, lvl)| {
                            *lvl == level && *l == location && d.name == data.name
                        })
                        .count();
                    if !(repeats && declared <= placeholder_count(path, &data.name)) {
                        return Err(self.error(
                            ErrorKind::Duplicate,
                            &pat,
                            format!(
                                "{location:?} parameter {:?} is also declared at {first}",
                                data.name
                            ),
                        ));
                    }
                }
                // An operation's parameter replaces a path-level one of the same name and place.
                merged.retain(|(_, d, l, lvl)| {
                    !(*lvl < level && d.name == data.name && *l == location)
                });
                merged.push((pat, data, location, level));
            }
        }

        let mut names = NameSet::reserving(BUILDER_MEMBERS);
        let mut params = Vec::new();
        for (pat, data, location, _) in merged {
            if location == Location::Header && self.take_ambient(data, &pat)? {
                continue;
            }
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => schema,
                ParameterSchemaOrContent::Content(_) => {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        &pat.join("content"),
                        "parameters described by `content` instead of `schema` are not supported",
                    ));
                }
            };
            let occurrence = params
                .iter()
                .filter(|p: &&Param| p.location == Location::Path && p.name.wire == data.name)
                .count();
            let keys = match location {
                Location::Query => query_keys(data, deep_objects.contains(&pat)),
                _ => QueryKeys::Fixed,
            };
            let rust = if location == Location::Path && placeholder_count(path, &data.name) > 1 {
                self.repeated_path_param_name(path, &data.name, occurrence, &pat)?
            } else if keys == QueryKeys::CallerNamed {
                let inner = data.name.trim_start_matches('<').trim_end_matches('>');
                self.escape(inner, Case::Value, &pat.join("name"), "parameter name")?
            } else {
                self.escape(&data.name, Case::Value, &pat.join("name"), "parameter name")?
            };
            names
                .claim(&rust, &data.name, pat.as_str())
                .map_err(|c| self.collision(&pat.join("name"), "parameter", &data.name, c))?;
            let owner = format!(
                "{builder}{}",
                self.escape(&data.name, Case::Type, &pat, "parameter name")?
            );
            let ty = self.type_of(schema, &pat.join("schema"), &owner, 0)?;
            let ty = match (keys, ty) {
                (QueryKeys::Bracketed, TypeRef::Map(value)) => *value,
                (QueryKeys::Bracketed, TypeRef::Json) => TypeRef::String,
                (
                    QueryKeys::Bracketed,
                    ty @ (TypeRef::String
                    | TypeRef::I64
                    | TypeRef::I32
                    | TypeRef::Bool
                    | TypeRef::F64
                    | TypeRef::F32),
                ) if !deep_objects.contains(&pat) => ty,
                (QueryKeys::Bracketed, other) => {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        &pat.join("schema"),
                        format!("deepObject parameter {:?} must be a map (`additionalProperties`) of scalars, not {other:?}", data.name),
                    ));
                }
                (_, ty) => ty,
            };
            let separator = match ty {
                TypeRef::Array(_) => separators.iter().find(|(p, _)| *p == pat).map(|(_, s)| *s),
                _ => None,
            };
            params.push(Param {
                name: Name {
                    rust,
                    wire: data.name.clone(),
                },
                location,
                ty,
                required: data.required || location == Location::Path,
                doc: data.description.clone(),
                deprecated: data.deprecated.unwrap_or(false),
                keys,
                separator,
            });
        }
        Ok(params)
    }

    fn resolve_param(
        &self,
        param: &'a ReferenceOr<Parameter>,
        at: &Pointer,
    ) -> Result<&'a Parameter> {
        self.follow(param, "parameters", |c| &c.parameters, at)
            .map(|(p, _)| p)
    }

    /// Records an ambient header (tenant, api-version) on the API and returns true, or
    /// returns false for an ordinary header parameter.
    fn take_ambient(&mut self, data: &openapiv3::ParameterData, at: &Pointer) -> Result<bool> {
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
    /// every placeholder has exactly one path parameter and every path parameter is used.
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
            if used[index] {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    at,
                    format!("path {path:?} uses {{{placeholder}}} more often than the operation declares path parameters {placeholder:?}"),
                ));
            }
            used[index] = true;
            parts.push(PathPart::Param(index));
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

    fn lower_body(
        &mut self,
        builder: &str,
        body: &'a ReferenceOr<RequestBody>,
        at: &Pointer,
    ) -> Result<Body> {
        let (body, at) = self.follow(body, "requestBodies", |c| &c.request_bodies, at)?;
        let (kind, content_type, media, media_at) = self
            .pick_media(&body.content, &at.join("content"))?
            .ok_or_else(|| {
                self.error(
                    ErrorKind::Unsupported,
                    &at.join("content"),
                    "a request body needs at least one media type under `content`",
                )
            })?;
        let ty = self.payload_type(kind, media, &media_at, &format!("{builder}Body"))?;
        if kind == Media::Form && !matches!(ty, TypeRef::Named(_) | TypeRef::Map(_)) {
            return Err(self.error(
                ErrorKind::Unsupported,
                &media_at.join("schema"),
                "a form body must be an object",
            ));
        }
        Ok(Body {
            ty,
            required: body.required,
            doc: body.description.clone(),
            media: kind,
            content_type,
        })
    }

    fn lower_success(
        &mut self,
        builder: &str,
        responses: &'a openapiv3::Responses,
        at: &Pointer,
    ) -> Result<Success> {
        let mut statuses = Vec::new();
        // Per status: the body's type, encoding and media type.
        type Payload = (TypeRef, Media, String);
        let mut bodies: Vec<(u16, Option<Payload>)> = Vec::new();
        for (code, response) in &responses.responses {
            let status = match code {
                StatusCode::Code(c) if (200..300).contains(c) => *c,
                StatusCode::Range(2) => 200,
                _ => continue,
            };
            let rat = at.join(code.to_string());
            let (response, rat) = self
                .resolve_response(response, &rat)
                .map(|(r, p)| (r.clone(), p))?;
            let body = match self.pick_media(&response.content, &rat.join("content"))? {
                Some((kind, content_type, media, media_at)) => {
                    // A form is not something servers answer with; keep its bytes.
                    let kind = if kind == Media::Form {
                        Media::Bytes
                    } else {
                        kind
                    };
                    let owner = format!("{builder}Response");
                    let ty = self.payload_type(kind, media, &media_at, &owner)?;
                    Some((ty, kind, content_type))
                }
                None => None,
            };
            statuses.push(status);
            bodies.push((status, body));
        }
        let first = bodies.first().and_then(|(_, b)| b.clone());
        if bodies.iter().all(|(_, b)| *b == first) {
            let (body, media, content_type) = match first {
                Some((ty, media, content_type)) => (Some(ty), media, Some(content_type)),
                None => (None, Media::Json, None),
            };
            return Ok(Success {
                statuses,
                body,
                media,
                content_type,
                outcomes: Vec::new(),
            });
        }
        let outcomes = bodies
            .into_iter()
            .map(|(status, body)| Outcome {
                status,
                name: outcome_name(status),
                media: body.as_ref().map_or(Media::Json, |(_, media, _)| *media),
                body: body.map(|(ty, _, _)| ty),
            })
            .collect();
        Ok(Success {
            statuses,
            body: None,
            media: Media::Json,
            content_type: None,
            outcomes,
        })
    }

    fn resolve_response(
        &self,
        response: &'a ReferenceOr<Response>,
        at: &Pointer,
    ) -> Result<(&'a Response, Pointer)> {
        self.follow(response, "responses", |c| &c.responses, at)
    }

    /// The media type of a `content` map the client uses: JSON (`application/json`,
    /// `+json`) first, then a URL-encoded form, then text, then anything else as bytes.
    /// `multipart/form-data` alone is refused. `None` for an empty map (no body).
    fn pick_media<'m>(
        &self,
        content: &'m indexmap::IndexMap<String, MediaType>,
        at: &Pointer,
    ) -> Result<Option<(Media, String, &'m MediaType, Pointer)>> {
        let classified = content.iter().map(|(name, media)| {
            let essence = name
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let kind = if essence == "application/json" || essence.ends_with("+json") {
                Some(Media::Json)
            } else if essence == "application/x-www-form-urlencoded" {
                Some(Media::Form)
            } else if essence.starts_with("text/") {
                Some(Media::Text)
            } else if essence.starts_with("multipart/") {
                None
            } else {
                Some(Media::Bytes)
            };
            (kind, essence, media, at.join(name))
        });
        let mut best: Option<(Media, String, &MediaType, Pointer)> = None;
        let mut multipart = None;
        for (kind, essence, media, pointer) in classified {
            let Some(kind) = kind else {
                multipart.get_or_insert(pointer);
                continue;
            };
            let rank = |m: Media| {
                [Media::Json, Media::Form, Media::Text, Media::Bytes]
                    .iter()
                    .position(|k| *k == m)
            };
            if best.as_ref().is_none_or(|(b, ..)| rank(kind) < rank(*b)) {
                // `*/*` and wildcards ask for nothing in particular.
                let content_type = if essence.contains('*') {
                    "application/octet-stream".to_owned()
                } else {
                    essence
                };
                best = Some((kind, content_type, media, pointer));
            }
        }
        match (best, multipart) {
            (None, Some(pointer)) => Err(self.error(
                ErrorKind::Unsupported,
                &pointer,
                "multipart bodies are not supported yet",
            )),
            (best, _) => Ok(best),
        }
    }

    /// The Rust type of a body: the schema's for JSON and forms, `String` for text,
    /// bytes for everything else.
    fn payload_type(
        &mut self,
        kind: Media,
        media: &MediaType,
        media_at: &Pointer,
        owner: &str,
    ) -> Result<TypeRef> {
        Ok(match kind {
            Media::Json | Media::Form => match &media.schema {
                Some(schema) => self.type_of(schema, &media_at.join("schema"), owner, 0)?,
                None => TypeRef::Json,
            },
            Media::Text => TypeRef::String,
            Media::Bytes => TypeRef::Bytes,
        })
    }

    /// Marks the structs used as request bodies; they get a constructor named `new`, so a
    /// property named `new` would collide with it.
    pub(crate) fn mark_request_bodies(&mut self, operations: &[Operation]) -> Result<()> {
        for op in operations {
            let Some(Body {
                ty: TypeRef::Named(name),
                ..
            }) = &op.body
            else {
                continue;
            };
            let Some(model) = self.models.get_mut(name) else {
                continue;
            };
            if let ModelKind::Struct(fields) = &model.kind {
                if let Some(field) = fields.iter().find(|f| f.name.rust == "new") {
                    let at = Pointer::from_escaped(&model.pointer)
                        .join("properties")
                        .join(&field.name.wire);
                    return Err(self.error(
                        ErrorKind::Name,
                        &at,
                        "a request body property named `new` would collide with the body's constructor `new`",
                    ));
                }
                model.request_body = true;
            }
        }
        Ok(())
    }
}

/// Whether the caller picks this query parameter's keys: `style: deepObject`; a
/// description that documents `name[<key>]=<value>` bracket notation (how the Profile API
/// writes its `filter`); or a name that is itself a placeholder, `<linking-key>`.
fn query_keys(data: &openapiv3::ParameterData, deep_object: bool) -> QueryKeys {
    let name = &data.name;
    if name.len() > 2 && name.starts_with('<') && name.ends_with('>') {
        return QueryKeys::CallerNamed;
    }
    let documents_brackets = data
        .description
        .as_deref()
        .is_some_and(|d| d.contains(&format!("{name}[<")) || d.contains(&format!("{name}[{{")));
    if deep_object || documents_brackets {
        QueryKeys::Bracketed
    } else {
        QueryKeys::Fixed
    }
}

/// How many times `{name}` appears in a path template.
fn placeholder_count(path: &str, name: &str) -> usize {
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
    fn repeated_path_param_name(
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

/// The variant of a 2xx status in an outcome enum: its reason phrase.
fn outcome_name(status: u16) -> String {
    match status {
        200 => "Ok".to_owned(),
        201 => "Created".to_owned(),
        202 => "Accepted".to_owned(),
        203 => "NonAuthoritativeInformation".to_owned(),
        204 => "NoContent".to_owned(),
        205 => "ResetContent".to_owned(),
        206 => "PartialContent".to_owned(),
        other => format!("Status{other}"),
    }
}

fn methods(item: &PathItem) -> Vec<(&'static str, &openapiv3::Operation)> {
    [
        ("get", &item.get),
        ("put", &item.put),
        ("post", &item.post),
        ("delete", &item.delete),
        ("options", &item.options),
        ("head", &item.head),
        ("patch", &item.patch),
        ("trace", &item.trace),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
    .collect()
}
