//! Human-readable and JSON renderings for the CLI.

use chrono::NaiveDate;
use exctl_app::views::ratio;
use exctl_core::facts::format_number;
use exctl_core::{Decision, Rule, RulePack, RuleStatus};
use exctl_data::Data;
use std::fmt::Write as _;

fn opt(n: Option<f64>) -> String {
    n.map_or_else(|| "unknown".to_string(), format_number)
}

pub fn decision_text(d: &Decision, explain: bool) -> String {
    let mut s = String::new();
    let m = &d.item.metrics;
    match &d.destination {
        Some(dest) => {
            let _ = writeln!(
                s,
                "{} → {} ({}) as of {}",
                d.item.name, dest.code, dest.name, d.as_of
            );
            let groups = if dest.groups.is_empty() {
                "none".to_string()
            } else {
                dest.groups.join(", ")
            };
            let _ = writeln!(s, "destination groups: {groups}");
            if d.facts.get("deemed") == Some(&exctl_core::FactValue::Bool(true)) {
                let _ = writeln!(
                    s,
                    "deemed export: a release of technology to a national of {} at home",
                    dest.code
                );
            }
        }
        None => {
            let _ = writeln!(s, "{} ({}) as of {}", d.item.name, d.item.id, d.as_of);
        }
    }
    if let Some(p) = &d.item.product {
        let _ = writeln!(
            s,
            "own product: {} version {} (sha256 {})",
            p.name,
            p.version,
            &p.sha256[..12.min(p.sha256.len())]
        );
    }
    let mut metrics = Vec::new();
    if let Some(t) = m.tpp {
        let basis = m
            .tpp_basis
            .map(|b| format!(" ({})", b.as_str()))
            .unwrap_or_default();
        metrics.push(format!("TPP {}{basis}", format_number(t)));
        metrics.push(format!("PD {}", opt(m.pd)));
        metrics.push(format!("{} H100-equivalents", opt(m.h100_equivalents)));
    }
    if let Some(i) = m.int8_tops {
        metrics.push(format!("INT8 {} TOPS", format_number(i)));
    }
    if let Some(t) = m.system_tpp {
        metrics.push(format!("system TPP {}", format_number(t)));
    }
    if let Some(f) = m.training_flop {
        metrics.push(format!("training compute {} FLOP", format_number(f)));
    }
    if let Some(b) = m.memory_bandwidth_density {
        metrics.push(format!("bandwidth density {} GB/s/mm²", format_number(b)));
    }
    if !metrics.is_empty() {
        let _ = writeln!(s, "metrics: {}", metrics.join(" · "));
    }
    if let Some(o) = d.overall {
        let _ = writeln!(s, "overall: {o}");
    }
    for det in &d.determinations {
        let _ = writeln!(s);
        let controls = if det.controls.is_empty() {
            "no controls".to_string()
        } else if det.paragraphs.is_empty() {
            det.controls.join(", ")
        } else {
            format!(
                "{} ({})",
                det.controls.join(", "),
                det.paragraphs.join(", ")
            )
        };
        match det.outcome {
            Some(o) => {
                let _ = writeln!(s, "{}: {o} — {controls}", det.jurisdiction);
            }
            None => {
                let _ = writeln!(s, "{}: {controls}", det.jurisdiction);
            }
        }
        if let Some(n) = &det.notice {
            let _ = writeln!(s, "  notice: {n}");
        }
        if let Some(n) = &det.scope {
            let _ = writeln!(s, "  scope: {n}");
        }
        if let Some(p) = &det.review_policy {
            let _ = writeln!(s, "  review policy: {p}");
        }
        for e in &det.exceptions {
            let _ = writeln!(
                s,
                "  licence exception {} available ({}): {}",
                e.exception, e.citation, e.text
            );
        }
        for q in &det.questions {
            match &q.answer {
                Some(a) => {
                    let _ = writeln!(
                        s,
                        "  needs: {} (answer with {}) [rule {}]",
                        q.question,
                        answer_hint(a),
                        q.rule
                    );
                }
                None => {
                    let _ = writeln!(s, "  to do: {} [rule {}]", q.question, q.rule);
                }
            }
        }
        for r in &det.obligations {
            let _ = writeln!(
                s,
                "  obligation: {} — {}\n      {}",
                r.rule, r.citation, r.text
            );
            if explain {
                law_lines(&mut s, r.law.as_deref(), "      ");
            }
        }
        for r in &det.reasons {
            let _ = writeln!(s, "  - {} — {}\n      {}", r.rule, r.citation, r.text);
            if explain {
                law_lines(&mut s, r.law.as_deref(), "      ");
            }
        }
        for r in &det.notes {
            let _ = writeln!(
                s,
                "  note: {} ({}) — {}\n      {}",
                r.rule,
                r.status.as_deref().unwrap_or(""),
                r.citation,
                r.text
            );
        }
        if explain {
            for r in &det.not_applied {
                let _ = writeln!(
                    s,
                    "  not applied: {} ({}) — {}",
                    r.rule,
                    r.status.as_deref().unwrap_or(""),
                    r.text
                );
            }
        }
    }
    s
}

