//! Where the language keeps two readings of one grammar, they must agree. Point selectors are
//! checked character by character by the front end (`starlane_lang::atoms::point`, which gives the
//! diagnostics with spans) and parsed into parts by the model (`starlane_model::selector`, which
//! the compiler lowers with and the runtime matches with). Every selector the front end accepts
//! must parse in the model, and the model must segment it as written: no accepted grant can lower
//! to a different selector, or to none.

use proptest::prelude::*;
use starlane_lang::atoms::point;
use starlane_model::selector::{SelectorPart, SelectorPattern};

/// Segments a selector is built from: literals, variables, wildcards, inclusive segments and
/// versions, plus pieces the front end must refuse.
fn segment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "localhost",
        "app",
        "users",
        "1.0.0",
        "${files}",
        "${users}",
        "${doc.bundle}",
        "*",
        "**",
        "app+",
        "${users}+",
        "my-app",
        "a.b",
        "",
        "UPPER",
        "${",
        "}",
        "a b",
        "<",
        ">",
    ])
}

fn selector_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(segment(), 1..6),
        prop::option::of(prop::sample::select(vec!["/html/index.html", "/a/${1}"])),
        prop::option::of(prop::sample::select(vec!["<User>", "<Base<User>>"])),
        prop::option::of(prop::sample::select(vec!["GLOBAL::", "*::"])),
    )
        .prop_map(|(segs, file, kind, route)| {
            let mut text = route.unwrap_or("").to_string();
            text.push_str(&segs.join(":"));
            if let Some(f) = file {
                text.push(':');
                text.push_str(f);
            }
            text.push_str(kind.unwrap_or(""));
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_selector_the_front_end_accepts_lowers_as_written(text in selector_text()) {
        if point::check_selector(&text).is_err() {
            return Ok(());
        }
        let parsed = SelectorPattern::parse(&text);
        prop_assert!(parsed.is_ok(), "accepted by the checker, refused by the model: {text}: {parsed:?}");
        let parsed = parsed.unwrap();
        // Written back, it is the text (variables are already in the canonical `${…}` form here).
        prop_assert_eq!(parsed.to_string(), text.clone());
        // `*` and `**` are wildcards exactly where they are whole segments.
        let wildcards = parsed
            .parts
            .iter()
            .filter(|p| matches!(p, SelectorPart::One | SelectorPart::Many))
            .count();
        let written = text
            .split('<')
            .next()
            .unwrap()
            .split(':')
            .filter(|s| *s == "*" || *s == "**")
            .count();
        prop_assert_eq!(wildcards, written, "{}", text);
    }
}

#[test]
fn the_generator_reaches_both_answers() {
    assert!(point::check_selector("${files}:**").is_ok());
    assert!(point::check_selector("${files}:a b").is_err());
}
