//! Responses and their headers: a response's `schema` becomes one `content` entry per
//! media type the operation produces.

use serde_json::{Map, Value, json};

use super::operation::SCHEMA_FIELDS;
use super::{Converter, extensions};
use crate::error::{Pointer, Result};

const RESPONSE_FIELDS: &[&str] = &["description", "schema", "headers", "examples"];
const HEADER_FIELDS: &[&str] = &["description", "collectionFormat"];

impl<'a> Converter<'a> {
    /// An operation's `responses`, which sit at the same pointer in both documents.
    pub(super) fn responses(
        &mut self,
        responses: &'a Value,
        at: &Pointer,
        produces: &[String],
    ) -> Result<Value> {
        let mut out = Map::new();
        for (code, response) in self.object(responses, at, "`responses`")? {
            let rat = at.join(code);
            if code.starts_with("x-") {
                out.insert(code.clone(), response.clone());
                continue;
            }
            let object = self.object(response, &rat, "a response")?;
            let converted = match object.get("$ref") {
                None => self.response(object, &rat, &rat, produces)?,
                Some(reference) => {
                    let (name, target) = self.local_ref(reference, "responses", &rat)?;
                    let definition = Pointer::from_escaped(&format!("/responses/{name}"));
                    let target = self.object(target, &definition, "a response")?;
                    if produces == self.produces.as_slice() || !target.contains_key("schema") {
                        json!({ "$ref": format!("#/components/responses/{name}") })
                    } else {
                        // The component lists the document's media types, not the operation's.
                        self.origin.moved(&rat, &definition);
                        self.response(target, &definition, &rat, produces)?
                    }
                }
            };
            out.insert(code.clone(), converted);
        }
        Ok(Value::Object(out))
    }

    /// A response at `at` in the original, converted to sit at `to`.
    pub(super) fn response(
        &mut self,
        response: &Map<String, Value>,
        at: &Pointer,
        to: &Pointer,
        produces: &[String],
    ) -> Result<Value> {
        self.check_fields(response, RESPONSE_FIELDS, at, "response")?;
        let mut out = Map::new();
        if let Some(description) = response.get("description") {
            out.insert("description".into(), description.clone());
        }
        if let Some(headers) = response.get("headers") {
            let (hat, hto) = (at.join("headers"), to.join("headers"));
            let mut converted = Map::new();
            for (name, header) in self.object(headers, &hat, "`headers`")? {
                let header = self.header(header, &hat.join(name))?;
                self.origin
                    .moved(&hto.join(name).join("schema"), &hat.join(name));
                converted.insert(name.clone(), header);
            }
            out.insert("headers".into(), Value::Object(converted));
        }
        let mut examples = match response.get("examples") {
            Some(examples) => self
                .object(examples, &at.join("examples"), "`examples`")?
                .clone(),
            None => Map::new(),
        };
        if let Some(schema) = response.get("schema") {
            let mut content = Map::new();
            for media in produces {
                let schema_to = to.join("content").join(media).join("schema");
                let schema = self.schema(schema, &at.join("schema"), &schema_to)?;
                self.origin.moved(&schema_to, &at.join("schema"));
                let mut media_type = Map::new();
                media_type.insert("schema".into(), schema);
                if let Some(example) = examples.shift_remove(media) {
                    media_type.insert("example".into(), example);
                }
                content.insert(media.clone(), Value::Object(media_type));
            }
            self.origin.built(&to.join("content"), &at.join("schema"));
            out.insert("content".into(), Value::Object(content));
        }
        out.extend(extensions(response).map(|(k, v)| (k.clone(), v.clone())));
        if !examples.is_empty() {
            // Examples of a body the response does not describe: kept, with no 3.0 home.
            out.insert("x-examples".into(), Value::Object(examples));
        }
        Ok(Value::Object(out))
    }

    /// A response header: its value fields become a `schema`; 3.0 headers are always
    /// `simple`, which is 2.0's `csv`.
    fn header(&self, header: &Value, at: &Pointer) -> Result<Value> {
        let header = self.object(header, at, "a header")?;
        let known = [HEADER_FIELDS, SCHEMA_FIELDS].concat();
        self.check_fields(header, &known, at, "header")?;
        self.collection_style(header, "header", at)?;
        let mut out = Map::new();
        if let Some(description) = header.get("description") {
            out.insert("description".into(), description.clone());
        }
        out.insert(
            "schema".into(),
            self.simple_schema(header, at, "header", false)?,
        );
        out.extend(extensions(header).map(|(k, v)| (k.clone(), v.clone())));
        Ok(Value::Object(out))
    }
}
