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
        interactive,
        ..
    } = args;
    let data = load(&g.data)?;
    let item_arg = item.ok_or_else(|| bad("--item is required"))?;
    let item = super::item_arg(g, &data, &item_arg)?;
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
    let request = if interactive {
        let mut input = std::io::stdin().lock();
        let mut out = std::io::stdout().lock();
        rt.block_on(interview(
            &shell, &place, &item, request, &mut input, &mut out,
        ))?
    } else {
        request
    };
    let answer = rt.block_on(check::run(&shell, &place, item, request))?;
    note_unrecorded(g, no_record);
    if common.json {
        println!("{}", serde_json::to_string_pretty(&answer.to_json())?);
    } else {
        let open_hits = answer.screened.as_ref().map_or(0, |f| f.hits.len());
        if let Some(summary) = exctl_core::summary::summarise(&answer.prepared.decision, open_hits)
        {
            print!("{}", render::summary_text(&summary));
        }
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
        products: own_products(g)?,
        jurisdictions: common.jurisdictions.clone(),
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

/// `check --interactive`: checks without a record, asks each question a
/// stated fact answers, and checks again until none is left (or the user
/// leaves the rest open); says what each round of answers changed. The
/// request with the answers is returned for the check that counts.
async fn interview<S: exctl_app::Shell>(
    shell: &S,
    place: &exctl_app::Context<'_>,
    item: &exctl_core::Item,
    mut request: exctl_app::check::CheckRequest,
    input: &mut impl std::io::BufRead,
    out: &mut impl std::io::Write,
) -> Result<exctl_app::check::CheckRequest> {
    use exctl_app::check;
    let mut skipped: std::collections::BTreeSet<String> = Default::default();
    let mut before: Option<Vec<(String, Option<exctl_core::Outcome>)>> = None;
    let mut last_good = request.clone();
    loop {
        let mut look = request.clone();
        look.record = Some(false);
        look.ship = None;
        let answer = match check::run(shell, place, item.clone(), look).await {
            Ok(a) => a,
            // An answer the check refuses is asked again; the others stand.
            Err(e) if before.is_some() => {
                writeln!(out, "\nnot accepted: {e:#}")?;
                request = last_good.clone();
                continue;
            }
            Err(e) => return Err(e),
        };
        last_good = request.clone();
        let decision = &answer.prepared.decision;
        let outcomes: Vec<(String, Option<exctl_core::Outcome>)> =
            std::iter::once(("overall".to_string(), decision.overall))
                .chain(
                    decision
                        .determinations
                        .iter()
                        .map(|d| (d.jurisdiction.clone(), d.outcome)),
                )
                .collect();
        if let Some(before) = &before {
            writeln!(out, "{}", render::outcome_changes(before, &outcomes))?;
        }
        before = Some(outcomes);
        // Each fact once, whichever rules ask for it.
        let mut asked: Vec<&exctl_core::vocab::Answer> = Vec::new();
        let mut questions: Vec<&exctl_core::Question> = Vec::new();
        for q in decision.determinations.iter().flat_map(|d| &d.questions) {
            if let Some(a) = &q.answer {
                if !skipped.contains(&a.fact) && !asked.iter().any(|x| x.fact == a.fact) {
                    asked.push(a);
                    questions.push(q);
                }
            }
        }
        if questions.is_empty() {
            return Ok(request);
        }
        for (q, a) in questions.iter().zip(asked) {
            match ask(q, a, input, out)? {
                Asked::Value(v) if a.field == "end_use" => {
                    request.end_use = v.as_str().map(str::to_string);
                }
                Asked::Value(v) => {
                    request.facts.insert(a.fact.clone(), v);
                }
                Asked::Skip => {
                    skipped.insert(a.fact.clone());
                }
                Asked::End => return Ok(request),
            }
        }
    }
}

enum Asked {
    Value(serde_json::Value),
    /// Left open: the check says it still needs it.
    Skip,
    /// The input ended.
    End,
}

/// Asks one question until the answer is one its type allows.
fn ask(
    q: &exctl_core::Question,
    a: &exctl_core::vocab::Answer,
    input: &mut impl std::io::BufRead,
    out: &mut impl std::io::Write,
) -> Result<Asked> {
    writeln!(out, "\n{} [rule {}]", q.question, q.rule)?;
    for (i, c) in a.choices.iter().enumerate() {
        writeln!(out, "  {:>2}. {} — {}", i + 1, c.value, c.text)?;
    }
    loop {
        let prompt = match a.input.as_str() {
            "bool" => "yes or no".to_string(),
            "country" => "a country code (e.g. US, DE, CN)".to_string(),
            "number" => format!(
                "a number{}",
                if a.unit.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", a.unit)
                }
            ),
            "list" => "none, or numbers/values separated by commas".to_string(),
            _ if !a.choices.is_empty() => "a number or value from the list".to_string(),
            _ => "text".to_string(),
        };
        write!(out, "{} ({prompt}; empty leaves it open): ", a.label)?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            writeln!(out)?;
            return Ok(Asked::End);
        }
        let line = line.trim();
        if line.is_empty() {
            return Ok(Asked::Skip);
        }
        if line.chars().count() > 200 {
            writeln!(out, "  not understood: an answer of over 200 characters")?;
            continue;
        }
        match parse_answer(a, line) {
            Ok(v) => return Ok(Asked::Value(v)),
            Err(why) => writeln!(out, "  not understood: {why}")?,
        }
    }
}

