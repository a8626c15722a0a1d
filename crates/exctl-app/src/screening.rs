//! `exctl screen` and `exctl lists`: list configuration, loading, batch
//! screening and the CSL download. Matching itself lives in `exctl-screen`.

use anyhow::{Context as _, Result};
use exctl_core::CountryTable;
use exctl_screen::parse::{decode, parse_user_csv, CountryResolver};
use exctl_screen::{load_path, EntityType, Format, ListSet, Match, Query, Screener, SourceInfo};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The official CSL download trade.gov publishes.
pub const CSL_URL: &str =
    "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv";

/// The repository's demo list, built in.
pub const DEMO_LIST: &str = include_str!("../../../lists/demo.csv");

/// Where configured lists live: `--lists-dir`, else `EXCTL_LISTS`, else the
/// `lists` folder of this instance's home (`--home`/`EXCTL_HOME`).
pub fn lists_dir(explicit: Option<&Path>, home: &Path) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("EXCTL_LISTS").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    home.join("lists")
}

/// Removes one configured list (a file, or an OFAC folder) from `dir`.
/// `name` must be a plain name inside the folder: nothing outside it is
/// ever removed.
pub fn remove(dir: &Path, name: &str) -> Result<()> {
    let target = crate::paths::child(dir, name, "list")?;
    let meta = std::fs::symlink_metadata(&target)
        .map_err(|_| crate::bad(format!("no list {name:?} in {}", dir.display())))?;
    if meta.is_dir() {
        std::fs::remove_dir_all(&target)
    } else {
        std::fs::remove_file(&target)
    }
    .with_context(|| format!("removing {}", target.display()))
}

/// How much a replacement list may lose against the list it replaces
/// before it is refused; `force` accepts it anyway (a real delisting wave).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossGuard {
    /// Share of entries (0–1), in all and per source.
    pub max_loss: f64,
    pub force: bool,
}

impl Default for LossGuard {
    fn default() -> LossGuard {
        LossGuard {
            max_loss: exctl_screen::model::DEFAULT_MAX_LOSS,
            force: false,
        }
    }
}

impl LossGuard {
    /// From a percentage as the shells take it (`--max-list-loss 5`).
    pub fn from_percent(percent: f64, force: bool) -> Result<LossGuard> {
        if !(percent.is_finite() && (0.0..=100.0).contains(&percent)) {
            return Err(crate::bad_field(
                "max_list_loss",
                format!("{percent}: expected a percentage from 0 to 100"),
            ));
        }
        Ok(LossGuard {
            max_loss: percent / 100.0,
            force,
        })
    }

    /// Refuses `after` when it lost too much against `before`, unless forced.
    pub fn check(
        &self,
        before: &[exctl_screen::model::SourceIdentity],
        after: &[exctl_screen::model::SourceIdentity],
    ) -> Result<()> {
        if self.force {
            return Ok(());
        }
        exctl_screen::model::check_loss(before, after, self.max_loss).map_err(|e| {
            crate::bad(format!(
                "{e}: refused, the current lists stay (if the loss is real, force the replacement or allow a larger loss)"
            ))
        })
    }
}

/// The entries of the list at `target` that a new one would replace, as
/// the source `name`; nothing when there is none (or it no longer parses: a
/// broken list may always be replaced).
fn replaced(
    target: &Path,
    name: &str,
    countries: CountryResolver<'_>,
) -> Vec<exctl_screen::model::SourceIdentity> {
    if !target.exists() {
        return Vec::new();
    }
    load_path(target, None, countries)
        .map(|set| named(&set, name))
        .unwrap_or_default()
}

/// A loaded list's entries as the one source `name`.
fn named(set: &ListSet, name: &str) -> Vec<exctl_screen::model::SourceIdentity> {
    let ids = set.identities().into_iter().flat_map(|s| s.ids).collect();
    vec![exctl_screen::model::SourceIdentity {
        file: name.to_string(),
        entries: set.entries.len(),
        ids,
    }]
}

pub fn countries() -> Result<CountryTable> {
    Ok(exctl_data::countries(&exctl_data::Files::bundled())?)
}

pub fn resolver(table: &CountryTable) -> impl Fn(&str) -> Option<String> + '_ {
    |s: &str| {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        table.resolve(t).map(|c| c.code.clone())
    }
}

/// The source name of the bundled demo list in a list set.
pub const DEMO_SOURCE: &str = "demo (bundled)";

/// What an answer says when the bundled demo list was among the lists.
pub const DEMO_WARNING: &str = "screened against the bundled demo list, a sample for trying exctl, not a restricted-party list: configure the lists to screen against";

/// The warning an answer carries when `s` holds the bundled demo list.
pub fn demo_warning(s: &Screener) -> Option<&'static str> {
    s.version()
        .sources
        .iter()
        .any(|src| src.file == DEMO_SOURCE)
        .then_some(DEMO_WARNING)
}

/// The warnings an answer screened with `screener` must carry (none when
/// nothing was screened).
pub fn warnings(screener: Option<&Screener>) -> Vec<String> {
    screener
        .and_then(demo_warning)
        .map(String::from)
        .into_iter()
        .collect()
}

/// The bundled demo list as a list set.
pub fn demo_set(countries: CountryResolver<'_>) -> Result<ListSet> {
    let entries = parse_user_csv("demo", DEMO_LIST, countries)?;
    let mut set = ListSet::default();
    set.add(
        SourceInfo {
            file: DEMO_SOURCE.into(),
            format: Format::UserCsv.name().into(),
            entries: entries.len(),
            date: None,
            sha256: exctl_screen::model::sha256(DEMO_LIST.as_bytes()),
        },
        entries,
    );
    Ok(set)
}

/// Parses a `--list` argument: `demo`, `FORMAT:PATH` or `PATH`.
pub fn load_spec(spec: &str, countries: CountryResolver<'_>) -> Result<ListSet> {
    if spec == "demo" {
        return demo_set(countries);
    }
    let (format, path) = match spec.split_once(':') {
        Some((f, p)) if Format::parse_name(f).is_some() => (Format::parse_name(f), p),
        _ => (None, spec),
    };
    Ok(load_path(Path::new(path), format, countries)?)
}

