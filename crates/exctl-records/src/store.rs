//! The store: one interface over SQLite and PostgreSQL.

use crate::audit::{self, row_json, AuditBundle, VerifyReport, WriteTx};
use crate::checkpoint::Checkpoint;
use crate::keys::Signer;
use crate::Error;
use chrono::NaiveDate;
use exctl_core::licence::{Drawn, Licence, Remaining};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Executor, Row, SqlSafeStr};
use std::collections::HashMap;

/// Which database a store is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The records of one exctl deployment. Cloning is cheap: clones share
/// the connection pool and the signing key.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) signer: Option<std::sync::Arc<Signer>>,
    pub(crate) actor: String,
    /// Where each commit leaves a signed checkpoint of the head, when set.
    pub(crate) checkpoints: Option<std::sync::Arc<std::path::PathBuf>>,
}

/// A check or screen to record.
#[derive(Debug, Clone)]
pub struct NewDecision {
    /// Makes recording idempotent: the same key is recorded once.
    pub request_key: String,
    /// `check` or `screen`.
    pub kind: String,
    /// Item id for a check, party name for a screen.
    pub subject: String,
    pub destination: Option<String>,
    pub parties: Vec<String>,
    pub outcome: String,
    pub as_of: NaiveDate,
    /// Content hash of the rule packs (and data) the decision used.
    pub rules_hash: String,
    pub list_version: Option<String>,
    pub input: Value,
    pub result: Value,
}

/// A party screened for a decision, stored so that later list versions
/// rescreen it.
#[derive(Debug, Clone)]
pub struct NotedParty {
    pub name: String,
    pub country: Option<String>,
    pub entity_type: Option<String>,
    /// What the screen knew besides the name: a rescreen weighs it too.
    pub evidence: PartyEvidence,
    pub hits: Vec<HitRecord>,
}

/// A party's date of birth and identifiers (`KIND:NUMBER`), as screens
/// gave them. Stored append-only: a screen that brings something new adds
/// a row, and a rescreen reads them all together.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PartyEvidence {
    /// The latest date of birth a screen gave.
    pub birth_date: Option<String>,
    /// Every identifier screens gave, sorted, each once.
    pub ids: Vec<String>,
}

impl PartyEvidence {
    pub fn is_empty(&self) -> bool {
        self.birth_date.is_none() && self.ids.is_empty()
    }
}

/// A decision to record together with the parties it screened: both land
/// in one transaction, so a resumed batch never stores one without the other.
#[derive(Debug, Clone)]
pub struct Recording {
    pub decision: NewDecision,
    pub parties: Vec<NotedParty>,
    /// Who acted, when not the store's own actor (an API caller).
    pub actor: Option<String>,
}

/// A recorded decision.
#[derive(Debug, Clone, Serialize)]
pub struct StoredDecision {
    pub id: i64,
    pub request_key: String,
    pub kind: String,
    pub recorded_at: String,
    pub actor: String,
    pub subject: String,
    pub destination: Option<String>,
    pub parties: Vec<String>,
    pub outcome: String,
    pub as_of: String,
    pub rules_hash: String,
    pub list_version: Option<String>,
    pub input: Value,
    pub result: Value,
    /// The decision that superseded this one (the same batch line recorded
    /// again with other content or versions); this one stays on record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<i64>,
}

/// What became of one batch line given to [`Store::record_lines`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineRecorded {
    /// Recorded; the line had no decision before.
    New(i64),
    /// Already recorded with this content and these versions (a rerun or
    /// a resume): nothing written.
    Unchanged(i64),
    /// Recorded, superseding the line's earlier decision, which is kept.
    Superseding { id: i64, supersedes: i64 },
}

impl LineRecorded {
    pub fn id(&self) -> i64 {
        match *self {
            LineRecorded::New(id) | LineRecorded::Unchanged(id) => id,
            LineRecorded::Superseding { id, .. } => id,
        }
    }
}

/// What `history` selects; all conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub kind: Option<String>,
    /// Part of a party's name, any case.
    pub party: Option<String>,
    /// Part of the item id, any case.
    pub item: Option<String>,
    pub outcome: Option<String>,
    /// Recorded on or after this day.
    pub from: Option<NaiveDate>,
    /// Recorded on or before this day.
    pub to: Option<NaiveDate>,
    /// Only records older than this one (its id): the cursor of the next
    /// page, as [`HistoryPage::next_before`] gives it.
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// One page of history, newest first, with the cursor of the next page.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPage {
    pub decisions: Vec<StoredDecision>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// `text` as a LIKE pattern that matches it literally anywhere: `%`, `_`
/// and the escape character itself are escaped (with `ESCAPE '\'`).
pub(crate) fn like_contains(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A licence on file with what it has used.
#[derive(Debug, Clone, Serialize)]
pub struct StoredLicence {
    pub id: i64,
    pub licence: Licence,
    pub drawn: Drawn,
    pub recorded_at: String,
}

/// A shipment drawn against a licence.
#[derive(Debug, Clone, Serialize)]
pub struct ShipmentReceipt {
    pub shipment_id: i64,
    pub jurisdiction: String,
    pub licence: String,
    pub reference: String,
    pub quantity: f64,
    pub value: f64,
    /// What is left after this shipment.
    pub remaining: Remaining,
}

/// A party as stored for rescreening.
#[derive(Debug, Clone, Serialize)]
pub struct PartyRecord {
    pub id: i64,
    pub name: String,
    pub country: Option<String>,
    pub entity_type: Option<String>,
    pub evidence: PartyEvidence,
}

/// A list entry a party matched, as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HitRecord {
    pub list: String,
    pub entry_id: String,
    pub entry_name: String,
    /// The entry's material content hash: a change re-raises a cleared hit.
    pub entry_hash: String,
    pub score: f64,
}

/// A false-positive clearance of a hit.
#[derive(Debug, Clone, Serialize)]
pub struct Disposition {
    pub id: i64,
    pub party: String,
    pub list: String,
    pub entry_id: String,
    pub entry_hash: String,
    pub verdict: String,
    pub reason: String,
    pub active: bool,
    pub recorded_at: String,
    pub actor: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A party matches an entry it did not match before.
    New,
    /// An entry a party matches changed materially.
    Changed,
    /// A cleared hit whose entry changed materially: the clearance no longer holds.
    Reraised,
    /// An open hit that no longer matches (entry removed or changed away).
    Cleared,
    /// What an ownership rule makes of a party changed since the last
    /// rescreen (newly caught, undetermined, or no longer): `list` is the
    /// rule, `entry_name` the finding with its paths.
    Owned,
}

/// A material change found by a rescreen.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub party: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub list: String,
    pub entry_id: String,
    pub entry_name: String,
    pub score: f64,
}

/// What a rescreen found.
#[derive(Debug, Clone, Serialize)]
pub struct RescreenReport {
    pub id: i64,
    pub list_version: String,
    pub parties: i64,
    pub new: usize,
    pub changed: usize,
    pub reraised: usize,
    pub cleared: usize,
    /// Cleared hits that stayed cleared because their entry did not change.
    pub still_cleared: usize,
    /// Parties whose ownership findings changed.
    pub owned: usize,
    pub alerts: Vec<Alert>,
}

