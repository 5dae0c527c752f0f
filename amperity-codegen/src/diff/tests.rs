//! End-to-end tests of the diff on small inline documents: errors, cycles, direction,
//! ordering and the JSON shape. The per-rule fixtures live in `tests/fixtures/diff/`.

use super::*;
use crate::ErrorKind;

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n";

fn report(old: &str, new: &str) -> Report {
    let (old, new) = (format!("{HEAD}{old}"), format!("{HEAD}{new}"));
    diff_bytes("old.yaml", old.as_bytes(), "new.yaml", new.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn error(doc: &str) -> crate::Error {
    let doc = format!("{HEAD}{doc}");
    diff_bytes("a.yaml", doc.as_bytes(), "b.yaml", doc.as_bytes()).unwrap_err()
}

fn kinds(report: &Report) -> Vec<(Class, ChangeKind, &str)> {
    report
        .changes
        .iter()
        .map(|c| (c.class, c.kind, c.location.label.as_str()))
        .collect()
}

/// One GET whose 200 body is `schema` and whose query parameters are `params`.
fn get(params: &str, schema: &str) -> String {
    format!(
        "paths:\n  /x:\n    get:\n      parameters: [{params}]\n      responses:\n        '200':\n          description: ok\n          content: {{application/json: {{schema: {schema}}}}}\n"
    )
}

#[test]
fn identical_documents_have_no_changes() {
    let doc = get(
        "{name: a, in: query, schema: {type: string}}",
        "{type: object}",
    );
    assert_eq!(report(&doc, &doc).changes, []);
}

#[test]
fn direction_decides_whether_optional_breaks() {
    // The same change (a field stops being required) in a response and in a request.
    let response = |req: &str| {
        get(
            "",
            &format!("{{type: object, required: [{req}], properties: {{a: {{type: string}}}}}}"),
        )
    };
    let r = report(&response("a"), &response(""));
    assert_eq!(
        kinds(&r),
        [(
            Class::Breaking,
            ChangeKind::FieldRequiredChanged,
            "GET /x › response 200 › a"
        )]
    );
    let request = |req: &str| {
        format!(
            "paths:\n  /x:\n    post:\n      requestBody:\n        content: {{application/json: {{schema: {{type: object, required: [{req}], properties: {{a: {{type: string}}}}}}}}}}\n      responses: {{'204': {{description: ok}}}}\n"
        )
    };
    let r = report(&request("a"), &request(""));
    assert_eq!(
        kinds(&r),
        [(
            Class::NonBreaking,
            ChangeKind::FieldRequiredChanged,
            "POST /x › request body › a"
        )]
    );
}

#[test]
fn breaking_changes_come_first_and_output_is_stable() {
    let old = get(
        "{name: a, in: query, schema: {type: string}}",
        "{type: object}",
    );
    let new = get(
        "{name: b, in: query, schema: {type: string}}",
        "{type: object, properties: {z: {type: string}}}",
    );
    let r = report(&old, &new);
    assert_eq!(
        kinds(&r),
        [
            (
                Class::Breaking,
                ChangeKind::ParameterRemoved,
                "GET /x › query parameter a"
            ),
            (
                Class::NonBreaking,
                ChangeKind::ParameterAdded,
                "GET /x › query parameter b"
            ),
            (
                Class::NonBreaking,
                ChangeKind::FieldAdded,
                "GET /x › response 200 › z"
            ),
        ]
    );
    assert_eq!(r, report(&old, &new));
    assert!(
        r.to_text()
            .starts_with("1 breaking, 2 non-breaking changes\n")
    );
}

#[test]
fn header_names_compare_case_insensitively() {
    let old = get("{name: X-Id, in: header, schema: {type: string}}", "{}");
    let new = get("{name: x-id, in: header, schema: {type: string}}", "{}");
    assert_eq!(report(&old, &new).changes, []);
}

#[test]
fn self_referencing_schemas_end() {
    // A list of lists of itself, changed deep down: the walk must end and report once.
    let doc = |ty: &str| {
        format!(
            "{}components:\n  schemas:\n    N:\n      type: object\n      properties:\n        v: {{type: {ty}}}\n        kids: {{type: array, items: {{type: array, items: {{$ref: '#/components/schemas/N'}}}}}}\n        self: {{allOf: [{{$ref: '#/components/schemas/N'}}]}}\n",
            get("", "{$ref: '#/components/schemas/N'}")
        )
    };
    let r = report(&doc("string"), &doc("integer"));
    // `v` is reached through `self` (properties go in name order) before it is reached
    // directly; under one root, a schema is compared where it is first reached.
    assert_eq!(
        kinds(&r),
        [(
            Class::Breaking,
            ChangeKind::TypeChanged,
            "GET /x › response 200 › self.v"
        )]
    );
}

#[test]
fn reference_cycles_and_dangling_references_are_errors_with_pointers() {
    let cycle = format!(
        "{}components:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n",
        get("", "{$ref: '#/components/schemas/A'}")
    );
    let e = error(&cycle);
    assert_eq!(e.kind, ErrorKind::BadReference);
    // Refused while loading, before the diff follows the references.
    assert!(e.message.contains("lead back: A → B → A"), "{e}");
    assert!(
        e.to_string().starts_with("a.yaml#/components/schemas/"),
        "{e}"
    );

    let e = error(&get("", "{$ref: '#/components/schemas/Missing'}"));
    assert_eq!(e.kind, ErrorKind::BadReference);
    assert_eq!(
        e.pointer,
        "/paths/~1x/get/responses/200/content/application~1json/schema/$ref"
    );
    let e = error(&get("{$ref: 'other.yaml#/P'}", "{}"));
    assert!(e.message.contains("points outside this document"), "{e}");
}

#[test]
fn json_has_the_documented_shape() {
    let old = get("", "{type: object}");
    let new = get(
        "{name: next_token, in: query, schema: {type: string}}",
        "{type: object}",
    );
    let json: serde_json::Value = serde_json::from_str(&report(&old, &new).to_json()).unwrap();
    assert_eq!(json["format"], 1);
    assert_eq!(json["old"]["document"], "old.yaml");
    assert_eq!(
        (json["breaking"].clone(), json["non_breaking"].clone()),
        (1.into(), 0.into())
    );
    let change = &json["changes"][0];
    assert_eq!(change["class"], "breaking");
    assert_eq!(change["kind"], "pagination-added");
    assert_eq!(change["document"], "new");
    assert_eq!(change["pointer"], "/paths/~1x/get/parameters/0");
    assert_eq!(change["also"], serde_json::json!([]));
}

/// `diff` and `generate` resolve references with one resolver: a chain longer than the
/// diff's old limit of 32 hops, and names escaped as JSON pointers, read in both.
#[test]
fn diff_accepts_the_references_generate_accepts() {
    let mut components = String::from("components:\n  schemas:\n");
    for i in 0..40 {
        let next = i + 1;
        components.push_str(&format!(
            "    S{i}: {{$ref: '#/components/schemas/S{next}'}}\n"
        ));
    }
    components.push_str(
        "    S40: {type: object, properties: {a: {type: string}}}\n    'x/y': {type: string}\n",
    );
    let doc = format!(
        "{}{components}",
        get(
            "{name: q, in: query, schema: {$ref: '#/components/schemas/x~1y'}}",
            "{$ref: '#/components/schemas/S0'}"
        )
    );
    let document = format!("{HEAD}{doc}");
    let spec = crate::load("a.yaml", document.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    crate::lower("a.yaml", "a", &spec).unwrap_or_else(|e| panic!("{e}"));
    assert!(report(&doc, &doc).changes.is_empty());
}

/// A schema that contains itself through `allOf` is refused by `diff` as by `generate`.
#[test]
fn diff_refuses_the_allof_circles_generate_refuses() {
    let doc = format!(
        "{}components:\n  schemas:\n    A: {{allOf: [{{$ref: '#/components/schemas/B'}}, {{type: object}}]}}\n    B: {{allOf: [{{$ref: '#/components/schemas/A'}}, {{type: object}}]}}\n",
        get("", "{$ref: '#/components/schemas/A'}")
    );
    let e = error(&doc);
    assert_eq!(e.kind, ErrorKind::BadReference, "{e}");
    assert!(e.message.contains("contains itself"), "{e}");
    let document = format!("{HEAD}{doc}");
    let spec = crate::load("a.yaml", document.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let e = crate::lower("a.yaml", "a", &spec).unwrap_err();
    assert!(e.message.contains("contains itself"), "{e}");
}
