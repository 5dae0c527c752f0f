//! `securityDefinitions` → `components/securitySchemes`.

use serde_json::{Map, Value};

use super::{Converter, extensions};
use crate::error::{ErrorKind, Pointer, Result};

impl Converter<'_> {
    /// One security definition: basic → http basic, apiKey as is, oauth2's single `flow`
    /// → a `flows` object with the flow under its 3.0 name.
    pub(super) fn security_scheme(&self, scheme: &Value, at: &Pointer) -> Result<Value> {
        let scheme = self.object(scheme, at, "a security definition")?;
        let ty_at = at.join("type");
        let Some(ty) = scheme.get("type") else {
            return Err(self.error(ErrorKind::Parse, at, "a security definition needs a `type`"));
        };
        let mut out = Map::new();
        match self.string(ty, &ty_at)? {
            "basic" => {
                self.check_fields(
                    scheme,
                    &["type", "description"],
                    at,
                    "basic security definition",
                )?;
                out.insert("type".into(), "http".into());
                out.insert("scheme".into(), "basic".into());
                copy(scheme, "description", &mut out);
            }
            "apiKey" => {
                let fields = ["type", "description", "name", "in"];
                self.check_fields(scheme, &fields, at, "apiKey security definition")?;
                for field in fields {
                    copy(scheme, field, &mut out);
                }
            }
            "oauth2" => {
                let fields = [
                    "type",
                    "description",
                    "flow",
                    "authorizationUrl",
                    "tokenUrl",
                    "scopes",
                ];
                self.check_fields(scheme, &fields, at, "oauth2 security definition")?;
                out.insert("type".into(), "oauth2".into());
                copy(scheme, "description", &mut out);
                let (name, flow) = self.oauth2_flow(scheme, at)?;
                let mut flows = Map::new();
                flows.insert(name.into(), Value::Object(flow));
                out.insert("flows".into(), Value::Object(flows));
            }
            other => {
                return Err(self.error(
                    ErrorKind::Parse,
                    &ty_at,
                    format!(
                        "security definition type {other:?} is not one of basic, apiKey, oauth2"
                    ),
                ));
            }
        }
        out.extend(extensions(scheme).map(|(k, v)| (k.clone(), v.clone())));
        Ok(Value::Object(out))
    }

    /// The 3.0 name of the flow and its object, with the URLs that flow needs.
    fn oauth2_flow(
        &self,
        scheme: &Map<String, Value>,
        at: &Pointer,
    ) -> Result<(&'static str, Map<String, Value>)> {
        let flow_at = at.join("flow");
        let Some(flow) = scheme.get("flow") else {
            return Err(self.error(
                ErrorKind::Parse,
                at,
                "an oauth2 security definition needs a `flow`",
            ));
        };
        let (name, urls): (&str, &[&str]) = match self.string(flow, &flow_at)? {
            "implicit" => ("implicit", &["authorizationUrl"]),
            "password" => ("password", &["tokenUrl"]),
            "application" => ("clientCredentials", &["tokenUrl"]),
            "accessCode" => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
            other => {
                return Err(self.error(
                    ErrorKind::Parse,
                    &flow_at,
                    format!("oauth2 flow {other:?} is not one of implicit, password, application, accessCode"),
                ));
            }
        };
        let mut out = Map::new();
        for url in urls {
            if !scheme.contains_key(*url) {
                return Err(self.error(
                    ErrorKind::Parse,
                    at,
                    format!("the oauth2 flow {name:?} needs `{url}`"),
                ));
            }
        }
        // A URL the flow does not use is kept too: 3.0 readers ignore it, nothing is lost.
        copy(scheme, "authorizationUrl", &mut out);
        copy(scheme, "tokenUrl", &mut out);
        let scopes = scheme
            .get("scopes")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        out.insert("scopes".into(), scopes);
        Ok((name, out))
    }
}

fn copy(from: &Map<String, Value>, field: &str, to: &mut Map<String, Value>) {
    if let Some(value) = from.get(field) {
        to.insert(field.into(), value.clone());
    }
}
