//! The command line's arguments: every command and its flags (clap).
//! What each command does lives in `commands/`.

use crate::{instance, screening};
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "exctl",
    version,
    about = "Export-control compliance engine: classify items, check shipments, as of any date, with cited reasons."
)]
pub(crate) struct Cli {
    /// Data root with packs/ and catalog/ to use instead of the bundled copy
    /// (also EXCTL_DATA).
    #[arg(long, global = true, env = "EXCTL_DATA", value_name = "DIR")]
    pub(crate) data: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) place: PlaceArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where `exctl man` writes the manual pages.
#[derive(clap::Args)]
pub(crate) struct ManArgs {
    /// Folder to write exctl.1 and exctl-COMMAND.1 into (created).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
}

/// Where this instance keeps its signing key and (by default) its database.
#[derive(clap::Args, Clone)]
pub(crate) struct PlaceArgs {
    /// Folder of this instance's signing key and SQLite records (also EXCTL_HOME;
    /// default the user's data folder).
    #[arg(long, global = true, env = "EXCTL_HOME", value_name = "DIR")]
    pub(crate) home: Option<PathBuf>,
    /// Records database: a SQLite file path, sqlite://PATH, or postgres://… (also EXCTL_DB).
    #[arg(long, global = true, env = "EXCTL_DB", value_name = "URL")]
    pub(crate) db: Option<String>,
    /// Who is acting, for the audit trail (also EXCTL_USER; default the login name).
    #[arg(long, global = true, env = "EXCTL_USER", value_name = "NAME")]
    pub(crate) user: Option<String>,
}

impl From<PlaceArgs> for instance::Place {
    fn from(a: PlaceArgs) -> instance::Place {
        instance::Place {
            home: a.home,
            db: a.db,
            user: a.user,
        }
    }
}

#[derive(clap::Args, Clone)]
pub(crate) struct Common {
    /// Date the rules are applied as of (YYYY-MM-DD); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) as_of: Option<String>,
    /// Jurisdiction (rule pack) to answer for; repeat for several; default every pack
    /// that is not opt-in (kr, eu-sanctions and uk-sanctions are opt-in).
    #[arg(long = "jurisdiction", short = 'j', value_name = "J")]
    pub(crate) jurisdictions: Vec<String>,
    /// Print JSON (the documented, stable shape).
    #[arg(long)]
    pub(crate) json: bool,
    /// Also list the rules that did not apply, and why.
    #[arg(long)]
    pub(crate) explain: bool,
}

// One value per run: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub(crate) enum Command {
    /// Classify an item (catalog name or item file) under every pack.
    Classify(ClassifyArgs),
    /// Determine whether a shipment needs a licence, per jurisdiction and overall.
    Check(CheckArgs),
    /// Create this instance's ML-DSA-65 key pair and records database.
    Init,
    /// Licences on file.
    Licences(LicencesArgs),
    /// Record a shipment against a licence, drawing it down.
    Ship(ShipArgs),
    /// Recorded checks and screens.
    History(HistoryArgs),
    /// Clear screening hits as false positives, and list clearances.
    Dispositions(DispositionsArgs),
    /// The case queue: open hits and held orders, worked and released with a second officer's approval.
    Cases(CasesArgs),
    /// Reports for auditors: a decision as printable HTML; decisions, cases and licences as CSV.
    Report(ReportArgs),
    /// Screen every recorded party against the current lists; report material changes.
    Rescreen(RescreenArgs),
    /// Verify or export the signed audit trail.
    Audit(AuditArgs),
    /// Which orders change their answer between two dates or two rule-pack versions.
    Impact(ImpactArgs),
    /// Classify the GPUs this machine has (NVML), or those in nvidia-smi -q -x reports.
    Inventory(InventoryArgs),
    /// List the catalog with TPP, performance density and H100-equivalents.
    Catalog(CatalogArgs),
    /// Your own products: a versioned product master, usable wherever a catalog name is.
    Products(ProductsArgs),
    /// Show items side by side with their ratios to the first.
    Compare(CompareArgs),
    /// List the rules in force (or noted) on a date, with citations.
    Rules(RulesArgs),
    /// Screen a party (or a CSV of parties) against restricted-party lists.
    Screen(ScreenArgs),
    /// Manage the configured restricted-party lists.
    Lists(ListsArgs),
    /// Ownership records: import who holds whom (GLEIF, FollowTheMoney, your own CSV); show a party's owners and what the 50 % rules make of them.
    Owners(OwnersArgs),
    /// A short tour: the design-arounds and rule changes that shaped the field.
    Demo,
    /// Serve the HTTP API and the web UI (records on SQLite unless --db).
    Serve(ServeArgs),
    /// API keys for the server: create, list, revoke.
    Keys(KeysArgs),
    /// Validate the data and run every pack's golden cases.
    Golden(GoldenArgs),
    /// Rule-pack updates without a new binary: publish a signed bundle, verify and install one, roll back.
    Packs(PacksArgs),
    /// Maintain the data files.
    Data(DataArgs),
    /// Write the manual pages (exctl.1 and one per command) into a folder.
    #[command(hide = true)]
    Man(ManArgs),
}

