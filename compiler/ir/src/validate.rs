//! Structural checks after decoding: a bundle that decodes but points outside its arenas, or
//! whose patterns form a cycle, is refused here so the runtime can index without checking.

use starlane_model::method::is_upper_camel;

use crate::{Bundle, Method, MethodPattern, Shape, Stop, Validator};

/// An `Ext` method decoded from a bundle must be a name the language admits.
fn check_method(m: &Method) -> Result<(), String> {
    match m {
        Method::Ext(name) if !is_upper_camel(name) => {
            Err(format!("`Ext<{name}>` is not a method name"))
        }
        _ => Ok(()),
    }
}

/// Checks every cross-reference of `b` is in range and its patterns are acyclic (the loader
/// runs this; embedders that build bundles in memory can too).
pub fn validate(b: &Bundle) -> Result<(), String> {
    let in_range = |i: u32, len: usize, what: &str| -> Result<(), String> {
        if (i as usize) < len {
            Ok(())
        } else {
            Err(format!("{what} index {i} is out of range (len {len})"))
        }
    };
    for (i, p) in b.patterns.iter().enumerate() {
        let child = |c: u32| -> Result<(), String> {
            if (c as usize) < i {
                Ok(())
            } else {
                Err(format!(
                    "pattern {i} refers to pattern {c}, which does not precede it"
                ))
            }
        };
        if let Shape::Map { entries, other } = &p.shape {
            for e in entries {
                if let Some(c) = e.pattern {
                    child(c)?;
                }
            }
            if let Some(Some(c)) = other {
                child(*c)?;
            }
        }
        for v in &p.validators {
            match v {
                Validator::Schema(s) => in_range(*s, b.schemas.len(), "schema")?,
                Validator::Mechtron { method, .. } => check_method(method)?,
                Validator::Format(_) => {}
            }
        }
    }
    for (i, source) in b.sources.iter().enumerate() {
        if source.line_starts.first().is_some_and(|&s| s != 0)
            || source.line_starts.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(format!("source {i} has an unordered line table"));
        }
    }
    let pattern = |p: Option<u32>| p.map_or(Ok(()), |p| in_range(p, b.patterns.len(), "pattern"));
    for bind in &b.binds {
        in_range(bind.source, b.sources.len(), "source")?;
        for s in &bind.schemas {
            in_range(s.schema, b.schemas.len(), "schema")?;
        }
        for port in &bind.ports {
            pattern(port.request.map(|c| c.pattern))?;
            pattern(port.response.map(|c| c.pattern))?;
            for call in &port.calls {
                if let MethodPattern::Exactly(m) = &call.methods {
                    check_method(m)?;
                }
            }
        }
        for route in &bind.routes {
            if let MethodPattern::Exactly(m) = &route.methods {
                check_method(m)?;
            }
            for seg in &route.segments {
                pattern(seg.payload)?;
                match &seg.stop {
                    Stop::Port(p) => in_range(*p, bind.ports.len(), "port")?,
                    Stop::Call { method, .. } => check_method(method)?,
                    _ => {}
                }
            }
        }
    }
    for m in &b.mechtrons {
        in_range(m.bind, b.binds.len(), "bind")?;
        if let Some(module) = m.module {
            in_range(module, b.modules.len(), "module")?;
        }
    }
    if let Some(h) = b.http_bind {
        in_range(h, b.binds.len(), "bind")?;
    }
    Ok(())
}
