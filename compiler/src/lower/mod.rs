//! Lowering: one checked `.bind` tree → one IR [`Bind`].
//!
//! The bind's own declarations (version, `Requires`, schemas, limits, port names) are read first
//! into a [`LowerEnv`]; then each body item is lowered on its own against it ([`lower_item`])
//! and the pieces are assembled, payload patterns renumbered into the bundle-wide arena. An
//! item's lowering depends only on its text and the env, which is what lets the language server
//! keep it across edits (`crate::incremental`).

mod item;
pub mod lend;
mod relocate;

use std::collections::{BTreeMap, HashMap};

use starlane_ir::{Bind, Limits, PayloadPattern, Requirement, SchemaRef, SourceSpan};
use starlane_lang::ast::{self, AstNode};
use starlane_lang::atoms::quantity;
use starlane_lang::check::RegexCache;
use starlane_lang::{Diagnostic, Span, SyntaxKind::*, SyntaxNode};

pub use item::{LowerBlock, lower_block, lower_item, lower_item_with, lower_unit};

/// Bundle-wide state shared by the binds being lowered.
#[derive(Default)]
pub struct LowerCx {
    pub patterns: Vec<PayloadPattern>,
    /// Regex analyses, shared with the checker and the semantic checks (and, in the language
    /// server, kept across edits).
    pub regexes: RegexCache,
    /// Schema documents by bundle-relative path → index in the bundle's schema list.
    pub schema_paths: BTreeMap<String, u32>,
    pub diagnostics: Vec<Diagnostic>,
}

impl LowerCx {
    fn schema_index(&mut self, path: &str) -> u32 {
        let next = self.schema_paths.len() as u32;
        *self
            .schema_paths
            .entry(normalise_path(path))
            .or_insert(next)
    }
}

/// What one item's lowering may depend on besides its own text: the names it resolves.
#[derive(Debug, Clone, Default)]
pub struct LowerEnv {
    pub source: u32,
    /// Port names in declaration order: a port stop lowers to the index of the first.
    pub ports: Vec<String>,
    /// Declared schemas in declaration order: (name, index in the bundle's schema list).
    pub schemas: Vec<(String, u32)>,
    /// The context names a route's `${…}` may use (a name written with `-` also in its `_`
    /// spelling): its variables are checked as it is lowered, so the check is remembered with
    /// the route ([`crate::sema::route_variables`]).
    pub context: Vec<String>,
    port_index: HashMap<String, u32>,
}

impl LowerEnv {
    pub fn new(
        source: u32,
        ports: Vec<String>,
        schemas: Vec<(String, u32)>,
        context: Vec<String>,
    ) -> LowerEnv {
        let mut port_index = HashMap::with_capacity(ports.len());
        for (i, name) in ports.iter().enumerate() {
            port_index.entry(name.clone()).or_insert(i as u32);
        }
        LowerEnv {
            source,
            ports,
            schemas,
            context,
            port_index,
        }
    }

    fn port_index(&self, name: &str) -> Option<u32> {
        self.port_index.get(name).copied()
    }

    fn schema_index(&self, name: &str) -> Option<u32> {
        self.schemas
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, index)| *index)
    }
}

impl PartialEq for LowerEnv {
    fn eq(&self, other: &Self) -> bool {
        // The index is derived from `ports`.
        (self.source, &self.ports, &self.schemas, &self.context)
            == (other.source, &other.ports, &other.schemas, &other.context)
    }
}

impl Eq for LowerEnv {}

/// One body item, lowered: what it declares and the routes inside it, its payload patterns
/// numbered from 0, and the names it could not resolve.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoweredItem {
    pub ports: Vec<starlane_ir::Port>,
    pub roles: Vec<starlane_ir::Role>,
    pub grants: Vec<starlane_ir::Grant>,
    pub routes: Vec<starlane_ir::Route>,
    pub patterns: Vec<PayloadPattern>,
    pub diagnostics: Vec<Diagnostic>,
}

/// `./schema/a.json`, `/schema/a.json` → `schema/a.json`.
pub fn normalise_path(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .to_string()
}

pub(crate) use starlane_lang::ast::trimmed_span as span_of;

fn sspan(source: u32, span: Span) -> SourceSpan {
    SourceSpan {
        source,
        start: span.start as u32,
        end: span.end as u32,
    }
}

