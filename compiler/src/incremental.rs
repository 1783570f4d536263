//! Checking one document again and again as it is edited, redoing only what the edit touched.
//!
//! The unit of reuse is an item of the `Bind` body (a `Port`, a top-level route scope, …).
//! What the front end finds in an item depends on the item's text alone, and what lowering
//! makes of it on its text and the bind's [`LowerEnv`] (port and schema names); so both are
//! remembered by item text and, when the same text turns up again — typically everywhere but
//! the item being typed in — carried to its new position instead of recomputed.
//!
//! An item that changed is not redone whole when it is a route scope: each unit of its block (a
//! route, a nested scope — recursively) is remembered the same way, keyed by its text and the
//! headers of the scopes around it, which is all its findings and routes depend on. So an edit
//! in a block of 5,000 routes rechecks one route, whatever the file's shape. A unit whose
//! findings point outside it (a capture clashing with an enclosing scope's) is not remembered.
//!
//! Parsing is incremental too: in a document without syntax errors, an edit inside one item
//! (of the body, or of a route scope's block) reparses only that item
//! ([`starlane_lang::reparse_item`]); other edits parse the whole text. The whole-document checks
//! and the semantic checks run in full each time, except the search for unreachable routes: it
//! judges again only the routes an edit changed and those they cover
//! ([`crate::reachability::ReachMemo`]).
//!
//! The items' trees are shared the same way (see [`starlane_lang::parse_reusing`]), so an
//! unchanged item is neither rebuilt nor freed.
//!
//! [`IncrementalChecker::check`] returns exactly what [`crate::check_document`] returns for the
//! same text (a property test holds it to that).

use std::sync::Arc;

use rustc_hash::FxHashMap;
use starlane_lang::ast::AstNode;
use starlane_lang::check::{ItemFindings, RegexCache, ScopeContext};
use starlane_lang::settings::Settings;
use starlane_lang::{DocumentKind, GreenNode, SyntaxKind, SyntaxNode};

use crate::Checked;
use crate::lower::lend::{Receipt, collect_returns};
use crate::lower::{self, LowerCx, LowerEnv, LoweredItem};
use crate::reachability::{Fingerprint, ReachMemo, fingerprint};
use crate::symbols::{ItemSymbols, SymbolIndex};

/// One document's checker, kept by the language server from one version of the text to the
/// next.
#[derive(Default)]
pub struct IncrementalChecker {
    /// The document kind the memo was made for: items mean different things in other kinds.
    kind: Option<DocumentKind>,
    /// What each item's text was found to hold, keyed by that text.
    items: FxHashMap<Box<str>, ItemMemo>,
    /// The env the last lowering ran against; kept while it stays equal, so memos can compare
    /// it by pointer.
    env: Arc<LowerEnv>,
    /// Bumped on every check: items not seen in a check are forgotten after it.
    generation: u64,
    /// What each unit inside a route scope's block was found to hold.
    units: UnitMemos,
    /// Regex analyses, shared by every phase and kept across checks.
    pub regexes: RegexCache,
    /// What the last check found unreachable: the next judges again only what changed.
    reach: ReachMemo,
    /// The last version's parse: an edit inside one item reparses only that item.
    last_parse: Option<starlane_lang::Parse>,
    /// How many items the last check reused and recomputed (for tests and benches).
    pub last_reuse: Reuse,
    /// How many units inside the recomputed items' route scopes it reused and recomputed.
    pub last_unit_reuse: Reuse,
    /// Whether the last check reparsed one item only (the rest of the tree carried over).
    pub last_reparsed_item: bool,
    /// How many loans the last check gave back, and how many came back other than lent.
    pub last_loans: Loaned,
}

/// Loans of one check ([`crate::lower::lend`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loaned {
    pub given_back: usize,
    pub refused: usize,
}

/// Units inside route scopes, by their [`unit_context`] and then their tree; findings and
/// routes kept relative to the unit's start. Two levels, so the units of one block compute their
/// shared context once.
///
/// A unit is known by its tree's address ([`TreeKey`]): the parse shares an unchanged unit's
/// tree with the last version's ([`starlane_lang::parse_reusing`], through
/// [`UnitMemos::greens`]), so the same text is the same tree, and a lookup hashes one word
/// instead of the unit's text (thousands of lookups per check in a big block). A unit whose text
/// was parsed afresh is only checked again, never mistaken for another.
#[derive(Default)]
struct UnitMemos {
    memos: FxHashMap<Arc<str>, FxHashMap<TreeKey, UnitMemo>>,
    /// What each chunk of a block ([`Chunk`]) was found to hold, by its units' context and then
    /// the hash of its layout.
    chunks: FxHashMap<Arc<str>, FxHashMap<u64, ChunkMemo>>,
    /// The units' trees, by depth and kind and then text, with the generation that last saw
    /// them: shared with the next version's tree ([`starlane_lang::parse_reusing`]).
    greens: FxHashMap<(usize, SyntaxKind), KeptTrees>,
    lowerings: LoweringSlots,
    /// The block whose units were asked about last, and their context.
    last_context: Option<(SyntaxNode, Arc<str>)>,
    generation: u64,
    reuse: Reuse,
}

/// Trees by their text, each with the generation that last saw it.
type KeptTrees = FxHashMap<Box<str>, (u64, GreenNode)>;