/// Every list in the lists folder, all or nothing.
pub fn load_configured(dir: &Path, countries: CountryResolver<'_>) -> Result<Option<ListSet>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && !name.ends_with(".tmp") && name != "README.md"
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Ok(None);
    }
    let mut set = ListSet::default();
    for p in paths {
        let one = load_path(&p, None, countries)?;
        set.sources.extend(one.sources);
        set.entries.extend(one.entries);
    }
    Ok(Some(set))
}

/// The error for a screen with no list at all (field `lists`).
pub fn no_lists(dir: &Path) -> anyhow::Error {
    crate::bad_field(
        "lists",
        format!(
            "none configured in {}: fetch the official Consolidated Screening List, add a list file, or name the lists to use (`demo` is the bundled demo list)",
            dir.display()
        ),
    )
}

pub fn parse_type(s: &str) -> Option<EntityType> {
    match EntityType::parse(s) {
        EntityType::Unknown => None,
        t => Some(t),
    }
}

/// JSON for one screen: `{"query", "list_version", "matches": [...]}`.
pub fn screen_json(q: &Query, s: &Screener, matches: &[Match]) -> serde_json::Value {
    let mut v = serde_json::json!({
        "query": {"name": q.name, "country": q.country, "type": q.entity_type.map(|t| t.as_str()),
                  "dob": q.birth_date, "ids": q.ids},
        "list_version": s.version(),
        "matches": matches,
    });
    if let Some(w) = demo_warning(s) {
        v["warnings"] = serde_json::json!([w]);
    }
    v
}

pub fn screen_text(q: &Query, s: &Screener, matches: &[Match], threshold: f64) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let v = s.version();
    let _ = writeln!(
        out,
        "screening {:?}{} against {} entries (list version {}, threshold {threshold})",
        q.name,
        q.country
            .as_ref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default(),
        v.entries,
        v.hash
    );
    if let Some(w) = demo_warning(s) {
        let _ = writeln!(out, "warning: {w}");
    }
    if matches.is_empty() {
        let _ = writeln!(out, "no matches at or above {threshold}");
    }
    for (i, m) in matches.iter().enumerate() {
        let e = &m.explanation;
        let _ = writeln!(
            out,
            "\n{}. {:.3}  {} [{}:{}] {}",
            i + 1,
            m.score,
            m.name,
            m.list,
            m.entry_id,
            if m.countries.is_empty() {
                String::new()
            } else {
                m.countries.join(",")
            }
        );
        let _ = writeln!(out, "   list: {}", m.list_name);
        let alias = if e.matched_primary {
            "primary name".to_string()
        } else {
            format!("{:?} alias", e.alias_strength).to_lowercase()
        };
        let _ = writeln!(out, "   matched {alias}: {:?}", e.matched_name);
        let scheme = e
            .query_scheme
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "   compared {:?}{scheme} with {:?}",
            e.query_form, e.list_form
        );
        let pairs: Vec<String> = e
            .token_pairs
            .iter()
            .map(|p| format!("{}~{} {:.2}", p.query, p.list, p.similarity))
            .collect();
        let _ = writeln!(
            out,
            "   tokens: {} · query covered {:.0}% · name covered {:.0}% · name score {:.3}",
            pairs.join(", "),
            e.query_coverage * 100.0,
            e.name_coverage * 100.0,
            e.name_score
        );
        for line in &e.evidence {
            let _ = writeln!(out, "   {line}");
        }
        let mut adj = Vec::new();
        if let Some(f) = e.weak_alias_factor {
            adj.push(format!("weak alias ×{f}"));
        }
        if e.country != "unknown" {
            adj.push(format!(
                "country {} {:+.3}",
                e.country, e.country_adjustment
            ));
        }
        if e.type_adjustment != 0.0 {
            adj.push(format!("type mismatch {:+.2}", e.type_adjustment));
        }
        if !adj.is_empty() {
            let _ = writeln!(out, "   adjustments: {}", adj.join(", "));
        }
        if let Some(r) = &m.license_requirement {
            let _ = writeln!(out, "   licence requirement: {r}");
        }
        if let Some(p) = &m.license_policy {
            let _ = writeln!(out, "   licence policy: {p}");
        }
        if let Some(fr) = &m.federal_register_notice {
            let _ = writeln!(out, "   Federal Register: {fr}");
        }
    }
    out
}

/// Batch columns, in order.
pub const BATCH_COLUMNS: [&str; 14] = [
    "line",
    "id",
    "query_name",
    "query_country",
    "status",
    "error",
    "rank",
    "score",
    "list",
    "entry_id",
    "matched_name",
    "entry_name",
    "entry_countries",
    "list_version",
];

/// One output row of a batch.
#[derive(Clone, Copy)]
struct BatchRow<'a> {
    id: &'a str,
    name: &'a str,
    country: &'a str,
    status: &'a str,
    error: &'a str,
    hit: Option<(usize, &'a Match)>,
}

