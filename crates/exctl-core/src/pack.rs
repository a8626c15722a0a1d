//! Rule packs: one jurisdiction's or regime's rules, as data.
//!
//! A pack is a `pack.toml` (metadata) and rule files with `[[rule]]` tables.
//! Each rule has dates, a citation, a CEL condition and what it does when the
//! condition holds. Everything is validated when the pack is built, so a bad
//! pack never reaches a determination.

use crate::country::parse_date;
use crate::error::{line_of, DataError};
use crate::vocab::{Scope, Vocabulary};
use cel::common::ast::{operators, Expr, IdedExpr, LiteralValue};
use cel::Program;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Pack metadata (`pack.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackMeta {
    /// Jurisdiction or regime id, e.g. `us`, `accord`.
    pub id: String,
    pub name: String,
    /// Who enforces it.
    pub authority: String,
    /// The authority in a few words, for summaries ("BIS"); the pack id
    /// in capitals when absent.
    #[serde(default)]
    pub short_authority: Option<String>,
    pub version: String,
    pub description: String,
    /// Evaluated only when asked for by name (`-j ID`): for regimes that apply
    /// only to some exports, e.g. Korea's to exports from Korea.
    #[serde(default)]
    pub opt_in: bool,
    /// A caveat every determination of the pack carries (e.g. that its
    /// terms come from press reports, not a published text).
    pub notice: Option<String>,
    /// What the pack weighs and what it leaves out, shown with every answer
    /// (unlike `notice`, it does not make the answers less than binding).
    pub scope: Option<String>,
    /// The pack's CCL snapshot, relative to the pack folder (e.g.
    /// `ccl.json`): its control rules are then checked against the text.
    pub ccl: Option<String>,
    /// All the pack's rules are party rules (`parties.toml`, e.g. a
    /// sanctions regime's asset freeze): it has no rule files, and a
    /// missing `parties.toml` is an error.
    #[serde(default)]
    pub parties_only: bool,
}

/// What a rule does when its condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Classifies the item under a control (ECCN paragraph, accord category).
    Control,
    /// Requires a licence, prohibits, or asks for information.
    Requirement,
    /// Makes a licence exception available for listed requirements.
    Exception,
    /// Sets the licence review policy of listed requirements.
    ReviewPolicy,
    /// A duty that is not a licence requirement (reporting to a government,
    /// a model provider's obligations): listed under `obligations`, it never
    /// makes a shipment need a licence.
    Obligation,
}

/// A rule as written in a pack file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub kind: RuleKind,
    pub title: String,
    /// FR citation, CFR section or notice.
    pub citation: String,
    pub effective_from: String,
    /// Last day in force (inclusive).
    pub effective_to: Option<String>,
    /// In force, but compliance is required only from this date.
    pub compliance_from: Option<String>,
    /// Still in the text, but not enforced from this date.
    pub not_enforced_from: Option<String>,
    /// Item kinds the rule applies to; empty means all.
    #[serde(default)]
    pub applies_to: Vec<String>,
    /// CEL condition over declared parameters.
    pub when: String,
    /// Control set by a `control` rule, e.g. `3A090.a`.
    pub control: Option<String>,
    /// The paragraph that matched, e.g. `3A090.a.1`.
    pub paragraph: Option<String>,
    /// A `control` rule that applies only when no other control of the pack matched.
    #[serde(default)]
    pub otherwise: bool,
    /// A `control` rule that, when it holds, takes the item out of the pack's
    /// scope altogether (published research, fundamental research).
    #[serde(default)]
    pub excludes: bool,
    /// For requirements: `license_required` (default), `prohibited` or `needs_info`.
    pub outcome: Option<String>,
    /// Review policy of a requirement, or the policy a `review_policy` rule sets.
    pub review_policy: Option<String>,
    /// For `needs_info` requirements: what to ask.
    pub question: Option<String>,
    /// For exceptions: the symbol, e.g. `NAC`.
    pub exception: Option<String>,
    /// Requirement ids an exception or review policy applies to.
    #[serde(default)]
    pub covers: Vec<String>,
    /// Free text shown with the reason (conditions, notifications, caveats).
    pub note: Option<String>,
    /// Confidence of the source: `primary` (the default: the law's text),
    /// `secondary` (notes, filings, guidance; needs `source_gap`) or
    /// `reported` (press reports of terms with no published text).
    pub source_quality: Option<String>,
    /// For a `secondary` rule: which primary text is missing and why.
    pub source_gap: Option<String>,
    /// The CCL paragraph(s) the rule encodes, e.g. `3A090.a.1` (checked
    /// against the pack's CCL snapshot when it has one).
    #[serde(default, deserialize_with = "one_or_many")]
    pub ccl: Vec<String>,
    /// The numeric thresholds of the condition as boxes, for charts: each
    /// box maps a parameter to its bounds (`{ tpp = { min = 4800 } }`), and
    /// each bound must be a comparison the condition makes.
    #[serde(default)]
    pub thresholds: Vec<BTreeMap<String, Bound>>,
    /// The sentence of the regulation the rule encodes, quoted.
    pub source_text: Option<String>,
}

/// `"x"` or `["x", "y"]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// The values `source_quality` may take.
pub const SOURCE_QUALITIES: &[&str] = &["primary", "secondary", "reported"];

/// A parameter's bounds in a threshold box: `min` (the condition's `>=`
/// or `>`) and `max` (its `<` or `<=`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleDef>,
}

