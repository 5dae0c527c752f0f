//! Whether a request is one a stub answers: method, path template with the expected
//! path parameters, expected query pairs and headers, the page token, and the body
//! predicates.

use std::sync::Arc;

use http::{HeaderMap, Method};
use wiremock::{Match, Request};

/// A body predicate over the decoded body.
pub(crate) type BodyCheck<B> = Arc<dyn Fn(&B) -> bool + Send + Sync>;

/// A piece of a path template once the expectations are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text that must appear as it is (template text, or an expected parameter already
    /// encoded as the client encodes it).
    Literal(String),
    /// Any parameter value: one or more characters other than `/`.
    Any,
}

/// Splits `/indexes/{id}/profiles/{id}` into pieces; `values[n]` is the encoded value
/// expected for the `n`-th placeholder (`None`: any value).
pub(crate) fn pieces(template: &str, values: &[Option<String>]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut index = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        push_literal(&mut pieces, &rest[..open]);
        match values.get(index).cloned().flatten() {
            Some(value) => push_literal(&mut pieces, &value),
            None => pieces.push(Piece::Any),
        }
        index += 1;
        rest = &rest[open + close + 1..];
    }
    push_literal(&mut pieces, rest);
    pieces
}

fn push_literal(pieces: &mut Vec<Piece>, text: &str) {
    if text.is_empty() {
        return;
    }
    match pieces.last_mut() {
        Some(Piece::Literal(previous)) => previous.push_str(text),
        _ => pieces.push(Piece::Literal(text.to_owned())),
    }
}

/// Whether `path` (percent-encoded, as sent) is made of `pieces`.
pub(crate) fn path_matches(pieces: &[Piece], path: &str) -> bool {
    match pieces.split_first() {
        None => path.is_empty(),
        Some((Piece::Literal(text), rest)) => path
            .strip_prefix(text.as_str())
            .is_some_and(|after| path_matches(rest, after)),
        Some((Piece::Any, rest)) => {
            // A parameter is at least one character and never crosses a `/`; try every
            // length (templates have few pieces, so the backtracking stays small).
            let segment_end = path.find('/').unwrap_or(path.len());
            (1..=segment_end)
                .filter(|end| path.is_char_boundary(*end))
                .any(|end| path_matches(rest, &path[end..]))
        }
    }
}

/// How the page token must appear in the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenRule {
    /// Either way.
    Any,
    /// The first page: no token parameter.
    Absent(&'static str),
    /// A later page: the token handed out with the previous one.
    Equals(&'static str, String),
}

/// Everything a stub checks about a request.
pub(crate) struct StubMatcher<B> {
    pub(crate) method: Method,
    pub(crate) base_path: String,
    pub(crate) pieces: Vec<Piece>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) decode: super::BodyDecoder<B>,
    pub(crate) body_checks: Vec<BodyCheck<B>>,
}

impl<B> StubMatcher<B> {
    fn matches_without_token(&self, request: &Request) -> bool {
        request.method == self.method
            && request
                .url
                .path()
                .strip_prefix(self.base_path.as_str())
                .is_some_and(|path| path_matches(&self.pieces, path))
            && self.query_matches(request)
            && self.headers_match(request)
            && self.body_matches(request)
    }

    /// Every expected pair is sent (as many times as expected); others may be sent too.
    fn query_matches(&self, request: &Request) -> bool {
        if self.query.is_empty() {
            return true;
        }
        let mut sent: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        self.query.iter().all(
            |expected| match sent.iter().position(|pair| pair == expected) {
                Some(at) => {
                    sent.swap_remove(at);
                    true
                }
                None => false,
            },
        )
    }

    fn headers_match(&self, request: &Request) -> bool {
        self.headers
            .iter()
            .all(|(name, value)| request.headers.get_all(name).iter().any(|v| v == value))
    }

    fn body_matches(&self, request: &Request) -> bool {
        if self.body_checks.is_empty() {
            return true;
        }
        match (self.decode)(&request.body) {
            Some(body) => self.body_checks.iter().all(|check| check(&body)),
            None => false,
        }
    }
}

/// A stub's matcher with the page rule of one of its mocks.
pub(crate) struct Matcher<B> {
    pub(crate) stub: Arc<StubMatcher<B>>,
    pub(crate) token: TokenRule,
}

impl<B: 'static> Match for Matcher<B> {
    fn matches(&self, request: &Request) -> bool {
        let token_ok = match &self.token {
            TokenRule::Any => true,
            TokenRule::Absent(name) => !request.url.query_pairs().any(|(key, _)| key == *name),
            TokenRule::Equals(name, token) => request
                .url
                .query_pairs()
                .any(|(key, value)| key == *name && value == token.as_str()),
        };
        token_ok && self.stub.matches_without_token(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_pieces() {
        assert_eq!(
            pieces("/indexes/{id}/profiles/{id}", &[Some("ix-1".into()), None]),
            [Piece::Literal("/indexes/ix-1/profiles/".into()), Piece::Any]
        );
        assert_eq!(
            pieces("/segments", &[]),
            [Piece::Literal("/segments".into())]
        );
        assert_eq!(
            pieces("/files/{a}.{b}", &[]),
            [
                Piece::Literal("/files/".into()),
                Piece::Any,
                Piece::Literal(".".into()),
                Piece::Any
            ]
        );
    }

    #[test]
    fn parameters_match_one_non_empty_segment() {
        let any = pieces("/workflow/runs/{workflow-id}/stop", &[]);
        assert!(path_matches(&any, "/workflow/runs/wf-1/stop"));
        assert!(path_matches(&any, "/workflow/runs/a%2Fb/stop"));
        assert!(!path_matches(&any, "/workflow/runs//stop"));
        assert!(!path_matches(&any, "/workflow/runs/a/b/stop"));
        assert!(!path_matches(&any, "/workflow/runs/wf-1"));
        let two = pieces("/files/{a}.{b}", &[]);
        assert!(path_matches(&two, "/files/x.y.z"));
        assert!(!path_matches(&two, "/files/x."));
        let fixed = pieces("/workflow/runs/{id}", &[Some("a%2Fb".into())]);
        assert!(path_matches(&fixed, "/workflow/runs/a%2Fb"));
        assert!(!path_matches(&fixed, "/workflow/runs/a%2Fc"));
    }
}
