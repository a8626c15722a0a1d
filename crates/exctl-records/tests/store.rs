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
        assert_eq!(report.entries, 2);
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
        store
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
            .apply_rescreen("v2", &[(parties[0].clone(), vec![hit("h1")])])
            .await
            .unwrap();
        assert!(r.alerts.is_empty(), "{:?}", r.alerts);
        assert_eq!(r.still_cleared, 1);
        // The entry changes materially: the clearance is re-raised.
        let r = store
            .apply_rescreen("v3", &[(parties[0].clone(), vec![hit("h2")])])
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
            .apply_rescreen("v4", &[(parties[0].clone(), vec![])])
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
                decision("t1", "nvidia-h100-sxm", "A", "license_required"),
                decision("t2", "nvidia-h100-sxm", "B", "license_required"),
                decision("t3", "nvidia-h100-sxm", "C", "license_required"),
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
        raw.execute("UPDATE decisions SET outcome = 'license_required' WHERE request_key = 't2'")
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
