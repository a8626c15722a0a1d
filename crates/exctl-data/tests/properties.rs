//! Properties every rule pack must keep, checked on generated items.

use chrono::NaiveDate;
use exctl_core::item::{IcSpec, ItemKind};
use exctl_core::{Engine, FactValue, Facts, Item, Outcome, Precision, Query};
use exctl_data::{load, Files};
use proptest::prelude::*;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static DATA: OnceLock<exctl_data::Data> = OnceLock::new();
    &DATA
        .get_or_init(|| load(&Files::bundled()).expect("bundled data"))
        .engine
}

fn ic(
    int8: f64,
    area: Option<f64>,
    datacenter: Option<bool>,
    io: f64,
    mem: f64,
    vendor: &str,
) -> Item {
    Item {
        id: "generated".into(),
        name: "generated".into(),
        vendor: Some(vendor.into()),
        family: Some("Generated".into()),
        origin: None,
        release_date: None,
        release_date_partial: false,
        kind: ItemKind::Ic(IcSpec {
            throughput: [(Precision::Int8, int8)].into_iter().collect(),
            die_area_mm2: area,
            datacenter,
            io_bandwidth_gbps: Some(io),
            memory_bandwidth_gbps: Some(mem),
        }),
        extra: Default::default(),
        product: None,
    }
}

const DESTINATIONS: [&str; 14] = [
    "CN", "HK", "MO", "DE", "VN", "SA", "IL", "AE", "RU", "BY", "IR", "KR", "US", "SG",
];

fn dates() -> Vec<NaiveDate> {
    // One date inside every interval between rule changes, plus the change days.
    let mut out = Vec::new();
    for pack in &engine().packs {
        for d in pack.change_dates() {
            out.push(d);
            out.extend(d.succ_opt());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn us_controls(item: &Item, date: NaiveDate) -> Vec<String> {
    engine()
        .decide(&Query::classify(item, date))
        .determinations
        .into_iter()
        .find(|d| d.jurisdiction == "us")
        .map(|d| d.controls)
        .unwrap_or_default()
}

fn outcome(item: &Item, dest: &str, date: NaiveDate) -> Outcome {
    let mut facts = Facts::default();
    facts.set("end_user_hq", FactValue::Str(dest.into()));
    let q = Query {
        item,
        as_of: date,
        destination: Some(dest.into()),
        end_use: Some("civil".into()),
        facts,
        jurisdictions: Vec::new(),
        explain: false,
    };
    engine().validate(&q).expect("valid query");
    engine()
        .decide(&q)
        .overall
        .expect("a check has an overall outcome")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Raising TPP, I/O or memory bandwidth, or shrinking the die (raising PD),
    /// never makes the answer better on the same date.
    #[test]
    fn raising_a_metric_never_improves_the_outcome(
        int8 in 50.0f64..4000.0,
        area in 100.0f64..2500.0,
        datacenter in any::<bool>(),
        io in 0.0f64..1200.0,
        mem in 0.0f64..9000.0,
        vendor in prop::sample::select(vec!["NVIDIA", "AMD", "Example"]),
        factor in 1.0f64..4.0,
        which in 0usize..4,
        dest in prop::sample::select(DESTINATIONS.to_vec()),
        date_idx in any::<prop::sample::Index>(),
    ) {
        let all = dates();
        let date = all[date_idx.index(all.len())];
        let base = ic(int8, Some(area), Some(datacenter), io, mem, vendor);
        let raised = match which {
            0 => ic(int8 * factor, Some(area), Some(datacenter), io, mem, vendor),
            1 => ic(int8, Some(area / factor), Some(datacenter), io, mem, vendor),
            2 => ic(int8, Some(area), Some(datacenter), io * factor + 1.0, mem, vendor),
            _ => ic(int8, Some(area), Some(datacenter), io, mem * factor + 1.0, vendor),
        };
        // The one place the law itself is not monotone: from 2026-07-10
        // 15 CFR 742.6(a)(6)(iii)(B) names the UAE for 3A090.b items, while
        // 3A090.a items fall under (iii)(A), the AI-diffusion paragraph BIS
        // does not enforce; a raise from .b into .a to the UAE can lift the
        // licence requirement. Left to the pack's notes, not to this test.
        let uae_b_to_a = dest == "AE"
            && date >= NaiveDate::from_ymd_opt(2026, 7, 10).unwrap()
            && us_controls(&base, date).iter().any(|c| c == "3A090.b")
            && us_controls(&raised, date).iter().any(|c| c == "3A090.a");
        prop_assume!(!uae_b_to_a);
        let before = outcome(&base, dest, date);
        let after = outcome(&raised, dest, date);
        prop_assert!(
            after >= before,
            "{dest} on {date}: raising metric {which} by {factor:.2} improved {before} to {after}"
        );
    }

    /// A data-centre IC whose TPP puts it in the PD-dependent band needs its
    /// die area: the answer is never a silent pass.
    #[test]
    fn an_unknown_die_area_that_a_rule_needs_gives_needs_info(
        int8 in 200.0f64..599.0,
        dest in prop::sample::select(vec!["CN", "MO", "VN", "SA"]),
        date_idx in any::<prop::sample::Index>(),
    ) {
        let all: Vec<NaiveDate> = dates()
            .into_iter()
            .filter(|d| *d >= NaiveDate::from_ymd_opt(2023, 11, 17).unwrap())
            .collect();
        let date = all[date_idx.index(all.len())];
        let item = ic(int8, None, Some(true), 100.0, 1000.0, "Example");
        let q = Query::classify(&item, date);
        let decision = engine().decide(&q);
        let us = decision.determinations.iter().find(|d| d.jurisdiction == "us").unwrap();
        prop_assert!(us.questions.iter().any(|q| q.fact == "die_area"), "{:?}", us.questions);
        prop_assert!(us.controls.is_empty());
        let o = outcome(&item, dest, date);
        prop_assert!(o >= Outcome::NeedsInfo, "{dest} on {date}: {o}");
    }

    /// An unknown market (data centre or not) that decides the classification gives needs_info.
    #[test]
    fn an_unknown_market_that_a_rule_needs_gives_needs_info(
        int8 in 600.0f64..3000.0,
        area in 100.0f64..2000.0,
        dest in prop::sample::select(vec!["CN", "VN", "RU"]),
    ) {
        let date = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let item = ic(int8, Some(area), None, 100.0, 1000.0, "Example");
        let decision = engine().decide(&Query::classify(&item, date));
        let us = decision.determinations.iter().find(|d| d.jurisdiction == "us").unwrap();
        prop_assert!(us.questions.iter().any(|q| q.fact == "datacenter"));
        prop_assert!(outcome(&item, dest, date) >= Outcome::NeedsInfo);
    }
}

/// MI350X runs FP6 at its FP4 rate, so FP6's 6 bits set its TPP
/// (9,227.5 TOPS × 6), not BF16's 2,309.6 × 16.
#[test]
fn fp6_at_the_fp4_rate_sets_the_mi350x_tpp() {
    let data = load(&Files::bundled()).expect("bundled data");
    let item = data.catalog.resolve("MI350X").expect("MI350X").item.clone();
    let tpp = item.metrics().tpp.expect("TPP");
    assert!((tpp - 9227.5 * 6.0).abs() < 0.01, "TPP {tpp}");
    assert_eq!(Precision::parse("FP6").map(Precision::bits), Some(6));
}
