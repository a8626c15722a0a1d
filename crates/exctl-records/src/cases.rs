//! The work queue: a case per open list hit and per held order, worked by
//! officers and closed only with a second officer's approval.
//!
//! A case is opened in the transaction that records the decision raising
//! it, so no hit or held order is on record without its case. Its status
//! goes `open` → `pending` (a resolution proposed) → `closed` (approved by
//! someone other than the proposer), or back to `open` when the approver
//! rejects the proposal. Every step is a `case_events` row and an audit
//! entry; nothing is deleted or rewritten.

use crate::audit::{self, row_json, WriteTx};
use crate::store::Store;
use crate::Error;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Most bytes of evidence one attachment may hold.
pub const MAX_EVIDENCE_BYTES: usize = 512 * 1024;
/// Most characters of a comment, a reason or an evidence name.
pub const MAX_CASE_TEXT: usize = 4000;

/// What a case is about.
pub const KINDS: &[&str] = &["hit", "held"];
/// How a case may be resolved: a hit cleared as a false positive or
/// confirmed (the shipment stops); a held order released (a licence or
/// the answers it needed are on file) or stopped.
pub const RESOLUTIONS: &[&str] = &["clear", "confirm", "release", "stop"];
/// Outcomes of a recorded check that hold the order.
pub const HELD_OUTCOMES: &[&str] = &["prohibited", "license_required", "needs_info"];

/// A case in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: i64,
    /// `hit` or `held`.
    pub kind: String,
    /// The recorded check or screen that opened it, if one did.
    pub decision_id: Option<i64>,
    /// The rescreen that found the hit, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescreen_id: Option<i64>,
    /// The party (for a hit) or the item and destination (for an order).
    pub subject: String,
    /// A hit's party as screened, and its country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    /// The held order's outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// `open`, `pending` or `closed`.
    pub status: String,
    pub assignee: Option<String>,
    /// The resolution proposed or approved, with its reason.
    pub resolution: Option<String>,
    pub reason: Option<String>,
    pub proposed_by: Option<String>,
    pub approved_by: Option<String>,
    pub opened_at: String,
    pub updated_at: String,
    /// Who opened it (the actor of the decision).
    pub opened_by: String,
}

/// One step in a case's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    /// `opened`, `assigned`, `comment`, `evidence`, `escalated`,
    /// `proposed`, `approved` or `rejected`.
    pub action: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_sha256: Option<String>,
}

/// A case with its history, oldest step first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseFile {
    #[serde(flatten)]
    pub case: Case,
    pub events: Vec<CaseEvent>,
}

/// Evidence attached to a case, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub name: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// What opens cases when a decision is recorded.
pub(crate) struct Raised<'a> {
    pub decision_id: Option<i64>,
    pub kind: &'a str,
    pub subject: &'a str,
    pub destination: Option<&'a str>,
    pub outcome: &'a str,
}

/// The columns a [`Case`] is read from; `c` is `cases`, `p` its party.
const CASE_SELECT: &str = "SELECT c.id, c.kind, c.decision_id, c.rescreen_id, c.subject, p.name, p.country, c.list, c.entry_id, c.outcome, c.status, c.assignee, c.resolution, c.reason, c.proposed_by, c.approved_by, c.opened_at, c.updated_at, c.actor FROM cases c LEFT JOIN parties p ON p.id = c.party_id";

fn case_from_row(r: &AnyRow) -> Result<Case, Error> {
    Ok(Case {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        decision_id: r.try_get(2)?,
        rescreen_id: r.try_get(3)?,
        subject: r.try_get(4)?,
        party: r.try_get(5)?,
        party_country: r.try_get(6)?,
        list: r.try_get(7)?,
        entry_id: r.try_get(8)?,
        outcome: r.try_get(9)?,
        status: r.try_get(10)?,
        assignee: r.try_get(11)?,
        resolution: r.try_get(12)?,
        reason: r.try_get(13)?,
        proposed_by: r.try_get(14)?,
        approved_by: r.try_get(15)?,
        opened_at: r.try_get(16)?,
        updated_at: r.try_get(17)?,
        opened_by: r.try_get(18)?,
    })
}

