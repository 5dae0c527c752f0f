//! Integer bounds past `i64`.
//!
//! `openapiv3` holds `minimum` and `maximum` of an integer schema as `i64` and refuses a
//! document whose bound is larger (`maximum: 18446744073709551615` for a `u64`, or
//! `-2^127`). Such a bound says which Rust integer the values need, so before `openapiv3`
//! reads the document each one is taken out and its meaning kept in the schema's
//! [`WIDTH`] extension, which lowering reads.

use serde_json::{Map, Value};

/// The extension that records the Rust integer an integer schema needs: `"u64"`,
/// `"i128"` or `"f64"` (bounds past `i128`: a JSON number that only a float holds).
pub(crate) const WIDTH: &str = "x-amperity-codegen-integer";

/// Moves every out-of-range integer bound of `value` (anywhere in the document) into
/// [`WIDTH`]. Iterative, so the depth of the document does not matter.
pub(super) fn widen(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(object) => {
                if object.get("type").and_then(Value::as_str) == Some("integer") {
                    widen_schema(object);
                }
                stack.extend(object.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn widen_schema(schema: &mut Map<String, Value>) {
    let mut low = None::<f64>;
    let mut high = None::<f64>;
    let mut widened = false;
    for (key, bound) in [("minimum", &mut low), ("maximum", &mut high)] {
        let Some(Value::Number(n)) = schema.get(key) else {
            continue;
        };
        if n.as_i64().is_some() {
            *bound = n.as_f64();
            continue;
        }
        *bound = n.as_f64();
        schema.remove(key);
        widened = true;
    }
    if !widened {
        return;
    }
    let low = low.unwrap_or(i64::MIN as f64);
    let high = high.unwrap_or(i64::MAX as f64);
    let width = if low >= 0.0 && high <= u64::MAX as f64 {
        "u64"
    } else if low >= i128::MIN as f64 && high <= i128::MAX as f64 {
        "i128"
    } else {
        "f64"
    };
    schema.insert(WIDTH.to_owned(), Value::String(width.to_owned()));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn width(schema: Value) -> (Option<String>, Value) {
        let mut value = json!({ "s": schema });
        widen(&mut value);
        let s = value["s"].as_object().unwrap().clone();
        (
            s.get(WIDTH).and_then(Value::as_str).map(str::to_owned),
            Value::Object(s),
        )
    }

    #[test]
    fn bounds_past_i64_choose_the_integer() {
        let (w, s) =
            width(json!({"type": "integer", "minimum": 0, "maximum": 18446744073709551615u64}));
        assert_eq!(w.as_deref(), Some("u64"));
        assert_eq!(s["minimum"], 0, "a bound within i64 stays");
        assert!(s.get("maximum").is_none());
        let (w, _) = width(json!({"type": "integer", "minimum": -1.7e38}));
        assert_eq!(w.as_deref(), Some("i128"));
        let (w, _) = width(json!({"type": "integer", "maximum": 1e40}));
        assert_eq!(w.as_deref(), Some("f64"));
        let (w, s) = width(json!({"type": "integer", "minimum": -5, "maximum": 5}));
        assert_eq!((w, s["maximum"].clone()), (None, json!(5)));
        let (w, _) = width(json!({"type": "string", "maximum": 1e40}));
        assert_eq!(w, None, "only integer schemas");
    }
}
