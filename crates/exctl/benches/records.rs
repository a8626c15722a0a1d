//! Records benchmark, end to end through the release binary; asserts nothing.
//!
//! 1. Recorded checks per second: the same order book (`RECORD_ROWS`,
//!    default 20,000) checked without recording (the peer: the same work
//!    minus the records), recorded on SQLite, and recorded on PostgreSQL
//!    when `DATABASE_URL` is set; then with screened parties per row.
//! 2. Rescreening `RESCREEN_PARTIES` (default 100,000) stored parties
//!    against a new CSL version (target < 60 s): the parties are stored by a
//!    recorded batch screen against an older version of the 2026-07 CSL
//!    (1 % of entries removed, 1 % renamed), then `exctl rescreen` runs
//!    against the real list. Needs ../shared/data; skipped without it.
//!
//! `scripts/bench-records` runs it with a fresh PostgreSQL server.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod support;
use support::figure;

const TARGET_CHECKS: f64 = 2_000.0;
const TARGET_RESCREEN_S: f64 = 60.0;

/// A file of ../shared/data; absent, the part that needs it is skipped,
/// except under CI, where that is a failure.
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

/// A fresh exctl instance: its own home, signing key and database.
struct Instance {
    home: PathBuf,
    db: Option<String>,
}

impl Instance {
    fn new(dir: &Path, name: &str, db: Option<String>) -> Instance {
        let home = dir.join(name);
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let i = Instance { home, db };
        i.run(&["init"], true);
        i
    }

