//! The HTTP API against a running server: the OpenAPI document, roles and
//! audited refusals, checks with parties, licences and shipments, bad
//! input, list refresh, webhooks, metrics and TLS.

mod common;

use common::{Options, Server};
use serde_json::{json, Value};

#[test]
fn the_openapi_document_matches_the_running_server() {
    let s = Server::start(Options::default());
    let (status, doc) = s.call("GET", "/openapi.json", None, None);
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 20, "{} paths", paths.len());
    // A held order is case 1; its evidence is event 2.
    let body = json!({"item": "h100", "to": "CN", "as_of": "2026-12-01"});
    assert_eq!(
        s.call("POST", "/api/v1/check", Some(&s.admin), Some(body))
            .0,
        200
    );
    let evidence = json!({"name": "a.txt", "base64": "YQ=="});
    let (status, f) = s.call(
        "POST",
        "/api/v1/cases/1/attach",
        Some(&s.admin),
        Some(evidence),
    );
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["events"][1]["id"], 2);
    let product = json!({"definition": {"kind": "ic", "name": "Acme"}});
    let (status, p) = s.call("POST", "/api/v1/products", Some(&s.admin), Some(product));
    assert_eq!(status, 201, "{p}");
    let holdings =
        json!({"file_name": "o.csv", "content": "owner_name,owned_name,percent\nHolder,Acme,60\n"});
    let (status, o) = s.call("POST", "/api/v1/owners", Some(&s.admin), Some(holdings));
    assert_eq!(status, 200, "{o}");
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let method = method.to_uppercase();
            assert!(
                op["responses"]["200"].is_object(),
                "{method} {path}: no 200 response"
            );
            let concrete = path
                .replace("{key_id}", "0000000000000000")
                .replace("{id}", "1")
                .replace("{event}", "2")
                .replace("{action}", "comment")
                .replace("{name}", "Acme");
            // Without a key every documented endpoint is refused, as JSON.
            let (status, body) = s.call(&method, &concrete, None, Some(json!({})));
            assert_eq!(status, 401, "{method} {path}: {body}");
            assert_eq!(body["error"], "no valid API key");
            // With the admin key, every documented GET exists and answers.
            if method == "GET" {
                let (status, body) = s.call("GET", &concrete, Some(&s.admin), None);
                assert_eq!(status, 200, "{method} {path}: {body}");
            }
        }
    }
    // The request schemas are in the document, with their fields.
    let check = &doc["components"]["schemas"]["CheckRequest"];
    for field in ["item", "to", "as_of", "end_user", "quantity", "ship"] {
        assert!(
            check["properties"][field].is_object(),
            "CheckRequest.{field}"
        );
    }
    assert_eq!(s.call("GET", "/no/such/path", None, None).0, 404);
}

#[test]
fn roles_allow_what_they_should_and_every_refusal_is_audited() {
    let s = Server::start(Options::default());
    let viewer = s.key("viewer", "auditor");
    let officer = s.key("officer", "erp");
    let check = json!({"item": "h100", "to": "DE"});
    let licence = json!({"jurisdiction": "us", "number": "D-ROLES", "holder": "Acme", "valid_from": "2026-01-01",
                         "valid_to": "2026-12-31", "items": ["h100"], "destinations": ["AE"], "quantity": 10});
    // Viewers read.
    assert_eq!(s.call("GET", "/api/v1/catalog", Some(&viewer), None).0, 200);
    assert_eq!(
        s.call(
            "POST",
            "/api/v1/classify",
            Some(&viewer),
            Some(json!({"item": "h100"}))
        )
        .0,
        200
    );
    assert_eq!(s.call("GET", "/api/v1/history", Some(&viewer), None).0, 200);
    // Viewers do not decide; officers do.
    assert_eq!(
        s.call("POST", "/api/v1/check", Some(&viewer), Some(check.clone()))
            .0,
        403
    );
    let (status, d) = s.call("POST", "/api/v1/check", Some(&officer), Some(check.clone()));
    assert_eq!(status, 200, "{d}");
    assert!(d["record"].as_i64().unwrap() > 0);
    // Officers do not manage licences or keys; admins do.
    assert_eq!(
        s.call(
            "POST",
            "/api/v1/licences",
            Some(&officer),
            Some(licence.clone())
        )
        .0,
        403
    );
    assert_eq!(s.call("GET", "/api/v1/keys", Some(&officer), None).0, 403);
    assert_eq!(
        s.call("POST", "/api/v1/licences", Some(&s.admin), Some(licence))
            .0,
        200
    );
    // A wrong or revoked key is no key.
    assert_eq!(
        s.call(
            "GET",
            "/api/v1/catalog",
            Some("exk_0000000000000000_00"),
            None
        )
        .0,
        401
    );
    let viewer_id = viewer.split('_').nth(1).unwrap().to_string();
    assert_eq!(
        s.call(
            "DELETE",
            &format!("/api/v1/keys/{viewer_id}"),
            Some(&s.admin),
            None
        )
        .0,
        200
    );
    assert_eq!(s.call("GET", "/api/v1/catalog", Some(&viewer), None).0, 401);
    // Every refusal is counted, per client and minute, naming keys and paths.
    let (_, refusals) = s.call("GET", "/api/v1/refusals", Some(&s.admin), None);
    let refusals = refusals.as_array().unwrap();
    let total = |status: &str| -> u64 {
        refusals
            .iter()
            .map(|r| r["statuses"][status].as_u64().unwrap_or(0))
            .sum()
    };
    assert_eq!(total("403"), 3, "{refusals:?}");
    assert_eq!(total("401"), 2, "{refusals:?}");
    let officer_id = officer.split('_').nth(1).unwrap();
    assert!(refusals.iter().any(|r| {
        r["paths"]
            .as_array()
            .unwrap()
            .contains(&json!("POST /api/v1/licences"))
            && r["key_ids"]
                .as_array()
                .unwrap()
                .contains(&json!(officer_id))
            && r["remote"] == "127.0.0.1"
    }));
    let (_, report) = s.call("GET", "/api/v1/audit/verify", Some(&officer), None);
    assert_eq!(report["ok"], true, "{report}");
    // The decision names who made it.
    let (_, h) = s.call("GET", "/api/v1/history?kind=check", Some(&officer), None);
    assert!(
        h[0]["actor"].as_str().unwrap().starts_with("api:erp"),
        "{h}"
    );
}