/// The regulation's words, each line after `indent` (`--explain`).
fn law_lines(s: &mut String, law: Option<&str>, indent: &str) {
    for (i, line) in law.unwrap_or_default().lines().enumerate() {
        let lead = if i == 0 { "the law: " } else { "         " };
        let _ = writeln!(s, "{indent}{lead}{line}");
    }
}

/// The case queue, a line per case.
pub fn cases_text(all: &[exctl_records::Case]) -> String {
    if all.is_empty() {
        return "no cases\n".into();
    }
    let mut s = format!(
        "{:>5}  {:<5} {:<8} {:<14} {:<20} {}\n",
        "case", "kind", "status", "assignee", "opened", "subject"
    );
    for c in all {
        let _ = writeln!(
            s,
            "{:>5}  {:<5} {:<8} {:<14} {:<20} {}{}",
            c.id,
            c.kind,
            c.status,
            truncate(c.assignee.as_deref().unwrap_or("-"), 14),
            truncate(&c.opened_at, 20),
            c.subject,
            c.outcome
                .as_deref()
                .map(|o| format!(" [{o}]"))
                .unwrap_or_default()
        );
    }
    s
}

/// A case with its history.
pub fn case_text(f: &exctl_records::CaseFile) -> String {
    let c = &f.case;
    let source = match (c.decision_id, c.rescreen_id) {
        (Some(d), _) => format!(" from decision {d}"),
        (_, Some(r)) => format!(" by rescreen {r}"),
        _ => " on a clearance request".to_string(),
    };
    let mut s = format!(
        "case {} ({}): {} — {}\n  opened {} by {}{source}\n",
        c.id, c.kind, c.subject, c.status, c.opened_at, c.opened_by
    );
    if let Some(a) = &c.assignee {
        let _ = writeln!(s, "  assigned to {a}");
    }
    if let (Some(r), Some(by)) = (&c.resolution, &c.proposed_by) {
        let approved = c
            .approved_by
            .as_deref()
            .map(|a| format!(", approved by {a}"))
            .unwrap_or_else(|| ", waiting for another officer's approval".into());
        let _ = writeln!(
            s,
            "  resolution: {r} ({}) proposed by {by}{approved}",
            c.reason.as_deref().unwrap_or("")
        );
    }
    for e in &f.events {
        let evidence = match (&e.evidence_name, &e.evidence_sha256) {
            (Some(n), Some(h)) => format!(" [evidence {}: {n}, sha256 {h}]", e.id),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {}  {:<9} {}: {}{evidence}",
            e.at, e.action, e.actor, e.text
        );
    }
    s
}

/// What answers changed: each outcome that moved, "before → after".
pub fn outcome_changes(
    before: &[(String, Option<exctl_core::Outcome>)],
    after: &[(String, Option<exctl_core::Outcome>)],
) -> String {
    let name =
        |o: &Option<exctl_core::Outcome>| o.map_or("classified".to_string(), |o| o.to_string());
    let moved: Vec<String> = after
        .iter()
        .filter_map(|(j, now)| {
            let was = before.iter().find(|(b, _)| b == j).map(|(_, o)| *o)?;
            (was != *now).then(|| format!("{j}: {} → {}", name(&was), name(now)))
        })
        .collect();
    if moved.is_empty() {
        "\nthe answers changed no outcome".to_string()
    } else {
        format!("\nthe answers changed: {}", moved.join("; "))
    }
}

/// The summary in words, above the full decision.
pub fn summary_text(summary: &exctl_core::summary::Summary) -> String {
    let mut s = format!("{}\n", summary.headline);
    for r in &summary.deciding {
        let _ = writeln!(s, "  because {r}");
    }
    for n in &summary.next {
        let _ = writeln!(s, "  next: {n}");
    }
    s.push('\n');
    s
}

