//! The store's behaviour, on SQLite always and on PostgreSQL when
//! `DATABASE_URL` names a server (the test script starts one).

use chrono::NaiveDate;
use exctl_core::Licence;
use exctl_records::{AlertKind, HistoryFilter, HitRecord, NewDecision, Signer, Store};
use sqlx::Executor;
use std::sync::Arc;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Fresh stores to run a scenario on: a SQLite file, and a new PostgreSQL
/// database when a server is configured.
async fn stores(name: &str) -> Vec<(String, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![(
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("records.db").display()
        ),
        dir,
    )];
    if let Ok(base) = std::env::var("DATABASE_URL") {
        sqlx::any::install_default_drivers();
        let db = format!(
            "t_{name}_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros()
        );
        let admin = sqlx::AnyPool::connect(&base)
            .await
            .expect("DATABASE_URL reachable");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .await
            .unwrap();
        admin.close().await;
        let (prefix, _) = base.rsplit_once('/').unwrap();
        urls.push((format!("{prefix}/{db}"), tempfile::tempdir().unwrap()));
    } else {
        eprintln!("DATABASE_URL not set: PostgreSQL part skipped (scripts/test starts a server)");
    }
    urls
}

async fn open(url: &str, signer: &Arc<Signer>) -> Store {
    let s = Signer::from_pkcs8(&signer.to_pkcs8().unwrap()).unwrap();
    Store::open(url, Some(s), "tester").await.unwrap()
}

fn decision(key: &str, item: &str, party: &str, outcome: &str) -> NewDecision {
    NewDecision {
        request_key: key.into(),
        kind: "check".into(),
        subject: item.into(),
        destination: Some("CN".into()),
        parties: vec![party.into()],
        outcome: outcome.into(),
        as_of: date("2026-06-01"),
        rules_hash: "abc".into(),
        list_version: Some("v1".into()),
        input: serde_json::json!({"item": item}),
        result: serde_json::json!({"overall": outcome}),
    }
}

fn licence(number: &str, quantity: f64) -> Licence {
    Licence {
        jurisdiction: "us".into(),
        number: number.into(),
        holder: "Acme".into(),
        valid_from: date("2026-01-01"),
        valid_to: date("2026-12-31"),
        items: vec!["nvidia-h100-sxm".into()],
        controls: vec![],
        destinations: vec!["AE".into()],
        end_users: vec![],
        parties: vec![],
        quantity: Some(quantity),
        value: None,
        currency: "USD".into(),
        provisos: vec![],
    }
}

