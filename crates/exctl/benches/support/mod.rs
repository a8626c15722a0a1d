//! What every benchmark shares: sizes that shrink in smoke mode, and the
//! figures it reports for docs/benchmarks.md.
//!
//! `EXCTL_BENCH_SMOKE=1` runs every benchmark at a few rows, so CI runs
//! them all and they cannot rot; its figures mean nothing. With
//! `EXCTL_BENCH_REPORT=FILE`, each figure is also appended to FILE as a
//! Markdown table row (`| measure | value |`), which the bench scripts
//! write into docs/benchmarks.md with the commit and the machine.
#![allow(dead_code)]

use std::io::Write as _;

/// Whether this is a smoke run (tiny sizes; figures not meaningful).
pub fn smoke() -> bool {
    std::env::var("EXCTL_BENCH_SMOKE").as_deref() == Ok("1")
}

/// A size from the environment variable `name`, else `default`, or
/// `small` in a smoke run.
pub fn size(name: &str, default: usize, small: usize) -> usize {
    if let Some(n) = std::env::var(name).ok().and_then(|s| s.parse().ok()) {
        return n;
    }
    if smoke() {
        small
    } else {
        default
    }
}

/// Prints a figure and, when asked, appends it to the report.
pub fn figure(measure: &str, value: impl std::fmt::Display) {
    println!("{measure}: {value}");
    let Ok(path) = std::env::var("EXCTL_BENCH_REPORT") else {
        return;
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    writeln!(f, "| {measure} | {value} |").unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// Runs a command and fails the benchmark unless it succeeded.
pub fn run(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
