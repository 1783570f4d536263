//! The names of one bind and every place each is used: ports, schemas, roles, context names
//! (`Requires`) and route captures. This is the semantic model behind go-to-definition, find
//! references, rename, hover and completion in the language server.
//!
//! Built item by item from the recovered tree ([`ItemSymbols`]), so a syntax error elsewhere
//! hides nothing and an editor re-indexes only the item an edit touched. Spans
//! are exact: a reference's span covers the name only (`user` in `${user}`), which is what a
//! rename replaces.

use std::collections::HashMap;

use starlane_lang::ast::{self, AstNode, token_span};
use starlane_lang::diagnostic::shift_span;
use starlane_lang::{Span, SyntaxKind::*, SyntaxNode, SyntaxToken, WalkEvent};

use starlane_lang::check::RegexCache;

/// What a name denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Port,
    Schema,
    Role,
    /// A `Requires` entry: bound to an address when the bundle is loaded.
    Context,
    /// A path-regex capture group, named (`(?P<id>…)`) or numbered (`$1`).
    Capture,
    /// `${doc.…}` and `${self.…}`: provided by the host, declared nowhere.
    Builtin,
}

impl SymbolKind {
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Port => "port",
            SymbolKind::Schema => "schema",
            SymbolKind::Role => "role",
            SymbolKind::Context => "context name",
            SymbolKind::Capture => "capture",
            SymbolKind::Builtin => "built-in variable",
        }
    }

    /// Whether `name` is a valid spelling for a new name of this kind (used by rename).
    pub fn accepts_name(self, name: &str) -> bool {
        let skewer = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && !s.ends_with('-')
                && !s.contains("--")
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        match self {
            SymbolKind::Role => skewer(name),
            // A port's name is also its waPC operation: `sayHello` as SDKs name handlers.
            SymbolKind::Port => {
                skewer(name)
                    || (name.starts_with(|c: char| c.is_ascii_lowercase())
                        && name.chars().all(|c| c.is_ascii_alphanumeric()))
            }
            SymbolKind::Schema => {
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.chars().all(|c| c.is_ascii_alphanumeric())
            }
            SymbolKind::Capture | SymbolKind::Context => {
                name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }
            SymbolKind::Builtin => false,
        }
    }
}

/// Index into [`SymbolIndex::definitions`].
pub type DefId = usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub kind: SymbolKind,
    pub name: String,
    /// The name itself: what rename replaces and go-to-definition lands on.
    pub name_span: Span,
    /// The whole declaration (the `Port … { … }` block, the `Requires` entry, the regex group).
    pub full_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: SymbolKind,
    pub name: String,
    /// The name only (`user` in `${user}`, `1` in `$1`).
    pub span: Span,
    /// What it resolves to; `None` for built-ins and for names declared nowhere.
    pub target: Option<DefId>,
}

/// The captures visible in one pipeline (one route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteScope {
    /// The pipeline's span: a position inside it sees these captures.
    pub span: Span,
    /// Capture definitions in group order (`$1` is the first).
    pub captures: Vec<DefId>,
}

/// Every definition and reference of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolIndex {
    pub definitions: Vec<Definition>,
    pub references: Vec<Reference>,
    pub routes: Vec<RouteScope>,
}

/// What sits under a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Definition(DefId),
    Reference(usize),
}

/// The host's built-in variable roots.
pub const BUILTINS: &[&str] = &["doc", "self"];

/// How a reference found in one item gets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    /// Already known within the item (a capture: the target is an item-local id), or none.
    Local,
    /// A declared name (port, schema, role, context name): looked up once all items are in.
    ByName,
}

/// The symbols of one item of a `Bind` body, spans into the document. Definition ids are local
/// to the item; references to declared names are resolved when the items are assembled into a
/// [`SymbolIndex`]. Depends on the item's text only, so the language server keeps it across
/// edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemSymbols {
    definitions: Vec<Definition>,
    references: Vec<(Reference, Resolution)>,
    routes: Vec<RouteScope>,
}

