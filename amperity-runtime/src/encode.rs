//! Encoding of path segments, query values and server URL variables.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::Error;

/// Everything but RFC 3986 unreserved characters is encoded, so a value is always exactly
/// one path segment: `/`, `?`, `#`, `%` and spaces (as `%20`, never `+`) included.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes one path parameter as exactly one URL path segment.
///
/// The value is formatted as for a query (RFC 3339 timestamps, `true`/`false`, arrays
/// joined with `,` as OpenAPI's `style: simple` says) and then every character outside
/// RFC 3986's unreserved set is percent-encoded: Amperity ids contain `/`
/// (`cb-20240618-71992-SF3Uz/part0.avro`) and may contain spaces (`%20`, never `+`). An
/// empty value, `.` or `..` would change which resource the path names, so they are
/// refused; `name` is the parameter's name in the document, for the error message.
#[doc(hidden)]
pub fn path_segment(name: &str, value: &impl QueryValue) -> Result<String, Error> {
    let text = simple_style(name, value);
    if text.is_empty() || text == "." || text == ".." {
        return Err(Error::InvalidRequest(format!(
            "path parameter `{name}` is {text:?}, which is not a valid path segment"
        )));
    }
    Ok(utf8_percent_encode(&text, PATH_SEGMENT).to_string())
}

/// A parameter's values joined with `,` (OpenAPI `style: simple`, for paths and headers).
pub(crate) fn simple_style(name: &str, value: &impl QueryValue) -> String {
    let mut pairs = Vec::new();
    value.append_to(name, &mut pairs);
    let values: Vec<String> = pairs.into_iter().map(|(_, v)| v).collect();
    values.join(",")
}

/// A value that can be sent as a query parameter.
///
/// Scalars produce one `name=value` pair; arrays one pair per element (the OpenAPI
/// default, `style: form, explode: true`); `Option::None` produces nothing, so optional
/// parameters the caller did not set are never sent (not even their documented default).
pub trait QueryValue {
    /// Appends this value's pairs for the parameter `name`.
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>);
}

impl<T: QueryValue + ?Sized> QueryValue for &T {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        (**self).append_to(name, pairs);
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        if let Some(value) = self {
            value.append_to(name, pairs);
        }
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        for value in self {
            value.append_to(name, pairs);
        }
    }
}

impl QueryValue for str {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        pairs.push((name.to_owned(), self.to_owned()));
    }
}

impl QueryValue for String {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        self.as_str().append_to(name, pairs);
    }
}

impl QueryValue for bool {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        pairs.push((
            name.to_owned(),
            if *self { "true" } else { "false" }.to_owned(),
        ));
    }
}

macro_rules! display_query_value {
    ($($ty:ty),*) => {$(
        impl QueryValue for $ty {
            fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
                pairs.push((name.to_owned(), self.to_string()));
            }
        }
    )*};
}

display_query_value!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, f32, f64);

/// RFC 3339 in UTC with a `Z` suffix and only as many fractional digits as needed
/// (`2026-04-01T11:11:11Z`), the form Amperity's documents show.
impl QueryValue for DateTime<Utc> {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        pairs.push((
            name.to_owned(),
            self.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ));
    }
}

/// `YYYY-MM-DD`.
impl QueryValue for NaiveDate {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        pairs.push((name.to_owned(), self.format("%Y-%m-%d").to_string()));
    }
}

/// How OpenAPI writes an object (or an array of objects, or an untyped value) as a
/// parameter. Generated code names these; more may come as OpenAPI does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectStyle {
    /// `style: form, explode: true` (the query default): `x=1&y=2`.
    FormExploded,
    /// `style: form, explode: false`, and `style: simple` in paths and headers:
    /// `name=x,1,y,2`.
    Form,
    /// `style: deepObject`: `name[x]=1&name[y]=2`.
    DeepObject,
    /// A parameter described by `content: application/json`: `name={"x":1}`, the whole
    /// value as JSON text (a string with its quotes).
    Json,
}

