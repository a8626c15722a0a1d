//! Order-book benchmark: `exctl impact` and `exctl check --input` on a
//! generated book of `BOOK_ROWS` orders (default 1,000,000), end to end
//! through the release binary; then a tenth as many orders that each name
//! an end user to screen, on one core and on every core. Prints rows per
//! second; asserts nothing.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

mod support;
use support::figure;

fn main() {
    let rows = support::size("BOOK_ROWS", 1_000_000, 200);
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/book-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("orders.csv");
    let items = [
        "h100",
        "h200",
        "h20",
        "b200",
        "a100",
        "a800",
        "rtx 4090",
        "rtx 4090d",
        "mi300x",
        "mi308x",
        "mi325x",
        "gaudi 3",
        "l40s",
        "l20",
        "ascend 910c",
        "tpu v5p",
        "dgx h100",
        "grok-3",
        "llama 3.1-405b",
    ];
    let countries = [
        "CN", "HK", "MO", "DE", "VN", "SA", "AE", "IL", "RU", "IR", "KR", "JP", "US", "SG", "IN",
        "MY", "TW", "BR",
    ];
    let end_uses = ["civil", "", "supercomputer"];
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    writeln!(f, "id,item,to,end_use,end_user_hq").unwrap();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let it = items[(x % items.len() as u64) as usize];
        let cc = countries[((x >> 8) % countries.len() as u64) as usize];
        let eu = end_uses[((x >> 16) % end_uses.len() as u64) as usize];
        let hq = if (x >> 24).is_multiple_of(4) {
            "CN"
        } else {
            cc
        };
        writeln!(f, "{i},{it},{cc},{eu},{hq}").unwrap();
    }
    drop(f);
    let exe = env!("CARGO_BIN_EXE_exctl");
    let t = Instant::now();
    let out = support::run(Command::new(exe).args([
        "impact",
        "--input",
        input.to_str().unwrap(),
        "--output",
        dir.join("impact.csv").to_str().unwrap(),
        "--from",
        "2025-04-08",
        "--to",
        "2026-01-20",
    ]));
    let s = t.elapsed().as_secs_f64();
    print!("{}", String::from_utf8_lossy(&out.stderr));
    figure(
        "exctl impact (two dates), rows/s",
        format!(
            "{:.0} ({rows} rows in {s:.2} s; target 1,000,000 rows < 10 s)",
            rows as f64 / s
        ),
    );
    let t = Instant::now();
    let out = support::run(Command::new(exe).args([
        "check",
        "--input",
        input.to_str().unwrap(),
        "--output",
        dir.join("results.csv").to_str().unwrap(),
        "--as-of",
        "2026-01-20",
        "--no-record",
    ]));
    let s = t.elapsed().as_secs_f64();
    print!("{}", String::from_utf8_lossy(&out.stderr));
    figure(
        "exctl check --input (not recorded), rows/s",
        format!("{:.0} ({rows} rows in {s:.2} s)", rows as f64 / s),
    );

    // Orders naming an end user: each row's party screened (demo list),
    // the work the cores share.
    let with_parties = (rows / 10).max(100);
    let parties_input = dir.join("orders-parties.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&parties_input).unwrap());
    writeln!(f, "id,item,to,end_user").unwrap();
    let names = [
        "Nordic", "Pacific", "Golden", "Alpine", "Lotus", "Aurora", "Cedar",
    ];
    let kinds = ["Trading", "Electronics", "Logistics", "Systems", "Devices"];
    for i in 0..with_parties {
        let party = if i % 10 == 0 {
            "Huawei Technologies Co. Ltd.".to_string()
        } else {
            format!(
                "{} {} {i}",
                names[i % names.len()],
                kinds[(i / 7) % kinds.len()]
            )
        };
        writeln!(
            f,
            "{i},{},{},{party}",
            items[i % items.len()],
            countries[i % countries.len()]
        )
        .unwrap();
    }
    drop(f);
    let mut seconds = Vec::new();
    for threads in ["1", ""] {
        let mut cmd = Command::new(exe);
        cmd.args([
            "check",
            "--input",
            parties_input.to_str().unwrap(),
            "--output",
            dir.join("results-parties.csv").to_str().unwrap(),
            "--as-of",
            "2026-01-20",
            "--list",
            "demo",
            "--no-record",
        ]);
        if threads.is_empty() {
            cmd.env_remove("RAYON_NUM_THREADS");
        } else {
            cmd.env("RAYON_NUM_THREADS", threads);
        }
        let t = Instant::now();
        support::run(&mut cmd);
        seconds.push(t.elapsed().as_secs_f64());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    figure(
        "exctl check --input with an end user per row (demo list), rows/s",
        format!(
            "1 core {:.0}; {cores} cores {:.0} ({:.2}× on {cores} cores; {with_parties} rows)",
            with_parties as f64 / seconds[0],
            with_parties as f64 / seconds[1],
            seconds[0] / seconds[1]
        ),
    );
}
