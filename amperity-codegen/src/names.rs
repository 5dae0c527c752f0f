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
    /// itself; `rust_` when the generated code uses `rust`; and when another wire name of
    /// the scope already has it, the first free numbered form ([`numbered`]). Wire names
    /// are claimed in document order (component schemas in sorted order), so the same
    /// document always gives the same names; the wire string is kept exactly beside it.
    pub fn claim(&mut self, rust: &str, wire: &str, place: &str) -> String {
        let base = if self.reserved.contains(rust) {
            format!("{rust}_")
        } else {
            rust.to_owned()
        };
        let mut name = base.clone();
        let mut n = 1;
        while self.taken.contains_key(&name) || self.reserved.contains(&name) {
            n += 1;
            name = numbered(&base, n);
        }
        self.taken
            .insert(name.clone(), (wire.to_owned(), place.to_owned()));
        name
    }
}

/// A type name put together from other names (`{owner}Item`, `{builder}{Param}`,
/// `{operation}Outcome`): a part that took the keyword suffix (`Self_`) needs it only when
/// the whole name is a keyword, and inside a name an underscore breaks UpperCamelCase
/// (`Self_Item` is refused by `non_camel_case_types`), so it is dropped (`SelfItem`).
/// Names escaped for a type have no other underscore.
pub fn joined_type(name: &str) -> String {
    let mut joined = name.replace('_', "");
    if KEYWORDS.contains(&joined.as_str()) {
        joined.push('_');
    }
    joined
}

/// The `n`th name made from `base` when wire names collide after escaping (`Pet` and `pet`,
/// `ON` and `on`, `2024-04-01` and `20240401`): types take the number (`Pet2`, or `V2024N2`
/// after a digit), snake_case and CONSTANT names take `_n` (`status_2`, `SANDBOX_2`).
pub fn numbered(base: &str, n: usize) -> String {
    // Type names are UpperCamelCase, so they hold a lowercase letter unless they have
    // only one letter (`V2024`); CONSTANT names have no lowercase letter.
    let letters = base.chars().filter(char::is_ascii_alphabetic).count();
    let camel = base.starts_with(|c: char| c.is_ascii_uppercase())
        && !base.contains('_')
        && (base.chars().any(|c| c.is_ascii_lowercase()) || letters == 1);
    match (camel, base.ends_with(|c: char| c.is_ascii_digit())) {
        (true, false) => format!("{base}{n}"),
        (true, true) => format!("{base}N{n}"),
        (false, _) => format!("{}_{n}", base.trim_end_matches('_')),
    }
}

/// Words for a wire name with no ASCII letter or digit to make a name from (`-`, `+`, `*`,
/// `日本`): each symbol is spelled out and each other character written as its code point,
/// so that every such name still becomes an identifier.
pub fn spell_out(wire: &str) -> String {
    let words: Vec<String> = wire
        .chars()
        .map(|c| match c {
            '-' => "minus".to_owned(),
            '+' => "plus".to_owned(),
            '*' => "star".to_owned(),
            '/' => "slash".to_owned(),
            '\\' => "backslash".to_owned(),
            '.' => "dot".to_owned(),
            ',' => "comma".to_owned(),
            ':' => "colon".to_owned(),
            ';' => "semicolon".to_owned(),
            '=' => "equals".to_owned(),
            '<' => "less".to_owned(),
            '>' => "greater".to_owned(),
            '!' => "bang".to_owned(),
            '?' => "question".to_owned(),
            '#' => "hash".to_owned(),
            '$' => "dollar".to_owned(),
            '%' => "percent".to_owned(),
            '&' => "and".to_owned(),
            '@' => "at".to_owned(),
            '~' => "tilde".to_owned(),
            '^' => "caret".to_owned(),
            '|' => "pipe".to_owned(),
            '_' => "underscore".to_owned(),
            ' ' => "space".to_owned(),
            '(' | ')' => "paren".to_owned(),
            '[' | ']' => "bracket".to_owned(),
            '{' | '}' => "brace".to_owned(),
            '\'' | '"' | '`' => "quote".to_owned(),
            c => format!("u{:04x}", u32::from(c)),
        })
        .collect();
    if words.is_empty() {
        "empty".to_owned()
    } else {
        words.join(" ")
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
    fn collisions_are_numbered_in_order() {
        let mut set = NameSet::reserving(&["new"]);
        assert_eq!(set.claim("v_2024", "2024", "/a"), "v_2024");
        assert_eq!(set.claim("v_2024", "2-0-2-4", "/b"), "v_2024_2");
        assert_eq!(set.claim("v_2024", "20_24", "/c"), "v_2024_3");
        // A reserved name gets the keyword suffix; the suffixed name is numbered too.
        assert_eq!(set.claim("new", "new", "/d"), "new_");
        assert_eq!(set.claim("new_", "new_", "/e"), "new_2");
        let mut types = NameSet::default();
        assert_eq!(types.claim("Pet", "Pet", "/f"), "Pet");
        assert_eq!(types.claim("Pet", "pet", "/g"), "Pet2");
        assert_eq!(types.claim("V2024", "2024", "/h"), "V2024");
        assert_eq!(types.claim("V2024", "20-24", "/i"), "V2024N2");
        assert_eq!(types.claim("SANDBOX", "sandbox", "/j"), "SANDBOX");
        assert_eq!(types.claim("SANDBOX", "Sandbox", "/k"), "SANDBOX_2");
    }

    #[test]
    fn joined_type_names_keep_only_a_final_keyword_suffix() {
        assert_eq!(joined_type("Self_Item"), "SelfItem");
        assert_eq!(joined_type("New_State"), "NewState");
        assert_eq!(joined_type("SelfSelf_"), "SelfSelf");
        assert_eq!(joined_type("Self_"), "Self_");
        assert_eq!(joined_type("PetItem"), "PetItem");
    }

    #[test]
    fn names_without_letters_are_spelled_out() {
        assert_eq!(
            escape(&spell_out("-"), Case::Type).as_deref(),
            Some("Minus")
        );
        assert_eq!(escape(&spell_out("+"), Case::Type).as_deref(), Some("Plus"));
        assert_eq!(
            escape(&spell_out("<="), Case::Value).as_deref(),
            Some("less_equals")
        );
        assert_eq!(
            escape(&spell_out("日本"), Case::Type).as_deref(),
            Some("U65e5U672c")
        );
        assert_eq!(escape(&spell_out(""), Case::Type).as_deref(), Some("Empty"));
    }
}
