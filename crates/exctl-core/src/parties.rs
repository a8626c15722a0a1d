//! Parties to a transaction and the legal effect of restricted-party list hits.
//!
//! Screening (name matching) happens elsewhere; this module takes the hits it
//! found, for the parties and their owners, and applies each list's legal
//! effect to the jurisdiction's determination, as a pack's `parties.toml`
//! states it: which lists, what outcome, from which date, for which end uses,
//! and which 50 % rules (`[[ownership]]`) extend it to owned entities.

use crate::decision::{Decision, Determination, PackRef, Question, Reason};
use crate::error::DataError;
use crate::facts::{format_number, FactValue, Facts};
use crate::Outcome;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A party's part in the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    EndUser,
    Consignee,
    Intermediate,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::EndUser, Role::Consignee, Role::Intermediate];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::EndUser => "end_user",
            Role::Consignee => "consignee",
            Role::Intermediate => "intermediate",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// An owner of a party, with its share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Percentage held, 0–100.
    pub percent: f64,
}

/// A party named in a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Party {
    pub role: Role,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<Owner>,
}

impl Party {
    /// Parses `NAME[;country=CC][;owner=NAME:PERCENT]...`, the form the
    /// command line and order books take. The error is the reason alone:
    /// each shell names the flag or the column.
    pub fn parse(role: Role, spec: &str) -> Result<Party, String> {
        let mut parts = spec.split(';');
        let name = parts.next().unwrap_or("").trim();
        if name.is_empty() {
            return Err(format!("{spec:?}: the name is empty"));
        }
        let mut party = Party {
            role,
            name: name.to_string(),
            country: None,
            owners: Vec::new(),
        };
        for part in parts {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v) = part.split_once('=').ok_or_else(|| {
                format!("{part:?} is not KEY=VALUE (country=CC or owner=NAME:PERCENT)")
            })?;
            match k.trim() {
                "country" => {
                    // A code or a country's name: the shell resolves it
                    // against its country table (and refuses what is neither).
                    let c = v.trim();
                    if c.is_empty() {
                        return Err("country is empty".into());
                    }
                    party.country = Some(c.to_string());
                }
                "owner" => {
                    let (owner, pct) = v
                        .rsplit_once(':')
                        .ok_or_else(|| format!("owner {v:?} is not NAME:PERCENT"))?;
                    let percent: f64 = pct
                        .trim()
                        .trim_end_matches('%')
                        .parse()
                        .map_err(|_| format!("owner {owner:?}: {pct:?} is not a percentage"))?;
                    if !(0.0..=100.0).contains(&percent) || owner.trim().is_empty() {
                        return Err(format!(
                            "owner {owner:?}: percentage {percent} is not between 0 and 100"
                        ));
                    }
                    party.owners.push(Owner {
                        name: owner.trim().to_string(),
                        country: None,
                        percent,
                    });
                }
                other => return Err(format!("unknown key {other:?} (expected country or owner)")),
            }
        }
        let total: f64 = party.owners.iter().map(|o| o.percent).sum();
        if total > 100.0 + 1e-9 {
            return Err(format!(
                "owners of {:?} hold {total} % in all, more than 100",
                party.name
            ));
        }
        Ok(party)
    }
}

impl Party {
    /// Checks a party given as data (JSON): what [`Party::parse`] checks.
    pub fn check(&self) -> Result<(), String> {
        let who = format!("{} {:?}", self.role.as_str(), self.name);
        if self.name.trim().is_empty() {
            return Err(format!("{}: the name is empty", self.role.as_str()));
        }
        let is_cc = |c: &str| c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic());
        for c in self
            .country
            .iter()
            .chain(self.owners.iter().filter_map(|o| o.country.as_ref()))
        {
            if !is_cc(c) {
                return Err(format!("{who}: country {c:?} is not an ISO alpha-2 code"));
            }
        }
        for o in &self.owners {
            if o.name.trim().is_empty() || !(0.0..=100.0).contains(&o.percent) {
                return Err(format!(
                    "{who}: owner {:?}: percentage {} is not between 0 and 100",
                    o.name, o.percent
                ));
            }
        }
        let total: f64 = self.owners.iter().map(|o| o.percent).sum();
        if total > 100.0 + 1e-9 {
            return Err(format!(
                "{who}: owners hold {total} % in all, more than 100"
            ));
        }
        Ok(())
    }
}

