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

pub mod books;
pub mod cases;
pub mod check;
pub mod embedded;
pub mod instance;
pub mod licences;
pub mod owners;
pub mod packs;
pub mod parties;
pub mod paths;
pub mod products;
pub mod recording;
pub mod reports;
pub mod screening;
pub mod shell;
pub mod sources;
pub mod views;

pub use shell::{Context, Direct, Shell};

/// Progress of a long run (a batch, an order book, a rescreen), for a shell
/// to show: the command line draws a bar, the server shows nothing.
pub trait Progress: Sync {
    /// The run has `total` steps.
    fn start(&self, _total: u64) {}
    /// `n` more steps are done.
    fn advance(&self, _n: u64) {}
    /// The run is over.
    fn finish(&self) {}
}

/// No progress shown.
pub struct Quiet;

impl Progress for Quiet {}

use exctl_core::FactValue;

/// A user-input problem: reported as one line (exit status 2, HTTP 400).
/// `field` names the request field at fault in the API's terms (`ship`,
/// `end_user.name`); each shell words it its own way (a flag on the command
/// line, a JSON field in a 400 answer), so no message here names a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput {
    pub field: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for BadInput {}

/// A [`BadInput`] as an `anyhow` error.
pub fn bad(msg: impl Into<String>) -> anyhow::Error {
    BadInput {
        field: None,
        reason: msg.into(),
    }
    .into()
}

/// A [`BadInput`] naming the request field at fault.
pub fn bad_field(field: impl Into<String>, reason: impl Into<String>) -> anyhow::Error {
    BadInput {
        field: Some(field.into()),
        reason: reason.into(),
    }
    .into()
}

/// Refuses a CSV whose cells run over several lines: in a list of parties
/// or orders that is an unclosed quote, which would swallow the rows after
/// it into one cell, and those parties would never be screened. The whole
/// file is refused before anything is read or recorded.
pub fn refuse_multiline_cells(file: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    for rec in rdr.byte_records() {
        let rec = rec.map_err(|e| bad(format!("{file}: {e}")))?;
        if rec
            .iter()
            .any(|cell| cell.contains(&b'\n') || cell.contains(&b'\r'))
        {
            let line = rec.position().map_or(0, |p| p.line());
            return Err(bad(format!(
                "{file}:{line}: a quoted cell runs over several lines from here (an unclosed quote?); it would swallow the rows after it, so nothing was read"
            )));
        }
    }
    Ok(())
}

/// A stated end use as the rules read it: trimmed and lowercased, empty as
/// not stated. The engine then refuses any value outside the vocabulary.
pub fn normalize_end_use(s: Option<&str>) -> Option<String> {
    s.map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty())
}

/// Parses the `NAME=VALUE` facts of one check. A fact stated twice is
/// refused, never decided by whichever came last: `red_flags=transshipment-route`
/// followed by `red_flags=none` would otherwise erase a raised flag.
pub fn parse_facts<'a>(
    specs: impl IntoIterator<Item = &'a str>,
) -> anyhow::Result<Vec<(String, FactValue)>> {
    let mut out: Vec<(String, FactValue)> = Vec::new();
    for spec in specs {
        let (name, value) = parse_fact(spec)?;
        if let Some((_, first)) = out.iter().find(|(n, _)| *n == name) {
            return Err(bad_field(
                "facts",
                format!("fact {name:?} is stated twice ({first} and {value}): state it once"),
            ));
        }
        out.push((name, value));
    }
    Ok(out)
}

/// The end user's headquarters from the dedicated field and from a fact,
/// which must agree when both are given.
pub fn end_user_hq(
    field: Option<&str>,
    fact: Option<&FactValue>,
) -> anyhow::Result<Option<String>> {
    // Kept as given (the country is resolved, and any error quotes it, later).
    let field = field.map(str::trim).filter(|c| !c.is_empty());
    let fact = match fact {
        None => None,
        Some(FactValue::Str(c)) => Some(c.trim()),
        Some(other) => {
            return Err(bad_field(
                "facts",
                format!("fact \"end_user_hq\": {other} is not a country code"),
            ))
        }
    };
    match (field, fact) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => Err(bad_field(
            "end_user_hq",
            format!("given twice, as {a} and as the fact {b}: state it once"),
        )),
        (a, b) => Ok(a.or(b).map(String::from)),
    }
}

/// Parses a transaction fact `NAME=VALUE`: booleans (`true`/`false`, or
/// `yes`/`no`, in any case), numbers, else text.
pub fn parse_fact(s: &str) -> anyhow::Result<(String, FactValue)> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| bad_field("facts", format!("{s:?}: expected NAME=VALUE")))?;
    let value = match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" => FactValue::Bool(true),
        "false" | "no" => FactValue::Bool(false),
        _ => match v.parse::<f64>() {
            Ok(n) => FactValue::Num(n),
            Err(_) => FactValue::Str(v.to_string()),
        },
    };
    Ok((k.trim().to_string(), value))
}
