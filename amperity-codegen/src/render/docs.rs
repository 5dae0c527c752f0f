//! Descriptions → doc attributes that rustdoc accepts without a warning.
//!
//! Amperity's descriptions are Markdown written for a web page: fenced blocks of curl
//! commands (which rustdoc would compile as Rust doctests), `<tenant-id>` placeholders
//! (unclosed HTML tags to rustdoc), bare URLs, and `[text]` that rustdoc would try to
//! resolve as an intra-doc link. This module neutralizes each of those and emits one
//! `#[doc = " line"]` per line (prettyplease prints a multi-line doc attribute as a block
//! comment).

use std::collections::{BTreeMap, BTreeSet};

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
///
/// What is done, line by line: fenced blocks keep their text but are always declared
/// `text` (rustdoc compiles a block as a Rust doctest unless its info string names another
/// language, and `no_run`, `should_panic`, `edition2021` or nothing at all leave it Rust);
/// indented code blocks become fenced `text` blocks for the same reason; list items
/// continued on a line indented too little or too much get that line re-indented (clippy's
/// `doc_lazy_continuation` and `doc_overindented_list_items`); a block quote continued
/// without `>` is ended by a blank line; prose is escaped by [`escape_prose`].
pub fn sanitize(text: &str) -> Vec<String> {
    let text = rustc_safe(text);
    let all: Vec<&str> = text.trim_end().lines().map(str::trim_end).collect();
    let mut lines = Lines::default();
    for (line, later) in all.iter().zip(later_runs(&all)) {
        lines.push(line, &later);
    }
    lines.finish()
}

/// The state of [`sanitize`] between lines.
#[derive(Default)]
struct Lines {
    out: Vec<String>,
    /// The marker of the open fenced block (```` ``` ````, `~~~`, ...).
    fence: Option<String>,
    /// Inside an indented code block (written out as a fenced one).
    indented: bool,
    /// The column where the content of the open list item starts.
    list: Option<usize>,
    /// The previous line was a block quote line.
    quote: bool,
    /// The length of the backtick run that opened a code span on an earlier line of the
    /// paragraph, while that span is open.
    in_code: Option<usize>,
}

impl Lines {
    /// `later` are the lengths of the backtick runs after `line` in its paragraph, where a
    /// code span it opens may close.
    fn push(&mut self, line: &str, later: &BTreeSet<usize>) {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if let Some(open) = &self.fence {
            let closes = fence_marker(trimmed).is_some_and(|m| m.starts_with(open.as_str()))
                && trimmed.trim_start_matches(['`', '~']).trim().is_empty();
            if closes {
                self.fence = None;
            }
            self.out.push(line.to_owned());
            return;
        }
        if trimmed.is_empty() {
            self.blank();
            return;
        }
        let after_blank = self.out.last().is_none_or(String::is_empty);
        if self.indented && indent < 4 {
            self.close_indented();
        }
        if self.indented || (indent >= 4 && after_blank && self.list.is_none()) {
            if !self.indented {
                self.out.push("```text".to_owned());
                self.indented = true;
            }
            self.out.push(line[4..].to_owned());
            return;
        }
        if let Some(marker) = fence_marker(trimmed) {
            self.fence = Some(marker.to_owned());
            self.in_code = None;
            self.out.push(format!("{}{marker}text", &line[..indent]));
            return;
        }
        self.prose(line, trimmed, indent, later);
    }

    fn prose(&mut self, line: &str, trimmed: &str, indent: usize, later: &BTreeSet<usize>) {
        let is_quote = trimmed.starts_with('>');
        if self.quote && !is_quote {
            self.out.push(String::new());
            self.in_code = None;
        }
        self.quote = is_quote;
        let line = match (list_item_content(trimmed), self.list) {
            (Some(width), _) => {
                self.list = Some(indent + width);
                line.to_owned()
            }
            (None, Some(content)) if indent < content => {
                // Not inside the item: a block quote starts on its own; anything else
                // would be a lazy continuation, where the document meant a new paragraph.
                self.list = None;
                if !is_quote && self.out.last().is_some_and(|l| !l.is_empty()) {
                    self.out.push(String::new());
                    self.in_code = None;
                }
                trimmed.to_owned()
            }
            (None, Some(content)) => format!("{}{trimmed}", " ".repeat(content)),
            (None, None) => line.to_owned(),
        };
        let escaped = escape_prose(&line, &mut self.in_code, later);
        self.out.push(escaped);
    }

    fn blank(&mut self) {
        if self.indented {
            self.close_indented();
        }
        self.quote = false;
        self.in_code = None;
        self.out.push(String::new());
    }