/// One list entry a party (or one of its owners) matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListHit {
    pub role: Role,
    /// The party as named in the check.
    pub party: String,
    /// Set when the hit is on an owner of the party (direct or further up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// That owner's own share of the party, where it holds one directly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_share: Option<f64>,
    /// List code, e.g. `EL`, `DPL`, `SDN`.
    pub list: String,
    pub list_name: String,
    pub entry_id: String,
    pub entry_name: String,
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_requirement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federal_register_notice: Option<String>,
}

/// Which items a list's effect reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ItemScope {
    /// Every item subject to the jurisdiction's rules.
    #[default]
    Any,
    /// Only items the jurisdiction controls (a control was found).
    Controlled,
}

/// The legal effect of one or more lists, from a pack's `parties.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListEffect {
    /// Rule id, e.g. `us.parties.entity-list`.
    pub id: String,
    /// List codes it applies to, as screening reports them.
    pub lists: Vec<String>,
    pub name: String,
    pub outcome: Outcome,
    pub citation: String,
    /// What the effect is, in a sentence.
    pub text: String,
    #[serde(default)]
    pub effective_from: Option<NaiveDate>,
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    /// Only for these end uses (empty: any end use).
    #[serde(default)]
    pub end_uses: Vec<String>,
    #[serde(default)]
    pub items: ItemScope,
    /// The entry's own licence requirement and review policy apply.
    #[serde(default)]
    pub from_entry: bool,
    /// Licence exceptions may not be used.
    #[serde(default)]
    pub no_exceptions: bool,
    /// With `needs_info`: the fact whose `true` answers the question, and the question.
    #[serde(default)]
    pub resolved_by: Option<String>,
    #[serde(default)]
    pub question: Option<String>,
}

/// How an ownership rule compares the share with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The share is the threshold or more (OFAC, BIS: "50 percent or more").
    #[default]
    AtLeast,
    /// The share exceeds the threshold (EU, UK: "more than 50 %").
    MoreThan,
}

/// A 50 % rule (`[[ownership]]` in `parties.toml`): entities owned by parties
/// on `lists`, at `threshold` or more, are treated as listed themselves,
/// with the most restrictive of their listed owners' effects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnershipRule {
    pub id: String,
    pub name: String,
    /// Owners on these lists count.
    pub lists: Vec<String>,
    /// Percentage, 0–100.
    pub threshold: f64,
    #[serde(default)]
    pub compare: Compare,
    /// Shares of several listed owners add up.
    pub aggregate: bool,
    /// Entities caught by the rule pass it on to what they own.
    pub indirect: bool,
    /// Control by a listed owner catches whatever the share ("owned or controlled").
    #[serde(default)]
    pub control: bool,
    pub citation: String,
    /// What the rule says, in a sentence.
    pub text: String,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    #[serde(default)]
    pub suspended: Vec<Suspension>,
    /// For a rule that does not aggregate: when different listed persons'
    /// holdings together would meet the test, the fact whose `true` says
    /// they are not held jointly (no joint arrangement, none controlling
    /// another's), and the question asking it. Until answered, the party
    /// is not clear.
    #[serde(default)]
    pub joint_resolved_by: Option<String>,
    #[serde(default)]
    pub joint_question: Option<String>,
}

impl OwnershipRule {
    /// The computation's terms.
    pub fn terms(&self) -> crate::ownership::Rule {
        crate::ownership::Rule {
            threshold: crate::ownership::Share::from_percent(self.threshold)
                .unwrap_or(crate::ownership::Share::ZERO),
            more_than: self.compare == Compare::MoreThan,
            aggregate: self.aggregate,
            indirect: self.indirect,
            control: self.control,
        }
    }

