//! `starlane diff old new`: every change between two bundles that alters behaviour, each in one
//! of four classes (`specs/ir.md` §4):
//!
//! - **breaking**: a request that was served may now be refused or go elsewhere (a bind, route,
//!   port or schema removed; a payload pattern or schema that accepts less, or changed in a way
//!   that cannot be judged; a pipeline that now stops elsewhere; a lower `payload` or `headers`
//!   limit);
//! - **narrowing**: a mechtron may now do less than before (grants and `call` entries removed or
//!   reduced, shorter timeouts, less memory) — a guest that relied on it may now fail;
//! - **widening**: a mechtron may now do more (grants and `call` entries added or widened,
//!   longer timeouts, more memory) — what a security review looks at;
//! - **compatible**: everything that was served still is (binds, routes and ports added; a
//!   pattern or schema that accepts more, such as an optional property; delivery tuning).
//!
//! "narrowed" is said of a payload only when certain (a pattern that accepted anything now names
//! a kind); otherwise a changed pattern is "changed", and breaking.

mod schema;

use std::collections::BTreeMap;

use starlane_ir::{Bind, Bundle, CallRule, GrantKind, Port, Shape};

use starlane_ir::render as render_ir;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A request that was served may now be refused or go elsewhere.
    Breaking(String),
    /// A mechtron may now do less than before.
    Narrowing(String),
    /// A mechtron may now do more than before.
    Widening(String),
    /// Everything that was served still is.
    Compatible(String),
}

impl Change {
    /// The class as `starlane diff` prints it.
    pub fn class(&self) -> &'static str {
        match self {
            Change::Breaking(_) => "breaking",
            Change::Narrowing(_) => "narrowing",
            Change::Widening(_) => "widening",
            Change::Compatible(_) => "compatible",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Change::Breaking(m) | Change::Narrowing(m) | Change::Widening(m) => m,
            Change::Compatible(m) => m,
        }
    }

    /// Whether the change needs a reviewer's eye (`starlane diff` exits 1): all but compatible.
    pub fn needs_review(&self) -> bool {
        !matches!(self, Change::Compatible(_))
    }
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
        let sides = Sides {
            old,
            new,
            ob: &old.binds[oi],
            nb: &new.binds[ni],
            name,
        };
        sides.routes(&mut out);
        sides.ports(&mut out);
        sides.grants(&mut out);
        sides.limits(&mut out);
    }
    for name in nb.keys().filter(|k| !ob.contains_key(*k)) {
        out.push(Change::Compatible(format!("bind {name} added")));
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
            Some(n) if n != json => out.extend(schema::changes(path, json, n)),
            _ => {}
        }
    }
    for path in ns.keys().filter(|p| !os.contains_key(*p)) {
        out.push(Change::Compatible(format!("schema {path} added")));
    }
    out
}

/// One bind in both bundles.
struct Sides<'a> {
    old: &'a Bundle,
    new: &'a Bundle,
    ob: &'a Bind,
    nb: &'a Bind,
    name: &'a str,
}