#[test]
fn checks_screen_parties_use_licences_and_draw_them_down_without_overdraw() {
    let s = Server::start(Options::default());
    let officer = s.key("officer", "erp");
    let licence = json!({"jurisdiction": "us", "number": "D-API-1", "holder": "Acme", "valid_from": "2026-01-01",
                         "valid_to": "2026-12-31", "items": ["h100"], "destinations": ["AE"], "quantity": 100});
    assert_eq!(
        s.call("POST", "/api/v1/licences", Some(&s.admin), Some(licence))
            .0,
        200
    );
    let ship = |reference: &str, quantity: u32| {
        json!({"item": "h100", "to": "AE", "as_of": "2026-06-01", "quantity": quantity, "ship": reference,
               "end_user": {"name": "Falcon Data LLC", "country": "AE"}, "jurisdictions": ["us"]})
    };
    let (status, d) = s.call(
        "POST",
        "/api/v1/check",
        Some(&officer),
        Some(ship("PO-1", 60)),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["overall"], "authorized");
    assert_eq!(d["shipments"][0]["remaining"]["quantity"], 40.0);
    // 41 of the 40 left: not authorised, so not shipped, and nothing drawn.
    let (status, d) = s.call(
        "POST",
        "/api/v1/check",
        Some(&officer),
        Some(ship("PO-2", 41)),
    );
    // A conflict with what is on record; the check itself is recorded.
    assert_eq!(status, 409, "{d}");
    assert!(d["error"].as_str().unwrap().contains("not shipped"));
    assert!(d["record"].as_i64().is_some_and(|id| id > 0), "{d}");
    // Concurrent shipments of 1 unit: exactly the 40 left go through.
    let results = common::in_parallel(8, 6, |t, n| {
        let body = json!({"licence": "us:D-API-1", "reference": format!("C-{t}-{n}"), "quantity": 1, "date": "2026-06-01"});
        s.call("POST", "/api/v1/shipments", Some(&officer), Some(body))
            .0
    });
    assert_eq!(
        results.iter().filter(|s| **s == 200).count(),
        40,
        "{results:?}"
    );
    assert_eq!(results.iter().filter(|s| **s == 409).count(), 8);
    let (_, l) = s.call("GET", "/api/v1/licences", Some(&officer), None);
    assert_eq!(l[0]["drawn"]["quantity"], 100.0);
    // A listed end user: the licence does not name it, so a licence is required.
    let (_, d) = s.call(
        "POST",
        "/api/v1/check",
        Some(&officer),
        Some(json!({
        "item": "h100", "to": "AE", "as_of": "2026-06-01", "jurisdictions": ["us"],
        "end_user": {"name": "Huawei Technologies", "country": "CN"}})),
    );
    assert_eq!(d["overall"], "license_required", "{d}");
    assert!(d["party_hits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["list"] == "EL"));
    // Many recorded checks at once: every one recorded once, the trail whole.
    let ids = common::in_parallel(8, 25, |_, _| {
        let (_, d) = s.call(
            "POST",
            "/api/v1/check",
            Some(&officer),
            Some(json!({"item": "a100", "to": "VN"})),
        );
        d["record"].as_i64().unwrap()
    });
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 200);
    let (_, h) = s.call(
        "GET",
        "/api/v1/history?item=a100&limit=1000",
        Some(&officer),
        None,
    );
    assert_eq!(h.as_array().unwrap().len(), 200);
    let (_, report) = s.call("GET", "/api/v1/audit/verify", Some(&officer), None);
    assert_eq!(report["ok"], true, "{report}");
}

#[test]
fn bad_requests_get_clear_json_errors_and_change_nothing() {
    let s = Server::start(Options {
        body_limit: 64 * 1024,
        ..Options::default()
    });
    let officer = s.key("officer", "erp");
    let before = s
        .call("GET", "/api/v1/history", Some(&officer), None)
        .1
        .as_array()
        .unwrap()
        .len();
    let cases: Vec<(String, u16, &str)> = vec![
        ("{not json".into(), 400, "JSON"),
        (json!({"item": "h100"}).to_string(), 400, "missing field `to`"),
        (json!({"item": "h100", "to": "DE", "colour": "red"}).to_string(), 400, "unknown field `colour`"),
        (json!({"item": "h100", "to": "DE", "end_user": {"name": "A", "owners": [{"name": "B", "percent": "most"}]}}).to_string(), 400, "end_user.owners[0].percent"),
        (json!({"item": "h100", "to": 5}).to_string(), 400, "to: invalid type"),
        (json!({"item": "no-such-chip", "to": "DE"}).to_string(), 400, "no-such-chip"),
        (json!({"item": "h100", "to": "ZZ"}).to_string(), 400, "ZZ"),
        (json!({"item": "h100", "to": "DE", "quantity": -1}).to_string(), 400, "quantity"),
        (json!({"item": "h100", "to": "DE", "end_user": {"name": "A", "owners": [{"name": "B", "percent": 120}]}}).to_string(), 400, "percentage"),
        (format!("{{\"item\": \"{}\", \"to\": \"DE\"}}", "x".repeat(70 * 1024)), 413, "limit of 65536 bytes"),
    ];
    for (body, want, says) in cases {
        let (status, text) = s.raw("POST", "/api/v1/check", Some(&officer), Some(body.clone()));
        assert_eq!(status, want, "{}: {text}", &body[..body.len().min(80)]);
        {
            let v: Value = serde_json::from_str(&text).expect("errors are JSON");
            let msg = v["error"].as_str().unwrap();
            assert!(msg.contains(says), "{msg:?} should say {says:?}");
            assert!(
                !msg.contains("panicked") && !msg.contains(".rs:"),
                "no internals: {msg}"
            );
        }
    }
    let after = s
        .call("GET", "/api/v1/history", Some(&officer), None)
        .1
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing recorded");
    // Shipments against unknown licences are refused, nothing drawn.
    let (status, v) = s.call(
        "POST",
        "/api/v1/shipments",
        Some(&officer),
        Some(json!({"licence": "us:NOPE", "reference": "R", "quantity": 1})),
    );
    assert_eq!(status, 409, "{v}");
    // A bad query parameter is a JSON 400 naming it.
    let (status, v) = s.call(
        "GET",
        "/api/v1/history?from=yesterday",
        Some(&officer),
        None,
    );
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("from"), "{v}");
    // Key names: empty or multi-line is bad input (400), not a conflict.
    for name in ["", "  ", "two\nlines"] {
        let (status, v) = s.call(
            "POST",
            "/api/v1/keys",
            Some(&s.admin),
            Some(json!({"role": "viewer", "name": name})),
        );
        assert_eq!(status, 400, "{name:?}: {v}");
        assert!(v["error"].as_str().unwrap().starts_with("name:"), "{v}");
    }
}

#[test]
fn refusals_are_rate_limited_and_written_once_per_client_per_window() {
    let window = std::time::Duration::from_millis(400);
    let s = Server::start(Options {
        refusal_window: window,
        refusal_rate: exctl_server::refusals::Rate {
            burst: 10,
            per_minute: 0,
        },
        ..Options::default()
    });
    let officer = s.key("officer", "erp");
    let before: i64 = audit_entries(&s);
    // A flood without a key: ten refusals, then 429s, all JSON.
    let statuses: Vec<u16> = (0..100)
        .map(|i| {
            let (status, v) = s.call("GET", &format!("/api/v1/catalog?n={i}"), None, None);
            assert!(v["error"].is_string(), "{v}");
            status
        })
        .collect();
    assert_eq!(statuses.iter().filter(|&&x| x == 401).count(), 10);
    assert_eq!(statuses.iter().filter(|&&x| x == 429).count(), 90);
    // A wrong secret for a real key id is a refusal of that key too.
    let officer_id = officer.split('_').nth(1).unwrap().to_string();
    assert_eq!(
        s.call(
            "GET",
            "/api/v1/catalog",
            Some(&format!("exk_{officer_id}_00")),
            None
        )
        .0,
        429,
        "the address is past its rate"
    );
    // A valid key from the same address is never held back.
    assert_eq!(
        s.call("GET", "/api/v1/catalog", Some(&officer), None).0,
        200
    );
    // The windows close and are written: every refusal counted, each
    // client's window once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let rows = loop {
        let (_, v) = s.call("GET", "/api/v1/refusals", Some(&s.admin), None);
        let rows = v.as_array().unwrap().clone();
        let recorded: u64 = rows
            .iter()
            .filter(|r| r["recorded"] == true)
            .map(|r| r["count"].as_u64().unwrap())
            .sum();
        if recorded == 101 || std::time::Instant::now() > deadline {
            break rows;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let recorded: Vec<&Value> = rows.iter().filter(|r| r["recorded"] == true).collect();
    let count: u64 = recorded.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    let limited: u64 = recorded
        .iter()
        .map(|r| r["limited"].as_u64().unwrap())
        .sum();
    assert_eq!((count, limited), (101, 91), "{rows:?}");
    let window_of = |t: &Value| {
        chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
            .unwrap()
            .timestamp_millis()
            / window.as_millis() as i64
    };
    let mut windows = std::collections::BTreeSet::new();
    for r in &recorded {
        assert_eq!(window_of(&r["first_at"]), window_of(&r["last_at"]), "{r}");
        assert!(
            windows.insert((r["remote"].to_string(), window_of(&r["first_at"]))),
            "one row per client per window: {rows:?}"
        );
        assert!(r["paths"].as_array().unwrap().len() <= 32);
    }
    assert!(recorded.iter().any(|r| r["key_ids"]
        .as_array()
        .unwrap()
        .contains(&json!(officer_id))));
    // Each window is one audit entry, and the trail verifies.
    assert_eq!(audit_entries(&s) - before, recorded.len() as i64);
    let (_, report) = s.call("GET", "/api/v1/audit/verify", Some(&s.admin), None);
    assert_eq!(report["ok"], true, "{report}");
    let (_, metrics) = s.raw("GET", "/metrics", None, None);
    assert!(
        metrics.contains("exctl_rate_limited_requests_total 91"),
        "{metrics}"
    );
    assert!(metrics.contains("exctl_refused_requests_total{status=\"401\"} 10"));
    assert!(metrics.contains(&format!("exctl_refusal_windows_total {}", recorded.len())));
}

/// Entries in the audit trail, as the verification counts them.
fn audit_entries(s: &Server) -> i64 {
    let (_, report) = s.call("GET", "/api/v1/audit/verify", Some(&s.admin), None);
    report["entries"].as_i64().expect("entries in the report")
}

/// A check body of about `bytes` bytes: within every field limit but the
/// end use's, which says so with a 400 once the body is read.
fn body_of(bytes: usize) -> String {
    format!(
        "{{\"item\": \"h100\", \"to\": \"DE\", \"end_use\": \"{}\"}}",
        "x".repeat(bytes)
    )
}

#[test]
fn the_body_limit_is_ours_at_the_default_and_when_raised_and_answers_json() {
    let cases = [
        (exctl_server::DEFAULT_BODY_LIMIT, 4 << 20),
        (12 << 20, 12 << 20),
    ];
    for (limit, expected) in cases {
        assert_eq!(limit, expected, "the documented default is 4 MiB");
        let s = Server::start(Options {
            body_limit: limit,
            ..Options::default()
        });
        let officer = s.key("officer", "erp");
        // Past axum's own 2 MiB default and under ours: read, then judged.
        let (status, text) = s.raw(
            "POST",
            "/api/v1/check",
            Some(&officer),
            Some(body_of(limit - 4096)),
        );
        assert_eq!(status, 400, "{limit}: {}", &text[..text.len().min(200)]);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v["error"].as_str().unwrap().contains("end_use"), "{v}");
        // Past ours: a JSON 413 that names the limit.
        let (status, text) = s.raw(
            "POST",
            "/api/v1/check",
            Some(&officer),
            Some(body_of(limit + 1)),
        );
        assert_eq!(status, 413);
        let v: Value = serde_json::from_str(&text).expect("413 is JSON");
        assert!(
            v["error"].as_str().unwrap().contains(&limit.to_string()),
            "{v}"
        );
    }
}

