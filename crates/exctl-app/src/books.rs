//! Whole order books: batch checks and impact analysis between two dates or
//! two rule-pack versions. Rows stream in and out; a bad row is reported in
//! its own line and the rest goes on.

use crate::check::{self, CheckRequest, PartyIn, Prepared};
use crate::parties::Clearances;
use crate::products::Products;
use crate::recording::Recorder;
use crate::Progress;
use crate::{instance, licences, parties, recording};
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use exctl_core::licence::OnFile;
use exctl_core::parties::Role;
use exctl_core::{Decision, Item};
use exctl_data::Data;
use exctl_records::Recording;
use exctl_screen::Screener;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

/// Output columns of `exctl check --input`.
pub const CHECK_COLUMNS: [&str; 19] = [
    "line",
    "id",
    "item",
    "to",
    "as_of",
    "status",
    "error",
    "overall",
    "outcomes",
    "controls",
    "review_policy",
    "questions",
    "rules",
    "party_hits",
    "licences",
    "obligations",
    "notes",
    "notices",
    "warnings",
];

/// Output columns of `exctl impact`.
pub const IMPACT_COLUMNS: [&str; 11] = [
    "line",
    "id",
    "item",
    "to",
    "status",
    "error",
    "from_overall",
    "to_overall",
    "changed",
    "rules_added",
    "rules_removed",
];

/// A decision reduced to what books report.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub overall: String,
    pub outcomes: String,
    pub controls: String,
    pub review_policy: String,
    pub questions: String,
    pub rules: BTreeSet<String>,
    /// `jurisdiction:rule` of each obligation listed beside the answer.
    pub obligations: String,
    /// `jurisdiction:rule` of each rule noted (not binding, or undecided but moot).
    pub notes: String,
    /// Jurisdictions whose answers carry a standing notice (the accord's
    /// "as reported in the press").
    pub notices: String,
}

fn summarise(d: &Decision) -> Summary {
    let mut outcomes = Vec::new();
    let mut controls = Vec::new();
    let mut policies = Vec::new();
    let mut questions = Vec::new();
    let mut rules = BTreeSet::new();
    let mut obligations = Vec::new();
    let mut notes = Vec::new();
    let mut notices = Vec::new();
    for det in &d.determinations {
        for r in &det.obligations {
            obligations.push(format!("{}:{}", det.jurisdiction, r.rule));
        }
        for r in &det.notes {
            notes.push(format!("{}:{}", det.jurisdiction, r.rule));
        }
        if det.notice.is_some() {
            notices.push(det.jurisdiction.clone());
        }
        let o = det.outcome.map_or("", |o| o.as_str());
        outcomes.push(format!("{}={o}", det.jurisdiction));
        if !det.controls.is_empty() {
            controls.push(format!("{}:{}", det.jurisdiction, det.controls.join(",")));
        }
        if let Some(p) = &det.review_policy {
            policies.push(format!("{}:{p}", det.jurisdiction));
        }
        for q in &det.questions {
            questions.push(format!("{}:{}", det.jurisdiction, q.fact));
        }
        for r in &det.reasons {
            rules.insert(r.rule.clone());
        }
    }
    Summary {
        overall: d.overall.map_or(String::new(), |o| o.to_string()),
        outcomes: outcomes.join(";"),
        controls: controls.join("|"),
        review_policy: policies.join("|"),
        questions: questions.join(";"),
        rules,
        obligations: obligations.join(";"),
        notes: notes.join(";"),
        notices: notices.join(";"),
    }
}

/// The columns an order book may have.
const ORDER_COLUMNS: [&str; 12] = [
    "id",
    "item",
    "to",
    "end_use",
    "as_of",
    "end_user_hq",
    "facts",
    "end_user",
    "consignee",
    "intermediates",
    "quantity",
    "value",
];

