//! `exctl licences`: licences on file.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: LicencesArgs) -> Result<ExitCode> {
    let LicencesArgs { command } = args;
    let rt = instance::runtime()?;
    match command {
        LicencesCommand::Add { file } => {
            let data = load(&g.data)?;
            let path = file.display().to_string();
            let bytes = std::fs::read(&file).map_err(|e| bad(format!("{path}: {e}")))?;
            let text =
                exctl_core::error::utf8_text(&path, bytes).map_err(|e| bad(e.to_string()))?;
            let store = g.place.open(&rt)?;
            let (id, licence) =
                rt.block_on(exctl_app::licences::add(&store, &data, &path, &text))?;
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
            let store = g.place.open_read(&rt)?;
            let list = rt
                .block_on(store.licences(jurisdiction.as_deref()))
                .map_err(instance::store_error)?;
            emit(json, serde_json::to_value(&list)?, || {
                render::licences_text(&list)
            })
        }
    }
}