fn migrator(backend: Backend) -> Migrator {
    let sql: &[(i64, &str, &'static str)] = match backend {
        Backend::Sqlite => &[
            (
                1,
                "records",
                include_str!("../migrations/sqlite/0001_records.sql"),
            ),
            (
                2,
                "access",
                include_str!("../migrations/sqlite/0002_access.sql"),
            ),
            (
                3,
                "refusals_outbox",
                include_str!("../migrations/sqlite/0003_refusals_outbox.sql"),
            ),
            (
                4,
                "supersessions",
                include_str!("../migrations/sqlite/0004_supersessions.sql"),
            ),
            (
                5,
                "party_evidence",
                include_str!("../migrations/sqlite/0005_party_evidence.sql"),
            ),
            (
                6,
                "cases",
                include_str!("../migrations/sqlite/0006_cases.sql"),
            ),
            (
                7,
                "products",
                include_str!("../migrations/sqlite/0007_products.sql"),
            ),
            (
                8,
                "ownership",
                include_str!("../migrations/sqlite/0008_ownership.sql"),
            ),
            (
                9,
                "list_refreshes",
                include_str!("../migrations/sqlite/0009_list_refreshes.sql"),
            ),
        ],
        Backend::Postgres => &[
            (
                1,
                "records",
                include_str!("../migrations/postgres/0001_records.sql"),
            ),
            (
                2,
                "access",
                include_str!("../migrations/postgres/0002_access.sql"),
            ),
            (
                3,
                "refusals_outbox",
                include_str!("../migrations/postgres/0003_refusals_outbox.sql"),
            ),
            (
                4,
                "supersessions",
                include_str!("../migrations/postgres/0004_supersessions.sql"),
            ),
            (
                5,
                "party_evidence",
                include_str!("../migrations/postgres/0005_party_evidence.sql"),
            ),
            (
                6,
                "cases",
                include_str!("../migrations/postgres/0006_cases.sql"),
            ),
            (
                7,
                "products",
                include_str!("../migrations/postgres/0007_products.sql"),
            ),
            (
                8,
                "ownership",
                include_str!("../migrations/postgres/0008_ownership.sql"),
            ),
            (
                9,
                "list_refreshes",
                include_str!("../migrations/postgres/0009_list_refreshes.sql"),
            ),
        ],
    };
    Migrator::with_migrations(
        sql.iter()
            .map(|&(version, name, text)| {
                Migration::new(
                    version,
                    name.into(),
                    MigrationType::Simple,
                    text.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// A digest of everything a decision rests on and says: kind, subject,
/// destination, parties, input, result, rule and list versions (not the
/// day it was made on, which a screen's result does not depend on).
pub(crate) fn content_digest(d: &NewDecision) -> String {
    let text = serde_json::json!([
        d.kind,
        d.subject,
        d.destination,
        d.parties,
        d.input,
        d.result,
        d.rules_hash,
        d.list_version,
    ])
    .to_string();
    crate::keys::sha256_hex(text.as_bytes())[..32].to_string()
}

/// The normalised identity of a party: name (case and spacing folded),
/// country and type.
pub fn party_key(name: &str, country: Option<&str>, entity_type: Option<&str>) -> String {
    let folded: String = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    format!(
        "{folded}|{}|{}",
        country.unwrap_or("").to_ascii_uppercase(),
        entity_type.unwrap_or("")
    )
}

/// Identifiers as stored: `KIND:NUMBER` separated by `;`.
fn split_ids(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Later evidence over earlier: its date of birth replaces, its
/// identifiers join.
fn merge_evidence(into: &mut PartyEvidence, later: &PartyEvidence) {
    if later.birth_date.is_some() {
        into.birth_date.clone_from(&later.birth_date);
    }
    for id in &later.ids {
        if !into.ids.contains(id) {
            into.ids.push(id.clone());
        }
    }
    into.ids.sort();
}

impl Store {
    /// Opens (and migrates) the store at `url`: `sqlite://PATH` or
    /// `postgres://…`. Writing needs a `signer`.
    pub async fn open(url: &str, signer: Option<Signer>, actor: &str) -> Result<Store, Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(Error::Rejected(format!(
                "database {url:?}: expected sqlite://PATH or postgres://…"
            )));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // Writers wait for each other rather than fail; readers never block.
                        conn.execute("PRAGMA busy_timeout = 60000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        migrator(backend).run(&pool).await?;
        let store = Store {
            pool,
            backend,
            signer: signer.map(std::sync::Arc::new),
            actor: actor.to_string(),
            checkpoints: None,
        };
        if let Some(s) = &store.signer {
            sqlx::query(
                "INSERT INTO audit_keys (key_id, public_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING",
            )
            .bind(s.key_id())
            .bind(s.public_key().to_vec())
            .bind(crate::now())
            .execute(&store.pool)
            .await?;
        }
        Ok(store)
    }

    /// The same store, recording `actor` as who acts.
    /// The id of the key this instance signs with, if it has one.
    pub fn key_id(&self) -> Option<String> {
        self.signer.as_deref().map(|s| s.key_id().to_string())
    }

    pub fn acting_as(&self, actor: &str) -> Store {
        Store {
            actor: actor.to_string(),
            ..self.clone()
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub(crate) fn signer(&self) -> Result<&Signer, Error> {
        self.signer.as_deref().ok_or(Error::NoKey)
    }

    /// A transaction that holds the store's write lock until it ends.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, Error> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(7271001)) AS l")
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok(WriteTx::new(tx))
    }

    /// Seals the transaction's audit entries with one signature and commits.
    pub(crate) async fn commit(&self, tx: WriteTx) -> Result<(), Error> {
        let appended = tx.appended();
        tx.commit(self.signer.as_deref()).await?;
        if let (true, Some(dir)) = (appended, &self.checkpoints) {
            // Best effort: the records are committed either way, and
            // `exctl audit checkpoint` reports what stops a checkpoint.
            if let Ok(c) = self.checkpoint().await {
                c.save_in(dir).ok();
            }
        }
        Ok(())
    }

    /// The same store, leaving a signed checkpoint of the trail's head in
    /// `dir` after each transaction it commits: for short-lived writers
    /// (the command line), whose every command then leaves an anchor to
    /// copy elsewhere. A busy server hands out checkpoints on request
    /// instead ([`Store::checkpoint`]).
    pub fn with_checkpoints(mut self, dir: std::path::PathBuf) -> Store {
        self.checkpoints = Some(std::sync::Arc::new(dir));
        self
    }

    pub(crate) async fn audit_insert(
        &self,
        w: &mut WriteTx,
        action: &str,
        table: &str,
        id: i64,
    ) -> Result<(), Error> {
        let after = row_json(w, table, id).await?;
        let key_id = self.signer()?.key_id();
        w.append(key_id, &self.actor, action, table, id, None, Some(after))
            .await?;
        Ok(())
    }

    /// Audits a record an insert returned with [`audit::returning`]; gives its id.
    pub(crate) async fn audit_returned(
        &self,
        w: &mut WriteTx,
        action: &str,
        table: &str,
        row: &AnyRow,
    ) -> Result<i64, Error> {
        let (id, after) = audit::returned(row, table)?;
        let key_id = self.signer()?.key_id();
        w.append(key_id, &self.actor, action, table, id, None, Some(after))
            .await?;
        Ok(id)
    }

    pub(crate) async fn audit_update(
        &self,
        w: &mut WriteTx,
        action: &str,
        table: &str,
        id: i64,
        before: String,
    ) -> Result<(), Error> {
        let after = row_json(w, table, id).await?;
        let key_id = self.signer()?.key_id();
        w.append(
            key_id,
            &self.actor,
            action,
            table,
            id,
            Some(before),
            Some(after),
        )
        .await?;
        Ok(())
    }

    // ----- decisions -------------------------------------------------------

    /// Records decisions in one transaction. A request key already recorded
    /// is not recorded again; its id is returned with `false`.
    pub async fn record_decisions(&self, batch: &[NewDecision]) -> Result<Vec<(i64, bool)>, Error> {
        let batch: Vec<Recording> = batch
            .iter()
            .map(|d| Recording {
                decision: d.clone(),
                parties: Vec::new(),
                actor: None,
            })
            .collect();
        self.record(&batch).await
    }

    /// Records decisions with the parties they screened, in one transaction.
    /// A request key already recorded is skipped with its parties (the first
    /// run stored them); its id is returned with `false`.
    pub async fn record(&self, batch: &[Recording]) -> Result<Vec<(i64, bool)>, Error> {
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(batch.len());
        for r in batch {
            out.push(self.record_in(&mut tx, r, &r.decision.request_key).await?);
        }
        self.commit(tx).await?;
        Ok(out)
    }

    /// Records the lines of a batch, in one transaction. Each is `(line,
    /// recording)`: `line` names the batch line (batch id and line number),
    /// and the request key is the line with a digest of everything the
    /// decision rests on and says (its input, result, rule and list
    /// versions), so the recording's own `request_key` is not used. A line
    /// recorded before with the same digest is left as it is (a rerun or a
    /// resume); with another, the new decision is recorded and supersedes
    /// the line's latest, which stays on record.
    pub async fn record_lines(
        &self,
        lines: &[(String, Recording)],
    ) -> Result<Vec<LineRecorded>, Error> {
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(lines.len());
        for (line, r) in lines {
            let base = format!("{line}#{}", content_digest(&r.decision));
            let latest = self.latest_of_line(&mut tx, line).await?;
            if let Some((id, key)) = &latest {
                if *key == base || key.starts_with(&format!("{base}.")) {
                    out.push(LineRecorded::Unchanged(*id));
                    continue;
                }
            }
            // Back to content recorded before and superseded since: recorded
            // again, under the next free key.
            let mut key = base.clone();
            let mut n = 1;
            while self.key_taken(&mut tx, &key).await? {
                n += 1;
                key = format!("{base}.{n}");
            }
            let (id, _) = self.record_in(&mut tx, r, &key).await?;
            match latest {
                None => out.push(LineRecorded::New(id)),
                Some((old, _)) => {
                    let acting;
                    let this = match &r.actor {
                        Some(a) if *a != self.actor => {
                            acting = self.acting_as(a);
                            &acting
                        }
                        _ => self,
                    };
                    let row = sqlx::query(AssertSqlSafe(format!(
                        "INSERT INTO supersessions (decision_id, supersedes_id, line, recorded_at, actor)
                         VALUES ($1, $2, $3, $4, $5) {}",
                        audit::returning("supersessions")
                    )))
                    .bind(id)
                    .bind(old)
                    .bind(line)
                    .bind(crate::now())
                    .bind(&this.actor)
                    .fetch_one(&mut *tx)
                    .await?;
                    this.audit_returned(&mut tx, "supersede", "supersessions", &row)
                        .await?;
                    out.push(LineRecorded::Superseding {
                        id,
                        supersedes: old,
                    });
                }
            }
        }
        self.commit(tx).await?;
        Ok(out)
    }

    /// The latest decision recorded for a batch line: (id, request key).
    /// Keys are `line#digest[.n]`; a line recorded before digests were
    /// part of the key has the line itself as its key.
    async fn latest_of_line(
        &self,
        tx: &mut WriteTx,
        line: &str,
    ) -> Result<Option<(i64, String)>, Error> {
        // Keys from `line#` up to, not including, `line$` ('$' follows '#'),
        // compared byte by byte.
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT id, request_key FROM decisions WHERE (request_key >= $1 AND request_key < $2) OR request_key = $3 ORDER BY id DESC LIMIT 1"
            }
            Backend::Postgres => {
                "SELECT id, request_key FROM decisions WHERE (request_key COLLATE \"C\" >= $1 AND request_key COLLATE \"C\" < $2) OR request_key = $3 ORDER BY id DESC LIMIT 1"
            }
        };
        let row = sqlx::query(sql)
            .bind(format!("{line}#"))
            .bind(format!("{line}$"))
            .bind(line)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    async fn key_taken(&self, tx: &mut WriteTx, key: &str) -> Result<bool, Error> {
        Ok(
            sqlx::query("SELECT id FROM decisions WHERE request_key = $1")
                .bind(key)
                .fetch_optional(&mut **tx)
                .await?
                .is_some(),
        )
    }

    /// Records one decision under `key` with its parties, in `tx`; an
    /// existing key gives its id with `false`.
    async fn record_in(
        &self,
        tx: &mut WriteTx,
        r: &Recording,
        key: &str,
    ) -> Result<(i64, bool), Error> {
        let Recording {
            decision: d,
            parties,
            actor,
        } = r;
        let acting;
        let this = match actor {
            Some(a) if *a != self.actor => {
                acting = self.acting_as(a);
                &acting
            }
            _ => self,
        };
        let inserted = sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO decisions (request_key, kind, recorded_at, actor, subject, destination, parties, outcome, as_of, rules_hash, list_version, input, result)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 ON CONFLICT (request_key) DO NOTHING {}",
                audit::returning("decisions")
            )))
            .bind(key)
            .bind(&d.kind)
            .bind(crate::now())
            .bind(&this.actor)
            .bind(&d.subject)
            .bind(&d.destination)
            .bind(d.parties.join("\n"))
            .bind(&d.outcome)
            .bind(d.as_of.to_string())
            .bind(&d.rules_hash)
            .bind(&d.list_version)
            .bind(d.input.to_string())
            .bind(d.result.to_string())
            .fetch_optional(&mut **tx)
            .await?;
        match inserted {
            Some(r) => {
                let id = this.audit_returned(tx, "record", "decisions", &r).await?;
                let version = d.list_version.as_deref().unwrap_or("");
                let mut party_ids = Vec::with_capacity(parties.len());
                for p in parties {
                    this.note_party_in(tx, p, version).await?;
                    if !p.hits.is_empty() {
                        let found = this
                            .party_id(
                                tx,
                                &p.name,
                                p.country.as_deref(),
                                p.entity_type.as_deref(),
                                false,
                            )
                            .await?;
                        party_ids.extend(found.map(|(pid, _)| pid));
                    }
                }
                // What the decision leaves to do opens cases, in the same transaction.
                let raised = crate::cases::Raised {
                    decision_id: Some(id),
                    kind: &d.kind,
                    subject: &d.subject,
                    destination: d.destination.as_deref(),
                    outcome: &d.outcome,
                };
                this.open_cases_in(tx, &raised, &party_ids).await?;
                Ok((id, true))
            }
            None => {
                let id: i64 = sqlx::query("SELECT id FROM decisions WHERE request_key = $1")
                    .bind(key)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get(0)?;
                Ok((id, false))
            }
        }
    }

    /// Which of these request keys are already recorded.
    pub async fn recorded_keys(&self, keys: &[String]) -> Result<Vec<String>, Error> {
        let mut found = Vec::new();
        for chunk in keys.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT request_key FROM decisions WHERE request_key IN ({})",
                params.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for k in chunk {
                q = q.bind(k);
            }
            for r in q.fetch_all(&self.pool).await? {
                found.push(r.try_get(0)?);
            }
        }
        Ok(found)
    }

    /// Recorded decisions, newest first.
    pub async fn history(&self, f: &HistoryFilter) -> Result<Vec<StoredDecision>, Error> {
        self.history_rows(f, f.limit).await
    }

    /// One page of recorded decisions, newest first (`limit` rows, 200 when
    /// not given), with the cursor of the next page.
    pub async fn history_page(&self, f: &HistoryFilter) -> Result<HistoryPage, Error> {
        let limit = f.limit.unwrap_or(200).max(1);
        let mut decisions = self.history_rows(f, Some(limit + 1)).await?;
        let more = decisions.len() as i64 > limit;
        decisions.truncate(limit as usize);
        let next_before = if more {
            decisions.last().map(|d| d.id)
        } else {
            None
        };
        Ok(HistoryPage {
            decisions,
            next_before,
        })
    }

    async fn history_rows(
        &self,
        f: &HistoryFilter,
        limit: Option<i64>,
    ) -> Result<Vec<StoredDecision>, Error> {
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut add = |cond: &str, value: String| {
            binds.push(value);
            conds.push(cond.replace('?', &format!("${}", binds.len())));
        };
        if let Some(k) = &f.kind {
            add("kind = ?", k.clone());
        }
        if let Some(p) = &f.party {
            add(
                "LOWER(parties) LIKE ? ESCAPE '\\'",
                like_contains(&p.to_lowercase()),
            );
        }
        if let Some(i) = &f.item {
            add(
                "LOWER(subject) LIKE ? ESCAPE '\\'",
                like_contains(&i.to_lowercase()),
            );
        }
        if let Some(o) = &f.outcome {
            add("outcome = ?", o.clone());
        }
        if let Some(d) = f.from {
            add("recorded_at >= ?", d.to_string());
        }
        if let Some(d) = f.to.and_then(|d| d.succ_opt()) {
            add("recorded_at < ?", d.to_string());
        }
        if let Some(b) = f.before {
            // An integer, so it goes into the text directly.
            conds.push(format!("id < {b}"));
        }
        let mut sql = "SELECT id, request_key, kind, recorded_at, actor, subject, destination, parties, outcome, as_of, rules_hash, list_version, input, result, (SELECT MAX(s.decision_id) FROM supersessions s WHERE s.supersedes_id = decisions.id) FROM decisions".to_string();
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        sql.push_str(" ORDER BY id DESC");
        if let Some(n) = limit {
            sql.push_str(&format!(" LIMIT {}", n.max(0)));
        }
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(decision_from_row)
            .collect()
    }

    /// One recorded decision.
    pub async fn decision(&self, id: i64) -> Result<StoredDecision, Error> {
        let row = sqlx::query(
            "SELECT id, request_key, kind, recorded_at, actor, subject, destination, parties, outcome, as_of, rules_hash, list_version, input, result, (SELECT MAX(s.decision_id) FROM supersessions s WHERE s.supersedes_id = decisions.id) FROM decisions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no recorded decision {id}")))?;
        decision_from_row(&row)
    }

    // ----- licences --------------------------------------------------------

    /// Registers a licence; its number must be new in its jurisdiction.
    pub async fn add_licence(&self, l: &Licence) -> Result<i64, Error> {
        l.check().map_err(Error::Rejected)?;
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM licences WHERE jurisdiction = $1 AND number = $2")
            .bind(&l.jurisdiction)
            .bind(&l.number)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(Error::Rejected(format!(
                "licence {} {} is already registered",
                l.jurisdiction, l.number
            )));
        }
        let body = serde_json::to_string(l).map_err(|e| Error::Rejected(e.to_string()))?;
        let id: i64 = sqlx::query(
            "INSERT INTO licences (jurisdiction, number, holder, body, quantity_used, value_used, recorded_at, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&l.jurisdiction)
        .bind(&l.number)
        .bind(&l.holder)
        .bind(body)
        .bind(0.0f64)
        .bind(0.0f64)
        .bind(crate::now())
        .bind(&self.actor)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        self.audit_insert(&mut tx, "register", "licences", id)
            .await?;
        self.commit(tx).await?;
        Ok(id)
    }

    /// Licences on file (of one jurisdiction, or all).
    pub async fn licences(&self, jurisdiction: Option<&str>) -> Result<Vec<StoredLicence>, Error> {
        let rows = sqlx::query(
            "SELECT id, body, quantity_used, value_used, recorded_at FROM licences
             WHERE $1 = '' OR jurisdiction = $1 ORDER BY id",
        )
        .bind(jurisdiction.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(licence_from_row).collect()
    }

    /// One licence by jurisdiction and number.
    pub async fn licence(&self, jurisdiction: &str, number: &str) -> Result<StoredLicence, Error> {
        let row = sqlx::query(
            "SELECT id, body, quantity_used, value_used, recorded_at FROM licences WHERE jurisdiction = $1 AND number = $2",
        )
        .bind(jurisdiction)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => licence_from_row(&r),
            None => Err(Error::Rejected(format!(
                "no licence {number:?} registered for jurisdiction {jurisdiction:?}"
            ))),
        }
    }

    /// Records a shipment and draws the licence down, atomically: the
    /// balance is checked and reduced under the store's write lock, so
    /// concurrent shipments can never overdraw it.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_shipment(
        &self,
        jurisdiction: &str,
        number: &str,
        reference: &str,
        quantity: f64,
        value: f64,
        shipped_on: NaiveDate,
        decision_id: Option<i64>,
    ) -> Result<ShipmentReceipt, Error> {
        self.record_shipment_from(
            jurisdiction,
            &[number.to_string()],
            reference,
            quantity,
            value,
            shipped_on,
            decision_id,
        )
        .await
    }

    /// Records a shipment against the first of `numbers`, in their order,
    /// that is valid on the day and has the balance left for it. Balances
    /// are read under the store's write lock, in the transaction that draws
    /// the licence down: a licence another shipment has just used up is
    /// passed over for the next one, and none is ever overdrawn. Refused,
    /// with every licence's reason, when none can take it.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_shipment_from(
        &self,
        jurisdiction: &str,
        numbers: &[String],
        reference: &str,
        quantity: f64,
        value: f64,
        shipped_on: NaiveDate,
        decision_id: Option<i64>,
    ) -> Result<ShipmentReceipt, Error> {
        if reference.trim().is_empty() {
            return Err(Error::Rejected("the shipment reference is empty".into()));
        }
        if !(quantity.is_finite() && quantity >= 0.0 && value.is_finite() && value >= 0.0) {
            return Err(Error::Rejected(
                "quantity and value must be zero or more".into(),
            ));
        }
        if quantity == 0.0 && value == 0.0 {
            return Err(Error::Rejected(
                "give a quantity or a value to draw down".into(),
            ));
        }
        if numbers.is_empty() {
            return Err(Error::Rejected(format!(
                "no {jurisdiction} licence to draw shipment {reference:?} on"
            )));
        }
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let dup = sqlx::query("SELECT id FROM shipments WHERE reference = $1")
            .bind(reference)
            .fetch_optional(&mut *tx)
            .await?;
        if dup.is_some() {
            return Err(Error::Rejected(format!(
                "shipment {reference:?} is already recorded"
            )));
        }
        let mut refused = Vec::new();
        for number in numbers {
            let row = sqlx::query(
                "SELECT id, body, quantity_used, value_used, recorded_at FROM licences WHERE jurisdiction = $1 AND number = $2",
            )
            .bind(jurisdiction)
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                refused.push(format!(
                    "no licence {number:?} registered for jurisdiction {jurisdiction:?}"
                ));
                continue;
            };
            let stored = licence_from_row(&row)?;
            let remaining = match draw_refusal(&stored, shipped_on, quantity, value) {
                Ok(r) => r,
                Err(why) => {
                    refused.push(why);
                    continue;
                }
            };
            let before = row_json(&mut tx, "licences", stored.id).await?;
            sqlx::query(
                "UPDATE licences SET quantity_used = quantity_used + $1, value_used = value_used + $2 WHERE id = $3",
            )
            .bind(quantity)
            .bind(value)
            .bind(stored.id)
            .execute(&mut *tx)
            .await?;
            self.audit_update(&mut tx, "draw down", "licences", stored.id, before)
                .await?;
            let shipment_id: i64 = sqlx::query(
                "INSERT INTO shipments (licence_id, reference, quantity, value, shipped_on, decision_id, recorded_at, actor)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(stored.id)
            .bind(reference)
            .bind(quantity)
            .bind(value)
            .bind(shipped_on.to_string())
            .bind(decision_id)
            .bind(crate::now())
            .bind(&self.actor)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            self.audit_insert(&mut tx, "record", "shipments", shipment_id)
                .await?;
            self.commit(tx).await?;
            return Ok(ShipmentReceipt {
                shipment_id,
                jurisdiction: jurisdiction.to_string(),
                licence: number.to_string(),
                reference: reference.to_string(),
                quantity,
                value,
                remaining,
            });
        }
        Err(Error::Rejected(match refused.as_slice() {
            [one] => one.clone(),
            _ => format!(
                "no licence can take shipment {reference:?}: {}",
                refused.join("; ")
            ),
        }))
    }

    // ----- parties, hits, dispositions, rescreening ------------------------

    /// The party's id, created when asked; `true` with an id just created.
    async fn party_id(
        &self,
        conn: &mut WriteTx,
        name: &str,
        country: Option<&str>,
        entity_type: Option<&str>,
        create: bool,
    ) -> Result<Option<(i64, bool)>, Error> {
        let key = party_key(name, country, entity_type);
        if let Some(r) = sqlx::query("SELECT id FROM parties WHERE party_key = $1")
            .bind(&key)
            .fetch_optional(&mut **conn)
            .await?
        {
            return Ok(Some((r.try_get(0)?, false)));
        }
        if !create {
            return Ok(None);
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO parties (party_key, name, country, entity_type, first_seen, actor) VALUES ($1, $2, $3, $4, $5, $6) {}",
            audit::returning("parties")
        )))
        .bind(&key)
        .bind(name.trim())
        .bind(country)
        .bind(entity_type)
        .bind(crate::now())
        .bind(&self.actor)
        .fetch_one(&mut **conn)
        .await?;
        let id = self.audit_returned(conn, "record", "parties", &row).await?;
        Ok(Some((id, true)))
    }

    /// Stores a screened party and its hits, so that later list versions
    /// rescreen it. Hits already stored are reconciled as a rescreen would,
    /// but nothing is marked gone.
    pub async fn note_party(
        &self,
        name: &str,
        country: Option<&str>,
        entity_type: Option<&str>,
        hits: &[HitRecord],
        list_version: &str,
    ) -> Result<Vec<Alert>, Error> {
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let party = NotedParty {
            name: name.to_string(),
            country: country.map(str::to_string),
            entity_type: entity_type.map(str::to_string),
            evidence: PartyEvidence::default(),
            hits: hits.to_vec(),
        };
        let alerts = self.note_party_in(&mut tx, &party, list_version).await?;
        self.commit(tx).await?;
        Ok(alerts)
    }

    async fn note_party_in(
        &self,
        conn: &mut WriteTx,
        p: &NotedParty,
        list_version: &str,
    ) -> Result<Vec<Alert>, Error> {
        let (country, entity_type) = (p.country.as_deref(), p.entity_type.as_deref());
        let Some((id, created)) = self
            .party_id(conn, &p.name, country, entity_type, true)
            .await?
        else {
            return Err(Error::Rejected(format!(
                "party {:?} was not stored",
                p.name
            )));
        };
        // A party just created has no stored hits and no clearances yet.
        let (stored, dispositions) = if created {
            (HashMap::new(), HashMap::new())
        } else {
            (
                stored_hits(conn, Some(id)).await?,
                active_dispositions(conn, Some(id)).await?,
            )
        };
        self.note_evidence(conn, id, created, &p.evidence).await?;
        let party = PartyRecord {
            id,
            name: p.name.clone(),
            country: p.country.clone(),
            entity_type: p.entity_type.clone(),
            evidence: p.evidence.clone(),
        };
        let mut counts = Counts::default();
        self.reconcile(
            conn,
            &party,
            &p.hits,
            stored.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            &dispositions,
            list_version,
            false,
            &mut counts,
        )
        .await
    }

    /// Active false-positive clearances for a party.
    pub async fn dispositions_for(
        &self,
        name: &str,
        country: Option<&str>,
        entity_type: Option<&str>,
    ) -> Result<Vec<Disposition>, Error> {
        let key = party_key(name, country, entity_type);
        let rows = sqlx::query(
            "SELECT d.id, p.name, d.list, d.entry_id, d.entry_hash, d.verdict, d.reason, d.active, d.recorded_at, d.actor
             FROM dispositions d JOIN parties p ON p.id = d.party_id
             WHERE p.party_key = $1 AND d.active = 1 ORDER BY d.id",
        )
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(disposition_from_row).collect()
    }

    /// The active dispositions of many parties at once (as
    /// [`Store::dispositions_for`] with no entity type), by (name, country).
    pub async fn dispositions_for_many(
        &self,
        parties: &[(String, Option<String>)],
    ) -> Result<HashMap<(String, Option<String>), Vec<Disposition>>, Error> {
        let mut by_key: HashMap<String, Vec<(String, Option<String>)>> = HashMap::new();
        for (name, country) in parties {
            by_key
                .entry(party_key(name, country.as_deref(), None))
                .or_default()
                .push((name.clone(), country.clone()));
        }
        let mut out: HashMap<(String, Option<String>), Vec<Disposition>> =
            parties.iter().map(|p| (p.clone(), Vec::new())).collect();
        let keys: Vec<&String> = by_key.keys().collect();
        for chunk in keys.chunks(200) {
            let marks = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT d.id, p.name, d.list, d.entry_id, d.entry_hash, d.verdict, d.reason, d.active, d.recorded_at, d.actor, p.party_key
                 FROM dispositions d JOIN parties p ON p.id = d.party_id
                 WHERE p.party_key IN ({marks}) AND d.active = 1 ORDER BY d.id"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for k in chunk {
                q = q.bind(k.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let key: String = r.try_get(10)?;
                let d = disposition_from_row(&r)?;
                for who in by_key.get(&key).into_iter().flatten() {
                    out.entry(who.clone()).or_default().push(d.clone());
                }
            }
        }
        Ok(out)
    }

    /// Every disposition, newest last.
    pub async fn dispositions(&self) -> Result<Vec<Disposition>, Error> {
        let rows = sqlx::query(
            "SELECT d.id, p.name, d.list, d.entry_id, d.entry_hash, d.verdict, d.reason, d.active, d.recorded_at, d.actor
             FROM dispositions d JOIN parties p ON p.id = d.party_id ORDER BY d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(disposition_from_row).collect()
    }

    /// Asks for a party's hit on a list entry to be cleared as a false
    /// positive. Nobody clears alone: the hit's case (opened now if it has
    /// none) gets the proposal, and another officer approves it
    /// ([`Store::approve_case`]), which records the disposition. A hit
    /// that a case confirmed as the listed party is not cleared.
    pub async fn clear_hit(
        &self,
        name: &str,
        country: Option<&str>,
        entity_type: Option<&str>,
        list: &str,
        entry_id: &str,
        reason: &str,
    ) -> Result<crate::CaseFile, Error> {
        if reason.trim().is_empty() {
            return Err(Error::Rejected("a clearance needs a reason".into()));
        }
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let party = self
            .party_id(&mut tx, name, country, entity_type, false)
            .await?
            .map(|(id, _)| id)
            .ok_or_else(|| {
                Error::Rejected(format!(
                    "no recorded party {name:?}{}: screen or check it first",
                    country.map(|c| format!(" ({c})")).unwrap_or_default()
                ))
            })?;
        let status: String = sqlx::query(
            "SELECT status FROM hits WHERE party_id = $1 AND list = $2 AND entry_id = $3",
        )
        .bind(party)
        .bind(list)
        .bind(entry_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            Error::Rejected(format!(
                "{name:?} has no recorded hit on {list} entry {entry_id:?}"
            ))
        })?
        .try_get(0)?;
        if status == "cleared" {
            return Err(Error::Rejected(format!(
                "{name:?}'s hit on {list} entry {entry_id:?} is already cleared"
            )));
        }
        if let Some(case) = self.confirmed_by(&mut tx, party, list, entry_id).await? {
            return Err(Error::Rejected(format!(
                "{name:?}'s hit on {list} entry {entry_id:?} was confirmed as the listed party by case {case}: it is not cleared"
            )));
        }
        let case = self
            .hit_case_in(&mut tx, party, list, entry_id)
            .await?
            .ok_or_else(|| {
                Error::Rejected(format!(
                    "{name:?}'s hit on {list} entry {entry_id:?} is not open"
                ))
            })?;
        self.commit(tx).await?;
        self.propose_resolution(case, "clear", reason).await
    }

    /// Records a false-positive disposition for a party's hit and marks the
    /// hit cleared, in `tx`.
    pub(crate) async fn clear_hit_in(
        &self,
        tx: &mut WriteTx,
        party: i64,
        list: &str,
        entry_id: &str,
        reason: &str,
    ) -> Result<Disposition, Error> {
        let name: String = sqlx::query("SELECT name FROM parties WHERE id = $1")
            .bind(party)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
        let hit = sqlx::query(
            "SELECT id, entry_hash, status FROM hits WHERE party_id = $1 AND list = $2 AND entry_id = $3",
        )
        .bind(party)
        .bind(list)
        .bind(entry_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            Error::Rejected(format!(
                "{name:?} has no recorded hit on {list} entry {entry_id:?}"
            ))
        })?;
        let hit_id: i64 = hit.try_get(0)?;
        let entry_hash: String = hit.try_get(1)?;
        let status: String = hit.try_get(2)?;
        if status == "cleared" {
            return Err(Error::Rejected(format!(
                "{name:?}'s hit on {list} entry {entry_id:?} is already cleared"
            )));
        }
        let now = crate::now();
        let id: i64 = sqlx::query(
            "INSERT INTO dispositions (party_id, list, entry_id, entry_hash, verdict, reason, active, recorded_at, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(party)
        .bind(list)
        .bind(entry_id)
        .bind(&entry_hash)
        .bind("false_positive")
        .bind(reason)
        .bind(1i64)
        .bind(&now)
        .bind(&self.actor)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        self.audit_insert(tx, "clear", "dispositions", id).await?;
        let before = row_json(tx, "hits", hit_id).await?;
        sqlx::query("UPDATE hits SET status = 'cleared', updated_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(hit_id)
            .execute(&mut **tx)
            .await?;
        self.audit_update(tx, "clear", "hits", hit_id, before)
            .await?;
        Ok(Disposition {
            id,
            party: name,
            list: list.to_string(),
            entry_id: entry_id.to_string(),
            entry_hash,
            verdict: "false_positive".into(),
            reason: reason.to_string(),
            active: true,
            recorded_at: now,
            actor: self.actor.clone(),
        })
    }

    /// Every stored party with what screens knew of it, for rescreening.
    pub async fn parties(&self) -> Result<Vec<PartyRecord>, Error> {
        let rows = sqlx::query("SELECT id, name, country, entity_type FROM parties ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut evidence: HashMap<i64, PartyEvidence> = HashMap::new();
        for r in sqlx::query("SELECT party_id, birth_date, ids FROM party_evidence ORDER BY id")
            .fetch_all(&self.pool)
            .await?
        {
            let e = evidence.entry(r.try_get(0)?).or_default();
            merge_evidence(
                e,
                &PartyEvidence {
                    birth_date: r.try_get(1)?,
                    ids: split_ids(&r.try_get::<String, _>(2)?),
                },
            );
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                Ok(PartyRecord {
                    id,
                    name: r.try_get(1)?,
                    country: r.try_get(2)?,
                    entity_type: r.try_get(3)?,
                    evidence: evidence.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Adds a row of evidence when the screen brought a date of birth or an
    /// identifier the party's stored evidence lacks.
    async fn note_evidence(
        &self,
        conn: &mut WriteTx,
        party: i64,
        created: bool,
        given: &PartyEvidence,
    ) -> Result<(), Error> {
        if given.is_empty() {
            return Ok(());
        }
        let mut stored = PartyEvidence::default();
        if !created {
            for r in sqlx::query(
                "SELECT birth_date, ids FROM party_evidence WHERE party_id = $1 ORDER BY id",
            )
            .bind(party)
            .fetch_all(&mut **conn)
            .await?
            {
                merge_evidence(
                    &mut stored,
                    &PartyEvidence {
                        birth_date: r.try_get(0)?,
                        ids: split_ids(&r.try_get::<String, _>(1)?),
                    },
                );
            }
        }
        let mut merged = stored.clone();
        merge_evidence(&mut merged, given);
        if merged == stored {
            return Ok(());
        }
        let new_ids: Vec<&String> = given
            .ids
            .iter()
            .filter(|i| !stored.ids.contains(i))
            .collect();
        let birth_date = given
            .birth_date
            .as_ref()
            .filter(|d| stored.birth_date.as_ref() != Some(*d));
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO party_evidence (party_id, birth_date, ids, recorded_at, actor) VALUES ($1, $2, $3, $4, $5) {}",
            audit::returning("party_evidence")
        )))
        .bind(party)
        .bind(birth_date)
        .bind(new_ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(";"))
        .bind(crate::now())
        .bind(&self.actor)
        .fetch_one(&mut **conn)
        .await?;
        self.audit_returned(conn, "record", "party_evidence", &row)
            .await?;
        Ok(())
    }

    /// Applies a rescreen's results: new, changed, re-raised and cleared
    /// hits are stored and reported; unchanged hits (cleared or not) raise
    /// nothing.
    pub async fn apply_rescreen(
        &self,
        list_version: &str,
        results: &[(PartyRecord, Vec<HitRecord>)],
        owned: Vec<Alert>,
    ) -> Result<RescreenReport, Error> {
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let stored = stored_hits(&mut tx, None).await?;
        let dispositions = active_dispositions(&mut tx, None).await?;
        let mut alerts = Vec::new();
        let mut raised: Vec<i64> = Vec::new();
        let mut counts = Counts::default();
        for (party, hits) in results {
            let before = stored.get(&party.id).map(Vec::as_slice).unwrap_or(&[]);
            if before.is_empty() && hits.is_empty() {
                continue;
            }
            let found = self
                .reconcile(
                    &mut tx,
                    party,
                    hits,
                    before,
                    &dispositions,
                    list_version,
                    true,
                    &mut counts,
                )
                .await?;
            // A hit new, changed or raised again is a case to work.
            if found.iter().any(|a| {
                matches!(
                    a.kind,
                    AlertKind::New | AlertKind::Changed | AlertKind::Reraised
                )
            }) {
                raised.push(party.id);
            }
            alerts.extend(found);
        }
        let owned_count = owned.len();
        alerts.extend(owned);
        let count = |k: AlertKind| alerts.iter().filter(|a| a.kind == k).count();
        let (new, changed, reraised, cleared) = (
            count(AlertKind::New),
            count(AlertKind::Changed),
            count(AlertKind::Reraised),
            count(AlertKind::Cleared),
        );
        let id: i64 = sqlx::query(
            "INSERT INTO rescreens (list_version, parties, new_hits, changed, cleared, alerts, recorded_at, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(list_version)
        .bind(results.len() as i64)
        .bind(new as i64)
        .bind((changed + reraised) as i64)
        .bind(cleared as i64)
        .bind(serde_json::to_string(&alerts).unwrap_or_default())
        .bind(crate::now())
        .bind(&self.actor)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        self.audit_insert(&mut tx, "rescreen", "rescreens", id)
            .await?;
        self.open_hit_cases_in(&mut tx, &raised, None, Some(id))
            .await?;
        self.commit(tx).await?;
        Ok(RescreenReport {
            id,
            list_version: list_version.to_string(),
            parties: results.len() as i64,
            new,
            changed,
            reraised,
            cleared,
            still_cleared: counts.still_cleared,
            owned: owned_count,
            alerts,
        })
    }

    /// The ownership findings the last rescreen stood on: its `owned`
    /// alerts and those of earlier rescreens not changed since, as
    /// (party, rule) → finding. A finding of "" is none.
    pub async fn ownership_findings_on_record(
        &self,
    ) -> Result<std::collections::HashMap<(String, String), String>, Error> {
        let rows = sqlx::query("SELECT alerts FROM rescreens ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut out = std::collections::HashMap::new();
        for r in rows {
            let text: String = r.try_get(0)?;
            let alerts: Vec<Alert> = serde_json::from_str(&text)
                .map_err(|e| Error::Corrupt(format!("stored rescreen alerts: {e}")))?;
            for a in alerts.into_iter().filter(|a| a.kind == AlertKind::Owned) {
                out.insert((a.party, a.list), a.entry_name);
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    async fn reconcile(
        &self,
        conn: &mut WriteTx,
        party: &PartyRecord,
        hits: &[HitRecord],
        stored: &[StoredHit],
        dispositions: &HashMap<(i64, String, String), (i64, String)>,
        list_version: &str,
        mark_gone: bool,
        counts: &mut Counts,
    ) -> Result<Vec<Alert>, Error> {
        let now = crate::now();
        let mut alerts = Vec::new();
        let alert = |kind: AlertKind, h: &HitRecord| Alert {
            kind,
            party: party.name.clone(),
            country: party.country.clone(),
            list: h.list.clone(),
            entry_id: h.entry_id.clone(),
            entry_name: h.entry_name.clone(),
            score: h.score,
        };
        for h in hits {
            let cleared_by = dispositions.get(&(party.id, h.list.clone(), h.entry_id.clone()));
            let holds = cleared_by.is_some_and(|(_, hash)| *hash == h.entry_hash);
            match stored
                .iter()
                .find(|s| s.list == h.list && s.entry_id == h.entry_id)
            {
                None => {
                    let status = if holds { "cleared" } else { "open" };
                    let row = sqlx::query(AssertSqlSafe(format!(
                        "INSERT INTO hits (party_id, list, entry_id, entry_name, entry_hash, score, status, list_version, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {}",
                        audit::returning("hits")
                    )))
                    .bind(party.id)
                    .bind(&h.list)
                    .bind(&h.entry_id)
                    .bind(&h.entry_name)
                    .bind(&h.entry_hash)
                    .bind(h.score)
                    .bind(status)
                    .bind(list_version)
                    .bind(&now)
                    .fetch_one(&mut **conn)
                    .await?;
                    self.audit_returned(conn, "record", "hits", &row).await?;
                    if !holds {
                        alerts.push(alert(AlertKind::New, h));
                    }
                }
                Some(s) if s.entry_hash == h.entry_hash && s.status != "gone" => {
                    if s.status == "cleared" {
                        counts.still_cleared += 1;
                    }
                }
                Some(s) => {
                    let (status, kind) = if s.entry_hash == h.entry_hash {
                        // Back after having gone away, unchanged.
                        (
                            if holds { "cleared" } else { "open" },
                            (!holds).then_some(AlertKind::New),
                        )
                    } else if let Some((disp_id, _)) = cleared_by {
                        let before = row_json(conn, "dispositions", *disp_id).await?;
                        sqlx::query("UPDATE dispositions SET active = 0 WHERE id = $1")
                            .bind(disp_id)
                            .execute(&mut **conn)
                            .await?;
                        self.audit_update(conn, "re-raise", "dispositions", *disp_id, before)
                            .await?;
                        ("open", Some(AlertKind::Reraised))
                    } else {
                        ("open", Some(AlertKind::Changed))
                    };
                    let before = row_json(conn, "hits", s.id).await?;
                    sqlx::query(
                        "UPDATE hits SET entry_name = $1, entry_hash = $2, score = $3, status = $4, list_version = $5, updated_at = $6 WHERE id = $7",
                    )
                    .bind(&h.entry_name)
                    .bind(&h.entry_hash)
                    .bind(h.score)
                    .bind(status)
                    .bind(list_version)
                    .bind(&now)
                    .bind(s.id)
                    .execute(&mut **conn)
                    .await?;
                    self.audit_update(conn, "rescreen", "hits", s.id, before)
                        .await?;
                    if let Some(k) = kind {
                        alerts.push(alert(k, h));
                    }
                }
            }
        }
        if mark_gone {
            for s in stored.iter().filter(|s| s.status != "gone") {
                if hits
                    .iter()
                    .any(|h| h.list == s.list && h.entry_id == s.entry_id)
                {
                    continue;
                }
                let before = row_json(conn, "hits", s.id).await?;
                sqlx::query("UPDATE hits SET status = 'gone', list_version = $1, updated_at = $2 WHERE id = $3")
                    .bind(list_version)
                    .bind(&now)
                    .bind(s.id)
                    .execute(&mut **conn)
                    .await?;
                self.audit_update(conn, "rescreen", "hits", s.id, before)
                    .await?;
                if s.status == "open" {
                    alerts.push(Alert {
                        kind: AlertKind::Cleared,
                        party: party.name.clone(),
                        country: party.country.clone(),
                        list: s.list.clone(),
                        entry_id: s.entry_id.clone(),
                        entry_name: s.entry_name.clone(),
                        score: s.score,
                    });
                }
            }
        }
        Ok(alerts)
    }

    // ----- audit -----------------------------------------------------------

    /// Verifies the whole trail and every record against it.
    pub async fn verify(&self, pinned: &[Vec<u8>]) -> Result<VerifyReport, Error> {
        audit::verify(&self.pool, pinned, &[]).await
    }

    /// [`Store::verify`], and that the trail still holds every checkpointed
    /// entry with its checkpointed hash (each checkpoint named, e.g. by its
    /// file): a trail truncated or rolled back since is reported.
    pub async fn verify_against(
        &self,
        pinned: &[Vec<u8>],
        checkpoints: &[(String, Checkpoint)],
    ) -> Result<VerifyReport, Error> {
        audit::verify(&self.pool, pinned, checkpoints).await
    }

    /// The head of the trail: its entry count and last hash. The head entry
    /// must be sealed by a valid signature.
    pub async fn head(&self) -> Result<(i64, String), Error> {
        let mut conn = self.pool.acquire().await?;
        audit::head(&mut conn).await
    }

    /// A checkpoint of the trail's head, signed with this store's key, to
    /// keep outside the database (a file elsewhere, a webhook receiver).
    pub async fn checkpoint(&self) -> Result<Checkpoint, Error> {
        let signer = self.signer()?;
        let (entries, head) = self.head().await?;
        Checkpoint::sign(signer, entries, &head)
    }

    /// The trail from `from` to `to` (days included), with the public keys.
    pub async fn export(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<AuditBundle, Error> {
        audit::export(&self.pool, from, to).await
    }

    /// Counts of records per table (for status displays and tests).
    pub async fn count(&self, table: &str) -> Result<i64, Error> {
        if !audit::TABLES.iter().any(|(t, _)| *t == table) && table != "audit" {
            return Err(Error::Rejected(format!("no table {table:?}")));
        }
        Ok(
            sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    /// Closes the store; on SQLite the write-ahead log is folded into the
    /// database file, so the file alone is the whole record.
    pub async fn close(self) {
        if self.backend == Backend::Sqlite {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await;
        }
        self.pool.close().await;
    }
}

#[derive(Default)]
struct Counts {
    still_cleared: usize,
}

struct StoredHit {
    id: i64,
    list: String,
    entry_id: String,
    entry_name: String,
    entry_hash: String,
    score: f64,
    status: String,
}

async fn stored_hits(
    conn: &mut AnyConnection,
    party: Option<i64>,
) -> Result<HashMap<i64, Vec<StoredHit>>, Error> {
    let rows = sqlx::query(
        "SELECT id, party_id, list, entry_id, entry_name, entry_hash, score, status FROM hits WHERE $1 < 0 OR party_id = $1",
    )
    .bind(party.unwrap_or(-1))
    .fetch_all(&mut *conn)
    .await?;
    let mut map: HashMap<i64, Vec<StoredHit>> = HashMap::new();
    for r in rows {
        map.entry(r.try_get(1)?).or_default().push(StoredHit {
            id: r.try_get(0)?,
            list: r.try_get(2)?,
            entry_id: r.try_get(3)?,
            entry_name: r.try_get(4)?,
            entry_hash: r.try_get(5)?,
            score: r.try_get(6)?,
            status: r.try_get(7)?,
        });
    }
    Ok(map)
}

/// Active dispositions by (party, list, entry): (disposition id, entry hash).
async fn active_dispositions(
    conn: &mut AnyConnection,
    party: Option<i64>,
) -> Result<HashMap<(i64, String, String), (i64, String)>, Error> {
    let rows = sqlx::query(
        "SELECT id, party_id, list, entry_id, entry_hash FROM dispositions WHERE active = 1 AND ($1 < 0 OR party_id = $1)",
    )
    .bind(party.unwrap_or(-1))
    .fetch_all(&mut *conn)
    .await?;
    let mut map = HashMap::new();
    for r in rows {
        map.insert(
            (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?),
            (r.try_get(0)?, r.try_get(4)?),
        );
    }
    Ok(map)
}

fn decision_from_row(r: &AnyRow) -> Result<StoredDecision, Error> {
    let parties: String = r.try_get(7)?;
    let json = |i: usize| -> Result<Value, Error> {
        let s: String = r.try_get(i)?;
        Ok(serde_json::from_str(&s).unwrap_or(Value::String(s)))
    };
    Ok(StoredDecision {
        id: r.try_get(0)?,
        request_key: r.try_get(1)?,
        kind: r.try_get(2)?,
        recorded_at: r.try_get(3)?,
        actor: r.try_get(4)?,
        subject: r.try_get(5)?,
        destination: r.try_get(6)?,
        parties: parties
            .split('\n')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        outcome: r.try_get(8)?,
        as_of: r.try_get(9)?,
        rules_hash: r.try_get(10)?,
        list_version: r.try_get(11)?,
        input: json(12)?,
        result: json(13)?,
        superseded_by: r.try_get(14)?,
    })
}

/// What is left of a licence after drawing `quantity` and `value` on
/// `shipped_on`, or why it cannot be drawn.
fn draw_refusal(
    stored: &StoredLicence,
    shipped_on: NaiveDate,
    quantity: f64,
    value: f64,
) -> Result<Remaining, String> {
    let l = &stored.licence;
    let number = &l.number;
    if shipped_on < l.valid_from {
        return Err(format!(
            "licence {number} is not valid until {}",
            l.valid_from
        ));
    }
    if shipped_on > l.valid_to {
        return Err(format!("licence {number} expired on {}", l.valid_to));
    }
    let remaining = Remaining {
        quantity: l.quantity.map(|q| q - stored.drawn.quantity - quantity),
        value: l.value.map(|v| v - stored.drawn.value - value),
    };
    if let Some(left) = remaining.quantity {
        if left < -1e-9 {
            return Err(format!(
                "licence {number} would be overdrawn: {} units left, {quantity} asked",
                left + quantity
            ));
        }
    }
    if let Some(left) = remaining.value {
        if left < -1e-9 {
            return Err(format!(
                "licence {number} would be overdrawn: {} {} of value left, {value} asked",
                left + value,
                l.currency
            ));
        }
    }
    Ok(remaining)
}

fn licence_from_row(r: &AnyRow) -> Result<StoredLicence, Error> {
    let body: String = r.try_get(1)?;
    let licence: Licence = serde_json::from_str(&body).map_err(|e| {
        Error::Rejected(format!(
            "stored licence {} is unreadable: {e}",
            r.try_get::<i64, _>(0).unwrap_or(0)
        ))
    })?;
    Ok(StoredLicence {
        id: r.try_get(0)?,
        licence,
        drawn: Drawn {
            quantity: r.try_get(2)?,
            value: r.try_get(3)?,
        },
        recorded_at: r.try_get(4)?,
    })
}

fn disposition_from_row(r: &AnyRow) -> Result<Disposition, Error> {
    Ok(Disposition {
        id: r.try_get(0)?,
        party: r.try_get(1)?,
        list: r.try_get(2)?,
        entry_id: r.try_get(3)?,
        entry_hash: r.try_get(4)?,
        verdict: r.try_get(5)?,
        reason: r.try_get(6)?,
        active: r.try_get::<i64, _>(7)? != 0,
        recorded_at: r.try_get(8)?,
        actor: r.try_get(9)?,
    })
}