/// The address of a unit's tree; its memo holds the tree, so no other takes the address while
/// the memo lives.
type TreeKey = usize;

fn tree_key(unit: &SyntaxNode) -> TreeKey {
    key_of(&unit.green())
}

fn key_of(green: &starlane_lang::GreenNodeData) -> TreeKey {
    std::ptr::from_ref(green) as TreeKey
}

struct UnitMemo {
    /// The tree its key is the address of, held so no other tree takes the address while the
    /// memo lives.
    _tree: GreenNode,
    findings: Option<ItemFindings>,
    /// Its slot in [`UnitMemos::lowerings`].
    lowered: Option<usize>,
    symbols: Option<Arc<ItemSymbols>>,
    used: u64,
}

/// A run of consecutive units of one block, remembered as one: an unchanged run is one lookup
/// and one loan however many units it holds (a block can hold thousands, and an edit changes
/// one). What a run holds is a function of its units' trees, where each stands in the run, and
/// their context, so that is its key.
struct ChunkMemo {
    /// The units' trees, held so no other tree takes their addresses while the memo lives.
    _trees: Vec<GreenNode>,
    layout: Vec<(TreeKey, usize)>,
    findings: Option<ItemFindings>,
    /// Its slot in [`UnitMemos::lowerings`].
    lowered: Option<usize>,
    used: u64,
    /// The generation that first saw this chunk.
    made: u64,
}

/// One chunk of a block as it stands in the text being checked.
struct Chunk {
    /// Each unit's tree and start, relative to the chunk's start.
    layout: Vec<(TreeKey, usize)>,
    /// Each unit's range in the text.
    units: Vec<std::ops::Range<usize>>,
    range: std::ops::Range<usize>,
    hash: u64,
}

/// Unit and chunk memos are kept this many checks after they were last used (an edit undone, or
/// typed and deleted again, finds them), and looked over for the forgotten once every this many.
const KEPT_FOR: u64 = 8;

/// A chunk ends after a unit whose tree's address hashes to a multiple of this (so a cut moves
/// with its unit, and an edit changes only the chunks around the unit it touches)...
const CHUNK_CUT: u64 = 64;
/// ...or after this many units.
const MOST_IN_CHUNK: usize = 256;

/// `parts`, lowered in order, as one item.
fn joined(parts: Vec<LoweredItem>) -> LoweredItem {
    let mut out = LoweredItem::default();
    out.absorb_all(parts);
    out
}