/// A comparison found in a condition, used to explain decisions with the
/// item's actual figures ("TPP 15,832 ≥ 4,800").
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub var: String,
    pub op: CompareOp,
    pub value: Literal,
    /// Under an odd number of `!`: the condition wants it false.
    pub negated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
    /// `var in [..]`
    In,
    /// `'x' in var`
    Contains,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Ge => "≥",
            CompareOp::Gt => ">",
            CompareOp::Le => "≤",
            CompareOp::Lt => "<",
            CompareOp::Eq => "=",
            CompareOp::Ne => "≠",
            CompareOp::In => "in",
            CompareOp::Contains => "includes",
        }
    }

    fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Ge => CompareOp::Le,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Le => CompareOp::Ge,
            CompareOp::Lt => CompareOp::Gt,
            other => other,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Num(f64),
    Str(String),
    Bool(bool),
    List(Vec<String>),
}

/// A validated, compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub def: RuleDef,
    /// File the rule came from, for messages.
    pub file: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub compliance_from: Option<NaiveDate>,
    pub not_enforced_from: Option<NaiveDate>,
    pub(crate) program: Program,
    pub comparisons: Vec<Comparison>,
    pub references: BTreeSet<String>,
    pub outcome: crate::Outcome,
    /// The regulation's words: `source_text`, or the CCL paragraph filled in
    /// when the pack's snapshot is loaded.
    pub law_text: Option<String>,
}

/// How a rule stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    NotYetInForce,
    InForce,
    /// In force, but its compliance date has not come.
    CompliancePending,
    /// In the text but not enforced.
    NotEnforced,
    /// Superseded or expired.
    Expired,
}

impl Rule {
    pub fn status(&self, date: NaiveDate) -> RuleStatus {
        if date < self.from {
            RuleStatus::NotYetInForce
        } else if self.to.is_some_and(|t| date > t) {
            RuleStatus::Expired
        } else if self.not_enforced_from.is_some_and(|d| date >= d) {
            RuleStatus::NotEnforced
        } else if self.compliance_from.is_some_and(|d| date < d) {
            RuleStatus::CompliancePending
        } else {
            RuleStatus::InForce
        }
    }

    /// Human description of a status on a date.
    pub fn status_text(&self, date: NaiveDate) -> String {
        match self.status(date) {
            RuleStatus::NotYetInForce => format!("not yet in force (from {})", self.from),
            RuleStatus::Expired => format!(
                "no longer in force (last day {})",
                self.to.map_or_else(String::new, |d| d.to_string())
            ),
            RuleStatus::NotEnforced => format!(
                "in the CFR, not enforced since {}",
                self.not_enforced_from
                    .map_or_else(String::new, |d| d.to_string())
            ),
            RuleStatus::CompliancePending => format!(
                "in force from {}, compliance required only from {}",
                self.from,
                self.compliance_from
                    .map_or_else(String::new, |d| d.to_string())
            ),
            RuleStatus::InForce => format!("in force since {}", self.from),
        }
    }

