//! The law's own text inside exctl: a snapshot of the Commerce Control List
//! (15 CFR 774 Supp. 1), paragraph by paragraph, and the checks that tie rule
//! packs to it.
//!
//! A `control` rule names its paragraph (`ccl = "3A090.a.1"`). Loading then
//! proves three things against the snapshot: the paragraph exists, every
//! number the rule's condition compares with appears in the paragraph's text
//! (with its sub-paragraphs and headings), and the rule's `source_text`, if
//! it quotes one, is words of that entry. A rule that is not in force on the
//! snapshot's date (a threshold since replaced, or one not yet in the CFR)
//! cannot be checked against today's text: it must quote the Federal
//! Register sentence it encodes, and its numbers are checked against that
//! quotation instead.

use crate::country::parse_date;
use crate::error::DataError;
use crate::pack::{Literal, Rule, RuleKind, RulePack};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The CCL as exctl stores it (`packs/<id>/ccl.json`, written by
/// `exctl data import-ccl`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CclFile {
    pub generated_by: String,
    pub citation: String,
    pub source: String,
    /// The eCFR issue date of the text.
    pub ecfr_date: String,
    pub entries: Vec<CclEntry>,
}

/// One ECCN.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CclEntry {
    pub eccn: String,
    pub heading: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<String>,
    /// License Requirements: (which paragraphs, what the Country Chart or the
    /// text requires).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<(String, String)>,
    /// Items paragraphs: (label relative to the ECCN, e.g. `a.1`, text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paragraphs: Vec<(String, String)>,
    /// Notes, technical notes and related text, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A loaded CCL snapshot.
#[derive(Debug, Clone)]
pub struct Ccl {
    pub date: NaiveDate,
    pub citation: String,
    pub source: String,
    entries: BTreeMap<String, CclEntry>,
}

impl Ccl {
    pub fn from_json(file: &str, text: &str) -> Result<Ccl, DataError> {
        let parsed: CclFile = serde_json::from_str(text).map_err(|e| DataError::json(file, &e))?;
        let date = parse_date(file, "ecfr_date", &parsed.ecfr_date)?;
        let mut entries = BTreeMap::new();
        for e in parsed.entries {
            if entries.contains_key(&e.eccn) {
                return Err(DataError::new(
                    file,
                    format!("ECCN {} appears twice", e.eccn),
                ));
            }
            entries.insert(e.eccn.clone(), e);
        }
        Ok(Ccl {
            date,
            citation: parsed.citation,
            source: parsed.source,
            entries,
        })
    }

    pub fn entry(&self, eccn: &str) -> Option<&CclEntry> {
        self.entries.get(eccn)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Resolves `3A090`, `3A090.a.1`: the entry and the paragraph label
    /// (empty for the whole entry).
    pub fn resolve<'a>(&'a self, reference: &'a str) -> Option<(&'a CclEntry, &'a str)> {
        let (eccn, label) = match reference.split_once('.') {
            Some((eccn, label)) => (eccn, label),
            None => (reference, ""),
        };
        let entry = self.entries.get(eccn)?;
        if label.is_empty() || entry.paragraphs.iter().any(|(l, _)| l == label) {
            Some((entry, label))
        } else {
            None
        }
    }

    /// The text of a paragraph as the law reads it: the headings above it,
    /// its own words and its sub-paragraphs. For a whole entry: the heading
    /// and every paragraph.
    pub fn paragraph_text(&self, reference: &str) -> Option<String> {
        let (entry, label) = self.resolve(reference)?;
        let mut parts = vec![entry.heading.clone()];
        for (l, text) in &entry.paragraphs {
            let ancestor = label.starts_with(&format!("{l}."));
            let within = label.is_empty() || l == label || l.starts_with(&format!("{label}."));
            if ancestor || within {
                parts.push(format!("{}.{l} {text}", entry.eccn));
            }
        }
        Some(parts.join("\n"))
    }