/// The units of `block` (every node directly inside it), cut into chunks; `None` if a unit is
/// empty (its range would not tell it from a neighbour). Read from the green tree: no cursor is
/// made for a unit (a lookup needs its address and place only).
fn chunks_of(block: &SyntaxNode) -> Option<Vec<Chunk>> {
    use std::hash::{BuildHasher, Hasher};
    let mut chunks = Vec::new();
    let mut offset = item_start(block);
    let mut current: Option<Chunk> = None;
    for child in block.green().children() {
        let len = usize::from(child.text_len());
        let at = offset;
        offset += len;
        let starlane_lang::NodeOrToken::Node(tree) = child else {
            continue;
        };
        if len == 0 {
            return None;
        }
        let key = key_of(tree);
        let chunk = current.get_or_insert_with(|| Chunk {
            layout: Vec::new(),
            units: Vec::new(),
            range: at..at,
            hash: 0,
        });
        chunk.layout.push((key, at - chunk.range.start));
        chunk.units.push(at..at + len);
        chunk.range.end = at + len;
        let cut = (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        if cut.is_multiple_of(CHUNK_CUT) || chunk.layout.len() == MOST_IN_CHUNK {
            chunks.extend(current.take());
        }
    }
    chunks.extend(current);
    for chunk in &mut chunks {
        let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
        for &(key, at) in &chunk.layout {
            hasher.write_usize(key);
            hasher.write_usize(at);
        }
        chunk.hash = hasher.finish();
    }
    Some(chunks)
}

impl Chunk {
    /// The chunk's units, found in `block` by their ranges (a binary search each), or, should
    /// one not be found so, among all of the block's units (no two have the same range: none is
    /// empty).
    fn units_in(&self, block: &SyntaxNode) -> Vec<SyntaxNode> {
        let found: Vec<SyntaxNode> = self
            .units
            .iter()
            .map_while(|range| unit_at(block, range))
            .collect();
        if found.len() == self.units.len() {
            return found;
        }
        let inside = |unit: &SyntaxNode| {
            let range = item_range(unit);
            self.range.start <= range.start && range.end <= self.range.end
        };
        block.children().filter(inside).collect()
    }
}

/// The unit of `block` standing at `range`.
fn unit_at(block: &SyntaxNode, range: &std::ops::Range<usize>) -> Option<SyntaxNode> {
    let to_size = |o: usize| starlane_lang::TextSize::try_from(o).ok();
    let wanted = starlane_lang::TextRange::new(to_size(range.start)?, to_size(range.end)?);
    block
        .child_or_token_at_range(wanted)
        .and_then(|c| c.into_node())
        .filter(|n| n.text_range() == wanted)
}

/// The units' lowerings, each in a slot its memo names, and a loan too: giving one back needs
/// no lookup by text (thousands per check in a big block). A slot is freed only when its memo
/// is forgotten, after the check.
#[derive(Default)]
struct LoweringSlots {
    slots: Vec<Option<KeptLowering>>,
    free: Vec<usize>,
}

impl LoweringSlots {
    /// Keeps `kept` in the slot `slot` names, taking a slot first if it names none.
    fn put(&mut self, slot: &mut Option<usize>, kept: KeptLowering) {
        let i = *slot.get_or_insert_with(|| {
            self.free.pop().unwrap_or_else(|| {
                self.slots.push(None);
                self.slots.len() - 1
            })
        });
        self.slots[i] = Some(kept);
    }

    fn get_mut(&mut self, slot: Option<usize>) -> Option<&mut KeptLowering> {
        self.slots.get_mut(slot?)?.as_mut()
    }

    /// Lends the lowering in `slot`, moved by `delta` to stand at `range`, recording the loan in
    /// `loans`: if there is one and it may serve a check against `env`.
    fn lend(
        &mut self,
        slot: Option<usize>,
        env: &Arc<LowerEnv>,
        delta: isize,
        range: std::ops::Range<usize>,
        loans: &mut Loans,
    ) -> Option<LoweredItem> {
        let slot = slot?;
        let kept = self.get_mut(Some(slot)).filter(|kept| kept.serves(env))?;
        kept.lent = true;
        let (lent, receipt) = kept.item.lend(delta, range);
        loans.record(receipt, Lender::Unit(slot));
        Some(lent)
    }

    fn release(&mut self, slot: Option<usize>) {
        if let Some(i) = slot {
            self.slots[i] = None;
            self.free.push(i);
        }
    }
}

/// A lowering kept relative to its item's start, against the env it was made with (compared by
/// pointer); `lent` while the check under way holds its routes ([`crate::lower::lend`]).
struct KeptLowering {
    env: Arc<LowerEnv>,
    item: LoweredItem,
    lent: bool,
    /// The fingerprints of its routes, for the unreachable-route memo (taken once, here, not
    /// from every route on every check).
    prints: Vec<Fingerprint>,
}

impl KeptLowering {
    fn new(env: &Arc<LowerEnv>, item: LoweredItem) -> Self {
        KeptLowering {
            env: env.clone(),
            prints: item.routes.iter().map(fingerprint).collect(),
            item,
            lent: false,
        }
    }

    /// Whether this lowering may serve a check against `env` now.
    fn serves(&self, env: &Arc<LowerEnv>) -> bool {
        !self.lent && Arc::ptr_eq(&self.env, env)
    }
}

/// The loans of one check, in text order: each receipt with the memo to give back to.
#[derive(Default)]
struct Loans {
    receipts: Vec<Receipt>,
    lenders: Vec<Lender>,
}

enum Lender {
    /// An item of the `Bind` body (its memo is found by its text).
    Item,
    /// A unit of a block, by its slot in [`UnitMemos::lowerings`].
    Unit(usize),
}

impl Loans {
    fn record(&mut self, receipt: Receipt, lender: Lender) {
        self.receipts.push(receipt);
        self.lenders.push(lender);
    }
}

/// What a check made that its result does not hold — the rest of the bind and its patterns
/// (the lowering of what changed), the memos of items no longer in the document: held only to
/// be dropped where freeing them delays nothing.
pub struct Leftovers {
    _bind: starlane_ir::Bind,
    _patterns: Vec<starlane_ir::PayloadPattern>,
    _forgotten: Vec<ItemMemo>,
}

/// Items reused and recomputed by one check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reuse {
    pub reused: usize,
    pub computed: usize,
}

struct ItemMemo {
    kind: SyntaxKind,
    /// Where the item stood when its results were computed: they are shifted from here.
    start: usize,
    findings: ItemFindings,
    lowered: Option<KeptLowering>,
    /// Made on demand (the language server's symbol index), relative to `start`.
    symbols: Option<Arc<ItemSymbols>>,
    used: u64,
    /// The generation that first saw this text.
    made: u64,
    /// The item's tree, shared with the next version's tree when the text is unchanged
    /// ([`starlane_lang::parse_reusing`]).
    green: GreenNode,
}

impl IncrementalChecker {
    /// Checks `src`, a new version of the document: the same result as
    /// [`crate::check_document`], computed again only for the items whose text is new.
    pub fn check(&mut self, src: &str, settings: &Settings) -> Checked {
        self.check_keeping(src, settings, true).0
    }

    /// [`IncrementalChecker::check`] without the lowered bind (`Checked::bind` is `None` and
    /// `Checked::patterns` empty): what the remembered items lent it is given back instead of
    /// copied. For the language server, which wants the diagnostics, and frees the
    /// [`Leftovers`] where freeing them does not delay the diagnostics.
    pub fn check_without_bind(&mut self, src: &str, settings: &Settings) -> (Checked, Leftovers) {
        self.check_keeping(src, settings, false)
    }

