//! The screener: an in-memory index over a list set, candidate retrieval by
//! character trigrams of every Latin form of every name, and explained scores.

use crate::model::{
    years_in, EntityType, Entry, ListName, ListSet, ListVersion, PartyId, Strength,
};
use crate::normalize::{forms, NameForm, GENERIC_WORDS};
use crate::score::{
    compare_prepared_above, push_token_shapes, PartyKind, PreparedForms, TokenPair, TokenShape,
};
use crate::FastMap as HashMap;
use serde::Serialize;
use std::cell::RefCell;

/// Weak aliases are too generic to identify a party alone.
const WEAK_ALIAS_FACTOR: f64 = 0.9;
/// Country of the query and of the entry agree.
const COUNTRY_AGREE_BONUS: f64 = 0.03;
/// They disagree (lists often lack countries, so this is mild).
const COUNTRY_DISAGREE_PENALTY: f64 = 0.05;
/// Query says person and entry says organisation, or the reverse.
const TYPE_MISMATCH_PENALTY: f64 = 0.1;
/// What an acronym alone scores: below the default threshold, so it alerts
/// only with the party's country agreeing.
const ACRONYM_SCORE: f64 = 0.78;
/// An acronym's organisation in the party's country.
const ACRONYM_COUNTRY_BONUS: f64 = 0.1;
/// Organisations an acronym may stand for, at most.
const ACRONYM_CANDIDATES: usize = 50;
/// An identifier of the query equal to one of the entry's: the same party.
const ID_MATCH_SCORE: f64 = 0.99;
/// An identifier of the same kind with another number: evidence against.
const ID_CONFLICT_PENALTY: f64 = 0.15;
/// Years of birth more than a year apart: evidence against.
const BIRTH_YEAR_PENALTY: f64 = 0.1;
/// Candidate names retrieved per query: all are scored when the entry of
/// one of the first [`FIRST_CANDIDATES`] matches.
const CANDIDATES: usize = 24;
/// Candidate names whose entries are scored first. Most parties of a book
/// are on no list, and the best few candidates decide that: the rest of the
/// candidates are related names, worth scoring when the party matches
/// something. (8 misses two listed parties of the development set.)
const FIRST_CANDIDATES: usize = 10;
/// A query token found in no list name is looked up among list tokens this
/// similar (a typo in the rarest word must not lose the candidate).
const FUZZY_TOKEN_FLOOR: f64 = 0.75;
/// Unknown words a thread remembers the look-up of, per index.
const LOOKUP_CACHE_SIZE: usize = 200_000;
/// A candidate holding all of the query ranks as if this similar.
const COVERAGE_FACTOR: f64 = 0.8;
/// Distinguishes indexes, so a thread's remembered look-ups are never another index's.
static NEXT_INDEX_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
/// Trigrams of a misspelt token counted to find the words like it.
const FUZZY_TRIGRAMS: usize = 6;
/// The retrieval score of a listed form spelt as a form of the query is:
/// above any overlap (at most 1), so it is always among the candidates.
const SPELT_ALIKE: f64 = 2.0;

/// A party to screen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Query {
    pub name: String,
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    pub entity_type: Option<EntityType>,
    /// Date of birth as the document gives it (a year or a date).
    pub birth_date: Option<String>,
    /// Identifying numbers the document gives.
    pub ids: Vec<PartyId>,
}

impl Query {
    pub fn name(name: &str) -> Query {
        Query {
            name: name.to_string(),
            ..Query::default()
        }
    }
}

/// Why a match scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The list name or alias that matched.
    pub matched_name: String,
    pub matched_primary: bool,
    pub alias_strength: Strength,
    /// Spelling of the query that matched, and its transliteration scheme.
    pub query_form: String,
    pub query_scheme: Option<&'static str>,
    /// Spelling of the list name that matched, and its scheme.
    pub list_form: String,
    pub list_scheme: Option<&'static str>,
    pub token_pairs: Vec<TokenPair>,
    pub query_coverage: f64,
    pub name_coverage: f64,
    pub joined_similarity: f64,
    /// The name score before adjustments.
    pub name_score: f64,
    pub weak_alias_factor: Option<f64>,
    /// `agree`, `disagree` or `unknown`.
    pub country: &'static str,
    pub country_adjustment: f64,
    pub type_adjustment: f64,
    pub legal_forms: Vec<String>,
    /// What else than the name weighed: identifiers and dates of birth,
    /// each with its effect on the score.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// One list entry that matched a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// Position of the entry in [`Screener::entries`].
    #[serde(skip)]
    pub entry_index: usize,
    pub entry_id: String,
    pub list: String,
    pub list_name: String,
    /// The entry's primary name.
    pub name: String,
    pub matched_name: String,
    pub countries: Vec<String>,
    pub entity_type: EntityType,
    pub score: f64,
    /// The list's legal effect where the source gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_requirement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federal_register_notice: Option<String>,
    pub explanation: Explanation,
}

/// Where an indexed form lives: entry, name of the entry, form of the name.
#[derive(Clone, Copy)]
struct FormRef {
    entry: u32,
    name: u16,
    form: u16,
}

/// A list set indexed for screening.
pub struct Screener {
    /// Unique to this index (for per-thread caches).
    id: u64,
    entries: Vec<Entry>,
    version: ListVersion,
    /// Forms of every name of every entry, by entry.
    entry_forms: Vec<Vec<Vec<NameForm>>>,
    /// The shapes of the forms' tokens, side by side (see [`TokenShape`]).
    shapes: Vec<TokenShape>,
    forms: Vec<FormRef>,
    /// The indexed forms by their trigrams and joined letters.
    trigram_index: TrigramIndex,
    /// The indexed forms by their words.
    words: WordIndex,
    /// Organisations by the acronyms of their names: weak aliases.
    acronyms: HashMap<String, Vec<(u32, u16)>>,
    /// Entries by identifying number.
    id_index: HashMap<String, Vec<u32>>,
}

fn trigrams(joined: &str) -> Vec<u32> {
    let mut out = Vec::new();
    trigrams_into(joined, &mut out);
    out
}

/// [`trigrams`] into `out` (cleared first): distinct, sorted.
fn trigrams_into(joined: &str, out: &mut Vec<u32>) {
    out.clear();
    let bytes = || {
        std::iter::once(b'^')
            .chain(joined.bytes())
            .chain(std::iter::once(b'$'))
    };
    let (mut a, mut b) = (0u32, 0u32);
    for (i, c) in bytes().enumerate() {
        let c = u32::from(c);
        if i >= 2 {
            out.push((a << 16) | (b << 8) | c);
        }
        (a, b) = (b, c);
    }
    if joined.is_empty() {
        out.push(bytes().fold(0u32, |a, b| (a << 8) | u32::from(b)));
    }
    out.sort_unstable();
    out.dedup();
}

/// A hash of a form's joined letters, for finding the forms spelt alike.
fn joined_hash(joined: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6a_6f_69_6e).hash_one(joined)
}

/// Forms by the hash of their joined letters ([`joined_hash`]): the pairs
/// sorted by hash, and where each run of hashes with the same leading bits
/// starts, so that a look-up reads a bucket or two rather than binary
/// searching a long array (a miss of the cache at every step).
struct JoinedIndex {
    sorted: Vec<(u64, u32)>,
    /// `starts[b]`: the first pair whose hash's leading bits are `b` or more;
    /// one more than the buckets.
    starts: Vec<u32>,
    /// The hash shifted right by this gives its bucket.
    shift: u32,
}

