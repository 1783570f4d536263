//! Every code has an explain page, and every page's example really produces its code.

use starlane_compiler::codes;

fn example_of(page: &str) -> Option<String> {
    let start = page.find("## Example")?;
    let rest = &page[start..];
    let open = rest.find("```bind\n")? + "```bind\n".len();
    let close = rest[open..].find("```")?;
    Some(rest[open..open + close].to_string())
}

#[test]
fn every_code_has_a_page_with_a_title() {
    for code in codes::all() {
        assert!(
            code.explanation.starts_with(&format!("# {}: ", code.id)),
            "{} has no page (lang/explain or compiler/explain, {}.md)",
            code.id,
            code.id
        );
        assert!(
            code.explanation.contains("## Fix"),
            "{} page has no fix section",
            code.id
        );
    }
}

#[test]
fn explain_examples_produce_their_code() {
    let mut without_example = Vec::new();
    for code in codes::all() {
        let Some(example) = example_of(code.explanation) else {
            without_example.push(code.id);
            continue;
        };
        let diags = starlane_compiler::check_document(&example, &Default::default()).diagnostics;
        assert!(
            diags.iter().any(|d| d.code == code),
            "the example of {} does not produce it; got {:?}\n{example}",
            code.id,
            diags
                .iter()
                .map(|d| (d.code.id, d.message.as_str()))
                .collect::<Vec<_>>()
        );
    }
    // Invalid UTF-8 cannot be shown as text; build-time codes need a bundle directory and are
    // covered by the bundle tests instead.
    assert_eq!(
        without_example,
        ["E0001", "E0109", "E0110", "E0111", "E0112", "W0105"]
    );
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for code in codes::all() {
        assert!(seen.insert(code.id), "duplicate {}", code.id);
        assert!(seen.insert(code.name), "duplicate name {}", code.name);
        assert!(code.id.len() == 5 && (code.id.starts_with('E') || code.id.starts_with('W')));
    }
}