/// Reads the orders CSV header: `item` and `to` required; `id`, `end_use`,
/// `as_of`, `end_user_hq`, `facts` (`name=value;…`), the parties
/// `end_user`, `consignee` and `intermediates` (`|`-separated), each in the
/// `--end-user` form, and `quantity` and `value` optional.
struct Columns {
    /// How many columns the header has: a row with more cells is an error.
    width: usize,
    item: usize,
    to: usize,
    id: Option<usize>,
    end_use: Option<usize>,
    as_of: Option<usize>,
    hq: Option<usize>,
    facts: Option<usize>,
    end_user: Option<usize>,
    consignee: Option<usize>,
    intermediates: Option<usize>,
    quantity: Option<usize>,
    value: Option<usize>,
}

impl Columns {
    fn from(headers: &csv::StringRecord, file: &str) -> Result<Columns> {
        crate::screening::check_columns(file, headers, &ORDER_COLUMNS)?;
        let idx = |n: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        };
        let need = |n: &str| {
            idx(n).ok_or_else(|| crate::bad(format!("{file}: header has no `{n}` column")))
        };
        Ok(Columns {
            width: headers.len(),
            item: need("item")?,
            to: need("to")?,
            id: idx("id"),
            end_use: idx("end_use"),
            as_of: idx("as_of"),
            hq: idx("end_user_hq"),
            facts: idx("facts"),
            end_user: idx("end_user"),
            consignee: idx("consignee"),
            intermediates: idx("intermediates"),
            quantity: idx("quantity"),
            value: idx("value"),
        })
    }

    /// Whether the book names parties to screen.
    fn has_parties(&self) -> bool {
        self.end_user.is_some() || self.consignee.is_some() || self.intermediates.is_some()
    }

    /// The row's own id, item and destination, for error rows.
    fn raw(&self, r: &csv::StringRecord) -> [String; 3] {
        let get = |c: Option<usize>| {
            c.and_then(|i| r.get(i))
                .map(str::trim)
                .unwrap_or("")
                .to_string()
        };
        [get(self.id), get(Some(self.item)), get(Some(self.to))]
    }

    /// The row as the check request a single check would make: the same
    /// validation and decision follow ([`crate::check::decide`],
    /// [`crate::check::with_parties`]).
    fn request(
        &self,
        r: &csv::StringRecord,
    ) -> std::result::Result<(String, CheckRequest), String> {
        if r.len() > self.width {
            return Err(format!(
                "the row has {} cells where the header has {} columns",
                r.len(),
                self.width
            ));
        }
        let get = |c: Option<usize>| c.and_then(|i| r.get(i)).map(str::trim).unwrap_or("");
        let text = |c: Option<usize>| Some(get(c).to_string()).filter(|t| !t.is_empty());
        let item = get(Some(self.item));
        if item.is_empty() {
            return Err("item: empty".into());
        }
        let as_of = match get(self.as_of) {
            "" => None,
            d => Some(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| format!("as_of: {d:?} is not YYYY-MM-DD"))?,
            ),
        };
        let facts = check::facts_from_specs(
            get(self.facts)
                .split(';')
                .map(str::trim)
                .filter(|f| !f.is_empty()),
        )
        .map_err(in_book_words)?;
        let party = |c: Option<usize>, role: Role| {
            text(c)
                .map(|spec| PartyIn::parse(role, &spec))
                .transpose()
                .map_err(in_book_words)
        };
        let intermediates = get(self.intermediates)
            .split('|')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|spec| PartyIn::parse(Role::Intermediate, spec))
            .collect::<Result<Vec<_>>>()
            .map_err(in_book_words)?;
        let amount = |c: Option<usize>, name: &str| match get(c) {
            "" => Ok(None),
            v => match v.parse::<f64>() {
                Ok(n) => Ok(Some(n)),
                _ => Err(format!("{name}: {v:?} is not a number of zero or more")),
            },
        };
        let request = CheckRequest {
            item: item.to_string(),
            to: get(Some(self.to)).to_string(),
            as_of,
            end_use: text(self.end_use),
            end_user_hq: text(self.hq),
            facts,
            end_user: party(self.end_user, Role::EndUser)?,
            consignee: party(self.consignee, Role::Consignee)?,
            intermediates,
            quantity: amount(self.quantity, "quantity")?,
            value: amount(self.value, "value")?,
            ..CheckRequest::default()
        };
        Ok((get(self.id).to_string(), request))
    }
}

