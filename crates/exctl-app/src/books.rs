//! Whole order books: batch checks and impact analysis between two dates or
//! two rule-pack versions. Rows stream in and out; a bad row is reported in
//! its own line and the rest goes on.

use crate::recording::Recorder;
use crate::Progress;
use crate::{instance, licences, parties, recording};
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use exctl_core::licence::OnFile;
use exctl_core::parties::{Party, Role};
use exctl_core::{Decision, Engine, FactValue, Facts, Item, Query};
use exctl_data::Data;
use exctl_records::Recording;
use exctl_screen::Screener;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;

/// Output columns of `exctl check --input`.
pub const CHECK_COLUMNS: [&str; 18] = [
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

/// One order: what is shipped where, for what, as of when.
struct Order {
    id: String,
    item: String,
    to: String,
    end_use: Option<String>,
    as_of: Option<NaiveDate>,
    facts: Facts,
    /// Parties to screen (batch checks only; impact ignores them).
    parties: Vec<Party>,
    quantity: f64,
    value: f64,
    /// Key of everything but the date and the parties, for memoising decisions.
    key: String,
}

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

    fn order(&self, r: &csv::StringRecord, engine: &Engine) -> std::result::Result<Order, String> {
        if r.len() > self.width {
            return Err(format!(
                "the row has {} cells where the header has {} columns",
                r.len(),
                self.width
            ));
        }
        let countries = &engine.countries;
        let get = |c: Option<usize>| c.and_then(|i| r.get(i)).map(str::trim).unwrap_or("");
        let item = get(Some(self.item));
        if item.is_empty() {
            return Err("empty item".into());
        }
        let to = crate::check::country_code("to", get(Some(self.to)), countries)
            .map_err(|e| e.to_string())?;
        let as_of = match get(self.as_of) {
            "" => None,
            d => Some(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| format!("as_of {d:?} is not YYYY-MM-DD"))?,
            ),
        };
        let mut facts = Facts::default();
        let fact_text = get(self.facts);
        let stated = crate::parse_facts(
            fact_text
                .split(';')
                .map(str::trim)
                .filter(|f| !f.is_empty()),
        )
        .map_err(|e| e.to_string())?;
        for (k, v) in stated {
            facts.set(&k, v);
        }
        let hq = crate::end_user_hq(Some(get(self.hq)), facts.get("end_user_hq"))
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        let hq = if hq.is_empty() {
            hq
        } else {
            crate::check::country_code("end_user_hq", &hq, countries).map_err(|e| e.to_string())?
        };
        if !hq.is_empty() {
            facts.set("end_user_hq", FactValue::Str(hq.clone()));
        }
        engine.coerce_facts(&mut facts);
        let end_use = crate::normalize_end_use(Some(get(self.end_use)));
        let key = format!(
            "{item}\u{1}{to}\u{1}{}\u{1}{hq}\u{1}{fact_text}",
            end_use.as_deref().unwrap_or("")
        );
        let mut parties = Vec::new();
        for (col, role) in [
            (self.end_user, Role::EndUser),
            (self.consignee, Role::Consignee),
            (self.intermediates, Role::Intermediate),
        ] {
            let cell = get(col);
            let specs: Vec<&str> = if role == Role::Intermediate {
                cell.split('|')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect()
            } else {
                Some(cell).filter(|c| !c.is_empty()).into_iter().collect()
            };
            for spec in specs {
                let mut party = Party::parse(role, spec)
                    .map_err(|e| format!("column `{}` {spec:?}: {e}", col_name(role)))?;
                if let Some(c) = &party.country {
                    party.country = Some(
                        crate::check::country_code(col_name(role), c, countries)
                            .map_err(|e| e.to_string())?,
                    );
                }
                parties.push(party);
            }
        }
        let amount = |c: Option<usize>, name: &str| match get(c) {
            "" => Ok(0.0),
            v => match v.parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 => Ok(n),
                _ => Err(format!("{name} {v:?} is not a number of zero or more")),
            },
        };
        Ok(Order {
            id: get(self.id).to_string(),
            item: item.to_string(),
            to,
            end_use,
            as_of,
            facts,
            parties,
            quantity: amount(self.quantity, "quantity")?,
            value: amount(self.value, "value")?,
            key,
        })
    }
}

fn col_name(role: Role) -> &'static str {
    match role {
        Role::Intermediate => "intermediates",
        r => r.as_str(),
    }
}

/// A memoised decision and its summary.
type Decided = (Rc<Decision>, Rc<Summary>);

