//! A typed view over the lossless tree (rust-analyzer style): zero-cost wrappers that find
//! children by kind. Missing children are `None`, never a panic, because the tree may hold errors.

use crate::syntax_kind::{SyntaxKind, SyntaxKind::*, SyntaxNode, SyntaxToken};

/// A typed wrapper over one node kind.
pub trait AstNode: Sized {
    fn can_cast(kind: SyntaxKind) -> bool;
    fn cast(node: SyntaxNode) -> Option<Self>;
    fn syntax(&self) -> &SyntaxNode;
}

macro_rules! ast_node {
    ($($name:ident => $kind:ident),* $(,)?) => {$(
        #[doc = concat!("A `", stringify!($kind), "` node.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(SyntaxNode);
        impl AstNode for $name {
            fn can_cast(kind: SyntaxKind) -> bool { kind == $kind }
            fn cast(node: SyntaxNode) -> Option<Self> {
                Self::can_cast(node.kind()).then(|| $name(node))
            }
            fn syntax(&self) -> &SyntaxNode { &self.0 }
        }
    )*};
}

ast_node! {
    SourceFile => SOURCE_FILE, BindDoc => BIND_DOC, AppDoc => APP_DOC, RouterDoc => ROUTER_DOC,
    Header => HEADER, Body => BODY, Scope => SCOPE, Selector => SELECTOR, SelectorName => SELECTOR_NAME,
    Filter => FILTER, Pipeline => PIPELINE, Segment => SEGMENT, Step => STEP,
    PayloadBlock => PAYLOAD_BLOCK, PayloadPattern => PAYLOAD_PATTERN, Validator => VALIDATOR,
    Point => POINT, CallTarget => CALL_TARGET, RouterLine => ROUTER_LINE,
    PortDecl => PORT_DECL, GrantStmt => GRANT_STMT, CallStmt => CALL_STMT,
    RequiresBlock => REQUIRES_BLOCK, Requirement => REQUIREMENT, SchemaDecl => SCHEMA_DECL,
    RoleDecl => ROLE_DECL, LimitsBlock => LIMITS_BLOCK, PortField => PORT_FIELD,
    TimeoutSpec => TIMEOUT_SPEC, Limit => LIMIT, AppSection => APP_SECTION,
}

/// A declaration of a `Bind` body (1.1.0). The one place that tells declarations apart: the
/// checker, lowering, the symbol index and the outline match on this, not on syntax kinds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Declaration {
    Requires(RequiresBlock),
    Schema(SchemaDecl),
    Port(PortDecl),
    Role(RoleDecl),
    Grant(GrantStmt),
    Call(CallStmt),
    Limits(LimitsBlock),
}

impl Declaration {
    pub fn cast(node: SyntaxNode) -> Option<Declaration> {
        Some(match node.kind() {
            REQUIRES_BLOCK => Declaration::Requires(RequiresBlock(node)),
            SCHEMA_DECL => Declaration::Schema(SchemaDecl(node)),
            PORT_DECL => Declaration::Port(PortDecl(node)),
            ROLE_DECL => Declaration::Role(RoleDecl(node)),
            GRANT_STMT => Declaration::Grant(GrantStmt(node)),
            CALL_STMT => Declaration::Call(CallStmt(node)),
            LIMITS_BLOCK => Declaration::Limits(LimitsBlock(node)),
            _ => return None,
        })
    }

    pub fn syntax(&self) -> &SyntaxNode {
        match self {
            Declaration::Requires(n) => n.syntax(),
            Declaration::Schema(n) => n.syntax(),
            Declaration::Port(n) => n.syntax(),
            Declaration::Role(n) => n.syntax(),
            Declaration::Grant(n) => n.syntax(),
            Declaration::Call(n) => n.syntax(),
            Declaration::Limits(n) => n.syntax(),
        }
    }

