//! `starlane debug …`: hidden tools for grammar and editor developers.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use starlane_lang::line_index::LineIndex;

/// Prints every token of the real lexer (trivia included) as one JSON object per line, with
/// 0-based lines and UTF-16 columns (what JavaScript strings and the LSP count in). A token that
/// spans lines is reported from its start to its end position.
pub fn tokens(path: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (src, _) = starlane_lang::source::decode(&bytes);
    let parse = starlane_lang::parse(&src);
    let lines = LineIndex::new(&src);
    let mut out = String::new();
    for token in parse.tokens() {
        let range = token.range();
        let start = lines.position(&src, range.start);
        let end = lines.position(&src, range.end);
        out.push_str(
            &serde_json::json!({
                "kind": format!("{:?}", token.kind),
                "line": start.line,
                "start": start.utf16_col,
                "end_line": end.line,
                "end": end.utf16_col,
            })
            .to_string(),
        );
        out.push('\n');
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
