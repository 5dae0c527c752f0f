//! `$ref`s into the middle of a document, turned into references the rest of the
//! generator reads.
//!
//! The resolver (`crate::resolve`) and the Swagger 2.0 conversion read references to
//! whole components only (`#/components/schemas/Pet`, `#/definitions/Pet`): a component is
//! what becomes a named type. Real documents also point into the middle of one — a
//! property of another schema (`#/components/schemas/Gateway/properties/provisioningState`,
//! 22 documents of the APIs.guru corpus, often recursive), a parameter or response of
//! another operation (`#/paths/~1a/get/parameters/0`). Here a schema so referred to
//! becomes a component of its own, named after its place (`Gateway.provisioningState`),
//! and both its place and the references refer to it: one type, which may contain itself.
//! Anything else is copied where it is referred to, as if written out there. Errors in a
//! moved schema or a copy point to where the document defines it (the [`Origin`]).
//!
//! What is not a schema, parameter, response, ... is left alone: examples, defaults,
//! enumerations and extensions may hold a `"$ref"` key as plain data.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::error::{ErrorKind, Pointer, Reporter, Result};
use crate::limits::{MAX_SCHEMA_NESTING, MAX_VALUES};
use crate::swagger2::Origin;

/// Where a document keeps its whole components.
pub(crate) struct Layout {
    /// The prefixes of whole components (`/components/parameters/`, ...).
    whole: &'static [&'static str],
    /// The segments of the map of component schemas.
    schemas: &'static [&'static str],
}

/// OpenAPI 3.x.
pub(crate) const OPENAPI3: Layout = Layout {
    whole: &[
        "/components/schemas/",
        "/components/parameters/",
        "/components/responses/",
        "/components/requestBodies/",
        "/components/headers/",
        "/components/examples/",
        "/components/securitySchemes/",
        "/components/links/",
        "/components/pathItems/",
        // Not `/components/callbacks/`: `openapiv3` reads an operation's callbacks inline
        // only, so a reference to one is copied (the generator does not use them).
    ],
    schemas: &["components", "schemas"],
};

/// Swagger 2.0.
pub(crate) const SWAGGER2: Layout = Layout {
    whole: &["/definitions/", "/parameters/", "/responses/"],
    schemas: &["definitions"],
};

/// Keys whose object maps names (chosen by the document's author) to definitions: a key
/// inside one of them is a name, never a keyword, whatever it is spelled.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "definitions",
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "securitySchemes",
    "securityDefinitions",
    "links",
    "callbacks",
    "content",
    "encoding",
    "paths",
    "pathItems",
    "webhooks",
    "variables",
    "examples",
    "$defs",
];

/// Keywords whose value is data, not part of the API's description.
const DATA: &[&str] = &["example", "default", "enum", "const", "value"];

/// Replaces every local `$ref` in `root` that points anywhere but a whole component:
/// a schema becomes a component of its own, named after where it stands, and the `$ref`s
/// and the place itself refer to it; anything else (a parameter, a response, ...) is
/// copied where each `$ref` stands. `origin` records where hoisted
/// components and copies came from.
pub(crate) fn inline(
    root: &mut Value,
    layout: &Layout,
    report: &Reporter,
    origin: &mut Origin,
) -> Result<()> {
    let sites = find_all(root, layout);
    if sites.is_empty() {
        return Ok(());
    }
    let hoisted = hoist_plan(root, &sites, layout);
    if !hoisted.is_empty() {
        hoist(root, &sites, &hoisted, layout, origin);
    }
    // What is left to copy; a target inside a hoisted schema has moved with it.
    let sites: Vec<Site> = find_all(root, layout)
        .into_iter()
        .map(|(at, target)| (at, relocate(target, &hoisted, layout)))
        .collect();
    let mut copier = Copier {
        root: &*root,
        layout,
        hoisted: &hoisted,
        report,
        copied: 0,
        moves: Vec::new(),
    };
    let mut copies = Vec::with_capacity(sites.len());
    for (at, target) in sites {
        let copy = copier
            .copy(&at, &at, &target, &mut Vec::new())
            .map_err(|e| origin.locate(e))?;
        copies.push((at, copy));
    }
    let moves = copier.moves;
    for (at, copy) in copies {
        if let Some(site) = root.pointer_mut(at.as_str()) {
            *site = copy;
        }
    }
    record(origin, moves);
    Ok(())
}