    pub fn applies_to_kind(&self, kind: &str) -> bool {
        self.def.applies_to.is_empty() || self.def.applies_to.iter().any(|k| k == kind)
    }
}

/// A loaded, validated pack.
#[derive(Debug)]
pub struct RulePack {
    pub meta: PackMeta,
    pub rules: Vec<Rule>,
    /// The pack's CCL snapshot, when it has one (set by the loader).
    pub law: Option<crate::law::Ccl>,
    /// SHA-256 over the pack's file names and contents, for reproducibility.
    pub hash: String,
}

/// Requirement outcomes a rule may produce.
const REQUIREMENT_OUTCOMES: [&str; 3] = ["license_required", "prohibited", "needs_info"];

impl RulePack {
    /// Builds a pack from its metadata text and rule files `(name, text)`.
    pub fn build(
        meta_file: &str,
        meta_text: &str,
        rule_files: &[(String, String)],
        vocab: &Vocabulary,
    ) -> Result<RulePack, DataError> {
        let meta: PackMeta =
            toml::from_str(meta_text).map_err(|e| DataError::toml(meta_file, &e, meta_text))?;
        match (rule_files.is_empty(), meta.parties_only) {
            (true, false) => return Err(DataError::new(meta_file, "pack has no rule files")),
            (false, true) => {
                return Err(DataError::new(
                    meta_file,
                    "parties_only: the pack says all its rules are in parties.toml, but it has rule files",
                ))
            }
            _ => {}
        }
        let mut hasher = Sha256::new();
        hash_field(&mut hasher, meta_file.as_bytes());
        hash_field(&mut hasher, meta_text.as_bytes());
        let mut rules: Vec<Rule> = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (file, text) in rule_files {
            hash_field(&mut hasher, file.as_bytes());
            hash_field(&mut hasher, text.as_bytes());
            let parsed: RuleFile =
                toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?;
            for def in parsed.rule {
                let line = text
                    .find(&format!("id = \"{}\"", def.id))
                    .map(|off| line_of(text, off));
                if let Some(other) = ids.insert(def.id.clone(), file.clone()) {
                    return Err(DataError::in_entry(
                        file,
                        &format!("rule {}", def.id),
                        format!("duplicate rule id (also in {other})"),
                    )
                    .at_line(line));
                }
                let rule = compile_rule(file, def, vocab).map_err(|e| e.at_line(line))?;
                rules.push(rule);
            }
        }
        // Cross-references: exceptions and review policies cover requirements.
        for r in &rules {
            for c in &r.def.covers {
                match rules.iter().find(|x| &x.def.id == c) {
                    Some(t) if t.def.kind == RuleKind::Requirement => {}
                    Some(_) => {
                        return Err(DataError::in_entry(
                            &r.file,
                            &format!("rule {}", r.def.id),
                            format!("covers {c:?}, which is not a requirement rule"),
                        ))
                    }
                    None => {
                        return Err(DataError::in_entry(
                            &r.file,
                            &format!("rule {}", r.def.id),
                            format!("covers unknown rule {c:?}"),
                        ))
                    }
                }
            }
        }
        Ok(RulePack {
            meta,
            rules,
            law: None,
            hash: hex::encode(hasher.finalize()),
        })
    }

    /// Rules whose status on `date` is not "not yet in force" or "expired".
    pub fn rules_on(&self, date: NaiveDate) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| {
            !matches!(
                r.status(date),
                RuleStatus::NotYetInForce | RuleStatus::Expired
            )
        })
    }

    /// Every date on which some rule's status changes: the points where the
    /// pack's answer can change.
    pub fn change_dates(&self) -> BTreeSet<NaiveDate> {
        let mut out = BTreeSet::new();
        for r in &self.rules {
            out.insert(r.from);
            if let Some(t) = r.to.and_then(|t| t.succ_opt()) {
                out.insert(t);
            }
            out.extend(r.compliance_from);
            out.extend(r.not_enforced_from);
        }
        out
    }
}