#[test]
fn oversized_parties_owners_and_batches_are_refused_naming_field_and_limit() {
    let s = Server::start(Options {
        body_limit: exctl_server::DEFAULT_BODY_LIMIT,
        ..Options::default()
    });
    let officer = s.key("officer", "erp");
    let owners: Vec<Value> = (0..40_000)
        .map(|i| json!({"name": format!("Owner {i}"), "percent": 0.0025}))
        .collect();
    let cases = [
        (
            json!({"item": "h100", "to": "DE", "end_user": {"name": "Acme", "owners": owners}}),
            "end_user.owners",
            "100",
        ),
        (
            json!({"item": "h100", "to": "DE", "consignee": {"name": "n".repeat(1_900_000)}}),
            "consignee.name",
            "4096",
        ),
        (
            json!({"item": "h100", "to": "DE", "intermediates": (0..40).map(|i| json!({"name": format!("Hop {i}")})).collect::<Vec<_>>()}),
            "parties",
            "32",
        ),
    ];
    for (body, field, limit) in cases {
        for path in ["/api/v1/check", "/api/v1/check/batch"] {
            let body = if path.ends_with("batch") {
                json!({"checks": [body.clone()]})
            } else {
                body.clone()
            };
            let (status, v) = s.call("POST", path, Some(&officer), Some(body));
            let error = if path.ends_with("batch") {
                assert_eq!(status, 200, "{path}: {v}");
                assert_eq!(v["results"][0]["status"], 400, "{v}");
                v["results"][0]["error"].clone()
            } else {
                assert_eq!(status, 400, "{path}: {v}");
                v["error"].clone()
            };
            let error = error.as_str().unwrap();
            assert!(error.contains(field) && error.contains(limit), "{error}");
        }
    }
    let rows: Vec<Value> = (0..1001)
        .map(|_| json!({"item": "h100", "to": "DE"}))
        .collect();
    let (status, v) = s.call(
        "POST",
        "/api/v1/check/batch",
        Some(&officer),
        Some(json!({"checks": rows})),
    );
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("1000"), "{v}");
    let rows: Vec<Value> = (0..1001).map(|_| json!({"name": "Acme"})).collect();
    let (status, v) = s.call(
        "POST",
        "/api/v1/screen/batch",
        Some(&officer),
        Some(json!({"parties": rows})),
    );
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("parties"), "{v}");
    // Nothing of it was recorded.
    let (_, h) = s.call("GET", "/api/v1/history", Some(&officer), None);
    assert_eq!(h.as_array().unwrap().len(), 0, "{h}");
}

/// Starts a server that must fail; its home afterwards.
fn failed_start(
    opts: Options,
    change: impl FnOnce(&mut exctl_server::Config),
) -> (String, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut config = common::config(home.path(), &opts);
    change(&mut config);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let announced = std::cell::Cell::new(false);
    let r = rt.block_on(exctl_server::serve(config, |_| announced.set(true)));
    assert!(!announced.get(), "a failed start announces nothing");
    (format!("{:#}", r.expect_err("the start fails")), home)
}

fn keys_on_file(home: &std::path::Path) -> usize {
    let place = exctl_app::instance::Place {
        home: Some(home.to_path_buf()),
        db: None,
        user: None,
    };
    if !place.key_path().exists() {
        return 0;
    }
    let rt = exctl_app::instance::runtime().unwrap();
    let store = place.open(&rt).unwrap();
    rt.block_on(store.api_keys()).unwrap().len()
}

#[test]
fn a_failed_start_leaves_no_admin_key_behind() {
    // TLS files that are not there.
    let (error, home) = failed_start(Options::default(), |c| {
        c.tls = Some(("no-such-cert.pem".into(), "no-such-key.pem".into()))
    });
    assert!(error.contains("no-such-cert.pem"), "{error}");
    assert_eq!(keys_on_file(home.path()), 0);
    // An address already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (error, home) = failed_start(Options::default(), |c| c.addr = taken.local_addr().unwrap());
    assert!(error.contains("binding"), "{error}");
    assert_eq!(keys_on_file(home.path()), 0);
    // A webhook URL that is not http(s): refused before anything is made.
    for url in [
        "file:///etc/passwd",
        "not a url",
        "ftp://example.org/x",
        "http://",
        "https://user:secret@example.org/hook",
    ] {
        let (error, home) = failed_start(
            Options {
                webhooks: vec![url.to_string()],
                ..Options::default()
            },
            |_| {},
        );
        assert!(error.contains("webhook"), "{url}: {error}");
        assert_eq!(keys_on_file(home.path()), 0, "{url}");
    }
}