    /// Runs exctl; returns seconds taken and standard output.
    fn run(&self, args: &[&str], must_succeed: bool) -> (f64, String) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_exctl"));
        c.args(args)
            .env("EXCTL_HOME", &self.home)
            .env("EXCTL_LISTS", self.home.join("lists"))
            .env("EXCTL_USER", "bench")
            .env_remove("EXCTL_DB");
        if let Some(db) = &self.db {
            c.env("EXCTL_DB", db);
        }
        let t = Instant::now();
        let out = c.output().unwrap();
        let s = t.elapsed().as_secs_f64();
        if must_succeed && !out.status.success() {
            panic!(
                "exctl {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        (s, String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

fn orders(path: &Path, rows: usize, parties: bool) {
    let items = [
        "h100", "h200", "h20", "b200", "a100", "mi300x", "rtx 4090", "l40s", "gaudi 3",
    ];
    let countries = ["CN", "HK", "DE", "VN", "AE", "IN", "KR", "JP", "SG", "BR"];
    let users = [
        "Falcon Data LLC;country=AE",
        "Huawei Technologies;country=CN",
        "Nordlicht Rechenzentrum GmbH;country=DE",
        "Saigon Compute JSC;country=VN",
        "Acme Holdings;country=SG;owner=Sugon:30;owner=Inspur Group:25",
    ];
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    if parties {
        writeln!(f, "id,item,to,end_use,end_user,quantity").unwrap();
    } else {
        writeln!(f, "id,item,to,end_use").unwrap();
    }
    for i in 0..rows {
        let it = items[i % items.len()];
        let cc = countries[(i / items.len()) % countries.len()];
        if parties {
            let u = users[(i / 7) % users.len()];
            writeln!(f, "{i},{it},{cc},civil,\"{u}\",{}", 1 + i % 9).unwrap();
        } else {
            writeln!(f, "{i},{it},{cc},civil").unwrap();
        }
    }
}

fn recorded_checks(dir: &Path) {
    let rows = support::size("RECORD_ROWS", 20_000, 100);
    let plain = dir.join("orders.csv");
    let with_parties = dir.join("orders-parties.csv");
    orders(&plain, rows, false);
    orders(&with_parties, rows, true);
    let out = dir.join("results.csv");
    let out = out.to_str().unwrap();
    let check = |i: &Instance, input: &Path, extra: &[&str]| {
        let mut args = vec![
            "check",
            "--input",
            input.to_str().unwrap(),
            "--output",
            out,
            "--as-of",
            "2026-06-01",
        ];
        args.extend_from_slice(extra);
        let (s, _) = i.run(&args, true);
        rows as f64 / s
    };
    println!("recorded checks, {rows} orders per run (target {TARGET_CHECKS:.0}/s):");
    let sqlite = Instance::new(dir, "sqlite", None);
    let base = check(&sqlite, &plain, &["--no-record"]);
    figure(
        &format!("recorded checks/s, {rows} orders: not recorded (the peer)"),
        format!("{base:.0}"),
    );
    let mut stores = vec![("SQLite", sqlite)];
    match std::env::var("DATABASE_URL") {
        Ok(url) => stores.push(("PostgreSQL", Instance::new(dir, "postgres", Some(url)))),
        Err(_) => {
            println!("  PostgreSQL: skipped (DATABASE_URL not set; scripts/bench-records sets it)")
        }
    }
    for (name, i) in &stores {
        let r = check(i, &plain, &[]);
        figure(
            &format!("recorded checks/s, {rows} orders: recorded on {name}"),
            format!(
                "{r:.0} ({:.2}× unrecorded, {:.2}× the target of {TARGET_CHECKS:.0})",
                r / base,
                r / TARGET_CHECKS
            ),
        );
    }
    let screened = check(
        &stores[0].1,
        &with_parties,
        &["--no-record", "--list", "demo"],
    );
    figure(
        &format!("recorded checks/s, {rows} orders with a screened end user: not recorded"),
        format!("{screened:.0}"),
    );
    for (name, i) in &stores {
        let r = check(i, &with_parties, &["--list", "demo"]);
        figure(
            &format!(
                "recorded checks/s, {rows} orders with a screened end user: recorded on {name}"
            ),
            format!("{r:.0} ({:.2}× unrecorded)", r / screened),
        );
    }
}

/// The old list version: 1 % of entries dropped, 1 % renamed (material changes).
fn older_csl(csl: &Path, out: &Path) -> usize {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(csl)
        .unwrap();
    let headers = r.headers().unwrap().clone();
    let name = headers.iter().position(|h| h == "name").unwrap();
    let mut w = csv::Writer::from_path(out).unwrap();
    w.write_record(&headers).unwrap();
    let mut n = 0;
    for (i, rec) in r.records().enumerate() {
        let rec = rec.unwrap();
        if i % 100 == 0 {
            continue;
        }
        let mut cells: Vec<String> = rec.iter().map(str::to_string).collect();
        if i % 100 == 50 {
            cells[name] = format!("{} Trading", cells[name]);
        }
        w.write_record(&cells).unwrap();
        n += 1;
    }
    w.flush().unwrap();
    n
}

/// `n` parties: synthetic non-listed persons, with every 100th a CSL name.
fn stored_parties(csl: &Path, out: &Path, n: usize) -> Option<usize> {
    let mut names = Vec::new();
    for f in ["negatives_global.csv", "negatives_us.csv"] {
        let p = shared(&format!("yente-opensanctions/screening_fixtures/{f}"))?;
        let mut r = csv::Reader::from_path(p).unwrap();
        names.extend(r.records().map(|r| r.unwrap()[0].to_string()));
    }
    let mut listed = Vec::new();
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(csl)
        .unwrap();
    let name = r.headers().unwrap().iter().position(|h| h == "name")?;
    for (i, rec) in r.records().enumerate() {
        if i % 25 == 0 {
            listed.push(rec.unwrap()[name].to_string());
        }
    }
    let mut w = csv::Writer::from_path(out).unwrap();
    w.write_record(["id", "name"]).unwrap();
    let mut from_list = 0;
    for i in 0..n {
        let name = if i % 100 == 0 {
            from_list += 1;
            listed[(i / 100) % listed.len()].clone()
        } else {
            // Beyond the 100,000 fixtures, suffixes keep names distinct.
            let base = &names[i % names.len()];
            match i / names.len() {
                0 => base.clone(),
                k => format!("{base} {k}"),
            }
        };
        w.write_record([i.to_string(), name]).unwrap();
    }
    w.flush().unwrap();
    Some(from_list)
}

fn rescreen(dir: &Path) {
    let n = support::size("RESCREEN_PARTIES", 100_000, 200);
    let Some(csl) = shared("csl-2026-07/consolidated.csv") else {
        println!("rescreen: skipped (../shared/data/csl-2026-07 is absent)");
        return;
    };
    let old = dir.join("csl-old.csv");
    let kept = older_csl(&csl, &old);
    let parties = dir.join("parties.csv");
    let Some(listed) = stored_parties(&csl, &parties, n) else {
        println!("rescreen: skipped (../shared/data/yente-opensanctions is absent)");
        return;
    };
    println!(
        "rescreen of {n} stored parties ({listed} named from the CSL) against a new CSL version \
         (old: {kept} entries; new: the 2026-07 CSL), target < {TARGET_RESCREEN_S:.0} s:"
    );
    let old_spec = format!("csl-csv:{}", old.display());
    let new_spec = format!("csl-csv:{}", csl.display());
    let hits = dir.join("hits.csv");
    let mut stores = vec![("SQLite", Instance::new(dir, "rescreen-sqlite", None))];
    if let Ok(url) = std::env::var("DATABASE_URL") {
        stores.push((
            "PostgreSQL",
            Instance::new(dir, "rescreen-postgres", Some(url)),
        ));
    }
    for (name, i) in &stores {
        let (s, _) = i.run(
            &[
                "screen",
                "--input",
                parties.to_str().unwrap(),
                "--output",
                hits.to_str().unwrap(),
                "--list",
                &old_spec,
            ],
            true,
        );
        figure(
            &format!("{n} parties stored by a recorded batch screen on {name}, parties/s"),
            format!("{:.0} ({s:.1} s)", n as f64 / s),
        );
        let (s, report) = i.run(&["rescreen", "--list", &new_spec], true);
        figure(
            &format!("{n} stored parties rescreened against a new CSL on {name}, parties/s"),
            format!(
                "{:.0} ({s:.1} s; at this rate 100,000 take {:.0} s, target < {TARGET_RESCREEN_S:.0} s)",
                n as f64 / s,
                s * 100_000.0 / n as f64
            ),
        );
        println!("    {}", report.lines().next().unwrap_or(""));
    }
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/records-bench");
    std::fs::create_dir_all(&dir).unwrap();
    recorded_checks(&dir);
    rescreen(&dir);
}