impl JoinedIndex {
    fn new(mut pairs: Vec<(u64, u32)>) -> JoinedIndex {
        pairs.sort_unstable();
        // About four pairs a bucket.
        let bits = (pairs.len() / 4).max(1).ilog2().clamp(4, 24);
        let shift = 64 - bits;
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0usize;
        for b in 0..(1u64 << bits) {
            while at < pairs.len() && (pairs[at].0 >> shift) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(pairs.len() as u32);
        JoinedIndex {
            sorted: pairs,
            starts,
            shift,
        }
    }

    /// The forms whose joined letters hash to `key`.
    fn forms(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        let b = (key >> self.shift) as usize;
        let bucket = &self.sorted[self.starts[b] as usize..self.starts[b + 1] as usize];
        bucket
            .iter()
            .skip_while(move |(h, _)| *h < key)
            .take_while(move |(h, _)| *h == key)
            .map(|(_, f)| *f)
    }
}

/// Whether a form is indexed (a listed one) or looked up (a query's) by its
/// trigrams; its words are in any case.
fn counts_trigrams(f: &NameForm) -> bool {
    f.native.is_none() && !f.skeleton && !f.is_transcription()
}

/// Per form: shared weight, last query token counted, its similarity; and
/// the forms touched.
type TokenTally = (Vec<(f32, u32, f32)>, Vec<u32>);

/// Per name of an entry, what is read from it.
type PerName<T> = Vec<Vec<T>>;

/// Unknown words and the list words like them (with their similarity).
type LookupCache = HashMap<String, Vec<(u32, f64)>>;

thread_local! {
    static SCRATCH: RefCell<Tally> = RefCell::new(Tally::default());
    /// Words like an unknown query word, by index.
    static LOOKUP_CACHE: RefCell<(u64, LookupCache)> = RefCell::new((0, HashMap::default()));
    /// Per vocabulary token: trigrams shared with a misspelt query token.
    static VOCAB_SCRATCH: RefCell<Tally> = RefCell::new(Tally::default());
    /// Shared weights of the forms one query touches (see [`TokenTally`]).
    static TOKEN_SCRATCH: RefCell<TokenTally> = const { RefCell::new((Vec::new(), Vec::new())) };
    /// Candidate forms of one query with their retrieval scores.
    static SCORED_SCRATCH: RefCell<Vec<(f64, u32)>> = const { RefCell::new(Vec::new()) };
}

/// Per id, how many posting lists hold it, and the ids counted: kept by a
/// thread from query to query so that a batch does not allocate them anew.
#[derive(Default)]
struct Tally {
    counts: Vec<u16>,
    touched: Vec<u32>,
}

/// The trigram-indexed forms by trigram and by their joined letters.
struct TrigramIndex {
    /// The trigram-indexed forms holding each trigram.
    postings: HashMap<u32, Vec<u32>>,
    /// Trigram count of each form: forms are numbered in its order.
    form_trigrams: Vec<u16>,
    /// `by_count[k]`: the first form with `k` trigrams or more; the number
    /// of forms last.
    by_count: Vec<u32>,
    /// The trigram-indexed forms by a hash of their joined text.
    by_joined: JoinedIndex,
}

/// Where the forms of each trigram count start, for forms numbered in its
/// order (`TrigramIndex::by_count`).
fn by_count(form_trigrams: &[u16]) -> Vec<u32> {
    let most = form_trigrams.last().map_or(0, |n| usize::from(*n));
    (0..=most + 1)
        .map(|k| form_trigrams.partition_point(|n| usize::from(*n) < k) as u32)
        .collect()
}

impl TrigramIndex {
    /// The first form with more than `k` trigrams (or the number of forms).
    fn first_over(&self, k: usize) -> u32 {
        self.by_count[(k + 1).min(self.by_count.len() - 1)]
    }

