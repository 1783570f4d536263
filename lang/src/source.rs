//! Turning file bytes into text without losing offsets: each invalid UTF-8 byte becomes one space
//! (so every later span is still a byte offset into the file) and is reported where it stands.

use crate::codes;
use crate::diagnostic::Diagnostic;

/// What an edit from `old` to `new` left alone: the lengths of their longest common prefix and
/// suffix, on character boundaries and not overlapping. Used to reparse only the edited item
/// and to send an editor the smallest edit.
pub fn common_ends(old: &str, new: &str) -> (usize, usize) {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut prefix = common_prefix_len(a, b);
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let room = old.len().min(new.len()) - prefix;
    let mut suffix = common_suffix_len(&a[a.len() - room..], &b[b.len() - room..]);
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    (prefix, suffix)
}

/// Compared a block at a time (the compiler turns a slice comparison into `memcmp`), then byte
/// by byte inside the first block that differs: the language server asks on every edit, of the
/// whole document.
const BLOCK: usize = 64;

fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= len && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix_len(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let (a, b) = (&a[a.len() - len..], &b[b.len() - len..]);
    let mut matched = 0;
    while matched + BLOCK <= len
        && a[len - matched - BLOCK..len - matched] == b[len - matched - BLOCK..len - matched]
    {
        matched += BLOCK;
    }
    matched
        + a[..len - matched]
            .iter()
            .rev()
            .zip(b[..len - matched].iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

/// The text to parse, and one diagnostic per run of invalid bytes.
pub fn decode(bytes: &[u8]) -> (String, Vec<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), Vec::new()),
        Err(_) => {
            let mut text = String::with_capacity(bytes.len());
            let mut diags = Vec::new();
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                let invalid = chunk.invalid();
                if !invalid.is_empty() {
                    let start = text.len();
                    // Adjacent invalid sequences are one mistake: extend the previous diagnostic.
                    if let Some(last) = diags
                        .last_mut()
                        .filter(|d: &&mut Diagnostic| d.primary.span.end == start)
                    {
                        text.extend(std::iter::repeat_n(' ', invalid.len()));
                        last.primary.span.end += invalid.len();
                        last.primary.message =
                            format!("{} bytes are not UTF-8", last.primary.span.len());
                        continue;
                    }
                    text.extend(std::iter::repeat_n(' ', invalid.len()));
                    diags.push(
                        Diagnostic::new(
                            codes::INVALID_UTF8,
                            start..start + invalid.len(),
                            format!("invalid UTF-8 at byte {start}"),
                        )
                        .label(format!(
                            "{} byte{} not UTF-8: {}",
                            invalid.len(),
                            if invalid.len() == 1 { " is" } else { "s are" },
                            invalid
                                .iter()
                                .map(|b| format!("0x{b:02x}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ))
                        .note("`.bind` files are UTF-8; these bytes were read as spaces"),
                    );
                }
            }
            (text, diags)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The byte-by-byte definition the block comparison must agree with.
    fn common_ends_bytewise(old: &str, new: &str) -> (usize, usize) {
        let mut prefix = old
            .bytes()
            .zip(new.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
            prefix -= 1;
        }
        let room = old.len().min(new.len()) - prefix;
        let mut suffix = (old.bytes().rev().zip(new.bytes().rev()))
            .take(room)
            .take_while(|(a, b)| a == b)
            .count();
        while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix)
        {
            suffix -= 1;
        }
        (prefix, suffix)
    }

    proptest! {
        #[test]
        fn common_ends_agree_with_a_byte_by_byte_comparison(
            base in "[a-cé\\n]{0,300}",
            at in any::<prop::sample::Index>(),
            removed in 0usize..80,
            inserted in "[a-cé]{0,80}",
        ) {
            let mut cut = at.index(base.len() + 1);
            while !base.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut end = (cut + removed).min(base.len());
            while !base.is_char_boundary(end) {
                end -= 1;
            }
            let edited = format!("{}{}{}", &base[..cut], inserted, &base[end..]);
            prop_assert_eq!(super::common_ends(&base, &edited), common_ends_bytewise(&base, &edited));
        }
    }

    #[test]
    fn invalid_bytes_keep_offsets() {
        let (text, diags) = super::decode(b"Bind {\xff\xfe}");
        assert_eq!(text.len(), 9);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].primary.span, 6..8);
    }
}
