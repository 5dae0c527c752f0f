//! Parameters → [`Param`]s: path-level and operation-level declarations merged, the
//! ambient headers taken out, every name decided, and how each value is written.

use std::collections::BTreeMap;

use openapiv3::{
    Parameter, ParameterData, ParameterSchemaOrContent, PathItem, QueryStyle, ReferenceOr,
};

use super::Lowerer;
use super::operation::placeholder_count;
use super::path_query;
use super::payload;
use crate::error::{ErrorKind, Pointer, Result};
use crate::ir::{Location, ObjectStyle, Param, QueryKeys, Style, TypeRef};
use crate::names::{Case, Name, NameSet};

/// Names a request builder uses itself, which parameters cannot take (`body` too, when
/// the operation has a request body).
const BUILDER_MEMBERS: &[&str] = &[
    "send",
    "to_request",
    "new",
    "client",
    "timeout",
    "pages",
    "stream",
    "clone",
    "fmt",
];

/// One parameter as declared, before it is lowered.
struct Declared<'a> {
    at: Pointer,
    data: &'a ParameterData,
    location: Location,
    /// 0 for the path level, 1 for the operation.
    level: usize,
    /// The query `style` (form when none is written).
    style: QueryStyle,
}

impl<'a> Lowerer<'a> {
    /// Path-level parameters merged with the operation's (which override them), minus
    /// the ambient headers (and, in an Amperity document, the query `api_version`), in
    /// document order.
    pub(super) fn lower_params(
        &mut self,
        builder: &str,
        path_key: &str,
        item: &'a PathItem,
        op: &'a openapiv3::Operation,
        at: &Pointer,
        has_body: bool,
    ) -> Result<Vec<Param>> {
        let (path, query) = path_query::split(path_key);
        let declared = self.declared_params(path, item, op, at)?;
        let mut names = NameSet::reserving(BUILDER_MEMBERS);
        if has_body {
            names.reserve("body");
        }
        let mut params: Vec<Param> = Vec::new();
        for param in declared {
            if param.location == Location::Header && self.take_ambient(param.data, &param.at)? {
                continue;
            }
            if param.location == Location::Query
                && self.take_query_version(param.data, &param.at)?
            {
                continue;
            }
            let occurrence = params
                .iter()
                .filter(|p| p.location == Location::Path && p.name.wire == param.data.name)
                .count();
            let lowered = self.lower_param(&param, builder, path, occurrence, &mut names)?;
            params.push(lowered);
        }
        self.query_placeholders(&query, &mut params, &mut names, at)?;
        Ok(params)
    }