/// A parameter value that is not a scalar, written through serde in an [`ObjectStyle`].
///
/// The value is serialized to JSON first. Members of an object become pairs as the style
/// says; members (and array elements) that are themselves objects or arrays are sent as
/// JSON text, as nothing in OpenAPI says how to nest them; `null` members are left out,
/// and a `None` (or `null`) value sends nothing at all.
#[derive(Debug, Clone, Copy)]
pub struct Serialized<'a, T: ?Sized> {
    value: &'a T,
    style: ObjectStyle,
}

impl<'a, T: serde::Serialize + ?Sized> Serialized<'a, T> {
    /// `value` written in `style`.
    pub fn new(value: &'a T, style: ObjectStyle) -> Self {
        Self { value, style }
    }
}

impl<T: serde::Serialize + ?Sized> QueryValue for Serialized<'_, T> {
    fn append_to(&self, name: &str, pairs: &mut Vec<(String, String)>) {
        // Serializing generated models to JSON cannot fail (their map keys are strings);
        // a hand-written `Serialize` that fails sends nothing rather than half a value.
        let Ok(value) = serde_json::to_value(self.value) else {
            return;
        };
        append_serialized(name, &value, self.style, pairs);
    }
}

fn append_serialized(
    name: &str,
    value: &serde_json::Value,
    style: ObjectStyle,
    pairs: &mut Vec<(String, String)>,
) {
    use serde_json::Value;
    match value {
        Value::Null => {}
        value if style == ObjectStyle::Json => pairs.push((name.to_owned(), value.to_string())),
        // `Json` is taken by the arm above in each of the arms below.
        Value::Object(members) => {
            let members = members.iter().filter(|(_, v)| !v.is_null());
            match style {
                ObjectStyle::FormExploded => {
                    pairs.extend(members.map(|(k, v)| (k.clone(), json_text(v))));
                }
                ObjectStyle::DeepObject => {
                    pairs.extend(members.map(|(k, v)| (format!("{name}[{k}]"), json_text(v))));
                }
                ObjectStyle::Form | ObjectStyle::Json => {
                    let joined: Vec<String> = members
                        .flat_map(|(k, v)| [k.clone(), json_text(v)])
                        .collect();
                    pairs.push((name.to_owned(), joined.join(",")));
                }
            }
        }
        Value::Array(items) if style == ObjectStyle::Form => {
            let joined: Vec<String> = items
                .iter()
                .filter(|v| !v.is_null())
                .map(json_text)
                .collect();
            pairs.push((name.to_owned(), joined.join(",")));
        }
        Value::Array(items) => {
            let items = items.iter().filter(|v| !v.is_null());
            pairs.extend(items.map(|v| (name.to_owned(), json_text(v))));
        }
        scalar => pairs.push((name.to_owned(), json_text(scalar))),
    }
}