    fn close_indented(&mut self) {
        self.indented = false;
        // The blank line that ended the block goes after the fence.
        let blank = self.out.last().is_some_and(String::is_empty);
        if blank {
            self.out.pop();
        }
        self.out.push("```".to_owned());
        if blank {
            self.out.push(String::new());
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.indented {
            self.close_indented();
        }
        if let Some(open) = self.fence.take() {
            // An unclosed fence would swallow the rest of the docs.
            self.out.push(open);
        }
        self.out
            .into_iter()
            .map(|l| if l.is_empty() { l } else { format!(" {l}") })
            .collect()
    }
}

/// The width of a list item's marker and the space after it (`- `, `* `, `12. `), if
/// the line starts a list item.
fn list_item_content(trimmed: &str) -> Option<usize> {
    let bytes = trimmed.as_bytes();
    if matches!(bytes.first(), Some(b'-' | b'*' | b'+')) && bytes.get(1) == Some(&b' ') {
        return Some(2);
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if (1..=9).contains(&digits)
        && matches!(bytes.get(digits), Some(b'.' | b')'))
        && bytes.get(digits + 1) == Some(&b' ')
    {
        return Some(digits + 2);
    }
    None
}

/// rustc refuses a carriage return that does not end a line in a doc comment and
/// characters that change the direction of text (CVE-2021-42574), and other control
/// characters (NUL, ESC, ...) do not belong in a source file: the first ends a line, the
/// others are written as escapes. Tabs become four spaces (clippy's `tabs_in_doc_comments`).
fn rustc_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\n' => out.push('\n'),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.extend(c.escape_unicode());
            }
            c if c.is_control() => out.extend(c.escape_unicode()),
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

/// For each line, the lengths of the backtick runs on the lines after it that continue its
/// paragraph as plain text: where a code span it opens may still close. A blank line, a
/// fence, a list item or a block quote ends them (the sanitizer may put a blank line before
/// the last two). One pass from the end: the work stays linear in the text.
fn later_runs(lines: &[&str]) -> Vec<BTreeSet<usize>> {
    let mut later = vec![BTreeSet::new(); lines.len()];
    for i in (0..lines.len().saturating_sub(1)).rev() {
        let next = lines[i + 1];
        let trimmed = next.trim_start_matches(' ');
        let ends = trimmed.is_empty()
            || fence_marker(trimmed).is_some()
            || list_item_content(trimmed).is_some()
            || trimmed.starts_with('>');
        if !ends {
            let mut runs = later[i + 1].clone();
            runs.extend(backtick_runs(next).map(|(_, len)| len));
            later[i] = runs;
        }
    }
    later
}

/// The backtick runs of `text`: byte offset and length of each.
fn backtick_runs(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && bytes[i] != b'`' {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] == b'`' {
            i += 1;
        }
        (i > start).then_some((start, i - start))
    })
}

/// Escapes one line of prose: `<` outside code spans, brackets that are not links,
/// and bare URLs (wrapped in `<...>`), and backticks that open no code span (no run of
/// the same length closes them later on the line or in the rest of the paragraph, whose
/// run lengths are `later`). `in_code` holds the length of the run that opened a code span
/// on an earlier line, if one is open, and is left so for the end of this line.
///
/// Every special character is ASCII, so the line is scanned by bytes and copied by
/// slices; what it looks ahead for is found once per line, keeping the work linear.
fn escape_prose(line: &str, in_code: &mut Option<usize>, later: &BTreeSet<usize>) -> String {
    let bytes = line.as_bytes();
    // Where a backtick run of each length last starts on the line.
    let last_run: BTreeMap<usize, usize> = backtick_runs(line).map(|(at, len)| (len, at)).collect();
    // The first `]` at or after each byte (`usize::MAX`: none).
    let mut next_close = vec![usize::MAX; bytes.len() + 1];
    for i in (0..bytes.len()).rev() {
        next_close[i] = if bytes[i] == b']' {
            i
        } else {
            next_close[i + 1]
        };
    }
    let mut out = String::with_capacity(line.len() + 8);
    // Only `>` and spaces so far: a block quote's markers, kept.
    let mut quote_markers = true;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'`' {
            let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
            let escaped = match *in_code {
                Some(open) => {
                    if open == run {
                        *in_code = None;
                    }
                    false
                }
                None if last_run.get(&run).is_some_and(|at| *at > i) || later.contains(&run) => {
                    *in_code = Some(run);
                    false
                }
                None => true,
            };
            out.push_str(&(if escaped { "\\`" } else { "`" }).repeat(run));
            i += run;
            quote_markers = false;
            continue;
        }
        let width = line[i..].chars().next().map_or(1, char::len_utf8);
        if in_code.is_some() {
            out.push_str(&line[i..i + width]);
            i += width;
            continue;
        }
        match c {
            b'<' => out.push_str("\\<"),
            b'>' if !quote_markers => out.push_str("\\>"),
            b'[' => match next_close[i + 1] {
                close if close != usize::MAX && bytes.get(close + 1) == Some(&b'(') => {
                    // A Markdown link: `[text](target)`, the `)` missing at the end of a
                    // line.
                    let target_start = close + 2;
                    let (target_end, end) = match line[target_start..].find(')') {
                        Some(p) => (target_start + p, target_start + p + 1),
                        None => (line.len(), line.len()),
                    };
                    out.push_str(&link(&line[i + 1..close], &line[target_start..target_end]));
                    i = end;
                    quote_markers = false;
                    continue;
                }
                _ => out.push_str("\\["),
            },
            b']' => out.push_str("\\]"),
            b'h' if line[i..].starts_with("https://") || line[i..].starts_with("http://") => {
                let mut end = line[i..]
                    .char_indices()
                    .find(|(_, c)| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '<' | '>'))
                    .map_or(line.len(), |(p, _)| i + p);
                while end > i && matches!(bytes[end - 1], b'.' | b',' | b';' | b':') {
                    end -= 1;
                }
                out.push('<');
                out.push_str(&line[i..end]);
                out.push('>');
                i = end;
                quote_markers = false;
                continue;
            }
            _ => out.push_str(&line[i..i + width]),
        }
        quote_markers &= c == b'>' || c.is_ascii_whitespace();
        i += width;
    }
    out
}