/// A memoised decision and its summary.
type Memo = (check::Decided, Arc<Summary>);

/// A row's check prepared (decided, before its parties), with the summary
/// of that decision.
type Side = (Prepared, Arc<Summary>);

/// Prepares the rows' checks as a single check does, memoising items and
/// the decided part of a check (it does not depend on the parties or
/// amounts): an order book repeats the same item, destination and end use
/// many times.
struct Decider<'d> {
    data: &'d Data,
    /// The product master's versions, loaded before the run.
    products: &'d Products,
    items: HashMap<String, Rc<Item>>,
    /// Decided checks by [`decision_key`].
    decisions: HashMap<String, Memo>,
}

impl<'d> Decider<'d> {
    fn new(data: &'d Data, products: &'d Products) -> Decider<'d> {
        Decider {
            data,
            products,
            items: HashMap::new(),
            decisions: HashMap::new(),
        }
    }

    /// The row's check prepared (validated and decided, before its parties'
    /// screening and licences), with the summary of that decision.
    fn prepare(
        &mut self,
        request: CheckRequest,
        today: NaiveDate,
    ) -> std::result::Result<(Prepared, Arc<Summary>), String> {
        check::check_limits(&request).map_err(in_book_words)?;
        let (decided, summary) = self.decided(&request, today)?;
        // The record names the product version the row was checked with.
        let mut request = request;
        if let Some(p) = &decided.decision.item.product {
            request.item = p.pinned();
        }
        let prepared = check::with_parties(self.data, request, decided).map_err(in_book_words)?;
        Ok((prepared, summary))
    }

    /// The decided part of the row's check (memoised), with its summary.
    fn decided(
        &mut self,
        request: &CheckRequest,
        today: NaiveDate,
    ) -> std::result::Result<Memo, String> {
        let key = decision_key(request, today);
        if let Some(memo) = self.decisions.get(&key) {
            return Ok(memo.clone());
        }
        let item = match self.items.get(&request.item) {
            Some(i) => i.clone(),
            None => {
                let i = Rc::new(
                    crate::products::resolve_arg(self.data, self.products, &request.item)
                        .map_err(in_book_words)?,
                );
                self.items.insert(request.item.clone(), i.clone());
                i
            }
        };
        let decided = check::decide(self.data, &item, request, today).map_err(in_book_words)?;
        let summary = Arc::new(summarise(&decided.decision));
        if self.decisions.len() > 200_000 {
            self.decisions.clear();
        }
        self.decisions
            .insert(key, (decided.clone(), summary.clone()));
        Ok((decided, summary))
    }
}

/// Everything [`check::decide`] reads from a request, as a key: the item as
/// the row names it (a catalog name or an item file: files may share an id
/// and still differ), destination, date, end use, headquarters, facts,
/// deemed, jurisdictions and explain. The fields are destructured so that
/// a field added to the request cannot be left out unseen.
fn decision_key(request: &CheckRequest, today: NaiveDate) -> String {
    let CheckRequest {
        item,
        to,
        as_of,
        end_use,
        end_use_note: _,
        end_user_hq,
        facts,
        deemed,
        end_user: _,
        consignee: _,
        intermediates: _,
        quantity: _,
        value: _,
        jurisdictions,
        explain,
        ship: _,
        record: _,
    } = request;
    use std::fmt::Write as _;
    let mut key = String::with_capacity(96);
    for part in [
        item.as_str(),
        to,
        end_use.as_deref().unwrap_or("\u{2}"),
        end_user_hq.as_deref().unwrap_or("\u{2}"),
    ] {
        key.push_str(part);
        key.push('\u{1}');
    }
    let _ = write!(key, "{}\u{1}{deemed}\u{1}{explain}", as_of.unwrap_or(today));
    for (name, value) in facts {
        let _ = write!(key, "\u{1}{name}={value}");
    }
    for j in jurisdictions {
        key.push('\u{1}');
        key.push_str(j);
    }
    key
}

