//! API keys and refused requests: who may call the server, and a record of
//! every call that was turned away.

use crate::audit::{self, row_json};
use crate::keys;
use crate::store::Store;
use crate::Error;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// What a key may do; each role may do everything the one before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads: classify, check without recording, catalog, rules, history.
    Viewer,
    /// Decisions and dispositions: recorded checks and screens, shipments, clearances.
    Officer,
    /// Keys, licences and lists.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(Role::Viewer),
            "officer" => Some(Role::Officer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API key as stored (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: i64,
    /// The public part of the token, `exk_<key_id>_<secret>`.
    pub key_id: String,
    pub role: Role,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub actor: String,
}

/// Requests the server refused from one client address in one window (a
/// minute): counted in memory by the server, written as one record once
/// the window closes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Refusal {
    pub first_at: String,
    pub last_at: String,
    pub remote: Option<String>,
    /// Requests refused (401, 403, or 429 past the client's rate).
    pub count: u64,
    /// Of those, answered 429.
    pub limited: u64,
    /// Refusals by status ("401", "403", "429").
    pub statuses: BTreeMap<String, u64>,
    /// The distinct key ids named (a wrong secret names one too), capped.
    pub key_ids: Vec<String>,
    /// The distinct "METHOD /path" refused, capped.
    pub paths: Vec<String>,
    /// The distinct reasons given, capped.
    pub reasons: Vec<String>,
    /// In the audit trail; `false` while the window is still being counted.
    pub recorded: bool,
}

/// The key id a token `exk_<key_id>_<secret>` claims, if it is one.
pub fn token_key_id(token: &str) -> Option<&str> {
    split_token(token).map(|(id, _)| id)
}

fn json_text<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json_text<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

/// Longest key name, in characters.
pub const MAX_KEY_NAME: usize = 200;

/// Checks a key's name: who or what uses it, on one line, not empty and at
/// most [`MAX_KEY_NAME`] characters. Returns it trimmed.
pub fn check_key_name(name: &str) -> Result<&str, Error> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid(
            "name: empty; a key needs a name (who or what uses it)".into(),
        ));
    }
    let chars = name.chars().count();
    if chars > MAX_KEY_NAME {
        return Err(Error::Invalid(format!(
            "name: {chars} characters; the limit is {MAX_KEY_NAME}"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "name: control characters (line breaks, tabs…) are not allowed".into(),
        ));
    }
    // Invisible and direction-changing characters let a name read as
    // another in listings and in the audit trail.
    if name.chars().any(is_format_char) {
        return Err(Error::Invalid(
            "name: invisible or direction-changing characters (zero-width, bidi controls) are not allowed".into(),
        ));
    }
    Ok(name)
}

/// Unicode format characters that change how text reads without showing:
/// zero-width characters, bidirectional controls, the BOM, soft hyphen.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

const KEY_COLUMNS: &str = "id, key_id, secret_hash, role, name, created_at, revoked_at, actor";

fn key_from_row(r: &sqlx::any::AnyRow) -> Result<(ApiKey, String), Error> {
    let role: String = r.try_get(3)?;
    Ok((
        ApiKey {
            id: r.try_get(0)?,
            key_id: r.try_get(1)?,
            role: Role::parse(&role)
                .ok_or_else(|| Error::Rejected(format!("stored key has unknown role {role:?}")))?,
            name: r.try_get(4)?,
            created_at: r.try_get(5)?,
            revoked_at: r.try_get(6)?,
            actor: r.try_get(7)?,
        },
        r.try_get(2)?,
    ))
}

/// Splits a token `exk_<key_id>_<secret>`.
fn split_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.trim().strip_prefix("exk_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && !secret.is_empty()).then_some((id, secret))
}

