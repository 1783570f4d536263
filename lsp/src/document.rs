//! One open document's text and version, and incremental edits applied to it. Positions
//! arrive in UTF-16 code units (the LSP default); offsets inside are UTF-8 bytes.

use starlane_lang::line_index::LineIndex;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

#[derive(Debug, Clone)]
pub struct Document {
    pub text: String,
    pub version: i32,
    lines: LineIndex,
}

impl Document {
    pub fn new(text: String, version: i32) -> Document {
        let lines = LineIndex::new(&text);
        Document {
            text,
            version,
            lines,
        }
    }

    /// Applies one notification's changes in order. A position past the end of a line or of
    /// the document is clamped (clients do send those), and a reversed range is read forwards,
    /// so no input can make this panic.
    pub fn apply(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                None => {
                    self.text = change.text;
                    self.lines = LineIndex::new(&self.text);
                }
                Some(range) => {
                    let (start, end) = self.byte_range(range);
                    self.text.replace_range(start..end, &change.text);
                    self.lines.edit(start..end, &change.text);
                }
            }
        }
        self.version = version;
    }

    /// The line starts of the text as it is now.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    fn byte_range(&self, range: Range) -> (usize, usize) {
        let a = self.offset(range.start);
        let b = self.offset(range.end);
        (a.min(b), a.max(b))
    }

    /// The byte offset of an LSP position (clamped to the text, always on a char boundary).
    pub fn offset(&self, position: Position) -> usize {
        self.lines.offset_utf16(
            &self.text,
            position.line as usize,
            position.character as usize,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn edits_apply_in_order_with_utf16_columns() {
        // `é` is one UTF-16 unit and two bytes; `𝄞` is two units and four bytes.
        let mut doc = Document::new("é𝄞x\nsecond\n".into(), 1);
        doc.apply(2, vec![change(0, 3, 0, 4, "y"), change(1, 0, 1, 6, "2nd")]);
        assert_eq!(doc.text, "é𝄞y\n2nd\n");
        assert_eq!(doc.version, 2);
    }

    #[test]
    fn out_of_range_and_reversed_positions_are_clamped() {
        let mut doc = Document::new("ab\ncd".into(), 1);
        doc.apply(2, vec![change(9, 9, 9, 9, "!")]);
        assert_eq!(doc.text, "ab\ncd!");
        doc.apply(3, vec![change(0, 2, 0, 0, "")]);
        assert_eq!(doc.text, "\ncd!");
        doc.apply(4, vec![change(0, 99, 0, 99, "x")]);
        assert_eq!(doc.text, "x\ncd!");
    }

    #[test]
    fn a_change_without_range_replaces_everything() {
        let mut doc = Document::new("old".into(), 1);
        doc.apply(
            5,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into(),
            }],
        );
        assert_eq!((doc.text.as_str(), doc.version), ("new", 5));
    }
}
