//! `BENCHMARKS.md`: every table of one run, the command that reproduces it, and the
//! targets checked against the figures. A run replaces everything above the analysis
//! marker and keeps what people wrote below it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::compile::Measured;
use super::generation::DocumentResult;
use super::limit::{self, LimitResult};
use super::machine::{Machine, Versions};
use super::peers::Tool;
use super::runtime::Printed;
use super::stats::{self, ratio, ratio_value};

/// The line after which the file is written by hand; a run keeps everything from it on.
pub const ANALYSIS_MARKER: &str =
    "<!-- Analysis: written by hand below this line; `cargo xtask bench` keeps it. -->";

/// The document whose figures the targets are checked on.
pub const STABLE: &str = "control-plane-2024-04-01";

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Results {
    pub command: String,
    pub started: String,
    pub elapsed: Duration,
    pub quick: bool,
    pub machine: Option<Machine>,
    pub versions: Option<Versions>,
    pub cache: String,
    pub generation: Option<Vec<DocumentResult>>,
    pub compile: Option<Vec<Measured>>,
    pub cold_skipped: bool,
    pub client: Option<Printed>,
    pub limiter: Option<Printed>,
    pub memory: Option<Printed>,
    pub fleet: Option<Printed>,
    pub limit: Option<LimitResult>,
    /// The parts this run measured, for a partial run written into an earlier report
    /// (`merge`); empty for a full run.
    pub partial: Vec<&'static str>,
    /// `key=value` figures the runtime benchmarks reported.
    pub summary: BTreeMap<String, String>,
}

/// The new file: this run's report, then whatever followed the marker in `previous`.
pub fn render(results: &Results, previous: Option<&str>) -> String {
    let mut out = String::new();
    head(&mut out, results);
    targets(&mut out, results);
    generation(&mut out, results);
    compile(&mut out, results);
    runtime(&mut out, results);
    limit_section(&mut out, results);
    if !results.partial.is_empty()
        && let Some(previous) = previous.filter(|p| p.contains(ANALYSIS_MARKER))
    {
        out = super::merge::merge(&out, previous, &results.partial, &partial_note(results));
    }
    out.push('\n');
    out.push_str(ANALYSIS_MARKER);
    out.push('\n');
    let kept = previous
        .and_then(|p| p.split_once(ANALYSIS_MARKER))
        .map(|(_, tail)| tail.trim_start_matches('\n'));
    match kept {
        Some(tail) if !tail.trim().is_empty() => {
            out.push('\n');
            out.push_str(tail);
        }
        _ => out.push_str("\n## Analysis\n\n(Not written yet.)\n"),
    }
    out
}

