//! The screening CLI contract: single and batch screens, list management,
//! and the CSL download against a local HTTP server.

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exctl-screen-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn exctl(args: &[&str], lists: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exctl"))
        .args(args)
        .env("EXCTL_LISTS", lists)
        .output()
        .expect("exctl runs")
}

fn ok_json(args: &[&str], lists: &Path) -> Value {
    let o = exctl(args, lists);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `exctl screen --input` against the demo list.
fn screen_demo_batch(input: &Path, output: &Path, lists: &Path) -> Output {
    exctl(
        &[
            "screen",
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--list",
            "demo",
        ],
        lists,
    )
}

#[test]
fn screen_json_shape_and_scripts() {
    let lists = tmpdir("json");
    for (query, expected) in [
        ("华为技术有限公司", "Huawei Technologies Co. Ltd."),
        ("Huawei Technologies", "Huawei Technologies Co. Ltd."),
        ("김정은", "KIM, Jong Un"),
        ("Kim Jong-un", "KIM, Jong Un"),
        ("Евгений Пригожин", "PRIGOZHIN, Yevgeniy Viktorovich"),
        ("Laboratoriya Kasperskogo", "AO Kaspersky Lab"),
        ("Hikvison", "Hangzhou Hikvision Digital Technology Co. Ltd."),
        // Signs and emoji in a name as typed are not words of it.
        ("Huawei Technologies ™", "Huawei Technologies Co. Ltd."),
        ("Huawei Technologies 🚀", "Huawei Technologies Co. Ltd."),
        ("★ Kaspersky Lab ★", "AO Kaspersky Lab"),
    ] {
        let v = ok_json(&["screen", query, "--list", "demo", "--json"], &lists);
        assert_eq!(v["query"]["name"], query);
        assert!(v["list_version"]["hash"].is_string());
        // The expected entry is among the best (the accord's designated
        // Huawei ties with the Entity List's).
        let matches = v["matches"].as_array().unwrap();
        let best = &matches[0]["score"];
        let m = matches
            .iter()
            .take_while(|m| &m["score"] == best)
            .find(|m| m["name"] == expected)
            .unwrap_or_else(|| panic!("{query}: {expected} is not among the best: {v}"));
        for key in [
            "entry_id",
            "list",
            "name",
            "matched_name",
            "countries",
            "score",
            "explanation",
        ] {
            assert!(!m[key].is_null(), "{key} missing in {m}");
        }
        let score = m["score"].as_f64().unwrap();
        assert!((0.8..=1.0).contains(&score), "{query}: {score}");
        assert!(m["explanation"]["token_pairs"].is_array());
    }
    // A different party does not alert.
    let v = ok_json(
        &["screen", "Siemens AG", "--list", "demo", "--json"],
        &lists,
    );
    assert_eq!(v["matches"].as_array().unwrap().len(), 0, "{v}");
    // Country and type adjust the score.
    let plain = ok_json(&["screen", "Sugon", "--list", "demo", "--json"], &lists)["matches"][0]
        ["score"]
        .as_f64()
        .unwrap();
    let wrong = ok_json(
        &[
            "screen",
            "Sugon",
            "--list",
            "demo",
            "--country",
            "DE",
            "--type",
            "individual",
            "--threshold",
            "0",
            "--json",
        ],
        &lists,
    )["matches"][0]["score"]
        .as_f64()
        .unwrap();
    assert!(wrong < plain, "{wrong} < {plain}");
}

#[test]
fn no_lists_says_how_to_get_one() {
    let lists = tmpdir("none");
    let o = exctl(&["screen", "Huawei"], &lists);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("exctl lists fetch") && err.contains("--list"),
        "{err}"
    );
}