    /// The index of the forms `refs`, numbered in order of their trigram
    /// counts `form_trigrams`.
    fn new(
        entry_forms: &[PerName<NameForm>],
        refs: &[FormRef],
        form_trigrams: Vec<u16>,
    ) -> TrigramIndex {
        let mut postings: HashMap<u32, Vec<u32>> = HashMap::default();
        let mut by_joined: Vec<(u64, u32)> = Vec::new();
        let mut tg = Vec::new();
        for (fi, r) in refs.iter().enumerate() {
            let f = &entry_forms[r.entry as usize][r.name as usize][r.form as usize];
            // A respelling as a transcription of Russian is found by its
            // words; its trigrams are mostly those of the name as written
            // ("yames" for "James"), and would only lengthen the lists.
            if counts_trigrams(f) {
                trigrams_into(&f.joined, &mut tg);
                for &t in &tg {
                    postings.entry(t).or_default().push(fi as u32);
                }
                by_joined.push((joined_hash(&f.joined), fi as u32));
            }
        }
        TrigramIndex {
            postings,
            by_count: by_count(&form_trigrams),
            form_trigrams,
            by_joined: JoinedIndex::new(by_joined),
        }
    }
}

/// The words of the indexed forms and what is looked up by them.
struct WordIndex {
    /// Every token of every indexed form, by id: the forms that hold it in
    /// `token_postings`.
    vocab: HashMap<String, u32>,
    vocab_tokens: Vec<String>,
    /// Weight of each token of `vocab_tokens` (rarer weighs more).
    vocab_weights: Vec<f32>,
    token_postings: Vec<Vec<u32>>,
    /// Trigrams of the vocabulary's tokens, for looking up a misspelt token.
    vocab_trigrams: HashMap<u32, Vec<u32>>,
    /// Sum of each indexed form's token weights.
    form_weight: Vec<f32>,
    /// Vocabulary tokens by consonant skeleton, for names in Arabic script.
    skeletons: HashMap<String, Vec<u32>>,
}

impl WordIndex {
    fn new(
        entry_forms: &[PerName<NameForm>],
        refs: &[FormRef],
        weights: &HashMap<String, f32>,
    ) -> WordIndex {
        let mut vocab: HashMap<String, u32> = HashMap::default();
        let mut vocab_tokens: Vec<String> = Vec::new();
        let mut token_postings: Vec<Vec<u32>> = Vec::new();
        let mut form_weight = Vec::with_capacity(refs.len());
        for (fi, r) in refs.iter().enumerate() {
            let f = &entry_forms[r.entry as usize][r.name as usize][r.form as usize];
            form_weight.push(f.weights.iter().sum::<f32>());
            for t in &f.tokens {
                let id = *vocab.entry(t.clone()).or_insert_with(|| {
                    vocab_tokens.push(t.clone());
                    token_postings.push(Vec::new());
                    (vocab_tokens.len() - 1) as u32
                });
                let list = &mut token_postings[id as usize];
                if list.last() != Some(&(fi as u32)) {
                    list.push(fi as u32);
                }
            }
        }
        // (Every list token is a token of an indexed form, and has its weight.)
        let vocab_weights: Vec<f32> = vocab_tokens
            .iter()
            .map(|t| weights.get(t).copied().unwrap_or(1.0))
            .collect();
        let mut vocab_trigrams: HashMap<u32, Vec<u32>> = HashMap::default();
        for (id, t) in vocab_tokens.iter().enumerate() {
            if t.len() >= 4 {
                for g in trigrams(t) {
                    vocab_trigrams.entry(g).or_default().push(id as u32);
                }
            }
        }
        let mut skeletons: HashMap<String, Vec<u32>> = HashMap::default();
        for (id, t) in vocab_tokens.iter().enumerate() {
            // One consonant is a word too ("Zia", "Agha"): with the other
            // words of a name it finds the name.
            let k = crate::translit::latin_skeleton(t);
            if !k.is_empty() {
                skeletons.entry(k).or_default().push(id as u32);
            }
        }
        WordIndex {
            vocab,
            vocab_tokens,
            vocab_weights,
            token_postings,
            vocab_trigrams,
            form_weight,
            skeletons,
        }
    }
}

/// Entries by identifying number.
fn id_index(entries: &[Entry]) -> HashMap<String, Vec<u32>> {
    let mut id_index: HashMap<String, Vec<u32>> = HashMap::default();
    for (ei, e) in entries.iter().enumerate() {
        for id in &e.ids {
            id_index
                .entry(id.number.clone())
                .or_default()
                .push(ei as u32);
        }
    }
    id_index
}

/// Organisations by the acronyms of their names (per entry, per name).
fn acronym_index(entry_acronyms: Vec<PerName<String>>) -> HashMap<String, Vec<(u32, u16)>> {
    let mut acronyms: HashMap<String, Vec<(u32, u16)>> = HashMap::default();
    for (ei, per_name) in entry_acronyms.into_iter().enumerate() {
        for (ni, names) in per_name.into_iter().enumerate() {
            for a in names {
                let list = acronyms.entry(a).or_default();
                if !list.iter().any(|(x, _)| *x == ei as u32) {
                    list.push((ei as u32, ni as u16));
                }
            }
        }
    }
    acronyms
}

impl Screener {
    /// Indexes a list set.
    pub fn new(set: ListSet) -> Screener {
        let version = set.version();
        let entries = set.entries;
        // Reading every name every way (and an organisation's names as
        // acronyms) is most of the index's cost: on every core.
        let (mut entry_forms, entry_acronyms): (Vec<PerName<NameForm>>, Vec<PerName<String>>) = {
            use rayon::prelude::*;
            entries
                .par_iter()
                .map(|e| {
                    let names = e.names.iter().take(u16::MAX as usize);
                    let acronyms = if e.entity_type == EntityType::Individual {
                        Vec::new()
                    } else {
                        names
                            .clone()
                            .map(|n| crate::normalize::acronyms(&n.text))
                            .collect()
                    };
                    (names.map(|n| forms(&n.text)).collect(), acronyms)
                })
                .unzip()
        };
        let mut refs = Vec::new();
        let mut df: HashMap<String, u32> = HashMap::default();
        for (ei, per_name) in entry_forms.iter().enumerate() {
            let mut seen_tokens: Vec<String> = Vec::new();
            for (ni, fs) in per_name.iter().enumerate() {
                for (fi, f) in fs.iter().enumerate().take(u16::MAX as usize) {
                    if f.native.is_none() {
                        for t in &f.tokens {
                            if !seen_tokens.contains(t) {
                                seen_tokens.push(t.clone());
                            }
                        }
                        refs.push(FormRef {
                            entry: ei as u32,
                            name: ni as u16,
                            form: fi as u16,
                        });
                    }
                }
            }
            for t in seen_tokens {
                *df.entry(t).or_default() += 1;
            }
        }
        // Forms numbered in order of their trigram counts (and as listed
        // among equals): a screen then counts a run of them at a time, as
        // many trigrams as it must share to pass (see `TrigramIndex`).
        // (Counted on every core, into one buffer per thread: the index
        // takes the counts, and reads the trigrams again only as it files
        // them, rather than holding every form's at once.)
        let mut by_length: Vec<(u16, FormRef)> = {
            use rayon::prelude::*;
            refs.into_par_iter()
                .map_init(Vec::new, |buf, r| {
                    let f =
                        &entry_forms[r.entry as usize][usize::from(r.name)][usize::from(r.form)];
                    trigrams_into(&f.joined, buf);
                    (buf.len().min(usize::from(u16::MAX)) as u16, r)
                })
                .collect()
        };
        by_length.sort_by_key(|(n, _)| *n);
        let (form_trigrams, refs): (Vec<u16>, Vec<FormRef>) = by_length.into_iter().unzip();
        let n = entries.len().max(1) as f64;
        let weights: HashMap<String, f32> = df
            .into_iter()
            .map(|(t, d)| {
                let w = idf_weight(&t, n, f64::from(d)) as f32;
                (t, w)
            })
            .collect();
        let mut shapes = Vec::new();
        for per_name in &mut entry_forms {
            for fs in per_name.iter_mut() {
                for f in fs.iter_mut() {
                    f.weights = f
                        .tokens
                        .iter()
                        .map(|t| weights.get(t).copied().unwrap_or(1.0))
                        .collect();
                    f.shapes_at = push_token_shapes(f, &mut shapes);
                }
            }
        }
        shapes.shrink_to_fit();
        // The trigram index, the word index and the identifier and acronym
        // indexes read the forms independently: side by side.
        let ((trigram_index, (id_index, acronyms)), word_index) = rayon::join(
            || {
                rayon::join(
                    || TrigramIndex::new(&entry_forms, &refs, form_trigrams),
                    || (id_index(&entries), acronym_index(entry_acronyms)),
                )
            },
            || WordIndex::new(&entry_forms, &refs, &weights),
        );
        Screener {
            id: NEXT_INDEX_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            entries,
            version,
            entry_forms,
            shapes,
            forms: refs,
            trigram_index,
            words: word_index,
            acronyms,
            id_index,
        }
    }