impl Store {
    /// Creates a key; returns it and its token, which is shown only now.
    pub async fn create_api_key(&self, role: Role, name: &str) -> Result<(ApiKey, String), Error> {
        let name = check_key_name(name)?;
        self.signer()?;
        let mut id_bytes = [0u8; 8];
        let mut secret_bytes = [0u8; 24];
        keys::random(&mut id_bytes)?;
        keys::random(&mut secret_bytes)?;
        let (key_id, secret) = (hex::encode(id_bytes), hex::encode(secret_bytes));
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO api_keys (key_id, secret_hash, role, name, created_at, actor) VALUES ($1, $2, $3, $4, $5, $6) {}",
            audit::returning("api_keys")
        )))
        .bind(&key_id)
        .bind(keys::sha256_hex(secret.as_bytes()))
        .bind(role.as_str())
        .bind(name)
        .bind(crate::now())
        .bind(&self.actor)
        .fetch_one(&mut *tx)
        .await?;
        self.audit_returned(&mut tx, "create key", "api_keys", &row)
            .await?;
        let (key, _) = key_from_row(&row)?;
        self.commit(tx).await?;
        Ok((key, format!("exk_{key_id}_{secret}")))
    }

    /// Every key, newest last.
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, Error> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| key_from_row(r).map(|(k, _)| k))
            .collect()
    }

    /// Revokes a key by its key id; revoking twice is refused.
    pub async fn revoke_api_key(&self, key_id: &str) -> Result<ApiKey, Error> {
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_id = $1"
        )))
        .bind(key_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::Rejected(format!("no API key {key_id:?}")))?;
        let (key, _) = key_from_row(&row)?;
        if key.revoked_at.is_some() {
            return Err(Error::Rejected(format!("key {key_id} is already revoked")));
        }
        let before = row_json(&mut tx, "api_keys", key.id).await?;
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2")
            .bind(crate::now())
            .bind(key.id)
            .execute(&mut *tx)
            .await?;
        self.audit_update(&mut tx, "revoke key", "api_keys", key.id, before)
            .await?;
        self.commit(tx).await?;
        Ok(ApiKey {
            revoked_at: Some(crate::now()),
            ..key
        })
    }

    /// The live key a token belongs to, if the token is right.
    pub async fn authenticate(&self, token: &str) -> Result<Option<ApiKey>, Error> {
        let Some((key_id, secret)) = split_token(token) else {
            return Ok(None);
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_id = $1"
        )))
        .bind(key_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (key, hash) = key_from_row(&row)?;
        let given = keys::sha256_hex(secret.as_bytes());
        // Compare digests in constant time: no early exit on the first difference.
        let same = given.len() == hash.len()
            && given
                .bytes()
                .zip(hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        Ok((same && key.revoked_at.is_none()).then_some(key))
    }

    /// Records windows of refused requests in the audit trail: one
    /// transaction and one seal for them all.
    pub async fn record_refusals(&self, windows: &[Refusal]) -> Result<(), Error> {
        if windows.is_empty() {
            return Ok(());
        }
        self.signer()?;
        let mut tx = self.begin_write().await?;
        for r in windows {
            let row = sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO refusal_windows (first_at, last_at, remote, refused, limited, statuses, key_ids, paths, reasons) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {}",
                audit::returning("refusal_windows")
            )))
            .bind(&r.first_at)
            .bind(&r.last_at)
            .bind(&r.remote)
            .bind(i64::try_from(r.count).unwrap_or(i64::MAX))
            .bind(i64::try_from(r.limited).unwrap_or(i64::MAX))
            .bind(json_text(&r.statuses))
            .bind(json_text(&r.key_ids))
            .bind(json_text(&r.paths))
            .bind(json_text(&r.reasons))
            .fetch_one(&mut *tx)
            .await?;
            self.audit_returned(&mut tx, "refuse", "refusal_windows", &row)
                .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    /// The latest refusals on record, newest first: the windows, and the
    /// single refusals written one by one before windows were kept.
    pub async fn refusals(&self, limit: i64) -> Result<Vec<Refusal>, Error> {
        let rows = sqlx::query(
            "SELECT first_at, last_at, remote, refused, limited, statuses, key_ids, paths, reasons FROM refusal_windows ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(Refusal {
                first_at: r.try_get(0)?,
                last_at: r.try_get(1)?,
                remote: r.try_get(2)?,
                count: u64::try_from(r.try_get::<i64, _>(3)?).unwrap_or(0),
                limited: u64::try_from(r.try_get::<i64, _>(4)?).unwrap_or(0),
                statuses: from_json_text(&r.try_get::<String, _>(5)?),
                key_ids: from_json_text(&r.try_get::<String, _>(6)?),
                paths: from_json_text(&r.try_get::<String, _>(7)?),
                reasons: from_json_text(&r.try_get::<String, _>(8)?),
                recorded: true,
            });
        }
        let single = sqlx::query(
            "SELECT at, key_id, method, path, status, reason, remote FROM refusals ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        for r in &single {
            let at: String = r.try_get(0)?;
            let key_id: Option<String> = r.try_get(1)?;
            let method: String = r.try_get(2)?;
            let path: String = r.try_get(3)?;
            let status: i64 = r.try_get(4)?;
            out.push(Refusal {
                first_at: at.clone(),
                last_at: at,
                remote: r.try_get(6)?,
                count: 1,
                limited: 0,
                statuses: BTreeMap::from([(status.to_string(), 1)]),
                key_ids: key_id.into_iter().collect(),
                paths: vec![format!("{method} {path}")],
                reasons: vec![r.try_get(5)?],
                recorded: true,
            });
        }
        out.sort_by(|a, b| b.last_at.cmp(&a.last_at));
        out.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_and_roles_order() {
        assert_eq!(
            split_token("exk_0123456789abcdef_deadbeef"),
            Some(("0123456789abcdef", "deadbeef"))
        );
        assert_eq!(split_token("exk_short_x"), None);
        assert_eq!(split_token("Bearer x"), None);
        assert!(Role::Viewer < Role::Officer && Role::Officer < Role::Admin);
        assert_eq!(Role::parse(" Admin"), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn key_names_are_one_line_and_not_empty() {
        assert_eq!(check_key_name("  SAP bridge ").ok(), Some("SAP bridge"));
        for bad in [
            "",
            "   ",
            "a\nb",
            "tab\there",
            "\u{200b}",
            "\u{202e}evil",
            "admin\u{2066}",
        ] {
            let e = check_key_name(bad).unwrap_err();
            assert!(e.is_invalid() && e.is_rejection(), "{bad:?}: {e}");
            assert!(e.to_string().starts_with("name:"), "{e}");
        }
        assert!(check_key_name(&"k".repeat(MAX_KEY_NAME)).is_ok());
        assert!(check_key_name(&"k".repeat(MAX_KEY_NAME + 1)).is_err());
    }
}
