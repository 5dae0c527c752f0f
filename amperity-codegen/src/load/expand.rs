//! What the generator will make of the document once references are followed, counted
//! before it runs.
//!
//! Lowering copies some references instead of naming them: a schema listed in an `allOf`
//! of two or more parts has its properties merged into the schema that lists it (and so
//! on through the `allOf`s of what it merges), and the parameters, request bodies and
//! responses an operation refers to are lowered again for every operation, with their
//! inline schemas; path-level parameters are lowered once per method. A small document
//! can thus ask for an enormous client: one schema of 10,000 properties merged into 50,000
//! others is 500 million fields from a 4 MB document. This counts values and bytes of text
//! as lowering will see them, with the parser's limits ([`MAX_VALUES`], [`MAX_TEXT_BYTES`]),
//! and refuses references that nest deeper than [`MAX_SCHEMA_NESTING`] (lowering follows
//! them recursively). Each referenced part is counted once and remembered, so the count is
//! linear in the document.
//!
//! The count errs on the generous side (it counts everything in the document, lowered or
//! not, once), never on the small side: what passes cannot make lowering run away.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::{Error, ErrorKind, Pointer, Reporter, Result};
use crate::limits::{MAX_SCHEMA_NESTING, MAX_TEXT_BYTES, MAX_VALUES};

/// Checks that `document`, expanded as lowering expands it, stays within the limits.
pub(super) fn check(document: &Value, report: &Reporter) -> Result<()> {
    let mut expand = Expand {
        document,
        report,
        counted: BTreeMap::new(),
        counting: BTreeSet::new(),
    };
    let mut total = Size::default();
    let whole = Walk {
        merged: false,
        whole_document: true,
        depth: 0,
    };
    expand.walk(document, Pointer::root(), whole, &mut total)?;
    // Path-level parameters are lowered once per method: count them again for every
    // method after the first.
    let paths = document.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let methods = METHODS.iter().filter(|m| item.get(**m).is_some()).count();
        let Some(parameters) = item.get("parameters").filter(|_| methods > 1) else {
            continue;
        };
        let at = Pointer::root().join("paths").join(path).join("parameters");
        let mut size = Size::default();
        let part = Walk {
            whole_document: false,
            ..whole
        };
        expand.walk(parameters, at.clone(), part, &mut size)?;
        total.add(size, methods - 1);
        expand.check_total(&total, || at.clone())?;
    }
    Ok(())
}

/// Values and bytes of text (strings and keys), counted as the parser counts them, and how
/// many references deep the expansion goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Size {
    values: usize,
    bytes: usize,
    height: usize,
}

impl Size {
    /// Adds `times` copies of a referenced part.
    fn add(&mut self, other: Size, times: usize) {
        self.values = self
            .values
            .saturating_add(other.values.saturating_mul(times));
        self.bytes = self.bytes.saturating_add(other.bytes.saturating_mul(times));
        self.height = self.height.max(other.height + 1);
    }

    fn value(&mut self, bytes: usize) {
        self.values = self.values.saturating_add(1);
        self.bytes = self.bytes.saturating_add(bytes);
    }
}

/// How a walk counts.
#[derive(Debug, Clone, Copy)]
struct Walk {
    /// The root is a part of an `allOf` merge: its own `allOf` is merged whatever its
    /// length.
    merged: bool,
    /// The total is the whole document's, checked against the limits at every reference.
    whole_document: bool,
    /// How many references deep the walk is.
    depth: usize,
}

/// Where a value is: its parent's index in the walk's list of places and the last
/// segment, so that a pointer is built only for an error.
#[derive(Debug, Clone, Copy)]
enum Segment<'d> {
    Key(&'d str),
    Index(usize),
}

/// One step of a walk, kept on an explicit stack (a recursive walk through 32 levels of
/// references, each 100 levels deep, would need a deep stack).
enum Step<'d> {
    /// Count a value; `merged`: its `allOf` is merged whatever its length.
    Value(&'d Value, usize, bool),
    /// Add a referenced component, copied at the place `usize`.
    Copy(&'d str, &'d str, bool, usize),
}

struct Expand<'d, 'r> {
    document: &'d Value,
    report: &'r Reporter,
    /// (section, name, merged) → the size of that component once expanded.
    counted: BTreeMap<(&'d str, &'d str, bool), Size>,
    /// The components being counted, to stop at a cycle.
    counting: BTreeSet<(&'d str, &'d str, bool)>,
}

const SECTIONS: [&str; 3] = ["parameters", "requestBodies", "responses"];
/// The keys of a path item that hold operations: the generator's one list.
const METHODS: [&str; 8] = crate::ir::Method::KEYS;