    pub fn version(&self) -> &ListVersion {
        &self.version
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Number of indexed name forms.
    pub fn form_count(&self) -> usize {
        self.forms.len()
    }

    /// Token weight from its rarity in the list: rare tokens identify, common
    /// ones ("group", "trading", "mohammad") only support.
    pub fn weight(&self, token: &str) -> f64 {
        self.words.vocab.get(token).map_or_else(
            || idf_weight(token, self.entries.len().max(1) as f64, 0.0),
            |id| f64::from(self.words.vocab_weights[*id as usize]),
        )
    }

    fn candidates(&self, form: &NameForm, out: &mut Vec<(f64, u32)>) {
        let q = trigrams(&form.joined);
        if q.is_empty() {
            return;
        }
        // Skip trigrams so common they carry no information, unless that leaves nothing.
        // The rarest trigrams carry the evidence: count the rarer two thirds
        // (at least three), never the very commonest.
        let mut lists: Vec<&Vec<u32>> = q
            .iter()
            .filter_map(|t| self.trigram_index.postings.get(t))
            .collect();
        lists.sort_unstable_by_key(|l| l.len());
        let keep = (lists.len() * 2).div_ceil(3).max(3).min(lists.len());
        lists.truncate(keep);
        let limit = (self.forms.len() / 8).max(64);
        while lists.len() > 3 && lists.last().is_some_and(|l| l.len() > limit) {
            lists.pop();
        }
        SCRATCH.with(|s| {
            let mut tally = s.borrow_mut();
            self.trigram_index
                .count_shared_by_length(&lists, &mut tally);
            let Tally { counts, touched } = &mut *tally;
            let qn = lists.len() as u32;
            for &f in touched.iter() {
                let shared = u32::from(std::mem::take(&mut counts[f as usize]));
                let sizes = qn + u32::from(self.trigram_index.form_trigrams[f as usize]);
                // Dice 2·shared / sizes ≥ 0.3, in integers: most forms
                // touched share a trigram or two and are passed over. (A
                // name sharing less is found by its words if at all: by
                // trigrams it is someone else's, "M Sophia" for "Sophie
                // Monique Zimmerman".)
                if 20 * shared >= 3 * sizes {
                    out.push((2.0 * f64::from(shared) / f64::from(sizes), f));
                }
            }
        });
    }

    /// The listed forms spelt as `form` (their joined letters equal): always
    /// candidates, however many listed names share their words ("Li Li"
    /// for 利 李, among the hundreds of names holding "li"), up to the
    /// candidates a screen keeps.
    fn spelt_alike(&self, form: &NameForm, out: &mut Vec<(f64, u32)>) {
        for f in self
            .trigram_index
            .by_joined
            .forms(joined_hash(&form.joined))
        {
            let r = self.forms[f as usize];
            let listed =
                &self.entry_forms[r.entry as usize][usize::from(r.name)][usize::from(r.form)];
            if listed.joined == form.joined {
                out.push((SPELT_ALIKE, f));
            }
        }
    }

    /// List tokens like a query token that no list name holds: a misspelt
    /// word, found through shared trigrams and kept when similar enough.
    fn similar_tokens(&self, token: &str, out: &mut Vec<(u32, f64)>) {
        // A number is like no other token: numbers must agree exactly
        // (`token_similarity` gives 0 to any pair with a digit that is not
        // one token twice), and every row number of a book would be looked up.
        if token.len() < 4 || token.bytes().any(|b| b.is_ascii_digit()) {
            return;
        }
        let q = trigrams(token);
        // The rarest trigrams are cheapest to count and enough to find the
        // word: one edit changes at most three of them (four for a swap).
        let mut lists: Vec<&Vec<u32>> = q
            .iter()
            .filter_map(|g| self.words.vocab_trigrams.get(g))
            .collect();
        lists.sort_unstable_by_key(|l| l.len());
        lists.truncate(FUZZY_TRIGRAMS);
        let need = lists.len().saturating_sub(3).max(1) as u16;
        VOCAB_SCRATCH.with(|s| {
            let mut tally = s.borrow_mut();
            count_shared(
                &lists,
                usize::from(need),
                &mut tally,
                self.words.vocab_tokens.len(),
            );
            let Tally { counts, touched } = &mut *tally;
            for &id in touched.iter() {
                let c = std::mem::take(&mut counts[id as usize]);
                let t = &self.words.vocab_tokens[id as usize];
                if c < need || t.len().abs_diff(token.len()) > 2 {
                    continue;
                }
                let s = crate::score::token_similarity(token, t);
                if s >= FUZZY_TOKEN_FLOOR {
                    out.push((id, s));
                }
            }
        });
    }

    /// The list tokens a query token stands for: itself when some list name
    /// holds it, else the list tokens like it.
    fn lookup(&self, token: &str) -> Vec<(u32, f64)> {
        if let Some(&id) = self.words.vocab.get(token) {
            return vec![(id, 1.0)];
        }
        self.similar_cached(token)
    }

    /// Whether a list name holds the token or a token like it.
    fn knows(&self, token: &str) -> bool {
        self.words.vocab.contains_key(token) || !self.similar_cached(token).is_empty()
    }

    /// [`Screener::lookup`], and the list tokens like the token even when a
    /// list name holds it: a word transliterated from Cyrillic or Hangul
    /// is spelt one way by one system and another by the list ("Otkrytie",
    /// "Otkritie"), and both spellings may be words of the lists.
    fn lookup_wide(&self, token: &str) -> Vec<(u32, f64)> {
        let Some(&id) = self.words.vocab.get(token) else {
            return self.similar_cached(token);
        };
        let mut ids = vec![(id, 1.0)];
        ids.extend(
            self.similar_cached(token)
                .into_iter()
                .filter(|(x, _)| *x != id),
        );
        ids
    }

    /// [`Screener::similar_tokens`], remembered per thread.
    fn similar_cached(&self, token: &str) -> Vec<(u32, f64)> {
        // A number has no similar tokens (see `similar_tokens`), and a
        // book's row numbers would crowd the cache out.
        if token.bytes().any(|b| b.is_ascii_digit()) {
            return Vec::new();
        }
        // A batch meets the same unknown words again and again: each thread
        // remembers what this index answered for them.
        LOOKUP_CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.0 != self.id || c.1.len() >= LOOKUP_CACHE_SIZE {
                c.0 = self.id;
                c.1.clear();
            }
            if let Some(ids) = c.1.get(token) {
                return ids.clone();
            }
            let mut ids = Vec::new();
            self.similar_tokens(token, &mut ids);
            c.1.insert(token.to_string(), ids.clone());
            ids
        })
    }

    /// Candidates by words: every form holding a query token, or a token
    /// like a misspelt one, scored by the weight of the words they share.
    fn token_candidates(
        &self,
        form: &NameForm,
        lookups: &[Vec<(u32, f64)>],
        out: &mut Vec<(f64, u32)>,
    ) {
        let limit = (self.forms.len() / 8).max(64);
        let per_token: Vec<(f64, &Vec<(u32, f64)>)> = form
            .tokens
            .iter()
            .enumerate()
            .map(|(i, _)| {
                (
                    form.weights.get(i).map_or(1.0, |w| f64::from(*w)),
                    &lookups[i],
                )
            })
            .collect();
        let q_weight: f64 = per_token.iter().map(|(w, _)| w).sum();
        if q_weight <= 0.0 {
            return;
        }
        let any_specific = per_token.iter().any(|(_, ids)| {
            ids.iter()
                .any(|(id, _)| self.words.token_postings[*id as usize].len() <= limit)
        });
        TOKEN_SCRATCH.with(|s| {
            let (acc, touched) = &mut *s.borrow_mut();
            if acc.len() < self.forms.len() {
                acc.resize(self.forms.len(), (0.0, u32::MAX, 0.0));
            }
            touched.clear();
            for (ti, (w, ids)) in per_token.iter().enumerate() {
                let ti = ti as u32;
                for &(id, sim) in ids.iter() {
                    let posting = &self.words.token_postings[id as usize];
                    // A word on thousands of names finds nothing in particular.
                    if any_specific && posting.len() > limit {
                        continue;
                    }
                    let (w, sim) = (*w as f32, sim as f32);
                    for &f in posting {
                        let e = &mut acc[f as usize];
                        if e.1 == u32::MAX {
                            touched.push(f);
                        }
                        if e.1 != ti {
                            e.0 += w * sim;
                            e.1 = ti;
                            e.2 = sim;
                        } else if sim > e.2 {
                            e.0 += w * (sim - e.2);
                            e.2 = sim;
                        }
                    }
                }
            }
            for &f in touched.iter() {
                let e = &mut acc[f as usize];
                let fw = f64::from(self.words.form_weight[f as usize]);
                let dice = 2.0 * f64::from(e.0) / (q_weight + fw);
                // A long listed name that holds the whole query ("Otkritie
                // Bank" in "… Bank Financial Corporation Otkritie") shares
                // little of its own length but all of the query's.
                let coverage = f64::from(e.0) / q_weight;
                // Among names that all hold the query ("Huawei Cuba",
                // "Huawei Technology" for 华为), the one whose other words
                // weigh least first.
                let score = dice.max(COVERAGE_FACTOR * coverage) + TIE_BREAK * dice;
                if score >= 0.2 {
                    out.push((score, f));
                }
                *e = (0.0, u32::MAX, 0.0);
            }
        });
    }

