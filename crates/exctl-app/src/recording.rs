//! What is recorded and how: the record of a check or a screen, request
//! keys, the batch `Recorder` (transactions of rows keyed by batch, line
//! and content) and the history of records.

use crate::{bad, screening};
use anyhow::Result;
use exctl_core::parties::Party;
use exctl_core::Decision;
use exctl_records::{keys, LineRecorded, NewDecision, NotedParty, Recording, Store};
use exctl_screen::Screener;
use std::path::Path;

/// A batch id or row id as one part of a row's key: `%`, `:` and `#` are
/// escaped, so that no batch and row can spell another's key (`:` separates
/// the parts, `#` starts the content digest the store adds).
fn key_part(s: &str) -> String {
    s.replace('%', "%25")
        .replace(':', "%3A")
        .replace('#', "%23")
}

/// The key of row `row` ([`Recorder::row_key`]) of batch `batch`.
fn line_key(kind: &str, batch: &str, row: &str) -> String {
    let batch = key_part(batch);
    match kind {
        "check" => format!("batch:{batch}:{row}"),
        _ => format!("{kind}-batch:{batch}:{row}"),
    }
}

/// Most records one history page of the API returns.
pub const HISTORY_MAX_LIMIT: i64 = 5000;

/// Refuses a history filter that could only match nothing by mistake (a
/// misspelt kind or outcome) or that asks for an impossible page: an empty
/// answer must mean "no such records", never "a typo".
/// `max_limit` is the largest page allowed ([`HISTORY_MAX_LIMIT`] for the
/// API; the command line, reading its own records, allows more).
pub fn check_history_filter(f: &exctl_records::HistoryFilter, max_limit: i64) -> Result<()> {
    for (field, v) in [("party", &f.party), ("item", &f.item)] {
        if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(crate::bad_field(
                field,
                "empty: it would match every record; leave it out instead",
            ));
        }
    }
    if let Some(k) = &f.kind {
        if !matches!(k.as_str(), "check" | "screen") {
            return Err(crate::bad_field(
                "kind",
                format!("{k:?}: expected check or screen"),
            ));
        }
    }
    if let Some(o) = &f.outcome {
        if exctl_core::Outcome::parse(o).is_none()
            && !matches!(o.as_str(), "hit" | "owned" | "clear" | "classified")
        {
            let known: Vec<String> = exctl_core::Outcome::ALL
                .iter()
                .map(|o| o.to_string())
                .chain(["hit", "owned", "clear", "classified"].map(String::from))
                .collect();
            return Err(crate::bad_field(
                "outcome",
                exctl_core::vocab::unknown_value(o, &known),
            ));
        }
    }
    if let Some(l) = f.limit {
        if !(1..=max_limit).contains(&l) {
            return Err(crate::bad_field(
                "limit",
                format!("{l}: expected 1 to {max_limit}"),
            ));
        }
    }
    if let Some(b) = f.before {
        if b < 1 {
            return Err(crate::bad_field(
                "before",
                format!("{b}: expected a record id (1 or more)"),
            ));
        }
    }
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if to < from {
            return Err(crate::bad_field(
                "to",
                format!("{to} is before from {from}"),
            ));
        }
    }
    Ok(())
}

/// One page of recorded checks and screens, newest first: the filter is
/// checked first (see [`check_history_filter`]). Every shell calls this.
pub async fn history(
    store: &Store,
    filter: &exctl_records::HistoryFilter,
    max_limit: i64,
) -> Result<exctl_records::HistoryPage> {
    check_history_filter(filter, max_limit)?;
    Ok(store.history_page(filter).await?)
}

/// One hash for everything a decision was based on.
pub fn rules_hash(decision: &Decision) -> String {
    let joined: Vec<String> = decision
        .packs
        .iter()
        .map(|p| format!("{}={}", p.id, p.hash))
        .collect();
    keys::sha256_hex(joined.join("\n").as_bytes())
}

