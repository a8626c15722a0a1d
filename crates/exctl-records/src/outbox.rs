//! The webhook outbox: deliveries waiting, done or given up, so that a
//! restarted server resumes what it had not delivered.
//!
//! Operational bookkeeping, not a record: rows change on every attempt and
//! are not in the audit trail (the events they carry — licences, shipments,
//! rescreens — are records that are). Writes take no audit lock.
//!
//! Several servers may share one database: an attempt is claimed by moving
//! the row's next attempt past a lease, only if nobody moved it first.

use crate::store::Store;
use crate::Error;
use serde::Serialize;
use sqlx::Row;

/// One delivery of one event to one receiver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub id: i64,
    pub url: String,
    pub event: String,
    pub delivery: String,
    /// The JSON body exactly as sent (and signed) on every attempt.
    pub payload: String,
    /// Attempts made, including the one just claimed.
    pub attempts: u32,
    /// Unix milliseconds.
    pub next_attempt_ms: i64,
    /// pending, delivered or failed.
    pub state: String,
    pub last_error: Option<String>,
}

/// How an attempt ended.
pub enum Attempt<'a> {
    Delivered,
    /// Try again at this Unix millisecond.
    Retry {
        at_ms: i64,
        error: &'a str,
    },
    /// Given up.
    Failed {
        error: &'a str,
    },
}

const COLUMNS: &str =
    "id, url, event, delivery, payload, attempts, next_attempt_ms, state, last_error";

fn item(r: &sqlx::any::AnyRow) -> Result<OutboxItem, Error> {
    Ok(OutboxItem {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        event: r.try_get(2)?,
        delivery: r.try_get(3)?,
        payload: r.try_get(4)?,
        attempts: u32::try_from(r.try_get::<i64, _>(5)?).unwrap_or(u32::MAX),
        next_attempt_ms: r.try_get(6)?,
        state: r.try_get(7)?,
        last_error: r.try_get(8)?,
    })
}

impl Store {
    /// Queues one delivery per receiver, due now; their ids.
    pub async fn outbox_add(
        &self,
        deliveries: &[(String, String, String, String)],
        now_ms: i64,
    ) -> Result<Vec<i64>, Error> {
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::with_capacity(deliveries.len());
        for (url, event, delivery, payload) in deliveries {
            let id: i64 = sqlx::query(
                "INSERT INTO webhook_outbox (url, event, delivery, payload, attempts, next_attempt_ms, state, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, $5, 'pending', $6, $6) RETURNING id",
            )
            .bind(url)
            .bind(event)
            .bind(delivery)
            .bind(payload)
            .bind(now_ms)
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Claims up to `limit` pending deliveries to `urls` due by `now_ms`:
    /// each gets one more attempt and is leased until `lease_until_ms`, so
    /// that no other server (or loop) takes it meanwhile. Deliveries to
    /// other URLs (a receiver no longer configured) are left as they are.
    pub async fn outbox_claim(
        &self,
        urls: &[String],
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, Error> {
        let mut rows = Vec::new();
        for url in urls {
            rows.extend(
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM webhook_outbox WHERE state = 'pending' AND url = $1 AND next_attempt_ms <= $2 ORDER BY next_attempt_ms, id LIMIT $3"
                )))
                .bind(url)
                .bind(now_ms)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?,
            );
        }
        let mut claimed = Vec::new();
        for r in &rows {
            let mut it = item(r)?;
            let done = sqlx::query(
                "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_ms = $1, updated_at = $2 WHERE id = $3 AND state = 'pending' AND next_attempt_ms = $4",
            )
            .bind(lease_until_ms)
            .bind(crate::now())
            .bind(it.id)
            .bind(it.next_attempt_ms)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 1 {
                it.attempts += 1;
                it.next_attempt_ms = lease_until_ms;
                claimed.push(it);
            }
        }
        Ok(claimed)
    }

    /// Notes how a claimed attempt ended.
    pub async fn outbox_done(&self, id: i64, attempt: Attempt<'_>) -> Result<(), Error> {
        let (state, next, error) = match attempt {
            Attempt::Delivered => ("delivered", None, None),
            Attempt::Retry { at_ms, error } => ("pending", Some(at_ms), Some(error)),
            Attempt::Failed { error } => ("failed", None, Some(error)),
        };
        sqlx::query(
            "UPDATE webhook_outbox SET state = $1, next_attempt_ms = COALESCE($2, next_attempt_ms), last_error = COALESCE($3, last_error), updated_at = $4 WHERE id = $5",
        )
        .bind(state)
        .bind(next)
        .bind(error.map(|e| e.chars().take(1000).collect::<String>()))
        .bind(crate::now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The outbox, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxItem>, Error> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM webhook_outbox ORDER BY id DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item).collect()
    }
}
