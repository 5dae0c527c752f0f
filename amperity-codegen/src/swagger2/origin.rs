//! Where each part of a converted document came from, so that errors found after the
//! conversion (by `openapiv3` or by lowering) point into the document the user wrote.

use std::collections::BTreeMap;

use crate::error::{Error, Pointer};

/// Pointers into a converted document → pointers into the Swagger 2.0 original.
///
/// Only what the conversion moved is recorded; everything else (an operation's
/// `operationId`, a response's `description`, ...) sits at the same pointer in both.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    /// Converted pointer → the original pointer and whether what lies below carries over.
    moves: BTreeMap<String, (String, Below)>,
    /// The pass before this one, whose own moves translate this one's originals further.
    earlier: Option<Box<Origin>>,
}

/// What happens to the part of a pointer below a recorded prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Below {
    /// The subtree moved unchanged: `/components/schemas/A/properties/b` →
    /// `/definitions/A/properties/b`.
    Kept,
    /// The subtree was built from the original (a `requestBody` from a body parameter):
    /// anything below it is reported at the original as a whole.
    Dropped,
}

impl Origin {
    /// Records that the subtree at `to` is the subtree at `from`, moved unchanged.
    pub(crate) fn moved(&mut self, to: &Pointer, from: &Pointer) {
        self.record(to, from, Below::Kept);
    }

    /// Records that the subtree at `to` was built from `from` as a whole.
    pub(crate) fn built(&mut self, to: &Pointer, from: &Pointer) {
        self.record(to, from, Below::Dropped);
    }

    fn record(&mut self, to: &Pointer, from: &Pointer, below: Below) {
        self.moves
            .insert(to.as_str().to_owned(), (from.as_str().to_owned(), below));
    }

    /// These moves, made after those of `earlier` (which translates their originals
    /// further).
    pub(crate) fn after(mut self, earlier: Origin) -> Origin {
        self.earlier = Some(Box::new(earlier));
        self
    }

    /// The original pointer of `pointer`, found through its longest recorded prefix
    /// (whole segments only); unchanged when nothing above it moved.
    pub(crate) fn original(&self, pointer: &str) -> String {
        let own = self.own_original(pointer);
        match &self.earlier {
            Some(earlier) => earlier.original(&own),
            None => own,
        }
    }

    fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.earlier.as_ref().is_none_or(|e| e.is_empty())
    }

    fn own_original(&self, pointer: &str) -> String {
        let mut prefix = pointer;
        loop {
            if let Some((from, below)) = self.moves.get(prefix) {
                return match below {
                    Below::Kept => format!("{from}{}", &pointer[prefix.len()..]),
                    Below::Dropped => from.clone(),
                };
            }
            match prefix.rfind('/') {
                Some(end) => prefix = &prefix[..end],
                None => return pointer.to_owned(),
            }
        }
    }

    /// `error` with its pointer translated into the original document, and so are the
    /// pointers its message quotes after "at " (the first holder of a colliding name, the
    /// first declaration of a duplicate).
    pub(crate) fn locate(&self, mut error: Error) -> Error {
        error.pointer = self.original(&error.pointer);
        if !self.is_empty() {
            error.message = self.translate_quoted(&error.message);
        }
        error
    }

    fn translate_quoted(&self, message: &str) -> String {
        const MARK: &str = "at /";
        let mut out = String::new();
        let mut rest = message;
        while let Some(found) = rest.find(MARK) {
            let start = found + MARK.len() - 1;
            out.push_str(&rest[..start]);
            let len = rest[start..]
                .find([' ', ')', ',', ';'])
                .unwrap_or(rest.len() - start);
            out.push_str(&self.original(&rest[start..start + len]));
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(segments: &[&str]) -> Pointer {
        segments.iter().fold(Pointer::root(), |p, s| p.join(s))
    }

    #[test]
    fn longest_whole_segment_prefix_wins() {
        let mut origin = Origin::default();
        origin.moved(&p(&["components", "schemas"]), &p(&["definitions"]));
        origin.built(
            &p(&["paths", "/a", "post", "requestBody"]),
            &p(&["paths", "/a", "post", "parameters", "1"]),
        );
        origin.moved(
            &p(&[
                "paths",
                "/a",
                "post",
                "requestBody",
                "content",
                "application/json",
                "schema",
            ]),
            &p(&["paths", "/a", "post", "parameters", "1", "schema"]),
        );
        assert_eq!(
            origin.original("/components/schemas/A/properties/b"),
            "/definitions/A/properties/b"
        );
        assert_eq!(
            origin.original("/components/schemasX"),
            "/components/schemasX"
        );
        assert_eq!(
            origin.original("/paths/~1a/post/requestBody/content/application~1json/schema/items"),
            "/paths/~1a/post/parameters/1/schema/items"
        );
        assert_eq!(
            origin.original("/paths/~1a/post/requestBody/content"),
            "/paths/~1a/post/parameters/1"
        );
        assert_eq!(
            origin.original("/paths/~1a/post/operationId"),
            "/paths/~1a/post/operationId"
        );
        assert_eq!(origin.original(""), "");
    }

    #[test]
    fn pointers_quoted_in_messages_are_translated() {
        let mut origin = Origin::default();
        origin.moved(
            &p(&["paths", "/a", "post", "parameters", "0"]),
            &p(&["paths", "/a", "post", "parameters", "1"]),
        );
        let error = Error {
            document: "d".into(),
            pointer: "/paths/~1a/post/parameters/0/name".into(),
            kind: crate::ErrorKind::Name,
            message: "\"x\" (at /paths/~1a/post/parameters/0) already has it, also at /paths/~1a/post/parameters/0; path \"/a\" at /x".into(),
        };
        let error = origin.locate(error);
        assert_eq!(error.pointer, "/paths/~1a/post/parameters/1/name");
        assert_eq!(
            error.message,
            "\"x\" (at /paths/~1a/post/parameters/1) already has it, also at /paths/~1a/post/parameters/1; path \"/a\" at /x"
        );
    }
}
