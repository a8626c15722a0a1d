//! What a determination returns: the stable, documented JSON shape.

use crate::item::Metrics;
use crate::Outcome;
use chrono::NaiveDate;
use serde::Serialize;

/// Why a rule counted (or, under `--explain`, did not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Rule id, e.g. `us.3a090.a.1.2023`.
    pub rule: String,
    pub citation: String,
    /// What the rule says, with each threshold against the item's value.
    pub text: String,
    /// Status of the rule on the as-of date when it is not simply in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The words of the regulation the rule encodes: its `source_text`, or
    /// its CCL paragraph as the pack's snapshot reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub law: Option<String>,
}

/// A fact the rules need and do not have.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// The parameter that is unknown (or the rule's own question id).
    pub fact: String,
    pub question: String,
    /// The rule that needs it.
    pub rule: String,
    /// How the question is answered, when a stated fact answers it (a
    /// form control's type and choices); absent when the question asks the
    /// user to act ("resolve the red flag before shipping").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<crate::vocab::Answer>,
}

/// A licence exception that covers a requirement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionUse {
    /// Symbol, e.g. `NAC`, `ACA`.
    pub exception: String,
    pub rule: String,
    pub citation: String,
    pub text: String,
}

/// One jurisdiction's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Determination {
    pub jurisdiction: String,
    pub authority: String,
    /// The authority in a few words ("BIS"), for summaries.
    pub short_authority: String,
    /// The pack's standing caveat, shown with every answer it gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// What the pack weighs and what it leaves out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Absent for a classification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Controls that apply, e.g. `3A090.a`.
    pub controls: Vec<String>,
    /// The paragraphs that matched, e.g. `3A090.a.1`.
    pub paragraphs: Vec<String>,
    /// Licence review policy, reported beside `license_required`.
    pub review_policy: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ExceptionUse>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
    /// Duties that are not licence requirements (reporting, a provider's
    /// obligations), each with its rule and citation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<Reason>,
    pub reasons: Vec<Reason>,
    /// Rules that matched but do not bind on the date (not enforced,
    /// compliance pending).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Reason>,
    /// The licence on file that authorises the shipment (`authorized`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<LicenceUse>,
    /// Parties whose list entries impose this determination's requirement;
    /// only a licence that names each of them authorises it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listed_parties: Vec<String>,
    /// With `--explain`: rules that did not apply, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_applied: Vec<Reason>,
}

/// A licence named by an `authorized` determination, with its balance
/// before this shipment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenceUse {
    pub number: String,
    pub holder: String,
    pub valid_to: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_quantity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_value: Option<f64>,
    pub currency: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provisos: Vec<String>,
}

/// The item as reported with a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemSummary {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// First release, as the item file gives it (`release_date_partial`
    /// when only a month or a year is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_date: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub release_date_partial: bool,
    pub metrics: Metrics,
    /// Named parameters of the item (`[params]`), for kinds without typed fields.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, crate::FactValue>,
    /// The own product's version the item was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<crate::item::ProductVersionRef>,
}

/// The destination as reported with a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Destination {
    pub code: String,
    pub name: String,
    /// Country groups on the as-of date (after "treated as", e.g. HK as CN).
    pub groups: Vec<String>,
}

/// Identity of a rule pack used for a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackRef {
    pub id: String,
    pub version: String,
    pub hash: String,
}

/// A classification (`destination` and `overall` absent) or a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub as_of: NaiveDate,
    pub item: ItemSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    /// The transaction facts the request stated (`deemed`, `end_user_hq`,
    /// `red_flags` …), so the record shows what the answer rests on.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub facts: std::collections::BTreeMap<String, crate::FactValue>,
    pub determinations: Vec<Determination>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall: Option<Outcome>,
    pub packs: Vec<PackRef>,
}

impl Decision {
    /// Sets `overall` to the worst determination again, after a later stage
    /// (parties, licences) changed one. A classification keeps none.
    pub fn recompute_overall(&mut self) {
        if self.destination.is_none() {
            return;
        }
        self.overall = self
            .determinations
            .iter()
            .filter_map(|d| d.outcome)
            .reduce(Outcome::worst);
    }
}
