//! exctl: export-control classification, party screening and licence
//! determination from the command line.
//!
//! A thin shell over `exctl-app` (the use cases), `exctl-core` (decisions)
//! and `exctl-data` (files): `cli` holds the flags, `commands/` one file per
//! command; this file wires them and maps errors to exit statuses.

mod cli;
mod commands;
mod inventory;
mod render;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

pub(crate) use exctl_app::{bad, bad_field, instance, parties, recording, screening, BadInput};

// Screening a batch allocates small vectors by the million: mimalloc is
// measurably faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        quit_quietly_on_closed_pipe();
    }
    match commands::run(cli) {
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
    if field == "lists" {
        return format!(
            "no restricted-party lists: {}\n  `exctl lists fetch` fetches the official CSL, `exctl lists add FILE` adds a list, `--list FILE` names one (`--list demo`)",
            b.reason
        );
    }
    // A nested field (`end_user.country`) is its flag and the part of it.
    let (head, part) = match field.split_once('.') {
        Some((head, part)) => (head, Some(part)),
        None => (field.as_str(), None),
    };
    let flag = match head {
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
        "max_list_loss" => "--max-list-loss",
        "authority" => "--authority",
        "reference" => "--reference",
        "licence" => "--licence",
        "entry" => "--entry",
        "reason" => "--reason",
        "list" => "--list",
        other => other,
    };
    match part {
        Some(part) => format!("{flag} ({}): {}", part.replace('.', " "), b.reason),
        None => format!("{flag}: {}", b.reason),
    }
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
