//! Folding ranges: every `{ … }` block and payload map spanning lines, and runs of comment
//! lines.

use starlane_lang::SyntaxKind::*;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

use crate::analysis::Analysis;

pub fn folding_ranges(a: &Analysis) -> Vec<FoldingRange> {
    let root = a.root();
    let mut out = Vec::new();
    for node in root
        .descendants()
        .filter(|n| matches!(n.kind(), BODY | MAP_PATTERN))
    {
        let range = node.text_range();
        let start = a.position(usize::from(range.start())).line;
        let end = a.position(usize::from(range.end())).line;
        // Fold up to the line before the closing brace, so the `}` stays visible.
        if end > start + 1 || (end > start && node.kind() == MAP_PATTERN) {
            out.push(FoldingRange {
                start_line: start,
                end_line: end.saturating_sub(1).max(start),
                kind: Some(FoldingRangeKind::Region),
                ..Default::default()
            });
        }
    }
    // Consecutive comment lines fold together.
    let mut run: Option<(u32, u32)> = None;
    let comments = root
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == COMMENT)
        .map(|t| a.position(usize::from(t.text_range().start())).line);
    for line in comments.chain(std::iter::once(u32::MAX)) {
        match run {
            Some((start, end)) if line == end + 1 => run = Some((start, line)),
            Some((start, end)) => {
                if end > start {
                    out.push(FoldingRange {
                        start_line: start,
                        end_line: end,
                        kind: Some(FoldingRangeKind::Comment),
                        ..Default::default()
                    });
                }
                run = Some((line, line));
            }
            None => run = Some((line, line)),
        }
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}