fn head(out: &mut String, r: &Results) {
    let _ = writeln!(
        out,
        "# Benchmarks: side by side with progenitor and openapi-generator\n"
    );
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench`{} on {}; the run took {:.0} s. Reproduce with:\n\n```sh\n{}\n```\n",
        if r.quick {
            " **(--quick: few repetitions, for trying it out)**"
        } else {
            ""
        },
        r.started,
        r.elapsed.as_secs_f64(),
        r.command
    );
    let _ = writeln!(
        out,
        "Every figure is from this one run: a median over repeated measurements, shown as a \
         ratio to a baseline measured in the same run (progenitor for the generators, a \
         hand-written `reqwest` + `serde_json` client for the runtime). Absolute times depend \
         on the machine and its load; the ratios much less. The peers are installed by the \
         benchmark into its cache (`{}`), nowhere else. The analysis at the end is written by \
         hand and kept across runs: check its figures against the tables when they change.\n",
        r.cache
    );
    if let Some(m) = &r.machine {
        let _ = writeln!(out, "## Machine\n\n| | |\n|---|---|");
        for (k, v) in [
            ("CPU", &m.cpu),
            ("cores", &m.cores),
            ("memory", &m.memory),
            ("OS", &m.os),
        ] {
            let _ = writeln!(out, "| {k} | {v} |");
        }
        out.push('\n');
    }
    if let Some(v) = &r.versions {
        let _ = writeln!(out, "## Tools\n\n| tool | version |\n|---|---|");
        for (k, v) in &v.rows {
            let _ = writeln!(out, "| {k} | {v} |");
        }
        out.push('\n');
    }
}

/// One target: what it asks, what was measured, whether it is met (`None`: not measured).
struct Target {
    what: &'static str,
    aim: &'static str,
    measured: String,
    met: Option<bool>,
}

fn targets(out: &mut String, r: &Results) {
    let mut rows = Vec::new();
    let generation = r
        .generation
        .as_ref()
        .and_then(|docs| docs.iter().find(|d| d.document.name == STABLE));
    let gen_ratio = generation.and_then(|d| {
        let median = |t: Tool| d.outcome(t).and_then(|o| o.samples.median());
        ratio_value(median(Tool::Ours), median(Tool::Progenitor))
    });
    rows.push(Target {
        what: "generation time, stable document",
        aim: "≤ 0.33× progenitor's",
        measured: gen_ratio.map_or("not measured".to_owned(), |v| format!("{v:.2}×")),
        met: gen_ratio.map(|v| v <= 1.0 / 3.0),
    });
    let compiled = |tool: Tool| {
        r.compile.as_ref().and_then(|all| {
            all.iter()
                .find(|m| m.subject.tool == tool && !m.subject.diagnostic && m.failure.is_none())
        })
    };
    for (what, step) in [
        (
            "full recompile of the generated crate, `cargo check`",
            "check",
        ),
        (
            "full recompile of the generated crate, `cargo build`",
            "build",
        ),
    ] {
        let pick = |m: &Measured| {
            if step == "check" {
                m.check.median()
            } else {
                m.build.median()
            }
        };
        let v = match (compiled(Tool::Ours), compiled(Tool::Progenitor)) {
            (Some(o), Some(p)) => ratio_value(pick(o), pick(p)),
            _ => None,
        };
        rows.push(Target {
            what,
            aim: "≤ 1.00× progenitor's",
            measured: v.map_or("not measured".to_owned(), |v| format!("{v:.2}×")),
            met: v.map(|v| v <= 1.0),
        });
    }
    let number = |key: &str| r.summary.get(key).and_then(|v| v.parse::<f64>().ok());
    let throughput = number("client.throughput_ratio");
    rows.push(Target {
        what: "client throughput, paged list call",
        aim: "≥ 0.95× hand-written reqwest",
        measured: throughput.map_or("not measured".to_owned(), |v| format!("{v:.3}×")),
        met: throughput.map(|v| v >= 0.95),
    });
    let limit = number("limiter.limit");
    let busiest = number("limiter.client.busiest");
    let server_busiest = number("limiter.server.busiest");
    rows.push(Target {
        what: "limiter: busiest one-second window (client side; server side)",
        aim: "never over the limit",
        measured: match (busiest, server_busiest, limit) {
            (Some(c), Some(s), Some(l)) => format!("{c:.0}; {s:.0} (limit {l:.0})"),
            _ => "not measured".to_owned(),
        },
        met: busiest.zip(limit).map(|(b, l)| b <= l),
    });
    let utilization = number("limiter.client.utilization");
    rows.push(Target {
        what: "limiter: utilization (100 tasks at 10 req/s)",
        aim: "≥ 0.98",
        measured: utilization.map_or("not measured".to_owned(), |v| format!("{v:.3}")),
        met: utilization.map(|v| v >= 0.98),
    });
    fleet_targets(&mut rows, &number);
    limit_targets(&mut rows, r.limit.as_ref());
    let _ = writeln!(
        out,
        "## Targets\n\n| target | aim | measured | |\n|---|---|---:|---|"
    );
    for t in rows {
        let verdict = match t.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "–",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {verdict} |",
            t.what, t.aim, t.measured
        );
    }
    out.push('\n');
}

fn generation(out: &mut String, r: &Results) {
    let _ = writeln!(out, "## 1. Generation speed\n");
    let Some(docs) = &r.generation else {
        let _ = writeln!(out, "Skipped in this run.\n");
        return;
    };
    let _ = writeln!(
        out,
        "Whole-process wall time from start to exit, output directory removed before each run \
         (untimed). Ours is the release-built xtask binary run directly \
         (`xtask generate --spec … --out … --name …`), progenitor is `cargo-progenitor \
         progenitor -i … -o … -n … -v 0.1.0` (the binary cargo would run, default settings: \
         positional interface, merged tags), openapi-generator is `openapi-generator-cli \
         generate -g rust -i … -o … --additional-properties=packageName=…,packageVersion=0.1.0` \
         (Python wrapper, then a JVM on the bundled jar; without `packageVersion` the crate's \
         version is `<info.version>.0.0`, which cargo refuses). Each \
         round runs every tool once, in a rotating order. \"Compiles\" is a `cargo check` of \
         the crate written by the last run.\n"
    );
    for doc in docs {
        let file = doc
            .document
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(out, "### {} (`{file}`)\n", doc.document.name);
        let _ = writeln!(
            out,
            "| generator | runs | wall time: median (min – max) | ratio to progenitor | compiles |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---|");
        let baseline = doc
            .outcome(Tool::Progenitor)
            .and_then(|o| o.samples.median());
        let mut notes = Vec::new();
        for o in &doc.outcomes {
            let (time, ratio_text) = if let Some(failure) = &o.failure {
                notes.push(format!(
                    "**{}** failed:\n\n```text\n{failure}\n```\n",
                    o.tool.label()
                ));
                ("**generation failed** (below)".to_owned(), "–".to_owned())
            } else {
                (o.samples.describe(), ratio(o.samples.median(), baseline))
            };
            let compiles = match &o.check {
                None => "–".to_owned(),
                Some(Ok(())) => "yes".to_owned(),
                Some(Err(errors)) => {
                    notes.push(format!(
                        "**{}**'s crate does not compile:\n\n```text\n{errors}\n```\n",
                        o.tool.label()
                    ));
                    "**no** (below)".to_owned()
                }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {time} | {ratio_text} | {compiles} |",
                o.tool.label(),
                o.samples.len()
            );
        }
        out.push('\n');
        for note in notes {
            let _ = writeln!(out, "{note}");
        }
    }
}

fn compile(out: &mut String, r: &Results) {
    let _ = writeln!(
        out,
        "## 2. Generated code size and compile cost ({STABLE})\n"
    );
    let Some(all) = &r.compile else {
        let _ = writeln!(out, "Skipped in this run.\n");
        return;
    };
    let _ = writeln!(
        out,
        "Lines of Rust under each crate's `src/` (code: neither blank nor a `//` comment; doc \
         comments are comments). Ours is the generated code; its runtime is the `amperity-runtime` \
         dependency (its lines shown apart), as progenitor's is the `progenitor-client` \
         dependency (not counted). Each crate has a target \
         directory of its own; `CARGO_INCREMENTAL=0` throughout; dev profile. **Cold**: a \
         fresh target directory, `cargo build`, every dependency compiled (sources already \
         downloaded); packages are cargo's `Compiling` lines. **Recompile**: dependencies \
         built, every `.rs` file of the crate touched, then `cargo check` (resp. `cargo \
         build`), which compiles the crate alone. Cells are median (min – max); ratios are to \
         progenitor's median.{}\n",
        if r.cold_skipped {
            " Cold builds were skipped in this run."
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "| crate | TLS stack | .rs files | lines (code) | cold build | packages | recompile: check | ratio | recompile: build | ratio |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let progenitor = all
        .iter()
        .find(|m| m.subject.tool == Tool::Progenitor && m.failure.is_none());
    let base = |f: fn(&Measured) -> Option<Duration>| progenitor.and_then(f);
    let mut notes = Vec::new();
    for m in all {
        for note in &m.notes {
            notes.push(format!("{}: {note}.\n", m.subject.label));
        }
        let label = if m.subject.diagnostic {
            format!("*{}*", m.subject.label)
        } else {
            m.subject.label.clone()
        };
        let mut lines = format!("{} ({})", m.lines.total, m.lines.code);
        if let Some(rt) = m.runtime_lines {
            let _ = write!(lines, "; runtime crate {} ({})", rt.total, rt.code);
        }
        if let Some(failure) = &m.failure {
            notes.push(format!(
                "**{}** failed to build:\n\n```text\n{failure}\n```\n",
                m.subject.label
            ));
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {lines} | **failed** (below) | – | – | – | – | – |",
                m.subject.tls, m.lines.files
            );
            continue;
        }
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {lines} | {} | {} | {} | {} | {} | {} |",
            m.subject.tls,
            m.lines.files,
            m.cold.describe(),
            m.packages.map_or("–".to_owned(), |p| p.to_string()),
            m.check.describe(),
            ratio(m.check.median(), base(|p| p.check.median())),
            m.build.describe(),
            ratio(m.build.median(), base(|p| p.build.median())),
        );
    }
    out.push('\n');
    if let Some(p) = progenitor {
        let cold = |m: &Measured| stats::ratio(m.cold.median(), p.cold.median());
        let rows: Vec<String> = all
            .iter()
            .filter(|m| {
                m.failure.is_none() && m.subject.tool != Tool::Progenitor && !m.cold.is_empty()
            })
            .map(|m| format!("{} {}", m.subject.label, cold(m)))
            .collect();
        if !rows.is_empty() {
            let _ = writeln!(
                out,
                "Cold build as a ratio to progenitor's: {}.\n",
                rows.join("; ")
            );
        }
    }
    for note in notes {
        let _ = writeln!(out, "{note}");
    }
}

