//! `exctl rescreen`: screen every recorded party against the current lists; report material changes.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: RescreenArgs) -> Result<ExitCode> {
    let RescreenArgs {
        lists,
        lists_dir,
        json,
    } = args;
    let data = load(&g.data)?;
    let rt = records::runtime()?;
    let store = g.place.open(&rt)?;
    let screener = records::party_screener(
        &data.parties,
        &lists,
        &screening::lists_dir(lists_dir.as_deref(), &g.place.dir()),
    )?;
    let parties = rt.block_on(store.parties()).map_err(records::store_error)?;
    let results = records::rescreen_all(&screener, parties, &Bar::new("parties"));
    let report = rt
        .block_on(store.apply_rescreen(&screener.version().hash, &results))
        .map_err(records::store_error)?;
    emit(json, serde_json::to_value(&report)?, || {
        render::rescreen_text(&report)
    })
}
