//! # exctl-screen
//!
//! Restricted-party screening. Reads the real list formats into one entry
//! model, normalises and transliterates names (Cyrillic, Hangul, Han and
//! more) in-process, retrieves candidates through an n-gram index and scores
//! them with explained, token-aware similarity.
//!
//! This crate knows nothing of rule packs or determinations; the caller
//! supplies country resolution and decides what a hit means.

pub mod model;
pub mod normalize;
pub mod parse;
pub mod score;
pub mod screen;
pub mod translit;

pub use model::{EntityType, Entry, ListName, ListSet, ListVersion, PartyId, SourceInfo, Strength};
pub use parse::{load_path, Format, ParseError};
pub use screen::{Explanation, Match, Query, Screener};

/// Default alert threshold, chosen on nomenklatura's name_bench (see docs/screening.md).
pub const DEFAULT_THRESHOLD: f64 = 0.80;