/// The person behind an actor: an API caller acts as `api:NAME (KEY)`, so
/// two keys of one person are one person to the four-eyes rule.
pub fn person(actor: &str) -> String {
    let actor = actor.trim();
    let name = match actor.strip_prefix("api:") {
        Some(rest) => rest.rsplit_once(" (").map_or(rest, |(name, _)| name),
        None => actor,
    };
    // "Alice", "alice ", "ａｌｉｃｅ" (full-width) and "alice" are one person.
    use unicode_normalization::UnicodeNormalization as _;
    let name: String = name.nfkc().collect();
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn checked_text(field: &str, text: &str) -> Result<String, Error> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::Invalid(format!("{field}: empty")));
    }
    if t.chars().count() > MAX_CASE_TEXT {
        return Err(Error::Invalid(format!(
            "{field}: longer than {MAX_CASE_TEXT} characters"
        )));
    }
    Ok(t.to_string())
}

impl Store {
    /// Opens the cases a just-recorded decision raises: one per hit of its
    /// parties that is not cleared and has no case open, and, for a check
    /// that holds the order, one for the order.
    pub(crate) async fn open_cases_in(
        &self,
        tx: &mut WriteTx,
        raised: &Raised<'_>,
        party_ids: &[i64],
    ) -> Result<(), Error> {
        self.open_hit_cases_in(tx, party_ids, raised.decision_id, None)
            .await?;
        if raised.kind == "check" && HELD_OUTCOMES.contains(&raised.outcome) {
            let subject = match raised.destination {
                Some(to) => format!("{} → {to}", raised.subject),
                None => raised.subject.to_string(),
            };
            let source = (raised.decision_id, None);
            self.insert_case(tx, "held", source, &subject, None, Some(raised.outcome))
                .await?;
        }
        Ok(())
    }

