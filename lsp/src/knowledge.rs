//! What the words of the language mean, for hover and completion documentation. The word
//! lists themselves come from `starlane_lang::vocabulary`, which the checker also uses; a test
//! checks every listed word has a text here.

/// Documentation of a keyword (header, scope, declaration, field or grant word).
pub fn keyword(word: &str) -> Option<&'static str> {
    Some(match word {
        "Bind" => {
            "**Bind** — a bind document: how messages reach one mechtron and what it may do. `Bind(version=1.1.0) { … }`; versions 1.0.0 and 1.1.0 (1.1.0 adds `Requires`, `Schema`, `Port`, `Role`, `grant`, `call`, `limits`, `((port))`, `Err(…)` and `~Schema`)."
        }
        "App" => {
            "**App** — the 2022 App document: `Set { +mechtron.name=…, +wasm.src=…, +bind=… }` names a mechtron's module and bind; `starlane build` reads it as the bundle manifest."
        }
        "Route" => {
            "**Route** — a route scope: three levels, `Route` → message kind → method (`Route<Http<Get>>/path -> … ;`). Routes are tried in document order; the first whose kind, method and whole path match is taken, then its filters run."
        }
        "Pipelines" => {
            "**Pipelines** — the 2022 wrapper around message-kind sections; write `Route` scopes instead."
        }
        "Requires" => {
            "**Requires** — context names the mechtron needs (`users: Base<User>;`). Each is bound to an address when the bundle is loaded (`starlane run --bind users=…`); until every one is bound the mechtron is not Ready."
        }
        "Schema" => {
            "**Schema** — `Schema Name = \"schema/name.json\";` declares a JSON Schema document in the bundle. `~Name` in a payload pattern validates a payload against it, inbound and outbound."
        }
        "Port" => {
            "**Port** — one method's contract on the mechtron's core: `request:` and `response:` payload patterns, `timeout: exec …, total …`, and the `grant`s and `call`s allowed while it runs. A route reaches it with `((port-name))`."
        }
        "Role" => {
            "**Role** — a named set of grants (`Role editor { grant perm +cSd-RwX on ${files}:**; }`), given with `grant role editor to SELECTOR;`."
        }
        "grant" => {
            "**grant** — `grant (perm MASK | priv NAME | super | role NAME) on SELECTOR (to SELECTOR)?;`. Deny by default: nothing is allowed that no grant allows. A grant that does not check is an error and grants nothing."
        }
        "call" => {
            "**call** — `call SELECTOR^Kind<Method> (timeout D)?;` allows one kind of outbound call from the port's guest. A guest's `__host_call` needs both a matching `call` and the permission bit its method needs."
        }
        "limits" => {
            "**limits** — per-bind resource limits: `memory` (guest linear memory, default 16MiB), `payload` (request body, default 1MiB), `headers` (request headers, default 64KiB)."
        }
        "request" => {
            "**request** — the payload pattern every message into this port must satisfy (checked by the host before the guest runs)."
        }
        "response" => {
            "**response** — the payload pattern the guest's answer must satisfy (checked by the host after the guest returns)."
        }
        "envelope" => {
            "**envelope** — what the port's guest receives as its waPC payload: `json` (default) the request envelope (kind, method, path, headers, captures, caller, body); `none` the body alone, as every waPC host passes it — the guest's answer is then the reply body, and the rest of the request is a host call to `@request` away."
        }
        "timeout" => {
            "**timeout** — `exec D, total D`: `exec` is the guest's own CPU time (default 1000ms), `total` the whole exchange including host calls and validators (default 5000ms); `exec` must not exceed `total`."
        }
        "ack" => {
            "**ack** — on a `call` entry, `ack D`: for a call that crosses hosts of a mesh, how long to wait for the receiving host's ack before resending (the wait doubles per resend, up to `[mesh] max_retry_delay`). Default: `[mesh] ack_timeout`, 250ms."
        }
        "retries" => {
            "**retries** — on a `call` entry, `retries N` (0–16): how many times a call that crosses hosts of a mesh is resent when no ack comes, before it fails with `E0231`. A resend never runs twice. Default: `[mesh] retries`, 4."
        }
        "exec" => {
            "**exec** — time spent inside wasm (an epoch deadline armed at call start, extended across host calls). Default 1000ms."
        }
        "total" => {
            "**total** — wall-clock time for the whole exchange, host waits and validator mechtrons included. Default 5000ms."
        }
        "perm" => {
            "**perm** — a permission mask `CSD-RWX`: create/select/delete children, read/write/execute the resource. Upper case grants, lower case denies; `+mask` adds, `&mask` intersects (after every `+`)."
        }
        "priv" => {
            "**priv** — a named privilege, e.g. `priv props:email:read`. `priv *` grants every privilege (lint `grant-widens-to-everything`)."
        }
        "super" => {
            "**super** — every permission on the selected resources (lint `grant-widens-to-everything`)."
        }
        "role" => {
            "**role** — `grant role NAME to SELECTOR;` gives a declared role's grants to the selected holders."
        }
        "on" => {
            "**on** — the resources a grant applies to (a point selector: `*` one segment, `**` any number of segments (so `${x}:**` covers `${x}` too), `+` the segment itself, `<Kind>` filters)."
        }
        "to" => {
            "**to** — who receives a top-level grant (defaults to the bound mechtron). Not allowed inside `Port` and `Role`."
        }
        "memory" => {
            "**memory** — the cap on the guest's linear memory (per instance). Default 16MiB."
        }
        "payload" => {
            "**payload** — the largest request body accepted; over it HTTP answers 413. Default 1MiB."
        }
        "headers" => {
            "**headers** — the largest total size of request headers; over it HTTP answers 431. Default 64KiB."
        }
        "Err" => {
            "**Err(status, \"reason\")** — answer with this status and reason; nothing after it runs."
        }
        "version" => {
            "**version** — the language version of this document: `1.0.0` (Starlane) or `1.1.0` (adds the extensions)."
        }
        _ => return None,
    })
}

