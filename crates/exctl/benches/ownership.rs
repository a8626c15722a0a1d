//! Ownership at scale; asserts nothing but that every step succeeded.
//!
//! A synthetic graph of `OWNERS_ENTITIES` entities (default 1,000,000) and
//! about three holdings each (3,000,000) in corporate groups of 20, with
//! holdings across groups, and 2 % of the groups headed by a party named as
//! an entry of the 2026-07 Consolidated Screening List (the demo list when
//! ../shared/data is absent outside CI):
//!
//! 1. import through the release binary (`exctl owners import`, SQLite):
//!    target < 120 s;
//! 2. a party's ownership verdict (its ancestry from the records, every owner
//!    screened, every pack's rules weighed), `OWNERS_VERDICTS` random parties
//!    (default 2,000): target p99 < 5 ms;
//! 3. the whole graph re-weighed after a list change (`exctl owners
//!    evaluate`, graph loaded from the records): target < 60 s.
//!
//! `scripts/bench-ownership` runs it and writes the figures into
//! docs/benchmarks.md.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

mod support;
use support::{figure, size};

const TARGET_IMPORT_S: f64 = 120.0;
const TARGET_P99_MS: f64 = 5.0;
const TARGET_EVALUATE_S: f64 = 60.0;
const GROUP: usize = 20;

/// A deterministic generator (no dependency for a benchmark's numbers).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn csl() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/csl-2026-07/consolidated.csv");
    assert!(
        p.exists() || std::env::var("CI").as_deref() != Ok("true"),
        "../shared/data/csl-2026-07 is absent under CI"
    );
    p.exists().then_some(p)
}

/// Names of listed parties to head some groups: entity entries of the list.
fn listed_names(list: Option<&PathBuf>) -> Vec<String> {
    let text = match list {
        Some(p) => std::fs::read_to_string(p).unwrap(),
        None => exctl_app::screening::DEMO_LIST.to_string(),
    };
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let name = headers.iter().position(|h| h == "name").unwrap();
    let kind = headers.iter().position(|h| h == "type");
    let mut out: Vec<String> = r
        .records()
        .filter_map(|row| row.ok())
        .filter(|row| {
            kind.is_none_or(|k| row.get(k).is_some_and(|t| t.eq_ignore_ascii_case("entity")))
        })
        .filter_map(|row| row.get(name).map(|n| n.replace([',', '"', '\n'], " ")))
        .filter(|n| !n.trim().is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn main() {
    let entities = size("OWNERS_ENTITIES", 1_000_000, 2_000).max(GROUP * 10);
    let verdicts = size("OWNERS_VERDICTS", 2_000, 50);
    let list = csl();
    let listed = listed_names(list.as_ref());
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let exctl = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_exctl"));
        c.args(args)
            .env("EXCTL_HOME", &home)
            .env("EXCTL_LISTS", home.join("lists"))
            .env("EXCTL_USER", "bench")
            .env_remove("EXCTL_DB");
        c
    };
    support::run(&mut exctl(&["init"]));

    // The graph: groups of GROUP; node j of a group held by up to five
    // earlier nodes of its group (about three on average), one holding in
    // twenty from another group's head.
    let file = dir.path().join("owners.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(out, "owner_id,owner_name,owned_id,owned_name,percent").unwrap();
    let mut rng = Lcg(7);
    let groups = entities / GROUP;
    let name = |g: usize, j: usize| -> String {
        if j == 0 && g.is_multiple_of(50) {
            listed[(g / 50) % listed.len()].clone()
        } else {
            format!("Entity {g}-{j} Holdings Ltd")
        }
    };
    let mut links = 0usize;
    let mut parties = Vec::new();
    for g in 0..groups {
        for j in 1..GROUP {
            let owners = 2 + rng.below(4);
            let mut left = 100.0f64;
            let mut seen = Vec::new();
            for k in 0..owners {
                let (og, oj) = if rng.below(20) == 0 {
                    (rng.below(groups), 0)
                } else {
                    (g, rng.below(j))
                };
                if (og, oj) == (g, j) || seen.contains(&(og, oj)) {
                    continue;
                }
                seen.push((og, oj));
                let share = if k + 1 == owners {
                    left
                } else {
                    (left * (0.2 + 0.6 * (rng.below(100) as f64 / 100.0))).floor()
                };
                left -= share;
                writeln!(
                    out,
                    "g{og}n{oj},{},g{g}n{j},{},{share}",
                    name(og, oj),
                    name(g, j)
                )
                .unwrap();
                links += 1;
            }
        }
        if parties.len() < verdicts && rng.below(groups.max(1)) < verdicts * 2 {
            parties.push(name(g, GROUP - 1 - rng.below(GROUP - 1)));
        }
    }
    out.flush().unwrap();
    drop(out);
    figure(
        "ownership graph (synthetic, groups of 20)",
        format!("{entities} entities, {links} holdings"),
    );

    let t = Instant::now();
    support::run(&mut exctl(&[
        "owners",
        "import",
        file.to_str().unwrap(),
        "--format",
        "csv",
    ]));
    let import_s = t.elapsed().as_secs_f64();
    figure(
        "ownership import, `exctl owners import` on SQLite",
        format!(
            "{import_s:.1} s ({:.0} holdings/s; target < {TARGET_IMPORT_S} s)",
            links as f64 / import_s
        ),
    );

    // Verdicts, through the library as a server request makes them.
    let data = exctl_data::load(&exctl_data::Files::bundled()).unwrap();
    let lists = match &list {
        Some(p) => vec![p.display().to_string()],
        None => vec!["demo".to_string()],
    };
    let screener =
        exctl_app::parties::party_screener(&data.parties, &lists, &home.join("lists")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt
        .block_on(exctl_records::Store::open(
            &format!("sqlite://{}", home.join("records.db").display()),
            None,
            "bench",
        ))
        .unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let mut times = Vec::with_capacity(parties.len());
    let mut caught = 0;
    for p in &parties {
        let t = Instant::now();
        let a = rt
            .block_on(exctl_app::owners::answer(
                &store, &data, &screener, p, as_of,
            ))
            .unwrap()
            .unwrap_or_else(|| panic!("{p} is not in the records"));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        caught += a
            .findings
            .iter()
            .filter(|f| f.finding.verdict == exctl_core::ownership::VerdictKind::Caught)
            .count();
    }
    rt.block_on(store.close());
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    figure(
        "a party's ownership verdict (ancestry, owners screened on every core, rules weighed)",
        format!(
            "p50 {:.2} ms, p99 {:.2} ms over {} parties ({caught} findings caught; target p99 < {TARGET_P99_MS} ms)",
            pct(0.5),
            pct(0.99),
            times.len()
        ),
    );

    let mut args = vec!["owners", "evaluate", "--as-of", "2026-12-03", "--json"];
    let csl_arg;
    match &list {
        Some(p) => {
            csl_arg = p.display().to_string();
            args.extend(["--list", csl_arg.as_str()]);
        }
        None => args.extend(["--list", "demo"]),
    }
    let t = Instant::now();
    let out = support::run(&mut exctl(&args));
    let evaluate_s = t.elapsed().as_secs_f64();
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ofac = e["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "us.parties.ofac-50")
        .cloned()
        .unwrap_or_default();
    figure(
        "whole graph re-weighed, `exctl owners evaluate` (load, mark listed, every rule)",
        format!(
            "{evaluate_s:.1} s; {} listed, OFAC's rule catches {} (target < {TARGET_EVALUATE_S} s)",
            e["listed"], ofac["caught"]
        ),
    );
}
