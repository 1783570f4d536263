//! Comparing what came back with what a case expects: each difference is a [`Mismatch`] that
//! says what was expected and what came, with a unified diff for bodies.

use serde_json::Value;
use starlane_runtime::harness::{CallOutcome, CallRecord};

use crate::run::Outcome;
use crate::suite::{CallExpect, Expect};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What differs: `status`, `body`, `header content-type`, …
    pub what: String,
    pub detail: String,
}

impl Mismatch {
    pub fn plain(what: &str, detail: String) -> Mismatch {
        Mismatch {
            what: what.to_string(),
            detail,
        }
    }
}

fn expected_got(
    what: &str,
    expected: impl std::fmt::Display,
    got: impl std::fmt::Display,
) -> Mismatch {
    Mismatch::plain(what, format!("expected {expected}, got {got}"))
}

/// A unified diff of two texts, `expected` first.
pub fn diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

/// Every way `outcome` differs from `expect`.
pub fn compare(expect: &Expect, outcome: &Outcome) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(status) = expect.status
        && status != outcome.status
    {
        out.push(expected_got("status", status, outcome.status));
    }
    for (name, want) in &expect.headers {
        let got = outcome
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        if got != Some(want.as_str()) {
            out.push(expected_got(
                &format!("header {name}"),
                format!("`{want}`"),
                got.map_or("no such header".to_string(), |g| format!("`{g}`")),
            ));
        }
    }
    let text = String::from_utf8_lossy(&outcome.body);
    if let Some(want) = &expect.body
        && want.as_bytes() != outcome.body.as_slice()
    {
        out.push(Mismatch::plain(
            "body",
            diff(&with_newline(want), &with_newline(&text)),
        ));
    }
    let json: Result<Value, _> = serde_json::from_slice(&outcome.body);
    if let Some(want) = &expect.json {
        match &json {
            Ok(got) if contains(got, want) => {}
            Ok(got) => out.push(Mismatch::plain(
                "json",
                format!(
                    "the body does not contain what `json` gives\n{}",
                    diff(&pretty(want), &pretty(got))
                ),
            )),
            Err(e) => out.push(Mismatch::plain(
                "json",
                format!("the body is not JSON ({e}): {}", clip(&text)),
            )),
        }
    }
    if let Some(schema) = &expect.schema {
        match (jsonschema::validator_for(schema), &json) {
            (Err(e), _) => out.push(Mismatch::plain(
                "schema",
                format!("the expected `schema` is not a usable JSON Schema: {e}"),
            )),
            (Ok(_), Err(e)) => out.push(Mismatch::plain(
                "schema",
                format!("the body is not JSON ({e}): {}", clip(&text)),
            )),
            (Ok(validator), Ok(value)) => {
                if let Some(error) = validator.iter_errors(value).next() {
                    out.push(Mismatch::plain(
                        "schema",
                        format!(
                            "the body breaks the schema at `{}`: {error}",
                            error.instance_path()
                        ),
                    ));
                }
            }
        }
    }
    let failure = outcome.error.as_ref();
    if let Some(code) = &expect.code {
        let got = failure.map(|f| f.code.as_str());
        if got != Some(code.as_str()) {
            out.push(expected_got(
                "code",
                code,
                got.map_or_else(
                    || format!("success ({})", outcome.status),
                    |g| format!("{g} ({})", failure.map_or("", |f| f.message.as_str())),
                ),
            ));
        }
    }
    if let Some(stage) = &expect.stage {
        let got = failure.map(|f| f.stage.as_str());
        if got != Some(stage.as_str()) {
            out.push(expected_got("stage", stage, got.unwrap_or("no failure")));
        }
    }
    out
}

/// Whether `got` contains `want`: objects by their listed keys (recursively), everything else
/// by equality (so arrays must match whole).
pub fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv))),
        // TOML has no integers-as-floats distinction problems: 1 and 1.0 are the same number.
        (Value::Number(g), Value::Number(w)) => g.as_f64() == w.as_f64(),
        _ => got == want,
    }
}