impl<'d> Expand<'d, '_> {
    /// Counts `root` (found at `base`) and what it copies into `total`.
    fn walk(&mut self, root: &'d Value, base: Pointer, walk: Walk, total: &mut Size) -> Result<()> {
        // Place 0 is `base`; every other place is (parent, segment).
        let mut places: Vec<(usize, Segment<'d>)> = vec![(0, Segment::Index(0))];
        let pointer = |places: &[(usize, Segment<'d>)], mut place: usize| {
            let mut segments = Vec::new();
            while place != 0 {
                segments.push(places[place].1);
                place = places[place].0;
            }
            segments.iter().rev().fold(base.clone(), |p, s| match s {
                Segment::Key(key) => p.join(key),
                Segment::Index(index) => p.join(index),
            })
        };
        let mut steps = vec![Step::Value(root, 0, walk.merged)];
        while let Some(step) = steps.pop() {
            let (value, place, merged) = match step {
                Step::Copy(section, name, merged, place) => {
                    let at = || pointer(&places, place).join("$ref");
                    let size = self.component(section, name, merged, &at, walk.depth)?;
                    total.add(size, 1);
                    if walk.whole_document {
                        self.check_total(total, || pointer(&places, place))?;
                    }
                    continue;
                }
                Step::Value(value, place, merged) => (value, place, merged),
            };
            let mut add = |place: usize, segment: Segment<'d>| {
                places.push((place, segment));
                places.len() - 1
            };
            let mut next = Vec::new();
            match value {
                Value::String(s) => total.value(s.len()),
                Value::Array(items) => {
                    total.value(0);
                    for (index, item) in items.iter().enumerate() {
                        next.push(Step::Value(item, add(place, Segment::Index(index)), false));
                    }
                }
                Value::Object(object) => {
                    total.value(0);
                    if let Some(Value::String(reference)) = object.get("$ref")
                        && let Some((section, name)) = component(self.document, reference)
                        && SECTIONS.contains(&section)
                    {
                        next.push(Step::Copy(section, name, false, place));
                    }
                    for (key, child) in object {
                        total.bytes = total.bytes.saturating_add(key.len());
                        let at = add(place, Segment::Key(key));
                        match child {
                            Value::Array(parts)
                                if key == "allOf" && (merged || parts.len() > 1) =>
                            {
                                total.value(0);
                                for (index, part) in parts.iter().enumerate() {
                                    let at = add(at, Segment::Index(index));
                                    match part
                                        .get("$ref")
                                        .and_then(Value::as_str)
                                        .and_then(|r| component(self.document, r))
                                    {
                                        Some(("schemas", name)) => {
                                            next.push(Step::Copy("schemas", name, true, at));
                                            next.push(Step::Value(part, at, false));
                                        }
                                        _ => next.push(Step::Value(part, at, true)),
                                    }
                                }
                            }
                            _ => next.push(Step::Value(child, at, false)),
                        }
                    }
                }
                _ => total.value(0),
            }
            // In document order.
            steps.extend(next.into_iter().rev());
        }
        Ok(())
    }

    /// The expanded size of `#/components/<section>/<name>`, counted once; `merged`: as a
    /// part of an `allOf` merge (its own `allOf` is merged then, whatever its length).
    /// `at`: the `$ref` that copies it, for errors.
    fn component(
        &mut self,
        section: &'d str,
        name: &'d str,
        merged: bool,
        at: &dyn Fn() -> Pointer,
        depth: usize,
    ) -> Result<Size> {
        let key = (section, name, merged);
        let size = match self.counted.get(&key) {
            Some(size) => *size,
            None => {
                let document = self.document;
                let target = document
                    .get("components")
                    .and_then(|c| c.get(section))
                    .and_then(|s| s.get(name));
                // Lowering reports a dangling reference, and a reference to a reference
                // (it follows no chains).
                let Some(target) = target.filter(|t| t.get("$ref").is_none()) else {
                    return Ok(Size::default());
                };
                if !self.counting.insert(key) {
                    let message = if section == "schemas" {
                        format!(
                            "allOf refers back to \"#/components/schemas/{name}\": the schema contains itself"
                        )
                    } else {
                        format!(
                            "\"#/components/{section}/{name}\" refers back to itself through the schemas it merges"
                        )
                    };
                    return Err(self.report.error(ErrorKind::BadReference, &at(), message));
                }
                if depth + 1 > MAX_SCHEMA_NESTING {
                    return Err(self.too_deep(&at()));
                }
                let mut size = Size::default();
                let walk = Walk {
                    merged,
                    whole_document: false,
                    depth: depth + 1,
                };
                let own = Pointer::root().join("components").join(section).join(name);
                self.walk(target, own, walk, &mut size)?;
                self.counting.remove(&key);
                self.counted.insert(key, size);
                size
            }
        };
        if depth + 1 + size.height > MAX_SCHEMA_NESTING {
            return Err(self.too_deep(&at()));
        }
        Ok(size)
    }

    fn too_deep(&self, at: &Pointer) -> Error {
        self.report.error(
            ErrorKind::Limit,
            at,
            format!("references nest more than {MAX_SCHEMA_NESTING} levels deep here (an allOf part that merges another that merges another, ...)"),
        )
    }

    /// Fails when the whole document's `total` has crossed a limit, at `at()`.
    fn check_total(&self, total: &Size, at: impl Fn() -> Pointer) -> Result<()> {
        let what = if total.values > MAX_VALUES {
            format!("{MAX_VALUES} values")
        } else if total.bytes > MAX_TEXT_BYTES {
            format!("{MAX_TEXT_BYTES} bytes of text")
        } else {
            return Ok(());
        };
        Err(self.report.error(
            ErrorKind::Limit,
            &at(),
            format!(
                "with the references it copies (allOf parts merged, shared parameters, request bodies and responses lowered for every operation), the document amounts to more than {what} here"
            ),
        ))
    }
}

/// `#/components/<section>/<name>` → `(section, name)` as the document spells them, the
/// name decoded by the generator's one resolver; `None` when nothing is there (lowering
/// reports it).
fn component<'d>(document: &'d Value, reference: &str) -> Option<(&'d str, &'d str)> {
    let rest = reference.strip_prefix("#/components/")?;
    let (section, _) = rest.split_once('/')?;
    let name = crate::resolve::component_name(reference, section)?;
    let (section, components) = document
        .get("components")?
        .as_object()?
        .get_key_value(section)?;
    let (name, _) = components.as_object()?.get_key_value(&name)?;
    Some((section.as_str(), name.as_str()))
}
