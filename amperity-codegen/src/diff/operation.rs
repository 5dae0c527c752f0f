//! Operations, compared per (method, path template): operationId, deprecation, parameters
//! (path item's and operation's, by location and name), request body, responses by status
//! code, and the media types of every body, whose schemas go to `schema.rs`.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{
    MediaType, Operation, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr, Response,
};

use super::resolve::{Doc, SchemaRef};
use super::rules::{self, Direction};
use super::schema::{Ctx, NEXT_TOKEN, Sub};
use super::view::describe;
use super::walk::Differ;
use super::{ChangeKind, Class, Side};
use crate::Result;
use crate::error::{ErrorKind, Pointer};

/// One operation and where it and its path item are.
struct Op<'a> {
    item: &'a PathItem,
    op: &'a Operation,
    item_at: Pointer,
    at: Pointer,
}

/// One parameter: its definition, where the operation lists it, and where it is defined.
struct Param<'a> {
    def: &'a Parameter,
    site: Pointer,
    def_at: Pointer,
}

impl<'a> Differ<'a> {
    pub(super) fn operations(&mut self) -> Result<()> {
        let old = operations_of(&self.old)?;
        let new = operations_of(&self.new)?;
        let keys: BTreeSet<&(String, &str)> = old.keys().chain(new.keys()).collect();
        for key in keys {
            let (path, method) = key;
            let label = format!("{} {path}", method.to_uppercase());
            let id = |op: &Op<'_>| op.op.operation_id.clone().unwrap_or_else(|| "none".into());
            match (old.get(key), new.get(key)) {
                (Some(o), None) => self.push(
                    rules::removed(),
                    ChangeKind::OperationRemoved,
                    Side::Old,
                    &o.at,
                    label,
                    format!("operation removed (operationId {})", id(o)),
                ),
                (None, Some(n)) => self.push(
                    rules::added(),
                    ChangeKind::OperationAdded,
                    Side::New,
                    &n.at,
                    label,
                    format!("operation added (operationId {})", id(n)),
                ),
                (Some(o), Some(n)) => self.compare_operation(&label, o, n)?,
                (None, None) => {}
            }
        }
        Ok(())
    }

    fn compare_operation(&mut self, label: &str, old: &Op<'a>, new: &Op<'a>) -> Result<()> {
        if old.op.operation_id != new.op.operation_id {
            let name =
                |id: &Option<String>| id.as_deref().map_or("none".into(), |s| format!("{s:?}"));
            let description = format!(
                "operationId changed from {} to {}",
                name(&old.op.operation_id),
                name(&new.op.operation_id)
            );
            self.push(
                rules::removed(),
                ChangeKind::OperationIdChanged,
                Side::New,
                &new.at,
                label.to_owned(),
                description,
            );
        }
        if old.op.deprecated != new.op.deprecated {
            let description = if new.op.deprecated {
                "operation is now deprecated"
            } else {
                "operation is no longer deprecated"
            };
            self.push(
                rules::deprecation_changed(),
                ChangeKind::DeprecationChanged,
                Side::New,
                &new.at,
                label.to_owned(),
                description.to_owned(),
            );
        }
        self.parameters(label, old, new)?;
        self.request_bodies(label, old, new)?;
        self.responses(label, old, new)
    }

