//! "Did you mean …?": the closest candidate by edit distance, or an exact case-insensitive match.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        if candidate.eq_ignore_ascii_case(word) {
            return Some(candidate);
        }
        let score =
            strsim::jaro_winkler(&word.to_ascii_lowercase(), &candidate.to_ascii_lowercase());
        let distance = strsim::levenshtein(word, candidate);
        let plausible = score >= 0.8 || distance <= (word.len().max(candidate.len()) / 3).max(1);
        if plausible && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn case_mismatch_wins() {
        assert_eq!(did_you_mean("GET", ["Get", "Post"]), Some("Get"));
    }

    #[test]
    fn typo_is_found() {
        assert_eq!(
            did_you_mean("Htp", ["Http", "Ext", "Cmd", "Hyp"]),
            Some("Http")
        );
        assert_eq!(did_you_mean("Rout", ["Route", "Requires"]), Some("Route"));
    }

    #[test]
    fn unrelated_word_has_no_suggestion() {
        assert_eq!(did_you_mean("Banana", ["Get", "Post", "Put"]), None);
    }
}