impl<'a> BatchRow<'a> {
    fn error(id: &'a str, name: &'a str, error: &'a str) -> BatchRow<'a> {
        BatchRow {
            id,
            name,
            country: "",
            status: "error",
            error,
            hit: None,
        }
    }

    /// The cells, in [`BATCH_COLUMNS`] order.
    fn cells(&self, line: &str, version: &str) -> [String; 14] {
        let (rank, score, list, entry, matched, entry_name, countries) = match self.hit {
            Some((rank, m)) => (
                rank.to_string(),
                format!("{:.3}", m.score),
                m.list.clone(),
                m.entry_id.clone(),
                m.matched_name.clone(),
                m.name.clone(),
                m.countries.join(";"),
            ),
            None => Default::default(),
        };
        [
            line.to_string(),
            self.id.to_string(),
            self.name.to_string(),
            self.country.to_string(),
            self.status.to_string(),
            self.error.to_string(),
            rank,
            score,
            list,
            entry,
            matched,
            entry_name,
            countries,
            version.to_string(),
        ]
    }
}

/// Rows screened together, in parallel, between writes.
const BATCH_BLOCK: usize = 8192;

/// A batch row, checked: a query to screen, or the reason it cannot be.
enum Pending {
    Query {
        line: u64,
        id: String,
        query: Query,
    },
    Error {
        line: u64,
        id: String,
        name: String,
        message: String,
    },
}

impl Pending {
    fn name(&self) -> &str {
        match self {
            Pending::Query { query, .. } => &query.name,
            Pending::Error { name, .. } => name,
        }
    }
}

/// Reads and checks one batch row.
fn pending_row(
    rec: std::result::Result<csv::StringRecord, csv::Error>,
    headers: &csv::StringRecord,
    name_col: usize,
    cols: &Columns,
    (limit, threshold): (usize, f64),
    countries: &CountryTable,
) -> Pending {
    let r = match rec {
        Ok(r) => r,
        Err(e) => {
            let line = e.position().map_or(0, |p| p.line());
            return Pending::Error {
                line,
                id: String::new(),
                name: String::new(),
                message: e.to_string(),
            };
        }
    };
    let line = r.position().map_or(0, |p| p.line());
    let get = |c: Option<usize>| c.and_then(|i| r.get(i)).unwrap_or("");
    let id = get(cols.id).to_string();
    let name = r.get(name_col).unwrap_or("");
    if r.len() > headers.len() {
        let message = format!(
            "the row has {} cells where the header has {} columns",
            r.len(),
            headers.len()
        );
        return Pending::Error {
            line,
            id: String::new(),
            name: String::new(),
            message,
        };
    }
    // The row is the request a single screen takes, validated the same way
    // (a request's fields are the batch's columns).
    let text = |c: Option<usize>| Some(get(c).to_string()).filter(|t| !t.is_empty());
    let request = ScreenRequest {
        name: name.to_string(),
        country: text(cols.country),
        entity_type: text(cols.kind),
        dob: text(cols.dob),
        ids: text(cols.ids).into_iter().collect(),
        limit: Some(limit),
        threshold: Some(threshold),
        record: None,
    };
    match screen_query(&request, countries) {
        Ok((query, _, _)) => Pending::Query { line, id, query },
        Err(e) => Pending::Error {
            line,
            id,
            // A name past the limit is not echoed back.
            name: if name.len() > exctl_screen::parse::MAX_NAME_BYTES {
                String::new()
            } else {
                name.to_string()
            },
            message: e.to_string(),
        },
    }
}

/// The optional columns of a batch, by position.
struct Columns {
    country: Option<usize>,
    kind: Option<usize>,
    id: Option<usize>,
    dob: Option<usize>,
    ids: Option<usize>,
}

/// A date of birth as given: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real date
/// with its year in 1850–2100. Anything else is refused rather than read
/// for whatever year it happens to hold.
pub fn parse_birth_date(s: &str) -> std::result::Result<String, String> {
    let t = s.trim();
    let refuse = || {
        format!("date of birth {t:?} is not YYYY, YYYY-MM or YYYY-MM-DD with a year in 1850-2100")
    };
    let parts: Vec<&str> = t.split('-').collect();
    let widths_ok = matches!(parts.as_slice(), [y] | [y, _] | [y, _, _] if y.len() == 4)
        && parts[1..].iter().all(|p| p.len() == 2)
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !widths_ok {
        return Err(refuse());
    }
    let year: i32 = parts[0].parse().map_err(|_| refuse())?;
    let month: u32 = parts
        .get(1)
        .map_or(Ok(1), |m| m.parse())
        .map_err(|_| refuse())?;
    let day: u32 = parts
        .get(2)
        .map_or(Ok(1), |d| d.parse())
        .map_err(|_| refuse())?;
    if !(1850..=2100).contains(&year) || chrono::NaiveDate::from_ymd_opt(year, month, day).is_none()
    {
        return Err(refuse());
    }
    Ok(t.to_string())
}

/// Identifiers as `KIND:NUMBER`, separated by `;`. The kind is one of the
/// known ones (passport, national-id, tax-id, registration, uscc, lei, imo,
/// swift, vat) and the number has a digit and at least four characters.
pub fn parse_ids(s: &str) -> std::result::Result<Vec<exctl_screen::PartyId>, String> {
    let mut out = Vec::new();
    for spec in s.split(';').map(str::trim).filter(|x| !x.is_empty()) {
        let Some((kind, number)) = spec.split_once(':') else {
            return Err(format!(
                "identifier {spec:?}: expected KIND:NUMBER ({ID_KINDS})"
            ));
        };
        if exctl_screen::PartyId::kind_of(kind).is_none() {
            return Err(format!(
                "identifier {spec:?}: unknown kind {kind:?} ({ID_KINDS})"
            ));
        }
        match exctl_screen::PartyId::new(kind, number) {
            Some(id) => out.push(id),
            None => {
                return Err(format!(
                "identifier {spec:?}: the number needs a digit and at least four letters or digits"
            ))
            }
        }
    }
    Ok(out)
}

/// The kinds of identifier a query may give.
pub const ID_KINDS: &str =
    "kinds: passport, national-id, tax-id, registration, uscc, lei, imo, swift, vat";

/// Parties a batch remembers the matches of: an order book names the same
/// customers again and again, and the same query always gets the same
/// matches from one index, so each is screened once.
const BATCH_MEMO_PARTIES: usize = 200_000;
/// Matches a batch remembers at most (each carries its explanation): a run
/// with a low threshold and a high limit remembers fewer parties.
const BATCH_MEMO_MATCHES: usize = 200_000;

/// Matches shared by every row naming one party.
type SharedMatches = std::sync::Arc<Vec<Match>>;

/// The matches of the parties a batch has screened lately.
struct BatchMemo {
    /// (Keyed by whole queries, a million a batch: a fast hasher.)
    matches: std::collections::HashMap<Query, SharedMatches, foldhash::fast::RandomState>,
    /// Matches held in `matches`.
    held: usize,
    /// Screens run: each distinct party once while the memo holds it.
    screens: usize,
    most_parties: usize,
    most_matches: usize,
}

impl BatchMemo {
    /// A memo for a batch of `rows` rows: its table is sized once for the
    /// parties it may hold, rather than grown (and rehashed) while every
    /// core but one waits.
    fn new(most_parties: usize, most_matches: usize, rows: usize) -> BatchMemo {
        BatchMemo {
            matches: std::collections::HashMap::with_capacity_and_hasher(
                rows.min(most_parties),
                Default::default(),
            ),
            held: 0,
            screens: 0,
            most_parties,
            most_matches,
        }
    }
}

/// Screens a block of rows on every core, results in row order. A party
/// already screened in this batch is not screened again.
fn screen_block(
    screener: &Screener,
    block: &[Pending],
    (limit, threshold): (usize, f64),
    memo: &mut BatchMemo,
) -> Vec<SharedMatches> {
    use rayon::prelude::*;
    // Bounded: past its bounds the memo starts afresh, before the block is
    // sorted into remembered and fresh parties. (A block's own parties are
    // always remembered until the next block.)
    if memo.matches.len() + block.len() > memo.most_parties || memo.held > memo.most_matches {
        memo.matches.clear();
        memo.held = 0;
    }
    let mut fresh: Vec<&Query> = Vec::with_capacity(block.len());
    let mut seen: std::collections::HashSet<&Query, foldhash::fast::RandomState> =
        std::collections::HashSet::with_capacity_and_hasher(block.len(), Default::default());
    for p in block {
        if let Pending::Query { query, .. } = p {
            if !memo.matches.contains_key(query) && seen.insert(query) {
                fresh.push(query);
            }
        }
    }
    // Small runs of parties per task, so that a core meeting slow names
    // (long Han names read many ways) does not leave the others idle.
    let screened: Vec<Vec<Match>> = fresh
        .par_iter()
        .with_min_len(16)
        .map(|q| screener.screen(q, limit, threshold))
        .collect();
    memo.screens += fresh.len();
    for (q, m) in fresh.into_iter().zip(screened) {
        memo.held += m.len();
        memo.matches.insert(q.clone(), std::sync::Arc::new(m));
    }
    let none = std::sync::Arc::new(Vec::new());
    block
        .iter()
        .map(|p| match p {
            // Every party of the block is fresh or remembered; should one
            // not be, it is screened here rather than ever answered clear.
            Pending::Query { query, .. } => {
                memo.matches.get(query).cloned().unwrap_or_else(|| {
                    std::sync::Arc::new(screener.screen(query, limit, threshold))
                })
            }
            Pending::Error { .. } => none.clone(),
        })
        .collect()
}

/// Reads and checks the next block of rows, claiming each row's key when
/// the batch is recorded (a repeated id is refused before it is screened).
fn read_block(
    records: &mut csv::StringRecordsIter<'_, &[u8]>,
    (headers, name_col, cols): (&csv::StringRecord, usize, &Columns),
    (limit, threshold): (usize, f64),
    countries: &CountryTable,
    mut recorder: Option<&mut crate::recording::Recorder>,
    progress: &dyn crate::Progress,
) -> Vec<Pending> {
    let mut block: Vec<Pending> = Vec::with_capacity(BATCH_BLOCK);
    for rec in records.by_ref().take(BATCH_BLOCK) {
        progress.advance(1);
        let mut p = pending_row(rec, headers, name_col, cols, (limit, threshold), countries);
        if let (Some(r), Pending::Query { line, id, .. }) = (recorder.as_deref_mut(), &p) {
            let row_key = crate::recording::Recorder::row_key(*line, id);
            if let Err(message) = r.claim("screen", &row_key) {
                p = Pending::Error {
                    line: *line,
                    id: id.clone(),
                    name: p.name().to_string(),
                    message,
                };
            }
        }
        block.push(p);
    }
    block
}

/// Where a batch's screened rows go, in order: the output CSV and, when the
/// batch is recorded, the recorder.
struct BatchWriter<'s> {
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    version: String,
    screener: &'s Screener,
    threshold: f64,
    screened: usize,
    hit_rows: usize,
    errors: usize,
}

