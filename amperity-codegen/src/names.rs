//! The one escaping rule that turns wire names into Rust names.
//!
//! Characters that cannot appear in an identifier become separators, heck does the case,
//! a leading digit gets a prefix (`V`/`v_`), and a keyword gets a `_` suffix. Different
//! wire names can escape to the same Rust name (`2024-04-01` and `20240401`): callers
//! detect that with [`NameSet`] and report it, never merge or number.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// A name decided once, while lowering: the Rust identifier and the string on the wire.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name {
    /// The Rust identifier, already escaped and cased.
    pub rust: String,
    /// The name as the document spells it (JSON field, parameter, enum value, operationId).
    pub wire: String,
}

/// The casing a Rust name needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Types and enum variants: `AuditEvent`.
    Type,
    /// Fields, functions, parameters, modules: `event_id`.
    Value,
    /// Constants: `AMAZON_AWS`.
    Constant,
}

/// Whether `name` is a Rust keyword (strict, reserved, or edition 2024's `gen`).
pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Rust keywords of edition 2024, strict and reserved (`gen` included).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Escapes a wire string into a Rust identifier of the given case, or `None` when nothing
/// identifier-like is left (an empty string, only punctuation, only non-ASCII letters).
pub fn escape(wire: &str, case: Case) -> Option<String> {
    // Split camel humps first so that `APIVersion` and `api-version` read alike, then let
    // every character outside [A-Za-z0-9_] separate words.
    let separated: String = wire
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let cased = match case {
        Case::Type => separated.to_upper_camel_case(),
        Case::Value => separated.to_snake_case(),
        Case::Constant => separated.to_shouty_snake_case(),
    };
    if cased.is_empty() {
        return None;
    }
    let mut name = if cased.starts_with(|c: char| c.is_ascii_digit()) {
        match case {
            Case::Type => format!("V{cased}"),
            Case::Value => format!("v_{cased}"),
            Case::Constant => format!("V_{cased}"),
        }
    } else {
        cased
    };
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    Some(name)
}

/// Names already taken in one scope (a module, a struct's fields, a function's arguments),
/// with the wire string and place that took each, so a collision names both sides.
///
/// Names the generated code itself uses in the scope (a builder's `send`, the client's
/// `builder`) are reserved: a wire name that escapes to one of them gets a `_` suffix, as a
/// keyword does (`send` → `send_`), so the document's name never shadows the generated
/// member and the rule is one a reader can predict.
#[derive(Debug, Default)]
pub struct NameSet {
    reserved: BTreeSet<String>,
    taken: BTreeMap<String, (String, String)>,
}

/// Two wire names that became one Rust name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The Rust name both became.
    pub rust: String,
    /// The wire name that took it first, and where it was.
    pub first: (String, String),
}

impl NameSet {
    /// A set with names the scope already uses (for example `new` in a struct's impl).
    pub fn reserving(reserved: &[&str]) -> Self {
        Self {
            reserved: reserved.iter().map(|name| (*name).to_owned()).collect(),
            taken: BTreeMap::new(),
        }
    }

    /// Reserves one more name the generated code uses in this scope.
    pub fn reserve(&mut self, name: &str) {
        self.reserved.insert(name.to_owned());
    }

    /// Claims `rust` for `wire` found at `place` and returns the name it got: `rust`
    /// itself, or `rust_` when the generated code uses `rust`. Fails if another wire name
    /// already has that name.
    pub fn claim(&mut self, rust: &str, wire: &str, place: &str) -> Result<String, Collision> {
        let rust = if self.reserved.contains(rust) {
            format!("{rust}_")
        } else {
            rust.to_owned()
        };
        match self.taken.get(&rust) {
            Some(first) => Err(Collision {
                rust,
                first: first.clone(),
            }),
            None => {
                self.taken
                    .insert(rust.clone(), (wire.to_owned(), place.to_owned()));
                Ok(rust)
            }
        }
    }
}

/// Method names of std's operator and comparison traits that clippy's
/// `should_implement_trait` reads as a trait method written by hand when a generated
/// method of the same name has the same shape (a setter `add(self, value) -> Self`, a
/// client method `cmp(&self, id)`). A property or operation called `add` is not an
/// operator, so the lint is allowed on exactly those methods.
pub fn shadows_std_trait_method(rust: &str) -> bool {
    const METHODS: &[&str] = &[
        "add",
        "as_mut",
        "as_ref",
        "bitand",
        "bitor",
        "bitxor",
        "borrow",
        "borrow_mut",
        "clone",
        "cmp",
        "default",
        "deref",
        "deref_mut",
        "div",
        "drop",
        "eq",
        "from_iter",
        "from_str",
        "hash",
        "index",
        "index_mut",
        "into_iter",
        "mul",
        "neg",
        "next",
        "not",
        "partial_cmp",
        "rem",
        "shl",
        "shr",
        "sub",
    ];
    METHODS.contains(&rust)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_amperity_identifiers() {
        assert_eq!(escape("list-events", Case::Value).unwrap(), "list_events");
        assert_eq!(escape("list-events", Case::Type).unwrap(), "ListEvents");
        assert_eq!(escape("workflow-id", Case::Value).unwrap(), "workflow_id");
        assert_eq!(escape("2024-04-01", Case::Type).unwrap(), "V20240401");
        assert_eq!(escape("20240401", Case::Type).unwrap(), "V20240401");
        assert_eq!(escape("2024-04-01", Case::Value).unwrap(), "v_2024_04_01");
        assert_eq!(escape("type", Case::Value).unwrap(), "type_");
        assert_eq!(escape("gen", Case::Value).unwrap(), "gen_");
        assert_eq!(escape("self", Case::Value).unwrap(), "self_");
        assert_eq!(escape("Self", Case::Type).unwrap(), "Self_");
        assert_eq!(escape("<linking-key>", Case::Value).unwrap(), "linking_key");
        assert_eq!(escape("Amazon AWS", Case::Constant).unwrap(), "AMAZON_AWS");
        assert_eq!(
            escape("courier.group/run", Case::Type).unwrap(),
            "CourierGroupRun"
        );
        assert_eq!(escape("", Case::Value), None);
        assert_eq!(escape("--", Case::Type), None);
        assert_eq!(escape("ü", Case::Type), None);
    }

    #[test]
    fn collisions_name_the_first_claim() {
        let mut set = NameSet::reserving(&["new"]);
        assert_eq!(set.claim("v_2024", "2024", "/a").unwrap(), "v_2024");
        let c = set.claim("v_2024", "2-0-2-4", "/b").unwrap_err();
        assert_eq!(c.first, ("2024".to_owned(), "/a".to_owned()));
        // A reserved name gets the keyword suffix; the suffixed name can still collide.
        assert_eq!(set.claim("new", "new", "/c").unwrap(), "new_");
        let c = set.claim("new_", "new_", "/d").unwrap_err();
        assert_eq!(c.first, ("new".to_owned(), "/c".to_owned()));
    }
}