impl SymbolIndex {
    /// Indexes the `Bind` document of `root` (other documents have no symbols).
    /// `regexes` supplies capture groups (the cache the check filled, so nothing is re-parsed).
    pub fn build(root: &SyntaxNode, regexes: &mut RegexCache) -> SymbolIndex {
        let items: Vec<ItemSymbols> = starlane_lang::check::body_items(root)
            .map(|item| ItemSymbols::of(&item, regexes))
            .collect();
        SymbolIndex::assemble(items.iter().map(|item| (item, 0)))
    }

    /// The index of a document from its items' symbols, each moved by its delta (an item kept
    /// from an earlier version of the text stands elsewhere now).
    pub fn assemble<'a>(items: impl IntoIterator<Item = (&'a ItemSymbols, isize)>) -> SymbolIndex {
        let mut index = SymbolIndex::default();
        let mut by_name = Vec::new();
        for (item, delta) in items {
            let base = index.definitions.len();
            let shift = |s: &Span| shift_span(s, delta);
            index
                .definitions
                .extend(item.definitions.iter().map(|d| Definition {
                    name_span: shift(&d.name_span),
                    full_span: shift(&d.full_span),
                    ..d.clone()
                }));
            for (r, resolution) in &item.references {
                if *resolution == Resolution::ByName {
                    by_name.push(index.references.len());
                }
                index.references.push(Reference {
                    span: shift(&r.span),
                    target: r.target.map(|t| t + base),
                    ..r.clone()
                });
            }
            index.routes.extend(item.routes.iter().map(|r| RouteScope {
                span: shift(&r.span),
                captures: r.captures.iter().map(|c| c + base).collect(),
            }));
        }
        // The first definition of each (kind, name): a duplicate is an error reported
        // elsewhere, and references go to the declaration the compiler uses.
        let mut names: HashMap<(SymbolKind, &str), DefId> = HashMap::new();
        for (i, d) in index.definitions.iter().enumerate() {
            if d.kind != SymbolKind::Capture {
                names.entry((d.kind, d.name.as_str())).or_insert(i);
            }
        }
        let targets: Vec<Option<DefId>> = by_name
            .iter()
            .map(|&r| {
                let r = &index.references[r];
                names.get(&(r.kind, r.name.as_str())).copied()
            })
            .collect();
        for (r, target) in by_name.into_iter().zip(targets) {
            index.references[r].target = target;
        }
        index
    }
}

impl ItemSymbols {
    /// The same symbols moved by `delta` bytes.
    pub fn shifted(&self, delta: isize) -> ItemSymbols {
        let shift = |s: &Span| shift_span(s, delta);
        ItemSymbols {
            definitions: self
                .definitions
                .iter()
                .map(|d| Definition {
                    name_span: shift(&d.name_span),
                    full_span: shift(&d.full_span),
                    ..d.clone()
                })
                .collect(),
            references: self
                .references
                .iter()
                .map(|(r, resolution)| {
                    let r = Reference {
                        span: shift(&r.span),
                        ..r.clone()
                    };
                    (r, *resolution)
                })
                .collect(),
            routes: self
                .routes
                .iter()
                .map(|r| RouteScope {
                    span: shift(&r.span),
                    captures: r.captures.clone(),
                })
                .collect(),
        }
    }

    /// The symbols of one body item.
    pub fn of(item: &SyntaxNode, regexes: &mut RegexCache) -> ItemSymbols {
        ItemSymbols::of_with(item, regexes, &mut |unit, regexes| {
            ItemSymbols::of(unit, regexes)
        })
    }

