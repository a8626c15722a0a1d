//! `exctl screen`: screen a party (or a CSV of parties) against restricted-party lists.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: ScreenArgs) -> Result<ExitCode> {
    let ScreenArgs {
        name,
        country,
        entity_type,
        dob,
        ids,
        lists,
        limit,
        threshold,
        json,
        input,
        output,
        lists_dir,
        no_record,
        batch_id,
    } = args;
    let data = load(&g.data)?;
    let dir = screening::lists_dir(lists_dir.as_deref(), &g.place.dir());
    // The lists in use and the parties rule packs designate, as the
    // server and the checks screen against.
    let build = || parties::party_screener(&data.parties, &lists, &dir);
    if let (Some(input), Some(output)) = (input, output) {
        if dob.is_some() || !ids.is_empty() || name.is_some() {
            return Err(bad(
                "a batch screens its rows: NAME, --dob and --id describe one party (a batch gives them in its `name`, `dob` and `ids` columns)",
            ));
        }
        if !(0.0..=1.0).contains(&threshold) {
            return Err(bad_field(
                "threshold",
                format!("{threshold} is not between 0 and 1"),
            ));
        }
        if !(1..=screening::MAX_LIMIT).contains(&limit) {
            return Err(bad_field(
                "limit",
                format!("{limit} is not between 1 and {}", screening::MAX_LIMIT),
            ));
        }
        g.place.ensure_not_own(&output, &dir)?;
        // The input is read and checked while the lists are indexed.
        let (screener, input) = std::thread::scope(|s| {
            let reading = s.spawn(|| screening::BatchInput::read(&input));
            let screener = build();
            let input = reading
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("reading {} failed", input.display())));
            (screener, input)
        });
        let (screener, input) = (screener?, input?);
        let mut recorder = if no_record || !g.place.initialised() {
            None
        } else {
            let rt = instance::runtime()?;
            let store = g.place.open(&rt)?;
            let date = chrono::Utc::now().date_naive();
            let id = recording::Recorder::batch_id(input.path(), date, batch_id)?;
            Some(recording::Recorder::new(rt, store, id))
        };
        let summary = screening::batch(
            &screener,
            (&input, &output),
            (limit, threshold),
            &data.engine.countries,
            recorder.as_mut(),
            &Bar::new("parties"),
        )?;
        if let Some(r) = recorder {
            r.finish()?;
        }
        note_unrecorded(g, no_record);
        let screening::BatchSummary {
            rows,
            screens,
            hit_rows,
            errors,
        } = summary;
        eprintln!(
            "screened {rows} rows in {screens} screens (a repeated party is screened once): {hit_rows} hit rows, {errors} rows in error; wrote {}",
            output.display()
        );
        return Ok(if errors > 0 {
            ExitCode::from(3)
        } else {
            ExitCode::SUCCESS
        });
    }
    let name =
        name.ok_or_else(|| bad("give a NAME to screen, or --input and --output for a batch"))?;
    let request = screening::ScreenRequest {
        name,
        country,
        entity_type,
        dob,
        ids,
        limit: Some(limit),
        threshold: Some(threshold),
        record: Some(!no_record),
    };
    let rt = instance::runtime()?;
    let store = if g.place.initialised() && !no_record {
        Some(g.place.open(&rt)?)
    } else {
        None
    };
    let shell = exctl_app::Direct {
        store: store.as_ref(),
        screener: Box::new(build),
    };
    let context = exctl_app::Context {
        data: data.clone(),
        store: store.as_ref(),
        actor: None,
        today: chrono::Utc::now().date_naive(),
    };
    let answer = rt.block_on(screening::screen(&shell, &context, request))?;
    note_unrecorded(g, no_record);
    drop((shell, context));
    if let Some(store) = store {
        rt.block_on(store.close());
    }
    emit(json, answer.to_json(), || answer.to_text())
}
