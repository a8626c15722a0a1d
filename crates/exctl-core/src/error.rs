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

/// A file's bytes as text: UTF-8 (a leading BOM is dropped). Invalid bytes
/// are an error naming the file and line, never replaced.
pub fn utf8_text(file: &str, bytes: Vec<u8>) -> Result<String, DataError> {
    let bytes = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        DataError::new(
            file,
            format!("invalid UTF-8 at byte {valid} (the file must be UTF-8 text)"),
        )
        .at_line(Some(line))
    })
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
    #[error("as of {as_of}: before the rule packs' coverage, which starts on {from}; exctl does not answer for earlier dates")]
    BeforeCoverage {
        as_of: chrono::NaiveDate,
        from: chrono::NaiveDate,
    },
    #[error("item parameter {name:?}: {reason}")]
    BadItemParameter { name: String, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = utf8_text("items.toml", b"kind = \"ic\"\nname = \"X\xff\"\n".to_vec()).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(
            e.to_string().starts_with("items.toml:2: invalid UTF-8"),
            "{e}"
        );
        assert_eq!(utf8_text("f", b"\xef\xbb\xbfok".to_vec()).unwrap(), "ok");
    }
}
