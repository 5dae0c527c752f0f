//! Path keys with a query string (`/search/articles?query={query}`,
//! `/uploads?convert={convert}`).
//!
//! OpenAPI path keys are paths, but public documents put query strings in them, with
//! placeholders that they declare as path parameters, as query parameters, or not at all.
//! Such a key is read as what it means: the path is the part before `?`; each
//! `name={placeholder}` pair is a query parameter sent as `name` (the declaration of that
//! placeholder, moved to the query, or a required string when none is declared); each
//! `name=value` pair is sent as it is with every request. A query string with anything else
//! (a placeholder as a key, text around a placeholder, a `%` escape, a name without `=`)
//! is left in the path as written, its placeholders path parameters, as before.

use super::Lowerer;
use crate::error::{ErrorKind, Pointer, Result};
use crate::ir::{Location, Param, QueryKeys, Style, TypeRef};
use crate::names::{Case, Name, NameSet};

/// One `name=...` pair of a path key's query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QueryPiece<'p> {
    /// `name=value`: sent as written.
    Fixed { key: &'p str, value: &'p str },
    /// `name={placeholder}`: the placeholder's value, sent as `name`.
    Placeholder { key: &'p str, placeholder: &'p str },
}

/// The path of a path key and the pieces of its query string (see the module docs); the
/// key whole and no pieces when it has no query string this reads.
pub(super) fn split(path_key: &str) -> (&str, Vec<QueryPiece<'_>>) {
    let Some((path, query)) = path_key.split_once('?') else {
        return (path_key, Vec::new());
    };
    let mut pieces = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return (path_key, Vec::new());
        };
        let braces = |text: &str| text.contains(['{', '}', '%']);
        if key.is_empty() || braces(key) {
            return (path_key, Vec::new());
        }
        match value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
            Some(placeholder) if !placeholder.is_empty() && !braces(placeholder) => {
                pieces.push(QueryPiece::Placeholder { key, placeholder });
            }
            _ if !braces(value) => pieces.push(QueryPiece::Fixed { key, value }),
            _ => return (path_key, Vec::new()),
        }
    }
    (path, pieces)
}

impl Lowerer<'_> {
    /// Makes each placeholder of the key's query string a query parameter named after its
    /// key: the declaration of that name (a path or query parameter) moves to the query,
    /// and an undeclared one becomes a required string.
    pub(super) fn query_placeholders(
        &self,
        pieces: &[QueryPiece<'_>],
        params: &mut Vec<Param>,
        names: &mut NameSet,
        at: &Pointer,
    ) -> Result<()> {
        for piece in pieces {
            let QueryPiece::Placeholder { key, placeholder } = *piece else {
                continue;
            };
            let declared = params.iter().position(|p| {
                matches!(p.location, Location::Path | Location::Query) && p.name.wire == placeholder
            });
            let clash = params.iter().enumerate().any(|(i, p)| {
                p.location == Location::Query && p.name.wire == key && Some(i) != declared
            });
            if clash {
                return Err(self.error(
                    ErrorKind::Duplicate,
                    at,
                    format!("the path key's query string sends {key:?} from {{{placeholder}}}, and a query parameter {key:?} is declared too"),
                ));
            }
            match declared {
                Some(index) => {
                    let param = &mut params[index];
                    param.location = Location::Query;
                    param.name.wire = key.to_owned();
                }
                None => {
                    let rust = self.escape(placeholder, Case::Value, at, "parameter name")?;
                    let rust = names.claim(&rust, placeholder, at.as_str());
                    params.push(Param {
                        name: Name {
                            rust,
                            wire: key.to_owned(),
                        },
                        location: Location::Query,
                        ty: TypeRef::String,
                        required: true,
                        doc: Some(format!(
                            "Sent as `{key}`: the path key's query string has `{key}={{{placeholder}}}`, which the document declares no parameter for."
                        )),
                        deprecated: false,
                        keys: QueryKeys::Fixed,
                        style: Style::Plain,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{QueryPiece, split};

    #[test]
    fn query_strings_of_path_keys() {
        assert_eq!(split("/a/{id}"), ("/a/{id}", vec![]));
        assert_eq!(
            split("/search?q={query}&sort=new&"),
            (
                "/search",
                vec![
                    QueryPiece::Placeholder {
                        key: "q",
                        placeholder: "query"
                    },
                    QueryPiece::Fixed {
                        key: "sort",
                        value: "new"
                    },
                ]
            )
        );
        // Anything else stays in the path as written.
        for key in [
            "/n/{c}?{search}=1",
            "/n?range={from}-{to}",
            "/n?flag",
            "/n?q=a%20b",
            "/n?q={}",
        ] {
            assert_eq!(split(key), (key, vec![]));
        }
    }
}