/// Documentation of a message kind.
pub fn message_kind(kind: &str) -> Option<String> {
    use starlane_lang::vocabulary::{Kind, LEGACY_KINDS};
    if let Some((old, now)) = LEGACY_KINDS.iter().find(|(old, _)| *old == kind) {
        return Some(format!("**{old}** — the 2022 name of `{now}`."));
    }
    let methods = |k: Kind| k.methods().unwrap_or_default().join(" ");
    Some(match Kind::parse(kind) {
        Some(Kind::Http) => format!(
            "**Http** — HTTP requests from the ingress (`starlane run --http`). Methods: {}.",
            methods(Kind::Http)
        ),
        Some(Kind::Ext) => "**Ext** — extension messages between mechtrons: `Ext<UpperCamelName>`, any method name. Reach a mechtron from outside with `starlane send`.".to_string(),
        Some(Kind::Cmd) => format!("**Cmd** — commands to a resource: {}.", methods(Kind::Cmd)),
        Some(Kind::Hyp) => format!(
            "**Hyp** — hyperspace (system) messages: {}.",
            methods(Kind::Hyp)
        ),
        None if kind == "*" => {
            "**\\*** — any message kind (with a pipeline at this level it means `*<*>`).".to_string()
        }
        None => return None,
    })
}

/// Documentation of a method of `kind`.
pub fn method(kind: Option<&str>, method: &str) -> Option<String> {
    let http = |m: &str, what: &str, bit: &str| {
        format!(
            "**{m}** — HTTP `{}`: {what} An outbound call with it needs the `{bit}` permission bit.",
            m.to_ascii_uppercase()
        )
    };
    Some(match (kind, method) {
        (Some("Http") | None, "Get") => http("Get", "read a resource.", "R"),
        (Some("Http") | None, "Head") => http("Head", "read a resource's headers.", "R"),
        (Some("Http") | None, "Options") => http("Options", "ask what a resource allows.", "R"),
        (Some("Http") | None, "Post") => http("Post", "submit data.", "W"),
        (Some("Http") | None, "Put") => http("Put", "replace a resource.", "W"),
        (Some("Http") | None, "Patch") => http("Patch", "change part of a resource.", "W"),
        (Some("Http") | None, "Delete") => http("Delete", "remove a resource.", "W"),
        (Some("Http") | None, "Connect") => http("Connect", "open a tunnel.", "W"),
        (Some("Http") | None, "Trace") => http("Trace", "echo the request.", "R"),
        (Some("Cmd"), "Read") => {
            "**Read** — `Cmd<Read>`: read a resource (needs `R` when called out).".into()
        }
        (Some("Cmd"), "Update") => {
            "**Update** — `Cmd<Update>`: change a resource (needs `W` when called out).".into()
        }
        (Some("Cmd"), m) if starlane_lang::vocabulary::CMD_METHODS.contains(&m) => {
            format!("**{m}** — the `Cmd<{m}>` command.")
        }
        (Some("Hyp"), m) if starlane_lang::vocabulary::HYP_METHODS.contains(&m) => {
            format!("**{m}** — the hyperspace message `Hyp<{m}>` (system binds).")
        }
        (Some("Ext"), m) => format!(
            "**{m}** — the extension method `Ext<{m}>`: the guest receives op `Ext<{m}>`. An outbound `Ext` call needs the `X` permission bit."
        ),
        (_, "*") => "**\\*** — any method.".into(),
        _ => return None,
    })
}