/// Classify an item (catalog name or item file) under every pack.
#[derive(clap::Args)]
pub(crate) struct ClassifyArgs {
    /// Catalog name ("h100", "MI300X") or a .toml/.json item file.
    pub(crate) item: String,
    #[command(flatten)]
    pub(crate) common: Common,
}

/// Determine whether a shipment needs a licence, per jurisdiction and overall.
#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// Catalog name or item file.
    #[arg(long, required_unless_present = "input")]
    pub(crate) item: Option<String>,
    /// Destination, ISO 3166 alpha-2 (e.g. CN, HK, MO, DE).
    #[arg(long, value_name = "CC", required_unless_present = "input")]
    pub(crate) to: Option<String>,
    /// Batch: orders CSV (`item`, `to`; optional `id`, `end_use`, `as_of`, `end_user_hq`, `facts`,
    /// `end_user`, `consignee`, `intermediates` (`|`-separated), `quantity`, `value`).
    #[arg(long, value_name = "CSV", requires = "output", conflicts_with_all = ["item", "to"])]
    pub(crate) input: Option<PathBuf>,
    /// Batch: where to write the results CSV.
    #[arg(long, value_name = "CSV", requires = "input")]
    pub(crate) output: Option<PathBuf>,
    /// End use, one of: civil, supercomputer, advanced-node-ic, military, wmd, nuclear,
    /// chemical-biological, missile, 6g-standards (anything else is refused).
    #[arg(long, value_name = "END_USE")]
    pub(crate) end_use: Option<String>,
    /// Free text about the end use, recorded with the check; no rule reads it.
    #[arg(long, value_name = "TEXT")]
    pub(crate) end_use_note: Option<String>,
    /// Country where the end user (or its ultimate parent) is headquartered.
    #[arg(long, value_name = "CC")]
    pub(crate) end_user_hq: Option<String>,
    /// A transaction fact a rule asked for, NAME=VALUE (repeatable).
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub(crate) facts: Vec<String>,
    /// Deemed export: release of technology to a foreign national at home;
    /// --to is the person's nationality.
    #[arg(long)]
    pub(crate) deemed: bool,
    /// The end user, screened: NAME[;country=CC][;owner=NAME:PERCENT]...
    #[arg(long, value_name = "PARTY")]
    pub(crate) end_user: Option<String>,
    /// The consignee, screened (same form as --end-user).
    #[arg(long, value_name = "PARTY")]
    pub(crate) consignee: Option<String>,
    /// An intermediate party, screened (repeatable).
    #[arg(long, value_name = "PARTY")]
    pub(crate) intermediate: Vec<String>,
    /// Units shipped, checked against licence balances.
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub(crate) quantity: Option<f64>,
    /// Value shipped (licence currency), checked against licence balances.
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    pub(crate) value: Option<f64>,
    /// Record the shipment under this reference, drawing down the licence that authorises it.
    #[arg(long, value_name = "REF")]
    pub(crate) ship: Option<String>,
    /// Lists to screen parties against instead of the configured ones (repeatable; `demo`).
    #[arg(long = "list", value_name = "FILE")]
    pub(crate) lists: Vec<String>,
    /// Folder of configured lists (also EXCTL_LISTS).
    #[arg(long, value_name = "DIR")]
    pub(crate) lists_dir: Option<PathBuf>,
    /// Do not record this check (it is recorded once `exctl init` has run).
    #[arg(long)]
    pub(crate) no_record: bool,
    /// Batch: an id that makes a rerun of the same orders a resume (default: the file's hash and date).
    #[arg(long, value_name = "ID", requires = "input")]
    pub(crate) batch_id: Option<String>,
    /// Ask the rules' questions on the terminal, check again with the
    /// answers and show what they changed (one shipment; an empty answer
    /// leaves a question open).
    #[arg(long, conflicts_with_all = ["input", "json"])]
    pub(crate) interactive: bool,
    #[command(flatten)]
    pub(crate) common: Common,
}

