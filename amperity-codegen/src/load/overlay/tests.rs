use serde_json::json;

use super::*;

const SEGMENT_STATUS: &str = r#"
overlay: 1.0.0
info: {title: Segment status, version: 1.0.0}
actions:
  - target: "$.components.schemas.Segment.required[?@ == 'status']"
    description: Items of the documented example have only id and name (https://docs.example/segments).
    remove: true
"#;

fn document() -> Value {
    json!({
        "components": {"schemas": {
            "Segment": {"required": ["id", "name", "status"], "properties": {"id": {}, "status": {}}},
            "Other": {"required": ["status"]}
        }},
        "tags": [{"name": "a"}]
    })
}

fn overlay(text: &str) -> Overlay {
    Overlay::parse("o.yaml", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn parse_error(text: &str) -> Error {
    Overlay::parse("o.yaml", text.as_bytes()).unwrap_err()
}

#[test]
fn removes_an_array_element_selected_by_a_filter() {
    let value = apply("doc.json", document(), &[overlay(SEGMENT_STATUS)]).unwrap();
    assert_eq!(
        value["components"]["schemas"]["Segment"]["required"],
        json!(["id", "name"])
    );
    // Only what the target selects.
    assert_eq!(
        value["components"]["schemas"]["Other"]["required"],
        json!(["status"])
    );
    overlay(SEGMENT_STATUS).require_evidence().unwrap();
}

#[test]
fn updates_merge_objects_and_append_to_arrays_in_order() {
    let text = r#"
overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: $.components.schemas.Segment
    update: {properties: {status: {nullable: true}}, x-note: n}
  - target: $.tags
    update: {name: b}
  - target: $.components.schemas.Segment.properties.id
    remove: true
  - target: $.components.schemas.*.required[?@ == 'status']
    remove: true
"#;
    let value = apply("doc.json", document(), &[overlay(text)]).unwrap();
    let segment = &value["components"]["schemas"]["Segment"];
    assert_eq!(segment["properties"], json!({"status": {"nullable": true}}));
    assert_eq!(segment["x-note"], "n");
    assert_eq!(value["tags"], json!([{"name": "a"}, {"name": "b"}]));
    assert_eq!(
        value["components"]["schemas"]["Other"]["required"],
        json!([])
    );
}

#[test]
fn a_target_that_selects_nothing_is_located_and_listed_as_stale() {
    let text = r#"
overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: $.info
    update: {title: x}
    description: https://docs.example/a
  - target: "$.components.schemas.Gone"
    remove: true
    description: https://docs.example/b
"#;
    let e = apply("doc.json", json!({"info": {}}), &[overlay(text)]).unwrap_err();
    assert_eq!(
        (e.document.as_str(), e.pointer.as_str()),
        ("o.yaml", "/actions/1/target")
    );
    assert_eq!(e.kind, ErrorKind::Overlay);
    assert!(e.message.contains("selects nothing in doc.json"), "{e}");
    let stale = stale_actions(json!({"info": {}}), &[overlay(text)]);
    assert_eq!(stale.len(), 1);
    assert_eq!(
        (stale[0].action, stale[0].target.as_str()),
        (1, "$.components.schemas.Gone")
    );
}

#[test]
fn updates_that_cannot_apply_are_errors() {
    let text = r#"
overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: $.components.schemas.Segment.required[0]
    update: {a: 1}
"#;
    let e = apply("doc.json", document(), &[overlay(text)]).unwrap_err();
    assert_eq!(e.pointer, "/actions/0");
    assert!(e.message.contains("selects a string"), "{e}");
    let text = text.replace(".required[0]", "").replace("{a: 1}", "[1]");
    let e = apply("doc.json", document(), &[overlay(&text)]).unwrap_err();
    assert!(e.message.contains("must be an object"), "{e}");
}

#[test]
fn malformed_overlays_are_located() {
    let cases = [
        (
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: []\n",
            "/overlay",
        ),
        (
            "overlay: 1.0.0\nactions: [{target: $, remove: true}]\n",
            "/info",
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: []\n",
            "/actions",
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: '$..[', remove: true}]\n",
            "/actions/0/target",
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $.a}]\n",
            "/actions/0",
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $.a, remove: yes please}]\n",
            "/actions/0/remove",
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $.a, remov: true}]\n",
            "/actions/0/remov",
        ),
        (
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $.a, remove: true, update: {}}]\n",
            "/actions/0",
        ),
    ];
    for (text, pointer) in cases {
        let e = parse_error(text);
        assert_eq!(e.pointer, pointer, "{e}");
        assert_eq!(e.document, "o.yaml");
    }
    assert!(
        parse_error("{\"overlay\": ")
            .message
            .contains("invalid JSON")
    );
}

#[test]
fn evidence_is_a_link_in_every_description() {
    let text = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - {target: $.a, remove: true, description: because}\n";
    let e = overlay(text).require_evidence().unwrap_err();
    assert_eq!(e.pointer, "/actions/0/description");
    let text = text.replace(", description: because", "");
    assert!(overlay(&text).require_evidence().is_err());
}

#[test]
fn removing_the_root_or_nested_selections_is_safe() {
    let text =
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $, remove: true}]\n";
    let e = apply("doc.json", document(), &[overlay(text)]).unwrap_err();
    assert!(e.message.contains("whole document"), "{e}");
    // `$..required` selects nested arrays and `..[*]` their items: parents and children.
    let text = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: '$.components..required', remove: true}, {target: '$.tags[*]', remove: true}]\n";
    let value = apply("doc.json", document(), &[overlay(text)]).unwrap();
    assert_eq!(value["components"]["schemas"]["Other"], json!({}));
    assert_eq!(value["tags"], json!([]));
}
