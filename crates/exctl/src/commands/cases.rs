//! `exctl cases`: the queue of open hits and held orders, worked and
//! released with a second officer's approval.

use super::prelude::*;
use exctl_app::cases::{act, CaseRequest};

pub(crate) fn run(g: &Globals, args: CasesArgs) -> Result<ExitCode> {
    let CasesArgs { command } = args;
    let rt = instance::runtime()?;
    let (id, action, request, bytes) = match command {
        CasesCommand::List { status, json } => {
            let store = g.place.open_read(&rt)?;
            let all = rt
                .block_on(store.cases(status.as_deref()))
                .map_err(instance::store_error)?;
            return emit(json, serde_json::to_value(&all)?, || {
                render::cases_text(&all)
            });
        }
        CasesCommand::Show { id, json } => {
            let store = g.place.open_read(&rt)?;
            let file = rt.block_on(store.case(id)).map_err(instance::store_error)?;
            return emit(json, serde_json::to_value(&file)?, || {
                render::case_text(&file)
            });
        }
        CasesCommand::Evidence { id, event, output } => {
            let store = g.place.open_read(&rt)?;
            let e = rt
                .block_on(store.evidence(id, event))
                .map_err(instance::store_error)?;
            std::fs::write(&output, &e.bytes)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "wrote {} ({} bytes, sha256 {}) to {}",
                e.name,
                e.bytes.len(),
                e.sha256,
                output.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        CasesCommand::Assign { id, assignee } => (
            id,
            "assign",
            CaseRequest {
                assignee: Some(assignee),
                ..Default::default()
            },
            None,
        ),
        CasesCommand::Comment { id, text } => (
            id,
            "comment",
            CaseRequest {
                text: Some(text),
                ..Default::default()
            },
            None,
        ),
        CasesCommand::Attach { id, file, note } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                id,
                "attach",
                CaseRequest {
                    name: Some(name),
                    text: note,
                    ..Default::default()
                },
                Some(bytes),
            )
        }
        CasesCommand::Escalate { id, reason } => (
            id,
            "escalate",
            CaseRequest {
                reason: Some(reason),
                ..Default::default()
            },
            None,
        ),
        CasesCommand::Propose {
            id,
            resolution,
            reason,
        } => (
            id,
            "propose",
            CaseRequest {
                resolution: Some(resolution),
                reason: Some(reason),
                ..Default::default()
            },
            None,
        ),
        CasesCommand::Approve { id, note } => (
            id,
            "approve",
            CaseRequest {
                text: note,
                ..Default::default()
            },
            None,
        ),
        CasesCommand::Reject { id, reason } => (
            id,
            "reject",
            CaseRequest {
                reason: Some(reason),
                ..Default::default()
            },
            None,
        ),
    };
    let store = g.place.open(&rt)?;
    let file = rt.block_on(act(&store, id, action, &request, bytes))?;
    print!("{}", render::case_text(&file));
    rt.block_on(store.close());
    Ok(ExitCode::SUCCESS)
}
