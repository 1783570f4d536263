//! Lending a remembered lowering to one check instead of copying it.
//!
//! The language server's checker remembers each item's (and each block unit's) lowering, and
//! every check assembles a whole bind from them for the semantic checks. Copying every route of
//! a 5,000-route document on each keystroke was a quarter of the check. So a remembered lowering
//! is *lent*: its routes, ports, roles, grants and payload patterns are moved into the bind
//! (shifted to where the item stands now, patterns renumbered into the bind's arena), and once
//! the semantic checks have read the bind they are *given back*: found by their spans (each lies
//! inside the item it came from) and the patterns by the ids the item's routes use now, then
//! moved back. Diagnostics are copied: they are few.
//!
//! What comes back is checked against the [`Receipt`]: a loan that does not come back whole is
//! not given back at all, and the item is simply lowered again next time.

use std::ops::Range;

use starlane_ir::{Bind, PatternId, PayloadPattern, Shape, SourceSpan};

use super::LoweredItem;
use super::relocate::for_each_pattern_ref;

/// What a pattern given back leaves in the arena (no allocation).
fn stand_in() -> PayloadPattern {
    PayloadPattern {
        shape: Shape::Nothing,
        validators: Vec::new(),
    }
}

/// What one loan took, and where the lent item stands in the text being checked.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The item's range in the text being checked: everything lent lies inside it.
    pub range: Range<usize>,
    /// How far the lent item was moved.
    delta: isize,
    counts: [usize; 4],
    /// The first pattern id the item's ports and routes use, before the bind renumbered it.
    first_pattern: Option<PatternId>,
    /// How many patterns were lent (moved into the bind's arena): none when the item has no
    /// pattern its ports and routes use (the arena's position of those could not be found).
    patterns: usize,
}

impl Receipt {
    /// How many routes were lent.
    pub fn routes(&self) -> usize {
        self.counts[3]
    }
}

impl LoweredItem {
    /// Lends the item, moved by `delta` to stand at `range`: its routes, ports, roles, grants
    /// and patterns are moved out (the item is left without them until
    /// [`LoweredItem::give_back`]), its diagnostics copied.
    pub fn lend(&mut self, delta: isize, range: Range<usize>) -> (LoweredItem, Receipt) {
        let mut lent = LoweredItem {
            ports: std::mem::take(&mut self.ports),
            roles: std::mem::take(&mut self.roles),
            grants: std::mem::take(&mut self.grants),
            routes: std::mem::take(&mut self.routes),
            patterns: Vec::new(),
            diagnostics: self.diagnostics.clone(),
        };
        // Ports and routes use the item's own patterns only.
        let first_pattern = if self.patterns.is_empty() {
            None
        } else {
            lent.first_pattern_use()
        };
        lent.patterns = if first_pattern.is_some() {
            std::mem::take(&mut self.patterns)
        } else {
            self.patterns.clone()
        };
        let receipt = Receipt {
            range,
            delta,
            counts: lent.counts(),
            first_pattern,
            patterns: if first_pattern.is_some() {
                lent.patterns.len()
            } else {
                0
            },
        };
        lent.shift(delta);
        (lent, receipt)
    }

    /// Takes back what was lent under `receipt`: `returned` (from [`collect_returns`]) and its
    /// patterns from `arena`, the bind's (left there as empty stand-ins), moved back and their
    /// pattern ids made relative to the item again. `false`, taking nothing, when what is found
    /// is not exactly what was lent.
    pub fn give_back(
        &mut self,
        mut returned: LoweredItem,
        receipt: &Receipt,
        arena: &mut [PayloadPattern],
    ) -> bool {
        if returned.counts() != receipt.counts {
            return false;
        }
        let base = match receipt.first_pattern {
            None => 0,
            Some(then) => match returned.first_pattern_use() {
                Some(now) if now >= then => now - then,
                _ => return false,
            },
        };
        let Some(lent_patterns) = arena.get_mut(base as usize..base as usize + receipt.patterns)
        else {
            return false;
        };
        let mut patterns: Vec<PayloadPattern> = lent_patterns
            .iter_mut()
            .map(|p| std::mem::replace(p, stand_in()))
            .collect();
        if base > 0 {
            let relative = |id: &mut PatternId| *id -= base;
            returned.for_each_pattern_use(relative);
            for pattern in &mut patterns {
                for_each_pattern_ref(pattern, relative);
            }
        }
        returned.shift(-receipt.delta);
        self.ports = returned.ports;
        self.roles = returned.roles;
        self.grants = returned.grants;
        self.routes = returned.routes;
        if receipt.patterns > 0 {
            self.patterns = patterns;
        }
        true
    }

    fn counts(&self) -> [usize; 4] {
        [
            self.ports.len(),
            self.roles.len(),
            self.grants.len(),
            self.routes.len(),
        ]
    }

