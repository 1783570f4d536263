//! The model of the language that every crate shares — the front end, the compiler, the
//! language server and the runtime — so no table or small grammar of the language is written
//! twice: the words (`vocabulary`) and the `${…}` templates (`template`). It depends on nothing,
//! so the runtime can use it without linking the parser.

pub mod template;
pub mod vocabulary;
