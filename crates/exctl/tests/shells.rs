//! The same requests through the command line and through the HTTP API
//! give the same answers: both shells call one use case, so any difference
//! between them is a bug. Each shell runs on its own fresh instance.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Api {
    child: Child,
    url: String,
    key: String,
    _home: tempfile::TempDir,
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Api {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_exctl"))
        .args(["serve", "--addr", "127.0.0.1:0", "--list", "demo"])
        .env("EXCTL_HOME", home.path())
        .env("EXCTL_LISTS", home.path().join("lists"))
        .env_remove("EXCTL_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut key) = (None, None);
    while url.is_none() || key.is_none() {
        let line = lines
            .next()
            .expect("serve printed its URL and key")
            .unwrap();
        if let Some(u) = line.strip_prefix("exctl serving on ") {
            url = Some(u.trim_end_matches('/').to_string());
        }
        if line.trim().starts_with("exk_") {
            key = Some(line.trim().to_string());
        }
    }
    Api {
        child,
        url: url.unwrap(),
        key: key.unwrap(),
        _home: home,
    }
}

impl Api {
    fn get(&self, path: &str) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut resp = agent
            .get(&format!("{}{path}", self.url))
            .header("authorization", &format!("Bearer {}", self.key))
            .call()
            .unwrap();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut resp = agent
            .post(&format!("{}{path}", self.url))
            .header("authorization", &format!("Bearer {}", self.key))
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

struct Cli {
    home: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        let cli = Cli {
            home: tempfile::tempdir().unwrap(),
        };
        let (code, _, err) = cli.run(&["init"]);
        assert_eq!(code, 0, "{err}");
        cli
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_exctl"))
            .args(args)
            .env("EXCTL_HOME", self.home.path())
            .env("EXCTL_LISTS", self.home.path().join("lists"))
            .env_remove("EXCTL_DB")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn json(&self, args: &[&str]) -> Value {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "exctl {args:?}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("exctl {args:?}: {e}: {out}"))
    }
}

/// An answer without what differs from one instance to another by nature:
/// the record's id.
fn comparable(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("record");
    }
    v
}

/// Each check as flags and as the API's JSON body.
fn checks() -> Vec<(Vec<&'static str>, Value)> {
    vec![
        (
            vec!["--item", "h100", "--to", "DE", "--as-of", "2026-06-01"],
            json!({"item": "h100", "to": "DE", "as_of": "2026-06-01"}),
        ),
        (
            vec![
                "--item",
                "h20",
                "--to",
                "CN",
                "--as-of",
                "2025-04-09",
                "--end-use",
                "civil",
            ],
            json!({"item": "h20", "to": "CN", "as_of": "2025-04-09", "end_use": "civil"}),
        ),
        (
            vec![
                "--item",
                "h100",
                "--to",
                "DE",
                "--end-user-hq",
                "CN",
                "--as-of",
                "2026-06-01",
            ],
            json!({"item": "h100", "to": "DE", "end_user_hq": "CN", "as_of": "2026-06-01"}),
        ),
        (
            vec![
                "--item",
                "h100",
                "--to",
                "KR",
                "--as-of",
                "2026-06-01",
                "--end-user",
                "华为技术有限公司;country=CN",
            ],
            json!({"item": "h100", "to": "KR", "as_of": "2026-06-01",
                   "end_user": {"name": "华为技术有限公司", "country": "CN"}}),
        ),
        (
            vec![
                "--item",
                "h100",
                "--to",
                "AE",
                "--as-of",
                "2026-06-01",
                "--consignee",
                "Falcon Data LLC;country=AE;owner=ZTE Corporation:60",
                "--fact",
                "predeployment_tested=true",
            ],
            json!({"item": "h100", "to": "AE", "as_of": "2026-06-01",
                   "consignee": {"name": "Falcon Data LLC", "country": "AE",
                                 "owners": [{"name": "ZTE Corporation", "percent": 60}]},
                   "facts": {"predeployment_tested": true}}),
        ),
    ]
}

#[test]
fn checks_and_screens_answer_the_same_through_the_cli_and_the_api() {
    let api = serve();
    let cli = Cli::new();
    for (flags, body) in checks() {
        let mut args = vec!["check", "--list", "demo", "--json"];
        args.extend(flags.iter().copied());
        let from_cli = cli.json(&args);
        let (status, from_api) = api.post("/api/v1/check", &body);
        assert_eq!(status, 200, "{body}: {from_api}");
        assert!(
            from_cli["record"].as_i64().is_some(),
            "the CLI recorded {flags:?}"
        );
        assert!(
            from_api["record"].as_i64().is_some(),
            "the API recorded {body}"
        );
        assert_eq!(
            comparable(from_cli),
            comparable(from_api),
            "check {flags:?}"
        );
    }
    // Screens, with the parties rule packs designate (the accord's 6G ban)
    // in both shells.
    let screens: Vec<(Vec<&str>, Value)> = vec![
        (vec!["哈尔滨工业大学"], json!({"name": "哈尔滨工业大学"})),
        (
            vec!["HIT", "--country", "CN"],
            json!({"name": "HIT", "country": "CN"}),
        ),
        (
            vec!["Huawei", "--country", "CN"],
            json!({"name": "Huawei", "country": "CN"}),
        ),
        (
            vec!["ZTE Corporation", "--type", "entity", "--limit", "3"],
            json!({"name": "ZTE Corporation", "type": "entity", "limit": 3}),
        ),
    ];
    for (flags, body) in screens {
        let mut args = vec!["screen", "--list", "demo", "--json"];
        args.extend(flags.iter().copied());
        let from_cli = cli.json(&args);
        let (status, from_api) = api.post("/api/v1/screen", &body);
        assert_eq!(status, 200, "{body}: {from_api}");
        assert_eq!(
            comparable(from_cli),
            comparable(from_api),
            "screen {flags:?}"
        );
    }
    let (_, huawei) = api.post(
        "/api/v1/screen",
        &json!({"name": "Huawei", "country": "CN"}),
    );
    assert!(
        huawei["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["list"] == "ACCORD-6G"),
        "the accord's designated party is screened: {huawei}"
    );
    // Answers from the demo list say so, in both shells.
    assert!(
        huawei["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("bundled demo list")),
        "{huawei}"
    );
}

/// A results CSV: its header and rows.
fn read_csv(path: &std::path::Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut rows = csv::Reader::from_path(path).unwrap();
    let header = rows.headers().unwrap().clone();
    (header, rows.records().map(Result::unwrap).collect())
}

/// A check's JSON body as a row of an order book.
fn book_row(id: &str, body: &Value) -> Vec<String> {
    let text = |k: &str| body[k].as_str().unwrap_or("").to_string();
    let party = |p: &Value| -> String {
        if p.is_null() {
            return String::new();
        }
        let mut spec = p["name"].as_str().unwrap().to_string();
        if let Some(c) = p["country"].as_str() {
            spec += &format!(";country={c}");
        }
        for o in p["owners"].as_array().into_iter().flatten() {
            spec += &format!(";owner={}:{}", o["name"].as_str().unwrap(), o["percent"]);
        }
        spec
    };
    let facts = body["facts"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), String::from)))
        .collect::<Vec<_>>()
        .join(";");
    vec![
        id.to_string(),
        text("item"),
        text("to"),
        text("as_of"),
        text("end_use"),
        text("end_user_hq"),
        party(&body["end_user"]),
        party(&body["consignee"]),
        facts,
    ]
}

