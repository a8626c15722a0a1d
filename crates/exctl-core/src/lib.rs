//! # exctl-core
//!
//! The pure decision logic of exctl: items and the metrics derived from their
//! parameters, country groups with membership history, rule packs (rules as
//! data, conditions in CEL) and the engine that turns an item, a destination,
//! an end use and a date into an outcome per jurisdiction, with reasons.
//!
//! This crate does no I/O and never reads the clock: files are read by
//! `exctl-data`, and the as-of date is always an input.

pub mod country;
pub mod decision;
pub mod engine;
pub mod error;
pub mod facts;
pub mod item;
pub mod law;
pub mod licence;
mod outcome;
pub mod ownership;
pub mod pack;
pub mod parties;
pub mod summary;
pub mod vocab;

pub use country::{CountryGroups, CountryTable};
pub use decision::{Decision, Determination, LicenceUse, Question, Reason};
pub use engine::{Engine, Query};
pub use error::{DataError, QueryError};
pub use facts::{FactValue, Facts};
pub use item::{Item, ItemKind, Metrics, Precision, ProductVersionRef};
pub use licence::Licence;
pub use outcome::Outcome;
pub use pack::{Rule, RuleKind, RulePack, RuleStatus};
pub use vocab::Vocabulary;