    /// Screens one party: matches at or above `threshold`, best first, at most `limit`.
    pub fn screen(&self, q: &Query, limit: usize, threshold: f64) -> Vec<Match> {
        let mut qforms = crate::normalize::query_forms(&q.name);
        // A Korean party's name in Hanja is listed by its Korean reading.
        if matches!(q.country.as_deref(), Some("KP" | "KR")) {
            for f in crate::normalize::korean_reading_forms(&q.name) {
                if !qforms.iter().any(|x| x.tokens == f.tokens) {
                    qforms.push(f);
                }
            }
        }
        // A name that is only a legal form ("LLC") yields no form, but an
        // identifier it carries still finds its entry.
        if qforms.is_empty() && q.ids.is_empty() {
            return Vec::new();
        }
        // A respelling as a transcription of Russian is worth its cost only
        // when a word it changed is a word of the lists (or like one): the
        // words it kept are compared as written anyway, and a respelling
        // of an English name ("Monica Charlotta Jakobsson" read as French
        // "monica sharlotta zhakobsson") is no one's name.
        let written: Vec<String> = qforms
            .iter()
            .filter(|f| !f.is_transcription())
            .flat_map(|f| f.tokens.iter().cloned())
            .collect();
        qforms.retain(|f| {
            !f.is_transcription()
                || f.tokens
                    .iter()
                    .any(|t| !written.contains(t) && self.knows(t))
        });
        // Names in Cyrillic or Hangul are romanised by many systems, and the
        // lists spell them by yet others.
        let spelt_variously = qforms.iter().any(|f| {
            matches!(
                f.native,
                Some(crate::translit::Script::Cyrillic | crate::translit::Script::Hangul)
            )
        });
        let mut lookups: Vec<Vec<Vec<(u32, f64)>>> = Vec::with_capacity(qforms.len());
        for f in &mut qforms {
            let found: Vec<Vec<(u32, f64)>> = if f.skeleton {
                let ids_of = |t: &str| -> Vec<(u32, f64)> {
                    self.words
                        .skeletons
                        .get(t)
                        .map(|ids| ids.iter().map(|id| (*id, 1.0)).collect())
                        .unwrap_or_default()
                };
                // Each word also as a Latin spelling with its article joined
                // before a vowel ("al-Amin" → "alamin" → "lmn").
                let mut found: Vec<Vec<(u32, f64)>> = f
                    .tokens
                    .iter()
                    .map(|t| {
                        let with_article = |k: &str| {
                            let mut ids = ids_of(k);
                            if k.len() >= 2 && !k.starts_with('l') {
                                ids.extend(ids_of(&format!("l{k}")));
                            }
                            ids
                        };
                        let mut ids = with_article(t);
                        // And with a consonant and h as a Latin digraph ("Ishaq").
                        if let Some(digraphs) = crate::translit::latin_digraphs(t) {
                            ids.extend(with_article(&digraphs));
                        }
                        ids
                    })
                    .collect();
                // Two words in Arabic script that Latin spellings write as one
                // (عبد الله "Abdullah", ثناء الله "Sanaullah", أبو بكر
                // "Abubakar", نصیر الدین "Nasiruddin").
                for i in 1..f.tokens.len() {
                    let (a, b) = (&f.tokens[i - 1], &f.tokens[i]);
                    if !crate::translit::skeletons_written_joined(a, b) {
                        continue;
                    }
                    let joined = ids_of(&crate::translit::joined_skeleton(a, b));
                    if !joined.is_empty() {
                        found[i - 1].extend_from_slice(&joined);
                        found[i].extend(joined);
                    }
                }
                found
            } else if f.native.is_none() {
                f.tokens
                    .iter()
                    .map(|t| {
                        if spelt_variously {
                            self.lookup_wide(t)
                        } else {
                            self.lookup(t)
                        }
                    })
                    .collect()
            } else {
                vec![Vec::new(); f.tokens.len()]
            };
            // A misspelt word weighs what the word it stands for weighs: a typo
            // in "technologies" does not make it the name's rarest word.
            f.weights = f
                .tokens
                .iter()
                .zip(&found)
                .map(|(t, ids)| {
                    if f.skeleton {
                        // A skeleton stands for every word with its consonants:
                        // it weighs what they weigh on average.
                        let n = ids.len().max(1) as f64;
                        return if ids.is_empty() {
                            self.weight(t) as f32
                        } else {
                            (ids.iter()
                                .map(|(id, _)| f64::from(self.words.vocab_weights[*id as usize]))
                                .sum::<f64>()
                                / n) as f32
                        };
                    }
                    ids.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map_or_else(
                        || self.weight(t),
                        |(id, _)| f64::from(self.words.vocab_weights[*id as usize]),
                    ) as f32
                })
                .collect();
            lookups.push(found);
        }
        let mut scored = SCORED_SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
        scored.clear();
        for (i, (f, found)) in qforms.iter().zip(&lookups).enumerate() {
            if f.native.is_none() {
                // (A respelling is found by its words, as the index keeps
                // listed respellings only by their words.) Trigrams are
                // those of the joined letters: a form joined as one before
                // it ("liang jie" after "liangjie") finds what that found.
                let counted = || {
                    qforms[..i]
                        .iter()
                        .any(|e| e.joined == f.joined && counts_trigrams(e))
                };
                if counts_trigrams(f) && !counted() {
                    self.candidates(f, &mut scored);
                    self.spelt_alike(f, &mut scored);
                }
                self.token_candidates(f, found, &mut scored);
            }
        }
        // Best forms first; each candidate is a name of an entry, so an entry
        // with fifty aliases costs only the aliases that resemble the query.
        // Only the best few hundred need ordering.
        let keep = CANDIDATES * 8;
        if scored.len() > keep {
            scored.select_nth_unstable_by(keep, best_first);
            scored.truncate(keep);
        }
        scored.sort_unstable_by(best_first);
        let mut names: Vec<(u32, u16)> = Vec::with_capacity(CANDIDATES);
        for &(_, f) in &scored {
            let r = self.forms[f as usize];
            if !names.contains(&(r.entry, r.name)) {
                names.push((r.entry, r.name));
                if names.len() == CANDIDATES {
                    break;
                }
            }
        }
        SCORED_SCRATCH.with(|s| *s.borrow_mut() = scored);
        // An entry holding one of the query's identifiers is a candidate
        // whatever its names: all of them are scored.
        let mut by_id: Vec<(u32, u16)> = Vec::new();
        for id in &q.ids {
            for &ei in self.id_index.get(&id.number).into_iter().flatten() {
                for ni in 0..self.entries[ei as usize].names.len().min(u16::MAX as usize) {
                    if !by_id.contains(&(ei, ni as u16)) {
                        by_id.push((ei, ni as u16));
                    }
                }
            }
        }
        let weight = |t: &str| self.weight(t);
        let prepared = PreparedForms::new(&qforms, &weight);
        // The entries of the best candidates first, each by all of its
        // candidate names (an alias among the best may stand for a better
        // name further down); all candidates when the party matches
        // something (by one of those or as an acronym), scored afresh.
        let best: Vec<u32> = names.iter().take(FIRST_CANDIDATES).map(|n| n.0).collect();
        let first: Vec<(u32, u16)> = names
            .iter()
            .filter(|n| best.contains(&n.0))
            .copied()
            .collect();
        let mut out = self.score_names(q, &prepared, &first, &by_id, threshold);
        self.acronym_matches(q, threshold, &mut out);
        if !out.is_empty() && first.len() < names.len() {
            out = self.score_names(q, &prepared, &names, &by_id, threshold);
            self.acronym_matches(q, threshold, &mut out);
        }
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.entry_id.cmp(&b.entry_id))
        });
        out.truncate(limit);
        out
    }

    /// The matches at or above `threshold` among the entries of the names
    /// `retrieved` and of the names `by_id` (entries holding an identifier
    /// of the query), each entry scored by all of its names among them.
    fn score_names(
        &self,
        q: &Query,
        prepared: &PreparedForms<'_>,
        retrieved: &[(u32, u16)],
        by_id: &[(u32, u16)],
        threshold: f64,
    ) -> Vec<Match> {
        let mut names: Vec<(u32, u16)> = retrieved.to_vec();
        for n in by_id {
            if !names.contains(n) {
                names.push(*n);
            }
        }
        names.sort_unstable();
        // Per entry, its names: runs of the sorted names.
        let name_ids: Vec<u16> = names.iter().map(|(_, n)| *n).collect();
        let entries = names.chunk_by(|a, b| a.0 == b.0).scan(0, |start, run| {
            let ids = *start..*start + run.len();
            *start += run.len();
            Some((run[0].0, ids))
        });
        // The entries and their forms lie scattered in memory: reading a
        // little of each before comparing any lets the reads overlap rather
        // than wait one by one.
        let mut touched = 0u32;
        for (ei, ids) in entries.clone() {
            touched ^= self.entries[ei as usize].entity_type as u32;
            for &ni in &name_ids[ids] {
                for f in &self.entry_forms[ei as usize][usize::from(ni)] {
                    touched ^= u32::from(f.joined.as_bytes().first().copied().unwrap_or(0));
                    if let Some(s) = f.shapes_at.and_then(|at| self.shapes.get(at as usize)) {
                        touched ^= s.bytes();
                    }
                }
            }
        }
        std::hint::black_box(touched);
        let weight = |t: &str| self.weight(t);
        let mut listed = PreparedForms::shaped(&self.shapes);
        let mut out: Vec<Match> = Vec::new();
        for (ei, ids) in entries {
            if let Some(m) = self.score_entry(
                q,
                (prepared, &mut listed),
                ei as usize,
                &name_ids[ids],
                &weight,
                threshold,
            ) {
                if m.score >= threshold {
                    out.push(m);
                }
            }
        }
        out
    }

    /// A query that is one short word may be an organisation's acronym: it
    /// matches the organisations whose names give it, as a weak alias that
    /// alerts only with the party's country agreeing.
    fn acronym_matches(&self, q: &Query, threshold: f64, out: &mut Vec<Match>) {
        let tokens = crate::normalize::tokenize(&q.name);
        let [token] = tokens.as_slice() else {
            return;
        };
        if !(2..=10).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphabetic()) {
            return;
        }
        let Some(hits) = self.acronyms.get(token.as_str()) else {
            return;
        };
        // The organisations in the party's country first, then the others.
        let mut hits: Vec<(u32, u16)> = hits.clone();
        if let Some(c) = &q.country {
            hits.sort_by_key(|(ei, _)| !self.entries[*ei as usize].countries.contains(c));
        }
        for &(ei, ni) in hits.iter().take(ACRONYM_CANDIDATES) {
            let e = &self.entries[ei as usize];
            let country = country_agreement(q, e);
            let country_adj = match country {
                "agree" => ACRONYM_COUNTRY_BONUS,
                "disagree" => -COUNTRY_DISAGREE_PENALTY,
                _ => 0.0,
            };
            let type_adj = match q.entity_type {
                Some(EntityType::Individual) => -TYPE_MISMATCH_PENALTY,
                _ => 0.0,
            };
            let score = round3((ACRONYM_SCORE + country_adj + type_adj).clamp(0.0, 1.0));
            if score < threshold {
                continue;
            }
            if let Some(m) = out.iter().find(|m| m.entry_index == ei as usize) {
                if m.score >= score {
                    continue;
                }
            }
            out.retain(|m| m.entry_index != ei as usize);
            let name = &e.names[usize::from(ni)];
            out.push(entry_match(
                e,
                ei as usize,
                name,
                round3(score),
                Explanation {
                    matched_name: name.text.clone(),
                    matched_primary: name.primary,
                    alias_strength: Strength::Weak,
                    query_form: token.clone(),
                    query_scheme: Some("acronym"),
                    list_form: name.text.clone(),
                    list_scheme: Some("initials of the listed name"),
                    token_pairs: vec![TokenPair {
                        query: token.clone(),
                        list: token.clone(),
                        similarity: 1.0,
                    }],
                    query_coverage: 1.0,
                    name_coverage: 1.0,
                    joined_similarity: 1.0,
                    name_score: ACRONYM_SCORE,
                    weak_alias_factor: None,
                    country,
                    country_adjustment: round3(country_adj),
                    type_adjustment: type_adj,
                    legal_forms: Vec::new(),
                    evidence: Vec::new(),
                },
            ));
        }
    }

    /// An entry found by an identifier alone, when no name of it compares
    /// with the query's (or the query's name has no form at all): the
    /// identifier decides, and the explanation says the names did not.
    fn id_only_match(&self, q: &Query, ei: usize) -> Match {
        let e = &self.entries[ei];
        let name = e.names.iter().find(|n| n.primary).unwrap_or(&e.names[0]);
        let (_, evidence) = other_evidence(q, e);
        let country = country_agreement(q, e);
        entry_match(
            e,
            ei,
            name,
            ID_MATCH_SCORE,
            Explanation {
                matched_name: name.text.clone(),
                matched_primary: name.primary,
                alias_strength: name.strength,
                query_form: String::new(),
                query_scheme: None,
                list_form: String::new(),
                list_scheme: None,
                token_pairs: Vec::new(),
                query_coverage: 0.0,
                name_coverage: 0.0,
                joined_similarity: 0.0,
                name_score: 0.0,
                weak_alias_factor: None,
                country,
                country_adjustment: 0.0,
                type_adjustment: 0.0,
                legal_forms: Vec::new(),
                evidence,
            },
        )
    }

    fn score_entry<'a>(
        &'a self,
        q: &Query,
        (prepared, listed): (&PreparedForms<'_>, &mut PreparedForms<'a>),
        ei: usize,
        name_ids: &[u16],
        weight: &dyn Fn(&str) -> f64,
        threshold: f64,
    ) -> Option<Match> {
        let e = &self.entries[ei];
        // The entry's type, else the one the query states.
        let kind = match (e.entity_type, q.entity_type) {
            (EntityType::Individual, _) | (EntityType::Unknown, Some(EntityType::Individual)) => {
                PartyKind::Person
            }
            (EntityType::Unknown, None | Some(EntityType::Unknown)) => PartyKind::Unknown,
            _ => PartyKind::Other,
        };
        let id_match = q
            .ids
            .iter()
            .any(|id| e.ids.iter().any(|x| x.number == id.number));
        // Only a name score that the country's bonus could lift to the
        // threshold, once rounded, matters (an identifier decides whatever
        // the names).
        let need = if id_match {
            f64::NEG_INFINITY
        } else {
            // (And a margin against rounding in the sums.)
            threshold - COUNTRY_AGREE_BONUS - HALF_A_THOUSANDTH - 1e-9
        };
        let mut best: Option<(f64, usize, crate::score::NameScore, usize, usize)> = None;
        for &ni in name_ids {
            let ni = usize::from(ni);
            let cforms = &self.entry_forms[ei][ni];
            listed.reset(cforms);
            let Some((s, qi, ci)) = compare_prepared_above(prepared, listed, weight, kind, need)
            else {
                continue;
            };
            let factor = if e.names[ni].strength == Strength::Weak {
                WEAK_ALIAS_FACTOR
            } else {
                1.0
            };
            let adjusted = s.score * factor;
            if best.as_ref().is_none_or(|b| adjusted > b.0) {
                best = Some((adjusted, ni, s, qi, ci));
            }
        }
        let Some((name_score, ni, s, qi, ci)) = best else {
            return id_match
                .then(|| self.id_only_match(q, ei))
                .filter(|m| m.score >= threshold);
        };
        let country = country_agreement(q, e);
        let country_adj = match country {
            "agree" => COUNTRY_AGREE_BONUS.min((1.0 - name_score) / 2.0),
            "disagree" => -COUNTRY_DISAGREE_PENALTY,
            _ => 0.0,
        };
        let type_adj = match (q.entity_type, e.entity_type) {
            (
                Some(EntityType::Individual),
                EntityType::Entity | EntityType::Vessel | EntityType::Aircraft,
            )
            | (
                Some(EntityType::Entity | EntityType::Vessel | EntityType::Aircraft),
                EntityType::Individual,
            ) => -TYPE_MISMATCH_PENALTY,
            _ => 0.0,
        };
        let (evidence_adj, evidence) = other_evidence(q, e);
        let mut score = (name_score + country_adj + type_adj + evidence_adj).clamp(0.0, 1.0);
        if id_match {
            score = score.max(ID_MATCH_SCORE);
        }
        // The score shown is the score the threshold is held against.
        let score = round3(score);
        if score < threshold {
            return None;
        }
        let name = &e.names[ni];
        let qf = &prepared.forms()[qi];
        let cf = &self.entry_forms[ei][ni][ci];
        let mut legal_forms = qf.legal_forms.clone();
        legal_forms.extend(cf.legal_forms.iter().cloned());
        Some(entry_match(
            e,
            ei,
            name,
            score,
            Explanation {
                matched_name: name.text.clone(),
                matched_primary: name.primary,
                alias_strength: name.strength,
                query_form: qf.tokens.join(" "),
                query_scheme: qf.scheme,
                list_form: cf.tokens.join(" "),
                list_scheme: cf.scheme,
                token_pairs: s.pairs.clone(),
                query_coverage: round3(s.query_coverage),
                name_coverage: round3(s.name_coverage),
                joined_similarity: round3(s.joined),
                name_score: round3(s.score),
                weak_alias_factor: (name.strength == Strength::Weak).then_some(WEAK_ALIAS_FACTOR),
                country,
                country_adjustment: round3(country_adj),
                type_adjustment: type_adj,
                legal_forms,
                evidence,
            },
        ))
    }
}

