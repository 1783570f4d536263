//! The conformance corpus (the full pipeline: front end, lowering, semantic checks) `specs/tests/`:
//! each `NAME.bind` has `NAME.expected`, one line per diagnostic — `CODE severity LINE:COLUMN
//! message` (1-based, UTF-8 columns), in output order — followed by one indented line per fix-it
//! edit: `  fix LINE:COLUMN-LINE:COLUMN => "replacement"`. So a reworded message or a changed fix
//! is a reviewed change to the specification, not only a moved position.
//! `BLESS=1 cargo test -p starlane-compiler --test conformance` rewrites the expectations; review the diff.

use std::path::{Path, PathBuf};

use starlane_lang::line_index::LineIndex;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/tests");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("specs/tests exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bind"))
        .collect();
    files.sort();
    files
}

fn actual(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let (src, mut diags) = starlane_lang::source::decode(&bytes);
    let checked = starlane_compiler::check_document(&src, &Default::default());
    let (parse, more) = (checked.parse, checked.diagnostics);
    assert_eq!(
        parse.syntax().to_string(),
        src,
        "{}: the tree is not lossless",
        path.display()
    );
    diags.extend(more);
    starlane_lang::diagnostic::sort(&mut diags);
    let index = LineIndex::new(&src);
    let at = |offset: usize| {
        let p = index.position(&src, offset);
        format!("{}:{}", p.line + 1, p.utf8_col + 1)
    };
    let mut out = String::new();
    for d in &diags {
        out.push_str(&format!(
            "{} {} {} {}\n",
            d.code.id,
            d.severity.as_str(),
            at(d.primary.span.start),
            d.message
        ));
        for edit in d.suggestions.iter().flat_map(|s| &s.edits) {
            out.push_str(&format!(
                "  fix {}-{} => {:?}\n",
                at(edit.span.start),
                at(edit.span.end),
                edit.replacement
            ));
        }
    }
    out
}

#[test]
fn corpus_has_at_least_80_cases() {
    assert!(corpus().len() >= 80, "only {} cases", corpus().len());
}

#[test]
fn corpus_matches_expectations() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for path in corpus() {
        let expected_path = path.with_extension("expected");
        let got = actual(&path);
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| "<missing .expected file>\n".into());
        if got != want {
            failures.push(format!(
                "{}:\n--- expected\n{want}--- actual\n{got}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn cases_named_ok_have_no_diagnostics() {
    for path in corpus() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("ok-") {
            assert_eq!(actual(&path), "", "{name} should be clean");
        }
    }
}

/// Every sentence a diagnostic of the corpus says — message, labels, notes, help, fix
/// descriptions — is whole: none ends on a connective, an article or an open bracket, as text cut
/// at a length or a line break would. (Code in backticks is left out of the bracket count.)
#[test]
fn diagnostic_texts_are_whole_sentences() {
    const DANGLING: &[&str] = &["the", "a", "an", "and", "or", "such", "is", "are"];
    let mut cut = Vec::new();
    for path in corpus() {
        let src = starlane_lang::source::decode(&std::fs::read(&path).unwrap()).0;
        for d in starlane_compiler::check_document(&src, &Default::default()).diagnostics {
            let texts = std::iter::once(d.message.as_str())
                .chain(std::iter::once(d.primary.message.as_str()))
                .chain(d.secondary.iter().map(|l| l.message.as_str()))
                .chain(d.notes.iter().map(String::as_str))
                .chain(d.help.as_deref())
                .chain(d.suggestions.iter().map(|s| s.message.as_str()));
            for text in texts.filter(|t| !t.is_empty()) {
                let trimmed = text.trim_end();
                let last = trimmed.rsplit([' ', '\n']).next().unwrap_or("");
                let prose: String = trimmed.split('`').step_by(2).collect();
                let open = |o: char, c: char| prose.matches(o).count() > prose.matches(c).count();
                if trimmed != text
                    || trimmed.ends_with([',', ';', ':', '('])
                    || DANGLING.contains(&last)
                    || open('(', ')')
                    || open('[', ']')
                    || trimmed.matches('`').count() % 2 == 1
                {
                    cut.push(format!("{} {}: {text:?}", path.display(), d.code.id));
                }
            }
        }
    }
    assert!(
        cut.is_empty(),
        "texts that look cut off:\n{}",
        cut.join("\n")
    );
}
