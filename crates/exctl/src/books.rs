//! Whole order books: batch checks and impact analysis between two dates or
//! two rule-pack versions. Rows stream in and out; a bad row is reported in
//! its own line and the rest goes on.

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use exctl_core::{Decision, Engine, FactValue, Facts, Item, Query};
use exctl_data::Data;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;

/// Output columns of `exctl check --input`.
pub const CHECK_COLUMNS: [&str; 13] = [
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
    /// Key of everything but the date, for memoising decisions.
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
}

fn summarise(d: &Decision) -> Summary {
    let mut outcomes = Vec::new();
    let mut controls = Vec::new();
    let mut policies = Vec::new();
    let mut questions = Vec::new();
    let mut rules = BTreeSet::new();
    for det in &d.determinations {
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
    }
}

/// Reads the orders CSV header: `item` and `to` required; `id`, `end_use`,
/// `as_of`, `end_user_hq` and `facts` (`name=value;…`) optional.
struct Columns {
    item: usize,
    to: usize,
    id: Option<usize>,
    end_use: Option<usize>,
    as_of: Option<usize>,
    hq: Option<usize>,
    facts: Option<usize>,
}

impl Columns {
    fn from(headers: &csv::StringRecord, file: &str) -> Result<Columns> {
        let idx = |n: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        };
        let need = |n: &str| {
            idx(n).ok_or_else(|| crate::bad(format!("{file}: header has no `{n}` column")))
        };
        Ok(Columns {
            item: need("item")?,
            to: need("to")?,
            id: idx("id"),
            end_use: idx("end_use"),
            as_of: idx("as_of"),
            hq: idx("end_user_hq"),
            facts: idx("facts"),
        })
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
        let countries = &engine.countries;
        let get = |c: Option<usize>| c.and_then(|i| r.get(i)).map(str::trim).unwrap_or("");
        let item = get(Some(self.item));
        if item.is_empty() {
            return Err("empty item".into());
        }
        let to = get(Some(self.to)).to_ascii_uppercase();
        if countries.get(&to).is_none() {
            return Err(format!("unknown country code {to:?}"));
        }
        let as_of = match get(self.as_of) {
            "" => None,
            d => Some(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| format!("as_of {d:?} is not YYYY-MM-DD"))?,
            ),
        };
        let mut facts = Facts::default();
        let hq = get(self.hq).to_ascii_uppercase();
        if !hq.is_empty() {
            if countries.get(&hq).is_none() {
                return Err(format!("unknown end_user_hq {hq:?}"));
            }
            facts.set("end_user_hq", FactValue::Str(hq.clone()));
        }
        let fact_text = get(self.facts);
        for f in fact_text
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            let (k, v) = crate::parse_fact(f).map_err(|e| e.to_string())?;
            facts.set(&k, v);
        }
        engine.coerce_facts(&mut facts);
        let end_use = Some(get(self.end_use))
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let key = format!(
            "{item}\u{1}{to}\u{1}{}\u{1}{hq}\u{1}{fact_text}",
            end_use.as_deref().unwrap_or("")
        );
        Ok(Order {
            id: get(self.id).to_string(),
            item: item.to_string(),
            to,
            end_use,
            as_of,
            facts,
            key,
        })
    }
}

/// Decides orders, memoising items and decisions: an order book repeats the
/// same item, destination and end use many times.
struct Decider<'d> {
    data: &'d Data,
    engine: &'d Engine,
    items: HashMap<String, Rc<Item>>,
    decisions: HashMap<(String, NaiveDate), Rc<Summary>>,
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
        if let Some(s) = self.decisions.get(&(o.key.clone(), date)) {
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
        let s = Rc::new(summarise(&self.engine.decide(&q)));
        if self.decisions.len() > 200_000 {
            self.decisions.clear();
        }
        self.decisions.insert((o.key.clone(), date), s.clone());
        Ok(s)
    }
}

fn reader(input: &Path) -> Result<(csv::Reader<std::fs::File>, u64)> {
    let rows = std::fs::read(input)
        .with_context(|| format!("reading {}", input.display()))?
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64;
    let rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .with_context(|| format!("reading {}", input.display()))?;
    Ok((rdr, rows.saturating_sub(1)))
}

fn progress(n: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(n);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} rows · {per_sec} · eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

type Book = (
    csv::Reader<std::fs::File>,
    Columns,
    csv::Writer<std::fs::File>,
    indicatif::ProgressBar,
);

/// Opens the input book, reads its header, and starts the output with `columns`.
fn open_book(input: &Path, output: &Path, columns: &[&str]) -> Result<Book> {
    let (mut rdr, n) = reader(input)?;
    let cols = Columns::from(&rdr.headers()?.clone(), &input.display().to_string())?;
    let mut w =
        csv::Writer::from_path(output).with_context(|| format!("creating {}", output.display()))?;
    w.write_record(columns)?;
    Ok((rdr, cols, w, progress(n)))
}

