//! `exctl golden`: validate the data and run every pack's golden cases.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: GoldenArgs) -> Result<ExitCode> {
    let GoldenArgs { jurisdictions } = args;
    let data = load(&g.data)?;
    data.engine
        .check_jurisdictions(&jurisdictions)
        .map_err(|e| bad(format!("--jurisdiction: {e}")))?;
    let mut failed = 0usize;
    let mut total = 0usize;
    for pack in &data.engine.packs {
        let id = &pack.meta.id;
        if !jurisdictions.is_empty() && !jurisdictions.contains(id) {
            continue;
        }
        let results = golden::run_pack(&data, id).map_err(|e| bad(e.to_string()))?;
        for r in &results {
            total += 1;
            if !r.failures.is_empty() {
                failed += 1;
                println!("FAIL {id} {} — {}", r.file, r.name);
                for f in &r.failures {
                    println!("     {f}");
                }
            }
        }
        println!(
            "{id}: {} golden cases, {} failed",
            results.len(),
            results.iter().filter(|r| !r.failures.is_empty()).count()
        );
    }
    if failed > 0 {
        println!("{failed} of {total} golden cases failed");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