#[test]
fn a_list_refresh_swaps_atomically_and_a_failed_one_keeps_serving() {
    let s = Server::start(Options {
        lists: Vec::new(),
        ..Options::default()
    });
    let officer = s.key("officer", "erp");
    let own = s.lists.join("own.csv");
    std::fs::write(
        &own,
        "name,aliases,country,list,note\nNorthwind Photonics,,CN,EL,test entry\n",
    )
    .unwrap();
    let (status, v) = s.call("POST", "/api/v1/lists/refresh", Some(&s.admin), None);
    assert_eq!(status, 200, "{v}");
    let first = v["version"].as_str().unwrap().to_string();
    assert_eq!(v["demo"], false);
    let screen = |name: &str| {
        s.call(
            "POST",
            "/api/v1/screen",
            Some(&officer),
            Some(json!({"name": name, "record": false})),
        )
        .1
    };
    assert_eq!(
        screen("Northwind Photonics")["matches"][0]["name"],
        "Northwind Photonics"
    );
    // A new version with a second entry.
    std::fs::write(&own, "name,aliases,country,list,note\nNorthwind Photonics,,CN,EL,test entry\nBadger Semiconductor Trading,,HK,EL,test\n").unwrap();
    let (_, v) = s.call("POST", "/api/v1/lists/refresh", Some(&s.admin), None);
    let second = v["version"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(
        screen("Badger Semiconductor Trading")["list_version"]["hash"],
        second.as_str()
    );
    // A broken file: the refresh fails, the second version keeps serving, and health says so.
    std::fs::write(&own, "this is not,a list\n\"unterminated\n").unwrap();
    let (status, v) = s.call("POST", "/api/v1/lists/refresh", Some(&s.admin), None);
    assert_eq!(status, 502, "{v}");
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("previous lists keep serving"));
    assert_eq!(
        screen("Badger Semiconductor Trading")["list_version"]["hash"],
        second.as_str()
    );
    let (_, health) = s.call("GET", "/healthz", None, None);
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["lists"]["version"], second.as_str());
    let (_, metrics) = s.raw("GET", "/metrics", None, None);
    assert!(metrics.contains("exctl_list_refresh_ok 0"), "{metrics}");
    assert!(metrics.contains("exctl_list_refresh_failures_total 1"));
    assert!(metrics.contains(&format!("exctl_list_info{{version=\"{second}\"")));
    assert!(metrics.contains("exctl_list_age_seconds"));
    assert!(metrics.contains(
        "exctl_http_requests_total{route=\"/api/v1/screen\",method=\"POST\",status=\"200\"}"
    ));
    assert!(metrics.contains("exctl_outcomes_total{kind=\"screen\",outcome=\"hit\"}"));
    assert!(metrics.contains(
        "exctl_http_request_duration_seconds_bucket{le=\"+Inf\",route=\"/api/v1/screen\"}"
    ));
}

/// Reads one HTTP request from `stream`, answers `status` (with `extra`
/// headers) and gives back the request's headers and body.
fn answer_hook<S: std::io::Read + std::io::Write>(
    stream: S,
    status: &str,
    extra: &str,
) -> (String, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::new(stream);
    let mut headers = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        headers.push_str(&line);
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let stream = reader.get_mut();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\n{extra}content-length: 0\r\nconnection: close\r\n\r\n"
    );
    let _ = stream.flush();
    (headers, String::from_utf8_lossy(&body).into_owned())
}

/// A webhook receiver on `listener` that answers `status(n)` to the n-th
/// request; it hands back every request it saw.
fn receiver_on(
    listener: std::net::TcpListener,
    status: impl Fn(usize) -> (String, String) + Send + 'static,
) -> std::sync::mpsc::Receiver<(String, String)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let (status, extra) = status(n);
            let _ = tx.send(answer_hook(stream, &status, &extra));
        }
    });
    rx
}

/// A webhook receiver on loopback that answers 500 to the first `fail`
/// deliveries and 200 after; it hands back every request it saw.
fn receiver(fail: usize) -> (String, std::sync::mpsc::Receiver<(String, String)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let rx = receiver_on(listener, move |n| {
        let status = if n < fail {
            "500 Internal Server Error"
        } else {
            "200 OK"
        };
        (status.to_string(), String::new())
    });
    (url, rx)
}

/// A webhook receiver over TLS with the test certificate for `localhost`.
fn tls_receiver() -> (String, std::sync::mpsc::Receiver<(String, String)>) {
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<_> =
        rustls::pki_types::CertificateDer::pem_file_iter(common::fixture("test-cert.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key =
        rustls::pki_types::PrivateKeyDer::from_pem_file(common::fixture("test-key.pem")).unwrap();
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://localhost:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let tls = rustls::StreamOwned::new(conn, stream);
            let _ = tx.send(answer_hook(tls, "200 OK", ""));
        }
    });
    (url, rx)
}

fn metric(s: &Server, line: &str) -> u64 {
    let (_, metrics) = s.raw("GET", "/metrics", None, None);
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(line).map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0)
}

/// Waits (up to a minute) until `ok` holds.
fn eventually(what: &str, ok: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !ok() {
        assert!(std::time::Instant::now() < deadline, "waited for {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn licence(number: &str) -> Value {
    json!({"jurisdiction": "us", "number": number, "holder": "Acme", "valid_from": "2026-01-01",
           "valid_to": "2026-12-31", "items": ["h100"], "destinations": ["AE"], "quantity": 5})
}

#[test]
fn webhooks_follow_no_redirect_and_a_3xx_is_a_failed_delivery() {
    let (target, seen_by_target) = receiver(0);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = receiver_on(listener, move |_| {
        ("302 Found".to_string(), format!("location: {target}\r\n"))
    });
    let s = Server::start(Options {
        webhooks: vec![url],
        webhook_attempts: 2,
        ..Options::default()
    });
    let (status, _) = s.call(
        "POST",
        "/api/v1/licences",
        Some(&s.admin),
        Some(licence("D-REDIR")),
    );
    assert_eq!(status, 200);
    eventually("the delivery given up", || {
        metric(&s, "exctl_webhook_deliveries_total{result=\"given_up\"}") == 1
    });
    assert_eq!(
        seen.try_iter().count(),
        2,
        "two attempts, both answered 302"
    );
    assert_eq!(
        metric(&s, "exctl_webhook_deliveries_total{result=\"failed\"}"),
        2
    );
    assert_eq!(
        metric(&s, "exctl_webhook_deliveries_total{result=\"delivered\"}"),
        0
    );
    assert!(
        seen_by_target.try_recv().is_err(),
        "the signed request never reached the redirect's target"
    );
}

#[test]
fn webhooks_reach_https_receivers_that_chain_to_the_ca_given() {
    let (url, seen) = tls_receiver();
    let s = Server::start(Options {
        webhooks: vec![url],
        webhook_ca: Some(common::fixture("test-ca.pem")),
        ..Options::default()
    });
    let (status, _) = s.call(
        "POST",
        "/api/v1/licences",
        Some(&s.admin),
        Some(licence("D-TLS")),
    );
    assert_eq!(status, 200);
    let (headers, body) = seen
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a delivery over TLS");
    assert!(
        headers.contains("x-exctl-event: licence.added"),
        "{headers}"
    );
    assert!(body.contains("D-TLS"), "{body}");
    eventually("delivered", || {
        metric(&s, "exctl_webhook_deliveries_total{result=\"delivered\"}") == 1
    });
}

#[test]
fn undelivered_webhooks_survive_a_restart_and_are_resumed() {
    // A receiver that is not there yet: the port is free.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let first = Server::start(Options {
        webhooks: vec![url.clone()],
        webhook_attempts: 50,
        ..Options::default()
    });
    let (status, _) = first.call(
        "POST",
        "/api/v1/licences",
        Some(&first.admin),
        Some(licence("D-RESTART")),
    );
    assert_eq!(status, 200);
    eventually("a failed attempt", || {
        metric(&first, "exctl_webhook_deliveries_total{result=\"failed\"}") >= 1
    });
    let admin = first.admin.clone();
    let home = first.stop();
    // The receiver comes up; a new server on the same records resumes.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let seen = receiver_on(listener, |_| ("200 OK".to_string(), String::new()));
    let second = Server::start(Options {
        webhooks: vec![url],
        home: Some(home),
        admin: Some(admin),
        ..Options::default()
    });
    let (headers, body) = seen
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the delivery resumed");
    assert!(
        headers.contains("x-exctl-event: licence.added"),
        "{headers}"
    );
    assert!(body.contains("D-RESTART"), "{body}");
    eventually("delivered", || {
        metric(
            &second,
            "exctl_webhook_deliveries_total{result=\"delivered\"}",
        ) == 1
    });
}