    fn check_keeping(
        &mut self,
        src: &str,
        settings: &Settings,
        keep_bind: bool,
    ) -> (Checked, Leftovers) {
        let (items, units) = (&self.items, &self.units);
        let mut reuse = |depth, kind, text: &str| {
            if depth == starlane_lang::ITEM_DEPTH {
                let memo = items.get(text).filter(|m| m.kind == kind)?;
                Some(memo.green.clone())
            } else {
                units
                    .greens
                    .get(&(depth, kind))
                    .and_then(|by_text| by_text.get(text))
                    .map(|(_, green)| green.clone())
            }
        };
        let reparsed = self
            .last_parse
            .take()
            .and_then(|old| starlane_lang::reparse_item(&old, src, &mut reuse));
        self.last_reparsed_item = reparsed.is_some();
        let parse = match reparsed {
            Some(parse) => parse,
            None => starlane_lang::parse_reusing(src, &mut reuse),
        };
        if parse.kind != self.kind {
            self.items.clear();
            self.units.memos.clear();
            self.units.chunks.clear();
            self.units.lowerings = LoweringSlots::default();
            self.units.greens.clear();
            self.kind = parse.kind;
        }
        self.generation += 1;
        self.last_reuse = Reuse::default();
        self.units.generation = self.generation;
        self.units.reuse = Reuse::default();
        let root = parse.syntax();
        let front = {
            let (items, generation, reuse, units) = (
                &mut self.items,
                self.generation,
                &mut self.last_reuse,
                &mut self.units,
            );
            let kind = parse.kind;
            starlane_lang::check::check_with(
                &parse,
                src,
                &mut self.regexes,
                |item, regexes, newer| {
                    let memo = memo_for(items, item, src, generation);
                    let start = item_start(item);
                    match memo {
                        Some(memo) => {
                            reuse.reused += 1;
                            memo.findings
                                .shifted_reading(delta(memo.start, start), newer)
                        }
                        None => {
                            reuse.computed += 1;
                            let findings = starlane_lang::check::check_item_with(
                                item,
                                src,
                                kind,
                                regexes,
                                &mut |block, context, regexes| {
                                    units.block_findings(block, context, src, kind, regexes, newer)
                                },
                            );
                            let text = &src[item_range(item)];
                            items.insert(
                                text.into(),
                                ItemMemo {
                                    kind: item.kind(),
                                    start,
                                    findings: findings.clone(),
                                    lowered: None,
                                    symbols: None,
                                    used: generation,
                                    made: generation,
                                    green: item.green().into_owned(),
                                },
                            );
                            findings
                        }
                    }
                },
            )
        };
        let mut cx = LowerCx {
            regexes: std::mem::take(&mut self.regexes),
            ..Default::default()
        };
        let mut loans = Loans::default();
        let mut bind = {
            let (items, generation, kept_env, units, loans) = (
                &mut self.items,
                self.generation,
                &mut self.env,
                &mut self.units,
                &mut loans,
            );
            let mut env_compared = false;
            lower::lower_bind_with(&mut cx, src, &root, 0, |env, regexes, item| {
                // One env per bind: compare it with the kept one once.
                if !env_compared {
                    env_compared = true;
                    if **kept_env != *env {
                        *kept_env = Arc::new(env.clone());
                    }
                }
                let start = item_start(item);
                let Some(memo) = memo_for(items, item, src, generation) else {
                    // Every item was memoised by the check above; this is only reachable if
                    // the two walks disagree about what an item is.
                    return lower::lower_item(env, regexes, src, item);
                };
                match &mut memo.lowered {
                    Some(kept) if kept.serves(kept_env) => {
                        kept.lent = true;
                        let (lent, receipt) =
                            kept.item.lend(delta(memo.start, start), item_range(item));
                        loans.record(receipt, Lender::Item);
                        lent
                    }
                    _ => {
                        let lowered = lower::lower_item_with(
                            env,
                            regexes,
                            src,
                            item,
                            &mut |env, regexes, block| {
                                units.block_lowered(kept_env, env, regexes, src, block, loans)
                            },
                        );
                        // A route scope's block is kept unit by unit; a copy of the whole
                        // too would cost one more copy of every route on each edit of the
                        // block. So a block keeps one only once its text has outlived a check
                        // (it is then likely not the one being edited).
                        if !has_block(item) || memo.made < generation {
                            let relative = lowered.shifted(delta(start, memo.start));
                            memo.lowered = Some(KeptLowering::new(kept_env, relative));
                        }
                        lowered
                    }
                }
            })
        };
        let prints = self.route_prints(&bind.routes, &loans, src);
        self.reach.expect(prints);
        let semantic =
            crate::sema::check_remembering(&bind, src, &cx.patterns, Some(&mut self.reach));
        let diagnostics = crate::finish(&parse, front, semantic, src, &mut cx, settings);
        let is_bind = parse.kind == Some(DocumentKind::Bind);
        let kept_bind = (keep_bind && is_bind).then(|| bind.clone());
        let kept_patterns = if keep_bind {
            cx.patterns.clone()
        } else {
            Vec::new()
        };
        self.give_back(&mut bind, &mut cx.patterns, loans, src);
        self.regexes = std::mem::take(&mut cx.regexes);
        let generation = self.generation;
        // Forgotten items go with the leftovers: freeing a big block's memo (its findings and
        // symbols) is not the diagnostics' to wait for.
        let forgotten: Vec<ItemMemo> = self
            .items
            .extract_if(|_, memo| memo.used != generation)
            .map(|(_, memo)| memo)
            .collect();
        self.units.sweep(generation);
        self.last_unit_reuse = self.units.reuse;
        self.last_parse = Some(parse.clone());
        let checked = Checked {
            parse,
            diagnostics,
            bind: kept_bind,
            patterns: kept_patterns,
        };
        let leftovers = Leftovers {
            _bind: bind,
            _patterns: cx.patterns,
            _forgotten: forgotten,
        };
        (checked, leftovers)
    }