    /// Everything the entry says: heading, licence requirements, paragraphs
    /// and notes. A `source_text` must be found here.
    pub fn entry_text(&self, eccn: &str) -> Option<String> {
        let e = self.entries.get(eccn)?;
        let mut parts = vec![e.heading.clone()];
        parts.extend(e.reasons.clone());
        for (scope, req) in &e.controls {
            parts.push(format!("{scope}: {req}"));
        }
        parts.extend(e.paragraphs.iter().map(|(_, t)| t.clone()));
        parts.extend(e.notes.iter().cloned());
        Some(parts.join("\n"))
    }

    /// Nearest paragraph references to a missing one, for messages.
    pub fn near(&self, reference: &str) -> Vec<String> {
        let eccn = reference.split('.').next().unwrap_or(reference);
        match self.entries.get(eccn) {
            Some(e) => {
                let mut all: Vec<String> = e
                    .paragraphs
                    .iter()
                    .map(|(l, _)| format!("{eccn}.{l}"))
                    .collect();
                all.sort_by_key(|c| {
                    rapidfuzz::distance::levenshtein::distance(c.chars(), reference.chars())
                });
                all.truncate(4);
                all
            }
            None => {
                let mut all: Vec<&String> = self.entries.keys().collect();
                all.sort_by_key(|c| {
                    rapidfuzz::distance::levenshtein::distance(c.chars(), eccn.chars())
                });
                all.into_iter().take(4).cloned().collect()
            }
        }
    }
}

/// An ECCN as the CCL writes it (`3B001.c.1.a`, `EAR99`), from what a user
/// typed (` 3b001.C.1.A `): the entry upper-case, paragraph labels
/// lower-case. `None` when it is not shaped like an ECCN at all.
pub fn canonical_eccn(text: &str) -> Option<String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("EAR99") {
        return Some("EAR99".into());
    }
    let b = t.as_bytes();
    if b.len() < 5
        || !b[0].is_ascii_digit()
        || !matches!(b[1].to_ascii_uppercase(), b'A'..=b'E')
        || !b[2..5].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let entry = t[..5].to_ascii_uppercase();
    let rest = &t[5..];
    if rest.is_empty() {
        return Some(entry);
    }
    let labels = rest.strip_prefix('.')?;
    let ok = labels
        .split('.')
        .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric()));
    ok.then(|| format!("{entry}.{}", labels.to_ascii_lowercase()))
}

/// `ccl = "*"`: the rule reads the paragraph the item itself states (its
/// `eccn`), so there is no one paragraph to check; such a rule compares no
/// number.
pub const STATED: &str = "*";

/// Text compared without regard to spacing, quotes or case.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '“' | '”' | '„' | '‘' | '’' | '"' | '\'' => continue,
            '−' | '–' | '—' => '-',
            c if c.is_whitespace() => {
                space = true;
                continue;
            }
            c => c,
        };
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// Every number written in a text: `4,800`, `5.92`, `0.1`, powers written
/// as `10 −4`, `10^12` or `10 12` (superscripts lost in extraction) and
/// `1e26`.
pub fn numbers_in(text: &str) -> Vec<f64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut s = String::new();
        while i < chars.len() {
            let c = chars[i];
            let next_digit = chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
            if c.is_ascii_digit() {
                s.push(c);
            } else if c == ',' && next_digit && chars.get(i + 4).is_none_or(|d| !d.is_ascii_digit())
            {
                // Thousands separator: exactly three digits follow.
                let three = (1..=3).all(|k| chars.get(i + k).is_some_and(|d| d.is_ascii_digit()));
                if !three {
                    break;
                }
            } else if c == '.' && next_digit && !s.contains('.') {
                s.push('.');
            } else {
                break;
            }
            i += 1;
        }
        let Ok(value) = s.parse::<f64>() else {
            continue;
        };
        out.push(value);
        // A power of ten: `10 −4`, `10^12`, `10 12`, `1e26`.
        let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
        if value == 10.0 {
            let exp: String = rest
                .trim_start_matches([' ', '^'])
                .chars()
                .take_while(|c| matches!(c, '−' | '-' | '0'..='9'))
                .collect::<String>()
                .replace('−', "-");
            if let Ok(e) = exp.parse::<i32>() {
                out.push(10f64.powi(e));
            }
        }
        if let Some(exp) = rest.strip_prefix(['e', 'E']) {
            let exp: String = exp
                .chars()
                .take_while(|c| matches!(c, '-' | '+' | '0'..='9'))
                .collect();
            if let Ok(e) = exp.parse::<i32>() {
                out.push(value * 10f64.powi(e));
            }
        }
        if i == start {
            i += 1;
        }
    }
    out
}

