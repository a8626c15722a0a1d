//! Shared helpers for tests over ../shared/data.
#![allow(dead_code)]

use exctl_screen::{load_path, ListSet};
use std::path::PathBuf;

/// A path under ../shared/data, or None (the test then skips with a message).
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "../shared/data/{rel} is absent under CI"
        );
        eprintln!("skipping: ../shared/data/{rel} is absent");
        None
    }
}

/// Country resolver for tests: ISO codes and a few names the samples use.
pub fn country(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(t.to_ascii_uppercase());
    }
    let names = [
        ("cuba", "CU"),
        ("iran", "IR"),
        ("china", "CN"),
        ("russia", "RU"),
        ("united kingdom", "GB"),
        ("united states", "US"),
        ("syria", "SY"),
        ("korea, north", "KP"),
        ("north korea", "KP"),
        ("democratic people's republic of korea", "KP"),
        ("iraq", "IQ"),
        ("lebanon", "LB"),
        ("rwanda", "RW"),
    ];
    names
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(t))
        .map(|(_, c)| (*c).to_string())
}

pub fn load(rel: &str) -> Option<ListSet> {
    let p = shared(rel)?;
    Some(load_path(&p, None, &country).unwrap_or_else(|e| panic!("{e}")))
}

/// A screener over a small CSL CSV given as text (written to a file of its
/// own, as tests run in parallel, and read as the CLI reads a list).
pub fn csl_screener(text: &str) -> exctl_screen::Screener {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("exctl-test-list-{}-{n}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let set = load_path(&path, Some(exctl_screen::Format::CslCsv), &country);
    std::fs::remove_file(&path).ok();
    exctl_screen::Screener::new(set.unwrap())
}
