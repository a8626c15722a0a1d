//! `exctl rescreen`: screen every recorded party against the current lists; report material changes.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: RescreenArgs) -> Result<ExitCode> {
    let RescreenArgs {
        lists,
        lists_dir,
        json,
    } = args;
    let data = load(&g.data)?;
    let rt = instance::runtime()?;
    let store = g.place.open(&rt)?;
    let dir = screening::lists_dir(lists_dir.as_deref(), &g.place.dir());
    let shell = exctl_app::Direct {
        store: Some(&store),
        screener: Box::new(|| parties::party_screener(&data.parties, &lists, &dir)),
    };
    let bar = std::sync::Arc::new(Bar::new("parties"));
    let today = chrono::Utc::now().date_naive();
    let report = rt.block_on(parties::rescreen(&shell, &store, &data, today, bar))?;
    emit(json, serde_json::to_value(&report)?, || {
        render::rescreen_text(&report)
    })
}
