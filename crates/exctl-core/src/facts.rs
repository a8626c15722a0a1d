//! Facts: the named values rule conditions read.
//!
//! A fact that is unknown is absent. Rule conditions that reach an absent
//! fact cannot be decided, and the engine turns that into `needs_info`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One fact's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FactValue {
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<String>),
}

impl FactValue {
    /// The type name used in the parameter vocabulary.
    pub fn type_name(&self) -> &'static str {
        match self {
            FactValue::Bool(_) => "bool",
            FactValue::Num(_) => "number",
            FactValue::Str(_) => "string",
            FactValue::List(_) => "list",
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            FactValue::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn to_cel(&self) -> cel::Value {
        match self {
            FactValue::Bool(b) => cel::Value::from(*b),
            FactValue::Num(n) => cel::Value::from(*n),
            FactValue::Str(s) => cel::Value::from(s.clone()),
            FactValue::List(l) => cel::Value::from(l.clone()),
        }
    }
}

impl From<&str> for FactValue {
    fn from(s: &str) -> Self {
        FactValue::Str(s.to_string())
    }
}

impl fmt::Display for FactValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FactValue::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            FactValue::Num(n) => f.write_str(&format_number(*n)),
            FactValue::Str(s) => f.write_str(s),
            FactValue::List(l) => write!(f, "[{}]", l.join(", ")),
        }
    }
}

/// A set of known facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    values: BTreeMap<String, FactValue>,
}

impl Facts {
    pub fn set(&mut self, name: &str, value: FactValue) {
        self.values.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&FactValue> {
        self.values.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &FactValue)> {
        self.values.iter()
    }

    /// Adds every fact of `other`, replacing facts of the same name.
    pub fn extend(&mut self, other: &Facts) {
        for (k, v) in &other.values {
            self.values.insert(k.clone(), v.clone());
        }
    }

    /// Binds the facts named in `wanted` as variables of a CEL scope.
    pub(crate) fn bind(
        &self,
        scope: &mut cel::Context<'_, '_>,
        wanted: &std::collections::BTreeSet<String>,
    ) {
        for (k, v) in &self.values {
            if wanted.contains(k) {
                scope.add_variable_from_value(k.as_str(), v.to_cel());
            }
        }
    }
}

/// Formats a number for reasons: thousands separators, at most two decimals,
/// scientific notation for very large or small magnitudes (training FLOP).
pub fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let abs = n.abs();
    if abs != 0.0 && !(1e-3..1e12).contains(&abs) {
        // 3.79e25 style: three significant digits, trailing zeros trimmed.
        let s = format!("{n:.2e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exp}");
    }
    let rounded = (n * 100.0).round() / 100.0;
    let int_part = rounded.trunc().abs() as u64;
    let frac = (rounded.abs() - rounded.abs().trunc()) * 100.0;
    let frac = frac.round() as u64;
    let digits = int_part.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if rounded < 0.0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{grouped}")
    } else if frac.is_multiple_of(10) {
        format!("{sign}{grouped}.{}", frac / 10)
    } else {
        format!("{sign}{grouped}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_regulation() {
        assert_eq!(format_number(15832.0), "15,832");
        assert_eq!(format_number(4800.0), "4,800");
        assert_eq!(format_number(5.92), "5.92");
        assert_eq!(format_number(19.449), "19.45");
        assert_eq!(format_number(1.6), "1.6");
        assert_eq!(format_number(600.0), "600");
        assert_eq!(format_number(1e26), "1e26");
        assert_eq!(format_number(4.64e26), "4.64e26");
        assert_eq!(format_number(-1234.5), "-1,234.5");
    }
}