    fn threshold_words(&self) -> String {
        match self.compare {
            Compare::AtLeast => format!("{} % or more", format_number(self.threshold)),
            Compare::MoreThan => format!("more than {} %", format_number(self.threshold)),
        }
    }

    /// Why the rule does not bind on `date`, if it does not.
    pub fn status(&self, date: NaiveDate) -> Option<String> {
        if date < self.effective_from {
            return Some(format!("not yet in effect (from {})", self.effective_from));
        }
        if let Some(to) = self.effective_to.filter(|t| date > *t) {
            return Some(format!("no longer in effect (to {to})"));
        }
        self.suspended
            .iter()
            .find(|s| date >= s.from && date <= s.to)
            .map(|s| format!("suspended {} to {} ({})", s.from, s.to, s.citation))
    }
}

/// A party's owners as far as they are known (declared in the check, or
/// from the ownership records), with the list hits on each: what the
/// ownership rules read.
#[derive(Debug, Clone)]
pub struct OwnershipView {
    pub role: Role,
    pub party: String,
    /// How findings name the party (`end user "X"`, `party "X"`).
    pub label: String,
    /// The party and the entities that own it, directly or further up.
    pub graph: crate::ownership::OwnershipGraph,
    /// The party's node in `graph`.
    pub node: crate::ownership::NodeId,
    /// Hits on the owners, by node.
    pub hits: Vec<(crate::ownership::NodeId, ListHit)>,
}

/// What an ownership rule makes of a party.
#[derive(Debug, Clone, Serialize)]
pub struct OwnershipFinding {
    pub rule: String,
    pub rule_name: String,
    pub citation: String,
    pub verdict: crate::ownership::VerdictKind,
    /// The stated share the listed owners hold (summed where the rule adds up).
    pub share: f64,
    /// The ownership paths in words.
    pub paths: String,
    pub holdings: Vec<crate::ownership::Holding>,
    /// The finding in a sentence.
    pub text: String,
    /// Why the rule does not bind on the date, if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// With `caught`: the listed owner's hit and the effect the party takes.
    #[serde(skip)]
    pub effect: Option<(ListHit, ListEffect)>,
    /// With `below` under a rule that does not aggregate: the listed
    /// persons' holdings together would meet the test, so whether they are
    /// held jointly must be asked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub joint: bool,
}

impl OwnershipFinding {
    /// The verdict in words.
    pub fn verdict_words(&self) -> &'static str {
        use crate::ownership::VerdictKind;
        match self.verdict {
            VerdictKind::Caught => "treated as listed",
            VerdictKind::Undetermined => "undetermined: shares not stated",
            VerdictKind::Below => "below the threshold (a red flag)",
            VerdictKind::Listed => "listed itself",
            VerdictKind::Clear => "clear",
        }
    }
}

/// A period in which a rule is stayed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suspension {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub citation: String,
}

/// A party a pack itself designates (e.g. the accord's 6G standards ban),
/// screened like any list entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Designated {
    pub list: String,
    pub list_name: String,
    pub id: String,
    pub names: Vec<String>,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub citation: Option<String>,
}

/// A pack's party rules (`packs/<id>/parties.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyRules {
    #[serde(skip)]
    pub pack: String,
    #[serde(skip)]
    pub hash: String,
    #[serde(default, rename = "list")]
    pub effects: Vec<ListEffect>,
    #[serde(default)]
    pub ownership: Vec<OwnershipRule>,
    #[serde(default)]
    pub designated: Vec<Designated>,
}

