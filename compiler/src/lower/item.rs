//! Lowering one body item: ports, roles, grants, and the routes of a scope — flattened (levels
//! joined, regexes joined outer-to-inner, filters collected), names resolved against the bind's
//! [`LowerEnv`], payload patterns in the item's own arena.

use starlane_ir::{
    CallRule, Direction, Filter, Format, Grant, GrantKind, MapEntry, Method, MethodPattern,
    PathPattern, PatternId, PayloadKind, PayloadPattern, Port, PortCheck, Role, Route, Segment,
    SelectorPattern, Shape, SourceSpan, Stop, Template, Validator,
};
use starlane_lang::ast::{self, AstNode, Declaration};
use starlane_lang::atoms::{count, perm, quantity};
use starlane_lang::check::RegexCache;
use starlane_lang::{Diagnostic, Span, SyntaxKind::*, SyntaxNode, WalkEvent};

use super::{LowerEnv, LoweredItem, significant_tokens, span_of, sspan, text};
use crate::codes;

/// The declared name after the keyword, as written (empty when there is none).
pub(super) fn decl_name(declaration: &Declaration) -> String {
    declaration
        .declared_name()
        .map(|(name, _)| name)
        .unwrap_or_default()
}

/// Lowers one item of a `Bind` body on its own: what it declares (ports, roles, grants) and the
/// routes inside it. Names resolve against `env`; payload patterns go into the item's own
/// arena, numbered from 0 (the bind's assembly renumbers them).
pub fn lower_item(
    env: &LowerEnv,
    regexes: &mut RegexCache,
    src: &str,
    item: &SyntaxNode,
) -> LoweredItem {
    lower_item_with(env, regexes, src, item, &mut |env, regexes, block| {
        lower_block(env, regexes, src, block)
    })
}

/// Supplies the units of a route scope's block (the block's node is given) lowered:
/// [`lower_block`], or a memo of them. A unit's routes depend on its text, the selectors of the
/// scopes around it and the env.
pub type LowerBlock<'a> = dyn FnMut(&LowerEnv, &mut RegexCache, &SyntaxNode) -> LoweredItem + 'a;

/// [`lower_item`], with the units of the item's route scopes' blocks lowered by `blocks`.
pub fn lower_item_with(
    env: &LowerEnv,
    regexes: &mut RegexCache,
    src: &str,
    item: &SyntaxNode,
    blocks: &mut LowerBlock,
) -> LoweredItem {
    let mut l = ItemLowerer::new(env, regexes, src);
    match Declaration::cast(item.clone()) {
        Some(Declaration::Port(decl)) => {
            let port = l.port(&decl);
            l.out.ports.push(port);
        }
        Some(Declaration::Role(decl)) => {
            let role = Role {
                name: decl_name(&Declaration::Role(decl.clone())),
                grants: l.grants_in(decl.grants()),
                span: l.span(span_of(item)),
            };
            l.out.roles.push(role);
        }
        Some(Declaration::Grant(grant)) => {
            if let Some(g) = l.grant(&grant) {
                l.out.grants.push(g);
            }
        }
        _ => {}
    }
    l.routes(item, blocks);
    l.out
}

/// The routes of one unit inside a route scope's block; the units of its own block, if it is a
/// scope with one, from `blocks`.
pub fn lower_unit(
    env: &LowerEnv,
    regexes: &mut RegexCache,
    src: &str,
    unit: &SyntaxNode,
    blocks: &mut LowerBlock,
) -> LoweredItem {
    let mut l = ItemLowerer::inside(env, regexes, src, unit.parent().as_ref());
    l.routes(unit, blocks);
    l.out
}

/// The routes of every unit of `block`, a route scope's block, and of every unit inside them.
pub fn lower_block(
    env: &LowerEnv,
    regexes: &mut RegexCache,
    src: &str,
    block: &SyntaxNode,
) -> LoweredItem {
    // One lowerer for the whole block: each unit's routes land where they stay, where a
    // lowering per unit cost an allocation per route and a copy of each into the block's.
    let mut l = ItemLowerer::inside(env, regexes, src, Some(block));
    for unit in block.children() {
        l.routes(&unit, &mut |env, regexes, block| {
            lower_block(env, regexes, src, block)
        });
    }
    l.out
}