#[test]
fn batch_streams_rows_and_reports_bad_ones() {
    let dir = tmpdir("batch");
    let input = dir.join("parties.csv");
    let mut text = String::from("id,name,country,type\n");
    text.push_str("1,Huawei Technologies,CN,entity\n");
    text.push_str("2,Siemens AG,DE,entity\n");
    text.push_str("3,,CN,\n");
    text.push_str("4,Acme,Atlantis,\n");
    text.push_str("5,김정은,,individual\n");
    text.push_str("6,Sugon,CN,spaceship\n");
    // "Korea" names North Korea too: refused as a single screen refuses it.
    text.push_str("7,Korea Kwangson Banking Corp,Korea,entity\n");
    text.push_str("8,Sugon,China,entity\n");
    std::fs::write(&input, text).unwrap();
    // Not in the lists folder: results there would be read as a list.
    let output = tmpdir("batch-out").join("hits.csv");
    let o = screen_demo_batch(&input, &output, &dir);
    assert_eq!(
        o.status.code(),
        Some(3),
        "rows in error give exit 3: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut rdr = csv::Reader::from_path(&output).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header[..6],
        [
            "line",
            "id",
            "query_name",
            "query_country",
            "status",
            "error"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let by_id = |id: &str| rows.iter().filter(|r| &r[1] == id).collect::<Vec<_>>();
    assert_eq!(&by_id("1")[0][4], "hit");
    assert_eq!(&by_id("2")[0][4], "clear");
    assert_eq!(&by_id("3")[0][4], "error");
    assert_eq!(&by_id("3")[0][0], "4", "line number of the bad row");
    assert!(by_id("4")[0][5].contains("Atlantis"));
    assert_eq!(&by_id("5")[0][4], "hit");
    assert!(by_id("6")[0][5].contains("spaceship"));
    assert_eq!(&by_id("7")[0][4], "error");
    assert!(by_id("7")[0][5].contains("ambiguous"), "{:?}", by_id("7"));
    assert_eq!(
        &by_id("8")[0][3],
        "CN",
        "a country's name is read as its code"
    );
}

#[test]
fn a_batch_screened_on_every_core_keeps_each_rows_answer_in_order() {
    let dir = tmpdir("batch-order");
    let input = dir.join("parties.csv");
    // Rows enough for several blocks, threads and runs: listed and clear
    // names alternate, and a party named again is screened once but
    // answered on every row; with a country it is another query.
    let rows = 20_000;
    let mut text = String::from("id,name,country\n");
    for i in 0..rows {
        let name = if i % 3 == 0 {
            "Huawie Technolgies"
        } else {
            "Siemens AG"
        };
        let country = if i % 2 == 0 { "CN" } else { "" };
        text.push_str(&format!("{i},{name},{country}\n"));
    }
    std::fs::write(&input, text).unwrap();
    let output = tmpdir("batch-order-out").join("hits.csv");
    let o = screen_demo_batch(&input, &output, &dir);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("screened {rows} rows in 4 screens")),
        "{stderr}"
    );
    let mut rdr = csv::Reader::from_reader(std::fs::File::open(&output).unwrap());
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (id_col, status_col, score_col) = (col("id"), col("status"), col("score"));
    let mut last = -1i64;
    let mut seen = std::collections::BTreeSet::new();
    let mut scores = std::collections::BTreeMap::new();
    for r in rdr.records().map(Result::unwrap) {
        let id: i64 = r[id_col].parse().unwrap();
        assert!(id >= last, "row {id} written after row {last}");
        last = id;
        seen.insert(id);
        let expected = if id % 3 == 0 { "hit" } else { "clear" };
        assert_eq!(&r[status_col], expected, "row {id}");
        if expected == "hit" {
            scores
                .entry(id % 2 == 0)
                .or_insert_with(Vec::new)
                .push(r[score_col].parse::<f64>().unwrap());
        }
    }
    assert_eq!(seen.len(), rows, "every row answered");
    // Every row of one query has its score; the country's bonus tells the two apart.
    let (with_country, without) = (&scores[&true], &scores[&false]);
    let alike = |v: &[f64]| v.iter().all(|x| *x == v[0]);
    assert!(alike(with_country) && alike(without), "{scores:?}");
    assert!(with_country[0] > without[0], "{scores:?}");
}

