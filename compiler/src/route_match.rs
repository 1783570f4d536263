//! The `starlane route` dry run: which route a message takes and why each earlier route did not
//! match, using the runtime's own matcher (`starlane-routing`).

use starlane_ir::render as render_ir;
use starlane_ir::{Bind, Bundle, Method};
use starlane_routing::{RouteTable, Verdict};

/// The `starlane route` report for one message against one bind.
pub fn explain(bundle: &Bundle, bind: &Bind, method: &Method, path: &str) -> (String, bool) {
    use std::fmt::Write;
    let mut s = String::new();
    let (kind, name) = (method.kind(), method.name());
    let _ = writeln!(s, "{method} {path}");
    let (table, _) = RouteTable::new(&bind.routes);
    for (i, route) in bind.routes.iter().enumerate() {
        let here = bundle.locate(route.span);
        let sel = render_ir::selector(route);
        match table.judge(i, method, path) {
            Verdict::Matched(captures) => {
                let _ = writeln!(s, "  route #{i} {sel} matches  [{here}]");
                for c in &captures {
                    let name = c
                        .name
                        .as_deref()
                        .map_or_else(|| c.number.to_string(), str::to_string);
                    let _ = writeln!(s, "    capture {name} = {:?}", c.value);
                }
                if !route.filters.is_empty() {
                    let _ = writeln!(
                        s,
                        "    filters: {} (a failed filter answers 401; routing never falls through)",
                        route
                            .filters
                            .iter()
                            .map(|f| f.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                let _ = writeln!(
                    s,
                    "    pipeline: {}",
                    render_ir::pipeline(bundle, bind, route)
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
                            let _ = writeln!(s, "      {}", render_ir::grant(g));
                        }
                        for c in &port.calls {
                            let _ = writeln!(
                                s,
                                "      call {}^{}",
                                c.selector,
                                render_ir::methods(&c.methods)
                            );
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
                    route.methods.kind().map_or("*", |k| k.name())
                );
            }
            Verdict::WrongMethod => {
                let _ = writeln!(
                    s,
                    "  route #{i} {sel}: method is {}, not {name}  [{here}]",
                    route.methods.method_name()
                );
            }
            Verdict::PathMismatch => {
                let _ = writeln!(
                    s,
                    "  route #{i} {sel}: `{}` does not match the whole path  [{here}]",
                    route.path.text().unwrap_or("")
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
    let _ = writeln!(s, "  no route matches: {method} {path} is answered 404");
    (s, false)
}