    /// The fingerprints of `routes`, the bind's (in text order): those of a lent route from the
    /// lowering that lent it, the others taken now.
    fn route_prints(
        &self,
        routes: &[starlane_ir::Route],
        loans: &Loans,
        src: &str,
    ) -> Vec<Fingerprint> {
        let receipts = &loans.receipts;
        let lent: Vec<&[Fingerprint]> = receipts
            .iter()
            .zip(&loans.lenders)
            .map(|(receipt, lender)| {
                let kept = match lender {
                    Lender::Item => self
                        .items
                        .get(&src[receipt.range.clone()])
                        .and_then(|m| m.lowered.as_ref()),
                    Lender::Unit(slot) => self
                        .units
                        .lowerings
                        .slots
                        .get(*slot)
                        .and_then(Option::as_ref),
                };
                // Only the lowering that lent (one made in this check since is not lent), and
                // all its routes: otherwise the routes' prints are taken one by one.
                kept.filter(|k| k.lent)
                    .map(|k| &k.prints[..])
                    .filter(|p| p.len() == receipt.routes())
                    .unwrap_or(&[])
            })
            .collect();
        let mut taken = vec![0; receipts.len()];
        let mut k = 0;
        let prints: Vec<Fingerprint> = routes
            .iter()
            .map(|route| {
                let (start, end) = (route.span.start as usize, route.span.end as usize);
                while k + 1 < receipts.len() && receipts[k + 1].range.start <= start {
                    k += 1;
                }
                let inside = receipts
                    .get(k)
                    .is_some_and(|r| r.range.start <= start && end <= r.range.end);
                if inside {
                    taken[k] += 1;
                    if let Some(print) = lent[k].get(taken[k] - 1) {
                        return *print;
                    }
                }
                fingerprint(route)
            })
            .collect();
        // A loan whose routes were not all found where it stands: its prints may be misplaced.
        let whole = receipts
            .iter()
            .zip(&taken)
            .all(|(receipt, &found)| found == receipt.routes());
        if whole {
            prints
        } else {
            routes.iter().map(fingerprint).collect()
        }
    }

    /// Gives each memo back what it lent `bind`; a memo whose loan does not come back whole
    /// forgets its lowering (the item is lowered again when next needed).
    fn give_back(
        &mut self,
        bind: &mut starlane_ir::Bind,
        arena: &mut [starlane_ir::PayloadPattern],
        loans: Loans,
        src: &str,
    ) {
        self.last_loans = Loaned::default();
        let returns = collect_returns(bind, &loans.receipts);
        for ((receipt, lender), returned) in loans.receipts.iter().zip(&loans.lenders).zip(returns)
        {
            let text = &src[receipt.range.clone()];
            let slot = match lender {
                Lender::Item => self.items.get_mut(text).map(|m| &mut m.lowered),
                Lender::Unit(slot) => self.units.lowerings.slots.get_mut(*slot),
            };
            // Not lent: replaced in this check by a lowering of its own.
            let Some(slot) = slot.filter(|s| s.as_ref().is_some_and(|k| k.lent)) else {
                continue;
            };
            let given = slot.as_mut().is_some_and(|kept| {
                kept.lent = false;
                kept.item.give_back(returned, receipt, arena)
            });
            if given {
                self.last_loans.given_back += 1;
            } else {
                self.last_loans.refused += 1;
                *slot = None;
            }
        }
    }

    /// The symbols of `src` (the text last checked, whose tree is `root`) item by item, each
    /// with the delta to move it by: [`crate::symbols::SymbolIndex::assemble`] makes the index
    /// from them, wherever and whenever it is wanted. Only items not indexed before are indexed
    /// now.
    pub fn item_symbols(&mut self, src: &str, root: &SyntaxNode) -> Vec<(Arc<ItemSymbols>, isize)> {
        // A context is remembered per block of one tree: this may be another.
        self.units.last_context = None;
        starlane_lang::check::body_items(root)
            .map(|item| {
                let start = item_start(&item);
                // Keyed by text, so the kind must agree too: `->` can be a pipeline or an error.
                let memo = self
                    .items
                    .get_mut(&src[item_range(&item)])
                    .filter(|m| same_tree(&m.green, &item));
                let units = &mut self.units;
                let mut index = |item: &SyntaxNode, regexes: &mut RegexCache| {
                    ItemSymbols::of_with(item, regexes, &mut |u, r| units.symbols(u, src, r))
                };
                let Some(memo) = memo else {
                    return (Arc::new(index(&item, &mut self.regexes)), 0);
                };
                let symbols = match &memo.symbols {
                    Some(symbols) => symbols.clone(),
                    None => {
                        // Indexed where the item stands now, kept relative to `memo.start`.
                        let here = index(&item, &mut self.regexes);
                        let symbols = Arc::new(here.shifted(delta(start, memo.start)));
                        memo.symbols = Some(symbols.clone());
                        symbols
                    }
                };
                (symbols, delta(memo.start, start))
            })
            .collect()
    }
}