    /// The first pattern id the item's ports and routes use, in the order
    /// `for_each_pattern_use` visits them; found without reading the rest.
    fn first_pattern_use(&self) -> Option<PatternId> {
        let ports = self
            .ports
            .iter()
            .flat_map(|p| p.request.iter().chain(&p.response));
        let routes = self.routes.iter().flat_map(|r| &r.segments);
        ports
            .map(|check| check.pattern)
            .chain(routes.filter_map(|segment| segment.payload))
            .next()
    }
}

/// Takes out of `bind` what each loan of `receipts` (in text order, disjoint) lent it: the routes,
/// ports, roles and grants lying inside a loan's range, in order, one [`LoweredItem`] per
/// receipt. What lies inside no loan's range is dropped with the bind's vectors.
pub fn collect_returns(bind: &mut Bind, receipts: &[Receipt]) -> Vec<LoweredItem> {
    let ports = distribute(std::mem::take(&mut bind.ports), receipts, 0, |p| p.span);
    let roles = distribute(std::mem::take(&mut bind.roles), receipts, 1, |r| r.span);
    let grants = distribute(std::mem::take(&mut bind.grants), receipts, 2, |g| g.span);
    let routes = distribute(std::mem::take(&mut bind.routes), receipts, 3, |r| r.span);
    ports
        .into_iter()
        .zip(roles)
        .zip(grants)
        .zip(routes)
        .map(|(((ports, roles), grants), routes)| LoweredItem {
            ports,
            roles,
            grants,
            routes,
            ..Default::default()
        })
        .collect()
}

/// Hands each element of `elements` (in text order) to the receipt whose range holds its span:
/// one vector per receipt, sized by the receipt's count number `count`.
fn distribute<T>(
    elements: Vec<T>,
    receipts: &[Receipt],
    count: usize,
    span: impl Fn(&T) -> SourceSpan,
) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = receipts
        .iter()
        .map(|r| Vec::with_capacity(r.counts[count]))
        .collect();
    let mut k = 0;
    for element in elements {
        let s = span(&element);
        let (start, end) = (s.start as usize, s.end as usize);
        while k + 1 < receipts.len() && receipts[k + 1].range.start <= start {
            k += 1;
        }
        if let Some(receipt) = receipts.get(k)
            && receipt.range.start <= start
            && end <= receipt.range.end
        {
            out[k].push(element);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::{LowerCx, lower_bind};

    /// Lowers `src`; every item lent and given back through a bind leaves each item as it was.
    #[test]
    fn what_is_lent_comes_back_as_it_was() {
        let src = "Bind(version=1.1.0) {\n  Port p { request: Map{name<Text>}; }\n  Route -> {\n    Http<Post>/a -[ Map{name<Text>} ]-> ((p)) => &;\n    Http<Get>/b -> (()) => &;\n  }\n}\n";
        let parse = starlane_lang::parse(src);
        let root = parse.syntax();
        let mut cx = LowerCx::default();
        let whole = lower_bind(&mut cx, src, &root, 0);
        assert_eq!(whole.routes.len(), 2);
        // Two "items": each route on its own, kept relative to its line, lent back into a bind
        // assembled the way the checker assembles one.
        let mut kept: Vec<(LoweredItem, usize)> = whole
            .routes
            .iter()
            .map(|route| {
                let start = route.span.start as usize;
                let mut item = LoweredItem {
                    routes: vec![route.clone()],
                    ..Default::default()
                };
                item.shift(-(start as isize));
                (item, start)
            })
            .collect();
        let before: Vec<LoweredItem> = kept.iter().map(|(item, _)| item.clone()).collect();
        let mut bind = Bind::default();
        let mut receipts = Vec::new();
        // The second route moved one byte right (a character typed before it).
        for (i, (item, start)) in kept.iter_mut().enumerate() {
            let delta = *start as isize + i as isize;
            let at = delta as usize;
            let (lent, receipt) = item.lend(delta, at..at + 200.min(src.len() - at));
            assert!(item.routes.is_empty(), "lent, not copied");
            bind.routes.extend(lent.routes);
            receipts.push(receipt);
        }
        receipts[0].range.end = receipts[1].range.start;
        let returns = collect_returns(&mut bind, &receipts);
        for (((item, _), returned), receipt) in kept.iter_mut().zip(returns).zip(&receipts) {
            assert!(item.give_back(returned, receipt, &mut []));
        }
        let after: Vec<LoweredItem> = kept.into_iter().map(|(item, _)| item).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn a_loan_that_does_not_come_back_whole_is_refused() {
        let mut item = LoweredItem::default();
        let (_, receipt) = item.lend(0, 0..10);
        let mut returned = LoweredItem::default();
        returned.grants.push(starlane_ir::Grant {
            kind: starlane_ir::GrantKind::Super,
            on: None,
            to: None,
            span: SourceSpan::default(),
        });
        assert!(!item.give_back(returned, &receipt, &mut []));
    }
}
