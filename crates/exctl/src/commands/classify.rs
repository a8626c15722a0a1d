//! `exctl classify`: classify an item (catalog name or item file) under every pack.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: ClassifyArgs) -> Result<ExitCode> {
    let ClassifyArgs { item, common } = args;
    let data = load(&g.data)?;
    let item = item_arg(g, &data, &item)?;
    let query = Query {
        jurisdictions: common.jurisdictions.clone(),
        explain: common.explain,
        ..Query::classify(&item, parse_date(&common.as_of)?)
    };
    decide_and_print(&data, &query, common.json)
}