/// Licences on file.
#[derive(clap::Args)]
pub(crate) struct LicencesArgs {
    #[command(subcommand)]
    pub(crate) command: LicencesCommand,
}

/// Record a shipment against a licence, drawing it down.
#[derive(clap::Args)]
pub(crate) struct ShipArgs {
    /// JURISDICTION:NUMBER, e.g. us:D123456.
    #[arg(long, value_name = "J:NUMBER")]
    pub(crate) licence: String,
    /// Your shipment reference; recorded once.
    #[arg(long, value_name = "REF")]
    pub(crate) reference: String,
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0)]
    pub(crate) quantity: f64,
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0)]
    pub(crate) value: f64,
    /// Shipping date (default today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) date: Option<String>,
}

/// Recorded checks and screens.
#[derive(clap::Args)]
pub(crate) struct HistoryArgs {
    /// check or screen.
    #[arg(long)]
    pub(crate) kind: Option<String>,
    /// Part of a party's name.
    #[arg(long)]
    pub(crate) party: Option<String>,
    /// Part of an item id.
    #[arg(long)]
    pub(crate) item: Option<String>,
    #[arg(long)]
    pub(crate) outcome: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) from: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) to: Option<String>,
    /// Records per page, newest first.
    #[arg(long, allow_negative_numbers = true, default_value_t = 200)]
    pub(crate) limit: i64,
    /// Only records older than this id: the next page, as the last one said.
    #[arg(long, value_name = "ID")]
    pub(crate) before: Option<i64>,
    #[arg(long, conflicts_with = "csv")]
    pub(crate) json: bool,
    #[arg(long)]
    pub(crate) csv: bool,
}

/// Clear screening hits as false positives, and list clearances.
#[derive(clap::Args)]
pub(crate) struct DispositionsArgs {
    #[command(subcommand)]
    pub(crate) command: DispositionsCommand,
}

/// The case queue: open hits and held orders, worked and released with a second officer's approval.
#[derive(clap::Args)]
pub(crate) struct CasesArgs {
    #[command(subcommand)]
    pub(crate) command: CasesCommand,
}

