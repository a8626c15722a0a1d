//! What each command does: one file per command, each a thin shell that
//! reads its flags, calls the library and prints. [`run`] dispatches.

mod audit;
mod cases;
mod catalog;
mod check;
mod classify;
mod compare;
mod data;
mod demo;
mod dispositions;
mod golden;
mod history;
mod impact;
mod init;
mod inventory;
mod keys;
mod licences;
mod lists;
mod man;
mod owners;
mod packs;
mod products;
mod report;
mod rescreen;
mod rules;
mod screen;
mod serve;
mod ship;

/// What every command file uses.
mod prelude {
    pub(crate) use super::{
        decide_and_print, emit, files, item_arg, load, note_unrecorded, own_products, parse_date,
        parse_flag_date, rows_exit, write_or_print, Bar, Globals,
    };
    pub(crate) use crate::cli::*;
    pub(crate) use crate::{bad, bad_field, instance, parties, recording, render, screening};
    pub(crate) use anyhow::{bail, Context as _, Result};
    pub(crate) use chrono::NaiveDate;
    pub(crate) use exctl_app::books;
    pub(crate) use exctl_core::{Decision, Query};
    pub(crate) use exctl_data::{golden, Data, Files};
    pub(crate) use std::path::{Path, PathBuf};
    pub(crate) use std::process::ExitCode;
}

use prelude::*;

/// The options every command shares.
pub(crate) struct Globals {
    /// `--data`: a data root instead of the bundled copy.
    pub(crate) data: Option<PathBuf>,
    /// The instance: home, database, user.
    pub(crate) place: instance::Place,
}

/// Runs the command the line asked for.
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    let Cli {
        data,
        place,
        command,
    } = cli;
    let place: instance::Place = place.into();
    // Packs installed by `exctl packs update` are used unless --data names a folder.
    let data = match data {
        Some(d) => Some(d),
        None => exctl_app::packs::current(&place.dir())?,
    };
    let g = Globals { data, place };
    match command {
        Command::Classify(args) => classify::run(&g, args),
        Command::Check(args) => check::run(&g, args),
        Command::Init => init::run(&g),
        Command::Licences(args) => licences::run(&g, args),
        Command::Ship(args) => ship::run(&g, args),
        Command::History(args) => history::run(&g, args),
        Command::Dispositions(args) => dispositions::run(&g, args),
        Command::Cases(args) => cases::run(&g, args),
        Command::Report(args) => report::run(&g, args),
        Command::Rescreen(args) => rescreen::run(&g, args),
        Command::Audit(args) => audit::run(&g, args),
        Command::Impact(args) => impact::run(&g, args),
        Command::Inventory(args) => inventory::run(&g, args),
        Command::Catalog(args) => catalog::run(&g, args),
        Command::Products(args) => products::run(&g, args),
        Command::Compare(args) => compare::run(&g, args),
        Command::Rules(args) => rules::run(&g, args),
        Command::Screen(args) => screen::run(&g, args),
        Command::Lists(args) => lists::run(&g, args),
        Command::Owners(args) => owners::run(&g, args),
        Command::Demo => demo::run(&g),
        Command::Serve(args) => serve::run(&g, args),
        Command::Keys(args) => keys::run(&g, args),
        Command::Golden(args) => golden::run(&g, args),
        Command::Packs(args) => packs::run(&g, args),
        Command::Data(args) => data::run(&g, args),
        Command::Man(args) => man::run(args),
    }
}

/// The data files: a folder given with --data, else the bundled copy.
pub(crate) fn files(data: &Option<PathBuf>) -> Result<Files> {
    match data {
        Some(dir) => Files::from_dir(dir).map_err(|e| bad(e.to_string())),
        None => Ok(Files::bundled()),
    }
}

pub(crate) fn load(data: &Option<PathBuf>) -> Result<std::sync::Arc<Data>> {
    exctl_data::load(&files(data)?)
        .map(std::sync::Arc::new)
        .map_err(|e| bad(format!("invalid data: {e}")))
}

/// The instance's own products (every version), or none without an instance.
pub(crate) fn own_products(g: &Globals) -> Result<exctl_app::products::Products> {
    if !g.place.initialised() {
        return Ok(exctl_app::products::Products::none());
    }
    let rt = instance::runtime()?;
    let store = g.place.open_read(&rt)?;
    let products = rt.block_on(exctl_app::products::Products::load(&store))?;
    rt.block_on(store.close());
    Ok(products)
}

/// An item argument: an item file, a catalog name or one of the instance's
/// own products (`NAME`, `NAME@VERSION`), read as an order book's rows are.
pub(crate) fn item_arg(g: &Globals, data: &Data, arg: &str) -> Result<exctl_core::Item> {
    use exctl_app::products::{resolve_arg, Products};
    let file_or_catalog = arg.ends_with(".toml")
        || arg.ends_with(".json")
        || arg.contains('/')
        || arg.trim().to_lowercase().starts_with("catalog:");
    let products = if g.place.initialised() && !file_or_catalog {
        let rt = instance::runtime()?;
        let store = g.place.open_read(&rt)?;
        let p = rt.block_on(Products::for_item(&store, arg))?;
        rt.block_on(store.close());
        p
    } else {
        Products::none()
    };
    resolve_arg(data, &products, arg)
}

/// Writes a generated file (never over the snapshot it was made from, and
/// whole or not at all: a temporary file renamed into place), or prints it.
pub(crate) fn write_or_print(out: Option<PathBuf>, text: &str, input: &Path) -> Result<ExitCode> {
    match out {
        Some(p) => {
            exctl_app::paths::ensure_distinct(input, &p)?;
            exctl_app::paths::write_whole(&p, text.as_bytes())?;
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn parse_date(s: &Option<String>) -> Result<NaiveDate> {
    parse_flag_date("--as-of", s)
}

/// A `YYYY-MM-DD` option, today when absent; the error names the option.
pub(crate) fn parse_flag_date(flag: &str, s: &Option<String>) -> Result<NaiveDate> {
    match s {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| bad(format!("{flag} {s:?} is not a date (expected YYYY-MM-DD)"))),
    }
}

/// Prints JSON or text and reports success.
pub(crate) fn emit(
    json: bool,
    value: serde_json::Value,
    text: impl FnOnce() -> String,
) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", text());
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn decide_and_print(data: &Data, query: &Query<'_>, json: bool) -> Result<ExitCode> {
    data.engine
        .validate(query)
        .map_err(|e| bad(e.to_string()))?;
    let decision: Decision = data.engine.decide(query);
    if json {
        println!("{}", serde_json::to_string_pretty(&decision)?);
    } else {
        print!("{}", render::decision_text(&decision, query.explain));
    }
    if decision.determinations.is_empty() {
        bail!("no rule pack answered");
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status of a run over rows: 3 when some rows were in error.
/// Says on standard error that nothing was recorded because there is no
/// instance yet: a user who was promised a record must not assume one.
pub(crate) fn note_unrecorded(g: &Globals, no_record: bool) {
    if !no_record && !g.place.initialised() {
        eprintln!("not recorded: no exctl instance here yet (`exctl init` keeps a record of every check and screen)");
    }
}

pub(crate) fn rows_exit(errors: usize) -> ExitCode {
    if errors > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// A progress bar on standard error, for batches, books and rescreens.
pub(crate) struct Bar(indicatif::ProgressBar);

impl Bar {
    /// A bar counting `what` ("rows", "parties").
    pub(crate) fn new(what: &str) -> Bar {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {what} · {{per_sec}} · eta {{eta}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Bar(bar)
    }
}

impl exctl_app::Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
