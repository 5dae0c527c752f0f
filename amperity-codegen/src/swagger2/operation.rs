//! Paths, operations and their parameters: body and formData parameters become the
//! operation's `requestBody`, the others get a `schema`.

use serde_json::{Map, Value, json};

use super::{Converter, extensions};
use crate::error::{ErrorKind, Pointer, Result};

const PATH_ITEM_FIELDS: &[&str] = &[
    "$ref",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "parameters",
];
/// Swagger 2.0 has every OpenAPI 3.0 method but `trace`.
const METHODS: &[&str] = crate::ir::Method::KEYS.split_last().expect("methods").1;
const OPERATION_FIELDS: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "consumes",
    "produces",
    "parameters",
    "responses",
    "schemes",
    "deprecated",
    "security",
];
/// The fields a query, header, path or formData parameter may have besides its schema.
const PARAMETER_FIELDS: &[&str] = &[
    "name",
    "in",
    "description",
    "required",
    "allowEmptyValue",
    "collectionFormat",
];
const BODY_FIELDS: &[&str] = &["name", "in", "description", "required", "schema"];
/// The fields of a parameter (or items, or header) that describe its value: they move
/// into the 3.0 `schema`.
pub(super) const SCHEMA_FIELDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];
const LOCATIONS: &[&str] = &["query", "header", "path", "formData", "body"];
const FORM_MEDIA_TYPES: [&str; 2] = ["application/x-www-form-urlencoded", "multipart/form-data"];

/// A parameter list split the way 3.0 splits it.
#[derive(Default)]
struct Split<'a> {
    /// Query, header and path parameters, converted, each with the list entry it came from.
    others: Vec<(Value, Pointer)>,
    body: Option<BodyParam<'a>>,
    form: Vec<FormField<'a>>,
}

/// An `in: body` parameter.
struct BodyParam<'a> {
    param: &'a Map<String, Value>,
    /// The list entry.
    entry: Pointer,
    /// The parameter object: the entry, or the top-level parameter it refers to.
    definition: Pointer,
    /// The top-level parameter it refers to, as `components/requestBodies` names it.
    component: Option<&'a str>,
}

/// An `in: formData` parameter.
struct FormField<'a> {
    name: &'a str,
    param: &'a Map<String, Value>,
    entry: Pointer,
    definition: Pointer,
}

impl<'a> Converter<'a> {
    pub(super) fn paths(&mut self, paths: &'a Value) -> Result<Value> {
        let at = Pointer::root().join("paths");
        let mut out = Map::new();
        for (path, item) in self.object(paths, &at, "`paths`")? {
            let converted = if path.starts_with("x-") {
                item.clone()
            } else {
                self.path_item(item, &at.join(path))?
            };
            out.insert(path.clone(), converted);
        }
        Ok(Value::Object(out))
    }

    /// A path item sits at the same pointer in both documents.
    fn path_item(&mut self, item: &'a Value, at: &Pointer) -> Result<Value> {
        let item = self.object(item, at, "a path item")?;
        self.check_fields(item, PATH_ITEM_FIELDS, at, "path item")?;
        if item.contains_key("$ref") {
            return Err(self.error(
                ErrorKind::Unsupported,
                &at.join("$ref"),
                "path items by reference are not supported",
            ));
        }
        let list_at = at.join("parameters");
        let shared = match item.get("parameters") {
            Some(list) => self.parameter_list(list, &list_at)?,
            None => Split::default(),
        };
        let mut out = Map::new();
        for (key, value) in item {
            if key == "parameters" {
                if !shared.others.is_empty() {
                    out.insert(key.clone(), self.emit_parameters(&shared.others, &list_at));
                }
            } else if METHODS.contains(&key.as_str()) {
                let operation = self.operation(value, &at.join(key), &shared)?;
                out.insert(key.clone(), operation);
            } else {
                out.insert(key.clone(), value.clone());
            }
        }
        Ok(Value::Object(out))
    }