/// Whether the party's country is one of the entry's: "agree",
/// "disagree", or "unknown" when either side gives none.
fn country_agreement(q: &Query, e: &Entry) -> &'static str {
    match (&q.country, e.countries.is_empty()) {
        (Some(c), false) if e.countries.contains(c) => "agree",
        (Some(_), false) => "disagree",
        _ => "unknown",
    }
}

/// A match on entry `ei` through its name `name`, with its score and why.
fn entry_match(
    e: &Entry,
    ei: usize,
    name: &ListName,
    score: f64,
    explanation: Explanation,
) -> Match {
    Match {
        entry_index: ei,
        entry_id: e.id.clone(),
        list: e.list.clone(),
        list_name: e.list_name.clone(),
        name: e.primary_name().to_string(),
        matched_name: name.text.clone(),
        countries: e.countries.clone(),
        entity_type: e.entity_type,
        score,
        license_requirement: e.license_requirement.clone(),
        license_policy: e.license_policy.clone(),
        federal_register_notice: e.federal_register_notice.clone(),
        explanation,
    }
}

/// Identifiers and dates of birth of the query against the entry's: what
/// they add to (or take from) the score, and a line for each.
fn other_evidence(q: &Query, e: &Entry) -> (f64, Vec<String>) {
    let mut adj = 0.0;
    let mut lines = Vec::new();
    let mut conflict = false;
    for id in &q.ids {
        if let Some(x) = e.ids.iter().find(|x| x.number == id.number) {
            lines.push(format!(
                "{} {} is the list's {} {}: the same party",
                id.kind, id.number, x.kind, x.number
            ));
        } else if id.kind != "other" {
            if let Some(x) = e.ids.iter().find(|x| x.kind == id.kind) {
                // Counted once however many numbers differ.
                let cost = if conflict { 0.0 } else { ID_CONFLICT_PENALTY };
                conflict = true;
                adj -= cost;
                lines.push(format!(
                    "{} {} differs from the list's {}: -{cost}",
                    id.kind, id.number, x.number
                ));
            }
        }
    }
    if let Some(born) = &q.birth_date {
        let ours = years_in(born);
        let theirs: Vec<u16> = e.birth_dates.iter().flat_map(|d| years_in(d)).collect();
        if let (false, Some(lo), Some(hi)) = (
            ours.is_empty(),
            theirs.iter().min().copied(),
            theirs.iter().max().copied(),
        ) {
            // A listed range ("1950 to 1960") covers the years between.
            let near = ours.iter().any(|y| *y + 1 >= lo && *y <= hi + 1);
            if near {
                lines.push(format!(
                    "born {born}; the list gives {}",
                    e.birth_dates.join(", ")
                ));
            } else {
                adj -= BIRTH_YEAR_PENALTY;
                lines.push(format!(
                    "born {born}; the list gives {}: -{BIRTH_YEAR_PENALTY}",
                    e.birth_dates.join(", ")
                ));
            }
        }
    }
    // Identifiers and dates together take off no more than one conflict: a
    // document cannot talk a listed party off the list.
    (adj.max(-ID_CONFLICT_PENALTY), lines)
}