/// Whether `value` is written in `numbers`, allowing a change of SI prefix
/// (0.1 K is "100 mK", 1,500,000 µW is "1.5 W", 1e-4 is "10 −4").
pub fn number_written(value: f64, numbers: &[f64]) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30);
    (-3..=3).any(|k| {
        let scaled = value * 1000f64.powi(k);
        numbers.iter().any(|n| close(*n, scaled))
    })
}

/// Every threshold of `numbers` is written in `text`; otherwise the message
/// names the missing ones and `source`, the text they were looked for in.
pub fn check_written(numbers: &[f64], text: &str, source: &str) -> Result<(), String> {
    let written = numbers_in(text);
    let missing: Vec<String> = numbers
        .iter()
        .filter(|n| !number_written(**n, &written))
        .map(|n| format!("{n}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "compares with {} but {source} does not say {}",
        missing.join(", "),
        if missing.len() == 1 { "it" } else { "them" }
    ))
}

/// The numeric literals a rule's condition compares with.
pub fn rule_numbers(rule: &Rule) -> Vec<f64> {
    let mut out: Vec<f64> = rule
        .comparisons
        .iter()
        .filter_map(|c| match c.value {
            Literal::Num(n) => Some(n),
            _ => None,
        })
        .collect();
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// Checks a pack's rules against its CCL snapshot (see the module docs).
pub fn check_pack(pack: &RulePack, ccl: &Ccl, ccl_file: &str) -> Result<(), DataError> {
    for rule in &pack.rules {
        check_rule(rule, ccl, ccl_file)?;
    }
    Ok(())
}

/// Gives each rule that quotes nothing the words of the paragraph it names,
/// so decisions can show the law beside the reason.
pub fn attach_text(pack: &mut RulePack, ccl: &Ccl) {
    for rule in &mut pack.rules {
        if rule.law_text.is_some()
            || rule.def.ccl.is_empty()
            || rule.def.ccl.iter().any(|r| r == STATED)
        {
            continue;
        }
        let text: Vec<String> = rule
            .def
            .ccl
            .iter()
            .filter_map(|r| ccl.paragraph_text(r))
            .collect();
        if !text.is_empty() {
            rule.law_text = Some(format!(
                "{} (15 CFR 774 Supp. 1, eCFR {})",
                text.join("\n"),
                ccl.date
            ));
        }
    }
}

fn check_rule(rule: &Rule, ccl: &Ccl, ccl_file: &str) -> Result<(), DataError> {
    let def = &rule.def;
    let err = |msg: String| DataError::in_entry(&rule.file, &format!("rule {}", def.id), msg);
    let in_force_at_snapshot = rule.from <= ccl.date && rule.to.is_none_or(|t| t >= ccl.date);
    if def.kind == RuleKind::Control && def.ccl.is_empty() && !def.excludes {
        return Err(err(format!(
            "a control rule of a pack with a CCL snapshot names its paragraph: add ccl = \"…\" \
             (e.g. \"3A090.a.1\"; the snapshot of {} is {ccl_file})",
            ccl.date
        )));
    }
    for reference in def.ccl.iter().filter(|r| *r != STATED) {
        if ccl.resolve(reference).is_none() {
            let near = ccl.near(reference);
            return Err(err(format!(
                "ccl {reference:?} is not a paragraph of the CCL of {} ({ccl_file}); nearest: {}",
                ccl.date,
                near.join(", ")
            )));
        }
    }
    if let Some(quote) = &def.source_text {
        if quote.trim().is_empty() {
            return Err(err("source_text is empty".into()));
        }
    }
    let numbers = rule_numbers(rule);
    if def.ccl.iter().any(|r| r == STATED) {
        if !numbers.is_empty() {
            return Err(err(
                "ccl = \"*\" (the stated paragraph) cannot carry thresholds: name the paragraph"
                    .into(),
            ));
        }
        return Ok(());
    }
    // Rules in force on the snapshot's date are checked against its text.
    if in_force_at_snapshot && !def.ccl.is_empty() {
        let text: String = def
            .ccl
            .iter()
            .filter_map(|r| ccl.paragraph_text(r))
            .collect::<Vec<_>>()
            .join("\n");
        if def.kind == RuleKind::Control {
            let source = format!(
                "the text of {} in the CCL of {}",
                def.ccl.join(", "),
                ccl.date
            );
            check_written(&numbers, &text, &source).map_err(err)?;
        }
        if let Some(quote) = &def.source_text {
            let entries: String = def
                .ccl
                .iter()
                .filter_map(|r| ccl.entry_text(r.split('.').next().unwrap_or(r)))
                .collect::<Vec<_>>()
                .join("\n");
            if !normalise(&entries).contains(&normalise(quote)) {
                return Err(err(format!(
                    "source_text is not words of {} in the CCL of {} (quote the text exactly, or drop source_text to show the paragraph)",
                    def.ccl.join(", "),
                    ccl.date
                )));
            }
        }
        return Ok(());
    }
    // Historical or not yet in the CFR: the Federal Register quote carries
    // its thresholds (a rule that compares no number has none to check).
    if def.kind == RuleKind::Control && !def.ccl.is_empty() && !numbers.is_empty() {
        let Some(quote) = &def.source_text else {
            return Err(err(format!(
                "not in force on the CCL snapshot's date ({}), so its text cannot be checked there: \
                 quote the Federal Register sentence it encodes in source_text",
                ccl.date
            )));
        };
        if !def.citation.contains("FR") {
            return Err(err(format!(
                "not in force on the CCL snapshot's date ({}): its citation must name the Federal Register document it quotes",
                ccl.date
            )));
        }
        check_written(&numbers, quote, "its source_text").map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_the_cfr_writes_them() {
        let n = numbers_in(
            "a 'total processing performance' of 4,800 or more and 5.92; C-NOT error of 10 −4 ;",
        );
        assert!(number_written(4800.0, &n));
        assert!(number_written(5.92, &n));
        assert!(number_written(1e-4, &n));
        assert!(!number_written(600.0, &n));
        let n = numbers_in(
            "600 µW at or below a temperature of 0.1 K; 1.5 W at 4.2 K; 10^12 operations; 1e26",
        );
        assert!(number_written(600.0, &n));
        assert!(number_written(1_500_000.0, &n), "1.5 W is 1,500,000 µW");
        assert!(number_written(0.1, &n));
        assert!(number_written(1e12, &n));
        assert!(number_written(1e26, &n));
        assert!(!number_written(4.0, &n));
        // A list of numbers is not one number with separators.
        let n = numbers_in("34, 100, 200");
        assert!(number_written(34.0, &n) && number_written(100.0, &n));
        assert!(!number_written(34100.0, &n));
    }

    #[test]
    fn eccns_are_read_as_the_ccl_writes_them() {
        assert_eq!(
            canonical_eccn(" 3b001.C.1.A ").as_deref(),
            Some("3B001.c.1.a")
        );
        assert_eq!(canonical_eccn("ear99").as_deref(), Some("EAR99"));
        assert_eq!(canonical_eccn("3A090").as_deref(), Some("3A090"));
        assert_eq!(canonical_eccn("3A090.").as_deref(), None);
        assert_eq!(canonical_eccn("3F001").as_deref(), None);
        assert_eq!(canonical_eccn("3A090 a").as_deref(), None);
        assert_eq!(canonical_eccn("quantum").as_deref(), None);
    }

    #[test]
    fn quotes_compare_without_regard_to_spacing_or_quote_marks() {
        assert_eq!(
            normalise("A ‘total processing performance’  of\n4800"),
            normalise("a total processing performance of 4800")
        );
    }
}