#[tokio::test]
async fn decisions_are_recorded_once_and_queried() {
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("decisions").await {
        let store = open(&url, &signer).await;
        let a = decision("k1", "nvidia-h100-sxm", "Acme Ltd", "license_required");
        let b = decision("k2", "nvidia-h20", "Beta GmbH", "no_license_required");
        let first = store.record_decisions(&[a.clone(), b]).await.unwrap();
        assert!(first.iter().all(|(_, new)| *new), "{url}");
        let again = store.record_decisions(&[a]).await.unwrap();
        assert_eq!(
            again,
            vec![(first[0].0, false)],
            "{url}: duplicate recorded"
        );
        assert_eq!(store.count("decisions").await.unwrap(), 2);
        let by_party = store
            .history(&HistoryFilter {
                party: Some("acme".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(by_party.len(), 1);
        assert_eq!(by_party[0].subject, "nvidia-h100-sxm");
        assert_eq!(by_party[0].result["overall"], "license_required");
        let by_outcome = store
            .history(&HistoryFilter {
                outcome: Some("no_license_required".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(by_outcome.len(), 1);
        let future = store
            .history(&HistoryFilter {
                from: Some(date("2999-01-01")),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(future.is_empty());
        let report = store.verify(&[signer.public_key().to_vec()]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        // Two decisions, and the held order's case with its opening event.
        assert_eq!(report.entries, 4);
        assert_eq!(store.cases(Some("open")).await.unwrap().len(), 1);
        store.close().await;
    }
}

#[tokio::test]
async fn licences_draw_down_and_never_overdraw() {
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("licences").await {
        let store = open(&url, &signer).await;
        store.add_licence(&licence("D1", 100.0)).await.unwrap();
        let dup = store.add_licence(&licence("D1", 5.0)).await.unwrap_err();
        assert!(dup.to_string().contains("already registered"), "{dup}");
        let r = store
            .record_shipment("us", "D1", "PO-1", 60.0, 0.0, date("2026-03-01"), None)
            .await
            .unwrap();
        assert_eq!(r.remaining.quantity, Some(40.0));
        let over = store
            .record_shipment("us", "D1", "PO-2", 41.0, 0.0, date("2026-03-02"), None)
            .await
            .unwrap_err();
        assert!(over.to_string().contains("overdrawn"), "{over}");
        let expired = store
            .record_shipment("us", "D1", "PO-3", 1.0, 0.0, date("2027-01-01"), None)
            .await
            .unwrap_err();
        assert!(expired.to_string().contains("expired"), "{expired}");
        let unknown = store
            .record_shipment("us", "NOPE", "PO-4", 1.0, 0.0, date("2026-03-02"), None)
            .await
            .unwrap_err();
        assert!(unknown.to_string().contains("no licence"), "{unknown}");
        let dup_ref = store
            .record_shipment("us", "D1", "PO-1", 1.0, 0.0, date("2026-03-02"), None)
            .await
            .unwrap_err();
        assert!(
            dup_ref.to_string().contains("already recorded"),
            "{dup_ref}"
        );
        // Many concurrent writers on separate connections: exactly the balance is drawn.
        let mut tasks = Vec::new();
        for i in 0..12 {
            let url = url.clone();
            let signer = signer.clone();
            tasks.push(tokio::spawn(async move {
                let s = open(&url, &signer).await;
                let r = s
                    .record_shipment(
                        "us",
                        "D1",
                        &format!("C-{i}"),
                        7.0,
                        0.0,
                        date("2026-04-01"),
                        None,
                    )
                    .await;
                s.close().await;
                r.is_ok()
            }));
        }
        let mut ok = 0;
        for t in tasks {
            ok += t.await.unwrap() as usize;
        }
        assert_eq!(ok, 5, "{url}: 40 units left, 7 each: five fit");
        let l = store.licence("us", "D1").await.unwrap();
        assert_eq!(l.drawn.quantity, 95.0);
        assert!(l.drawn.quantity <= 100.0);
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        store.close().await;
    }
}

fn hit(hash: &str) -> HitRecord {
    HitRecord {
        list: "EL".into(),
        entry_id: "e1".into(),
        entry_name: "Acme Trading".into(),
        entry_hash: hash.into(),
        score: 0.91,
    }
}

#[tokio::test]
async fn dispositions_carry_forward_until_the_entry_changes() {
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("dispositions").await {
        let store = open(&url, &signer).await;
        let alerts = store
            .note_party("Acme Trading Co", Some("CN"), None, &[hit("h1")], "v1")
            .await
            .unwrap();
        assert_eq!(alerts.len(), 1);
        let missing = store
            .clear_hit("Nobody", None, None, "EL", "e1", "not them")
            .await
            .unwrap_err();
        assert!(
            missing.to_string().contains("no recorded party"),
            "{missing}"
        );
        let no_reason = store
            .clear_hit("Acme Trading Co", Some("CN"), None, "EL", "e1", " ")
            .await
            .unwrap_err();
        assert!(no_reason.to_string().contains("reason"));
        // Asked for, the clearance waits on the hit's case for a second officer.
        let asked = store
            .clear_hit(
                "Acme Trading Co",
                Some("CN"),
                None,
                "EL",
                "e1",
                "different address and owners",
            )
            .await
            .unwrap();
        assert_eq!(asked.case.status, "pending");
        assert!(store
            .dispositions_for("Acme Trading Co", Some("CN"), None)
            .await
            .unwrap()
            .is_empty());
        store
            .acting_as("checker")
            .approve_case(asked.case.id, "", None)
            .await
            .unwrap();
        assert_eq!(
            store
                .dispositions_for("acme  trading co", Some("CN"), None)
                .await
                .unwrap()
                .len(),
            1
        );
        let parties = store.parties().await.unwrap();
        assert_eq!(parties.len(), 1);
        // Same entry, unchanged: stays cleared, no alert.
        let r = store
            .apply_rescreen("v2", &[(parties[0].clone(), vec![hit("h1")])], vec![])
            .await
            .unwrap();
        assert!(r.alerts.is_empty(), "{:?}", r.alerts);
        assert_eq!(r.still_cleared, 1);
        // The entry changes materially: the clearance is re-raised.
        let r = store
            .apply_rescreen("v3", &[(parties[0].clone(), vec![hit("h2")])], vec![])
            .await
            .unwrap();
        assert_eq!(r.alerts.len(), 1);
        assert_eq!(r.alerts[0].kind, AlertKind::Reraised);
        assert!(store
            .dispositions_for("Acme Trading Co", Some("CN"), None)
            .await
            .unwrap()
            .is_empty());
        // The entry is removed: the open hit is reported cleared.
        let r = store
            .apply_rescreen("v4", &[(parties[0].clone(), vec![])], vec![])
            .await
            .unwrap();
        assert_eq!(r.alerts.len(), 1);
        assert_eq!(r.alerts[0].kind, AlertKind::Cleared);
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        store.close().await;
    }
}

#[tokio::test]
async fn tampering_with_a_record_or_the_trail_is_reported() {
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("tamper").await {
        let store = open(&url, &signer).await;
        store
            .record_decisions(&[
                // (Orders that go: no cases, one audit entry each.)
                decision("t1", "nvidia-h100-sxm", "A", "no_license_required"),
                decision("t2", "nvidia-h100-sxm", "B", "no_license_required"),
                decision("t3", "nvidia-h100-sxm", "C", "no_license_required"),
            ])
            .await
            .unwrap();
        assert!(store.verify(&[]).await.unwrap().ok);
        sqlx::any::install_default_drivers();
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        // One character of a stored decision changes.
        raw.execute("UPDATE decisions SET outcome = 'authorized' WHERE request_key = 't2'")
            .await
            .unwrap();
        let report = store.verify(&[]).await.unwrap();
        assert!(!report.ok);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.table.as_deref() == Some("decisions") && p.problem.contains("altered")),
            "{url}: {:?}",
            report.problems
        );
        raw.execute(
            "UPDATE decisions SET outcome = 'no_license_required' WHERE request_key = 't2'",
        )
        .await
        .unwrap();
        assert!(store.verify(&[]).await.unwrap().ok, "{url}: restored");
        // One character of the trail changes: the entry is named.
        raw.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
            .await
            .unwrap();
        let report = store.verify(&[]).await.unwrap();
        assert!(!report.ok);
        assert_eq!(
            report.problems[0].seq,
            Some(2),
            "{url}: {:?}",
            report.problems
        );
        raw.execute("UPDATE audit SET actor = 'tester' WHERE seq = 2")
            .await
            .unwrap();
        // A signature that does not verify under a pinned key.
        let other = Signer::generate().unwrap();
        let report = store.verify(&[other.public_key().to_vec()]).await.unwrap();
        assert!(report.problems.iter().any(|p| p.problem.contains("pinned")));
        // One transaction, one seal: only its last entry carries a signature.
        let signed: Vec<i64> = sqlx::query_scalar::<_, i64>(
            "SELECT seq FROM audit WHERE length(signature) > 0 ORDER BY seq",
        )
        .fetch_all(&raw)
        .await
        .unwrap();
        assert_eq!(signed, vec![3], "{url}");
        // Cutting the sealing entry off leaves the rest unsealed: reported.
        raw.execute("DELETE FROM audit WHERE seq = 3")
            .await
            .unwrap();
        let report = store.verify(&[]).await.unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.seq == Some(1) && p.problem.contains("not sealed")),
            "{url}: {:?}",
            report.problems
        );
        raw.close().await;
        store.close().await;
    }
}

#[tokio::test]
async fn api_keys_authenticate_until_revoked_and_refusals_are_audited() {
    use exctl_records::{Refusal, Role};
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("keys").await {
        let store = open(&url, &signer).await;
        let (key, token) = store.create_api_key(Role::Officer, "erp").await.unwrap();
        assert!(token.starts_with(&format!("exk_{}_", key.key_id)));
        let found = store.authenticate(&token).await.unwrap().unwrap();
        assert_eq!((found.role, found.name.as_str()), (Role::Officer, "erp"));
        // One wrong character of the secret: no key.
        let mut wrong = token.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        assert!(store.authenticate(&wrong).await.unwrap().is_none());
        assert!(store.authenticate("not a token").await.unwrap().is_none());
        assert!(store.create_api_key(Role::Viewer, " ").await.is_err());
        store.revoke_api_key(&key.key_id).await.unwrap();
        assert!(store.authenticate(&token).await.unwrap().is_none());
        assert!(store.revoke_api_key(&key.key_id).await.is_err());
        store
            .record_refusals(&[Refusal {
                first_at: "2026-12-01T00:00:00Z".into(),
                last_at: "2026-12-01T00:00:40Z".into(),
                remote: Some("127.0.0.1".into()),
                count: 250,
                limited: 190,
                statuses: [("403".to_string(), 60), ("429".to_string(), 190)].into(),
                key_ids: vec![key.key_id.clone()],
                paths: vec!["POST /api/v1/licences".into()],
                reasons: vec!["needs admin".into()],
                recorded: false,
            }])
            .await
            .unwrap();
        let refusals = store.refusals(10).await.unwrap();
        assert_eq!(refusals.len(), 1, "one row for the window: {refusals:?}");
        assert_eq!((refusals[0].count, refusals[0].limited), (250, 190));
        assert_eq!(refusals[0].statuses["403"], 60);
        assert_eq!(refusals[0].paths, ["POST /api/v1/licences"]);
        assert!(refusals[0].recorded);
        // The secret is stored only as a digest.
        sqlx::any::install_default_drivers();
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        let stored: String = sqlx::query_scalar("SELECT secret_hash FROM api_keys")
            .fetch_one(&raw)
            .await
            .unwrap();
        assert!(!token.contains(&stored));
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        raw.close().await;
        store.close().await;
    }
}

#[tokio::test]
async fn history_pages_newest_first_and_matches_wildcards_literally() {
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("history").await {
        let store = open(&url, &signer).await;
        let names = [
            "100% Steel",
            "A_B Ltd",
            "AxB Ltd",
            "Back\\slash Co",
            "Plain Co",
        ];
        for (n, party) in names.iter().enumerate() {
            store
                .record_decisions(&[decision(
                    &format!("h{n}"),
                    "nvidia-h100-sxm",
                    party,
                    "license_required",
                )])
                .await
                .unwrap();
        }
        // Newest first, two at a time, every record reachable through the cursor.
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .history_page(&HistoryFilter {
                    before,
                    limit: Some(2),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(page.decisions.len() <= 2);
            seen.extend(page.decisions.iter().map(|d| d.parties[0].clone()));
            match page.next_before {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        let newest_first: Vec<String> = names.iter().rev().map(|s| s.to_string()).collect();
        assert_eq!(seen, newest_first, "{url}");
        // LIKE wildcards and the escape character match only themselves.
        let party = |p: &str| {
            let store = store.clone();
            let p = p.to_string();
            async move {
                store
                    .history(&HistoryFilter {
                        party: Some(p),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|d| d.parties[0].clone())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(party("%").await, vec!["100% Steel"], "{url}");
        assert_eq!(party("_").await, vec!["A_B Ltd"], "{url}");
        assert_eq!(party("a_b").await, vec!["A_B Ltd"], "{url}");
        assert_eq!(party("\\").await, vec!["Back\\slash Co"], "{url}");
        assert_eq!(party("co").await.len(), 2, "{url}");
        store.close().await;
    }
}

#[tokio::test]
async fn a_shipment_falls_back_on_the_next_covering_licence_under_contention() {
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("fallback").await {
        let store = open(&url, &signer).await;
        store.add_licence(&licence("F1", 10.0)).await.unwrap();
        store.add_licence(&licence("F2", 10.0)).await.unwrap();
        let both = ["F1".to_string(), "F2".to_string()];
        // F1 is used up after the check chose it: the shipment goes on F2.
        store
            .record_shipment("us", "F1", "PO-1", 8.0, 0.0, date("2026-03-01"), None)
            .await
            .unwrap();
        let r = store
            .record_shipment_from("us", &both, "PO-2", 5.0, 0.0, date("2026-03-01"), None)
            .await
            .unwrap();
        assert_eq!(
            (r.licence.as_str(), r.remaining.quantity),
            ("F2", Some(5.0))
        );
        // Concurrent shipments on separate connections, each naming F1
        // first: 2 units are left on F1 and 5 on F2, so exactly the 1-unit
        // shipments that fit go, on whichever licence still has the units.
        let mut tasks = Vec::new();
        for i in 0..9 {
            let (url, signer, both) = (url.clone(), signer.clone(), both.clone());
            tasks.push(tokio::spawn(async move {
                let s = open(&url, &signer).await;
                let r = s
                    .record_shipment_from(
                        "us",
                        &both,
                        &format!("C-{i}"),
                        1.0,
                        0.0,
                        date("2026-04-01"),
                        None,
                    )
                    .await;
                s.close().await;
                r.map(|r| r.licence)
            }));
        }
        let mut on = std::collections::BTreeMap::<String, usize>::new();
        let mut refused = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(l) => *on.entry(l).or_default() += 1,
                Err(e) => refused.push(e.to_string()),
            }
        }
        assert_eq!(on.get("F1"), Some(&2), "{url}: {on:?}");
        assert_eq!(on.get("F2"), Some(&5), "{url}: {on:?}");
        assert_eq!(refused.len(), 2, "{url}");
        assert!(
            refused
                .iter()
                .all(|e| e.contains("F1 would be overdrawn") && e.contains("F2 would be overdrawn")),
            "{url}: {refused:?}"
        );
        assert_eq!(
            store.licence("us", "F1").await.unwrap().drawn.quantity,
            10.0
        );
        assert_eq!(
            store.licence("us", "F2").await.unwrap().drawn.quantity,
            10.0
        );
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        store.close().await;
    }
}

/// The rollback attack: whoever can write the database deletes the last
/// transaction's audit entries and puts its rows back from their `before`
/// images. The trail that is left is shorter but whole, so it verifies on
/// its own, even against the pinned key; a checkpoint of the head held
/// outside the database shows the entries it names are gone.
#[tokio::test]
async fn a_rolled_back_transaction_is_caught_by_a_checkpoint_only() {
    use exctl_records::Checkpoint;
    let signer = Arc::new(Signer::generate().unwrap());
    let pinned = [signer.public_key().to_vec()];
    for (url, dir) in stores("rollback").await {
        let store = open(&url, &signer)
            .await
            .with_checkpoints(dir.path().join("checkpoints"));
        store.add_licence(&licence("R1", 100.0)).await.unwrap();
        let (before_ship, _) = store.head().await.unwrap();
        store
            .record_shipment("us", "R1", "PO-1", 60.0, 0.0, date("2026-03-01"), None)
            .await
            .unwrap();
        let checkpoint = store.checkpoint().await.unwrap();
        assert!(checkpoint.signed_by(signer.public_key()));
        assert!(checkpoint.entries > before_ship);
        let held = vec![("held-elsewhere.json".to_string(), checkpoint.clone())];
        let report = store.verify_against(&pinned, &held).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        assert_eq!(report.checkpoints, 1);

        // The attack, in plain SQL.
        sqlx::any::install_default_drivers();
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT tbl, record_id, before_json FROM audit WHERE seq > $1 ORDER BY seq DESC",
        )
        .bind(before_ship)
        .fetch_all(&raw)
        .await
        .unwrap();
        assert_eq!(rows.len(), 2, "{url}: the draw-down and the shipment");
        for (table, id, before) in rows {
            match (table.as_str(), before) {
                ("licences", Some(b)) => {
                    let v: Vec<serde_json::Value> = serde_json::from_str(&b).unwrap();
                    sqlx::query(
                        "UPDATE licences SET quantity_used = $1, value_used = $2 WHERE id = $3",
                    )
                    .bind(v[5].as_f64().unwrap())
                    .bind(v[6].as_f64().unwrap())
                    .bind(id)
                    .execute(&raw)
                    .await
                    .unwrap();
                }
                ("shipments", None) => {
                    sqlx::query("DELETE FROM shipments WHERE id = $1")
                        .bind(id)
                        .execute(&raw)
                        .await
                        .unwrap();
                }
                other => panic!("unexpected entry {other:?}"),
            }
        }
        sqlx::query("DELETE FROM audit WHERE seq > $1")
            .bind(before_ship)
            .execute(&raw)
            .await
            .unwrap();
        raw.close().await;
        // The licence is whole again, and could be shipped against again.
        assert_eq!(store.licence("us", "R1").await.unwrap().drawn.quantity, 0.0);

        // Alone, the trail cannot tell: it verifies, even against the pinned key.
        let alone = store.verify(&pinned).await.unwrap();
        assert!(alone.ok, "{url}: {:?}", alone.problems);
        // With the checkpoint, the missing entries are reported, naming it.
        let report = store.verify_against(&pinned, &held).await.unwrap();
        assert!(!report.ok, "{url}");
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.seq == Some(checkpoint.entries)
                    && p.problem.contains("held-elsewhere.json")
                    && p.problem.contains("truncated or rolled back")),
            "{url}: {:?}",
            report.problems
        );
        // A checkpoint whose count or head was edited does not verify.
        let mut forged = checkpoint.clone();
        forged.entries = before_ship;
        let report = store
            .verify_against(&pinned, &[("forged.json".into(), forged)])
            .await
            .unwrap();
        assert!(report
            .problems
            .iter()
            .any(|p| p.problem.contains("forged.json")
                && p.problem.contains("signature does not verify")));
        // Rewriting instead of cutting: the same count with another head.
        store
            .record_shipment("us", "R1", "PO-9", 1.0, 0.0, date("2026-03-01"), None)
            .await
            .unwrap();
        let report = store.verify_against(&pinned, &held).await.unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.seq == Some(checkpoint.entries) && p.problem.contains("rewritten")),
            "{url}: {:?}",
            report.problems
        );
        // Every commit left a checkpoint of the head it made in the folder:
        // the newest is the head now.
        let (entries, head) = store.head().await.unwrap();
        let on_disk = Checkpoint::load(&dir.path().join("checkpoints")).unwrap();
        assert!(on_disk
            .iter()
            .any(|(_, c)| c.entries == entries && c.head == head));
        // The folder holds the checkpoint made before the rollback as well:
        // verifying against the folder catches it.
        let report = store.verify_against(&pinned, &on_disk).await.unwrap();
        assert!(!report.ok, "{url}");
        store.close().await;
    }
}

#[tokio::test]
async fn batch_lines_are_new_unchanged_or_superseding_and_nothing_is_lost() {
    use exctl_records::{LineRecorded, Recording};
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("lines").await {
        let store = open(&url, &signer).await;
        let line = |outcome: &str| {
            vec![(
                "batch:b1:2".to_string(),
                Recording {
                    decision: decision("ignored", "nvidia-h100-sxm", "Acme", outcome),
                    parties: vec![],
                    actor: None,
                },
            )]
        };
        let a = store.record_lines(&line("license_required")).await.unwrap()[0];
        assert!(matches!(a, LineRecorded::New(_)), "{url}");
        let again = store.record_lines(&line("license_required")).await.unwrap()[0];
        assert_eq!(again, LineRecorded::Unchanged(a.id()), "{url}");
        let b = store.record_lines(&line("prohibited")).await.unwrap()[0];
        assert_eq!(
            b,
            LineRecorded::Superseding {
                id: b.id(),
                supersedes: a.id()
            },
            "{url}"
        );
        // Back to the first content: recorded again, superseding the second.
        let c = store.record_lines(&line("license_required")).await.unwrap()[0];
        assert_eq!(
            c,
            LineRecorded::Superseding {
                id: c.id(),
                supersedes: b.id()
            },
            "{url}"
        );
        let again = store.record_lines(&line("license_required")).await.unwrap()[0];
        assert_eq!(again, LineRecorded::Unchanged(c.id()), "{url}");
        let h = store.history(&HistoryFilter::default()).await.unwrap();
        let by: Vec<(i64, Option<i64>)> = h.iter().map(|d| (d.id, d.superseded_by)).collect();
        assert_eq!(
            by,
            vec![
                (c.id(), None),
                (b.id(), Some(c.id())),
                (a.id(), Some(b.id()))
            ],
            "{url}"
        );
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        store.close().await;
    }
}

#[tokio::test]
async fn a_partys_birth_date_and_identifiers_are_kept_for_rescreening() {
    use exctl_records::{NotedParty, PartyEvidence, Recording};
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("evidence").await {
        let store = open(&url, &signer).await;
        let screen = |key: &str, evidence: PartyEvidence| Recording {
            decision: NewDecision {
                kind: "screen".into(),
                ..decision(key, "Ivan Ivanov", "Ivan Ivanov", "clear")
            },
            parties: vec![NotedParty {
                name: "Ivan Ivanov".into(),
                country: Some("RU".into()),
                entity_type: None,
                evidence,
                hits: vec![],
            }],
            actor: None,
        };
        let given = |dob: Option<&str>, ids: &[&str]| PartyEvidence {
            birth_date: dob.map(str::to_string),
            ids: ids.iter().map(|s| s.to_string()).collect(),
        };
        store
            .record(&[screen("s1", given(None, &["passport:7512345678"]))])
            .await
            .unwrap();
        // Later screens add what is new; what was stored stays.
        store
            .record(&[screen(
                "s2",
                given(Some("1961-10-01"), &["passport:7512345678"]),
            )])
            .await
            .unwrap();
        store
            .record(&[screen("s3", given(None, &["tax-id:770123456789"]))])
            .await
            .unwrap();
        store
            .record(&[screen("s4", given(None, &[]))])
            .await
            .unwrap();
        let parties = store.parties().await.unwrap();
        assert_eq!(parties.len(), 1, "{url}");
        assert_eq!(
            parties[0].evidence,
            given(
                Some("1961-10-01"),
                &["passport:7512345678", "tax-id:770123456789"]
            ),
            "{url}"
        );
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        store.close().await;
    }
}

/// A recorded check with a hit opens a case for the hit and one for the
/// held order; a resolution needs another person's approval (two keys of
/// one person are one person); approving a clearance clears the hit; the
/// hit cannot be cleared around its case; a closed case takes no action;
/// every step is in the verified trail.
#[tokio::test]
async fn cases_open_with_the_decision_and_close_only_with_four_eyes() {
    use exctl_records::{NotedParty, PartyEvidence, Recording};
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("cases").await {
        let store = open(&url, &signer).await;
        let party = NotedParty {
            name: "Acme Trading Co".into(),
            country: Some("CN".into()),
            entity_type: None,
            evidence: PartyEvidence::default(),
            hits: vec![hit("h1")],
        };
        let recording = Recording {
            decision: decision(
                "k1",
                "nvidia-h100-sxm",
                "Acme Trading Co",
                "license_required",
            ),
            parties: vec![party.clone()],
            actor: Some("alice".into()),
        };
        store.record(&[recording]).await.unwrap();
        let open_cases = store.cases(Some("open")).await.unwrap();
        let kinds: Vec<&str> = open_cases.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["held", "hit"], "newest first");
        let (held, hit_case) = (&open_cases[0], &open_cases[1]);
        assert_eq!(held.outcome.as_deref(), Some("license_required"));
        assert_eq!(held.subject, "nvidia-h100-sxm → CN");
        assert_eq!(hit_case.opened_by, "alice");

        // The same hit again opens no second case.
        let again = Recording {
            decision: decision(
                "k2",
                "nvidia-h100-sxm",
                "Acme Trading Co",
                "no_license_required",
            ),
            parties: vec![party],
            actor: None,
        };
        store.record(&[again]).await.unwrap();
        assert_eq!(store.cases(None).await.unwrap().len(), 2);

        // A clearance asked for outside the case lands on the case, pending.
        let asked = store
            .acting_as("api:alice (k1)")
            .clear_hit("Acme Trading Co", Some("CN"), None, "EL", "e1", "not them")
            .await
            .unwrap();
        assert_eq!(asked.case.id, hit_case.id);
        assert_eq!(asked.case.status, "pending");
        // Alice with another key, or her name written otherwise, is still Alice.
        for alias in ["api:alice (k2)", " Alice "] {
            let own = store
                .acting_as(alias)
                .approve_case(hit_case.id, "", None)
                .await
                .unwrap_err()
                .to_string();
            assert!(own.contains("may not also approve it"), "{alias}: {own}");
        }
        let alice = store.acting_as("api:alice (k1)");
        let bob = store.acting_as("bob");
        // Rejected: open again; a wrong resolution for a hit is refused.
        let f = bob
            .reject_case(hit_case.id, "need the registry extract")
            .await
            .unwrap();
        assert_eq!(f.case.status, "open");
        let bad = alice
            .propose_resolution(hit_case.id, "release", "wrong kind")
            .await
            .unwrap_err()
            .to_string();
        assert!(bad.contains("allowed: clear, confirm"), "{bad}");
        bob.attach_evidence(hit_case.id, "extract.pdf", b"%PDF-1.7 registry", "registry")
            .await
            .unwrap();
        let first = alice
            .propose_resolution(hit_case.id, "clear", "registry shows another company")
            .await
            .unwrap();
        let seen = first
            .events
            .iter()
            .rfind(|e| e.action == "proposed")
            .unwrap()
            .id;
        // Withdrawn and proposed again: an approval of what was read before is refused.
        bob.reject_case(hit_case.id, "wrong reason").await.unwrap();
        alice
            .propose_resolution(
                hit_case.id,
                "clear",
                "registry: other company, other address",
            )
            .await
            .unwrap();
        let stale = bob
            .approve_case(hit_case.id, "", Some(seen))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            stale.contains("the proposal changed since you read it"),
            "{stale}"
        );
        let f = bob
            .approve_case(hit_case.id, "checked", None)
            .await
            .unwrap();
        assert_eq!(f.case.status, "closed");
        assert_eq!(f.case.approved_by.as_deref(), Some("bob"));
        let actions: Vec<&str> = f.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "opened", "proposed", "rejected", "evidence", "proposed", "rejected", "proposed",
                "approved"
            ]
        );
        let evidence = f.events.iter().find(|e| e.action == "evidence").unwrap();
        let doc = store.evidence(hit_case.id, evidence.id).await.unwrap();
        assert_eq!(doc.bytes, b"%PDF-1.7 registry");
        // The approval cleared the hit, with both officers named.
        let d = store
            .dispositions_for("Acme Trading Co", Some("CN"), None)
            .await
            .unwrap();
        assert_eq!(d.len(), 1);
        assert!(
            d[0].reason
                .contains("proposed by api:alice (k1), approved by bob"),
            "{}",
            d[0].reason
        );
        let closed = bob
            .comment_case(hit_case.id, "late")
            .await
            .unwrap_err()
            .to_string();
        assert!(closed.contains("is closed"), "{closed}");
        let unknown = bob
            .propose_resolution(held.id, "ship-it", "x")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains("allowed: clear, confirm, release, stop"),
            "{unknown}"
        );

        // A hit confirmed as the listed party is never cleared afterwards.
        let other = NotedParty {
            name: "Beta Exports".into(),
            country: Some("CN".into()),
            entity_type: None,
            evidence: PartyEvidence::default(),
            hits: vec![HitRecord {
                entry_id: "e2".into(),
                entry_name: "Beta".into(),
                ..hit("b1")
            }],
        };
        let prohibited = Recording {
            decision: decision("k3", "nvidia-h100-sxm", "Beta Exports", "prohibited"),
            parties: vec![other],
            actor: None,
        };
        store.record(&[prohibited]).await.unwrap();
        let open_now = store.cases(Some("open")).await.unwrap();
        let beta = open_now
            .iter()
            .find(|c| c.entry_id.as_deref() == Some("e2"))
            .unwrap();
        assert_eq!(beta.party.as_deref(), Some("Beta Exports"));
        alice
            .propose_resolution(beta.id, "confirm", "same address as listed")
            .await
            .unwrap();
        bob.approve_case(beta.id, "", None).await.unwrap();
        let refused = alice
            .clear_hit(
                "Beta Exports",
                Some("CN"),
                None,
                "EL",
                "e2",
                "changed my mind",
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("was confirmed as the listed party by case"),
            "{refused}"
        );
        // A prohibited order is stopped, never released.
        let held_beta = open_now
            .iter()
            .find(|c| c.kind == "held" && c.outcome.as_deref() == Some("prohibited"))
            .unwrap();
        let refused = alice
            .propose_resolution(held_beta.id, "release", "customer insists")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("a prohibited order is not released"),
            "{refused}"
        );
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{:?}", report.problems);
        store.close().await;
    }
}

