//! Compiles the generated parser (`src/parser.c`, committed; regenerate with
//! `tree-sitter generate` — CI checks it is up to date).

fn main() {
    let src = std::path::Path::new("src");
    let mut build = cc::Build::new();
    build.std("c11").include(src).warnings(false);
    build.file(src.join("parser.c"));
    println!("cargo:rerun-if-changed=src/parser.c");
    build.compile("tree-sitter-starlane");
}
