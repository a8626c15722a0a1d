//! `exctl catalog`: list the catalog with TPP, performance density and H100-equivalents.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: CatalogArgs) -> Result<ExitCode> {
    let CatalogArgs { json } = args;
    let data = load(&g.data)?;
    emit(json, exctl_app::views::catalog_json(&data), || {
        render::catalog_table(&data)
    })
}