fn compile_rule(file: &str, def: RuleDef, vocab: &Vocabulary) -> Result<Rule, DataError> {
    let entry = format!("rule {}", def.id);
    let err = |msg: String| DataError::in_entry(file, &entry, msg);
    if def.id.trim().is_empty() {
        return Err(DataError::new(file, "rule with an empty id"));
    }
    if def.citation.trim().is_empty() {
        return Err(err(
            "citation is empty: every rule must cite its source".into()
        ));
    }
    if def.title.trim().is_empty() {
        return Err(err("title is empty".into()));
    }
    let quality = def.source_quality.as_deref().unwrap_or("primary");
    if !SOURCE_QUALITIES.contains(&quality) {
        return Err(err(format!(
            "source_quality {quality:?} is not one of {}",
            SOURCE_QUALITIES.join(", ")
        )));
    }
    if quality == "secondary"
        && def
            .source_gap
            .as_deref()
            .is_none_or(|g| g.trim().is_empty())
    {
        return Err(err(
            "source_quality = \"secondary\" needs source_gap: which primary text is missing and why".into(),
        ));
    }
    if quality != "secondary" && def.source_gap.is_some() {
        return Err(err(format!(
            "source_gap is only for secondary rules (this one is {quality})"
        )));
    }
    let from = parse_date(
        file,
        &format!("{entry}: effective_from"),
        &def.effective_from,
    )?;
    let date = |field: &str, v: &Option<String>| -> Result<Option<NaiveDate>, DataError> {
        v.as_deref()
            .map(|s| parse_date(file, &format!("{entry}: {field}"), s))
            .transpose()
    };
    let to = date("effective_to", &def.effective_to)?;
    let compliance_from = date("compliance_from", &def.compliance_from)?;
    let not_enforced_from = date("not_enforced_from", &def.not_enforced_from)?;
    if let Some(t) = to {
        if t < from {
            return Err(err(format!(
                "effective_to {t} is before effective_from {from}"
            )));
        }
    }
    for (name, d) in [
        ("compliance_from", compliance_from),
        ("not_enforced_from", not_enforced_from),
    ] {
        if let Some(d) = d {
            if d < from {
                return Err(err(format!("{name} {d} is before effective_from {from}")));
            }
        }
    }
    for k in &def.applies_to {
        if !vocab.has_kind(k) {
            let known: Vec<&str> = vocab.kinds().iter().map(|k| k.name.as_str()).collect();
            return Err(err(format!(
                "applies_to: unknown item kind {k:?} (declared in parameters.toml: {})",
                known.join(", ")
            )));
        }
    }
    // Kind-specific fields.
    let present = |name: &str, v: bool| -> Result<(), DataError> {
        if v {
            Ok(())
        } else {
            Err(err(format!("a {:?} rule needs `{name}`", def.kind)))
        }
    };
    let absent = |name: &str, v: bool| -> Result<(), DataError> {
        if v {
            Err(err(format!(
                "`{name}` is not allowed on a {:?} rule",
                def.kind
            )))
        } else {
            Ok(())
        }
    };
    let mut outcome = crate::Outcome::LicenseRequired;
    match def.kind {
        RuleKind::Control => {
            present("control", def.control.is_some())?;
            absent("outcome", def.outcome.is_some())?;
            absent("exception", def.exception.is_some())?;
            absent("covers", !def.covers.is_empty())?;
            absent("review_policy", def.review_policy.is_some())?;
        }
        RuleKind::Requirement => {
            absent("excludes", def.excludes)?;
            absent("control", def.control.is_some())?;
            absent("exception", def.exception.is_some())?;
            absent("covers", !def.covers.is_empty())?;
            absent("otherwise", def.otherwise)?;
            let o = def.outcome.as_deref().unwrap_or("license_required");
            if !REQUIREMENT_OUTCOMES.contains(&o) {
                return Err(err(format!(
                    "outcome {o:?} is not one of {}",
                    REQUIREMENT_OUTCOMES.join(", ")
                )));
            }
            outcome = crate::Outcome::parse(o).unwrap_or(crate::Outcome::LicenseRequired);
            if outcome == crate::Outcome::NeedsInfo {
                present("question", def.question.is_some())?;
            }
        }
        RuleKind::Exception => {
            present("exception", def.exception.is_some())?;
            present("covers", !def.covers.is_empty())?;
            absent("control", def.control.is_some())?;
            absent("outcome", def.outcome.is_some())?;
            absent("otherwise", def.otherwise)?;
        }
        RuleKind::Obligation => {
            absent("control", def.control.is_some())?;
            absent("outcome", def.outcome.is_some())?;
            absent("exception", def.exception.is_some())?;
            absent("covers", !def.covers.is_empty())?;
            absent("review_policy", def.review_policy.is_some())?;
            absent("otherwise", def.otherwise)?;
            absent("excludes", def.excludes)?;
        }
        RuleKind::ReviewPolicy => {
            present("review_policy", def.review_policy.is_some())?;
            present("covers", !def.covers.is_empty())?;
            absent("control", def.control.is_some())?;
            absent("outcome", def.outcome.is_some())?;
            absent("otherwise", def.otherwise)?;
        }
    }
    let program = Program::compile(&def.when).map_err(|e| {
        let one_line: Vec<String> = e
            .to_string()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '^' || c == '.' || c == ' '))
            .collect();
        err(format!(
            "condition `when` does not parse as CEL: {}",
            one_line.join(" ")
        ))
    })?;
    let refs = program.references();
    let mut references = BTreeSet::new();
    let bound = comprehension_variables(program.expression());
    for v in refs.variables() {
        if bound.contains(v) {
            continue;
        }
        let Some(p) = vocab.get(v) else {
            return Err(err(format!(
                "condition reads unknown parameter {v:?} (declare it in parameters.toml)"
            )));
        };
        // Controls are only known after classification.
        if def.kind == RuleKind::Control && p.scope != Scope::Item && v != "ic_controls" {
            return Err(err(format!(
                "a control rule may read only item parameters, not {v:?}"
            )));
        }
        references.insert(v.to_string());
    }
    let mut comparisons = Vec::new();
    collect_comparisons(program.expression(), false, &mut comparisons);
    // A literal outside a closed vocabulary is a typo that would never match:
    // the rule would silently stop applying.
    for c in &comparisons {
        let Some(allowed) = vocab.values(&c.var) else {
            continue;
        };
        let literals: Vec<&str> = match &c.value {
            Literal::Str(s) => vec![s.as_str()],
            Literal::List(l) => l.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        for l in literals {
            if !allowed.iter().any(|a| a == l) {
                return Err(err(format!(
                    "condition compares {} with {}",
                    c.var,
                    crate::vocab::unknown_value(l, allowed)
                )));
            }
        }
    }
    // A closed-set parameter is read only in comparisons with literals
    // (`==`, `!=`, `in`), which are checked above: inside a macro, a
    // function or a computed value no check could tell a misspelling.
    for var in references.iter().filter(|v| vocab.values(v).is_some()) {
        let mut uses = 0;
        count_ident(program.expression(), var, &mut uses);
        let compared = comparisons.iter().filter(|c| &c.var == var).count();
        if uses > compared {
            return Err(err(format!(
                "{var} has a closed set of values: compare it only with literals (`{var} == 'x'`, `{var} in ['x', 'y']`, `'x' in {var}`), not inside macros, functions or computed values"
            )));
        }
    }
    // Declared thresholds are the condition's own comparisons, so a chart
    // drawn from them shows what the rule tests.
    for (i, b) in def.thresholds.iter().enumerate() {
        if b.is_empty() {
            return Err(err(format!("thresholds[{i}]: an empty box")));
        }
        for (var, bound) in b {
            if vocab.get(var).is_none_or(|p| p.type_name != "number") {
                return Err(err(format!(
                    "thresholds[{i}]: {var:?} is not a number parameter of the vocabulary"
                )));
            }
            let made = |ops: &[CompareOp], v: f64| {
                comparisons.iter().any(|c| {
                    &c.var == var
                        && !c.negated
                        && ops.contains(&c.op)
                        && matches!(c.value, Literal::Num(n) if n == v)
                })
            };
            if bound.min.is_none() && bound.max.is_none() {
                return Err(err(format!("thresholds[{i}].{var}: neither min nor max")));
            }
            // A chart reads `min` as "≥" and `max` as "<": only those.
            if let Some(v) = bound.min.filter(|v| !made(&[CompareOp::Ge], *v)) {
                return Err(err(format!(
                    "thresholds[{i}].{var}.min = {v}: the condition makes no `{var} >= {v}`"
                )));
            }
            if let Some(v) = bound.max.filter(|v| !made(&[CompareOp::Lt], *v)) {
                return Err(err(format!(
                    "thresholds[{i}].{var}.max = {v}: the condition makes no `{var} < {v}`"
                )));
            }
        }
    }
    // Declared, the boxes leave out none of the condition's numeric
    // thresholds, and a condition without alternatives is one box.
    if !def.thresholds.is_empty() {
        for c in comparisons.iter().filter(|c| !c.negated) {
            let Literal::Num(v) = c.value else { continue };
            let declared = def.thresholds.iter().any(|b| {
                b.get(&c.var).is_some_and(|bound| match c.op {
                    CompareOp::Ge | CompareOp::Gt => bound.min == Some(v),
                    CompareOp::Lt | CompareOp::Le => bound.max == Some(v),
                    _ => true,
                })
            });
            let ordered = matches!(
                c.op,
                CompareOp::Ge | CompareOp::Gt | CompareOp::Lt | CompareOp::Le
            );
            if ordered && !declared {
                return Err(err(format!(
                    "thresholds: the condition compares {} with {v}, which no box declares",
                    c.var
                )));
            }
        }
        if !def.when.contains("||") && def.thresholds.len() > 1 {
            return Err(err(
                "thresholds: a condition without alternatives (`||`) is one box".into(),
            ));
        }
    }
    // A control rule on TPP or PD is drawn on the chart: it declares its boxes.
    if def.kind == RuleKind::Control
        && def.thresholds.is_empty()
        && comparisons
            .iter()
            .any(|c| (c.var == "tpp" || c.var == "pd") && matches!(c.value, Literal::Num(_)))
    {
        return Err(err(
            "a control rule comparing tpp or pd declares its thresholds (`thresholds = [{ tpp = { min = … } }]`) for the chart".into(),
        ));
    }
    // A primary rule with thresholds rests them on text: a CCL paragraph or
    // a quotation. Without either it must say it is not primary.
    let has_numbers = comparisons
        .iter()
        .any(|c| matches!(c.value, Literal::Num(_)));
    if has_numbers && def.ccl.is_empty() && def.source_text.is_none() && quality == "primary" {
        return Err(err(
            "compares with thresholds but names no CCL paragraph and quotes no text: add ccl or source_text, or mark source_quality with its source_gap".into(),
        ));
    }
    // A rule that quotes its regulation outside a CCL paragraph must find its
    // thresholds in the quotation (a CCL rule is checked against the CCL).
    if let (Some(quote), true) = (&def.source_text, def.ccl.is_empty()) {
        let numbers: Vec<f64> = comparisons
            .iter()
            .filter_map(|c| match c.value {
                Literal::Num(n) => Some(n),
                _ => None,
            })
            .collect();
        crate::law::check_written(&numbers, quote, "its source_text")
            .map_err(|m| err(format!("{m}: quote the sentence that sets the threshold")))?;
    }
    Ok(Rule {
        file: file.to_string(),
        from,
        to,
        compliance_from,
        not_enforced_from,
        program,
        comparisons,
        references,
        outcome,
        // A quotation from a filing or a press report is labelled as such.
        law_text: def.source_text.clone().map(|t| {
            match def.source_quality.as_deref().unwrap_or("primary") {
                "primary" => t,
                q => format!("[{q} source] {t}"),
            }
        }),
        def,
    })
}