/// How a question is answered on the command line (`check --interactive`
/// asks it instead).
pub fn answer_hint(a: &exctl_core::vocab::Answer) -> String {
    let values = || {
        a.choices
            .iter()
            .map(|c| c.value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let fact = &a.fact;
    if a.field == "end_use" {
        return format!("--end-use, one of: {}", values());
    }
    match a.input.as_str() {
        "country" => format!("--fact {fact}=CC, a country code"),
        "bool" => format!("--fact {fact}=true or false"),
        "number" if a.unit.is_empty() => format!("--fact {fact}=NUMBER"),
        "number" => format!("--fact {fact}=NUMBER ({})", a.unit),
        "list" if !a.choices.is_empty() => {
            format!("--fact {fact}=none, or a comma list of: {}", values())
        }
        _ if !a.choices.is_empty() => format!("--fact {fact}=one of: {}", values()),
        _ => format!("--fact {fact}=TEXT"),
    }
}

pub fn catalog_table(data: &Data) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<24} {:<34} {:>10} {:>8} {:>8} {:>12}",
        "id", "name", "TPP", "PD", "H100e", "train FLOP"
    );
    for e in data.catalog.entries() {
        let m = e.item.metrics_with(data.engine.h100_tpp);
        let _ = writeln!(
            s,
            "{:<24} {:<34} {:>10} {:>8} {:>8} {:>12}",
            e.item.id,
            truncate(&e.item.name, 34),
            m.tpp.map_or("-".into(), format_number),
            m.pd.map_or(
                if m.tpp.is_some() {
                    "unknown".into()
                } else {
                    "-".into()
                },
                format_number
            ),
            m.h100_equivalents.map_or("-".into(), format_number),
            m.training_flop.map_or("-".into(), format_number),
        );
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

pub fn compare_table(decisions: &[Decision]) -> String {
    let mut s = String::new();
    let base = &decisions[0].item.metrics;
    let _ = writeln!(
        s,
        "as of {} (ratios against {})",
        decisions[0].as_of, decisions[0].item.name
    );
    let width = 22;
    let _ = write!(s, "{:<18}", "");
    for d in decisions {
        // An own product by name and version: two versions side by side differ.
        let head = d
            .item
            .product
            .as_ref()
            .map_or(d.item.id.clone(), |p| p.pinned());
        let _ = write!(s, "{:>width$}", truncate(&head, width - 1));
    }
    let _ = writeln!(s);
    let row = |s: &mut String, label: &str, f: &dyn Fn(&Decision) -> String| {
        let _ = write!(s, "{label:<18}");
        for d in decisions {
            let _ = write!(s, "{:>width$}", f(d));
        }
        let _ = writeln!(s);
    };
    let metric = |v: Option<f64>, b: Option<f64>| match (v, ratio(v, b)) {
        (Some(v), Some(r)) => format!("{} ({:.0}%)", format_number(v), r * 100.0),
        (Some(v), None) => format_number(v),
        _ => "unknown".into(),
    };
    // Chip rows only where some item is a chip, model rows only where some is a model.
    if decisions.iter().any(|d| d.item.metrics.tpp.is_some()) {
        row(&mut s, "TPP", &|d| metric(d.item.metrics.tpp, base.tpp));
        row(&mut s, "PD", &|d| metric(d.item.metrics.pd, base.pd));
        row(&mut s, "INT8 TOPS", &|d| {
            metric(d.item.metrics.int8_tops, base.int8_tops)
        });
        row(&mut s, "H100-equivalents", &|d| {
            opt(d.item.metrics.h100_equivalents)
        });
    }
    if decisions
        .iter()
        .any(|d| d.item.metrics.training_flop.is_some())
    {
        row(&mut s, "training FLOP", &|d| {
            metric(d.item.metrics.training_flop, base.training_flop)
        });
    }
    // Named parameters (equipment, quantum items …), side by side.
    let names: std::collections::BTreeSet<&String> = decisions
        .iter()
        .flat_map(|d| d.item.params.keys())
        .collect();
    for name in names {
        row(&mut s, name, &|d| {
            d.item
                .params
                .get(name)
                .map_or("-".to_string(), |v| v.to_string())
        });
    }
    let juris: Vec<String> = decisions[0]
        .determinations
        .iter()
        .map(|d| d.jurisdiction.clone())
        .collect();
    for j in juris {
        row(&mut s, &j, &|d| {
            d.determinations
                .iter()
                .find(|x| x.jurisdiction == j)
                .map(|x| {
                    if x.controls.is_empty() {
                        if x.questions.is_empty() {
                            "-".to_string()
                        } else {
                            "needs info".to_string()
                        }
                    } else {
                        x.controls.join(",")
                    }
                })
                .unwrap_or_default()
        });
    }
    s
}

/// A rule kind as packs spell it.
fn kind_name(k: exctl_core::RuleKind) -> &'static str {
    match k {
        exctl_core::RuleKind::Control => "control",
        exctl_core::RuleKind::Requirement => "requirement",
        exctl_core::RuleKind::Exception => "exception",
        exctl_core::RuleKind::ReviewPolicy => "review_policy",
        exctl_core::RuleKind::Obligation => "obligation",
    }
}

