//! Every limit the generator sets on its input, in one place.
//!
//! A hostile or broken document must end in a clear error, never in a generator that
//! runs out of time, memory or stack. Each limit below says what it guards and why its
//! value is what it is; each has a test that exceeds it and reads the error (kind
//! [`ErrorKind::Limit`](crate::ErrorKind::Limit)).
//!
//! For scale: Amperity's largest document (the unstable control plane) is 82 KB, holds
//! about 1,200 JSON values, nests 12 levels deep and its longest string is a 5.5 KB
//! description. The limits are far above that, so that `cargo xtask generate` still reads
//! other APIs' large documents, and far below what would hurt.
//!
//! Where each one is enforced: the first six while the bytes are parsed (`load::parse`);
//! [`MAX_SCHEMA_NESTING`], [`MAX_OPERATIONS`] and [`MAX_PARAMETERS`] while the parsed value
//! is checked before `openapiv3` reads it (`load::shape`); [`MAX_VALUES`] and
//! [`MAX_TEXT_BYTES`] again as the one expansion budget that lowering and diffing spend as
//! they copy what references name (`resolve::Resolver::spend`: a schema merged through
//! `allOf` into many others is copied into each), and [`MAX_SCHEMA_NESTING`] for `allOf`
//! parts merging parts (`resolve`); the last two in lowering and diffing, which also take
//! documents that did not come through `load`.

/// The largest document read, in bytes: 16 MiB. About 200 times Amperity's largest, and
/// more than the largest public OpenAPI documents we know of; the parsed value, the
/// `openapiv3` model and the IR each take several times the text's size in memory.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// How deep arrays and objects may nest, in JSON levels: 100, eight times Amperity's
/// deepest, and enough for [`MAX_SCHEMA_NESTING`] levels of `properties` (two JSON levels
/// each) inside a response. `serde_json` and `serde_yaml` stop at 128 with a message that
/// says neither where nor why; stopping first gives a JSON pointer. Every later stage
/// walks the value recursively, so this also bounds their stack use.
pub const MAX_NESTING: usize = 100;

/// How many values (objects, arrays, strings, numbers, booleans, nulls) a document may
/// hold once YAML aliases are expanded: one million, some 800 times Amperity's largest.
/// `serde_yaml` 0.9 expands an alias every time it is used and only stops after 100 alias
/// jumps per event of the document, which still lets a 150 KB document expand to billions
/// of values (an anchor of 30,000 items used 30,000 times): this is what stops a
/// "billion laughs" document, and it bounds every linear pass over the value.
pub const MAX_VALUES: usize = 1_000_000;

/// The total length of every string and key, in bytes, once YAML aliases are expanded:
/// 64 MiB, four times [`MAX_DOCUMENT_BYTES`]. Without aliases the text cannot be longer
/// than the document; with them, a long string used a thousand times could take gigabytes
/// while [`MAX_VALUES`] counts it as a thousand values.
pub const MAX_TEXT_BYTES: usize = 4 * MAX_DOCUMENT_BYTES;

/// The longest string value, in bytes: 1 MiB, two hundred times Amperity's longest
/// description. Strings end up in doc comments and literals of the generated code, and
/// what reads them (the docs sanitizer among others) is linear in their length. Public
/// documents carry whole example payloads as one string (amadeus.com: 138 KB).
pub const MAX_STRING_BYTES: usize = 1024 * 1024;

/// The longest object key, in bytes: 1 KiB. Keys are names (paths, properties, schemas,
/// media types) that become Rust identifiers and appear in every JSON pointer of an error
/// message; Amperity's longest is under 100 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// How deep schemas may nest inside one another (through `properties`, `items`,
/// `additionalProperties`, `allOf`, `oneOf`, `anyOf` and `not`), counting the outermost as
/// 1: 32. `openapiv3`'s derived deserializers take about 33 KB of stack per schema level
/// in a debug build (62 levels overflowed a 2 MiB thread, the default for tests and
/// spawned threads), and rendering `Vec<Vec<…>>` 55 levels deep did too; 32 keeps both
/// within half of that. Callbacks count too: a path item inside a callback is one level
/// below the operation that holds it.
pub const MAX_SCHEMA_NESTING: usize = 32;

/// How many operations a document may have: 5,000. Amperity's have ten or fewer; large
/// public APIs have about a thousand. Each operation is a request builder of some hundred
/// lines: about 2 ms and 60 KB of memory in a debug build, so 5,000 take seconds, not
/// minutes (the values an operation needs would allow some 80,000 of them).
pub const MAX_OPERATIONS: usize = 5_000;

/// How many parameters one operation may have, its path item's included: 1,024, against
/// Amperity's dozen at most (the largest public API has 581). Lowering compares each
/// parameter with those before it (an override, a repeated path parameter), which is
/// quadratic: a million comparisons at most.
pub const MAX_PARAMETERS: usize = 1024;

/// How deep lowering follows nested inline schemas (two steps per property level, one per
/// `items` or `additionalProperties`): 64. A loaded document never gets there, because
/// [`MAX_SCHEMA_NESTING`] is checked first; it keeps [`lower`](crate::lower) safe on an
/// `openapiv3::OpenAPI` built some other way.
pub const MAX_LOWERING_DEPTH: usize = 64;

/// How deep the diff follows schemas, through references too: 64 (a `$ref` cycle ends
/// earlier, when a pair repeats). Deeper is only reached by pathological input.
pub const MAX_DIFF_DEPTH: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    /// `lower` takes an `OpenAPI` from anywhere, not only from `load`: its own depth limit
    /// holds for one read directly with serde (whose recursion `load` would have refused).
    #[test]
    fn lowering_refuses_schemas_nested_beyond_its_depth() {
        let mut schema = serde_json::json!({"type": "string"});
        for _ in 0..MAX_LOWERING_DEPTH / 2 + 1 {
            schema = serde_json::json!({"type": "object", "properties": {"p": schema}});
        }
        let document = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"Deep": schema}},
        });
        let spec: openapiv3::OpenAPI = serde_json::from_value(document).expect("reads");
        let e = crate::lower("t.json", "api", &spec).expect_err("too deep");
        assert_eq!(e.kind, ErrorKind::Unsupported, "{e}");
        assert!(e.message.contains("more than 64 levels"), "{e}");
    }

    /// The diff follows references, which `load`'s nesting limits do not see: a chain of
    /// component schemas, each a property of the one before, deeper than the diff goes.
    #[test]
    fn the_diff_refuses_references_nested_beyond_its_depth() {
        let mut schemas = serde_json::Map::new();
        for i in 0..=MAX_DIFF_DEPTH + 1 {
            let next = format!("#/components/schemas/S{}", i + 1);
            schemas.insert(
                format!("S{i}"),
                serde_json::json!({"type": "object", "properties": {"next": {"$ref": next}}}),
            );
        }
        schemas.insert(
            format!("S{}", MAX_DIFF_DEPTH + 2),
            serde_json::json!({"type": "string"}),
        );
        let document = |version: &str| {
            serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": version},
                "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}},
                }}}}},
                "components": {"schemas": schemas},
            })
            .to_string()
        };
        let (old, new) = (document("1"), document("2"));
        let e = crate::diff::diff_bytes("old.json", old.as_bytes(), "new.json", new.as_bytes())
            .expect_err("too deep");
        assert_eq!(e.kind, ErrorKind::Unsupported, "{e}");
        assert!(e.message.contains("deeper than 64 levels"), "{e}");
    }
}
