//! `starlane test` (`specs/testing.md`): runs the cases of a bundle's test files against the
//! real runtime in one process — every case on its own runtime with a virtual clock and a seeded
//! random source, so a case gives the same answer every time and a 30 s timeout takes no wall
//! time — with `Requires` dependencies replaced by stand-ins declared in the test file. The
//! parts: the file model (`suite`), the stand-ins and call record (`stand_ins`), answers
//! generated from a port's response schema (`generate`), running a case (`run`), comparing what
//! came back (`verdict`), the reports (`report`) and `--update` (`update`).

pub mod duration;
pub mod generate;
pub mod report;
pub mod run;
pub mod stand_ins;
pub mod suite;
pub mod update;
pub mod verdict;

pub use run::{CaseResult, RunOptions, Runner, StepResult};
pub use suite::{Suite, SuiteError, load_dir};
