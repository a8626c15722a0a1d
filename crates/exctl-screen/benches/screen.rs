//! Screening benchmark over ../shared/data (skips when absent, fails so
//! under CI).
//!
//! Prints index build time, latency percentiles and throughput of single
//! screens against the full 2026-07 CSL, name pairs scored per second, and
//! the same single screens against a synthetic list of `SCREEN_SYNTH`
//! entities (default 1,000,000). Batches are measured through the command
//! line by scripts/bench-screen. Writes the queries and list names it used
//! to `target/screen-bench/` so that the peer scripts run on the same input
//! (a smoke run, to `target/screen-bench-smoke/`).

use exctl_screen::{
    load_path, EntityType, Entry, ListSet, Query, Screener, SourceInfo, Strength, DEFAULT_THRESHOLD,
};
use std::path::PathBuf;
use std::time::Instant;

#[path = "../../exctl/benches/support/mod.rs"]
mod support;
use support::figure;

fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    assert!(
        p.exists() || std::env::var("CI").as_deref() != Ok("true"),
        "../shared/data/{rel} is absent under CI"
    );
    p.exists().then_some(p)
}

fn country(s: &str) -> Option<String> {
    (s.trim().len() == 2).then(|| s.trim().to_ascii_uppercase())
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn names(rel: &str, n: usize) -> Vec<String> {
    let Some(p) = shared(rel) else {
        return Vec::new();
    };
    let mut rdr = csv::Reader::from_path(p).unwrap();
    rdr.records()
        .take(n)
        .map(|r| r.unwrap()[0].to_string())
        .collect()
}

fn latencies(s: &Screener, queries: &[String]) -> (f64, f64, f64, f64, usize) {
    let mut lat = Vec::with_capacity(queries.len());
    let mut alerts = 0;
    let t0 = Instant::now();
    for q in queries {
        let t = Instant::now();
        let hits = s.screen(&Query::name(q), 10, DEFAULT_THRESHOLD);
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        alerts += usize::from(!hits.is_empty());
    }
    let total = t0.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    (
        pct(0.5),
        pct(0.99),
        lat.iter().sum::<f64>() / lat.len() as f64,
        queries.len() as f64 / total,
        alerts,
    )
}

fn synthetic(n: usize) -> ListSet {
    // Deterministic pseudo-random names from syllables, half companies, half people.
    let syl = [
        "ka", "li", "mo", "ran", "tek", "sun", "vo", "zhi", "en", "bar", "dor", "wei", "xin", "ko",
        "ras", "mi", "lan", "gor", "tsu", "hai", "yo", "pe", "qua", "nor",
    ];
    let forms = [
        "Co., Ltd.",
        "LLC",
        "GmbH",
        "Group",
        "Trading",
        "Industries",
        "JSC",
        "Holdings",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let word = |k: usize, next: &mut dyn FnMut() -> u64| -> String {
        let mut w = String::new();
        for _ in 0..k {
            w.push_str(syl[(next() % syl.len() as u64) as usize]);
        }
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let mut e = Entry::new("SYN", "synthetic", &i.to_string());
        if i % 2 == 0 {
            let name = format!(
                "{} {} {}",
                word(2, &mut next),
                word(3, &mut next),
                forms[(next() % forms.len() as u64) as usize]
            );
            e.entity_type = EntityType::Entity;
            e.add_name(&name, Strength::Strong, true);
        } else {
            let name = format!(
                "{} {} {}",
                word(2, &mut next),
                word(1, &mut next),
                word(3, &mut next)
            );
            e.entity_type = EntityType::Individual;
            e.add_name(&name, Strength::Strong, true);
        }
        entries.push(e);
    }
    let mut set = ListSet::default();
    set.add(
        SourceInfo {
            file: "synthetic".into(),
            format: "generated".into(),
            entries: n,
            date: None,
            sha256: String::new(),
        },
        entries,
    );
    set
}

fn main() {
    let Some(csl_path) = shared("csl-2026-07/consolidated.csv") else {
        eprintln!("skipping: ../shared/data/csl-2026-07 is absent");
        return;
    };
    // A smoke run's figures mean nothing: they must not stand in for a
    // measured run's in the files the peer and report scripts read.
    let dir = if support::smoke() {
        "../../target/screen-bench-smoke"
    } else {
        "../../target/screen-bench"
    };
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    std::fs::create_dir_all(&out).unwrap();
    let rss0 = rss_mb();
    let t = Instant::now();
    let set = load_path(&csl_path, None, &country).unwrap();
    let parse_s = t.elapsed().as_secs_f64();
    let list_names: Vec<String> = set
        .entries
        .iter()
        .flat_map(|e| e.names.iter().map(|n| n.text.clone()))
        .collect();
    std::fs::write(out.join("list_names.txt"), list_names.join("\n")).unwrap();
    let t = Instant::now();
    let screener = Screener::new(set);
    let index_s = t.elapsed().as_secs_f64();
    figure(
        "CSL index",
        format!(
            "{} entries, {} names, {} indexed forms; parse {parse_s:.2} s, index {index_s:.2} s, RSS +{:.0} MB",
            screener.entries().len(),
            list_names.len(),
            screener.form_count(),
            rss_mb() - rss0
        ),
    );

    let mut queries = names(
        "yente-opensanctions/screening_fixtures/positives_un_treated.csv",
        support::size("SCREEN_POSITIVES", 683, 20),
    );
    queries.extend(names(
        "yente-opensanctions/screening_fixtures/negatives_global.csv",
        support::size("SCREEN_NEGATIVES", 2_000, 20),
    ));
    queries.extend(names(
        "yente-opensanctions/screening_fixtures/negatives_us.csv",
        support::size("SCREEN_NEGATIVES", 2_000, 20),
    ));
    std::fs::write(out.join("queries.txt"), queries.join("\n")).unwrap();
    let (p50, p99, mean, qps, alerts) = latencies(&screener, &queries);
    figure(
        "single screen vs the full CSL, 1 core",
        format!(
            "p50 {p50:.3} ms, p99 {p99:.3} ms, mean {mean:.3} ms, {qps:.0} screens/s ({} queries, {alerts} with alerts)",
            queries.len()
        ),
    );
    let mut lines = vec![format!("exctl\t{qps:.1}\t{p50:.4}\t{p99:.4}")];

    // Name-pair scoring rate on name_bench, to compare with pair matchers.
    if let Some(p) = shared("nomenklatura-opensanctions/name_bench_cases.csv") {
        let mut rdr = csv::Reader::from_path(p).unwrap();
        let pairs: Vec<(String, String)> = rdr
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[2].to_string(), r[3].to_string())
            })
            .collect();
        let t = Instant::now();
        let rounds = support::size("SCREEN_PAIR_ROUNDS", 20, 1);
        for _ in 0..rounds {
            for (a, b) in &pairs {
                let (fa, fb) = (
                    exctl_screen::normalize::forms(a),
                    exctl_screen::normalize::forms(b),
                );
                std::hint::black_box(exctl_screen::score::compare_names(
                    &fa,
                    &fb,
                    &exctl_screen::score::default_weight,
                    exctl_screen::score::PartyKind::Unknown,
                ));
            }
        }
        let pps = (rounds * pairs.len()) as f64 / t.elapsed().as_secs_f64();
        figure(
            "name pairs normalised and scored, 1 core, pairs/s",
            format!("{pps:.0}"),
        );
        lines.push(format!("exctl-pairs\t{pps:.1}"));
    }

    drop(screener);

    let n = support::size("SCREEN_SYNTH", 1_000_000, 1_000);
    if n > 0 {
        let set = synthetic(n);
        let sample: Vec<String> = set
            .entries
            .iter()
            .step_by((n / 1000).max(1))
            .map(|e| e.names[0].text.clone())
            .collect();
        let rss1 = rss_mb();
        let t = Instant::now();
        let s = Screener::new(set);
        figure(
            &format!("synthetic list of {n} entities"),
            format!(
                "indexed in {:.1} s, RSS {:.0} MB (+{:.0} MB)",
                t.elapsed().as_secs_f64(),
                rss_mb(),
                rss_mb() - rss1
            ),
        );
        let mut q = sample.clone();
        q.extend(queries.iter().take(1000).cloned());
        let (p50, p99, mean, qps, _) = latencies(&s, &q);
        figure(
            &format!("single screen vs {n} synthetic entities, 1 core"),
            format!("p50 {p50:.3} ms, p99 {p99:.3} ms, mean {mean:.3} ms, {qps:.0} screens/s"),
        );
    }
    std::fs::write(out.join("exctl.tsv"), lines.join("\n")).unwrap();
}