impl IncrementalChecker {
    /// Checks `text` with this checker and from scratch, and names the first part of the result
    /// that differs — tree, tokens, syntax diagnostics, diagnostics, bind, patterns or symbols —
    /// or `None`. The checker's contract, for its property tests and its fuzz target.
    pub fn disagreement_with_full_check(
        &mut self,
        text: &str,
        settings: &Settings,
    ) -> Option<&'static str> {
        let incremental = self.check(text, settings);
        let full = crate::check_document(text, settings);
        let parts = self.item_symbols(text, &incremental.parse.syntax());
        let symbols = SymbolIndex::assemble(parts.iter().map(|(item, delta)| (&**item, *delta)));
        let from_scratch = SymbolIndex::build(&full.parse.syntax(), &mut RegexCache::default());
        let (a, b) = (&incremental, &full);
        [
            ("tree", a.parse.green() == b.parse.green()),
            ("tokens", a.parse.tokens() == b.parse.tokens()),
            (
                "syntax diagnostics",
                a.parse.diagnostics == b.parse.diagnostics,
            ),
            ("diagnostics", a.diagnostics == b.diagnostics),
            ("bind", a.bind == b.bind),
            ("patterns", a.patterns == b.patterns),
            ("symbols", symbols == from_scratch),
        ]
        .into_iter()
        .find_map(|(part, same)| (!same).then_some(part))
    }
}

impl UnitMemos {
    /// The context of `unit`, computed once per block.
    fn context(&mut self, src: &str, unit: &SyntaxNode) -> Arc<str> {
        match unit.parent() {
            Some(block) => self.block_context(src, &block),
            None => Arc::from(""),
        }
    }

    /// The context of the units of `block`, computed once per block.
    fn block_context(&mut self, src: &str, block: &SyntaxNode) -> Arc<str> {
        if let Some((last, context)) = &self.last_context
            && last == block
        {
            return context.clone();
        }
        let context: Arc<str> = unit_context(src, block).into();
        self.last_context = Some((block.clone(), context.clone()));
        context
    }

    /// The memo kept for `unit` (standing in `context`), marked used.
    fn memo(&mut self, context: &str, unit: &SyntaxNode) -> Option<&mut UnitMemo> {
        let memo = self.memos.get_mut(context)?.get_mut(&tree_key(unit))?;
        memo.used = self.generation;
        Some(memo)
    }

    /// The memo to keep for `unit`, marked used; a new, empty one if there was none.
    fn remember(&mut self, context: Arc<str>, unit: &SyntaxNode) -> &mut UnitMemo {
        self.remember_with_lowerings(context, unit).0
    }

    /// [`UnitMemos::remember`], with the lowerings beside it.
    fn remember_with_lowerings(
        &mut self,
        context: Arc<str>,
        unit: &SyntaxNode,
    ) -> (&mut UnitMemo, &mut LoweringSlots) {
        let memo = self
            .memos
            .entry(context)
            .or_default()
            .entry(tree_key(unit))
            .or_insert_with(|| UnitMemo {
                _tree: unit.green().into_owned(),
                findings: None,
                lowered: None,
                symbols: None,
                used: 0,
            });
        memo.used = self.generation;
        (memo, &mut self.lowerings)
    }

    /// Keeps `unit`'s tree for the next version's parse (one found again through its memo is
    /// kept by the memo: see [`UnitMemos::sweep`]).
    fn keep_green(&mut self, unit: &SyntaxNode, src: &str) {
        let depth = unit.ancestors().count() - 1;
        let by_text = self.greens.entry((depth, unit.kind())).or_default();
        let text = &src[item_range(unit)];
        match by_text.get_mut(text) {
            Some((used, _)) => *used = self.generation,
            None => {
                by_text.insert(text.into(), (self.generation, unit.green().into_owned()));
            }
        }
    }

    /// Forgets what the last [`KEPT_FOR`] checks, up to the check of `generation`, did not see;
    /// looked for once every [`KEPT_FOR`] checks only, since it reads every memo (thousands in
    /// a big block).
    fn sweep(&mut self, generation: u64) {
        self.last_context = None;
        if !generation.is_multiple_of(KEPT_FOR) {
            return;
        }
        let recent = |used: u64| used + KEPT_FOR > generation;
        let lowerings = &mut self.lowerings;
        self.chunks.retain(|_, by_hash| {
            by_hash.retain(|_, memo| {
                let used = recent(memo.used);
                if !used {
                    lowerings.release(memo.lowered);
                }
                used
            });
            !by_hash.is_empty()
        });
        // A unit of a chunk found again is kept with it (the next edit there needs it).
        let in_chunks: rustc_hash::FxHashSet<TreeKey> = self
            .chunks
            .values()
            .flat_map(|by_hash| by_hash.values())
            .flat_map(|memo| memo.layout.iter().map(|&(key, _)| key))
            .collect();
        self.memos.retain(|_, by_tree| {
            by_tree.retain(|key, memo| {
                let used = recent(memo.used) || in_chunks.contains(key);
                if !used {
                    lowerings.release(memo.lowered);
                }
                used
            });
            !by_tree.is_empty()
        });
        // A tree is kept while a recent check saw it: as a unit found again (its memo used, or
        // its chunk's) or as one checked anew (marked by `keep_green`).
        let mut seen = in_chunks;
        seen.extend(
            self.memos
                .values()
                .flat_map(|by_tree| by_tree.keys().copied()),
        );
        self.greens.retain(|_, by_text| {
            by_text.retain(|_, (used, green)| recent(*used) || seen.contains(&key_of(green)));
            !by_text.is_empty()
        });
    }

