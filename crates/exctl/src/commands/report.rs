//! `exctl report`: what an auditor asks for, from the records.

use super::prelude::*;
use exctl_app::reports;

pub(crate) fn run(g: &Globals, args: ReportArgs) -> Result<ExitCode> {
    let ReportArgs { command, output } = args;
    let rt = instance::runtime()?;
    let store = g.place.open_read(&rt)?;
    let text = match command {
        ReportCommand::Decision { id } => {
            let d = rt
                .block_on(store.decision(id))
                .map_err(instance::store_error)?;
            let cases = rt
                .block_on(store.cases_of_decision(id))
                .map_err(instance::store_error)?;
            reports::decision_html(&d, &cases, &store.key_id().unwrap_or_default())
        }
        ReportCommand::Decisions => {
            let rows = rt
                .block_on(store.history(&exctl_records::HistoryFilter::default()))
                .map_err(instance::store_error)?;
            reports::decisions_csv(&rows)?
        }
        ReportCommand::Cases { status } => {
            let all = rt
                .block_on(store.cases(status.as_deref()))
                .map_err(instance::store_error)?;
            reports::cases_csv(&all)?
        }
        ReportCommand::Licences => {
            let all = rt
                .block_on(store.licences(None))
                .map_err(instance::store_error)?;
            reports::licences_csv(&all)?
        }
    };
    match output {
        Some(path) => {
            std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