/// Counts, per id, the posting lists that hold it, in `tally.counts` (grown
/// to `size`, all zero outside this call), and lists the ids counted, each
/// once, in `tally.touched`, for the ids the caller can use: those in at
/// least `least` lists. The caller reads their counts and sets them back to
/// zero.
///
/// An id in `least` lists is in one of all but the last `least - 1`: the
/// lists after those only add to ids already counted (with the lists
/// rarest first, the longest lists add no id that could not be used).
fn count_shared(lists: &[&Vec<u32>], least: usize, tally: &mut Tally, size: usize) {
    let Tally { counts, touched } = tally;
    if counts.len() < size {
        counts.resize(size, 0);
    }
    let opening = lists.len().saturating_sub(least.saturating_sub(1)).max(1);
    let (opening_lists, later_lists) = lists.split_at(opening.min(lists.len()));
    // Whether an id is new is a coin toss a processor cannot predict: every
    // id is written to the next free place, which moves on only for a new
    // one (so the place must exist for every id of the opening lists).
    // (An id is new at most `size` times: the place after those is the last
    // one written.)
    let most = opening_lists
        .iter()
        .map(|l| l.len())
        .sum::<usize>()
        .min(size + 1);
    if touched.len() < most {
        touched.resize(most, 0);
    }
    let mut new = 0;
    for l in opening_lists {
        for &id in l.iter() {
            let c = &mut counts[id as usize];
            touched[new] = id;
            new += usize::from(*c == 0);
            *c = c.saturating_add(1);
        }
    }
    touched.truncate(new);
    for l in later_lists {
        for &id in l.iter() {
            let c = &mut counts[id as usize];
            *c = c.saturating_add(u16::from(*c != 0));
        }
    }
}

