//! Filling in a parsed template's variables from a route's captures and the bound context
//! names. The template was parsed by the compiler (`starlane_model::template`); nothing here
//! scans text. What comes out is checked again by the caller (a capture may hold anything the
//! path held).

use starlane_model::template::{Template, Var};

use crate::route_table::Capture;

/// A capture by its number (`${1}`) or name (`${id}`).
pub fn capture<'a>(captures: &'a [Capture], var: &Var) -> Option<&'a str> {
    captures
        .iter()
        .find(|c| match var {
            Var::Capture(n) => c.number == *n as usize,
            Var::Name(name) => c.name.as_deref() == Some(&**name),
            Var::DocBundle => false,
        })
        .map(|c| c.value.as_str())
}

/// Appends the address of a context name (`${users}`) from `bound`; false when `var` is not a
/// context name or is not bound. Grants and `call` entries fill their selectors with this at load;
/// points use it after captures.
pub fn context_value(var: &Var, bound: &dyn Fn(&str) -> Option<String>, out: &mut String) -> bool {
    match var {
        Var::Name(name) => bound(name).map(|v| out.push_str(&v)).is_some(),
        _ => false,
    }
}

/// Fills in `template`: a capture first, then a bound context name (`bound`). `${doc.bundle}`
/// has no value here (a bundle file is recognised before filling: [`Template::bundle_file`]).
/// Fails with the first variable that has no value.
pub fn fill(
    template: &Template,
    captures: &[Capture],
    bound: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Var> {
    let mut out = String::new();
    template
        .fill_into(&mut out, |var, out| {
            if let Some(v) = capture(captures, var) {
                out.push_str(v);
                return true;
            }
            context_value(var, bound, out)
        })
        .map_err(Var::clone)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_and_context_names_fill_in() {
        let captures = [
            Capture {
                number: 1,
                name: None,
                value: "a/b".into(),
            },
            Capture {
                number: 2,
                name: Some("user".into()),
                value: "ada".into(),
            },
        ];
        let bound = |n: &str| (n == "users").then(|| "localhost:users".to_string());
        let t = |s: &str| Template::parse(s).unwrap();
        assert_eq!(
            fill(&t("${users}:${user}"), &captures, &bound).unwrap(),
            "localhost:users:ada"
        );
        assert_eq!(
            fill(&t("x:$1:${2}"), &captures, &bound).unwrap(),
            "x:a/b:ada"
        );
        assert_eq!(
            fill(&t("${nope}"), &captures, &bound).unwrap_err(),
            Var::Name("nope".into())
        );
        assert_eq!(
            fill(&t("${doc.bundle}:/a"), &captures, &bound).unwrap_err(),
            Var::DocBundle
        );
        assert_eq!(fill(&t("cost:$"), &captures, &bound).unwrap(), "cost:$");
    }
}