    /// The memo kept for `chunk` of a block whose units stand in `context`, marked used.
    fn chunk_memo(&mut self, context: &str, chunk: &Chunk) -> Option<&mut ChunkMemo> {
        let memo = self.chunks.get_mut(context)?.get_mut(&chunk.hash)?;
        if memo.layout != chunk.layout {
            return None;
        }
        memo.used = self.generation;
        Some(memo)
    }

    /// The memo to keep for `chunk` (whose units, `units`, stand in `context`), marked used,
    /// with the lowerings beside it; a new, empty one if there was none.
    fn remember_chunk(
        &mut self,
        context: Arc<str>,
        units: &[SyntaxNode],
        chunk: &Chunk,
    ) -> (&mut ChunkMemo, &mut LoweringSlots) {
        let by_hash = self.chunks.entry(context).or_default();
        let stale = by_hash
            .get(&chunk.hash)
            .is_some_and(|m| m.layout != chunk.layout);
        if stale && let Some(old) = by_hash.remove(&chunk.hash) {
            self.lowerings.release(old.lowered);
        }
        let memo = by_hash.entry(chunk.hash).or_insert_with(|| ChunkMemo {
            _trees: units.iter().map(|unit| unit.green().into_owned()).collect(),
            layout: chunk.layout.clone(),
            findings: None,
            lowered: None,
            used: 0,
            made: self.generation,
        });
        memo.used = self.generation;
        (memo, &mut self.lowerings)
    }

    /// What the front end finds in the units of `block`, a route scope's block whose units
    /// stand in `context`: chunk by chunk, remembered, or computed unit by unit (through their
    /// own memos).
    fn block_findings(
        &mut self,
        block: &SyntaxNode,
        context: &ScopeContext,
        src: &str,
        kind: Option<DocumentKind>,
        regexes: &mut RegexCache,
        newer_forms: bool,
    ) -> ItemFindings {
        let around = self.block_context(src, block);
        let mut out = ItemFindings::default();
        let Some(chunks) = chunks_of(block) else {
            for unit in block.children() {
                out.absorb(self.findings(&unit, context, src, kind, regexes, newer_forms));
            }
            return out;
        };
        for chunk in chunks {
            let start = chunk.range.start as isize;
            if let Some(found) = self
                .chunk_memo(&around, &chunk)
                .and_then(|m| m.findings.as_ref())
            {
                out.absorb(found.shifted_reading(start, newer_forms));
                self.reuse.reused += chunk.units.len();
                continue;
            }
            let units = chunk.units_in(block);
            let mut found = ItemFindings::default();
            for unit in &units {
                // Every form kept, whatever this document reads: the memo may serve another.
                found.absorb(self.findings(unit, context, src, kind, regexes, true));
            }
            if found.lie_within(&chunk.range) {
                let kept = found.shifted(-start);
                self.remember_chunk(around.clone(), &units, &chunk)
                    .0
                    .findings = Some(kept);
            }
            out.absorb(found);
        }
        out
    }

    /// The routes of the units of `block`, a route scope's block, lowered against `env` (equal
    /// to `kept_env`, which memos compare by pointer): chunk by chunk, remembered, or lowered
    /// unit by unit (through their own memos).
    fn block_lowered(
        &mut self,
        kept_env: &Arc<LowerEnv>,
        env: &LowerEnv,
        regexes: &mut RegexCache,
        src: &str,
        block: &SyntaxNode,
        loans: &mut Loans,
    ) -> LoweredItem {
        let around = self.block_context(src, block);
        // The parts, in order, joined once at the end.
        let mut out = Vec::new();
        let Some(chunks) = chunks_of(block) else {
            for unit in block.children() {
                out.push(self.lowered(kept_env, env, regexes, src, &unit, loans));
            }
            return joined(out);
        };
        for chunk in chunks {
            let start = chunk.range.start as isize;
            let generation = self.generation;
            let memo = self.chunk_memo(&around, &chunk);
            let slot = memo.as_ref().and_then(|m| m.lowered);
            let outlived_a_check = memo.is_some_and(|m| m.made < generation);
            let range = chunk.range.clone();
            if let Some(lent) = self.lowerings.lend(slot, kept_env, start, range, loans) {
                out.push(lent);
                continue;
            }
            let units = chunk.units_in(block);
            // The units' loans stay theirs, and the chunk keeps a copy: one more copy of every
            // route in it. So only once the chunk has outlived a check (it is then likely not
            // the one being edited, whose units are lent one by one).
            if !outlived_a_check {
                for unit in &units {
                    out.push(self.lowered(kept_env, env, regexes, src, unit, loans));
                }
                continue;
            }
            let mut lowered = LoweredItem::default();
            for unit in &units {
                lowered.absorb(self.lowered(kept_env, env, regexes, src, unit, loans));
            }
            if lowered.lies_within(&chunk.range) {
                let kept = KeptLowering::new(kept_env, lowered.shifted(-start));
                let (memo, lowerings) = self.remember_chunk(around.clone(), &units, &chunk);
                lowerings.put(&mut memo.lowered, kept);
            }
            out.push(lowered);
        }
        joined(out)
    }

