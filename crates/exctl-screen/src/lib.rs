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

/// Maps and sets looked up per word of every name screened (the index's,
/// the transliteration tables): hashed fast (seeded per map) rather than
/// with SipHash.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

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
