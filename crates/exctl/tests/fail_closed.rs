//! Fail closed, through the binary: no input makes an answer more lenient,
//! and no command destroys what it was not asked to touch.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exctl-fc-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs exctl with `home` as its home and no lists or data from the environment.
fn exctl(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exctl"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("EXCTL_LISTS")
        .env_remove("EXCTL_DATA")
        .env_remove("EXCTL_DB")
        .output()
        .expect("exctl runs")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `exctl check --no-record --input ORDERS --output OUT`.
fn check_book(home: &Path, orders: &Path, out: &Path) -> Output {
    exctl(
        home,
        &[
            "check",
            "--no-record",
            "--input",
            orders.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
    )
}

/// `exctl screen --list demo --no-record --input PARTIES --output OUT`.
fn screen_batch(home: &Path, parties: &Path, out: &Path) -> Output {
    screen_batch_with(home, parties, out, &[])
}

/// The same, with more arguments.
fn screen_batch_with(home: &Path, parties: &Path, out: &Path, more: &[&str]) -> Output {
    let mut args = vec![
        "screen",
        "--list",
        "demo",
        "--no-record",
        "--input",
        parties.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    exctl(home, &args)
}

fn own_list(n: usize) -> String {
    let mut t = String::from("name,aliases,country,list,note\n");
    for i in 0..n {
        t.push_str(&format!("Listed Trading Company {i},,CN,EL,test\n"));
    }
    t
}

#[test]
fn lists_live_under_the_home_and_remove_never_leaves_their_folder() {
    let home = tmpdir("remove");
    let src = home.join("../exctl-fc-own.csv");
    std::fs::write(&src, own_list(3)).unwrap();
    let o = exctl(&home, &["lists", "add", src.to_str().unwrap()]);
    assert!(o.status.success(), "{}", err(&o));
    // The default lists folder is the home's.
    assert!(home.join("lists/exctl-fc-own.csv").is_file());
    // What sits beside the lists: the system of record.
    std::fs::write(home.join("records.db"), "the record").unwrap();
    std::fs::write(home.join("audit-signing-key.pk8"), "the key").unwrap();
    for name in [
        "..",
        ".",
        "",
        "../records.db",
        "/",
        "lists/../..",
        ".hidden",
    ] {
        let o = exctl(&home, &["lists", "remove", name]);
        assert_eq!(o.status.code(), Some(2), "remove {name:?}: {}", err(&o));
        assert!(err(&o).contains("not a plain file name"), "{}", err(&o));
    }
    assert!(home.join("records.db").is_file() && home.join("audit-signing-key.pk8").is_file());
    assert!(home.join("lists/exctl-fc-own.csv").is_file());
    let o = exctl(&home, &["lists", "remove", "nothing-here.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let o = exctl(&home, &["lists", "remove", "exctl-fc-own.csv"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!home.join("lists/exctl-fc-own.csv").exists());
    assert!(home.join("records.db").is_file());
}

#[test]
fn a_batch_never_reads_back_its_own_output() {
    let home = tmpdir("same");
    let orders = home.join("orders.csv");
    let text = "id,item,to,end_use\n1,H100,DE,civil\n2,H20,CN,civil\n";
    std::fs::write(&orders, text).unwrap();
    let link = home.join("link.csv");
    std::os::unix::fs::symlink(&orders, &link).unwrap();
    let dotted = home.join(".").join("orders.csv");
    for out in [&orders, &link, &dotted] {
        for args in [
            vec!["check", "--no-record", "--input"],
            vec![
                "impact",
                "--from",
                "2023-01-01",
                "--to",
                "2024-01-01",
                "--input",
            ],
        ] {
            let mut a: Vec<&str> = args.clone();
            a.extend([orders.to_str().unwrap(), "--output", out.to_str().unwrap()]);
            let o = exctl(&home, &a);
            assert_eq!(o.status.code(), Some(2), "{a:?}: {}", err(&o));
            assert!(err(&o).contains("is the input"), "{}", err(&o));
            assert_eq!(std::fs::read_to_string(&orders).unwrap(), text);
        }
    }
    // Nor over the instance's own records, keys or lists.
    let o = exctl(&home, &["init"]);
    assert!(o.status.success(), "{}", err(&o));
    std::fs::create_dir_all(home.join("lists")).unwrap();
    let db = home.join("records.db");
    let size = std::fs::metadata(&db).unwrap().len();
    for out in [
        db.clone(),
        home.join("records.db-wal"),
        home.join("audit-signing-key.pk8"),
        home.join("lists/results.csv"),
    ] {
        let o = exctl(
            &home,
            &[
                "check",
                "--input",
                orders.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{}: {}", out.display(), err(&o));
        assert!(
            err(&o).contains("write the results elsewhere"),
            "{}",
            err(&o)
        );
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), size);
    let names = home.join("names.csv");
    std::fs::write(&names, "name\nHuawei\n").unwrap();
    let o = screen_batch(&home, &names, &names);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&names).unwrap(), "name\nHuawei\n");
}

#[test]
fn unknown_end_uses_and_red_flags_are_refused_in_flags_and_order_books() {
    let home = tmpdir("vocab");
    for args in [
        vec!["--to", "CN", "--end-use", "super-computer"],
        vec!["--to", "CN", "--end-use", "supercomputer development"],
        vec!["--to", "DE", "--fact", "red_flags=transhipment-route"],
        vec!["--to", "DE", "--fact", "red_flags=nope"],
        vec!["--to", "DE", "--fact", "red_flags="],
        vec![
            "--to",
            "DE",
            "--fact",
            "red_flags=transshipment-route",
            "--fact",
            "red_flags=none",
        ],
        vec!["--to", "DE", "--fact", "end_use=military"],
    ] {
        let mut a = vec!["check", "--no-record", "--item", "H100"];
        a.extend(args.iter().copied());
        let o = exctl(&home, &a);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {}", err(&o));
        assert!(err(&o).contains("error: "), "{}", err(&o));
    }
    let o = exctl(
        &home,
        &[
            "check",
            "--no-record",
            "--item",
            "H100",
            "--to",
            "CN",
            "--end-use",
            "super-computer",
        ],
    );
    assert!(
        err(&o).contains("did you mean \"supercomputer\""),
        "{}",
        err(&o)
    );
    // In an order book the row is an error, never an answer.
    let orders = home.join("orders.csv");
    std::fs::write(
        &orders,
        "id,item,to,end_use,end_user_hq,facts\n\
         1,H100,DE,super-computer,DE,red_flags=none\n\
         2,H100,DE,civil,DE,red_flags=nope\n\
         3,H100,DE,Civil,DE,red_flags=none\n",
    )
    .unwrap();
    let out = home.join("out.csv");
    let o = check_book(&home, &orders, &out);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let rows: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        rows[1].contains("error") && rows[1].contains("super-computer"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].contains("error") && rows[2].contains("nope"),
        "{}",
        rows[2]
    );
    assert!(rows[3].contains("no_license_required"), "{}", rows[3]);
}

#[test]
fn a_data_folder_that_lost_a_pack_does_not_load() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = tmpdir("data");
    for sub in ["packs", "catalog"] {
        let o = Command::new("cp")
            .arg("-r")
            .arg(repo.join(sub))
            .arg(root.join(sub))
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    let classify = |root: &Path| {
        exctl(
            root,
            &[
                "--data",
                root.to_str().unwrap(),
                "classify",
                "h100",
                "--json",
            ],
        )
    };
    let o = classify(&root);
    assert!(o.status.success(), "{}", err(&o));
    // A sanctions pack whose rules are all in parties.toml, without it.
    let parties = root.join("packs/uk-sanctions/parties.toml");
    let kept = std::fs::read_to_string(&parties).unwrap();
    std::fs::remove_file(&parties).unwrap();
    let o = classify(&root);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("parties_only"), "{}", err(&o));
    // A question no one could answer: its fact is not declared.
    std::fs::write(&parties, kept.replace("[[ownership]]", "[[list]]\nid = \"uk-sanctions.parties.x\"\nlists = [\"UK-X\"]\nname = \"x\"\noutcome = \"needs_info\"\ncitation = \"x\"\ntext = \"x\"\nresolved_by = \"undeclared_fact\"\nquestion = \"x?\"\n\n[[ownership]]")).unwrap();
    let o = classify(&root);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("undeclared_fact") && err(&o).contains("parties.toml"),
        "{}",
        err(&o)
    );
    std::fs::write(&parties, kept).unwrap();
    // A golden case whose listed owner holds nothing of its party, or names
    // a list nothing reads, would pass for the wrong reason: refused.
    let golden = |root: &Path, text: &str| {
        std::fs::write(root.join("packs/uk-sanctions/golden/bad.toml"), text).unwrap();
        exctl(
            root,
            &[
                "--data",
                root.to_str().unwrap(),
                "golden",
                "-j",
                "uk-sanctions",
            ],
        )
    };
    let case = "[[case]]\nname = \"c\"\nitem = \"h100\"\nto = \"TR\"\nas_of = \"2026-12-01\"\nparty = \"Delta Parts Ltd\"\noutcome = \"not_controlled\"\n";
    let o = golden(&root, &format!("{case}listed = [{{ name = \"Ivan\", list = \"UK\" }}]\nholding = [{{ owner = \"Ivan\", owned = \"Delta Part Ltd\", share = 50 }}]\n"));
    assert!(!o.status.success());
    assert!(
        err(&o).contains("Delta Part Ltd") && err(&o).contains("bad.toml"),
        "{}",
        err(&o)
    );
    let o = golden(
        &root,
        &format!("{case}listed = [{{ name = \"Delta Parts Ltd\", list = \"UKK\" }}]\n"),
    );
    assert!(!o.status.success());
    assert!(err(&o).contains("\"UKK\""), "{}", err(&o));
    std::fs::remove_file(root.join("packs/uk-sanctions/golden/bad.toml")).unwrap();
    std::fs::remove_file(root.join("packs/us/pack.toml")).unwrap();
    let o = classify(&root);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("packs/us/pack.toml"), "{}", err(&o));
    std::fs::remove_dir_all(root.join("packs/us")).unwrap();
    let o = classify(&root);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("\"us\""), "{}", err(&o));
    std::fs::remove_file(root.join("packs/index.toml")).unwrap();
    let o = classify(&root);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("packs/index.toml"), "{}", err(&o));
}

