//! Moving lowered items: into the bind (payload patterns renumbered into the shared arena) and
//! across the document (spans shifted, for an item kept from an earlier version of the text).

use starlane_ir::{Bind, Grant, PatternId, PayloadPattern, Port, Role, Route, Shape, SourceSpan};

use super::{LowerCx, LoweredItem};

/// Appends `item` to `bind`: its patterns to the arena (ids offset by the arena's length), its
/// declarations and routes to the bind, its diagnostics to the context.
pub(super) fn append(cx: &mut LowerCx, bind: &mut Bind, mut item: LoweredItem) {
    item.renumber_patterns(cx.patterns.len() as PatternId);
    take_all(&mut cx.patterns, item.patterns);
    take_all(&mut bind.ports, item.ports);
    take_all(&mut bind.roles, item.roles);
    take_all(&mut bind.grants, item.grants);
    take_all(&mut bind.routes, item.routes);
    take_all(&mut cx.diagnostics, item.diagnostics);
}

/// Appends `more` to `to`; into an empty `to` without moving an element (a block's thousands
/// of routes pass up through every scope around them), unless `to` was made room in for more.
fn take_all<T>(to: &mut Vec<T>, mut more: Vec<T>) {
    if to.is_empty() && to.capacity() < more.len() {
        *to = more;
    } else {
        to.append(&mut more);
    }
}

/// Calls `f` on every pattern id `pattern` refers to.
pub(super) fn for_each_pattern_ref(
    pattern: &mut PayloadPattern,
    mut f: impl FnMut(&mut PatternId),
) {
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
    /// Every pattern id the item holds, moved up by `base`: its arena is about to follow `base`
    /// patterns of another.
    fn renumber_patterns(&mut self, base: PatternId) {
        if base == 0 {
            return;
        }
        let renumber = |id: &mut PatternId| *id += base;
        for pattern in &mut self.patterns {
            for_each_pattern_ref(pattern, renumber);
        }
        self.for_each_pattern_use(renumber);
    }

    /// Adds `unit`, lowered from inside this item, after what the item holds so far.
    pub(crate) fn absorb(&mut self, mut unit: LoweredItem) {
        unit.renumber_patterns(self.patterns.len() as PatternId);
        take_all(&mut self.patterns, unit.patterns);
        take_all(&mut self.ports, unit.ports);
        take_all(&mut self.roles, unit.roles);
        take_all(&mut self.grants, unit.grants);
        take_all(&mut self.routes, unit.routes);
        take_all(&mut self.diagnostics, unit.diagnostics);
    }

    /// Adds `units` in order, as [`LoweredItem::absorb`] one by one would, each vector grown
    /// once: a block's lowering is assembled from a loan per chunk, and growing it chunk by
    /// chunk copied its routes again at every doubling.
    pub(crate) fn absorb_all(&mut self, units: Vec<LoweredItem>) {
        fn room<T>(to: &mut Vec<T>, units: &[LoweredItem], of: impl Fn(&LoweredItem) -> &Vec<T>) {
            to.reserve(units.iter().map(|u| of(u).len()).sum());
        }
        room(&mut self.patterns, &units, |u| &u.patterns);
        room(&mut self.ports, &units, |u| &u.ports);
        room(&mut self.roles, &units, |u| &u.roles);
        room(&mut self.grants, &units, |u| &u.grants);
        room(&mut self.routes, &units, |u| &u.routes);
        room(&mut self.diagnostics, &units, |u| &u.diagnostics);
        for unit in units {
            self.absorb(unit);
        }
    }

    /// Whether every span of the item lies in `range`, so the item can move with its text.
    pub fn lies_within(&self, range: &std::ops::Range<usize>) -> bool {
        let inside =
            |s: &SourceSpan| range.start <= s.start as usize && s.end as usize <= range.end;
        self.ports.iter().all(|p| {
            inside(&p.span)
                && p.request.iter().chain(&p.response).all(|c| inside(&c.span))
                && p.grants.iter().all(|g| inside(&g.span))
                && p.calls.iter().all(|c| inside(&c.span))
        }) && self
            .roles
            .iter()
            .all(|r| inside(&r.span) && r.grants.iter().all(|g| inside(&g.span)))
            && self.grants.iter().all(|g| inside(&g.span))
            && self
                .routes
                .iter()
                .all(|r| inside(&r.span) && r.segments.iter().all(|s| inside(&s.span)))
            && self.diagnostics.iter().all(|d| {
                d.spans()
                    .all(|s| range.start <= s.start && s.end <= range.end)
            })
    }
    /// The item moved by `delta` bytes: every span shifted, patterns (which hold none) as they
    /// are.
    pub fn shifted(&self, delta: isize) -> LoweredItem {
        let mut item = self.clone();
        item.shift(delta);
        item
    }

    /// Moves the item by `delta` bytes, in place.
    pub(super) fn shift(&mut self, delta: isize) {
        if delta == 0 {
            return;
        }
        let shift = |s: &mut SourceSpan| {
            let at = |o: u32| (o as usize).saturating_add_signed(delta) as u32;
            s.start = at(s.start);
            s.end = at(s.end);
        };
        let shift_grant = |g: &mut Grant| shift(&mut g.span);
        self.ports.iter_mut().for_each(|p: &mut Port| {
            shift(&mut p.span);
            for check in p.request.iter_mut().chain(p.response.iter_mut()) {
                shift(&mut check.span);
            }
            p.grants.iter_mut().for_each(shift_grant);
            p.calls.iter_mut().for_each(|c| shift(&mut c.span));
        });
        self.roles.iter_mut().for_each(|r: &mut Role| {
            shift(&mut r.span);
            r.grants.iter_mut().for_each(shift_grant);
        });
        self.grants.iter_mut().for_each(shift_grant);
        self.routes.iter_mut().for_each(|r: &mut Route| {
            shift(&mut r.span);
            r.segments.iter_mut().for_each(|s| shift(&mut s.span));
        });
        if !self.diagnostics.is_empty() {
            self.diagnostics = std::mem::take(&mut self.diagnostics)
                .into_iter()
                .map(|d| d.shifted(delta))
                .collect();
        }
    }

    /// Calls `f` on every pattern id the item's ports and routes refer to, in order (not those
    /// inside its patterns).
    pub(super) fn for_each_pattern_use(&mut self, mut f: impl FnMut(&mut PatternId)) {
        for port in &mut self.ports {
            for check in port.request.iter_mut().chain(port.response.iter_mut()) {
                f(&mut check.pattern);
            }
        }
        for route in &mut self.routes {
            for segment in &mut route.segments {
                segment.payload.iter_mut().for_each(&mut f);
            }
        }
    }
}