    /// An operation: its parameters without body and form fields, then its `requestBody`
    /// (built from its own or its path item's), in document order otherwise.
    fn operation(&mut self, op: &'a Value, at: &Pointer, shared: &Split<'a>) -> Result<Value> {
        let op = self.object(op, at, "an operation")?;
        self.check_fields(op, OPERATION_FIELDS, at, "operation")?;
        let consumes = self.media_types(op, "consumes", at, Some(&self.consumes))?;
        let produces = self.media_types(op, "produces", at, Some(&self.produces))?;
        let list_at = at.join("parameters");
        let own = match op.get("parameters") {
            Some(list) => self.parameter_list(list, &list_at)?,
            None => Split::default(),
        };
        let body = own.body.as_ref().or(shared.body.as_ref());
        let mut form: Vec<&FormField<'a>> = shared
            .form
            .iter()
            .filter(|field| !own.form.iter().any(|o| o.name == field.name))
            .collect();
        form.extend(&own.form);
        let body_to = at.join("requestBody");
        let mut request_body = match (body, form.first()) {
            (Some(body), Some(field)) => {
                return Err(self.error(
                    ErrorKind::Parse,
                    &field.entry,
                    format!(
                        "formData parameters cannot be combined with the body parameter at {}; Swagger 2.0 allows one or the other",
                        body.entry
                    ),
                ));
            }
            (Some(body), None) => Some(self.request_body(body, &body_to, &consumes)?),
            (None, Some(_)) => Some(self.form_body(&form, &body_to, &consumes)?),
            (None, None) => None,
        };
        let mut out = Map::new();
        for (key, value) in op {
            match key.as_str() {
                "consumes" | "produces" => {}
                "parameters" => {
                    if !own.others.is_empty() {
                        out.insert(key.clone(), self.emit_parameters(&own.others, &list_at));
                    }
                    if let Some(body) = request_body.take() {
                        out.insert("requestBody".into(), body);
                    }
                }
                "responses" => {
                    if let Some(body) = request_body.take() {
                        out.insert("requestBody".into(), body);
                    }
                    let responses = self.responses(value, &at.join(key), &produces)?;
                    out.insert(key.clone(), responses);
                }
                "schemes" => {
                    let servers = self.servers(Some(value), at)?;
                    if !servers.is_empty() {
                        out.insert("servers".into(), Value::Array(servers));
                    }
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if let Some(body) = request_body {
            out.insert("requestBody".into(), body);
        }
        Ok(Value::Object(out))
    }

    /// Splits a parameter list into the 3.0 parameters, the body and the form fields,
    /// following references to top-level parameters.
    fn parameter_list(&mut self, list: &'a Value, at: &Pointer) -> Result<Split<'a>> {
        let mut split = Split::default();
        for (index, entry) in self.array(list, at, "`parameters`")?.iter().enumerate() {
            let entry_at = at.join(index);
            let object = self.object(entry, &entry_at, "a parameter")?;
            let (param, definition, component) = match object.get("$ref") {
                Some(reference) => {
                    let (name, target) = self.local_ref(reference, "parameters", &entry_at)?;
                    let definition = Pointer::from_escaped(&format!("/parameters/{name}"));
                    (
                        self.object(target, &definition, "a parameter")?,
                        definition,
                        Some(name),
                    )
                }
                None => (object, entry_at.clone(), None),
            };
            match self.location(param, &definition)? {
                "body" => {
                    if let Some(first) = &split.body {
                        return Err(self.error(
                            ErrorKind::Duplicate,
                            &entry_at,
                            format!(
                                "a second body parameter; the one at {} is already the body and Swagger 2.0 allows one",
                                first.entry
                            ),
                        ));
                    }
                    split.body = Some(BodyParam {
                        param,
                        entry: entry_at,
                        definition,
                        component,
                    });
                }
                "formData" => {
                    let name = self.name(param, &definition)?;
                    if let Some(first) = split.form.iter().find(|f| f.name == name) {
                        return Err(self.error(
                            ErrorKind::Duplicate,
                            &entry_at,
                            format!(
                                "formData parameter {name:?} is also declared at {}",
                                first.entry
                            ),
                        ));
                    }
                    split.form.push(FormField {
                        name,
                        param,
                        entry: entry_at,
                        definition,
                    });
                }
                _ => {
                    let converted = match component {
                        Some(name) => json!({ "$ref": format!("#/components/parameters/{name}") }),
                        // Origins are recorded when the list is emitted, at its final index.
                        None => self.parameter(param, &entry_at)?,
                    };
                    split.others.push((converted, entry_at));
                }
            }
        }
        Ok(split)
    }

    /// The converted parameters of a list, recording where each one came from (removing
    /// body and form fields shifts the indices).
    fn emit_parameters(&mut self, others: &[(Value, Pointer)], list_to: &Pointer) -> Value {
        let mut list = Vec::new();
        for (index, (param, entry)) in others.iter().enumerate() {
            let to = list_to.join(index);
            self.origin.moved(&to, entry);
            if param.get("$ref").is_none() {
                // The 2.0 parameter holds its schema's fields itself.
                self.origin.moved(&to.join("schema"), entry);
            }
            list.push(param.clone());
        }
        Value::Array(list)
    }

    /// `in` of a parameter object.
    pub(super) fn location(&self, param: &'a Map<String, Value>, at: &Pointer) -> Result<&'a str> {
        let Some(location) = param.get("in") else {
            return Err(self.error(ErrorKind::Parse, at, "a parameter needs `in`"));
        };
        let location = self.string(location, &at.join("in"))?;
        if !LOCATIONS.contains(&location) {
            return Err(self.error(
                ErrorKind::Parse,
                &at.join("in"),
                format!("parameter location {location:?} is not one of query, header, path, formData, body"),
            ));
        }
        Ok(location)
    }

    fn name(&self, param: &'a Map<String, Value>, at: &Pointer) -> Result<&'a str> {
        match param.get("name") {
            Some(name) => self.string(name, &at.join("name")),
            None => Err(self.error(ErrorKind::Parse, at, "a parameter needs a `name`")),
        }
    }

    /// A query, header or path parameter. The caller records its origin: where it ends up
    /// depends on the parameters around it.
    pub(super) fn parameter(&self, param: &Map<String, Value>, at: &Pointer) -> Result<Value> {
        let known = [PARAMETER_FIELDS, SCHEMA_FIELDS].concat();
        self.check_fields(param, &known, at, "parameter")?;
        let location = param.get("in").and_then(Value::as_str).unwrap_or("query");
        let mut out = Map::new();
        for key in ["name", "in", "description", "required", "allowEmptyValue"] {
            if let Some(value) = param.get(key) {
                out.insert(key.into(), value.clone());
            }
        }
        if let Some((style, explode)) = self.collection_style(param, location, at)? {
            out.insert("style".into(), style.into());
            out.insert("explode".into(), explode.into());
        }
        out.insert(
            "schema".into(),
            self.simple_schema(param, at, "parameter", false)?,
        );
        out.extend(extensions(param).map(|(k, v)| (k.clone(), v.clone())));
        Ok(Value::Object(out))
    }

    /// `style` and `explode` for an array's `collectionFormat` (default `csv`); `None` for
    /// anything that is not an array.
    pub(super) fn collection_style(
        &self,
        param: &Map<String, Value>,
        location: &str,
        at: &Pointer,
    ) -> Result<Option<(&'static str, bool)>> {
        if param.get("type").and_then(Value::as_str) != Some("array") {
            return Ok(None);
        }
        let format_at = at.join("collectionFormat");
        let format = match param.get("collectionFormat") {
            Some(format) => self.string(format, &format_at)?,
            None => "csv",
        };
        let form = matches!(location, "query" | "formData");
        Ok(Some(match format {
            "csv" if form => ("form", false),
            "csv" => ("simple", false),
            "multi" if form => ("form", true),
            "ssv" if form => ("spaceDelimited", false),
            "pipes" if form => ("pipeDelimited", false),
            "tsv" => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    &format_at,
                    "collectionFormat `tsv` (tab-separated) has no OpenAPI 3.0 equivalent; use csv, ssv, pipes or multi",
                ));
            }
            "multi" | "ssv" | "pipes" => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    &format_at,
                    format!("collectionFormat `{format}` is not possible in a {location} in OpenAPI 3.0; only csv is"),
                ));
            }
            other => {
                return Err(self.error(
                    ErrorKind::Parse,
                    &format_at,
                    format!("collectionFormat {other:?} is not one of csv, ssv, tsv, pipes, multi"),
                ));
            }
        }))
    }

