//! The parameter vocabulary: every name a rule condition may read.
//!
//! Declaring parameters as data lets the loader reject a rule that reads an
//! unknown name, and gives `needs_info` a question to ask for each one.

use crate::error::DataError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// A parameter of the item (or derived from its parameters).
    Item,
    /// Set by the engine from the request (destination, its groups, controls).
    Context,
    /// A fact about the transaction that the user may state (`--fact`).
    Transaction,
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    /// `number`, `bool`, `string` or `list`.
    #[serde(rename = "type")]
    pub type_name: String,
    pub scope: Scope,
    /// Short label for reasons, e.g. "TPP".
    pub label: String,
    #[serde(default)]
    pub unit: String,
    pub description: String,
    /// What to ask when the value is unknown and a rule needs it.
    pub question: String,
    /// For a value the engine derives: the fact the user supplies instead.
    pub derived_from: Option<String>,
    /// For a ratio to a reference item (`h100e`): the catalog item whose
    /// figure is the unit.
    #[serde(default)]
    pub per_item: Option<String>,
    /// The closed set of values a `string` (or each element of a `list`)
    /// may take. A stated value outside it is refused, never read by a rule;
    /// a rule comparing the parameter with a literal outside it does not load.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// For a `bool` transaction fact: what not stating it means (`deemed`
    /// is false unless the request says the release is a deemed export).
    /// Only a default that makes the stricter rules apply belongs here.
    pub default: Option<bool>,
    /// For a `string` item parameter: `eccn` (an ECCN or EAR99, which must be
    /// a paragraph of a pack's CCL) or `eccn-entry` (the entry only: a
    /// paragraph given is read as its entry); for a transaction fact,
    /// `country` (an ISO 3166 alpha-2 code).
    pub format: Option<String>,
    /// What each of `values` means, in the words of its source (a red
    /// flag as BIS words it): shown beside the value where it is chosen.
    #[serde(default)]
    pub value_text: BTreeMap<String, String>,
}

/// How a fact is answered: what a form control or a terminal prompt needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The fact to state (`--fact NAME=…`, the API's `facts.NAME`).
    pub fact: String,
    /// Where the answer goes in a request: `facts` (under `fact`), or
    /// `end_use`, which the engine takes only as the end use itself.
    pub field: String,
    /// `bool`, `number`, `string`, `list` or `country`.
    #[serde(rename = "type")]
    pub input: String,
    pub label: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub unit: String,
    /// The closed set of values, each with its meaning; empty when any
    /// value of the type is allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

/// One allowed value of a fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub value: String,
    /// Its meaning (the value itself when the vocabulary gives none).
    pub text: String,
}

/// An item kind rules may name in `applies_to`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabFile {
    #[serde(default)]
    kind: Vec<KindDef>,
    parameter: Vec<Parameter>,
}

/// All declared parameters, by name.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    by_name: BTreeMap<String, Parameter>,
    kinds: Vec<KindDef>,
}

