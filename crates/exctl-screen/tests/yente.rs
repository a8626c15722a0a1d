//! yente's screening fixtures: recall on UN-listed persons after typo and
//! order "treatments", and false alerts over 100,000 synthetic non-listed
//! persons screened against the full 2026-07 CSL.
//!
//! `SCREEN_SAMPLE=N` screens every N-th negative (default 4, to keep CI
//! short); the figures in docs/screening.md use `SCREEN_SAMPLE=1` in release mode.

mod support;

use exctl_screen::{
    EntityType, Entry, ListSet, Query, Screener, SourceInfo, Strength, DEFAULT_THRESHOLD,
};

fn names(path: &std::path::Path) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    rdr.records().map(|r| r.unwrap()[0].to_string()).collect()
}

#[test]
fn un_recall_and_false_alerts_against_the_csl() {
    let (Some(treated), Some(untreated), Some(mut csl)) = (
        support::shared("yente-opensanctions/screening_fixtures/positives_un_treated.csv"),
        support::shared("yente-opensanctions/screening_fixtures/positives_un_untreated.csv"),
        support::load("csl-2026-07/consolidated.csv"),
    ) else {
        return;
    };
    let treated = names(&treated);
    let untreated = names(&untreated);
    assert_eq!(treated.len(), untreated.len());
    // The listed persons join the CSL so that retrieval competes with 26k entries.
    let mut un = ListSet::default();
    let entries: Vec<Entry> = untreated
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut e = Entry::new("UNTEST", "UN fixture", &format!("un-{i}"));
            e.add_name(n, Strength::Strong, true);
            e.entity_type = EntityType::Individual;
            e
        })
        .collect();
    un.add(
        SourceInfo {
            file: "fixture".into(),
            format: "test".into(),
            entries: entries.len(),
            date: None,
            sha256: String::new(),
        },
        entries,
    );
    csl.sources.extend(un.sources);
    csl.entries.extend(un.entries);
    let screener = Screener::new(csl);

    let mut found = 0;
    let mut missed = Vec::new();
    for (i, name) in treated.iter().enumerate() {
        let hits = screener.screen(&Query::name(name), 10, DEFAULT_THRESHOLD);
        if hits.iter().any(|m| m.entry_id == format!("un-{i}")) {
            found += 1;
        } else {
            missed.push(format!("{name} → {}", untreated[i]));
        }
    }
    let recall = found as f64 / treated.len() as f64;
    println!(
        "UN treated recall at {DEFAULT_THRESHOLD}: {recall:.4} ({found}/{})",
        treated.len()
    );
    for m in missed.iter().take(15) {
        println!("  missed: {m}");
    }

    let step: usize = std::env::var("SCREEN_SAMPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let mut screened = 0usize;
    let mut alerts = 0usize;
    let mut examples = Vec::new();
    for file in ["negatives_global.csv", "negatives_us.csv"] {
        let Some(p) = support::shared(&format!("yente-opensanctions/screening_fixtures/{file}"))
        else {
            return;
        };
        for name in names(&p).into_iter().step_by(step) {
            screened += 1;
            let hits = screener.screen(&Query::name(&name), 1, DEFAULT_THRESHOLD);
            if let Some(h) = hits.first() {
                alerts += 1;
                if examples.len() < 15 {
                    examples.push(format!("{name} → {} ({})", h.matched_name, h.score));
                }
            }
        }
    }
    let rate = alerts as f64 / screened as f64;
    println!(
        "false alerts: {alerts} of {screened} synthetic non-listed persons = {:.2}%",
        rate * 100.0
    );
    for e in &examples {
        println!("  alert: {e}");
    }
    assert!(recall >= 0.97, "recall {recall:.4} below 0.97");
    assert!(rate <= 0.02, "false-alert rate {rate:.4} above 2%");
}
