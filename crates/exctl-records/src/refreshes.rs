//! Fetches of the official lists, each recorded with what it changed.

use crate::audit;
use crate::store::Store;
use crate::Error;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

/// A fetch of the official lists, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRefresh {
    pub id: i64,
    /// Per file: source, URL, SHA-256, size, entries, date and the diff.
    pub files: serde_json::Value,
    /// Files that failed, with why.
    pub failed: serde_json::Value,
    /// `yes` when a file in use was replaced.
    pub changed: String,
    pub recorded_at: String,
    pub actor: String,
}

impl Store {
    /// Records a fetch of the lists (audited).
    pub async fn record_list_refresh(
        &self,
        files: &serde_json::Value,
        failed: &serde_json::Value,
        changed: bool,
    ) -> Result<ListRefresh, Error> {
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO list_refreshes (files, failed, changed, recorded_at, actor)
             VALUES ($1, $2, $3, $4, $5) {}",
            audit::returning("list_refreshes")
        )))
        .bind(files.to_string())
        .bind(failed.to_string())
        .bind(if changed { "yes" } else { "no" })
        .bind(crate::now())
        .bind(self.actor())
        .fetch_one(&mut *tx)
        .await?;
        let id = self
            .audit_returned(&mut tx, "fetch", "list_refreshes", &row)
            .await?;
        self.commit(tx).await?;
        self.list_refreshes(1, Some(id + 1))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Corrupt("the refresh just recorded is not there".into()))
    }

    /// The latest fetches, newest first (`before`: ids below it).
    pub async fn list_refreshes(
        &self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<ListRefresh>, Error> {
        let rows = sqlx::query(
            "SELECT id, files, failed, changed, recorded_at, actor FROM list_refreshes
              WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        let json = |t: String| {
            serde_json::from_str(&t)
                .map_err(|e| Error::Corrupt(format!("stored list refresh: {e}")))
        };
        rows.iter()
            .map(|r| {
                Ok(ListRefresh {
                    id: r.try_get(0)?,
                    files: json(r.try_get(1)?)?,
                    failed: json(r.try_get(2)?)?,
                    changed: r.try_get(3)?,
                    recorded_at: r.try_get(4)?,
                    actor: r.try_get(5)?,
                })
            })
            .collect()
    }
}
