//! What the parsers' tests share: the example lists under docs/examples/lists
//! and a country resolver (codes, and the names the examples write).

use std::path::PathBuf;

pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/lists")
        .join(name)
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(example(name)).unwrap()
}

pub fn country(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(t.to_ascii_uppercase());
    }
    [
        ("afghanistan", "AF"),
        ("china", "CN"),
        ("cuba", "CU"),
        ("iran", "IR"),
        ("iraq", "IQ"),
        ("italy", "IT"),
        ("pakistan", "PK"),
        ("panama", "PA"),
        ("russia", "RU"),
        ("spain", "ES"),
        ("switzerland", "CH"),
        ("syria", "SY"),
        ("tunisia", "TN"),
        ("turkey", "TR"),
        ("united arab emirates", "AE"),
        ("united kingdom", "GB"),
    ]
    .iter()
    .find(|(n, _)| n.eq_ignore_ascii_case(t))
    .map(|(_, c)| c.to_string())
}