impl BatchWriter<'_> {
    fn write(
        &mut self,
        block: &[Pending],
        results: Vec<SharedMatches>,
        mut recorder: Option<&mut crate::recording::Recorder>,
    ) -> Result<()> {
        let version = &self.version;
        for (p, matches) in block.iter().zip(results) {
            let (line, id, q) = match p {
                Pending::Error {
                    line,
                    id,
                    name,
                    message,
                } => {
                    self.errors += 1;
                    self.w.write_record(
                        BatchRow::error(id, name, message).cells(&line.to_string(), version),
                    )?;
                    continue;
                }
                Pending::Query { line, id, query } => (*line, id.as_str(), query),
            };
            let line_s = line.to_string();
            self.screened += 1;
            if let Some(r) = recorder.as_deref_mut() {
                let row_key = crate::recording::Recorder::row_key(line, id);
                let key = r.line("screen", &row_key);
                r.push(
                    "screen",
                    &row_key,
                    crate::recording::screen_recording(
                        key,
                        q,
                        id,
                        self.screener,
                        &matches,
                        self.threshold,
                    ),
                )?;
            }
            let qc = q.country.clone().unwrap_or_default();
            let base = BatchRow {
                id,
                name: &q.name,
                country: &qc,
                status: "clear",
                error: "",
                hit: None,
            };
            if matches.is_empty() {
                self.w.write_record(base.cells(&line_s, version))?;
            }
            for (rank, m) in matches.iter().enumerate() {
                self.hit_rows += 1;
                let row = BatchRow {
                    status: "hit",
                    hit: Some((rank + 1, m)),
                    ..base
                };
                self.w.write_record(row.cells(&line_s, version))?;
            }
        }
        Ok(())
    }
}