#[test]
fn a_replacement_list_that_lost_entries_is_refused_unless_forced() {
    let home = tmpdir("loss");
    let src = home.join("own.csv");
    std::fs::write(&src, own_list(36)).unwrap();
    let o = exctl(&home, &["lists", "add", src.to_str().unwrap()]);
    assert!(o.status.success(), "{}", err(&o));
    // Cut at a row boundary: it parses, but 25 of 36 entries are gone.
    std::fs::write(&src, own_list(11)).unwrap();
    let o = exctl(&home, &["lists", "add", src.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("36 -> 11"), "{}", err(&o));
    let kept = std::fs::read_to_string(home.join("lists/own.csv")).unwrap();
    assert_eq!(kept.lines().count(), 37);
    // As many entries, but all of them others: every listed party is gone.
    std::fs::write(&src, own_list(36).replace("Listed", "Other")).unwrap();
    let o = exctl(&home, &["lists", "add", src.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("36 -> 36 entries, 36 gone"), "{}", err(&o));
    std::fs::write(&src, own_list(11)).unwrap();
    let o = exctl(
        &home,
        &[
            "lists",
            "add",
            src.to_str().unwrap(),
            "--max-list-loss",
            "80",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    std::fs::write(&src, own_list(1)).unwrap();
    let o = exctl(&home, &["lists", "add", src.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = exctl(
        &home,
        &[
            "lists",
            "add",
            src.to_str().unwrap(),
            "--max-list-loss",
            "101",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_reader_that_stops_early_ends_the_command_without_a_panic() {
    use std::io::Read as _;
    let home = tmpdir("pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_exctl"))
        // More than a pipe holds (64 KiB on Linux), so it cannot finish unread.
        .args(["catalog", "--json"])
        .arg("--home")
        .arg(&home)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is closed here, long before the output ends.
    let o = child.wait_with_output().unwrap();
    let stderr = err(&o);
    assert!(!stderr.contains("panicked"), "{stderr}");
    use std::os::unix::process::ExitStatusExt as _;
    assert_eq!(
        o.status.signal(),
        Some(13),
        "ended by SIGPIPE: {:?}",
        o.status
    );
}

#[test]
fn invalid_utf8_is_refused_with_its_file_and_line() {
    let home = tmpdir("utf8");
    let orders = home.join("orders.csv");
    std::fs::write(&orders, b"id,it\xffem,to\n1,H100,DE\n").unwrap();
    let out = home.join("out.csv");
    let o = check_book(&home, &orders, &out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("orders.csv:1: header row"), "{}", err(&o));
    let item = home.join("item.toml");
    std::fs::write(&item, b"kind = \"ic\"\nname = \"X\xff\"\n").unwrap();
    let o = exctl(&home, &["classify", item.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("item.toml:2: invalid UTF-8"),
        "{}",
        err(&o)
    );
}

mod order_books {
    //! Order books fuzzed through the binary (a process per case, so few
    //! cases here; `EXCTL_FUZZ_CASES` raises them for `scripts/fuzz`).
    use super::*;
    use proptest::prelude::*;

    fn cases(n: u32) -> u32 {
        std::env::var("EXCTL_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(n)
    }

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("H100".to_string()),
            Just("CN".to_string()),
            Just("civil".to_string()),
            Just("red_flags=none;deemed=maybe".to_string()),
            Just("Huawei;owner=X:150".to_string()),
            Just("\"a,b\"".to_string()),
            Just("\"".to_string()),
            Just("2026-02-30".to_string()),
            Just("-1".to_string()),
            Just("NaN".to_string()),
            "[^\n\u{0}]{0,16}",
        ]
    }

    fn book() -> impl Strategy<Value = String> {
        let header = prop::sample::subsequence(
            vec![
                "id",
                "item",
                "to",
                "end_use",
                "as_of",
                "end_user_hq",
                "facts",
                "end_user",
                "consignee",
                "intermediates",
                "quantity",
                "value",
                "bogus",
            ],
            0..8,
        );
        header
            .prop_flat_map(|h| {
                let width = h.len().max(1);
                let rows = prop::collection::vec(
                    prop::collection::vec(cell(), width - 1..=width + 1),
                    0..5,
                );
                (Just(h), rows)
            })
            .prop_map(|(h, rows)| {
                let mut t = h.join(",");
                for r in rows {
                    t.push('\n');
                    t.push_str(&r.join(","));
                }
                t
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(12)))]

        #[test]
        fn order_books_are_refused_or_answered_never_crash(text in book()) {
            let home = tmpdir("book");
            let input = home.join("orders.csv");
            std::fs::write(&input, &text).unwrap();
            let out = home.join("out.csv");
            let o = exctl(&home, &["check", "--no-record", "--list", "demo", "--input", input.to_str().unwrap(), "--output", out.to_str().unwrap()]);
            let stderr = err(&o);
            prop_assert!(!stderr.contains("panicked"), "{text:?}: {stderr}");
            prop_assert!(matches!(o.status.code(), Some(0 | 2 | 3)), "{text:?}: {:?} {stderr}", o.status);
        }
    }
}

#[test]
fn order_book_and_party_columns_are_all_read_once() {
    let home = tmpdir("columns");
    let out = home.join("out.csv");
    let book = |name: &str, text: &str| {
        let p = home.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // A misspelt column is refused with the one it is near, never skipped;
    // a column given twice is refused, never shadowed.
    for (text, want) in [
        (
            "item,to,end-use,end_user_hq,facts\nh100,AE,military,AE,red_flags=none\n",
            "did you mean \"end_use\"",
        ),
        (
            "item,to,end_use,end_user_hq,facts,facts\nh100,AE,civil,AE,red_flags=none,red_flags=residential-address\n",
            "appears twice",
        ),
    ] {
        let o = check_book(&home, &book("refused.csv", text), &out);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(err(&o).contains(want), "{}", err(&o));
    }
    // Cells past the header are an error row, never dropped.
    let extra = book(
        "extra.csv",
        "item,to,end_use,end_user_hq,facts,x_ref\nh100,AE,civil,AE,red_flags=none,PO-7,red_flags=residential-address\n",
    );
    let o = check_book(&home, &extra, &out);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let rows = std::fs::read_to_string(&out).unwrap();
    assert!(rows.contains("7 cells where the header has 6"), "{rows}");
    // Carried columns (`note`, `x_…`) are allowed and not read.
    let carried = book(
        "carried.csv",
        "item,to,end_use,end_user_hq,facts,note,x_ref\nh100,AE,civil,AE,red_flags=none,urgent,PO-7\n",
    );
    let o = check_book(&home, &carried, &out);
    assert!(o.status.success(), "{}", err(&o));
    // The same for batch screens.
    let parties = book("parties.csv", "name,contry\nHuawei,CN\n");
    let o = screen_batch(&home, &parties, &out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("did you mean \"country\""), "{}", err(&o));
}

#[test]
fn batch_birth_dates_and_identifiers_are_read_or_refused_by_row() {
    let home = tmpdir("party-ids");
    let out = home.join("out.csv");
    let parties = home.join("parties.csv");
    std::fs::write(
        &parties,
        "id,name,country,dob,ids\n\
         1,Huawei Technologies,CN,,registration:91440300192203821Q\n\
         2,Someone,CN,born 1961,\n\
         3,Someone Else,CN,,pasport:12345678\n\
         4,Another,CN,1961,passport:12\n",
    )
    .unwrap();
    let o = screen_batch(&home, &parties, &out);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let rows = std::fs::read_to_string(&out).unwrap();
    // A date in another shape is refused, not read for the year it holds.
    assert!(
        rows.contains("\"\"born 1961\"\" is not YYYY, YYYY-MM or YYYY-MM-DD"),
        "{rows}"
    );
    assert!(
        rows.contains("unknown kind") && rows.contains("pasport"),
        "{rows}"
    );
    assert!(rows.contains("needs a digit and at least four"), "{rows}");
    assert!(
        rows.lines()
            .any(|l| l.starts_with("2,1,") && l.contains(",hit,")),
        "{rows}"
    );
    // --dob and --id describe one party: not a batch.
    let o = screen_batch_with(&home, &parties, &out, &["--dob", "1961"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("`dob` and `ids` columns"), "{}", err(&o));
}

#[test]
fn an_unclosed_quote_refuses_the_whole_batch_instead_of_hiding_rows() {
    let dir = tmpdir("quote");
    let home = dir.join("home");
    // Row B's unclosed quote would swallow row C (a listed party) into B's
    // name: C would never be screened.
    let parties = dir.join("parties.csv");
    std::fs::write(
        &parties,
        "id,name,country\nA,Acme,DE\nB,\"broken,CN\nC,ZTE,CN\n",
    )
    .unwrap();
    let out = dir.join("hits.csv");
    let o = screen_batch(&home, &parties, &out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("parties.csv:3"), "{}", err(&o));
    assert!(err(&o).contains("unclosed quote"), "{}", err(&o));
    assert!(!out.exists(), "nothing is written");
    let orders = dir.join("orders.csv");
    std::fs::write(&orders, "id,item,to\n1,h100,\"DE\n2,h100,CN\n").unwrap();
    let out = dir.join("results.csv");
    let o = check_book(&home, &orders, &out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("orders.csv:2"), "{}", err(&o));
    assert!(!out.exists(), "nothing is written");
}

/// A batch writes its results into a new file of its own beside the output
/// and moves it into place: an input or a file of the user's named as the
/// old fixed temporary name ("OUT.csv.tmp") is never written over or moved,
/// and an output that is a folder is refused before any row is screened,
/// leaving nothing behind.
#[test]
fn a_batch_writes_over_no_file_but_its_output() {
    let home = tmpdir("beside");
    let input = home.join("x.csv.tmp");
    std::fs::write(&input, "name\nHuawei\n").unwrap();
    let o = screen_batch(&home, &input, &home.join("x.txt"));
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), "name\nHuawei\n");
    assert!(std::fs::read_to_string(home.join("x.txt"))
        .unwrap()
        .contains("Huawei"));
    let mine = home.join("hits.csv.tmp");
    std::fs::write(&mine, "mine").unwrap();
    let o = screen_batch(&home, &input, &home.join("hits"));
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "mine");
    let folder = home.join("out");
    std::fs::create_dir(&folder).unwrap();
    let before: Vec<_> = std::fs::read_dir(&home).unwrap().collect();
    let o = screen_batch(&home, &input, &folder);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("is a folder"), "{}", err(&o));
    assert_eq!(std::fs::read_dir(&home).unwrap().count(), before.len());
    let o = screen_batch(&home, &input, &home.join("no/such/out.csv"));
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("no such folder"), "{}", err(&o));
}

/// A batch's output gets the mode any new file in its folder gets (not a
/// temporary file's owner-only one), and an output written over keeps its
/// own.
#[cfg(unix)]
#[test]
fn a_batch_output_gets_the_mode_of_a_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let home = tmpdir("mode");
    let input = home.join("in.csv");
    std::fs::write(&input, "name\nHuawei\n").unwrap();
    let plain = home.join("plain");
    std::fs::write(&plain, "").unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let out = home.join("hits.csv");
    let o = screen_batch(&home, &input, &out);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(mode(&out), mode(&plain));
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = screen_batch(&home, &input, &out);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(mode(&out), 0o640);
}
