//! Determinations per second over the whole catalog × every country × 20 dates.
//!
//! Run with `cargo bench -p exctl` (or `scripts/bench`). Prints the figure and
//! its ratio to the target of 100,000 determinations per second per core; the
//! run is single-threaded, so the figure is per core.

use chrono::NaiveDate;
use exctl_core::{Facts, Outcome, Query};
use exctl_data::{load, Files};
use std::time::Instant;

mod support;
use support::figure;

const TARGET_PER_CORE: f64 = 100_000.0;

fn main() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let items: Vec<_> = data
        .catalog
        .entries()
        .iter()
        .map(|e| e.item.clone())
        .collect();
    let countries: Vec<String> = data
        .engine
        .countries
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let start = NaiveDate::from_ymd_opt(2022, 6, 1).expect("date");
    // 20 dates, about every 80 days from mid-2022 to late 2026.
    let n_dates = support::size("BENCH_DATES", 20, 1) as i64;
    let dates: Vec<NaiveDate> = (0..n_dates)
        .map(|i| start + chrono::Duration::days(i * 80))
        .collect();
    let total = items.len() * countries.len() * dates.len();
    println!(
        "{} items × {} countries × {} dates = {total} determinations, {} packs",
        items.len(),
        countries.len(),
        dates.len(),
        data.engine.packs.len()
    );
    let mut counts = [0usize; Outcome::ALL.len()];
    // Warm-up.
    for item in items.iter().take(2) {
        std::hint::black_box(
            data.engine
                .decide(&Query::check(item, "CN", dates[dates.len() / 2])),
        );
    }

    // One query at a time, as `exctl check` answers.
    let civil = Facts::default();
    let t = Instant::now();
    for item in &items {
        for date in &dates {
            for cc in &countries {
                let mut q = Query::check(item, cc, *date);
                q.end_use = Some("civil".into());
                std::hint::black_box(data.engine.decide(&q));
            }
        }
    }
    let single = total as f64 / t.elapsed().as_secs_f64();

    // Batched: classify each item once per date, then decide per destination,
    // as batch checks over order books and catalogs do.
    let t = Instant::now();
    for item in &items {
        for date in &dates {
            let prepared = data.engine.prepare(item, *date, &[], false);
            for cc in &countries {
                let d = data
                    .engine
                    .decide_prepared(&prepared, Some(cc), Some("civil"), &civil);
                let o = d.overall.unwrap_or(Outcome::NotControlled);
                counts[Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)] += 1;
                std::hint::black_box(d);
            }
        }
    }
    let batched = total as f64 / t.elapsed().as_secs_f64();
    figure(
        "determinations checked",
        format!(
            "{total} ({} items × {} countries × {} dates, {} packs)",
            items.len(),
            countries.len(),
            dates.len(),
            data.engine.packs.len()
        ),
    );
    figure(
        "determinations/s, 1 core, one query at a time",
        format!(
            "{single:.0} ({:.2}× the target of 100,000)",
            single / TARGET_PER_CORE
        ),
    );
    figure(
        "determinations/s, 1 core, batched per item and date",
        format!(
            "{batched:.0} ({:.2}× the target)",
            batched / TARGET_PER_CORE
        ),
    );
    println!("outcomes:");
    for (o, n) in Outcome::ALL.iter().zip(counts) {
        println!("  {o:<20} {n}");
    }
}