fn runtime(out: &mut String, r: &Results) {
    let _ = writeln!(out, "## 3. Client overhead\n");
    quote(out, r.client.as_ref());
    let _ = writeln!(out, "## 4. Runtime quality\n");
    quote(out, r.limiter.as_ref());
    quote(out, r.memory.as_ref());
    let _ = writeln!(out, "## 5. Fleet-wide rate limiter (Redis)\n");
    quote(out, r.fleet.as_ref());
}

/// The fleet limiter's targets: a Redis acquire's p99 on loopback, and no fleet of 1 to
/// 8 processes over the limit at the server.
fn fleet_targets(rows: &mut Vec<Target>, number: &impl Fn(&str) -> Option<f64>) {
    let p99 = number("fleet.acquire.p99_us");
    rows.push(Target {
        what: "fleet limiter: p99 of one `acquire()` on Redis (loopback)",
        aim: "≤ 1 ms",
        measured: p99.map_or("not measured".to_owned(), |v| format!("{v:.0} µs")),
        met: p99.map(|v| v <= 1000.0),
    });
    let limit = number("fleet.limit");
    let busiest: Vec<(u32, Option<f64>)> = [1, 2, 4, 8]
        .into_iter()
        .map(|n| (n, number(&format!("fleet.p{n}.busiest"))))
        .collect();
    let measured = busiest
        .iter()
        .map(|(n, b)| format!("{n}: {}", b.map_or("–".to_owned(), |b| format!("{b:.0}"))))
        .collect::<Vec<_>>()
        .join(", ");
    rows.push(Target {
        what: "fleet limiter: busiest one-second window at the server, by processes",
        aim: "never over the limit",
        measured: match limit {
            Some(l) if busiest.iter().any(|(_, b)| b.is_some()) => {
                format!("{measured} (limit {l:.0})")
            }
            _ => "not measured".to_owned(),
        },
        met: limit.and_then(|l| {
            let all: Option<Vec<f64>> = busiest.iter().map(|(_, b)| *b).collect();
            all.map(|all| all.iter().all(|&b| b <= l))
        }),
    });
}