fn status_name(s: RuleStatus) -> &'static str {
    match s {
        RuleStatus::InForce => "in force",
        RuleStatus::CompliancePending => "compliance pending",
        RuleStatus::NotEnforced => "not enforced",
        RuleStatus::NotYetInForce => "not yet in force",
        RuleStatus::Expired => "expired",
    }
}

pub fn rules_table(
    as_of: NaiveDate,
    rules: &[(&RulePack, &Rule, RuleStatus)],
    quality: bool,
    show_law: bool,
) -> String {
    let mut s = String::new();
    let w = rules
        .iter()
        .map(|(_, r, _)| r.def.id.chars().count())
        .max()
        .unwrap_or(0)
        .max(34);
    let _ = writeln!(s, "rules as of {as_of}:");
    let mut last = "";
    for (p, r, st) in rules {
        if p.meta.id != last {
            let _ = writeln!(
                s,
                "\n{} — {} (version {}, {})",
                p.meta.id, p.meta.name, p.meta.version, p.meta.authority
            );
            last = &p.meta.id;
        }
        let what = r
            .def
            .paragraph
            .clone()
            .or_else(|| r.def.control.clone())
            .or_else(|| r.def.exception.clone().map(|e| format!("exception {e}")))
            .unwrap_or_else(|| kind_name(r.def.kind).to_string());
        let state = if *st == RuleStatus::InForce {
            String::new()
        } else {
            format!(" [{}]", status_name(*st))
        };
        let _ = writeln!(
            s,
            "  {:<w$} {:<22} {}{state}\n  {:<w$} {}",
            r.def.id, what, r.def.title, "", r.def.citation
        );
        if show_law {
            law_lines(&mut s, r.law_text.as_deref(), &format!("  {:<w$} ", ""));
        }
        if quality {
            let source = r.def.source_quality.as_deref().unwrap_or("primary");
            let law = if r.law_text.is_some() {
                "quotes the law"
            } else {
                "quotes nothing"
            };
            let _ = writeln!(s, "  {:<w$} source: {source}; {law}", "");
            if let Some(gap) = &r.def.source_gap {
                let _ = writeln!(s, "  {:<w$} missing: {gap}", "");
            }
        }
    }
    s
}

/// The tour `exctl demo` prints: each line a real determination.
pub fn demo(data: &Data) -> String {
    use exctl_core::{FactValue, Facts, Query};
    let steps: [(&str, &str, &str, &str); 10] = [
        (
            "A800 was built for the Oct 2022 rule (NVLink 400 GB/s < 600)",
            "a800",
            "CN",
            "2023-06-01",
        ),
        (
            "… and caught by performance density from 2023-11-17",
            "a800",
            "CN",
            "2023-11-17",
        ),
        (
            "H20 sat below the 2023 thresholds (TPP 2,368)",
            "h20",
            "CN",
            "2025-04-08",
        ),
        (
            "… until the notice of 2025-04-09",
            "h20",
            "CN",
            "2025-04-09",
        ),
        (
            "RTX 4090: consumer part, TPP 5,285: License Exception NAC",
            "rtx 4090",
            "CN",
            "2024-06-01",
        ),
        (
            "RTX 4090D cut to TPP 4,707",
            "rtx 4090d",
            "CN",
            "2024-06-01",
        ),
        (
            "H200 to China in 2025: presumption of denial",
            "h200",
            "CN",
            "2025-06-01",
        ),
        (
            "H200 to China in 2026: US review case-by-case, but the US–Korea accord prohibits it",
            "h200",
            "CN",
            "2026-01-20",
        ),
        (
            "H100 to Germany for a German buyer",
            "h100",
            "DE",
            "2026-11-24",
        ),
        (
            "Huawei Ascend 910C after the GP10 guidance",
            "ascend 910c",
            "DE",
            "2026-11-24",
        ),
    ];
    let mut s = String::from("exctl demo: real determinations from the bundled rule packs\n\n");
    for (title, item, to, date) in steps {
        let Ok(entry) = data.catalog.resolve(item) else {
            continue;
        };
        let Ok(as_of) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
            continue;
        };
        let mut facts = Facts::default();
        facts.set("end_user_hq", FactValue::Str(to.to_string()));
        let q = Query {
            end_use: Some("civil".into()),
            facts,
            ..Query::check(&entry.item, to, as_of)
        };
        let d = data.engine.decide(&q);
        let _ = writeln!(s, "{title}");
        let _ = writeln!(
            s,
            "  exctl check --item {item:?} --to {to} --as-of {date} --end-use civil --end-user-hq {to}"
        );
        for det in &d.determinations {
            let controls = if det.controls.is_empty() {
                "-".to_string()
            } else {
                det.controls.join(", ")
            };
            let mut extra = String::new();
            if let Some(p) = &det.review_policy {
                extra = format!(" ({p})");
            }
            if let Some(e) = det.exceptions.first() {
                extra = format!(" (License Exception {})", e.exception);
            }
            let _ = writeln!(
                s,
                "  {:<7} {:<20} {controls}{extra}",
                det.jurisdiction,
                det.outcome.map_or(String::new(), |o| o.to_string())
            );
        }
        let _ = writeln!(
            s,
            "  overall: {}\n",
            d.overall.map_or(String::new(), |o| o.to_string())
        );
    }
    // Screening against the bundled demo list.
    if let Ok(table) = exctl_app::screening::countries() {
        let resolve = exctl_app::screening::resolver(&table);
        if let Ok(set) = exctl_app::screening::demo_set(&resolve) {
            let screener = exctl_screen::Screener::new(set);
            let _ = writeln!(
                s,
                "Screening against the bundled demo list (exctl screen NAME --list demo):"
            );
            for q in [
                "华为技术有限公司",
                "김정은",
                "Евгений Пригожин",
                "Hikvison",
                "Siemens AG",
            ] {
                let hits = screener.screen(
                    &exctl_screen::Query::name(q),
                    1,
                    exctl_screen::DEFAULT_THRESHOLD,
                );
                match hits.first() {
                    Some(m) => {
                        let _ = writeln!(
                            s,
                            "  {q:<24} → {:.3} {} [{}] via {:?}",
                            m.score, m.name, m.list, m.explanation.matched_name
                        );
                    }
                    None => {
                        let _ = writeln!(
                            s,
                            "  {q:<24} → no match at or above {}",
                            exctl_screen::DEFAULT_THRESHOLD
                        );
                    }
                }
            }
            let _ = writeln!(s);
        }
    }
    s.push_str("Try: exctl classify h100 --explain · exctl compare h100 \"ascend 910c\" · exctl screen \"Huawei\" --list demo\n");
    s
}

