//! Byte offsets ↔ line/column, in UTF-8 and UTF-16 code units (editors speak UTF-16).

/// Line starts of one text, for repeated position look-ups.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

/// A 0-based line and column pair in both encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub utf8_col: usize,
    pub utf16_col: usize,
}

impl LineIndex {
    /// Made again for every version of an open document: counted first, so the starts are
    /// written once into a vector of the right size (no regrowth of a large buffer per edit).
    pub fn new(text: &str) -> Self {
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes());
        let mut starts = Vec::with_capacity(newlines.count() + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The position of byte `offset` (clamped to the text, and back to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let prefix = &text[start..offset];
        Position {
            line,
            utf8_col: prefix.len(),
            utf16_col: prefix.encode_utf16().count(),
        }
    }

    /// The byte offset of a 0-based line and UTF-16 column (clamped to the line).
    pub fn offset_utf16(&self, text: &str, line: usize, utf16_col: usize) -> usize {
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).map_or(text.len(), |&e| e);
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units >= utf16_col || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_both_encodings() {
        let text = "ab\né𝄞x";
        let index = LineIndex::new(text);
        let p = index.position(text, text.find('x').unwrap());
        assert_eq!((p.line, p.utf8_col, p.utf16_col), (1, 6, 3));
        assert_eq!(index.offset_utf16(text, 1, 3), text.find('x').unwrap());
    }
}