    /// What it is, as a diagnostic says it: "a `Port`".
    pub fn described(&self) -> &'static str {
        match self {
            Declaration::Requires(_) => "a `Requires` block",
            Declaration::Schema(_) => "a `Schema` declaration",
            Declaration::Port(_) => "a `Port`",
            Declaration::Role(_) => "a `Role`",
            Declaration::Grant(_) => "a `grant`",
            Declaration::Call(_) => "a `call`",
            Declaration::Limits(_) => "a `limits` block",
        }
    }

    /// The keyword (`Port`, `grant`): the first identifier of the declaration.
    pub fn keyword(&self) -> Option<SyntaxToken> {
        token(self.syntax(), IDENT)
    }

    /// The words of the grammar the declaration itself is written with — its keyword, a
    /// grant's form and `on`/`to`, a call's options, a port's field names and `exec`/`total`, a
    /// limit's name — as opposed to names and values. Declarations nested inside (a port's
    /// grants and calls) are declarations of their own and give their own words.
    pub fn words(&self) -> Vec<SyntaxToken> {
        let mut words: Vec<SyntaxToken> = self.keyword().into_iter().collect();
        match self {
            Declaration::Grant(g) => words.extend(g.words()),
            Declaration::Call(c) => words.extend(c.options().into_iter().map(|(w, _)| w)),
            Declaration::Port(p) => {
                for field in p.fields() {
                    words.extend(field.name());
                    words.extend(field.timeouts().flat_map(|t| t.words()));
                }
            }
            Declaration::Limits(l) => words.extend(l.limits().filter_map(|l| l.name())),
            Declaration::Requires(_) | Declaration::Schema(_) | Declaration::Role(_) => {}
        }
        words
    }

    /// The name a `Schema`, `Port` or `Role` declares, as written (glued identifier, `-` and
    /// digit tokens after the keyword), with its span; `None` for the others.
    pub fn declared_name(&self) -> Option<(String, crate::Span)> {
        match self {
            Declaration::Schema(_) | Declaration::Port(_) | Declaration::Role(_) => {
                let tokens = significant_tokens(self.syntax());
                (tokens.len() > 1).then(|| glued(&tokens[1..]))
            }
            _ => None,
        }
    }
}

/// The words of the grammar `node` itself is written with, when it is a node that has its own:
/// a declaration's ([`Declaration::words`]) or an App section's name (`Set`, `Install`). Every
/// other word of its text is a name or a value.
pub fn own_words(node: &SyntaxNode) -> Option<Vec<SyntaxToken>> {
    if let Some(declaration) = Declaration::cast(node.clone()) {
        return Some(declaration.words());
    }
    AppSection::cast(node.clone()).map(|s| s.name().into_iter().collect())
}

/// What a `grant` gives: `perm MASK`, `priv NAME`, `super` or `role NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantForm {
    /// The `PERM_MASK` node (`+cSd-RwX`).
    Perm(SyntaxNode),
    /// The `PRIV_NAME` node (`props:email:read`, `*`).
    Priv(SyntaxNode),
    Super,
    /// The role's name, glued as written, and its span.
    Role(String, crate::Span),
}

impl GrantStmt {
    /// The form, when it is complete enough to read (the checker reports the rest).
    pub fn form(&self) -> Option<GrantForm> {
        let tokens = significant_tokens(&self.0);
        let word = tokens.get(1).filter(|t| t.kind() == IDENT)?;
        Some(match word.text() {
            "perm" => GrantForm::Perm(self.0.first_child_by_kind(&|k| k == PERM_MASK)?),
            "priv" => GrantForm::Priv(self.0.first_child_by_kind(&|k| k == PRIV_NAME)?),
            "super" => GrantForm::Super,
            "role" => {
                let (name, span) = tokens
                    .get(2)
                    .filter(|t| t.kind() == IDENT)
                    .map(|_| glued(&tokens[2..]))?;
                GrantForm::Role(name, span)
            }
            _ => return None,
        })
    }

    /// The grant's own words after `grant`: its form (`perm`, `priv`, `super`, `role`) and
    /// `on`/`to` (a role's name after `role` is a name, not a word).
    pub fn words(&self) -> impl Iterator<Item = SyntaxToken> {
        let tokens = significant_tokens(&self.0);
        let form = tokens
            .get(1)
            .filter(|t| t.kind() == IDENT && crate::vocabulary::GRANT_FORMS.contains(&t.text()))
            .cloned();
        let joints = tokens
            .into_iter()
            .filter(|t| t.kind() == IDENT && matches!(t.text(), "on" | "to"));
        form.into_iter().chain(joints)
    }

    /// The `on` selector's node.
    pub fn on(&self) -> Option<SyntaxNode> {
        self.selector_after("on")
    }

    /// The `to` selector's node.
    pub fn to(&self) -> Option<SyntaxNode> {
        self.selector_after("to")
    }

