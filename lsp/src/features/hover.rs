//! Hover: what a name, keyword, kind, method, stop or point under the cursor means, plus the
//! explanation of any diagnostic there.

use starlane_compiler::symbols::{Definition, Hit, SymbolKind};
use starlane_lang::ast;
use starlane_lang::{SyntaxKind::*, SyntaxNode, SyntaxToken};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::syntax::{enclosing_kind, is_grammar_word, token_at, token_span};
use crate::analysis::Analysis;
use crate::knowledge;

pub fn hover(a: &Analysis, offset: usize) -> Option<Hover> {
    let mut sections = Vec::new();
    let mut range = None;
    if let Some(hit) = a.symbols().at(offset) {
        let (text, span) = symbol(a, hit);
        sections.push(text);
        range = Some(span);
    } else if let Some(token) = token_at(&a.root(), offset)
        && let Some(text) = token_hover(a, &token)
    {
        sections.push(text);
        // Atoms made of several tokens are highlighted whole.
        range = Some(match token.parent() {
            Some(p) if matches!(p.kind(), PERM_MASK | DURATION | VERSION) => ast::trimmed_span(&p),
            _ => token_span(&token),
        });
    }
    for d in a
        .diagnostics
        .iter()
        .filter(|d| d.primary.span.start <= offset && offset <= d.primary.span.end)
    {
        sections.push(format!(
            "**{}** ({}): {}\n\n{}\n\nRun `starlane explain {}` for the whole page.",
            d.code.id,
            d.code.name,
            d.code.summary,
            first_paragraph(d.code.explanation),
            d.code.id
        ));
        range.get_or_insert(d.primary.span.clone());
    }
    if sections.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range: range.map(|r| a.range(&r)),
    })
}

/// The first prose paragraph of an explain page (after its title).
fn first_paragraph(page: &str) -> &str {
    page.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
        .unwrap_or("")
}