/// Where `target` is once the hoisted schemas (`plan`) have moved to their components.
fn relocate(target: Pointer, plan: &BTreeMap<String, String>, layout: &Layout) -> Pointer {
    // The longest hoisted prefix, found by walking up the target's segments.
    let text = target.as_str();
    let ends = std::iter::once(text.len()).chain(text.rmatch_indices('/').map(|(i, _)| i));
    let moved = ends
        .filter_map(|end| plan.get_key_value(&text[..end]))
        .next();
    match moved {
        Some((hoisted, name)) => {
            let component = schemas_pointer(layout).join(name);
            Pointer::from_escaped(&format!("{component}{}", &target.as_str()[hoisted.len()..]))
        }
        None => target,
    }
}

fn schemas_pointer(layout: &Layout) -> Pointer {
    layout
        .schemas
        .iter()
        .fold(Pointer::root(), |p, s| p.join(s))
}

/// Records that each `(at, target)` came from `target`, as the document was read.
fn record(origin: &mut Origin, moves: Vec<Site>) {
    // Originals first: a target is a place in the document as it was read.
    let moves: Vec<Site> = moves
        .into_iter()
        .map(|(at, target)| (at, Pointer::from_escaped(&origin.original(target.as_str()))))
        .collect();
    for (at, target) in moves {
        origin.moved(&at, &target);
    }
}

fn find_all(root: &Value, layout: &Layout) -> Vec<Site> {
    let mut sites = Vec::new();
    find_sites(root, &Pointer::root(), false, layout.whole, &mut sites);
    sites
}

/// The targets to hoist, each with its component name: every schema, so that what the
/// document defines once is one type (and a schema that contains itself can be one).
fn hoist_plan(root: &Value, sites: &[Site], layout: &Layout) -> BTreeMap<String, String> {
    let schemas = schemas_pointer(layout);
    let mut taken: BTreeSet<String> = root
        .pointer(schemas.as_str())
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut plan = BTreeMap::new();
    for (_, target) in sites {
        let exists = root.pointer(target.as_str()).is_some();
        if plan.contains_key(target.as_str()) || !is_schema(target) || !exists {
            continue;
        }
        let base = component_name(target, layout);
        let mut name = base.clone();
        let mut n = 1;
        while !taken.insert(name.clone()) {
            n += 1;
            name = format!("{base}.{n}");
        }
        plan.insert(target.as_str().to_owned(), name);
    }
    plan
}

/// Moves each planned target into a component schema, leaves a `$ref` to it in its
/// place, and points the `$ref`s that named the place to the component.
fn hoist(
    root: &mut Value,
    sites: &[Site],
    plan: &BTreeMap<String, String>,
    layout: &Layout,
    origin: &mut Origin,
) {
    let schemas = schemas_pointer(layout);
    let reference = |name: &str| format!("#{}", schemas.join(name).as_str().replace('%', "%25"));
    for (at, target) in sites {
        if let Some(name) = plan.get(target.as_str())
            && let Some(Value::Object(site)) = root.pointer_mut(at.as_str())
        {
            site.insert("$ref".to_owned(), Value::String(reference(name)));
        }
    }
    // Deepest first, so that a target inside another leaves a `$ref` in the outer one's
    // component.
    let mut targets: Vec<(&String, &String)> = plan.iter().collect();
    targets.sort_by_key(|(target, _)| std::cmp::Reverse(target.matches('/').count()));
    let mut moves = Vec::new();
    let mut components = Vec::new();
    for (target, name) in targets {
        let Some(place) = root.pointer_mut(target) else {
            continue;
        };
        let mut stub = Map::new();
        stub.insert("$ref".to_owned(), Value::String(reference(name)));
        components.push((name.clone(), std::mem::replace(place, Value::Object(stub))));
        moves.push((schemas.join(name), Pointer::from_escaped(target)));
    }
    // By name: deterministic, as lowering reads components in sorted order anyway.
    components.sort_by(|(a, _), (b, _)| a.cmp(b));
    if let Some(map) = schemas_map(root, layout.schemas) {
        map.extend(components);
    }
    record(origin, moves);
}

/// The map of component schemas, made where the document has none (`None` where the
/// document has something else there: it is refused later for that).
fn schemas_map<'v>(root: &'v mut Value, segments: &[&str]) -> Option<&'v mut Map<String, Value>> {
    let mut value = root;
    for key in segments {
        value = value
            .as_object_mut()?
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    value.as_object_mut()
}