struct ItemLowerer<'a> {
    env: &'a LowerEnv,
    regexes: &'a mut RegexCache,
    src: &'a str,
    /// The node the lowered units stand in (a route scope's block), if not the bind's body: the
    /// scopes at and above it are read once, into `enclosing`, not once per route.
    block: Option<SyntaxNode>,
    /// What those scopes give every route in the block, read at the first route (a unit whose
    /// routes all lie in blocks of its own never needs it); inside, `None` when one of them
    /// cannot be lowered, and then neither can any route in the block.
    enclosing: Option<Option<ScopeParts<'a>>>,
    out: LoweredItem,
}

/// What a run of nested scopes gives the routes inside them, outer to inner: kind and method
/// names, path regex pieces and filters, and the span of the innermost scope.
#[derive(Clone, Default)]
struct ScopeParts<'a> {
    names: Vec<&'a str>,
    regexes: Vec<&'a str>,
    filters: Vec<Filter>,
    innermost: Option<Span>,
}

impl<'a> ItemLowerer<'a> {
    fn new(env: &'a LowerEnv, regexes: &'a mut RegexCache, src: &'a str) -> ItemLowerer<'a> {
        ItemLowerer {
            env,
            regexes,
            src,
            block: None,
            enclosing: None,
            out: LoweredItem::default(),
        }
    }

    /// A lowerer for the units of `block` (a route scope's block; `None`: the bind's body).
    fn inside(
        env: &'a LowerEnv,
        regexes: &'a mut RegexCache,
        src: &'a str,
        block: Option<&SyntaxNode>,
    ) -> ItemLowerer<'a> {
        let mut l = ItemLowerer::new(env, regexes, src);
        l.block = block.cloned();
        l
    }

