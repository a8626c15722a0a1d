//! `exctl history`: recorded checks and screens.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: HistoryArgs) -> Result<ExitCode> {
    let HistoryArgs {
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
    } = args;
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
    let rt = instance::runtime()?;
    let store = g.place.open_read(&rt)?;
    let page = rt.block_on(recording::history(&store, &filter, i64::MAX))?;
    if let Some(next) = page.next_before {
        eprintln!("more records: add --before {next} for the next page");
    }
    let rows = page.decisions;
    if csv {
        print!("{}", exctl_app::reports::decisions_csv(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    emit(json, serde_json::to_value(&rows)?, || {
        render::history_text(&rows)
    })
}
