//! `exctl impact`: which orders change their answer between two dates or two rule-pack versions.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: ImpactArgs) -> Result<ExitCode> {
    let ImpactArgs {
        input,
        output,
        from,
        to,
        old_data,
    } = args;
    g.place
        .ensure_not_own(&output, &screening::lists_dir(None, &g.place.dir()))?;
    let data = load(&g.data)?;
    let from_date = parse_date(&from)?;
    let to_date = match &to {
        Some(_) => parse_date(&to)?,
        None => from_date,
    };
    let old = match &old_data {
        Some(dir) => load(&Some(dir.clone()))?,
        None => load(&g.data)?,
    };
    if old_data.is_none() && from_date == to_date {
        return Err(bad(
            "give --from and --to dates that differ, or --old-data for another rule-pack version",
        ));
    }
    let stats = books::impact(
        (&old, from_date),
        (&data, to_date),
        &input,
        &output,
        &Bar::new("rows"),
    )?;
    eprintln!(
        "{} of {} rows change between {from_date} and {to_date}{}; {} in error; wrote {}",
        stats.changed,
        stats.rows,
        if old_data.is_some() {
            " (old rule packs → current)"
        } else {
            ""
        },
        stats.errors,
        output.display()
    );
    Ok(rows_exit(stats.errors))
}
