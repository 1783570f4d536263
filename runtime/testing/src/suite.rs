//! Test files (`tests/*.toml` beside the bundle, `specs/testing.md` §2): the cases, what each
//! sends and expects, and the stand-ins that replace dependencies. Unknown keys are errors (a
//! misspelt `expect` must not make a case pass); every error names the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

/// One test file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// Context-name bindings for every case (over `starlane.toml`'s `[run] bind`).
    #[serde(default)]
    pub bind: BTreeMap<String, String>,
    /// Stand-ins for every case, by context name or mechtron address.
    #[serde(default)]
    pub mocks: BTreeMap<String, MockSpec>,
    /// The seed of the guests' random source (default 0).
    #[serde(default)]
    pub seed: u64,
    #[serde(default, rename = "case")]
    pub cases: Vec<CaseSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    pub name: Spanned<String>,
    /// One HTTP request (or use `message`, or `steps` for several).
    pub request: Option<HttpRequest>,
    /// One message to a point.
    pub message: Option<PointMessage>,
    pub expect: Option<Spanned<Expect>>,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Outbound calls that must have been made (and answered or failed, not refused).
    #[serde(default)]
    pub calls: Vec<CallExpect>,
    /// Outbound calls that must have been refused.
    #[serde(default)]
    pub denied: Vec<CallExpect>,
    #[serde(default)]
    pub bind: BTreeMap<String, String>,
    #[serde(default)]
    pub mocks: BTreeMap<String, MockSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub request: Option<HttpRequest>,
    pub message: Option<PointMessage>,
    pub expect: Option<Spanned<Expect>>,
}

/// An HTTP request to the bundle's HTTP bind, through the real ingress.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequest {
    #[serde(default = "get")]
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub json: Option<Value>,
    /// Sent as this caller (an identity point); anonymous when absent.
    pub caller: Option<String>,
}

fn get() -> String {
    "GET".into()
}

fn root() -> String {
    "/".into()
}

/// A message to a mechtron, as another mechtron or an outside caller would send it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointMessage {
    /// The mechtron's address: `localhost:profiles`.
    pub to: String,
    /// `Ext<Save>`, `Cmd<Read>`, `Http<Get>`.
    pub method: String,
    #[serde(default = "root")]
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub json: Option<Value>,
    pub caller: Option<String>,
    pub caller_kind: Option<String>,
}

/// What must come back. Every field is optional; an empty `expect` only needs an answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: Option<u16>,
    /// Headers that must be present with these values (names without case).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The exact body.
    pub body: Option<String>,
    /// A JSON body containing at least this (objects: these keys, recursively; arrays: equal).
    pub json: Option<Value>,
    /// A JSON Schema the JSON body must satisfy.
    pub schema: Option<Value>,
    /// The error code of a failure (`E0205`).
    pub code: Option<String>,
    /// The stage of a failure (`validate`, `grant`, …).
    pub stage: Option<String>,
}

/// An outbound call, matched by target (exact, or a prefix ending in `:`), op and count.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallExpect {
    pub target: String,
    pub op: Option<String>,
    /// Exactly this many (default: at least one).
    pub count: Option<usize>,
    /// The error code of a refused or failed call.
    pub code: Option<String>,
}

