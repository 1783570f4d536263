//! Language-server latency, measured through the real binary over JSON-RPC (the test harness):
//! diagnostics after an edit in 5,000-line files of three shapes (many small blocks, one big
//! block, nested scopes), and completion. References in the same run: the in-process check of
//! the same text (the floor a server without reuse would add to) and a protocol round trip that
//! does no analysis (hover on whitespace).

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use starlane_lsp_harness::{Server, uri};

/// The declarations every shape starts with.
const HEADER: &str = "# generated for the latency bench\nBind(version=1.1.0) {\n  Requires {\n    users: Base<User>;\n    files: FileStore;\n  }\n  Schema Profile = \"schema/profile.json\";\n";

/// A port named `save-{n}`.
fn port(n: usize) -> String {
    format!(
        "\n  Port save-{n} {{\n    request: Json~Profile;\n    response: Json;\n    timeout: exec 200ms, total 1s;\n    grant perm +cSd-RwX on ${{files}}:**;\n    call ${{users}}:**^Ext<Select>;\n  }}\n"
    )
}

/// Route `i` of area `n`, a method-level scope written at `indent`; its ports are `save-{port}`.
fn route(n: usize, i: usize, indent: &str, port: usize) -> String {
    let (method, rest) = match i % 5 {
        0 => (
            "Get",
            format!("/a{n}/u{i}/(?P<id>[^/]+) -> ${{users}}:${{id}} => &;"),
        ),
        1 => (
            "Post",
            format!("/a{n}/p{i} -[ Json~Profile ]-> ((save-{port})) => &;"),
        ),
        2 => (
            "Get",
            format!("/a{n}/f{i}/(.*) -> ${{doc.bundle}}:/html/${{1}} => &;"),
        ),
        3 => (
            "Put",
            format!(
                "/a{n}/m{i} -[ Map{{name<Text>, age?<Int>}} ]-> ((save-{port})) =[ Json ]=> &;"
            ),
        ),
        _ => ("Delete", format!("/a{n}/d{i} -> Err(403, \"not here\");")),
    };
    format!("{indent}<{method}>{rest}\n")
}

/// The shapes a 5,000-line bind can take: latency must not depend on which one it is.
#[derive(Clone, Copy)]
enum Shape {
    /// Ports and short route scopes (30 routes each), blank lines and comments between them.
    ManyBlocks,
    /// Fifty ports, then every route in one `Route<Http>` block.
    OneBlock,
    /// One `Route` block holding a kind scope per area, each holding its routes: three levels.
    Nested,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::ManyBlocks => "many_blocks",
            Shape::OneBlock => "one_block",
            Shape::Nested => "nested",
        }
    }

    /// A bind of about `lines` lines in this shape.
    fn bind(self, lines: usize) -> String {
        let mut s = String::from(HEADER);
        let full = |s: &String| s.matches('\n').count() >= lines.saturating_sub(2);
        match self {
            Shape::ManyBlocks => {
                let mut n = 0;
                while !full(&s) {
                    s.push_str(&port(n));
                    s.push_str(&format!("\n  # routes of area {n}\n  Route<Http> -> {{\n"));
                    for i in 0..30 {
                        s.push_str(&route(n, i, "    ", n));
                    }
                    s.push_str("  }\n");
                    n += 1;
                }
            }
            Shape::OneBlock | Shape::Nested => {
                for n in 0..50 {
                    s.push_str(&port(n));
                }
                let nested = matches!(self, Shape::Nested);
                s.push_str(if nested {
                    "  Route -> {\n"
                } else {
                    "  Route<Http> -> {\n"
                });
                let mut n = 0;
                while !full(&s) {
                    if nested {
                        s.push_str(&format!("    Http/a{n} -> {{\n"));
                        for i in 0..30 {
                            s.push_str(&route(n, i, "      ", n % 50));
                        }
                        s.push_str("    }\n");
                    } else {
                        s.push_str(&route(n, n % 30, "    ", (n / 5) % 50));
                    }
                    n += 1;
                }
                s.push_str("  }\n");
            }
        }
        s.push_str("}\n");
        s
    }
}

/// Types an `x` at (line, col) on even versions and deletes it on odd ones, so the document
/// (and its diagnostics) stay the same size however many iterations run.
fn toggle_edit(version: i64, line: u32, col: u32) -> serde_json::Value {
    let end = if version % 2 == 0 { col } else { col + 1 };
    let text = if version % 2 == 0 { "x" } else { "" };
    json!({ "range": { "start": { "line": line, "character": col }, "end": { "line": line, "character": end } }, "text": text })
}

