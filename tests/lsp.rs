//! The language server, end to end: the real `starlane lsp` binary driven over JSON-RPC by the
//! harness (`lsp/harness`). Fixture transcripts are insta snapshots; the randomized-edit test
//! checks the server survives thousands of edits (valid and not) and ends with exactly the
//! diagnostics `starlane check` gives for the same text.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use starlane_lsp_harness::{Fixture, Server, uri};

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_starlane"))
}

fn fixture_paths() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp_fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/lsp_fixtures exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn fixtures_match_their_snapshots() {
    for path in fixture_paths() {
        let text = std::fs::read_to_string(&path).expect("fixture is readable");
        let fixture = Fixture::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut server = Server::spawn(binary()).expect("server starts");
        let transcript = fixture
            .run(&mut server)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(format!("lsp_{name}"), transcript);
        assert!(server.shutdown().expect("clean shutdown").success());
    }
}

/// A tiny deterministic generator (xorshift64*): the failing seed is printed, and a run can be
/// replayed with `STARLANE_LSP_SEED`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fragments edits insert: real syntax, broken syntax, and non-ASCII text (two- and four-byte
/// characters move UTF-16 columns away from byte columns).
const FRAGMENTS: &[&str] = &[
    "Route<Http<Get>>/x -> (( )) => &;\n",
    "  <Post>/y -[ Json~Profile ]-> ((save-profile)) => &;\n",
    "Port p { request: Json; timeout: exec 1s, total 2s; }\n",
    "Requires { users: Base<User>; }\n",
    "${users}",
    "$1",
    "{",
    "}",
    "((",
    "))",
    ";",
    "->",
    "=>",
    "-[ Map{a<Text>, b?<Int>} ]->",
    "# é 𝄞 comment\n",
    "\"unterminated",
    "é𝄞",
    "\n",
    "  ",
    "Http<",
    "~",
    "Err(404, \"x\")",
    "grant perm +cSd-RwX on ${users}:**;\n",
];

/// The position of byte `offset` in (0-based line, UTF-16 column).
fn lsp_position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].encode_utf16().count();
    (line as u32, col as u32)
}

fn char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn range_json(text: &str, start: usize, end: usize) -> Value {
    let (sl, sc) = lsp_position(text, start);
    let (el, ec) = lsp_position(text, end);
    json!({ "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } })
}

/// The diagnostics the CLI computes for `text`, as (code, range) pairs like the server's.
fn expected_diagnostics(text: &str) -> Vec<(String, Value)> {
    let checked = starlane_compiler::check_document(text, &Default::default());
    checked
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.id.to_string(),
                range_json(text, d.primary.span.start, d.primary.span.end),
            )
        })
        .collect()
}

fn published(params: &Value) -> Vec<(String, Value)> {
    params["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["range"].clone(),
            )
        })
        .collect()
}