/// A batch's input, read and checked whole before a row is screened: a
/// file that is not UTF-8 CSV with one line per row is refused as it is.
/// Read apart from screening so that a caller can read it while the lists
/// are indexed.
pub struct BatchInput {
    path: std::path::PathBuf,
    text: String,
    rows: usize,
}

impl BatchInput {
    pub fn read(input: &Path) -> Result<BatchInput> {
        let bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
        let file = input.display().to_string();
        let text = decode(&file, &bytes)?.to_owned();
        crate::refuse_multiline_cells(&file, text.as_bytes())?;
        let rows = text.lines().count().saturating_sub(1);
        Ok(BatchInput {
            path: input.to_path_buf(),
            text,
            rows,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Screens every row of `input` (CSV with `name`, optional `country`, `type`, `id`)
/// into `output`, streaming. Bad rows are reported in the `error` column.
/// With a recorder, every screened row is recorded with its party.
pub fn batch(
    screener: &Screener,
    (input, output): (&BatchInput, &Path),
    (limit, threshold): (usize, f64),
    countries: &CountryTable,
    mut recorder: Option<&mut crate::recording::Recorder>,
    progress: &dyn crate::Progress,
) -> Result<BatchSummary> {
    let (text, total_rows) = (input.text.as_str(), input.rows);
    let input = input.path();
    crate::paths::ensure_distinct(input, output)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().context("reading the header row")?.clone();
    check_columns(
        &input.display().to_string(),
        &headers,
        &["id", "name", "country", "type", "dob", "ids"],
    )?;
    let idx = |n: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(n))
    };
    let name_col = idx("name")
        .ok_or_else(|| crate::bad(format!("{}: header has no `name` column", input.display())))?;
    let cols = Columns {
        country: idx("country"),
        kind: idx("type"),
        id: idx("id"),
        dob: idx("dob"),
        ids: idx("ids"),
    };
    // (Checked and created before the first row is screened.)
    let tmp = crate::paths::file_beside(output)?;
    let file = tmp
        .reopen()
        .with_context(|| format!("writing {}", output.display()))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record(BATCH_COLUMNS)?;
    progress.start(total_rows as u64);
    let mut out = BatchWriter {
        w,
        version: screener.version().hash.clone(),
        screener,
        threshold,
        screened: 0,
        hit_rows: 0,
        errors: 0,
    };
    let mut records = rdr.records();
    let mut read = |recorder: Option<&mut crate::recording::Recorder>| {
        read_block(
            &mut records,
            (&headers, name_col, &cols),
            (limit, threshold),
            countries,
            recorder,
            progress,
        )
    };
    // Rows are read and checked in order, screened in parallel a block at a
    // time, then written and recorded in order: the output is the same
    // whatever the number of cores. While a block is screened, the block
    // before it is written and the next one read, so no core waits on them.
    let mut current = read(recorder.as_deref_mut());
    let mut screened_block: Option<(Vec<Pending>, Vec<SharedMatches>)> = None;
    let mut memo = BatchMemo::new(BATCH_MEMO_PARTIES, BATCH_MEMO_MATCHES, total_rows);
    while !current.is_empty() {
        let (results, (next, wrote)) = rayon::join(
            || screen_block(screener, &current, (limit, threshold), &mut memo),
            || {
                let wrote = match screened_block.take() {
                    Some((block, results)) => out.write(&block, results, recorder.as_deref_mut()),
                    None => Ok(()),
                };
                let next = match &wrote {
                    Ok(()) => read(recorder.as_deref_mut()),
                    Err(_) => Vec::new(),
                };
                (next, wrote)
            },
        );
        wrote?;
        screened_block = Some((std::mem::replace(&mut current, next), results));
    }
    if let Some((block, results)) = screened_block {
        out.write(&block, results, recorder)?;
    }
    let BatchWriter {
        w,
        screened,
        hit_rows,
        errors,
        ..
    } = out;
    progress.finish();
    let mut inner = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", output.display()))?;
    inner.flush()?;
    drop(inner);
    crate::paths::put_in_place(tmp, output)?;
    Ok(BatchSummary {
        rows: screened,
        screens: memo.screens,
        hit_rows,
        errors,
    })
}

/// What a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    /// Rows screened (rows in error not counted).
    pub rows: usize,
    /// Screens run: a party named on many rows is screened once (once
    /// again should the batch's memo have let it go).
    pub screens: usize,
    pub hit_rows: usize,
    pub errors: usize,
}

/// Every column of a batch header is one the batch reads, once: a misspelt
/// `contry` or a second `name` column is refused, never skipped or shadowed.
/// Columns named `note` or starting with `x_` are carried and not read.
pub fn check_columns(file: &str, headers: &csv::StringRecord, known: &[&str]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for h in headers.iter() {
        let name = h.trim().to_ascii_lowercase();
        if name.starts_with("x_") || name == "note" {
            continue;
        }
        if !known.contains(&name.as_str()) {
            let allowed: Vec<String> = known.iter().map(|c| c.to_string()).collect();
            return Err(crate::bad(format!(
                "{file}:1: column {}; columns named `note` or starting with `x_` are carried and not read",
                exctl_core::vocab::unknown_value(h.trim(), &allowed)
            )));
        }
        if !seen.insert(name.clone()) {
            return Err(crate::bad(format!(
                "{file}:1: column `{name}` appears twice: give each column once"
            )));
        }
    }
    Ok(())
}

/// The HTTP client downloads use: rustls with the aws-lc-rs provider,
/// five minutes for a whole download.
pub fn agent() -> ureq::Agent {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    ureq::Agent::config_builder()
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::Rustls)
                .unversioned_rustls_crypto_provider(provider)
                .build(),
        )
        .timeout_global(Some(std::time::Duration::from_secs(300)))
        .build()
        .new_agent()
}