    /// What the scopes at and above the block give its routes (see `enclosing`).
    fn enclosing(&mut self) -> Option<&ScopeParts<'a>> {
        if self.enclosing.is_none() {
            let scopes: Vec<ast::Scope> = self
                .block
                .iter()
                .flat_map(|block| block.ancestors())
                .filter_map(ast::Scope::cast)
                .collect();
            let mut parts = ScopeParts::default();
            let read = scopes
                .iter()
                .rev()
                .try_for_each(|scope| self.read_scope(scope, &mut parts));
            self.enclosing = Some(read.map(|()| parts));
        }
        self.enclosing.as_ref().and_then(Option::as_ref)
    }

    /// Adds what `scope` gives the routes inside it to `parts`; `None` when it cannot be
    /// lowered (no selector, an unknown filter: both reported by the checker).
    fn read_scope(&self, scope: &ast::Scope, parts: &mut ScopeParts<'a>) -> Option<()> {
        let src = self.src;
        let selector = scope.selector()?;
        for n in selector.name_spans() {
            match &src[n] {
                "Route" | "Pipelines" => {}
                other => parts.names.push(other),
            }
        }
        parts
            .regexes
            .extend(selector.regex().map(|r| &src[ast::token_span(&r)]));
        for f in selector.filters().iter().filter_map(|f| f.name()) {
            // An unknown filter was reported by the checker; the route is dropped rather
            // than served without it.
            parts.filters.push(Filter::parse(f.text())?);
        }
        parts.innermost = Some(span_of(scope.syntax()));
        Some(())
    }

    /// The routes of `node`'s pipelines in document order; the items of a route scope's block
    /// come from `units`.
    fn routes(&mut self, node: &SyntaxNode, blocks: &mut LowerBlock) {
        let block = ast::Scope::cast(node.clone())
            .and_then(|s| s.body())
            .map(|b| b.syntax().clone());
        let mut walk = node.preorder();
        while let Some(event) = walk.next() {
            let WalkEvent::Enter(inner) = event else {
                continue;
            };
            if block.as_ref() == Some(&inner) {
                walk.skip_subtree();
                let units = blocks(self.env, self.regexes, &inner);
                self.out.absorb(units);
            } else if inner.kind() == SELECTOR {
                // Holds no pipeline: not walked (rowan allocates a cursor per node visited).
                walk.skip_subtree();
            } else if let Some(pipeline) = ast::Pipeline::cast(inner) {
                walk.skip_subtree();
                if let Some(route) = self.route(&pipeline) {
                    self.out.routes.push(route);
                }
            }
        }
    }

    fn span(&self, span: Span) -> SourceSpan {
        sspan(self.env.source, span)
    }

    fn port(&mut self, decl: &ast::PortDecl) -> Port {
        let node = decl.syntax();
        let mut port = Port {
            name: decl_name(&Declaration::Port(decl.clone())),
            request: None,
            response: None,
            envelope: starlane_ir::Envelope::Json,
            exec_ms: starlane_ir::DEFAULT_EXEC_MS,
            total_ms: starlane_ir::DEFAULT_TOTAL_MS,
            grants: self.grants_in(decl.grants()),
            calls: Vec::new(),
            span: self.span(span_of(node)),
        };
        let mut exec_set = false;
        // Where `exec` and `total` were written, for E0106.
        let (mut exec_span, mut total_span) = (None, None);
        for field in decl.fields() {
            let Some(name) = field.name() else {
                continue;
            };
            match name.text() {
                which @ ("request" | "response") => {
                    let span = self.span(span_of(field.syntax()));
                    let pattern = field.pattern().map(|p| PortCheck {
                        pattern: self.pattern(&p),
                        span,
                    });
                    if which == "request" {
                        port.request = pattern
                    } else {
                        port.response = pattern
                    }
                }
                "envelope" => {
                    // An unknown word was reported by the checker; the port keeps the default.
                    if let Some(envelope) = field
                        .word()
                        .and_then(|t| starlane_ir::Envelope::parse(t.text()))
                    {
                        port.envelope = envelope;
                    }
                }
                "timeout" => {
                    for (word, duration) in field.timeouts().flat_map(|t| t.entries()) {
                        let Ok(ms) = quantity::duration_ms(&text(self.src, &duration)) else {
                            continue;
                        };
                        match word.as_ref().map(|w| w.text()) {
                            Some("exec") => {
                                port.exec_ms = ms;
                                exec_set = true;
                                exec_span = Some(span_of(&duration));
                            }
                            Some("total") => {
                                port.total_ms = ms;
                                total_span = Some(span_of(&duration));
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if !exec_set && port.total_ms < port.exec_ms {
            port.exec_ms = port.total_ms; // a short `total` implies a short `exec`
        }
        if let Some(exec) = exec_span.filter(|_| port.exec_ms > port.total_ms) {
            let mut d = Diagnostic::new(
                codes::EXEC_EXCEEDS_TOTAL,
                exec,
                format!(
                    "port `{}`: `exec` ({} ms) is longer than `total` ({} ms)",
                    port.name, port.exec_ms, port.total_ms
                ),
            )
            .label("`exec` can never be reached")
            .note(
                "`exec` is the guest's own CPU time; `total` is the whole exchange and includes it",
            );
            d = match total_span {
                Some(total) => d.secondary(total, "the whole exchange ends here"),
                None => d.note(format!(
                    "`total` is not given: it is the default, {} ms",
                    starlane_ir::DEFAULT_TOTAL_MS
                )),
            };
            self.out.diagnostics.push(d);
        }
        for call in decl.calls() {
            if let Some(rule) = self.call_rule(&call) {
                port.calls.push(rule);
            }
        }
        port
    }

    fn call_rule(&mut self, call: &ast::CallStmt) -> Option<CallRule> {
        let selector = SelectorPattern::parse(&text(self.src, &call.selector()?)).ok()?;
        let (kind, method, path) = call_target(&call.target()?);
        let methods = MethodPattern::new(&kind, &method)?;
        let duration =
            |d: Option<SyntaxNode>| d.and_then(|d| quantity::duration_ms(&text(self.src, &d)).ok());
        let timeout_ms = duration(call.timeout());
        let ack_ms = duration(call.ack());
        let retries = call.retries().and_then(|t| t.text().parse().ok());
        Some(CallRule {
            selector,
            methods,
            path,
            timeout_ms,
            ack_ms,
            retries,
            span: self.span(span_of(call.syntax())),
        })
    }

    fn grants_in(&mut self, grants: impl Iterator<Item = ast::GrantStmt>) -> Vec<Grant> {
        grants.filter_map(|g| self.grant(&g)).collect()
    }

    /// A grant that does not check is dropped here (fail closed); the checker reported why.
    fn grant(&mut self, grant: &ast::GrantStmt) -> Option<Grant> {
        let kind = match grant.form()? {
            ast::GrantForm::Perm(mask) => {
                let m = perm::parse(&text(self.src, &mask)).ok()?;
                GrantKind::Perm {
                    bits: m.bits,
                    and: m.op == perm::MaskOp::And,
                }
            }
            ast::GrantForm::Priv(name) => GrantKind::Priv(text(self.src, &name)),
            ast::GrantForm::Super => GrantKind::Super,
            ast::GrantForm::Role(name, _) => GrantKind::Role(name),
        };
        // A selector that does not parse was reported by the checker; the grant is dropped
        // (fail closed: a broken `to` must not widen the grant).
        let selector = |node: Option<SyntaxNode>| -> Result<Option<SelectorPattern>, ()> {
            node.map(|n| SelectorPattern::parse(&text(self.src, &n)).map_err(|_| ()))
                .transpose()
        };
        let on = selector(grant.on()).ok()?;
        let to = selector(grant.to()).ok()?;
        let is_role = matches!(kind, GrantKind::Role(_));
        if (!is_role && on.is_none()) || grant.has_error() {
            return None;
        }
        Some(Grant {
            kind,
            on,
            to,
            span: self.span(span_of(grant.syntax())),
        })
    }

    fn route(&mut self, pipeline: &ast::Pipeline) -> Option<Route> {
        // The scopes between the pipeline and the block; those around the block are read.
        let inner: Vec<ast::Scope> = pipeline
            .syntax()
            .ancestors()
            .take_while(|node| self.block.as_ref() != Some(node))
            .filter_map(ast::Scope::cast)
            .collect();
        let mut parts = self.enclosing()?.clone();
        for scope in inner.iter().rev() {
            self.read_scope(scope, &mut parts)?;
        }
        let ScopeParts {
            names,
            regexes,
            filters,
            innermost,
        } = parts;
        let methods = match names.as_slice() {
            [kind, method] => MethodPattern::new(kind, method)?,
            [star] if *star == "*" => MethodPattern::Any,
            _ => return None, // misplaced pipeline: reported by the checker
        };
        let path = if regexes.is_empty() {
            PathPattern::Any
        } else {
            let regex = regexes.concat();
            // Text with nothing to escape matches only itself (what `escape` would leave alone).
            if !regex.chars().any(regex_syntax::is_meta_character) {
                PathPattern::Exact(regex)
            } else {
                let captures = self.regexes.capture_names(&regex);
                PathPattern::Regex { regex, captures }
            }
        };
        let route_span = innermost.unwrap_or_else(|| span_of(pipeline.syntax()));
        let mut segments = Vec::new();
        for seg in pipeline.segments() {
            let step = seg.step();
            let arrow = step
                .as_ref()
                .and_then(|s| ast::last_token_kind(s.syntax(), |k| matches!(k, ARROW | FAT_ARROW)));
            let direction = match arrow {
                Some(FAT_ARROW) => Direction::Response,
                _ => Direction::Request,
            };
            let payload = step
                .as_ref()
                .and_then(|s| s.payload())
                .map(|b| match b.pattern() {
                    Some(p) => self.pattern(&p),
                    None => self.push_pattern(PayloadPattern {
                        shape: Shape::Nothing,
                        validators: vec![],
                    }),
                });
            let Some(stop_node) = seg.stop() else {
                continue;
            };
            let Some(stop) = self.stop(&stop_node) else {
                continue;
            };
            segments.push(Segment {
                direction,
                payload,
                stop,
                span: self.span(span_of(seg.syntax())),
            });
        }
        let route = Route {
            methods,
            path,
            filters,
            segments,
            span: self.span(route_span),
        };
        crate::sema::route_variables(
            &route,
            self.src,
            &self.env.context,
            self.regexes,
            &mut self.out.diagnostics,
        );
        Some(route)
    }

    fn stop(&mut self, node: &SyntaxNode) -> Option<Stop> {
        Some(match node.kind() {
            CORE_STOP | LEGACY_CORE_STOP => Stop::Core,
            REFLECT_STOP => Stop::Reflect,
            PORT_STOP => {
                let mut name = String::new();
                ast::for_each_token(node, |kind, text| {
                    if matches!(kind, IDENT | MINUS | INT) {
                        name.push_str(text)
                    }
                });
                match self.env.port_index(&name) {
                    Some(i) => Stop::Port(i),
                    None => {
                        let span = span_of(node);
                        let mut d = Diagnostic::new(
                            codes::UNKNOWN_PORT,
                            span.clone(),
                            format!("no port named `{name}`"),
                        )
                        .label("unknown port")
                        .help(format!("declare it: `Port {name} {{ … }}`"));
                        d = d.did_you_mean(
                            &name,
                            self.env.ports.iter().map(String::as_str),
                            span.start + 2..span.end - 2,
                        );
                        self.out.diagnostics.push(d);
                        return None;
                    }
                }
            }
            ERR_STOP => {
                let tokens = significant_tokens(node);
                let status = tokens
                    .iter()
                    .find(|t| t.kind() == INT)?
                    .text()
                    .parse()
                    .ok()?;
                let reason = tokens
                    .iter()
                    .find(|t| t.kind() == STRING)
                    .map(|t| unquote(t.text()));
                Stop::Err { status, reason }
            }
            POINT_STOP => Stop::Point(self.template(node.first_child_by_kind(&|k| k == POINT)?)?),
            CALL_STOP => {
                let point = self.template(node.first_child_by_kind(&|k| k == POINT)?)?;
                let (kind, method, path) = call_target(
                    &node
                        .first_child_by_kind(&|k| k == CALL_TARGET)
                        .and_then(ast::CallTarget::cast)?,
                );
                let path = match path {
                    Some(p) => Some(Template::parse(&p).ok()?),
                    None => None,
                };
                Stop::Call {
                    point,
                    method: called_method(&kind, &method)?,
                    path,
                }
            }
            _ => return None,
        })
    }

    /// A point as a parsed template; one with an unclosed `${` was reported by the checker.
    fn template(&self, node: SyntaxNode) -> Option<Template> {
        Template::parse(&text(self.src, &node)).ok()
    }

    fn push_pattern(&mut self, p: PayloadPattern) -> PatternId {
        self.out.patterns.push(p);
        (self.out.patterns.len() - 1) as PatternId
    }

    /// Children are pushed before their parent, so the arena stays acyclic. Depth is bounded by
    /// the parser's pattern cap.
    fn pattern(&mut self, p: &ast::PayloadPattern) -> PatternId {
        let node = p.syntax();
        let kind = p.kind().map(|t| t.text().to_string());
        let shape = if let Some(map) = node.first_child_by_kind(&|k| k == MAP_PATTERN) {
            let mut entries = Vec::new();
            let mut other = None;
            for entry in map.children().by_kind(|k| k == MAP_ENTRY) {
                let tokens = significant_tokens(&entry);
                let optional = tokens.iter().any(|t| t.kind() == QUESTION);
                let inner = entry
                    .children()
                    .find_map(ast::PayloadPattern::cast)
                    .map(|c| self.pattern(&c));
                if tokens.first().is_some_and(|t| t.kind() == STAR) {
                    other = Some(inner);
                    continue;
                }
                let key: String = tokens
                    .iter()
                    .take_while(|t| matches!(t.kind(), IDENT | MINUS | INT | STRING))
                    .map(|t| unquote(t.text()))
                    .collect();
                entries.push(MapEntry {
                    key,
                    optional,
                    pattern: inner,
                });
            }
            Shape::Map { entries, other }
        } else if let Some(c) = node.first_child_by_kind(&|k| k == PAYLOAD_COUNT) {
            let inner = text(self.src, &c);
            let inner = inner.trim_start_matches('[').trim_end_matches(']');
            let count = count::parse(inner).unwrap_or(count::Count { min: 0, max: None });
            match kind.as_deref().and_then(PayloadKind::parse) {
                Some(kind) => Shape::List {
                    kind,
                    min: count.min,
                    max: count.max,
                },
                // An unknown kind was reported by the checker: nothing passes (fail closed).
                None => Shape::Nothing,
            }
        } else {
            match kind.as_deref() {
                Some("*") | None => Shape::Any,
                Some(k) => PayloadKind::parse(k).map_or(Shape::Nothing, Shape::Kind),
            }
        };
        let mut validators = Vec::new();
        // A validator the checker reported as unreadable makes the pattern accept nothing
        // (fail closed), never accept more.
        let mut unreadable = false;
        for v in p.validators() {
            let Some(target) = v.syntax().children().next() else {
                continue;
            };
            if target.kind() == CALL_STOP {
                let point = target
                    .first_child_by_kind(&|k| k == POINT)
                    .and_then(|n| self.template(n));
                let method = target
                    .children()
                    .find_map(ast::CallTarget::cast)
                    .and_then(|t| {
                        let (kind, method, _) = call_target(&t);
                        called_method(&kind, &method)
                    });
                match (point, method) {
                    (Some(point), Some(method)) => {
                        validators.push(Validator::Mechtron { point, method })
                    }
                    _ => unreadable = true,
                }
                continue;
            }
            let name = text(self.src, &target);
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                match self.env.schema_index(&name) {
                    Some(schema) => validators.push(Validator::Schema(schema)),
                    None => {
                        let span = span_of(&target);
                        let mut d = Diagnostic::new(
                            codes::UNKNOWN_SCHEMA,
                            span.clone(),
                            format!("no schema named `{name}`"),
                        )
                        .label("unknown schema")
                        .help(format!(
                            "declare it: `Schema {name} = \"schema/{}.json\";`",
                            name.to_ascii_lowercase()
                        ));
                        d = d.did_you_mean(
                            &name,
                            self.env.schemas.iter().map(|(name, _)| name.as_str()),
                            span,
                        );
                        self.out.diagnostics.push(d);
                    }
                }
            } else if let Some(format) = Format::parse(&name) {
                validators.push(Validator::Format(format));
            } else {
                unreadable = true;
            }
        }
        let shape = if unreadable { Shape::Nothing } else { shape };
        self.push_pattern(PayloadPattern { shape, validators })
    }
}

/// `Ext<Select>/path` → ("Ext", "Select", Some("/path")).
fn call_target(target: &ast::CallTarget) -> (String, String, Option<String>) {
    let text = |t: Option<starlane_lang::SyntaxToken>| t.map(|t| t.text().to_string());
    (
        text(target.kind()).unwrap_or_default(),
        text(target.method()).unwrap_or_default(),
        text(target.path()),
    )
}

/// The one method a call stop sends (`*` is for `call` entries only; the checker reports it).
fn called_method(kind: &str, method: &str) -> Option<Method> {
    match MethodPattern::new(kind, method)? {
        MethodPattern::Exactly(m) => Some(m),
        _ => None,
    }
}

fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '\'').to_string()
}