    fn parameters(&mut self, label: &str, old: &Op<'a>, new: &Op<'a>) -> Result<()> {
        let old_params = parameters_of(&self.old, old)?;
        let new_params = parameters_of(&self.new, new)?;
        let keys: BTreeSet<&(&str, String)> = old_params.keys().chain(new_params.keys()).collect();
        for key in keys {
            let (location, name) = key;
            // The client sets the ambient headers (tenant, api-version) on every request
            // itself, whatever an operation declares: one that starts or stops declaring
            // them, or calls them required, changes nothing a caller writes or sends (the
            // 2024–2025 documents declare no tenant; the 2026 ones require it everywhere).
            // Their values still count: a new api-version is reported.
            let ambient = *location == "header" && crate::lower::is_ambient_header(name);
            let required = |p: &Param<'_>| p.def.parameter_data_ref().required;
            let words = |yes: bool| if yes { "required" } else { "optional" };
            match (old_params.get(key), new_params.get(key)) {
                (Some(_), None) | (None, Some(_)) if ambient => {}
                (Some(o), None) => {
                    let name = &o.def.parameter_data_ref().name;
                    let was = self.parameter_type(Side::Old, o)?;
                    self.push(
                        rules::removed(),
                        ChangeKind::ParameterRemoved,
                        Side::Old,
                        &o.site,
                        format!("{label} › {location} parameter {name}"),
                        format!("parameter removed (was {}, {was})", words(required(o))),
                    );
                }
                (None, Some(n)) => {
                    let name = &n.def.parameter_data_ref().name;
                    let param_label = format!("{label} › {location} parameter {name}");
                    if *location == "query" && name == NEXT_TOKEN {
                        self.push(
                            rules::pagination_added(),
                            ChangeKind::PaginationAdded,
                            Side::New,
                            &n.site,
                            param_label,
                            format!("pagination added: query parameter {NEXT_TOKEN}"),
                        );
                        continue;
                    }
                    let now = self.parameter_type(Side::New, n)?;
                    self.push(
                        rules::input_added(required(n)),
                        ChangeKind::ParameterAdded,
                        Side::New,
                        &n.site,
                        param_label,
                        format!("parameter added ({}, {now})", words(required(n))),
                    );
                }
                (Some(o), Some(n)) => {
                    let name = &n.def.parameter_data_ref().name;
                    let param_label = format!("{label} › {location} parameter {name}");
                    if required(o) != required(n) && !ambient {
                        self.push(
                            rules::required_changed(Direction::Request, required(n)),
                            ChangeKind::ParameterRequiredChanged,
                            Side::New,
                            &n.def_at,
                            param_label.clone(),
                            format!("parameter is now {}", words(required(n))),
                        );
                    }
                    let (old_schema, new_schema) = (parameter_schema(o), parameter_schema(n));
                    if let (Some((os, oat)), Some((ns, nat))) = (old_schema, new_schema) {
                        self.seen.clear();
                        let ctx = Ctx::root(Direction::Request, param_label, false);
                        let old_sub = Sub {
                            schema: os,
                            at: &oat,
                        };
                        let new_sub = Sub {
                            schema: ns,
                            at: &nat,
                        };
                        self.compare_schema(old_sub, new_sub, &ctx)?;
                    }
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    fn parameter_type(&self, side: Side, param: &Param<'a>) -> Result<String> {
        let doc = match side {
            Side::Old => &self.old,
            Side::New => &self.new,
        };
        match parameter_schema(param) {
            Some((schema, at)) => describe(doc, schema, &at),
            None => Ok("no schema".to_owned()),
        }
    }

    fn request_bodies(&mut self, label: &str, old: &Op<'a>, new: &Op<'a>) -> Result<()> {
        let body_label = format!("{label} › request body");
        let (old_at, new_at) = (old.at.join("requestBody"), new.at.join("requestBody"));
        let words = |yes: bool| if yes { "required" } else { "optional" };
        match (&old.op.request_body, &new.op.request_body) {
            (Some(_), None) => self.push(
                rules::removed(),
                ChangeKind::RequestBodyRemoved,
                Side::Old,
                &old_at,
                body_label,
                "request body removed".to_owned(),
            ),
            (None, Some(body)) => {
                let (body, _) = self.new.request_body(body, &new_at)?;
                self.push(
                    rules::input_added(body.required),
                    ChangeKind::RequestBodyAdded,
                    Side::New,
                    &new_at,
                    body_label,
                    format!("request body added ({})", words(body.required)),
                );
            }
            (Some(old_body), Some(new_body)) => {
                let (old_body, old_def) = self.old.request_body(old_body, &old_at)?;
                let (new_body, new_def) = self.new.request_body(new_body, &new_at)?;
                if old_body.required != new_body.required {
                    self.push(
                        rules::required_changed(Direction::Request, new_body.required),
                        ChangeKind::RequestBodyRequiredChanged,
                        Side::New,
                        &new_def,
                        body_label.clone(),
                        format!("request body is now {}", words(new_body.required)),
                    );
                }
                let old_content = (&old_body.content, &old_def);
                let new_content = (&new_body.content, &new_def);
                self.content(
                    old_content,
                    new_content,
                    &body_label,
                    Direction::Request,
                    false,
                )?;
            }
            (None, None) => {}
        }
        Ok(())
    }

    fn responses(&mut self, label: &str, old: &Op<'a>, new: &Op<'a>) -> Result<()> {
        let old_responses = responses_of(old);
        let new_responses = responses_of(new);
        let codes: BTreeSet<&String> = old_responses.keys().chain(new_responses.keys()).collect();
        for code in codes {
            let response_label = format!("{label} › response {code}");
            match (old_responses.get(code), new_responses.get(code)) {
                (Some((_, at)), None) => {
                    let class = rules::response_removed(code);
                    let what = if class == Class::NonBreaking {
                        "error status code removed"
                    } else {
                        "status code removed"
                    };
                    self.push(
                        class,
                        ChangeKind::ResponseRemoved,
                        Side::Old,
                        at,
                        response_label,
                        what.to_owned(),
                    );
                }
                (None, Some((_, at))) => self.push(
                    rules::added(),
                    ChangeKind::ResponseAdded,
                    Side::New,
                    at,
                    response_label,
                    "status code added".to_owned(),
                ),
                (Some((old_response, old_at)), Some((new_response, new_at))) => {
                    let (old_response, old_def) = self.old.response(old_response, old_at)?;
                    let (new_response, new_def) = self.new.response(new_response, new_at)?;
                    let success = code.starts_with('2');
                    self.content(
                        (&old_response.content, &old_def),
                        (&new_response.content, &new_def),
                        &response_label,
                        Direction::Response,
                        success,
                    )?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    /// The media types of a body (request or response) found at the given pointers.
    fn content(
        &mut self,
        (old, old_at): (&'a IndexMap<String, MediaType>, &Pointer),
        (new, new_at): (&'a IndexMap<String, MediaType>, &Pointer),
        label: &str,
        direction: Direction,
        pagination_root: bool,
    ) -> Result<()> {
        let media_types: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for media in media_types {
            let (old_media_at, new_media_at) = (
                old_at.join("content").join(media),
                new_at.join("content").join(media),
            );
            match (old.get(media), new.get(media)) {
                (Some(_), None) => self.push(
                    rules::removed(),
                    ChangeKind::MediaTypeRemoved,
                    Side::Old,
                    &old_media_at,
                    label.to_owned(),
                    format!("media type {media} removed"),
                ),
                (None, Some(_)) => self.push(
                    rules::added(),
                    ChangeKind::MediaTypeAdded,
                    Side::New,
                    &new_media_at,
                    label.to_owned(),
                    format!("media type {media} added"),
                ),
                (Some(o), Some(n)) => {
                    // A body without a schema says nothing that could be compared.
                    let (Some(old_schema), Some(new_schema)) = (&o.schema, &n.schema) else {
                        continue;
                    };
                    let prefix = if media == "application/json" {
                        label.to_owned()
                    } else {
                        format!("{label} ({media})")
                    };
                    let (old_schema_at, new_schema_at) =
                        (old_media_at.join("schema"), new_media_at.join("schema"));
                    self.seen.clear();
                    self.compare_schema(
                        Sub {
                            schema: SchemaRef::Plain(old_schema),
                            at: &old_schema_at,
                        },
                        Sub {
                            schema: SchemaRef::Plain(new_schema),
                            at: &new_schema_at,
                        },
                        &Ctx::root(direction, prefix, pagination_root),
                    )?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }
}

/// Operations keyed by (path template, lowercase method).
fn operations_of<'a>(doc: &Doc<'a>) -> Result<BTreeMap<(String, &'a str), Op<'a>>> {
    let mut operations = BTreeMap::new();
    for (path, item) in &doc.spec.paths.paths {
        let item_at = Pointer::root().join("paths").join(path);
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                return Err(doc.error(
                    ErrorKind::Unsupported,
                    &item_at.join("$ref"),
                    format!("path item $ref {reference:?} is not supported; write the operations under the path"),
                ));
            }
        };
        for (method, op) in item.iter() {
            let at = item_at.join(method);
            let value = Op {
                item,
                op,
                item_at: item_at.clone(),
                at,
            };
            operations.insert((path.clone(), method), value);
        }
    }
    Ok(operations)
}

/// The parameters that apply to an operation, keyed by (location, name): the path item's,
/// overridden by the operation's own. Header names are compared case-insensitively.
fn parameters_of<'a>(
    doc: &Doc<'a>,
    op: &Op<'a>,
) -> Result<BTreeMap<(&'static str, String), Param<'a>>> {
    let mut params = BTreeMap::new();
    let lists = [
        (&op.item.parameters, &op.item_at),
        (&op.op.parameters, &op.at),
    ];
    for (list, owner_at) in lists {
        for (index, param) in list.iter().enumerate() {
            let site = owner_at.join("parameters").join(index);
            let (def, def_at) = doc.parameter(param, &site)?;
            let (location, name) = match def {
                Parameter::Query { parameter_data, .. } => ("query", parameter_data.name.clone()),
                Parameter::Header { parameter_data, .. } => {
                    ("header", parameter_data.name.to_ascii_lowercase())
                }
                Parameter::Path { parameter_data, .. } => ("path", parameter_data.name.clone()),
                Parameter::Cookie { parameter_data, .. } => ("cookie", parameter_data.name.clone()),
            };
            params.insert((location, name), Param { def, site, def_at });
        }
    }
    Ok(params)
}

/// The schema of a parameter: `schema`, or the schema of its first (sorted) `content` entry.
fn parameter_schema<'a>(param: &Param<'a>) -> Option<(SchemaRef<'a>, Pointer)> {
    match &param.def.parameter_data_ref().format {
        ParameterSchemaOrContent::Schema(schema) => {
            Some((SchemaRef::Plain(schema), param.def_at.join("schema")))
        }
        ParameterSchemaOrContent::Content(content) => {
            let (media, media_type) = content.iter().min_by(|a, b| a.0.cmp(b.0))?;
            let schema = media_type.schema.as_ref()?;
            let at = param.def_at.join("content").join(media).join("schema");
            Some((SchemaRef::Plain(schema), at))
        }
    }
}

/// An operation's responses keyed by status code as written (`200`, `2XX`, `default`).
fn responses_of<'a>(op: &Op<'a>) -> BTreeMap<String, (&'a ReferenceOr<Response>, Pointer)> {
    let at = op.at.join("responses");
    let mut responses: BTreeMap<String, _> = op
        .op
        .responses
        .responses
        .iter()
        .map(|(code, response)| {
            let code = code.to_string();
            let pointer = at.join(&code);
            (code, (response, pointer))
        })
        .collect();
    if let Some(default) = &op.op.responses.default {
        responses.insert("default".to_owned(), (default, at.join("default")));
    }
    responses
}