    /// Whether the statement holds a syntax error (a broken grant is never lowered).
    pub fn has_error(&self) -> bool {
        self.0.first_child_by_kind(&|k| k == ERROR).is_some()
    }

    fn selector_after(&self, keyword: &str) -> Option<SyntaxNode> {
        let mut pending = false;
        for el in self.0.children_with_tokens() {
            match el {
                rowan::NodeOrToken::Token(t)
                    if t.kind() == IDENT && (t.text() == "on" || t.text() == "to") =>
                {
                    pending = t.text() == keyword;
                }
                rowan::NodeOrToken::Node(n) if n.kind() == POINT_SELECTOR && pending => {
                    return Some(n);
                }
                _ => {}
            }
        }
        None
    }
}

impl CallStmt {
    /// The selector of what may be called.
    pub fn selector(&self) -> Option<SyntaxNode> {
        self.0.first_child_by_kind(&|k| k == POINT_SELECTOR)
    }

    pub fn target(&self) -> Option<CallTarget> {
        child(&self.0)
    }

    /// The `timeout` duration's node.
    pub fn timeout(&self) -> Option<SyntaxNode> {
        self.option("timeout")?.into_node()
    }

    /// The `ack` duration's node (a call across hosts of a mesh).
    pub fn ack(&self) -> Option<SyntaxNode> {
        self.option("ack")?.into_node()
    }

    /// The `retries` count's token.
    pub fn retries(&self) -> Option<SyntaxToken> {
        self.option("retries")?.into_token()
    }

    /// Each option's word and value (a duration node or a count token), in source order.
    pub fn options(&self) -> Vec<(SyntaxToken, Option<crate::syntax_kind::SyntaxElement>)> {
        let elements: Vec<_> = self
            .0
            .children_with_tokens()
            .filter(|e| !e.kind().is_trivia())
            .collect();
        let mut out = Vec::new();
        let after_target = elements
            .iter()
            .position(|e| e.kind() == CALL_TARGET)
            .map_or(0, |i| i + 1);
        for (i, e) in elements.iter().enumerate().skip(after_target) {
            if let Some(word) = e
                .as_token()
                .filter(|t| t.kind() == IDENT && matches!(t.text(), "timeout" | "ack" | "retries"))
            {
                let value = elements
                    .get(i + 1)
                    .filter(|v| v.kind() == DURATION || v.kind() == INT)
                    .cloned();
                out.push((word.clone(), value));
            }
        }
        out
    }

    /// The first value of option `word`.
    fn option(&self, word: &str) -> Option<crate::syntax_kind::SyntaxElement> {
        self.options()
            .into_iter()
            .find(|(w, _)| w.text() == word)
            .and_then(|(_, v)| v)
    }
}

impl CallTarget {
    /// The kind name (`Ext`, `Http`, `Cmd`).
    pub fn kind(&self) -> Option<SyntaxToken> {
        significant_tokens(&self.0).into_iter().next()
    }

    /// The method name, or `*`.
    pub fn method(&self) -> Option<SyntaxToken> {
        significant_tokens(&self.0)
            .into_iter()
            .skip(1)
            .find(|t| matches!(t.kind(), IDENT | STAR))
    }

    /// The path after the method (`/users/1`).
    pub fn path(&self) -> Option<SyntaxToken> {
        token(&self.0, PATH_REGEX)
    }
}

impl PortDecl {
    /// The port's fields (`request:`, `timeout:`, …), not its grants and calls.
    pub fn fields(&self) -> impl Iterator<Item = PortField> {
        self.0.descendants().filter_map(PortField::cast)
    }

    /// Every `grant` of the port.
    pub fn grants(&self) -> impl Iterator<Item = GrantStmt> {
        self.0.descendants().filter_map(GrantStmt::cast)
    }

    /// Every `call` entry of the port.
    pub fn calls(&self) -> impl Iterator<Item = CallStmt> {
        self.0.descendants().filter_map(CallStmt::cast)
    }
}

impl PortField {
    /// The field's name (`request`, `timeout`, …): its first token, when that is a word.
    pub fn name(&self) -> Option<SyntaxToken> {
        significant_tokens(&self.0)
            .into_iter()
            .next()
            .filter(|t| t.kind() == IDENT)
    }