/// Whether `target` names a schema: what a schema keyword holds.
fn is_schema(target: &Pointer) -> bool {
    let segments: Vec<&str> = target.as_str().split('/').collect();
    let last = segments.last().copied().unwrap_or_default();
    let before = segments.len().checked_sub(2).map(|i| segments[i]);
    matches!(last, "schema" | "items" | "additionalProperties" | "not")
        || matches!(
            before,
            Some(
                "properties"
                    | "patternProperties"
                    | "allOf"
                    | "anyOf"
                    | "oneOf"
                    | "definitions"
                    | "$defs"
            )
        )
}

/// A component name for the schema at `target`, from the names along the way
/// (`Gateway.provisioningState`, `Pet.tags.Item`).
fn component_name(target: &Pointer, layout: &Layout) -> String {
    let segments: Vec<String> = target
        .as_str()
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut rest = segments.as_slice();
    let mut words = Vec::new();
    if rest.len() > layout.schemas.len() && rest.iter().zip(layout.schemas).all(|(a, b)| a == b) {
        words.push(rest[layout.schemas.len()].clone());
        rest = &rest[layout.schemas.len() + 1..];
    }
    while let Some((first, tail)) = rest.split_first() {
        let next = tail.first();
        let (word, used) = match (first.as_str(), next) {
            ("properties" | "patternProperties", Some(name)) => (name.clone(), 2),
            ("allOf", Some(i)) => (format!("Part{}", index(i)), 2),
            ("anyOf" | "oneOf", Some(i)) => (format!("Variant{}", index(i)), 2),
            ("content", Some(_)) => (String::new(), 2),
            ("responses", Some(code)) => (format!("Response{code}"), 2),
            ("items", _) => ("Item".to_owned(), 1),
            ("additionalProperties", _) => ("Value".to_owned(), 1),
            ("requestBody", _) => ("Body".to_owned(), 1),
            ("paths" | "components" | "schema" | "definitions", _) => (String::new(), 1),
            (word, _) => (word.to_owned(), 1),
        };
        if !word.is_empty() {
            words.push(word);
        }
        rest = &rest[used.min(rest.len())..];
    }
    if words.is_empty() {
        words.push("Schema".to_owned());
    }
    words.join(".")
}

/// A zero-based index segment, counted from one.
fn index(segment: &str) -> String {
    segment
        .parse::<usize>()
        .map_or_else(|_| segment.to_owned(), |i| (i + 1).to_string())
}

/// A `$ref` object to copy over: where it stands and the (escaped) pointer it names.
type Site = (Pointer, Pointer);

/// Collects the `$ref`s to copy under `value` (at `at`); `in_name_map` says whether
/// `value`'s keys are names rather than keywords.
fn find_sites(
    value: &Value,
    at: &Pointer,
    in_name_map: bool,
    components: &[&str],
    sites: &mut Vec<Site>,
) {
    match value {
        Value::Object(object) => {
            if let Some(target) = deep_target(object, components) {
                sites.push((at.clone(), target));
                return;
            }
            for (key, child) in object {
                if !in_name_map && (DATA.contains(&key.as_str()) || key.starts_with("x-")) {
                    continue;
                }
                let names = !in_name_map && NAME_MAPS.contains(&key.as_str());
                find_sites(child, &at.join(key), names, components, sites);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                find_sites(item, &at.join(index), false, components, sites);
            }
        }
        _ => {}
    }
}

/// The pointer a `$ref` object names when it is local and not a whole component.
fn deep_target(object: &Map<String, Value>, components: &[&str]) -> Option<Pointer> {
    let reference = object.get("$ref")?.as_str()?;
    let fragment = reference.strip_prefix('#')?;
    let escaped = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()?;
    let whole = components.iter().any(|prefix| {
        escaped
            .strip_prefix(prefix)
            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
    });
    (!whole && escaped.starts_with('/')).then(|| Pointer::from_escaped(&escaped))
}

/// Builds copies from the document as it was read, within the value budget.
struct Copier<'r> {
    root: &'r Value,
    layout: &'r Layout,
    /// The schemas moved to components of their own (targets inside them moved too).
    hoisted: &'r BTreeMap<String, String>,
    report: &'r Reporter,
    /// Values copied so far.
    copied: usize,
    /// Where each copy (nested ones included) will stand, and what it copies.
    moves: Vec<Site>,
}