fn text(src: &str, node: &SyntaxNode) -> String {
    src[span_of(node)].to_string()
}

use starlane_lang::ast::{Declaration, significant_tokens};

/// Lowers the `Bind` document of `root` (a parsed and checked tree) as source number `source`.
pub fn lower_bind(cx: &mut LowerCx, src: &str, root: &SyntaxNode, source: u32) -> Bind {
    lower_bind_with(cx, src, root, source, |env, regexes, item| {
        lower_item(env, regexes, src, item)
    })
}

/// [`lower_bind`], with each body item lowered by `lower` — [`lower_item`], or a memo of it.
pub fn lower_bind_with(
    cx: &mut LowerCx,
    src: &str,
    root: &SyntaxNode,
    source: u32,
    mut lower: impl FnMut(&LowerEnv, &mut RegexCache, &SyntaxNode) -> LoweredItem,
) -> Bind {
    let mut bind = Bind {
        source,
        version: "1.0.0".into(),
        limits: Limits::default(),
        ..Default::default()
    };
    let Some(doc) = ast::SourceFile::cast(root.clone()).and_then(|f| f.bind()) else {
        return bind;
    };
    if let Some(v) = doc.header().and_then(|h| h.version()) {
        bind.version = text(src, &v);
    }
    let Some(body) = doc.body() else { return bind };
    let env = declarations(cx, src, body.syntax(), &mut bind);
    for item in body.syntax().children() {
        let lowered = lower(&env, &mut cx.regexes, &item);
        relocate::append(cx, &mut bind, lowered);
    }
    bind
}

/// Reads what every item resolves against — `Requires`, schemas, limits, port names — into
/// `bind` and the returned env.
fn declarations(cx: &mut LowerCx, src: &str, body: &SyntaxNode, bind: &mut Bind) -> LowerEnv {
    let mut ports = Vec::new();
    for declaration in body.children().filter_map(Declaration::cast) {
        let item = declaration.syntax();
        match &declaration {
            Declaration::Requires(_) => requires(src, item, bind),
            Declaration::Schema(_) => schema(cx, item, bind),
            Declaration::Limits(_) => limits(src, item, bind),
            Declaration::Port(_) => ports.push(item::decl_name(&declaration)),
            _ => {}
        }
    }
    let schemas = bind
        .schemas
        .iter()
        .map(|s| (s.name.clone(), s.schema))
        .collect();
    LowerEnv::new(
        bind.source,
        ports,
        schemas,
        crate::sema::context_names(&bind.requires),
    )
}

fn requires(src: &str, node: &SyntaxNode, bind: &mut Bind) {
    for req in node.descendants().filter(|n| n.kind() == REQUIREMENT) {
        // The context name: the glued tokens before `:` (`user-files`).
        let name: String = significant_tokens(&req)
            .iter()
            .take_while(|t| t.kind() != COLON)
            .map(|t| t.text())
            .collect();
        let kind = req
            .first_child_by_kind(&|k| k == KIND_EXPR)
            .map(|k| text(src, &k))
            .unwrap_or_default();
        bind.requires.push(Requirement {
            name,
            kind,
            span: sspan(bind.source, span_of(&req)),
        });
    }
}

fn schema(cx: &mut LowerCx, node: &SyntaxNode, bind: &mut Bind) {
    let name = Declaration::cast(node.clone())
        .map(|d| item::decl_name(&d))
        .unwrap_or_default();
    let Some(path) = significant_tokens(node)
        .into_iter()
        .find(|t| t.kind() == STRING)
    else {
        return;
    };
    let path = path
        .text()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_string();
    let schema = cx.schema_index(&path);
    bind.schemas.push(SchemaRef {
        name,
        schema,
        span: sspan(bind.source, span_of(node)),
    });
}

fn limits(src: &str, node: &SyntaxNode, bind: &mut Bind) {
    let Some(block) = ast::LimitsBlock::cast(node.clone()) else {
        return;
    };
    for limit in block.limits() {
        let (Some(name), Some(value)) = (limit.name(), limit.size()) else {
            continue;
        };
        let Ok(bytes) = quantity::size_bytes(&text(src, &value)) else {
            continue;
        };
        match name.text() {
            "memory" => bind.limits.memory = bytes,
            "payload" => bind.limits.payload = bytes,
            "headers" => bind.limits.headers = bytes,
            _ => {}
        }
    }
}