/// `iters` edits, each with the next document version; the sum of what `timed` measured.
fn time_edits(iters: u64, version: &mut i64, mut timed: impl FnMut(i64) -> Duration) -> Duration {
    (0..iters)
        .map(|_| {
            *version += 1;
            timed(*version)
        })
        .sum()
}

/// The line and column of an edit in the middle of `text`: just after a route's first `/`.
fn edit_point(text: &str) -> (u32, u32) {
    let middle = text.lines().count() / 2;
    let (line, line_text) = text
        .lines()
        .enumerate()
        .skip(middle)
        .find(|(_, l)| l.trim_start().starts_with('<'))
        .expect("a route after the middle");
    (line as u32, line_text.find('/').unwrap() as u32 + 1)
}

/// Diagnostics after an edit in the middle of a 5,000-line file of each shape; the in-process
/// check of the same text beside it.
fn edits_by_shape(c: &mut Criterion, binary: &Path) {
    for shape in [Shape::ManyBlocks, Shape::OneBlock, Shape::Nested] {
        let text = shape.bind(5_000);
        let u = uri(&format!("/{}.bind", shape.name()));
        let mut server = Server::spawn(binary).expect("server starts");
        server.open(&u, &text).unwrap();
        let opened = server.diagnostics(&u, Some(1)).unwrap();
        assert!(
            opened["diagnostics"]
                .as_array()
                .is_some_and(|d| d.is_empty()),
            "the {} bench input has diagnostics: {opened}",
            shape.name()
        );
        let (line, col) = edit_point(&text);
        let mut version: i64 = 1;
        let mut group = c.benchmark_group(format!("lsp_5000_lines_{}", shape.name()));
        group
            .sample_size(60)
            .measurement_time(Duration::from_secs(6));
        group.bench_function("diagnostics_after_edit", |b| {
            b.iter_custom(|iters| {
                time_edits(iters, &mut version, |version| {
                    let start = Instant::now();
                    server
                        .change(&u, version, vec![toggle_edit(version, line, col)])
                        .unwrap();
                    server.diagnostics(&u, Some(version)).unwrap();
                    start.elapsed()
                })
            })
        });
        group.bench_function("reference_in_process_check", |b| {
            b.iter(|| starlane_compiler::check_document(&text, &Default::default()))
        });
        group.finish();
        let _ = server.shutdown();
    }
}

/// Completion in the many-blocks file, alone and right after an edit, and a protocol round
/// trip that does no analysis.
fn completion(c: &mut Criterion, binary: &Path) {
    let text = Shape::ManyBlocks.bind(5_000);
    let u = uri("/big.bind");
    let mut server = Server::spawn(binary).expect("server starts");
    server.open(&u, &text).unwrap();
    server.diagnostics(&u, Some(1)).unwrap();
    let (line, col) = edit_point(&text);
    let mut version: i64 = 1;
    let mut group = c.benchmark_group("lsp_5000_lines");
    group
        .sample_size(60)
        .measurement_time(Duration::from_secs(6));
    // Completion after `((` in a route near the end of the file.
    let (cl, cc) = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| l.find("((save-").map(|c| (i as u32, c as u32 + 2)))
        .last()
        .unwrap();
    group.bench_function("completion", |b| {
        b.iter(|| server.at("textDocument/completion", &u, cl, cc).unwrap())
    });
    // Typing then asking for completion: the request waits for the edit's analysis and pays
    // for assembling the symbol index, which is built lazily on the first request after an edit.
    group.bench_function("completion_after_edit", |b| {
        b.iter_custom(|iters| {
            time_edits(iters, &mut version, |version| {
                let start = Instant::now();
                server
                    .change(&u, version, vec![toggle_edit(version, line, col)])
                    .unwrap();
                server.at("textDocument/completion", &u, cl, cc).unwrap();
                let took = start.elapsed();
                server.diagnostics(&u, Some(version)).unwrap();
                took
            })
        })
    });
    group.bench_function("reference_round_trip_no_analysis", |b| {
        b.iter(|| server.at("textDocument/hover", &u, 0, 0).unwrap())
    });
    group.finish();
    let _ = server.shutdown();
}

fn bench(c: &mut Criterion) {
    let binary = Path::new(env!("CARGO_BIN_EXE_starlane"));
    edits_by_shape(c, binary);
    completion(c, binary);
}

criterion_group!(benches, bench);
criterion_main!(benches);
