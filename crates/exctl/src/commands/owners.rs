//! `exctl owners`: ownership records and what the 50 % rules make of them.

use super::prelude::*;
use exctl_app::owners;

pub(crate) fn run(g: &Globals, args: OwnersArgs) -> Result<ExitCode> {
    let OwnersArgs { command } = args;
    let rt = instance::runtime()?;
    match command {
        OwnersCommand::Import {
            file,
            format,
            source,
            replace,
            json,
        } => {
            let name = file.display().to_string();
            let bytes =
                std::fs::read(&file).map_err(|e| bad(format!("{name}: cannot read: {e}")))?;
            let store = g.place.open(&rt)?;
            let report = rt.block_on(owners::import(
                &store,
                &name,
                bytes,
                format.as_deref(),
                source.as_deref(),
                replace,
            ))?;
            rt.block_on(store.close());
            emit(json, serde_json::to_value(&report)?, || {
                render::owners_import_text(&report)
            })
        }
        OwnersCommand::Show { party, weigh, json } => {
            let (data, as_of, screener, store) = weighing(g, &rt, &weigh)?;
            let answer = rt.block_on(owners::show(&store, &data, &screener, &party, as_of))?;
            rt.block_on(store.close());
            emit(json, serde_json::to_value(&answer)?, || {
                render::owners_text(&answer)
            })
        }
        OwnersCommand::Evaluate { weigh, json } => {
            let (data, as_of, screener, store) = weighing(g, &rt, &weigh)?;
            let e = rt.block_on(owners::evaluate(&store, &data, &screener, as_of))?;
            rt.block_on(store.close());
            emit(json, serde_json::to_value(&e)?, || {
                render::owners_evaluation_text(&e)
            })
        }
        OwnersCommand::Imports { json } => {
            let store = g.place.open_read(&rt)?;
            let imports = rt.block_on(store.ownership_imports())?;
            rt.block_on(store.close());
            emit(json, serde_json::to_value(&imports)?, || {
                render::owners_imports_text(&imports)
            })
        }
    }
}

/// The data, date, lists and records ownership is weighed with.
fn weighing(
    g: &Globals,
    rt: &tokio::runtime::Runtime,
    w: &WeighArgs,
) -> Result<(
    std::sync::Arc<Data>,
    NaiveDate,
    exctl_screen::Screener,
    exctl_records::Store,
)> {
    let data = load(&g.data)?;
    let as_of = parse_date(&w.as_of)?;
    let dir = screening::lists_dir(w.lists_dir.as_deref(), &g.place.dir());
    let screener = parties::party_screener(&data.parties, &w.lists, &dir)?;
    let store = g.place.open_read(rt)?;
    Ok((data, as_of, screener, store))
}
