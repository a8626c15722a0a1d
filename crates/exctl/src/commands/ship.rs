//! `exctl ship`: record a shipment against a licence, drawing it down.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: ShipArgs) -> Result<ExitCode> {
    let ShipArgs {
        licence,
        reference,
        quantity,
        value,
        date,
    } = args;
    let request = exctl_app::licences::ShipmentRequest {
        licence,
        reference,
        quantity,
        value,
        date: date
            .as_ref()
            .map(|_| parse_flag_date("--date", &date))
            .transpose()?,
    };
    let rt = instance::runtime()?;
    let store = g.place.open(&rt)?;
    let today = chrono::Utc::now().date_naive();
    let receipt = rt.block_on(exctl_app::licences::ship(&store, &request, today))?;
    println!("{}", render::receipt_text(&receipt));
    Ok(ExitCode::SUCCESS)
}
