//! The incremental checker is an optimisation only: after any sequence of edits it must return
//! exactly what checking the text from scratch returns — diagnostics, lowered bind, patterns,
//! and the symbol index.
//! Edits are random (valid snippets, garbage, deletions that cut items in half) on every real
//! `.bind` file and a generated large one.

use std::path::Path;

use proptest::prelude::*;
use starlane_compiler::incremental::IncrementalChecker;

fn bind_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["specs/tests", "examples/starlane", "examples/hello/bind"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "bind"))
            .collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).unwrap();
            files.push(starlane_lang::source::decode(&bytes).0);
        }
    }
    files.push(generated(12));
    files.push(one_block(40));
    files.push(nested(4));
    files
}

/// Ports, then all the routes in one `Route<Http>` block.
fn one_block(routes: usize) -> String {
    let mut s = String::from(
        "Bind(version=1.1.0) {\n  Requires {\n    users: Base<User>;\n  }\n  Port save { request: Text; }\n  Route<Http> -> {\n",
    );
    for n in 0..routes {
        s.push_str(&format!(
            "    <Get>/r{n}/(?P<id>[^/]+) -> ${{users}}:${{id}} => &;\n    <Post>/r{n} -[ Text ]-> ((save)) => &;\n"
        ));
    }
    s.push_str("  }\n}\n");
    s
}

/// Route scopes three levels deep, with captures along them.
fn nested(areas: usize) -> String {
    let mut s = String::from(
        "Bind(version=1.1.0) {\n  Requires {\n    users: Base<User>;\n  }\n  Port save { request: Text; }\n  Route/(?P<area>[a-z]+) -> {\n",
    );
    for n in 0..areas {
        s.push_str(&format!("    Http/a{n} -> {{\n"));
        for r in 0..4 {
            s.push_str(&format!(
                "      <Get>/r{r}/(?P<id>[^/]+) -> ${{users}}:${{area}}-${{id}} => &;\n      <Post>/r{r} -[ Text ]-> ((save)) => &;\n"
            ));
        }
        s.push_str("    }\n");
    }
    s.push_str("  }\n}\n");
    s
}