/// An error in a row, naming the column it comes from: a request's field
/// is the book's column of the same name (`end_user.country` is in the
/// column `end_user`).
fn in_book_words(e: anyhow::Error) -> String {
    if let Some(bad) = e.downcast_ref::<crate::BadInput>() {
        if let Some(field) = &bad.field {
            let column = field.split(['.', '[']).next().unwrap_or(field);
            if ORDER_COLUMNS.contains(&column) {
                return match field.strip_prefix(column).filter(|rest| !rest.is_empty()) {
                    Some(rest) => format!(
                        "column `{column}` ({}): {}",
                        rest.trim_start_matches('.'),
                        bad.reason
                    ),
                    None => format!("column `{column}`: {}", bad.reason),
                };
            }
        }
    }
    e.to_string()
}

fn reader(input: &Path) -> Result<(csv::Reader<std::fs::File>, u64)> {
    let bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    crate::refuse_multiline_cells(&input.display().to_string(), &bytes)?;
    let rows = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    let rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .with_context(|| format!("reading {}", input.display()))?;
    Ok((rdr, rows.saturating_sub(1)))
}

/// The input and output of a book run.
struct Book<'p> {
    rows: csv::Reader<std::fs::File>,
    cols: Columns,
    out: csv::Writer<std::fs::File>,
    progress: &'p dyn Progress,
    stats: BookStats,
}

impl<'p> Book<'p> {
    /// Opens the input, reads its header, and starts the output with `columns`.
    fn open(
        input: &Path,
        output: &Path,
        columns: &[&str],
        progress: &'p dyn Progress,
    ) -> Result<Book<'p>> {
        crate::paths::ensure_distinct(input, output)?;
        let (mut rows, n) = reader(input)?;
        let header = rows
            .headers()
            .map_err(|e| crate::bad(format!("{}:1: header row: {e}", input.display())))?
            .clone();
        let cols = Columns::from(&header, &input.display().to_string())?;
        let mut out = csv::Writer::from_path(output)
            .with_context(|| format!("creating {}", output.display()))?;
        out.write_record(columns)?;
        progress.start(n);
        Ok(Book {
            rows,
            cols,
            out,
            progress,
            stats: BookStats {
                rows: 0,
                errors: 0,
                warnings: Vec::new(),
                changed: 0,
            },
        })
    }

    /// Answers every order, a block of rows at a time: `before` takes each
    /// row in order (claims, reads what the records hold), `during` answers
    /// the block's rows on every core, `after` writes and records each in
    /// order (`None`: no row). A row that cannot be read or answered
    /// becomes an error row of `width` columns with `error_at` the status
    /// column. The output is the same whatever the number of cores.
    fn run<P: Send, A: Send>(
        mut self,
        (width, error_at): (usize, usize),
        mut before: impl FnMut(u64, String, CheckRequest) -> std::result::Result<P, String>,
        during: impl Fn(P) -> std::result::Result<A, String> + Sync,
        mut after: impl FnMut(u64, A) -> std::result::Result<Option<Vec<String>>, String>,
    ) -> Result<BookStats> {
        use rayon::prelude::*;
        let mut records = self.rows.records();
        loop {
            let mut block: Vec<(u64, [String; 3], std::result::Result<P, String>)> =
                Vec::with_capacity(BOOK_BLOCK);
            for rec in records.by_ref().take(BOOK_BLOCK) {
                self.progress.advance(1);
                self.stats.rows += 1;
                block.push(match rec {
                    Ok(r) => {
                        let line = r.position().map_or(0, |p| p.line());
                        let raw = self.cols.raw(&r);
                        let pending = self
                            .cols
                            .request(&r)
                            .and_then(|(id, request)| before(line, id, request));
                        (line, raw, pending)
                    }
                    Err(e) => (
                        e.position().map_or(0, |p| p.line()),
                        Default::default(),
                        Err(e.to_string()),
                    ),
                });
            }
            if block.is_empty() {
                break;
            }
            let answered: Vec<(u64, [String; 3], std::result::Result<A, String>)> = block
                .into_par_iter()
                .with_min_len(8)
                .map(|(line, raw, pending)| (line, raw, pending.and_then(&during)))
                .collect();
            for (line, raw, answer) in answered {
                match answer.and_then(|a| after(line, a)) {
                    Ok(Some(row)) => self.out.write_record(&row)?,
                    Ok(None) => {}
                    Err(msg) => {
                        self.stats.errors += 1;
                        let [id, item, to] = raw;
                        let mut row = vec![line.to_string(), id, item, to];
                        row.resize(error_at, String::new());
                        row.push("error".into());
                        row.push(msg);
                        row.resize(width, String::new());
                        self.out.write_record(&row)?;
                    }
                }
            }
        }
        self.progress.finish();
        self.out.flush()?;
        Ok(self.stats)
    }
}