/// Counts of a book run.
pub struct BookStats {
    pub rows: usize,
    pub errors: usize,
    /// For impact: rows whose outcome changed.
    pub changed: usize,
}

/// `exctl check --input orders.csv --output results.csv`.
pub fn check_book(
    data: &Data,
    input: &Path,
    output: &Path,
    default_date: NaiveDate,
) -> Result<BookStats> {
    let (mut rdr, cols, mut w, bar) = open_book(input, output, &CHECK_COLUMNS)?;
    let mut decider = Decider::new(data, &data.engine);
    let mut stats = BookStats {
        rows: 0,
        errors: 0,
        changed: 0,
    };
    for rec in rdr.records() {
        bar.inc(1);
        stats.rows += 1;
        let (line, raw, result) = match rec {
            Ok(r) => (
                r.position().map_or(0, |p| p.line()),
                cols.raw(&r),
                cols.order(&r, &data.engine).and_then(|o| {
                    let date = o.as_of.unwrap_or(default_date);
                    decider.decide(&o, date).map(|s| (o, date, s))
                }),
            ),
            Err(e) => (
                e.position().map_or(0, |p| p.line()),
                Default::default(),
                Err(e.to_string()),
            ),
        };
        match result {
            Ok((o, date, s)) => w.write_record([
                &line.to_string(),
                &o.id,
                &o.item,
                &o.to,
                &date.to_string(),
                "ok",
                "",
                &s.overall,
                &s.outcomes,
                &s.controls,
                &s.review_policy,
                &s.questions,
                &s.rules.iter().cloned().collect::<Vec<_>>().join(";"),
            ])?,
            Err(msg) => {
                stats.errors += 1;
                let [id, item, to] = raw;
                let mut row = vec![
                    line.to_string(),
                    id,
                    item,
                    to,
                    String::new(),
                    "error".into(),
                    msg,
                ];
                row.resize(CHECK_COLUMNS.len(), String::new());
                w.write_record(&row)?;
            }
        }
    }
    bar.finish_and_clear();
    w.flush()?;
    Ok(stats)
}

/// `exctl impact`: every row whose answer differs between the `from` and
/// `to` sides (two dates, or two rule-pack versions at one date).
pub fn impact(
    old: (&Data, NaiveDate),
    new: (&Data, NaiveDate),
    input: &Path,
    output: &Path,
) -> Result<BookStats> {
    let (mut rdr, cols, mut w, bar) = open_book(input, output, &IMPACT_COLUMNS)?;
    let mut before = Decider::new(old.0, &old.0.engine);
    let mut after = Decider::new(new.0, &new.0.engine);
    let mut stats = BookStats {
        rows: 0,
        errors: 0,
        changed: 0,
    };
    for rec in rdr.records() {
        bar.inc(1);
        stats.rows += 1;
        let (line, raw, result) = match rec {
            Ok(r) => (
                r.position().map_or(0, |p| p.line()),
                cols.raw(&r),
                cols.order(&r, &new.0.engine).and_then(|o| {
                    let a = before.decide(&o, old.1)?;
                    let b = after.decide(&o, new.1)?;
                    Ok((o, a, b))
                }),
            ),
            Err(e) => (
                e.position().map_or(0, |p| p.line()),
                Default::default(),
                Err(e.to_string()),
            ),
        };
        match result {
            Ok((o, a, b)) => {
                if a.outcomes == b.outcomes
                    && a.controls == b.controls
                    && a.review_policy == b.review_policy
                {
                    continue;
                }
                stats.changed += 1;
                let changed: Vec<String> = a
                    .outcomes
                    .split(';')
                    .zip(b.outcomes.split(';'))
                    .filter(|(x, y)| x != y)
                    .map(|(x, y)| format!("{x}→{}", y.split('=').nth(1).unwrap_or("")))
                    .collect();
                let added: Vec<&String> = b.rules.difference(&a.rules).collect();
                let removed: Vec<&String> = a.rules.difference(&b.rules).collect();
                let join = |v: Vec<&String>| v.into_iter().cloned().collect::<Vec<_>>().join(";");
                w.write_record([
                    &line.to_string(),
                    &o.id,
                    &o.item,
                    &o.to,
                    "changed",
                    "",
                    &a.overall,
                    &b.overall,
                    &changed.join(";"),
                    &join(added),
                    &join(removed),
                ])?;
            }
            Err(msg) => {
                stats.errors += 1;
                let [id, item, to] = raw;
                let mut row = vec![line.to_string(), id, item, to, "error".into(), msg];
                row.resize(IMPACT_COLUMNS.len(), String::new());
                w.write_record(&row)?;
            }
        }
    }
    bar.finish_and_clear();
    w.flush()?;
    Ok(stats)
}

impl BookStats {
    /// Exit status: 3 when some rows were in error, else success.
    pub fn exit_code(&self) -> std::process::ExitCode {
        if self.errors > 0 {
            std::process::ExitCode::from(3)
        } else {
            std::process::ExitCode::SUCCESS
        }
    }
}
