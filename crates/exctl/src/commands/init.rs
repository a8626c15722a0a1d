//! `exctl init`: create this instance's ML-DSA-65 key pair and records database.

use super::prelude::*;

pub(crate) fn run(g: &Globals) -> Result<ExitCode> {
    let rt = instance::runtime()?;
    print!("{}", g.place.init(&rt)?);
    Ok(ExitCode::SUCCESS)
}
