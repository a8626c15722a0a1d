//! The CLI contract: commands, JSON shape, exit codes and error messages.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn exctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exctl"))
        .args(args)
        .env_remove("EXCTL_DATA")
        .output()
        .expect("exctl runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(args: &[&str]) -> Value {
    let o = exctl(args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

fn determination<'a>(v: &'a Value, j: &str) -> &'a Value {
    v["determinations"]
        .as_array()
        .expect("determinations")
        .iter()
        .find(|d| d["jurisdiction"] == j)
        .unwrap_or_else(|| panic!("no determination for {j}"))
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exctl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

#[test]
fn check_json_has_the_documented_shape() {
    let v = json(&[
        "check",
        "--item",
        "h100",
        "--to",
        "CN",
        "--as-of",
        "2026-02-01",
        "--end-use",
        "civil",
        "--json",
    ]);
    assert_eq!(v["as_of"], "2026-02-01");
    assert_eq!(v["item"]["id"], "nvidia-h100-sxm");
    assert_eq!(v["item"]["metrics"]["tpp"], 15832.0);
    assert!((v["item"]["metrics"]["pd"].as_f64().unwrap() - 19.45).abs() < 0.01);
    assert_eq!(v["destination"]["code"], "CN");
    assert_eq!(v["overall"], "prohibited");
    let us = determination(&v, "us");
    assert_eq!(us["outcome"], "license_required");
    assert_eq!(us["controls"], serde_json::json!(["3A090.a"]));
    assert!(us["review_policy"]
        .as_str()
        .unwrap()
        .contains("case-by-case"));
    let reason = &us["reasons"][0];
    for key in ["rule", "citation", "text"] {
        assert!(reason[key].is_string(), "reason lacks {key}: {reason}");
    }
    assert!(reason["text"]
        .as_str()
        .unwrap()
        .contains("TPP 15,832 ≥ 4,800"));
    assert_eq!(determination(&v, "accord")["outcome"], "prohibited");
}

#[test]
fn classify_json_has_no_destination_or_outcome() {
    let v = json(&[
        "classify",
        "nvidia-h100-sxm",
        "--as-of",
        "2024-01-01",
        "--json",
    ]);
    assert!(v.get("destination").is_none());
    assert!(v.get("overall").is_none());
    let us = determination(&v, "us");
    assert!(us.get("outcome").is_none());
    assert_eq!(us["controls"], serde_json::json!(["3A090.a"]));
}

#[test]
fn names_resolve_in_the_usual_spellings() {
    for name in [
        "H100 SXM",
        "nvidia-h100-sxm",
        "h100",
        "NVIDIA H100 SXM5 80GB",
    ] {
        let v = json(&["classify", name, "--as-of", "2024-01-01", "--json"]);
        assert_eq!(v["item"]["id"], "nvidia-h100-sxm", "{name}");
    }
}

#[test]
fn jurisdiction_filter_and_explain() {
    let v = json(&[
        "check",
        "--item",
        "rtx 4090d",
        "--to",
        "CN",
        "--as-of",
        "2024-06-01",
        "-j",
        "us",
        "--end-use",
        "civil",
        "--explain",
        "--json",
    ]);
    assert_eq!(v["determinations"].as_array().unwrap().len(), 1);
    let us = determination(&v, "us");
    assert_eq!(us["outcome"], "no_license_required");
    let not_applied = us["not_applied"]
        .as_array()
        .expect("explain lists rules not applied");
    let a1 = not_applied
        .iter()
        .find(|r| r["rule"] == "us.3a090.a.non-dc.2023")
        .expect("non-data-centre rule explained");
    assert!(
        a1["text"].as_str().unwrap().contains("TPP 4,707.2 < 4,800"),
        "{a1}"
    );
}

#[test]
fn end_user_hq_and_facts_are_used() {
    let v = json(&[
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--as-of",
        "2024-06-01",
        "--end-user-hq",
        "cn",
        "-j",
        "us",
        "--json",
    ]);
    assert_eq!(v["overall"], "license_required");
    let v = json(&[
        "check",
        "--item",
        "grok-3",
        "--to",
        "KR",
        "--as-of",
        "2026-01-01",
        "-j",
        "accord",
        "--fact",
        "predeployment_tested=true",
        "--json",
    ]);
    assert_eq!(v["overall"], "no_license_required");
}

fn classify_us_2024(item_file: &Path) -> Value {
    json(&[
        "classify",
        item_file.to_str().unwrap(),
        "--as-of",
        "2024-01-01",
        "-j",
        "us",
        "--json",
    ])
}

#[test]
fn item_files_in_toml_and_json() {
    let toml = tmp(
        "chip.toml",
        "kind = \"ic\"\nname = \"Test accelerator\"\ndatacenter = true\ndie_area_mm2 = 500\n\n[throughput]\nint8 = 370\n",
    );
    let v = classify_us_2024(&toml);
    assert_eq!(
        determination(&v, "us")["paragraphs"],
        serde_json::json!(["3A090.a.2"])
    );
    let js = tmp(
        "server.json",
        r#"{"kind": "computer", "name": "8-way H20 box", "ic": "h20", "ic_count": 8}"#,
    );
    let v = classify_us_2024(&js);
    assert_eq!(
        determination(&v, "us")["controls"],
        serde_json::json!(["4A994.l"])
    );
    assert_eq!(v["item"]["metrics"]["system_tpp"], 2368.0 * 8.0);
}

#[test]
fn catalog_compare_and_rules() {
    let v = json(&["catalog", "--json"]);
    let items = v.as_array().unwrap();
    assert!(items.len() >= 25);
    let c910 = items
        .iter()
        .find(|i| i["id"] == "huawei-ascend-910c")
        .unwrap();
    assert_eq!(c910["metrics"]["tpp"], 12800.0);
    let mi308 = items.iter().find(|i| i["id"] == "amd-mi308x").unwrap();
    assert!(
        mi308["metrics"].get("tpp").is_none(),
        "unknown figures stay unknown"
    );

    let v = json(&[
        "compare",
        "h100",
        "ascend 910c",
        "--as-of",
        "2026-01-01",
        "--json",
    ]);
    let ratio = v[1]["ratios_to_first"]["tpp"].as_f64().unwrap();
    assert!((ratio - 12800.0 / 15832.0).abs() < 1e-9);
    let text = stdout(&exctl(&[
        "compare",
        "h100",
        "ascend 910c",
        "--as-of",
        "2026-01-01",
    ]));
    assert!(text.contains("(81%)"), "{text}");

    let v = json(&["rules", "--as-of", "2025-06-01", "-j", "us", "--json"]);
    let rules = v["rules"].as_array().unwrap();
    let diffusion = rules
        .iter()
        .find(|r| r["id"] == "us.lic.ai-diffusion.2025")
        .unwrap();
    assert_eq!(diffusion["status"], "not_enforced");
    assert!(
        rules.iter().all(|r| r["id"] != "us.3a090.a.2022"),
        "expired rules are not listed"
    );
    let v = json(&["rules", "--as-of", "2023-01-01", "-j", "us", "--json"]);
    assert!(v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "us.3a090.a.2022"));
    // A sanctions pack's rules are its party rules: listed, with the
    // affiliates rule's stay as its state on the day.
    let text = stdout(&exctl(&[
        "rules",
        "-j",
        "uk-sanctions",
        "--as-of",
        "2026-12-01",
    ]));
    assert!(
        text.contains("uk-sanctions.parties.owned-or-controlled"),
        "{text}"
    );
    let text = stdout(&exctl(&["rules", "-j", "us", "--as-of", "2026-01-01"]));
    assert!(text.contains("us.parties.affiliates-50"), "{text}");
    assert!(
        text.contains("suspended 2025-11-10 to 2026-11-09"),
        "{text}"
    );
}