/// Documentation of a payload kind.
pub fn payload_kind(kind: &str) -> Option<String> {
    let text = match kind {
        "Empty" => "zero bytes",
        "Bin" => "any bytes",
        "Text" => "valid UTF-8",
        "Json" => "a body that parses as JSON",
        "Map" => {
            "a JSON object; `Map{key<P>, key?<P>, *<P>}` lists required (`?`: optional) keys, other keys only with `*`"
        }
        "List" => "a JSON array; `Kind[N-M]` is a list of that kind with a count",
        "Boolean" => "a JSON boolean",
        "Int" => "a JSON integer",
        "Point" => "an address (point) as text",
        "*" => "any payload",
        k if starlane_lang::vocabulary::PAYLOAD_KINDS.contains(&k) => {
            return Some(format!(
                "**{k}** — a Starlane substance kind; the runtime checks it as JSON."
            ));
        }
        _ => return None,
    };
    Some(format!("**{kind}** — payload kind: {text}."))
}

/// Documentation of a `~format` validator.
pub fn format(name: &str) -> Option<String> {
    let text = match name {
        "json" => "the body parses as JSON",
        "utf8" => "the body is valid UTF-8",
        "image" => "the body is a PNG, JPEG, GIF or WebP image (by magic bytes)",
        "image/png" => "the body starts with the PNG signature",
        "image/jpeg" => "the body starts with the JPEG SOI marker",
        "image/gif" => "the body starts with `GIF87a` or `GIF89a`",
        "image/webp" => "the body is a RIFF `WEBP` container",
        "pdf" => "the body starts with `%PDF-`",
        "zip" => "the body starts with a ZIP local-file header",
        _ => return None,
    };
    Some(format!("**~{name}** — format validator: {text}."))
}

/// Documentation of a route filter.
pub fn filter(name: &str) -> Option<&'static str> {
    Some(match name {
        "auth" => {
            "**(auth)** — the caller must be authenticated (HTTP basic auth or a bearer token from the credentials file given to `starlane run`); otherwise 401, and routing does not fall through to a later route."
        }
        "noauth" => "**(noauth)** — no authentication needed (the default; states it explicitly).",
        _ => return None,
    })
}

/// Documentation of a built-in variable.
pub fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "doc.bundle" => {
            "**${doc.bundle}** — the root of this bundle: `${doc.bundle}:/html/index.html` names a file inside it, served with its content type."
        }
        "self" => "**${self}** — this mechtron's own address.",
        n if n.starts_with("doc.") => {
            "**${doc.…}** — a property of this document, provided by the host."
        }
        n if n.starts_with("self.") => {
            "**${self.…}** — a property of this mechtron, provided by the host."
        }
        _ => return None,
    })
}

/// What a permission mask grants and denies, bit by bit.
pub fn permission_mask(mask: &str) -> String {
    const BITS: [(char, &str); 6] = [
        ('c', "create children"),
        ('s', "select children"),
        ('d', "delete children"),
        ('r', "read"),
        ('w', "write"),
        ('x', "execute"),
    ];
    let mut granted = Vec::new();
    let mut denied = Vec::new();
    for c in mask.chars() {
        if let Some((_, what)) = BITS.iter().find(|(b, _)| b.eq_ignore_ascii_case(&c)) {
            if c.is_ascii_uppercase() {
                granted.push(*what);
            } else {
                denied.push(*what);
            }
        }
    }
    let op = if mask.starts_with('&') {
        "intersects with what earlier grants gave (`&`, applied after every `+`)"
    } else {
        "adds to what earlier grants gave (`+`)"
    };
    let list = |v: &[&str]| {
        if v.is_empty() {
            "nothing".to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "**{mask}** — permission mask; {op}.\n\ngrants: {}\n\ndenies: {}",
        list(&granted),
        list(&denied)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use starlane_lang::vocabulary::*;

    #[test]
    fn every_word_of_the_vocabulary_is_documented() {
        for k in KINDS {
            assert!(message_kind(k).is_some(), "kind {k}");
            for m in methods_of(k).unwrap_or(&[]) {
                assert!(method(Some(k), m).is_some(), "{k}<{m}>");
            }
        }
        for k in PAYLOAD_KINDS {
            assert!(payload_kind(k).is_some(), "payload kind {k}");
        }
        for f in FORMATS {
            assert!(format(f).is_some(), "format {f}");
        }
        for f in FILTERS {
            assert!(filter(f).is_some(), "filter {f}");
        }
        for w in DECLARATION_KEYWORDS
            .iter()
            .chain(PORT_FIELDS)
            .chain(LIMITS)
            .chain(GRANT_FORMS)
        {
            assert!(keyword(w).is_some(), "keyword {w}");
        }
    }

    #[test]
    fn masks_are_read_bit_by_bit() {
        let text = permission_mask("+cSd-RwX");
        assert!(
            text.contains("grants: select children, read, execute"),
            "{text}"
        );
        assert!(
            text.contains("denies: create children, delete children, write"),
            "{text}"
        );
    }
}