#[test]
fn lists_add_show_remove_and_bad_lists_change_nothing() {
    let dir = tmpdir("manage");
    let lists = dir.join("lists");
    let own = dir.join("own.csv");
    std::fs::write(
        &own,
        "name,aliases,country,list,note\nAcme Trading Ltd,Acme,CN,OWN,test entry\n",
    )
    .unwrap();
    let o = exctl(&["lists", "add", own.to_str().unwrap()], &lists);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = ok_json(&["lists", "show", "--json"], &lists);
    assert_eq!(v["entries"], 1);
    let hit = ok_json(&["screen", "ACME TRADING", "--json"], &lists);
    assert_eq!(hit["matches"][0]["list"], "OWN");
    // A broken list is refused and the configured set stays as it was.
    let broken = dir.join("broken.csv");
    std::fs::write(&broken, "name,country\nAcme,CN\n\"unterminated\n").unwrap();
    let o = exctl(&["lists", "add", broken.to_str().unwrap()], &lists);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("broken.csv"));
    assert!(!lists.join("broken.csv").exists());
    assert_eq!(ok_json(&["lists", "show", "--json"], &lists)["entries"], 1);
    let o = exctl(&["lists", "remove", "own.csv"], &lists);
    assert!(o.status.success());
    assert_eq!(exctl(&["lists", "show"], &lists).status.code(), Some(2));
}

/// Serves one file over HTTP on 127.0.0.1, for `n` requests.
fn serve(body: Vec<u8>, n: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/downloadable_consolidated_screening_list/v1/consolidated.csv",
        listener.local_addr().unwrap()
    );
    let h = std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let mut s = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    (url, h)
}

#[test]
fn lists_fetch_swaps_in_the_csl_atomically() {
    let csl = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/csl-2026-07/consolidated.csv");
    if !csl.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "../shared/data/csl-2026-07 is absent under CI"
        );
        eprintln!("skipping: ../shared/data/csl-2026-07 is absent");
        return;
    }
    let dir = tmpdir("fetch");
    let (url, h) = serve(std::fs::read(&csl).unwrap(), 1);
    let o = exctl(&["lists", "fetch", "--url", &url], &dir);
    h.join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("25921 entries"));
    let before = std::fs::read(dir.join("consolidated.csv")).unwrap();
    // A download cut at a row boundary parses, but lost most entries: refused.
    let text = String::from_utf8(before.clone()).unwrap();
    let cut: String = text.split_inclusive('\n').take(2001).collect();
    let (url, h) = serve(cut.into_bytes(), 1);
    let o = exctl(&["lists", "fetch", "--url", &url], &dir);
    h.join().unwrap();
    // A file refused is reported and exits 1; the file in use stays.
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILED consolidated.csv") && stdout.contains("25921 -> 2000 entries"),
        "{stdout}"
    );
    assert_eq!(std::fs::read(dir.join("consolidated.csv")).unwrap(), before);
    assert!(!dir.join(".consolidated.csv.tmp").exists());
    // A broken download keeps the current list.
    let (url, h) = serve(b"source,name\nEntity List (EL),\n".to_vec(), 1);
    let o = exctl(&["lists", "fetch", "--url", &url], &dir);
    h.join().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("does not parse, the file in use stays"));
    assert_eq!(std::fs::read(dir.join("consolidated.csv")).unwrap(), before);
    let v = ok_json(
        &[
            "screen",
            "Huawei Technologies Co Ltd",
            "--country",
            "CN",
            "--json",
        ],
        &dir,
    );
    assert!(v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["list"] == "EL"));
}

#[test]
fn only_answers_from_the_demo_list_carry_its_warning() {
    let lists = tmpdir("warn");
    let own = lists.join("own.csv");
    std::fs::write(
        &own,
        "name,aliases,country,list,note\nNorthwind Photonics,,CN,OWN,\n",
    )
    .unwrap();
    let real = ok_json(
        &[
            "screen",
            "Northwind Photonics",
            "--list",
            own.to_str().unwrap(),
            "--json",
        ],
        &lists,
    );
    assert!(real.get("warnings").is_none(), "{real}");
    let demo = ok_json(&["screen", "Huawei", "--list", "demo", "--json"], &lists);
    assert!(
        demo["warnings"][0].as_str().unwrap().contains("demo list"),
        "{demo}"
    );
}