impl PartyRules {
    pub fn from_toml(pack: &str, path: &str, text: &str) -> Result<PartyRules, DataError> {
        let mut rules: PartyRules =
            toml::from_str(text).map_err(|e| DataError::toml(path, &e, text))?;
        rules.pack = pack.to_string();
        rules.hash = crate::pack::content_hash(&[path, text]);
        for e in &rules.effects {
            if e.lists.is_empty() {
                return Err(DataError::in_entry(path, &e.id, "`lists` is empty"));
            }
            if e.outcome == Outcome::NeedsInfo && e.question.is_none() {
                return Err(DataError::in_entry(
                    path,
                    &e.id,
                    "a needs_info effect needs a `question`",
                ));
            }
            if let (Some(f), Some(t)) = (e.effective_from, e.effective_to) {
                if t < f {
                    return Err(DataError::in_entry(
                        path,
                        &e.id,
                        "`effective_to` is before `effective_from`",
                    ));
                }
            }
        }
        for o in &rules.ownership {
            let bad = |m: &str| Err(DataError::in_entry(path, &o.id, m));
            if !(0.0..=100.0).contains(&o.threshold) {
                return bad("`threshold` is not a percentage");
            }
            if o.lists.is_empty() {
                return bad("`lists` is empty");
            }
            if let Some(l) = o
                .lists
                .iter()
                .find(|l| !rules.effects.iter().any(|e| e.lists.contains(l)))
            {
                return bad(&format!(
                    "list {l:?} has no `[[list]]` effect in this file: an owned entity would take no effect from it"
                ));
            }
            if o.effective_to.is_some_and(|t| t < o.effective_from) {
                return bad("`effective_to` is before `effective_from`");
            }
            if o.suspended.iter().any(|s| s.to < s.from) {
                return bad("a suspension ends before it starts");
            }
        }
        Ok(rules)
    }

    /// The list codes this pack gives an effect to.
    pub fn lists(&self) -> impl Iterator<Item = &str> {
        self.effects
            .iter()
            .flat_map(|e| e.lists.iter().map(String::as_str))
    }

    fn effect_for(
        &self,
        list: &str,
        date: NaiveDate,
        end_use: Option<&str>,
    ) -> Option<&ListEffect> {
        self.effects.iter().find(|e| {
            e.lists.iter().any(|l| l.eq_ignore_ascii_case(list))
                && e.effective_from.is_none_or(|f| date >= f)
                && e.effective_to.is_none_or(|t| date <= t)
                && (e.end_uses.is_empty()
                    || end_use.is_some_and(|u| e.end_uses.iter().any(|x| x == u)))
        })
    }

    /// Applies the hits, and the ownership rules to the parties' owners, to
    /// this pack's determination in `decision`.
    pub fn apply(
        &self,
        decision: &mut Decision,
        hits: &[ListHit],
        views: &[OwnershipView],
        facts: &Facts,
    ) {
        let date = decision.as_of;
        let end_use = decision.end_use.clone();
        let Some(det) = decision
            .determinations
            .iter_mut()
            .find(|d| d.jurisdiction == self.pack && d.outcome.is_some())
        else {
            return;
        };
        let controlled = !det.controls.is_empty();
        // Direct hits on the parties themselves.
        for hit in hits.iter().filter(|h| h.owner.is_none()) {
            if let Some(effect) = self.effect_for(&hit.list, date, end_use.as_deref()) {
                if effect.items == ItemScope::Controlled && !controlled {
                    continue;
                }
                let who = format!("{} {:?}", hit.role, hit.party);
                let why = format!(
                    "{who} matches {} entry {:?} ({}, score {:.2})",
                    effect.name, hit.entry_name, hit.list, hit.score
                );
                impose(det, effect, hit, &why, facts);
            }
        }
        for view in views {
            for rule in &self.ownership {
                self.apply_ownership(
                    det,
                    rule,
                    view,
                    controlled,
                    (date, end_use.as_deref()),
                    facts,
                );
            }
        }
    }