/// The parties of a check and what screening found.
pub fn parties_text(
    parties: &[exctl_core::parties::Party],
    hits: &[exctl_core::parties::ListHit],
    cleared: &[String],
) -> String {
    let mut s = String::from("\nparties\n");
    for p in parties {
        let mine: Vec<_> = hits
            .iter()
            .filter(|h| h.role == p.role && h.party == p.name)
            .collect();
        let _ = writeln!(
            s,
            "  {} {:?}{}: {}",
            p.role,
            p.name,
            p.country
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            if mine.is_empty() {
                "no list hit".to_string()
            } else {
                format!("{} hit(s)", mine.len())
            }
        );
        for h in mine {
            let via = match (&h.owner, h.owner_share) {
                (Some(o), Some(pct)) => format!(
                    " via owner {o:?} ({})",
                    exctl_core::ownership::Share::from_percent(pct).unwrap_or_default()
                ),
                (Some(o), None) => format!(" via owner {o:?} (no direct share stated)"),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "    {} {} {:?} score {:.2}{via}",
                h.list, h.entry_id, h.entry_name, h.score
            );
        }
    }
    for c in cleared {
        let _ = writeln!(s, "  cleared: {c}");
    }
    s
}

pub fn receipt_text(r: &exctl_records::ShipmentReceipt) -> String {
    let mut left = Vec::new();
    if let Some(q) = r.remaining.quantity {
        left.push(format!("{} units", exctl_core::facts::format_number(q)));
    }
    if let Some(v) = r.remaining.value {
        left.push(format!("{} of value", exctl_core::facts::format_number(v)));
    }
    format!(
        "shipment {:?} recorded (record {}) against {} licence {}; left: {}",
        r.reference,
        r.shipment_id,
        r.jurisdiction,
        r.licence,
        if left.is_empty() {
            "unlimited".to_string()
        } else {
            left.join(", ")
        }
    )
}

pub fn licences_text(list: &[exctl_records::StoredLicence]) -> String {
    if list.is_empty() {
        return "no licences on file (exctl licences add FILE)\n".into();
    }
    let mut s = format!(
        "{:<4} {:<14} {:<22} {:<10} {:<10} {:>12} {:>14}  covers\n",
        "j", "number", "holder", "from", "to", "units left", "value left"
    );
    for l in list {
        let lic = &l.licence;
        let left = |limit: Option<f64>, used: f64| {
            limit.map_or("-".to_string(), |q| {
                exctl_core::facts::format_number(q - used)
            })
        };
        let _ = writeln!(
            s,
            "{:<4} {:<14} {:<22} {:<10} {:<10} {:>12} {:>14}  {} → {}",
            lic.jurisdiction,
            lic.number,
            truncate(&lic.holder, 22),
            lic.valid_from,
            lic.valid_to,
            left(lic.quantity, l.drawn.quantity),
            left(lic.value, l.drawn.value),
            lic.items
                .iter()
                .chain(&lic.controls)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            lic.destinations.join(", ")
        );
    }
    s
}

