//! Formatting through `starlane fmt`'s formatter: one canonical layout, returned as the single
//! smallest edit. A document with syntax errors is left alone (the formatter refuses it).

use tower_lsp_server::ls_types::TextEdit;

use crate::analysis::Analysis;
use crate::convert::minimal_edit;

/// The edit that formats the document; `Err` with the reason when it cannot be formatted.
pub fn format(a: &Analysis) -> Result<Vec<TextEdit>, String> {
    let formatted = starlane_lang::format::format(&a.text, false).map_err(|e| e.to_string())?;
    Ok(minimal_edit(a, &formatted).into_iter().collect())
}
