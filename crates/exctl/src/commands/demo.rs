//! `exctl demo`: a short tour: the design-arounds and rule changes that shaped the field.

use super::prelude::*;

pub(crate) fn run(g: &Globals) -> Result<ExitCode> {
    let data = load(&g.data)?;
    print!("{}", render::demo(&data));
    Ok(ExitCode::SUCCESS)
}
