//! Language-server latency, measured through the real binary over JSON-RPC (the test harness):
//! diagnostics after an edit in a 5,000-line file, and completion in it. References in the same
//! run: the in-process check of the same text (the floor the server adds to) and a protocol
//! round trip that does no analysis (hover on whitespace).

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use starlane_lsp_harness::{Server, uri};

/// A realistic bind of `lines` lines: declarations, commented route scopes, blank lines.
fn realistic_bind(lines: usize) -> String {
    let mut s = String::from(
        "# generated for the latency bench\nBind(version=1.1.0) {\n  Requires {\n    users: Base<User>;\n    files: FileStore;\n  }\n  Schema Profile = \"schema/profile.json\";\n",
    );
    let mut n = 0;
    while s.matches('\n').count() < lines.saturating_sub(2) {
        s.push_str(&format!(
            "\n  Port save-{n} {{\n    request: Json~Profile;\n    response: Json;\n    timeout: exec 200ms, total 1s;\n    grant perm +cSd-RwX on ${{files}}:**;\n    call ${{users}}:**^Ext<Select>;\n  }}\n\n  # routes of area {n}\n  Route<Http> -> {{\n"
        ));
        for i in 0..30 {
            let line = match i % 5 {
                0 => format!("    <Get>/a{n}/u{i}/(?P<id>[^/]+) -> ${{users}}:${{id}} => &;\n"),
                1 => format!("    <Post>/a{n}/p{i} -[ Json~Profile ]-> ((save-{n})) => &;\n"),
                2 => format!("    <Get>/a{n}/f{i}/(.*) -> ${{doc.bundle}}:/html/${{1}} => &;\n"),
                3 => format!(
                    "    <Put>/a{n}/m{i} -[ Map{{name<Text>, age?<Int>}} ]-> ((save-{n})) =[ Json ]=> &;\n"
                ),
                _ => format!("    <Delete>/a{n}/d{i} -> Err(403, \"not here\");\n"),
            };
            s.push_str(&line);
        }
        s.push_str("  }\n");
        n += 1;
    }
    s.push_str("}\n");
    s
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

fn bench(c: &mut Criterion) {
    let text = realistic_bind(5_000);
    let line_count = text.lines().count();
    let binary = Path::new(env!("CARGO_BIN_EXE_starlane"));
    let u = uri("/big.bind");
    let mut server = Server::spawn(binary).expect("server starts");
    server.open(&u, &text).unwrap();
    server.diagnostics(&u, Some(1)).unwrap();

    // The edit: type a character into a route's path in the middle of the file, then delete it.
    let target = line_count / 2;
    let line_text = text.lines().nth(target).unwrap();
    let col = line_text.find('/').unwrap_or(4) as u32 + 1;
    let mut version: i64 = 1;
    let mut group = c.benchmark_group(format!("lsp_{line_count}_lines"));
    group
        .sample_size(60)
        .measurement_time(Duration::from_secs(8));
    let target = target as u32;
    group.bench_function("diagnostics_after_edit", |b| {
        b.iter_custom(|iters| {
            time_edits(iters, &mut version, |version| {
                let start = Instant::now();
                server
                    .change(&u, version, vec![toggle_edit(version, target, col)])
                    .unwrap();
                server.diagnostics(&u, Some(version)).unwrap();
                start.elapsed()
            })
        })
    });
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
                    .change(&u, version, vec![toggle_edit(version, target, col)])
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
    group.bench_function("reference_in_process_check", |b| {
        b.iter(|| starlane_compiler::check_document(&text, &Default::default()))
    });
    group.finish();
    let _ = server.shutdown();
}

criterion_group!(benches, bench);
criterion_main!(benches);
