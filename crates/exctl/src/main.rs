//! exctl: export-control classification and licence determination.
//!
//! A thin shell over `exctl-core` (decisions) and `exctl-data` (files):
//! parse arguments, load data, call the engine, print.

mod render;

use anyhow::{bail, Context as _, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use exctl_core::{Decision, FactValue, Facts, Query};
use exctl_data::{golden, Data, Files};
use std::path::PathBuf;
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
        #[arg(long)]
        item: String,
        /// Destination, ISO 3166 alpha-2 (e.g. CN, HK, MO, DE).
        #[arg(long, value_name = "CC")]
        to: String,
        /// End use (e.g. civil, supercomputer, advanced-node-ic, military).
        #[arg(long, value_name = "TEXT")]
        end_use: Option<String>,
        /// Country where the end user (or its ultimate parent) is headquartered.
        #[arg(long, value_name = "CC")]
        end_user_hq: Option<String>,
        /// A transaction fact a rule asked for, NAME=VALUE (repeatable).
        #[arg(long = "fact", value_name = "NAME=VALUE")]
        facts: Vec<String>,
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
    },
    /// A short tour: the design-arounds and rule changes that shaped the field.
    Demo,
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
enum DataCommand {
    /// Convert an eCFR Country Groups snapshot (JSON) into packs/countries/groups.toml.
    ImportCountryGroups {
        /// The snapshot, e.g. ../shared/data/eccn-mcp-seelpeed/country-groups.json
        snapshot: PathBuf,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A user-input problem: reported as one line, exit status 2.
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    BadInput(msg.into()).into()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.downcast_ref::<BadInput>().is_some() {
                eprintln!("error: {e}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn load(data: &Option<PathBuf>) -> Result<Data> {
    let files = match data {
        Some(dir) => Files::from_dir(dir).map_err(|e| bad(e.to_string()))?,
        None => Files::bundled(),
    };
    exctl_data::load(&files).map_err(|e| bad(format!("invalid data: {e}")))
}

fn parse_date(s: &Option<String>) -> Result<NaiveDate> {
    match s {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| bad(format!("--as-of {s:?} is not a date (expected YYYY-MM-DD)"))),
    }
}

fn parse_fact(s: &str) -> Result<(String, FactValue)> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| bad(format!("--fact {s:?}: expected NAME=VALUE")))?;
    let value = match v {
        "true" | "yes" => FactValue::Bool(true),
        "false" | "no" => FactValue::Bool(false),
        _ => match v.parse::<f64>() {
            Ok(n) => FactValue::Num(n),
            Err(_) => FactValue::Str(v.to_string()),
        },
    };
    Ok((k.trim().to_string(), value))
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
            item,
            to,
            end_use,
            end_user_hq,
            facts,
            common,
        } => {
            let data = load(&cli.data)?;
            let item = data.item(&item).map_err(|e| bad(e.to_string()))?;
            let mut stated = Facts::default();
            for f in &facts {
                let (k, v) = parse_fact(f)?;
                stated.set(&k, v);
            }
            if let Some(hq) = end_user_hq {
                stated.set(
                    "end_user_hq",
                    FactValue::Str(hq.trim().to_ascii_uppercase()),
                );
            }
            let query = Query {
                item: &item,
                as_of: parse_date(&common.as_of)?,
                destination: Some(to.trim().to_ascii_uppercase()),
                end_use,
                facts: stated,
                jurisdictions: common.jurisdictions.clone(),
                explain: common.explain,
            };
            decide_and_print(&data, &query, common.json)
        }
        Command::Catalog { json } => {
            let data = load(&cli.data)?;
            emit(json, render::catalog_json(&data), || {
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
            emit(common.json, render::compare_json(&decisions), || {
                render::compare_table(&decisions)
            })
        }
        Command::Rules { common } => {
            let data = load(&cli.data)?;
            let as_of = parse_date(&common.as_of)?;
            for j in &common.jurisdictions {
                if data.engine.pack(j).is_none() {
                    return Err(bad(format!("unknown jurisdiction {j:?}")));
                }
            }
            let rules = data.engine.rules_on(as_of, &common.jurisdictions);
            emit(common.json, render::rules_json(as_of, &rules), || {
                render::rules_table(as_of, &rules)
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
            DataCommand::ImportCountryGroups { snapshot, out } => {
                let files = match &cli.data {
                    Some(dir) => Files::from_dir(dir).map_err(|e| bad(e.to_string()))?,
                    None => Files::bundled(),
                };
                let countries_path = "packs/countries/countries.toml";
                let countries = exctl_core::CountryTable::from_toml(
                    countries_path,
                    files.get(countries_path).unwrap_or_default(),
                )
                .map_err(|e| bad(e.to_string()))?;
                let text = std::fs::read_to_string(&snapshot)
                    .map_err(|e| bad(format!("{}: {e}", snapshot.display())))?;
                let toml = exctl_data::import::country_groups_from_ecfr_json(
                    &snapshot.display().to_string(),
                    &text,
                    &countries,
                )
                .map_err(|e| bad(e.to_string()))?;
                match out {
                    Some(p) => std::fs::write(&p, toml)
                        .with_context(|| format!("writing {}", p.display()))?,
                    None => print!("{toml}"),
                }
                Ok(ExitCode::SUCCESS)
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
