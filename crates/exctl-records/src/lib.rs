//! # exctl-records
//!
//! The system of record: every check and screen with what it was based on,
//! parties and their list hits, dispositions, licences with their balances,
//! shipments, rescreens, the product master with its versions — and an append-only audit trail in which every
//! entry is hash-chained to the one before and signed with ML-DSA-65.
//!
//! One [`Store`] over two real backends through sqlx: SQLite (a file, the
//! embedded default) and PostgreSQL (several instances sharing one
//! database). Migrations are versioned in `migrations/<backend>/`.
//!
//! Invariants:
//! - Every insert or update of a record happens in the same transaction as
//!   the audit entry that describes it (before and after), so neither can be
//!   lost without the other.
//! - Writers are serialised (SQLite `BEGIN IMMEDIATE`, a PostgreSQL
//!   transaction-level advisory lock), which keeps the chain linear and makes
//!   licence drawdown atomic across processes and hosts.
//! - Nothing is deleted; a cleared disposition that no longer holds is marked
//!   inactive, not removed.

mod access;
mod audit;
pub mod cases;
mod checkpoint;
pub mod keys;
mod outbox;
pub mod ownership;
pub mod products;
mod refreshes;
mod store;

pub use access::{check_key_name, token_key_id, ApiKey, Refusal, Role, MAX_KEY_NAME};
pub use audit::{AuditBundle, AuditEntry, Problem, VerifyReport};
pub use cases::{Case, CaseEvent, CaseFile, Evidence};
pub use checkpoint::{Checkpoint, CHECKPOINT_FORMAT};
pub use keys::Signer;
pub use outbox::{Attempt, OutboxItem};
pub use ownership::{Ancestry, ImportReport, NewImport, OwnershipImport, StoredEntity, StoredLink};
pub use products::{ProductVersion, Saved};
pub use refreshes::ListRefresh;
pub use store::{
    party_key, Alert, AlertKind, Backend, Disposition, HistoryFilter, HistoryPage, HitRecord,
    LineRecorded, NewDecision, NotedParty, PartyEvidence, PartyRecord, Recording, RescreenReport,
    ShipmentReceipt, Store, StoredDecision, StoredLicence,
};

/// What can go wrong with the records.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("signing key: {0}")]
    Key(String),
    /// The request cannot be carried out as asked (unknown licence, overdraw…).
    #[error("{0}")]
    Rejected(String),
    #[error("this store was opened without a signing key: run `exctl init` first")]
    NoKey,
    /// The request is malformed (an empty or overlong name…): nothing was
    /// tried.
    #[error("{0}")]
    Invalid(String),
    /// What the request names is not on record (a case, a decision).
    #[error("{0}")]
    NotFound(String),
    /// A stored record cannot be read back as it was written.
    #[error("records corrupt: {0}")]
    Corrupt(String),
}

impl Error {
    /// Whether the error is the user's request rather than the system.
    pub fn is_rejection(&self) -> bool {
        matches!(
            self,
            Error::Rejected(_) | Error::NoKey | Error::Invalid(_) | Error::NotFound(_)
        )
    }

    /// Whether what the request names is not on record (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    /// Whether the request itself is malformed (HTTP 400), rather than
    /// refused by what is on record (409).
    pub fn is_invalid(&self) -> bool {
        matches!(self, Error::Invalid(_))
    }
}

/// Now, as stored: UTC, microseconds, RFC 3339.
pub(crate) fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}
