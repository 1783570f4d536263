//! Parses a generated 1 MiB file repeatedly, for profilers (`perf record`, `valgrind`).
fn main() {
    let mut s = String::from("Bind(version=1.1.0) {\n  Route -> {\n");
    let mut i = 0;
    while s.len() < 1 << 20 {
        s.push_str(&format!(
            "    Http<Get>/users/{i}/(?P<id>[^/]+) -> localhost:app:users:${{id}} => &;\n"
        ));
        i += 1;
    }
    s.push_str("  }\n}\n");
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    for _ in 0..rounds {
        std::hint::black_box(starlane_lang::parse(&s));
    }
}