/// Rows an order book reads, answers on every core, then writes and
/// records, at a time.
const BOOK_BLOCK: usize = 2048;

/// Counts of a book run.
pub struct BookStats {
    pub rows: usize,
    pub errors: usize,
    /// What the answers must be read with (parties screened against the
    /// demo list), as a single check says it.
    pub warnings: Vec<String>,
    /// For impact: rows whose outcome changed.
    pub changed: usize,
}

/// What a batch check screens parties against, reads and records into.
pub struct BookContext<'a> {
    /// Builds the party screener; called only when the book has party columns.
    pub screener: Box<dyn FnOnce() -> Result<Screener> + 'a>,
    /// Records every row (and applies the clearances and licences on file) when present.
    pub recorder: Option<Recorder>,
    /// Without a recorder, the instance whose clearances and licences are
    /// read, so that a book that leaves no record answers as a recorded one.
    pub reading: Option<(tokio::runtime::Runtime, exctl_records::Store)>,
    /// The instance's own products, which rows may name as items.
    pub products: Products,
    /// The packs every row answers for (empty: every pack that is not opt-in).
    pub jurisdictions: Vec<String>,
}

/// `exctl check --input orders.csv --output results.csv`: every row checked
/// as a single check is ([`crate::check::decide`], memoised, then
/// [`crate::check::with_parties`] and [`crate::check::complete`]).
pub fn check_book(
    data: &Data,
    input: &Path,
    output: &Path,
    default_date: NaiveDate,
    ctx: BookContext<'_>,
    progress: &dyn Progress,
) -> Result<BookStats> {
    data.engine
        .check_jurisdictions(&ctx.jurisdictions)
        .map_err(|e| crate::bad(e.to_string()))?;
    let jurisdictions = ctx.jurisdictions.clone();
    let book = Book::open(input, output, &CHECK_COLUMNS, progress)?;
    let screener = if book.cols.has_parties() {
        Some((ctx.screener)()?)
    } else {
        None
    };
    let recorder = ctx.recorder;
    let reading = ctx.reading;
    fn store_of<'s>(
        recorder: &'s Option<Recorder>,
        reading: &'s Option<(tokio::runtime::Runtime, exctl_records::Store)>,
    ) -> Option<(&'s tokio::runtime::Runtime, &'s exctl_records::Store)> {
        recorder
            .as_ref()
            .map(Recorder::store)
            .or(reading.as_ref().map(|(rt, s)| (rt, s)))
    }
    let licences: Vec<OnFile> = match store_of(&recorder, &reading) {
        Some((rt, store)) => licences::licences_on_file(
            rt.block_on(store.licences(None))
                .map_err(instance::store_error)?,
        ),
        None => Vec::new(),
    };
    let products = ctx.products;
    let mut decider = Decider::new(data, &products);
    // Both ends of a block use the recorder (claims, then records) and may
    // meet a failure of the records that stops the run.
    let recorder = std::cell::RefCell::new(recorder);
    let fatal: std::cell::RefCell<Option<anyhow::Error>> = std::cell::RefCell::new(None);
    const FAILED: &str = "not checked: the records failed (see the error)";
    let warnings = crate::screening::warnings(screener.as_ref());
    // In order: the claim, the decided part (memoised), the clearances and
    // owners on record.
    let before = |line: u64, order_id: String, mut request: CheckRequest| {
        request.jurisdictions = jurisdictions.clone();
        if fatal.borrow().is_some() {
            return Err(FAILED.to_string());
        }
        let row_key = Recorder::row_key(line, &order_id);
        if let Some(r) = recorder.borrow_mut().as_mut() {
            r.claim("check", &row_key)?;
        }
        let (mut p, base_summary) = decider.prepare(request, default_date)?;
        let completes = !p.parties.is_empty() || !licences.is_empty();
        let clearances = if completes && !p.parties.is_empty() {
            let held = recorder.borrow();
            match store_of(&held, &reading) {
                Some(store) => {
                    match parties::clearances_blocking(store, &p.parties, p.decision.as_of) {
                        Ok((c, a)) => {
                            p.ancestries = a;
                            c
                        }
                        Err(e) => {
                            *fatal.borrow_mut() = Some(e);
                            return Err(FAILED.to_string());
                        }
                    }
                }
                None => Clearances::new(),
            }
        } else {
            Clearances::new()
        };
        Ok((
            order_id,
            row_key,
            p,
            base_summary,
            completes.then_some(clearances),
        ))
    };
    // On every core: the parties screened, the licences applied.
    let during = |(order_id, row_key, mut p, base_summary, clearances): (
        String,
        String,
        Prepared,
        Arc<Summary>,
        Option<Clearances>,
    )| {
        let (screened, summary) = match clearances {
            Some(clearances) => {
                let screened =
                    check::complete(data, &mut p, screener.as_ref(), &clearances, &licences);
                (screened, Arc::new(summarise(&p.decision)))
            }
            None => (None, base_summary),
        };
        Ok((order_id, row_key, p, screened, summary))
    };
    // In order: the row written and recorded.
    let after = |line: u64,
                 (order_id, row_key, p, screened, summary): (
        String,
        String,
        Prepared,
        Option<parties::PartyScreen>,
        Arc<Summary>,
    )| {
        if fatal.borrow().is_some() {
            return Err(FAILED.to_string());
        }
        let hits = screened.as_ref().map(|f| f.hits.as_slice()).unwrap_or(&[]);
        let party_cells = hits
            .iter()
            .map(|h| format!("{}:{}:{}", h.role.as_str(), h.list, h.entry_id))
            .collect::<Vec<_>>()
            .join(";");
        let licence_cells = p
            .decision
            .determinations
            .iter()
            .filter_map(|det| {
                det.licence
                    .as_ref()
                    .map(|l| format!("{}:{}", det.jurisdiction, l.number))
            })
            .collect::<Vec<_>>()
            .join(";");
        let date = p.decision.as_of;
        let to = p
            .decision
            .destination
            .as_ref()
            .map(|d| d.code.clone())
            .unwrap_or_default();
        let s = &summary;
        let row = vec![
            line.to_string(),
            order_id.clone(),
            // An own product as NAME@VERSION: the version checked.
            p.request.item.clone(),
            to.clone(),
            date.to_string(),
            "ok".into(),
            String::new(),
            s.overall.clone(),
            s.outcomes.clone(),
            s.controls.clone(),
            s.review_policy.clone(),
            s.questions.clone(),
            s.rules.iter().cloned().collect::<Vec<_>>().join(";"),
            party_cells,
            licence_cells,
            s.obligations.clone(),
            s.notes.clone(),
            s.notices.clone(),
            check::unweighed_hits(data, &p.decision, screened.as_ref()).join(" | "),
        ];
        if let Some(r) = recorder.borrow_mut().as_mut() {
            // An order with an id is the same order on any line: its line is
            // left out, so that a reordered book is not a new decision.
            let line_of_record = order_id.is_empty().then_some(line);
            let input = serde_json::json!({
                "line": line_of_record,
                "id": order_id,
                "item": p.request.item,
                "to": to,
                "end_use": p.request.end_use.as_deref().map(str::to_lowercase),
                "as_of": date,
                "facts": p
                    .facts
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::from(v.to_string())))
                    .collect::<serde_json::Map<_, _>>(),
                "parties": p.parties,
                "quantity": p.request.quantity.unwrap_or(0.0),
                "value": p.request.value.unwrap_or(0.0),
            });
            let decision = recording::new_check(
                r.line("check", &row_key),
                &p.decision,
                input,
                &p.parties,
                p.list_version.clone(),
            );
            if let Err(e) = r.push(
                "check",
                &row_key,
                Recording {
                    decision,
                    parties: screened.map(|f| f.screened).unwrap_or_default(),
                    actor: None,
                },
            ) {
                *fatal.borrow_mut() = Some(e);
            }
        }
        Ok(Some(row))
    };
    let stats = book.run((CHECK_COLUMNS.len(), 5), before, during, after)?;
    if let Some(e) = fatal.into_inner() {
        return Err(e);
    }
    if let Some(r) = recorder.into_inner() {
        r.finish()?;
    }
    Ok(BookStats { warnings, ..stats })
}

