//! Route matching as the runtime does it (first match in document order; the joined regex must
//! match the whole path; filters run after selection), plus the `starlane route` dry run that
//! explains why each earlier route did not match.

use starlane_ir::{Bind, Bundle, Route};

/// A message's kind and method: `Http<Get>` → ("Http", "Get").
pub fn parse_message_kind(text: &str) -> Option<(String, String)> {
    let (kind, rest) = text.split_once('<')?;
    let method = rest.strip_suffix('>')?;
    (!kind.is_empty() && !method.is_empty()).then(|| (kind.to_string(), method.to_string()))
}

/// Why a route did or did not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Matched { captures: Vec<(String, String)> },
    WrongKind,
    WrongMethod,
    PathMismatch,
    BadRegex(String),
}

/// Compiles a route's regex anchored to the whole path.
pub fn anchored(regex: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^(?:{regex})$"))
}

pub fn judge(route: &Route, kind: &str, method: &str, path: &str) -> Verdict {
    if route.kind != "*" && route.kind != kind {
        return Verdict::WrongKind;
    }
    if route.method != "*" && route.method != method {
        return Verdict::WrongMethod;
    }
    let Some(regex) = &route.path_regex else {
        return Verdict::Matched { captures: vec![] };
    };
    let re = match anchored(regex) {
        Ok(re) => re,
        Err(e) => return Verdict::BadRegex(e.to_string()),
    };
    match re.captures(path) {
        None => Verdict::PathMismatch,
        Some(caps) => {
            let mut out = Vec::new();
            for (i, name) in re.capture_names().enumerate().skip(1) {
                let value = caps
                    .get(i)
                    .map_or(String::new(), |m| m.as_str().to_string());
                out.push((name.map_or(i.to_string(), str::to_string), value));
            }
            Verdict::Matched { captures: out }
        }
    }
}

/// The `starlane route` report for one message against one bind.
pub fn explain(
    bundle: &Bundle,
    bind: &Bind,
    kind: &str,
    method: &str,
    path: &str,
) -> (String, bool) {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{kind}<{method}> {path}");
    for (i, route) in bind.routes.iter().enumerate() {
        let here = bundle.locate(route.span);
        let sel = crate::render_ir::selector(route);
        match judge(route, kind, method, path) {
            Verdict::Matched { captures } => {
                let _ = writeln!(s, "  route #{i} {sel} matches  [{here}]");
                for (name, value) in &captures {
                    let _ = writeln!(s, "    capture {name} = {value:?}");
                }
                if !route.filters.is_empty() {
                    let _ = writeln!(
                        s,
                        "    filters: {} (a failed filter answers 401; routing never falls through)",
                        route.filters.join(", ")
                    );
                }
                let _ = writeln!(
                    s,
                    "    pipeline: {}",
                    crate::render_ir::pipeline(bundle, bind, route)
                );
                for seg in &route.segments {
                    if let starlane_ir::Stop::Port(p) = seg.stop
                        && let Some(port) = bind.ports.get(p as usize)
                    {
                        let _ = writeln!(
                            s,
                            "    port {}: exec {} ms, total {} ms",
                            port.name, port.exec_ms, port.total_ms
                        );
                        for g in &port.grants {
                            let _ = writeln!(s, "      {}", crate::render_ir::grant(g));
                        }
                        for c in &port.calls {
                            let _ =
                                writeln!(s, "      call {}^{}<{}>", c.selector, c.kind, c.method);
                        }
                        if port.grants.is_empty() && port.calls.is_empty() {
                            let _ = writeln!(
                                s,
                                "      no grants: the guest may not call out (deny by default)"
                            );
                        }
                    }
                }
                return (s, true);
            }
            Verdict::WrongKind => {
                let _ = writeln!(
                    s,
                    "  route #{i} {sel}: kind is {}, not {kind}  [{here}]",
                    route.kind
                );
            }
            Verdict::WrongMethod => {
                let _ = writeln!(
                    s,
                    "  route #{i} {sel}: method is {}, not {method}  [{here}]",
                    route.method
                );
            }
            Verdict::PathMismatch => {
                let _ = writeln!(
                    s,
                    "  route #{i} {sel}: `{}` does not match the whole path  [{here}]",
                    route.path_regex.as_deref().unwrap_or("")
                );
            }
            Verdict::BadRegex(e) => {
                let _ = writeln!(
                    s,
                    "  route #{i} {sel}: regex does not compile: {e}  [{here}]"
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "  no route matches: {kind}<{method}> {path} is answered 404"
    );
    (s, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_path_match_with_captures() {
        let route = Route {
            kind: "Http".into(),
            method: "Get".into(),
            path_regex: Some("/users/(?P<id>[^/]+)".into()),
            captures: vec!["id".into()],
            filters: vec![],
            segments: vec![],
            span: Default::default(),
        };
        assert_eq!(
            judge(&route, "Http", "Get", "/users/42"),
            Verdict::Matched {
                captures: vec![("id".into(), "42".into())]
            }
        );
        assert_eq!(
            judge(&route, "Http", "Get", "/users/42/x"),
            Verdict::PathMismatch
        );
        assert_eq!(
            judge(&route, "Http", "Post", "/users/42"),
            Verdict::WrongMethod
        );
        assert_eq!(judge(&route, "Ext", "Get", "/users/42"), Verdict::WrongKind);
        assert_eq!(
            parse_message_kind("Http<Get>"),
            Some(("Http".into(), "Get".into()))
        );
    }
}