    /// [`ItemSymbols::of`], with the symbols of each unit of a route scope's block supplied by
    /// `units` (the same function, or a memo of it) — when the units depend on nothing outside
    /// them: the scope's path regex (and, by recursion, every enclosing one) defines no capture
    /// a route inside could refer to. Otherwise the item is indexed whole.
    pub fn of_with(
        item: &SyntaxNode,
        regexes: &mut RegexCache,
        units: &mut dyn FnMut(&SyntaxNode, &mut RegexCache) -> ItemSymbols,
    ) -> ItemSymbols {
        let mut symbols = ItemSymbols::default();
        symbols.declarations(item);
        let block = ast::Scope::cast(item.clone()).and_then(|scope| {
            let captures = scope
                .selector()
                .and_then(|s| s.regex())
                .is_some_and(|r| !regexes.groups(r.text()).is_empty());
            (!captures).then(|| scope.body()).flatten()
        });
        let Some(block) = block else {
            symbols.walk(item.descendants(), regexes);
            return symbols;
        };
        // The scope's own part (its selector), then each unit of its block in order.
        let mut own = Vec::new();
        let mut preorder = item.preorder();
        while let Some(event) = preorder.next() {
            if let WalkEvent::Enter(node) = event {
                if node.parent().as_ref() == Some(block.syntax()) {
                    preorder.skip_subtree();
                } else {
                    own.push(node);
                }
            }
        }
        symbols.walk(own.into_iter(), regexes);
        for unit in block.syntax().children() {
            let found = units(&unit, regexes);
            symbols.absorb(&found);
        }
        symbols
    }

    /// Adds `other`'s symbols (found after this item's so far), its item-local ids moved up.
    fn absorb(&mut self, other: &ItemSymbols) {
        let base = self.definitions.len();
        self.definitions.extend(other.definitions.iter().cloned());
        self.references
            .extend(other.references.iter().map(|(r, resolution)| {
                let mut r = r.clone();
                if *resolution == Resolution::Local {
                    r.target = r.target.map(|t| t + base);
                }
                (r, *resolution)
            }));
        self.routes.extend(other.routes.iter().map(|r| RouteScope {
            span: r.span.clone(),
            captures: r.captures.iter().map(|c| c + base).collect(),
        }));
    }

    /// The symbols of `nodes` (an item's or a unit's, in document order).
    fn walk(&mut self, nodes: impl Iterator<Item = SyntaxNode>, regexes: &mut RegexCache) {
        let symbols = self;
        let mut captures_of_regex: HashMap<usize, Vec<DefId>> = HashMap::new();
        for node in nodes {
            match node.kind() {
                PIPELINE => symbols.pipeline(&node, &mut captures_of_regex, regexes),
                PORT_STOP => {
                    if let Some((name, span)) = glued_name(&node, 0) {
                        symbols.reference(SymbolKind::Port, name, span);
                    }
                }
                VALIDATOR => {
                    // `~Profile`: a schema; lower-case names are formats, `point^…` a mechtron.
                    if let Some(point) = node.children().find(|n| n.kind() == POINT)
                        && let [tok] = ast::significant_tokens(&point).as_slice()
                        && tok.kind() == IDENT
                        && tok.text().starts_with(|c: char| c.is_ascii_uppercase())
                    {
                        symbols.reference(
                            SymbolKind::Schema,
                            tok.text().to_string(),
                            token_span(tok),
                        );
                    }
                }
                GRANT_STMT => {
                    if let Some(ast::GrantForm::Role(name, span)) =
                        ast::GrantStmt::cast(node.clone()).and_then(|g| g.form())
                    {
                        let (name, span) = without_trailing_dash(name, span);
                        symbols.reference(SymbolKind::Role, name, span);
                    }
                    symbols.context_variables(&node);
                }
                CALL_STMT => symbols.context_variables(&node),
                _ => {}
            }
        }
    }

    /// What the item itself declares.
    fn declarations(&mut self, item: &SyntaxNode) {
        let kind = match ast::Declaration::cast(item.clone()) {
            Some(ast::Declaration::Port(_)) => SymbolKind::Port,
            Some(ast::Declaration::Schema(_)) => SymbolKind::Schema,
            Some(ast::Declaration::Role(_)) => SymbolKind::Role,
            Some(ast::Declaration::Requires(block)) => {
                for req in block.requirements() {
                    let req = req.syntax().clone();
                    let tokens = ast::significant_tokens(&req);
                    let before_colon: Vec<_> = tokens
                        .into_iter()
                        .take_while(|t| t.kind() != COLON)
                        .collect();
                    if before_colon.is_empty() {
                        continue;
                    }
                    let (name, name_span) = glued_from(&before_colon);
                    self.definitions.push(Definition {
                        kind: SymbolKind::Context,
                        name,
                        name_span,
                        full_span: ast::trimmed_span(&req),
                    });
                }
                return;
            }
            _ => return,
        };
        if let Some((name, name_span)) = glued_name(item, 1) {
            self.definitions.push(Definition {
                kind,
                name,
                name_span,
                full_span: ast::trimmed_span(item),
            });
        }
    }