fn literal(e: &IdedExpr) -> Option<Literal> {
    match &e.expr {
        Expr::Literal(LiteralValue::Double(d)) => Some(Literal::Num(*d.inner())),
        Expr::Literal(LiteralValue::Int(i)) => Some(Literal::Num(*i.inner() as f64)),
        Expr::Literal(LiteralValue::UInt(u)) => Some(Literal::Num(*u.inner() as f64)),
        Expr::Literal(LiteralValue::String(s)) => Some(Literal::Str(s.inner().to_string())),
        Expr::Literal(LiteralValue::Boolean(b)) => Some(Literal::Bool(*b.inner())),
        Expr::List(l) => l
            .elements
            .iter()
            .map(|el| match literal(el) {
                Some(Literal::Str(s)) => Some(s),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Literal::List),
        _ => None,
    }
}

fn ident(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Ident(name) => Some(name),
        _ => None,
    }
}

fn collect_comparisons(e: &IdedExpr, negated: bool, out: &mut Vec<Comparison>) {
    match &e.expr {
        Expr::Call(call) => {
            let op = match call.func_name.as_str() {
                operators::GREATER_EQUALS => Some(CompareOp::Ge),
                operators::GREATER => Some(CompareOp::Gt),
                operators::LESS_EQUALS => Some(CompareOp::Le),
                operators::LESS => Some(CompareOp::Lt),
                operators::EQUALS => Some(CompareOp::Eq),
                operators::NOT_EQUALS => Some(CompareOp::Ne),
                "@in" => Some(CompareOp::In),
                _ => None,
            };
            if let (Some(op), [a, b]) = (op, call.args.as_slice()) {
                if let (Some(var), Some(value)) = (ident(a), literal(b)) {
                    out.push(Comparison {
                        var: var.to_string(),
                        op,
                        value,
                        negated,
                    });
                    return;
                }
                if let (Some(value), Some(var)) = (literal(a), ident(b)) {
                    let op = if op == CompareOp::In {
                        CompareOp::Contains
                    } else {
                        op.flipped()
                    };
                    out.push(Comparison {
                        var: var.to_string(),
                        op,
                        value,
                        negated,
                    });
                    return;
                }
            }
            let negated = negated ^ (call.func_name == operators::LOGICAL_NOT);
            if let Some(t) = &call.target {
                collect_comparisons(t, negated, out);
            }
            for a in &call.args {
                collect_comparisons(a, negated, out);
            }
        }
        Expr::List(l) => {
            for el in &l.elements {
                collect_comparisons(el, negated, out);
            }
        }
        _ => {}
    }
}

