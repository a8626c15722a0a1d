//! `exctl check`: determine whether a shipment needs a licence, per jurisdiction and overall.

use super::prelude::*;

/// `exctl check`: one shipment, or an order book with `--input`.
pub(crate) fn run(g: &Globals, args: CheckArgs) -> Result<ExitCode> {
    if let (Some(input), Some(output)) = (args.input.clone(), args.output.clone()) {
        return book(g, args, input, output);
    }
    let CheckArgs {
        item,
        to,
        end_use,
        end_use_note,
        end_user_hq,
        facts,
        deemed,
        end_user,
        consignee,
        intermediate,
        quantity,
        value,
        ship,
        lists,
        lists_dir,
        no_record,
        common,
        ..
    } = args;
    let data = load(&g.data)?;
    let item_arg = item.ok_or_else(|| bad("--item is required"))?;
    let item = data
        .item(&item_arg)
        .map_err(|e| exctl_app::bad_field("item", e.to_string()))?;
    use exctl_app::check::{self, CheckRequest, PartyIn};
    use exctl_core::parties::Role;
    let request = CheckRequest {
        item: item.id.clone(),
        to: to.ok_or_else(|| bad("--to is required"))?,
        as_of: common
            .as_of
            .as_ref()
            .map(|_| parse_date(&common.as_of))
            .transpose()?,
        end_use,
        end_use_note,
        end_user_hq,
        facts: check::facts_from_specs(facts.iter().map(String::as_str))?,
        deemed,
        end_user: end_user
            .as_deref()
            .map(|p| PartyIn::parse(Role::EndUser, p))
            .transpose()?,
        consignee: consignee
            .as_deref()
            .map(|p| PartyIn::parse(Role::Consignee, p))
            .transpose()?,
        intermediates: intermediate
            .iter()
            .map(|p| PartyIn::parse(Role::Intermediate, p))
            .collect::<Result<_>>()?,
        quantity,
        value,
        jurisdictions: common.jurisdictions.clone(),
        explain: common.explain,
        ship: ship.clone(),
        record: Some(!no_record),
    };
    // A look that leaves no record still reads the instance's
    // clearances and licences, so it answers as the recorded check.
    let rt = instance::runtime()?;
    let store = if ship.is_some() || (g.place.initialised() && !no_record) {
        Some(g.place.open(&rt)?)
    } else if g.place.initialised() {
        // Read only: a look without a record writes nothing at all.
        Some(g.place.open_read(&rt)?)
    } else {
        None
    };
    let lists_dir = screening::lists_dir(lists_dir.as_deref(), &g.place.dir());
    let shell = exctl_app::Direct {
        store: store.as_ref(),
        screener: Box::new(|| parties::party_screener(&data.parties, &lists, &lists_dir)),
    };
    let place = exctl_app::Context {
        data: data.clone(),
        store: store.as_ref(),
        actor: None,
        today: chrono::Utc::now().date_naive(),
    };
    let answer = rt.block_on(check::run(&shell, &place, item, request))?;
    note_unrecorded(g, no_record);
    if common.json {
        println!("{}", serde_json::to_string_pretty(&answer.to_json())?);
    } else {
        print!(
            "{}",
            render::decision_text(&answer.prepared.decision, common.explain)
        );
        if let Some(found) = &answer.screened {
            print!(
                "{}",
                render::parties_text(&answer.prepared.parties, &found.hits, &found.cleared)
            );
        }
        for w in &answer.warnings {
            println!("warning: {w}");
        }
        if let Some(id) = answer.record {
            println!("recorded as decision {id}");
        }
        if ship.is_some() && answer.shipments.is_empty() && answer.not_shipped.is_none() {
            println!("no licence needed for this shipment: nothing to draw down");
        }
        for receipt in &answer.shipments {
            println!("{}", render::receipt_text(receipt));
        }
    }
    drop((shell, place));
    if let Some(store) = store {
        rt.block_on(store.close());
    }
    match answer.not_shipped {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// A whole order book, row by row.
fn book(g: &Globals, args: CheckArgs, input: PathBuf, output: PathBuf) -> Result<ExitCode> {
    let CheckArgs {
        common,
        no_record,
        batch_id,
        lists,
        lists_dir,
        ..
    } = args;
    g.place.ensure_not_own(
        &output,
        &screening::lists_dir(lists_dir.as_deref(), &g.place.dir()),
    )?;
    let data = load(&g.data)?;
    let date = parse_date(&common.as_of)?;
    let (recorder, reading) = if !g.place.initialised() {
        (None, None)
    } else if no_record {
        // Read only: the clearances and licences on file still apply.
        let rt = instance::runtime()?;
        let store = g.place.open_read(&rt)?;
        (None, Some((rt, store)))
    } else {
        let rt = instance::runtime()?;
        let store = g.place.open(&rt)?;
        let id = recording::Recorder::batch_id(&input, date, batch_id)?;
        (Some(recording::Recorder::new(rt, store, id)), None)
    };
    let ctx = books::BookContext {
        screener: Box::new(|| {
            parties::party_screener(
                &data.parties,
                &lists,
                &screening::lists_dir(lists_dir.as_deref(), &g.place.dir()),
            )
        }),
        recorder,
        reading,
    };
    let stats = books::check_book(&data, &input, &output, date, ctx, &Bar::new("rows"))?;
    note_unrecorded(g, no_record);
    for w in &stats.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "checked {} rows, {} in error; wrote {}",
        stats.rows,
        stats.errors,
        output.display()
    );
    Ok(rows_exit(stats.errors))
}