    /// A reference to a declared name, resolved at assembly.
    fn reference(&mut self, kind: SymbolKind, name: String, span: Span) {
        self.references.push((
            Reference {
                kind,
                name,
                span,
                target: None,
            },
            Resolution::ByName,
        ));
    }

    fn local_reference(&mut self, reference: Reference) {
        self.references.push((reference, Resolution::Local));
    }

    /// `${name}` in grant and call selectors: context names or built-ins.
    fn context_variables(&mut self, node: &SyntaxNode) {
        for tok in variable_tokens(node) {
            if let Some((name, span)) = variable_name(&tok) {
                let root = name.split('.').next().unwrap_or("");
                if BUILTINS.contains(&root) {
                    self.builtin(name, span);
                } else {
                    self.reference(SymbolKind::Context, name, span);
                }
            }
        }
    }

    fn builtin(&mut self, name: String, span: Span) {
        self.local_reference(Reference {
            kind: SymbolKind::Builtin,
            name,
            span,
            target: None,
        });
    }

    fn pipeline(
        &mut self,
        pipeline: &SyntaxNode,
        captures_of_regex: &mut HashMap<usize, Vec<DefId>>,
        regexes: &mut RegexCache,
    ) {
        // The regexes along the route, outer to inner; their groups number on from each other.
        let mut along: Vec<SyntaxToken> = pipeline
            .ancestors()
            .filter_map(ast::Scope::cast)
            .filter_map(|s| s.selector()?.regex())
            .collect();
        along.reverse();
        let mut captures = Vec::new();
        for regex in &along {
            let start = usize::from(regex.text_range().start());
            let defs = captures_of_regex.entry(start).or_insert_with(|| {
                let mut defs = Vec::new();
                for group in regexes.groups(regex.text()).iter().cloned() {
                    let (name, name_span) = match group.name {
                        Some((name, span)) => (name, start + span.start..start + span.end),
                        None => (String::new(), start + group.open..start + group.open + 1),
                    };
                    defs.push(self.definitions.len());
                    self.definitions.push(Definition {
                        kind: SymbolKind::Capture,
                        name,
                        name_span,
                        full_span: token_span(regex),
                    });
                }
                defs
            });
            captures.extend(defs.iter().copied());
        }
        // Numbered captures are named by their position along the joined route.
        for (n, &def) in captures.iter().enumerate() {
            if self.definitions[def].name.is_empty() {
                self.definitions[def].name = (n + 1).to_string();
            }
        }
        self.routes.push(RouteScope {
            span: ast::trimmed_span(pipeline),
            captures: captures.clone(),
        });
        for tok in variable_tokens(pipeline) {
            let Some((name, span)) = variable_name(&tok) else {
                continue;
            };
            let by_number = name
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| captures.get(i).copied());
            let by_name = captures
                .iter()
                .copied()
                .find(|&d| self.definitions[d].name == name);
            let root = name.split('.').next().unwrap_or("");
            if let Some(def) = by_number.or(by_name) {
                self.local_reference(Reference {
                    kind: SymbolKind::Capture,
                    name,
                    span,
                    target: Some(def),
                });
            } else if BUILTINS.contains(&root) {
                self.builtin(name, span);
            } else if name.chars().all(|c| c.is_ascii_digit()) {
                self.local_reference(Reference {
                    kind: SymbolKind::Capture,
                    name,
                    span,
                    target: None,
                });
            } else {
                self.reference(SymbolKind::Context, name, span);
            }
        }
    }
}

impl SymbolIndex {
    /// The definition or reference whose name span contains `offset` (touching counts: a cursor
    /// just after a name is on it, as editors expect).
    pub fn at(&self, offset: usize) -> Option<Hit> {
        let within = |s: &Span| s.start <= offset && offset <= s.end;
        if let Some(i) = self.references.iter().position(|r| within(&r.span)) {
            return Some(Hit::Reference(i));
        }
        self.definitions
            .iter()
            .position(|d| within(&d.name_span))
            .map(Hit::Definition)
    }

