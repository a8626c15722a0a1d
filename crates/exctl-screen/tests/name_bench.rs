//! nomenklatura's name_bench: 826 labelled name pairs across scripts.
//! Skips with a message when ../shared/data is absent.

use exctl_screen::normalize::forms;
use exctl_screen::score::{compare_names, default_weight, PartyKind};
use std::path::PathBuf;

fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    p.exists().then_some(p)
}

pub fn pair_score(a: &str, b: &str, schema: &str) -> f64 {
    let kind = if schema == "Person" {
        PartyKind::Person
    } else {
        PartyKind::Other
    };
    compare_names(&forms(a), &forms(b), &default_weight, kind).map_or(0.0, |x| x.0.score)
}

#[test]
fn name_bench_f1_at_the_default_threshold() {
    let Some(path) = shared("nomenklatura-opensanctions/name_bench_cases.csv") else {
        eprintln!("skipping: ../shared/data/nomenklatura-opensanctions is absent");
        return;
    };
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let mut rows = Vec::new();
    for r in rdr.records() {
        let r = r.unwrap();
        rows.push((
            r[2].to_string(),
            r[3].to_string(),
            &r[4] == "true",
            r[0].to_string(),
            r[1].to_string(),
        ));
    }
    let scored: Vec<(f64, bool, String, String, String)> = rows
        .iter()
        .map(|(a, b, m, g, schema)| {
            (
                pair_score(a, b, schema),
                *m,
                a.clone(),
                b.clone(),
                g.clone(),
            )
        })
        .collect();
    let f1_at = |t: f64| {
        let tp = scored.iter().filter(|x| x.0 >= t && x.1).count() as f64;
        let fp = scored.iter().filter(|x| x.0 >= t && !x.1).count() as f64;
        let fn_ = scored.iter().filter(|x| x.0 < t && x.1).count() as f64;
        let p = tp / (tp + fp).max(1.0);
        let r = tp / (tp + fn_).max(1.0);
        (2.0 * p * r / (p + r).max(1e-9), p, r)
    };
    let threshold = exctl_screen::DEFAULT_THRESHOLD;
    let (f1, p, r) = f1_at(threshold);
    println!(
        "name_bench: {} pairs, threshold {threshold}: F1 {f1:.3} P {p:.3} R {r:.3}",
        scored.len()
    );
    for t in [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9] {
        let (f, p, r) = f1_at(t);
        println!("  @{t:.2}: F1 {f:.3} P {p:.3} R {r:.3}");
    }
    if std::env::var("NAME_BENCH_ERRORS").is_ok() {
        for (s, m, a, b, g) in &scored {
            if (*s >= threshold) != *m {
                println!("{} {s:.3} [{g}] {a} | {b}", if *m { "FN" } else { "FP" });
            }
        }
    }
    assert!(f1 >= 0.85, "F1 {f1:.3} below the 0.85 target");
}