impl TrigramIndex {
    /// [`count_shared`] for `lists` of the trigrams of a query form: the
    /// forms that may pass the Dice floor of [`Screener::candidates`],
    /// 20·shared ≥ 3·(qn + k) for a form of `k` trigrams, with their
    /// counts. The floor is a count of lists to share that grows with `k`:
    /// a list opens only the forms it can still bring to theirs (a run of
    /// forms, as they are numbered by `k`), and no list counts a form too
    /// long to reach it.
    fn count_shared_by_length(&self, lists: &[&Vec<u32>], tally: &mut Tally) {
        let Tally { counts, touched } = tally;
        let size = self.form_trigrams.len();
        if counts.len() < size {
            counts.resize(size, 0);
        }
        let qn = lists.len();
        // The most trigrams of a form that shares `m` lists and passes:
        // 3·(qn + k) ≤ 20·m.
        let most_trigrams = |m: usize| (20 * m).checked_sub(3 * qn).map(|x| x / 3);
        let Some(longest) = most_trigrams(qn) else {
            touched.clear();
            return;
        };
        let counted_end = self.first_over(longest);
        // (As in `count_shared`: a place for every id that may be opened.)
        let most = lists.iter().map(|l| l.len()).sum::<usize>().min(size + 1);
        if touched.len() < most {
            touched.resize(most, 0);
        }
        let mut new = 0;
        for (i, l) in lists.iter().enumerate() {
            // List `i` opens the forms that pass sharing the lists from it
            // on (and any before): `qn - i` of them. (Read in order rather
            // than split by a binary search: each of its steps would miss
            // the cache.)
            let opened_end =
                most_trigrams(qn - i).map_or(0, |k| self.first_over(k).min(counted_end));
            let mut ids = l.iter();
            for &id in ids.by_ref() {
                if id >= opened_end {
                    if id < counted_end {
                        let c = &mut counts[id as usize];
                        *c = c.saturating_add(u16::from(*c != 0));
                    }
                    break;
                }
                let c = &mut counts[id as usize];
                touched[new] = id;
                new += usize::from(*c == 0);
                *c = c.saturating_add(1);
            }
            for &id in ids {
                if id >= counted_end {
                    break;
                }
                let c = &mut counts[id as usize];
                *c = c.saturating_add(u16::from(*c != 0));
            }
        }
        touched.truncate(new);
    }
}

/// Retrieved forms by score, best first, and the shorter first among equals
/// (forms are numbered by their trigram counts): which of two equal forms
/// is kept does not depend on the order they were found in.
fn best_first(a: &(f64, u32), b: &(f64, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// A retrieval score's share of the finer measure that orders equal ones.
const TIE_BREAK: f64 = 1e-6;

/// Most a generic word or an initial may weigh.
const GENERIC_WEIGHT: f64 = 0.35;

fn idf_weight(token: &str, n: f64, df: f64) -> f64 {
    let idf = ((n + 1.0) / (df + 1.0)).ln() / (n + 1.0).ln();
    let mut w = 0.25 + 0.75 * idf.clamp(0.0, 1.0);
    if token.len() == 1 || GENERIC_WORDS.contains(&token) {
        w = w.min(GENERIC_WEIGHT);
    }
    w
}

/// Scores are shown to a thousandth: a score this far below a threshold
/// is shown at it.
const HALF_A_THOUSANDTH: f64 = 0.0005;

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::{by_count, JoinedIndex, Tally, TrigramIndex};

    /// The forms that may pass the Dice floor are each counted once, by
    /// every list that holds them, whatever their trigram counts and the
    /// number of lists; no count is left behind.
    #[test]
    fn counting_by_length_finds_every_form_that_may_pass() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut form_trigrams: Vec<u16> = (0..3000).map(|_| 1 + next(60) as u16).collect();
        form_trigrams.sort_unstable();
        let index = TrigramIndex {
            postings: Default::default(),
            by_count: by_count(&form_trigrams),
            form_trigrams: form_trigrams.clone(),
            by_joined: super::JoinedIndex::new(Vec::new()),
        };
        let mut tally = Tally::default();
        for round in 0..300 {
            let qn = 1 + round % 14;
            let lists: Vec<Vec<u32>> = (0..qn)
                .map(|_| {
                    let every = 1 + next(40);
                    (0..3000u32).filter(|_| next(every) == 0).collect()
                })
                .collect();
            let refs: Vec<&Vec<u32>> = lists.iter().collect();
            index.count_shared_by_length(&refs, &mut tally);
            let mut touched = tally.touched.clone();
            touched.sort_unstable();
            assert!(touched.windows(2).all(|w| w[0] < w[1]), "counted twice");
            for (f, &k) in form_trigrams.iter().enumerate() {
                let shared = lists.iter().filter(|l| l.contains(&(f as u32))).count();
                let passes = 20 * shared >= 3 * (qn + usize::from(k));
                let counted = touched.binary_search(&(f as u32)).is_ok();
                assert!(
                    !passes || counted,
                    "form {f} ({k} trigrams, {shared} of {qn}) missed"
                );
                if counted {
                    assert_eq!(usize::from(tally.counts[f]), shared, "form {f}");
                } else {
                    assert_eq!(tally.counts[f], 0, "form {f} counted but not listed");
                }
            }
            for &f in &tally.touched {
                tally.counts[f as usize] = 0;
            }
        }
    }

    /// Every form is found by its hash, and only by it: at the edges of the
    /// buckets, with hashes shared by several forms, in an empty index.
    #[test]
    fn joined_index_finds_every_form_by_its_hash() {
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        let mut h = 0x9e37_79b9_7f4a_7c15u64;
        for f in 0..5000u32 {
            h = h.rotate_left(17).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ u64::from(f);
            pairs.push((h, f));
            if f % 7 == 0 {
                pairs.push((h, f + 100_000));
            }
        }
        pairs.extend([(0, 1), (u64::MAX, 2), (u64::MAX, 3), (1 << 63, 4)]);
        let index = JoinedIndex::new(pairs.clone());
        for &(key, _) in &pairs {
            let mut found: Vec<u32> = index.forms(key).collect();
            let mut expected: Vec<u32> = pairs
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, f)| *f)
                .collect();
            found.sort_unstable();
            expected.sort_unstable();
            assert_eq!(found, expected, "hash {key:#x}");
        }
        assert_eq!(index.forms(12345).count(), 0);
        assert_eq!(JoinedIndex::new(Vec::new()).forms(u64::MAX).count(), 0);
    }
}
