//! The audit trail: append, verify, export.
//!
//! Entry `n` stores the SHA-256 of its own fields and of entry `n-1`'s hash,
//! and an ML-DSA-65 signature of that hash. Each entry carries the record it
//! describes as it was before and after the change, in a canonical form read
//! back from the database in the same transaction, so verification can tell
//! a record changed behind the trail's back.

use crate::checkpoint::Checkpoint;
use crate::keys::{self, sha256_hex, Signer};
use crate::Error;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};

pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Copy)]
pub(crate) enum Col {
    Int,
    Real,
    Text,
}

use Col::{Int, Real, Text};

/// Every audited table with its columns, in order.
pub(crate) const TABLES: &[(&str, &[(&str, Col)])] = &[
    (
        "decisions",
        &[
            ("id", Int),
            ("request_key", Text),
            ("kind", Text),
            ("recorded_at", Text),
            ("actor", Text),
            ("subject", Text),
            ("destination", Text),
            ("parties", Text),
            ("outcome", Text),
            ("as_of", Text),
            ("rules_hash", Text),
            ("list_version", Text),
            ("input", Text),
            ("result", Text),
        ],
    ),
    (
        "licences",
        &[
            ("id", Int),
            ("jurisdiction", Text),
            ("number", Text),
            ("holder", Text),
            ("body", Text),
            ("quantity_used", Real),
            ("value_used", Real),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "shipments",
        &[
            ("id", Int),
            ("licence_id", Int),
            ("reference", Text),
            ("quantity", Real),
            ("value", Real),
            ("shipped_on", Text),
            ("decision_id", Int),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "parties",
        &[
            ("id", Int),
            ("party_key", Text),
            ("name", Text),
            ("country", Text),
            ("entity_type", Text),
            ("first_seen", Text),
            ("actor", Text),
        ],
    ),
    (
        "party_evidence",
        &[
            ("id", Int),
            ("party_id", Int),
            ("birth_date", Text),
            ("ids", Text),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "hits",
        &[
            ("id", Int),
            ("party_id", Int),
            ("list", Text),
            ("entry_id", Text),
            ("entry_name", Text),
            ("entry_hash", Text),
            ("score", Real),
            ("status", Text),
            ("list_version", Text),
            ("updated_at", Text),
        ],
    ),
    (
        "dispositions",
        &[
            ("id", Int),
            ("party_id", Int),
            ("list", Text),
            ("entry_id", Text),
            ("entry_hash", Text),
            ("verdict", Text),
            ("reason", Text),
            ("active", Int),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "api_keys",
        &[
            ("id", Int),
            ("key_id", Text),
            ("secret_hash", Text),
            ("role", Text),
            ("name", Text),
            ("created_at", Text),
            ("revoked_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "refusals",
        &[
            ("id", Int),
            ("at", Text),
            ("key_id", Text),
            ("role", Text),
            ("method", Text),
            ("path", Text),
            ("status", Int),
            ("reason", Text),
            ("remote", Text),
        ],
    ),
    (
        "supersessions",
        &[
            ("id", Int),
            ("decision_id", Int),
            ("supersedes_id", Int),
            ("line", Text),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "refusal_windows",
        &[
            ("id", Int),
            ("first_at", Text),
            ("last_at", Text),
            ("remote", Text),
            ("refused", Int),
            ("limited", Int),
            ("statuses", Text),
            ("key_ids", Text),
            ("paths", Text),
            ("reasons", Text),
        ],
    ),
    (
        "cases",
        &[
            ("id", Int),
            ("kind", Text),
            ("decision_id", Int),
            ("rescreen_id", Int),
            ("subject", Text),
            ("party_id", Int),
            ("list", Text),
            ("entry_id", Text),
            ("outcome", Text),
            ("entry_hash", Text),
            ("status", Text),
            ("assignee", Text),
            ("resolution", Text),
            ("reason", Text),
            ("proposed_by", Text),
            ("approved_by", Text),
            ("opened_at", Text),
            ("updated_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "case_events",
        &[
            ("id", Int),
            ("case_id", Int),
            ("at", Text),
            ("actor", Text),
            ("action", Text),
            ("text", Text),
            ("evidence_name", Text),
            ("evidence_sha256", Text),
            ("evidence", Text),
        ],
    ),
    (
        "products",
        &[
            ("id", Int),
            ("product_key", Text),
            ("name", Text),
            ("version", Int),
            ("status", Text),
            ("definition", Text),
            ("sha256", Text),
            ("reason", Text),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "list_refreshes",
        &[
            ("id", Int),
            ("files", Text),
            ("failed", Text),
            ("changed", Text),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "ownership_imports",
        &[
            ("id", Int),
            ("source", Text),
            ("format", Text),
            ("file_name", Text),
            ("file_sha256", Text),
            ("entities", Int),
            ("links", Int),
            ("digest", Text),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
    (
        "rescreens",
        &[
            ("id", Int),
            ("list_version", Text),
            ("parties", Int),
            ("new_hits", Int),
            ("changed", Int),
            ("cleared", Int),
            ("alerts", Text),
            ("recorded_at", Text),
            ("actor", Text),
        ],
    ),
];

fn columns(table: &str) -> &'static [(&'static str, Col)] {
    TABLES
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, c)| *c)
        .expect("audited table")
}

fn select_list(table: &str) -> String {
    columns(table)
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The canonical text of a row: a JSON array of its columns in order.
fn canonical(row: &AnyRow, cols: &[(&str, Col)]) -> Result<String, Error> {
    let mut values = Vec::with_capacity(cols.len());
    for (i, (_, kind)) in cols.iter().enumerate() {
        let v = match kind {
            Int => row.try_get::<Option<i64>, _>(i)?.map(Value::from),
            Real => row.try_get::<Option<f64>, _>(i)?.map(Value::from),
            Text => row.try_get::<Option<String>, _>(i)?.map(Value::from),
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Value::Array(values).to_string())
}

/// `RETURNING` every audited column of `table`, so that an insert hands
/// back the record's canonical form without a second query.
pub(crate) fn returning(table: &str) -> String {
    format!("RETURNING {}", select_list(table))
}

/// The id and canonical text of a row an insert returned with [`returning`].
pub(crate) fn returned(row: &AnyRow, table: &str) -> Result<(i64, String), Error> {
    Ok((row.try_get(0)?, canonical(row, columns(table))?))
}

/// A record as the audit trail sees it, read in the current transaction.
pub(crate) async fn row_json(
    conn: &mut AnyConnection,
    table: &str,
    id: i64,
) -> Result<String, Error> {
    let sql = format!("SELECT {} FROM {table} WHERE id = $1", select_list(table));
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    canonical(&row, columns(table))
}

fn entry_hash(e: &AuditEntry) -> String {
    let fields = serde_json::json!([
        e.seq,
        e.recorded_at,
        e.actor,
        e.action,
        e.table,
        e.record_id,
        e.before.as_deref().map(|b| sha256_hex(b.as_bytes())),
        e.after.as_deref().map(|a| sha256_hex(a.as_bytes())),
        e.prev_hash,
        e.key_id,
    ]);
    sha256_hex(fields.to_string().as_bytes())
}

/// A writing transaction with the head of the chain it appends to.
///
/// Entries are chained one by one, and the transaction is sealed at commit
/// by one ML-DSA-65 signature of its last entry's hash. Each hash covers the
/// one before, so that signature vouches for every entry since the previous
/// seal, and a transaction of any size costs one signature.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    /// The last entry (seq, hash), once read or appended in this transaction.
    head: Option<(i64, String)>,
    /// Whether this transaction appended anything to seal.
    appended: bool,
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl WriteTx {
    pub(crate) fn new(tx: sqlx::Transaction<'static, sqlx::Any>) -> WriteTx {
        WriteTx {
            tx,
            head: None,
            appended: false,
        }
    }

    /// Appends one entry to the chain.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn append(
        &mut self,
        key_id: &str,
        actor: &str,
        action: &str,
        table: &str,
        record_id: i64,
        before: Option<String>,
        after: Option<String>,
    ) -> Result<i64, Error> {
        let (last_seq, prev_hash) = match self.head.take() {
            Some(h) => h,
            None => {
                let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *self.tx)
                    .await?;
                match last {
                    Some(r) => (r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?),
                    None => (0, GENESIS.to_string()),
                }
            }
        };
        let mut e = AuditEntry {
            seq: last_seq + 1,
            recorded_at: crate::now(),
            actor: actor.to_string(),
            action: action.to_string(),
            table: table.to_string(),
            record_id,
            before,
            after,
            prev_hash,
            hash: String::new(),
            key_id: key_id.to_string(),
            signature: String::new(),
        };
        e.hash = entry_hash(&e);
        sqlx::query(
            "INSERT INTO audit (seq, recorded_at, actor, action, tbl, record_id, before_json, after_json, prev_hash, hash, key_id, signature)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(e.seq)
        .bind(&e.recorded_at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.table)
        .bind(e.record_id)
        .bind(&e.before)
        .bind(&e.after)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .bind(&e.key_id)
        .bind(Vec::<u8>::new())
        .execute(&mut *self.tx)
        .await?;
        self.head = Some((e.seq, e.hash));
        self.appended = true;
        Ok(e.seq)
    }

    /// Whether this transaction appended entries (to seal at commit).
    pub(crate) fn appended(&self) -> bool {
        self.appended
    }

    /// Seals what this transaction appended with one signature, then commits.
    pub(crate) async fn commit(mut self, signer: Option<&Signer>) -> Result<(), Error> {
        if self.appended {
            let (seq, hash) = self.head.clone().expect("appended entries have a head");
            let signer = signer.ok_or(Error::NoKey)?;
            let signature = signer.sign(hash.as_bytes())?;
            sqlx::query("UPDATE audit SET signature = $1 WHERE seq = $2")
                .bind(signature)
                .bind(seq)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// The head of the chain, (entries, hash), with the head entry checked:
/// sealed by a valid signature of a key the trail knows.
pub(crate) async fn head(conn: &mut AnyConnection) -> Result<(i64, String), Error> {
    let Some(r) = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1"
    )))
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok((0, GENESIS.to_string()));
    };
    let (e, sig) = entry_from_row(&r)?;
    let key: Option<Vec<u8>> = sqlx::query("SELECT public_key FROM audit_keys WHERE key_id = $1")
        .bind(&e.key_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let sealed = key.is_some_and(|k| keys::verify(&k, e.hash.as_bytes(), &sig));
    if entry_hash(&e) != e.hash || !sealed {
        return Err(Error::Rejected(format!(
            "the trail's last entry ({}) is not sealed by a valid signature: verify the trail; no checkpoint was made",
            e.seq
        )));
    }
    Ok((e.seq, e.hash))
}

/// One audit entry, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub recorded_at: String,
    pub actor: String,
    pub action: String,
    pub table: String,
    pub record_id: i64,
    /// The record before the change (canonical JSON array), if it existed.
    pub before: Option<String>,
    /// The record after the change.
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub key_id: String,
    /// ML-DSA-65 signature of `hash`, hex, on the last entry of each
    /// transaction; empty on the others, which the next signed entry's hash
    /// chain covers.
    pub signature: String,
}

fn entry_from_row(r: &AnyRow) -> Result<(AuditEntry, Vec<u8>), Error> {
    let signature: Vec<u8> = r.try_get(11)?;
    Ok((
        AuditEntry {
            seq: r.try_get(0)?,
            recorded_at: r.try_get(1)?,
            actor: r.try_get(2)?,
            action: r.try_get(3)?,
            table: r.try_get(4)?,
            record_id: r.try_get(5)?,
            before: r.try_get(6)?,
            after: r.try_get(7)?,
            prev_hash: r.try_get(8)?,
            hash: r.try_get(9)?,
            key_id: r.try_get(10)?,
            signature: hex::encode(&signature),
        },
        signature,
    ))
}

const ENTRY_COLUMNS: &str = "seq, recorded_at, actor, action, tbl, record_id, before_json, after_json, prev_hash, hash, key_id, signature";

/// A problem `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The audit entry, when the problem is in the trail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<i64>,
    pub problem: String,
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub entries: i64,
    pub records: i64,
    pub keys: Vec<String>,
    /// The head of the chain: its last hash.
    pub head: String,
    pub ok: bool,
    /// How many checkpoints the trail was checked against.
    pub checkpoints: usize,
    /// The first problems found, trail first (at most 100).
    pub problems: Vec<Problem>,
    pub problem_count: usize,
}

impl VerifyReport {
    fn add(&mut self, p: Problem) {
        self.problem_count += 1;
        self.ok = false;
        if self.problems.len() < 100 {
            self.problems.push(p);
        }
    }
}

/// Checks the whole chain, every signature, and every record against the
/// last state the trail holds for it. `pinned` keys, when given, are the only
/// ones accepted. Each checkpoint (named by where it came from) must be
/// signed by an accepted key, and its entry must be in the trail with the
/// hash it states.
pub(crate) async fn verify(
    pool: &sqlx::AnyPool,
    pinned: &[Vec<u8>],
    checkpoints: &[(String, Checkpoint)],
) -> Result<VerifyReport, Error> {
    let mut conn = pool.acquire().await?;
    let mut known: HashMap<String, Vec<u8>> = HashMap::new();
    for r in sqlx::query("SELECT key_id, public_key FROM audit_keys")
        .fetch_all(&mut *conn)
        .await?
    {
        known.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let mut report = VerifyReport {
        entries: 0,
        records: 0,
        keys: known.keys().cloned().collect(),
        head: GENESIS.to_string(),
        ok: true,
        checkpoints: checkpoints.len(),
        problems: Vec::new(),
        problem_count: 0,
    };
    report.keys.sort();
    // Checkpointed entries by sequence number: (name, hash), still to be found.
    let mut anchored: HashMap<i64, Vec<(&str, &Checkpoint)>> = HashMap::new();
    for (name, c) in checkpoints {
        let signed = if pinned.is_empty() {
            known.values().any(|k| c.signed_by(k))
        } else {
            pinned.iter().any(|k| c.signed_by(k))
        };
        if !signed {
            report.add(Problem {
                seq: None,
                table: None,
                record_id: None,
                problem: format!(
                    "checkpoint {name} ({} entries, {}): its signature does not verify under {} keys",
                    c.entries,
                    c.at,
                    if pinned.is_empty() { "the trail's" } else { "the pinned" }
                ),
            });
        } else if c.entries > 0 {
            anchored
                .entry(c.entries)
                .or_default()
                .push((name.as_str(), c));
        }
    }
    for (id, key) in &known {
        if keys::key_id(key) != *id {
            report.add(Problem {
                seq: None,
                table: Some("audit_keys".into()),
                record_id: None,
                problem: format!("key {id}: its public key does not hash to its id"),
            });
        }
        if !pinned.is_empty() && !pinned.iter().any(|p| p == key) {
            report.add(Problem {
                seq: None,
                table: Some("audit_keys".into()),
                record_id: None,
                problem: format!("key {id} is not one of the pinned public keys"),
            });
        }
    }
    // Last state per record, as the trail tells it.
    let mut state: HashMap<(String, i64), String> = HashMap::new();
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    // The first entry not yet covered by a signature, if any.
    let mut unsealed_since: Option<i64> = None;
    loop {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM audit WHERE seq >= $1 ORDER BY seq LIMIT 2000"
        )))
        .bind(expected_seq)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let (e, sig) = match entry_from_row(r) {
                Ok(x) => x,
                Err(err) => {
                    let seq: Option<i64> = r.try_get(0).ok();
                    report.add(Problem {
                        seq,
                        table: None,
                        record_id: None,
                        problem: format!("unreadable entry: {err}"),
                    });
                    expected_seq = seq.unwrap_or(expected_seq) + 1;
                    continue;
                }
            };
            report.entries += 1;
            let bad = |problem: String| Problem {
                seq: Some(e.seq),
                table: Some(e.table.clone()),
                record_id: Some(e.record_id),
                problem,
            };
            if e.seq != expected_seq {
                report.add(bad(format!(
                    "entries {expected_seq}..{} are missing",
                    e.seq - 1
                )));
            }
            if e.prev_hash != prev {
                report.add(bad(
                    "does not link to the entry before it (prev_hash differs)".into(),
                ));
            }
            if entry_hash(&e) != e.hash {
                report.add(bad(
                    "its content does not match its hash: the entry was altered".into(),
                ));
            }
            match known.get(&e.key_id) {
                None => report.add(bad(format!("signed by unknown key {}", e.key_id))),
                Some(_) if sig.is_empty() => {
                    unsealed_since.get_or_insert(e.seq);
                }
                Some(key) => {
                    if keys::verify(key, e.hash.as_bytes(), &sig) {
                        unsealed_since = None;
                    } else {
                        report.add(bad("its ML-DSA-65 signature does not verify".into()));
                    }
                }
            }
            for (name, c) in anchored.remove(&e.seq).unwrap_or_default() {
                if c.head != e.hash {
                    report.add(bad(format!(
                        "checkpoint {name} ({}) says entry {} has hash {}, the trail has {}: the trail was rewritten since",
                        c.at, c.entries, c.head, e.hash
                    )));
                }
            }
            if let Some(after) = &e.after {
                state.insert((e.table.clone(), e.record_id), sha256_hex(after.as_bytes()));
            }
            prev = e.hash.clone();
            expected_seq = e.seq + 1;
        }
    }
    if let Some(first) = unsealed_since {
        report.add(Problem {
            seq: Some(first),
            table: None,
            record_id: None,
            problem: format!(
                "entries {first}..{} are not sealed by any signature: the trail was cut or appended to",
                expected_seq - 1
            ),
        });
    }
    report.head = prev;
    let mut lost: Vec<_> = anchored.into_iter().collect();
    lost.sort_by_key(|(seq, _)| *seq);
    for (seq, cps) in lost {
        for (name, c) in cps {
            report.add(Problem {
                seq: Some(seq),
                table: None,
                record_id: None,
                problem: format!(
                    "checkpoint {name} ({}) holds entry {seq} with hash {}; the trail ends at entry {}: it was truncated or rolled back since",
                    c.at,
                    c.head,
                    expected_seq - 1
                ),
            });
        }
    }
    // Every record must be exactly as the trail last saw it.
    for (table, cols) in TABLES {
        let mut after_id = i64::MIN;
        loop {
            let sql = format!(
                "SELECT {} FROM {table} WHERE id > $1 ORDER BY id LIMIT 5000",
                select_list(table)
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(after_id)
                .fetch_all(&mut *conn)
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                after_id = id;
                report.records += 1;
                let now = canonical(r, cols).map(|c| sha256_hex(c.as_bytes()));
                match (state.remove(&(table.to_string(), id)), now) {
                    (None, _) => report.add(Problem {
                        seq: None,
                        table: Some(table.to_string()),
                        record_id: Some(id),
                        problem: "the record has no audit entry: written behind the trail's back"
                            .into(),
                    }),
                    (Some(expected), Ok(actual)) if expected == actual => {}
                    (Some(_), _) => report.add(Problem {
                        seq: None,
                        table: Some(table.to_string()),
                        record_id: Some(id),
                        problem: "the record differs from its last audited state: altered".into(),
                    }),
                }
            }
        }
    }
    let mut missing: Vec<_> = state.into_keys().collect();
    missing.sort();
    for (table, id) in missing {
        report.add(Problem {
            seq: None,
            table: Some(table),
            record_id: Some(id),
            problem: "the record is in the trail but no longer in its table: deleted".into(),
        });
    }
    Ok(report)
}

/// A reviewable extract of the trail.
#[derive(Debug, Clone, Serialize)]
pub struct AuditBundle {
    pub generated_at: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Public keys (hex, raw FIPS 204) by key id.
    pub public_keys: BTreeMap<String, String>,
    /// Verification of the whole trail when the bundle was made.
    pub verification: VerifyReport,
    pub entries: Vec<AuditEntry>,
}

/// Entries recorded from `from` to `to`, both days included.
pub(crate) async fn export(
    pool: &sqlx::AnyPool,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<AuditBundle, Error> {
    let verification = verify(pool, &[], &[]).await?;
    let mut conn = pool.acquire().await?;
    let mut public_keys = BTreeMap::new();
    for r in sqlx::query("SELECT key_id, public_key FROM audit_keys")
        .fetch_all(&mut *conn)
        .await?
    {
        let key: Vec<u8> = r.try_get(1)?;
        public_keys.insert(r.try_get::<String, _>(0)?, hex::encode(&key));
    }
    let lower = from.map_or("0000".to_string(), |d| d.to_string());
    let upper = to
        .and_then(|d| d.succ_opt())
        .map_or("9999".to_string(), |d| d.to_string());
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM audit WHERE recorded_at >= $1 AND recorded_at < $2 ORDER BY seq"
    )))
    .bind(lower)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?;
    let entries = rows
        .iter()
        .map(|r| entry_from_row(r).map(|(e, _)| e))
        .collect::<Result<_, _>>()?;
    Ok(AuditBundle {
        generated_at: crate::now(),
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
        public_keys,
        verification,
        entries,
    })
}
