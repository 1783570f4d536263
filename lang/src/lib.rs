//! The Starlane `.bind` front end: bytes → tokens → lossless syntax tree → typed view, with
//! diagnostics as data at every step. See `ARCHITECTURE.md` for the map.

pub mod ast;
pub mod atoms;
pub mod check;
pub mod codes;
pub mod diagnostic;
pub mod lexer;
pub mod parser;
pub mod suggest;
pub mod syntax_kind;
pub use starlane_model::vocabulary;

pub use diagnostic::{Applicability, Diagnostic, Edit, Label, Severity, Span, Suggestion};
pub use parser::{DocumentKind, ITEM_DEPTH, Parse, ReuseItem, parse, parse_reusing, reparse_item};
pub use rowan::{GreenNode, GreenNodeData, NodeOrToken, TextRange, TextSize, WalkEvent};
pub use syntax_kind::{SyntaxKind, SyntaxNode, SyntaxToken};
pub mod fix;
pub mod line_index;
pub mod render;
pub mod settings;
pub mod source;

pub use check::check_front_end;
pub mod format;