/// Downloads a list to `dir/name` atomically: written beside, parsed, then renamed.
pub fn fetch(
    url: &str,
    dir: &Path,
    name: &str,
    guard: LossGuard,
    countries: CountryResolver<'_>,
) -> Result<ListSet> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut resp = agent()
        .get(url)
        .call()
        .with_context(|| format!("downloading {url}"))?;
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .read_to_vec()
        .with_context(|| format!("reading {url}"))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    let format = if name.ends_with(".json") {
        Format::CslJson
    } else {
        Format::CslCsv
    };
    let set = match load_path(&tmp, Some(format), countries) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(crate::bad(format!(
                "downloaded list does not parse, kept the current one: {e}"
            )));
        }
    };
    let target = crate::paths::child(dir, name, "list")?;
    if let Err(e) = guard.check(&replaced(&target, name, countries), &named(&set, name)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, &target)
        .with_context(|| format!("moving the download into {}", dir.display()))?;
    Ok(set)
}

/// Copies a list file (or OFAC folder's files) into the lists folder after it parses.
pub fn add(
    path: &Path,
    format: Option<Format>,
    dir: &Path,
    guard: LossGuard,
    countries: CountryResolver<'_>,
) -> Result<ListSet> {
    let set = load_path(path, format, countries)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("list");
    let target = crate::paths::child(dir, name, "list")?;
    guard.check(&replaced(&target, name, countries), &named(&set, name))?;
    std::fs::create_dir_all(dir)?;
    if path.is_dir() {
        let tmp = dir.join(format!(".{name}.tmp"));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)?;
        for e in std::fs::read_dir(path)? {
            let e = e?;
            if e.path().is_file() {
                std::fs::copy(e.path(), tmp.join(e.file_name()))?;
            }
        }
        let _ = std::fs::remove_dir_all(&target);
        std::fs::rename(&tmp, &target)?;
    } else {
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::copy(path, &tmp)?;
        std::fs::rename(&tmp, &target)?;
    }
    Ok(set)
}

/// The list code of the accord's shared denied-party feed.
pub const ACCORD_DENIED: &str = "ACCORD-DENIED";

/// What a feed's `.sig` file holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct FeedSignature {
    format: String,
    authority: String,
    published_at: String,
    sha256: String,
    key_id: String,
    public_key: String,
    signature: String,
}

fn feed_message(authority: &str, published_at: &str, sha: &str) -> String {
    format!("exctl-denied-feed/1\n{authority}\n{published_at}\n{sha}")
}

/// Writes a signed denied-party feed from a CSV of violators.
pub fn publish_feed(
    input: &Path,
    authority: &str,
    out: &Path,
    signer: &exctl_records::Signer,
    countries: CountryResolver<'_>,
) -> Result<usize> {
    if authority.trim().is_empty() {
        return Err(crate::bad_field("authority", "empty"));
    }
    let text = std::fs::read_to_string(input)
        .map_err(|e| crate::bad(format!("{}: {e}", input.display())))?;
    // The violators file is read as an own list: same columns, same checks.
    let entries = parse_user_csv(&input.display().to_string(), &text, countries)
        .map_err(|e| crate::bad(e.to_string()))?;
    if entries.is_empty() {
        return Err(crate::bad(format!("{}: no parties", input.display())));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["name", "aliases", "country", "list", "note"])?;
    for e in &entries {
        let aliases: Vec<&str> = e.names.iter().skip(1).map(|n| n.text.as_str()).collect();
        w.write_record([
            e.primary_name(),
            &aliases.join(";"),
            e.countries.first().map_or("", String::as_str),
            ACCORD_DENIED,
            &format!("found violating by {}", authority.trim()),
        ])?;
    }
    let feed = w.into_inner()?;
    let sha = exctl_records::keys::sha256_hex(&feed);
    let published_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let sig = signer.sign(feed_message(authority.trim(), &published_at, &sha).as_bytes())?;
    let sigfile = FeedSignature {
        format: "exctl-denied-feed/1".into(),
        authority: authority.trim().into(),
        published_at,
        sha256: sha,
        key_id: signer.key_id().into(),
        public_key: hex::encode(signer.public_key()),
        signature: hex::encode(&sig),
    };
    std::fs::write(out, &feed).with_context(|| format!("writing {}", out.display()))?;
    let sig_path = PathBuf::from(format!("{}.sig", out.display()));
    std::fs::write(&sig_path, serde_json::to_string_pretty(&sigfile)?)
        .with_context(|| format!("writing {}", sig_path.display()))?;
    Ok(entries.len())
}

/// Checks a feed's signature against the publisher's pinned key, then adds
/// it to the configured lists. Nothing is written when any check fails.
pub fn import_feed(
    feed: &Path,
    public_key: &Path,
    dir: &Path,
    guard: LossGuard,
    countries: CountryResolver<'_>,
) -> Result<(String, usize)> {
    let bytes = std::fs::read(feed).map_err(|e| crate::bad(format!("{}: {e}", feed.display())))?;
    let sig_path = PathBuf::from(format!("{}.sig", feed.display()));
    let sig_text = std::fs::read_to_string(&sig_path).map_err(|e| {
        crate::bad(format!(
            "{}: {e} (a feed comes with its .sig)",
            sig_path.display()
        ))
    })?;
    let sig: FeedSignature = serde_json::from_str(&sig_text)
        .map_err(|e| crate::bad(format!("{}: {e}", sig_path.display())))?;
    let key_text = std::fs::read_to_string(public_key)
        .map_err(|e| crate::bad(format!("{}: {e}", public_key.display())))?;
    let key = exctl_records::keys::parse_public_key_file(&key_text).ok_or_else(|| {
        crate::bad(format!(
            "{}: not an ML-DSA-65 public key file",
            public_key.display()
        ))
    })?;
    let sha = exctl_records::keys::sha256_hex(&bytes);
    exctl_records::keys::check_detached(
        &key,
        (&sig.public_key, &sig.key_id),
        (&sig.sha256, &sha),
        feed_message(&sig.authority, &sig.published_at, &sha).as_bytes(),
        &sig.signature,
    )
    .map_err(|e| match e {
        exctl_records::keys::Detached::NotHex => crate::bad(format!("{}: {e}", sig_path.display())),
        _ => crate::bad(format!("{}: {e}", feed.display())),
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| crate::bad(format!("{}: not UTF-8", feed.display())))?;
    let entries = parse_user_csv(&feed.display().to_string(), &text, countries)
        .map_err(|e| crate::bad(e.to_string()))?;
    let slug: String = sig
        .authority
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let name = format!("accord-denied-{slug}.csv");
    let target = crate::paths::child(dir, &name, "list")?;
    let mut incoming = ListSet::default();
    incoming.add(
        SourceInfo {
            file: name.clone(),
            format: Format::UserCsv.name().into(),
            entries: entries.len(),
            date: None,
            sha256: String::new(),
        },
        entries.clone(),
    );
    guard.check(
        &replaced(&target, &name, countries),
        &named(&incoming, &name),
    )?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, &text)?;
    std::fs::rename(&tmp, &target)?;
    Ok((name, entries.len()))
}