/// The case's expectations about outbound calls, against what was recorded.
pub fn calls(expected: &[CallExpect], denied: &[CallExpect], record: &[CallRecord]) -> Vec<String> {
    let mut out = Vec::new();
    let refused = |r: &CallRecord| matches!(r.outcome, CallOutcome::Refused { .. });
    for (list, want_refused, word) in [(expected, false, "made"), (denied, true, "refused")] {
        for want in list {
            let matching = record
                .iter()
                .filter(|r| refused(r) == want_refused)
                .filter(|r| target_matches(&want.target, &r.target))
                .filter(|r| want.op.as_ref().is_none_or(|op| *op == r.op))
                .filter(|r| {
                    want.code.as_ref().is_none_or(|code| match r.outcome {
                        CallOutcome::Refused { code: c } | CallOutcome::Failed { code: c } => {
                            c == code
                        }
                        CallOutcome::Answered => false,
                    })
                })
                .count();
            let ok = match want.count {
                Some(n) => matching == n,
                None => matching > 0,
            };
            if !ok {
                out.push(format!(
                    "expected {} to `{}`{}{} to be {word}, found {matching}; calls: {}",
                    want.count
                        .map_or("a call".to_string(), |n| format!("{n} call(s)")),
                    want.target,
                    want.op
                        .as_ref()
                        .map_or(String::new(), |op| format!(" ({op})")),
                    want.code
                        .as_ref()
                        .map_or(String::new(), |c| format!(" with {c}")),
                    show_calls(record)
                ));
            }
        }
    }
    out
}

/// `localhost:hello:*` matches every point under `localhost:hello`; anything else exactly.
fn target_matches(want: &str, got: &str) -> bool {
    match want.strip_suffix('*') {
        Some(prefix) => got.starts_with(prefix),
        None => want == got,
    }
}

pub fn show_calls(record: &[CallRecord]) -> String {
    if record.is_empty() {
        return "none".into();
    }
    record
        .iter()
        .map(|r| {
            let outcome = match &r.outcome {
                CallOutcome::Answered => "answered".to_string(),
                CallOutcome::Failed { code } => format!("failed {code}"),
                CallOutcome::Refused { code } => format!("refused {code}"),
            };
            format!("{} {} from {} ({outcome})", r.target, r.op, r.from)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn pretty(v: &Value) -> String {
    with_newline(&serde_json::to_string_pretty(v).unwrap_or_default())
}

fn with_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

fn clip(text: &str) -> String {
    let clipped: String = text.chars().take(200).collect();
    if clipped.len() < text.len() {
        format!("{clipped}…")
    } else {
        clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outcome(status: u16, body: &str) -> Outcome {
        Outcome {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            error: None,
        }
    }

    #[test]
    fn a_matching_answer_has_no_mismatch_and_each_difference_is_one() {
        let expect = Expect {
            status: Some(200),
            json: Some(json!({ "saved": true })),
            ..Expect::default()
        };
        assert!(compare(&expect, &outcome(200, r#"{"saved":true,"greeting":"hi"}"#)).is_empty());
        let m = compare(&expect, &outcome(201, r#"{"saved":false}"#));
        assert_eq!(
            m.iter().map(|m| m.what.as_str()).collect::<Vec<_>>(),
            ["status", "json"]
        );
        assert!(
            m[1].detail.contains("-  \"saved\": true"),
            "{}",
            m[1].detail
        );
    }

    #[test]
    fn a_different_body_is_shown_as_a_unified_diff() {
        let expect = Expect {
            body: Some("hello\n".into()),
            ..Expect::default()
        };
        let m = compare(&expect, &outcome(200, "howdy\n"));
        assert_eq!(
            m[0].detail,
            "--- expected\n+++ actual\n@@ -1 +1 @@\n-hello\n+howdy\n"
        );
    }

    #[test]
    fn an_expected_code_on_a_success_is_a_mismatch() {
        let expect = Expect {
            code: Some("E0205".into()),
            ..Expect::default()
        };
        let m = compare(&expect, &outcome(200, "{}"));
        assert_eq!(m[0].detail, "expected E0205, got success (200)");
    }

    #[test]
    fn calls_are_counted_by_target_op_and_outcome() {
        let record = |outcome| CallRecord {
            from: "profiles".into(),
            port: Some("save-profile".into()),
            binding: "hello".into(),
            target: "localhost:hello:greeting".into(),
            op: "Ext<Hello>".into(),
            outcome,
        };
        let made = [record(CallOutcome::Answered)];
        let want = |target: &str, count| CallExpect {
            target: target.into(),
            op: Some("Ext<Hello>".into()),
            count,
            code: None,
        };
        assert!(calls(&[want("localhost:hello:*", Some(1))], &[], &made).is_empty());
        assert_eq!(
            calls(&[want("localhost:hello:*", Some(2))], &[], &made).len(),
            1
        );
        assert_eq!(
            calls(&[], &[want("localhost:hello:greeting", None)], &made).len(),
            1
        );
        let refused = [record(CallOutcome::Refused { code: "E0209" })];
        assert!(calls(&[], &[want("localhost:hello:greeting", None)], &refused).is_empty());
    }
}
