//! One enum names every token and every node of the lossless tree (taplo's trick:
//! the logos token enum doubles as the rowan kind, so there is one list to keep in sync).

use logos::Logos;

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum SyntaxKind {
    // ---- trivia ----
    #[regex(r"[ \t\r\n\f]+")]
    WHITESPACE = 0,
    /// Produced by the lexer driver, never by logos directly: `#` opens a comment only at a token start.
    COMMENT,

    // ---- atoms ----
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    IDENT,
    #[regex(r"[0-9]+")]
    INT,
    #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
    #[regex(r#"'([^'\\\n]|\\[^\n])*'"#)]
    STRING,
    /// A string that reaches the end of its line without its closing quote.
    #[regex(r#""([^"\\\n]|\\[^\n])*"#)]
    #[regex(r#"'([^'\\\n]|\\[^\n])*"#)]
    UNTERMINATED_STRING,
    /// `$1`, `${name}`, `${doc.bundle}`, the App form `$(x)`, and the invalid `$name` (checked later).
    #[regex(r"\$[0-9]+")]
    #[regex(r"\$\{[^}\s]*\}?")]
    #[regex(r"\$\([^)\s]*\)?")]
    #[regex(r"\$[A-Za-z_][A-Za-z0-9_.]*")]
    #[token("$")]
    VARIABLE,
    /// A path regex: `/` right after a name, `>` or `)`, running to the next whitespace (driver-made).
    PATH_REGEX,

    // ---- punctuation ----
    #[token("->")]
    ARROW,
    #[token("=>")]
    FAT_ARROW,
    #[token("{")]
    L_BRACE,
    #[token("}")]
    R_BRACE,
    #[token("(")]
    L_PAREN,
    #[token(")")]
    R_PAREN,
    #[token("[")]
    L_BRACKET,
    #[token("]")]
    R_BRACKET,
    #[token("<")]
    L_ANGLE,
    #[token(">")]
    R_ANGLE,
    #[token(";")]
    SEMICOLON,
    #[token(",")]
    COMMA,
    #[token(":")]
    COLON,
    #[token(".")]
    DOT,
    #[token("=")]
    EQ,
    #[token("+")]
    PLUS,
    #[token("-")]
    MINUS,
    #[token("*")]
    STAR,
    #[token("^")]
    CARET,
    #[token("~")]
    TILDE,
    #[token("&")]
    AMP,
    #[token("!")]
    BANG,
    #[token("?")]
    QUESTION,
    #[token("/")]
    SLASH,
    #[token("@")]
    AT,
    #[token("%")]
    PERCENT,
    #[token("|")]
    PIPE,
    #[token("#")]
    HASH,
    /// Any byte sequence no other token accepts.
    ERROR_TOKEN,
    /// End of input: what the parser sees past the last token; never stored in a tree.
    EOF,

    // ---- nodes ----
    SOURCE_FILE,
    BIND_DOC,
    APP_DOC,
    ROUTER_DOC,
    HEADER,
    HEADER_ARGS,
    VERSION,
    BODY,
    SCOPE,
    SELECTOR,
    SELECTOR_NAME,
    GENERIC_ARG,
    FILTER_LIST,
    FILTER,
    PIPELINE,
    SEGMENT,
    STEP,
    PAYLOAD_BLOCK,
    PAYLOAD_PATTERN,
    PAYLOAD_COUNT,
    MAP_PATTERN,
    MAP_ENTRY,
    VALIDATOR,
    CORE_STOP,
    LEGACY_CORE_STOP,
    PORT_STOP,
    REFLECT_STOP,
    ERR_STOP,
    POINT_STOP,
    CALL_STOP,
    CALL_TARGET,
    POINT,
    REQUIRES_BLOCK,
    REQUIREMENT,
    KIND_EXPR,
    SCHEMA_DECL,
    PORT_DECL,
    PORT_FIELD,
    TIMEOUT_SPEC,
    DURATION,
    ROLE_DECL,
    GRANT_STMT,
    PERM_MASK,
    PRIV_NAME,
    POINT_SELECTOR,
    CALL_STMT,
    LIMITS_BLOCK,
    LIMIT,
    APP_SECTION,
    APP_PROP,
    APP_KEY,
    APP_VALUE,
    INSTALL_LINE,
    ROUTER_LINE,
    /// Tokens the parser skipped while recovering; always accompanied by a diagnostic.
    ERROR,
    #[doc(hidden)]
    __LAST,
}

use SyntaxKind::*;

impl SyntaxKind {
    /// Whitespace and comments: kept in the tree, skipped by the grammar.
    pub fn is_trivia(self) -> bool {
        matches!(self, WHITESPACE | COMMENT)
    }

    /// Whether this kind is a token (a leaf) rather than a node.
    pub fn is_token(self) -> bool {
        self < SOURCE_FILE
    }

    /// The kind of a green node or token of a tree built by this crate.
    pub fn from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        <BindLanguage as rowan::Language>::kind_from_raw(raw)
    }
}

impl From<SyntaxKind> for rowan::SyntaxKind {
    fn from(kind: SyntaxKind) -> Self {
        rowan::SyntaxKind(kind as u16)
    }
}

/// The rowan language tag for `.bind` trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BindLanguage {}

impl rowan::Language for BindLanguage {
    type Kind = SyntaxKind;

    fn kind_from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        assert!(raw.0 < __LAST as u16, "syntax kind out of range");
        // SAFETY: SyntaxKind is repr(u16) with contiguous discriminants below __LAST.
        unsafe { std::mem::transmute::<u16, SyntaxKind>(raw.0) }
    }

    fn kind_to_raw(kind: SyntaxKind) -> rowan::SyntaxKind {
        kind.into()
    }
}

pub type SyntaxNode = rowan::SyntaxNode<BindLanguage>;
pub type SyntaxToken = rowan::SyntaxToken<BindLanguage>;
pub type SyntaxElement = rowan::NodeOrToken<SyntaxNode, SyntaxToken>;
pub use rowan::NodeOrToken;
