//! Lending a remembered lowering to one check instead of copying it.
//!
//! The language server's checker remembers each item's (and each block unit's) lowering, and
//! every check assembles a whole bind from them for the semantic checks. Copying every route of
//! a 5,000-route document on each keystroke was a quarter of the check. So a remembered lowering
//! is *lent*: its routes, ports, roles and grants are moved into the bind (shifted to where the
//! item stands now), and once the semantic checks have read the bind they are *given back*,
//! found by their spans (each lies inside the item it came from) and shifted back. Patterns and
//! diagnostics are copied instead: they are few, and the bind's arena renumbers patterns.
//!
//! What comes back is checked against the [`Receipt`]: a loan that does not come back whole is
//! not given back at all, and the item is simply lowered again next time.

use std::ops::Range;

use starlane_ir::{Bind, PatternId, SourceSpan};

use super::LoweredItem;

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
}

impl LoweredItem {
    /// Lends the item, moved by `delta` to stand at `range`: its routes, ports, roles and grants
    /// are moved out (the item is left without them until [`LoweredItem::give_back`]), its
    /// patterns and diagnostics copied.
    pub fn lend(&mut self, delta: isize, range: Range<usize>) -> (LoweredItem, Receipt) {
        let mut lent = LoweredItem {
            ports: std::mem::take(&mut self.ports),
            roles: std::mem::take(&mut self.roles),
            grants: std::mem::take(&mut self.grants),
            routes: std::mem::take(&mut self.routes),
            patterns: self.patterns.clone(),
            diagnostics: self.diagnostics.clone(),
        };
        let receipt = Receipt {
            range,
            delta,
            counts: lent.counts(),
            // Ports and routes use the item's own patterns only.
            first_pattern: if lent.patterns.is_empty() {
                None
            } else {
                lent.first_pattern_use()
            },
        };
        lent.shift(delta);
        (lent, receipt)
    }

    /// Takes back what was lent under `receipt` (`returned`, from [`collect_returns`]): moved
    /// back and its pattern ids made relative to the item again. `false`, taking nothing, when
    /// `returned` is not exactly what was lent.
    pub fn give_back(&mut self, mut returned: LoweredItem, receipt: &Receipt) -> bool {
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
        if base > 0 {
            returned.for_each_pattern_use(|id| *id -= base);
        }
        returned.shift(-receipt.delta);
        self.ports = returned.ports;
        self.roles = returned.roles;
        self.grants = returned.grants;
        self.routes = returned.routes;
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

    fn first_pattern_use(&mut self) -> Option<PatternId> {
        let mut first = None;
        self.for_each_pattern_use(|id| {
            first.get_or_insert(*id);
        });
        first
    }
}

/// Takes out of `bind` what each loan of `receipts` (in text order, disjoint) lent it: the routes,
/// ports, roles and grants lying inside a loan's range, in order, one [`LoweredItem`] per
/// receipt. What lies inside no loan's range is dropped with the bind's vectors.
pub fn collect_returns(bind: &mut Bind, receipts: &[Receipt]) -> Vec<LoweredItem> {
    let mut returns: Vec<LoweredItem> = receipts
        .iter()
        .map(|r| LoweredItem {
            ports: Vec::with_capacity(r.counts[0]),
            roles: Vec::with_capacity(r.counts[1]),
            grants: Vec::with_capacity(r.counts[2]),
            routes: Vec::with_capacity(r.counts[3]),
            ..Default::default()
        })
        .collect();
    distribute(
        std::mem::take(&mut bind.ports),
        receipts,
        |p| p.span,
        |k, e| returns[k].ports.push(e),
    );
    distribute(
        std::mem::take(&mut bind.roles),
        receipts,
        |r| r.span,
        |k, e| returns[k].roles.push(e),
    );
    distribute(
        std::mem::take(&mut bind.grants),
        receipts,
        |g| g.span,
        |k, e| returns[k].grants.push(e),
    );
    distribute(
        std::mem::take(&mut bind.routes),
        receipts,
        |r| r.span,
        |k, e| returns[k].routes.push(e),
    );
    returns
}

/// Hands each element of `elements` (in text order) to the receipt whose range holds its span.
fn distribute<T>(
    elements: Vec<T>,
    receipts: &[Receipt],
    span: impl Fn(&T) -> SourceSpan,
    mut give: impl FnMut(usize, T),
) {
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
            give(k, element);
        }
    }
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
            assert!(item.give_back(returned, receipt));
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
        assert!(!item.give_back(returned, &receipt));
    }
}