impl Copier<'_> {
    /// A copy of `target`, to stand at `at`, with the `$ref`s inside it to copy replaced
    /// in turn. `written_at` is where the `$ref` is written in the document (where a copy
    /// inside a copy is, it is inside the definition copied); `entered` are the targets
    /// being copied around this one.
    fn copy(
        &mut self,
        at: &Pointer,
        written_at: &Pointer,
        target: &Pointer,
        entered: &mut Vec<Pointer>,
    ) -> Result<Value> {
        let ref_at = written_at.join("$ref");
        let circular = entered
            .iter()
            .any(|outer| is_within(outer.as_str(), target.as_str()));
        if circular {
            return Err(self.report.error(
                ErrorKind::BadReference,
                &ref_at,
                format!("$ref \"#{target}\" points to a part of the document that contains this reference: the copy would never end"),
            ));
        }
        if entered.len() >= MAX_SCHEMA_NESTING {
            return Err(self.report.error(
                ErrorKind::Limit,
                &ref_at,
                format!("references into the middle of the document lead through more than {MAX_SCHEMA_NESTING} others here"),
            ));
        }
        let Some(found) = self.root.pointer(target.as_str()) else {
            return Err(self.report.error(
                ErrorKind::BadReference,
                &ref_at,
                format!("$ref \"#{target}\" points to nothing in this document"),
            ));
        };
        self.copied += count(found);
        if self.copied > MAX_VALUES {
            return Err(self.report.error(
                ErrorKind::Limit,
                &ref_at,
                format!("the copies that references into the middle of the document make amount to more than {MAX_VALUES} values here"),
            ));
        }
        self.moves.push((at.clone(), target.clone()));
        let mut copy = found.clone();
        let mut sites = Vec::new();
        find_sites(
            &copy,
            &Pointer::root(),
            false,
            self.layout.whole,
            &mut sites,
        );
        entered.push(target.clone());
        for (inner, inner_target) in sites {
            let nested = self.copy(
                &at.extend(&inner),
                &target.extend(&inner),
                &relocate(inner_target, self.hoisted, self.layout),
                entered,
            )?;
            if let Some(site) = copy.pointer_mut(inner.as_str()) {
                *site = nested;
            }
        }
        entered.pop();
        Ok(copy)
    }
}

