//! `exctl dispositions`: clear screening hits as false positives, and list clearances.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: DispositionsArgs) -> Result<ExitCode> {
    let DispositionsArgs { command } = args;
    let rt = instance::runtime()?;
    match command {
        DispositionsCommand::Clear {
            party,
            country,
            list,
            entry,
            reason,
        } => {
            let data = load(&g.data)?;
            let store = g.place.open(&rt)?;
            let request = exctl_app::licences::ClearRequest {
                party,
                country,
                list,
                entry,
                reason,
            };
            let file = rt.block_on(exctl_app::licences::clear(&store, &data, &request))?;
            println!(
                "clearance proposed on case {}: another officer approves it (exctl cases approve {}); the hit stays open until then",
                file.case.id, file.case.id
            );
            Ok(ExitCode::SUCCESS)
        }
        DispositionsCommand::List { json } => {
            let store = g.place.open_read(&rt)?;
            let all = rt
                .block_on(store.dispositions())
                .map_err(instance::store_error)?;
            emit(json, serde_json::to_value(&all)?, || {
                render::dispositions_text(&all)
            })
        }
    }
}
