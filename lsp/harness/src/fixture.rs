//! Fixtures: several virtual files and a list of requests in one text file, run against a real
//! server, with the answers rendered for people to review as snapshots.
//!
//! ```text
//! ### /main.bind
//! Bind(version=1.1.0) { … }
//! ### hover /main.bind:3:10
//! ### rename /main.bind:5:7 new-name
//! ```
//! A line starting `### /path` opens a file; `### METHOD /path[:LINE:COL] [ARG]` is a request
//! (lines and columns 1-based, columns in UTF-16 units). Methods: `hover`, `completion`,
//! `definition`, `references`, `highlight`, `rename`, `symbols`, `tokens`, `format`, `folding`,
//! `actions` (at a position: the actions whose diagnostics touch it).

use std::fmt::Write;

use serde_json::{Value, json};

use crate::{HarnessError, Result, Server, uri};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureRequest {
    pub method: String,
    pub path: String,
    /// 0-based line and UTF-16 character.
    pub position: Option<(u32, u32)>,
    pub argument: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fixture {
    pub files: Vec<(String, String)>,
    pub requests: Vec<FixtureRequest>,
}

impl Fixture {
    pub fn parse(text: &str) -> std::result::Result<Fixture, String> {
        let mut fixture = Fixture::default();
        for line in text.split_inclusive('\n') {
            let Some(directive) = line.strip_prefix("### ") else {
                match fixture.files.last_mut() {
                    Some((_, body)) => body.push_str(line),
                    None if line.trim().is_empty() => {}
                    None => return Err(format!("text before the first `### /file`: {line:?}")),
                }
                continue;
            };
            let words: Vec<&str> = directive.split_whitespace().collect();
            match words.as_slice() {
                [path] if path.starts_with('/') => {
                    fixture.files.push((path.to_string(), String::new()));
                }
                [method, target, rest @ ..] => {
                    let mut parts = target.splitn(3, ':');
                    let path = parts.next().unwrap_or_default().to_string();
                    let position = match (parts.next(), parts.next()) {
                        (Some(l), Some(c)) => {
                            let l: u32 = l.parse().map_err(|_| format!("bad line in {target}"))?;
                            let c: u32 =
                                c.parse().map_err(|_| format!("bad column in {target}"))?;
                            Some((l.saturating_sub(1), c.saturating_sub(1)))
                        }
                        _ => None,
                    };
                    fixture.requests.push(FixtureRequest {
                        method: method.to_string(),
                        path,
                        position,
                        argument: rest.first().map(|s| s.to_string()),
                    });
                }
                _ => return Err(format!("bad directive: {directive:?}")),
            }
        }
        Ok(fixture)
    }

    /// Opens every file, then runs every request; returns the rendered transcript.
    pub fn run(&self, server: &mut Server) -> Result<String> {
        let mut out = String::new();
        for (path, text) in &self.files {
            server.open(&uri(path), text)?;
        }
        for (path, text) in &self.files {
            let params = server.diagnostics(&uri(path), Some(1))?;
            let _ = writeln!(out, "== diagnostics {path}");
            out.push_str(&render_diagnostics(&params["diagnostics"], text));
        }
        for r in &self.requests {
            let text = self
                .files
                .iter()
                .find(|(p, _)| *p == r.path)
                .map(|(_, t)| t.as_str())
                .unwrap_or("");
            let (line, col) = r.position.unwrap_or((0, 0));
            let _ = writeln!(
                out,
                "\n== {} {}{}{}",
                r.method,
                r.path,
                r.position
                    .map(|(l, c)| format!(":{}:{}", l + 1, c + 1))
                    .unwrap_or_default(),
                r.argument
                    .as_ref()
                    .map(|a| format!(" {a}"))
                    .unwrap_or_default()
            );
            let u = uri(&r.path);
            let doc = json!({ "uri": u });
            let pos = json!({ "line": line, "character": col });
            let answer = match r.method.as_str() {
                "hover" => server
                    .at("textDocument/hover", &u, line, col)
                    .map(|v| render_hover(&v, text)),
                "completion" => server
                    .at("textDocument/completion", &u, line, col)
                    .map(|v| render_completion(&v)),
                "definition" => server
                    .at("textDocument/definition", &u, line, col)
                    .map(|v| render_locations(&v, text)),
                "references" => server
                    .request(
                        "textDocument/references",
                        json!({ "textDocument": doc, "position": pos, "context": { "includeDeclaration": true } }),
                    )
                    .map(|v| render_locations(&v, text)),
                "highlight" => server
                    .at("textDocument/documentHighlight", &u, line, col)
                    .map(|v| render_locations(&v, text)),
                "rename" => server
                    .request(
                        "textDocument/rename",
                        json!({ "textDocument": doc, "position": pos, "newName": r.argument.clone().unwrap_or_default() }),
                    )
                    .map(|v| render_edits(text, &v["changes"][&u])),
                "symbols" => server
                    .request("textDocument/documentSymbol", json!({ "textDocument": doc }))
                    .map(|v| render_symbols(&v, 0)),
                "tokens" => {
                    let legend = server.legend.clone();
                    server
                        .request("textDocument/semanticTokens/full", json!({ "textDocument": doc }))
                        .map(|v| render_tokens(&v["data"], &legend, text))
                }
                "format" => server
                    .request(
                        "textDocument/formatting",
                        json!({ "textDocument": doc, "options": { "tabSize": 2, "insertSpaces": true } }),
                    )
                    .map(|v| render_edits(text, &v)),
                "folding" => server
                    .request("textDocument/foldingRange", json!({ "textDocument": doc }))
                    .map(|v| render_folding(&v)),
                "actions" => server
                    .request(
                        "textDocument/codeAction",
                        json!({ "textDocument": doc, "range": { "start": pos, "end": pos }, "context": { "diagnostics": [] } }),
                    )
                    .map(|v| render_actions(&v, text, &u)),
                other => Ok(format!("unknown fixture method {other}\n")),
            };
            match answer {
                Ok(s) => out.push_str(&s),
                Err(HarnessError::Rpc { error, .. }) => {
                    let _ = writeln!(out, "error: {}", error["message"].as_str().unwrap_or(""));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

fn position(v: &Value) -> String {
    format!(
        "{}:{}",
        v["line"].as_u64().unwrap_or(0) + 1,
        v["character"].as_u64().unwrap_or(0) + 1
    )
}

fn range(v: &Value) -> String {
    format!("{}-{}", position(&v["start"]), position(&v["end"]))
}

/// The text a range covers (for readable snapshots).
fn covered(text: &str, r: &Value) -> String {
    let offset = |p: &Value| {
        utf16_offset(
            text,
            p["line"].as_u64().unwrap_or(0) as usize,
            p["character"].as_u64().unwrap_or(0) as usize,
        )
    };
    let (a, b) = (offset(&r["start"]), offset(&r["end"]));
    text.get(a.min(b)..a.max(b)).unwrap_or("").to_string()
}

/// The byte offset of a 0-based line and UTF-16 column, clamped.
pub fn utf16_offset(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= col || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn render_diagnostics(diags: &Value, text: &str) -> String {
    let mut out = String::new();
    for d in diags.as_array().into_iter().flatten() {
        let severity = match d["severity"].as_u64() {
            Some(1) => "error",
            Some(2) => "warning",
            Some(3) => "info",
            _ => "hint",
        };
        let _ = writeln!(
            out,
            "{} {severity}[{}] {:?}: {}",
            range(&d["range"]),
            d["code"].as_str().unwrap_or(""),
            covered(text, &d["range"]),
            d["message"].as_str().unwrap_or("").replace('\n', "\n    ")
        );
        for r in d["relatedInformation"].as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "    related {}: {}",
                range(&r["location"]["range"]),
                r["message"].as_str().unwrap_or("")
            );
        }
        if let Some(tags) = d["tags"].as_array() {
            let _ = writeln!(out, "    tags {tags:?}");
        }
    }
    if out.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

fn render_hover(v: &Value, text: &str) -> String {
    if v.is_null() {
        return "(no hover)\n".into();
    }
    format!(
        "range {} {:?}\n{}\n",
        range(&v["range"]),
        covered(text, &v["range"]),
        v["contents"]["value"].as_str().unwrap_or("")
    )
}

fn render_completion(v: &Value) -> String {
    let items = v
        .as_array()
        .or_else(|| v["items"].as_array())
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        return "(no completions)\n".into();
    }
    let mut out = String::new();
    for i in items {
        let insert = i["textEdit"]["newText"]
            .as_str()
            .or_else(|| i["insertText"].as_str())
            .map(|t| format!(" -> {t:?}"))
            .unwrap_or_default();
        // What the edit replaces, when it replaces anything (1-based line:column).
        let range = &i["textEdit"]["range"];
        let replaced = if range.is_object() && range["start"] != range["end"] {
            let at = |p: &Value| {
                format!(
                    "{}:{}",
                    p["line"].as_u64().unwrap_or(0) + 1,
                    p["character"].as_u64().unwrap_or(0) + 1
                )
            };
            format!(" replacing {}-{}", at(&range["start"]), at(&range["end"]))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} (kind {}){insert}{replaced}",
            i["label"].as_str().unwrap_or(""),
            i["kind"]
        );
    }
    out
}

fn render_locations(v: &Value, text: &str) -> String {
    let list: Vec<Value> = match v {
        Value::Null => vec![],
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    if list.is_empty() {
        return "(none)\n".into();
    }
    list.iter()
        .map(|l| {
            let r = if l["range"].is_null() {
                &l["targetRange"]
            } else {
                &l["range"]
            };
            format!("{} {:?}\n", range(r), covered(text, r))
        })
        .collect()
}

fn render_symbols(v: &Value, depth: usize) -> String {
    let mut out = String::new();
    for s in v.as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "{}{} (kind {}) [{}]{}",
            "  ".repeat(depth),
            s["name"].as_str().unwrap_or(""),
            s["kind"],
            range(&s["selectionRange"]),
            s["detail"]
                .as_str()
                .map(|d| format!(" {d}"))
                .unwrap_or_default()
        );
        out.push_str(&render_symbols(&s["children"], depth + 1));
    }
    out
}

fn render_tokens(data: &Value, legend: &Value, text: &str) -> String {
    let types = legend["tokenTypes"].as_array().cloned().unwrap_or_default();
    let modifiers = legend["tokenModifiers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let numbers: Vec<u64> = data
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let (mut line, mut col) = (0u64, 0u64);
    let mut out = String::new();
    for t in numbers.chunks(5) {
        let [dl, dc, len, ty, mods] = t else { break };
        line += dl;
        col = if *dl == 0 { col + dc } else { *dc };
        let start = utf16_offset(text, line as usize, col as usize);
        let end = utf16_offset(text, line as usize, (col + len) as usize);
        let mods: Vec<&str> = (0..modifiers.len())
            .filter(|i| mods & (1 << i) != 0)
            .filter_map(|i| modifiers[i].as_str())
            .collect();
        let _ = writeln!(
            out,
            "{}:{} {:?} {}{}",
            line + 1,
            col + 1,
            text.get(start..end).unwrap_or(""),
            types
                .get(*ty as usize)
                .and_then(Value::as_str)
                .unwrap_or("?"),
            if mods.is_empty() {
                String::new()
            } else {
                format!(" [{}]", mods.join(", "))
            }
        );
    }
    out
}

fn render_folding(v: &Value) -> String {
    let mut out = String::new();
    for f in v.as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "{}-{} {}",
            f["startLine"].as_u64().unwrap_or(0) + 1,
            f["endLine"].as_u64().unwrap_or(0) + 1,
            f["kind"].as_str().unwrap_or("")
        );
    }
    out
}

fn render_actions(v: &Value, text: &str, uri: &str) -> String {
    let mut out = String::new();
    for a in v.as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "[{}] {}{}",
            a["kind"].as_str().unwrap_or(""),
            a["title"].as_str().unwrap_or(""),
            if a["isPreferred"] == true {
                " (preferred)"
            } else {
                ""
            }
        );
        let edits = &a["edit"]["changes"][uri];
        for e in edits.as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "    {} {:?} -> {:?}",
                range(&e["range"]),
                covered(text, &e["range"]),
                e["newText"].as_str().unwrap_or("")
            );
        }
    }
    if out.is_empty() {
        out.push_str("(no actions)\n");
    }
    out
}