#[test]
fn an_order_book_answers_each_row_as_a_single_check() {
    let cli = Cli::new();
    let mut book = csv::Writer::from_writer(Vec::new());
    book.write_record([
        "id",
        "item",
        "to",
        "as_of",
        "end_use",
        "end_user_hq",
        "end_user",
        "consignee",
        "facts",
    ])
    .unwrap();
    for (i, (_, body)) in checks().iter().enumerate() {
        book.write_record(book_row(&format!("o{i}"), body)).unwrap();
    }
    let input = cli.home.path().join("orders.csv");
    std::fs::write(&input, book.into_inner().unwrap()).unwrap();
    let output = cli.home.path().join("results.csv");
    let (code, _, err) = cli.run(&[
        "check",
        "--list",
        "demo",
        "--no-record",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = read_csv(&output);
    let cell = |row: &csv::StringRecord, name: &str| {
        row[header.iter().position(|h| h == name).unwrap()].to_string()
    };
    for (i, (flags, _)) in checks().iter().enumerate() {
        let mut args = vec!["check", "--list", "demo", "--json", "--no-record"];
        args.extend(flags.iter().copied());
        let single = cli.json(&args);
        let row = &rows[i];
        assert_eq!(cell(row, "status"), "ok", "{flags:?}: {row:?}");
        assert_eq!(
            cell(row, "overall"),
            single["overall"].as_str().unwrap(),
            "{flags:?}"
        );
        let outcomes = single["determinations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}={}",
                    d["jurisdiction"].as_str().unwrap(),
                    d["outcome"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(";");
        assert_eq!(cell(row, "outcomes"), outcomes, "{flags:?}");
        let hits = cell(row, "party_hits");
        let single_hits = single["party_hits"].as_array().map_or(0, Vec::len);
        assert_eq!(
            hits.split(';').filter(|h| !h.is_empty()).count(),
            single_hits,
            "{flags:?}: {hits} vs {}",
            single["party_hits"]
        );
    }
}

#[test]
fn an_order_book_tells_apart_item_files_that_share_an_id() {
    // Two item files with the same id, one far above the thresholds and one
    // far below: a memoised decision must never answer one for the other.
    let cli = Cli::new();
    let file = |name: &str, tops: u32| {
        let path = cli.home.path().join(name);
        std::fs::write(
            &path,
            format!(
                "kind = \"ic\"\nid = \"x1\"\nname = \"Example accelerator\"\nvendor = \"Example\"\n\
                 release_date = \"2025-06\"\ndatacenter = true\ndie_area_mm2 = 600\n\
                 [throughput]\nfp8 = {tops}\nint8 = {tops}\n"
            ),
        )
        .unwrap();
        path.to_str().unwrap().to_string()
    };
    let big = file("big.toml", 2000);
    let small = file("small.toml", 2);
    let input = cli.home.path().join("orders.csv");
    std::fs::write(
        &input,
        format!("id,item,to,as_of\nbig,{big},CN,2026-06-01\nsmall,{small},CN,2026-06-01\n"),
    )
    .unwrap();
    let output = cli.home.path().join("results.csv");
    let (code, _, err) = cli.run(&[
        "check",
        "--no-record",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = read_csv(&output);
    let overall = header.iter().position(|h| h == "overall").unwrap();
    for (row, path) in rows.iter().zip([&big, &small]) {
        let single = cli.json(&[
            "check",
            "--json",
            "--no-record",
            "--item",
            path,
            "--to",
            "CN",
            "--as-of",
            "2026-06-01",
        ]);
        assert_eq!(&row[overall], single["overall"].as_str().unwrap(), "{path}");
    }
    assert_ne!(&rows[0][overall], &rows[1][overall], "{rows:?}");
}

#[test]
fn impact_answers_each_side_as_a_single_check_with_its_parties() {
    // A listed end user: each side of the impact must carry the list's
    // effect, as `exctl check` does, and bad parties are refused alike.
    let cli = Cli::new();
    let input = cli.home.path().join("orders.csv");
    std::fs::write(
        &input,
        "id,item,to,end_user,quantity\n\
         listed,h100,DE,Huawei Technologies;country=CN,\n\
         typo,h100,DE,Acme;country=Chna,\n\
         negative,h100,DE,,-5\n",
    )
    .unwrap();
    let output = cli.home.path().join("impact.csv");
    let (code, _, err) = cli.run(&[
        "impact",
        "--list",
        "demo",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--from",
        "2022-06-01",
        "--to",
        "2026-06-01",
    ]);
    assert_eq!(code, 3, "two rows are in error: {err}");
    assert!(err.contains("demo list"), "the demo list is named: {err}");
    let (header, rows) = read_csv(&output);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = |id: &str| rows.iter().find(|r| &r[col("id")] == id).unwrap();
    for (side, date) in [("from_overall", "2022-06-01"), ("to_overall", "2026-06-01")] {
        let single = cli.json(&[
            "check",
            "--list",
            "demo",
            "--json",
            "--no-record",
            "--item",
            "h100",
            "--to",
            "DE",
            "--end-user",
            "Huawei Technologies;country=CN",
            "--as-of",
            date,
        ]);
        assert_eq!(
            &row("listed")[col(side)],
            single["overall"].as_str().unwrap(),
            "{side}"
        );
    }
    assert_eq!(&row("typo")[col("status")], "error");
    assert!(row("typo")[col("error")].contains("Chna"));
    assert_eq!(&row("negative")[col("status")], "error");
}

#[test]
fn both_shells_refuse_the_same_bad_requests_naming_the_field() {
    let api = serve();
    let cli = Cli::new();
    let refused: Vec<(Vec<&str>, Value, &str, &str)> = vec![
        (
            vec![
                "check",
                "--item",
                "h100",
                "--to",
                "AE",
                "--ship",
                "PO-1",
                "--no-record",
            ],
            json!({"item": "h100", "to": "AE", "ship": "PO-1", "record": false}),
            "record",
            "--no-record",
        ),
        (
            vec![
                "check",
                "--item",
                "h100",
                "--to",
                "DE",
                "--fact",
                "deemed=false",
                "--deemed",
            ],
            json!({"item": "h100", "to": "DE", "deemed": true, "facts": {"deemed": false}}),
            "deemed",
            "--deemed",
        ),
        (
            vec!["check", "--item", "h100", "--to", "Chna"],
            json!({"item": "h100", "to": "Chna"}),
            "to",
            "--to",
        ),
        (
            // "Korea" names part of North Korea too: ambiguous, never read
            // as the less restricted South Korea.
            vec!["check", "--item", "h100", "--to", "Korea"],
            json!({"item": "h100", "to": "Korea"}),
            "to",
            "--to",
        ),
        (
            vec!["screen", "ACME", "--list", "demo", "--country", "Congo"],
            json!({"name": "ACME", "country": "Congo"}),
            "country",
            "--country",
        ),
        (
            vec!["check", "--item", "h100", "--to", "DE", "--end-use", "civl"],
            json!({"item": "h100", "to": "DE", "end_use": "civl"}),
            "end_use",
            "--end-use",
        ),
        (
            vec!["check", "--item", "h100", "--to", "DE", "--quantity", "-5"],
            json!({"item": "h100", "to": "DE", "quantity": -5}),
            "quantity",
            "--quantity",
        ),
        (
            vec!["screen", "ACME", "--list", "demo", "--limit", "0"],
            json!({"name": "ACME", "limit": 0}),
            "limit",
            "--limit",
        ),
        (
            vec!["screen", "ACME", "--list", "demo", "--country", "Atlantis"],
            json!({"name": "ACME", "country": "Atlantis"}),
            "country",
            "--country",
        ),
        (
            vec!["history", "--outcome", "licence-requried"],
            Value::Null,
            "outcome",
            "--outcome",
        ),
    ];
    for (args, body, field, flag) in refused {
        let (code, out, err) = cli.run(&args);
        assert_eq!(code, 2, "exctl {args:?}: {out}{err}");
        assert!(err.contains(flag), "exctl {args:?} names {flag}: {err}");
        if body.is_null() {
            continue;
        }
        let path = if args[0] == "check" {
            "/api/v1/check"
        } else {
            "/api/v1/screen"
        };
        let (status, answer) = api.post(path, &body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
        assert!(
            !answer["error"].as_str().unwrap_or("").contains("--"),
            "no flag in an API answer: {answer}"
        );
    }
    // Bodies that do not deserialise name their field, in the API's words
    // rather than the server's Rust types.
    for (body, field) in [
        (
            json!({"item": "h100", "to": "DE", "quantity": "five"}),
            Some("quantity"),
        ),
        (json!({"item": "h100"}), Some("to")),
        (
            json!({"item": "h100", "to": "DE", "end_user": {"name": 7}}),
            Some("end_user.name"),
        ),
        (json!(["h100", "DE"]), None),
        (json!("h100"), None),
    ] {
        let (status, answer) = api.post("/api/v1/check", &body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["field"].as_str(), field, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap_or("");
        assert!(
            !["CheckRequest", "PartyIn", "f64", "struct"]
                .iter()
                .any(|t| error.contains(t)),
            "no Rust type in an API answer: {answer}"
        );
    }
    // Nothing refused was recorded, by either shell.
    let (code, out, _) = cli.run(&["history", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "[]");
    let history = api.get("/api/v1/history");
    assert_eq!(history, json!([]), "the API recorded a refused request");
}
