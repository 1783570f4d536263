//! One module per LSP feature, each a pure function of an [`crate::analysis::Analysis`].

pub mod code_actions;
pub mod completion;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod navigation;
pub mod outline;
pub mod semantic_tokens;
mod syntax;
