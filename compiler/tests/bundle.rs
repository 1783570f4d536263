//! `build` end to end on real directories: the hello example, determinism, build errors, the
//! round trip build → encode → load.

use std::path::{Path, PathBuf};

use starlane_compiler::bundle;
use starlane_lang::settings::Settings;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn hello_wasm() -> Vec<u8> {
    wat::parse_file(root().join("examples/hello/guests/hello.wat")).unwrap()
}

#[test]
fn the_committed_hello_module_is_built_from_its_wat() {
    let committed = root().join("examples/hello/wasm/hello.wasm");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&committed, hello_wasm()).unwrap();
    }
    assert_eq!(
        std::fs::read(committed).unwrap(),
        hello_wasm(),
        "rebuild with BLESS=1"
    );
}

/// The C guest of the example, compiled with Debian's clang, lld and wasi-libc (`.ci/run`
/// installs them) exactly as its source's header says.
#[test]
fn the_committed_profiles_module_is_built_from_its_c() {
    let dir = root().join("examples/hello");
    let out = std::env::temp_dir().join(format!("starlane-profiles-{}.wasm", std::process::id()));
    let status = std::process::Command::new("clang")
        .current_dir(&dir)
        .args([
            "--target=wasm32-wasi",
            "-O2",
            "-nostartfiles",
            "-Wl,--no-entry",
            "-Wl,--export=__guest_call",
            "-Wl,--strip-debug",
            "-I",
            "../../runtime/guest/c",
            "-o",
        ])
        .arg(&out)
        .arg("guests/profiles.c")
        .status()
        .unwrap_or_else(|e| {
            panic!("clang is needed to build the C guest ({e}): apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32")
        });
    assert!(
        status.success(),
        "clang failed to build examples/hello/guests/profiles.c"
    );
    let built = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let committed = dir.join("wasm/profiles.wasm");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&committed, &built).unwrap();
    }
    assert_eq!(
        std::fs::read(committed).unwrap(),
        built,
        "rebuild with BLESS=1"
    );
    // It imports nothing but the waPC host functions.
    assert!(starlane_compiler::guest_module::verify(&built).is_empty());
    assert!(!String::from_utf8_lossy(&built).contains("wasi_snapshot_preview1"));
}

fn build(dir: &Path) -> bundle::BuildOutput {
    bundle::build(dir, None, &Settings::default(), |_| {}).unwrap()
}

fn messages(out: &bundle::BuildOutput) -> Vec<String> {
    out.reports
        .iter()
        .flat_map(|r| {
            r.diagnostics
                .iter()
                .map(move |d| format!("{} {}: {}", d.code.id, r.path, d.message))
        })
        .collect()
}

#[test]
fn hello_builds_and_round_trips() {
    let out = build(&root().join("examples/hello"));
    assert!(!out.has_errors(), "{:?}", messages(&out));
    let b = out.bundle.unwrap();
    let names: Vec<&str> = b.mechtrons.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["hello", "profiles"]);
    assert_eq!(b.http_bind, Some(0));
    assert_eq!(
        b.schemas
            .iter()
            .map(|s| s.path.as_str())
            .collect::<Vec<_>>(),
        ["schema/email.json", "schema/profile.json"]
    );
    assert!(
        b.files
            .iter()
            .any(|f| f.path == "html/index.html" && f.content_type.starts_with("text/html"))
    );
    let bytes = starlane_ir::encode(&b, "test");
    let (_, loaded) = starlane_ir::decode(&bytes).unwrap();
    assert_eq!(loaded, b);
}

#[test]
fn building_twice_gives_identical_bytes() {
    let a = starlane_ir::encode(
        &build(&root().join("examples/hello")).bundle.unwrap(),
        bundle::PRODUCER,
    );
    let b = starlane_ir::encode(
        &build(&root().join("examples/hello")).bundle.unwrap(),
        bundle::PRODUCER,
    );
    assert_eq!(a, b);
}

