//! `fmt` over every real file and corpus case: idempotent, comments kept, tokens unchanged;
//! and the same properties over random fragments.

use std::path::Path;

use proptest::prelude::*;
use starlane_lang::format::{FormatError, format};

fn files() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["examples/starlane", "specs/tests", "examples/hello/bind"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x != "expected") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn comments(src: &str) -> Vec<String> {
    starlane_lang::parse(src)
        .tokens()
        .iter()
        .filter(|t| t.kind == starlane_lang::SyntaxKind::COMMENT)
        .map(|t| src[t.range()].trim_end().to_string())
        .collect()
}

/// Every token but whitespace, with its text: what formatting must never change.
fn tokens(src: &str) -> Vec<(starlane_lang::SyntaxKind, String)> {
    starlane_lang::parse(src)
        .tokens()
        .iter()
        .filter(|t| t.kind != starlane_lang::SyntaxKind::WHITESPACE)
        .map(|t| (t.kind, src[t.range()].trim_end().to_string()))
        .collect()
}

#[test]
fn formatting_every_valid_file_is_idempotent_and_keeps_comments() {
    let mut formatted = 0;
    for path in files() {
        let Ok(src) = std::fs::read_to_string(&path) else {
            continue;
        };
        match format(&src, false) {
            Ok(out) => {
                assert_eq!(
                    format(&out, false).as_ref(),
                    Ok(&out),
                    "{} is not idempotent:\n{out}",
                    path.display()
                );
                assert_eq!(comments(&src), comments(&out), "{}", path.display());
                formatted += 1;
            }
            Err(FormatError::SyntaxErrors) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    assert!(formatted >= 60, "only {formatted} files formatted");
}

#[test]
fn real_legacy_file_snapshot() {
    let src = "Bind {\n  Pipelines {\n    Http {\n      <Post>/login -> {{}} => &;\n      <Get>/introspect ->{{}}=>&;   # check\n    }\n  }\n}\n";
    insta::assert_snapshot!(format(src, false).unwrap(), @r"
    Bind {
      Pipelines {
        Http {
          <Post>/login -> {{}} => &;
          <Get>/introspect -> {{}} => &; # check
        }
      }
    }
    ");
}

const PIECES: &[&str] = &[
    "Bind(version=1.1.0) {",
    "}",
    "\n",
    "\n\n",
    " ",
    "Route<Http<Get>>/a",
    "->",
    "=>",
    "(())",
    "&",
    ";",
    "# c\n",
    "{",
    "Http",
    "<Get>",
    "-[ Text ]->",
    "localhost:app",
    "Port p {",
    "request: Json;",
    "grant perm +CSD-RWX on ${x}:**;",
    ",",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn format_is_idempotent_or_refuses(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)) {
        let src = parts.concat();
        // Valid input: idempotent, comments kept. Invalid input with --force: never a panic, and
        // either the tokens are kept or the formatter refuses.
        if let Ok(out) = format(&src, false) {
            prop_assert_eq!(format(&out, false), Ok(out.clone()));
            prop_assert_eq!(comments(&src), comments(&out));
        }
        match format(&src, true) {
            Ok(out) => {
                prop_assert_eq!(tokens(&src), tokens(&out));
                prop_assert_eq!(comments(&src), comments(&out));
            }
            Err(e) => prop_assert_eq!(e, FormatError::TokensChanged),
        }
    }
}