    /// The `exec 50ms, total 2s` of a `timeout:` field.
    pub fn timeouts(&self) -> impl Iterator<Item = TimeoutSpec> {
        self.0.children().filter_map(TimeoutSpec::cast)
    }

    /// The pattern of a `request:` or `response:` field.
    pub fn pattern(&self) -> Option<PayloadPattern> {
        child(&self.0)
    }

    /// The word after the colon (`json` in `envelope: json`).
    pub fn word(&self) -> Option<SyntaxToken> {
        significant_tokens(&self.0)
            .get(2)
            .filter(|t| t.kind() == IDENT)
            .cloned()
    }
}

impl TimeoutSpec {
    /// Each duration with the word before it (`exec`, `total`, or whatever was written there;
    /// the checker reports the rest), in source order.
    pub fn entries(&self) -> Vec<(Option<SyntaxToken>, SyntaxNode)> {
        let mut word = None;
        let mut out = Vec::new();
        for el in self.0.children_with_tokens() {
            match el {
                rowan::NodeOrToken::Token(t) if t.kind() == IDENT => word = Some(t),
                rowan::NodeOrToken::Node(n) if n.kind() == DURATION => {
                    out.push((word.clone(), n));
                }
                _ => {}
            }
        }
        out
    }

    /// `exec` and `total`, as written.
    pub fn words(&self) -> Vec<SyntaxToken> {
        significant_tokens(&self.0)
            .into_iter()
            .filter(|t| t.kind() == IDENT && matches!(t.text(), "exec" | "total"))
            .collect()
    }
}

impl LimitsBlock {
    pub fn limits(&self) -> impl Iterator<Item = Limit> {
        self.0.descendants().filter_map(Limit::cast)
    }
}

impl Limit {
    /// What is limited (`memory`, `payload`, `headers`).
    pub fn name(&self) -> Option<SyntaxToken> {
        significant_tokens(&self.0).into_iter().next()
    }

    /// The size's node (`16MiB`).
    pub fn size(&self) -> Option<SyntaxNode> {
        self.0.first_child_by_kind(&|k| k == DURATION)
    }
}