#[cfg(test)]
mod tests {
    use super::{parse_birth_date, screen_block, BatchMemo, Pending};
    use exctl_screen::model::{ListName, SourceInfo, Strength};
    use exctl_screen::{Entry, ListSet, Query, Screener};

    #[test]
    fn a_batch_memo_past_its_bounds_starts_afresh_and_answers_every_row() {
        let mut entry = Entry::new("EL", "Entity List", "1");
        entry.names.push(ListName {
            text: "Huawei Technologies".into(),
            strength: Strength::Strong,
            primary: true,
        });
        let mut set = ListSet::default();
        set.add(
            SourceInfo {
                file: "test".into(),
                format: "test".into(),
                entries: 1,
                date: None,
                sha256: String::new(),
            },
            vec![entry],
        );
        let screener = Screener::new(set);
        let rows = |names: &[&str]| -> Vec<Pending> {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| Pending::Query {
                    line: i as u64,
                    id: i.to_string(),
                    query: Query::name(n),
                })
                .collect()
        };
        // Room for two parties: the second and third blocks start afresh.
        let mut memo = BatchMemo::new(2, 10, 4);
        let blocks = [
            rows(&["Huawei Technologies", "Siemens AG"]),
            rows(&["Huawei Technologies", "Huawie Technologies"]),
            rows(&["Huawei Technologies", "Huawei Technologies", "Bosch"]),
        ];
        let mut hits = 0;
        for block in &blocks {
            let got = screen_block(&screener, block, (10, 0.8), &mut memo);
            assert_eq!(got.len(), block.len());
            for (p, m) in block.iter().zip(got) {
                let Pending::Query { query, .. } = p else {
                    unreachable!("only queries")
                };
                assert_eq!(*m, screener.screen(query, 10, 0.8), "{}", query.name);
                hits += m.len();
            }
        }
        assert_eq!(hits, 5, "every Huawei row hits, once each");
        // Each block's parties screened once: 2 + 2 + 2 (the memo was let go).
        assert_eq!(memo.screens, 6);
    }

    #[test]
    fn a_birth_date_is_a_year_a_month_or_a_day_and_nothing_else() {
        for ok in ["1961", "1961-10", "1961-10-01", " 2000-02-29 "] {
            assert!(parse_birth_date(ok).is_ok(), "{ok}");
        }
        for bad in [
            "born 1961",
            "1961/10/01",
            "01-10-1961",
            "1961-13",
            "1961-02-30",
            "1900-2-3",
            "1849",
            "2101-01-01",
            "",
            "19610",
            "1961-10-01-02",
        ] {
            let err = parse_birth_date(bad).unwrap_err();
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
        }
    }
}

/// A party to screen: what `exctl screen NAME` and `POST /api/v1/screen`
/// take.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScreenRequest {
    /// The name, in any script.
    pub name: String,
    /// ISO 3166 alpha-2 (or the country's name).
    #[serde(default)]
    pub country: Option<String>,
    /// entity, individual, vessel or aircraft.
    #[serde(default, rename = "type")]
    pub entity_type: Option<String>,
    /// Date of birth (YYYY, YYYY-MM or YYYY-MM-DD): a birth year more than
    /// a year from the list's lowers the score.
    #[serde(default)]
    pub dob: Option<String>,
    /// Identifiers as KIND:NUMBER (passport, national-id, tax-id,
    /// registration, uscc, lei, imo, swift, vat): an equal number on the
    /// list is decisive, another number of the same kind lowers the score.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Most matches (default 10, 1 to 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Alert threshold in [0, 1] (default 0.80).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Record the screen (default); `false` leaves no record.
    #[serde(default)]
    pub record: Option<bool>,
}

/// Most matches one screen returns.
pub const MAX_LIMIT: usize = 100;

/// A screen's query, match limit and threshold, validated: every field
/// that is not understood is refused, naming it.
pub fn screen_query(r: &ScreenRequest, countries: &CountryTable) -> Result<(Query, usize, f64)> {
    use crate::bad_field;
    if r.name.trim().is_empty() {
        return Err(bad_field("name", "empty"));
    }
    if r.name.len() > exctl_screen::parse::MAX_NAME_BYTES {
        return Err(bad_field(
            "name",
            format!(
                "{} bytes; the limit is {}",
                r.name.len(),
                exctl_screen::parse::MAX_NAME_BYTES
            ),
        ));
    }
    let threshold = r.threshold.unwrap_or(exctl_screen::DEFAULT_THRESHOLD);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(bad_field(
            "threshold",
            format!("{threshold} is not between 0 and 1"),
        ));
    }
    let limit = r.limit.unwrap_or(10);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_field(
            "limit",
            format!("{limit} is not between 1 and {MAX_LIMIT}"),
        ));
    }
    let country = crate::check::optional_country_code("country", r.country.as_deref(), countries)?;
    let entity_type = match r
        .entity_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(t) => Some(parse_type(t).ok_or_else(|| {
            bad_field(
                "type",
                format!("{t:?}: expected entity, individual, vessel or aircraft"),
            )
        })?),
    };
    let birth_date = match r.dob.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(parse_birth_date(d).map_err(|m| bad_field("dob", m))?),
    };
    let ids = parse_ids(&r.ids.join(";")).map_err(|m| bad_field("ids", m))?;
    Ok((
        Query {
            name: r.name.clone(),
            country,
            entity_type,
            birth_date,
            ids,
        },
        limit,
        threshold,
    ))
}

