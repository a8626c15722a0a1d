//! The parameter vocabulary: every name a rule condition may read.
//!
//! Declaring parameters as data lets the loader reject a rule that reads an
//! unknown name, and gives `needs_info` a question to ask for each one.

use crate::error::DataError;
use serde::Deserialize;
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

    /// The question to ask for an unknown parameter.
    pub fn question(&self, name: &str) -> String {
        self.by_name
            .get(name)
            .map_or_else(|| format!("What is {name}?"), |p| p.question.clone())
    }
}
