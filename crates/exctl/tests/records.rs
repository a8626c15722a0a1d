//! Records through the command line: recording, licences under concurrent
//! shipments, crash and resume of a recorded batch, tampering, bad input.
//! PostgreSQL parts run when DATABASE_URL is set (scripts/test sets it).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_exctl"))
}

struct Instance {
    home: tempfile::TempDir,
    db: Option<String>,
}

impl Instance {
    fn new(db: Option<String>) -> Instance {
        let i = Instance {
            home: tempfile::tempdir().unwrap(),
            db,
        };
        let out = i.run(&["init"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        i
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(exe());
        c.args(args)
            .env("EXCTL_HOME", self.home.path())
            .env("EXCTL_LISTS", self.home.path().join("lists"))
            .env("EXCTL_USER", "tester")
            .env_remove("EXCTL_DB");
        if let Some(db) = &self.db {
            c.env("EXCTL_DB", db);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "exctl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.home.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn history_count(&self, extra: &[&str]) -> usize {
        let mut args = vec!["history", "--csv", "--limit", "1000000"];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        let mut r = csv::Reader::from_reader(out.as_bytes());
        r.records().count()
    }
}

fn licence(number: &str, quantity: u32) -> String {
    licence_for(number, "h100", quantity)
}

/// Tests that share a PostgreSQL database use items of their own, so that
/// one test's licences never authorise another's checks.
fn licence_for(number: &str, item: &str, quantity: u32) -> String {
    format!(
        "jurisdiction = \"us\"\nnumber = \"{number}\"\nholder = \"Acme Exports\"\nvalid_from = \"2026-01-01\"\nvalid_to = \"2026-12-31\"\nitems = [\"{item}\"]\ndestinations = [\"AE\"]\nquantity = {quantity}\n"
    )
}

fn backends() -> Vec<Option<String>> {
    let mut v = vec![None];
    match std::env::var("DATABASE_URL") {
        Ok(url) => v.push(Some(url)),
        Err(_) => eprintln!(
            "DATABASE_URL not set: PostgreSQL part skipped (scripts/test starts a server)"
        ),
    }
    v
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[test]
fn a_licence_authorises_and_draws_down_and_checks_are_recorded() {
    for db in backends() {
        let i = Instance::new(db);
        let number = unique("D");
        let lic = i.file("lic.toml", &licence(&number, 100));
        i.ok(&["licences", "add", &lic]);
        let out = i.ok(&[
            "check",
            "--item",
            "h100",
            "--to",
            "AE",
            "--as-of",
            "2026-06-01",
            "--quantity",
            "60",
            "--ship",
            &unique("PO"),
            "--end-user",
            "Falcon Data LLC;country=AE",
            "--list",
            "demo",
            "--json",
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&out[..out.rfind('}').unwrap() + 1]).unwrap();
        let us = v["determinations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["jurisdiction"] == "us")
            .unwrap();
        assert_eq!(us["outcome"], "authorized");
        assert_eq!(us["licence"]["number"], number.as_str());
        assert_eq!(us["licence"]["remaining_quantity"], 100.0);
        // 40 left: 41 more is not authorised and cannot be shipped.
        let out = i.run(&[
            "check",
            "--item",
            "h100",
            "--to",
            "AE",
            "--as-of",
            "2026-06-02",
            "--quantity",
            "41",
            "--ship",
            &unique("PO"),
            "--end-user",
            "Falcon Data LLC;country=AE",
            "--list",
            "demo",
        ]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("40 units left, 41 asked"));
        // Both checks are on record, with their outcomes.
        assert!(i.history_count(&["--outcome", "authorized", "--party", "falcon"]) >= 1);
        assert!(i.history_count(&["--outcome", "license_required", "--party", "falcon"]) >= 1);
        // A shared PostgreSQL database holds other instances' keys too: pin on SQLite.
        let key = i
            .home
            .path()
            .join("audit-public-key.txt")
            .display()
            .to_string();
        let out = if i.db.is_none() {
            i.ok(&["audit", "verify", "--public-key", &key])
        } else {
            i.ok(&["audit", "verify"])
        };
        assert!(out.contains("verifies"), "{out}");
    }
}

#[test]
fn concurrent_processes_never_overdraw_a_licence() {
    for db in backends() {
        let i = Instance::new(db);
        let number = unique("C");
        let lic = i.file("lic.toml", &licence(&number, 100));
        i.ok(&["licences", "add", &lic]);
        let spec = format!("us:{number}");
        let children: Vec<_> = (0..16)
            .map(|n| {
                i.cmd(&[
                    "ship",
                    "--licence",
                    &spec,
                    "--reference",
                    &format!("{number}-{n}"),
                    "--quantity",
                    "7",
                    "--date",
                    "2026-05-01",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        let mut shipped = 0;
        for c in children {
            let out = c.wait_with_output().unwrap();
            match out.status.code() {
                Some(0) => shipped += 1,
                Some(2) => assert!(
                    String::from_utf8_lossy(&out.stderr).contains("overdrawn"),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                ),
                other => panic!(
                    "ship exited {other:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
            }
        }
        assert_eq!(shipped, 14, "100 units, 7 each: exactly 14 fit");
        let list = i.ok(&["licences", "list", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&list).unwrap();
        let this = v
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["licence"]["number"] == number.as_str())
            .unwrap();
        assert_eq!(this["drawn"]["quantity"], 98.0);
        assert!(i.ok(&["audit", "verify"]).contains("verifies"));
    }
}

/// Checks that ship at once, with two licences covering them: when the
/// licence a check chose runs out before its shipment is written, the
/// shipment goes on the other, so every shipment that fits in the two goes.
#[test]
fn concurrent_checks_fall_back_on_the_other_covering_licence() {
    for db in backends() {
        let i = Instance::new(db);
        let (first, second) = (unique("F1"), unique("F2"));
        for n in [&first, &second] {
            let lic = i.file("lic.toml", &licence_for(n, "b200", 4));
            i.ok(&["licences", "add", &lic]);
        }
        let children: Vec<_> = (0..8)
            .map(|n| {
                i.cmd(&[
                    "check",
                    "--item",
                    "b200",
                    "--to",
                    "AE",
                    "--as-of",
                    "2026-06-01",
                    "--quantity",
                    "1",
                    "--ship",
                    &format!("{first}-{n}"),
                    "-j",
                    "us",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "8 units on two licences of 4: every shipment fits: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let v: serde_json::Value =
            serde_json::from_str(&i.ok(&["licences", "list", "--json"])).unwrap();
        // A shared PostgreSQL database may hold earlier runs' b200 licences.
        if i.db.is_none() {
            for n in [&first, &second] {
                let this = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["licence"]["number"] == n.as_str())
                    .unwrap();
                assert_eq!(this["drawn"]["quantity"], 4.0, "{n}");
            }
        }
        assert!(i.ok(&["audit", "verify"]).contains("verifies"));
    }
}

#[test]
fn bad_licences_and_unknown_numbers_change_nothing() {
    let i = Instance::new(None);
    let swapped = i.file(
        "swapped.toml",
        &licence("X1", 5).replace("valid_to = \"2026-12-31\"", "valid_to = \"2025-12-31\""),
    );
    let out = i.run(&["licences", "add", &swapped]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("swapped.toml") && err.contains("valid_to"),
        "{err}"
    );
    let broken = i.file("broken.toml", "jurisdiction = \"us\"\nnumber = \n");
    let out = i.run(&["licences", "add", &broken]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.toml:2"));
    let unknown_item = i.file(
        "item.toml",
        &licence("X2", 5).replace("h100", "no-such-chip"),
    );
    let out = i.run(&["licences", "add", &unknown_item]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("items"));
    let out = i.run(&[
        "ship",
        "--licence",
        "us:NOPE",
        "--reference",
        "R1",
        "--quantity",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no licence"));
    assert!(i.ok(&["licences", "list"]).contains("no licences on file"));
    assert!(i
        .ok(&["audit", "verify", "--json"])
        .contains("\"entries\": 0"));
}

/// Kills a recording batch check with SIGKILL, reruns it, and finds every
/// row recorded exactly once and the trail intact.
#[test]
fn a_killed_batch_resumes_without_loss_or_duplicates() {
    let i = Instance::new(None);
    let rows = 4000;
    let mut orders = String::from("id,item,to,end_use\n");
    let items = ["h100", "h20", "a100", "mi300x", "rtx-4090"];
    let dests = ["CN", "AE", "DE", "RU", "IN"];
    for n in 0..rows {
        orders.push_str(&format!(
            "o{n},{},{},civil\n",
            items[n % 5],
            dests[(n / 5) % 5]
        ));
    }
    let input = i.file("orders.csv", &orders);
    let output = i.home.path().join("out.csv").display().to_string();
    let args = [
        "check",
        "--input",
        &input,
        "--output",
        &output,
        "--as-of",
        "2026-06-01",
    ];
    let mut child = i
        .cmd(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some, not all, rows are recorded, then kill without warning.
    let mut seen = 0;
    for _ in 0..600 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        seen = i.history_count(&["--kind", "check"]);
        if seen > 0 {
            break;
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    let before = i.history_count(&["--kind", "check"]);
    assert!(before >= seen);
    if status.success() {
        eprintln!("the batch finished before it could be killed; the resume is still checked");
    } else {
        assert!(before < rows, "killed mid-batch");
    }
    let out = i.run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        i.history_count(&["--kind", "check"]),
        rows,
        "every row once"
    );
    let results = std::fs::read_to_string(&output).unwrap();
    assert_eq!(results.lines().count(), rows + 1);
    assert!(i.ok(&["audit", "verify"]).contains("verifies"));
}

/// Flips one byte at each place the marker is stored, one at a time from
/// a pristine copy, and collects what `audit verify` says about each. Some
/// places are free pages SQLite keeps from earlier page versions; the live
/// copies are in a record or in the trail.
#[test]
fn one_flipped_byte_in_the_database_is_reported() {
    let i = Instance::new(None);
    i.ok(&[
        "check",
        "--item",
        "h100",
        "--to",
        "CN",
        "--end-user",
        "Quillfeather Robotics",
        "--list",
        "demo",
    ]);
    i.ok(&[
        "check",
        "--item",
        "h20",
        "--to",
        "DE",
        "--end-user",
        "Other Party",
        "--list",
        "demo",
    ]);
    // verify closes the store, folding the write-ahead log into the file.
    assert!(i.ok(&["audit", "verify"]).contains("verifies"));
    let db = i.home.path().join("records.db");
    let pristine = std::fs::read(&db).unwrap();
    let marker = b"Quillfeather";
    let places: Vec<usize> = pristine
        .windows(marker.len())
        .enumerate()
        .filter(|(_, w)| *w == marker)
        .map(|(at, _)| at)
        .collect();
    assert!(places.len() >= 3, "the marker is in the database file");
    let mut reported = Vec::new();
    for at in places {
        let mut bytes = pristine.clone();
        bytes[at] ^= 0x01;
        std::fs::write(&db, &bytes).unwrap();
        let out = i.run(&["audit", "verify"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.code() == Some(1) {
            assert!(
                text.contains("DOES NOT VERIFY") && text.contains("first bad"),
                "{text}"
            );
            reported.push(text);
        } else {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    std::fs::write(&db, &pristine).unwrap();
    assert!(i.ok(&["audit", "verify"]).contains("verifies"));
    let found = |what: &str| reported.iter().any(|r| r.contains(what));
    assert!(found("decisions record 1"), "{reported:?}");
    assert!(found("parties record"), "{reported:?}");
    assert!(found("entry 1:") || found("entry 2:"), "{reported:?}");
}

#[test]
fn cleared_hits_carry_forward_and_feeds_are_signed() {
    let i = Instance::new(None);
    let list = i.file(
        "own.csv",
        "name,aliases,country,list,note\nNorthwind Photonics,,CN,EL,test entry\n",
    );
    i.ok(&["lists", "add", &list]);
    let out = i.ok(&[
        "check",
        "--item",
        "h20",
        "--to",
        "DE",
        "--end-user",
        "Northwind Photonics;country=CN",
        "-j",
        "us",
        "--json",
    ]);
    assert!(out.contains("us.parties.entity-list"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out[..out.rfind('}').unwrap() + 1]).unwrap();
    let entry = v["party_hits"][0]["entry_id"].as_str().unwrap().to_string();
    // Nobody clears alone: the request is a proposal on the hit's case.
    let mut clear = vec!["--user", "alice"];
    clear.extend([
        "dispositions",
        "clear",
        "--party",
        "Northwind Photonics",
        "--country",
        "CN",
        "--list",
        "EL",
        "--entry",
        &entry,
        "--reason",
        "different company, verified address",
    ]);
    let proposed = i.ok(&clear);
    assert!(
        proposed.contains("another officer approves it"),
        "{proposed}"
    );
    let queue = i.ok(&["cases", "list", "--status", "pending", "--json"]);
    let cases: serde_json::Value = serde_json::from_str(&queue).unwrap();
    let case = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "hit")
        .expect("the hit's case waits for approval");
    let id = case["id"].to_string();
    let own = i.run(&["--user", "Alice", "cases", "approve", &id]);
    assert!(!own.status.success(), "the proposer may not approve");
    let approved = i.ok(&["--user", "bob", "cases", "approve", &id]);
    assert!(approved.contains("approved by bob"), "{approved}");
    let out = i.ok(&[
        "check",
        "--item",
        "h20",
        "--to",
        "DE",
        "--end-user",
        "Northwind Photonics;country=CN",
        "-j",
        "us",
        "--json",
    ]);
    assert!(
        !out.contains("us.parties.entity-list"),
        "cleared hit still applied: {out}"
    );
    assert!(out.contains("cleared as a false positive"));
    // Unchanged list: the rescreen raises nothing.
    let r: serde_json::Value = serde_json::from_str(&i.ok(&["rescreen", "--json"])).unwrap();
    assert_eq!(r["alerts"].as_array().unwrap().len(), 0, "{r}");
    // The entry changes materially (a new address country): re-raised.
    std::fs::write(
        &list,
        "name,aliases,country,list,note\nNorthwind Photonics,Northwind Optics,CN,EL,test entry\n",
    )
    .unwrap();
    i.ok(&["lists", "add", &list]);
    let r: serde_json::Value = serde_json::from_str(&i.ok(&["rescreen", "--json"])).unwrap();
    assert_eq!(r["reraised"], 1, "{r}");

    // A signed feed: publish with one key, import with it pinned; a tampered feed is refused.
    let violators = i.file(
        "violators.csv",
        "name,aliases,country,list,note\nBadger Semiconductor Trading,,HK,,\n",
    );
    let feed = i.home.path().join("feed.csv").display().to_string();
    i.ok(&[
        "lists",
        "publish",
        "--input",
        &violators,
        "--authority",
        "MOTIE",
        "--out",
        &feed,
    ]);
    let other = Instance::new(None);
    let key = i
        .home
        .path()
        .join("audit-public-key.txt")
        .display()
        .to_string();
    let wrong_key = other
        .home
        .path()
        .join("audit-public-key.txt")
        .display()
        .to_string();
    let out = other.run(&["lists", "import", &feed, "--public-key", &wrong_key]);
    assert_eq!(out.status.code(), Some(2));
    other.ok(&["lists", "import", &feed, "--public-key", &key]);
    let out = other.ok(&[
        "check",
        "--item",
        "h20",
        "--to",
        "DE",
        "--end-user",
        "Badger Semiconductor Trading",
        "-j",
        "accord",
        "--json",
    ]);
    assert!(out.contains("\"overall\": \"prohibited\""), "{out}");
    let text = std::fs::read_to_string(&feed)
        .unwrap()
        .replace("Badger", "Beaver");
    std::fs::write(&feed, text).unwrap();
    let out = other.run(&["lists", "import", &feed, "--public-key", &key]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not verify"));
}

/// A results CSV: cell by row `id` and column name.
struct Results {
    headers: csv::StringRecord,
    rows: std::collections::HashMap<String, csv::StringRecord>,
}

impl Results {
    fn read(path: &str) -> Results {
        let mut r = csv::Reader::from_path(path).unwrap();
        let headers = r.headers().unwrap().clone();
        let id = headers.iter().position(|h| h == "id").unwrap();
        let rows = r
            .records()
            .map(|rec| {
                let rec = rec.unwrap();
                (rec[id].to_string(), rec)
            })
            .collect();
        Results { headers, rows }
    }

    fn cell(&self, id: &str, column: &str) -> String {
        let pos = self.headers.iter().position(|c| c == column).unwrap();
        self.rows[id][pos].to_string()
    }
}

#[test]
fn batch_checks_screen_parties_use_licences_and_batch_screens_are_recorded() {
    for db in backends() {
        let i = Instance::new(db);
        let number = unique("D");
        let lic = i.file("lic.toml", &licence_for(&number, "h200", 100));
        i.ok(&["licences", "add", &lic]);
        let clean = unique("Orchid Freight");
        let orders = i.file(
            "orders.csv",
            &format!(
                "id,item,to,end_user,consignee,intermediates,quantity\n\
                 covered,h200,AE,{clean};country=AE,,,10\n\
                 too-many,h200,AE,{clean};country=AE,,,500\n\
                 listed,h200,AE,Huawei Technologies;country=CN,,,10\n\
                 via,h200,AE,{clean};country=AE,,Acme Trading|Cambricon,10\n\
                 bad,h200,AE,;country=AE,,,10\n"
            ),
        );
        let output = i.home.path().join("results.csv").display().to_string();
        let args = [
            "check",
            "--input",
            &orders,
            "--output",
            &output,
            "--as-of",
            "2026-06-01",
            "--list",
            "demo",
            "-j",
            "us",
        ];
        let out = i.run(&args);
        assert_eq!(
            out.status.code(),
            Some(3),
            "one row is in error: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let results = Results::read(&output);
        let col = |id: &str, name: &str| results.cell(id, name);
        assert_eq!(col("covered", "overall"), "authorized");
        // A PostgreSQL database kept from an earlier run holds earlier licences too.
        if i.db.is_none() {
            assert_eq!(col("covered", "licences"), format!("us:{number}"));
        } else {
            assert!(col("covered", "licences").starts_with("us:D-"));
        }
        assert_eq!(
            col("too-many", "overall"),
            "license_required",
            "balance 100 < 500"
        );
        assert_eq!(col("too-many", "licences"), "");
        assert!(
            col("listed", "party_hits").starts_with("end_user:"),
            "{:?}",
            results.rows["listed"]
        );
        assert!(col("listed", "party_hits").contains(":EL:"));
        assert_ne!(
            col("listed", "overall"),
            "authorized",
            "an Entity List party bars the licence"
        );
        assert!(col("via", "party_hits").contains("intermediate:EL:"));
        assert_eq!(col("bad", "status"), "error");
        assert!(
            col("bad", "error").contains("column `end_user`"),
            "{}",
            col("bad", "error")
        );
        // Every good row is recorded with its parties; a rerun records nothing again.
        assert_eq!(i.history_count(&["--kind", "check", "--party", &clean]), 3);
        let again = i.run(&args);
        assert!(
            String::from_utf8_lossy(&again.stderr)
                .contains("recorded 0 decisions: 0 new, 0 superseding")
                && String::from_utf8_lossy(&again.stderr).contains("4 unchanged")
        );
        assert_eq!(i.history_count(&["--kind", "check", "--party", &clean]), 3);
        let h: serde_json::Value = serde_json::from_str(
            &i.ok(&["history", "--kind", "check", "--party", &clean, "--json"]),
        )
        .unwrap();
        let first = &h[0];
        assert_eq!(first["input"]["parties"][0]["name"], clean.as_str());
        assert!(
            first["result"]["determinations"].is_array(),
            "full decision stored"
        );

        // A batch screen is recorded row by row, its parties kept for rescreening.
        let other = unique("Juniper Holdings");
        let parties = i.file(
            "parties.csv",
            &format!("id,name,country\n1,{other},SG\n2,Cambricon,CN\n3,,CN\n"),
        );
        let hits = i.home.path().join("hits.csv").display().to_string();
        let screen = [
            "screen", "--input", &parties, "--output", &hits, "--list", "demo",
        ];
        // A shared PostgreSQL database holds earlier runs' screens: count the difference.
        let cambricon = [
            "--kind",
            "screen",
            "--party",
            "cambricon",
            "--outcome",
            "hit",
        ];
        let hits_before = i.history_count(&cambricon);
        let out = i.run(&screen);
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("recorded 2 decisions: 2 new"));
        let out = i.run(&screen);
        assert!(String::from_utf8_lossy(&out.stderr).contains("2 unchanged"));
        assert_eq!(i.history_count(&["--kind", "screen", "--party", &other]), 1);
        assert_eq!(i.history_count(&cambricon), hits_before + 1);
        // A rescreen covers every party in the database: on a shared
        // PostgreSQL database that would touch other tests' parties.
        if i.db.is_none() {
            let r: serde_json::Value =
                serde_json::from_str(&i.ok(&["rescreen", "--list", "demo", "--json"])).unwrap();
            // Orchid, Huawei, Acme Trading, Cambricon from the checks;
            // Juniper and Cambricon (now with a country) from the screen.
            assert_eq!(r["parties"], 6, "{r}");
            assert_eq!(r["new"], 0, "nothing changed since: {r}");
        }
        assert!(i.ok(&["audit", "verify"]).contains("verifies"));
    }
}

/// The rollback attack through the command line, on SQLite: the last
/// transaction (a shipment's draw-down) is cut from the trail and the
/// licence put back from its `before` image. `audit verify` alone still
/// passes, pinned key or not: the trail that is left is whole. With a
/// checkpoint made before the attack, it fails and names the checkpoint.
/// (The store's tests run the same attack on PostgreSQL; here the test
/// database would be shared with tests running beside this one.)
#[test]
fn a_rollback_passes_verify_alone_and_fails_it_with_a_checkpoint() {
    let i = Instance::new(None);
    let number = unique("RB");
    let lic = i.file("lic.toml", &licence(&number, 100));
    i.ok(&["licences", "add", &lic]);
    let db = i.home.path().join("records.db");
    let url = format!("sqlite://{}", db.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    sqlx::any::install_default_drivers();
    let last_seq = || -> i64 {
        rt.block_on(async {
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit")
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        })
    };
    let before_ship = last_seq();
    let spec = format!("us:{number}");
    let ship = |reference: &str, quantity: &str| {
        i.run(&[
            "ship",
            "--licence",
            &spec,
            "--reference",
            reference,
            "--quantity",
            quantity,
            "--date",
            "2026-05-01",
        ])
    };
    assert!(ship("PO-1", "60").status.success());
    let cp = i.home.path().join("held-elsewhere.json");
    let out = i.ok(&["audit", "checkpoint", "--out", &cp.display().to_string()]);
    assert!(
        out.contains(&format!("checkpoint of entry {}", last_seq())),
        "{out}"
    );
    // Every recording command also left one in HOME/checkpoints.
    let local = i.home.path().join("checkpoints");
    assert!(std::fs::read_dir(&local).unwrap().count() >= 2);

    // The attack: cut the shipment's transaction, restore the licence row.
    rt.block_on(async {
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let before: String =
            sqlx::query_scalar("SELECT before_json FROM audit WHERE seq > $1 AND tbl = 'licences'")
                .bind(before_ship)
                .fetch_one(&pool)
                .await
                .unwrap();
        let v: Vec<serde_json::Value> = serde_json::from_str(&before).unwrap();
        sqlx::query("UPDATE licences SET quantity_used = $1 WHERE number = $2")
            .bind(v[5].as_f64().unwrap())
            .bind(&number)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM shipments WHERE reference = 'PO-1'")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM audit WHERE seq > $1")
            .bind(before_ship)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let public = i
        .home
        .path()
        .join("audit-public-key.txt")
        .display()
        .to_string();
    // The home's own checkpoints are checked without being named.
    let by_default = i.run(&["audit", "verify", "--public-key", &public]);
    let text = String::from_utf8_lossy(&by_default.stdout);
    assert_eq!(by_default.status.code(), Some(1), "{text}");
    assert!(text.contains("truncated or rolled back"), "{text}");
    // An attacker who also empties them leaves a trail that cannot tell alone.
    let moved = i.home.path().join("checkpoints-kept-elsewhere");
    std::fs::rename(&local, &moved).unwrap();
    let local = moved;
    let alone = i.run(&["audit", "verify", "--public-key", &public]);
    assert!(
        alone.status.success(),
        "{}",
        String::from_utf8_lossy(&alone.stdout)
    );
    assert!(String::from_utf8_lossy(&alone.stdout).contains("no checkpoint given"));
    // With the checkpoint held elsewhere, or the local folder, it fails.
    for held in [cp.display().to_string(), local.display().to_string()] {
        let out = i.run(&[
            "audit",
            "verify",
            "--public-key",
            &public,
            "--checkpoint",
            &held,
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("truncated or rolled back"), "{text}");
    }
    let out = i.run(&["audit", "verify", "--checkpoint", &cp.display().to_string()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("held-elsewhere.json"));
    // A checkpoint path that holds none is an error, not a pass.
    let empty = i.home.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = i.run(&[
        "audit",
        "verify",
        "--checkpoint",
        &empty.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    // What the rollback gave back could be shipped again.
    assert!(ship("PO-2", "100").status.success());
}

/// A batch line is keyed by its content and the rule and list versions: an
/// edited order book under the same `--batch-id`, or a screen batch rerun
/// after the lists changed, records the changed rows as new decisions that
/// supersede the old ones (kept on record), and says so.
#[test]
fn a_changed_row_or_list_version_is_recorded_and_supersedes_the_old() {
    for db in backends() {
        let i = Instance::new(db);
        let batch = unique("book");
        let party = unique("Birchwood Analytics");
        let book = |second_to: &str| {
            i.file(
                "orders.csv",
                &format!(
                    "id,item,to,end_user\n\
                     one,h100,DE,{party};country=DE\n\
                     two,h100,{second_to},{party};country={second_to}\n"
                ),
            )
        };
        let output = i.home.path().join("results.csv").display().to_string();
        let check = |input: &str| {
            i.run(&[
                "check",
                "--input",
                input,
                "--output",
                &output,
                "--as-of",
                "2026-06-01",
                "--list",
                "demo",
                "-j",
                "us",
                "--batch-id",
                &batch,
            ])
        };
        let run = |input: &str| {
            let out = check(input);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        let first = run(&book("DE"));
        assert!(first.contains("recorded 2 decisions: 2 new"), "{first}");
        // The same book again: nothing new.
        let again = run(&book("DE"));
        assert!(
            again.contains("recorded 0 decisions") && again.contains("2 unchanged"),
            "{again}"
        );
        // Row two now ships to China: recorded, superseding the old row two.
        let edited = run(&book("CN"));
        assert!(
            edited.contains("recorded 1 decisions: 0 new, 1 superseding")
                && edited.contains("1 unchanged"),
            "{edited}"
        );
        let h: serde_json::Value = serde_json::from_str(
            &i.ok(&["history", "--kind", "check", "--party", &party, "--json"]),
        )
        .unwrap();
        let rows = h.as_array().unwrap();
        assert_eq!(rows.len(), 3, "nothing deleted: {h}");
        // Newest first: the new row two, then the old one, marked.
        assert_eq!(rows[0]["destination"], "CN");
        assert!(rows[0].get("superseded_by").is_none());
        assert_eq!(rows[1]["destination"], "DE");
        assert_eq!(rows[1]["superseded_by"], rows[0]["id"], "{h}");
        let text = i.ok(&["history", "--kind", "check", "--party", &party]);
        assert!(
            text.contains(&format!("superseded by {}", rows[0]["id"])),
            "{text}"
        );
        let results = std::fs::read_to_string(&output).unwrap();
        assert!(
            results.contains(",CN,"),
            "the output shows what is on record"
        );
        // The same orders in another order: matched by id, nothing superseded.
        let reordered = i.file(
            "reordered.csv",
            &format!(
                "id,item,to,end_user
                 two,h100,CN,{party};country=CN
                 one,h100,DE,{party};country=DE
"
            ),
        );
        let again = run(&reordered);
        assert!(
            again.contains("recorded 0 decisions") && again.contains("2 unchanged"),
            "{again}"
        );
        // An id given twice would let one order supersede another: the row is refused.
        let twice = i.file(
            "twice.csv",
            &format!(
                "id,item,to,end_user
                 one,h100,DE,{party};country=DE
                 one,h100,CN,{party};country=CN
"
            ),
        );
        let out = check(&twice);
        assert_eq!(out.status.code(), Some(3));
        let results = std::fs::read_to_string(&output).unwrap();
        assert!(results.contains("ids must be unique"), "{results}");

        // A screen batch rerun after the list changed: the clear becomes a hit.
        let name = unique("Quillon Maritime");
        let parties = i.file("parties.csv", &format!("id,name,country\n1,{name},SG\n"));
        let hits = i.home.path().join("hits.csv").display().to_string();
        let list = i.home.path().join("own.csv");
        let screen = |entries: &str| {
            std::fs::write(&list, format!("name,aliases,country,list,note\n{entries}")).unwrap();
            let out = i.run(&[
                "screen",
                "--input",
                &parties,
                "--output",
                &hits,
                "--list",
                &list.display().to_string(),
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        let clear = screen("Unrelated Holdings,,CN,OWN,x\n");
        assert!(clear.contains("1 new"), "{clear}");
        let hit = screen(&format!("Unrelated Holdings,,CN,OWN,x\n{name},,SG,OWN,y\n"));
        assert!(hit.contains("1 superseding"), "{hit}");
        let h: serde_json::Value = serde_json::from_str(
            &i.ok(&["history", "--kind", "screen", "--party", &name, "--json"]),
        )
        .unwrap();
        assert_eq!(h[0]["outcome"], "hit", "{h}");
        assert_eq!(h[1]["outcome"], "clear");
        assert_eq!(h[1]["superseded_by"], h[0]["id"]);
        assert!(i.ok(&["audit", "verify"]).contains("verifies"));
    }
}

#[test]
fn a_rescreen_weighs_the_identifiers_and_birth_date_a_screen_gave() {
    // A rescreen covers every party in the database: on SQLite only, as a
    // shared PostgreSQL database holds other tests' parties (the store's
    // tests cover party evidence on PostgreSQL).
    {
        let i = Instance::new(None);
        let csl = |ids: &str| {
            format!(
                "source,entity_number,type,programs,name,alt_names,addresses,ids,dates_of_birth\n\
                 Specially Designated Nationals (SDN) - Treasury Department,1,Entity,X,ACME TRADING LLC,,RU,\"{ids}\",\n"
            )
        };
        let list = i.file("csl.csv", &csl("Public Registration Number, 1027739108649"));
        i.ok(&["lists", "add", &list, "--format", "csl-csv"]);
        // Another name, the same registration number: the number decides.
        let name = unique("Zenith Holdings");
        let out = i.ok(&[
            "screen",
            &name,
            "--id",
            "registration:1027739108649",
            "--json",
        ]);
        assert!(out.contains("ACME TRADING LLC"), "{out}");
        // A rescreen against the same list keeps the hit: it weighs the
        // stored number, not the name alone.
        let r: serde_json::Value = serde_json::from_str(&i.ok(&["rescreen", "--json"])).unwrap();
        assert_eq!(r["cleared"], 0, "{r}");
        assert_eq!(r["new"], 0, "{r}");
        // The same party screened again with a date of birth adds evidence,
        // and nothing is lost from what was stored.
        i.ok(&["screen", &name, "--dob", "1970-01-02", "--json"]);
        // The list drops the number: now only the name speaks, and the hit goes.
        std::fs::write(&list, csl("")).unwrap();
        i.ok(&["lists", "add", &list, "--format", "csl-csv", "--force"]);
        let r: serde_json::Value = serde_json::from_str(&i.ok(&["rescreen", "--json"])).unwrap();
        assert_eq!(r["cleared"], 1, "{r}");
        assert!(i.ok(&["audit", "verify"]).contains("verifies"));
    }
}

#[test]
fn a_decision_report_is_written_for_an_auditor() {
    let i = Instance::new(None);
    i.ok(&[
        "check",
        "--item",
        "h100",
        "--to",
        "CN",
        "--as-of",
        "2026-12-01",
        "--list",
        "demo",
    ]);
    let out = i.home.path().join("decision-1.html");
    i.ok(&["report", "decision", "1", "--output", out.to_str().unwrap()]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("Export-control check 1: prohibited"),
        "{html}"
    );
    assert!(html.contains("<h2>Cases</h2>"), "the held order's case");
    let cases = i.ok(&["report", "cases"]);
    assert!(
        cases.lines().nth(1).unwrap().contains(",held,open,"),
        "{cases}"
    );
    let missing = i.run(&["report", "decision", "99"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no recorded decision 99"));
}

/// Own products from item files: versioned, checked by name or version in
/// single checks and order books, refused when retired, with bad files
/// refused whole.
#[test]
fn own_products_are_versioned_and_used_wherever_a_catalog_name_is() {
    for db in backends() {
        let i = Instance::new(db);
        // A PostgreSQL database is shared between runs: names of our own.
        let x1 = unique("Acme X");
        let y1 = unique("Acme Y");
        let two = i.file(
            "two.toml",
            &format!(
                "[[item]]\nkind = \"ic\"\nname = \"{x1}\"\ndatacenter = true\ndie_area_mm2 = 600\nthroughput = {{ fp16 = 500 }}\n\n\
                 [[item]]\nkind = \"ic\"\nname = \"{y1}\"\nthroughput = {{ fp16 = 10 }}\n"
            ),
        );
        let saved: serde_json::Value =
            serde_json::from_str(&i.ok(&["products", "add", &two, "--json"])).unwrap();
        assert_eq!(saved[0]["version"], 1);
        assert_eq!(saved[1]["created"], true);
        let again = i.ok(&["products", "add", &two]);
        assert_eq!(again.matches("unchanged").count(), 2, "{again}");

        // Refused whole, naming the file and the field: nothing saved.
        let bad = i.file(
            "bad.toml",
            &format!("[[item]]\nkind = \"ic\"\nname = \"{}\"\n\n[[item]]\nkind = \"ic\"\nname = \"x\"\nthruput = 1\n", unique("New")),
        );
        let out = i.run(&["products", "add", &bad]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bad.toml: item 2") && err.contains("thruput"),
            "{err}"
        );
        let nan = i.file(
            "nan.toml",
            "kind = \"ic\"\nname = \"N\"\n[throughput]\nfp16 = nan\n",
        );
        let err = String::from_utf8_lossy(&i.run(&["products", "add", &nan]).stderr).into_owned();
        assert!(
            err.contains("nan.toml") && err.contains("throughput.fp16"),
            "{err}"
        );
        let out = i.run(&["products", "add", "no-such-file.toml"]);
        assert_eq!(out.status.code(), Some(2), "a missing file is bad input");
        let clash = i.file("clash.toml", "kind = \"ic\"\nname = \"H100\"\n");
        let err = String::from_utf8_lossy(&i.run(&["products", "add", &clash]).stderr).into_owned();
        assert!(err.contains("catalog item nvidia-h100-sxm"), "{err}");
        let listed: serde_json::Value =
            serde_json::from_str(&i.ok(&["products", "list", "--json"])).unwrap();
        assert!(
            listed.as_array().unwrap().iter().all(|p| p["version"] == 1),
            "{listed}"
        );

        // A change needs a reason, then is version 2.
        let changed = i.file(
            "x.toml",
            &format!("kind = \"ic\"\nname = \"{x1}\"\ndatacenter = true\ndie_area_mm2 = 600\nthroughput = {{ fp16 = 500, fp8 = 1200 }}\n"),
        );
        let out = i.run(&["products", "add", &changed]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("needs a reason"));
        i.ok(&["products", "add", &changed, "--reason", "datasheet rev B"]);
        let shown = i.ok(&["products", "show", &x1]);
        assert!(
            shown.contains("datasheet rev B") && shown.contains("TPP 9,600"),
            "{shown}"
        );

        // Checked by name (the current version) and by version.
        let c: serde_json::Value = serde_json::from_str(&i.ok(&[
            "check",
            "--item",
            &x1,
            "--to",
            "CN",
            "--as-of",
            "2026-06-01",
            "-j",
            "us",
            "--json",
        ]))
        .unwrap();
        assert_eq!(c["item"]["product"]["version"], 2);
        assert_eq!(c["item"]["metrics"]["tpp"], 9600.0);
        let classified = i.ok(&["classify", &format!("{x1}@1"), "-j", "us"]);
        assert!(classified.contains("TPP 8,000"), "{classified}");
        assert!(classified.contains("own product"), "{classified}");

        // An order book names products as it names catalog items.
        let orders = i.file(
            "orders.csv",
            &format!("id,item,to\nnow,{x1},CN\nfirst,{x1}@1,CN\nsmall,{y1},CN\nnope,{x1}@9,CN\n"),
        );
        let output = i.home.path().join("results.csv").display().to_string();
        let out = i.run(&[
            "check",
            "--input",
            &orders,
            "--output",
            &output,
            "--as-of",
            "2026-06-01",
            "-j",
            "us",
        ]);
        assert_eq!(out.status.code(), Some(3), "one row is in error");
        let results = Results::read(&output);
        assert_eq!(results.cell("now", "overall"), "license_required");
        assert_eq!(results.cell("first", "overall"), "license_required");
        assert_eq!(
            results.cell("now", "item"),
            format!("{x1}@2"),
            "the version used"
        );
        assert_eq!(results.cell("first", "item"), format!("{x1}@1"));
        assert_eq!(results.cell("small", "status"), "ok");
        assert!(!results.cell("small", "controls").contains("3A090"));
        assert!(
            results.cell("nope", "error").contains("has no version 9"),
            "{}",
            results.cell("nope", "error")
        );
        let h: serde_json::Value = serde_json::from_str(
            &i.ok(&["history", "--kind", "check", "--item", "acme", "--json"]),
        )
        .unwrap();
        let versions: Vec<i64> = h
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["result"]["item"]["product"]["name"] == x1.as_str())
            .filter_map(|d| d["result"]["item"]["product"]["version"].as_i64())
            .collect();
        assert!(
            versions.contains(&1) && versions.contains(&2),
            "{versions:?}"
        );

        // A licence names a product, never one version of it.
        let pinned = i.file(
            "pinned.toml",
            &licence_for(&unique("P"), &format!("{x1}@1"), 10),
        );
        let out = i.run(&["licences", "add", &pinned]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("names a version"));
        // A licence names the product (every version of it).
        let number = unique("P");
        i.ok(&[
            "licences",
            "add",
            &i.file("plic.toml", &licence_for(&number, &x1, 10)),
        ]);
        let c: serde_json::Value = serde_json::from_str(&i.ok(&[
            "check",
            "--item",
            &x1,
            "--to",
            "AE",
            "--as-of",
            "2026-06-01",
            "-j",
            "us",
            "--quantity",
            "5",
            "--no-record",
            "--json",
        ]))
        .unwrap();
        assert_eq!(c["overall"], "authorized", "{c}");

        // Retired: no longer checked by name; an earlier version still is.
        i.ok(&["products", "retire", &x1, "--reason", "end of life"]);
        let out = i.run(&["check", "--item", &x1, "--to", "DE", "--no-record"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("retired in version 3"));
        i.ok(&[
            "check",
            "--item",
            &format!("{x1}@2"),
            "--to",
            "DE",
            "--no-record",
        ]);
        let verified = i.ok(&["audit", "verify"]);
        assert!(verified.contains("verifies"), "{verified}");
    }
}

/// OFAC FAQ 401, example 3 (a blocked person holds 10 % of an entity
/// directly and 40 % through a company it owns 50 %), through the records:
/// imported, shown with its paths, applied by a check, and re-weighed when
/// the holdings change.
#[test]
fn ownership_on_record_reaches_checks_with_its_paths() {
    for db in backends() {
        let i = Instance::new(db);
        // A PostgreSQL database is shared between runs: a source and names of our own.
        let source = unique("declared");
        let t = unique("t");
        let volga = format!("Volga Capital Holding {t}");
        let arctic = format!("Arctic Compute {t}");
        let sber = "Public Joint Stock Company Sberbank of Russia";
        let file = i.file(
            "owners.csv",
            &format!(
                "owner_name,owned_name,percent,owned_country\n{sber},{volga},50,CY\n{volga},{arctic},40,AE\n{sber},{arctic},10,AE\n"
            ),
        );
        let imported: serde_json::Value = serde_json::from_str(
            &i.ok(&["owners", "import", &file, "--source", &source, "--json"]),
        )
        .unwrap();
        assert_eq!(imported["import"]["links"], 3);
        assert_eq!(imported["previous"], serde_json::Value::Null);

        let shown: serde_json::Value = serde_json::from_str(&i.ok(&[
            "owners",
            "show",
            &arctic,
            "--list",
            "demo",
            "--as-of",
            "2026-12-03",
            "--json",
        ]))
        .unwrap();
        let ofac = shown["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "us.parties.ofac-50")
            .unwrap_or_else(|| panic!("no OFAC finding: {shown}"));
        assert_eq!(ofac["verdict"], "caught");
        assert_eq!(
            ofac["paths"],
            format!("40 % by {volga} (owned 50 % by {sber} (SDN)); 10 % by {sber} (SDN)")
        );

        let check = |extra: &[&str]| -> serde_json::Value {
            let end_user = format!("{arctic};country=AE");
            let mut args = vec![
                "check",
                "--item",
                "h100",
                "--to",
                "AE",
                "--as-of",
                "2026-12-03",
                "--list",
                "demo",
                "--end-user",
                &end_user,
                "--json",
                "--no-record",
            ];
            args.extend_from_slice(extra);
            serde_json::from_str(&i.ok(&args)).unwrap()
        };
        let us = |d: &serde_json::Value| {
            d["determinations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["jurisdiction"] == "us")
                .cloned()
                .unwrap()
        };
        let d = us(&check(&[]));
        assert_eq!(d["outcome"], "prohibited", "{d}");
        let reasons = d["reasons"].to_string();
        assert!(reasons.contains(&format!("40 % by {volga}")), "{reasons}");
        assert!(reasons.contains("us.parties.ofac-50"), "{reasons}");

        // An owner named in the check is followed up its chain on record.
        let newco = format!("New Co {t};country=AE;owner={volga}:100");
        let out = i.ok(&[
            "check",
            "--item",
            "h100",
            "--to",
            "AE",
            "--as-of",
            "2026-12-03",
            "--list",
            "demo",
            "--end-user",
            &newco,
            "--json",
            "--no-record",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(us(&v)["outcome"], "prohibited", "{v}");
        // A recorded screen of the party says what its owners make of it.
        i.ok(&["screen", &arctic, "--list", "demo"]);
        let h: serde_json::Value =
            serde_json::from_str(&i.ok(&["history", "--json", "--limit", "1"])).unwrap();
        let last = if h.is_array() {
            &h[0]
        } else {
            &h["decisions"][0]
        };
        assert_eq!(last["outcome"], "owned", "{h}");
        // Recorded, the party is rescreened with its owners: a finding once,
        // then nothing until it changes.
        let end_user = format!("{arctic};country=AE");
        i.ok(&[
            "check",
            "--item",
            "h100",
            "--to",
            "AE",
            "--list",
            "demo",
            "--end-user",
            &end_user,
        ]);
        let owned = |r: &serde_json::Value| -> Vec<String> {
            r["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["kind"] == "owned" && a["party"] == arctic.as_str())
                .map(|a| a["entry_name"].as_str().unwrap().to_string())
                .collect()
        };
        let rescreen = || -> serde_json::Value {
            serde_json::from_str(&i.ok(&["rescreen", "--list", "demo", "--json"])).unwrap()
        };
        let first = owned(&rescreen());
        assert_eq!(first.len(), 1, "{first:?}");
        assert!(first[0].contains(&format!("40 % by {volga}")), "{first:?}");
        assert!(owned(&rescreen()).is_empty(), "unchanged: no alert");

        // Bad files are refused naming the line, and change nothing.
        let bad = i.file(
            "bad.csv",
            &format!("owner_name,owned_name,percent\n{sber},{arctic},ten\n"),
        );
        let out = i.run(&["owners", "import", &bad, "--source", &source]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bad.csv, line 2") && err.contains("percent"),
            "{err}"
        );
        let out = i.run(&["owners", "import", &file, "--format", "xls"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("gleif-rr"));
        let d = us(&check(&[]));
        assert_eq!(d["outcome"], "prohibited", "a refused file changed nothing");

        // The holdings change: 30 % through Volga and 10 % direct is 40 %,
        // below the rule: a red-flag note, not a prohibition.
        let file = i.file(
            "owners.csv",
            &format!(
                "owner_name,owned_name,percent\n{sber},{volga},50\n{volga},{arctic},30\n{sber},{arctic},10\n"
            ),
        );
        let second: serde_json::Value = serde_json::from_str(
            &i.ok(&["owners", "import", &file, "--source", &source, "--json"]),
        )
        .unwrap();
        assert_eq!(second["changed"], 1, "{second}");
        let d = us(&check(&[]));
        assert_ne!(d["outcome"], "prohibited", "{d}");
        assert!(d["notes"].to_string().contains("below threshold"), "{d}");
        // The rescreen says the finding no longer holds.
        assert_eq!(owned(&rescreen()), [String::new()]);
        // Both imports stay on record.
        let imports = i.ok(&["owners", "imports", "--json"]);
        assert!(imports.matches(&source).count() >= 2, "{imports}");
    }
}

/// A rule-pack bundle published by one instance is verified, checked and
/// installed by another, and rolled back; an altered bundle, another key
/// and a bundle whose golden cases fail change nothing.
#[test]
fn signed_pack_updates_install_verify_and_roll_back() {
    let publisher = Instance::new(None);
    let user = Instance::new(None);
    let bundle = publisher.home.path().join("packs-update.json");
    let bundle_s = bundle.display().to_string();
    let out = publisher.ok(&[
        "packs",
        "publish",
        "--out",
        &bundle_s,
        "--publisher",
        "Export Control Team",
    ]);
    assert!(out.contains("golden cases pass"), "{out}");
    let key = publisher.home.path().join("audit-public-key.txt");
    let key_s = key.display().to_string();
    let own_key = user.home.path().join("audit-public-key.txt");
    let installed = || -> serde_json::Value {
        serde_json::from_str(&user.ok(&["packs", "list", "--json"])).unwrap()
    };
    let refused = |from: &str, key: &str, why: &str| {
        let out = user.run(&["packs", "update", "--from", from, "--public-key", key]);
        assert_eq!(out.status.code(), Some(2), "{from}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{from}: {err}");
    };

    // Another key than the pinned one: refused.
    refused(
        &bundle_s,
        &own_key.display().to_string(),
        "not by the pinned key",
    );
    // One byte changed: refused.
    let text = std::fs::read_to_string(&bundle).unwrap();
    let altered = user.home.path().join("altered.json");
    std::fs::write(&altered, text.replacen("4800", "4900", 1)).unwrap();
    std::fs::copy(
        format!("{bundle_s}.sig"),
        format!("{}.sig", altered.display()),
    )
    .unwrap();
    refused(&altered.display().to_string(), &key_s, "does not verify");
    // Signed by the right key, but a golden case fails: refused.
    let mut b: serde_json::Value = serde_json::from_str(&text).unwrap();
    let expected = "outcome = \"license_required\"";
    let golden = b["files"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, v)| k.starts_with("packs/us/golden/") && v.as_str().unwrap().contains(expected))
        .map(|(k, _)| k.clone())
        .unwrap();
    let case = b["files"][&golden].as_str().unwrap().to_string();
    let broken = case.replacen(expected, "outcome = \"not_controlled\"", 1);
    b["files"][&golden] = serde_json::Value::String(broken);
    let failing = user.home.path().join("failing.json");
    let bytes = serde_json::to_vec(&b).unwrap();
    std::fs::write(&failing, &bytes).unwrap();
    let der = std::fs::read(publisher.home.path().join("audit-signing-key.pk8")).unwrap();
    let signer = exctl_records::Signer::from_pkcs8(&der).unwrap();
    let sha = exctl_records::keys::sha256_hex(&bytes);
    let published_at = b["published_at"].as_str().unwrap();
    let signature = signer
        .sign(format!("exctl-packs/1\n{published_at}\n{sha}").as_bytes())
        .unwrap();
    let mut sig: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{bundle_s}.sig")).unwrap()).unwrap();
    sig["sha256"] = sha.into();
    sig["signature"] = hex_of(&signature).into();
    std::fs::write(format!("{}.sig", failing.display()), sig.to_string()).unwrap();
    refused(&failing.display().to_string(), &key_s, &golden);
    assert_eq!(installed(), serde_json::json!([]), "nothing was installed");

    // The real bundle installs and is used; rolled back, the bundled packs are.
    let out = user.ok(&[
        "packs",
        "update",
        "--from",
        &bundle_s,
        "--public-key",
        &key_s,
    ]);
    assert!(out.contains("and in use"), "{out}");
    let list = installed();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["current"], true);
    assert_eq!(list[0]["publisher"], "Export Control Team");
    user.ok(&["rules", "-j", "us"]);
    let again = user.run(&[
        "packs",
        "update",
        "--from",
        &bundle_s,
        "--public-key",
        &key_s,
    ]);
    assert_eq!(again.status.code(), Some(2), "installed already");
    assert!(user
        .ok(&["packs", "rollback"])
        .contains("the bundled packs are in use"));
    assert_eq!(installed()[0]["current"], false);
    assert_eq!(user.run(&["packs", "rollback"]).status.code(), Some(2));
    // Rolled back from, the same bundle can be put back in use.
    user.ok(&[
        "packs",
        "update",
        "--from",
        &bundle_s,
        "--public-key",
        &key_s,
    ]);
    assert_eq!(installed()[0]["current"], true);
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A local server standing in for the official sites: each path answers
/// the bytes set for it, a truncated body (more announced than sent), or
/// a status.
mod origin {
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Write};
    use std::sync::{Arc, Mutex};

    #[derive(Clone)]
    pub enum Answer {
        Bytes(Vec<u8>),
        Truncated(Vec<u8>),
        Status(u16),
    }

    pub struct Origin {
        pub base: String,
        answers: Arc<Mutex<HashMap<String, Answer>>>,
    }

    impl Origin {
        pub fn start() -> Origin {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let answers: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
            let served = answers.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(mut stream) = stream else { continue };
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        continue;
                    }
                    // Skip the headers.
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let answer = served.lock().unwrap().get(&path).cloned();
                    let _ = match answer {
                        Some(Answer::Bytes(b)) => {
                            write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", b.len())
                                .and_then(|_| stream.write_all(&b))
                        }
                        Some(Answer::Truncated(b)) => {
                            write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", b.len() * 2)
                                .and_then(|_| stream.write_all(&b))
                        }
                        Some(Answer::Status(code)) => write!(
                            stream,
                            "HTTP/1.1 {code} Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        ),
                        None => write!(
                            stream,
                            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        ),
                    };
                }
            });
            Origin { base, answers }
        }

        pub fn set(&self, file: &str, answer: Answer) {
            self.answers
                .lock()
                .unwrap()
                .insert(format!("/{file}"), answer);
        }
    }
}

/// Every official source fetched from recorded copies on a local server:
/// read, checked, swapped in with the previous kept, diffed and recorded;
/// truncated, broken, shrunk, miscounted and older copies refused, each
/// leaving the file in use as it was.
#[test]
fn official_lists_are_fetched_checked_diffed_and_refused_when_broken() {
    use origin::{Answer, Origin};
    let i = Instance::new(None);
    let o = Origin::start();
    let lists =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/lists");
    let fixture = |f: &str| std::fs::read(lists.join(f)).unwrap();
    for (served, from) in [
        ("consolidated.csv", "csl.csv"),
        ("sdn.xml", "sdn.xml"),
        ("cons.xml", "cons.xml"),
        ("un.xml", "un.xml"),
        ("eu.xml", "eu.xml"),
        ("uk.xml", "uk.xml"),
    ] {
        o.set(served, Answer::Bytes(fixture(from)));
    }
    let fetch = |extra: &[&str]| -> (Option<i32>, serde_json::Value) {
        let mut args = vec!["lists", "fetch", "--mirror", o.base.as_str(), "--json"];
        args.extend_from_slice(extra);
        let out = i.run(&args);
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "{args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), v)
    };
    let file = |v: &serde_json::Value, name: &str| -> serde_json::Value {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == name)
            .cloned()
            .unwrap_or_default()
    };
    let in_use = |name: &str| std::fs::read(i.home.path().join("lists").join(name)).unwrap();

    let (code, first) = fetch(&[]);
    assert_eq!(code, Some(0), "{first}");
    assert_eq!(first["files"].as_array().unwrap().len(), 6, "{first}");
    for f in first["files"].as_array().unwrap() {
        assert!(f["entries"].as_u64().unwrap() > 0, "{f}");
        assert_eq!(
            f["added"], f["entries"],
            "the first fetch adds every entry: {f}"
        );
    }
    assert_eq!(file(&first, "sdn.xml")["entries"], 5);
    assert!(file(&first, "eu.xml")["published"].is_string());
    assert!(
        !first["rescreen"].is_null(),
        "a change rescreens the stored parties"
    );
    // The same again: nothing changes, nothing is rescreened.
    let (code, again) = fetch(&[]);
    assert_eq!(code, Some(0));
    assert!(
        again["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["unchanged"] == true),
        "{again}"
    );
    assert!(again["rescreen"].is_null());
    // The lists in use read: screening names the new sources.
    let shown = i.ok(&["lists", "show"]);
    for f in [
        "sdn.xml",
        "cons.xml",
        "eu.xml",
        "uk.xml",
        "un.xml",
        "consolidated.csv",
    ] {
        assert!(shown.contains(f), "{shown}");
    }

    // Broken copies: each refused, the file in use kept.
    let eu = fixture("eu.xml");
    let uk = fixture("uk.xml");
    o.set("eu.xml", Answer::Truncated(eu[..eu.len() / 2].to_vec()));
    o.set(
        "uk.xml",
        Answer::Bytes(b"<html>maintenance</html>".to_vec()),
    );
    o.set("un.xml", Answer::Status(503));
    let sdn = String::from_utf8(fixture("sdn.xml")).unwrap();
    o.set(
        "sdn.xml",
        Answer::Bytes(
            sdn.replace(
                "<Record_Count>5</Record_Count>",
                "<Record_Count>6</Record_Count>",
            )
            .into_bytes(),
        ),
    );
    let (code, broken) = fetch(&[]);
    assert_eq!(code, Some(1), "{broken}");
    let failed = broken["failed"].to_string();
    for f in ["eu.xml", "uk.xml", "un.xml", "sdn.xml"] {
        assert!(failed.contains(f), "{f}: {failed}");
    }
    assert!(
        failed.contains("Record_Count") || failed.contains("record count"),
        "{failed}"
    );
    assert_eq!(in_use("eu.xml"), eu);
    assert_eq!(in_use("uk.xml"), uk);
    assert!(
        file(&broken, "cons.xml")["unchanged"] == true,
        "the other files went ahead"
    );

    // Shrunk past the guard: refused; forced, accepted with the previous kept.
    let text = String::from_utf8(eu.clone()).unwrap();
    let start = text.find("<sanctionEntity").unwrap();
    let end = text[start..].find("</sanctionEntity>").unwrap() + start + "</sanctionEntity>".len();
    let shrunk = format!("{}{}", &text[..start], &text[end..]);
    o.set("eu.xml", Answer::Bytes(shrunk.clone().into_bytes()));
    let (code, refused) = fetch(&["--source", "eu"]);
    assert_eq!(code, Some(1));
    assert!(refused["failed"].to_string().contains("lost"), "{refused}");
    assert_eq!(in_use("eu.xml"), eu);
    let (code, forced) = fetch(&["--source", "eu", "--force"]);
    assert_eq!(code, Some(0), "{forced}");
    assert_eq!(file(&forced, "eu.xml")["removed"], 1, "{forced}");
    assert_eq!(in_use("eu.xml"), shrunk.as_bytes());
    let kept: Vec<_> = std::fs::read_dir(i.home.path().join("lists/.previous"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(kept.iter().any(|k| k.starts_with("eu.xml.")), "{kept:?}");

    // An older publication than the one in use is refused.
    let un = String::from_utf8(fixture("un.xml")).unwrap();
    o.set(
        "un.xml",
        Answer::Bytes(
            un.replace("dateGenerated=\"2026-02-27", "dateGenerated=\"2025-02-27")
                .into_bytes(),
        ),
    );
    let (code, older) = fetch(&["--source", "un"]);
    assert_eq!(code, Some(1));
    assert!(
        older["failed"]
            .to_string()
            .contains("older list never replaces"),
        "{older}"
    );

    // Bad input names the flag.
    let out = i.run(&["lists", "fetch", "--source", "moon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("csl, ofac, un, eu, uk"));
    let out = i.run(&["lists", "fetch", "--source", "ofac", "--url", "http://x/y"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "ofac publishes two files: --url is refused"
    );
}

/// The BIS affiliates rule as 90 FR 47201 and BIS's Entity List FAQs state
/// it: listed owners' shares add up (two minority Entity List owners, 30 %
/// and 25 %), through an entity the rule catches; control without 50 %
/// ownership is not the rule but a red flag (FAQ 43); inside the stay
/// (90 FR 50857, 2025-11-10 to 2026-11-09) it is a note.
#[test]
fn the_affiliates_rule_adds_up_listed_owners_and_keeps_its_stay() {
    let i = Instance::new(None);
    let source = unique("bis");
    let t = unique("t");
    let huawei = "Huawei Technologies Co. Ltd.";
    let smic = "Semiconductor Manufacturing International Corporation";
    let jv = format!("Delta Joint Venture {t}");
    let sub = format!("Delta Subsidiary {t}");
    let ruled = format!("Gamma Controlled {t}");
    let file = i.file(
        "bis.csv",
        &format!(
            "owner_name,owned_name,percent,kind\n{huawei},{jv},30,owns\n{smic},{jv},25,owns\n{jv},{sub},50,owns\n{huawei},{ruled},,controls\n"
        ),
    );
    i.ok(&["owners", "import", &file, "--source", &source]);
    let us = |party: &str, date: &str| -> serde_json::Value {
        let end_user = format!("{party};country=MY");
        let out = i.ok(&[
            "check",
            "--item",
            "nvidia-rtx-4090d",
            "--to",
            "MY",
            "--as-of",
            date,
            "--list",
            "demo",
            "--end-user",
            &end_user,
            "--json",
            "--no-record",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["determinations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["jurisdiction"] == "us")
            .cloned()
            .unwrap()
    };
    // In force (after the stay): the joint venture and, through it, its subsidiary.
    for party in [&jv, &sub] {
        let d = us(party, "2026-12-03");
        assert_eq!(d["outcome"], "license_required", "{party}: {d}");
        let reasons = d["reasons"].to_string();
        assert!(reasons.contains("us.parties.affiliates-50"), "{reasons}");
    }
    let d = us(&sub, "2026-12-03");
    assert!(
        d["reasons"].to_string().contains(&format!(
            "50 % by {jv} (owned 30 % by {huawei} (EL); owned 25 % by {smic} (EL))"
        )),
        "{d}"
    );
    // Control alone is not the rule (FAQ 43), but the share behind it is
    // unknown: the check asks for it rather than answer as if it were none.
    let d = us(&ruled, "2026-12-03");
    assert_eq!(d["outcome"], "needs_info", "{d}");
    assert!(d["questions"].to_string().contains("What shares"), "{d}");
    // Inside the stay: a note saying so, no requirement from the rule.
    let d = us(&jv, "2026-01-15");
    assert!(!d["reasons"].to_string().contains("affiliates-50"), "{d}");
    let notes = d["notes"].to_string();
    assert!(
        notes.contains("suspended 2025-11-10 to 2026-11-09"),
        "{notes}"
    );
    // Before the rule: a note that it was not yet in effect.
    let d = us(&jv, "2025-06-01");
    assert!(d["notes"].to_string().contains("not yet in effect"), "{d}");
}

/// A hit on a list no pack gives a legal effect (the EU's, the UK's) is
/// never passed over in silence: the check warns that it did not weigh it.
#[test]
fn a_hit_on_a_list_no_pack_weighs_is_warned_about() {
    let i = Instance::new(None);
    let eu = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples/lists/eu.xml")
        .display()
        .to_string();
    let out = i.ok(&[
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--list",
        &eu,
        "--end-user",
        "Korea Mining Development Trading Corporation;country=KP",
        "--json",
        "--no-record",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let w = v["warnings"].to_string();
    assert!(
        w.contains("EU entry") && w.contains("does not weigh it") && w.contains("eu-sanctions"),
        "the warning names the pack that would weigh it: {v}"
    );
    // Answering for the EU's pack weighs it: an asset freeze, no warning.
    let out = i.ok(&[
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--list",
        &eu,
        "-j",
        "us",
        "-j",
        "eu-sanctions",
        "--end-user",
        "Korea Mining Development Trading Corporation;country=KP",
        "--json",
        "--no-record",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!out.contains("does not weigh it"), "{out}");
    assert_eq!(v["overall"], "prohibited", "{v}");
    let eu_det = v["determinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["jurisdiction"] == "eu-sanctions")
        .unwrap();
    assert_eq!(eu_det["outcome"], "prohibited", "{eu_det}");
    assert!(
        eu_det
            .to_string()
            .contains("eu-sanctions.parties.asset-freeze"),
        "{eu_det}"
    );
    // A company the listed one owns 60 % of is frozen with it.
    let out = i.ok(&[
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--list",
        &eu,
        "-j",
        "eu-sanctions",
        "--end-user",
        "Acme Mining Supplies GmbH;country=DE;owner=Korea Mining Development Trading Corporation:60",
        "--json",
        "--no-record",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["overall"], "prohibited", "{v}");
    assert!(
        v.to_string()
            .contains("eu-sanctions.parties.owned-or-controlled"),
        "{v}"
    );
    // An order book answers for the packs named, each row as a single check.
    let orders = i.file(
        "orders.csv",
        "id,item,to,as_of,end_user\no1,h100,DE,2026-12-01,Korea Mining Development Trading Corporation;country=KP\n",
    );
    let results = i.home.path().join("results.csv");
    let book = |js: &[&str]| {
        let mut args = vec![
            "check",
            "--list",
            &eu,
            "--no-record",
            "--input",
            &orders,
            "--output",
            results.to_str().unwrap(),
        ];
        args.extend_from_slice(js);
        i.run(&args)
    };
    let cells = || {
        let mut r = csv::Reader::from_path(&results).unwrap();
        let header = r.headers().unwrap().clone();
        let row = r.records().next().unwrap().unwrap();
        move |name: &str| row[header.iter().position(|h| h == name).unwrap()].to_string()
    };
    assert!(book(&[]).status.success());
    let cell = cells();
    assert!(
        cell("warnings").contains("eu-sanctions"),
        "{}",
        cell("warnings")
    );
    assert!(book(&["-j", "us", "-j", "eu-sanctions"]).status.success());
    let cell = cells();
    assert_eq!(cell("overall"), "prohibited");
    assert!(
        cell("outcomes").contains("eu-sanctions=prohibited"),
        "{}",
        cell("outcomes")
    );
    assert_eq!(cell("warnings"), "");
    let typo = book(&["-j", "eu"]);
    assert!(!typo.status.success());
    let err = String::from_utf8_lossy(&typo.stderr);
    assert!(
        err.contains("\"eu\"") && err.contains("eu-sanctions"),
        "{err}"
    );
    // A list a pack weighs gets no such warning.
    let out = i.ok(&[
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--list",
        "demo",
        "--end-user",
        "Huawei Technologies Co. Ltd.;country=CN",
        "--json",
        "--no-record",
    ]);
    assert!(!out.contains("does not weigh it"), "{out}");
}

/// An order book answered on one core and on every core gives the same
/// file and the same records, row for row, across several blocks.
#[test]
fn an_order_book_answers_the_same_on_one_core_and_on_every_core() {
    let mut book = String::from("id,item,to,as_of,end_user\n");
    let parties = [
        "Huawei Technologies Co. Ltd.;country=CN",
        "Acme Widgets GmbH;country=DE",
        "",
    ];
    let items = ["h100", "rtx 4090", "a100"];
    let dests = ["CN", "DE", "AE", "RU"];
    for i in 0..5000 {
        book.push_str(&format!(
            "o{i},{},{},2026-01-01,{}\n",
            items[i % 3],
            dests[i % 4],
            parties[i % 3]
        ));
    }
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let i = Instance::new(None);
        let input = i.file("orders.csv", &book);
        let output = i.home.path().join("results.csv");
        let out = i
            .cmd(&[
                "check",
                "--list",
                "demo",
                "--input",
                &input,
                "--output",
                output.to_str().unwrap(),
            ])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(i.history_count(&[]), 5000);
        outputs.push(std::fs::read_to_string(&output).unwrap());
    }
    assert_eq!(outputs[0].lines().count(), 5001);
    assert_eq!(outputs[0], outputs[1]);
}
