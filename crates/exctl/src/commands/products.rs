//! `exctl products`: the instance's own products, versioned.

use super::prelude::*;
use exctl_app::products::{self, Products};

pub(crate) fn run(g: &Globals, args: ProductsArgs) -> Result<ExitCode> {
    let ProductsArgs { command } = args;
    let data = load(&g.data)?;
    let rt = instance::runtime()?;
    match command {
        ProductsCommand::Add {
            files,
            reason,
            json,
        } => {
            let store = g.place.open(&rt)?;
            let known = rt.block_on(Products::load(&store))?;
            // Every file is read and every item checked before anything is
            // saved: a bad item anywhere saves nothing.
            let mut checked = Vec::new();
            for file in &files {
                let name = file.display().to_string();
                let bytes =
                    std::fs::read(file).map_err(|e| bad(format!("{name}: cannot read: {e}")))?;
                let text =
                    exctl_core::error::utf8_text(&name, bytes).map_err(|e| bad(e.to_string()))?;
                let definitions = products::definitions_in(&name, &text)?;
                checked.extend(products::check_definitions(
                    &data,
                    &known,
                    &name,
                    &text,
                    definitions,
                    chrono::Local::now().date_naive(),
                )?);
            }
            let saved = rt.block_on(products::save(&store, &checked, reason.as_deref(), None))?;
            rt.block_on(store.close());
            emit(json, serde_json::to_value(&saved)?, || {
                render::products_saved_text(&saved)
            })
        }
        ProductsCommand::List { json } => {
            let all = own_products(g)?;
            let view = products::list_json(&data, &all);
            emit(json, view.clone(), || render::products_text(&view))
        }
        ProductsCommand::Show { name, json } => {
            let store = g.place.open_read(&rt)?;
            let all = rt.block_on(Products::for_item(&store, &name))?;
            rt.block_on(store.close());
            let view = products::show_json(&data, &all, &name)?;
            emit(json, view.clone(), || render::product_text(&view))
        }
        ProductsCommand::Retire { name, reason } => {
            let store = g.place.open(&rt)?;
            let v = rt
                .block_on(store.retire_product(&name, &reason))
                .map_err(instance::store_error)?;
            rt.block_on(store.close());
            println!(
                "{} retired as version {}: new checks may no longer name it ({}@{} and earlier stay readable)",
                v.name,
                v.version,
                v.name,
                v.version - 1
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