/// A bind with `areas` ports, each with a route scope using it.
fn generated(areas: usize) -> String {
    let mut s = String::from(
        "Bind(version=1.1.0) {\n  Requires {\n    users: Base<User>;\n  }\n  Schema Profile = \"schema/profile.json\";\n",
    );
    for n in 0..areas {
        s.push_str(&format!(
            "  Port save-{n} {{\n    request: Json~Profile;\n    timeout: exec 200ms, total 1s;\n    call ${{users}}:**^Ext<Select>;\n  }}\n  Route<Http> -> {{\n    <Get>/a{n}/(?P<id>[^/]+) -> ${{users}}:${{id}} => &;\n    <Post>/a{n}/p -[ Json~Profile ]-> ((save-{n})) => &;\n    <Put>/a{n}/m -[ Map{{name<Text>}} ]-> ((save-{n})) =[ Text ]=> &;\n  }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

/// Text an edit may insert: pieces of the language, and things that break it.
const SNIPPETS: &[&str] = &[
    "x",
    " ",
    "\n",
    "{",
    "}",
    ";",
    "->",
    "=>",
    "((save-1))",
    "((nope))",
    "${id}",
    "${missing}",
    "$1",
    "/(?P<id>[^/]+)",
    "/(unclosed",
    "Port extra { request: Text; }",
    "Port save-1 { }",
    "Schema Other = \"schema/o.json\";",
    "Route<Http> -> { <Get>/z -> Err(404); }",
    "<Get>/dup -> &;",
    "<Get>/(?P<area>x) -> &;",
    "Http/(?P<id>[0-9]+) -> { <Get>/(?P<id>.*) -> &; }",
    "Http -> {",
    "<Ext> -> &;",
    "grant perm +cSd-RwX on ${users}:**;",
    "Requires { more: Base; }",
    "~Nope",
    "Err(200)",
    "é",
    "# comment\n",
    "\"",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert { at: usize, snippet: usize },
    Delete { at: usize, len: usize },
}

fn apply(text: &str, edit: &Edit) -> String {
    let clamp = |at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match edit {
        Edit::Insert { at, snippet } => {
            let at = clamp(*at);
            format!("{}{}{}", &text[..at], SNIPPETS[*snippet], &text[at..])
        }
        Edit::Delete { at, len } => {
            let start = clamp(*at);
            let end = clamp(start + len).max(start);
            format!("{}{}", &text[..start], &text[end..])
        }
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, snippet)| Edit::Insert { at, snippet }),
        1 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
    ]
}

fn assert_same(checker: &mut IncrementalChecker, text: &str) {
    if let Some(part) = checker.disagreement_with_full_check(text, &Default::default()) {
        panic!("the incremental check's {part} differ from a full check's, for:\n{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn edits_give_what_a_full_check_gives(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..25),
    ) {
        let files = bind_files();
        let mut text = files[file.index(files.len())].clone();
        let mut checker = IncrementalChecker::default();
        assert_same(&mut checker, &text);
        for e in &edits {
            text = apply(&text, e);
            assert_same(&mut checker, &text);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A block long enough to be remembered in several chunks of units: edits anywhere, each
    /// checked, then (when `revisit`) the text before it and the edit again, so remembered
    /// chunks are found again, lent and given back.
    #[test]
    fn edits_in_a_long_block_give_what_a_full_check_gives(
        edits in prop::collection::vec(edit(), 1..8),
        revisit in any::<bool>(),
    ) {
        let mut text = one_block(150);
        let mut checker = IncrementalChecker::default();
        assert_same(&mut checker, &text);
        for e in &edits {
            let before = text;
            text = apply(&before, e);
            assert_same(&mut checker, &text);
            if revisit {
                assert_same(&mut checker, &before);
                assert_same(&mut checker, &text);
            }
        }
    }
}

/// Found by the property above: two items with the same text (`->`) but different kinds (an
/// error and a pipeline) must not share symbols.
#[test]
fn items_with_the_same_text_but_another_kind_keep_their_own_symbols() {
    let text = "Bind {\n\n  Http {\n\n    <Get>/(.*) -> localhost:repo:tutorial:2.0.0:/html/$1 => &;\n    <Get>/apse${id}; }) -> locmy-app^Http<Get>/$1 => &;\n\n->  }\n\n}\n";
    assert_same(&mut IncrementalChecker::default(), text);
}

/// Found by the property above: the same text can lex into other tokens where a context rule
/// applies (inside `[ … ]` a path regex does not start), so a unit's tree and what it holds are
/// not reused from where the same text stood before.
#[test]
fn the_same_text_lexed_otherwise_is_not_reused() {
    let mut checker = IncrementalChecker::default();
    assert_same(
        &mut checker,
        "Bind->{\nx  Routetp<Post\n><Get>/dup -> &;> -[ ~json ]-> (()) => &;\n}\n",
    );
    assert_same(
        &mut checker,
        "Bind->{\nx  Routetp<Post\n><Get>/dup -> &;> -[ ~<Get>/dup -> &;json ]-> (()) => &;\n}\n",
    );
}

#[test]
fn every_corpus_file_checks_the_same_incrementally() {
    for text in bind_files() {
        let mut checker = IncrementalChecker::default();
        assert_same(&mut checker, &text);
        // Checked again unchanged: everything is reused.
        assert_same(&mut checker, &text);
        assert_eq!(checker.last_reuse.computed, 0);
    }
}

#[test]
fn an_edit_recomputes_only_the_item_it_touches() {
    let text = generated(40);
    let mut checker = IncrementalChecker::default();
    assert_same(&mut checker, &text);
    let items = checker.last_reuse.computed;
    assert!(items > 80, "{items} items");
    // Type into a route path in the middle of the file.
    let at = text.match_indices("/a20/p").next().unwrap().0 + 4;
    let edited = format!("{}x{}", &text[..at], &text[at..]);
    assert_same(&mut checker, &edited);
    assert_eq!(checker.last_reuse.computed, 1);
    assert_eq!(checker.last_reuse.reused, items - 1);
    // Renaming a port changes what routes resolve against: they are lowered again (and still
    // agree with a full check), but their front-end findings are reused.
    let renamed = edited.replacen("Port save-3 ", "Port saved-3 ", 1);
    assert_same(&mut checker, &renamed);
    assert_eq!(checker.last_reuse.computed, 1);
}

#[test]
fn an_edit_in_one_big_block_recomputes_only_the_route_it_touches() {
    let text = one_block(300);
    let mut checker = IncrementalChecker::default();
    assert_same(&mut checker, &text);
    let at = text.match_indices("/r150/").next().unwrap().0 + 3;
    let edited = format!("{}x{}", &text[..at], &text[at..]);
    assert_same(&mut checker, &edited);
    // The block is the one item that changed; inside it, one route is parsed and checked again.
    assert!(checker.last_reparsed_item);
    assert_eq!(checker.last_reuse.computed, 1);
    assert_eq!(checker.last_unit_reuse.computed, 1);
    assert_eq!(checker.last_unit_reuse.reused, 599);
    // Typed back and forth: the unchanged runs of routes are lent a chunk at a time, not route
    // by route (600 loans); only the routes of the chunk typed in are lent one by one.
    for _ in 0..2 {
        assert_same(&mut checker, &text);
        assert_same(&mut checker, &edited);
    }
    let loans = checker.last_loans;
    assert!(loans.given_back < 300 && loans.refused == 0, "{loans:?}");
}

#[test]
fn a_unit_whose_findings_point_outside_it_is_checked_again_each_time() {
    // The inner capture clashes with the enclosing scope's: E0036 points at both, so the
    // route's findings cannot move with its text alone.
    let text = nested(2).replacen("<Get>/r0/(?P<id>", "<Get>/r0/(?P<area>", 1);
    let mut checker = IncrementalChecker::default();
    assert_same(&mut checker, &text);
    assert!(
        checker
            .check(&text, &Default::default())
            .diagnostics
            .iter()
            .any(|d| d.code.id == "E0036")
    );
    for edit in [" ", ""] {
        let at = text.find("Http/a1").unwrap();
        let edited = format!("{}{edit}{}", &text[..at], &text[at..]);
        assert_same(&mut checker, &edited);
    }
}

/// An edit strictly inside one item reparses that item alone, and the tree, tokens and
/// diagnostics are a full parse's; an edit the item's new text cannot be parsed alone for (a
/// syntax error, whose recovery may reach past it), one across items and one at an item's
/// edge parse the whole text.
#[test]
fn an_edit_inside_one_item_reparses_that_item_alone() {
    let text = generated(40);
    let mut checker = IncrementalChecker::default();
    assert_same(&mut checker, &text);
    assert!(!checker.last_reparsed_item, "the first check parses it all");
    let inside = text.match_indices("/a20/p").next().unwrap().0 + 4;
    let edited = format!("{}x{}", &text[..inside], &text[inside..]);
    assert_same(&mut checker, &edited);
    assert!(checker.last_reparsed_item);
    // Back again: the item's old tree is reused.
    assert_same(&mut checker, &text);
    assert!(checker.last_reparsed_item);

    let stop = text.find("((save-20))").unwrap();
    let broken = format!("{}{{{}", &text[..stop], &text[stop..]);
    assert_same(&mut checker, &broken);
    assert!(!checker.last_reparsed_item, "a syntax error: parsed whole");
    assert_same(&mut checker, &text);

    let port = text.find("  Port save-21 ").unwrap();
    let across = format!("{}{}", &text[..inside], &text[port..]);
    assert_same(&mut checker, &across);
    assert!(
        !checker.last_reparsed_item,
        "items cut and joined: parsed whole"
    );
    assert_same(&mut checker, &text);

    let item_start = port + 2;
    let at_edge = format!("{}x{}", &text[..item_start], &text[item_start..]);
    assert_same(&mut checker, &at_edge);
    assert!(
        !checker.last_reparsed_item,
        "an item's first character: parsed whole"
    );
}

/// A file with a syntax error anywhere is parsed whole: recovery from an error can look into
/// the next item, so where items end is not settled.
#[test]
fn a_file_with_a_syntax_error_is_parsed_whole() {
    let text = generated(10).replacen(
        "  Schema Profile = \"schema/profile.json\";\n",
        "  Schema Profile = \"schema/profile.json\";\n  Port broken { request Text; }\n",
        1,
    );
    let mut checker = IncrementalChecker::default();
    assert_same(&mut checker, &text);
    assert!(
        !checker
            .check(&text, &Default::default())
            .parse
            .diagnostics
            .is_empty()
    );
    for area in ["/a2/p", "/a8/p"] {
        let at = text.find(area).unwrap() + 3;
        let edited = format!("{}xy{}", &text[..at], &text[at..]);
        assert_same(&mut checker, &edited);
        assert!(!checker.last_reparsed_item, "{area}");
        assert_same(&mut checker, &text);
    }
}

/// A character typed at every few bytes of every corpus file, and taken out again: thousands land
/// inside one item of a clean file and reparse it alone (most corpus files hold a syntax error
/// on purpose, and are parsed whole), and every result is a full parse's.
#[test]
fn typing_anywhere_gives_what_a_full_parse_gives() {
    let (mut reparsed, mut whole) = (0, 0);
    for text in bind_files() {
        let mut checker = IncrementalChecker::default();
        assert_same(&mut checker, &text);
        let step = (text.len() / 40).max(1);
        for at in (0..text.len()).step_by(step) {
            if !text.is_char_boundary(at) {
                continue;
            }
            for typed in ["x", " ", "-", "1"] {
                let edited = format!("{}{typed}{}", &text[..at], &text[at..]);
                assert_same(&mut checker, &edited);
                if checker.last_reparsed_item {
                    reparsed += 1;
                } else {
                    whole += 1;
                }
                assert_same(&mut checker, &text);
            }
        }
    }
    assert!(
        reparsed > 5_000,
        "{reparsed} edits reparsed one item, {whole} the whole text"
    );
}

/// A remembered lowering is lent to the check that reuses it and given back after
/// (`starlane_compiler::lower::lend`): items and units whose text appears twice lend once and
/// are lowered again the second time, and what comes back serves the next check as before.
#[test]
fn items_lent_twice_in_one_check_and_given_back_serve_the_next_check() {
    let twice = "  Port p { request: Map{name<Text>}; }\n  Port p { request: Map{name<Text>}; }\n  Route -> {\n    Http<Post>/a -[ Map{name<Text>} ]-> ((p)) => &;\n    Http<Post>/a -[ Map{name<Text>} ]-> ((p)) => &;\n    Http<Get>/b -> (()) => &;\n  }\n  Route -> {\n    Http<Post>/a -[ Map{name<Text>} ]-> ((p)) => &;\n    Http<Get>/b -> (()) => &;\n  }\n";
    let text = format!("Bind(version=1.1.0) {{\n{twice}}}\n");
    let mut checker = IncrementalChecker::default();
    assert_same(&mut checker, &text);
    // Typing into the second block, then the first, and back: each check lends what it reuses.
    let second = text.rfind("/b").unwrap() + 1;
    let first = text.find("/b").unwrap() + 1;
    for at in [second, first, second, first] {
        let edited = format!("{}x{}", &text[..at], &text[at..]);
        assert_same(&mut checker, &edited);
        let (without, _) = checker.check_without_bind(&text, &Default::default());
        let full = starlane_compiler::check_document(&text, &Default::default());
        assert_eq!(without.diagnostics, full.diagnostics);
        assert!(without.bind.is_none());
        let loans = checker.last_loans;
        // What was reused was lent (twins and the route typed in are lowered again), and all
        // of it came back.
        assert!(loans.given_back >= 1 && loans.refused == 0, "{loans:?}");
        assert_same(&mut checker, &text);
    }
}