    /// The `requestBody` of a body parameter: a reference to the component when the
    /// component's media types are the operation's, else the body itself.
    fn request_body(
        &mut self,
        body: &BodyParam<'a>,
        to: &Pointer,
        consumes: &[String],
    ) -> Result<Value> {
        self.origin.built(to, &body.entry);
        match body.component {
            Some(name) if consumes == self.consumes.as_slice() => {
                Ok(json!({ "$ref": format!("#/components/requestBodies/{name}") }))
            }
            _ => self.body(body.param, &body.definition, to, consumes),
        }
    }

    /// A body parameter at `at` → a 3.0 request body at `to`.
    pub(super) fn body(
        &mut self,
        param: &Map<String, Value>,
        at: &Pointer,
        to: &Pointer,
        consumes: &[String],
    ) -> Result<Value> {
        self.check_fields(param, BODY_FIELDS, at, "body parameter")?;
        let Some(schema) = param.get("schema") else {
            return Err(self.error(
                ErrorKind::Parse,
                at,
                "a body parameter needs a `schema` (the type of the request body)",
            ));
        };
        let mut out = Map::new();
        if let Some(description) = param.get("description") {
            out.insert("description".into(), description.clone());
        }
        let mut content = Map::new();
        for media in consumes {
            let schema_to = to.join("content").join(media).join("schema");
            let converted = self.schema(schema, &at.join("schema"), &schema_to)?;
            self.origin.moved(&schema_to, &at.join("schema"));
            content.insert(media.clone(), json!({ "schema": converted }));
        }
        out.insert("content".into(), Value::Object(content));
        if let Some(required) = param.get("required") {
            out.insert("required".into(), required.clone());
        }
        if let Some(name) = param.get("name") {
            // Where other converters keep the 2.0 body's name; 3.0 bodies have none.
            out.insert("x-codegen-request-body-name".into(), name.clone());
        }
        out.extend(extensions(param).map(|(k, v)| (k.clone(), v.clone())));
        Ok(Value::Object(out))
    }