    /// The definition a hit denotes (itself, or what a reference resolves to).
    pub fn definition_of(&self, hit: Hit) -> Option<DefId> {
        match hit {
            Hit::Definition(d) => Some(d),
            Hit::Reference(r) => self.references[r].target,
        }
    }

    /// Every reference that resolves to `def`, in document order.
    pub fn references_to(&self, def: DefId) -> impl Iterator<Item = &Reference> {
        self.references
            .iter()
            .filter(move |r| r.target == Some(def))
    }

    /// Definitions of one kind, in document order.
    pub fn of_kind(&self, kind: SymbolKind) -> impl Iterator<Item = &Definition> {
        self.definitions.iter().filter(move |d| d.kind == kind)
    }

    /// The captures visible at `offset` (those of the innermost route containing it).
    pub fn captures_at(&self, offset: usize) -> &[DefId] {
        self.routes
            .iter()
            .filter(|r| r.span.start <= offset && offset <= r.span.end)
            .min_by_key(|r| r.span.len())
            .map_or(&[], |r| r.captures.as_slice())
    }
}

/// The name made of the glued identifier, `-` and digit tokens starting at significant token
/// `skip` of `node` (`save-profile` after `Port`).
fn glued_name(node: &SyntaxNode, skip: usize) -> Option<(String, Span)> {
    let tokens: Vec<_> = ast::significant_tokens(node)
        .into_iter()
        .skip(skip)
        .skip_while(|t| t.kind() == L_PAREN)
        .collect();
    let first = tokens.first()?;
    (first.kind() == IDENT).then(|| glued_from(&tokens))
}

/// Glues `tokens[0]` with the directly adjacent identifier, `-` and digit tokens after it.
fn glued_from(tokens: &[SyntaxToken]) -> (String, Span) {
    let (name, span) = ast::glued(tokens);
    without_trailing_dash(name, span)
}

/// A name never ends in `-` (`app->` splits): gives the dash back.
fn without_trailing_dash(mut name: String, mut span: Span) -> (String, Span) {
    while name.ends_with('-') {
        name.pop();
        span.end -= 1;
    }
    (name, span)
}

fn variable_tokens(node: &SyntaxNode) -> impl Iterator<Item = SyntaxToken> {
    node.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == VARIABLE)
}