/// The limit document's targets: our whole process within 1 s and 150 MiB.
fn limit_targets(rows: &mut Vec<Target>, limit: Option<&LimitResult>) {
    let ours = limit.and_then(|l| l.outcome(Tool::Ours));
    let wall = ours.and_then(|o| o.wall.median());
    rows.push(Target {
        what: "generation time, 5,000-operation document (whole process)",
        aim: "≤ 1 s",
        measured: wall.map_or("not measured".to_owned(), stats::secs),
        met: wall.map(|w| w.as_secs_f64() <= 1.0),
    });
    let peak = ours.and_then(|o| o.peak_median());
    rows.push(Target {
        what: "peak memory, 5,000-operation document (whole process)",
        aim: "≤ 150 MiB",
        measured: peak.map_or("not measured".to_owned(), limit::mib),
        met: peak.map(|p| p <= 150 << 20),
    });
}

/// Part 6: both tools on the limit document, time and memory.
fn limit_section(out: &mut String, r: &Results) {
    let _ = writeln!(out, "## 6. The limit document: 5,000 operations\n");
    let Some(l) = &r.limit else {
        let _ = writeln!(out, "Skipped in this run.\n");
        return;
    };
    let _ = writeln!(
        out,
        "A synthetic OpenAPI 3.0 document with exactly `limits::MAX_OPERATIONS` = {} \
         operations, the most the generator accepts ({:.1} MiB of JSON, written by the \
         benchmark to `{}` from `xtask/src/bench/synthetic.rs`): 1,000 resources of five \
         operations each, path and query parameters, JSON bodies and answers referring to \
         component schemas, enums, descriptions. Whole process from start to exit, run as \
         in part 1, output directory removed before each run; peak RSS is the process's \
         peak resident set size as the kernel reports it to the parent that waits for it \
         (`getrusage(RUSAGE_CHILDREN)` in a wrapper process of its own). Each round runs \
         each tool once, in a rotating order; openapi-generator is left out (a JVM on this \
         document takes too long to repeat). Cells are median (min – max).\n",
        l.operations,
        l.bytes as f64 / f64::from(1 << 20),
        l.path.display()
    );
    let _ = writeln!(
        out,
        "| generator | runs | wall time | ratio to progenitor | peak RSS | ratio to progenitor |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let progenitor = l.outcome(Tool::Progenitor);
    let base_wall = progenitor.and_then(|o| o.wall.median());
    let base_peak = progenitor.and_then(|o| o.peak_median());
    let mut notes = Vec::new();
    for o in &l.outcomes {
        if let Some(failure) = &o.failure {
            let what = if o.panicked { "panicked" } else { "failed" };
            notes.push(format!(
                "**{}** {what} on this document:\n\n```text\n{failure}\n```\n",
                o.tool.label()
            ));
            let _ = writeln!(
                out,
                "| {} | {} | **{what}** (below) | – | – | – |",
                o.tool.label(),
                o.wall.len() + 1
            );
            continue;
        }
        let peak = match (o.peak_median(), o.peak_range()) {
            (Some(m), Some((lo, hi))) => {
                format!(
                    "{} ({} – {})",
                    limit::mib(m),
                    limit::mib(lo),
                    limit::mib(hi)
                )
            }
            _ => "–".to_owned(),
        };
        let peak_ratio = match (o.peak_median(), base_peak) {
            (Some(p), Some(b)) if b > 0 => format!("{:.2}×", p as f64 / b as f64),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {peak} | {peak_ratio} |",
            o.tool.label(),
            o.wall.len(),
            o.wall.describe(),
            ratio(o.wall.median(), base_wall),
        );
    }
    out.push('\n');
    for note in notes {
        let _ = writeln!(out, "{note}");
    }
}

/// The line a partial run adds to an earlier report's head: what it replaced, when, at
/// which commit.
fn partial_note(r: &Results) -> String {
    let commit = r
        .versions
        .as_ref()
        .and_then(|v| v.rows.iter().find(|(k, _)| k == "ours (commit)"))
        .map_or("unknown", |(_, v)| v.as_str());
    format!(
        "Partial run of {}: `{}` on {} at {commit} (it took {:.0} s) replaced their sections \
         and targets; the rest is from the run above.",
        r.partial
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", "),
        r.command,
        r.started,
        r.elapsed.as_secs_f64()
    )
}

fn quote(out: &mut String, printed: Option<&Printed>) {
    match printed {
        None => {
            let _ = writeln!(out, "Skipped in this run.\n");
        }
        Some(p) => {
            let _ = writeln!(out, "`{}`:\n\n{}\n", p.command, p.markdown);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analysis_below_the_marker_is_kept() {
        let results = Results {
            command: "cargo xtask bench".to_owned(),
            ..Results::default()
        };
        let first = render(&results, None);
        assert!(first.contains(ANALYSIS_MARKER));
        assert!(first.contains("(Not written yet.)"));
        let edited = first.replace("(Not written yet.)", "Our time goes to rustc.");
        let second = render(&results, Some(&edited));
        assert!(second.contains("Our time goes to rustc."), "{second}");
        assert!(!second.contains("(Not written yet.)"));
        assert_eq!(second.matches(ANALYSIS_MARKER).count(), 1);
        assert!(second.contains(
            "| generation time, stable document | ≤ 0.33× progenitor's | not measured | – |"
        ));
    }
}
