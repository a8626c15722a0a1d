//! `exctl data`: maintain the data files.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: DataArgs) -> Result<ExitCode> {
    let DataArgs { command } = args;
    match command {
        DataCommand::ImportEpoch { csv, min_flop, out } => {
            if let Some(o) = &out {
                exctl_app::paths::ensure_distinct(&csv, o)?;
            }
            let mut files = files(&g.data)?;
            // The generated file must not collide with itself when regenerated.
            files.remove("catalog/models-epoch.toml");
            let data = exctl_data::load(&files).map_err(|e| bad(e.to_string()))?;
            let text = std::fs::read_to_string(&csv)
                .map_err(|e| bad(format!("{}: {e}", csv.display())))?;
            let known = |n: &str| data.catalog.resolve(n).is_ok();
            let toml = exctl_data::import::models_from_epoch_csv(
                &csv.display().to_string(),
                &text,
                min_flop,
                &known,
            )
            .map_err(|e| bad(e.to_string()))?;
            write_or_print(out, &toml, &csv)
        }
        DataCommand::ImportCcl { snapshot, out } => {
            if let Some(o) = &out {
                exctl_app::paths::ensure_distinct(&snapshot, o)?;
            }
            let text = std::fs::read_to_string(&snapshot)
                .map_err(|e| bad(format!("{}: {e}", snapshot.display())))?;
            let json =
                exctl_data::import::ccl_from_ecfr_json(&snapshot.display().to_string(), &text)
                    .map_err(|e| bad(e.to_string()))?;
            write_or_print(out, &json, &snapshot)
        }
        DataCommand::ImportCountryGroups { snapshot, out } => {
            if let Some(o) = &out {
                exctl_app::paths::ensure_distinct(&snapshot, o)?;
            }
            let countries =
                exctl_data::countries(&files(&g.data)?).map_err(|e| bad(e.to_string()))?;
            let text = std::fs::read_to_string(&snapshot)
                .map_err(|e| bad(format!("{}: {e}", snapshot.display())))?;
            let toml = exctl_data::import::country_groups_from_ecfr_json(
                &snapshot.display().to_string(),
                &text,
                &countries,
            )
            .map_err(|e| bad(e.to_string()))?;
            write_or_print(out, &toml, &snapshot)
        }
    }
}