#[test]
fn licence_events_and_rescreen_alerts_reach_webhooks_signed_and_retried() {
    let (url, seen) = receiver(1);
    let s = Server::start(Options {
        webhooks: vec![url],
        lists: Vec::new(),
        ..Options::default()
    });
    let officer = s.key("officer", "erp");
    let licence = json!({"jurisdiction": "us", "number": "D-HOOK", "holder": "Acme", "valid_from": "2026-01-01",
                         "valid_to": "2026-12-31", "items": ["h100"], "destinations": ["AE"], "quantity": 5});
    assert_eq!(
        s.call("POST", "/api/v1/licences", Some(&s.admin), Some(licence))
            .0,
        200
    );
    let wait = || {
        seen.recv_timeout(std::time::Duration::from_secs(20))
            .expect("a delivery")
    };
    // licence.added: refused once (500), delivered on the retry.
    let (h1, b1) = wait();
    let (h2, b2) = wait();
    assert!(h1.contains("x-exctl-event: licence.added"), "{h1}");
    assert_eq!(b1, b2, "the retry sends the same signed body");
    let key_text = std::fs::read_to_string(s.home.path().join("audit-public-key.txt")).unwrap();
    let public = exctl_records::keys::parse_public_key_file(&key_text).unwrap();
    let header = |h: &str, name: &str| {
        h.lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with(name)
                    .then(|| l.split_once(':').unwrap().1.trim().to_string())
            })
            .unwrap()
    };
    let sig = hex::decode(header(&h2, "x-exctl-signature").trim()).unwrap();
    assert!(
        exctl_records::keys::verify(&public, b2.as_bytes(), &sig),
        "signed by the instance key"
    );
    assert!(!exctl_records::keys::verify(
        &public,
        b2.replace("D-HOOK", "D-H00K").as_bytes(),
        &sig
    ));
    // Drawing it to zero sends licence.drawn and licence.exhausted.
    let (status, _) = s.call(
        "POST",
        "/api/v1/shipments",
        Some(&officer),
        Some(
            json!({"licence": "us:D-HOOK", "reference": "R1", "quantity": 5, "date": "2026-06-01"}),
        ),
    );
    assert_eq!(status, 200);
    let events: Vec<String> = (0..2).map(|_| header(&wait().0, "x-exctl-event")).collect();
    assert!(events.contains(&"licence.drawn".to_string()), "{events:?}");
    assert!(
        events.contains(&"licence.exhausted".to_string()),
        "{events:?}"
    );
    let (_, metrics) = s.raw("GET", "/metrics", None, None);
    assert!(
        metrics.contains("exctl_webhook_deliveries_total{result=\"failed\"} 1"),
        "{metrics}"
    );
}

#[test]
fn tls_offers_the_post_quantum_hybrid_first() {
    use std::io::{Read, Write};
    let s = Server::start(Options {
        tls: true,
        ..Options::default()
    });
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(common::fixture("test-ca.pem")).unwrap();
    use rustls::pki_types::pem::PemObject;
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let addr = s.url.trim_start_matches("https://").to_string();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    write!(
        tls,
        "GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = tls.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The test server screens against the demo list: degraded, and says why.
    assert!(answer.contains("\"status\":\"degraded\""), "{answer}");
    assert!(answer.contains("bundled demo list"), "{answer}");
    assert_eq!(
        conn.negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
        Some("X25519MLKEM768".to_string())
    );
    assert_eq!(
        conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
}

#[test]
fn two_instances_on_one_postgresql_database_share_licences_and_the_trail() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(url) = rt.block_on(common::fresh_postgres("multi")) else {
        eprintln!("DATABASE_URL not set: PostgreSQL part skipped (scripts/test starts a server)");
        return;
    };
    let a = Server::start(Options {
        db: Some(url.clone()),
        ..Options::default()
    });
    let b = Server::start(Options {
        db: Some(url),
        admin: Some(a.admin.clone()),
        ..Options::default()
    });
    let officer = a.key("officer", "erp");
    // One key works on both: they share the records.
    assert_eq!(b.call("GET", "/api/v1/whoami", Some(&officer), None).0, 200);
    let licence = json!({"jurisdiction": "us", "number": "D-PG-1", "holder": "Acme", "valid_from": "2026-01-01",
                         "valid_to": "2026-12-31", "items": ["h100"], "destinations": ["AE"], "quantity": 30});
    assert_eq!(
        a.call("POST", "/api/v1/licences", Some(&a.admin), Some(licence))
            .0,
        200
    );
    // Shipments of 1 unit through both instances at once: exactly 30 go.
    let ok = common::in_parallel(6, 8, |t, n| {
        let server = if t % 2 == 0 { &a } else { &b };
        let body = json!({"licence": "us:D-PG-1", "reference": format!("PG-{t}-{n}"), "quantity": 1, "date": "2026-06-01"});
        server.call("POST", "/api/v1/shipments", Some(&officer), Some(body)).0
    })
    .into_iter()
    .filter(|s| *s == 200)
    .count();
    assert_eq!(ok, 30);
    for s in [&a, &b] {
        for _ in 0..10 {
            let (status, _) = s.call(
                "POST",
                "/api/v1/check",
                Some(&officer),
                Some(json!({"item": "h20", "to": "CN"})),
            );
            assert_eq!(status, 200);
        }
    }
    let (_, h) = b.call("GET", "/api/v1/history?item=h20", Some(&officer), None);
    assert_eq!(h.as_array().unwrap().len(), 20);
    // One chain, sealed by two keys, verifies whole.
    let (_, report) = a.call("GET", "/api/v1/audit/verify", Some(&officer), None);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["keys"].as_array().unwrap().len(), 2);
}

#[test]
fn batches_answer_each_row_on_its_own() {
    let s = Server::start(Options::default());
    let officer = s.key("officer", "erp");
    let (status, v) = s.call("POST", "/api/v1/check/batch", Some(&officer), Some(json!({"checks": [
        {"item": "h100", "to": "CN"},
        {"item": "no-such-chip", "to": "CN"},
        {"item": "h20", "to": "DE", "end_user": {"name": "Huawei Technologies", "country": "CN"}}
    ]})));
    assert_eq!(status, 200, "{v}");
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["result"]["overall"], "prohibited");
    assert_eq!(
        (rows[1]["ok"].clone(), rows[1]["status"].clone()),
        (json!(false), json!(400))
    );
    assert!(rows[1]["error"].as_str().unwrap().contains("no-such-chip"));
    assert!(rows[2]["result"]["party_hits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["list"] == "EL"));
    let (_, h) = s.call("GET", "/api/v1/history?kind=check", Some(&officer), None);
    assert_eq!(
        h.as_array().unwrap().len(),
        2,
        "the two good rows are recorded"
    );
    let (_, v) = s.call(
        "POST",
        "/api/v1/screen/batch",
        Some(&officer),
        Some(json!({"parties": [
            {"name": "Hikvision"}, {"name": ""}, {"name": "Иван Петров", "record": false}
        ]})),
    );
    let rows = v["results"].as_array().unwrap();
    assert!(rows[0]["result"]["matches"][0]["name"]
        .as_str()
        .unwrap()
        .contains("Hikvision"));
    assert_eq!(rows[1]["status"], 400);
    assert!(
        rows[2]["result"]["record"].is_null(),
        "not recorded when asked not to"
    );
    let too_many: Vec<Value> = (0..1001).map(|_| json!({"name": "x"})).collect();
    let (status, _) = s.call(
        "POST",
        "/api/v1/screen/batch",
        Some(&officer),
        Some(json!({"parties": too_many})),
    );
    assert_eq!(status, 400);
}

#[test]
fn a_list_refresh_that_lost_entries_is_refused_unless_forced() {
    let s = Server::start(Options {
        lists: Vec::new(),
        ..Options::default()
    });
    let own = s.lists.join("own.csv");
    let rows = |n: usize| {
        let mut t = String::from("name,aliases,country,list,note\n");
        for i in 0..n {
            t.push_str(&format!("Listed Trading Company {i},,CN,EL,test\n"));
        }
        t
    };
    std::fs::write(&own, rows(36)).unwrap();
    let (status, v) = s.call("POST", "/api/v1/lists/refresh", Some(&s.admin), None);
    assert_eq!(status, 200, "{v}");
    let full = v["version"].as_str().unwrap().to_string();
    // Cut at a row boundary: it parses, but lost 25 of 36 entries.
    std::fs::write(&own, rows(11)).unwrap();
    let (status, v) = s.call("POST", "/api/v1/lists/refresh", Some(&s.admin), None);
    assert_eq!(status, 409, "{v}");
    let e = v["error"].as_str().unwrap();
    assert!(e.contains("11 entries") && e.contains("36"), "{e}");
    let (_, lists) = s.call("GET", "/api/v1/lists", Some(&s.admin), None);
    assert_eq!(lists["version"], full.as_str());
    assert_eq!(lists["entries"], 36 + designated_entries(&s));
    // An officer who knows the delisting is real forces it.
    let (status, v) = s.call(
        "POST",
        "/api/v1/lists/refresh?force=true",
        Some(&s.admin),
        None,
    );
    assert_eq!(status, 200, "{v}");
    assert_ne!(v["version"], full.as_str());
    // With the configured list gone, no refresh falls back to the demo list.
    std::fs::remove_file(&own).unwrap();
    for path in ["/api/v1/lists/refresh", "/api/v1/lists/refresh?force=true"] {
        let (status, v) = s.call("POST", path, Some(&s.admin), None);
        assert_eq!(status, 502, "{path}: {v}");
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("demo list never replaces"),
            "{v}"
        );
    }
    let (_, lists) = s.call("GET", "/api/v1/lists", Some(&s.admin), None);
    assert_eq!(lists["demo"], false);
    let (_, health) = s.call("GET", "/healthz", None, None);
    assert_eq!(health["status"], "degraded");
}

