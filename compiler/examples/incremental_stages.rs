//! Where the language server's incremental check spends its time after an edit
//! (`cargo run --release -p starlane-compiler --example incremental_stages -- FILE.bind`): a
//! character typed into the route in the middle of the file and deleted again, many times; then
//! characters typed on, one version after another; the median of each. A measuring aid for the
//! `lsp_latency` bench.

use std::time::{Duration, Instant};

use starlane_compiler::incremental::IncrementalChecker;

fn main() {
    let path = std::env::args().nth(1).expect("a .bind file");
    let text = std::fs::read_to_string(&path).expect("readable");
    let middle = text.len() / 2;
    let at = middle + text[middle..].find("/a").expect("a route after the middle") + 1;
    let edited = format!("{}x{}", &text[..at], &text[at..]);
    let settings = Default::default();
    let mut checker = IncrementalChecker::default();
    checker.check(&text, &settings);
    let mut times: Vec<Duration> = Vec::new();
    let mut symbol_times: Vec<Duration> = Vec::new();
    for i in 0..200 {
        let src = if i % 2 == 0 { &edited } else { &text };
        let t = Instant::now();
        let (checked, _leftovers) = checker.check_without_bind(src, &settings);
        times.push(t.elapsed());
        let t = Instant::now();
        let symbols = checker.item_symbols(src, &checked.parse.syntax());
        symbol_times.push(t.elapsed());
        std::hint::black_box((checked, symbols));
    }
    // Typing on: every version of the text is new (nothing typed and deleted to find again).
    let mut typing: Vec<Duration> = Vec::new();
    for n in 1..=100 {
        let typed = format!("{}{}{}", &text[..at], "y".repeat(n), &text[at..]);
        let t = Instant::now();
        let checked = checker.check_without_bind(&typed, &settings);
        typing.push(t.elapsed());
        std::hint::black_box(checked);
    }
    typing.sort();
    println!(
        "typing on (every version new): median {:?}, p90 {:?}",
        typing[typing.len() / 2],
        typing[typing.len() * 9 / 10]
    );
    times.sort();
    symbol_times.sort();
    println!(
        "symbols of the items: median {:?}",
        symbol_times[symbol_times.len() / 2]
    );
    println!(
        "{path}: {} bytes, median {:?}, p90 {:?}; last reuse {:?}, units {:?}, loans {:?}",
        text.len(),
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        checker.last_reuse,
        checker.last_unit_reuse,
        checker.last_loans
    );
}
