//! Schema objects, and the schemas of parameters, items and headers, which 2.0 writes
//! inline on the object itself.

use serde_json::{Map, Value, json};

use super::operation::SCHEMA_FIELDS;
use super::{Converter, extensions};
use crate::error::{ErrorKind, Pointer, Result};

impl Converter<'_> {
    /// A schema at `at` in the original, converted to sit at `to`.
    pub(super) fn schema(&mut self, schema: &Value, at: &Pointer, to: &Pointer) -> Result<Value> {
        let object = self.object(schema, at, "a schema")?;
        if let Some(reference) = object.get("$ref") {
            let (name, _) = self.local_ref(reference, "definitions", at)?;
            let reference = format!("#/components/schemas/{name}");
            if self.nullable(object, at)? == Some(true) {
                // 3.0 ignores the siblings of a `$ref`, so `nullable` needs a wrapper.
                self.origin.moved(&to.join("allOf").join(0), at);
                return Ok(json!({ "allOf": [{ "$ref": reference }], "nullable": true }));
            }
            // Other siblings are ignored by both versions alike; they are kept as written.
            let mut out = object.clone();
            out.remove("x-nullable");
            out.insert("$ref".into(), reference.into());
            return Ok(Value::Object(out));
        }
        let file = object.get("type").and_then(Value::as_str) == Some("file");
        let mut out = Map::new();
        for (key, value) in object {
            let (kat, kto) = (at.join(key), to.join(key));
            let converted = match key.as_str() {
                "x-nullable" => {
                    out.insert("nullable".into(), self.nullable(object, at)?.into());
                    continue;
                }
                "type" if file => {
                    out.insert("type".into(), "string".into());
                    out.insert("format".into(), "binary".into());
                    continue;
                }
                "format" if file => continue,
                "discriminator" => match value {
                    Value::String(property) => json!({ "propertyName": property }),
                    _ => value.clone(),
                },
                "properties" => {
                    let mut properties = Map::new();
                    for (name, property) in self.object(value, &kat, "`properties`")? {
                        let converted = self.schema(property, &kat.join(name), &kto.join(name))?;
                        properties.insert(name.clone(), converted);
                    }
                    Value::Object(properties)
                }
                "items" if value.is_array() => {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        &kat,
                        "`items` as a list of schemas (a tuple) has no OpenAPI 3.0 equivalent",
                    ));
                }
                "items" => self.schema(value, &kat, &kto)?,
                "additionalProperties" | "not" if !value.is_boolean() => {
                    self.schema(value, &kat, &kto)?
                }
                "allOf" | "anyOf" | "oneOf" => {
                    let mut parts = Vec::new();
                    for (index, part) in self
                        .array(value, &kat, &format!("`{key}`"))?
                        .iter()
                        .enumerate()
                    {
                        parts.push(self.schema(part, &kat.join(index), &kto.join(index))?);
                    }
                    Value::Array(parts)
                }
                _ => value.clone(),
            };
            out.insert(key.clone(), converted);
        }
        Ok(Value::Object(out))
    }

    /// `x-nullable`, which must be a boolean when present.
    fn nullable(&self, object: &Map<String, Value>, at: &Pointer) -> Result<Option<bool>> {
        match object.get("x-nullable") {
            None => Ok(None),
            Some(Value::Bool(nullable)) => Ok(Some(*nullable)),
            Some(_) => Err(self.error(
                ErrorKind::Parse,
                &at.join("x-nullable"),
                "`x-nullable` must be true or false",
            )),
        }
    }

    /// The schema of a parameter, items or header object: its value fields, in document
    /// order. `type: file` is allowed only for formData parameters.
    pub(super) fn simple_schema(
        &self,
        object: &Map<String, Value>,
        at: &Pointer,
        what: &str,
        allow_file: bool,
    ) -> Result<Value> {
        let Some(ty) = object.get("type") else {
            return Err(self.error(ErrorKind::Parse, at, format!("a {what} needs a `type`")));
        };
        let file = self.string(ty, &at.join("type"))? == "file";
        if file && !allow_file {
            return Err(self.error(
                ErrorKind::Parse,
                &at.join("type"),
                "`type: file` is only allowed for formData parameters",
            ));
        }
        let mut schema = Map::new();
        for (key, value) in object {
            match key.as_str() {
                "type" if file => {
                    schema.insert("type".into(), "string".into());
                    schema.insert("format".into(), "binary".into());
                }
                "format" if file => {}
                "items" => {
                    let items = self.items(value, &at.join("items"))?;
                    schema.insert(key.clone(), items);
                }
                _ if SCHEMA_FIELDS.contains(&key.as_str()) => {
                    schema.insert(key.clone(), value.clone());
                }
                _ => {}
            }
        }
        Ok(Value::Object(schema))
    }

    /// The `items` of a non-body array. 3.0 cannot say how an inner array is joined, so
    /// only the default (`csv`) is accepted there.
    fn items(&self, items: &Value, at: &Pointer) -> Result<Value> {
        let items = self.object(items, at, "`items`")?;
        let known = [SCHEMA_FIELDS, &["collectionFormat"]].concat();
        self.check_fields(items, &known, at, "items object")?;
        let format_at = at.join("collectionFormat");
        match items.get("collectionFormat") {
            Some(format) if self.string(format, &format_at)? != "csv" => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    &format_at,
                    "an array inside an array can only be joined with csv in OpenAPI 3.0",
                ));
            }
            _ => {}
        }
        let mut schema = self.simple_schema(items, at, "items object", false)?;
        if let Some(schema) = schema.as_object_mut() {
            schema.extend(extensions(items).map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(schema)
    }
}
