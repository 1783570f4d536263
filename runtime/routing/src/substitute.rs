//! Filling in a point's variables from a route's captures and the bound context names. What
//! comes out is checked again by the caller (a capture may hold anything the path held). The
//! scanning is `starlane_model::template`'s.

use starlane_model::template::{self, Piece};

/// Where variable values come from.
pub trait Variables {
    /// The value of `${name}` (or `$N`): a capture, a bound context name, or `None`.
    fn value(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Variables for F {
    fn value(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// `${doc.bundle}` is not substituted: it marks a bundle file, and stays for the caller to see.
pub const BUNDLE_PREFIX: &str = "${doc.bundle}";

/// Replaces `${name}`, `${N}` and `$N` in `text`. Fails with the first variable that has no
/// value (`${doc.…}` other than `doc.bundle`, `${self}` and unknown names).
pub fn substitute(text: &str, vars: &impl Variables) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    for piece in template::pieces(text) {
        match piece.map_err(|_| format!("unclosed `${{` in `{text}`"))? {
            Piece::Text(t) => out.push_str(t),
            Piece::Variable {
                name: "doc.bundle", ..
            } => out.push_str(BUNDLE_PREFIX),
            Piece::Variable { name, span } => {
                let value = vars
                    .value(name)
                    .ok_or_else(|| format!("`{}` has no value", &text[span]))?;
                out.push_str(&value);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_and_context_names_fill_in() {
        let vars = |n: &str| match n {
            "1" => Some("a/b".to_string()),
            "user" => Some("ada".to_string()),
            "users" => Some("localhost:users".to_string()),
            _ => None,
        };
        assert_eq!(
            substitute("${users}:${user}", &vars).unwrap(),
            "localhost:users:ada"
        );
        assert_eq!(
            substitute("${doc.bundle}:/html/$1", &vars).unwrap(),
            "${doc.bundle}:/html/a/b"
        );
        assert_eq!(substitute("x:${1}", &vars).unwrap(), "x:a/b");
        assert!(substitute("${nope}", &vars).unwrap_err().contains("nope"));
        assert_eq!(substitute("cost:$", &vars).unwrap(), "cost:$");
    }
}