#[derive(Subcommand)]
pub(crate) enum CasesCommand {
    /// The queue, newest first.
    List {
        /// open, pending or closed (default: every case).
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A case with its history.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Give a case to an officer.
    Assign { id: i64, assignee: String },
    /// Add a comment.
    Comment { id: i64, text: String },
    /// Attach a document as evidence (kept whole, with its SHA-256).
    Attach {
        id: i64,
        file: PathBuf,
        #[arg(long)]
        note: Option<String>,
    },
    /// Write an attached document out, as it was attached.
    Evidence {
        id: i64,
        /// The evidence event's id (see `cases show`).
        event: i64,
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Escalate a case to a senior officer.
    Escalate {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Propose a resolution: clear or confirm (a hit), release or stop (a held order).
    Propose {
        id: i64,
        resolution: String,
        #[arg(long)]
        reason: String,
    },
    /// Approve the proposed resolution (another person than the proposer).
    Approve {
        id: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Reject the proposed resolution: the case is open again.
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
}

/// Your own products: a versioned product master, usable wherever a catalog name is.
#[derive(clap::Args)]
pub(crate) struct ProductsArgs {
    #[command(subcommand)]
    pub(crate) command: ProductsCommand,
}

#[derive(Subcommand)]
pub(crate) enum ProductsCommand {
    /// Save the items in item files (TOML or JSON; one item, or several as
    /// [[item]]) as products: a new product is version 1, a changed one
    /// its next version, an unchanged one stays as it is.
    Add {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Why (required when a product changes).
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The current version of every product.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A product (NAME, or NAME@VERSION) with its definition, metrics and versions.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Retire a product: new checks may no longer name it (earlier versions
    /// stay readable for the decisions that used them).
    Retire {
        name: String,
        #[arg(long)]
        reason: String,
    },
}

/// Ownership records: import who holds whom; show a party's owners and what the 50 % rules make of them.
#[derive(clap::Args)]
pub(crate) struct OwnersArgs {
    #[command(subcommand)]
    pub(crate) command: OwnersCommand,
}

#[derive(Subcommand)]
pub(crate) enum OwnersCommand {
    /// Record a file of holdings as its source's new import (the previous
    /// import stays on record); prints what changed since it.
    Import {
        file: PathBuf,
        /// csv (your declarations), ftm (FollowTheMoney JSON lines), gleif-rr
        /// (GLEIF relationship records), gleif-lei (GLEIF LEI records, for names);
        /// default: recognised from the file.
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        /// The source this file is the latest reading of (default: `declared`
        /// for csv, else the format's name).
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// This file is the whole source: holdings its previous import stated and this
        /// file does not are dropped (without it, such an import is refused).
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    /// A party's owners up every chain, the list hits on them and what each
    /// pack's ownership rules make of the party, with the paths.
    Show {
        party: String,
        #[command(flatten)]
        weigh: WeighArgs,
        #[arg(long)]
        json: bool,
    },
    /// Weigh every pack's ownership rules over the whole graph in use: how
    /// many entities are listed and caught per rule, with a sample and its
    /// paths. Entities are found on the lists by exact name or LEI.
    Evaluate {
        #[command(flatten)]
        weigh: WeighArgs,
        #[arg(long)]
        json: bool,
    },
    /// The imports on record, newest first.
    Imports {
        #[arg(long)]
        json: bool,
    },
}

/// What ownership is weighed as of and against.
#[derive(clap::Args)]
pub(crate) struct WeighArgs {
    /// Date the holdings and rules are taken as of (YYYY-MM-DD); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) as_of: Option<String>,
    /// List to screen the owners against instead of the configured ones (as for
    /// `screen`; repeatable).
    #[arg(long = "list", value_name = "FILE")]
    pub(crate) lists: Vec<String>,
    /// Folder of configured lists (also EXCTL_LISTS).
    #[arg(long, value_name = "DIR")]
    pub(crate) lists_dir: Option<PathBuf>,
}

/// Reports for auditors: a decision as printable HTML; decisions, cases and licences as CSV.
#[derive(clap::Args)]
pub(crate) struct ReportArgs {
    #[command(subcommand)]
    pub(crate) command: ReportCommand,
    /// Where to write the report (default: standard output).
    #[arg(long, short, value_name = "FILE", global = true)]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
    /// One recorded decision as a printable HTML page, with its cases.
    Decision { id: i64 },
    /// Every recorded decision as CSV, newest first.
    Decisions,
    /// The case queue as CSV.
    Cases {
        /// open, pending or closed (default: every case).
        #[arg(long)]
        status: Option<String>,
    },
    /// Licences with their balances as CSV.
    Licences,
}

/// Screen every recorded party against the current lists; report material changes.
#[derive(clap::Args)]
pub(crate) struct RescreenArgs {
    #[arg(long = "list", value_name = "FILE")]
    pub(crate) lists: Vec<String>,
    #[arg(long, value_name = "DIR")]
    pub(crate) lists_dir: Option<PathBuf>,
    #[arg(long)]
    pub(crate) json: bool,
}

/// Verify or export the signed audit trail.
#[derive(clap::Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    pub(crate) command: AuditCommand,
}

/// Which orders change their answer between two dates or two rule-pack versions.
#[derive(clap::Args)]
pub(crate) struct ImpactArgs {
    /// Orders CSV, as for `check --input`.
    #[arg(long, value_name = "CSV")]
    pub(crate) input: PathBuf,
    /// Where to write the changed rows.
    #[arg(long, value_name = "CSV")]
    pub(crate) output: PathBuf,
    /// The earlier date (default today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) from: Option<String>,
    /// The later date (default: the same as --from).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) to: Option<String>,
    /// Data root of the earlier rule-pack version (default: the same data).
    #[arg(long, value_name = "DIR")]
    pub(crate) old_data: Option<PathBuf>,
    /// Lists to screen the book's parties against instead of the configured ones (repeatable; `demo`).
    #[arg(long = "list", value_name = "FILE")]
    pub(crate) lists: Vec<String>,
    /// Folder of configured lists (also EXCTL_LISTS).
    #[arg(long, value_name = "DIR")]
    pub(crate) lists_dir: Option<PathBuf>,
}

/// Classify the GPUs this machine has (NVML), or those in nvidia-smi -q -x reports.
#[derive(clap::Args)]
pub(crate) struct InventoryArgs {
    /// An `nvidia-smi -q -x` report, or a folder of them (a fleet).
    #[arg(long, value_name = "PATH")]
    pub(crate) from: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) common: Common,
}

/// List the catalog with TPP, performance density and H100-equivalents.
#[derive(clap::Args)]
pub(crate) struct CatalogArgs {
    #[arg(long)]
    pub(crate) json: bool,
}

/// Show items side by side with their ratios to the first.
#[derive(clap::Args)]
pub(crate) struct CompareArgs {
    /// Two or more catalog names or item files.
    #[arg(required = true, num_args = 2..)]
    pub(crate) items: Vec<String>,
    #[command(flatten)]
    pub(crate) common: Common,
}

/// List the rules in force (or noted) on a date, with citations.
#[derive(clap::Args)]
pub(crate) struct RulesArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// Only the rules that do not rest on the law's own text (secondary
    /// or reported sources, or no quotation), with what is missing.
    #[arg(long)]
    pub(crate) quality: bool,
}

/// Screen a party (or a CSV of parties) against restricted-party lists.
#[derive(clap::Args)]
pub(crate) struct ScreenArgs {
    /// Name to screen, in any script.
    pub(crate) name: Option<String>,
    /// Country of the party (ISO alpha-2); agreement raises, disagreement lowers the score.
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
    /// Party type: entity, individual, vessel or aircraft.
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) entity_type: Option<String>,
    /// Date of birth (YYYY, YYYY-MM or YYYY-MM-DD): a birth year more than a year from the list's lowers the score.
    #[arg(long, value_name = "DATE")]
    pub(crate) dob: Option<String>,
    /// Identifier KIND:NUMBER (passport, national-id, tax-id, registration, uscc, lei, imo,
    /// swift, vat; repeatable): an equal number on the list is decisive.
    #[arg(long = "id", value_name = "KIND:NUMBER")]
    pub(crate) ids: Vec<String>,
    /// List to screen against instead of the configured ones: a file, FORMAT:PATH,
    /// an OFAC folder, or `demo` (repeatable).
    #[arg(long = "list", value_name = "FILE")]
    pub(crate) lists: Vec<String>,
    /// Most matches to report per party.
    #[arg(long, allow_negative_numbers = true, default_value_t = 10)]
    pub(crate) limit: usize,
    /// Alert threshold in [0, 1].
    #[arg(long, allow_negative_numbers = true, default_value_t = exctl_screen::DEFAULT_THRESHOLD)]
    pub(crate) threshold: f64,
    #[arg(long)]
    pub(crate) json: bool,
    /// Batch: CSV of parties (`name`, optional `country`, `type`, `id`).
    #[arg(long, value_name = "CSV", requires = "output")]
    pub(crate) input: Option<PathBuf>,
    /// Batch: where to write the hits CSV.
    #[arg(long, value_name = "CSV", requires = "input")]
    pub(crate) output: Option<PathBuf>,
    /// Folder of configured lists (also EXCTL_LISTS).
    #[arg(long, value_name = "DIR")]
    pub(crate) lists_dir: Option<PathBuf>,
    /// Do not record this screen (it is recorded once `exctl init` has run).
    #[arg(long)]
    pub(crate) no_record: bool,
    /// Batch: an id that makes a rerun of the same parties a resume (default: the file's hash and date).
    #[arg(long, value_name = "ID", requires = "input")]
    pub(crate) batch_id: Option<String>,
}

/// Manage the configured restricted-party lists.
#[derive(clap::Args)]
pub(crate) struct ListsArgs {
    #[command(subcommand)]
    pub(crate) command: ListsCommand,
    /// Folder of configured lists (also EXCTL_LISTS).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) lists_dir: Option<PathBuf>,
}

/// Serve the HTTP API and the web UI (records on SQLite unless --db).
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub(crate) addr: std::net::SocketAddr,
    /// Lists to screen against instead of the configured ones (repeatable; `demo`).
    #[arg(long = "list", value_name = "FILE")]
    pub(crate) lists: Vec<String>,
    /// Folder of configured lists (also EXCTL_LISTS).
    #[arg(long, value_name = "DIR")]
    pub(crate) lists_dir: Option<PathBuf>,
    /// PEM certificate chain: serve HTTPS (X25519MLKEM768 offered first).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// URL that receives rescreen alerts and licence events (repeatable).
    #[arg(long = "webhook", value_name = "URL")]
    pub(crate) webhooks: Vec<String>,
    /// First webhook retry delay in milliseconds; it doubles each retry.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub(crate) webhook_backoff_ms: u64,
    /// Attempts per webhook delivery.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub(crate) webhook_attempts: u32,
    /// PEM CA certificates that HTTPS webhook receivers must chain to
    /// (default: the public web roots).
    #[arg(long, value_name = "PEM")]
    pub(crate) webhook_ca: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = exctl_server::DEFAULT_BODY_LIMIT, value_name = "BYTES")]
    pub(crate) body_limit: usize,
    /// Longest a request may take, in seconds.
    #[arg(long, default_value_t = 30, value_name = "S")]
    pub(crate) timeout_s: u64,
    /// Reload the lists every S seconds (they are swapped in atomically).
    #[arg(long, value_name = "S")]
    pub(crate) refresh_every_s: Option<u64>,
    /// Download the official lists this often (e.g. 6h, 30m, 1d), each file checked and
    /// diffed, then swap them in and rescreen the stored parties when they changed.
    #[arg(long, value_name = "DURATION")]
    pub(crate) fetch_every: Option<String>,
    /// Download the official lists from BASE/FILE (an internal mirror) instead.
    #[arg(long, value_name = "BASE")]
    pub(crate) mirror: Option<String>,
    /// Sign a checkpoint of the audit trail's head every S seconds when it moved, into
    /// HOME/checkpoints and to the webhooks as `audit.checkpoint` (0: only on request).
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub(crate) checkpoint_every_s: u64,
    /// Refuse a list refresh that lost more than this percentage of the entries, in all
    /// or of one source (`POST /api/v1/lists/refresh?force=true` accepts it).
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    pub(crate) max_list_loss: f64,
    /// Log JSON lines instead of text.
    #[arg(long)]
    pub(crate) log_json: bool,
}

