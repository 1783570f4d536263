//! Where `check_document` spends its time, stage by stage, on generated binds of several sizes
//! (`cargo run --release -p starlane-compiler --example check_stages`). A measuring aid for the
//! `whole_check` bench: the bench is the number, this says which stage to look at. Each stage's
//! time is the best of five runs, so one slow run on a busy machine does not mislead. It uses the
//! bench's global allocator (the binary's, mimalloc).

use std::time::{Duration, Instant};

use starlane_lang::{GreenNodeData, NodeOrToken, WalkEvent};

#[path = "../benches/check.rs"]
#[allow(dead_code)]
mod bench;

const RUNS: usize = 5;

fn main() {
    for size in [250_000, 1_000_000, 4_000_000] {
        let src = bench::bind_of_size(size);
        let mut best = [Duration::MAX; 7];
        let mut counts = (0, 0);
        for _ in 0..RUNS {
            let mut stage = 0;
            let mut time = |t: Instant| {
                best[stage] = best[stage].min(t.elapsed());
                stage += 1;
            };
            let t = Instant::now();
            let parse = starlane_lang::parse(&src);
            time(t);
            let t = Instant::now();
            let root = parse.syntax();
            let _ = root.text_range();
            time(t);
            let mut cx = starlane_compiler::lower::LowerCx::default();
            let t = Instant::now();
            let front = starlane_lang::check::check(&parse, &src, &mut cx.regexes);
            time(t);
            let t = Instant::now();
            let bind = starlane_compiler::lower::lower_bind(&mut cx, &src, &root, 0);
            time(t);
            let t = Instant::now();
            let sema = starlane_compiler::sema::check(&bind, &src, &cx.patterns);
            time(t);
            let t = Instant::now();
            drop((root, parse, bind, cx));
            time(t);
            let t = Instant::now();
            let whole = starlane_compiler::check_document(&src, &Default::default());
            let whole = std::hint::black_box(whole);
            time(t);
            counts = (front.len(), sema.len() + whole.diagnostics.len());
            drop(whole);
        }
        let [parsed, tree, checked, lowered, semantic, dropped, all] = best;
        let mb = src.len() as f64 / 1e6;
        println!(
            "{mb:.2} MB: parse {parsed:?}, tree {tree:?}, front-end checks {checked:?}, lower {lowered:?}, sema {semantic:?}, drop {dropped:?}; whole {all:?} = {:.1} MB/s ({} + {} diagnostics)",
            mb / all.as_secs_f64(),
            counts.0,
            counts.1
        );
        walks(&src);
    }
}

/// What walking the tree costs, apart from any check: a preorder over its nodes and over its
/// nodes and tokens with rowan's cursors (one allocation per element visited), and a recursive
/// walk over the green nodes underneath, tokens and offsets included. The floor under every
/// pass that visits each node.
fn walks(src: &str) {
    fn green_walk(node: &GreenNodeData, mut at: u32, sum: &mut u64) {
        for child in node.children() {
            match child {
                NodeOrToken::Node(n) => {
                    green_walk(n, at, sum);
                    at += u32::from(n.text_len());
                }
                NodeOrToken::Token(t) => {
                    *sum += u64::from(t.kind().0) + u64::from(at);
                    at += u32::from(t.text_len());
                }
            }
        }
    }
    let parse = starlane_lang::parse(src);
    let root = parse.syntax();
    let mut best = [Duration::MAX; 3];
    for _ in 0..RUNS {
        let t = Instant::now();
        let kinds: u64 = root
            .preorder()
            .map(|e| match e {
                WalkEvent::Enter(n) | WalkEvent::Leave(n) => n.kind() as u64,
            })
            .sum();
        std::hint::black_box(kinds);
        best[0] = best[0].min(t.elapsed());
        let t = Instant::now();
        let kinds: u64 = root
            .preorder_with_tokens()
            .map(|e| match e {
                WalkEvent::Enter(e) | WalkEvent::Leave(e) => e.kind() as u64,
            })
            .sum();
        std::hint::black_box(kinds);
        best[1] = best[1].min(t.elapsed());
        let t = Instant::now();
        let mut sum = 0;
        green_walk(&root.green(), 0, &mut sum);
        std::hint::black_box(sum);
        best[2] = best[2].min(t.elapsed());
    }
    let [nodes, elements, green] = best;
    println!(
        "      walks: rowan preorder {nodes:?}, with tokens {elements:?}; green nodes and tokens {green:?}"
    );
}