/// A fresh key for a one-off request.
pub fn request_key(kind: &str) -> String {
    let mut bytes = [0u8; 16];
    // Fall back on time and pid if the system's random source fails.
    if keys::random(&mut bytes).is_err() {
        let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    format!("{kind}:{}", hex::encode(bytes))
}

/// The decision to store for a check.
pub fn new_check(
    key: String,
    decision: &Decision,
    input: serde_json::Value,
    parties: &[Party],
    list_version: Option<String>,
) -> NewDecision {
    NewDecision {
        request_key: key,
        kind: "check".into(),
        // An own product by name and version: what history and cases show.
        subject: decision
            .item
            .product
            .as_ref()
            .map_or_else(|| decision.item.id.clone(), |p| p.pinned()),
        destination: decision.destination.as_ref().map(|d| d.code.clone()),
        parties: parties.iter().map(|p| p.name.clone()).collect(),
        outcome: decision
            .overall
            .map_or("classified".to_string(), |o| o.as_str().to_string()),
        as_of: decision.as_of,
        rules_hash: rules_hash(decision),
        list_version,
        input,
        result: serde_json::to_value(decision).unwrap_or_default(),
    }
}

/// Records a batch in chunks, one transaction each. Each row is keyed by
/// the batch id, its line and a digest of its content, result and rule and
/// list versions ([`Store::record_lines`]): a rerun after a crash records
/// only what is missing and never a row twice, and a row that changed (an
/// edited book under the same batch id, new lists or packs) is recorded
/// anew, superseding what its line recorded before, which is kept.
pub struct Recorder {
    rt: tokio::runtime::Runtime,
    store: Store,
    batch: String,
    pending: Vec<(String, Recording)>,
    /// Lines recorded for the first time.
    pub new: usize,
    /// Lines already recorded with the same content and versions.
    pub unchanged: usize,
    /// Lines recorded again, superseding their earlier record.
    pub superseding: usize,
    /// Row keys seen in this run: a repeated order id is refused.
    seen: std::collections::HashSet<String>,
}

impl Recorder {
    const CHUNK: usize = 200;

    pub fn new(rt: tokio::runtime::Runtime, store: Store, batch: String) -> Recorder {
        Recorder {
            rt,
            store,
            batch,
            pending: Vec::new(),
            new: 0,
            unchanged: 0,
            superseding: 0,
            seen: std::collections::HashSet::new(),
        }
    }

    /// The key of one row of a batch: its `id` when the row has one, so
    /// that a reordered book still matches each order with its own earlier
    /// decision; its line otherwise. `#` and `%` are escaped (the store
    /// reads a row's records by the prefix `KEY#`).
    pub fn row_key(line: u64, id: &str) -> String {
        let id = id.trim();
        if id.is_empty() {
            line.to_string()
        } else {
            format!("id={}", key_part(id))
        }
    }

    /// Claims a row key for this run: an id given to two rows is refused,
    /// since the second would silently supersede the first.
    pub fn claim(&mut self, kind: &str, key: &str) -> std::result::Result<(), String> {
        if self.seen.insert(self.line(kind, key)) {
            Ok(())
        } else {
            Err(format!(
                "{key} is given to an earlier row too: ids must be unique in a recorded batch"
            ))
        }
    }

    /// The batch id of `input` unless one is given: its content hash and the date.
    pub fn batch_id(
        input: &Path,
        date: chrono::NaiveDate,
        given: Option<String>,
    ) -> Result<String> {
        if let Some(id) = given {
            return Ok(id);
        }
        let bytes = std::fs::read(input).map_err(|e| bad(format!("{}: {e}", input.display())))?;
        Ok(format!("{}@{date}", keys::sha256_hex(&bytes)))
    }

    /// The name of a row of this batch, by its [`Recorder::row_key`] (the
    /// store adds its content digest).
    pub fn line(&self, kind: &str, line: &str) -> String {
        line_key(kind, &self.batch, line)
    }

    /// The store, for reads during the batch (licences, dispositions).
    pub fn store(&self) -> (&tokio::runtime::Runtime, &Store) {
        (&self.rt, &self.store)
    }

    /// Queues the recording of one row, under its key, of kind `kind`.
    pub fn push(&mut self, kind: &str, line: &str, r: Recording) -> Result<()> {
        let name = self.line(kind, line);
        self.pending.push((name, r));
        if self.pending.len() >= Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let done = self
            .rt
            .block_on(self.store.record_lines(&self.pending))
            .map_err(crate::instance::store_error)?;
        for d in done {
            match d {
                LineRecorded::New(_) => self.new += 1,
                LineRecorded::Unchanged(_) => self.unchanged += 1,
                LineRecorded::Superseding { .. } => self.superseding += 1,
            }
        }
        self.pending.clear();
        Ok(())
    }

    /// What was recorded, in one line.
    pub fn summary(&self) -> String {
        format!(
            "recorded {} decisions: {} new, {} superseding an earlier record of the same line (kept, marked superseded); {} unchanged, already recorded by an earlier run of this batch",
            self.new + self.superseding,
            self.new,
            self.superseding,
            self.unchanged
        )
    }

    /// Flushes what is left and says what was recorded.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        eprintln!("{}", self.summary());
        self.rt.block_on(self.store.close());
        Ok(())
    }
}

/// A screen to record, with its party (stored for rescreening).
pub fn screen_recording(
    request_key: String,
    q: &exctl_screen::Query,
    id: &str,
    screener: &Screener,
    matches: &[exctl_screen::Match],
    threshold: f64,
) -> Recording {
    let version = screener.version().hash.clone();
    let entity_type = q.entity_type.map(|t| t.as_str().to_string());
    let mut input = serde_json::json!({
        "name": q.name,
        "country": q.country,
        "type": entity_type,
        "threshold": threshold,
    });
    if !id.is_empty() {
        input["id"] = serde_json::Value::from(id);
    }
    // What else than the name the screen weighed, so the record explains it.
    if let Some(d) = &q.birth_date {
        input["dob"] = serde_json::Value::from(d.as_str());
    }
    if !q.ids.is_empty() {
        input["ids"] = serde_json::json!(q.ids);
    }
    Recording {
        decision: NewDecision {
            request_key,
            kind: "screen".into(),
            subject: q.name.clone(),
            destination: q.country.clone(),
            parties: vec![q.name.clone()],
            outcome: if matches.is_empty() { "clear" } else { "hit" }.into(),
            as_of: chrono::Utc::now().date_naive(),
            rules_hash: String::new(),
            list_version: Some(version),
            input,
            result: screening::screen_json(q, screener, matches),
        },
        parties: vec![NotedParty {
            name: q.name.clone(),
            country: q.country.clone(),
            entity_type,
            evidence: crate::parties::party_evidence(q),
            hits: crate::parties::hit_records(screener, matches),
        }],
        actor: None,
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn no_batch_and_row_spell_another_batch_and_row() {
        let a = line_key("check", "Q:id=zz", &Recorder::row_key(2, ""));
        let b = line_key("check", "Q", &Recorder::row_key(0, "zz:2"));
        assert_ne!(a, b);
        let c = line_key("check", "Q", &Recorder::row_key(0, "A#1"));
        assert!(!c.contains('#'), "{c}");
        assert_eq!(
            line_key("check", "B1", &Recorder::row_key(7, "")),
            "batch:B1:7"
        );
        assert_eq!(
            line_key("screen", "B1", &Recorder::row_key(7, "PO-1")),
            "screen-batch:B1:id=PO-1"
        );
    }
}
