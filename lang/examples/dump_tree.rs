fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let text = std::fs::read_to_string(path).unwrap();
    println!("{:#?}", starlane_lang::parse(&text).syntax());
}