/// Whether `inner` is `outer` or lies below it (whole segments).
fn is_within(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The number of values in `value`, itself included.
fn count(value: &Value) -> usize {
    match value {
        Value::Object(object) => 1 + object.values().map(count).sum::<usize>(),
        Value::Array(items) => 1 + items.iter().map(count).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use openapiv3::{ReferenceOr, SchemaKind, Type};

    use crate::load::load;

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn schemas_referred_to_become_components_other_parts_copies() {
        let spec = load(
            "t.yaml",
            format!("{HEAD}paths:\n  /a:\n    get:\n      parameters:\n        - {{name: q, in: query, schema: {{type: string}}}}\n      responses:\n        '200': {{description: ok}}\n  /b:\n    get:\n      parameters:\n        - $ref: '#/paths/~1a/get/parameters/0'\n      responses:\n        '200': {{$ref: '#/paths/~1a/get/responses/200'}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        state: {{type: string, enum: [on, off]}}\n        example: {{$ref: '#/components/schemas/A/properties/state'}}\n      example: {{$ref: '#/components/schemas/A/properties/state'}}\n    B:\n      type: object\n      properties:\n        state: {{$ref: '#/components/schemas/A/properties/state'}}\n        whole: {{$ref: '#/components/schemas/A'}}\n").as_bytes(),
        )
        .unwrap();
        let b = &spec.paths.paths["/b"]
            .as_item()
            .unwrap()
            .get
            .as_ref()
            .unwrap();
        assert!(
            matches!(&b.parameters[0], ReferenceOr::Item(p) if p.parameter_data_ref().name == "q")
        );
        assert!(
            matches!(&b.responses.responses.values().next(), Some(ReferenceOr::Item(r)) if r.description == "ok")
        );
        let schemas = &spec.components.as_ref().unwrap().schemas;
        let property = |schema: &str, name: &str| match &schemas[schema] {
            ReferenceOr::Item(s) => match &s.schema_kind {
                SchemaKind::Type(Type::Object(o)) => o.properties[name].clone(),
                _ => unreachable!(),
            },
            _ => unreachable!(),
        };
        for (schema, name) in [("A", "state"), ("B", "state"), ("A", "example")] {
            assert!(
                matches!(property(schema, name), ReferenceOr::Reference { reference } if reference == "#/components/schemas/A.state"),
                "{schema}.{name} refers to the schema moved out of A"
            );
        }
        assert!(matches!(
            &schemas["A.state"],
            ReferenceOr::Item(s) if matches!(s.schema_kind, SchemaKind::Type(Type::String(_)))
        ));
        assert!(matches!(
            property("B", "whole"),
            ReferenceOr::Reference { .. }
        ));
        let ReferenceOr::Item(a) = &schemas["A"] else {
            unreachable!()
        };
        assert_eq!(
            a.schema_data.example.as_ref().unwrap()["$ref"],
            "#/components/schemas/A/properties/state",
            "an example is data"
        );
    }

    #[test]
    fn errors_in_a_copy_point_to_what_it_copies() {
        let err = load(
            "t.yaml",
            // Only the copy is read as a schema: extensions are not.
            format!("{HEAD}paths: {{}}\nx-shared:\n  n: {{type: integer, minimum: wrong}}\ncomponents:\n  schemas:\n    B:\n      type: object\n      properties:\n        n: {{$ref: '#/x-shared/n'}}\n").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.pointer, "/x-shared/n", "{err}");
    }

    #[test]
    fn schemas_that_refer_on_become_components_named_after_their_place() {
        let spec = load(
            "t.yaml",
            format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        n:\n          type: array\n          items: {{$ref: '#/components/schemas/A/properties/n'}}\n    B:\n      type: object\n      properties:\n        n: {{$ref: '#/components/schemas/A/properties/n'}}\n").as_bytes(),
        )
        .unwrap();
        let schemas = &spec.components.as_ref().unwrap().schemas;
        let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
        assert_eq!(names, ["A", "B", "A.n"]);
        let property = |schema: &str| match &schemas[schema] {
            ReferenceOr::Item(s) => match &s.schema_kind {
                SchemaKind::Type(Type::Object(o)) => o.properties["n"].clone(),
                _ => unreachable!(),
            },
            _ => unreachable!(),
        };
        for schema in ["A", "B"] {
            assert!(
                matches!(property(schema), ReferenceOr::Reference { reference } if reference == "#/components/schemas/A.n")
            );
        }
        let ReferenceOr::Item(n) = &schemas["A.n"] else {
            unreachable!()
        };
        let SchemaKind::Type(Type::Array(array)) = &n.schema_kind else {
            unreachable!()
        };
        assert!(
            matches!(&array.items, Some(ReferenceOr::Reference { reference }) if reference == "#/components/schemas/A.n")
        );
    }

    #[test]
    fn references_to_callbacks_are_copied() {
        let spec = load(
            "t.yaml",
            format!("{HEAD}paths:\n  /a:\n    post:\n      callbacks:\n        done: {{$ref: '#/components/callbacks/Done'}}\n      responses:\n        '200': {{description: ok}}\ncomponents:\n  callbacks:\n    Done:\n      '{{$request.body#/url}}':\n        post:\n          responses:\n            '200': {{description: ok}}\n").as_bytes(),
        )
        .unwrap();
        let post = spec.paths.paths["/a"]
            .as_item()
            .unwrap()
            .post
            .as_ref()
            .unwrap();
        assert!(post.callbacks["done"].contains_key("{$request.body#/url}"));
    }

    #[test]
    fn circles_and_dangling_references_are_refused_at_the_reference() {
        let err = load(
            "t.yaml",
            format!("{HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200': {{$ref: '#/paths/~1a/get/responses/200'}}\n").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.pointer, "/paths/~1a/get/responses/200/$ref");
        assert!(err.message.contains("never end"), "{err}");
        let err = load(
            "t.yaml",
            format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    B: {{$ref: '#/components/schemas/A/properties/n'}}\n").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.pointer, "/components/schemas/B/$ref");
        assert!(err.message.contains("points to nothing"), "{err}");
    }

    #[test]
    fn swagger_2_references_into_a_definition_are_read_before_the_conversion() {
        let spec = load(
            "t.yaml",
            b"swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\ndefinitions:\n  A:\n    type: object\n    properties:\n      s: {type: string, format: date}\n  B:\n    type: object\n    properties:\n      s: {$ref: '#/definitions/A/properties/s'}\n",
        )
        .unwrap();
        let schemas = &spec.components.as_ref().unwrap().schemas;
        let ReferenceOr::Item(b) = &schemas["B"] else {
            unreachable!()
        };
        let SchemaKind::Type(Type::Object(o)) = &b.schema_kind else {
            unreachable!()
        };
        assert!(
            matches!(&o.properties["s"], ReferenceOr::Reference { reference } if reference == "#/components/schemas/A.s")
        );
        assert!(matches!(
            &schemas["A.s"],
            ReferenceOr::Item(s) if matches!(s.schema_kind, SchemaKind::Type(Type::String(_)))
        ));
    }
}
