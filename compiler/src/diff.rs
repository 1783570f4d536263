//! `starlane diff old new`: breaking changes and permission widenings between two bundles.
//! "narrowed" is said only when certain (a pattern that accepted anything now names a kind);
//! otherwise a changed pattern or schema is "changed".

use std::collections::{BTreeMap, BTreeSet};

use starlane_ir::{Bind, Bundle, GrantKind, Shape};

use starlane_ir::render as render_ir;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Callers that worked may now fail.
    Breaking(String),
    /// Something may now do more than before.
    Widening(String),
    /// Compatible: additions and the like.
    Info(String),
}

fn bind_name(bundle: &Bundle, bind: &Bind) -> String {
    bundle
        .sources
        .get(bind.source as usize)
        .map_or("?".into(), |s| s.path.clone())
}

pub fn diff(old: &Bundle, new: &Bundle) -> Vec<Change> {
    let mut out = Vec::new();
    let binds = |b: &Bundle| -> BTreeMap<String, usize> {
        b.binds
            .iter()
            .enumerate()
            .map(|(i, x)| (bind_name(b, x), i))
            .collect()
    };
    let (ob, nb) = (binds(old), binds(new));
    for name in ob.keys().filter(|k| !nb.contains_key(*k)) {
        out.push(Change::Breaking(format!("bind {name} removed")));
    }
    for (name, &oi) in &ob {
        let Some(&ni) = nb.get(name) else { continue };
        bind_diff(old, &old.binds[oi], new, &new.binds[ni], name, &mut out);
    }
    for name in nb.keys().filter(|k| !ob.contains_key(*k)) {
        out.push(Change::Info(format!("bind {name} added")));
        let b = &new.binds[nb[name]];
        for g in b.all_grants() {
            out.push(Change::Widening(format!(
                "{name}: new {}",
                render_ir::grant(g)
            )));
        }
    }
    let schemas = |b: &Bundle| -> BTreeMap<String, String> {
        b.schemas
            .iter()
            .map(|s| (s.path.clone(), s.json.clone()))
            .collect()
    };
    let (os, ns) = (schemas(old), schemas(new));
    for (path, json) in &os {
        match ns.get(path) {
            None => out.push(Change::Breaking(format!("schema {path} removed"))),
            Some(n) if n != json => out.push(Change::Breaking(format!("schema {path} changed"))),
            _ => {}
        }
    }
    out
}

fn bind_diff(old: &Bundle, ob: &Bind, new: &Bundle, nb: &Bind, name: &str, out: &mut Vec<Change>) {
    let key = |r: &starlane_ir::Route| render_ir::selector(r);
    let old_routes: BTreeMap<String, &starlane_ir::Route> =
        ob.routes.iter().map(|r| (key(r), r)).collect();
    let new_routes: BTreeMap<String, &starlane_ir::Route> =
        nb.routes.iter().map(|r| (key(r), r)).collect();
    for (k, r) in &old_routes {
        match new_routes.get(k) {
            None => out.push(Change::Breaking(format!("{name}: route {k} removed"))),
            Some(n) => {
                for (i, (os, ns)) in r.segments.iter().zip(&n.segments).enumerate() {
                    let (op, np) = (os.payload, ns.payload);
                    let ot = op.map(|p| render_ir::pattern(old, p));
                    let nt = np.map(|p| render_ir::pattern(new, p));
                    if ot != nt {
                        let certain_narrowing = op.is_none_or(|p| {
                            matches!(
                                old.patterns.get(p as usize).map(|x| &x.shape),
                                Some(Shape::Any)
                            )
                        }) && np.is_some();
                        let verb = if certain_narrowing {
                            "narrowed"
                        } else {
                            "changed"
                        };
                        out.push(Change::Breaking(format!(
                            "{name}: route {k} step {}: payload {verb} from `{}` to `{}`",
                            i + 1,
                            ot.unwrap_or("*".into()),
                            nt.unwrap_or("*".into())
                        )));
                    }
                }
                // Stops (or the number of steps) changed: the message now goes somewhere else.
                let stops = |b: &Bind, x: &starlane_ir::Route| {
                    x.segments
                        .iter()
                        .map(|s| render_ir::stop(b, &s.stop))
                        .collect::<Vec<_>>()
                };
                if stops(ob, r) != stops(nb, n) {
                    out.push(Change::Breaking(format!(
                        "{name}: route {k} pipeline changed from `{}` to `{}`",
                        render_ir::pipeline(old, ob, r),
                        render_ir::pipeline(new, nb, n)
                    )));
                }
            }
        }
    }
    for k in new_routes.keys().filter(|k| !old_routes.contains_key(*k)) {
        out.push(Change::Info(format!("{name}: route {k} added")));
    }
    let old_ports: BTreeMap<&str, &starlane_ir::Port> =
        ob.ports.iter().map(|p| (p.name.as_str(), p)).collect();
    for p in &ob.ports {
        if !nb.ports.iter().any(|n| n.name == p.name) {
            out.push(Change::Breaking(format!("{name}: port {} removed", p.name)));
        }
    }
    for p in &nb.ports {
        let Some(o) = old_ports.get(p.name.as_str()) else {
            continue;
        };
        for (what, a, b) in [
            ("request", o.request, p.request),
            ("response", o.response, p.response),
        ]
        .map(|(what, a, b)| (what, a.map(|c| c.pattern), b.map(|c| c.pattern)))
        {
            let (at, bt) = (
                a.map(|x| render_ir::pattern(old, x)),
                b.map(|x| render_ir::pattern(new, x)),
            );
            if at != bt {
                out.push(Change::Breaking(format!(
                    "{name}: port {} {what} changed from `{}` to `{}`",
                    p.name,
                    at.unwrap_or("*".into()),
                    bt.unwrap_or("*".into())
                )));
            }
        }
        let old_calls: BTreeSet<String> = o
            .calls
            .iter()
            .map(|c| format!("{}^{}", c.selector, render_ir::methods(&c.methods)))
            .collect();
        for c in &p.calls {
            let k = format!("{}^{}", c.selector, render_ir::methods(&c.methods));
            if !old_calls.contains(&k) {
                out.push(Change::Widening(format!(
                    "{name}: port {} may now call {k}",
                    p.name
                )));
            }
        }
    }
    let old_grants: Vec<&starlane_ir::Grant> = ob.all_grants().collect();
    for g in nb.all_grants() {
        let same_target = old_grants
            .iter()
            .filter(|o| o.on == g.on && o.to == g.to)
            .collect::<Vec<_>>();
        let covered = same_target.iter().any(|o| match (&o.kind, &g.kind) {
            (
                GrantKind::Perm {
                    bits: ob,
                    and: false,
                },
                GrantKind::Perm {
                    bits: nb,
                    and: false,
                },
            ) => nb & !ob == 0,
            (a, b) => a == b,
        });
        if !covered {
            out.push(Change::Widening(format!(
                "{name}: {} grants more than before",
                render_ir::grant(g)
            )));
        }
    }
}