pub fn history_text(rows: &[exctl_records::StoredDecision]) -> String {
    if rows.is_empty() {
        return "no recorded decisions match\n".into();
    }
    let mut s = format!(
        "{:>6}  {:<27} {:<7} {:<24} {:<4} {:<20} {:<10} {:<12} parties\n",
        "id", "recorded", "kind", "subject", "to", "outcome", "as of", "by"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:>6}  {:<27} {:<7} {:<24} {:<4} {:<20} {:<10} {:<12} {}",
            r.id,
            r.recorded_at,
            r.kind,
            truncate(&r.subject, 24),
            r.destination.as_deref().unwrap_or("-"),
            r.outcome,
            r.as_of,
            truncate(&r.actor, 12),
            r.parties.join("; ")
        );
        if let Some(by) = r.superseded_by {
            let _ = writeln!(
                s,
                "{:>6}  superseded by {by} (a later run of the same batch row)",
                ""
            );
        }
    }
    s
}

pub fn dispositions_text(all: &[exctl_records::Disposition]) -> String {
    if all.is_empty() {
        return "no dispositions\n".into();
    }
    let mut s = String::new();
    for d in all {
        let _ = writeln!(
            s,
            "{:>4} {} {:<8} {:?} on {} {} by {} at {}: {}",
            d.id,
            if d.active { "active  " } else { "re-raised" },
            d.verdict,
            d.party,
            d.list,
            d.entry_id,
            d.actor,
            d.recorded_at,
            d.reason
        );
    }
    s
}

pub fn rescreen_text(r: &exctl_records::RescreenReport) -> String {
    let mut s = format!(
        "rescreened {} parties against list version {}: {} new, {} changed, {} re-raised, {} cleared; {} cleared hits unchanged; {} ownership findings changed\n",
        r.parties, r.list_version, r.new, r.changed, r.reraised, r.cleared, r.still_cleared, r.owned
    );
    for a in &r.alerts {
        if a.kind == exctl_records::AlertKind::Owned {
            let finding = if a.entry_name.is_empty() {
                "no longer caught or undetermined".to_string()
            } else {
                a.entry_name.clone()
            };
            let _ = writeln!(s, "  owned     {:?} — {}: {finding}", a.party, a.list);
            continue;
        }
        let _ = writeln!(
            s,
            "  {:<9} {:?}{} — {} {} {:?} ({:.2})",
            format!("{:?}", a.kind).to_lowercase(),
            a.party,
            a.country
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            a.list,
            a.entry_id,
            a.entry_name,
            a.score
        );
    }
    s
}

pub fn verify_text(r: &exctl_records::VerifyReport) -> String {
    let mut s = String::new();
    if r.ok {
        let _ = writeln!(
            s,
            "audit trail verifies: {} entries, {} records, keys {}; head {}",
            r.entries,
            r.records,
            r.keys.join(", "),
            r.head
        );
        if r.checkpoints == 0 {
            let _ = writeln!(
                s,
                "no checkpoint given: removing the newest transactions whole would not show; pass --checkpoint"
            );
        } else {
            let _ = writeln!(
                s,
                "every entry of {} checkpoint(s) is in the trail",
                r.checkpoints
            );
        }
        return s;
    }
    let _ = writeln!(
        s,
        "audit trail DOES NOT VERIFY: {} problem(s) in {} entries and {} records",
        r.problem_count, r.entries, r.records
    );
    for (i, p) in r.problems.iter().enumerate() {
        let at = match (p.seq, &p.table, p.record_id) {
            (Some(seq), _, _) => format!("entry {seq}"),
            (None, Some(t), Some(id)) => format!("{t} record {id}"),
            (None, Some(t), None) => t.clone(),
            _ => "trail".into(),
        };
        let _ = writeln!(
            s,
            "  {}{at}: {}",
            if i == 0 { "first bad: " } else { "" },
            p.problem
        );
    }
    s
}

