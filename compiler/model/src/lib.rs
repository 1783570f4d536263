//! The model of the language that every crate shares — the front end, the compiler, the
//! language server and the runtime — so no table or small grammar of the language is written
//! twice: the words (`vocabulary`), methods and method patterns (`method`), `${…}` templates
//! (`template`) and the point/selector grammar (`selector`). It depends on serde only, so the
//! IR can hold its types and the runtime can use it without linking the parser.

pub mod method;
pub mod selector;
pub mod template;
pub mod vocabulary;

pub use method::{Method, MethodPattern};
pub use selector::{SelectorPart, SelectorPattern};
pub use template::{Template, Var};
pub use vocabulary::{Envelope, Filter, Format, Kind, PayloadKind};