    /// What one ownership rule makes of one party, with its paths; `None`
    /// when no owner is on the rule's lists. `controlled`: whether the item
    /// is one the jurisdiction controls (some lists reach only those).
    pub fn ownership_finding(
        &self,
        rule: &OwnershipRule,
        view: &OwnershipView,
        controlled: bool,
        date: NaiveDate,
        end_use: Option<&str>,
    ) -> Option<OwnershipFinding> {
        use crate::ownership::{verdict, NodeId, VerdictKind};
        // The hits that count under this rule, per owner: its lists, with an
        // effect in force for these items.
        let mut listed: std::collections::HashMap<NodeId, (&ListHit, &ListEffect)> =
            std::collections::HashMap::new();
        for (node, hit) in &view.hits {
            if *node == view.node || !rule.lists.iter().any(|l| l.eq_ignore_ascii_case(&hit.list)) {
                continue;
            }
            let Some(effect) = self.effect_for(&hit.list, date, end_use) else {
                continue;
            };
            if effect.items == ItemScope::Controlled && !controlled {
                continue;
            }
            match listed.get(node) {
                // One owner on several lists counts once, with its worst list.
                Some((_, e)) if e.outcome >= effect.outcome => {}
                _ => {
                    listed.insert(*node, (hit, effect));
                }
            }
        }
        if listed.is_empty() {
            return None;
        }
        let v = verdict(
            &view.graph,
            view.node,
            &|n| listed.contains_key(&n),
            &rule.terms(),
        );
        let label = |n: NodeId| {
            listed
                .get(&n)
                .map(|(h, _)| h.list.clone())
                .unwrap_or_default()
        };
        let paths = v.words(&label);
        let mut roots = Vec::new();
        collect_roots(&v.holdings, &mut roots);
        let worst = roots
            .iter()
            .filter_map(|n| listed.get(n))
            .max_by(|a, b| a.1.outcome.cmp(&b.1.outcome));
        let who = &view.label;
        // Apart they fall short; together they would not.
        let together = (v.kind == VerdictKind::Below && rule.joint_resolved_by.is_some())
            .then(|| {
                let terms = crate::ownership::Rule {
                    aggregate: true,
                    ..rule.terms()
                };
                verdict(&view.graph, view.node, &|n| listed.contains_key(&n), &terms)
            })
            .filter(|t| t.kind == VerdictKind::Caught);
        let (text, effect) = match v.kind {
            VerdictKind::Listed | VerdictKind::Clear => return None,
            VerdictKind::Below if together.is_some() => (
                format!(
                    "{who} is held {} by different listed parties together ({paths}), none alone holding {}: {} counts them together only where they are held jointly or under a joint arrangement",
                    together.as_ref().map_or(v.share, |t| t.share),
                    rule.threshold_words(),
                    rule.name
                ),
                worst.map(|(hit, effect)| ((*hit).clone(), (*effect).clone())),
            ),
            VerdictKind::Below => (
                format!(
                    "{who} is held {} by listed parties ({paths}), not {} ({}): a red flag to resolve, not the rule",
                    v.share,
                    rule.threshold_words(),
                    rule.name
                ),
                None,
            ),
            VerdictKind::Undetermined => (
                format!(
                    "{who} is held by listed parties in shares not all stated ({paths}); {} reaches entities owned {} by them",
                    rule.name,
                    rule.threshold_words()
                ),
                None,
            ),
            VerdictKind::Caught => {
                let (hit, effect) = worst?;
                let by_share = rule.terms().meets(v.share);
                let how = if by_share {
                    format!("is owned {} by listed parties ({paths}), {}", v.share, rule.threshold_words())
                } else {
                    format!("is controlled by listed parties ({paths})")
                };
                (
                    format!(
                        "{who} {how}: {} treats it as listed on {}",
                        rule.name, effect.name
                    ),
                    Some(((*hit).clone(), (*effect).clone())),
                )
            }
        };
        Some(OwnershipFinding {
            rule: rule.id.clone(),
            rule_name: rule.name.clone(),
            citation: rule.citation.clone(),
            verdict: v.kind,
            share: v.share.percent(),
            paths,
            holdings: v.holdings,
            text,
            status: rule.status(date),
            effect,
            joint: together.is_some(),
        })
    }

