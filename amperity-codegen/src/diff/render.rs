//! The two renderings of a [`Report`]: text for people, JSON for tools (shape documented in
//! the module docs of `diff`).

use std::fmt::Write as _;

use serde::Serialize;

use super::{Change, Class, DocumentInfo, Report, Side};

/// The version of the JSON shape; bumped when a field changes meaning or goes away.
pub const JSON_FORMAT: u32 = 1;

impl Report {
    /// The report for people: a one-line summary, both documents, then the breaking changes
    /// and the non-breaking ones, each with its label, description, kind and location.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} breaking, {} non-breaking changes",
            self.breaking(),
            self.non_breaking()
        );
        let _ = writeln!(out, "old: {}", document_line(&self.old));
        let _ = writeln!(out, "new: {}", document_line(&self.new));
        for (class, heading) in [
            (Class::Breaking, "Breaking changes"),
            (Class::NonBreaking, "Non-breaking changes"),
        ] {
            let changes: Vec<&Change> = self.changes.iter().filter(|c| c.class == class).collect();
            let _ = writeln!(out, "\n{heading} ({}):", changes.len());
            if changes.is_empty() {
                let _ = writeln!(out, "  none");
            }
            for change in changes {
                self.write_change(&mut out, change);
            }
        }
        out
    }

    fn write_change(&self, out: &mut String, change: &Change) {
        let document = match change.location.side {
            Side::Old => &self.old.document,
            Side::New => &self.new.document,
        };
        let _ = writeln!(out, "  - {}", change.location.label);
        let _ = writeln!(out, "    {} [{}]", change.description, change.kind.as_str());
        let _ = writeln!(out, "    at {document}#{}", change.location.pointer);
        for label in &change.also {
            let _ = writeln!(out, "    also {label}");
        }
    }

    /// The report for tools, pretty-printed JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let report = JsonReport {
            format: JSON_FORMAT,
            old: &self.old,
            new: &self.new,
            breaking: self.breaking(),
            non_breaking: self.non_breaking(),
            changes: self.changes.iter().map(JsonChange::from).collect(),
        };
        // Only strings, numbers and derived structs: serializing cannot fail.
        let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn document_line(info: &DocumentInfo) -> String {
    format!(
        "{} ({:?}, info.version {})",
        info.document, info.title, info.version
    )
}

#[derive(Serialize)]
struct JsonReport<'r> {
    format: u32,
    old: &'r DocumentInfo,
    new: &'r DocumentInfo,
    breaking: usize,
    non_breaking: usize,
    changes: Vec<JsonChange<'r>>,
}

#[derive(Serialize)]
struct JsonChange<'r> {
    class: Class,
    kind: super::ChangeKind,
    label: &'r str,
    description: &'r str,
    document: Side,
    pointer: &'r str,
    also: &'r [String],
}

impl<'r> From<&'r Change> for JsonChange<'r> {
    fn from(change: &'r Change) -> Self {
        Self {
            class: change.class,
            kind: change.kind,
            label: &change.location.label,
            description: &change.description,
            document: change.location.side,
            pointer: &change.location.pointer,
            also: &change.also,
        }
    }
}
