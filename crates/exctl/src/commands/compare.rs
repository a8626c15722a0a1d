//! `exctl compare`: show items side by side with their ratios to the first.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: CompareArgs) -> Result<ExitCode> {
    let CompareArgs { items, common } = args;
    let data = load(&g.data)?;
    let as_of = parse_date(&common.as_of)?;
    let mut decisions = Vec::new();
    let resolved: Vec<_> = items
        .iter()
        .map(|i| item_arg(g, &data, i))
        .collect::<Result<_>>()?;
    for item in &resolved {
        let q = Query {
            jurisdictions: common.jurisdictions.clone(),
            ..Query::classify(item, as_of)
        };
        data.engine.validate(&q).map_err(|e| bad(e.to_string()))?;
        decisions.push(data.engine.decide(&q));
    }
    emit(
        common.json,
        exctl_app::views::compare_json(&decisions),
        || render::compare_table(&decisions),
    )
}
