//! Parties to a transaction and the legal effect of restricted-party list hits.
//!
//! Screening (name matching) happens elsewhere; this module takes the hits it
//! found, for the parties and their owners, and applies each list's legal
//! effect to the jurisdiction's determination, as a pack's `parties.toml`
//! states it: which lists, what outcome, from which date, for which end uses,
//! and whether the 50 % affiliates rule extends it to owned companies.

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
    /// Set when the hit is on an owner of the party, with its share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<(String, f64)>,
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
    /// Owned companies are caught by the affiliates rule.
    #[serde(default)]
    pub affiliates: bool,
}

/// The 50 % rule: a party owned in aggregate at least `threshold` % by
/// listed parties is treated as listed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffiliatesRule {
    pub id: String,
    pub citation: String,
    pub threshold: f64,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub suspended: Vec<Suspension>,
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
    pub affiliates: Option<AffiliatesRule>,
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
        if let Some(a) = &rules.affiliates {
            if !(0.0..=100.0).contains(&a.threshold) {
                return Err(DataError::in_entry(
                    path,
                    &a.id,
                    "`threshold` is not a percentage",
                ));
            }
            for s in &a.suspended {
                if s.to < s.from {
                    return Err(DataError::in_entry(
                        path,
                        &a.id,
                        "a suspension ends before it starts",
                    ));
                }
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

    /// Applies the hits to this pack's determination in `decision`.
    pub fn apply(&self, decision: &mut Decision, hits: &[ListHit], facts: &Facts) {
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
        // The affiliates rule: aggregate ownership by listed owners, per party.
        let Some(rule) = &self.affiliates else { return };
        let mut parties: Vec<(&Role, &str)> = hits
            .iter()
            .filter(|h| h.owner.is_some())
            .map(|h| (&h.role, h.party.as_str()))
            .collect();
        parties.dedup();
        for (role, party) in parties {
            let mut owners: Vec<(&str, f64, &ListHit, &ListEffect)> = Vec::new();
            for h in hits.iter().filter(|h| h.role == *role && h.party == party) {
                let Some((owner, pct)) = &h.owner else {
                    continue;
                };
                let Some(effect) = self.effect_for(&h.list, date, end_use.as_deref()) else {
                    continue;
                };
                if !effect.affiliates || (effect.items == ItemScope::Controlled && !controlled) {
                    continue;
                }
                match owners.iter_mut().find(|o| o.0 == owner) {
                    // One owner on several lists counts once, with its worst list.
                    Some(o) if effect.outcome > o.3.outcome => {
                        o.2 = h;
                        o.3 = effect;
                    }
                    Some(_) => {}
                    None => owners.push((owner, *pct, h, effect)),
                }
            }
            if owners.is_empty() {
                continue;
            }
            let total: f64 = owners.iter().map(|o| o.1).sum();
            let listing = owners
                .iter()
                .map(|o| format!("{} {} % ({})", o.0, format_number(o.1), o.2.list))
                .collect::<Vec<_>>()
                .join(", ");
            let who = format!("{role} {party:?}");
            let status = rule_status(rule, date);
            if total + 1e-9 < rule.threshold {
                det.notes.push(Reason {
                    law: None,
                    rule: rule.id.clone(),
                    citation: rule.citation.clone(),
                    text: format!(
                        "{who} is {} % owned by listed parties ({listing}), below the {} % of the affiliates rule: a red flag to resolve, not a licence requirement",
                        format_number(total),
                        format_number(rule.threshold)
                    ),
                    status: Some("below threshold".into()),
                });
                continue;
            }
            let worst = owners
                .iter()
                .max_by(|a, b| a.3.outcome.cmp(&b.3.outcome))
                .expect("owners is not empty");
            let why = format!(
                "{who} is owned {} % in aggregate by listed parties ({listing}), at or above {} %: the affiliates rule treats it as listed on {}",
                format_number(total),
                format_number(rule.threshold),
                worst.3.name
            );
            match status {
                None => {
                    det.reasons.push(Reason {
                        law: None,
                        rule: rule.id.clone(),
                        citation: rule.citation.clone(),
                        text: why.clone(),
                        status: None,
                    });
                    impose(det, worst.3, worst.2, &why, facts);
                }
                Some(s) => det.notes.push(Reason {
                    law: None,
                    rule: rule.id.clone(),
                    citation: rule.citation.clone(),
                    text: why,
                    status: Some(s),
                }),
            }
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

/// Why the affiliates rule does not bind on `date`, if it does not.
fn rule_status(rule: &AffiliatesRule, date: NaiveDate) -> Option<String> {
    if date < rule.effective_from {
        return Some(format!("not yet in effect (from {})", rule.effective_from));
    }
    rule.suspended
        .iter()
        .find(|s| date >= s.from && date <= s.to)
        .map(|s| format!("suspended {} to {} ({})", s.from, s.to, s.citation))
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
        // A yes/no the party's papers answer (a UVL statement on file).
        let answer = crate::vocab::Answer {
            fact: fact.clone(),
            field: "facts".into(),
            input: "bool".into(),
            label: fact.replace('_', " "),
            unit: String::new(),
            choices: Vec::new(),
        };
        det.questions.push(Question {
            fact,
            question: effect.question.clone().unwrap_or_default(),
            rule: effect.id.clone(),
            answer: Some(answer),
        });
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
    facts: &Facts,
) {
    for r in rules {
        r.apply(decision, hits, facts);
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
