//! Errors in data: rule packs, country tables, catalogs and item files.

use std::fmt;

/// A problem in a data file, naming the file, and where known the line,
/// the rule or entry, and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DataError {
    pub file: String,
    pub line: Option<usize>,
    /// Rule id or entry id the problem is in.
    pub entry: Option<String>,
    pub message: String,
}

impl DataError {
    pub fn new(file: &str, message: impl Into<String>) -> DataError {
        DataError {
            file: file.to_string(),
            line: None,
            entry: None,
            message: message.into(),
        }
    }

    pub fn in_entry(file: &str, entry: &str, message: impl Into<String>) -> DataError {
        DataError {
            file: file.to_string(),
            line: None,
            entry: Some(entry.to_string()),
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: Option<usize>) -> DataError {
        self.line = line;
        self
    }

    /// From a TOML parse error, with the line it points at.
    pub fn toml(file: &str, err: &toml::de::Error, text: &str) -> DataError {
        let line = err.span().map(|s| line_of(text, s.start));
        DataError {
            file: file.to_string(),
            line,
            entry: None,
            message: err.message().to_string(),
        }
    }

    /// From a JSON parse error.
    pub fn json(file: &str, err: &serde_json::Error) -> DataError {
        DataError {
            file: file.to_string(),
            line: Some(err.line()),
            entry: None,
            message: err.to_string(),
        }
    }
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(entry) = &self.entry {
            write!(f, ": {entry}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Errors from a determination request (as opposed to bad data files).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(
        "unknown country code {code:?}: expected ISO 3166 alpha-2 (e.g. CN, HK, MO, DE){hint}"
    )]
    UnknownCountry { code: String, hint: String },
    #[error("unknown jurisdiction {name:?}; packs loaded: {known}")]
    UnknownJurisdiction { name: String, known: String },
    #[error("item kind {kind:?} is not declared in parameters.toml (declared: {known})")]
    UnknownKind { kind: String, known: String },
    #[error("fact {name:?}: {reason}")]
    BadFact { name: String, reason: String },
    #[error("end use: {reason}")]
    BadEndUse { reason: String },
}
