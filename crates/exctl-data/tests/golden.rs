//! Runs every rule pack's golden cases against the bundled data.

use exctl_data::{golden, load, Files};

#[test]
fn every_golden_case_of_every_pack_passes() {
    let data = load(&Files::bundled()).expect("bundled data loads");
    let mut failures = Vec::new();
    let mut total = 0;
    for pack in &data.engine.packs {
        let results = golden::run_pack(&data, &pack.meta.id).expect("golden files parse");
        assert!(
            !results.is_empty(),
            "pack {} has no golden cases",
            pack.meta.id
        );
        for r in results {
            total += 1;
            if !r.failures.is_empty() {
                failures.push(format!(
                    "{} — {}:\n    {}",
                    r.file,
                    r.name,
                    r.failures.join("\n    ")
                ));
            }
        }
    }
    assert!(total > 50, "only {total} golden cases");
    assert!(
        failures.is_empty(),
        "{} of {total} golden cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
