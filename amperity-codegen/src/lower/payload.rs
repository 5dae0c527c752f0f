//! Request bodies and responses → [`Body`] and [`Success`]: which media type the client
//! uses, and the Rust type of what it sends and receives.

use openapiv3::{MediaType, ReferenceOr, RequestBody, Response, StatusCode};

use super::Lowerer;
use crate::error::{ErrorKind, Pointer, Result};
use crate::ir::{Body, Media, ModelKind, Operation, Outcome, Payload, Success, TypeRef};
use crate::names::Name;

impl<'a> Lowerer<'a> {
    /// The request body; `None` when its `content` names no media type (nothing says what
    /// could be sent, so the operation sends no body).
    pub(super) fn lower_body(
        &mut self,
        builder: &str,
        body: &'a ReferenceOr<RequestBody>,
        at: &Pointer,
    ) -> Result<Option<Body>> {
        let (body, at) = self.resolve.request_body(body, at)?;
        let Some((kind, content_type, media, media_at)) =
            self.pick_media(&body.content, &at.join("content"))?
        else {
            return Ok(None);
        };
        let ty = self.payload_type(kind, media, &media_at, &format!("{builder}Body"))?;
        if kind == Media::Form && !matches!(ty, TypeRef::Named(_) | TypeRef::Map(_)) {
            return Err(self.error(
                ErrorKind::Unsupported,
                &media_at.join("schema"),
                "a form body must be an object",
            ));
        }
        let doc = if kind == Media::Multipart {
            let parts = self.multipart_parts(media);
            Some(
                [body.description.as_deref(), Some(&parts)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n\n"),
            )
        } else {
            body.description.clone()
        };
        Ok(Some(Body {
            ty,
            required: body.required,
            doc,
            media: kind,
            content_type,
        }))
    }

    /// What a 2xx answer carries. Without any 2xx response, a `default` response
    /// describes the success too (its body is kept; any 2xx status is accepted).
    pub(super) fn lower_success(
        &mut self,
        builder: &str,
        responses: &'a openapiv3::Responses,
        at: &Pointer,
    ) -> Result<Success> {
        let mut bodies: Vec<(u16, Option<Payload>)> = Vec::new();
        for (code, response) in &responses.responses {
            let status = match code {
                StatusCode::Code(c) if (200..300).contains(c) => *c,
                StatusCode::Range(2) => 200,
                _ => continue,
            };
            let payload = self.response_payload(builder, response, &at.join(code.to_string()))?;
            bodies.push((status, payload));
        }
        if bodies.is_empty()
            && let Some(default) = &responses.default
        {
            let payload = self.response_payload(builder, default, &at.join("default"))?;
            return Ok(Success::Single {
                statuses: Vec::new(),
                payload,
            });
        }
        let first = bodies.first().and_then(|(_, b)| b.clone());
        if bodies.iter().all(|(_, b)| *b == first) {
            return Ok(Success::Single {
                statuses: bodies.iter().map(|(status, _)| *status).collect(),
                payload: first,
            });
        }
        let outcomes = bodies
            .into_iter()
            .map(|(status, payload)| Outcome {
                status,
                name: Name {
                    rust: outcome_name(status),
                    wire: status.to_string(),
                },
                payload,
                boxed: false,
            })
            .collect();
        // Named once the builder's neighbours in `requests` are known.
        let name = Name {
            rust: String::new(),
            wire: String::new(),
        };
        Ok(Success::Outcomes { name, outcomes })
    }

    /// The body of one response, if it has one.
    fn response_payload(
        &mut self,
        builder: &str,
        response: &'a ReferenceOr<Response>,
        at: &Pointer,
    ) -> Result<Option<Payload>> {
        let (response, at) = self.resolve_response(response, at)?;
        let Some((kind, content_type, media, media_at)) =
            self.pick_media(&response.content, &at.join("content"))?
        else {
            return Ok(None);
        };
        // A form is not something servers answer with; keep its bytes.
        let kind = if matches!(kind, Media::Form | Media::Multipart) {
            Media::Bytes
        } else {
            kind
        };
        let ty = self.payload_type(kind, media, &media_at, &format!("{builder}Response"))?;
        Ok(Some(Payload {
            ty,
            media: kind,
            content_type,
        }))
    }

    fn resolve_response(
        &self,
        response: &'a ReferenceOr<Response>,
        at: &Pointer,
    ) -> Result<(&'a Response, Pointer)> {
        self.resolve.response(response, at)
    }

    /// The media type of a `content` map the client uses: JSON (`application/json`,
    /// `+json`) first, then a URL-encoded form, then text, then anything else as bytes,
    /// then `multipart/form-data`; another `multipart/*` type alone is refused. `None` for an
    /// empty map (no body).
    fn pick_media<'m>(
        &self,
        content: &'m indexmap::IndexMap<String, MediaType>,
        at: &Pointer,
    ) -> Result<Option<(Media, String, &'m MediaType, Pointer)>> {
        let classified = content.iter().map(|(name, media)| {
            let essence = essence(name);
            let kind = if is_json(&essence) {
                Some(Media::Json)
            } else if essence == "application/x-www-form-urlencoded" {
                Some(Media::Form)
            } else if essence == "multipart/form-data" {
                Some(Media::Multipart)
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
                [
                    Media::Json,
                    Media::Form,
                    Media::Multipart,
                    Media::Text,
                    Media::Bytes,
                ]
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
                "multipart bodies other than multipart/form-data are not supported yet",
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
            // Built part by part: the schema only documents the parts (see `lower_body`).
            Media::Multipart => TypeRef::Multipart,
        })
    }

    /// Marks the structs used as request bodies: they get a constructor and setters.
    pub(crate) fn mark_request_bodies(&mut self, operations: &[Operation]) {
        for op in operations {
            if let Some(Body {
                ty: TypeRef::Named(name),
                ..
            }) = &op.body
                && let Some(model) = self.models.get_mut(name)
                && matches!(model.kind, ModelKind::Struct(_))
            {
                model.request_body = true;
            }
        }
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

impl Lowerer<'_> {
    /// The doc sentence of a `multipart/form-data` body: how to build it, and the parts its
    /// schema describes (an object's properties, files marked), as far as they resolve.
    fn multipart_parts(&self, media: &MediaType) -> String {
        let mut text = "Sent as `multipart/form-data`: build it part by part with \
                        [`Multipart`](crate::runtime::Multipart)."
            .to_owned();
        let schema = media
            .schema
            .as_ref()
            .and_then(|s| self.resolve.schema(s, &Pointer::root()).ok());
        let Some((schema, _)) = schema else {
            return text;
        };
        let openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) = &schema.schema_kind
        else {
            return text;
        };
        let parts: Vec<String> = object
            .properties
            .iter()
            .map(|(name, property)| {
                let file = match property {
                    ReferenceOr::Item(p) => is_file(p),
                    ReferenceOr::Reference { reference } => self
                        .resolve
                        .component_schema(reference)
                        .is_some_and(is_file),
                };
                let required = object.required.contains(name);
                let notes: Vec<&str> = [(required, "required"), (file, "a file")]
                    .into_iter()
                    .filter_map(|(on, note)| on.then_some(note))
                    .collect();
                if notes.is_empty() {
                    format!("`{name}`")
                } else {
                    format!("`{name}` ({})", notes.join(", "))
                }
            })
            .collect();
        if !parts.is_empty() {
            text.push_str(&format!(
                " The document describes the parts {}.",
                parts.join(", ")
            ));
        }
        text
    }
}

/// A string of `format: binary` (or an array of them): what multipart sends as a file.
fn is_file(schema: &openapiv3::Schema) -> bool {
    use openapiv3::{SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            matches!(
                s.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
            )
        }
        SchemaKind::Type(Type::Array(a)) => a
            .items
            .as_ref()
            .and_then(|i| i.as_item())
            .is_some_and(|i| is_file(i)),
        _ => false,
    }
}

/// A media type's essence, lower-cased: `application/json` of
/// `Application/JSON; charset=utf-8`.
pub(super) fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type's essence is JSON: `application/json`, or a `+json` type such as
/// `application/vnd.api+json`.
pub(super) fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}