/// Entries the packs designate themselves, served beside every list.
fn designated_entries(s: &Server) -> u64 {
    let (_, v) = s.call("GET", "/api/v1/lists", Some(&s.admin), None);
    v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|src| !src["file"].as_str().unwrap_or("").ends_with("own.csv"))
        .map(|src| src["entries"].as_u64().unwrap())
        .sum()
}

/// The signed head for viewers, and history newest first in pages.
#[test]
fn the_audit_head_is_signed_and_history_pages_through_a_cursor() {
    let s = Server::start(Options::default());
    let viewer = s.key("viewer", "anchor");
    let officer = s.key("officer", "pager");
    for _ in 0..3 {
        let (status, v) = s.call(
            "POST",
            "/api/v1/check",
            Some(&officer),
            Some(json!({"item": "h100", "to": "DE"})),
        );
        assert_eq!(status, 200, "{v}");
    }
    assert_eq!(s.call("GET", "/api/v1/audit/head", None, None).0, 401);
    let (status, head) = s.call("GET", "/api/v1/audit/head", Some(&viewer), None);
    assert_eq!(status, 200, "{head}");
    let checkpoint: exctl_records::Checkpoint = serde_json::from_value(head.clone()).unwrap();
    let key = std::fs::read_to_string(s.home.path().join("audit-public-key.txt")).unwrap();
    let key = exctl_records::keys::parse_public_key_file(&key).unwrap();
    assert!(checkpoint.signed_by(&key), "{head}");
    let (_, report) = s.call("GET", "/api/v1/audit/verify", Some(&viewer), None);
    assert!(checkpoint.entries > 0);
    assert!(report["entries"].as_i64().unwrap() >= checkpoint.entries);
    // Two at a time, newest first, the next page named by X-Next-Before.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let page = |before: Option<&str>| {
        let url = format!(
            "{}/api/v1/history?kind=check&limit=2{}",
            s.url,
            before.map(|b| format!("&before={b}")).unwrap_or_default()
        );
        let mut r = agent
            .get(&url)
            .header("authorization", &format!("Bearer {viewer}"))
            .call()
            .unwrap();
        let next = r
            .headers()
            .get("x-next-before")
            .map(|v| v.to_str().unwrap().to_string());
        let rows: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        let ids: Vec<i64> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        (ids, next)
    };
    let (first, next) = page(None);
    assert_eq!(first.len(), 2);
    assert!(first[0] > first[1], "newest first: {first:?}");
    let (second, last) = page(next.as_deref());
    assert_eq!(second.len(), 1);
    assert!(second[0] < first[1]);
    assert_eq!(last, None, "the last page has no cursor");
}

/// As the trail grows, the server signs checkpoints of its head and keeps
/// them outside the database: in HOME/checkpoints and at the webhooks.
#[test]
fn the_head_is_checkpointed_outside_the_database_as_it_moves() {
    let (url, events) = receiver(0);
    let s = Server::start(Options {
        webhooks: vec![url],
        checkpoint_every: Some(std::time::Duration::from_millis(100)),
        ..Options::default()
    });
    let officer = s.key("officer", "anchored");
    let (status, v) = s.call(
        "POST",
        "/api/v1/check",
        Some(&officer),
        Some(json!({"item": "h100", "to": "DE", "end_use": "civil"})),
    );
    assert_eq!(status, 200, "{v}");
    let (_, head) = s.call("GET", "/api/v1/audit/head", Some(&officer), None);
    let recorded = head["entries"].as_i64().unwrap();
    let key_text = std::fs::read_to_string(s.home.path().join("audit-public-key.txt")).unwrap();
    let public = exctl_records::keys::parse_public_key_file(&key_text).unwrap();
    // An `audit.checkpoint` event covering the check arrives, signed by the instance key.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let checkpoint = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let (_, body) = events
            .recv_timeout(left)
            .expect("an audit.checkpoint event");
        let event: Value = serde_json::from_str(&body).unwrap();
        if event["event"] != "audit.checkpoint" {
            continue;
        }
        let c: exctl_records::Checkpoint = serde_json::from_value(event["data"].clone()).unwrap();
        if c.entries >= recorded {
            break c;
        }
    };
    assert!(checkpoint.signed_by(&public));
    // The same checkpoint is kept in the home's checkpoints folder.
    let kept = exctl_records::Checkpoint::load(&s.home.path().join("checkpoints")).unwrap();
    assert!(kept.iter().any(|(_, c)| *c == checkpoint), "{kept:?}");
}

/// A history filter with a typo is refused, never answered with nothing.
#[test]
fn history_filters_with_typos_are_refused() {
    let s = Server::start(Options::default());
    let viewer = s.key("viewer", "reader");
    for query in [
        "outcome=aproved",
        "kind=chek",
        "partty=Huawei",
        "limit=0",
        "limit=-1",
        "limit=5001",
        "before=0",
        "from=2026-02-01&to=2026-01-01",
        "party=",
    ] {
        let (status, v) = s.call(
            "GET",
            &format!("/api/v1/history?{query}"),
            Some(&viewer),
            None,
        );
        assert_eq!(status, 400, "{query}: {v}");
        assert!(v["error"].is_string(), "{query}: {v}");
    }
    let (_, v) = s.call(
        "GET",
        "/api/v1/history?outcome=prohibted",
        Some(&viewer),
        None,
    );
    let e = v["error"].as_str().unwrap();
    assert!(
        e.contains("did you mean \"prohibited\"") && e.contains("allowed:"),
        "{e}"
    );
    let (status, _) = s.call(
        "GET",
        "/api/v1/history?outcome=prohibited&kind=check&limit=5000",
        Some(&viewer),
        None,
    );
    assert_eq!(status, 200);
}

/// A check says in words what it decided and how each question is
/// answered; the countries a form offers come from the API.
#[test]
fn a_check_carries_its_summary_and_its_answer_forms() {
    let s = Server::start(Options::default());
    let body = json!({"item": "h100", "to": "DE", "as_of": "2026-12-01", "record": false});
    let (status, v) = s.call("POST", "/api/v1/check", Some(&s.admin), Some(body));
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["summary"]["headline"],
        "Not decided yet: 2 questions for BIS to answer first"
    );
    let us = v["determinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["jurisdiction"] == "us")
        .unwrap();
    let flags = us["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["fact"] == "red_flags")
        .unwrap();
    assert_eq!(flags["answer"]["type"], "list");
    assert_eq!(
        flags["answer"]["choices"][2]["text"],
        "Residential or vague delivery address for commercial quantities (G3)"
    );
    // The answers go back as facts, the headquarters among them.
    let body = json!({"item": "h100", "to": "DE", "as_of": "2026-12-01", "record": false,
                      "facts": {"end_user_hq": "US", "red_flags": ["none"]}});
    let (status, v) = s.call("POST", "/api/v1/check", Some(&s.admin), Some(body));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["overall"], "no_license_required");
    assert_eq!(
        v["summary"]["next"][0],
        "Ship; keep this decision with the order"
    );

    let (status, countries) = s.call("GET", "/api/v1/countries", Some(&s.admin), None);
    assert_eq!(status, 200);
    let all = countries.as_array().unwrap();
    assert!(all.len() > 200, "{}", all.len());
    assert!(all
        .iter()
        .any(|c| c["code"] == "DE" && c["name"] == "Germany"));
    let (status, _) = s.call("GET", "/api/v1/countries", None, None);
    assert_eq!(status, 401, "a key is needed");
}