/// Writes an audit bundle: entries as JSON and CSV, the public keys, and
/// the verification report.
pub fn write_bundle(b: &exctl_records::AuditBundle, out: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(out.join("audit.json"), serde_json::to_string_pretty(b)?)?;
    let mut w = csv::Writer::from_path(out.join("audit.csv"))?;
    w.write_record([
        "seq",
        "recorded_at",
        "actor",
        "action",
        "table",
        "record_id",
        "before",
        "after",
        "prev_hash",
        "hash",
        "key_id",
        "signature",
    ])?;
    for e in &b.entries {
        w.write_record([
            e.seq.to_string(),
            e.recorded_at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.table.clone(),
            e.record_id.to_string(),
            e.before.clone().unwrap_or_default(),
            e.after.clone().unwrap_or_default(),
            e.prev_hash.clone(),
            e.hash.clone(),
            e.key_id.clone(),
            e.signature.clone(),
        ])?;
    }
    w.flush()?;
    let mut keys = String::new();
    for (id, hex) in &b.public_keys {
        let _ = writeln!(
            keys,
            "# ML-DSA-65 public key {id} (raw FIPS 204, hex)\n{hex}"
        );
    }
    std::fs::write(out.join("public-keys.txt"), keys)?;
    std::fs::write(
        out.join("README.txt"),
        "exctl audit bundle\n\naudit.json / audit.csv: the entries. Entry n's hash is SHA-256 of the JSON array\n[seq, recorded_at, actor, action, table, record_id, sha256(before)|null, sha256(after)|null, prev_hash, key_id];\nprev_hash is entry n-1's hash (64 zeros for the first); signature is ML-DSA-65 (FIPS 204, empty context)\nover the hash's hex text, by the key in public-keys.txt with that key id (first 16 hex digits of SHA-256 of the key).\nOnly the last entry of each transaction is signed; the entries before it in the same transaction have an\nempty signature and are covered by the signed entry's hash chain (each hash includes the one before).\nverification: audit.json's `verification` is the check of the whole trail when the bundle was made.\n",
    )?;
    Ok(())
}

fn metric(v: &serde_json::Value, name: &str) -> String {
    v["metrics"][name]
        .as_f64()
        .map_or("-".into(), format_number)
}

/// What `products add` saved.
pub fn products_saved_text(saved: &[exctl_records::Saved]) -> String {
    let mut s = String::new();
    for one in saved {
        let p = &one.product;
        let what = if !one.created {
            "unchanged".to_string()
        } else if p.version == 1 {
            "created".to_string()
        } else {
            format!("revised: {}", p.reason)
        };
        let _ = writeln!(
            s,
            "{}@{}  {what}  (sha256 {})",
            p.name,
            p.version,
            &p.sha256[..12.min(p.sha256.len())]
        );
    }
    s
}

/// The product master's current versions.
pub fn products_text(list: &serde_json::Value) -> String {
    let rows = list.as_array().map(Vec::as_slice).unwrap_or(&[]);
    if rows.is_empty() {
        return "no products yet (exctl products add FILE)\n".into();
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<28} {:>7} {:<8} {:<9} {:>10} {:>8}  changed",
        "name", "version", "status", "kind", "TPP", "PD"
    );
    for p in rows {
        let _ = writeln!(
            s,
            "{:<28} {:>7} {:<8} {:<9} {:>10} {:>8}  {} by {}",
            truncate(p["name"].as_str().unwrap_or(""), 28),
            p["version"].to_string(),
            p["status"].as_str().unwrap_or(""),
            p["kind"].as_str().unwrap_or("?"),
            metric(p, "tpp"),
            metric(p, "pd"),
            p["recorded_at"]
                .as_str()
                .unwrap_or("")
                .get(..10)
                .unwrap_or(""),
            p["actor"].as_str().unwrap_or(""),
        );
    }
    s
}

/// One product version with its definition and the list of versions.
pub fn product_text(p: &serde_json::Value) -> String {
    let mut s = String::new();
    let status = match p["current_version"].as_i64() {
        Some(current) if Some(current) != p["version"].as_i64() => {
            format!("an earlier version; the current one is {current}")
        }
        _ => p["status"].as_str().unwrap_or("").to_string(),
    };
    let _ = writeln!(
        s,
        "{} version {} ({status}){}",
        p["name"].as_str().unwrap_or(""),
        p["version"],
        p["kind"]
            .as_str()
            .map(|k| format!(", {k}"))
            .unwrap_or_default()
    );
    let _ = writeln!(s, "  sha256 {}", p["sha256"].as_str().unwrap_or(""));
    let _ = writeln!(
        s,
        "  TPP {}  PD {}  H100e {}",
        metric(p, "tpp"),
        metric(p, "pd"),
        metric(p, "h100_equivalents")
    );
    if let Some(problem) = p["problem"].as_str() {
        let _ = writeln!(s, "  problem: {problem}");
    }
    let _ = writeln!(
        s,
        "  definition: {}",
        serde_json::to_string_pretty(&p["definition"])
            .unwrap_or_default()
            .replace('\n', "\n  ")
    );
    let _ = writeln!(s, "versions:");
    for v in p["versions"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let _ = writeln!(
            s,
            "  {:>3}  {:<8} {}  {:<20} {}",
            v["version"].to_string(),
            match (v["status"].as_str(), v["current"].as_bool()) {
                (Some("active"), Some(false)) => "earlier",
                (status, _) => status.unwrap_or(""),
            },
            v["recorded_at"]
                .as_str()
                .unwrap_or("")
                .get(..10)
                .unwrap_or(""),
            v["actor"].as_str().unwrap_or(""),
            v["reason"].as_str().unwrap_or("")
        );
    }
    s
}

