//! exctl: export-control classification and licence determination.
//!
//! A thin shell over `exctl-core` (decisions) and `exctl-data` (files):
//! parse arguments, load data, call the engine, print.

mod books;
mod inventory;
mod render;

use anyhow::{bail, Context as _, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use exctl_core::{Decision, FactValue, Query};
use exctl_data::{golden, Data, Files};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "exctl",
    version,
    about = "Export-control compliance engine: classify items, check shipments, as of any date, with cited reasons."
)]
struct Cli {
    /// Data root with packs/ and catalog/ to use instead of the bundled copy
    /// (also EXCTL_DATA).
    #[arg(long, global = true, env = "EXCTL_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    #[command(flatten)]
    place: records::Place,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Common {
    /// Date the rules are applied as of (YYYY-MM-DD); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Jurisdiction (rule pack) to answer for; repeat for several; default all.
    #[arg(long = "jurisdiction", short = 'j', value_name = "J")]
    jurisdictions: Vec<String>,
    /// Print JSON (the documented, stable shape).
    #[arg(long)]
    json: bool,
    /// Also list the rules that did not apply, and why.
    #[arg(long)]
    explain: bool,
}

// One value per run: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Classify an item (catalog name or item file) under every pack.
    Classify {
        /// Catalog name ("h100", "MI300X") or a .toml/.json item file.
        item: String,
        #[command(flatten)]
        common: Common,
    },
    /// Determine whether a shipment needs a licence, per jurisdiction and overall.
    Check {
        /// Catalog name or item file.
        #[arg(long, required_unless_present = "input")]
        item: Option<String>,
        /// Destination, ISO 3166 alpha-2 (e.g. CN, HK, MO, DE).
        #[arg(long, value_name = "CC", required_unless_present = "input")]
        to: Option<String>,
        /// Batch: orders CSV (`item`, `to`; optional `id`, `end_use`, `as_of`, `end_user_hq`, `facts`,
        /// `end_user`, `consignee`, `intermediates` (`|`-separated), `quantity`, `value`).
        #[arg(long, value_name = "CSV", requires = "output", conflicts_with_all = ["item", "to"])]
        input: Option<PathBuf>,
        /// Batch: where to write the results CSV.
        #[arg(long, value_name = "CSV", requires = "input")]
        output: Option<PathBuf>,
        /// End use, one of: civil, supercomputer, advanced-node-ic, military, wmd, nuclear,
        /// chemical-biological, missile, 6g-standards (anything else is refused).
        #[arg(long, value_name = "END_USE")]
        end_use: Option<String>,
        /// Free text about the end use, recorded with the check; no rule reads it.
        #[arg(long, value_name = "TEXT")]
        end_use_note: Option<String>,
        /// Country where the end user (or its ultimate parent) is headquartered.
        #[arg(long, value_name = "CC")]
        end_user_hq: Option<String>,
        /// A transaction fact a rule asked for, NAME=VALUE (repeatable).
        #[arg(long = "fact", value_name = "NAME=VALUE")]
        facts: Vec<String>,
        /// Deemed export: release of technology to a foreign national at home;
        /// --to is the person's nationality.
        #[arg(long)]
        deemed: bool,
        /// The end user, screened: NAME[;country=CC][;owner=NAME:PERCENT]...
        #[arg(long, value_name = "PARTY")]
        end_user: Option<String>,
        /// The consignee, screened (same form as --end-user).
        #[arg(long, value_name = "PARTY")]
        consignee: Option<String>,
        /// An intermediate party, screened (repeatable).
        #[arg(long, value_name = "PARTY")]
        intermediate: Vec<String>,
        /// Units shipped, checked against licence balances.
        #[arg(long, value_name = "N")]
        quantity: Option<f64>,
        /// Value shipped (licence currency), checked against licence balances.
        #[arg(long, value_name = "AMOUNT")]
        value: Option<f64>,
        /// Record the shipment under this reference, drawing down the licence that authorises it.
        #[arg(long, value_name = "REF")]
        ship: Option<String>,
        /// Lists to screen parties against instead of the configured ones (repeatable; `demo`).
        #[arg(long = "list", value_name = "FILE")]
        lists: Vec<String>,
        /// Folder of configured lists (also EXCTL_LISTS).
        #[arg(long, value_name = "DIR")]
        lists_dir: Option<PathBuf>,
        /// Do not record this check (it is recorded once `exctl init` has run).
        #[arg(long)]
        no_record: bool,
        /// Batch: an id that makes a rerun of the same orders a resume (default: the file's hash and date).
        #[arg(long, value_name = "ID", requires = "input")]
        batch_id: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Create this instance's ML-DSA-65 key pair and records database.
    Init,
    /// Licences on file.
    Licences {
        #[command(subcommand)]
        command: LicencesCommand,
    },
    /// Record a shipment against a licence, drawing it down.
    Ship {
        /// JURISDICTION:NUMBER, e.g. us:D123456.
        #[arg(long, value_name = "J:NUMBER")]
        licence: String,
        /// Your shipment reference; recorded once.
        #[arg(long, value_name = "REF")]
        reference: String,
        #[arg(long, default_value_t = 0.0)]
        quantity: f64,
        #[arg(long, default_value_t = 0.0)]
        value: f64,
        /// Shipping date (default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
    /// Recorded checks and screens.
    History {
        /// check or screen.
        #[arg(long)]
        kind: Option<String>,
        /// Part of a party's name.
        #[arg(long)]
        party: Option<String>,
        /// Part of an item id.
        #[arg(long)]
        item: Option<String>,
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// Records per page, newest first.
        #[arg(long, default_value_t = 200)]
        limit: i64,
        /// Only records older than this id: the next page, as the last one said.
        #[arg(long, value_name = "ID")]
        before: Option<i64>,
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
    },
    /// Clear screening hits as false positives, and list clearances.
    Dispositions {
        #[command(subcommand)]
        command: DispositionsCommand,
    },
    /// Screen every recorded party against the current lists; report material changes.
    Rescreen {
        #[arg(long = "list", value_name = "FILE")]
        lists: Vec<String>,
        #[arg(long, value_name = "DIR")]
        lists_dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Verify or export the signed audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Which orders change their answer between two dates or two rule-pack versions.
    Impact {
        /// Orders CSV, as for `check --input`.
        #[arg(long, value_name = "CSV")]
        input: PathBuf,
        /// Where to write the changed rows.
        #[arg(long, value_name = "CSV")]
        output: PathBuf,
        /// The earlier date (default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// The later date (default: the same as --from).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// Data root of the earlier rule-pack version (default: the same data).
        #[arg(long, value_name = "DIR")]
        old_data: Option<PathBuf>,
    },
    /// Classify the GPUs this machine has (NVML), or those in nvidia-smi -q -x reports.
    Inventory {
        /// An `nvidia-smi -q -x` report, or a folder of them (a fleet).
        #[arg(long, value_name = "PATH")]
        from: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// List the catalog with TPP, performance density and H100-equivalents.
    Catalog {
        #[arg(long)]
        json: bool,
    },
    /// Show items side by side with their ratios to the first.
    Compare {
        /// Two or more catalog names or item files.
        #[arg(required = true, num_args = 2..)]
        items: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// List the rules in force (or noted) on a date, with citations.
    Rules {
        #[command(flatten)]
        common: Common,
        /// Only the rules that do not rest on the law's own text (secondary
        /// or reported sources, or no quotation), with what is missing.
        #[arg(long)]
        quality: bool,
    },
    /// Screen a party (or a CSV of parties) against restricted-party lists.
    Screen {
        /// Name to screen, in any script.
        name: Option<String>,
        /// Country of the party (ISO alpha-2); agreement raises, disagreement lowers the score.
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// Party type: entity, individual, vessel or aircraft.
        #[arg(long = "type", value_name = "TYPE")]
        entity_type: Option<String>,
        /// Date of birth (YYYY, YYYY-MM or YYYY-MM-DD): a birth year more than a year from the list's lowers the score.
        #[arg(long, value_name = "DATE")]
        dob: Option<String>,
        /// Identifier KIND:NUMBER (passport, national-id, tax-id, registration, uscc, lei, imo,
        /// swift, vat; repeatable): an equal number on the list is decisive.
        #[arg(long = "id", value_name = "KIND:NUMBER")]
        ids: Vec<String>,
        /// List to screen against instead of the configured ones: a file, FORMAT:PATH,
        /// an OFAC folder, or `demo` (repeatable).
        #[arg(long = "list", value_name = "FILE")]
        lists: Vec<String>,
        /// Most matches to report per party.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Alert threshold in [0, 1].
        #[arg(long, default_value_t = exctl_screen::DEFAULT_THRESHOLD)]
        threshold: f64,
        #[arg(long)]
        json: bool,
        /// Batch: CSV of parties (`name`, optional `country`, `type`, `id`).
        #[arg(long, value_name = "CSV", requires = "output")]
        input: Option<PathBuf>,
        /// Batch: where to write the hits CSV.
        #[arg(long, value_name = "CSV", requires = "input")]
        output: Option<PathBuf>,
        /// Folder of configured lists (also EXCTL_LISTS).
        #[arg(long, value_name = "DIR")]
        lists_dir: Option<PathBuf>,
        /// Do not record this screen (it is recorded once `exctl init` has run).
        #[arg(long)]
        no_record: bool,
        /// Batch: an id that makes a rerun of the same parties a resume (default: the file's hash and date).
        #[arg(long, value_name = "ID", requires = "input")]
        batch_id: Option<String>,
    },
    /// Manage the configured restricted-party lists.
    Lists {
        #[command(subcommand)]
        command: ListsCommand,
        /// Folder of configured lists (also EXCTL_LISTS).
        #[arg(long, global = true, value_name = "DIR")]
        lists_dir: Option<PathBuf>,
    },
    /// A short tour: the design-arounds and rule changes that shaped the field.
    Demo,
    /// Serve the HTTP API and the web UI (records on SQLite unless --db).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
        addr: std::net::SocketAddr,
        /// Lists to screen against instead of the configured ones (repeatable; `demo`).
        #[arg(long = "list", value_name = "FILE")]
        lists: Vec<String>,
        /// Folder of configured lists (also EXCTL_LISTS).
        #[arg(long, value_name = "DIR")]
        lists_dir: Option<PathBuf>,
        /// PEM certificate chain: serve HTTPS (X25519MLKEM768 offered first).
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of --tls-cert.
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// URL that receives rescreen alerts and licence events (repeatable).
        #[arg(long = "webhook", value_name = "URL")]
        webhooks: Vec<String>,
        /// First webhook retry delay in milliseconds; it doubles each retry.
        #[arg(long, default_value_t = 1000, value_name = "MS")]
        webhook_backoff_ms: u64,
        /// Attempts per webhook delivery.
        #[arg(long, default_value_t = 8, value_name = "N")]
        webhook_attempts: u32,
        /// PEM CA certificates that HTTPS webhook receivers must chain to
        /// (default: the public web roots).
        #[arg(long, value_name = "PEM")]
        webhook_ca: Option<PathBuf>,
        /// Largest request body, in bytes.
        #[arg(long, default_value_t = exctl_server::DEFAULT_BODY_LIMIT, value_name = "BYTES")]
        body_limit: usize,
        /// Longest a request may take, in seconds.
        #[arg(long, default_value_t = 30, value_name = "S")]
        timeout_s: u64,
        /// Reload the lists every S seconds (they are swapped in atomically).
        #[arg(long, value_name = "S")]
        refresh_every_s: Option<u64>,
        /// Sign a checkpoint of the audit trail's head every S seconds when it moved, into
        /// HOME/checkpoints and to the webhooks as `audit.checkpoint` (0: only on request).
        #[arg(long, value_name = "S", default_value_t = 60)]
        checkpoint_every_s: u64,
        /// Refuse a list refresh that lost more than this percentage of the entries, in all
        /// or of one source (`POST /api/v1/lists/refresh?force=true` accepts it).
        #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
        max_list_loss: f64,
        /// Log JSON lines instead of text.
        #[arg(long)]
        log_json: bool,
    },
    /// API keys for the server: create, list, revoke.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Validate the data and run every pack's golden cases.
    Golden {
        #[arg(long = "jurisdiction", short = 'j')]
        jurisdictions: Vec<String>,
    },
    /// Maintain the data files.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
}

#[derive(Subcommand)]
enum ListsCommand {
    /// Show the configured lists with their versions.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Download the official Consolidated Screening List and swap it in atomically.
    Fetch {
        /// Where to download from.
        #[arg(long, default_value = screening::CSL_URL)]
        url: String,
        #[command(flatten)]
        loss: LossArgs,
    },
    /// Check a list file (or OFAC folder) parses, then add it to the configured lists.
    Add {
        path: PathBuf,
        /// Format when it cannot be recognised: csl-csv, csl-json, ofac, un-xml, dpl, ftm, csv.
        #[arg(long)]
        format: Option<String>,
        #[command(flatten)]
        loss: LossArgs,
    },
    /// Remove a configured list by file name.
    Remove { name: String },
    /// Publish a signed denied-party feed (the accord's mutual enforcement).
    Publish {
        /// CSV of violators: name, optional aliases (";"), country, note.
        #[arg(long, value_name = "CSV")]
        input: PathBuf,
        /// The publishing authority, e.g. "BIS" or "MOTIE".
        #[arg(long)]
        authority: String,
        /// The feed to write; its signature goes beside it as FEED.sig.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import a signed denied-party feed after checking its signature.
    Import {
        feed: PathBuf,
        /// The publisher's public key file (their audit-public-key.txt).
        #[arg(long = "public-key", value_name = "FILE")]
        public_key: PathBuf,
        #[command(flatten)]
        loss: LossArgs,
    },
}

/// How much a list that replaces another may lose before it is refused.
#[derive(clap::Args)]
struct LossArgs {
    /// Refuse a replacement that has lost more than this percentage of the entries it
    /// replaces, in all or in one source (a cut download, a truncated file).
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    max_list_loss: f64,
    /// Accept the replacement however many entries it lost.
    #[arg(long)]
    force: bool,
}

impl LossArgs {
    fn guard(&self) -> Result<screening::LossGuard> {
        screening::LossGuard::from_percent(self.max_list_loss, self.force)
    }
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key; its token is printed once.
    Create {
        /// viewer (reads), officer (decisions, dispositions) or admin (keys, licences, lists).
        #[arg(long)]
        role: String,
        /// Who or what uses the key.
        #[arg(long)]
        name: String,
    },
    /// List the keys (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by its id.
    Revoke { key_id: String },
}

#[derive(Subcommand)]
enum LicencesCommand {
    /// Register a licence from a TOML or JSON file.
    Add { file: PathBuf },
    /// List licences with their balances.
    List {
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DispositionsCommand {
    /// Clear a recorded hit as a false positive.
    Clear {
        /// The party as screened.
        #[arg(long)]
        party: String,
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// List code of the hit, e.g. EL.
        #[arg(long)]
        list: String,
        /// Entry id of the hit.
        #[arg(long)]
        entry: String,
        #[arg(long)]
        reason: String,
    },
    /// List every disposition.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole chain, every signature and every record.
    Verify {
        /// Accept only this public key (repeatable), e.g. audit-public-key.txt.
        #[arg(long = "public-key", value_name = "FILE")]
        public_keys: Vec<PathBuf>,
        /// A checkpoint file, or a folder of them (repeatable): the trail must
        /// still hold each checkpointed entry with its hash. Without one, a
        /// rollback of the newest transactions cannot be detected.
        #[arg(long = "checkpoint", value_name = "FILE|DIR")]
        checkpoints: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Sign a checkpoint of the trail's head (entry count and hash) to keep
    /// outside the database.
    Checkpoint {
        /// Where to write it (default: a new file in HOME/checkpoints).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write a reviewable bundle (JSON, CSV, public keys) of a date range.
    Export {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// Folder to write the bundle into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

// Every data command imports a published snapshot; the CLI spells them import-*.
#[allow(clippy::enum_variant_names)]
#[derive(Subcommand)]
enum DataCommand {
    /// Convert Epoch AI's notable-models CSV into catalog/models-epoch.toml.
    ImportEpoch {
        /// e.g. ../shared/data/epoch-ai/all_ml_systems_2025-06.csv
        csv: PathBuf,
        /// Smallest training compute to include (FLOP).
        #[arg(long, default_value_t = 1e24)]
        min_flop: f64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Convert an eCFR CCL snapshot (JSON) into packs/us/ccl.json, the text
    /// the us pack's control rules are checked against.
    ImportCcl {
        /// The snapshot, e.g. ../shared/data/eccn-mcp-seelpeed/ccl.json
        snapshot: PathBuf,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Convert an eCFR Country Groups snapshot (JSON) into packs/countries/groups.toml.
    ImportCountryGroups {
        /// The snapshot, e.g. ../shared/data/eccn-mcp-seelpeed/country-groups.json
        snapshot: PathBuf,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub(crate) use exctl_app::{bad, bad_field, records, screening, BadInput};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        quit_quietly_on_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if let Some(b) = e.downcast_ref::<BadInput>() {
                eprintln!("error: {}", in_cli_words(b));
                ExitCode::from(2)
            } else if e
                .downcast_ref::<exctl_records::Error>()
                .is_some_and(exctl_records::Error::is_rejection)
            {
                eprintln!("error: {e}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

/// A bad-input error as the command line says it: the request field at
/// fault named by its flag.
fn in_cli_words(b: &BadInput) -> String {
    let Some(field) = &b.field else {
        return b.reason.clone();
    };
    let flag = match field.as_str() {
        "record" => "--no-record",
        "ship" => "--ship",
        "deemed" => "--deemed",
        "facts" => "--fact",
        "to" => "--to",
        "item" => "--item",
        "as_of" => "--as-of",
        "end_use" => "--end-use",
        "end_use_note" => "--end-use-note",
        "end_user_hq" => "--end-user-hq",
        "end_user" => "--end-user",
        "consignee" => "--consignee",
        "intermediates" => "--intermediate",
        "quantity" => "--quantity",
        "value" => "--value",
        "jurisdictions" => "--jurisdiction",
        "kind" => "--kind",
        "party" => "--party",
        "outcome" => "--outcome",
        "from" => "--from",
        "before" => "--before",
        "limit" => "--limit",
        "threshold" => "--threshold",
        "country" => "--country",
        "type" => "--type",
        "dob" => "--dob",
        "ids" => "--id",
        "name" => "NAME",
        other => other,
    };
    format!("{flag}: {}", b.reason)
}

/// Output piped into a reader that stops early (`exctl history --json | head`)
/// ends the command the way Unix tools end, not with a panic: Rust ignores
/// SIGPIPE by default, which turns a closed pipe into a failed print. The
/// server keeps ignoring it (a closed socket is an error it handles).
fn quit_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal, before any
    // thread starts, has no other effect on the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The data files: a folder given with --data, else the bundled copy.
fn files(data: &Option<PathBuf>) -> Result<Files> {
    match data {
        Some(dir) => Files::from_dir(dir).map_err(|e| bad(e.to_string())),
        None => Ok(Files::bundled()),
    }
}

fn load(data: &Option<PathBuf>) -> Result<std::sync::Arc<Data>> {
    exctl_data::load(&files(data)?)
        .map(std::sync::Arc::new)
        .map_err(|e| bad(format!("invalid data: {e}")))
}

/// Writes generated text to `out`, or to standard output.
/// Writes a generated file (never over the snapshot it was made from, and
/// whole or not at all: a temporary file renamed into place), or prints it.
fn write_or_print(out: Option<PathBuf>, text: &str, input: &Path) -> Result<ExitCode> {
    match out {
        Some(p) => {
            exctl_app::paths::ensure_distinct(input, &p)?;
            if let Some(dir) = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
            {
                return Err(bad(format!("{}: no such folder", dir.display())));
            }
            let mut tmp = p.clone().into_os_string();
            tmp.push(".partial");
            let tmp = PathBuf::from(tmp);
            std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &p).with_context(|| format!("writing {}", p.display()))?;
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_date(s: &Option<String>) -> Result<NaiveDate> {
    parse_flag_date("--as-of", s)
}

/// A `YYYY-MM-DD` option, today when absent; the error names the option.
fn parse_flag_date(flag: &str, s: &Option<String>) -> Result<NaiveDate> {
    match s {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| bad(format!("{flag} {s:?} is not a date (expected YYYY-MM-DD)"))),
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Classify { item, common } => {
            let data = load(&cli.data)?;
            let item = data.item(&item).map_err(|e| bad(e.to_string()))?;
            let query = Query {
                jurisdictions: common.jurisdictions.clone(),
                explain: common.explain,
                ..Query::classify(&item, parse_date(&common.as_of)?)
            };
            decide_and_print(&data, &query, common.json)
        }
        Command::Check {
            input: Some(input),
            output: Some(output),
            common,
            no_record,
            batch_id,
            lists,
            lists_dir,
            ..
        } => {
            cli.place.ensure_not_own(
                &output,
                &screening::lists_dir(lists_dir.as_deref(), &cli.place.dir()),
            )?;
            let data = load(&cli.data)?;
            let date = parse_date(&common.as_of)?;
            let recorder = if no_record || !cli.place.initialised() {
                None
            } else {
                let rt = records::runtime()?;
                let store = cli.place.open(&rt)?;
                let id = records::Recorder::batch_id(&input, date, batch_id)?;
                Some(records::Recorder::new(rt, store, id))
            };
            let ctx = books::BookContext {
                screener: Box::new(|| {
                    records::party_screener(
                        &data.parties,
                        &lists,
                        &screening::lists_dir(lists_dir.as_deref(), &cli.place.dir()),
                    )
                }),
                recorder,
            };
            let stats = books::check_book(&data, &input, &output, date, ctx)?;
            eprintln!(
                "checked {} rows, {} in error; wrote {}",
                stats.rows,
                stats.errors,
                output.display()
            );
            Ok(stats.exit_code())
        }
        Command::Impact {
            input,
            output,
            from,
            to,
            old_data,
        } => {
            cli.place
                .ensure_not_own(&output, &screening::lists_dir(None, &cli.place.dir()))?;
            let data = load(&cli.data)?;
            let from_date = parse_date(&from)?;
            let to_date = match &to {
                Some(_) => parse_date(&to)?,
                None => from_date,
            };
            let old = match &old_data {
                Some(dir) => load(&Some(dir.clone()))?,
                None => load(&cli.data)?,
            };
            if old_data.is_none() && from_date == to_date {
                return Err(bad("give --from and --to dates that differ, or --old-data for another rule-pack version"));
            }
            let stats = books::impact((&old, from_date), (&data, to_date), &input, &output)?;
            eprintln!(
                "{} of {} rows change between {from_date} and {to_date}{}; {} in error; wrote {}",
                stats.changed,
                stats.rows,
                if old_data.is_some() {
                    " (old rule packs → current)"
                } else {
                    ""
                },
                stats.errors,
                output.display()
            );
            Ok(stats.exit_code())
        }
        Command::Check {
            item,
            to,
            end_use,
            end_use_note,
            end_user_hq,
            facts,
            deemed,
            end_user,
            consignee,
            intermediate,
            quantity,
            value,
            ship,
            lists,
            lists_dir,
            no_record,
            common,
            ..
        } => {
            let data = load(&cli.data)?;
            let item_arg = item.ok_or_else(|| bad("--item is required"))?;
            let item = data.item(&item_arg).map_err(|e| bad(e.to_string()))?;
            let mut fact_map = std::collections::BTreeMap::new();
            for (k, v) in exctl_app::parse_facts(facts.iter().map(String::as_str))? {
                let json = match v {
                    FactValue::Bool(b) => serde_json::Value::Bool(b),
                    FactValue::Num(n) => serde_json::json!(n),
                    other => serde_json::Value::String(other.to_string()),
                };
                fact_map.insert(k, json);
            }
            use exctl_app::check::{self, CheckRequest, PartyIn};
            use exctl_core::parties::Role;
            let request = CheckRequest {
                item: item.id.clone(),
                to: to.ok_or_else(|| bad("--to is required"))?,
                as_of: common
                    .as_of
                    .as_ref()
                    .map(|_| parse_date(&common.as_of))
                    .transpose()?,
                end_use,
                end_use_note,
                end_user_hq,
                facts: fact_map,
                deemed,
                end_user: end_user
                    .as_deref()
                    .map(|p| PartyIn::parse(Role::EndUser, p))
                    .transpose()?,
                consignee: consignee
                    .as_deref()
                    .map(|p| PartyIn::parse(Role::Consignee, p))
                    .transpose()?,
                intermediates: intermediate
                    .iter()
                    .map(|p| PartyIn::parse(Role::Intermediate, p))
                    .collect::<Result<_>>()?,
                quantity,
                value,
                jurisdictions: common.jurisdictions.clone(),
                explain: common.explain,
                ship: ship.clone(),
                record: Some(!no_record),
            };
            // A look that leaves no record still reads the instance's
            // clearances and licences, so it answers as the recorded check.
            let rt = records::runtime()?;
            let store = if cli.place.initialised() || ship.is_some() {
                Some(cli.place.open(&rt)?)
            } else {
                None
            };
            let lists_dir = screening::lists_dir(lists_dir.as_deref(), &cli.place.dir());
            let shell = exctl_app::Direct {
                store: store.as_ref(),
                screener: Box::new(|| records::party_screener(&data.parties, &lists, &lists_dir)),
            };
            let place = exctl_app::Context {
                data: data.clone(),
                store: store.as_ref(),
                actor: None,
                today: chrono::Utc::now().date_naive(),
            };
            let answer = rt.block_on(check::run(&shell, &place, item, request))?;
            if common.json {
                println!("{}", serde_json::to_string_pretty(&answer.to_json())?);
            } else {
                print!(
                    "{}",
                    render::decision_text(&answer.prepared.decision, common.explain)
                );
                if let Some(found) = &answer.screened {
                    print!(
                        "{}",
                        render::parties_text(&answer.prepared.parties, &found.hits, &found.cleared)
                    );
                }
                if let Some(id) = answer.record {
                    println!("recorded as decision {id}");
                }
                if ship.is_some() && answer.shipments.is_empty() {
                    println!("no licence needed for this shipment: nothing to draw down");
                }
                for receipt in &answer.shipments {
                    println!("{}", render::receipt_text(receipt));
                }
            }
            drop((shell, place));
            if let Some(store) = store {
                rt.block_on(store.close());
            }
            match answer.not_shipped {
                Some(e) => Err(e),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Command::Serve {
            addr,
            lists,
            lists_dir,
            tls_cert,
            tls_key,
            webhooks,
            webhook_backoff_ms,
            webhook_attempts,
            webhook_ca,
            body_limit,
            timeout_s,
            refresh_every_s,
            checkpoint_every_s,
            max_list_loss,
            log_json,
        } => {
            let guard = screening::LossGuard::from_percent(max_list_loss, false)?;
            let data = load(&cli.data)?;
            exctl_server::init_logging(log_json);
            let config = exctl_server::Config {
                lists,
                lists_dir,
                tls: tls_cert.zip(tls_key),
                webhooks,
                webhook_backoff: std::time::Duration::from_millis(webhook_backoff_ms),
                webhook_attempts,
                webhook_ca,
                body_limit,
                timeout: std::time::Duration::from_secs(timeout_s.max(1)),
                refresh_every: refresh_every_s.map(|s| std::time::Duration::from_secs(s.max(1))),
                max_list_loss: guard.max_loss,
                checkpoint_every: (checkpoint_every_s > 0)
                    .then(|| std::time::Duration::from_secs(checkpoint_every_s)),
                ..exctl_server::Config::new(addr, data, cli.place.clone())
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(exctl_server::serve(config, |started| {
                for n in &started.notes {
                    println!("{n}");
                }
                println!("exctl serving on {}", started.url);
                match &started.first_admin_key {
                    Some(key) => println!("first admin API key (shown once; create others with `exctl keys create`):\n  {key}"),
                    None => println!("sign in with an API key on file (`exctl keys list`, `exctl keys create`)"),
                }
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
            }))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { command } => {
            let rt = records::runtime()?;
            match command {
                KeysCommand::Create { role, name } => {
                    let role = exctl_records::Role::parse(&role).ok_or_else(|| {
                        bad(format!(
                            "--role {role:?}: expected viewer, officer or admin"
                        ))
                    })?;
                    let store = cli.place.open(&rt)?;
                    let (key, token) = rt
                        .block_on(store.create_api_key(role, &name))
                        .map_err(records::store_error)?;
                    println!(
                        "created {} key {} for {:?}; its token (shown once):\n{token}",
                        key.role, key.key_id, key.name
                    );
                    Ok(ExitCode::SUCCESS)
                }
                KeysCommand::List { json } => {
                    let store = cli.place.open_read(&rt)?;
                    let keys = rt
                        .block_on(store.api_keys())
                        .map_err(records::store_error)?;
                    emit(json, serde_json::to_value(&keys)?, || {
                        let mut s = String::new();
                        for k in &keys {
                            s.push_str(&format!(
                                "{}  {:<8} {:<24} created {} by {}{}\n",
                                k.key_id,
                                k.role.as_str(),
                                k.name,
                                k.created_at,
                                k.actor,
                                k.revoked_at
                                    .as_deref()
                                    .map(|r| format!(", revoked {r}"))
                                    .unwrap_or_default()
                            ));
                        }
                        if keys.is_empty() {
                            s.push_str("no API keys (exctl serve creates a first admin key)\n");
                        }
                        s
                    })
                }
                KeysCommand::Revoke { key_id } => {
                    let store = cli.place.open(&rt)?;
                    let key = rt
                        .block_on(store.revoke_api_key(&key_id))
                        .map_err(records::store_error)?;
                    println!("revoked {} key {} ({:?})", key.role, key.key_id, key.name);
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Init => {
            let rt = records::runtime()?;
            print!("{}", cli.place.init(&rt)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Licences { command } => {
            let rt = records::runtime()?;
            match command {
                LicencesCommand::Add { file } => {
                    let data = load(&cli.data)?;
                    let path = file.display().to_string();
                    let bytes = std::fs::read(&file).map_err(|e| bad(format!("{path}: {e}")))?;
                    let text = exctl_core::error::utf8_text(&path, bytes)
                        .map_err(|e| bad(e.to_string()))?;
                    let licence = records::licence_from_text(&data, &path, &text)?;
                    let store = cli.place.open(&rt)?;
                    let id = rt
                        .block_on(store.add_licence(&licence))
                        .map_err(records::store_error)?;
                    println!(
                        "registered {} licence {} (record {id}) held by {}, valid {} to {}",
                        licence.jurisdiction,
                        licence.number,
                        licence.holder,
                        licence.valid_from,
                        licence.valid_to
                    );
                    Ok(ExitCode::SUCCESS)
                }
                LicencesCommand::List { jurisdiction, json } => {
                    let store = cli.place.open_read(&rt)?;
                    let list = rt
                        .block_on(store.licences(jurisdiction.as_deref()))
                        .map_err(records::store_error)?;
                    emit(json, serde_json::to_value(&list)?, || {
                        render::licences_text(&list)
                    })
                }
            }
        }
        Command::Ship {
            licence,
            reference,
            quantity,
            value,
            date,
        } => {
            let (j, number) = records::licence_ref(&licence)?;
            let date = parse_date(&date)?;
            let rt = records::runtime()?;
            let store = cli.place.open(&rt)?;
            let receipt = rt
                .block_on(store.record_shipment(j, number, &reference, quantity, value, date, None))
                .map_err(records::store_error)?;
            println!("{}", render::receipt_text(&receipt));
            Ok(ExitCode::SUCCESS)
        }
        Command::History {
            kind,
            party,
            item,
            outcome,
            from,
            to,
            limit,
            before,
            json,
            csv,
        } => {
            let filter = exctl_records::HistoryFilter {
                kind,
                party,
                item,
                outcome,
                from: from
                    .as_ref()
                    .map(|_| parse_flag_date("--from", &from))
                    .transpose()?,
                to: to
                    .as_ref()
                    .map(|_| parse_flag_date("--to", &to))
                    .transpose()?,
                before,
                limit: Some(limit),
            };
            let rt = records::runtime()?;
            let store = cli.place.open_read(&rt)?;
            let page = rt.block_on(records::history(&store, &filter, i64::MAX))?;
            if let Some(next) = page.next_before {
                eprintln!("more records: add --before {next} for the next page");
            }
            let rows = page.decisions;
            if csv {
                print!("{}", render::history_csv(&rows)?);
                return Ok(ExitCode::SUCCESS);
            }
            emit(json, serde_json::to_value(&rows)?, || {
                render::history_text(&rows)
            })
        }
        Command::Dispositions { command } => {
            let rt = records::runtime()?;
            match command {
                DispositionsCommand::Clear {
                    party,
                    country,
                    list,
                    entry,
                    reason,
                } => {
                    let store = cli.place.open(&rt)?;
                    let country = country.map(|c| c.trim().to_ascii_uppercase());
                    let d = rt
                        .block_on(store.clear_hit(
                            &party,
                            country.as_deref(),
                            None,
                            &list,
                            &entry,
                            &reason,
                        ))
                        .map_err(records::store_error)?;
                    println!(
                        "cleared {:?} on {} entry {} as a false positive (disposition {}); it stays cleared until the entry changes",
                        d.party, d.list, d.entry_id, d.id
                    );
                    Ok(ExitCode::SUCCESS)
                }
                DispositionsCommand::List { json } => {
                    let store = cli.place.open_read(&rt)?;
                    let all = rt
                        .block_on(store.dispositions())
                        .map_err(records::store_error)?;
                    emit(json, serde_json::to_value(&all)?, || {
                        render::dispositions_text(&all)
                    })
                }
            }
        }
        Command::Rescreen {
            lists,
            lists_dir,
            json,
        } => {
            let data = load(&cli.data)?;
            let rt = records::runtime()?;
            let store = cli.place.open(&rt)?;
            let screener = records::party_screener(
                &data.parties,
                &lists,
                &screening::lists_dir(lists_dir.as_deref(), &cli.place.dir()),
            )?;
            let parties = rt.block_on(store.parties()).map_err(records::store_error)?;
            let results = records::rescreen_all(&screener, parties, true);
            let report = rt
                .block_on(store.apply_rescreen(&screener.version().hash, &results))
                .map_err(records::store_error)?;
            emit(json, serde_json::to_value(&report)?, || {
                render::rescreen_text(&report)
            })
        }
        Command::Audit { command } => {
            let rt = records::runtime()?;
            match command {
                AuditCommand::Checkpoint { out } => {
                    let store = cli.place.open(&rt)?;
                    let checkpoint = rt
                        .block_on(store.checkpoint())
                        .map_err(records::store_error)?;
                    rt.block_on(store.close());
                    let path = match out {
                        Some(p) => {
                            let tmp = p.with_extension("tmp");
                            std::fs::write(&tmp, checkpoint.to_text())
                                .and_then(|_| std::fs::rename(&tmp, &p))
                                .map_err(|e| bad(format!("{}: {e}", p.display())))?;
                            p
                        }
                        None => checkpoint
                            .save_in(&cli.place.checkpoints_dir())
                            .map_err(records::store_error)?,
                    };
                    println!(
                        "checkpoint of entry {} (head {}), signed by key {}: {}",
                        checkpoint.entries,
                        checkpoint.head,
                        checkpoint.key_id,
                        path.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                AuditCommand::Verify {
                    public_keys,
                    checkpoints,
                    json,
                } => {
                    let store = cli.place.open_read(&rt)?;
                    let mut pinned = Vec::new();
                    for p in &public_keys {
                        let text = std::fs::read_to_string(p)
                            .map_err(|e| bad(format!("{}: {e}", p.display())))?;
                        pinned.push(
                            exctl_records::keys::parse_public_key_file(&text).ok_or_else(|| {
                                bad(format!("{}: not an ML-DSA-65 public key file", p.display()))
                            })?,
                        );
                    }
                    // With the records in the home's own SQLite file, the
                    // checkpoints the home keeps are checked too: a rollback
                    // must not pass just because no one named them.
                    let checkpoints = if checkpoints.is_empty()
                        && cli.place.db.is_none()
                        && cli.place.checkpoints_dir().is_dir()
                    {
                        let own = records::load_checkpoints(&[cli.place.checkpoints_dir()])
                            .unwrap_or_default();
                        if !own.is_empty() && !json {
                            println!(
                                "checking against the {} checkpoints in {}",
                                own.len(),
                                cli.place.checkpoints_dir().display()
                            );
                        }
                        own
                    } else {
                        records::load_checkpoints(&checkpoints)?
                    };
                    let report = rt
                        .block_on(store.verify_against(&pinned, &checkpoints))
                        .map_err(records::store_error)?;
                    rt.block_on(store.close());
                    if json {
                        println!("{}", serde_json::to_string_pretty(&report)?);
                    } else {
                        print!("{}", render::verify_text(&report));
                    }
                    Ok(if report.ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    })
                }
                AuditCommand::Export { from, to, out } => {
                    let store = cli.place.open_read(&rt)?;
                    let from = from.as_ref().map(|_| parse_date(&from)).transpose()?;
                    let to = to.as_ref().map(|_| parse_date(&to)).transpose()?;
                    if let (Some(f), Some(t)) = (from, to) {
                        if t < f {
                            return Err(bad(format!("--to {t} is before --from {f}")));
                        }
                    }
                    let bundle = rt
                        .block_on(store.export(from, to))
                        .map_err(records::store_error)?;
                    render::write_bundle(&bundle, &out)?;
                    println!(
                        "wrote {} audit entries to {} (trail {})",
                        bundle.entries.len(),
                        out.display(),
                        if bundle.verification.ok {
                            "verified"
                        } else {
                            "DOES NOT VERIFY"
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Catalog { json } => {
            let data = load(&cli.data)?;
            emit(json, exctl_app::views::catalog_json(&data), || {
                render::catalog_table(&data)
            })
        }
        Command::Compare { items, common } => {
            let data = load(&cli.data)?;
            let as_of = parse_date(&common.as_of)?;
            let mut decisions = Vec::new();
            let resolved: Vec<_> = items
                .iter()
                .map(|i| data.item(i).map_err(|e| bad(e.to_string())))
                .collect::<Result<_>>()?;
            for item in &resolved {
                let q = Query {
                    jurisdictions: common.jurisdictions.clone(),
                    ..Query::classify(item, as_of)
                };
                data.engine.validate(&q).map_err(|e| bad(e.to_string()))?;
                decisions.push(data.engine.decide(&q));
            }
            emit(
                common.json,
                exctl_app::views::compare_json(&decisions),
                || render::compare_table(&decisions),
            )
        }
        Command::Rules { common, quality } => {
            let data = load(&cli.data)?;
            let as_of = parse_date(&common.as_of)?;
            if let Some(from) = data.engine.coverage_from() {
                if as_of < from {
                    return Err(bad(format!(
                        "--as-of {as_of}: before the rule packs' coverage, which starts on {from}"
                    )));
                }
            }
            for j in &common.jurisdictions {
                if data.engine.pack(j).is_none() {
                    return Err(bad(format!("unknown jurisdiction {j:?}")));
                }
            }
            let mut rules = data.engine.rules_on(as_of, &common.jurisdictions);
            // The quality list covers every date unless one is asked for: a
            // rule that has ended still answers questions about its years.
            if quality && common.as_of.is_none() {
                rules = data
                    .engine
                    .packs
                    .iter()
                    .filter(|p| {
                        common.jurisdictions.is_empty() || common.jurisdictions.contains(&p.meta.id)
                    })
                    .flat_map(|p| p.rules.iter().map(move |r| (p, r, r.status(as_of))))
                    .collect();
            }
            if quality {
                rules.retain(|(_, r, _)| {
                    r.def.source_quality.as_deref().unwrap_or("primary") != "primary"
                        || r.law_text.is_none()
                });
            }
            emit(
                common.json,
                exctl_app::views::rules_json(as_of, &rules),
                || {
                    let table = render::rules_table(as_of, &rules, quality, common.explain);
                    if quality && common.as_of.is_none() {
                        table.replacen(
                            &format!("rules as of {as_of}:"),
                            "rules that do not rest on the law's text, at every date:",
                            1,
                        )
                    } else {
                        table
                    }
                },
            )
        }
        Command::Screen {
            name,
            country,
            entity_type,
            dob,
            ids,
            lists,
            limit,
            threshold,
            json,
            input,
            output,
            lists_dir,
            no_record,
            batch_id,
        } => {
            let data = load(&cli.data)?;
            let dir = screening::lists_dir(lists_dir.as_deref(), &cli.place.dir());
            // The lists in use and the parties rule packs designate, as the
            // server and the checks screen against.
            let build = || records::party_screener(&data.parties, &lists, &dir);
            if let (Some(input), Some(output)) = (input, output) {
                if dob.is_some() || !ids.is_empty() || name.is_some() {
                    return Err(bad(
                        "a batch screens its rows: NAME, --dob and --id describe one party (a batch gives them in its `name`, `dob` and `ids` columns)",
                    ));
                }
                if !(0.0..=1.0).contains(&threshold) {
                    return Err(bad_field(
                        "threshold",
                        format!("{threshold} is not between 0 and 1"),
                    ));
                }
                if !(1..=screening::MAX_LIMIT).contains(&limit) {
                    return Err(bad_field(
                        "limit",
                        format!("{limit} is not between 1 and {}", screening::MAX_LIMIT),
                    ));
                }
                cli.place.ensure_not_own(&output, &dir)?;
                let screener = build()?;
                let resolve = screening::resolver(&data.engine.countries);
                let mut recorder = if no_record || !cli.place.initialised() {
                    None
                } else {
                    let rt = records::runtime()?;
                    let store = cli.place.open(&rt)?;
                    let date = chrono::Utc::now().date_naive();
                    let id = records::Recorder::batch_id(&input, date, batch_id)?;
                    Some(records::Recorder::new(rt, store, id))
                };
                let (n, hits, errors) = screening::batch(
                    &screener,
                    &input,
                    &output,
                    limit,
                    threshold,
                    &resolve,
                    recorder.as_mut(),
                )?;
                if let Some(r) = recorder {
                    r.finish()?;
                }
                eprintln!(
                    "screened {n} parties: {hits} hit rows, {errors} rows in error; wrote {}",
                    output.display()
                );
                return Ok(if errors > 0 {
                    ExitCode::from(3)
                } else {
                    ExitCode::SUCCESS
                });
            }
            let name = name
                .ok_or_else(|| bad("give a NAME to screen, or --input and --output for a batch"))?;
            let request = screening::ScreenRequest {
                name,
                country,
                entity_type,
                dob,
                ids,
                limit: Some(limit),
                threshold: Some(threshold),
                record: Some(!no_record),
            };
            let rt = records::runtime()?;
            let store = if cli.place.initialised() && !no_record {
                Some(cli.place.open(&rt)?)
            } else {
                None
            };
            let shell = exctl_app::Direct {
                store: store.as_ref(),
                screener: Box::new(build),
            };
            let context = exctl_app::Context {
                data: data.clone(),
                store: store.as_ref(),
                actor: None,
                today: chrono::Utc::now().date_naive(),
            };
            let answer = rt.block_on(screening::screen(&shell, &context, request))?;
            drop((shell, context));
            if let Some(store) = store {
                rt.block_on(store.close());
            }
            emit(json, answer.to_json(), || answer.to_text())
        }
        Command::Lists { command, lists_dir } => {
            let dir = screening::lists_dir(lists_dir.as_deref(), &cli.place.dir());
            let table = screening::countries()?;
            let resolve = screening::resolver(&table);
            match command {
                ListsCommand::Show { json } => {
                    let set = screening::load_configured(&dir, &resolve)
                        .map_err(|e| bad(e.to_string()))?;
                    let Some(set) = set else {
                        return Err(bad(screening::no_list_message(&dir)));
                    };
                    let v = set.version();
                    let text = || {
                        let mut s = format!(
                            "lists in {} — version {}, {} entries\n",
                            dir.display(),
                            v.hash,
                            v.entries
                        );
                        for src in &v.sources {
                            s.push_str(&format!(
                                "  {} ({}, {} entries{}) sha256 {}\n",
                                src.file,
                                src.format,
                                src.entries,
                                src.date
                                    .as_ref()
                                    .map(|d| format!(", dated {d}"))
                                    .unwrap_or_default(),
                                &src.sha256[..16.min(src.sha256.len())]
                            ));
                        }
                        s
                    };
                    emit(json, serde_json::to_value(&v)?, text)
                }
                ListsCommand::Fetch { url, loss } => {
                    let set =
                        screening::fetch(&url, &dir, "consolidated.csv", loss.guard()?, &resolve)?;
                    let v = set.version();
                    println!(
                        "fetched {} entries from {url} into {} (version {})",
                        v.entries,
                        dir.display(),
                        v.hash
                    );
                    Ok(ExitCode::SUCCESS)
                }
                ListsCommand::Add { path, format, loss } => {
                    let format = match format {
                        None => None,
                        Some(f) => Some(exctl_screen::Format::parse_name(&f).ok_or_else(|| {
                            bad(format!("--format {f:?}: expected csl-csv, csl-json, ofac, un-xml, dpl, ftm or csv"))
                        })?),
                    };
                    let set = screening::add(&path, format, &dir, loss.guard()?, &resolve)
                        .map_err(|e| bad(e.to_string()))?;
                    println!(
                        "added {} ({} entries) to {}",
                        path.display(),
                        set.entries.len(),
                        dir.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                ListsCommand::Publish {
                    input,
                    authority,
                    out,
                } => {
                    if !cli.place.initialised() {
                        return Err(bad(
                            "publishing signs with this instance's key: run `exctl init` first",
                        ));
                    }
                    let der = std::fs::read(cli.place.key_path())?;
                    let signer = exctl_records::Signer::from_pkcs8(&der)?;
                    let n = screening::publish_feed(&input, &authority, &out, &signer, &resolve)?;
                    println!(
                        "published {n} denied parties to {} (signature {}.sig, key {})",
                        out.display(),
                        out.display(),
                        signer.key_id()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                ListsCommand::Import {
                    feed,
                    public_key,
                    loss,
                } => {
                    let (name, n) =
                        screening::import_feed(&feed, &public_key, &dir, loss.guard()?, &resolve)?;
                    println!(
                        "imported {n} denied parties as {name} into {}",
                        dir.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                ListsCommand::Remove { name } => {
                    screening::remove(&dir, &name)?;
                    println!("removed {name}");
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Inventory { from, common } => {
            let data = load(&cli.data)?;
            let as_of = parse_date(&common.as_of)?;
            for j in &common.jurisdictions {
                if data.engine.pack(j).is_none() {
                    return Err(bad(format!("unknown jurisdiction {j:?}")));
                }
            }
            let gpus = match &from {
                Some(p) => exctl_inventory::from_path(p).map_err(|e| bad(e.to_string()))?,
                None => match exctl_inventory::local() {
                    Ok(g) => g,
                    Err(e @ exctl_inventory::InventoryError::NoNvml(_)) => {
                        eprintln!("error: {e}");
                        return Ok(ExitCode::from(4));
                    }
                    Err(e) => return Err(e.into()),
                },
            };
            let report = inventory::classify(&data, gpus, as_of, &common.jurisdictions);
            emit(common.json, serde_json::to_value(&report)?, || {
                inventory::text(&report)
            })
        }
        Command::Demo => {
            let data = load(&cli.data)?;
            print!("{}", render::demo(&data));
            Ok(ExitCode::SUCCESS)
        }
        Command::Golden { jurisdictions } => {
            let data = load(&cli.data)?;
            let mut failed = 0usize;
            let mut total = 0usize;
            for pack in &data.engine.packs {
                let id = &pack.meta.id;
                if !jurisdictions.is_empty() && !jurisdictions.contains(id) {
                    continue;
                }
                let results = golden::run_pack(&data, id).map_err(|e| bad(e.to_string()))?;
                for r in &results {
                    total += 1;
                    if !r.failures.is_empty() {
                        failed += 1;
                        println!("FAIL {id} {} — {}", r.file, r.name);
                        for f in &r.failures {
                            println!("     {f}");
                        }
                    }
                }
                println!(
                    "{id}: {} golden cases, {} failed",
                    results.len(),
                    results.iter().filter(|r| !r.failures.is_empty()).count()
                );
            }
            if failed > 0 {
                println!("{failed} of {total} golden cases failed");
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Data { command } => match command {
            DataCommand::ImportEpoch { csv, min_flop, out } => {
                if let Some(o) = &out {
                    exctl_app::paths::ensure_distinct(&csv, o)?;
                }
                let mut files = files(&cli.data)?;
                // The generated file must not collide with itself when regenerated.
                files.remove("catalog/models-epoch.toml");
                let data = exctl_data::load(&files).map_err(|e| bad(e.to_string()))?;
                let text = std::fs::read_to_string(&csv)
                    .map_err(|e| bad(format!("{}: {e}", csv.display())))?;
                let known = |n: &str| data.catalog.resolve(n).is_ok();
                let toml = exctl_data::import::models_from_epoch_csv(
                    &csv.display().to_string(),
                    &text,
                    min_flop,
                    &known,
                )
                .map_err(|e| bad(e.to_string()))?;
                write_or_print(out, &toml, &csv)
            }
            DataCommand::ImportCcl { snapshot, out } => {
                if let Some(o) = &out {
                    exctl_app::paths::ensure_distinct(&snapshot, o)?;
                }
                let text = std::fs::read_to_string(&snapshot)
                    .map_err(|e| bad(format!("{}: {e}", snapshot.display())))?;
                let json =
                    exctl_data::import::ccl_from_ecfr_json(&snapshot.display().to_string(), &text)
                        .map_err(|e| bad(e.to_string()))?;
                write_or_print(out, &json, &snapshot)
            }
            DataCommand::ImportCountryGroups { snapshot, out } => {
                if let Some(o) = &out {
                    exctl_app::paths::ensure_distinct(&snapshot, o)?;
                }
                let countries =
                    exctl_data::countries(&files(&cli.data)?).map_err(|e| bad(e.to_string()))?;
                let text = std::fs::read_to_string(&snapshot)
                    .map_err(|e| bad(format!("{}: {e}", snapshot.display())))?;
                let toml = exctl_data::import::country_groups_from_ecfr_json(
                    &snapshot.display().to_string(),
                    &text,
                    &countries,
                )
                .map_err(|e| bad(e.to_string()))?;
                write_or_print(out, &toml, &snapshot)
            }
        },
    }
}

/// Prints JSON or text and reports success.
fn emit(json: bool, value: serde_json::Value, text: impl FnOnce() -> String) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", text());
    }
    Ok(ExitCode::SUCCESS)
}

fn decide_and_print(data: &Data, query: &Query<'_>, json: bool) -> Result<ExitCode> {
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
