//! What `starlane test` prints: cargo-test-style lines and failure sections for people, JUnit
//! XML for CI systems. Both are built from the results alone (virtual times, not wall times), so
//! the same run prints the same bytes; the wall time is only on the human summary line.

use std::fmt::Write as _;
use std::time::Duration;

use crate::run::CaseResult;

/// `test hello::greets ... ok`
pub fn case_line(result: &CaseResult) -> String {
    format!(
        "test {} ... {}",
        result.full_name(),
        if result.passed() { "ok" } else { "FAILED" }
    )
}

/// The failure sections and the summary, after the case lines.
pub fn summary(results: &[CaseResult], wall: Option<Duration>) -> String {
    let mut out = String::new();
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed()).collect();
    if !failed.is_empty() {
        out.push_str("\nfailures:\n");
        for r in &failed {
            out.push_str(&failure(r));
        }
        out.push_str("\nfailures:\n");
        for r in &failed {
            let _ = writeln!(out, "    {}", r.full_name());
        }
    }
    let _ = write!(
        out,
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        results.len() - failed.len(),
        failed.len()
    );
    if let Some(wall) = wall {
        let _ = write!(out, "; finished in {:.2}s", wall.as_secs_f64());
    }
    out.push('\n');
    out
}

/// One failed case: where it is, each step that went wrong, and the `.bind` line in force.
pub fn failure(r: &CaseResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n---- {} ({}:{}) ----",
        r.full_name(),
        r.path.display(),
        r.line
    );
    for (i, step) in r.steps.iter().enumerate() {
        if step.mismatches.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "step {} ({}:{}): {}",
            i + 1,
            r.path.display(),
            step.line,
            step.sent
        );
        for m in &step.mismatches {
            if m.detail.contains('\n') {
                let _ = writeln!(out, "  {}:", m.what);
                for line in m.detail.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            } else {
                let _ = writeln!(out, "  {}: {}", m.what, m.detail);
            }
        }
        if let Some(failure) = step.outcome.as_ref().and_then(|o| o.error.as_ref()) {
            let _ = writeln!(
                out,
                "  the answer was {} ({}): {}",
                failure.code, failure.stage, failure.message
            );
            if let Some(bind) = &failure.bind {
                let _ = writeln!(out, "  in force: {bind}");
            }
        }
    }
    for f in &r.failures {
        let _ = writeln!(out, "  {f}");
    }
    out
}

/// JUnit XML (the subset CI systems read: testsuites/testsuite/testcase/failure).
pub fn junit(results: &[CaseResult]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures = results.iter().filter(|r| !r.passed()).count();
    let _ = writeln!(
        out,
        "<testsuites name=\"starlane test\" tests=\"{}\" failures=\"{failures}\">",
        results.len()
    );
    let mut suites: Vec<&str> = results.iter().map(|r| r.suite.as_str()).collect();
    suites.dedup();
    for suite in suites {
        let cases: Vec<&CaseResult> = results.iter().filter(|r| r.suite == suite).collect();
        let failed = cases.iter().filter(|r| !r.passed()).count();
        let time: f64 = cases.iter().map(|r| r.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" time=\"{time:.3}\">",
            escape(suite),
            cases.len()
        );
        for r in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\"",
                escape(&r.name),
                escape(&r.suite),
                escape(&r.path.display().to_string()),
                r.line,
                r.elapsed.as_secs_f64()
            );
            if r.passed() {
                out.push_str("/>\n");
            } else {
                let text = failure(r);
                let first = text.lines().nth(2).unwrap_or("failed").trim();
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape(first),
                    escape(&text)
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
