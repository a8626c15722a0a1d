//! The plain-language summary at the top of a check: the outcome in words,
//! the reasons that decide it, and what to do next. Written from the
//! decision alone, so the CLI, the API and the UI say the same.

use crate::decision::{Decision, Determination};
use crate::Outcome;
use serde::Serialize;

/// Most deciding reasons a summary quotes; the full list follows it.
const DECIDING_REASONS: usize = 2;

/// A decision in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The outcome in words ("Licence required from BIS — presumption of denial").
    pub headline: String,
    /// The reasons that decide it, each prefixed with its jurisdiction.
    pub deciding: Vec<String>,
    /// What to do next, most urgent first.
    pub next: Vec<String>,
}

/// Summarises a check; `open_hits` is the number of list matches on its
/// parties that nobody has cleared. A classification (no destination) has
/// no summary.
pub fn summarise(d: &Decision, open_hits: usize) -> Option<Summary> {
    let overall = d.overall?;
    let mut summary = summarise_as(d, overall, open_hits, false);
    // A pack with a standing caveat (terms from press reports) may be the
    // strictest; what binding law requires is then said as well.
    let caveated = |x: &Determination| x.notice.is_some();
    let deciding_caveated = d
        .determinations
        .iter()
        .filter(|x| x.outcome == Some(overall))
        .all(caveated);
    let binding = d
        .determinations
        .iter()
        .filter(|x| !caveated(x))
        .filter_map(|x| x.outcome)
        .reduce(Outcome::worst);
    if let Some(binding) = binding.filter(|b| deciding_caveated && *b != overall) {
        // The order stays held by the stricter answer: binding law's "ship"
        // is not advice while it is.
        let law = summarise_as(d, binding, open_hits, true);
        summary.headline = format!(
            "{}. Binding law: {}",
            summary.headline,
            lowercase_first(&law.headline)
        );
        summary.deciding.extend(law.deciding);
        summary.next = law.next;
        summary.next.push(
            "Hold the order for review: the strictest answer comes from a pack whose terms are not binding; release it only through its case, with a second officer".into(),
        );
    }
    Some(summary)
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// The summary as if `overall` were the outcome; `held` when a stricter
/// answer holds the order anyway (no advice to ship).
fn summarise_as(d: &Decision, overall: Outcome, open_hits: usize, held: bool) -> Summary {
    // The determinations that make the overall outcome what it is.
    let deciding: Vec<&Determination> = d
        .determinations
        .iter()
        .filter(|x| x.outcome == Some(overall))
        .collect();
    let authorities = join_authorities(&deciding);
    let headline = match overall {
        Outcome::Prohibited => {
            format!("Prohibited by {authorities}: the shipment may not go ahead")
        }
        Outcome::LicenseRequired => {
            let policy = deciding.iter().find_map(|x| x.review_policy.as_deref());
            match policy {
                Some(p) => format!("Licence required from {authorities} — {p}"),
                None => format!("Licence required from {authorities}"),
            }
        }
        Outcome::NeedsInfo => {
            let asked = deciding.iter().flat_map(|x| &x.questions);
            let answers = asked.clone().filter(|q| q.answer.is_some()).count();
            let steps = asked.filter(|q| q.answer.is_none()).count();
            match (answers, steps) {
                (n, 0) => format!(
                    "Not decided yet: {n} question{} for {authorities} to answer first",
                    plural(n)
                ),
                (0, m) => format!(
                    "Not decided yet: {m} step{} for {authorities} to take first",
                    plural(m)
                ),
                (n, m) => format!(
                    "Not decided yet: {n} question{} to answer and {m} step{} to take first, for {authorities}",
                    plural(n),
                    plural(m)
                ),
            }
        }
        Outcome::Authorized => {
            let licences: Vec<String> = deciding
                .iter()
                .filter_map(|x| x.licence.as_ref())
                .map(|l| format!("{} ({})", l.number, l.holder))
                .collect();
            if licences.is_empty() {
                format!("Licence required from {authorities}, and covered by a licence on file")
            } else {
                format!(
                    "Licence required from {authorities}, and covered by licence {}",
                    licences.join(", ")
                )
            }
        }
        Outcome::ExceptionEligible => {
            let symbols: Vec<&str> = deciding
                .iter()
                .flat_map(|x| x.exceptions.iter().map(|e| e.exception.as_str()))
                .collect();
            if symbols.is_empty() {
                format!("Licence required from {authorities}, unless a licence exception is used")
            } else {
                format!(
                    "Licence required from {authorities}, unless licence exception {} is used",
                    symbols.join(" or ")
                )
            }
        }
        Outcome::ObligationsApply => {
            format!("No licence required; {authorities} put obligations on the parties")
        }
        Outcome::NoLicenseRequired => {
            // Binding law's controls ("3A090.a"), not a caveated pack's categories.
            let controls: Vec<&str> = d
                .determinations
                .iter()
                .filter(|x| x.notice.is_none())
                .flat_map(|x| x.controls.iter().map(String::as_str))
                .collect();
            if controls.is_empty() {
                "No licence required".to_string()
            } else {
                format!(
                    "No licence required: controlled ({}), but not for this destination, end use and date",
                    dedup(controls).join(", ")
                )
            }
        }
        Outcome::NotControlled => "Not controlled: no rule in force controls the item".to_string(),
    };
    let reasons: Vec<String> = deciding
        .iter()
        .flat_map(|x| {
            x.reasons
                .iter()
                .rev()
                .take(1)
                .map(move |r| format!("{}: {} ({})", x.jurisdiction, r.text, r.citation))
        })
        .take(DECIDING_REASONS)
        .collect();
    let mut next = Vec::new();
    if open_hits > 0 {
        next.push(format!(
            "Review the {open_hits} possible list match{} on the parties: clear each one or stop the shipment",
            if open_hits == 1 { "" } else { "es" }
        ));
    }
    match overall {
        Outcome::Prohibited => next.push(
            "Do not ship; do not apply for a licence unless the rule provides for one".into(),
        ),
        Outcome::LicenseRequired => next.push(format!(
            "Apply to {authorities} for a licence, or do not ship"
        )),
        Outcome::NeedsInfo => {
            for x in &deciding {
                for q in &x.questions {
                    next.push(match q.answer {
                        Some(_) => format!("Answer: {}", q.question),
                        None => format!("Act: {}", q.question),
                    });
                }
            }
        }
        Outcome::ExceptionEligible => next.push(
            "Confirm the exception's conditions, record its use, or apply for a licence".into(),
        ),
        Outcome::Authorized => {
            next.push("Ship under the licence named and record the shipment against it".into())
        }
        Outcome::ObligationsApply => next.push("Meet the obligations listed below".into()),
        Outcome::NoLicenseRequired | Outcome::NotControlled => {
            // Packs that each weigh only part of the law (a sanctions
            // regime's listings) cannot clear a shipment by themselves.
            let partial =
                !d.determinations.is_empty() && d.determinations.iter().all(|x| x.scope.is_some());
            if partial {
                next.push("Nothing these packs weigh stops it; they do not say whether the item itself needs a licence: check it under the export-control packs too".into());
            } else if open_hits == 0 && !held {
                next.push("Ship; keep this decision with the order".into());
            }
        }
    }
    // Another jurisdiction's open questions are still to answer.
    for x in d
        .determinations
        .iter()
        .filter(|x| x.outcome != Some(overall))
    {
        for q in x.questions.iter().filter(|q| q.answer.is_some()) {
            next.push(format!("Answer ({}): {}", x.jurisdiction, q.question));
        }
    }
    // What a rule asks the user to do (resolve a red flag) stands with any outcome.
    if overall != Outcome::NeedsInfo {
        for q in deciding.iter().flat_map(|x| &x.questions) {
            if q.answer.is_none() {
                next.push(format!("Act: {}", q.question));
            }
        }
    }
    Summary {
        headline,
        deciding: reasons,
        next,
    }
}

/// "BIS", "BIS and MOTIE": each authority once, in order.
fn join_authorities(dets: &[&Determination]) -> String {
    let names = dedup(dets.iter().map(|x| x.short_authority.as_str()).collect());
    match names.as_slice() {
        [] => "no authority".to_string(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|x| seen.insert(*x));
    v
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
