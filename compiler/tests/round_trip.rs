//! Property: whatever a bind says, `bundle::build` → encode → load gives back the same IR, and the
//! generated binds are clean (no diagnostic at all), so the property is about bundles people can
//! actually build — not about what lowering makes of broken input.

use std::path::PathBuf;

use proptest::prelude::*;
use starlane_compiler::bundle;

/// Distinct items, each clean on its own and with any others (in this order).
const ITEMS: &[&str] = &[
    "  Route<Http<Get>>/a/(?P<x>[^/]+) -> ${u}:${x} => &;\n",
    "  Route<Http<Post>>/p -[ Map{name<Text>, age?<Int>, *<Text>} ]-> ((p)) =[ Json~json ]=> &;\n",
    "  Route<Ext<Hello>> -> (()) => &;\n",
    "  Route -> { Http<Put>/x -[ Text[1-5] ]-> (()) => &; }\n",
    "  Route<Http<Get>>/gone -> Err(410, \"gone\");\n",
    "  Route<Cmd<Read>> -> ${u}^Ext<Select>/q => &;\n",
    "  Route<Http<Delete>>/img -[ Bin~image/png ]-> ((p)) => &;\n",
    "  Route<Http<Get>>/files/(.*) -> ${doc.bundle}:/html/${1} => &;\n",
    "  Route<Http<Get>>/index -> ${doc.bundle}:/html/index.html => &;\n",
    "  grant perm +cSd-RwX on ${u}:** to ${u}:**<User>;\n",
    "  Role r { grant priv props:email:read on ${u}:**; }\n  grant role r to ${u}:**<User>;\n",
    "  Route<*> -> (()) => &;\n",
];

const HEAD: &str = "Bind(version=1.1.0) {\n  Requires { u: Base<User>; }\n  Port p { request: *; timeout: exec 10ms, total 1s; call ${u}:**^Ext<Select> timeout 5ms; grant perm +csd-rwX on ${u}:**; }\n  Route<Http<Get>>/p -> ((p)) => &;\n";

fn project(picks: &[bool]) -> (PathBuf, String) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("starlane-round-trip-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("html")).unwrap();
    std::fs::write(dir.join("html/index.html"), "<p>hi</p>").unwrap();
    let mut src = String::from(HEAD);
    for (item, _) in ITEMS.iter().zip(picks).filter(|(_, p)| **p) {
        src.push_str(item);
    }
    src.push_str("}\n");
    std::fs::write(dir.join("app.bind"), &src).unwrap();
    (dir, src)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn build_encode_load_is_identity(picks in proptest::collection::vec(any::<bool>(), ITEMS.len())) {
        let (dir, src) = project(&picks);
        let out = bundle::build(&dir, None, &Default::default(), |_| {}).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let diagnostics: Vec<String> = out
            .reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(move |d| format!("{}: {} {}", r.path, d.code.id, d.message)))
            .collect();
        prop_assert!(diagnostics.is_empty(), "the generated bind is not clean:\n{src}\n{diagnostics:#?}");
        let bundle = out.bundle.expect("a clean build gives a bundle");
        let bytes = starlane_ir::encode(&bundle, "t");
        let (_, loaded) = starlane_ir::decode(&bytes).unwrap();
        prop_assert_eq!(loaded, bundle);
    }
}
