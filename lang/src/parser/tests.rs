use super::parse;

#[test]
fn parse_is_lossless() {
    let src = "Bind(version=1.0.0) {\n  # c\n  Route<Http<Get>>/a -> (()) => &;\n}\n";
    let parsed = parse(src);
    assert_eq!(parsed.syntax().to_string(), src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
}