/// A completed screen.
pub struct ScreenAnswer {
    pub query: Query,
    pub matches: Vec<Match>,
    /// Per match, what a hit on its list means under each pack's rules.
    pub effects: Vec<Vec<LegalEffect>>,
    pub threshold: f64,
    pub screener: std::sync::Arc<Screener>,
    pub record: Option<i64>,
    /// What the packs' ownership rules make of the party, where the
    /// ownership records know it (its owners screened too).
    pub ownership: Vec<crate::owners::PackFinding>,
}

/// What a hit on a list means under one pack, from its `parties.toml`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LegalEffect {
    pub jurisdiction: String,
    /// The party rule, e.g. `us.parties.entity-list`.
    pub rule: String,
    /// The list as the rule names it ("the Entity List").
    pub list: String,
    pub outcome: exctl_core::Outcome,
    pub citation: String,
    pub text: String,
}

/// The effects the packs give a hit on list `code` on `date`.
pub fn legal_effects(
    data: &exctl_data::Data,
    code: &str,
    date: chrono::NaiveDate,
) -> Vec<LegalEffect> {
    data.parties
        .iter()
        .flat_map(|p| p.effects.iter().map(move |e| (p, e)))
        .filter(|(_, e)| e.lists.iter().any(|l| l.eq_ignore_ascii_case(code)))
        .filter(|(_, e)| e.effective_from.is_none_or(|f| f <= date))
        .filter(|(_, e)| e.effective_to.is_none_or(|t| date <= t))
        .map(|(p, e)| LegalEffect {
            jurisdiction: p.pack.clone(),
            rule: e.id.clone(),
            list: e.name.clone(),
            outcome: e.outcome,
            citation: e.citation.clone(),
            text: e.text.clone(),
        })
        .collect()
}

impl ScreenAnswer {
    /// The answer as every shell's JSON gives it: each match with its
    /// legal effects.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = screen_json(&self.query, &self.screener, &self.matches);
        if let Some(all) = v["matches"].as_array_mut() {
            for (m, effects) in all.iter_mut().zip(&self.effects) {
                m["effects"] = serde_json::to_value(effects).unwrap_or_default();
            }
        }
        if let Some(id) = self.record {
            v["record"] = serde_json::json!(id);
        }
        v["ownership"] = serde_json::to_value(&self.ownership).unwrap_or_default();
        v
    }

    pub fn to_text(&self) -> String {
        let mut text = screen_text(&self.query, &self.screener, &self.matches, self.threshold);
        // Each match's legal effects, after its block.
        let mut blocks: Vec<String> = text.split("\n\n").map(str::to_string).collect();
        for (i, effects) in self.effects.iter().enumerate() {
            let Some(block) = blocks.get_mut(i + 1) else {
                break;
            };
            let mut lines = String::new();
            for e in effects {
                lines.push_str(&format!(
                    "\n   effect ({}): {} — {} ({})",
                    e.jurisdiction, e.outcome, e.text, e.citation
                ));
            }
            if effects.is_empty() {
                lines.push_str("\n   effect: no pack gives this list an effect");
            }
            let end = block.trim_end_matches('\n').len();
            block.insert_str(end, &lines);
        }
        text = blocks.join("\n\n");
        for f in &self.ownership {
            text.push_str(&format!(
                "\nownership ({}): {} — {}\n   {}\n   ({})\n",
                f.jurisdiction,
                f.finding.rule_name,
                f.finding.verdict_words(),
                f.finding.text,
                f.finding.citation
            ));
        }
        text
    }
}

/// Screens one party against the lists the shell serves (with the parties
/// rule packs designate) and records it unless asked not to or there is no
/// store. Every shell calls this.
pub async fn screen<S: crate::Shell>(
    shell: &S,
    context: &crate::Context<'_>,
    request: ScreenRequest,
) -> Result<ScreenAnswer> {
    let (query, limit, threshold) = screen_query(&request, &context.data.engine.countries)?;
    let screener = shell.screener()?;
    let on = screener.clone();
    let (query, matches) = shell
        .cpu(move || {
            let matches = on.screen(&query, limit, threshold);
            (query, matches)
        })
        .await?;
    let ownership = match context.store {
        Some(store) => {
            crate::owners::answer(store, &context.data, &screener, &query.name, context.today)
                .await?
                .map(|a| a.findings)
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let record = match (context.store, request.record.unwrap_or(true)) {
        (Some(_), true) => {
            let mut r = crate::recording::screen_recording(
                crate::recording::request_key("screen"),
                &query,
                "",
                &screener,
                &matches,
                threshold,
            );
            // What the ownership rules make of the party is part of the
            // record: a party caught through its owners is never "clear".
            if !ownership.is_empty() {
                r.decision.result["ownership"] =
                    serde_json::to_value(&ownership).unwrap_or_default();
                let binds = |f: &crate::owners::PackFinding| {
                    f.finding.status.is_none()
                        && matches!(
                            f.finding.verdict,
                            exctl_core::ownership::VerdictKind::Caught
                                | exctl_core::ownership::VerdictKind::Undetermined
                        )
                };
                if r.decision.outcome == "clear" && ownership.iter().any(binds) {
                    r.decision.outcome = "owned".into();
                }
            }
            r.actor = context.actor.clone();
            Some(shell.record(r).await?)
        }
        _ => None,
    };
    let effects = matches
        .iter()
        .map(|m| legal_effects(&context.data, &m.list, context.today))
        .collect();
    Ok(ScreenAnswer {
        query,
        matches,
        effects,
        threshold,
        screener,
        record,
        ownership,
    })
}