    /// One ownership rule on one party, into the determination.
    fn apply_ownership(
        &self,
        det: &mut Determination,
        rule: &OwnershipRule,
        view: &OwnershipView,
        controlled: bool,
        (date, end_use): (NaiveDate, Option<&str>),
        facts: &Facts,
    ) {
        use crate::ownership::VerdictKind;
        let Some(f) = self.ownership_finding(rule, view, controlled, date, end_use) else {
            return;
        };
        let reason = |status: Option<String>| Reason {
            law: None,
            rule: rule.id.clone(),
            citation: rule.citation.clone(),
            text: f.text.clone(),
            status,
        };
        if let Some(s) = &f.status {
            det.notes.push(reason(Some(s.clone())));
            return;
        }
        match (&f.verdict, &f.effect) {
            (VerdictKind::Below, _) if f.joint => {
                let fact = rule.joint_resolved_by.clone().unwrap_or_default();
                if matches!(facts.get(&fact), Some(FactValue::Bool(true))) {
                    det.notes
                        .push(reason(Some("below threshold; not held jointly".into())));
                    return;
                }
                // Held jointly: the holdings count together, as one holder's.
                if let (Some(FactValue::Bool(false)), Some((hit, effect))) =
                    (facts.get(&fact), &f.effect)
                {
                    let mut as_party = hit.clone();
                    as_party.party = view.party.clone();
                    let before = det.reasons.len();
                    let why = format!(
                        "{}; held jointly ({fact} = false), so they count together",
                        f.text
                    );
                    impose(det, effect, &as_party, &why, facts);
                    if let Some(r) = det.reasons.get_mut(before) {
                        r.citation = format!("{}; {}", rule.citation, r.citation);
                        r.rule = rule.id.clone();
                    }
                    return;
                }
                det.reasons.push(reason(None));
                det.questions.push(yes_no(
                    fact,
                    rule.joint_question.clone().unwrap_or_default(),
                    &rule.id,
                ));
                let current = det.outcome.unwrap_or(Outcome::NotControlled);
                det.outcome = Some(current.worst(Outcome::NeedsInfo));
            }
            (VerdictKind::Below, _) => det.notes.push(reason(Some("below threshold".into()))),
            (VerdictKind::Undetermined, _) => {
                det.reasons.push(reason(None));
                det.questions.push(Question {
                    fact: format!("ownership:{}", view.party),
                    question: format!(
                        "What shares of {:?} do its listed owners hold? Declare them (the ownership records, or owner=NAME:PERCENT) and check again.",
                        view.party
                    ),
                    rule: rule.id.clone(),
                    answer: None,
                });
                let current = det.outcome.unwrap_or(Outcome::NotControlled);
                det.outcome = Some(current.worst(Outcome::NeedsInfo));
            }
            (VerdictKind::Caught, Some((hit, effect))) => {
                let mut as_party = hit.clone();
                as_party.party = view.party.clone();
                let before = det.reasons.len();
                impose(det, effect, &as_party, &f.text, facts);
                // One reason: the ownership rule's, with the effect it imposes.
                if let Some(r) = det.reasons.get_mut(before) {
                    r.citation = format!("{}; {}", rule.citation, r.citation);
                    r.rule = rule.id.clone();
                }
            }
            _ => {}
        }
    }

    /// This pack's reference for the decision's `packs`.
    pub fn pack_ref(&self) -> PackRef {
        PackRef {
            id: format!("{}/parties", self.pack),
            version: String::new(),
            hash: self.hash.clone(),
        }
    }
}

/// The listed owners at the ends of the paths.
fn collect_roots(holdings: &[crate::ownership::Holding], out: &mut Vec<crate::ownership::NodeId>) {
    for h in holdings {
        if h.because.is_empty() {
            out.push(h.owner);
        } else {
            collect_roots(&h.because, out);
        }
    }
}

/// A question a stated fact answers yes or no.
fn yes_no(fact: String, question: String, rule: &str) -> Question {
    Question {
        answer: Some(crate::vocab::Answer {
            fact: fact.clone(),
            field: "facts".into(),
            input: "bool".into(),
            label: fact.replace('_', " "),
            unit: String::new(),
            choices: Vec::new(),
        }),
        fact,
        question,
        rule: rule.to_string(),
    }
}