    /// What the front end finds in `unit`, a unit inside a route scope's block standing in
    /// `context`: remembered, or computed (its own units through the memo too).
    fn findings(
        &mut self,
        unit: &SyntaxNode,
        context: &ScopeContext,
        src: &str,
        kind: Option<DocumentKind>,
        regexes: &mut RegexCache,
        newer_forms: bool,
    ) -> ItemFindings {
        let start = item_start(unit);
        let around = self.context(src, unit);
        if let Some(findings) = self.memo(&around, unit).and_then(|m| m.findings.as_ref()) {
            let findings = findings.shifted_reading(start as isize, newer_forms);
            self.reuse.reused += 1;
            return findings;
        }
        self.reuse.computed += 1;
        self.keep_green(unit, src);
        let findings =
            starlane_lang::check::check_unit(unit, src, kind, context, regexes, &mut |b, c, r| {
                self.block_findings(b, c, src, kind, r, newer_forms)
            });
        if findings.lie_within(&item_range(unit)) {
            self.remember(around, unit).findings = Some(findings.shifted(-(start as isize)));
        }
        findings
    }

    /// The symbols of `unit`, a unit of a route scope's block whose enclosing regexes define no
    /// capture ([`ItemSymbols::of_with`] asks only then): remembered, or indexed.
    fn symbols(&mut self, unit: &SyntaxNode, src: &str, regexes: &mut RegexCache) -> ItemSymbols {
        let start = item_start(unit);
        let context = self.context(src, unit);
        if let Some(symbols) = self.memo(&context, unit).and_then(|m| m.symbols.as_ref()) {
            return symbols.shifted(start as isize);
        }
        let found = ItemSymbols::of_with(unit, regexes, &mut |u, r| self.symbols(u, src, r));
        self.remember(context, unit).symbols = Some(Arc::new(found.shifted(-(start as isize))));
        found
    }

    /// The routes of `unit` lowered against `env` (equal to `kept_env`, which memos compare by
    /// pointer): remembered, or lowered (its own units through the memo too).
    fn lowered(
        &mut self,
        kept_env: &Arc<LowerEnv>,
        env: &LowerEnv,
        regexes: &mut RegexCache,
        src: &str,
        unit: &SyntaxNode,
        loans: &mut Loans,
    ) -> LoweredItem {
        let start = item_start(unit);
        let context = self.context(src, unit);
        let slot = self.memo(&context, unit).and_then(|m| m.lowered);
        let range = item_range(unit);
        if let Some(lent) = self
            .lowerings
            .lend(slot, kept_env, start as isize, range, loans)
        {
            return lent;
        }
        let lowered = lower::lower_unit(env, regexes, src, unit, &mut |env, regexes, b| {
            self.block_lowered(kept_env, env, regexes, src, b, loans)
        });
        if lowered.lies_within(&item_range(unit)) {
            let kept = KeptLowering::new(kept_env, lowered.shifted(-(start as isize)));
            let (memo, lowerings) = self.remember_with_lowerings(context, unit);
            lowerings.put(&mut memo.lowered, kept);
        }
        lowered
    }
}

/// What the findings and routes of a unit of `block` depend on besides the document kind, the
/// env and the unit's own kind and text: the kinds of the nodes around it and the headers
/// (selector and step) of the route scopes among them, up to the item of the `Bind` body.
fn unit_context(src: &str, block: &SyntaxNode) -> String {
    // A kind as one character, so contexts of different structure cannot collide.
    fn push_kind(key: &mut String, kind: SyntaxKind) {
        key.push(char::from_u32(kind as u32 + 0x100).unwrap_or('?'));
    }
    let mut key = String::new();
    for ancestor in block.ancestors() {
        if ancestor.kind() == SyntaxKind::BIND_DOC {
            break;
        }
        push_kind(&mut key, ancestor.kind());
        if let Some(scope) = starlane_lang::ast::Scope::cast(ancestor.clone()) {
            let header_end = scope
                .body()
                .map_or_else(|| item_range(&ancestor).end, |b| item_start(b.syntax()));
            key.push_str(&src[item_start(&ancestor)..header_end]);
        }
    }
    key
}

/// The memo of `item`, if its text was seen before as an item of the same kind; marks it used.
fn memo_for<'m>(
    items: &'m mut FxHashMap<Box<str>, ItemMemo>,
    item: &SyntaxNode,
    src: &str,
    generation: u64,
) -> Option<&'m mut ItemMemo> {
    let memo = items.get_mut(&src[item_range(item)])?;
    if !same_tree(&memo.green, item) {
        return None;
    }
    memo.used = generation;
    Some(memo)
}

/// Whether `node` is the tree `kept` (the same one, shared, or an equal one).
fn same_tree(kept: &GreenNode, node: &SyntaxNode) -> bool {
    let here = node.green();
    std::ptr::eq::<starlane_lang::GreenNodeData>(&**kept, &*here) || **kept == *here
}

/// Whether `item` is a route scope with a block (whose units are memoised one by one).
fn has_block(item: &SyntaxNode) -> bool {
    starlane_lang::ast::Scope::cast(item.clone()).is_some_and(|s| s.body().is_some())
}

fn item_range(item: &SyntaxNode) -> std::ops::Range<usize> {
    let r = item.text_range();
    usize::from(r.start())..usize::from(r.end())
}

fn item_start(item: &SyntaxNode) -> usize {
    usize::from(item.text_range().start())
}

/// How far something at `from` moves to stand at `to`.
fn delta(from: usize, to: usize) -> isize {
    to as isize - from as isize
}
