//! IR back to `.bind`-like text, for `inspect`, `diff` and `route`.

use crate::{Bundle, GrantKind, PatternId, Shape, Stop, Validator};

/// Patterns nest at most this deep when printed (a loaded bundle is untrusted input).
const MAX_DEPTH: usize = 32;

pub fn pattern(bundle: &Bundle, id: PatternId) -> String {
    pattern_at(bundle, id, 0)
}

fn pattern_at(bundle: &Bundle, id: PatternId, depth: usize) -> String {
    let Some(p) = bundle.patterns.get(id as usize) else {
        return "?".into();
    };
    if depth > MAX_DEPTH {
        return "…".into();
    }
    let mut s = match &p.shape {
        Shape::Any => "*".to_string(),
        Shape::Nothing => String::new(),
        Shape::Kind(k) => k.to_string(),
        Shape::List { kind, min, max } => match max {
            Some(m) if m == min => format!("{kind}[{min}]"),
            Some(m) => format!("{kind}[{min}-{m}]"),
            None => format!("{kind}[{min}-]"),
        },
        Shape::Map { entries, other } => {
            let mut parts: Vec<String> = entries
                .iter()
                .map(|e| {
                    let opt = if e.optional { "?" } else { "" };
                    match e.pattern {
                        Some(c) => format!("{}{opt}<{}>", e.key, pattern_at(bundle, c, depth + 1)),
                        None => format!("{}{opt}", e.key),
                    }
                })
                .collect();
            if let Some(o) = other {
                parts.push(match o {
                    Some(c) => format!("*<{}>", pattern_at(bundle, *c, depth + 1)),
                    None => "*".into(),
                });
            }
            format!("Map{{{}}}", parts.join(", "))
        }
    };
    for v in &p.validators {
        s.push('~');
        match v {
            Validator::Format(f) => s.push_str(f.name()),
            Validator::Schema(i) => s.push_str(
                &bundle
                    .schemas
                    .get(*i as usize)
                    .map_or("?".into(), |d| format!("<{}>", d.path)),
            ),
            Validator::Mechtron { point, method } => s.push_str(&format!("{point}^{method}")),
        }
    }
    s
}

pub fn stop(bind: &crate::Bind, stop: &Stop) -> String {
    match stop {
        Stop::Core => "(( ))".into(),
        Stop::Port(p) => format!(
            "(({}))",
            bind.ports.get(*p as usize).map_or("?", |p| p.name.as_str())
        ),
        Stop::Reflect => "&".into(),
        Stop::Err {
            status,
            reason: Some(r),
        } => format!("Err({status}, {r:?})"),
        Stop::Err {
            status,
            reason: None,
        } => format!("Err({status})"),
        Stop::Point(p) => p.to_string(),
        Stop::Call {
            point,
            method,
            path,
        } => format!(
            "{point}^{method}{}",
            path.as_ref().map(|p| p.to_string()).unwrap_or_default()
        ),
    }
}

pub fn pipeline(bundle: &Bundle, bind: &crate::Bind, route: &crate::Route) -> String {
    let mut s = String::new();
    for seg in &route.segments {
        let (open, close) = match seg.direction {
            crate::Direction::Request => ('-', "->"),
            crate::Direction::Response => ('=', "=>"),
        };
        match seg.payload {
            Some(p) => s.push_str(&format!(" {open}[ {} ]{close} ", pattern(bundle, p))),
            None => s.push_str(&format!(" {close} ")),
        }
        s.push_str(&stop(bind, &seg.stop));
    }
    s.push(';');
    s.trim_start().to_string()
}

pub fn selector(route: &crate::Route) -> String {
    let filters: String = route
        .filters
        .iter()
        .map(|f| format!("({f})"))
        .collect::<Vec<_>>()
        .join("-");
    format!(
        "{}{}{}",
        methods(&route.methods),
        filters,
        route.path.text().unwrap_or("")
    )
}

/// `Kind<Method>`, with `*` for either (`*<*>` for every message).
pub fn methods(m: &crate::MethodPattern) -> String {
    format!(
        "{}<{}>",
        m.kind().map_or("*", |k| k.name()),
        m.method_name()
    )
}

pub fn grant(g: &crate::Grant) -> String {
    let what = match &g.kind {
        GrantKind::Perm { bits, and } => {
            let letters = ['c', 's', 'd', 'r', 'w', 'x'];
            let mut m = String::from(if *and { "&" } else { "+" });
            for (i, l) in letters.iter().enumerate() {
                if i == 3 {
                    m.push('-');
                }
                m.push(if bits & (1 << (5 - i)) != 0 {
                    l.to_ascii_uppercase()
                } else {
                    *l
                });
            }
            format!("perm {m}")
        }
        GrantKind::Priv(p) => format!("priv {p}"),
        GrantKind::Super => "super".into(),
        GrantKind::Role(r) => format!("role {r}"),
    };
    let mut s = format!("grant {what}");
    if let Some(on) = &g.on {
        s.push_str(&format!(" on {on}"));
    }
    if let Some(to) = &g.to {
        s.push_str(&format!(" to {to}"));
    }
    s
}

/// A port's `call` entry: `call SELECTOR^Kind<Method>[PATH][ timeout …][ ack …][ retries …]`.
pub fn call(c: &crate::CallRule) -> String {
    let mut s = format!(
        "call {}^{}{}",
        c.selector,
        methods(&c.methods),
        c.path.as_deref().unwrap_or("")
    );
    if let Some(t) = c.timeout_ms {
        s.push_str(&format!(" timeout {t} ms"));
    }
    if let Some(t) = c.ack_ms {
        s.push_str(&format!(" ack {t} ms"));
    }
    if let Some(n) = c.retries {
        s.push_str(&format!(" retries {n}"));
    }
    s
}
