//! Where `check_document` spends its time, stage by stage, on generated binds of several sizes
//! (`cargo run --release -p starlane-compiler --example check_stages`). A measuring aid for the
//! `whole_check` bench: the bench is the number, this says which stage to look at.

use std::time::Instant;

#[path = "../benches/check.rs"]
#[allow(dead_code)]
mod bench;

fn main() {
    for size in [250_000, 1_000_000, 4_000_000] {
        let src = bench::bind_of_size(size);
        let t = Instant::now();
        let parse = starlane_lang::parse(&src);
        let parsed = t.elapsed();
        let t = Instant::now();
        let root = parse.syntax();
        let _ = root.text_range();
        let tree = t.elapsed();
        let mut cx = starlane_compiler::lower::LowerCx::default();
        let t = Instant::now();
        let front = starlane_lang::check::check(&parse, &src, &mut cx.regexes);
        let checked = t.elapsed();
        let t = Instant::now();
        let bind = starlane_compiler::lower::lower_bind(&mut cx, &src, &root, 0);
        let lowered = t.elapsed();
        let t = Instant::now();
        let sema = starlane_compiler::sema::check(&bind, &src, &cx.patterns, &mut cx.regexes);
        let semantic = t.elapsed();
        let t = Instant::now();
        let whole = starlane_compiler::check_document(&src, &Default::default());
        let all = t.elapsed();
        let mb = src.len() as f64 / 1e6;
        println!(
            "{mb:.2} MB: parse {parsed:?}, tree {tree:?}, front-end checks {checked:?}, lower {lowered:?}, sema {semantic:?}; whole {all:?} = {:.1} MB/s ({} + {} diagnostics)",
            mb / all.as_secs_f64(),
            front.len(),
            sema.len() + whole.diagnostics.len()
        );
    }
}