    /// formData parameters → one request body of a form media type.
    fn form_body(
        &mut self,
        fields: &[&FormField<'a>],
        to: &Pointer,
        consumes: &[String],
    ) -> Result<Value> {
        let multipart = consumes.iter().any(|m| essence(m) == FORM_MEDIA_TYPES[1])
            || fields
                .iter()
                .any(|f| f.param.get("type").and_then(Value::as_str) == Some("file"));
        let media = FORM_MEDIA_TYPES[usize::from(multipart)];
        let schema_to = to.join("content").join(media).join("schema");
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        let known = [PARAMETER_FIELDS, SCHEMA_FIELDS].concat();
        for field in fields {
            let (param, at) = (field.param, &field.definition);
            self.check_fields(param, &known, at, "formData parameter")?;
            let mut property = Map::new();
            if let Some(description) = param.get("description") {
                property.insert("description".into(), description.clone());
            }
            let schema = self.simple_schema(param, at, "formData parameter", true)?;
            property.extend(
                schema
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            if let Some(allow) = param.get("allowEmptyValue") {
                // No 3.0 home for it in a schema or an encoding; kept rather than dropped.
                property.insert("x-allowEmptyValue".into(), allow.clone());
            }
            property.extend(extensions(param).map(|(k, v)| (k.clone(), v.clone())));
            if let Some((style, explode)) = self.collection_style(param, "formData", at)? {
                encoding.insert(
                    field.name.into(),
                    json!({ "style": style, "explode": explode }),
                );
            }
            if param.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(Value::from(field.name));
            }
            self.origin
                .moved(&schema_to.join("properties").join(field.name), at);
            properties.insert(field.name.into(), Value::Object(property));
        }
        if let Some(first) = fields.first() {
            self.origin.built(to, &first.entry);
        }
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(properties));
        let any_required = !required.is_empty();
        if any_required {
            schema.insert("required".into(), Value::Array(required));
        }
        let mut media_type = Map::new();
        media_type.insert("schema".into(), Value::Object(schema));
        if !encoding.is_empty() {
            media_type.insert("encoding".into(), Value::Object(encoding));
        }
        let mut content = Map::new();
        content.insert(media.into(), Value::Object(media_type));
        let mut out = Map::new();
        out.insert("content".into(), Value::Object(content));
        if any_required {
            out.insert("required".into(), true.into());
        }
        Ok(Value::Object(out))
    }
}

/// `multipart/form-data` of `multipart/form-data; boundary=x`.
fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}
