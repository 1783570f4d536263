//! A port's `call` entries compiled once — selectors filled in and parsed, path regexes
//! compiled — so an outbound call is matched without reading any text. An entry that cannot be
//! compiled fails the load (deny by default would otherwise hide it).

use regex::Regex;
use starlane_ir::{CallRule, Method, MethodPattern};

use crate::access::GrantError;
use crate::selector::Selector;

#[derive(Debug, Clone)]
struct CompiledCall {
    selector: Selector,
    methods: MethodPattern,
    path: Option<Regex>,
    timeout_ms: Option<u64>,
    ack_ms: Option<u64>,
    retries: Option<u32>,
}

/// The `call` entries of one port.
#[derive(Debug, Clone, Default)]
pub struct CallRules {
    rules: Vec<CompiledCall>,
}

/// The entry an outbound call matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallMatch {
    /// Index of the entry in the port's `calls`.
    pub entry: usize,
    pub timeout_ms: Option<u64>,
    /// The entry's mesh delivery settings (`ack`, `retries`), when it gives them.
    pub ack_ms: Option<u64>,
    pub retries: Option<u32>,
}

impl CallRules {
    pub fn compile(
        calls: &[CallRule],
        bound: &dyn Fn(&str) -> Option<String>,
    ) -> Result<CallRules, GrantError> {
        let rules = calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let fail = |message: String| GrantError {
                    grant: i,
                    span: c.span,
                    message,
                };
                let selector = Selector::with_context(&c.selector, bound).map_err(|e| {
                    fail(format!(
                        "`call {}`: {e} (a context name that is not bound?)",
                        c.selector
                    ))
                })?;
                let path = c
                    .path
                    .as_deref()
                    .map(|p| {
                        Regex::new(&format!("^(?:{p})$"))
                            .map_err(|e| fail(format!("`call` path `{p}` does not compile: {e}")))
                    })
                    .transpose()?;
                Ok(CompiledCall {
                    selector,
                    methods: c.methods.clone(),
                    path,
                    timeout_ms: c.timeout_ms,
                    ack_ms: c.ack_ms,
                    retries: c.retries,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(CallRules { rules })
    }

    /// The first entry that covers `target^Kind<Method>` at `path` (a path regex matches the
    /// whole path).
    pub fn find(&self, target: &str, method: &Method, path: &str) -> Option<CallMatch> {
        self.rules
            .iter()
            .position(|c| {
                c.methods.matches(method)
                    && c.path.as_ref().is_none_or(|re| re.is_match(path))
                    && c.selector.matches(target, None)
            })
            .map(|entry| CallMatch {
                entry,
                timeout_ms: self.rules[entry].timeout_ms,
                ack_ms: self.rules[entry].ack_ms,
                retries: self.rules[entry].retries,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(selector: &str, method: &str, path: Option<&str>) -> CallRule {
        CallRule {
            selector: starlane_ir::SelectorPattern::parse(selector).unwrap(),
            methods: MethodPattern::new("Http", method).unwrap(),
            path: path.map(str::to_string),
            timeout_ms: Some(50),
            ack_ms: None,
            retries: None,
            span: Default::default(),
        }
    }

    #[test]
    fn entries_match_target_kind_method_and_whole_path() {
        let expand = |name: &str| (name == "files").then(|| "localhost:files".to_string());
        let rules = CallRules::compile(
            &[
                rule("${files}:**", "Get", Some("/public/.*")),
                rule("localhost:other", "*", None),
            ],
            &expand,
        )
        .unwrap();
        let m = |text: &str| Method::parse(text).unwrap();
        let hit = rules.find("localhost:files:a", &m("Http<Get>"), "/public/x");
        assert_eq!(
            hit,
            Some(CallMatch {
                entry: 0,
                timeout_ms: Some(50),
                ack_ms: None,
                retries: None
            })
        );
        assert_eq!(
            rules.find("localhost:files:a", &m("Http<Get>"), "/private/public/x"),
            None
        );
        assert_eq!(
            rules.find("localhost:files:a", &m("Http<Post>"), "/public/x"),
            None
        );
        assert_eq!(
            rules
                .find("localhost:other", &m("Http<Delete>"), "/")
                .map(|m| m.entry),
            Some(1)
        );
    }

    #[test]
    fn an_entry_that_cannot_be_compiled_is_an_error() {
        let none = |_: &str| None;
        assert!(CallRules::compile(&[rule("${x}:**", "Get", None)], &none).is_err());
        let id = |_: &str| None;
        let e = CallRules::compile(&[rule("a:**", "Get", Some("(unclosed"))], &id).unwrap_err();
        assert!(e.message.contains("does not compile"), "{e}");
    }
}