fn symbol(a: &Analysis, hit: Hit) -> (String, starlane_lang::Span) {
    let ix = &a.symbols();
    let (kind, name, span) = match hit {
        Hit::Definition(d) => {
            let def = &ix.definitions[d];
            (def.kind, def.name.clone(), def.name_span.clone())
        }
        Hit::Reference(r) => {
            let r = &ix.references[r];
            (r.kind, r.name.clone(), r.span.clone())
        }
    };
    let Some(def) = ix.definition_of(hit).map(|d| &ix.definitions[d]) else {
        let text = match kind {
            SymbolKind::Builtin => knowledge::builtin(&name)
                .unwrap_or("a built-in variable provided by the host")
                .to_string(),
            _ => format!(
                "`{name}`: no {} of this name is declared in this document",
                kind.describe()
            ),
        };
        return (text, span);
    };
    let uses = ix.references_to(ix.definition_of(hit).unwrap_or(0)).count();
    let decl = declaration_text(a, def);
    let text = match def.kind {
        SymbolKind::Port => format!(
            "{decl}\n\nport `{name}` of the mechtron's core; {} with `(({name}))`.",
            match uses {
                0 => "no route reaches it".to_string(),
                1 => "1 route reaches it".to_string(),
                n => format!("{n} routes reach it"),
            }
        ),
        SymbolKind::Schema => format!(
            "{decl}\n\nJSON Schema `{name}`: payloads checked with `~{name}` are validated against it (inbound before the guest runs, outbound after). Used {}.",
            plural(uses, "time")
        ),
        SymbolKind::Role => format!("{decl}\n\nrole `{name}`; given {}.", plural(uses, "time")),
        SymbolKind::Context => format!(
            "{decl}\n\ncontext name `{name}`: bound to an address when the bundle is loaded (`starlane run --bind {name}=ADDRESS`); the mechtron is not Ready until it is. Used {}.",
            plural(uses, "time")
        ),
        SymbolKind::Capture => {
            let regex = &a.text[def.full_span.clone()];
            let numbered = def.name.chars().all(|c| c.is_ascii_digit());
            format!(
                "capture {} of the path regex `{regex}`: the text it matched in the request path{}.",
                if numbered {
                    format!("${}", def.name)
                } else {
                    format!("`{}`", def.name)
                },
                if numbered {
                    String::new()
                } else {
                    format!(", as `${{{}}}`", def.name)
                }
            )
        }
        SymbolKind::Builtin => String::new(),
    };
    (text, span)
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The declaration's source as a code block, shortened to its first lines.
fn declaration_text(a: &Analysis, def: &Definition) -> String {
    if def.kind == SymbolKind::Capture {
        return String::new();
    }
    let text = &a.text[def.full_span.clone()];
    // Later lines keep the file's indentation; remove the declaration's own.
    let indent = a.position(def.full_span.start).character as usize;
    let mut lines: Vec<&str> = text
        .lines()
        .take(12)
        .map(|l| {
            let spaces = l.len() - l.trim_start_matches(' ').len();
            &l[spaces.min(indent)..]
        })
        .collect();
    if text.lines().count() > 12 {
        lines.push("…");
    }
    format!("```bind\n{}\n```", lines.join("\n"))
}

fn token_hover(a: &Analysis, token: &SyntaxToken) -> Option<String> {
    let parent = token.parent()?;
    let text = token.text();
    // Atoms made of several tokens are explained as a whole.
    match parent.kind() {
        PERM_MASK => return Some(knowledge::permission_mask(&ast::text(&parent))),
        DURATION => return Some(quantity(&ast::text(&parent))),
        VERSION => return knowledge::keyword("version").map(str::to_string),
        _ => {}
    }
    match token.kind() {
        IDENT | STAR => ident_hover(a, token, &parent, text),
        PATH_REGEX => Some(format!(
            "path regex `{text}`: matched against the whole percent-decoded path, without the query (regexes of enclosing scopes join in front of it)."
        )),
        ARROW if parent.kind() == STEP || parent.kind() == HEADER => Some(
            "`->` — a step toward the handler; `-[ Pattern ]->` checks the payload at this point."
                .into(),
        ),
        FAT_ARROW => Some(
            "`=>` — a step on the way back; `=[ Pattern ]=>` checks the response at this point."
                .into(),
        ),
        AMP if parent.kind() == REFLECT_STOP => Some(format!(
            "`&` — reply to the sender with the current body.{}",
            fire_and_forget_note(&parent)
        )),
        L_PAREN | R_PAREN if parent.kind() == CORE_STOP => Some(format!(
            "`(( ))` — the bound mechtron's core: the guest receives the message through `__guest_call` with op `Kind<Method>`.{}",
            fire_and_forget_note(&parent)
        )),
        L_BRACE | R_BRACE if parent.kind() == LEGACY_CORE_STOP => Some(
            "`{{ }}` — the 2022 spelling of the core stop `(( ))`.".into(),
        ),
        L_PAREN | R_PAREN if parent.kind() == PORT_STOP => Some(
            "`((port))` — a named port of the bound mechtron's core; the guest receives op `port-name`."
                .into(),
        ),
        VARIABLE => Some(format!("variable `{text}`")),
        INT if parent.kind() == ERR_STOP => Some(status(text)),
        _ => None,
    }
}

/// An HTTP status code with its reason phrase, and whose fault it reports.
fn status(code: &str) -> String {
    let reason = match code {
        "400" => "Bad Request",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "Not Found",
        "405" => "Method Not Allowed",
        "409" => "Conflict",
        "410" => "Gone",
        "413" => "Content Too Large",
        "422" => "Unprocessable Content",
        "429" => "Too Many Requests",
        "500" => "Internal Server Error",
        "501" => "Not Implemented",
        "502" => "Bad Gateway",
        "503" => "Service Unavailable",
        "504" => "Gateway Timeout",
        _ => "",
    };
    let whose = match code.as_bytes().first() {
        Some(b'4') => "the caller's fault",
        Some(b'5') => "the system's fault",
        _ => "not an error status",
    };
    format!("status `{code}` {reason} — {whose}")
}

/// A duration or size, spelled out (`200ms` → 200 milliseconds, `16MiB` → 16,777,216 bytes).
fn quantity(text: &str) -> String {
    use starlane_lang::atoms::quantity;
    if let Ok(ms) = quantity::duration_ms(text) {
        return format!("`{text}` — {ms} milliseconds");
    }
    if let Ok(bytes) = quantity::size_bytes(text) {
        return format!("`{text}` — {bytes} bytes");
    }
    format!("`{text}`")
}

fn ident_hover(
    a: &Analysis,
    token: &SyntaxToken,
    parent: &SyntaxNode,
    text: &str,
) -> Option<String> {
    match parent.kind() {
        SELECTOR_NAME | CALL_TARGET => {
            if text == "Route" || text == "Pipelines" {
                return knowledge::keyword(text).map(str::to_string);
            }
            if let Some(doc) = knowledge::message_kind(text) {
                let is_method = parent.kind() == SELECTOR_NAME
                    && enclosing_kind(token).is_some_and(|k| k != text);
                if !is_method {
                    return Some(doc);
                }
            }
            let kind = enclosing_kind(token);
            knowledge::method(kind.as_deref(), text)
        }
        PAYLOAD_PATTERN => knowledge::payload_kind(text),
        POINT if parent.parent().is_some_and(|p| p.kind() == VALIDATOR) => {
            knowledge::format(&ast::text(parent))
        }
        POINT | POINT_SELECTOR => point_hover(a, parent),
        FILTER => knowledge::filter(text).map(str::to_string),
        ERR_STOP => knowledge::keyword("Err").map(str::to_string),
        HEADER | HEADER_ARGS => knowledge::keyword(text).map(str::to_string),
        _ if is_grammar_word(token) => knowledge::keyword(text).map(str::to_string),
        _ => None,
    }
}

/// What a point resolves to: a bundle file, an address through a context name, or a literal
/// address (with captures substituted at run time).
fn point_hover(a: &Analysis, point: &SyntaxNode) -> Option<String> {
    use starlane_model::template::{Part, Template, Var};
    let text = ast::text(point);
    // The point as the compiler reads it (one template grammar): a bundle file starts with
    // `${doc.bundle}`; an address under a context name starts with `${name}` as a whole segment.
    let template = Template::parse(&text).unwrap_or_else(|_| Template::text(&text));
    if let Some(path) = template.bundle_file() {
        let path = path.to_string();
        return Some(format!(
            "`{text}` — the file `{}` of this bundle, served with the content type of its extension.",
            path.trim_start_matches(':').trim_start_matches('/')
        ));
    }
    let context = match template.parts() {
        [Part::Var(Var::Name(name))] => Some(name.as_ref()),
        [Part::Var(Var::Name(name)), Part::Text(t), ..] if t.starts_with(':') => {
            Some(name.as_ref())
        }
        _ => None,
    };
    if let Some(name) = context
        && let Some(def) = a
            .symbols()
            .of_kind(SymbolKind::Context)
            .find(|d| d.name == name)
    {
        let kind = a.text[def.full_span.clone()]
            .split_once(':')
            .map(|(_, k)| k.trim().trim_end_matches(';').trim())
            .unwrap_or("");
        return Some(format!(
            "`{text}` — an address under context name `{name}` ({kind}), bound when the bundle is loaded."
        ));
    }
    let substituted = template.variables().next().is_some();
    let call = point
        .parent()
        .filter(|p| p.kind() == CALL_STOP)
        .and_then(|p| p.children().find(|n| n.kind() == CALL_TARGET))
        .map(|t| {
            format!(
                "\n\nThe message is sent there as `{}`; its answer becomes the body.",
                ast::text(&t)
            )
        })
        .unwrap_or_default();
    Some(format!(
        "point `{text}`{}{call}",
        if substituted {
            " — its variables are substituted from the request at run time, and the result is checked again (a bad point is the caller's 4xx)."
        } else {
            " — a literal address."
        }
    ))
}

/// "This pipeline never reaches `&`" when the stop's pipeline has no reply.
fn fire_and_forget_note(stop: &SyntaxNode) -> &'static str {
    let Some(pipeline) = stop.ancestors().find(|n| n.kind() == PIPELINE) else {
        return "";
    };
    if pipeline
        .descendants()
        .any(|n| n.kind() == REFLECT_STOP || n.kind() == ERR_STOP)
    {
        ""
    } else {
        "\n\nThis pipeline never reaches `&`: no reply is sent (fire and forget)."
    }
}
