//! `exctl rules`: list the rules in force (or noted) on a date, with citations.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: RulesArgs) -> Result<ExitCode> {
    let RulesArgs { common, quality } = args;
    let data = load(&g.data)?;
    let as_of = parse_date(&common.as_of)?;
    if let Some(from) = data.engine.coverage_from() {
        if as_of < from {
            return Err(bad(format!(
                "--as-of {as_of}: before the rule packs' coverage, which starts on {from}"
            )));
        }
    }
    for j in &common.jurisdictions {
        if data.engine.pack(j).is_none() {
            return Err(bad(format!("unknown jurisdiction {j:?}")));
        }
    }
    let mut rules = data.engine.rules_on(as_of, &common.jurisdictions);
    // The quality list covers every date unless one is asked for: a
    // rule that has ended still answers questions about its years.
    if quality && common.as_of.is_none() {
        rules = data
            .engine
            .packs
            .iter()
            .filter(|p| {
                common.jurisdictions.is_empty() || common.jurisdictions.contains(&p.meta.id)
            })
            .flat_map(|p| p.rules.iter().map(move |r| (p, r, r.status(as_of))))
            .collect();
    }
    if quality {
        rules.retain(|(_, r, _)| {
            r.def.source_quality.as_deref().unwrap_or("primary") != "primary"
                || r.law_text.is_none()
        });
    }
    emit(
        common.json,
        exctl_app::views::rules_json(as_of, &rules, &data.engine.vocab),
        || {
            let table = render::rules_table(as_of, &rules, quality, common.explain);
            if quality && common.as_of.is_none() {
                table.replacen(
                    &format!("rules as of {as_of}:"),
                    "rules that do not rest on the law's text, at every date:",
                    1,
                )
            } else {
                table + &party_rules(&data, as_of, &common.jurisdictions)
            }
        },
    )
}

/// What list hits and ownership mean in each pack asked for (its
/// `parties.toml`), on `as_of`: a sanctions pack's rules are all here.
fn party_rules(data: &exctl_data::Data, as_of: chrono::NaiveDate, only: &[String]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for r in data
        .parties
        .iter()
        .filter(|r| only.is_empty() || only.contains(&r.pack))
    {
        let effects: Vec<_> = r
            .effects
            .iter()
            .filter(|e| e.effective_from.is_none_or(|f| as_of >= f))
            .filter(|e| e.effective_to.is_none_or(|t| as_of <= t))
            .collect();
        if effects.is_empty() && r.ownership.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} party rules as of {as_of}:", r.pack);
        for e in effects {
            let _ = writeln!(
                out,
                "  {} — {} ({}): {} [{}]",
                e.id,
                e.lists.join(", "),
                e.outcome,
                e.text,
                e.citation
            );
        }
        for o in &r.ownership {
            let state = o.status(as_of).unwrap_or_else(|| "in force".into());
            let _ = writeln!(
                out,
                "  {} — {} ({}; lists {}): {} [{}]",
                o.id,
                o.name,
                state,
                o.lists.join(", "),
                o.text,
                o.citation
            );
        }
    }
    out
}