/// How often the identifier `name` occurs in an expression, macros included.
fn count_ident(e: &IdedExpr, name: &str, n: &mut usize) {
    match &e.expr {
        Expr::Ident(id) if id == name => *n += 1,
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                count_ident(t, name, n);
            }
            for a in &call.args {
                count_ident(a, name, n);
            }
        }
        Expr::List(l) => {
            for el in &l.elements {
                count_ident(el, name, n);
            }
        }
        Expr::Comprehension(c) => {
            for part in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                count_ident(part, name, n);
            }
        }
        Expr::Select(sel) => count_ident(&sel.operand, name, n),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let cel::common::ast::EntryExpr::MapEntry(me) = &entry.expr {
                    count_ident(&me.key, name, n);
                    count_ident(&me.value, name, n);
                }
            }
        }
        _ => {}
    }
}

fn comprehension_variables(e: &IdedExpr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    fn walk(e: &IdedExpr, out: &mut BTreeSet<String>) {
        match &e.expr {
            Expr::Comprehension(c) => {
                out.insert(c.iter_var.clone());
                out.insert(c.accu_var.clone());
                walk(&c.iter_range, out);
                walk(&c.loop_step, out);
                walk(&c.loop_cond, out);
                walk(&c.result, out);
            }
            Expr::Call(call) => {
                if let Some(t) = &call.target {
                    walk(t, out);
                }
                for a in &call.args {
                    walk(a, out);
                }
            }
            Expr::List(l) => {
                for el in &l.elements {
                    walk(el, out);
                }
            }
            _ => {}
        }
    }
    walk(e, &mut out);
    out
}

/// SHA-256 (hex) over fields, each prefixed with its length.
pub fn content_hash(fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for f in fields {
        hash_field(&mut hasher, f.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Hashes one field with its length, so ("ab", "c") and ("a", "bc") differ.
fn hash_field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}