impl Sides<'_> {
    fn routes(&self, out: &mut Vec<Change>) {
        let (old, new, name) = (self.old, self.new, self.name);
        let key = |r: &starlane_ir::Route| render_ir::selector(r);
        let old_routes: BTreeMap<String, &starlane_ir::Route> =
            self.ob.routes.iter().map(|r| (key(r), r)).collect();
        let new_routes: BTreeMap<String, &starlane_ir::Route> =
            self.nb.routes.iter().map(|r| (key(r), r)).collect();
        for (k, r) in &old_routes {
            let Some(n) = new_routes.get(k) else {
                out.push(Change::Breaking(format!("{name}: route {k} removed")));
                continue;
            };
            for (i, (os, ns)) in r.segments.iter().zip(&n.segments).enumerate() {
                let what = format!("{name}: route {k} step {}: payload", i + 1);
                if let Some(change) = self.pattern_change(&what, os.payload, ns.payload) {
                    out.push(change);
                }
            }
            // Stops (or the number of steps) changed: the message now goes somewhere else.
            let stops = |b: &Bind, x: &starlane_ir::Route| {
                x.segments
                    .iter()
                    .map(|s| render_ir::stop(b, &s.stop))
                    .collect::<Vec<_>>()
            };
            if stops(self.ob, r) != stops(self.nb, n) {
                out.push(Change::Breaking(format!(
                    "{name}: route {k} pipeline changed from `{}` to `{}`",
                    render_ir::pipeline(old, self.ob, r),
                    render_ir::pipeline(new, self.nb, n)
                )));
            }
        }
        for k in new_routes.keys().filter(|k| !old_routes.contains_key(*k)) {
            out.push(Change::Compatible(format!("{name}: route {k} added")));
        }
    }

    /// How a payload pattern changed (`None`: it did not): one that now accepts anything is
    /// compatible, one that accepted anything and now names something is narrowed; any other
    /// difference may refuse what passed before.
    fn pattern_change(
        &self,
        what: &str,
        old: Option<starlane_ir::PatternId>,
        new: Option<starlane_ir::PatternId>,
    ) -> Option<Change> {
        let accepts_anything = |bundle: &Bundle, p: Option<starlane_ir::PatternId>| {
            p.is_none_or(|p| {
                matches!(
                    bundle.patterns.get(p as usize).map(|x| &x.shape),
                    Some(Shape::Any)
                ) && bundle.patterns[p as usize].validators.is_empty()
            })
        };
        let ot = old.map(|p| render_ir::pattern(self.old, p));
        let nt = new.map(|p| render_ir::pattern(self.new, p));
        if ot == nt {
            return None;
        }
        let (ot, nt) = (ot.unwrap_or("*".into()), nt.unwrap_or("*".into()));
        let (was_open, is_open) = (
            accepts_anything(self.old, old),
            accepts_anything(self.new, new),
        );
        if was_open && is_open {
            return None;
        }
        Some(if is_open {
            Change::Compatible(format!("{what} widened from `{ot}` to `{nt}`"))
        } else if was_open {
            Change::Breaking(format!("{what} narrowed from `{ot}` to `{nt}`"))
        } else {
            Change::Breaking(format!("{what} changed from `{ot}` to `{nt}`"))
        })
    }

    fn ports(&self, out: &mut Vec<Change>) {
        let name = self.name;
        let old_ports: BTreeMap<&str, &Port> =
            self.ob.ports.iter().map(|p| (p.name.as_str(), p)).collect();
        for p in &self.ob.ports {
            if !self.nb.ports.iter().any(|n| n.name == p.name) {
                out.push(Change::Breaking(format!("{name}: port {} removed", p.name)));
            }
        }
        for p in &self.nb.ports {
            let Some(o) = old_ports.get(p.name.as_str()) else {
                out.push(Change::Compatible(format!("{name}: port {} added", p.name)));
                for c in &p.calls {
                    out.push(Change::Widening(format!(
                        "{name}: port {} may call {}",
                        p.name,
                        call_key(c)
                    )));
                }
                continue;
            };
            for (what, a, b) in [
                ("request", o.request, p.request),
                ("response", o.response, p.response),
            ] {
                let what = format!("{name}: port {} {what}", p.name);
                let (a, b) = (a.map(|c| c.pattern), b.map(|c| c.pattern));
                if let Some(change) = self.pattern_change(&what, a, b) {
                    out.push(change);
                }
            }
            let port = format!("{name}: port {}", p.name);
            out.extend(duration_change(
                &format!("{port} exec timeout"),
                o.exec_ms,
                p.exec_ms,
            ));
            out.extend(duration_change(
                &format!("{port} total timeout"),
                o.total_ms,
                p.total_ms,
            ));
            calls(&port, &o.calls, &p.calls, out);
        }
    }

    /// Grants given, widened, reduced or taken away, whoever holds them.
    fn grants(&self, out: &mut Vec<Change>) {
        let name = self.name;
        let old: Vec<&starlane_ir::Grant> = self.ob.all_grants().collect();
        let new: Vec<&starlane_ir::Grant> = self.nb.all_grants().collect();
        for g in &new {
            if !old.iter().any(|o| covers(o, g)) {
                out.push(Change::Widening(format!(
                    "{name}: {} grants more than before",
                    render_ir::grant(g)
                )));
            }
        }
        for g in &old {
            if !new.iter().any(|n| covers(n, g)) {
                out.push(Change::Narrowing(format!(
                    "{name}: {} is no longer granted in full",
                    render_ir::grant(g)
                )));
            }
        }
    }

    /// The bind's `limits`: request limits that shrink refuse requests that were served.
    fn limits(&self, out: &mut Vec<Change>) {
        let (o, n, name) = (self.ob.limits, self.nb.limits, self.name);
        for (what, a, b) in [
            ("payload", o.payload, n.payload),
            ("headers", o.headers, n.headers),
        ] {
            if b < a {
                out.push(Change::Breaking(format!(
                    "{name}: {what} limit lowered from {a} to {b} bytes: larger requests are now refused"
                )));
            } else if b > a {
                out.push(Change::Compatible(format!(
                    "{name}: {what} limit raised from {a} to {b} bytes"
                )));
            }
        }
        if n.memory < o.memory {
            out.push(Change::Narrowing(format!(
                "{name}: memory limit lowered from {} to {} bytes",
                o.memory, n.memory
            )));
        } else if n.memory > o.memory {
            out.push(Change::Widening(format!(
                "{name}: memory limit raised from {} to {} bytes",
                o.memory, n.memory
            )));
        }
    }
}

