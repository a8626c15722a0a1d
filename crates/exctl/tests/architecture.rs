//! The invariants of ARCHITECTURE.md that the code's shape can show:
//! which crate may depend on what, the decision core doing no I/O, no
//! library message naming a command-line flag, and the binary staying a
//! thin shell.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The non-optional `[dependencies]` of a workspace crate.
fn dependencies(krate: &str) -> Vec<String> {
    let path = root().join("crates").join(krate).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') || line.contains("optional = true") {
            continue;
        }
        let name = line
            .split(['=', '.'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        out.push(name);
    }
    assert!(!out.is_empty(), "{}: no dependencies read", path.display());
    out
}

/// Library sources (test modules cut off).
fn library_sources(krate: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("crates").join(krate).join("src")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                let code = without_test_modules(&text);
                out.push((p, code));
            }
        }
    }
    assert!(!out.is_empty());
    out
}

/// The source without its test modules (`#[cfg(test)] mod … { … }`,
/// `#[cfg(all(test, …))]`), wherever they sit in the file.
fn without_test_modules(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let next = ["#[cfg(test)]", "#[cfg(all(test"]
            .iter()
            .filter_map(|m| rest.find(m))
            .min();
        let Some(at) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        // Skip to the module's closing brace.
        let Some(open) = rest[at..].find('{') else {
            return out;
        };
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, ch) in rest[at + open..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
}

#[test]
fn test_modules_are_cut_wherever_they_sit() {
    let text =
        "fn a() {}\n#[cfg(test)]\nmod tests {\n fn t() { \"--x\"; }\n}\nfn b() { \"kept\" }\n";
    let code = without_test_modules(text);
    assert!(
        code.contains("fn a()") && code.contains("\"kept\""),
        "{code}"
    );
    assert!(!code.contains("--x"), "{code}");
}

const IO_CRATES: &[&str] = &[
    "tokio",
    "sqlx",
    "ureq",
    "axum",
    "hyper",
    "hyper-util",
    "tower",
    "tower-http",
    "rustls",
    "tokio-rustls",
    "nvml-wrapper",
    "libc",
];

const SHELL_CRATES: &[&str] = &[
    "clap",
    "indicatif",
    "utoipa",
    "axum",
    "tower",
    "tower-http",
    "hyper",
    "tracing-subscriber",
    "libc",
];

#[test]
fn the_core_and_the_matcher_depend_on_no_io_or_shell_crate() {
    for krate in ["exctl-core", "exctl-screen"] {
        for dep in dependencies(krate) {
            assert!(
                !IO_CRATES.contains(&dep.as_str()) && !SHELL_CRATES.contains(&dep.as_str()),
                "{krate} depends on {dep}"
            );
        }
    }
}

#[test]
fn the_use_cases_depend_on_no_shell_crate() {
    for krate in ["exctl-app", "exctl-records", "exctl-data"] {
        for dep in dependencies(krate) {
            assert!(
                !SHELL_CRATES.contains(&dep.as_str()),
                "{krate} depends on {dep}, a shell's concern"
            );
        }
    }
}

#[test]
fn the_decision_core_reads_no_file_clock_or_environment() {
    for (path, code) in library_sources("exctl-core") {
        for forbidden in [
            "std::fs",
            "std::net",
            "std::process",
            "std::env",
            "Utc::now",
            "Local::now",
            "SystemTime",
        ] {
            assert!(
                !code.contains(forbidden),
                "{} uses {forbidden}",
                path.display()
            );
        }
    }
}

#[test]
fn no_library_message_names_a_command_line_flag() {
    for krate in [
        "exctl-core",
        "exctl-data",
        "exctl-screen",
        "exctl-records",
        "exctl-app",
    ] {
        for (path, code) in library_sources(krate) {
            for (n, line) in code.lines().enumerate() {
                let text = line.trim_start();
                if text.starts_with("//") {
                    continue;
                }
                // A flag inside a string literal: `"--name` or ` --name` after a quote.
                let Some(q) = text.find('"') else { continue };
                let literal = &text[q..];
                let flag = literal.match_indices("--").any(|(i, _)| {
                    literal[i + 2..].starts_with(|c: char| c.is_ascii_lowercase() || c == '{')
                        && (i == 1 || literal[..i].ends_with([' ', '(', '`', '"']))
                });
                assert!(
                    !flag,
                    "{}:{}: a message names a flag (each shell words its own): {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn the_binary_is_a_thin_shell() {
    let main = std::fs::read_to_string(root().join("crates/exctl/src/main.rs")).unwrap();
    let lines = main.lines().count();
    assert!(
        lines < 200,
        "main.rs has {lines} lines: commands go to commands/"
    );
    for dep in dependencies("exctl") {
        assert!(
            !["sqlx", "axum", "ureq", "rustls"].contains(&dep.as_str()),
            "the command line depends on {dep}: that belongs to a library"
        );
    }
}