/// The name inside a variable token and its span: `${user}` → `user`, `$1` → `1`. `None` for
/// the App form `$(x)`, a bare `$`, an unterminated `${` and `${}`.
fn variable_name(tok: &SyntaxToken) -> Option<(String, Span)> {
    let start = usize::from(tok.text_range().start());
    let (name, offset) = starlane_model::template::name_of(tok.text())?;
    (!name.is_empty()).then(|| {
        (
            name.to_string(),
            start + offset..start + offset + name.len(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(src: &str) -> SymbolIndex {
        let parse = starlane_lang::parse(src);
        SymbolIndex::build(&parse.syntax(), &mut RegexCache::default())
    }

    fn def_named<'a>(ix: &'a SymbolIndex, kind: SymbolKind, name: &str) -> (DefId, &'a Definition) {
        ix.definitions
            .iter()
            .enumerate()
            .find(|(_, d)| d.kind == kind && d.name == name)
            .unwrap_or_else(|| panic!("no {kind:?} {name}: {:#?}", ix.definitions))
    }

    const SRC: &str = r#"Bind(version=1.1.0) {
  Requires { user_files: FileStore; }
  Schema Profile = "schema/profile.json";
  Port save-profile { request: Json~Profile; grant perm +R on ${user_files}:**; }
  Role editor { grant perm +W on ${user_files}:**; }
  grant role editor to ${user_files}:**<User>;
  Route<Http> -> {
    <Post>/p/(?P<id>[0-9]+)/(.*) -[ Json~Profile ]-> ((save-profile)) => &;
    <Get>/f/(?P<id>[a-z]+) -> ${user_files}:/${id}/$1 => &;
  }
}
"#;

    #[test]
    fn port_reference_resolves_to_its_declaration_name() {
        let ix = index(SRC);
        let (id, def) = def_named(&ix, SymbolKind::Port, "save-profile");
        assert_eq!(&SRC[def.name_span.clone()], "save-profile");
        let refs: Vec<_> = ix.references_to(id).map(|r| &SRC[r.span.clone()]).collect();
        assert_eq!(refs, ["save-profile"]);
    }

    #[test]
    fn schema_role_and_context_references_are_found() {
        let ix = index(SRC);
        let (schema, _) = def_named(&ix, SymbolKind::Schema, "Profile");
        assert_eq!(ix.references_to(schema).count(), 2);
        let (role, _) = def_named(&ix, SymbolKind::Role, "editor");
        assert_eq!(ix.references_to(role).count(), 1);
        let (ctx, def) = def_named(&ix, SymbolKind::Context, "user_files");
        assert_eq!(&SRC[def.name_span.clone()], "user_files");
        let spans: Vec<_> = ix
            .references_to(ctx)
            .map(|r| &SRC[r.span.clone()])
            .collect();
        assert_eq!(spans, ["user_files"; 4]);
    }

    #[test]
    fn captures_are_scoped_to_their_route() {
        let ix = index(SRC);
        let ids: Vec<_> = ix
            .definitions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == SymbolKind::Capture && d.name == "id")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(ids.len(), 2, "each route defines its own `id`");
        // The second route's `${id}` goes to the second route's group, `$1` to its first group.
        assert_eq!(ix.references_to(ids[0]).count(), 0);
        assert_eq!(ix.references_to(ids[1]).count(), 2);
        let at = SRC.find("${id}").unwrap() + 2;
        let Some(Hit::Reference(r)) = ix.at(at) else {
            panic!("no reference at ${{id}}")
        };
        assert_eq!(ix.references[r].target, Some(ids[1]));
        assert_eq!(ix.captures_at(at), &[ids[1]]);
    }

    #[test]
    fn numbered_captures_continue_across_joined_regexes() {
        let src = "Bind(version=1.0.0) {\n  Route<Http>/a/(.*) -> {\n    <Get>/(x)/(?P<n>y) -> localhost:$2:${n}:$3 => &;\n  }\n}\n";
        let ix = index(src);
        let route = &ix.routes[0];
        let names: Vec<_> = route
            .captures
            .iter()
            .map(|&d| ix.definitions[d].name.as_str())
            .collect();
        assert_eq!(names, ["1", "2", "n"]);
        let resolved: Vec<_> = ix
            .references
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.target.map(|d| ix.definitions[d].name.as_str()),
                )
            })
            .collect();
        assert_eq!(
            resolved,
            [("2", Some("2")), ("n", Some("n")), ("3", Some("n"))]
        );
    }

    #[test]
    fn builtins_and_unknown_names_have_no_target() {
        let src =
            "Bind(version=1.1.0) {\n  Route<Http<Get>>/ -> ${doc.bundle}:/${nope}/x => &;\n}\n";
        let ix = index(src);
        let kinds: Vec<_> = ix.references.iter().map(|r| (r.kind, r.target)).collect();
        assert_eq!(
            kinds,
            [(SymbolKind::Builtin, None), (SymbolKind::Context, None)]
        );
    }

    #[test]
    fn rename_validity_follows_each_kinds_spelling() {
        assert!(SymbolKind::Port.accepts_name("save-avatar"));
        assert!(!SymbolKind::Port.accepts_name("save avatar"));
        assert!(!SymbolKind::Port.accepts_name("save-"));
        assert!(SymbolKind::Schema.accepts_name("Avatar"));
        assert!(!SymbolKind::Schema.accepts_name("avatar"));
        assert!(!SymbolKind::Capture.accepts_name("1"));
        assert!(!SymbolKind::Builtin.accepts_name("doc"));
    }

    #[test]
    fn garbage_never_panics() {
        for src in [
            "",
            "Bind {",
            "Bind(version=1.1.0) { Port { ((",
            "Route ${ $ $( ${}",
        ] {
            let _ = index(src);
        }
    }
}
