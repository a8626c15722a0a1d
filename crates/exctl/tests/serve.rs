//! `exctl serve` as a user starts it: on a fresh home it creates the key
//! pair and the database, prints the URL and a first admin key, serves the
//! UI and the API, and on SIGTERM stops taking requests and exits cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn get(url: &str, key: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut r = agent.get(url);
    if let Some(k) = key {
        r = r.header("authorization", &format!("Bearer {k}"));
    }
    let mut resp = r.call().unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}

#[test]
fn serve_starts_on_a_fresh_home_prints_url_and_key_and_stops_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_exctl"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("EXCTL_HOME", home.path())
        .env("EXCTL_LISTS", home.path().join("lists"))
        .env_remove("EXCTL_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut key) = (None, None);
    let mut printed = Vec::new();
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
        printed.push(line);
    }
    let (url, key) = (url.unwrap(), key.unwrap());
    assert!(
        printed.iter().any(|l| l.contains("demo list")),
        "{printed:?}"
    );
    assert!(home.path().join("audit-signing-key.pk8").is_file());
    let (status, page) = get(&format!("{url}/"), None);
    assert_eq!(status, 200);
    assert!(page.contains("<title>exctl</title>"));
    assert_eq!(get(&format!("{url}/readyz"), None).0, 200);
    let (status, who) = get(&format!("{url}/api/v1/whoami"), Some(&key));
    assert_eq!(status, 200, "{who}");
    assert!(who.contains("\"role\":\"admin\""));
    // SIGTERM: graceful shutdown, exit status 0.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = status.expect("exited after SIGTERM");
    assert!(status.success(), "{status:?}");
    // A second start keeps the key pair and makes no new admin key.
    let out = Command::new(env!("CARGO_BIN_EXE_exctl"))
        .args(["keys", "list"])
        .env("EXCTL_HOME", home.path())
        .env_remove("EXCTL_DB")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().filter(|l| l.contains("first admin")).count(),
        1,
        "{text}"
    );
}
