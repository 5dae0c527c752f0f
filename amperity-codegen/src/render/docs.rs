//! Descriptions → doc attributes that rustdoc accepts without a warning.
//!
//! Amperity's descriptions are Markdown written for a web page: fenced blocks of curl
//! commands (which rustdoc would compile as Rust doctests), `<tenant-id>` placeholders
//! (unclosed HTML tags to rustdoc), bare URLs, and `[text]` that rustdoc would try to
//! resolve as an intra-doc link. This module neutralizes each of those and emits one
//! `#[doc = " line"]` per line (prettyplease prints a multi-line doc attribute as a block
//! comment).

use proc_macro2::TokenStream;
use quote::quote;

/// Outer doc attributes for `text`.
pub fn doc(text: &str) -> TokenStream {
    let lines = sanitize(text);
    quote! { #( #[doc = #lines] )* }
}

/// Outer doc attributes for several paragraphs (empty ones skipped), separated by blank lines.
pub fn doc_paragraphs(paragraphs: &[Option<&str>]) -> TokenStream {
    let joined: Vec<&str> = paragraphs
        .iter()
        .flatten()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    doc(&joined.join("\n\n"))
}

/// Inner doc attributes (module docs) for `text`.
pub fn inner_doc(text: &str) -> TokenStream {
    let lines = sanitize(text);
    quote! { #( #![doc = #lines] )* }
}

/// The sanitized lines, each with the leading space rustdoc expects.
pub fn sanitize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let text = rustc_safe(text);
    let text = text.trim_end();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(marker) = fence_marker(trimmed) {
            match &fence {
                Some(open)
                    if marker.starts_with(open.as_str())
                        && trimmed[marker.len()..].trim().is_empty() =>
                {
                    fence = None;
                    out.push(line.trim_end().to_owned());
                }
                Some(_) => out.push(line.trim_end().to_owned()),
                None => {
                    fence = Some(marker.to_owned());
                    let info = trimmed[marker.len()..].trim();
                    let indent = &line[..line.len() - trimmed.len()];
                    // Only code that is declared Rust may become a doctest.
                    let info = if info.is_empty() || info == "rust" {
                        "text"
                    } else {
                        info
                    };
                    out.push(format!("{indent}{marker}{info}"));
                }
            }
            continue;
        }
        if fence.is_some() {
            out.push(line.trim_end().to_owned());
        } else {
            out.push(escape_prose(line.trim_end()));
        }
    }
    if let Some(open) = fence {
        // An unclosed fence would swallow the rest of the docs.
        out.push(open);
    }
    out.into_iter()
        .map(|l| if l.is_empty() { l } else { format!(" {l}") })
        .collect()
}

/// rustc refuses a carriage return that does not end a line in a doc comment, and denies
/// characters that change the direction of text (CVE-2021-42574): the first ends a line
/// here, the others are written as escapes.
fn rustc_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.push('\n'),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.extend(c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

fn fence_marker(trimmed: &str) -> Option<&str> {
    for marker in ["````", "```", "~~~"] {
        if trimmed.starts_with(marker) {
            let len = trimmed
                .chars()
                .take_while(|c| *c == marker.chars().next().unwrap_or('`'))
                .count();
            return Some(&trimmed[..len]);
        }
    }
    None
}

/// Escapes one line of prose: `<` outside code spans, brackets that are not links,
/// and bare URLs (wrapped in `<...>`).
fn escape_prose(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut in_code = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
            continue;
        }
        if in_code {
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '<' => out.push_str("\\<"),
            '>' if i > 0
                && !line[..byte_index(&chars, i)]
                    .trim()
                    .chars()
                    .all(|c| c == '>') =>
            {
                out.push_str("\\>")
            }
            '[' => {
                let rest: String = chars[i..].iter().collect();
                match rest.find("](") {
                    Some(end) if !rest[..end].contains(']') => {
                        // A Markdown link: copy `[text](` and let the URL through as is.
                        let close = rest[end + 2..]
                            .find(')')
                            .map(|p| end + 2 + p + 1)
                            .unwrap_or(rest.len());
                        out.push_str(&rest[..close]);
                        i += rest[..close].chars().count();
                        continue;
                    }
                    _ => out.push_str("\\["),
                }
            }
            ']' => out.push_str("\\]"),
            'h' if starts_url(&chars[i..]) => {
                let mut end = i;
                while end < chars.len()
                    && !chars[end].is_whitespace()
                    && !matches!(chars[end], '"' | '\'' | ')' | '<' | '>')
                {
                    end += 1;
                }
                while end > i && matches!(chars[end - 1], '.' | ',' | ';' | ':') {
                    end -= 1;
                }
                let url: String = chars[i..end].iter().collect();
                out.push('<');
                out.push_str(&url);
                out.push('>');
                i = end;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn byte_index(chars: &[char], i: usize) -> usize {
    chars[..i].iter().map(|c| c.len_utf8()).sum()
}

fn starts_url(chars: &[char]) -> bool {
    let s: String = chars.iter().take(8).collect();
    s.starts_with("https://") || s.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn neutralizes_what_rustdoc_would_warn_about() {
        let text = "Use `<tenant-id>` or <tenant-id> at https://x.amperity.com/api.\n\n```\ncurl -H \"a: <b>\"\n```\n> **Note:** see [changelog](https://d.com/c.html) and [0].";
        assert_eq!(
            sanitize(text),
            [
                " Use `<tenant-id>` or \\<tenant-id\\> at <https://x.amperity.com/api>.",
                "",
                " ```text",
                " curl -H \"a: <b>\"",
                " ```",
                " > **Note:** see [changelog](https://d.com/c.html) and \\[0\\].",
            ]
        );
    }

    #[test]
    fn keeps_what_rustc_refuses_out_of_doc_comments() {
        assert_eq!(
            sanitize("a\rb\r\nc \u{202e}d"),
            [" a", " b", " c \\u{202e}d"]
        );
    }

    #[test]
    fn closes_an_unclosed_fence() {
        assert_eq!(sanitize("```json\n{}"), [" ```json", " {}", " ```"]);
    }
}
