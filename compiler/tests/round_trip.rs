//! Property: whatever a bind says, build → encode → load gives back the same IR.

use proptest::prelude::*;
use starlane_compiler::lower::{LowerCx, lower_bind};
use starlane_ir::{Bundle, Source};

const ROUTES: &[&str] = &[
    "  Route<Http<Get>>/a/(?P<x>[^/]+) -> localhost:app:${x} => &;\n",
    "  Route<Http<Post>> -[ Map{name<Text>, age?<Int>, *<Text>} ]-> ((p)) =[ Json~json ]=> &;\n",
    "  Route<Ext<Hello>> -> (()) => &;\n",
    "  Route -> { Http<Put>/x -[ Text[1-5] ]-> (()) => &; }\n",
    "  Route<Http<Get>>/gone -> Err(410, \"gone\");\n",
    "  Route<Cmd<Read>> -> localhost:app^Ext<Select>/q => &;\n",
    "  Route<*> -> (());\n",
    "  grant perm +cSd-RwX on ${u}:** to ${u}:**<User>;\n",
    "  Role r { grant priv props:email:read on ${u}:**; }\n",
    "  Route<Http<Delete>> -[ Bin~image/png ]-> ((p)) => &;\n",
];

fn bundle_of(src: &str) -> Bundle {
    let parse = starlane_lang::parse(src);
    let mut cx = LowerCx::default();
    let bind = lower_bind(&mut cx, src, &parse.syntax(), 0);
    Bundle {
        name: "t".into(),
        sources: vec![Source {
            path: "t.bind".into(),
            line_starts: vec![0],
        }],
        binds: vec![bind],
        patterns: cx.patterns,
        schemas: vec![],
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn build_load_is_identity(picks in proptest::collection::vec(0..ROUTES.len(), 0..12)) {
        let mut src = String::from("Bind(version=1.1.0) {\n  Requires { u: Base<User>; }\n  Port p { request: *; timeout: exec 10ms, total 1s; call ${u}:**^Ext<Select> timeout 5ms; }\n");
        for i in picks {
            src.push_str(ROUTES[i]);
        }
        src.push_str("}\n");
        let bundle = bundle_of(&src);
        let bytes = starlane_ir::encode(&bundle, "t");
        let (_, loaded) = starlane_ir::decode(&bytes).unwrap();
        prop_assert_eq!(loaded, bundle);
    }
}
