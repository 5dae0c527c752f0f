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
    for (i, line) in all.iter().enumerate() {
        lines.push(line, &all[i + 1..]);
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
    /// `following` are the lines after `line`, where a code span it opens may close.
    fn push(&mut self, line: &str, following: &[&str]) {
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
        self.prose(line, trimmed, indent, following);
    }

    fn prose(&mut self, line: &str, trimmed: &str, indent: usize, following: &[&str]) {
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
        let escaped = escape_prose(&line, &mut self.in_code, &continuation(following));
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

/// The lines after a prose line that continue its paragraph as plain text: where a code
/// span opened on that line may still close. A blank line, a fence, a list item or a
/// block quote ends them (the sanitizer may put a blank line before the last two).
fn continuation(following: &[&str]) -> String {
    let mut out = String::new();
    for line in following {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty()
            || fence_marker(trimmed).is_some()
            || list_item_content(trimmed).is_some()
            || trimmed.starts_with('>')
        {
            break;
        }
        out.push('\n');
        out.push_str(line);
    }
    out
}

/// Whether `text` holds a run of exactly `len` backticks: what closes a code span opened
/// by such a run (CommonMark); without one, the opening run is literal text.
fn has_backtick_run(text: &str, len: usize) -> bool {
    text.split(|c| c != '`').any(|run| run.len() == len)
}

/// Escapes one line of prose: `<` outside code spans, brackets that are not links,
/// and bare URLs (wrapped in `<...>`), and backticks that open no code span (no equal run
/// closes them later on the line or in `rest`, the rest of the paragraph). `in_code`
/// holds the length of the run that opened a code span on an earlier line, if one is
/// open, and is left so for the end of this line.
fn escape_prose(line: &str, in_code: &mut Option<usize>, rest: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let run = chars[i..].iter().take_while(|c| **c == '`').count();
            let after = &line[byte_index(&chars, i + run)..];
            match *in_code {
                Some(open) if open == run => *in_code = None,
                Some(_) => {}
                None if has_backtick_run(after, run) || has_backtick_run(rest, run) => {
                    *in_code = Some(run);
                }
                None => {
                    out.push_str(&"\\`".repeat(run));
                    i += run;
                    continue;
                }
            }
            out.push_str(&"`".repeat(run));
            i += run;
            continue;
        }
        if in_code.is_some() {
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
                        // A Markdown link: `[text](target)`, the `)` missing at the end
                        // of a line.
                        let (target_end, close) = match rest[end + 2..].find(')') {
                            Some(p) => (end + 2 + p, end + 2 + p + 1),
                            None => (rest.len(), rest.len()),
                        };
                        out.push_str(&link(&rest[1..end], &rest[end + 2..target_end]));
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

/// A Markdown link `[text](target)`: kept when the target is an absolute web or mail
/// address; otherwise only its text (escaped) stays. Relative targets would be resolved
/// by rustdoc as Rust paths (a broken intra-doc link), and `javascript:` or `data:`
/// targets have no place in documentation.
fn link(text: &str, target: &str) -> String {
    let mut in_code = None;
    let text = escape_prose(text, &mut in_code, "");
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
    fn closes_an_unclosed_fence() {
        assert_eq!(sanitize("```json\n{}"), [" ```text", " {}", " ```"]);
    }
}