impl Vocabulary {
    pub fn from_toml(file: &str, text: &str) -> Result<Vocabulary, DataError> {
        let parsed: VocabFile =
            toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?;
        let mut by_name = BTreeMap::new();
        for p in parsed.parameter {
            if !["number", "bool", "string", "list"].contains(&p.type_name.as_str()) {
                return Err(DataError::in_entry(
                    file,
                    &p.name,
                    format!("type {:?} is not number, bool, string or list", p.type_name),
                ));
            }
            if let Some(f) = &p.format {
                if !["eccn", "eccn-entry", "country"].contains(&f.as_str())
                    || p.type_name != "string"
                {
                    return Err(DataError::in_entry(
                        file,
                        &p.name,
                        format!(
                            "format {f:?}: only \"eccn\", \"eccn-entry\" or \"country\", on a string parameter"
                        ),
                    ));
                }
            }
            if let Some(v) = p
                .value_text
                .keys()
                .find(|v| !p.values.as_ref().is_some_and(|all| all.contains(v)))
            {
                return Err(DataError::in_entry(
                    file,
                    &p.name,
                    format!("value_text: {v:?} is not one of the parameter's values"),
                ));
            }
            if p.default.is_some() && (p.type_name != "bool" || p.scope != Scope::Transaction) {
                return Err(DataError::in_entry(
                    file,
                    &p.name,
                    "default: only a bool transaction fact may have one",
                ));
            }
            if let Some(values) = &p.values {
                if !["string", "list"].contains(&p.type_name.as_str()) {
                    return Err(DataError::in_entry(
                        file,
                        &p.name,
                        "values: only a string or list parameter has a closed set of values",
                    ));
                }
                let mut seen = std::collections::BTreeSet::new();
                for v in values {
                    if v.trim().is_empty() || v != &v.trim().to_lowercase() || v == "none" {
                        return Err(DataError::in_entry(
                            file,
                            &p.name,
                            format!("values: {v:?} must be lowercase text without surrounding spaces (and not \"none\", which states an empty list)"),
                        ));
                    }
                    if !seen.insert(v.as_str()) {
                        return Err(DataError::in_entry(
                            file,
                            &p.name,
                            format!("values: {v:?} is listed twice"),
                        ));
                    }
                }
                if values.is_empty() {
                    return Err(DataError::in_entry(file, &p.name, "values: empty"));
                }
            }
            if by_name.contains_key(&p.name) {
                return Err(DataError::in_entry(file, &p.name, "declared twice"));
            }
            by_name.insert(p.name.clone(), p);
        }
        for k in &parsed.kind {
            if k.name.is_empty() || !k.name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                return Err(DataError::in_entry(
                    file,
                    &k.name,
                    "kind names are lowercase words with hyphens",
                ));
            }
        }
        Ok(Vocabulary {
            by_name,
            kinds: parsed.kind,
        })
    }

    /// Whether `kind` is a declared item kind.
    pub fn has_kind(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k.name == kind)
    }

    pub fn kinds(&self) -> &[KindDef] {
        &self.kinds
    }

    pub fn get(&self, name: &str) -> Option<&Parameter> {
        self.by_name.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Parameter> {
        self.by_name.values()
    }

    /// The label of a parameter, or its name.
    pub fn label<'a>(&'a self, name: &'a str) -> &'a str {
        self.by_name.get(name).map_or(name, |p| p.label.as_str())
    }

    /// The unit of a parameter ("" if none).
    pub fn unit(&self, name: &str) -> &str {
        self.by_name.get(name).map_or("", |p| p.unit.as_str())
    }

    /// The fact a user supplies to make `name` known (itself, or what it is derived from).
    pub fn supplied_as<'a>(&'a self, name: &'a str) -> &'a str {
        self.by_name
            .get(name)
            .and_then(|p| p.derived_from.as_deref())
            .unwrap_or(name)
    }

    /// The closed set of values of a parameter, if it declares one.
    pub fn values(&self, name: &str) -> Option<&[String]> {
        self.by_name.get(name).and_then(|p| p.values.as_deref())
    }

    /// Checks one stated value of `name` against its closed set, if any.
    /// The error names the allowed values and the nearest one.
    pub fn check_value(&self, name: &str, value: &str) -> Result<(), String> {
        let Some(values) = self.values(name) else {
            return Ok(());
        };
        if values.iter().any(|v| v == value) {
            return Ok(());
        }
        let mut reason = unknown_value(value, values);
        if self
            .by_name
            .get(name)
            .is_some_and(|p| p.type_name == "list")
        {
            reason.push_str(" (\"none\" states that none applies)");
        }
        Err(reason)
    }

    /// How the fact that makes `name` known is answered; `None` for a
    /// name the vocabulary does not declare or the engine sets itself.
    pub fn answer(&self, name: &str) -> Option<Answer> {
        let p = self.by_name.get(self.supplied_as(name))?;
        if p.scope != Scope::Transaction {
            return None;
        }
        let input = match (p.type_name.as_str(), p.format.as_deref()) {
            ("string", Some("country")) => "country",
            (t, _) => t,
        };
        let choices = p
            .values
            .iter()
            .flatten()
            .map(|v| Choice {
                value: v.clone(),
                text: p.value_text.get(v).cloned().unwrap_or_else(|| v.clone()),
            })
            .collect();
        Some(Answer {
            field: if p.name == "end_use" {
                "end_use"
            } else {
                "facts"
            }
            .to_string(),
            fact: p.name.clone(),
            input: input.to_string(),
            label: p.label.clone(),
            unit: p.unit.clone(),
            choices,
        })
    }

    /// The question to ask for an unknown parameter.
    pub fn question(&self, name: &str) -> String {
        self.by_name
            .get(name)
            .map_or_else(|| format!("What is {name}?"), |p| p.question.clone())
    }
}

/// "unknown value X (did you mean Y?); allowed: A, B, C".
pub fn unknown_value(value: &str, allowed: &[String]) -> String {
    let folded = value.trim().to_lowercase();
    let nearest = allowed
        .iter()
        .map(|a| {
            (
                rapidfuzz::distance::damerau_levenshtein::normalized_similarity(
                    folded.chars(),
                    a.chars(),
                ),
                a,
            )
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, a)| a);
    format!(
        "unknown value {value:?}{}; allowed: {}",
        nearest
            .map(|n| format!(" (did you mean {n:?}?)"))
            .unwrap_or_default(),
        allowed.join(", ")
    )
}
