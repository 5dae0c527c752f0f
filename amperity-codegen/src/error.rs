//! Errors that say what went wrong and where: every error carries the document's name and
//! a JSON pointer (RFC 6901) into it.

use std::fmt;

/// What kind of problem the document has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not JSON or YAML, or not shaped like an OpenAPI document.
    Parse,
    /// An OpenAPI version this generator does not read.
    UnsupportedVersion,
    /// A `$ref` that points nowhere, or somewhere this generator does not follow.
    BadReference,
    /// Two things that must be unique are not (operationIds, parameters).
    Duplicate,
    /// An identifier that cannot become a Rust name, or two that become the same one.
    Name,
    /// A construct the generator does not support yet.
    Unsupported,
    /// The document exceeds one of the limits that keep the generator's time, memory and
    /// stack bounded (size, nesting, number of values, length of a string; see
    /// `amperity-codegen/src/limits.rs`).
    Limit,
    /// An overlay that cannot be read, or one of whose actions does not apply to the
    /// document (its target selects nothing, or what it selects cannot be changed so).
    Overlay,
    /// The generator produced code that does not parse: a bug in the generator.
    Internal,
}

/// A generation error: the document, a JSON pointer into it, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The document's name (its file name), as the caller passed it.
    pub document: String,
    /// Where in the document: a JSON pointer such as `/paths/~1audit-events/get`.
    pub pointer: String,
    /// The category, for callers that branch on it.
    pub kind: ErrorKind,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for Error {
    /// One line, whatever the document holds: messages quote its values and pointers its
    /// keys, and those may contain newlines or characters that reorder a terminal's text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}#{}: {}",
            OneLine(&self.document),
            OneLine(&self.pointer),
            OneLine(&self.message)
        )
    }
}

/// Text with control characters, line and paragraph separators and text-direction
/// controls written as escapes (`\n`, `\u{202e}`).
struct OneLine<'a>(&'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        for c in self.0.chars() {
            if c.is_control() || is_invisible_break(c) {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Line and paragraph separators, and the characters that change the direction of text
/// (which rustc refuses in comments and literals, CVE-2021-42574).
pub(crate) fn is_invisible_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl std::error::Error for Error {}

/// The result type of the generator.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A JSON pointer under construction: segments are escaped as RFC 6901 says (`~` → `~0`,
/// `/` → `~1`), so `/paths/~1audit-events/get` names the `get` of path `/audit-events`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    /// The document root (the empty pointer).
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Parses a pointer that is already escaped (the part after `#` of a local `$ref`).
    pub fn from_escaped(escaped: &str) -> Self {
        Self(escaped.to_owned())
    }

    /// This pointer with one more segment.
    pub fn join(&self, segment: impl fmt::Display) -> Self {
        let segment = segment.to_string().replace('~', "~0").replace('/', "~1");
        Self(format!("{}/{}", self.0, segment))
    }

    /// This pointer followed by the segments of `tail`.
    pub(crate) fn extend(&self, tail: &Pointer) -> Self {
        Self(format!("{}{}", self.0, tail.0))
    }

    /// The escaped pointer text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Builds errors for one document.
#[derive(Debug, Clone)]
pub(crate) struct Reporter {
    document: String,
}

impl Reporter {
    pub(crate) fn new(document: &str) -> Self {
        Self {
            document: document.to_owned(),
        }
    }

    pub(crate) fn error(&self, kind: ErrorKind, at: &Pointer, message: impl Into<String>) -> Error {
        Error {
            document: self.document.clone(),
            pointer: at.as_str().to_owned(),
            kind,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_line() {
        let e = Reporter::new("a\nb.yaml").error(
            ErrorKind::Parse,
            &Pointer::root().join("x\ry"),
            "unknown variant `\n`, \u{202e}reversed",
        );
        assert_eq!(
            e.to_string(),
            "a\\nb.yaml#/x\\ry: unknown variant `\\n`, \\u{202e}reversed"
        );
    }

    #[test]
    fn pointer_segments_are_escaped() {
        let p = Pointer::root().join("paths").join("/a~b/{id}").join("get");
        assert_eq!(p.as_str(), "/paths/~1a~0b~1{id}/get");
    }
}
