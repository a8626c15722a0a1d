//! The determination engine: item × destination × end use × date → outcome
//! per jurisdiction, with reasons.
//!
//! The engine reads no files and no clock: the as-of date is an input.

use crate::country::{CountryGroups, CountryTable};
use crate::decision::{
    Decision, Destination, Determination, ExceptionUse, ItemSummary, PackRef, Question, Reason,
};
use crate::error::QueryError;
use crate::facts::{format_number, FactValue, Facts};
use crate::item::{Item, ItemKind};
use crate::pack::{CompareOp, Literal, Rule, RuleKind, RulePack, RuleStatus};
use crate::vocab::{Scope, Vocabulary};
use crate::Outcome;
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// Everything a determination needs, loaded and validated.
pub struct Engine {
    pub vocab: Vocabulary,
    pub countries: CountryTable,
    pub groups: CountryGroups,
    pub packs: Vec<RulePack>,
    /// The CEL standard library, built once: building it per call would
    /// cost more than evaluating every rule.
    root: cel::Context<'static, 'static>,
    /// Every name some rule reads: only these are bound for evaluation.
    referenced: BTreeSet<String>,
    /// The earliest date any rule takes effect: the start of the packs'
    /// coverage.
    coverage_from: Option<NaiveDate>,
    /// The TPP that one H100-equivalent is: that of the catalog item the
    /// data names (parameter `h100e`, `per_item`); set by the data loader.
    pub h100_tpp: Option<f64>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field(
                "packs",
                &self.packs.iter().map(|p| &p.meta.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A request for a classification (no destination) or a check.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub item: &'a Item,
    pub as_of: NaiveDate,
    /// ISO alpha-2 destination; `None` classifies only.
    pub destination: Option<String>,
    pub end_use: Option<String>,
    /// Transaction facts the user states (e.g. `end_user_hq`).
    pub facts: Facts,
    /// Jurisdictions to answer for; empty means every pack.
    pub jurisdictions: Vec<String>,
    /// Also report the rules that did not apply.
    pub explain: bool,
}

impl<'a> Query<'a> {
    pub fn classify(item: &'a Item, as_of: NaiveDate) -> Query<'a> {
        Query {
            item,
            as_of,
            destination: None,
            end_use: None,
            facts: Facts::default(),
            jurisdictions: Vec::new(),
            explain: false,
        }
    }

    pub fn check(item: &'a Item, destination: &str, as_of: NaiveDate) -> Query<'a> {
        Query {
            destination: Some(destination.to_string()),
            ..Query::classify(item, as_of)
        }
    }
}

/// The result of evaluating one condition.
enum Truth {
    Holds,
    Fails,
    /// Needs this unknown parameter.
    Unknown(String),
    /// Evaluation failed for another reason (a type mismatch in stated facts).
    Error(String),
}

/// Facts plus the few the engine adds while evaluating one pack, without
/// copying the rest.
struct View<'a> {
    base: &'a Facts,
    txn: Option<&'a Facts>,
    extra: Vec<(&'static str, FactValue)>,
}

impl<'a> View<'a> {
    fn new(base: &'a Facts) -> View<'a> {
        View {
            base,
            txn: None,
            extra: Vec::new(),
        }
    }

    fn get(&self, name: &str) -> Option<&FactValue> {
        self.extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
            .or_else(|| self.txn.and_then(|t| t.get(name)))
            .or_else(|| self.base.get(name))
    }
}

/// An item classified under the selected packs on one date.
pub struct Prepared<'e> {
    item: Item,
    as_of: NaiveDate,
    explain: bool,
    metrics: crate::item::Metrics,
    facts: Facts,
    /// The CEL standard library plus the item's facts.
    scope: cel::Context<'e, 'static>,
    packs: Vec<PreparedPack<'e>>,
}

struct PreparedPack<'e> {
    pack: &'e RulePack,
    ic_controls: Option<FactValue>,
    class: Classification,
}

/// Controls found for an item under one pack.
#[derive(Clone)]
struct Classification {
    controls: Vec<String>,
    paragraphs: Vec<String>,
    reasons: Vec<Reason>,
    notes: Vec<Reason>,
    not_applied: Vec<Reason>,
    questions: Vec<Question>,
    /// Controls that could not be decided, each with the question that would decide it.
    pending: Vec<(Question, String)>,
    /// An exclusion rule held: the item is outside the pack (published research).
    excluded: bool,
}

impl Engine {
    pub fn new(
        vocab: Vocabulary,
        countries: CountryTable,
        groups: CountryGroups,
        packs: Vec<RulePack>,
    ) -> Engine {
        let referenced = packs
            .iter()
            .flat_map(|p| p.rules.iter())
            .flat_map(|r| r.references.iter().cloned())
            .collect();
        let coverage_from = packs
            .iter()
            .flat_map(|p| p.rules.iter().map(|r| r.from))
            .min();
        Engine {
            vocab,
            countries,
            groups,
            packs,
            root: cel::Context::default(),
            h100_tpp: None,
            referenced,
            coverage_from,
        }
    }

    /// The earliest date any rule takes effect; before it exctl does not answer.
    pub fn coverage_from(&self) -> Option<NaiveDate> {
        self.coverage_from
    }

    pub fn pack(&self, id: &str) -> Option<&RulePack> {
        self.packs.iter().find(|p| p.meta.id == id)
    }

    /// Refuses a jurisdiction no loaded pack answers for, naming the packs.
    pub fn check_jurisdictions(&self, ids: &[String]) -> Result<(), QueryError> {
        match ids.iter().find(|j| self.pack(j).is_none()) {
            None => Ok(()),
            Some(j) => Err(QueryError::UnknownJurisdiction {
                name: j.clone(),
                known: self
                    .packs
                    .iter()
                    .map(|p| p.meta.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Turns stated facts into their declared types where the text form is
    /// unambiguous: a list parameter given as "a,b" becomes a list (and
    /// "none" the list `["none"]`, which decisions read as empty). Anything
    /// ambiguous — an empty or blank answer, an empty item, "none" beside
    /// values — is left as text for [`Engine::validate`] to refuse: silence
    /// is never read as "none".
    pub fn coerce_facts(&self, facts: &mut Facts) {
        let names: Vec<String> = facts.iter().map(|(k, _)| k.clone()).collect();
        for name in names {
            let Some(p) = self.vocab.get(&name) else {
                continue;
            };
            if p.type_name != "list" {
                continue;
            }
            if let Some(FactValue::Str(s)) = facts.get(&name).cloned() {
                let items: Vec<String> = s.split(',').map(|x| x.trim().to_string()).collect();
                if items.iter().any(|x| x.is_empty())
                    || (items.len() > 1 && items.iter().any(|x| x == "none"))
                {
                    continue;
                }
                facts.set(&name, FactValue::List(items));
            }
        }
    }

    /// An ECCN-valued item parameter, as the CCL writes it: a malformed value,
    /// or a paragraph no pack's CCL has, is refused with the nearest ones.
    fn check_eccn(&self, format: &str, text: &str) -> Result<(), String> {
        let Some(c) = crate::law::canonical_eccn(text) else {
            let squeezed: String = text
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase();
            let hint = if squeezed == "EAR99" {
                " (did you mean EAR99?)"
            } else {
                ""
            };
            return Err(format!(
                "{text:?} is not an ECCN{hint} (e.g. 3B001.c.1.a, 3A090, or EAR99)"
            ));
        };
        if c == "EAR99" {
            return if format == "eccn" {
                Ok(())
            } else {
                Err("EAR99 names no controlled item: give the ECCN the technology is for".into())
            };
        }
        if format == "eccn-entry" && c.as_bytes()[1] == b'E' {
            return Err(format!(
                "{c} is a technology ECCN: give the controlled item the technology is for (e.g. 3A090 for 3E001 technology)"
            ));
        }
        let reference = c.as_str();
        let laws: Vec<&crate::law::Ccl> =
            self.packs.iter().filter_map(|p| p.law.as_ref()).collect();
        // Entries whose paragraphs the snapshot does not carry (categories it
        // holds by heading only) are checked by entry.
        let known = |l: &&crate::law::Ccl| {
            l.resolve(reference).is_some()
                || l.entry(&reference[..5])
                    .is_some_and(|e| e.paragraphs.is_empty())
        };
        if laws.is_empty() || laws.iter().any(known) {
            return Ok(());
        }
        Err(format!(
            "{reference} is not a paragraph of the CCL of {}; nearest: {}",
            laws[0].date,
            laws[0].near(reference).join(", ")
        ))
    }

    /// Rewrites ECCN-valued facts as the CCL writes them (`3b001.C.1.a` →
    /// `3B001.c.1.a`).
    fn canonical_eccns(&self, facts: &mut Facts) {
        for p in self.vocab.iter() {
            if p.format.is_none() {
                continue;
            }
            if let Some(FactValue::Str(s)) = facts.get(&p.name) {
                if let Some(c) = crate::law::canonical_eccn(s) {
                    facts.set(&p.name, FactValue::Str(c));
                }
            }
        }
    }

    /// Checks that a query names known countries, jurisdictions and facts.
    pub fn validate(&self, q: &Query<'_>) -> Result<(), QueryError> {
        // Before the earliest rule of any pack, "no rule applies" would be a
        // silence, not an answer.
        if let Some(from) = self.coverage_from {
            if q.as_of < from {
                return Err(QueryError::BeforeCoverage {
                    as_of: q.as_of,
                    from,
                });
            }
        }
        // An item's named parameters with a closed set are checked like
        // stated facts: a misspelt value never reaches a rule.
        let inner = match &q.item.kind {
            ItemKind::Computer(c) => Some(c.ic.extra.iter()),
            _ => None,
        };
        for (name, value) in q.item.extra.iter().chain(inner.into_iter().flatten()) {
            let bad = |reason: String| QueryError::BadItemParameter {
                name: name.clone(),
                reason,
            };
            // Declared, an item parameter, and of its declared type: a
            // misspelt name or a number written as text never goes unread.
            let Some(param) = self.vocab.get(name) else {
                let mut names: Vec<&str> = self
                    .vocab
                    .iter()
                    .filter(|p| p.scope == Scope::Item)
                    .map(|p| p.name.as_str())
                    .collect();
                names.sort_by_key(|n| {
                    rapidfuzz::distance::levenshtein::distance(n.chars(), name.chars())
                });
                return Err(bad(format!(
                    "not a declared parameter (nearest: {}); parameters are declared in parameters.toml",
                    names.iter().take(3).copied().collect::<Vec<_>>().join(", ")
                )));
            };
            if Item::TYPED_FACTS.contains(&name.as_str()) {
                return Err(bad(
                    "is one of the item's own fields or derived figures: give the field itself (e.g. throughput, die_area_mm2, datacenter, vendor) rather than a [params] entry".into(),
                ));
            }
            if param.scope != Scope::Item {
                return Err(bad(
                    "is not an item parameter: state it as a fact of the transaction".into(),
                ));
            }
            if value.type_name() != param.type_name {
                return Err(bad(format!(
                    "expects a {}, got a {}",
                    param.type_name,
                    value.type_name()
                )));
            }
            if let FactValue::Num(n) = value {
                if !n.is_finite() || *n < 0.0 {
                    return Err(bad(format!("{n} is not a finite, non-negative figure")));
                }
            }
            if let (Some(format), FactValue::Str(s)) = (param.format.as_deref(), value) {
                self.check_eccn(format, s).map_err(bad)?;
            }
            if self.vocab.values(name).is_some() {
                match value {
                    FactValue::Str(s) => self.vocab.check_value(name, s).map_err(bad)?,
                    FactValue::List(items) => {
                        for s in items {
                            self.vocab.check_value(name, s).map_err(bad)?;
                        }
                    }
                    _ => {}
                }
            }
        }
        let kind = q.item.kind.name();
        if !self.vocab.has_kind(kind) {
            return Err(QueryError::UnknownKind {
                kind: kind.to_string(),
                known: self
                    .vocab
                    .kinds()
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        for code in q
            .destination
            .iter()
            .chain(q.facts.get("end_user_hq").and_then(|f| match f {
                FactValue::Str(s) => Some(s),
                _ => None,
            }))
        {
            if self.countries.get(code).is_none() {
                let hint = self
                    .countries
                    .resolve(code)
                    .map(|c| format!("; did you mean {} ({})?", c.code, c.name))
                    .unwrap_or_default();
                return Err(QueryError::UnknownCountry {
                    code: code.clone(),
                    hint,
                });
            }
        }
        self.check_jurisdictions(&q.jurisdictions)?;
        for (name, value) in q.facts.iter() {
            let Some(p) = self.vocab.get(name) else {
                return Err(QueryError::BadFact {
                    name: name.clone(),
                    reason: "not a declared parameter".into(),
                });
            };
            if name == "end_use" {
                // One place for the end use, so that a fact cannot be
                // checked and then overridden (or ignored).
                return Err(QueryError::BadFact {
                    name: name.clone(),
                    reason: "state the end use as the end use, not as a fact".into(),
                });
            }
            if p.scope != Scope::Transaction {
                return Err(QueryError::BadFact {
                    name: name.clone(),
                    reason: format!(
                        "is an {} parameter; only transaction facts can be stated",
                        match p.scope {
                            Scope::Item => "item",
                            _ => "engine-set",
                        }
                    ),
                });
            }
            if let (FactValue::Str(text), "list") = (value, p.type_name.as_str()) {
                return Err(QueryError::BadFact {
                    name: name.clone(),
                    reason: if text.split(',').all(|x| x.trim().is_empty()) {
                        "an empty answer: give the values, comma-separated, or \"none\" when none applies".into()
                    } else if text.split(',').any(|x| x.trim().is_empty()) {
                        format!("{text:?} has an empty item between commas")
                    } else if text.split(',').any(|x| x.trim() == "none") && text.contains(',') {
                        format!("{text:?}: \"none\" cannot be combined with other values")
                    } else {
                        format!("{text:?} is text, but this fact is a list: give [{text:?}]")
                    },
                });
            }
            if let FactValue::List(items) = value {
                if items.is_empty() {
                    return Err(QueryError::BadFact {
                        name: name.clone(),
                        reason: "an empty list is no answer: give the values, or [\"none\"] when none applies".into(),
                    });
                }
                if items.len() > 1 && items.iter().any(|x| x == "none") {
                    return Err(QueryError::BadFact {
                        name: name.clone(),
                        reason: "\"none\" cannot be combined with other values".into(),
                    });
                }
                if let Some(twice) = items
                    .iter()
                    .enumerate()
                    .find_map(|(i, x)| items[..i].contains(x).then_some(x))
                {
                    return Err(QueryError::BadFact {
                        name: name.clone(),
                        reason: format!("{twice:?} is listed twice"),
                    });
                }
                if items == &["none"] {
                    continue;
                }
            }
            if value.type_name() != p.type_name {
                return Err(QueryError::BadFact {
                    name: name.clone(),
                    reason: format!("expects a {}, got a {}", p.type_name, value.type_name()),
                });
            }
            let bad = |reason: String| QueryError::BadFact {
                name: name.clone(),
                reason,
            };
            match value {
                FactValue::Num(n) if !n.is_finite() => {
                    return Err(bad(format!("{n} is not a finite number")));
                }
                FactValue::Str(s) => self.vocab.check_value(name, s).map_err(bad)?,
                FactValue::List(items) => {
                    for s in items {
                        self.vocab.check_value(name, s).map_err(bad)?;
                    }
                }
                _ => {}
            }
        }
        if let Some(u) = &q.end_use {
            self.vocab
                .check_value("end_use", u)
                .map_err(|reason| QueryError::BadEndUse { reason })?;
        }
        Ok(())
    }

    /// Answers a query. Call [`Engine::validate`] first for user input.
    pub fn decide(&self, q: &Query<'_>) -> Decision {
        let prepared = self.prepare(q.item, q.as_of, &q.jurisdictions, q.explain);
        self.decide_prepared(
            &prepared,
            q.destination.as_deref(),
            q.end_use.as_deref(),
            &q.facts,
        )
    }

    /// Classifies an item under the selected packs on one date: the part of
    /// every determination that does not depend on the destination. Batches
    /// prepare once per item and date and decide per destination.
    pub fn prepare<'e>(
        &'e self,
        item: &Item,
        as_of: NaiveDate,
        jurisdictions: &[String],
        explain: bool,
    ) -> Prepared<'e> {
        let mut facts = item.facts_with(self.h100_tpp);
        self.canonical_eccns(&mut facts);
        let mut scope = self.root.new_inner_scope();
        facts.bind(&mut scope, &self.referenced);
        let mut packs = Vec::new();
        for pack in &self.packs {
            let wanted = if jurisdictions.is_empty() {
                !pack.meta.opt_in
            } else {
                jurisdictions.contains(&pack.meta.id)
            };
            if !wanted {
                continue;
            }
            // A computer is judged by the IC it contains: classify that first.
            let mut ic_controls = None;
            if let ItemKind::Computer(c) = &item.kind {
                let mut ic_facts = c.ic.facts_with(self.h100_tpp);
                self.canonical_eccns(&mut ic_facts);
                let mut s = self.root.new_inner_scope();
                ic_facts.bind(&mut s, &self.referenced);
                let ic_class =
                    self.classify_with(pack, &c.ic, &View::new(&ic_facts), &s, as_of, false);
                if ic_class.questions.is_empty() && ic_class.pending.is_empty() {
                    ic_controls = Some(FactValue::List(ic_class.controls));
                }
            }
            let mut class_scope = scope.new_inner_scope();
            let mut view = View::new(&facts);
            if let Some(v) = &ic_controls {
                class_scope.add_variable_from_value("ic_controls", v.to_cel());
                view.extra.push(("ic_controls", v.clone()));
            }
            let class = self.classify_with(pack, item, &view, &class_scope, as_of, explain);
            drop(class_scope);
            packs.push(PreparedPack {
                pack,
                ic_controls,
                class,
            });
        }
        Prepared {
            item: item.clone(),
            as_of,
            explain,
            metrics: item.metrics_with(self.h100_tpp),
            facts,
            scope,
            packs,
        }
    }

    /// Finishes a determination for one destination (or a classification
    /// when `destination` is `None`).
    pub fn decide_prepared(
        &self,
        p: &Prepared<'_>,
        destination: Option<&str>,
        end_use: Option<&str>,
        stated: &Facts,
    ) -> Decision {
        let mut txn = stated.clone();
        // `["none"]` is how a list fact says that nothing applies.
        let nones: Vec<String> = txn
            .iter()
            .filter(|(_, v)| matches!(v, FactValue::List(items) if items == &["none"]))
            .map(|(k, _)| k.clone())
            .collect();
        for k in nones {
            txn.set(&k, FactValue::List(Vec::new()));
        }
        if let Some(u) = end_use {
            txn.set("end_use", FactValue::Str(u.to_string()));
        }
        for param in self.vocab.iter() {
            if let Some(d) = param.default {
                if txn.get(&param.name).is_none() {
                    txn.set(&param.name, FactValue::Bool(d));
                }
            }
        }
        // Which transaction facts the request states, before defaults: a
        // rule may raise a stated fact for any item yet ask it only of some.
        let mut stated_names: Vec<String> = stated.iter().map(|(k, _)| k.clone()).collect();
        if end_use.is_some() {
            stated_names.push("end_use".into());
        }
        stated_names.sort();
        txn.set("facts_stated", FactValue::List(stated_names));
        if let Some(FactValue::Str(hq)) = stated.get("end_user_hq") {
            let groups = self.groups.groups_of(hq, p.as_of);
            txn.set("hq_groups", FactValue::List(groups));
        }
        let dest = destination.map(|code| {
            let groups = self.groups.groups_of(code, p.as_of);
            txn.set("dest", FactValue::Str(code.to_string()));
            txn.set("dest_groups", FactValue::List(groups.clone()));
            Destination {
                code: code.to_string(),
                name: self
                    .countries
                    .get(code)
                    .map_or_else(|| code.to_string(), |c| c.name.clone()),
                groups,
            }
        });
        let mut scope = p.scope.new_inner_scope();
        txn.bind(&mut scope, &self.referenced);

        let mut determinations = Vec::with_capacity(p.packs.len());
        let mut overall: Option<Outcome> = None;
        for pp in &p.packs {
            let d = self.evaluate_pack(p, pp, destination.is_some(), &txn, &scope);
            if let Some(o) = d.outcome {
                overall = Some(overall.map_or(o, |w| w.worst(o)));
            }
            determinations.push(d);
        }
        Decision {
            as_of: p.as_of,
            item: ItemSummary {
                id: p.item.id.clone(),
                name: p.item.name.clone(),
                kind: p.item.kind.name().to_string(),
                vendor: p.item.vendor.clone(),
                family: p.item.family.clone(),
                release_date: p.item.release_date,
                release_date_partial: p.item.release_date_partial,
                metrics: p.metrics.clone(),
                params: p.item.extra.clone(),
                product: p.item.product.clone(),
            },
            destination: dest,
            end_use: end_use.map(str::to_string),
            facts: stated.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            determinations,
            overall: destination.and(overall),
            packs: p
                .packs
                .iter()
                .map(|pp| PackRef {
                    id: pp.pack.meta.id.clone(),
                    version: pp.pack.meta.version.clone(),
                    hash: pp.pack.hash.clone(),
                })
                .chain(std::iter::once(PackRef {
                    id: "country-groups".into(),
                    version: self
                        .groups
                        .snapshot
                        .map_or_else(String::new, |d| d.to_string()),
                    hash: self.groups.hash.clone(),
                }))
                .collect(),
        }
    }

    fn evaluate_pack(
        &self,
        p: &Prepared<'_>,
        pp: &PreparedPack<'_>,
        is_check: bool,
        txn: &Facts,
        scope: &cel::Context<'_, '_>,
    ) -> Determination {
        let pack = pp.pack;
        let kind = p.item.kind.name();
        let mut ic_scope = scope.new_inner_scope();
        let mut facts = View {
            base: &p.facts,
            txn: Some(txn),
            extra: Vec::new(),
        };
        if let Some(v) = &pp.ic_controls {
            ic_scope.add_variable_from_value("ic_controls", v.to_cel());
            facts.extra.push(("ic_controls", v.clone()));
        }
        let Classification {
            controls,
            paragraphs,
            mut reasons,
            mut notes,
            mut not_applied,
            mut questions,
            pending,
            excluded,
        } = pp.class.clone();

        let mut d = Determination {
            jurisdiction: pack.meta.id.clone(),
            authority: pack.meta.authority.clone(),
            short_authority: pack
                .meta
                .short_authority
                .clone()
                .unwrap_or_else(|| pack.meta.id.to_uppercase()),
            notice: pack.meta.notice.clone(),
            scope: pack.meta.scope.clone(),
            outcome: None,
            controls: controls.clone(),
            paragraphs,
            review_policy: None,
            exceptions: Vec::new(),
            questions: Vec::new(),
            obligations: Vec::new(),
            reasons: Vec::new(),
            notes: Vec::new(),
            licence: None,
            listed_parties: Vec::new(),
            not_applied: Vec::new(),
        };
        if excluded {
            d.outcome = is_check.then_some(Outcome::NotControlled);
            d.reasons = reasons;
            return d;
        }
        if !is_check {
            questions.extend(pending.into_iter().map(|(q, _)| q));
            d.reasons = reasons;
            d.notes = notes;
            d.not_applied = not_applied;
            d.questions = questions;
            return d;
        }

        let mut stage = ic_scope.new_inner_scope();
        let controls_value = FactValue::List(controls.clone());
        stage.add_variable_from_value("controls", controls_value.to_cel());
        facts.extra.push(("controls", controls_value));

        // Requirements, then the exceptions and review policies that cover them.
        struct Hit<'r> {
            rule: &'r Rule,
            outcome: Outcome,
            policy: Option<String>,
            exception: Option<ExceptionUse>,
        }
        let mut hits: Vec<Hit<'_>> = Vec::new();
        let mut eligible: Vec<(&Rule, String)> = Vec::new();
        let mut policies: Vec<&Rule> = Vec::new();
        let mut obligations: Vec<Reason> = Vec::new();
        let mut covering_questions: Vec<(&Rule, Question)> = Vec::new();
        for rule in pack.rules_on(p.as_of) {
            if rule.def.kind == RuleKind::Control || !rule.applies_to_kind(kind) {
                continue;
            }
            let status = rule.status(p.as_of);
            let binding = status == RuleStatus::InForce;
            match eval(rule, &stage) {
                Truth::Holds => {
                    let text = self.reason_text(rule, &facts, true);
                    if !binding {
                        notes.push(reason(rule, text, Some(rule.status_text(p.as_of))));
                        continue;
                    }
                    match rule.def.kind {
                        RuleKind::Requirement => {
                            if rule.outcome == Outcome::NeedsInfo {
                                questions.push(Question {
                                    fact: rule.def.id.clone(),
                                    question: rule.def.question.clone().unwrap_or_default(),
                                    rule: rule.def.id.clone(),
                                    answer: None,
                                });
                            }
                            hits.push(Hit {
                                rule,
                                outcome: rule.outcome,
                                policy: rule.def.review_policy.clone(),
                                exception: None,
                            });
                            reasons.push(reason(rule, text, None));
                        }
                        RuleKind::Exception => eligible.push((rule, text)),
                        RuleKind::ReviewPolicy => policies.push(rule),
                        RuleKind::Obligation => obligations.push(reason(rule, text, None)),
                        RuleKind::Control => {}
                    }
                }
                Truth::Fails => {
                    if p.explain {
                        let text = self.reason_text(rule, &facts, false);
                        not_applied.push(reason(rule, text, Some("condition not met".into())));
                    }
                }
                Truth::Unknown(var) => {
                    if !binding {
                        continue;
                    }
                    let question = Question {
                        question: self.vocab.question(&var),
                        fact: self.vocab.supplied_as(&var).to_string(),
                        rule: rule.def.id.clone(),
                        answer: self.vocab.answer(&var),
                    };
                    match rule.def.kind {
                        RuleKind::Requirement => {
                            questions.push(question);
                            hits.push(Hit {
                                rule,
                                outcome: Outcome::NeedsInfo,
                                policy: None,
                                exception: None,
                            });
                        }
                        // An exception or policy we cannot confirm is simply not
                        // applied; its question is worth asking only if a
                        // requirement it covers applies (decided below).
                        RuleKind::Exception | RuleKind::ReviewPolicy => {
                            covering_questions.push((rule, question));
                        }
                        // An obligation never changes whether a licence is
                        // needed: say it may apply rather than ask.
                        RuleKind::Obligation => notes.push(reason(
                            rule,
                            self.reason_text(rule, &facts, true),
                            Some(format!("may apply: {var} is not known")),
                        )),
                        RuleKind::Control => {}
                    }
                }
                Truth::Error(e) => {
                    if binding && rule.def.kind == RuleKind::Requirement {
                        questions.push(Question {
                            fact: rule.def.id.clone(),
                            question: format!("rule could not be evaluated: {e}"),
                            rule: rule.def.id.clone(),
                            answer: None,
                        });
                        hits.push(Hit {
                            rule,
                            outcome: Outcome::NeedsInfo,
                            policy: None,
                            exception: None,
                        });
                    }
                }
            }
        }
        for (rule, question) in covering_questions {
            if hits.iter().any(|h| {
                matches!(h.outcome, Outcome::LicenseRequired | Outcome::NeedsInfo)
                    && rule.def.covers.contains(&h.rule.def.id)
            }) {
                questions.push(question);
            }
        }
        // Later review-policy rules override earlier ones.
        policies.sort_by_key(|r| r.from);
        for hit in &mut hits {
            if hit.outcome != Outcome::LicenseRequired {
                continue;
            }
            for p in &policies {
                if p.def.covers.contains(&hit.rule.def.id) {
                    hit.policy = p.def.review_policy.clone();
                }
            }
            if let Some((ex, text)) = eligible
                .iter()
                .find(|(ex, _)| ex.def.covers.contains(&hit.rule.def.id))
            {
                hit.outcome = Outcome::ExceptionEligible;
                hit.exception = Some(ExceptionUse {
                    exception: ex.def.exception.clone().unwrap_or_default(),
                    rule: ex.def.id.clone(),
                    citation: ex.def.citation.clone(),
                    text: text.clone(),
                });
            }
        }
        for p in &policies {
            if hits.iter().any(|h| {
                h.outcome == Outcome::LicenseRequired && p.def.covers.contains(&h.rule.def.id)
            }) {
                reasons.push(reason(p, self.reason_text(p, &facts, true), None));
            }
        }
        // An undecided control matters only if assuming it would make a
        // requirement apply that does not apply now.
        let mut undecided_but_moot = false;
        if !pending.is_empty() {
            let fired: Vec<&str> = hits.iter().map(|h| h.rule.def.id.as_str()).collect();
            // Moot undecided controls are noted once per unknown fact.
            let mut moot: Vec<(Question, Vec<String>)> = Vec::new();
            for (question, control) in pending {
                if self.control_would_add_requirement(
                    pack, p, kind, &controls, &control, &fired, &ic_scope,
                ) {
                    questions.push(question);
                } else {
                    undecided_but_moot = true;
                    match moot.iter_mut().find(|(q, _)| q.fact == question.fact) {
                        Some((_, list)) if !list.contains(&control) => list.push(control),
                        Some(_) => {}
                        None => moot.push((question, vec![control])),
                    }
                }
            }
            for (question, list) in moot {
                let citation = pack
                    .rules
                    .iter()
                    .find(|r| r.def.id == question.rule)
                    .map_or_else(String::new, |r| r.def.citation.clone());
                let (which, verb) = match list.as_slice() {
                    [one] => (one.clone(), "applies"),
                    many => (many.join(", "), "apply"),
                };
                notes.push(Reason {
                    law: None,
                    rule: question.rule.clone(),
                    citation,
                    text: format!(
                        "Whether {which} {verb} is undecided ({} unknown), but no requirement of this pack would apply to this transaction either way",
                        question.fact
                    ),
                    status: Some("undecided, moot for this transaction".into()),
                });
            }
        }
        let mut outcome = if controls.is_empty() && hits.is_empty() && !undecided_but_moot {
            Outcome::NotControlled
        } else {
            Outcome::NoLicenseRequired
        };
        if !questions.is_empty() {
            outcome = outcome.worst(Outcome::NeedsInfo);
        }
        let mut policy_texts: Vec<String> = Vec::new();
        for hit in &hits {
            outcome = outcome.worst(hit.outcome);
        }
        for hit in hits {
            if hit.outcome == Outcome::LicenseRequired {
                if let Some(p) = hit.policy {
                    if !policy_texts.contains(&p) {
                        policy_texts.push(p);
                    }
                }
            }
            if let Some(e) = hit.exception {
                if !d.exceptions.iter().any(|x| x.rule == e.rule) {
                    d.exceptions.push(e);
                }
            }
        }
        if outcome == Outcome::LicenseRequired && !policy_texts.is_empty() {
            d.review_policy = Some(policy_texts.join("; "));
        }
        if outcome == Outcome::NoLicenseRequired && !obligations.is_empty() {
            outcome = Outcome::ObligationsApply;
        }
        d.obligations = obligations;
        d.outcome = Some(outcome);
        // One question per fact, however many rules need it.
        let mut seen = BTreeSet::new();
        questions.retain(|q| seen.insert(q.fact.clone()));
        d.reasons = reasons;
        d.notes = notes;
        d.not_applied = not_applied;
        d.questions = questions;
        d
    }

    /// Evaluates a pack's control rules for one item.
    fn classify_with(
        &self,
        pack: &RulePack,
        item: &Item,
        facts: &View<'_>,
        scope: &cel::Context<'_, '_>,
        date: NaiveDate,
        explain: bool,
    ) -> Classification {
        let kind = item.kind.name();
        let mut c = Classification {
            controls: Vec::new(),
            paragraphs: Vec::new(),
            reasons: Vec::new(),
            notes: Vec::new(),
            not_applied: Vec::new(),
            questions: Vec::new(),
            pending: Vec::new(),
            excluded: false,
        };
        let mut unknown: Vec<(&Rule, String)> = Vec::new();
        for pass_otherwise in [false, true] {
            if pass_otherwise && (!c.controls.is_empty() || !unknown.is_empty()) {
                break;
            }
            for rule in pack.rules_on(date) {
                if rule.def.kind != RuleKind::Control || rule.def.otherwise != pass_otherwise {
                    continue;
                }
                if !rule.applies_to_kind(kind) {
                    continue;
                }
                let binding = rule.status(date) == RuleStatus::InForce;
                let control = rule.def.control.clone().unwrap_or_default();
                match eval(rule, scope) {
                    Truth::Holds if binding && rule.def.excludes => {
                        let text = self.reason_text(rule, facts, true);
                        c.excluded = true;
                        c.reasons = vec![reason(rule, text, None)];
                        c.controls.clear();
                        c.paragraphs.clear();
                        c.pending.clear();
                        return c;
                    }
                    Truth::Holds => {
                        let text = self.reason_text(rule, facts, true);
                        if binding {
                            if !c.controls.contains(&control) {
                                c.controls.push(control);
                            }
                            if let Some(p) = &rule.def.paragraph {
                                if !c.paragraphs.contains(p) {
                                    c.paragraphs.push(p.clone());
                                }
                            }
                            c.reasons.push(reason(rule, text, None));
                        } else {
                            c.notes
                                .push(reason(rule, text, Some(rule.status_text(date))));
                        }
                    }
                    Truth::Fails if explain => {
                        let text = self.reason_text(rule, facts, false);
                        c.not_applied
                            .push(reason(rule, text, Some("condition not met".into())));
                    }
                    Truth::Unknown(var) if binding => unknown.push((rule, var)),
                    Truth::Error(e) if binding => unknown.push((rule, format!("error: {e}"))),
                    _ => {}
                }
            }
        }
        // An undecidable paragraph matters only if its control is not already established.
        for (rule, var) in unknown {
            let control = rule.def.control.as_deref().unwrap_or_default();
            if c.controls.iter().any(|x| x == control) {
                if explain {
                    c.not_applied.push(reason(
                        rule,
                        self.reason_text(rule, facts, true),
                        Some(format!("moot: {control} already applies ({var} unknown)")),
                    ));
                }
                continue;
            }
            let (question, answer) = match var.strip_prefix("error: ") {
                Some(e) => (format!("rule could not be evaluated: {e}"), None),
                None => (self.vocab.question(&var), self.vocab.answer(&var)),
            };
            c.pending.push((
                Question {
                    fact: self.vocab.supplied_as(&var).to_string(),
                    question,
                    rule: rule.def.id.clone(),
                    answer,
                },
                control.to_string(),
            ));
        }
        c
    }

    /// Whether assuming `control` (on top of `controls`) makes some binding
    /// requirement hold, or become undecidable, that is not among `fired`.
    #[allow(clippy::too_many_arguments)]
    fn control_would_add_requirement(
        &self,
        pack: &RulePack,
        p: &Prepared<'_>,
        kind: &str,
        controls: &[String],
        control: &str,
        fired: &[&str],
        scope: &cel::Context<'_, '_>,
    ) -> bool {
        let mut assumed = controls.to_vec();
        assumed.push(control.to_string());
        let mut s = scope.new_inner_scope();
        s.add_variable_from_value("controls", FactValue::List(assumed).to_cel());
        pack.rules_on(p.as_of).any(|rule| {
            rule.def.kind == RuleKind::Requirement
                && rule.applies_to_kind(kind)
                && rule.status(p.as_of) == RuleStatus::InForce
                && !fired.contains(&rule.def.id.as_str())
                && !matches!(eval(rule, &s), Truth::Fails)
        })
    }

    /// The rule's title and each comparison it makes, stated with the actual values.
    fn reason_text(&self, rule: &Rule, facts: &View<'_>, matched: bool) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut seen = BTreeSet::new();
        for cmp in &rule.comparisons {
            let key = format!("{}{:?}{:?}", cmp.var, cmp.op, cmp.value);
            if !seen.insert(key) {
                continue;
            }
            let label = self.vocab.label(&cmp.var);
            let unit = self.vocab.unit(&cmp.var);
            let with_unit = |s: String| {
                if unit.is_empty() {
                    s
                } else {
                    format!("{s} {unit}")
                }
            };
            let Some(actual) = facts.get(&cmp.var) else {
                parts.push(format!("{label} unknown"));
                continue;
            };
            let Some(holds) = comparison_holds(cmp.op, actual, &cmp.value) else {
                continue;
            };
            // A matched rule is explained by the comparisons that pushed it
            // towards true; an unmatched one by those that pushed it to false.
            if (holds != cmp.negated) != matched {
                continue;
            }
            let phrase = match (&cmp.op, actual, &cmp.value) {
                (op, FactValue::Num(a), Literal::Num(t)) => {
                    let shown = if holds { *op } else { negate(*op) };
                    format!(
                        "{label} {} {} {}",
                        with_unit(format_number(*a)),
                        shown.symbol(),
                        with_unit(format_number(*t))
                    )
                }
                (CompareOp::Eq | CompareOp::Ne, FactValue::Str(a), Literal::Str(t)) => {
                    let eq = a == t;
                    format!("{label} {a} {} {t}", if eq { "=" } else { "≠" })
                }
                (op, FactValue::Str(a), Literal::Str(t)) => {
                    let shown = if holds { *op } else { negate(*op) };
                    format!("{label} {a} {} {t}", shown.symbol())
                }
                (CompareOp::Eq | CompareOp::Ne, FactValue::Bool(a), Literal::Bool(_)) => {
                    format!("{label}: {}", FactValue::Bool(*a))
                }
                (CompareOp::In, FactValue::Str(a), Literal::List(list)) => {
                    if list.contains(a) {
                        format!("{label} {a} is one of {}", short_list(list))
                    } else {
                        format!("{label} {a} is not one of {}", short_list(list))
                    }
                }
                (CompareOp::Contains, FactValue::List(l), Literal::Str(t)) => {
                    if l.contains(t) {
                        format!("{label} include {t}")
                    } else {
                        format!("{label} do not include {t}")
                    }
                }
                _ => continue,
            };
            parts.push(phrase);
        }
        let mut text = rule.def.title.clone();
        if !parts.is_empty() {
            text.push_str(": ");
            text.push_str(&parts.join("; "));
        }
        if let Some(note) = &rule.def.note {
            text.push_str(". ");
            text.push_str(note);
        }
        text
    }

    /// All rules of the selected packs with their status on `date`.
    pub fn rules_on<'e>(
        &'e self,
        date: NaiveDate,
        jurisdictions: &[String],
    ) -> Vec<(&'e RulePack, &'e Rule, RuleStatus)> {
        let mut out = Vec::new();
        for pack in &self.packs {
            if !jurisdictions.is_empty() && !jurisdictions.contains(&pack.meta.id) {
                continue;
            }
            for rule in pack.rules_on(date) {
                out.push((pack, rule, rule.status(date)));
            }
        }
        out
    }
}

fn comparison_holds(op: CompareOp, actual: &FactValue, value: &Literal) -> Option<bool> {
    Some(match (op, actual, value) {
        (CompareOp::Ge, FactValue::Num(a), Literal::Num(t)) => a >= t,
        (CompareOp::Gt, FactValue::Num(a), Literal::Num(t)) => a > t,
        (CompareOp::Le, FactValue::Num(a), Literal::Num(t)) => a <= t,
        (CompareOp::Lt, FactValue::Num(a), Literal::Num(t)) => a < t,
        (CompareOp::Eq, FactValue::Num(a), Literal::Num(t)) => a == t,
        (CompareOp::Ne, FactValue::Num(a), Literal::Num(t)) => a != t,
        // Text orders as text: ISO dates (a release date) compare as dates.
        (CompareOp::Ge, FactValue::Str(a), Literal::Str(t)) => a >= t,
        (CompareOp::Gt, FactValue::Str(a), Literal::Str(t)) => a > t,
        (CompareOp::Le, FactValue::Str(a), Literal::Str(t)) => a <= t,
        (CompareOp::Lt, FactValue::Str(a), Literal::Str(t)) => a < t,
        (CompareOp::Eq, FactValue::Str(a), Literal::Str(t)) => a == t,
        (CompareOp::Ne, FactValue::Str(a), Literal::Str(t)) => a != t,
        (CompareOp::Eq, FactValue::Bool(a), Literal::Bool(t)) => a == t,
        (CompareOp::Ne, FactValue::Bool(a), Literal::Bool(t)) => a != t,
        (CompareOp::In, FactValue::Str(a), Literal::List(l)) => l.contains(a),
        (CompareOp::Contains, FactValue::List(l), Literal::Str(t)) => l.contains(t),
        _ => return None,
    })
}

fn eval(rule: &Rule, scope: &cel::Context<'_, '_>) -> Truth {
    match rule.program.execute(scope) {
        Ok(cel::Value::Bool(true)) => Truth::Holds,
        Ok(cel::Value::Bool(false)) => Truth::Fails,
        Ok(other) => Truth::Error(format!("condition gave {other:?}, not true or false")),
        Err(cel::ExecutionError::UndeclaredReference(name)) => Truth::Unknown(name.to_string()),
        Err(e) => Truth::Error(e.to_string()),
    }
}

fn reason(rule: &Rule, text: String, status: Option<String>) -> Reason {
    Reason {
        law: rule.law_text.clone(),
        rule: rule.def.id.clone(),
        citation: rule.def.citation.clone(),
        text,
        status,
    }
}

fn negate(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Ge => CompareOp::Lt,
        CompareOp::Gt => CompareOp::Le,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
        other => other,
    }
}

fn short_list(list: &[String]) -> String {
    if list.len() <= 4 {
        format!("[{}]", list.join(", "))
    } else {
        format!("[{}, … {} in all]", list[..3].join(", "), list.len())
    }
}