/// `exctl impact`: every row whose answer differs between the `from` and
/// `to` sides (two dates, or two rule-pack versions at one date). Each side
/// answers a row as a check does: validated alike, its parties screened
/// against the lists with the parties its packs designate (`screener`,
/// called per side only when the book has party columns). No store is read:
/// clearances and licences on file are not applied, so a cleared hit or a
/// licence shows as the rules' answer without it.
pub fn impact(
    old: (&Data, NaiveDate),
    new: (&Data, NaiveDate),
    input: &Path,
    output: &Path,
    screener: &dyn Fn(&Data) -> Result<Screener>,
    products: &Products,
    progress: &dyn Progress,
) -> Result<BookStats> {
    let book = Book::open(input, output, &IMPACT_COLUMNS, progress)?;
    let screeners = if book.cols.has_parties() {
        Some((screener(old.0)?, screener(new.0)?))
    } else {
        None
    };
    let warnings = crate::screening::warnings(screeners.as_ref().map(|(s, _)| s));
    let mut old_decider = Decider::new(old.0, products);
    let mut new_decider = Decider::new(new.0, products);
    let changed_rows = std::cell::Cell::new(0usize);
    // In order: both sides decided (memoised).
    let before = |_line: u64, order_id: String, request: CheckRequest| {
        // The sides are dates: a row's own date would hide the change.
        let request = CheckRequest {
            as_of: None,
            ..request
        };
        let a = old_decider.prepare(request.clone(), old.1)?;
        let b = new_decider.prepare(request, new.1)?;
        Ok((order_id, a, b))
    };
    // On every core: each side's parties screened.
    let side = |data: &Data, scr: Option<&Screener>, (mut p, summary): Side| {
        if p.parties.is_empty() {
            return (p, summary);
        }
        check::complete(data, &mut p, scr, &Clearances::new(), &[]);
        let s = Arc::new(summarise(&p.decision));
        (p, s)
    };
    let during = |(order_id, a, b): (String, Side, Side)| {
        let scr = screeners.as_ref();
        let (_, a) = side(old.0, scr.map(|s| &s.0), a);
        let (p, b) = side(new.0, scr.map(|s| &s.1), b);
        Ok((order_id, p, a, b))
    };
    // In order: a row for each order whose answer changed.
    let after = |line: u64, (order_id, p, a, b): (String, Prepared, Arc<Summary>, Arc<Summary>)| {
        if a.outcomes == b.outcomes
            && a.controls == b.controls
            && a.review_policy == b.review_policy
        {
            return Ok(None);
        }
        changed_rows.set(changed_rows.get() + 1);
        let changed: Vec<String> = a
            .outcomes
            .split(';')
            .zip(b.outcomes.split(';'))
            .filter(|(x, y)| x != y)
            .map(|(x, y)| format!("{x}→{}", y.split('=').nth(1).unwrap_or("")))
            .collect();
        let join = |v: std::collections::btree_set::Difference<'_, String>| {
            v.cloned().collect::<Vec<_>>().join(";")
        };
        Ok(Some(vec![
            line.to_string(),
            order_id,
            p.request.item.clone(),
            p.decision
                .destination
                .as_ref()
                .map(|d| d.code.clone())
                .unwrap_or_default(),
            "changed".into(),
            String::new(),
            a.overall.clone(),
            b.overall.clone(),
            changed.join(";"),
            join(b.rules.difference(&a.rules)),
            join(a.rules.difference(&b.rules)),
        ]))
    };
    let mut stats = book.run((IMPACT_COLUMNS.len(), 4), before, during, after)?;
    stats.changed += changed_rows.get();
    Ok(BookStats { warnings, ..stats })
}
