#[test]
fn dump() {
    let dir = std::env::var("DUMP").unwrap_or_default();
    if dir.is_empty() { return; }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        eprintln!("-- {}", path.display());
        let parsed = starlane_lang::parse(&src);
        assert_eq!(parsed.syntax().to_string(), src);
        println!("== {} {:?} {} diags", path.display(), parsed.kind, parsed.diagnostics.len());
        for d in &parsed.diagnostics { println!("   {} {:?} {}", d.code.id, d.primary.span, d.message); }
        if std::env::var("TREE").is_ok() { println!("{:#?}", parsed.syntax()); }
    }
}