/// Reads a typed answer: a choice by number or value, yes/no, a number,
/// a country code. The check itself validates the value again.
fn parse_answer(
    a: &exctl_core::vocab::Answer,
    line: &str,
) -> std::result::Result<serde_json::Value, String> {
    let choice = |word: &str| -> std::result::Result<String, String> {
        let word = word.trim();
        if let Ok(n) = word.parse::<usize>() {
            return a
                .choices
                .get(n.wrapping_sub(1))
                .map(|c| c.value.clone())
                .ok_or_else(|| format!("{n} is not one of 1–{}", a.choices.len()));
        }
        let folded = word.to_lowercase();
        if a.choices.is_empty() || a.choices.iter().any(|c| c.value == folded) {
            Ok(folded)
        } else {
            let values: Vec<String> = a.choices.iter().map(|c| c.value.clone()).collect();
            Err(exctl_core::vocab::unknown_value(word, &values))
        }
    };
    match a.input.as_str() {
        "bool" => match line.to_lowercase().as_str() {
            "y" | "yes" | "true" => Ok(serde_json::Value::Bool(true)),
            "n" | "no" | "false" => Ok(serde_json::Value::Bool(false)),
            other => Err(format!("{other:?} is not yes or no")),
        },
        "number" => line
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| serde_json::json!(n))
            .ok_or_else(|| format!("{line:?} is not a number")),
        "country" => {
            let code = line.to_uppercase();
            if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
                Ok(serde_json::Value::String(code))
            } else {
                Err(format!("{line:?} is not a two-letter country code"))
            }
        }
        "list" if line.eq_ignore_ascii_case("none") => Ok(serde_json::json!(["none"])),
        "list"
            if line
                .split(',')
                .any(|w| w.trim().eq_ignore_ascii_case("none")) =>
        {
            Err("\"none\" stands alone: it says no value applies".to_string())
        }
        "list" => {
            let mut values = line
                .split(',')
                .map(choice)
                .collect::<std::result::Result<Vec<_>, _>>()?;
            // "1,1,3" means flags 1 and 3.
            let mut seen = std::collections::BTreeSet::new();
            values.retain(|v| seen.insert(v.clone()));
            Ok(serde_json::json!(values))
        }
        _ => choice(line).map(serde_json::Value::String),
    }
}
