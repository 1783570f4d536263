//! `starlane inspect`: the IR, readable (text) or as JSON (module and file bytes summarised).

use std::fmt::Write;

use serde_json::{Value, json};
use starlane_ir::Bundle;
use starlane_ir::format::Header;

use starlane_ir::render as render_ir;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn text(header: &Header, bundle: &Bundle) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "bundle `{}` (format {}, produced by {}, body sha256 {})",
        bundle.name,
        header.format_version,
        header.producer,
        &hex(&header.body_sha256)[..16]
    );
    // Who vouches for it, and for what. `inspect` does not judge trust: `verify` and `run
    // --trust` do.
    match &header.signature {
        Some(block) => s.push_str(&starlane_ir::signature::render_claims(block)),
        None => s.push_str("unsigned\n"),
    }
    for m in &bundle.mechtrons {
        let module = m
            .module
            .and_then(|i| bundle.modules.get(i as usize))
            .map_or("no module".into(), |md| md.path.clone());
        let bind = bundle
            .binds
            .get(m.bind as usize)
            .and_then(|b| bundle.sources.get(b.source as usize))
            .map_or("?", |s| s.path.as_str());
        let _ = writeln!(s, "mechtron {} = {module} + {bind}", m.name);
    }
    for (i, bind) in bundle.binds.iter().enumerate() {
        let path = bundle
            .sources
            .get(bind.source as usize)
            .map_or("?", |s| s.path.as_str());
        let http = if bundle.http_bind == Some(i as u32) {
            " (receives HTTP)"
        } else {
            ""
        };
        let _ = writeln!(s, "\nbind {path} version {}{http}", bind.version);
        let _ = writeln!(
            s,
            "  limits: memory {} B, payload {} B, headers {} B",
            bind.limits.memory, bind.limits.payload, bind.limits.headers
        );
        for r in &bind.requires {
            let _ = writeln!(s, "  requires {}: {}", r.name, r.kind);
        }
        for sc in &bind.schemas {
            let _ = writeln!(
                s,
                "  schema {} = {}",
                sc.name,
                bundle
                    .schemas
                    .get(sc.schema as usize)
                    .map_or("?", |d| d.path.as_str())
            );
        }
        for p in &bind.ports {
            let req = p
                .request
                .map_or("*".into(), |r| render_ir::pattern(bundle, r.pattern));
            let resp = p
                .response
                .map_or("*".into(), |r| render_ir::pattern(bundle, r.pattern));
            let _ = writeln!(
                s,
                "  port {}: request {req}, response {resp}, exec {} ms, total {} ms",
                p.name, p.exec_ms, p.total_ms
            );
            for g in &p.grants {
                let _ = writeln!(s, "    {}", render_ir::grant(g));
            }
            for c in &p.calls {
                let _ = writeln!(s, "    {}", render_ir::call(c));
            }
        }
        for r in &bind.roles {
            let _ = writeln!(
                s,
                "  role {}: {}",
                r.name,
                r.grants
                    .iter()
                    .map(render_ir::grant)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        for g in &bind.grants {
            let _ = writeln!(s, "  {}", render_ir::grant(g));
        }
        for (n, r) in bind.routes.iter().enumerate() {
            let _ = writeln!(
                s,
                "  route #{n} {} {}   [{}]",
                render_ir::selector(r),
                render_ir::pipeline(bundle, bind, r),
                bundle.locate(r.span)
            );
        }
    }
    for m in &bundle.modules {
        let _ = writeln!(
            s,
            "\nmodule {} ({} bytes, sha256 {})",
            m.path,
            m.bytes.len(),
            &hex(&m.sha256)[..16]
        );
    }
    for d in &bundle.schemas {
        let _ = writeln!(s, "schema document {} ({} bytes)", d.path, d.json.len());
    }
    for f in &bundle.files {
        let _ = writeln!(
            s,
            "file {} ({}, {} bytes)",
            f.path,
            f.content_type,
            f.bytes.len()
        );
    }
    s
}

pub fn json(header: &Header, bundle: &Bundle) -> Value {
    let mut v = serde_json::to_value(bundle).unwrap_or(Value::Null);
    v["modules"] = bundle
        .modules
        .iter()
        .map(|m| json!({"path": m.path, "sha256": hex(&m.sha256), "size": m.bytes.len()}))
        .collect();
    v["files"] = bundle
        .files
        .iter()
        .map(|f| json!({"path": f.path, "content_type": f.content_type, "size": f.bytes.len()}))
        .collect();
    let signature = header.signature.as_ref().map(|b| {
        let c = &b.claims;
        let digests = |d: &[starlane_ir::signature::FileDigest]| -> Value {
            d.iter()
                .map(|f| json!({"path": f.path, "sha256": hex(&f.sha256)}))
                .collect()
        };
        json!({
            "key": b.key.to_string(),
            "claims": {
                "name": c.name,
                "version": c.version,
                "issued_at": c.issued_at,
                "bundle_sha256": hex(&c.bundle_sha256),
                "modules": digests(&c.modules),
                "files": digests(&c.files),
                "capabilities": c.capabilities,
            },
        })
    });
    json!({
        "header": {"format_version": header.format_version, "features": header.features, "producer": header.producer, "body_sha256": hex(&header.body_sha256)},
        "signature": signature,
        "bundle": v,
    })
}