/// API keys for the server: create, list, revoke.
#[derive(clap::Args)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    pub(crate) command: KeysCommand,
}

/// Validate the data and run every pack's golden cases.
#[derive(clap::Args)]
pub(crate) struct GoldenArgs {
    /// Only this pack's cases; repeat for several; default every pack's.
    #[arg(long = "jurisdiction", short = 'j', value_name = "J")]
    pub(crate) jurisdictions: Vec<String>,
}

/// Rule-pack updates without a new binary.
#[derive(clap::Args)]
pub(crate) struct PacksArgs {
    #[command(subcommand)]
    pub(crate) command: PacksCommand,
}

#[derive(Subcommand)]
pub(crate) enum PacksCommand {
    /// Sign the data in use (rule packs and catalog; --data for a folder) into a
    /// bundle and BUNDLE.sig, with this instance's ML-DSA-65 key.
    Publish {
        /// Where to write the bundle (its signature beside it, as BUNDLE.sig).
        #[arg(long, value_name = "BUNDLE")]
        out: PathBuf,
        /// Who publishes it (e.g. "Export Control Team, Acme").
        #[arg(long)]
        publisher: String,
    },
    /// Verify a bundle against a pinned public key, load it and run every golden
    /// case, then install it beside the bundled packs and use it; prints the
    /// impact on your products. Nothing changes unless every step passes.
    Update {
        /// The bundle: a file or an https URL (its .sig beside it).
        #[arg(long, value_name = "FILE|URL")]
        from: String,
        /// The publisher's public key file (as `exctl init` writes audit-public-key.txt).
        #[arg(long, value_name = "FILE")]
        public_key: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The installed bundles, the one in use marked.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Go back to the install before the one in use (or to the bundled packs).
    Rollback,
}

/// Maintain the data files.
#[derive(clap::Args)]
pub(crate) struct DataArgs {
    #[command(subcommand)]
    pub(crate) command: DataCommand,
}

#[derive(Subcommand)]
pub(crate) enum ListsCommand {
    /// Show the configured lists with their versions.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Download the official lists (csl, ofac, un, eu, uk, or all), check each and swap it
    /// in atomically, keeping the previous versions; records what changed and rescreens
    /// the stored parties when something did.
    Fetch {
        /// csl, ofac (SDN and consolidated XML), un, eu, uk, or all (default; csl with --url).
        #[arg(long, value_name = "SOURCE")]
        source: Option<String>,
        /// Download a one-file source from this URL instead.
        #[arg(long, conflicts_with = "mirror")]
        url: Option<String>,
        /// Download every file from BASE/FILE (an internal mirror) instead.
        #[arg(long, value_name = "BASE")]
        mirror: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        loss: LossArgs,
    },
    /// Check a list file (or OFAC folder) parses, then add it to the configured lists.
    Add {
        path: PathBuf,
        /// Format when it cannot be recognised: csl-csv, csl-json, ofac, ofac-xml, ofac-cons-xml,
        /// un-xml, eu-xml, uk-xml, uk-csv, ofsi-csv, dpl, ftm, csv.
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
pub(crate) struct LossArgs {
    /// Refuse a replacement that has lost more than this percentage of the entries it
    /// replaces, in all or in one source (a cut download, a truncated file).
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    pub(crate) max_list_loss: f64,
    /// Accept the replacement however many entries it lost.
    #[arg(long)]
    pub(crate) force: bool,
}

impl LossArgs {
    pub(crate) fn guard(&self) -> Result<screening::LossGuard> {
        screening::LossGuard::from_percent(self.max_list_loss, self.force)
    }
}

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
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
pub(crate) enum LicencesCommand {
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
pub(crate) enum DispositionsCommand {
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
pub(crate) enum AuditCommand {
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
pub(crate) enum DataCommand {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_flags_are_consistent() {
        Cli::command().debug_assert();
    }

    /// Every `exctl …` line of every shell block in README.md and docs/,
    /// run or not by tests/doc_examples.rs, parses: a renamed flag cannot
    /// leave an example behind.
    #[test]
    fn every_documented_command_parses() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = vec![root.join("README.md")];
        for e in std::fs::read_dir(root.join("docs")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") {
                files.push(p);
            }
        }
        let mut parsed = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut inside = false;
            let mut command = String::new();
            for line in text.lines() {
                if line.starts_with("```") {
                    inside = line.starts_with("```sh");
                    continue;
                }
                if !inside {
                    continue;
                }
                let line = line.trim();
                if command.is_empty() && !line.starts_with("exctl ") {
                    continue;
                }
                // Continued lines end with a backslash.
                match line.strip_suffix('\\') {
                    Some(part) => {
                        command.push_str(part);
                        command.push(' ');
                        continue;
                    }
                    None => command.push_str(line),
                }
                // The shell splits the words (quotes, comments, `~`).
                let out = std::process::Command::new("sh")
                    .args(["-c", &format!("printf '%s\\0' {command}")])
                    .output()
                    .unwrap();
                let words: Vec<String> = String::from_utf8_lossy(&out.stdout)
                    .split('\0')
                    .filter(|w| !w.is_empty())
                    .map(String::from)
                    .collect();
                if let Err(e) = Cli::try_parse_from(&words) {
                    panic!("{}: {command}\n{e}", file.display());
                }
                parsed += 1;
                command.clear();
            }
        }
        assert!(parsed >= 30, "{parsed} documented commands");
    }
}