/// Decides orders, memoising items and decisions: an order book repeats the
/// same item, destination and end use many times.
struct Decider<'d> {
    data: &'d Data,
    engine: &'d Engine,
    items: HashMap<String, Rc<Item>>,
    /// Decisions by order key, then by date.
    decisions: HashMap<String, Vec<(NaiveDate, Decided)>>,
}

impl<'d> Decider<'d> {
    fn new(data: &'d Data, engine: &'d Engine) -> Decider<'d> {
        Decider {
            data,
            engine,
            items: HashMap::new(),
            decisions: HashMap::new(),
        }
    }

    fn decide(&mut self, o: &Order, date: NaiveDate) -> std::result::Result<Rc<Summary>, String> {
        Ok(self.decide_full(o, date)?.1)
    }

    /// The decision of an order before its parties and licences, and its summary.
    fn decide_full(&mut self, o: &Order, date: NaiveDate) -> std::result::Result<Decided, String> {
        if let Some((_, s)) = self
            .decisions
            .get(&o.key)
            .and_then(|v| v.iter().find(|(d, _)| *d == date))
        {
            return Ok(s.clone());
        }
        let item = match self.items.get(&o.item) {
            Some(i) => i.clone(),
            None => {
                let i = Rc::new(self.data.item(&o.item).map_err(|e| e.to_string())?);
                self.items.insert(o.item.clone(), i.clone());
                i
            }
        };
        let q = Query {
            item: &item,
            as_of: date,
            destination: Some(o.to.clone()),
            end_use: o.end_use.clone(),
            facts: o.facts.clone(),
            jurisdictions: Vec::new(),
            explain: false,
        };
        self.engine.validate(&q).map_err(|e| e.to_string())?;
        let d = self.engine.decide(&q);
        let s = (Rc::new(d.clone()), Rc::new(summarise(&d)));
        if self.decisions.len() > 200_000 {
            self.decisions.clear();
        }
        self.decisions
            .entry(o.key.clone())
            .or_default()
            .push((date, s.clone()));
        Ok(s)
    }
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
                changed: 0,
            },
        })
    }

    /// Runs `answer` on every order. It returns the output row, or `None`
    /// to write nothing; a row that cannot be read or answered becomes an
    /// error row of `width` columns with `error_at` the status column.
    fn run(
        mut self,
        engine: &Engine,
        width: usize,
        error_at: usize,
        mut answer: impl FnMut(
            u64,
            Order,
            &mut BookStats,
        ) -> std::result::Result<Option<Vec<String>>, String>,
    ) -> Result<BookStats> {
        for rec in self.rows.records() {
            self.progress.advance(1);
            self.stats.rows += 1;
            let (line, raw, result) = match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line());
                    let stats = &mut self.stats;
                    (
                        line,
                        self.cols.raw(&r),
                        self.cols
                            .order(&r, engine)
                            .and_then(|o| answer(line, o, stats)),
                    )
                }
                Err(e) => (
                    e.position().map_or(0, |p| p.line()),
                    Default::default(),
                    Err(e.to_string()),
                ),
            };
            match result {
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
        self.progress.finish();
        self.out.flush()?;
        Ok(self.stats)
    }
}

/// Counts of a book run.
pub struct BookStats {
    pub rows: usize,
    pub errors: usize,
    /// For impact: rows whose outcome changed.
    pub changed: usize,
}

/// What a batch check screens parties against and records into.
pub struct BookContext<'a> {
    /// Builds the party screener; called only when the book has party columns.
    pub screener: Box<dyn FnOnce() -> Result<Screener> + 'a>,
    /// Records every row (and applies the licences on file) when present.
    pub recorder: Option<Recorder>,
}