/// Whether grant `a` allows at least what `b` does: the same holder and target, and every bit.
fn covers(a: &starlane_ir::Grant, b: &starlane_ir::Grant) -> bool {
    if a.on != b.on || a.to != b.to {
        return false;
    }
    match (&a.kind, &b.kind) {
        (
            GrantKind::Perm {
                bits: ab,
                and: false,
            },
            GrantKind::Perm {
                bits: bb,
                and: false,
            },
        ) => bb & !ab == 0,
        (x, y) => x == y,
    }
}

fn call_key(c: &CallRule) -> String {
    let mut key = format!("{}^{}", c.selector, render_ir::methods(&c.methods));
    if let Some(path) = &c.path {
        key.push_str(path);
    }
    key
}

/// A port's `call` entries: added (widening), removed (narrowing), their options changed.
fn calls(port: &str, old: &[CallRule], new: &[CallRule], out: &mut Vec<Change>) {
    let old: BTreeMap<String, &CallRule> = old.iter().map(|c| (call_key(c), c)).collect();
    let new: BTreeMap<String, &CallRule> = new.iter().map(|c| (call_key(c), c)).collect();
    for (k, c) in &new {
        let Some(o) = old.get(k) else {
            out.push(Change::Widening(format!("{port} may now call {k}")));
            continue;
        };
        if let (Some(a), Some(b)) = (o.timeout_ms, c.timeout_ms) {
            out.extend(duration_change(&format!("{port} call {k} timeout"), a, b));
        } else if o.timeout_ms != c.timeout_ms {
            // From or to the port's own deadline: which is longer is not known here.
            out.push(Change::Compatible(format!(
                "{port} call {k} timeout changed from {} to {}",
                ms_or_default(o.timeout_ms),
                ms_or_default(c.timeout_ms)
            )));
        }
        if (o.ack_ms, o.retries) != (c.ack_ms, c.retries) {
            out.push(Change::Compatible(format!(
                "{port} call {k} delivery changed from ack {}, retries {} to ack {}, retries {}",
                ms_or_default(o.ack_ms),
                o.retries.map_or("default".into(), |r| r.to_string()),
                ms_or_default(c.ack_ms),
                c.retries.map_or("default".into(), |r| r.to_string()),
            )));
        }
    }
    for k in old.keys().filter(|k| !new.contains_key(*k)) {
        out.push(Change::Narrowing(format!("{port} may no longer call {k}")));
    }
}

fn ms_or_default(ms: Option<u64>) -> String {
    ms.map_or("the default".into(), |ms| format!("{ms}ms"))
}

/// A timeout that got shorter (work that finished may now time out) or longer (a guest may now
/// hold resources longer).
fn duration_change(what: &str, old_ms: u64, new_ms: u64) -> Option<Change> {
    if new_ms < old_ms {
        Some(Change::Narrowing(format!(
            "{what} shortened from {old_ms}ms to {new_ms}ms: work that took longer now times out"
        )))
    } else if new_ms > old_ms {
        Some(Change::Widening(format!(
            "{what} lengthened from {old_ms}ms to {new_ms}ms"
        )))
    } else {
        None
    }
}