#[tokio::test]
async fn products_are_versioned_never_rewritten_and_retired_by_a_version() {
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("products").await {
        let store = open(&url, &signer).await;
        let v1 =
            serde_json::json!({"kind": "ic", "name": "Acme X1", "throughput": {"fp16": 100.0}});
        let first = store.save_product("Acme X1", &v1, None).await.unwrap();
        assert!(first.created);
        assert_eq!(first.product.version, 1);
        // The same definition, keys in another order and the name in
        // another spelling of the same key, is the current version.
        let same: serde_json::Value = serde_json::from_str(
            r#"{"throughput": {"fp16": 100.0}, "name": "Acme X1", "kind": "ic"}"#,
        )
        .unwrap();
        let again = store
            .save_product("Acme X1", &same, Some("again"))
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.product.sha256, first.product.sha256);
        let v2 =
            serde_json::json!({"kind": "ic", "name": "Acme X1", "throughput": {"fp16": 400.0}});
        // A name that folds alike is the same product: refused, not
        // silently its next version under another name.
        let alike = store
            .save_product("acme x1", &v2, Some("datasheet rev B"))
            .await
            .unwrap_err();
        assert!(alike.to_string().contains("write its name as"), "{alike}");
        let second = store
            .save_product("Acme X1", &v2, Some("datasheet rev B"))
            .await
            .unwrap();
        assert!(second.created);
        assert_eq!(second.product.version, 2);
        assert_eq!(second.product.reason, "datasheet rev B");
        assert_ne!(second.product.sha256, first.product.sha256);
        // A change without a reason is refused, and so is a batch naming
        // one product twice; neither writes anything.
        let v3 =
            serde_json::json!({"kind": "ic", "name": "Acme X1", "throughput": {"fp16": 500.0}});
        assert!(store.save_product("Acme X1", &v3, None).await.is_err());
        let b = serde_json::json!({"kind": "ic", "name": "B"});
        assert!(store
            .save_products(&[("B", &b), ("acme-x1", &v3), ("ACME X1", &v3)], None, None)
            .await
            .is_err());
        assert!(store.product_versions("b").await.unwrap().is_empty());
        // An edit made from version 1 is refused now that version 2 is saved.
        let stale = store
            .save_products(&[("Acme X1", &v3)], Some("from v1"), Some(1))
            .await
            .unwrap_err();
        assert!(stale.to_string().contains("at version 2, not 1"), "{stale}");
        // A new product (based on version 0) never replaces one on record.
        let fresh = store
            .save_products(&[("Acme X1", &v3)], Some("blank form"), Some(0))
            .await
            .unwrap_err();
        assert!(fresh.to_string().contains("exists already"), "{fresh}");
        // Names are stored plain: spaces collapsed, full-width folded, and
        // invisible characters refused.
        let w = serde_json::json!({"kind": "ic", "name": "W"});
        let plain = store
            .save_product("  Ｗｉｄｅ   One ", &w, None)
            .await
            .unwrap();
        assert_eq!(plain.product.name, "Wide One");
        assert!(store
            .save_product("Wide\u{202E}One", &w, None)
            .await
            .is_err());
        // Refused: an empty reason, a name that pins or names a file.
        for (name, reason) in [
            ("Acme X1", " "),
            ("x@2", "r"),
            ("a/b", "r"),
            ("x.toml", "r"),
            ("--", "r"),
        ] {
            let e = store
                .save_product(name, &v2, Some(reason))
                .await
                .unwrap_err();
            assert!(
                matches!(e, exctl_records::Error::Invalid(_)),
                "{name:?}: {e}"
            );
        }
        let retired = store
            .retire_product("ACME-X1", "end of life")
            .await
            .unwrap();
        assert_eq!((retired.version, retired.status.as_str()), (3, "retired"));
        assert!(store.retire_product("acme x1", "twice").await.is_err());
        // A version is not retired, and `NAME@2` is not read as a name.
        let e = store.retire_product("Acme X1@2", "r").await.unwrap_err();
        assert!(e.to_string().contains("names a version"), "{e}");
        assert!(matches!(
            store.retire_product("nothing", "r").await.unwrap_err(),
            exctl_records::Error::NotFound(_)
        ));
        let versions = store.product_versions("acmex1").await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(
            exctl_records::products::canonical_json(&versions[0].definition),
            exctl_records::products::canonical_json(&v1),
            "version 1 is kept as it was"
        );
        // 100 and 100.0 are one figure: kept as 100.
        assert_eq!(
            versions[0].definition["throughput"]["fp16"],
            serde_json::json!(100)
        );
        let listed = store.products().await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].status, "retired");
        // Saving it again brings it back as a new version.
        let back = store
            .save_product("Acme X1", &v2, Some("back in production"))
            .await
            .unwrap();
        assert_eq!(
            (back.product.version, back.product.status.as_str()),
            (4, "active")
        );
        assert_eq!(store.all_product_versions().await.unwrap().len(), 5);
        // Every version is audited and the trail verifies.
        let report = store.verify(&[]).await.unwrap();
        assert!(report.ok, "{url}: {:?}", report.problems);
        assert_eq!(store.count("products").await.unwrap(), 5);
    }
}