fn assert_bad_input(args: &[&str], expected: &[&str]) {
    let o = exctl(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one clear message, got: {err}");
    for e in expected {
        assert!(err.contains(e), "{args:?}: expected {e:?} in {err:?}");
    }
    assert!(stdout(&o).is_empty(), "nothing on stdout for bad input");
}

#[test]
fn unknown_item_suggests_the_closest_names() {
    assert_bad_input(
        &["classify", "h10"],
        &["unknown item \"h10\"", "did you mean", "nvidia-h100"],
    );
    assert_bad_input(&["check", "--item", "mi300", "--to", "CN"], &["amd-mi300x"]);
}

#[test]
fn malformed_item_file_names_line_and_field() {
    let p = tmp(
        "bad.toml",
        "kind = \"ic\"\nname = \"x\"\n\n[throughput]\nint9 = 5\n",
    );
    assert_bad_input(
        &["classify", p.to_str().unwrap()],
        &["bad.toml:5", "throughput.int9", "unknown precision"],
    );
    let p = tmp("bad2.toml", "kind = \"ic\"\nname = \"x\"\ndie_area = 5\n");
    assert_bad_input(
        &["classify", p.to_str().unwrap()],
        &["bad2.toml:3", "die_area"],
    );
    let p = tmp("bad3.json", "{\"kind\": \"ic\",\n \"name\": 5}");
    assert_bad_input(&["classify", p.to_str().unwrap()], &["bad3.json:2"]);
    let p = tmp(
        "bad4.toml",
        "kind = \"ic\"\nname = \"x\"\ndie_area_mm2 = -3\n",
    );
    assert_bad_input(
        &["classify", p.to_str().unwrap()],
        &["bad4.toml:3", "die_area_mm2", "non-negative"],
    );
    assert_bad_input(
        &["classify", "/nonexistent/chip.toml"],
        &["cannot read item file"],
    );
}

#[test]
fn unknown_country_and_malformed_date() {
    assert_bad_input(
        &["check", "--item", "h100", "--to", "XX"],
        &["--to: \"XX\" is not a country", "ISO 3166"],
    );
    assert_bad_input(
        &["check", "--item", "h100", "--to", "CHN"],
        &["\"CHN\" is not a country"],
    );
    assert_bad_input(
        &["check", "--item", "h100", "--to", "Chna"],
        &["did you mean CN for China"],
    );
    assert_bad_input(
        &["classify", "h100", "--as-of", "2024-13-01"],
        &["--as-of \"2024-13-01\" is not a date"],
    );
    assert_bad_input(
        &["classify", "h100", "--as-of", "yesterday"],
        &["YYYY-MM-DD"],
    );
    assert_bad_input(
        &["classify", "h100", "-j", "eu"],
        &["unknown jurisdiction \"eu\"", "us"],
    );
    assert_bad_input(
        &["check", "--item", "h100", "--to", "DE", "--fact", "tpp=1"],
        &["fact \"tpp\"", "item parameter"],
    );
    assert_bad_input(
        &[
            "check",
            "--item",
            "h100",
            "--to",
            "DE",
            "--end-user-hq",
            "ZZ",
        ],
        &["--end-user-hq: \"ZZ\" is not a country"],
    );
    // A country's name is read as its code, as in screening.
    let v = json(&[
        "check",
        "--item",
        "h100",
        "--to",
        "China",
        "--end-user-hq",
        "germany",
        "--json",
        "--no-record",
    ]);
    assert_eq!(v["destination"]["code"], "CN");
    assert_eq!(v["facts"]["end_user_hq"], "DE");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn data_root_with(edit: impl Fn(&Path)) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let root = std::env::temp_dir().join(format!("exctl-data-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&repo.join("packs"), &root.join("packs"));
    copy_dir(&repo.join("catalog"), &root.join("catalog"));
    edit(&root);
    root
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A change made to a copy of the data.
type Edit = Box<dyn Fn(&Path)>;

#[test]
fn invalid_rule_packs_name_file_rule_and_reason() {
    let rules = |r: &Path| r.join("packs/us/rules/classification.toml");
    // A copy of the real data loads and answers like the bundled one.
    let root = data_root_with(|_| {});
    let v = json(&[
        "--data",
        root.to_str().unwrap(),
        "classify",
        "h100",
        "--as-of",
        "2024-01-01",
        "--json",
    ]);
    assert_eq!(
        determination(&v, "us")["controls"],
        serde_json::json!(["3A090.a"])
    );

    let cases: Vec<(Edit, Vec<&str>)> = vec![
        (
            Box::new(move |r: &Path| {
                replace_in(
                    &rules(r),
                    "when = \"datacenter && tpp >= 4800\"",
                    "when = \"datacenter && tpps >= 4800\"",
                )
            }),
            vec![
                "classification.toml",
                "rule us.3a090.a.1.2023",
                "unknown parameter \"tpps\"",
            ],
        ),
        (
            Box::new(move |r: &Path| {
                replace_in(
                    &rules(r),
                    "effective_from = \"2023-11-17\"",
                    "effective_from = \"2023-11-31\"",
                )
            }),
            vec![
                "classification.toml",
                "rule us.3a090.a.1.2023",
                "effective_from",
                "not a date",
            ],
        ),
        (
            Box::new(move |r: &Path| {
                replace_in(
                    &rules(r),
                    "control = \"3A090.a\"\nparagraph = \"3A090.a.1\"",
                    "control = \"3A090.a\"\nparagraf = \"3A090.a.1\"",
                )
            }),
            vec!["classification.toml", "unknown field `paragraf`"],
        ),
        (
            Box::new(move |r: &Path| {
                replace_in(
                    &rules(r),
                    "when = \"datacenter && tpp >= 4800\"",
                    "when = \"datacenter && tpp >=\"",
                )
            }),
            vec!["rule us.3a090.a.1.2023", "does not parse as CEL"],
        ),
        (
            Box::new(move |r: &Path| {
                replace_in(
                    &r.join("packs/us/rules/licensing.toml"),
                    "covers = [\"us.lic.ac.d1-d4.2023\"]",
                    "covers = [\"us.lic.nope\"]",
                )
            }),
            vec![
                "licensing.toml",
                "rule us.exc.aca.2024",
                "covers unknown rule \"us.lic.nope\"",
            ],
        ),
        (
            Box::new(move |r: &Path| {
                replace_in(&rules(r), "citation = \"88 FR 73458 (FR Doc 2023-23055); 15 CFR 774 Supp. 1, ECCN 3A090.a.1\"", "citation = \"\"")
            }),
            vec!["rule us.3a090.a.1.2023", "citation is empty"],
        ),
        (
            // A chart threshold that the condition does not test.
            Box::new(move |r: &Path| {
                replace_in(
                    &rules(r),
                    "thresholds = [{ tpp = { min = 4800 } }]",
                    "thresholds = [{ tpp = { min = 4900 } }]",
                )
            }),
            vec![
                "classification.toml",
                "rule us.3a090.a.1.2023",
                "thresholds[0].tpp.min = 4900: the condition makes no `tpp >= 4900`",
            ],
        ),
        (
            // A box that leaves out a threshold the condition tests.
            Box::new(move |r: &Path| {
                replace_in(
                    &rules(r),
                    "thresholds = [{ tpp = { min = 1600 }, pd = { min = 5.92 } }]",
                    "thresholds = [{ tpp = { min = 1600 } }]",
                )
            }),
            vec![
                "rule us.3a090.a.2.2023",
                "the condition compares pd with 5.92, which no box declares",
            ],
        ),
        (
            // A control rule on TPP without its boxes.
            Box::new(move |r: &Path| {
                replace_in(
                    &rules(r),
                    "when = \"datacenter && tpp >= 4800\"\nthresholds = [{ tpp = { min = 4800 } }]",
                    "when = \"datacenter && tpp >= 4800\"",
                )
            }),
            vec!["rule us.3a090.a.1.2023", "declares its thresholds"],
        ),
        (
            Box::new(move |r: &Path| {
                replace_in(
                    &r.join("packs/countries/group-changes.toml"),
                    "date = \"2026-07-10\"",
                    "date = \"2026-07-10x\"",
                )
            }),
            vec!["group-changes.toml", "not a date"],
        ),
    ];
    for (edit, expected) in cases {
        let root = data_root_with(edit);
        assert_bad_input(
            &[
                "--data",
                root.to_str().unwrap(),
                "classify",
                "h100",
                "--as-of",
                "2024-01-01",
            ],
            &expected,
        );
        let _ = std::fs::remove_dir_all(root);
    }
}

#[test]
fn golden_command_passes_on_the_bundled_packs() {
    let o = exctl(&["golden"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("us:"));
}

#[test]
fn country_group_import_reproduces_the_committed_file() {
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/eccn-mcp-seelpeed/country-groups.json");
    if !snapshot.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shared data absent under CI"
        );
        eprintln!(
            "skipping: {} is absent (shared data not available)",
            snapshot.display()
        );
        return;
    }
    let o = exctl(&["data", "import-country-groups", snapshot.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packs/countries/groups.toml"),
    )
    .unwrap();
    assert_eq!(stdout(&o), committed);
}

#[test]
fn batch_check_and_impact_over_an_order_book() {
    let input = tmp(
        "orders.csv",
        "id,item,to,end_use,as_of,end_user_hq,facts\n\
         1,h20,CN,civil,2025-04-08,CN,\n\
         2,h100,DE,,2025-06-01,DE,\n\
         3,nope,CN,,,,\n\
         4,rtx 4090,VN,,2024-06-01,VN,\n\
         5,grok-3,KR,,2026-01-01,,predeployment_tested=true\n\
         6,h100,XX,,,,\n\
         7,h20,SG,civil,,SG,\n",
    );
    let output = input.with_file_name("results.csv");
    let o = exctl(&[
        "check",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "row errors give exit 3: {}",
        stderr(&o)
    );
    let mut rdr = csv::Reader::from_path(&output).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7, "every row reported");
    let row = |id: &str| rows.iter().find(|r| &r[1] == id).unwrap().clone();
    assert_eq!(&row("1")[7], "no_license_required");
    assert_eq!(&row("4")[7], "exception_eligible");
    assert_eq!(&row("3")[5], "error");
    assert!(row("3")[6].contains("unknown item"));
    assert_eq!(&row("3")[0], "4", "the input line of the bad row");
    assert!(row("6")[6].contains("XX"));
    assert_eq!(&row("5")[7], "no_license_required");

    let changes = input.with_file_name("impact.csv");
    let o = exctl(&[
        "impact",
        "--input",
        input.to_str().unwrap(),
        "--output",
        changes.to_str().unwrap(),
        "--from",
        "2025-04-08",
        "--to",
        "2025-04-09",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let mut rdr = csv::Reader::from_path(&changes).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let changed: Vec<_> = rows.iter().filter(|r| &r[4] == "changed").collect();
    assert_eq!(
        changed.len(),
        1,
        "only the H20 to China changes on 2025-04-09: {rows:?}"
    );
    assert_eq!(&changed[0][1], "1");
    assert_eq!(&changed[0][7], "license_required");
    assert!(
        changed[0][9].contains("us.notice.h20.2025"),
        "the rule that changed it"
    );
    // The same dates with nothing in between: no change.
    let o = exctl(&[
        "impact",
        "--input",
        input.to_str().unwrap(),
        "--output",
        changes.to_str().unwrap(),
        "--from",
        "2025-04-08",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "from == to without --old-data is refused"
    );
}

#[test]
fn impact_between_two_rule_pack_versions() {
    // A regulation change made as data only: a copy of the packs where the
    // 2026 China band is wider, compared with the bundled version.
    let root = data_root_with(|r| {
        replace_in(
            &r.join("packs/us/rules/licensing.toml"),
            "&& tpp < 21000 && mem_bw < 6500\"",
            "&& tpp < 40000 && mem_bw < 9000\"",
        );
        replace_in(
            &r.join("packs/us/rules/licensing.toml"),
            "&& tpp < 21000 && mem_bw < 6500)\"",
            "&& tpp < 40000 && mem_bw < 9000)\"",
        );
        // A new threshold comes with the new text that sets it: both rules
        // quote the band's sentence, and a quote must carry its figures.
        let path = r.join("packs/us/rules/licensing.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("TPP less than 21,000"));
        let text = text
            .replace("TPP less than 21,000", "TPP less than 40,000")
            .replace("less than 6,500 GB/s", "less than 9,000 GB/s");
        std::fs::write(&path, text).unwrap();
    });
    let input = tmp(
        "orders2.csv",
        "id,item,to,end_use\n1,b200,CN,civil\n2,h200,CN,civil\n",
    );
    let changes = input.with_file_name("impact2.csv");
    let o = exctl(&[
        "--data",
        root.to_str().unwrap(),
        "impact",
        "--input",
        input.to_str().unwrap(),
        "--output",
        changes.to_str().unwrap(),
        "--old-data",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .to_str()
            .unwrap(),
        "--from",
        "2026-03-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&changes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "only the B200 changes (review policy): {text}"
    );
    assert!(lines[1].contains("b200"));
}

#[test]
fn deemed_exports_and_red_flags_from_the_command_line() {
    let tech = tmp(
        "tech.toml",
        "kind = \"technology\"\nname = \"GPU design data\"\n[params]\nfor_control = \"3A090\"\npublished = false\n",
    );
    let v = json(&[
        "check",
        "--item",
        tech.to_str().unwrap(),
        "--to",
        "CN",
        "--deemed",
        "--end-use",
        "civil",
        "--as-of",
        "2024-06-01",
        "-j",
        "us",
        "--json",
    ]);
    assert_eq!(
        v["overall"], "no_license_required",
        "15 CFR 742.6(a)(6)(iv): the 3A090 licences do not apply to deemed exports"
    );
    assert_eq!(
        v["facts"]["deemed"], true,
        "the record says it was a deemed export"
    );
    assert_bad_input(
        &[
            "check",
            "--item",
            tech.to_str().unwrap(),
            "--to",
            "CN",
            "--deemed",
            "--fact",
            "deemed=false",
        ],
        &["disagree"],
    );
    let sent = json(&[
        "check",
        "--item",
        tech.to_str().unwrap(),
        "--to",
        "CN",
        "--end-use",
        "civil",
        "--as-of",
        "2024-06-01",
        "-j",
        "us",
        "--json",
    ]);
    assert_eq!(
        sent["overall"], "license_required",
        "sending the same technology to China is an export"
    );
    assert_bad_input(
        &["check", "--item", "h100", "--to", "CN", "--deemed"],
        &["--deemed: a deemed export is a release of technology"],
    );
    // H100 to a German buyer in June 2025, with the red flags stated.
    let with_flags = |flags: &str| {
        let fact = format!("red_flags={flags}");
        json(&[
            "check",
            "--item",
            "h100",
            "--to",
            "DE",
            "--end-user-hq",
            "DE",
            "--as-of",
            "2025-06-01",
            "-j",
            "us",
            "--fact",
            &fact,
            "--json",
        ])
    };
    let v = with_flags("none");
    assert_eq!(v["overall"], "no_license_required");
    let v = with_flags("transshipment-route,no-online-presence");
    assert_eq!(v["overall"], "needs_info");
    let qs: Vec<String> = v["determinations"][0]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["fact"].as_str().unwrap().to_string())
        .collect();
    assert!(
        qs.contains(&"us.redflag.transshipment-route".to_string()),
        "{qs:?}"
    );
    assert!(
        qs.contains(&"us.redflag.no-online-presence".to_string()),
        "{qs:?}"
    );
}

#[test]
fn epoch_import_reproduces_the_committed_model_catalog() {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/epoch-ai/all_ml_systems_2025-06.csv");
    if !csv.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shared data absent under CI"
        );
        eprintln!("skipping: ../shared/data/epoch-ai is absent");
        return;
    }
    let o = exctl(&["data", "import-epoch", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/models-epoch.toml"),
    )
    .unwrap();
    assert_eq!(stdout(&o), committed);
    let v = json(&[
        "classify",
        "Gemini 1.0 Ultra",
        "--as-of",
        "2026-01-01",
        "-j",
        "eu-ai-act",
        "--json",
    ]);
    assert_eq!(
        v["determinations"][0]["controls"],
        serde_json::json!(["gpai-systemic-risk"])
    );
}

#[test]
fn inventory_from_nvidia_smi_reports_of_a_fleet() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../exctl-inventory/tests/data/h100-sxm-80gb.xml");
    let xml = std::fs::read_to_string(&fixture).unwrap();
    let dir = std::env::temp_dir().join(format!("exctl-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("host-a.xml"), &xml).unwrap();
    std::fs::write(dir.join("host-b.xml"), &xml).unwrap();
    // An A100 known only by its name, and a GPU the catalog does not know.
    let a100 = xml
        .replace("NVIDIA H100 80GB HBM3", "NVIDIA A100 SXM4 80GB")
        .replace("233010DE", "FFFF10DE");
    std::fs::write(dir.join("host-c.xml"), a100).unwrap();
    let unknown = xml
        .replace("NVIDIA H100 80GB HBM3", "NVIDIA Future GPU")
        .replace("233010DE", "FFFE10DE");
    std::fs::write(dir.join("host-d.xml"), unknown).unwrap();
    let v = json(&[
        "inventory",
        "--from",
        dir.to_str().unwrap(),
        "--as-of",
        "2026-11-24",
        "--json",
    ]);
    let gpus = v["gpus"].as_array().unwrap();
    assert_eq!(gpus.len(), 4);
    let h100 = &gpus[0];
    assert_eq!(h100["catalog_id"], "nvidia-h100-sxm");
    assert_eq!(h100["matched_by"], "pci-device-id");
    assert_eq!(h100["memory_mib"], 81559);
    assert!(h100["classification"]
        .as_str()
        .unwrap()
        .contains("us: 3A090.a"));
    assert_eq!(gpus[2]["catalog_id"], "nvidia-a100");
    assert_eq!(gpus[2]["matched_by"], "name");
    assert_eq!(gpus[3]["status"], "needs_info");
    assert_eq!(gpus[3]["name"], "NVIDIA Future GPU");
    assert_eq!(v["summary"]["by_model"]["nvidia-h100-sxm"], 2);
    assert_eq!(v["summary"]["by_model"]["NVIDIA Future GPU (unknown)"], 1);
    // A file that is not a report is refused with its name.
    let bad = dir.join("bad.xml");
    std::fs::write(&bad, "<html/>").unwrap();
    assert_bad_input(
        &["inventory", "--from", bad.to_str().unwrap()],
        &["bad.xml", "nvidia_smi_log"],
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn inventory_without_nvml_says_so() {
    let has_nvml = [
        "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
        "/usr/lib64/libnvidia-ml.so.1",
    ]
    .iter()
    .any(|p| Path::new(p).exists());
    if has_nvml {
        eprintln!("skipping: this machine has NVML");
        return;
    }
    let o = exctl(&["inventory"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("NVML is not available") && stderr(&o).contains("--from"));
}

#[test]
fn import_ccl_never_writes_over_its_snapshot_and_refuses_a_malformed_one() {
    let snapshot = tmp("ccl-snapshot.json", "{\"entries\": []}");
    let before = std::fs::read(&snapshot).unwrap();
    assert_bad_input(
        &[
            "data",
            "import-ccl",
            snapshot.to_str().unwrap(),
            "--out",
            snapshot.to_str().unwrap(),
        ],
        &["is the input"],
    );
    assert_eq!(
        std::fs::read(&snapshot).unwrap(),
        before,
        "the snapshot is untouched"
    );
    let out = snapshot.with_file_name("ccl-out.json");
    let _ = std::fs::remove_file(&out);
    assert_bad_input(
        &[
            "data",
            "import-ccl",
            snapshot.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &["missing field"],
    );
    assert!(!out.exists(), "nothing is written for a malformed snapshot");
}

#[test]
fn h100_equivalents_are_a_multiple_of_the_item_the_data_names() {
    let v = json(&["classify", "b200", "--json"]);
    let b200 = v["item"]["metrics"]["h100_equivalents"].as_f64().unwrap();
    assert!((b200 - 36_000.0 / 15_832.0).abs() < 1e-9, "{b200}");
    // A reference item that is not in the catalog does not load.
    let root = data_root_with(|r| {
        replace_in(
            &r.join("packs/parameters.toml"),
            "per_item = \"nvidia-h100-sxm\"",
            "per_item = \"nvidia-h101\"",
        )
    });
    let o = exctl(&["--data", root.to_str().unwrap(), "catalog"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("per_item \"nvidia-h101\""),
        "{}",
        stderr(&o)
    );
}

/// Runs `exctl check --interactive` with `answers` typed on standard input.
fn interactive(args: &[&str], answers: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_exctl"))
        .args(args)
        .arg("--interactive")
        .env_remove("EXCTL_DATA")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("exctl runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn check_interactive_asks_the_questions_and_says_what_the_answers_changed() {
    let args = [
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--as-of",
        "2026-12-01",
    ];
    // A typo is asked again; "3" picks the third flag by number.
    let o = interactive(&args, "X1\nus\n3,frog\n3\n");
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        out.contains("Where is the end user (or its ultimate parent) headquartered?"),
        "{out}"
    );
    assert!(
        out.contains("not understood: \"X1\" is not a two-letter country code"),
        "{out}"
    );
    assert!(out.contains("unknown value \"frog\""), "{out}");
    assert!(
        out.contains(" 3. residential-address — Residential or vague delivery address"),
        "{out}"
    );
    // A raised flag is still to be resolved: the outcome waits for it.
    assert!(out.contains("the answers changed no outcome"), "{out}");
    assert!(
        out.contains("\nNot decided yet: 1 step for BIS to take first"),
        "{out}"
    );
    assert!(
        out.contains(
            "to do: Resolve the red flag before shipping: residential or vague delivery address"
        ),
        "{out}"
    );

    let o = interactive(&args, "us\nnone\n");
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        out.contains("the answers changed: overall: needs_info → no_license_required; us: needs_info → no_license_required"),
        "{out}"
    );
    assert!(
        out.contains("\nNo licence required: controlled (3A090.a)"),
        "{out}"
    );

    // An empty answer leaves the question open; the check still says so.
    let o = interactive(&args, "\n\n");
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        out.contains("Not decided yet: 2 questions for BIS"),
        "{out}"
    );
    assert!(
        out.contains("(answer with --fact end_user_hq=CC, a country code)"),
        "{out}"
    );

    // With --json there is no one to ask.
    let o = exctl(&[&args[..], &["--interactive", "--json"]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
}

#[test]
fn check_json_carries_the_summary_and_how_each_question_is_answered() {
    let v = json(&[
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--as-of",
        "2026-12-01",
        "--json",
    ]);
    assert_eq!(
        v["summary"]["headline"],
        "Not decided yet: 2 questions for BIS to answer first"
    );
    let us = determination(&v, "us");
    let hq = us["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["fact"] == "end_user_hq")
        .unwrap();
    assert_eq!(hq["answer"]["type"], "country");
    let v = json(&[
        "check",
        "--item",
        "h100",
        "--to",
        "DE",
        "--as-of",
        "2026-12-01",
        "--json",
        "--fact",
        "end_user_hq=CN",
        "--fact",
        "red_flags=none",
    ]);
    assert_eq!(
        v["summary"]["headline"],
        "Licence required from BIS — presumption of denial"
    );
    assert_eq!(
        v["summary"]["next"][0],
        "Apply to BIS for a licence, or do not ship"
    );
}
