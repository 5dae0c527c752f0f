//! A partial run written into an earlier report: the sections and target rows of the parts
//! it ran replace the earlier ones, everything else is kept, and the head says which parts
//! were re-run, when and at which commit. So one part (`--only limit`) can be re-measured
//! without losing the figures of a full run that took half an hour.

/// The report's numbered sections and the parts that write each.
const SECTIONS: &[(&str, &[&str])] = &[
    ("## 1.", &["generation"]),
    ("## 2.", &["compile", "cold"]),
    ("## 3.", &["client"]),
    ("## 4.", &["limiter", "memory"]),
    ("## 5.", &["fleet"]),
    ("## 6.", &["limit"]),
];

/// What a partial run's note starts with, so that a later run of the same parts replaces it.
const NOTE_PREFIX: &str = "Partial run of ";

/// `new` (this run's report, above the analysis marker) merged into `previous` (a whole
/// earlier report): see the module's documentation. `parts` are the parts this run ran.
pub fn merge(new: &str, previous: &str, parts: &[&str], note: &str) -> String {
    let previous = previous
        .split_once(super::report::ANALYSIS_MARKER)
        .map_or(previous, |(top, _)| top);
    let (_, new_sections) = split(new);
    let (previous_head, previous_sections) = split(previous);
    let mut out = String::new();
    for line in previous_head.lines() {
        // An earlier note about the same parts (or fewer) is outdated by this run.
        let outdated = line.strip_prefix(NOTE_PREFIX).is_some_and(|rest| {
            let named = rest.split_once(':').map_or("", |(names, _)| names);
            named
                .split(", ")
                .all(|p| parts.contains(&p.trim_matches('`')))
        });
        if !outdated {
            out.push_str(line);
            out.push('\n');
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out.push('\n');
    out.push_str(note);
    out.push_str("\n\n");
    for (heading, body) in &new_sections {
        let earlier = previous_sections
            .iter()
            .find(|(h, _)| key(h) == key(heading))
            .map(|(_, b)| b.as_str());
        let measured = SECTIONS
            .iter()
            .find(|(prefix, _)| heading.starts_with(prefix))
            .is_some_and(|(_, writers)| writers.iter().any(|w| parts.contains(w)));
        let body = match earlier {
            Some(earlier) if heading == "## Targets" => targets(body, earlier),
            Some(earlier) if !measured => earlier.to_owned(),
            _ => body.clone(),
        };
        let heading = match previous_sections
            .iter()
            .find(|(h, _)| key(h) == key(heading))
        {
            Some((earlier, _)) if !measured && heading != "## Targets" => earlier,
            _ => heading,
        };
        out.push_str(heading);
        out.push('\n');
        out.push_str(&body);
    }
    out.trim_end().to_owned() + "\n"
}

/// The text before the first `## ` heading, and each `## ` section (heading line, body).
fn split(text: &str) -> (String, Vec<(String, String)>) {
    let mut head = String::new();
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("## ") {
            sections.push((line.to_owned(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        } else {
            head.push_str(line);
            head.push('\n');
        }
    }
    (head, sections)
}

/// What identifies a section across runs: its number (`## 2.`; the rest may name the
/// document), or the whole heading.
fn key(heading: &str) -> &str {
    SECTIONS
        .iter()
        .find(|(prefix, _)| heading.starts_with(prefix))
        .map_or(heading, |(prefix, _)| prefix)
}

/// The targets table: this run's rows where it measured them, the earlier rows elsewhere.
fn targets(new: &str, earlier: &str) -> String {
    let what = |line: &str| line.split(" | ").next().map(str::to_owned);
    new.lines()
        .map(|line| {
            let kept = line
                .contains("| not measured |")
                .then(|| {
                    earlier
                        .lines()
                        .find(|e| e.starts_with("| ") && what(e) == what(line))
                })
                .flatten();
            format!("{}\n", kept.unwrap_or(line))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::ANALYSIS_MARKER;

    const EARLIER: &str = "# Benchmarks\n\nWritten by `cargo xtask bench` on day 1.\n\n\
        Partial run of `limit`: old note.\n\n\
        ## Machine\n\n| CPU | old |\n\n\
        ## Targets\n\n| target | aim | measured | |\n|---|---|---:|---|\n\
        | generation time | ≤ 0.33× | 0.10× | met |\n| limit time | ≤ 1 s | 2.20 s | **missed** |\n\n\
        ## 1. Generation speed\n\nold generation table\n\n\
        ## 6. The limit document: 5,000 operations\n\nold limit table\n\n";

    const NEW: &str = "# Benchmarks\n\nWritten by `cargo xtask bench --only limit` on day 2.\n\n\
        ## Machine\n\n| CPU | new |\n\n\
        ## Targets\n\n| target | aim | measured | |\n|---|---|---:|---|\n\
        | generation time | ≤ 0.33× | not measured | – |\n| limit time | ≤ 1 s | 0.80 s | met |\n\n\
        ## 1. Generation speed\n\nSkipped in this run.\n\n\
        ## 6. The limit document: 5,000 operations\n\nnew limit table\n";

    #[test]
    fn a_partial_run_replaces_its_sections_and_keeps_the_rest() {
        let previous = format!("{EARLIER}{ANALYSIS_MARKER}\n\nanalysis\n");
        let merged = merge(NEW, &previous, &["limit"], "Partial run of `limit`: day 2.");
        assert!(
            merged.contains("Written by `cargo xtask bench` on day 1."),
            "{merged}"
        );
        assert!(
            merged.contains("Partial run of `limit`: day 2."),
            "{merged}"
        );
        assert!(!merged.contains("old note"), "{merged}");
        assert!(merged.contains("| CPU | old |"), "{merged}");
        assert!(
            merged.contains("| generation time | ≤ 0.33× | 0.10× | met |"),
            "{merged}"
        );
        assert!(
            merged.contains("| limit time | ≤ 1 s | 0.80 s | met |"),
            "{merged}"
        );
        assert!(merged.contains("old generation table"), "{merged}");
        assert!(!merged.contains("Skipped in this run."), "{merged}");
        assert!(merged.contains("new limit table"), "{merged}");
        assert!(!merged.contains("old limit table"), "{merged}");
        assert!(!merged.contains("analysis"), "{merged}");
    }

    #[test]
    fn a_section_the_earlier_report_lacks_is_added() {
        let earlier = EARLIER.replace(
            "## 6. The limit document: 5,000 operations\n\nold limit table\n\n",
            "",
        );
        let merged = merge(NEW, &earlier, &["limit"], "Partial run of `limit`: day 2.");
        let generation = merged.find("## 1. Generation speed").unwrap();
        let limit = merged.find("## 6. The limit document").unwrap();
        assert!(generation < limit, "{merged}");
        assert!(merged.contains("new limit table"), "{merged}");
    }
}
