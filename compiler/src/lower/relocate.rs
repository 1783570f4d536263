//! Moving lowered items: into the bind (payload patterns renumbered into the shared arena) and
//! across the document (spans shifted, for an item kept from an earlier version of the text).

use starlane_ir::{Bind, Grant, PatternId, PayloadPattern, Port, Role, Route, Shape, SourceSpan};

use super::{LowerCx, LoweredItem};

/// Appends `item` to `bind`: its patterns to the arena (ids offset by the arena's length), its
/// declarations and routes to the bind, its diagnostics to the context.
pub(super) fn append(cx: &mut LowerCx, bind: &mut Bind, mut item: LoweredItem) {
    let base = cx.patterns.len() as PatternId;
    let renumber = |id: &mut PatternId| *id += base;
    for pattern in &mut item.patterns {
        for_each_pattern_ref(pattern, renumber);
    }
    for port in &mut item.ports {
        for check in port.request.iter_mut().chain(port.response.iter_mut()) {
            renumber(&mut check.pattern);
        }
    }
    for route in &mut item.routes {
        for segment in &mut route.segments {
            segment.payload.iter_mut().for_each(renumber);
        }
    }
    cx.patterns.append(&mut item.patterns);
    bind.ports.append(&mut item.ports);
    bind.roles.append(&mut item.roles);
    bind.grants.append(&mut item.grants);
    bind.routes.append(&mut item.routes);
    cx.diagnostics.append(&mut item.diagnostics);
}

/// Calls `f` on every pattern id `pattern` refers to.
fn for_each_pattern_ref(pattern: &mut PayloadPattern, mut f: impl FnMut(&mut PatternId)) {
    if let Shape::Map { entries, other } = &mut pattern.shape {
        entries
            .iter_mut()
            .filter_map(|e| e.pattern.as_mut())
            .for_each(&mut f);
        if let Some(Some(id)) = other {
            f(id);
        }
    }
}

impl LoweredItem {
    /// The item moved by `delta` bytes: every span shifted, patterns (which hold none) as they
    /// are.
    pub fn shifted(&self, delta: isize) -> LoweredItem {
        let mut item = self.clone();
        if delta == 0 {
            return item;
        }
        let shift = |s: &mut SourceSpan| {
            let at = |o: u32| (o as usize).saturating_add_signed(delta) as u32;
            s.start = at(s.start);
            s.end = at(s.end);
        };
        let shift_grant = |g: &mut Grant| shift(&mut g.span);
        item.ports.iter_mut().for_each(|p: &mut Port| {
            shift(&mut p.span);
            for check in p.request.iter_mut().chain(p.response.iter_mut()) {
                shift(&mut check.span);
            }
            p.grants.iter_mut().for_each(shift_grant);
            p.calls.iter_mut().for_each(|c| shift(&mut c.span));
        });
        item.roles.iter_mut().for_each(|r: &mut Role| {
            shift(&mut r.span);
            r.grants.iter_mut().for_each(shift_grant);
        });
        item.grants.iter_mut().for_each(shift_grant);
        item.routes.iter_mut().for_each(|r: &mut Route| {
            shift(&mut r.span);
            r.segments.iter_mut().for_each(|s| shift(&mut s.span));
        });
        item.diagnostics = item
            .diagnostics
            .into_iter()
            .map(|d| d.shifted(delta))
            .collect();
        item
    }
}
