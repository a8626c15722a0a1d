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
    let (j, number) = records::licence_ref(&licence)?;
    let date = parse_date(&date)?;
    let rt = records::runtime()?;
    let store = g.place.open(&rt)?;
    let receipt = rt
        .block_on(store.record_shipment(j, number, &reference, quantity, value, date, None))
        .map_err(records::store_error)?;
    println!("{}", render::receipt_text(&receipt));
    Ok(ExitCode::SUCCESS)
}