    /// Opens a case for each hit of these parties that is open (not
    /// cleared, not gone) and has no case open.
    pub(crate) async fn open_hit_cases_in(
        &self,
        tx: &mut WriteTx,
        party_ids: &[i64],
        decision_id: Option<i64>,
        rescreen_id: Option<i64>,
    ) -> Result<(), Error> {
        for &party in party_ids {
            let hits = sqlx::query(
                "SELECT h.list, h.entry_id, h.entry_name, p.name FROM hits h JOIN parties p ON p.id = h.party_id
                 WHERE h.party_id = $1 AND h.status <> 'cleared' AND h.status <> 'gone' ORDER BY h.id",
            )
            .bind(party)
            .fetch_all(&mut **tx)
            .await?;
            for h in hits {
                let (list, entry, entry_name, name): (String, String, String, String) =
                    (h.try_get(0)?, h.try_get(1)?, h.try_get(2)?, h.try_get(3)?);
                if self.open_case_of(tx, party, &list, &entry).await?.is_some() {
                    continue;
                }
                let subject = format!("{name} on {list} ({entry_name})");
                self.insert_case(
                    tx,
                    "hit",
                    (decision_id, rescreen_id),
                    &subject,
                    Some((party, &list, &entry)),
                    None,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The latest case of a party's hit that meets `condition` (SQL over
    /// the `cases` row), if any.
    async fn hit_case_where(
        &self,
        tx: &mut WriteTx,
        (party, list, entry_id): (i64, &str, &str),
        condition: &str,
    ) -> Result<Option<i64>, Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT id FROM cases WHERE party_id = $1 AND list = $2 AND entry_id = $3 AND {condition} ORDER BY id DESC"
        )))
        .bind(party)
        .bind(list)
        .bind(entry_id)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// The case open on a party's hit, if any.
    pub(crate) async fn open_case_of(
        &self,
        tx: &mut WriteTx,
        party: i64,
        list: &str,
        entry_id: &str,
    ) -> Result<Option<i64>, Error> {
        self.hit_case_where(tx, (party, list, entry_id), "status <> 'closed'")
            .await
    }

    /// The open case of a party's hit, opened now if it has none; `None`
    /// when the hit is not open (cleared or gone).
    pub(crate) async fn hit_case_in(
        &self,
        tx: &mut WriteTx,
        party: i64,
        list: &str,
        entry_id: &str,
    ) -> Result<Option<i64>, Error> {
        if let Some(id) = self.open_case_of(tx, party, list, entry_id).await? {
            return Ok(Some(id));
        }
        self.open_hit_cases_in(tx, &[party], None, None).await?;
        self.open_case_of(tx, party, list, entry_id).await
    }

    /// Whether a party's hit was confirmed as the listed party by a case.
    pub(crate) async fn confirmed_by(
        &self,
        tx: &mut WriteTx,
        party: i64,
        list: &str,
        entry_id: &str,
    ) -> Result<Option<i64>, Error> {
        let closed_confirmed = "status = 'closed' AND resolution = 'confirm'";
        self.hit_case_where(tx, (party, list, entry_id), closed_confirmed)
            .await
    }

    async fn insert_case(
        &self,
        tx: &mut WriteTx,
        kind: &str,
        (decision_id, rescreen_id): (Option<i64>, Option<i64>),
        subject: &str,
        hit: Option<(i64, &str, &str)>,
        outcome: Option<&str>,
    ) -> Result<i64, Error> {
        let now = crate::now();
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO cases (kind, decision_id, rescreen_id, subject, party_id, list, entry_id, outcome, status, opened_at, updated_at, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9, $10) {}",
            audit::returning("cases")
        )))
        .bind(kind)
        .bind(decision_id)
        .bind(rescreen_id)
        .bind(subject)
        .bind(hit.map(|h| h.0))
        .bind(hit.map(|h| h.1))
        .bind(hit.map(|h| h.2))
        .bind(outcome)
        .bind(&now)
        .bind(&self.actor)
        .fetch_one(&mut **tx)
        .await?;
        let id = self.audit_returned(tx, "open", "cases", &row).await?;
        let text = match (kind, outcome, rescreen_id) {
            ("held", Some(o), _) => format!("order held: {o}"),
            (_, _, Some(r)) => format!("list hit found by rescreen {r}"),
            _ => "list hit to review".to_string(),
        };
        self.event_in(tx, id, "opened", &text, None).await?;
        Ok(id)
    }

    async fn event_in(
        &self,
        tx: &mut WriteTx,
        case: i64,
        action: &str,
        text: &str,
        evidence: Option<(&str, &str, &str)>,
    ) -> Result<i64, Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO case_events (case_id, at, actor, action, text, evidence_name, evidence_sha256, evidence)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) {}",
            audit::returning("case_events")
        )))
        .bind(case)
        .bind(crate::now())
        .bind(&self.actor)
        .bind(action)
        .bind(text)
        .bind(evidence.map(|e| e.0))
        .bind(evidence.map(|e| e.1))
        .bind(evidence.map(|e| e.2))
        .fetch_one(&mut **tx)
        .await?;
        self.audit_returned(tx, action, "case_events", &row).await
    }

    async fn case_in(&self, tx: &mut WriteTx, id: i64) -> Result<Case, Error> {
        let row = sqlx::query(AssertSqlSafe(format!("{CASE_SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no case {id}")))?;
        case_from_row(&row)
    }

    /// Changes a case's row, audited before and after.
    async fn update_case(
        &self,
        tx: &mut WriteTx,
        id: i64,
        action: &str,
        set: &str,
        values: &[Option<&str>],
    ) -> Result<(), Error> {
        let before = row_json(tx, "cases", id).await?;
        let n = values.len();
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "UPDATE cases SET {set}, updated_at = ${} WHERE id = ${}",
            n + 1,
            n + 2
        )));
        for v in values {
            q = q.bind(*v);
        }
        q.bind(crate::now()).bind(id).execute(&mut **tx).await?;
        self.audit_update(tx, action, "cases", id, before).await
    }

    /// The queue: cases with `status` (`open`, `pending`, `closed`; every
    /// case when `None`), newest first.
    pub async fn cases(&self, status: Option<&str>) -> Result<Vec<Case>, Error> {
        if let Some(s) = status {
            if !["open", "pending", "closed"].contains(&s) {
                return Err(Error::Invalid(format!(
                    "status: unknown value {s:?}; allowed: open, pending, closed"
                )));
            }
        }
        let rows = match status {
            Some(s) => {
                sqlx::query(AssertSqlSafe(format!(
                    "{CASE_SELECT} WHERE c.status = $1 ORDER BY c.id DESC"
                )))
                .bind(s)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(AssertSqlSafe(format!("{CASE_SELECT} ORDER BY c.id DESC")))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(case_from_row).collect()
    }

    /// A case with its history.
    pub async fn case(&self, id: i64) -> Result<CaseFile, Error> {
        let row = sqlx::query(AssertSqlSafe(format!("{CASE_SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no case {id}")))?;
        let case = case_from_row(&row)?;
        let events = sqlx::query(
            "SELECT id, at, actor, action, text, evidence_name, evidence_sha256 FROM case_events WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CaseEvent {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                action: r.try_get(3)?,
                text: r.try_get(4)?,
                evidence_name: r.try_get(5)?,
                evidence_sha256: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
        Ok(CaseFile { case, events })
    }

    /// The cases a recorded decision opened, with their histories.
    pub async fn cases_of_decision(&self, decision: i64) -> Result<Vec<CaseFile>, Error> {
        let ids: Vec<i64> = sqlx::query("SELECT id FROM cases WHERE decision_id = $1 ORDER BY id")
            .bind(decision)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.case(id).await?);
        }
        Ok(out)
    }

    /// Runs `f` on an unclosed case in a write transaction and commits.
    async fn on_case<F>(&self, id: i64, f: F) -> Result<CaseFile, Error>
    where
        F: for<'t> FnOnce(
            &'t Store,
            &'t mut WriteTx,
            Case,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), Error>> + Send + 't>,
        >,
    {
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let case = self.case_in(&mut tx, id).await?;
        if case.status == "closed" {
            return Err(Error::Rejected(format!(
                "case {id} is closed ({}: proposed by {}, approved by {})",
                case.resolution.as_deref().unwrap_or("-"),
                case.proposed_by.as_deref().unwrap_or("-"),
                case.approved_by.as_deref().unwrap_or("-")
            )));
        }
        f(self, &mut tx, case).await?;
        self.commit(tx).await?;
        self.case(id).await
    }

    /// Assigns a case to an officer.
    pub async fn assign_case(&self, id: i64, assignee: &str) -> Result<CaseFile, Error> {
        let assignee = checked_text("assignee", assignee)?;
        self.on_case(id, move |s, tx, _| {
            Box::pin(async move {
                s.update_case(tx, id, "assign", "assignee = $1", &[Some(&assignee)])
                    .await?;
                s.event_in(tx, id, "assigned", &format!("assigned to {assignee}"), None)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Adds a comment to a case.
    pub async fn comment_case(&self, id: i64, text: &str) -> Result<CaseFile, Error> {
        let text = checked_text("comment", text)?;
        self.on_case(id, move |s, tx, _| {
            Box::pin(async move {
                s.event_in(tx, id, "comment", &text, None).await?;
                Ok(())
            })
        })
        .await
    }

    /// Attaches evidence (a document's bytes, kept whole with its SHA-256).
    pub async fn attach_evidence(
        &self,
        id: i64,
        name: &str,
        bytes: &[u8],
        note: &str,
    ) -> Result<CaseFile, Error> {
        // The file's own name only: no folders, no control characters.
        let base = name.rsplit(['/', '\\']).next().unwrap_or("");
        let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
        if cleaned.trim().is_empty() || cleaned.trim() == ".." || cleaned.trim() == "." {
            return Err(Error::Invalid(format!(
                "evidence name: {name:?} has no file name"
            )));
        }
        let name = checked_text("evidence name", &cleaned)?;
        if bytes.is_empty() {
            return Err(Error::Invalid("evidence: empty".into()));
        }
        if bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(Error::Invalid(format!(
                "evidence: {} bytes; the limit is {MAX_EVIDENCE_BYTES}",
                bytes.len()
            )));
        }
        let note = note.trim().to_string();
        if note.chars().count() > MAX_CASE_TEXT {
            return Err(Error::Invalid(format!(
                "note: longer than {MAX_CASE_TEXT} characters"
            )));
        }
        let sha = hex::encode(Sha256::digest(bytes));
        let body = hex::encode(bytes);
        self.on_case(id, move |s, tx, _| {
            Box::pin(async move {
                let text = if note.is_empty() {
                    format!("attached {name}")
                } else {
                    note
                };
                s.event_in(tx, id, "evidence", &text, Some((&name, &sha, &body)))
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Evidence attached to a case, by its event id.
    pub async fn evidence(&self, case: i64, event: i64) -> Result<Evidence, Error> {
        let row = sqlx::query(
            "SELECT evidence_name, evidence_sha256, evidence FROM case_events WHERE case_id = $1 AND id = $2 AND evidence IS NOT NULL",
        )
        .bind(case)
        .bind(event)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("case {case} has no evidence {event}")))?;
        let body: String = row.try_get(2)?;
        Ok(Evidence {
            name: row.try_get(0)?,
            sha256: row.try_get(1)?,
            bytes: hex::decode(body)
                .map_err(|e| Error::Rejected(format!("evidence {event}: {e}")))?,
        })
    }

    /// Escalates a case: it stays open, marked for a senior officer.
    pub async fn escalate_case(&self, id: i64, reason: &str) -> Result<CaseFile, Error> {
        let reason = checked_text("reason", reason)?;
        self.on_case(id, move |s, tx, _| {
            Box::pin(async move {
                s.event_in(tx, id, "escalated", &reason, None).await?;
                Ok(())
            })
        })
        .await
    }

    /// Proposes how an open case is resolved; it waits for another
    /// officer's approval.
    pub async fn propose_resolution(
        &self,
        id: i64,
        resolution: &str,
        reason: &str,
    ) -> Result<CaseFile, Error> {
        let reason = checked_text("reason", reason)?;
        let resolution = resolution.trim().to_lowercase();
        if !RESOLUTIONS.contains(&resolution.as_str()) {
            return Err(Error::Invalid(format!(
                "resolution: unknown value {resolution:?}; allowed: {}",
                RESOLUTIONS.join(", ")
            )));
        }
        self.on_case(id, move |s, tx, case| {
            Box::pin(async move {
                if case.status == "pending" {
                    return Err(Error::Rejected(format!(
                        "case {id} already waits for approval of {:?} proposed by {}: approve or reject it first",
                        case.resolution.as_deref().unwrap_or("-"),
                        case.proposed_by.as_deref().unwrap_or("-")
                    )));
                }
                let fits = match case.kind.as_str() {
                    "hit" => ["clear", "confirm"].contains(&resolution.as_str()),
                    _ => ["release", "stop"].contains(&resolution.as_str()),
                };
                if !fits {
                    let allowed = if case.kind == "hit" { "clear, confirm" } else { "release, stop" };
                    return Err(Error::Invalid(format!(
                        "resolution: {resolution:?} does not resolve a {} case; allowed: {allowed}",
                        case.kind
                    )));
                }
                if case.outcome.as_deref() == Some("prohibited") && resolution == "release" {
                    return Err(Error::Rejected(format!(
                        "case {id}: a prohibited order is not released; stop it, or check again once the facts differ"
                    )));
                }
                // The entry as it is now: an entry that changes before the
                // approval is not cleared on this proposal.
                let entry_hash: Option<String> = match (&case.list, &case.entry_id) {
                    (Some(list), Some(entry)) => sqlx::query(
                        "SELECT h.entry_hash FROM hits h JOIN cases c ON c.party_id = h.party_id
                         WHERE c.id = $1 AND h.list = $2 AND h.entry_id = $3",
                    )
                    .bind(id)
                    .bind(list.as_str())
                    .bind(entry.as_str())
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?,
                    _ => None,
                };
                let actor = s.actor.clone();
                s.update_case(
                    tx,
                    id,
                    "propose",
                    "status = 'pending', resolution = $1, reason = $2, proposed_by = $3, entry_hash = $4",
                    &[Some(&resolution), Some(&reason), Some(&actor), entry_hash.as_deref()],
                )
                .await?;
                s.event_in(tx, id, "proposed", &format!("{resolution}: {reason}"), None)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Approves a pending case's resolution: the four-eyes step. The
    /// proposer may not approve their own proposal. Approving a hit's
    /// clearance records the disposition that clears it.
    /// `seen`, when given, is the proposal event the approver read: a
    /// proposal rejected and made again since is not approved unseen.
    pub async fn approve_case(
        &self,
        id: i64,
        note: &str,
        seen: Option<i64>,
    ) -> Result<CaseFile, Error> {
        let note = note.trim().to_string();
        if note.chars().count() > MAX_CASE_TEXT {
            return Err(Error::Invalid(format!(
                "note: longer than {MAX_CASE_TEXT} characters"
            )));
        }
        self.on_case(id, move |s, tx, case| {
            Box::pin(async move {
                if case.status != "pending" {
                    return Err(Error::Rejected(format!(
                        "case {id} has no proposal to approve: propose a resolution first"
                    )));
                }
                if let Some(seen) = seen {
                    let latest: i64 = sqlx::query(
                        "SELECT MAX(id) FROM case_events WHERE case_id = $1 AND action = 'proposed'",
                    )
                    .bind(id)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get(0)?;
                    if latest != seen {
                        return Err(Error::Rejected(format!(
                            "case {id}: the proposal changed since you read it (now event {latest}); read the case again"
                        )));
                    }
                }
                if case.proposed_by.as_deref().map(person) == Some(person(&s.actor)) {
                    return Err(Error::Rejected(format!(
                        "case {id}: {} proposed this resolution and may not also approve it; another officer approves",
                        s.actor
                    )));
                }
                let resolution = case.resolution.clone().unwrap_or_default();
                if case.kind == "hit" && resolution == "clear" {
                    let party = sqlx::query("SELECT party_id FROM cases WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut **tx)
                        .await?
                        .try_get::<i64, _>(0)?;
                    let reason = format!(
                        "{} (case {id}: proposed by {}, approved by {})",
                        case.reason.as_deref().unwrap_or(""),
                        case.proposed_by.as_deref().unwrap_or("-"),
                        s.actor
                    );
                    let hashes = sqlx::query(
                        "SELECT c.entry_hash, h.entry_hash FROM cases c JOIN hits h
                         ON h.party_id = c.party_id AND h.list = c.list AND h.entry_id = c.entry_id
                         WHERE c.id = $1",
                    )
                    .bind(id)
                    .fetch_one(&mut **tx)
                    .await?;
                    let (proposed, now): (Option<String>, String) =
                        (hashes.try_get(0)?, hashes.try_get(1)?);
                    if proposed.as_deref() != Some(now.as_str()) {
                        return Err(Error::Rejected(format!(
                            "case {id}: the list entry changed after the clearance was proposed; reject it and propose again on the entry as it is now"
                        )));
                    }
                    s.clear_hit_in(
                        tx,
                        party,
                        case.list.as_deref().unwrap_or(""),
                        case.entry_id.as_deref().unwrap_or(""),
                        &reason,
                    )
                    .await?;
                }
                let actor = s.actor.clone();
                s.update_case(tx, id, "approve", "status = 'closed', approved_by = $1", &[Some(&actor)])
                    .await?;
                let text = if note.is_empty() { format!("approved: {resolution}") } else { format!("approved: {resolution}: {note}") };
                s.event_in(tx, id, "approved", &text, None).await?;
                Ok(())
            })
        })
        .await
    }

    /// Rejects a pending proposal: the case is open again.
    pub async fn reject_case(&self, id: i64, reason: &str) -> Result<CaseFile, Error> {
        let reason = checked_text("reason", reason)?;
        self.on_case(id, move |s, tx, case| {
            Box::pin(async move {
                if case.status != "pending" {
                    return Err(Error::Rejected(format!(
                        "case {id} has no proposal to reject"
                    )));
                }
                s.update_case(
                    tx,
                    id,
                    "reject",
                    "status = 'open', resolution = NULL, reason = NULL, proposed_by = NULL",
                    &[],
                )
                .await?;
                s.event_in(tx, id, "rejected", &reason, None).await?;
                Ok(())
            })
        })
        .await
    }
}
