//! # exctl-app
//!
//! The application layer between the pure crates (`exctl-core`,
//! `exctl-screen`) and the shells (the `exctl` command line and the
//! `exctl-server` HTTP server): loading and swapping restricted-party lists,
//! screening the parties of a check and applying their lists' effects and
//! the licences on file, and turning checks and screens into records.
//!
//! Errors that are the user's input, not the system, are [`BadInput`]: the
//! command line exits 2 on them, the server answers 400.

pub mod check;
pub mod paths;
pub mod records;
pub mod screening;
pub mod views;

use exctl_core::FactValue;

/// A user-input problem: reported as one line (exit status 2, HTTP 400).
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// A [`BadInput`] as an `anyhow` error.
pub fn bad(msg: impl Into<String>) -> anyhow::Error {
    BadInput(msg.into()).into()
}

/// A stated end use as the rules read it: trimmed and lowercased, empty as
/// not stated. The engine then refuses any value outside the vocabulary.
pub fn normalize_end_use(s: Option<&str>) -> Option<String> {
    s.map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty())
}

/// Parses a transaction fact `NAME=VALUE`: booleans, numbers, else text.
pub fn parse_fact(s: &str) -> anyhow::Result<(String, FactValue)> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| bad(format!("--fact {s:?}: expected NAME=VALUE")))?;
    let value = match v {
        "true" | "yes" => FactValue::Bool(true),
        "false" | "no" => FactValue::Bool(false),
        _ => match v.parse::<f64>() {
            Ok(n) => FactValue::Num(n),
            Err(_) => FactValue::Str(v.to_string()),
        },
    };
    Ok((k.trim().to_string(), value))
}
