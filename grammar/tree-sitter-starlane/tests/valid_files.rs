//! The tree-sitter grammar cannot drift from the real parser: every file the real front end
//! accepts without errors (the conformance corpus, every real Starlane file, the examples)
//! parses here without an ERROR or MISSING node.

use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser};

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut stack = vec![root.join("specs/tests"), root.join("examples")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "bind" || e == "app" || e == "conf")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The first ERROR or MISSING node, iteratively (no recursion on deep trees).
fn first_error(root: Node) -> Option<Node> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        if node.has_error() {
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
    None
}

#[test]
fn every_file_the_real_parser_accepts_parses_without_errors() {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_starlane::LANGUAGE.into())
        .unwrap();
    let (mut valid, mut failures) = (0, Vec::new());
    for path in files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let checked = starlane_compiler::check_document(&text, &Default::default());
        if checked.diagnostics.iter().any(|d| d.is_error()) {
            continue;
        }
        valid += 1;
        let tree = parser.parse(&text, None).unwrap();
        if let Some(node) = first_error(tree.root_node()) {
            let p = node.start_position();
            failures.push(format!(
                "{}:{}:{}: {} at {:?}",
                path.display(),
                p.row + 1,
                p.column + 1,
                if node.is_missing() {
                    "MISSING"
                } else {
                    "ERROR"
                },
                &text[node.byte_range()].chars().take(40).collect::<String>()
            ));
        }
    }
    assert!(valid >= 60, "only {valid} valid files found");
    assert!(
        failures.is_empty(),
        "{} of {valid} valid files fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_queries_compile_against_the_grammar() {
    let language = tree_sitter_starlane::LANGUAGE.into();
    tree_sitter::Query::new(&language, tree_sitter_starlane::HIGHLIGHTS_QUERY).unwrap();
    tree_sitter::Query::new(&language, tree_sitter_starlane::FOLDS_QUERY).unwrap();
}

/// The folds query folds what an editor should: each multi-line block, declaration and map
/// pattern, from its first line to its last.
#[test]
fn the_folds_query_folds_blocks_and_declarations() {
    use tree_sitter::StreamingIterator;
    let src = "\
Bind(version=1.1.0) {
  Requires {
    users: Base<User>;
  }
  Port save {
    request: Map{
      name<Text>
    };
  }
  Route<Http> -> {
    <Get>/a -> (( )) => &;
  }
  Route<Ext<A>> -> (( )) => &;
}
";
    let language = tree_sitter_starlane::LANGUAGE.into();
    let mut parser = Parser::new();
    parser.set_language(&language).unwrap();
    let tree = parser.parse(src, None).unwrap();
    let query = tree_sitter::Query::new(&language, tree_sitter_starlane::FOLDS_QUERY).unwrap();
    let mut cursor = tree_sitter::QueryCursor::new();
    let mut folds = Vec::new();
    let mut matches = cursor.matches(&query, tree.root_node(), src.as_bytes());
    while let Some(m) = matches.next() {
        for c in m.captures() {
            let (start, end) = (c.node.start_position().row, c.node.end_position().row);
            if end > start {
                folds.push((start + 1, end + 1, c.node.kind()));
            }
        }
    }
    folds.sort();
    assert_eq!(
        folds,
        [
            (1, 14, "block"),
            (2, 4, "requires"),
            (5, 9, "port_declaration"),
            (6, 8, "map_pattern"),
            (10, 12, "block"),
        ]
    );
}