/// A hit names its list and what a hit on it means under each pack.
#[test]
fn a_hit_carries_its_lists_legal_effect() {
    let s = Server::start(Options::default());
    let body = json!({"name": "Huawei Technologies Co., Ltd.", "record": false});
    let (status, v) = s.call("POST", "/api/v1/screen", Some(&s.admin), Some(body));
    assert_eq!(status, 200, "{v}");
    let el = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["list"] == "EL")
        .expect("the demo list's Entity List entry");
    let effect = &el["effects"][0];
    assert_eq!(effect["jurisdiction"], "us");
    assert_eq!(effect["outcome"], "license_required");
    assert_eq!(effect["list"], "the Entity List");
    assert!(effect["citation"]
        .as_str()
        .unwrap()
        .contains("15 CFR 744.11"));
}

/// The case queue over the API: a recorded check with a hit opens cases;
/// actions are for officers; the proposer cannot approve (409); an unknown
/// action or a missing field is a 400 naming it.
#[test]
fn cases_are_worked_over_the_api_with_four_eyes() {
    let s = Server::start(Options::default());
    let alice = s.key("officer", "alice");
    let bob = s.key("officer", "bob");
    let viewer = s.key("viewer", "vera");
    let body = json!({"item": "h100", "to": "AE", "as_of": "2026-12-01",
                      "end_user": {"name": "Huawei Technologies Co., Ltd.", "country": "CN"}});
    let (status, v) = s.call("POST", "/api/v1/check", Some(&alice), Some(body));
    assert_eq!(status, 200, "{v}");
    let (_, open) = s.call("GET", "/api/v1/cases?status=open", Some(&viewer), None);
    let open = open.as_array().unwrap().clone();
    assert!(open.iter().any(|c| c["kind"] == "held"), "{open:?}");
    let hit = open
        .iter()
        .find(|c| c["kind"] == "hit" && c["list"] == "EL")
        .unwrap();
    let id = hit["id"].as_i64().unwrap();
    let path = |action: &str| format!("/api/v1/cases/{id}/{action}");
    let (status, _) = s.call(
        "POST",
        &path("comment"),
        Some(&viewer),
        Some(json!({"text": "x"})),
    );
    assert_eq!(status, 403, "a viewer reads, an officer acts");
    let (status, e) = s.call("POST", &path("frobnicate"), Some(&alice), Some(json!({})));
    assert_eq!(status, 400);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("allowed: assign, comment"),
        "{e}"
    );
    let (status, e) = s.call(
        "POST",
        &path("propose"),
        Some(&alice),
        Some(json!({"resolution": "clear"})),
    );
    assert_eq!(status, 400);
    assert!(e["error"].as_str().unwrap().contains("reason"), "{e}");
    let (status, f) = s.call(
        "POST",
        &path("attach"),
        Some(&alice),
        Some(json!({"name": "../../etc/extract.txt", "base64": "cmVnaXN0cnkgZXh0cmFjdA==", "text": "registry"})),
    );
    assert_eq!(status, 200, "{f}");
    assert_eq!(
        f["events"][1]["evidence_name"], "extract.txt",
        "the file's own name only"
    );
    let (status, p) = s.call(
        "POST",
        &path("propose"),
        Some(&alice),
        Some(json!({"resolution": "clear", "reason": "another company"})),
    );
    assert_eq!(status, 200);
    let seen = p["events"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["action"] == "proposed")
        .unwrap()["id"]
        .clone();
    // An approval over the API names the proposal it read.
    let (status, e) = s.call("POST", &path("approve"), Some(&bob), Some(json!({})));
    assert_eq!(status, 400, "{e}");
    assert!(e["error"].as_str().unwrap().starts_with("seen:"), "{e}");
    let (status, e) = s.call(
        "POST",
        &path("approve"),
        Some(&alice),
        Some(json!({"seen": seen})),
    );
    assert_eq!(status, 409, "{e}");
    // A key whose name is Alice's in full-width letters is still Alice.
    let alike = s.key("officer", "ａｌｉｃｅ");
    let (status, e) = s.call(
        "POST",
        &path("approve"),
        Some(&alike),
        Some(json!({"seen": seen})),
    );
    assert_eq!(status, 409, "{e}");
    let (status, f) = s.call(
        "POST",
        &path("approve"),
        Some(&bob),
        Some(json!({"text": "agreed", "seen": seen})),
    );
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["status"], "closed");
    let actions: Vec<&str> = f["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["opened", "evidence", "proposed", "approved"]);
    let (status, _) = s.call(
        "GET",
        &format!("/api/v1/cases/{id}/evidence/{}", f["events"][1]["id"]),
        Some(&viewer),
        None,
    );
    assert_eq!(status, 200);
}

/// Reports: a decision as printable HTML with its cases, and decisions,
/// cases and licences as CSV; for viewers, as downloads that run nothing.
#[test]
fn reports_are_printable_html_and_csv() {
    let s = Server::start(Options::default());
    let viewer = s.key("viewer", "auditor");
    let body = json!({"item": "h100", "to": "CN", "as_of": "2026-12-01",
                      "end_user": {"name": "Huawei Technologies Co., Ltd.", "country": "CN"}});
    let (status, v) = s.call("POST", "/api/v1/check", Some(&s.admin), Some(body));
    assert_eq!(status, 200, "{v}");
    let id = v["record"].as_i64().unwrap();
    let get = |path: &str| {
        let r = ureq::get(&format!("{}{path}", s.url))
            .header("Authorization", &format!("Bearer {viewer}"))
            .call()
            .unwrap();
        let kind = r
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let csp = r
            .headers()
            .get("content-security-policy")
            .map(|h| h.to_str().unwrap().to_string());
        (kind, csp, r.into_body().read_to_string().unwrap())
    };
    let (kind, csp, html) = get(&format!("/api/v1/reports/decisions/{id}"));
    assert!(kind.starts_with("text/html"), "{kind}");
    assert_eq!(
        csp.as_deref(),
        Some("default-src 'none'; style-src 'unsafe-inline'")
    );
    assert!(
        html.contains(&format!("Export-control check {id}: prohibited")),
        "{html}"
    );
    assert!(html.contains("15 CFR 774 Supp. 1"), "the citations");
    assert!(html.contains("<h2>Cases</h2>"), "the cases it opened");
    assert!(html.contains("Huawei Technologies Co., Ltd."), "{html}");
    let (kind, _, csv) = get("/api/v1/reports/cases.csv?status=open");
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(csv.starts_with("id,kind,status,subject,party"), "{csv}");
    assert!(csv.contains(",held,open,"), "{csv}");
    let (_, _, csv) = get("/api/v1/reports/decisions.csv?kind=check");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let (_, _, csv) = get("/api/v1/reports/licences.csv");
    assert!(csv.starts_with("jurisdiction,number,holder"), "{csv}");
    let (status, e) = s.call("GET", "/api/v1/reports/decisions/999", Some(&viewer), None);
    assert_eq!(status, 404, "{e}");
    let (status, e) = s.call(
        "POST",
        "/api/v1/cases/999/comment",
        Some(&viewer.clone()),
        Some(json!({"text": "x"})),
    );
    assert_eq!(status, 403, "{e}");
    let (status, e) = s.call(
        "POST",
        "/api/v1/cases/999/comment",
        Some(&s.admin),
        Some(json!({"text": "x"})),
    );
    assert_eq!(status, 404, "{e}");
    // The history's checks: a misspelt outcome is refused, not an empty file.
    let (status, e) = s.call(
        "GET",
        "/api/v1/reports/decisions.csv?outcome=prohibted",
        Some(&viewer),
        None,
    );
    assert_eq!(status, 400, "{e}");
    // More decisions than a page: the header says where the rest start.
    let r = ureq::get(&format!("{}/api/v1/reports/decisions.csv?limit=1", s.url))
        .header("Authorization", &format!("Bearer {viewer}"))
        .call()
        .unwrap();
    assert!(r.headers().get("x-content-type-options").is_some());
    let more = s.call(
        "POST",
        "/api/v1/check",
        Some(&s.admin),
        Some(json!({"item": "h20", "to": "DE", "as_of": "2026-12-01"})),
    );
    assert_eq!(more.0, 200);
    let r = ureq::get(&format!("{}/api/v1/reports/decisions.csv?limit=1", s.url))
        .header("Authorization", &format!("Bearer {viewer}"))
        .call()
        .unwrap();
    assert!(r.headers().get("x-next-before").is_some(), "a second page");
}