/// A JSON value as one parameter value: strings without quotes, other scalars as JSON
/// writes them, objects and arrays as JSON text.
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Fills a server URL template from the document (`https://{tenant-id}.amperity.com/api`,
/// or Amperity's own `<tenant-id>` spelling) with the given variables.
///
/// Values are substituted into a host name, so they must be host-name labels (ASCII
/// letters, digits and `-`): anything else could point the client at another host.
pub fn server_url(template: &str, variables: &[(&str, &str)]) -> Result<String, Error> {
    let mut url = template.to_owned();
    for (name, value) in variables {
        let valid = !value.is_empty()
            && value.len() <= 63
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if !valid {
            return Err(Error::Config(format!(
                "server variable `{name}` must be a host name label (letters, digits, `-`), got {value:?}"
            )));
        }
        url = url
            .replace(&format!("{{{name}}}"), value)
            .replace(&format!("<{name}>"), value);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn path_segments_never_split_or_plus_encode() {
        assert_eq!(
            path_segment("id", &"cb-20240618-71992-SF3Uz/part0.avro").unwrap(),
            "cb-20240618-71992-SF3Uz%2Fpart0.avro"
        );
        assert_eq!(path_segment("id", &"a b+c").unwrap(), "a%20b%2Bc");
        assert_eq!(
            path_segment("id", &"../x?y#z%").unwrap(),
            "..%2Fx%3Fy%23z%25"
        );
        assert_eq!(path_segment("id", &"wf-1.2~3_4").unwrap(), "wf-1.2~3_4");
        assert_eq!(path_segment("id", &"ü").unwrap(), "%C3%BC");
        assert_eq!(path_segment("id", &42_i64).unwrap(), "42");
        for bad in ["", ".", ".."] {
            let err = path_segment("workflow-id", &bad).unwrap_err().to_string();
            assert!(err.contains("`workflow-id`"), "{err}");
        }
    }

    #[test]
    fn query_values_serialize_as_the_api_expects() {
        let mut pairs = Vec::new();
        let at = Utc.with_ymd_and_hms(2026, 4, 1, 11, 11, 11).unwrap();
        at.append_to("happened_from", &mut pairs);
        (at + chrono::Duration::milliseconds(250)).append_to("t", &mut pairs);
        true.append_to("with_total", &mut pairs);
        Some(25_i64).append_to("limit", &mut pairs);
        None::<String>.append_to("next_token", &mut pairs);
        vec!["a".to_owned(), "b".to_owned()].append_to("k", &mut pairs);
        NaiveDate::from_ymd_opt(2026, 10, 1)
            .unwrap()
            .append_to("d", &mut pairs);
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("happened_from", "2026-04-01T11:11:11Z"),
                ("t", "2026-04-01T11:11:11.250Z"),
                ("with_total", "true"),
                ("limit", "25"),
                ("k", "a"),
                ("k", "b"),
                ("d", "2026-10-01"),
            ]
        );
    }

    #[test]
    fn objects_are_written_in_their_style() {
        // A struct, as generated models are: its members keep their order whether or not
        // serde_json's `preserve_order` is on.
        #[derive(serde::Serialize)]
        struct Filter {
            name: &'static str,
            gone: Option<i64>,
            tags: Vec<&'static str>,
            x: i64,
        }
        let value = Filter {
            name: "a b",
            gone: None,
            tags: vec!["t"],
            x: 1,
        };
        let pairs = |style| {
            let mut pairs = Vec::new();
            Serialized::new(&value, style).append_to("f", &mut pairs);
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs(ObjectStyle::FormExploded),
            ["name=a b", "tags=[\"t\"]", "x=1"]
        );
        assert_eq!(pairs(ObjectStyle::Form), ["f=name,a b,tags,[\"t\"],x,1"]);
        assert_eq!(
            pairs(ObjectStyle::DeepObject),
            ["f[name]=a b", "f[tags]=[\"t\"]", "f[x]=1"]
        );
        let rows = serde_json::json!([{"a": 1}, {"a": 2}]);
        let mut out = Vec::new();
        Serialized::new(&rows, ObjectStyle::FormExploded).append_to("r", &mut out);
        assert_eq!(out[1], ("r".to_owned(), "{\"a\":2}".to_owned()));
        let mut none = Vec::new();
        Serialized::new(&None::<serde_json::Value>, ObjectStyle::DeepObject)
            .append_to("n", &mut none);
        assert!(none.is_empty());
        assert_eq!(
            path_segment(
                "p",
                &Serialized::new(&serde_json::json!({"a": 1}), ObjectStyle::Form)
            )
            .unwrap(),
            "a%2C1"
        );
    }

    #[test]
    fn server_variables_must_be_host_labels() {
        let template = "https://<tenant-id>.amperity.com/api";
        assert_eq!(
            server_url(template, &[("tenant-id", "acme-sb-1")]).unwrap(),
            "https://acme-sb-1.amperity.com/api"
        );
        assert_eq!(
            server_url(
                "https://{tenant-id}.amperity.com/api",
                &[("tenant-id", "acme")]
            )
            .unwrap(),
            "https://acme.amperity.com/api"
        );
        for bad in ["", "evil.com/x", "a b", "-x", "acme.evil.com#"] {
            assert!(
                server_url(template, &[("tenant-id", bad)]).is_err(),
                "{bad}"
            );
        }
    }
}