#[test]
fn random_edits_never_crash_or_hang_the_server_and_end_in_sync() {
    let seed = std::env::var("STARLANE_LSP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_CAFE_u64);
    let edits: usize = std::env::var("STARLANE_LSP_EDITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let mut rng = Rng(seed);
    let start = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello/bind/hello.bind"),
    )
    .unwrap();
    let mut text = start.clone();
    let u = uri("/random.bind");
    let mut server = Server::spawn(binary()).expect("server starts");
    server.open(&u, &text).unwrap();
    let mut version = 1;
    for i in 0..edits {
        // Several changes per notification sometimes: they apply in order, each against the
        // text the previous one produced.
        let mut changes = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let a = char_boundary(&text, rng.below(text.len() + 1));
            let b = char_boundary(&text, a + rng.below(12));
            let insert = match rng.below(4) {
                0 => String::new(),
                _ => rng.pick(FRAGMENTS).to_string(),
            };
            changes.push(json!({ "range": range_json(&text, a, b), "text": insert }));
            text.replace_range(a..b, &insert);
        }
        version += 1;
        server.change(&u, version, changes).unwrap();
        // Now and then a request, anywhere: it must answer (an error reply is fine, silence is not).
        if i % 7 == 0 {
            let at = char_boundary(&text, rng.below(text.len() + 1));
            let (line, col) = lsp_position(&text, at);
            let method = *rng.pick(&[
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/definition",
                "textDocument/documentHighlight",
                "textDocument/prepareRename",
            ]);
            let answer = server.at(method, &u, line, col);
            if let Err(e @ starlane_lsp_harness::HarnessError::Timeout { .. })
            | Err(e @ starlane_lsp_harness::HarnessError::Closed { .. }) = answer
            {
                panic!("seed {seed:#x}, edit {i}, {method}: {e}");
            }
        }
        if i % 101 == 0 {
            let doc = json!({ "textDocument": { "uri": u } });
            for method in [
                "textDocument/semanticTokens/full",
                "textDocument/documentSymbol",
                "textDocument/foldingRange",
            ] {
                server
                    .request(method, doc.clone())
                    .unwrap_or_else(|e| panic!("seed {seed:#x}, edit {i}, {method}: {e}"));
            }
        }
    }
    let params = server
        .diagnostics(&u, Some(version))
        .unwrap_or_else(|e| panic!("seed {seed:#x}: {e}"));
    assert_eq!(
        published(&params),
        expected_diagnostics(&text),
        "seed {seed:#x}: the server's document drifted from the client's"
    );
    assert!(server.shutdown().unwrap().success());
}

#[test]
fn diagnostics_carry_codes_utf16_ranges_and_related_information() {
    let text = "# é𝄞\nBind(version=1.1.0) {\n  Route<Http<Get>>/a -> (()) => &; # é𝄞\n  Route<Http<Get>>/a -> (()) => &; # é𝄞\n}\n";
    let u = uri("/utf16.bind");
    let mut server = Server::spawn(binary()).unwrap();
    server.open(&u, text).unwrap();
    let params = server.diagnostics(&u, Some(1)).unwrap();
    let d = &params["diagnostics"][0];
    assert_eq!(d["code"], "W0101");
    assert_eq!(d["source"], "starlane");
    assert_eq!(d["range"]["start"], json!({ "line": 3, "character": 2 }));
    let related = &d["relatedInformation"][0]["location"]["range"]["start"];
    assert_eq!(*related, json!({ "line": 2, "character": 2 }));
    // An edit after the non-ASCII comment, addressed in UTF-16 units: `é` is 1 unit, `𝄞` 2.
    server
        .change(
            &u,
            2,
            vec![json!({ "range": { "start": { "line": 0, "character": 5 }, "end": { "line": 0, "character": 5 } }, "text": "!" })],
        )
        .unwrap();
    let symbols = server
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": u } }),
        )
        .unwrap();
    assert!(symbols.as_array().is_some_and(|s| s.len() == 2));
    let formatted = server
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": u }, "options": { "tabSize": 2, "insertSpaces": true } }),
        )
        .unwrap();
    let after = starlane_lsp_harness::apply_edits(&text.replacen("𝄞", "𝄞!", 1), &formatted);
    assert!(after.starts_with("# é𝄞!\n"), "{after}");
    assert!(server.shutdown().unwrap().success());
}

#[test]
fn requests_after_a_change_see_the_change() {
    // didChange and the hover after it arrive back to back; the hover must see the new text.
    let u = uri("/order.bind");
    let mut server = Server::spawn(binary()).unwrap();
    server
        .open(&u, "Bind(version=1.1.0) {\n  Port a { }\n}\n")
        .unwrap();
    for (version, name) in (2..200).zip((0..).map(|i| format!("port-{i}"))) {
        server
            .change(
                &u,
                version,
                vec![
                    json!({ "text": format!("Bind(version=1.1.0) {{\n  Port {name} {{ }}\n}}\n") }),
                ],
            )
            .unwrap();
        let hover = server.at("textDocument/hover", &u, 1, 8).unwrap();
        let value = hover["contents"]["value"].as_str().unwrap_or("");
        assert!(value.contains(&name), "version {version}: {value}");
    }
    assert!(server.shutdown().unwrap().success());
}