    /// The declarations of both levels, an operation's replacing a path-level one of the
    /// same name and place; a name declared twice at one level is an error, except a path
    /// placeholder the path repeats (`/indexes/{id}/profiles/{id}`, one declaration per
    /// occurrence, taken in order: how Amperity writes it).
    fn declared_params(
        &self,
        path: &str,
        item: &'a PathItem,
        op: &'a openapiv3::Operation,
        at: &Pointer,
    ) -> Result<Vec<Declared<'a>>> {
        let path_at = Pointer::from_escaped(at.as_str().rsplit_once('/').map_or("", |(p, _)| p));
        let sources = [
            (&item.parameters, path_at.join("parameters")),
            (&op.parameters, at.join("parameters")),
        ];
        let mut merged: Vec<Declared<'a>> = Vec::new();
        for (level, (list, list_at)) in sources.into_iter().enumerate() {
            let mut seen_here: BTreeMap<(String, Location), Pointer> = BTreeMap::new();
            for (index, param) in list.iter().enumerate() {
                let declared = self.declare(param, list_at.join(index), level)?;
                let name = &declared.data.name;
                let key = (name.clone(), declared.location);
                if let Some(first) = seen_here.insert(key, declared.at.clone()) {
                    let occurrences = placeholder_count(path, name);
                    let declared_before = merged
                        .iter()
                        .filter(|d| {
                            d.level == level
                                && d.location == declared.location
                                && d.data.name == *name
                        })
                        .count();
                    let repeats = declared.location == Location::Path && occurrences > 1;
                    if !(repeats && declared_before < occurrences) {
                        return Err(self.error(
                            ErrorKind::Duplicate,
                            &declared.at,
                            format!(
                                "{:?} parameter {name:?} is also declared at {first}",
                                declared.location
                            ),
                        ));
                    }
                }
                merged.retain(|d| {
                    !(d.level < level && d.data.name == *name && d.location == declared.location)
                });
                merged.push(declared);
            }
        }
        Ok(merged)
    }

    fn declare(
        &self,
        param: &'a ReferenceOr<Parameter>,
        at: Pointer,
        level: usize,
    ) -> Result<Declared<'a>> {
        let (param, _) = self.resolve.parameter(param, &at)?;
        let (data, location, style) = match param {
            Parameter::Query {
                parameter_data,
                style,
                ..
            } => (parameter_data, Location::Query, style.clone()),
            Parameter::Header { parameter_data, .. } => {
                (parameter_data, Location::Header, QueryStyle::Form)
            }
            Parameter::Path { parameter_data, .. } => {
                (parameter_data, Location::Path, QueryStyle::Form)
            }
            Parameter::Cookie { .. } => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    &at,
                    "cookie parameters are not supported",
                ));
            }
        };
        Ok(Declared {
            at,
            data,
            location,
            level,
            style,
        })
    }

    /// One parameter: its Rust name (claimed in `names`), its type and how it is written.
    fn lower_param(
        &mut self,
        param: &Declared<'a>,
        builder: &str,
        path: &str,
        occurrence: usize,
        names: &mut NameSet,
    ) -> Result<Param> {
        let Declared {
            at, data, location, ..
        } = param;
        let text = data.name.len() + data.description.as_ref().map_or(0, String::len);
        self.resolve.spend(1, text, at)?;
        let (schema, schema_at, json) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => (Some(schema), at.join("schema"), false),
            ParameterSchemaOrContent::Content(content) => {
                // One media type, as OpenAPI requires: a JSON one sends the value as JSON
                // text, any other its schema's plain text.
                let Some((media, described)) = content.iter().next().filter(|_| content.len() == 1)
                else {
                    return Err(self.error(
                        ErrorKind::Parse,
                        &at.join("content"),
                        format!(
                            "a parameter's `content` must have exactly one media type; this has {}",
                            content.len()
                        ),
                    ));
                };
                let media_at = at.join("content").join(media);
                (
                    described.schema.as_ref(),
                    media_at.join("schema"),
                    payload::is_json(&payload::essence(media)),
                )
            }
        };
        let placeholder = is_placeholder(&data.name);
        let rust = if *location == Location::Path && placeholder_count(path, &data.name) > 1 {
            self.repeated_path_param_name(path, &data.name, occurrence, at)?
        } else if placeholder && *location == Location::Query {
            let inner = data.name.trim_start_matches('<').trim_end_matches('>');
            self.escape(inner, Case::Value, &at.join("name"), "parameter name")?
        } else {
            self.escape(&data.name, Case::Value, &at.join("name"), "parameter name")?
        };
        let rust = names.claim(&rust, &data.name, at.as_str());
        let owner = format!(
            "{builder}{}",
            self.escape(&data.name, Case::Type, at, "parameter name")?
        );
        let ty = match schema {
            Some(schema) => self.type_of(schema, &schema_at, &owner, 0)?,
            None => TypeRef::Json,
        };
        let (keys, ty, style) = if json {
            (QueryKeys::Fixed, ty, Style::Object(ObjectStyle::Json))
        } else {
            self.param_style(param, ty)?
        };
        Ok(Param {
            name: Name {
                rust,
                wire: data.name.clone(),
            },
            location: *location,
            ty,
            required: data.required || *location == Location::Path,
            doc: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
            keys,
            style,
        })
    }

    /// Who picks the keys, the type of one value, and how values are written.
    ///
    /// The caller picks the keys of a query parameter whose name is a placeholder
    /// (`<linking-key>`: `key=value`), of a `deepObject` map, and of a parameter whose
    /// description documents `name[<key>]=<value>` (how the Profile API writes its
    /// `filter`): `name[key]=value`. Objects, maps, arrays of objects and untyped values
    /// otherwise go through serde in their OpenAPI style.
    fn param_style(
        &self,
        param: &Declared<'a>,
        ty: TypeRef,
    ) -> Result<(QueryKeys, TypeRef, Style)> {
        let Declared {
            at,
            data,
            location,
            style,
            ..
        } = param;
        let scalar = |ty: &TypeRef| ty.is_scalar(&self.models);
        if *location != Location::Query {
            let style = if scalar(&ty) || matches!(&ty, TypeRef::Array(item) if scalar(item)) {
                Style::Plain
            } else {
                Style::Object(ObjectStyle::Form)
            };
            return Ok((QueryKeys::Fixed, ty, style));
        }
        let deep_object = *style == QueryStyle::DeepObject;
        if is_placeholder(&data.name) {
            if !scalar(&ty) {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    &at.join("schema"),
                    format!("the placeholder parameter {:?} stands for a key the caller chooses, so its value must be a scalar", data.name),
                ));
            }
            return Ok((QueryKeys::CallerNamed, ty, Style::Plain));
        }
        match ty {
            TypeRef::Map(value) if deep_object && scalar(&value) => {
                Ok((QueryKeys::Bracketed, *value, Style::Plain))
            }
            ty if deep_object => Ok((QueryKeys::Fixed, ty, Style::Object(ObjectStyle::DeepObject))),
            ty if documents_brackets(data) && scalar(&ty) => {
                Ok((QueryKeys::Bracketed, ty, Style::Plain))
            }
            ty if scalar(&ty) => Ok((QueryKeys::Fixed, ty, Style::Plain)),
            TypeRef::Array(item) if scalar(&item) => {
                let joined = match style {
                    QueryStyle::SpaceDelimited => Some(" "),
                    QueryStyle::PipeDelimited => Some("|"),
                    QueryStyle::Form if data.explode == Some(false) => Some(","),
                    _ => None,
                };
                let style = joined.map_or(Style::Plain, Style::Joined);
                Ok((QueryKeys::Fixed, TypeRef::Array(item), style))
            }
            ty => {
                let object = if data.explode == Some(false) {
                    ObjectStyle::Form
                } else {
                    ObjectStyle::FormExploded
                };
                Ok((QueryKeys::Fixed, ty, Style::Object(object)))
            }
        }
    }
}

/// A name that is itself a placeholder: `<linking-key>`.
fn is_placeholder(name: &str) -> bool {
    name.len() > 2 && name.starts_with('<') && name.ends_with('>')
}

/// Whether the description documents `name[<key>]=<value>` bracket notation.
fn documents_brackets(data: &ParameterData) -> bool {
    let name = &data.name;
    data.description
        .as_deref()
        .is_some_and(|d| d.contains(&format!("{name}[<")) || d.contains(&format!("{name}[{{")))
}