#[tokio::test]
async fn ownership_imports_are_kept_and_the_latest_of_each_source_is_the_graph() {
    use exctl_core::ownership::{EntityRecord, LinkKind, LinkRecord};
    use exctl_records::NewImport;
    let entity = |key: &str, name: &str| EntityRecord {
        key: key.into(),
        name: name.into(),
        country: None,
    };
    let link = |owner: &str, owned: &str, pct: Option<f64>| LinkRecord {
        owner_key: owner.into(),
        owned_key: owned.into(),
        kind: if pct.is_some() {
            LinkKind::Owns
        } else {
            LinkKind::Controls
        },
        percent: pct,
        relation: "declared".into(),
        start_date: None,
        end_date: None,
    };
    let signer = Arc::new(Signer::generate().unwrap());
    for (url, _dir) in stores("ownership").await {
        let store = open(&url, &signer).await;
        let entities = vec![
            entity("name:x", "X Holding"),
            entity("name:a", "A Trading"),
            entity("name:b", "B Tech Co., Ltd."),
            entity("name:c", "C Other"),
        ];
        // A cycle (A and B hold each other) must end the walk up.
        let links = vec![
            link("name:x", "name:a", Some(50.0)),
            link("name:a", "name:b", Some(50.0)),
            link("name:b", "name:a", Some(10.0)),
            link("name:c", "name:x", None),
        ];
        let first = store
            .import_ownership(NewImport {
                source: "declared",
                format: "csv",
                file_name: "owners.csv",
                file_sha256: "00",
                entities: &entities,
                links: &links,
                replace: false,
            })
            .await
            .unwrap();
        assert_eq!(first.previous, None);
        assert_eq!((first.import.entities, first.import.links), (4, 4));
        // Found by its name folded: case, spaces and punctuation aside.
        let up = store.ancestry("b tech co ltd").await.unwrap();
        assert_eq!(up.roots.len(), 1);
        assert_eq!(up.roots[0].name, "B Tech Co., Ltd.");
        let mut owners: Vec<&str> = up.entities.iter().map(|e| e.name.as_str()).collect();
        owners.sort();
        assert_eq!(
            owners,
            ["A Trading", "B Tech Co., Ltd.", "C Other", "X Holding"]
        );
        assert_eq!(up.links.len(), 4);
        assert!(store.ancestry("nobody").await.unwrap().roots.is_empty());

        // A partial file never drops holdings on record unless told to.
        let partial = store
            .import_ownership(NewImport {
                source: "declared",
                format: "csv",
                file_name: "part.csv",
                file_sha256: "0a",
                entities: &entities[..2],
                links: &[link("name:x", "name:a", Some(30.0))],
                replace: false,
            })
            .await
            .unwrap_err()
            .to_string();
        assert!(partial.contains("leaves out 3 holding(s)"), "{partial}");
        // The next import of the source replaces it as the graph, and says how.
        let second = store
            .import_ownership(NewImport {
                source: "declared",
                format: "csv",
                file_name: "owners.csv",
                file_sha256: "01",
                entities: &entities[..3],
                links: &[
                    link("name:x", "name:a", Some(30.0)),
                    link("name:a", "name:b", Some(50.0)),
                ],
                replace: true,
            })
            .await
            .unwrap();
        assert_eq!(second.previous, Some(first.import.id));
        assert_eq!((second.added, second.removed, second.changed), (0, 2, 1));
        assert_eq!(second.changes, ["name:x -> name:a: 50 % => 30 %"]);
        let up = store.ancestry("B Tech Co., Ltd.").await.unwrap();
        assert_eq!(up.links.len(), 2);
        assert_eq!(up.links[0].link.percent, Some(30.0));
        // Another source adds to the graph instead of replacing it.
        store
            .import_ownership(NewImport {
                source: "gleif-rr",
                format: "gleif-rr",
                file_name: "rr.csv",
                file_sha256: "02",
                entities: &[entity("name:b", "name:b"), entity("lei:P", "P")],
                links: &[link("lei:P", "name:b", None)],
                replace: false,
            })
            .await
            .unwrap();
        let up = store.ancestry("B Tech Co., Ltd.").await.unwrap();
        assert_eq!(up.links.len(), 3);
        // Nothing is lost: every import stays, each audited.
        let imports = store.ownership_imports().await.unwrap();
        assert_eq!(imports.len(), 3);
        assert_eq!(imports[0].source, "gleif-rr");
        assert!(store.verify(&[]).await.unwrap().problems.is_empty());
        // Bad imports change nothing.
        for (source, links) in [
            ("bad name!", vec![]),
            ("declared", vec![link("name:x", "name:nobody", Some(1.0))]),
            ("declared", vec![link("name:x", "name:a", Some(101.0))]),
        ] {
            assert!(store
                .import_ownership(NewImport {
                    source,
                    format: "csv",
                    file_name: "f",
                    file_sha256: "03",
                    entities: &entities,
                    links: &links,
                    replace: false,
                })
                .await
                .is_err());
        }
        assert_eq!(store.ownership_imports().await.unwrap().len(), 3);
    }
}
