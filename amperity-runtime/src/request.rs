//! One request of one operation, as generated code describes it.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;

use crate::{Error, QueryValue};

/// What generated code hands to [`crate::ApiClient`]: the operation, its
/// method, its already-encoded path, and the parameters and body the caller set.
///
/// Client-wide headers (authorization, tenant, api-version) are not part of it: the client
/// adds them, once each.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) operation_id: &'static str,
    pub(crate) path_template: &'static str,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    /// The body and its `Content-Type`.
    pub(crate) body: Option<(HeaderValue, Bytes)>,
    pub(crate) timeout: Option<Duration>,
    /// The operation's own server, used instead of the client's base URL.
    pub(crate) server: Option<&'static str>,
}

impl Request {
    /// A request for `operation_id`, whose path template is `path_template` (for logs);
    /// `path` starts with `/`, is relative to the base URL, and has its parameters
    /// encoded with [`crate::path_segment`].
    pub fn new(
        method: Method,
        operation_id: &'static str,
        path_template: &'static str,
        path: String,
    ) -> Self {
        Self {
            method,
            operation_id,
            path_template,
            path,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
            server: None,
        }
    }

    /// Sets the timeout of this call as a whole (every attempt, the waits between them,
    /// redirects), instead of the client's `ClientBuilder::timeout`.
    pub fn timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        if timeout.is_some() {
            self.timeout = timeout;
        }
        self
    }

    /// Sends the request to `base_url` (the operation's own `servers` entry in the
    /// document) instead of the client's base URL. Credentials and client-wide headers are
    /// sent there too: the document says the operation lives there.
    pub fn server(&mut self, base_url: &'static str) -> &mut Self {
        self.server = Some(base_url);
        self
    }

    /// Adds a query parameter; `None` and empty arrays add nothing.
    pub fn query(&mut self, name: &str, value: &impl QueryValue) -> &mut Self {
        value.append_to(name, &mut self.query);
        self
    }

    /// Adds one `name=a,b,c` pair for an array that is not exploded (`explode: false`;
    /// `separator` is `" "` or `"|"` for the space- and pipe-delimited styles). Nothing is
    /// added for `None` or an empty array.
    pub fn query_joined(
        &mut self,
        name: &str,
        value: &impl QueryValue,
        separator: &str,
    ) -> &mut Self {
        let mut pairs = Vec::new();
        value.append_to(name, &mut pairs);
        if !pairs.is_empty() {
            let values: Vec<String> = pairs.into_iter().map(|(_, v)| v).collect();
            self.query.push((name.to_owned(), values.join(separator)));
        }
        self
    }

    /// Adds `name[key]=value` for each pair (bracket notation, OpenAPI's `deepObject`).
    pub fn query_bracketed<T: QueryValue>(
        &mut self,
        name: &str,
        pairs: &[(String, T)],
    ) -> &mut Self {
        for (key, value) in pairs {
            value.append_to(&format!("{name}[{key}]"), &mut self.query);
        }
        self
    }

    /// Adds `key=value` for each pair: parameters whose name the caller chooses.
    pub fn query_caller_named<T: QueryValue>(&mut self, pairs: &[(String, T)]) -> &mut Self {
        for (key, value) in pairs {
            value.append_to(key, &mut self.query);
        }
        self
    }

    /// Adds a header parameter of the operation (`None` adds nothing). Values with line
    /// breaks or other characters that cannot appear in a header are refused before
    /// anything is sent.
    pub fn header(&mut self, name: &str, value: &impl QueryValue) -> Result<&mut Self, Error> {
        let value = super::encode::simple_style(name, value);
        if value.is_empty() {
            return Ok(self);
        }
        let header = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
            .map_err(|_| Error::InvalidRequest(format!("`{name}` is not a valid header name")))?;
        let value = HeaderValue::from_str(&value).map_err(|_| {
            Error::InvalidRequest(format!(
                "header `{name}` has a value that cannot be sent in a header (control characters or line breaks)"
            ))
        })?;
        self.headers.insert(header, value);
        Ok(self)
    }

    /// Sets a JSON body.
    pub fn json(&mut self, body: &impl Serialize) -> Result<&mut Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::InvalidRequest(format!(
                "the body of `{}` does not serialize: {e}",
                self.operation_id
            ))
        })?;
        self.body = Some((
            HeaderValue::from_static("application/json"),
            Bytes::from(bytes),
        ));
        Ok(self)
    }

    /// Sets a `application/x-www-form-urlencoded` body from a struct or map whose fields
    /// are scalars or arrays of scalars (an array repeats its field, as OpenAPI's default
    /// form style does); `None` fields are left out. Nested objects cannot be expressed
    /// in a form and are refused.
    pub fn form(&mut self, body: &impl Serialize) -> Result<&mut Self, Error> {
        let refuse = |why: String| {
            Error::InvalidRequest(format!(
                "the form body of `{}` cannot be encoded: {why}",
                self.operation_id
            ))
        };
        let value = serde_json::to_value(body).map_err(|e| refuse(e.to_string()))?;
        let serde_json::Value::Object(fields) = value else {
            return Err(refuse("it is not an object".to_owned()));
        };
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        // Sorted by name: serde_json's map keeps insertion order or not depending on
        // features other crates enable, and the body must not depend on that.
        let mut fields: Vec<(&String, &serde_json::Value)> = fields.iter().collect();
        fields.sort_by_key(|(name, _)| *name);
        for (name, value) in fields {
            let values = match value {
                serde_json::Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            for value in values {
                match value {
                    serde_json::Value::Null => {}
                    serde_json::Value::String(s) => {
                        form.append_pair(name, s);
                    }
                    serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
                        form.append_pair(name, &value.to_string());
                    }
                    _ => {
                        return Err(refuse(format!(
                            "field `{name}` is a nested object or array"
                        )));
                    }
                }
            }
        }
        let text = form.finish();
        self.body = Some((
            HeaderValue::from_static("application/x-www-form-urlencoded"),
            Bytes::from(text),
        ));
        Ok(self)
    }

    /// Sets a text or binary body sent as it is, with the document's media type.
    pub fn raw(&mut self, content_type: &'static str, body: impl Into<Bytes>) -> &mut Self {
        self.body = Some((HeaderValue::from_static(content_type), body.into()));
        self
    }

    /// Sets a `multipart/form-data` body, encoded once so that a retry sends it again.
    pub fn multipart(&mut self, body: &crate::Multipart) -> &mut Self {
        let (content_type, bytes) = body.encode();
        // The boundary is ASCII letters, digits and `-`: always a valid header value.
        let content_type = HeaderValue::from_str(&content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("multipart/form-data"));
        self.body = Some((content_type, bytes));
        self
    }

    /// Asks for a media type other than JSON (`Accept`).
    pub fn accept(&mut self, media_type: &'static str) -> &mut Self {
        self.headers
            .insert(http::header::ACCEPT, HeaderValue::from_static(media_type));
        self
    }

    /// The operationId this request belongs to.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The encoded path, relative to the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query pairs in the order they will be sent.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_with_line_breaks_are_refused() {
        let mut request = Request::new(Method::GET, "op", "/x", "/x".to_owned());
        let err = request
            .header("x-custom", &"a\r\nInjected: yes")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`x-custom`"), "{err}");
        request.header("X-Custom", &"fine").unwrap();
        assert_eq!(request.headers["x-custom"], "fine");
    }

    #[test]
    fn bodies_carry_their_media_type() {
        #[derive(Serialize)]
        struct Login<'a> {
            user: &'a str,
            remember: bool,
        }
        let mut request = Request::new(Method::POST, "op", "/x", "/x".to_owned());
        request
            .form(&Login {
                user: "a b&c",
                remember: true,
            })
            .unwrap();
        let (content_type, body) = request.body.clone().unwrap();
        assert_eq!(content_type, "application/x-www-form-urlencoded");
        assert_eq!(body, "remember=true&user=a+b%26c");
        request.raw("text/csv", "a,b\n").accept("text/csv");
        assert_eq!(request.body.as_ref().unwrap().0, "text/csv");
        assert_eq!(request.headers["accept"], "text/csv");
        let nested = serde_json::json!({"a": {"b": 1}});
        assert!(request.form(&nested).is_err());
        let arrays = serde_json::json!({"tags": ["x", "y z"], "gone": null, "n": 2});
        request.form(&arrays).unwrap();
        assert_eq!(request.body.as_ref().unwrap().1, "n=2&tags=x&tags=y+z");
    }

    #[test]
    fn caller_chosen_keys() {
        let mut request = Request::new(Method::GET, "op", "/x", "/x".to_owned());
        let filters = [
            ("first_name".to_owned(), "Daniel"),
            ("tier".to_owned(), "gold"),
        ];
        request
            .query_bracketed("filter", &filters)
            .query_caller_named(&[("loyalty_id".to_owned(), 7_i64)]);
        let pairs: Vec<(&str, &str)> = request
            .query_pairs()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("filter[first_name]", "Daniel"),
                ("filter[tier]", "gold"),
                ("loyalty_id", "7")
            ]
        );
        let mut request = Request::new(Method::GET, "op", "/x", "/x".to_owned());
        request
            .query_joined("ids", &vec!["a", "b c"], ",")
            .query_joined("none", &Vec::<String>::new(), ",")
            .query_joined("tags", &Some(vec![1, 2]), "|");
        assert_eq!(
            request.query_pairs(),
            [
                ("ids".to_owned(), "a,b c".to_owned()),
                ("tags".to_owned(), "1|2".to_owned())
            ]
        );
    }

    #[test]
    fn unset_query_values_are_not_sent() {
        let mut request = Request::new(Method::GET, "op", "/x", "/x".to_owned());
        request
            .query("limit", &None::<i64>)
            .query("with_total", &Some(true));
        assert_eq!(
            request.query_pairs(),
            [("with_total".to_owned(), "true".to_owned())]
        );
    }
}
