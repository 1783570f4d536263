//! Every real Starlane file in `examples/starlane/` is accepted, and fixing it leaves it
//! warning-free with the same routes.

use std::path::{Path, PathBuf};

use proptest::arbitrary::Arbitrary;
use starlane_lang::ast::{self, AstNode};
use starlane_lang::{Severity, SyntaxKind, check_front_end, fix};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/starlane");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 34, "the real Starlane examples are missing");
    files
}

#[test]
fn every_real_starlane_file_is_accepted() {
    for path in examples() {
        let src = std::fs::read_to_string(&path).unwrap();
        let (parse, diags) = check_front_end(&src);
        assert_eq!(parse.syntax().to_string(), src);
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| &d.message)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

/// What a document means, independent of spelling: (kind, method, regex, stops) per route,
/// with legacy spellings normalised. Router files and App documents are summarised by their
/// targets and properties.
fn meaning(src: &str) -> Vec<String> {
    let (parse, _) = check_front_end(src);
    let root = parse.syntax();
    let mut out = Vec::new();
    for pipeline in root.descendants().filter_map(ast::Pipeline::cast) {
        let mut names = Vec::new();
        let mut regexes = Vec::new();
        for scope in pipeline.syntax().ancestors().filter_map(ast::Scope::cast) {
            if let Some(sel) = scope.selector() {
                let mut n: Vec<String> = sel.names().iter().map(|t| t.text().to_string()).collect();
                // The green-tree reading the lowering uses says the same.
                let spans: Vec<&str> = sel.name_spans().into_iter().map(|s| &src[s]).collect();
                assert_eq!(spans, n, "name spans of `{}`", sel.syntax());
                n.reverse();
                names.extend(n);
                regexes.extend(sel.regex().map(|r| r.text().to_string()));
            }
        }
        names.reverse();
        regexes.reverse();
        let names: Vec<String> = names
            .into_iter()
            .filter(|n| n != "Route" && n != "Pipelines")
            .map(|n| match n.as_str() {
                "Msg" => "Ext".into(),
                "Rc" => "Cmd".into(),
                "Sys" => "Hyp".into(),
                _ => n,
            })
            .collect();
        let stops: Vec<String> = pipeline
            .segments()
            .filter_map(|s| s.stop())
            .map(|s| {
                let text: String = s.to_string().split_whitespace().collect();
                let text = text.replace("{{}}", "(())").replace("{{*}}", "((*))");
                normalise_numbered(&text)
            })
            .collect();
        out.push(format!("{names:?} {} {stops:?}", regexes.join("")));
    }
    for line in root
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::ROUTER_LINE)
    {
        out.push(
            normalise_numbered(&line.to_string())
                .split_whitespace()
                .skip(1)
                .collect(),
        );
    }
    out.sort();
    out
}

fn normalise_numbered(text: &str) -> String {
    let mut s = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            s.push_str("${");
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                s.push(d);
            }
            s.push('}');
        } else {
            s.push(c);
        }
    }
    s
}

#[test]
fn fixing_each_example_leaves_it_warning_free_with_the_same_routes() {
    for path in examples() {
        let src = std::fs::read_to_string(&path).unwrap();
        let (fixed, _) = fix::fix_and_format(&src, 8);
        let (_, diags) = check_front_end(&fixed);
        let left: Vec<_> = diags
            .iter()
            .filter(|d| d.severity != Severity::Note)
            .map(|d| (d.code.id, &d.message))
            .collect();
        assert!(
            left.is_empty(),
            "{} still has {left:?} after fixing:\n{fixed}",
            path.display()
        );
        let is_router = path.extension().is_some_and(|e| e == "conf");
        if !is_router {
            assert_eq!(
                meaning(&src),
                meaning(&fixed),
                "{}: fixing changed the routes:\n{fixed}",
                path.display()
            );
        }
    }
}

#[test]
fn router_translation_keeps_each_route_and_its_prefix_meaning() {
    let src = "GET /files/(.*) -> localhost:my-files:/$1;\nGET /app/ -> localhost:my-app:main;\n";
    let (fixed, _) = fix::fix_to_fixpoint(src, 8);
    // A regex already ending in `.*` keeps its one group (not `(.*)(.*)`); a prefix gets `(.*)`.
    assert!(
        fixed.contains("Http<Get>/files/(.*) -> localhost:my-files:/${1} => &;"),
        "{fixed}"
    );
    assert!(
        fixed.contains("Http<Get>/app/(.*) -> localhost:my-app:main => &;"),
        "{fixed}"
    );
    // Idempotent: the translation needs no further fix.
    assert_eq!(fix::fix_to_fixpoint(&fixed, 8), (fixed.clone(), 0));
}

#[test]
fn what_the_fixes_wrote_is_formatted_and_the_rest_kept() {
    // A hand-laid-out port, and a 2022 `Http` section whose fix wraps it in a `Route` scope.
    let src = "Bind(version=1.1.0) {\n  Port   p {  request: Text; }\n  Http {\n    <Get>/a -> (( )) => &;\n  }\n}\n";
    let (fixed, applied) = fix::fix_and_format(src, 8);
    assert!(applied >= 1);
    assert_eq!(
        fixed,
        "Bind(version=1.1.0) {\n  Port   p {  request: Text; }\n  Route -> {\n    Http {\n      <Get>/a -> (( )) => &;\n    }\n  }\n}\n"
    );
    // A file that was formatted comes out formatted as a whole, here the router translation.
    let router = "GET /files/(.*) -> localhost:my-files:/$1;\n";
    let (fixed, _) = fix::fix_and_format(router, 8);
    assert_eq!(starlane_lang::format::format(&fixed, false).unwrap(), fixed);
}

fn errors(src: &str) -> usize {
    check_front_end(src)
        .1
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

/// Pieces a mutation inserts: delimiters, words and stops of the language.
const PIECES: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "<",
    ">",
    ";",
    "->",
    "=>",
    "&",
    "$1",
    "${",
    "Http",
    "Route",
    "Get",
    "(.*)",
    ":",
    "*",
    "/",
    " ",
    "\n",
    "localhost:my-fi*les:/$1",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// `--fix` never makes a file worse: on mutated copies of the real files, the number of
    /// errors after fixing is never higher than before.
    #[test]
    fn fixing_a_mutated_real_file_never_adds_errors(
        file in proptest::sample::Index::arbitrary(),
        edits in proptest::collection::vec(
            (proptest::prelude::any::<usize>(), 0..PIECES.len(), 0usize..12),
            1..4,
        ),
    ) {
        let files = examples();
        let mut src = std::fs::read_to_string(&files[file.index(files.len())]).unwrap();
        for (at, piece, delete) in edits {
            let mut at = at % (src.len() + 1);
            while !src.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + delete).min(src.len());
            while !src.is_char_boundary(end) {
                end -= 1;
            }
            src.replace_range(at..end, PIECES[piece]);
        }
        let before = errors(&src);
        let (fixed, _) = fix::fix_to_fixpoint(&src, 8);
        let after = errors(&fixed);
        proptest::prop_assert!(after <= before, "{before} errors became {after}:\n{src}\n-- fixed --\n{fixed}");
    }
}