/// A stand-in for a dependency: scripted answers, or answers generated from the port's
/// response schema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockSpec {
    /// Virtual time every answer takes (`2s`), unless the answer says otherwise.
    pub delay: Option<String>,
    #[serde(default)]
    pub answers: Vec<MockAnswer>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockAnswer {
    /// Matches the port name or the method (`save-profile`, `Ext<Hello>`); any when absent.
    pub op: Option<String>,
    /// Matches the path exactly; any when absent.
    pub path: Option<String>,
    pub status: Option<u16>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub json: Option<Value>,
    /// Answer with a value generated from the port's response schema.
    #[serde(default)]
    pub generate: bool,
    pub delay: Option<String>,
    /// Fail like a guest that reports an error: `{ code = "E1", message = "…" }`.
    pub fail: Option<MockFailure>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockFailure {
    pub code: String,
    pub message: String,
}

/// A loaded test file: its path (as shown), text (for line numbers and `--update`) and model.
#[derive(Debug, Clone)]
pub struct Suite {
    pub path: PathBuf,
    /// The name cases are shown under: the file's stem (`hello` for `tests/hello.toml`).
    pub name: String,
    pub text: String,
    pub file: SuiteFile,
}

/// A test file that cannot be used, with the line at fault.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct SuiteError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl Suite {
    pub fn parse(path: &Path, text: &str) -> Result<Suite, SuiteError> {
        let file: SuiteFile = toml::from_str(text).map_err(|e| SuiteError {
            path: path.to_path_buf(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let suite = Suite {
            path: path.to_path_buf(),
            name: path
                .file_stem()
                .map_or_else(|| "tests".into(), |s| s.to_string_lossy().into_owned()),
            text: text.to_string(),
            file,
        };
        suite.check()?;
        Ok(suite)
    }

    /// The 1-based line of a byte offset in this file.
    pub fn line(&self, offset: usize) -> usize {
        line_of(&self.text, offset)
    }

    /// What serde cannot say: every case sends something, names are unique, durations parse.
    fn check(&self) -> Result<(), SuiteError> {
        let error = |offset: usize, message: String| SuiteError {
            path: self.path.clone(),
            line: self.line(offset),
            message,
        };
        let mut seen = BTreeMap::new();
        for case in &self.file.cases {
            let at = case.name.span().start;
            let name = case.name.get_ref();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                return Err(error(
                    at,
                    format!("case name `{name}` must be letters, digits, `_` and `-`"),
                ));
            }
            if let Some(first) = seen.insert(name.clone(), at) {
                return Err(error(
                    at,
                    format!(
                        "a second case named `{name}` (the first is on line {})",
                        self.line(first)
                    ),
                ));
            }
            let steps = case_steps(case);
            if steps.is_empty() {
                return Err(error(
                    at,
                    format!(
                        "case `{name}` sends nothing: give it a `request`, a `message` or `steps`"
                    ),
                ));
            }
            if (case.request.is_some() || case.message.is_some() || case.expect.is_some())
                && !case.steps.is_empty()
            {
                return Err(error(
                    at,
                    format!(
                        "case `{name}` has both `steps` and a `request`/`message`/`expect` of its own: use one form"
                    ),
                ));
            }
            for step in &steps {
                match (&step.request, &step.message) {
                    (Some(_), Some(_)) => {
                        return Err(error(
                            at,
                            format!(
                                "case `{name}`: a step sends a `request` or a `message`, not both"
                            ),
                        ));
                    }
                    (None, None) => {
                        return Err(error(
                            at,
                            format!(
                                "case `{name}`: a step has nothing to send (`request` or `message`)"
                            ),
                        ));
                    }
                    _ => {}
                }
                let bodies =
                    |body: &Option<String>, json: &Option<Value>| body.is_some() && json.is_some();
                let two_bodies = step
                    .request
                    .as_ref()
                    .is_some_and(|r| bodies(&r.body, &r.json))
                    || step
                        .message
                        .as_ref()
                        .is_some_and(|m| bodies(&m.body, &m.json));
                if two_bodies {
                    return Err(error(
                        at,
                        format!("case `{name}`: give the body as `body` or as `json`, not both"),
                    ));
                }
            }
            for (mock, spec) in self.file.mocks.iter().chain(&case.mocks) {
                let delays = spec
                    .delay
                    .iter()
                    .chain(spec.answers.iter().filter_map(|a| a.delay.as_ref()));
                for d in delays {
                    crate::duration::parse(d)
                        .map_err(|e| error(at, format!("mock `{mock}`: {e}")))?;
                }
            }
        }
        Ok(())
    }
}

/// A case's steps: its own `request`/`message` and `expect`, or its `steps`.
pub fn case_steps(case: &CaseSpec) -> Vec<Step> {
    if case.request.is_some() || case.message.is_some() {
        return vec![Step {
            request: case.request.clone(),
            message: case.message.clone(),
            expect: case.expect.clone(),
        }];
    }
    case.steps.clone()
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Every `*.toml` file of `dir/tests`, in name order.
pub fn load_dir(project: &Path) -> Result<Vec<Suite>, SuiteError> {
    let dir = project.join("tests");
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| SuiteError {
                path: path.clone(),
                line: 1,
                message: format!("cannot read the file: {e}"),
            })?;
            Suite::parse(path, &text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Suite, SuiteError> {
        Suite::parse(Path::new("tests/t.toml"), text)
    }

    #[test]
    fn a_misspelt_key_is_an_error_on_its_line() {
        let e = parse(
            "[[case]]\nname = \"a\"\nrequest = { path = \"/\" }\nexpcet = { status = 200 }\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("expcet"), "{e}");
    }

    #[test]
    fn duplicate_names_and_empty_cases_are_refused() {
        let e = parse("[[case]]\nname = \"a\"\nrequest = { path = \"/\" }\n[[case]]\nname = \"a\"\nrequest = { path = \"/\" }\n").unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("line 2"), "{e}");
        let e = parse("[[case]]\nname = \"b\"\n").unwrap_err();
        assert!(e.message.contains("sends nothing"), "{e}");
        let e = parse("[[case]]\nname = \"c\"\nrequest = { path = \"/\" }\nmocks.hello = { delay = \"2 weeks\" }\n").unwrap_err();
        assert!(e.message.contains("2 weeks"), "{e}");
    }

    #[test]
    fn steps_are_the_case_or_its_list() {
        let s = parse("[[case]]\nname = \"a\"\n[[case.steps]]\nrequest = { path = \"/a\" }\n[[case.steps]]\nmessage = { to = \"localhost:x\", method = \"Ext<Go>\" }\nexpect = { status = 200 }\n").unwrap();
        let steps = case_steps(&s.file.cases[0]);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1].message.as_ref().unwrap().path, "/");
    }
}