#[test]
fn own_products_are_versioned_and_checked_by_name_and_version() {
    let s = Server::start(Options::default());
    let alice = s.key("officer", "alice");
    let viewer = s.key("viewer", "vera");
    let v1 = json!({"kind": "ic", "name": "Acme X1", "datacenter": true, "die_area_mm2": 600.0,
                    "throughput": {"fp16": 500.0}});
    let (status, _) = s.call(
        "POST",
        "/api/v1/products",
        Some(&viewer),
        Some(json!({"definition": v1})),
    );
    assert_eq!(
        status, 403,
        "a viewer reads the product master, an officer changes it"
    );
    let (status, p) = s.call(
        "POST",
        "/api/v1/products",
        Some(&alice),
        Some(json!({"definition": v1})),
    );
    assert_eq!(status, 201, "{p}");
    assert_eq!(
        (p["version"].as_i64(), p["created"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(p["metrics"]["tpp"].as_f64(), Some(8000.0));
    let (status, p) = s.call(
        "POST",
        "/api/v1/products",
        Some(&alice),
        Some(json!({"definition": v1})),
    );
    assert_eq!(
        (status, p["version"].as_i64()),
        (200, Some(1)),
        "unchanged: no version"
    );
    // Refused, naming what is wrong, and nothing saved: an unknown field,
    // a catalog name, a change without a reason.
    for (definition, reason, says) in [
        (
            json!({"kind": "ic", "name": "Acme Y", "thruput": {}}),
            None,
            "unknown field `thruput`",
        ),
        (json!({"kind": "ic", "name": "H100"}), None, "catalog item"),
        (
            json!({"kind": "ic", "name": "Acme X1", "throughput": {"fp16": 900.0}}),
            None,
            "needs a reason",
        ),
        (
            json!({"kind": "ic", "name": "Acme X1", "throughput": {"fp7": 9.0}}),
            Some("x"),
            "unknown precision",
        ),
    ] {
        let (status, e) = s.call(
            "POST",
            "/api/v1/products",
            Some(&alice),
            Some(json!({"definition": definition, "reason": reason})),
        );
        assert_eq!(status, 400, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{says}: {e}");
    }
    let v2 = json!({"kind": "ic", "name": "Acme X1", "datacenter": true, "die_area_mm2": 600.0,
                    "throughput": {"fp16": 500.0, "fp8": 1200.0}});
    let (status, p) = s.call(
        "POST",
        "/api/v1/products",
        Some(&alice),
        Some(json!({"definition": v2, "reason": "fp8 added (datasheet rev B)"})),
    );
    assert_eq!((status, p["version"].as_i64()), (201, Some(2)), "{p}");
    assert_eq!(p["versions"].as_array().unwrap().len(), 2);
    // An edit started from version 1 is refused now that 2 is saved.
    let (status, e) = s.call(
        "POST",
        "/api/v1/products",
        Some(&alice),
        Some(json!({"definition": v1, "reason": "undo", "based_on": 1})),
    );
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("at version 2, not 1"),
        "{e}"
    );
    // A name that folds alike is the same product: refused, not its next version.
    let mut alike = v2.clone();
    alike["name"] = json!("ACME-X1");
    alike["throughput"]["fp16"] = json!(1.0);
    let (status, e) = s.call(
        "POST",
        "/api/v1/products",
        Some(&alice),
        Some(json!({"definition": alike, "reason": "x"})),
    );
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("write its name as"),
        "{e}"
    );
    // A check names the product; the record pins the version it used.
    let (status, c) = s.call(
        "POST",
        "/api/v1/check",
        Some(&alice),
        Some(json!({"item": "acme x1", "to": "CN", "as_of": "2026-12-01"})),
    );
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["item"]["product"]["version"], 2);
    assert_eq!(c["item"]["product"]["sha256"], p["sha256"]);
    assert_eq!(c["item"]["metrics"]["tpp"].as_f64(), Some(9600.0));
    let (_, h) = s.call("GET", "/api/v1/history?limit=1", Some(&viewer), None);
    assert_eq!(h[0]["input"]["item"], "Acme X1@2", "{h}");
    assert_eq!(h[0]["subject"], "Acme X1@2", "history names the version");
    // The earlier version is still what it was.
    let (_, c1) = s.call(
        "POST",
        "/api/v1/classify",
        Some(&viewer),
        Some(json!({"item": "Acme X1@1"})),
    );
    assert_eq!(c1["item"]["metrics"]["tpp"].as_f64(), Some(8000.0), "{c1}");
    let (status, one) = s.call("GET", "/api/v1/products/Acme%20X1@1", Some(&viewer), None);
    assert_eq!((status, one["version"].as_i64()), (200, Some(1)), "{one}");
    let (status, _) = s.call("GET", "/api/v1/products/nothing", Some(&viewer), None);
    assert_eq!(status, 404);
    // Retired: no longer checked by name, still by an earlier version.
    let (status, r) = s.call(
        "POST",
        "/api/v1/products/acme-x1/retire",
        Some(&alice),
        Some(json!({"reason": "end of life"})),
    );
    assert_eq!((status, r["version"].as_i64()), (200, Some(3)), "{r}");
    let (status, e) = s.call(
        "POST",
        "/api/v1/check",
        Some(&alice),
        Some(json!({"item": "Acme X1", "to": "DE"})),
    );
    assert_eq!(status, 400);
    assert!(e["error"].as_str().unwrap().contains("retired"), "{e}");
    assert_eq!(e["field"], "item");
    let (status, _) = s.call(
        "POST",
        "/api/v1/classify",
        Some(&viewer),
        Some(json!({"item": "product:Acme X1@2"})),
    );
    assert_eq!(status, 200);
    let (_, list) = s.call("GET", "/api/v1/products", Some(&viewer), None);
    assert_eq!(list[0]["status"], "retired", "{list}");
    let (_, audit) = s.call("GET", "/api/v1/audit/verify", Some(&viewer), None);
    assert_eq!(audit["ok"], true, "{audit}");
}

#[test]
fn a_list_fetch_names_its_sources_and_needs_an_admin() {
    let s = Server::start(Options::default());
    let officer = s.key("officer", "olivia");
    let (status, body) = s.call(
        "POST",
        "/api/v1/lists/fetch?source=moon",
        Some(&s.admin),
        None,
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("csl, ofac, un, eu, uk"),
        "{body}"
    );
    let (status, _) = s.call("POST", "/api/v1/lists/fetch", Some(&officer), None);
    assert_eq!(status, 403, "fetching changes the lists: admin only");
    let (status, none) = s.call("GET", "/api/v1/lists/refreshes", Some(&officer), None);
    assert_eq!((status, none), (200, json!([])));
    // Every source unreachable: recorded with why, the lists in use unchanged.
    let before = s.call("GET", "/api/v1/lists", Some(&officer), None).1["version"].clone();
    let (status, body) = s.call("POST", "/api/v1/lists/fetch", Some(&s.admin), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["refresh"]["failed"].as_array().unwrap().len(),
        6,
        "{body}"
    );
    assert_eq!(body["refresh"]["changed"], "no");
    assert_ne!(
        body["refresh"]["actor"], "tester",
        "the caller is recorded: {body}"
    );
    assert!(body["rescreen"].is_null());
    let (_, all) = s.call("GET", "/api/v1/lists/refreshes", Some(&officer), None);
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(
        s.call("GET", "/api/v1/lists", Some(&officer), None).1["version"],
        before
    );
}