fn impose(det: &mut Determination, effect: &ListEffect, hit: &ListHit, why: &str, facts: &Facts) {
    if effect.outcome == Outcome::NeedsInfo {
        let fact = effect
            .resolved_by
            .clone()
            .unwrap_or_else(|| effect.id.clone());
        if matches!(facts.get(&fact), Some(FactValue::Bool(true))) {
            det.reasons.push(Reason {
                law: None,
                rule: effect.id.clone(),
                citation: effect.citation.clone(),
                text: format!("{why}; {fact} is on file"),
                status: None,
            });
            return;
        }
        // Answered no: what the question rules out is there, so the
        // restriction applies and the shipment may not go ahead as it is.
        if matches!(facts.get(&fact), Some(FactValue::Bool(false))) {
            det.reasons.push(Reason {
                law: None,
                rule: effect.id.clone(),
                citation: effect.citation.clone(),
                text: format!(
                    "{why}: {}; answered no ({fact} = false), so the restriction applies",
                    effect.text
                ),
                status: None,
            });
            if !det.listed_parties.contains(&hit.party) {
                det.listed_parties.push(hit.party.clone());
            }
            let current = det.outcome.unwrap_or(Outcome::NotControlled);
            det.outcome = Some(current.worst(Outcome::Prohibited));
            return;
        }
        // A yes/no the party's papers answer (a UVL statement on file).
        det.questions.push(yes_no(
            fact,
            effect.question.clone().unwrap_or_default(),
            &effect.id,
        ));
    }
    let mut text = format!("{why}: {}", effect.text);
    if effect.from_entry {
        if let Some(req) = &hit.license_requirement {
            text.push_str(&format!("; entry's licence requirement: {req}"));
        }
        if let Some(policy) = &hit.license_policy {
            det.review_policy = Some(policy.clone());
        }
    }
    let citation = match (&hit.federal_register_notice, effect.from_entry) {
        (Some(fr), true) => format!("{}; {fr}", effect.citation),
        _ => effect.citation.clone(),
    };
    det.reasons.push(Reason {
        law: None,
        rule: effect.id.clone(),
        citation,
        text,
        status: None,
    });
    if effect.no_exceptions && !det.exceptions.is_empty() {
        det.exceptions.clear();
    }
    if !det.listed_parties.contains(&hit.party) {
        det.listed_parties.push(hit.party.clone());
    }
    let current = det.outcome.unwrap_or(Outcome::NotControlled);
    let mut next = current.worst(effect.outcome);
    if effect.no_exceptions
        && current == Outcome::ExceptionEligible
        && next == Outcome::ExceptionEligible
    {
        next = Outcome::LicenseRequired;
    }
    det.outcome = Some(next);
}

/// Applies every pack's party rules and re-derives the overall outcome.
pub fn apply_parties(
    decision: &mut Decision,
    rules: &[PartyRules],
    hits: &[ListHit],
    views: &[OwnershipView],
    facts: &Facts,
) {
    for r in rules {
        r.apply(decision, hits, views, facts);
        if !decision
            .packs
            .iter()
            .any(|p| p.id == format!("{}/parties", r.pack))
        {
            decision.packs.push(r.pack_ref());
        }
    }
    decision.recompute_overall();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_specs_parse_and_reject_bad_input() {
        let p = Party::parse(
            Role::EndUser,
            "Acme Co., Ltd.;country=cn;owner=Huawei Technologies Co., Ltd.:30;owner=Other:25%",
        )
        .unwrap();
        assert_eq!(p.name, "Acme Co., Ltd.");
        // As written: the shell resolves codes and names.
        assert_eq!(p.country.as_deref(), Some("cn"));
        assert_eq!(p.owners.len(), 2);
        assert_eq!(p.owners[0].name, "Huawei Technologies Co., Ltd.");
        assert_eq!(p.owners[1].percent, 25.0);
        assert!(Party::parse(Role::EndUser, "").is_err());
        assert!(Party::parse(Role::EndUser, "A;owner=B:120").is_err());
        assert!(Party::parse(Role::EndUser, "A;owner=B:60;owner=C:60").is_err());
        let e = Party::parse(Role::Consignee, "A;colour=red").unwrap_err();
        assert!(e.contains("unknown key \"colour\""), "{e}");
        assert!(!e.contains("--"), "the shells name the flag or column: {e}");
    }
}
