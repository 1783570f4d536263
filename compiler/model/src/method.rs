//! A message's method with its kind (`Http<Get>`, `Ext<Select>`), and the method patterns routes
//! and `call` entries match with (`*`, `Http<*>`, `Http<Get>`). A method is parsed once — where
//! a message enters the runtime, or where the compiler lowers a route — and compared as a value
//! from then on.

use serde::{Deserialize, Serialize};

use crate::vocabulary::{CmdMethod, HttpMethod, HypMethod, Kind};

/// A method of one message kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    Http(HttpMethod),
    Cmd(CmdMethod),
    Hyp(HypMethod),
    /// `Ext` methods are any UpperCamel name ([`is_upper_camel`]).
    Ext(Box<str>),
}

/// Whether `text` is an UpperCamel name (`Select`, `GetUser`; not `select`, `GET`, `Get_x`):
/// what an `Ext` method must be.
pub fn is_upper_camel(text: &str) -> bool {
    let starts_upper = text.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let alnum = text.chars().all(|c| c.is_ascii_alphanumeric());
    let shouted = text.len() > 1 && !text.chars().any(|c| c.is_ascii_lowercase());
    starts_upper && alnum && !shouted
}

impl Method {
    /// The method `name` of `kind`, if the kind has it.
    pub fn new(kind: Kind, name: &str) -> Option<Method> {
        Some(match kind {
            Kind::Http => Method::Http(HttpMethod::parse(name)?),
            Kind::Cmd => Method::Cmd(CmdMethod::parse(name)?),
            Kind::Hyp => Method::Hyp(HypMethod::parse(name)?),
            Kind::Ext if is_upper_camel(name) => Method::Ext(name.into()),
            Kind::Ext => return None,
        })
    }

    /// `Kind<Method>` as written (`Http<Get>`, legacy kind names resolved).
    pub fn parse(text: &str) -> Option<Method> {
        let (kind, rest) = text.split_once('<')?;
        Method::new(Kind::resolve(kind)?, rest.strip_suffix('>')?)
    }

    pub fn kind(&self) -> Kind {
        match self {
            Method::Http(_) => Kind::Http,
            Method::Cmd(_) => Kind::Cmd,
            Method::Hyp(_) => Kind::Hyp,
            Method::Ext(_) => Kind::Ext,
        }
    }

    /// The method's own name (`Get`).
    pub fn name(&self) -> &str {
        match self {
            Method::Http(m) => m.name(),
            Method::Cmd(m) => m.name(),
            Method::Hyp(m) => m.name(),
            Method::Ext(m) => m,
        }
    }
}

/// `Http<Get>`.
impl Method {
    /// `Kind<Name>`, the waPC operation a core call names: as `to_string`, without the
    /// formatting machinery (it is built for every guest call).
    pub fn op_name(&self) -> String {
        let (kind, name) = (self.kind().name(), self.name());
        let mut op = String::with_capacity(kind.len() + name.len() + 2);
        op.push_str(kind);
        op.push('<');
        op.push_str(name);
        op.push('>');
        op
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}<{}>", self.kind(), self.name())
    }
}

/// Which messages a route or a `call` entry takes, by kind and method.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MethodPattern {
    /// `*`: every message.
    Any,
    /// `Kind<*>`: every method of a kind.
    AnyOf(Kind),
    /// One method.
    Exactly(Method),
}

impl MethodPattern {
    /// The pattern for a kind name (or `*`) and a method name (or `*`); `None` when the kind
    /// is unknown or does not have the method.
    pub fn new(kind: &str, method: &str) -> Option<MethodPattern> {
        if kind == "*" {
            return (method == "*").then_some(MethodPattern::Any);
        }
        let kind = Kind::resolve(kind)?;
        if method == "*" {
            return Some(MethodPattern::AnyOf(kind));
        }
        Method::new(kind, method).map(MethodPattern::Exactly)
    }

    pub fn matches(&self, method: &Method) -> bool {
        match self {
            MethodPattern::Any => true,
            MethodPattern::AnyOf(kind) => method.kind() == *kind,
            MethodPattern::Exactly(m) => m == method,
        }
    }

    /// Whether a message of `kind` can match (whatever its method).
    pub fn takes_kind(&self, kind: Kind) -> bool {
        match self {
            MethodPattern::Any => true,
            MethodPattern::AnyOf(k) => *k == kind,
            MethodPattern::Exactly(m) => m.kind() == kind,
        }
    }

    pub fn kind(&self) -> Option<Kind> {
        match self {
            MethodPattern::Any => None,
            MethodPattern::AnyOf(k) => Some(*k),
            MethodPattern::Exactly(m) => Some(m.kind()),
        }
    }

    /// The method's name, or `*`.
    pub fn method_name(&self) -> &str {
        match self {
            MethodPattern::Exactly(m) => m.name(),
            _ => "*",
        }
    }
}

/// `*`, `Http<*>`, `Http<Get>`.
impl std::fmt::Display for MethodPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MethodPattern::Any => f.write_str("*"),
            MethodPattern::AnyOf(k) => write!(f, "{k}<*>"),
            MethodPattern::Exactly(m) => m.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_op_name_is_the_method_as_written() {
        for text in [
            "Http<Post>",
            "Ext<SaveProfile>",
            "Cmd<Bounce>",
            "Hyp<Assign>",
        ] {
            let method = Method::parse(text).unwrap();
            assert_eq!(method.op_name(), text);
            assert_eq!(method.op_name(), method.to_string());
        }
    }

    #[test]
    fn methods_belong_to_their_kind() {
        assert_eq!(
            Method::new(Kind::Http, "Get"),
            Some(Method::Http(HttpMethod::Get))
        );
        assert_eq!(Method::new(Kind::Http, "Select"), None);
        assert_eq!(
            Method::new(Kind::Ext, "Select"),
            Some(Method::Ext("Select".into()))
        );
        assert_eq!(Method::new(Kind::Ext, "select"), None);
        assert_eq!(Method::new(Kind::Ext, "GET"), None);
        assert_eq!(Method::parse("Msg<Ping>").unwrap().to_string(), "Ext<Ping>");
        assert_eq!(Method::parse("Http<Get"), None);
    }

    #[test]
    fn patterns_match_by_kind_and_method() {
        let get = Method::new(Kind::Http, "Get").unwrap();
        let post = Method::new(Kind::Http, "Post").unwrap();
        let ping = Method::new(Kind::Ext, "Ping").unwrap();
        let any_http = MethodPattern::new("Http", "*").unwrap();
        assert!(any_http.matches(&get) && any_http.matches(&post) && !any_http.matches(&ping));
        let only_get = MethodPattern::new("Http", "Get").unwrap();
        assert!(only_get.matches(&get) && !only_get.matches(&post));
        assert!(MethodPattern::new("*", "*").unwrap().matches(&ping));
        assert_eq!(MethodPattern::new("*", "Get"), None);
        assert_eq!(
            MethodPattern::new("Rc", "Read").unwrap().to_string(),
            "Cmd<Read>"
        );
        assert_eq!(any_http.to_string(), "Http<*>");
    }
}