pub fn owners_import_text(r: &exctl_records::ImportReport) -> String {
    let i = &r.import;
    let mut s = format!(
        "import {} of source {:?} ({}, {}): {} entities, {} holdings\n",
        i.id, i.source, i.format, i.file_name, i.entities, i.links
    );
    match r.previous {
        Some(p) => {
            let _ = writeln!(
                s,
                "since import {p}: {} holdings added, {} removed, {} changed",
                r.added, r.removed, r.changed
            );
            for c in &r.changes {
                let _ = writeln!(s, "  {c}");
            }
        }
        None => s.push_str("the source's first import\n"),
    }
    s
}

pub fn owners_imports_text(imports: &[exctl_records::OwnershipImport]) -> String {
    if imports.is_empty() {
        return "no ownership imports\n".into();
    }
    let mut s = String::new();
    for i in imports {
        let _ = writeln!(
            s,
            "{:>5}  {}  {:<12} {:<9} {:>9} entities {:>9} holdings  {} by {}",
            i.id, i.recorded_at, i.source, i.format, i.entities, i.links, i.file_name, i.actor
        );
    }
    s
}

pub fn owners_text(a: &exctl_app::owners::OwnersAnswer) -> String {
    let mut s = format!("{} as of {}\n", a.party, a.as_of);
    if !a.listed.is_empty() {
        let _ = writeln!(s, "the party itself matches: {}", a.listed.join("; "));
    }
    if a.findings.is_empty() {
        s.push_str("no listed owner under any pack's ownership rules\n");
    }
    for f in &a.findings {
        let status = f
            .finding
            .status
            .as_ref()
            .map(|x| format!(" [{x}]"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{}: {} — {}{status}\n  {}\n  ({})",
            f.jurisdiction,
            f.finding.rule_name,
            f.finding.verdict_words(),
            f.finding.text,
            f.finding.citation
        );
    }
    s.push_str("owners:\n");
    for o in &a.owners {
        let c = o
            .country
            .as_ref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        if o.hits.is_empty() {
            let _ = writeln!(s, "  {}{c}: no list hit", o.name);
        } else {
            let _ = writeln!(s, "  {}{c}: {}", o.name, o.hits.join("; "));
        }
    }
    s.push_str("holdings:\n");
    for l in &a.links {
        let _ = writeln!(
            s,
            "  {} holds {} of {} ({})",
            l.owner, l.holding, l.owned, l.source
        );
    }
    s
}

pub fn owners_evaluation_text(e: &exctl_app::owners::Evaluation) -> String {
    let mut s = format!(
        "ownership graph as of {}: {} entities, {} holdings in force, {} on a list (by exact name or LEI)\n",
        e.as_of, e.entities, e.links, e.listed
    );
    for r in &e.rules {
        let status = r
            .status
            .as_ref()
            .map(|x| format!(" [{x}]"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{}: {}{status}: {} listed, {} caught through ownership",
            r.jurisdiction, r.rule_name, r.listed, r.caught
        );
        for c in &r.sample {
            let _ = writeln!(s, "  {}: {}", c.name, c.paths);
        }
    }
    s
}

pub fn refresh_text(r: &exctl_app::sources::Refresh, dir: &std::path::Path) -> String {
    let mut s = String::new();
    for f in &r.files {
        let when = f
            .published
            .as_ref()
            .map(|d| format!(", published {d}"))
            .unwrap_or_default();
        if f.unchanged {
            let _ = writeln!(
                s,
                "{} ({}): unchanged, {} entries{when}",
                f.file, f.source, f.entries
            );
            continue;
        }
        let _ = writeln!(
            s,
            "{} ({}): {} entries{when}, sha256 {}: {} added, {} removed, {} changed",
            f.file,
            f.source,
            f.entries,
            &f.sha256[..16],
            f.added,
            f.removed,
            f.changed
        );
        for e in f.examples.iter().take(10) {
            let _ = writeln!(s, "  {e}");
        }
    }
    for f in &r.failed {
        let _ = writeln!(s, "FAILED {f}");
    }
    let _ = writeln!(
        s,
        "lists folder {} (previous versions in .previous/)",
        dir.display()
    );
    s
}