fn scratch(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("starlane-bundle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, bytes) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

#[test]
fn build_errors_name_the_problem() {
    let bad_wasm = wat::parse_str(r#"(module (import "env" "foo" (func)) (func (export "__guest_call") (param i32) (result i32) i32.const 1))"#).unwrap();
    let dir = scratch(
        "errors",
        &[
            ("app.app", b"App { Set { +mechtron.name=a, +wasm.src=${self.config.bundle}:/wasm/a.wasm, +bind=${self.config.bundle}:/bind/a.bind } }"),
            ("wasm/a.wasm", &bad_wasm),
            ("bind/a.bind", b"Bind(version=1.1.0) {\n  Schema Profile = \"schema/missing.json\";\n  Route<Http<Get>> -> ${doc.bundle}:/html/nope.html => &;\n}\n"),
            ("schema/broken.json", b"{ \"type\": 12 }"),
        ],
    );
    let out = build(&dir);
    assert!(out.bundle.is_none());
    let m = messages(&out).join("\n");
    assert!(
        m.contains("E0110 wasm/a.wasm: `wasm/a.wasm` is not a valid guest module"),
        "{m}"
    );
    let wasm_notes: Vec<_> = out
        .reports
        .iter()
        .find(|r| r.path == "wasm/a.wasm")
        .unwrap()
        .diagnostics[0]
        .notes
        .clone();
    assert!(
        wasm_notes.iter().any(|n| n.contains("env::foo")),
        "{wasm_notes:?}"
    );
    assert!(
        wasm_notes.iter().any(|n| n.contains("memory")),
        "{wasm_notes:?}"
    );
    assert!(
        wasm_notes.iter().any(|n| n.contains("wrong signature")),
        "{wasm_notes:?}"
    );
    assert!(
        m.contains("E0109 bind/a.bind: schema file `schema/missing.json` is not in the bundle"),
        "{m}"
    );
    assert!(
        m.contains("E0109 bind/a.bind: `html/nope.html` is not in the bundle"),
        "{m}"
    );
    assert!(m.contains("E0111 schema/broken.json"), "{m}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_lone_bind_is_a_bundle_and_receives_http() {
    let dir = scratch("lone", &[("site.bind", b"Bind(version=1.0.0) {\n  Route<Http<Get>>/index.html -> ${doc.bundle}:/index.html => &;\n}\n"), ("index.html", b"<h1>hi</h1>")]);
    let out = build(&dir);
    assert!(!out.has_errors(), "{:?}", messages(&out));
    assert_eq!(out.bundle.unwrap().http_bind, Some(0));
    let _ = std::fs::remove_dir_all(dir);
}

/// `examples/mesh`: both projects name `.wat` guests, which the build compiles; they build clean.
#[test]
fn the_mesh_example_builds_its_wat_guests() {
    for (project, guest) in [("shop", "shop"), ("ledger", "ledger")] {
        let dir = root().join("examples/mesh").join(project);
        let out = build(&dir);
        assert!(
            out.reports.iter().all(|r| r.diagnostics.is_empty()),
            "{:?}",
            messages(&out)
        );
        let bundle = out.bundle.unwrap();
        let path = format!("guests/{guest}.wat");
        let module = bundle.modules.iter().find(|m| m.path == path).unwrap();
        assert_eq!(module.bytes, wat::parse_file(dir.join(&path)).unwrap());
        assert_eq!(bundle.mechtrons[0].module, Some(0));
    }
}

/// A `.wat` that does not compile is reported on its file with the assembler's message.
#[test]
fn a_wat_guest_that_does_not_compile_is_named() {
    let dir = scratch(
        "bad-wat",
        &[
            ("a.app", b"App { Set { +mechtron.name=a, +wasm.src=${self.config.bundle}:/guests/a.wat, +bind=${self.config.bundle}:/bind/a.bind } }"),
            ("guests/a.wat", b"(module (func (export \"__guest_call\") (param i32 i32) (result i32) i32.const))"),
            ("bind/a.bind", b"Bind(version=1.1.0) {\n  Route<Ext<Hi>> -> (( )) => &;\n}\n"),
        ],
    );
    let out = build(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.bundle.is_none());
    let m = messages(&out);
    assert!(
        m.iter()
            .any(|m| m.starts_with("E0110 guests/a.wat: `guests/a.wat` does not compile to wasm")),
        "{m:?}"
    );
    let note = &out
        .reports
        .iter()
        .find(|r| r.path == "guests/a.wat")
        .unwrap()
        .diagnostics[0]
        .notes;
    assert!(
        note.iter().any(|n| n.contains("guests/a.wat:1:")),
        "{note:?}"
    );

    // A file that is neither `.wasm` nor `.wat` is no module, and is said so.
    let dir = scratch(
        "not-a-module",
        &[
            ("a.app", b"App { Set { +mechtron.name=a, +wasm.src=${self.config.bundle}:/guests/a.c, +bind=${self.config.bundle}:/bind/a.bind } }"),
            ("guests/a.c", b"int main() { return 0; }"),
            ("bind/a.bind", b"Bind(version=1.1.0) {\n  Route<Ext<Hi>> -> (( )) => &;\n}\n"),
        ],
    );
    let out = build(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.bundle.is_none());
    assert!(
        messages(&out)
            .iter()
            .any(|m| m.starts_with("E0109 a.app: `guests/a.c`")),
        "{:?}",
        messages(&out)
    );
}

/// W0105: the hello example before its fix served `html/private.html` to anyone through the
/// `/files/(.*)` catch-all while `/private` asked for credentials.
#[test]
fn a_file_guarded_by_auth_but_served_around_it_is_reported() {
    let app = b"App { Set { +mechtron.name=a, +wasm.src=${self.config.bundle}:/wasm/a.wasm, +bind=${self.config.bundle}:/bind/a.bind, +http=true } }";
    let wasm = hello_wasm();
    let project = |name: &str, files_route: &str| {
        let bind = format!(
            "Bind(version=1.1.0) {{\n  Route<Http> -> {{\n    {files_route}\n    <Get>(auth)/private -> ${{doc.bundle}}:/html/private.html => &;\n  }}\n}}\n"
        );
        let dir = scratch(
            name,
            &[
                ("a.app", app),
                ("wasm/a.wasm", &wasm),
                ("bind/a.bind", bind.as_bytes()),
                ("html/private.html", b"secret"),
                ("html/site.css", b"body {}"),
            ],
        );
        let out = build(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        out
    };
    let exposed = project(
        "exposed",
        "<Get>/files/(.*) -> ${doc.bundle}:/html/${1} => &;",
    );
    let w: Vec<_> = exposed
        .reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .filter(|d| d.code.id == "W0105")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", messages(&exposed));
    assert!(
        w[0].message.contains("`html/private.html`"),
        "{}",
        w[0].message
    );
    assert_eq!(
        w[0].secondary.len(),
        1,
        "the guarding route is labelled too"
    );
    assert!(exposed.bundle.is_some(), "a warning, not an error");

    // A capture stands for what its group matches: only stylesheets are served here.
    let narrow = project(
        "narrow",
        "<Get>/files/([a-z]+\\.css) -> ${doc.bundle}:/html/${1} => &;",
    );
    assert!(messages(&narrow).is_empty(), "{:?}", messages(&narrow));
    // Guarded on both routes: nothing to report.
    let both = project(
        "both",
        "<Get>(auth)/files/(.*) -> ${doc.bundle}:/html/${1} => &;",
    );
    assert!(messages(&both).is_empty(), "{:?}", messages(&both));
    // Allowed where it is meant.
    let allowed = project(
        "allowed",
        "# starlane: allow(guarded-file-exposed)\n    <Get>/files/(.*) -> ${doc.bundle}:/html/${1} => &;",
    );
    assert!(messages(&allowed).is_empty(), "{:?}", messages(&allowed));
}

/// E0112 points into the App documents it is about (never at `./.`).
#[test]
fn manifest_problems_point_into_the_app_documents() {
    let wasm = hello_wasm();
    let app = |name: &str, http: bool| {
        format!(
            "App {{ Set {{ +mechtron.name={name}, +wasm.src=${{self.config.bundle}}:/wasm/a.wasm, +bind=${{self.config.bundle}}:/bind/{name}.bind{} }} }}",
            if http { ", +http=true" } else { "" }
        )
    };
    let bind = b"Bind(version=1.1.0) {\n  Route<Ext<Hi>> -> (( )) => &;\n}\n";
    for (tag, marked) in [("both-marked", true), ("none-marked", false)] {
        let (a, b) = (app("a", marked), app("b", marked));
        let dir = scratch(
            tag,
            &[
                ("a.app", a.as_bytes()),
                ("b.app", b.as_bytes()),
                ("wasm/a.wasm", &wasm),
                ("bind/a.bind", bind),
                ("bind/b.bind", bind),
            ],
        );
        let out = build(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        for path in ["a.app", "b.app"] {
            let report = out.reports.iter().find(|r| r.path == path).unwrap();
            let d = report
                .diagnostics
                .iter()
                .find(|d| d.code.id == "E0112")
                .unwrap_or_else(|| panic!("{tag}: no E0112 on {path}: {:?}", messages(&out)));
            let shown = &report.text[d.primary.span.clone()];
            if marked {
                assert_eq!(shown, "true", "{tag}: at the `+http` value");
            } else {
                assert!(
                    shown.starts_with("App {"),
                    "{tag}: at the document's first line"
                );
            }
        }
        assert!(out.reports.iter().all(|r| r.path != "."), "{tag}");
    }
}