fn render_edits(text: &str, edits: &Value) -> String {
    if edits.as_array().is_none_or(|e| e.is_empty()) {
        return "(no edits)\n".into();
    }
    apply_edits(text, edits)
}

/// Applies LSP text edits (non-overlapping, any order) to `text`.
pub fn apply_edits(text: &str, edits: &Value) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let at = |p: &Value| {
                utf16_offset(
                    text,
                    p["line"].as_u64().unwrap_or(0) as usize,
                    p["character"].as_u64().unwrap_or(0) as usize,
                )
            };
            (
                at(&e["range"]["start"]),
                at(&e["range"]["end"]),
                e["newText"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|(s, _, _)| std::cmp::Reverse(*s));
    let mut out = text.to_string();
    for (s, e, new) in spans {
        out.replace_range(s..e, &new);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_parse_files_and_requests() {
        let f = Fixture::parse(
            "### /a.bind\nBind {\n}\n### hover /a.bind:2:1\n### rename /a.bind:1:1 x\n",
        )
        .unwrap();
        assert_eq!(f.files, vec![("/a.bind".into(), "Bind {\n}\n".into())]);
        assert_eq!(f.requests[0].position, Some((1, 0)));
        assert_eq!(f.requests[1].argument.as_deref(), Some("x"));
    }
}
