//! `exctl impact`: which orders change their answer between two dates or two rule-pack versions.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: ImpactArgs) -> Result<ExitCode> {
    let ImpactArgs {
        input,
        output,
        from,
        to,
        old_data,
        lists,
        lists_dir,
    } = args;
    let lists_dir = screening::lists_dir(lists_dir.as_deref(), &g.place.dir());
    g.place.ensure_not_own(&output, &lists_dir)?;
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
    // Each side screens the book's parties against the same lists, with the
    // parties its own rule packs designate.
    let screener = |d: &exctl_data::Data| parties::party_screener(&d.parties, &lists, &lists_dir);
    let stats = books::impact(
        (&old, from_date),
        (&data, to_date),
        &input,
        &output,
        &screener,
        &own_products(g)?,
        &Bar::new("rows"),
    )?;
    for w in &stats.warnings {
        eprintln!("warning: {w}");
    }
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