impl AppSection {
    /// `Set` or `Install`.
    pub fn name(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
}

impl RoleDecl {
    pub fn grants(&self) -> impl Iterator<Item = GrantStmt> {
        self.0.descendants().filter_map(GrantStmt::cast)
    }
}

impl RequiresBlock {
    pub fn requirements(&self) -> impl Iterator<Item = Requirement> {
        self.0.descendants().filter_map(Requirement::cast)
    }
}

/// The significant (non-trivia) tokens directly under `node`. Only those are made into cursors:
/// rowan allocates one for each element visited, and trees are mostly trivia.
pub fn significant_tokens(node: &SyntaxNode) -> Vec<SyntaxToken> {
    node.children_with_tokens()
        .by_kind(|k| k.is_token() && !k.is_trivia())
        .filter_map(|e| e.into_token())
        .collect()
}

/// The first node of `kind` directly under `node` (which starts at `start`), with its start.
fn green_child(
    node: &crate::GreenNodeData,
    start: usize,
    kind: SyntaxKind,
) -> Option<(&crate::GreenNodeData, usize)> {
    let mut offset = start;
    for child in node.children() {
        match child {
            rowan::NodeOrToken::Node(n) => {
                if SyntaxKind::from_raw(n.kind()) == kind {
                    return Some((n, offset));
                }
                offset += usize::from(n.text_len());
            }
            rowan::NodeOrToken::Token(t) => offset += usize::from(t.text_len()),
        }
    }
    None
}

/// Calls `f` with the kind and text of each token directly under `node`, in order. Read from the
/// green tree: no cursor is made per token.
pub fn for_each_token(node: &SyntaxNode, mut f: impl FnMut(SyntaxKind, &str)) {
    for child in node.green().children() {
        if let rowan::NodeOrToken::Token(t) = child {
            f(SyntaxKind::from_raw(t.kind()), t.text());
        }
    }
}

/// The kind of the last token directly under `node` that `matches` (from the green tree).
pub fn last_token_kind(
    node: &SyntaxNode,
    matches: impl Fn(SyntaxKind) -> bool,
) -> Option<SyntaxKind> {
    node.green()
        .children()
        .rev()
        .filter_map(|c| c.into_token())
        .map(|t| SyntaxKind::from_raw(t.kind()))
        .find(|&k| matches(k))
}

/// `tokens[0]` glued with the directly adjacent identifier, `-` and digit tokens after it, as
/// written (a name such as `user-files-2`), with its span. `tokens` must not be empty.
pub fn glued(tokens: &[SyntaxToken]) -> (String, crate::Span) {
    let span_of =
        |t: &SyntaxToken| usize::from(t.text_range().start())..usize::from(t.text_range().end());
    let mut span = span_of(&tokens[0]);
    let mut name = tokens[0].text().to_string();
    for t in &tokens[1..] {
        if span_of(t).start != span.end || !matches!(t.kind(), IDENT | MINUS | INT) {
            break;
        }
        span.end = span_of(t).end;
        name.push_str(t.text());
    }
    (name, span)
}

pub(crate) fn child<N: AstNode>(parent: &SyntaxNode) -> Option<N> {
    parent.first_child_by_kind(&N::can_cast).and_then(N::cast)
}

pub(crate) fn children<N: AstNode>(parent: &SyntaxNode) -> impl Iterator<Item = N> {
    parent.children().by_kind(N::can_cast).filter_map(N::cast)
}

/// The first significant token of `kind` directly under `node`.
pub fn token(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    node.first_child_or_token_by_kind(&|k| k == kind)
        .and_then(|e| e.into_token())
}

/// The byte span of a token.
pub fn token_span(token: &SyntaxToken) -> crate::Span {
    let r = token.text_range();
    usize::from(r.start())..usize::from(r.end())
}

/// The byte span of a node without its leading and trailing trivia. Read from the green tree:
/// no cursor is made (rowan allocates one per node or token visited).
pub fn trimmed_span(node: &SyntaxNode) -> crate::Span {
    let start = usize::from(node.text_range().start());
    let green = node.green();
    match (
        trivia_len(&green, Edge::Leading),
        trivia_len(&green, Edge::Trailing),
    ) {
        (Some(lead), Some(trail)) => start + lead..start + usize::from(green.text_len()) - trail,
        _ => start..start,
    }
}

#[derive(Clone, Copy)]
enum Edge {
    Leading,
    Trailing,
}

/// The length of the trivia at one edge of `node`, or `None` when it holds nothing else.
fn trivia_len(node: &crate::GreenNodeData, edge: Edge) -> Option<usize> {
    let mut len = 0;
    let mut visit =
        |child: rowan::NodeOrToken<&crate::GreenNodeData, &rowan::GreenTokenData>| match child {
            rowan::NodeOrToken::Token(t) => {
                if !SyntaxKind::from_raw(t.kind()).is_trivia() {
                    return true;
                }
                len += usize::from(t.text_len());
                false
            }
            rowan::NodeOrToken::Node(n) => match trivia_len(n, edge) {
                Some(inner) => {
                    len += inner;
                    true
                }
                None => {
                    len += usize::from(n.text_len());
                    false
                }
            },
        };
    let found = match edge {
        Edge::Leading => node.children().any(&mut visit),
        Edge::Trailing => node.children().rev().any(&mut visit),
    };
    found.then_some(len)
}

/// The node's text without leading or trailing trivia (its tokens are glued for atoms).
pub fn text(node: &SyntaxNode) -> String {
    node.to_string().trim().to_string()
}

impl SourceFile {
    pub fn bind(&self) -> Option<BindDoc> {
        child(&self.0)
    }
    pub fn app(&self) -> Option<AppDoc> {
        child(&self.0)
    }
    pub fn router(&self) -> Option<RouterDoc> {
        child(&self.0)
    }
}

impl BindDoc {
    pub fn header(&self) -> Option<Header> {
        child(&self.0)
    }
    pub fn body(&self) -> Option<Body> {
        child(&self.0)
    }
}

impl Header {
    /// The kind name token (`Bind`, `App`).
    pub fn name(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
    /// The version node inside `(version=…)`, if written.
    pub fn version(&self) -> Option<SyntaxNode> {
        self.0
            .first_child_by_kind(&|k| k == HEADER_ARGS)?
            .first_child_by_kind(&|k| k == VERSION)
    }
    pub fn has_args(&self) -> bool {
        self.0.first_child_by_kind(&|k| k == HEADER_ARGS).is_some()
    }
    /// The 2022 `->` between header and body.
    pub fn legacy_arrow(&self) -> Option<SyntaxToken> {
        token(&self.0, ARROW)
    }
}

impl Body {
    pub fn scopes(&self) -> impl Iterator<Item = Scope> {
        children(&self.0)
    }
    /// Pipelines written directly in the block (`{ -> (()) => &; }`).
    pub fn pipelines(&self) -> impl Iterator<Item = Pipeline> {
        children(&self.0)
    }
}

impl Scope {
    pub fn selector(&self) -> Option<Selector> {
        child(&self.0)
    }
    pub fn body(&self) -> Option<Body> {
        child(&self.0)
    }
    pub fn pipeline(&self) -> Option<Pipeline> {
        child(&self.0)
    }
    /// The step before a `{` block (`Route -> {`).
    pub fn block_step(&self) -> Option<Step> {
        child(&self.0)
    }
}

impl Selector {
    /// The names from outer to inner: `Route<Http<Get>>` → [Route, Http, Get]. A 2022 capture in
    /// a name's place (`Http<$(method=.*)>`) stands as its name; the checker reports it.
    pub fn names(&self) -> Vec<SyntaxToken> {
        let mut out = Vec::new();
        let mut current = child::<SelectorName>(&self.0);
        while let Some(name) = current {
            if let Some(tok) = name
                .0
                .first_child_or_token_by_kind(&|k| matches!(k, IDENT | STAR | VARIABLE))
                .and_then(|e| e.into_token())
            {
                out.push(tok);
            }
            current = name
                .0
                .first_child_by_kind(&|k| k == GENERIC_ARG)
                .and_then(|g| child::<SelectorName>(&g));
        }
        out
    }
    /// The spans of [`Selector::names`], read from the green tree: no cursor is made for each
    /// level of nesting (the lowering of every route reads them).
    pub fn name_spans(&self) -> Vec<crate::Span> {
        let mut out = Vec::new();
        let green = self.0.green();
        let start = usize::from(self.0.text_range().start());
        let mut current = green_child(&green, start, SELECTOR_NAME);
        while let Some((name, at)) = current {
            let mut offset = at;
            for child in name.children() {
                let len = usize::from(match child {
                    rowan::NodeOrToken::Node(n) => n.text_len(),
                    rowan::NodeOrToken::Token(t) => t.text_len(),
                });
                if let rowan::NodeOrToken::Token(t) = child
                    && matches!(SyntaxKind::from_raw(t.kind()), IDENT | STAR | VARIABLE)
                {
                    out.push(offset..offset + len);
                    break;
                }
                offset += len;
            }
            current = green_child(name, at, GENERIC_ARG)
                .and_then(|(arg, at)| green_child(arg, at, SELECTOR_NAME));
        }
        out
    }
    pub fn filters(&self) -> Vec<Filter> {
        self.0
            .first_child_by_kind(&|k| k == FILTER_LIST)
            .map(|l| children(&l).collect())
            .unwrap_or_default()
    }
    pub fn regex(&self) -> Option<SyntaxToken> {
        token(&self.0, PATH_REGEX)
    }
}

impl Filter {
    /// The filter's name (first identifier inside the parentheses).
    pub fn name(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
}

impl Pipeline {
    pub fn segments(&self) -> impl Iterator<Item = Segment> {
        children(&self.0)
    }
}

impl Segment {
    pub fn step(&self) -> Option<Step> {
        child(&self.0)
    }
    /// The stop node (any of the stop kinds).
    pub fn stop(&self) -> Option<SyntaxNode> {
        self.0.first_child_by_kind(&|k| {
            matches!(
                k,
                CORE_STOP
                    | LEGACY_CORE_STOP
                    | PORT_STOP
                    | REFLECT_STOP
                    | ERR_STOP
                    | POINT_STOP
                    | CALL_STOP
            )
        })
    }
}

impl Step {
    pub fn payload(&self) -> Option<PayloadBlock> {
        child(&self.0)
    }
}

impl PayloadBlock {
    pub fn pattern(&self) -> Option<PayloadPattern> {
        child(&self.0)
    }
}

impl PayloadPattern {
    /// The kind name (`Text`, `Map`) or `*`.
    pub fn kind(&self) -> Option<SyntaxToken> {
        self.0
            .first_child_or_token_by_kind(&|k| matches!(k, IDENT | STAR))
            .and_then(|e| e.into_token())
    }
    pub fn validators(&self) -> impl Iterator<Item = Validator> {
        children(&self.0)
    }
}