/// A Markdown link `[text](target)`: kept when the target is an absolute web or mail
/// address; otherwise only its text (escaped) stays. Relative targets would be resolved
/// by rustdoc as Rust paths (a broken intra-doc link), and `javascript:` or `data:`
/// targets have no place in documentation.
fn link(text: &str, target: &str) -> String {
    let mut in_code = None;
    let text = escape_prose(text, &mut in_code, &BTreeSet::new());
    let target = target.trim();
    let lower = target.to_ascii_lowercase();
    // `crate::`, `super::` and `self::` are the generator's own intra-doc links.
    let safe = [
        "https://", "http://", "mailto:", "crate::", "super::", "self::",
    ]
    .iter()
    .any(|scheme| lower.starts_with(scheme))
        && !target.contains(char::is_whitespace);
    if safe {
        format!("[{text}]({target})")
    } else {
        text
    }
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
    fn nothing_becomes_a_doctest() {
        let text = "Example:\n\n    let x = 1;\n    x + 1\n\nDone.\n```no_run\nfn main() {}\n```\n```edition2021,should_panic\npanic!()\n```";
        assert_eq!(
            sanitize(text),
            [
                " Example:",
                "",
                " ```text",
                " let x = 1;",
                " x + 1",
                " ```",
                "",
                " Done.",
                " ```text",
                " fn main() {}",
                " ```",
                " ```text",
                " panic!()",
                " ```",
            ]
        );
    }

    #[test]
    fn lists_quotes_tabs_and_control_characters() {
        let text = "- one\ncontinued\n- two\n        deep\n> quote\nlazy\n\ttabbed \u{1b}[0m \0";
        assert_eq!(
            sanitize(text),
            [
                " - one",
                "",
                " continued",
                " - two",
                "   deep",
                " > quote",
                "",
                " lazy",
                "     tabbed \\u{1b}\\[0m \\u{0}",
            ]
        );
    }

    #[test]
    fn code_spans_across_lines_and_unsafe_links() {
        let text = "Use `a <b\nc>` then <tenant-id>; see [docs](/api/x), [x](javascript:alert(1)) and [ok](https://a.b/c).";
        assert_eq!(
            sanitize(text),
            [
                " Use `a <b",
                " c>` then \\<tenant-id\\>; see docs, x) and [ok](https://a.b/c).",
            ]
        );
    }

    #[test]
    fn backticks_that_open_no_code_span_are_escaped() {
        // googleapis.com/firestore: a run of three backticks, quoted, among code spans.
        let text = "include: `*`, `.`, ``` (backtick), `[`, `]`, and ``a`b`` or `x\ny` or `open [";
        assert_eq!(
            sanitize(text),
            [
                " include: `*`, `.`, \\`\\`\\` (backtick), `[`, `]`, and ``a`b`` or `x",
                " y` or \\`open \\[",
            ]
        );
    }

    #[test]
    fn long_lines_of_special_characters() {
        // Each of these made the sanitizer look ahead to the end of the line once per
        // character: quadratic in a description a megabyte long.
        let n = 200_000;
        for (text, escaped) in [("[", "\\["), ("x`", "x`"), ("x>", "x\\>"), ("[x](y)", "x")] {
            let lines = sanitize(&text.repeat(n));
            assert_eq!(lines.len(), 1);
            assert_eq!(lines[0].len(), 1 + escaped.len() * n, "{text}");
        }
        let lines = sanitize(&"a `b`\n".repeat(n));
        assert_eq!(lines.len(), n);
    }

    #[test]
    fn closes_an_unclosed_fence() {
        assert_eq!(sanitize("```json\n{}"), [" ```text", " {}", " ```"]);
    }
}
