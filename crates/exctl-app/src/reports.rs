//! Reports an auditor asks for: a decision as a printable HTML page (what
//! was asked, what was decided and why, under which rules and lists, and
//! what became of its cases), and the queue, licences and decisions as CSV.
//! Pure functions of what is on record; every value is escaped.

use anyhow::Result;
use exctl_records::{Case, CaseFile, StoredDecision, StoredLicence};
use serde_json::Value;
use std::fmt::Write as _;

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:60rem}\
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid #ddd}\
th{width:14rem;color:#555;font-weight:600}.headline{font-size:1.2rem;font-weight:650}.cite{color:#555;font-size:.9em}\
blockquote{white-space:pre-wrap;color:#444;margin:.2rem 0 .4rem 1rem;font-size:.9em}\
@media print{body{margin:1cm}a{color:inherit;text-decoration:none}}";

fn row(out: &mut String, label: &str, value: &str) {
    let _ = write!(
        out,
        "<tr><th>{}</th><td>{}</td></tr>",
        escape(label),
        escape(value)
    );
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A recorded decision as a printable HTML page; `cases` are the cases it
/// opened, with their histories; `instance` names the instance's key.
pub fn decision_html(d: &StoredDecision, cases: &[CaseFile], instance: &str) -> String {
    let r = &d.result;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>exctl decision {}</title><style>{STYLE}</style></head><body>",
        d.id
    );
    let _ = write!(
        h,
        "<h1>Export-control {} {}: {}</h1>",
        escape(&d.kind),
        d.id,
        escape(&d.outcome)
    );
    if let Some(s) = r.get("summary") {
        let _ = write!(
            h,
            "<p class=\"headline\">{}</p>",
            escape(&text_of(&s["headline"]))
        );
        for line in s["deciding"].as_array().into_iter().flatten() {
            let _ = write!(h, "<p>because {}</p>", escape(&text_of(line)));
        }
        if let Some(next) = s["next"].as_array().filter(|n| !n.is_empty()) {
            h.push_str("<ol>");
            for n in next {
                let _ = write!(h, "<li>{}</li>", escape(&text_of(n)));
            }
            h.push_str("</ol>");
        }
    }
    h.push_str("<h2>Record</h2><table>");
    row(&mut h, "decision", &d.id.to_string());
    row(&mut h, "recorded", &d.recorded_at);
    row(&mut h, "by", &d.actor);
    row(&mut h, "subject", &d.subject);
    let product = &d.result["item"]["product"];
    if let (Some(name), Some(version), Some(sha)) = (
        product["name"].as_str(),
        product["version"].as_i64(),
        product["sha256"].as_str(),
    ) {
        row(
            &mut h,
            "own product",
            &format!("{name}, version {version} (definition sha256 {sha})"),
        );
    }
    row(
        &mut h,
        "destination",
        d.destination.as_deref().unwrap_or("–"),
    );
    row(&mut h, "parties", &d.parties.join("; "));
    row(&mut h, "rules as of", &d.as_of);
    row(&mut h, "outcome", &d.outcome);
    row(&mut h, "rules and data (hash)", &d.rules_hash);
    row(
        &mut h,
        "list version",
        d.list_version.as_deref().unwrap_or("–"),
    );
    row(&mut h, "request key", &d.request_key);
    if !instance.is_empty() {
        row(&mut h, "instance key", instance);
    }
    if let Some(by) = d.superseded_by {
        row(&mut h, "superseded by", &by.to_string());
    }
    h.push_str("</table>");

    h.push_str("<h2>What was asked</h2><table>");
    if let Some(input) = d.input.as_object() {
        // (Whether to record is how it was asked, not what.)
        for (k, v) in input.iter().filter(|(k, _)| k.as_str() != "record") {
            row(&mut h, k, &text_of(v));
        }
    }
    h.push_str("</table>");

    for det in r["determinations"].as_array().into_iter().flatten() {
        let _ = write!(
            h,
            "<h2>{} ({}): {}</h2>",
            escape(&text_of(&det["jurisdiction"]).to_uppercase()),
            escape(&text_of(&det["authority"])),
            escape(&text_of(&det["outcome"]))
        );
        for key in ["notice", "scope"] {
            if let Some(n) = det[key].as_str() {
                let _ = write!(h, "<p class=\"cite\">{}</p>", escape(n));
            }
        }
        if let Some(p) = det["review_policy"].as_str() {
            let _ = write!(h, "<p>review policy: {}</p>", escape(p));
        }
        for q in det["questions"].as_array().into_iter().flatten() {
            let _ = write!(
                h,
                "<p>open question: {} <span class=\"cite\">{}</span></p>",
                escape(&text_of(&q["question"])),
                escape(&text_of(&q["rule"]))
            );
        }
        h.push_str("<ul>");
        for reason in det["reasons"].as_array().into_iter().flatten() {
            let _ = write!(
                h,
                "<li>{} <span class=\"cite\">{} — {}</span>",
                escape(&text_of(&reason["text"])),
                escape(&text_of(&reason["rule"])),
                escape(&text_of(&reason["citation"]))
            );
            if let Some(law) = reason["law"].as_str() {
                let _ = write!(h, "<blockquote>{}</blockquote>", escape(law));
            }
            h.push_str("</li>");
        }
        h.push_str("</ul>");
        if let Some(notes) = det["notes"].as_array().filter(|n| !n.is_empty()) {
            h.push_str("<p>Rules noted but not binding on the date:</p><ul>");
            for n in notes {
                let _ = write!(
                    h,
                    "<li>{} <span class=\"cite\">{} — {}; {}</span></li>",
                    escape(&text_of(&n["text"])),
                    escape(&text_of(&n["rule"])),
                    escape(&text_of(&n["citation"])),
                    escape(&text_of(&n["status"]))
                );
            }
            h.push_str("</ul>");
        }
    }
    if let Some(hits) = r["party_hits"].as_array().filter(|x| !x.is_empty()) {
        h.push_str("<h2>List matches of the parties</h2><ul>");
        for hit in hits {
            let _ = write!(
                h,
                "<li>{} {} on {}: {} (entry {}, score {})</li>",
                escape(&text_of(&hit["role"])),
                escape(&text_of(&hit["party"])),
                escape(&text_of(&hit["list"])),
                escape(&text_of(&hit["entry_name"])),
                escape(&text_of(&hit["entry_id"])),
                escape(&text_of(&hit["score"]))
            );
        }
        h.push_str("</ul>");
    }
    if !cases.is_empty() {
        h.push_str("<h2>Cases</h2>");
        for f in cases {
            let c = &f.case;
            let _ = write!(
                h,
                "<h3>Case {} ({}): {} — {}</h3><ul>",
                c.id,
                escape(&c.kind),
                escape(&c.subject),
                escape(&c.status)
            );
            for e in &f.events {
                let _ = write!(
                    h,
                    "<li>{} · {} · {}: {}{}</li>",
                    escape(&e.at),
                    escape(&e.actor),
                    escape(&e.action),
                    escape(&e.text),
                    e.evidence_sha256
                        .as_deref()
                        .map(|s| format!(
                            " <span class=\"cite\">[evidence sha256 {}]</span>",
                            escape(s)
                        ))
                        .unwrap_or_default()
                );
            }
            h.push_str("</ul>");
        }
    }
    if let Some(packs) = r["packs"].as_array() {
        h.push_str("<h2>Rule packs</h2><ul>");
        for p in packs {
            let _ = write!(
                h,
                "<li>{} {} <span class=\"cite\">{}</span></li>",
                escape(&text_of(&p["id"])),
                escape(&text_of(&p["version"])),
                escape(&text_of(&p["hash"]))
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("<p class=\"cite\">Every record above is in the instance's signed, hash-chained audit trail: <code>exctl audit verify</code> checks it; <code>exctl audit export</code> gives the entries and signatures.</p></body></html>\n");
    h
}

/// A text cell as a spreadsheet must not read it: a value that starts
/// like a formula (`=`, `+`, `-`, `@`, a tab or a return, or their
/// full-width forms) gets a leading `'`, so a party named
/// `=HYPERLINK(…)` stays text when the file is opened in a spreadsheet.
pub fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{text}")
        }
        _ => text.to_string(),
    }
}

/// Writes one row, every text cell through [`cell`].
fn write_row(w: &mut csv::Writer<Vec<u8>>, cells: Vec<String>) -> Result<()> {
    w.write_record(cells.iter().map(|c| cell(c)))?;
    Ok(())
}

/// The case queue as CSV, a row per case.
pub fn cases_csv(all: &[Case]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "kind",
        "status",
        "subject",
        "party",
        "party_country",
        "list",
        "entry_id",
        "outcome",
        "assignee",
        "resolution",
        "reason",
        "proposed_by",
        "approved_by",
        "decision_id",
        "rescreen_id",
        "opened_at",
        "opened_by",
        "updated_at",
    ])?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for c in all {
        write_row(
            &mut w,
            vec![
                c.id.to_string(),
                c.kind.clone(),
                c.status.clone(),
                c.subject.clone(),
                opt(&c.party),
                opt(&c.party_country),
                opt(&c.list),
                opt(&c.entry_id),
                opt(&c.outcome),
                opt(&c.assignee),
                opt(&c.resolution),
                opt(&c.reason),
                opt(&c.proposed_by),
                opt(&c.approved_by),
                num(c.decision_id),
                num(c.rescreen_id),
                c.opened_at.clone(),
                c.opened_by.clone(),
                c.updated_at.clone(),
            ],
        )?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Licences with their balances as CSV.
pub fn licences_csv(all: &[StoredLicence]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "jurisdiction",
        "number",
        "holder",
        "valid_from",
        "valid_to",
        "items",
        "controls",
        "destinations",
        "quantity",
        "quantity_used",
        "value",
        "value_used",
        "currency",
        "recorded_at",
    ])?;
    let num = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
    for s in all {
        let l = &s.licence;
        write_row(
            &mut w,
            vec![
                l.jurisdiction.clone(),
                l.number.clone(),
                l.holder.clone(),
                l.valid_from.to_string(),
                l.valid_to.to_string(),
                l.items.join("; "),
                l.controls.join("; "),
                l.destinations.join("; "),
                num(l.quantity),
                s.drawn.quantity.to_string(),
                num(l.value),
                s.drawn.value.to_string(),
                l.currency.clone(),
                s.recorded_at.clone(),
            ],
        )?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Recorded decisions as CSV, with their inputs and results as JSON.
pub fn decisions_csv(rows: &[StoredDecision]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "recorded_at",
        "actor",
        "kind",
        "subject",
        "destination",
        "parties",
        "outcome",
        "as_of",
        "rules_hash",
        "list_version",
        "input",
        "result",
    ])?;
    for r in rows {
        write_row(
            &mut w,
            vec![
                r.id.to_string(),
                r.recorded_at.clone(),
                r.actor.clone(),
                r.kind.clone(),
                r.subject.clone(),
                r.destination.clone().unwrap_or_default(),
                r.parties.join("; "),
                r.outcome.clone(),
                r.as_of.clone(),
                r.rules_hash.clone(),
                r.list_version.clone().unwrap_or_default(),
                r.input.to_string(),
                r.result.to_string(),
            ],
        )?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(party: &str) -> StoredDecision {
        StoredDecision {
            id: 7,
            request_key: "k".into(),
            kind: "check".into(),
            recorded_at: "2026-12-01T10:00:00Z".into(),
            actor: "alice".into(),
            subject: "nvidia-h100-sxm".into(),
            destination: Some("CN".into()),
            parties: vec![party.into()],
            outcome: "license_required".into(),
            as_of: "2026-12-01".into(),
            rules_hash: "abc".into(),
            list_version: Some("v1".into()),
            input: serde_json::json!({"item": "h100", "to": "CN", "end_user": party}),
            result: serde_json::json!({
                "summary": {"headline": "Licence required from BIS — presumption of denial", "deciding": ["us: x"], "next": ["Apply to BIS"]},
                "determinations": [{"jurisdiction": "us", "authority": "BIS", "outcome": "license_required",
                    "reasons": [{"rule": "us.r", "citation": "15 CFR 744.11", "text": "listed", "law": "(a) the words"}]}],
                "packs": [{"id": "us", "version": "2026.11.24", "hash": "h"}]
            }),
            superseded_by: None,
        }
    }

    #[test]
    fn a_decision_report_says_what_was_decided_and_escapes_every_value() {
        let html = decision_html(&stored("<script>alert(1)</script> & Co"), &[], "key1");
        assert!(html.contains("Licence required from BIS — presumption of denial"));
        assert!(html.contains("15 CFR 744.11"));
        assert!(html.contains("<blockquote>(a) the words</blockquote>"));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
        assert!(html.contains("2026.11.24"));
    }

    #[test]
    fn a_csv_cell_never_starts_a_formula() {
        let csv = decisions_csv(&[stored("=HYPERLINK(\"http://x\",\"click\")")]).unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[6], "'=HYPERLINK(\"http://x\",\"click\")");
        for bad in ["+1", "-1", "@SUM(A1)", "\tx", "＝1"] {
            assert!(cell(bad).starts_with('\''), "{bad}");
        }
        assert_eq!(cell("Acme"), "Acme");
    }

    #[test]
    fn csv_reports_quote_what_needs_quoting() {
        let csv = decisions_csv(&[stored("Acme, \"Ltd\"")]).unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[6], "Acme, \"Ltd\"");
        assert_eq!(&row[7], "license_required");
    }
}
