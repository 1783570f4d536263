//! Filling in a point's variables from a route's captures and the bound context names. What
//! comes out is checked again by the caller (a capture may hold anything the path held).

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
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                return Err(format!("unclosed `${{` in `{text}`"));
            };
            let name = &inner[..close];
            if name == "doc.bundle" {
                out.push_str(BUNDLE_PREFIX);
            } else {
                out.push_str(
                    &vars
                        .value(name)
                        .ok_or_else(|| format!("`${{{name}}}` has no value"))?,
                );
            }
            rest = &inner[close + 1..];
        } else {
            let digits = after.chars().take_while(char::is_ascii_digit).count();
            if digits == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            let name = &after[..digits];
            out.push_str(
                &vars
                    .value(name)
                    .ok_or_else(|| format!("`${name}` has no value"))?,
            );
            rest = &after[digits..];
        }
    }
    out.push_str(rest);
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