/// `exctl check --input orders.csv --output results.csv`.
pub fn check_book(
    data: &Data,
    input: &Path,
    output: &Path,
    default_date: NaiveDate,
    ctx: BookContext<'_>,
    progress: &dyn Progress,
) -> Result<BookStats> {
    let book = Book::open(input, output, &CHECK_COLUMNS, progress)?;
    let screener = if book.cols.has_parties() {
        Some((ctx.screener)()?)
    } else {
        None
    };
    let list_version = screener.as_ref().map(|s| s.version().hash.clone());
    let mut recorder = ctx.recorder;
    let licences: Vec<OnFile> = match &recorder {
        Some(r) => {
            let (rt, store) = r.store();
            licences::licences_on_file(
                rt.block_on(store.licences(None))
                    .map_err(instance::store_error)?,
            )
        }
        None => Vec::new(),
    };
    let mut decider = Decider::new(data, &data.engine);
    let mut fatal: Option<anyhow::Error> = None;
    let stats = book.run(&data.engine, CHECK_COLUMNS.len(), 5, |line, o, _| {
        if fatal.is_some() {
            return Err("not checked: the records failed (see the error)".into());
        }
        let row_key = Recorder::row_key(line, &o.id);
        if let Some(r) = recorder.as_mut() {
            r.claim("check", &row_key)?;
        }
        let date = o.as_of.unwrap_or(default_date);
        let (base, base_summary) = decider.decide_full(&o, date)?;
        let completes = !o.parties.is_empty() || !licences.is_empty();
        let mut party_cells = String::new();
        let mut licence_cells = String::new();
        let mut screened = Vec::new();
        let (decision, s) = if completes {
            let mut d = (*base).clone();
            let found = match (&screener, o.parties.is_empty()) {
                (Some(scr), false) => {
                    match parties::screen_parties(
                        scr,
                        &o.parties,
                        recorder.as_ref().map(Recorder::store),
                    ) {
                        Ok(f) => Some(f),
                        Err(e) => {
                            fatal = Some(e);
                            return Err("not checked: the records failed (see the error)".into());
                        }
                    }
                }
                _ => None,
            };
            let hits = found.as_ref().map(|f| f.hits.as_slice()).unwrap_or(&[]);
            let end_user = o
                .parties
                .iter()
                .find(|p| p.role == Role::EndUser)
                .map(|p| p.name.as_str());
            parties::complete(
                &mut d,
                if o.parties.is_empty() {
                    &[]
                } else {
                    &data.parties
                },
                hits,
                &o.facts,
                &licences,
                end_user,
                o.quantity,
                o.value,
            );
            party_cells = hits
                .iter()
                .map(|h| format!("{}:{}:{}", h.role.as_str(), h.list, h.entry_id))
                .collect::<Vec<_>>()
                .join(";");
            licence_cells = d
                .determinations
                .iter()
                .filter_map(|det| {
                    det.licence
                        .as_ref()
                        .map(|l| format!("{}:{}", det.jurisdiction, l.number))
                })
                .collect::<Vec<_>>()
                .join(";");
            if let Some(f) = found {
                screened = f.screened;
            }
            let s = Rc::new(summarise(&d));
            (Rc::new(d), s)
        } else {
            (base, base_summary)
        };
        let row = vec![
            line.to_string(),
            o.id.clone(),
            o.item.clone(),
            o.to.clone(),
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
        ];
        if let Some(r) = recorder.as_mut() {
            // An order with an id is the same order on any line: its line is
            // left out, so that a reordered book is not a new decision.
            let line_of_record = o.id.trim().is_empty().then_some(line);
            let input = serde_json::json!({
                "line": line_of_record,
                "id": o.id,
                "item": o.item,
                "to": o.to,
                "end_use": o.end_use,
                "as_of": date,
                "facts": o
                    .facts
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::from(v.to_string())))
                    .collect::<serde_json::Map<_, _>>(),
                "parties": o.parties,
                "quantity": o.quantity,
                "value": o.value,
            });
            let decision = recording::new_check(
                r.line("check", &row_key),
                &decision,
                input,
                &o.parties,
                list_version.clone(),
            );
            if let Err(e) = r.push(
                "check",
                &row_key,
                Recording {
                    decision,
                    parties: screened,
                    actor: None,
                },
            ) {
                fatal = Some(e);
            }
        }
        Ok(Some(row))
    })?;
    if let Some(e) = fatal {
        return Err(e);
    }
    if let Some(r) = recorder {
        r.finish()?;
    }
    Ok(stats)
}

/// `exctl impact`: every row whose answer differs between the `from` and
/// `to` sides (two dates, or two rule-pack versions at one date).
pub fn impact(
    old: (&Data, NaiveDate),
    new: (&Data, NaiveDate),
    input: &Path,
    output: &Path,
    progress: &dyn Progress,
) -> Result<BookStats> {
    let book = Book::open(input, output, &IMPACT_COLUMNS, progress)?;
    let mut before = Decider::new(old.0, &old.0.engine);
    let mut after = Decider::new(new.0, &new.0.engine);
    book.run(&new.0.engine, IMPACT_COLUMNS.len(), 4, |line, o, stats| {
        let a = before.decide(&o, old.1)?;
        let b = after.decide(&o, new.1)?;
        if a.outcomes == b.outcomes
            && a.controls == b.controls
            && a.review_policy == b.review_policy
        {
            return Ok(None);
        }
        stats.changed += 1;
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
            o.id,
            o.item,
            o.to,
            "changed".into(),
            String::new(),
            a.overall.clone(),
            b.overall.clone(),
            changed.join(";"),
            join(b.rules.difference(&a.rules)),
            join(a.rules.difference(&b.rules)),
        ]))
    })
}
