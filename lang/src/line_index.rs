//! Byte offsets ↔ line/column, in UTF-8 and UTF-16 code units (editors speak UTF-16).

/// Line starts of one text, for repeated position look-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// The index after the text's bytes `replaced` were replaced by `inserted`: the starts before
    /// the edit are kept, those inside it found again in `inserted`, those after it moved. An
    /// editor's keystroke in a long file costs a shift of the later starts, not a scan of the text.
    /// `replaced` must lie in the text the index was made for (on char boundaries, in order).
    pub fn edit(&mut self, replaced: std::ops::Range<usize>, inserted: &str) {
        let first_after = self.starts.partition_point(|&s| s <= replaced.end);
        let first_inside = self.starts.partition_point(|&s| s <= replaced.start);
        let delta = inserted.len() as isize - replaced.len() as isize;
        let new_inside =
            memchr::memchr_iter(b'\n', inserted.as_bytes()).map(|i| replaced.start + i + 1);
        let later = self.starts.split_off(first_after);
        self.starts.truncate(first_inside);
        self.starts.extend(new_inside);
        self.starts
            .extend(later.into_iter().map(|s| s.saturating_add_signed(delta)));
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

    proptest::proptest! {
        #[test]
        fn an_edited_index_is_the_index_of_the_edited_text(
            text in "[a\né\r]{0,40}",
            edits in proptest::collection::vec((0usize..50, 0usize..50, "[b\n𝄞]{0,6}"), 1..6),
        ) {
            let mut text = text;
            let mut index = LineIndex::new(&text);
            for (a, b, inserted) in edits {
                let floor = |mut i: usize| {
                    i = i.min(text.len());
                    while !text.is_char_boundary(i) {
                        i -= 1;
                    }
                    i
                };
                let (a, b) = (floor(a), floor(b));
                let replaced = a.min(b)..a.max(b);
                text.replace_range(replaced.clone(), &inserted);
                index.edit(replaced, &inserted);
                proptest::prop_assert_eq!(&index, &LineIndex::new(&text));
            }
        }
    }
}
