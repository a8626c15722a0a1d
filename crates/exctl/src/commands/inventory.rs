//! `exctl inventory`: classify the GPUs this machine has (NVML), or those in nvidia-smi -q -x reports.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: InventoryArgs) -> Result<ExitCode> {
    let InventoryArgs { from, common } = args;
    let data = load(&g.data)?;
    let as_of = parse_date(&common.as_of)?;
    for j in &common.jurisdictions {
        if data.engine.pack(j).is_none() {
            return Err(bad(format!("unknown jurisdiction {j:?}")));
        }
    }
    let gpus = match &from {
        Some(p) => exctl_inventory::from_path(p).map_err(|e| bad(e.to_string()))?,
        None => match exctl_inventory::local() {
            Ok(g) => g,
            Err(e @ exctl_inventory::InventoryError::NoNvml(_)) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(4));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let report = crate::inventory::classify(&data, gpus, as_of, &common.jurisdictions);
    emit(common.json, serde_json::to_value(&report)?, || {
        crate::inventory::text(&report)
    })
}
