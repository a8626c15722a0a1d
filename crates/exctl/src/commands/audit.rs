//! `exctl audit`: verify or export the signed audit trail.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: AuditArgs) -> Result<ExitCode> {
    let AuditArgs { command } = args;
    let rt = instance::runtime()?;
    match command {
        AuditCommand::Checkpoint { out } => {
            let store = g.place.open(&rt)?;
            let checkpoint = rt
                .block_on(store.checkpoint())
                .map_err(instance::store_error)?;
            rt.block_on(store.close());
            let path = match out {
                Some(p) => {
                    exctl_app::paths::write_whole(&p, checkpoint.to_text().as_bytes())?;
                    p
                }
                None => checkpoint
                    .save_in(&g.place.checkpoints_dir())
                    .map_err(instance::store_error)?,
            };
            println!(
                "checkpoint of entry {} (head {}), signed by key {}: {}",
                checkpoint.entries,
                checkpoint.head,
                checkpoint.key_id,
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify {
            public_keys,
            checkpoints,
            json,
        } => {
            let store = g.place.open_read(&rt)?;
            let mut pinned = Vec::new();
            for p in &public_keys {
                let text =
                    std::fs::read_to_string(p).map_err(|e| bad(format!("{}: {e}", p.display())))?;
                pinned.push(
                    exctl_records::keys::parse_public_key_file(&text).ok_or_else(|| {
                        bad(format!("{}: not an ML-DSA-65 public key file", p.display()))
                    })?,
                );
            }
            // With the records in the home's own SQLite file, the
            // checkpoints the home keeps are checked too: a rollback
            // must not pass just because no one named them.
            let checkpoints = if checkpoints.is_empty()
                && g.place.db.is_none()
                && g.place.checkpoints_dir().is_dir()
            {
                let own =
                    instance::load_checkpoints(&[g.place.checkpoints_dir()]).unwrap_or_default();
                if !own.is_empty() && !json {
                    println!(
                        "checking against the {} checkpoints in {}",
                        own.len(),
                        g.place.checkpoints_dir().display()
                    );
                }
                own
            } else {
                instance::load_checkpoints(&checkpoints)?
            };
            let report = rt
                .block_on(store.verify_against(&pinned, &checkpoints))
                .map_err(instance::store_error)?;
            rt.block_on(store.close());
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", render::verify_text(&report));
            }
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCommand::Export { from, to, out } => {
            let store = g.place.open_read(&rt)?;
            let from = from.as_ref().map(|_| parse_date(&from)).transpose()?;
            let to = to.as_ref().map(|_| parse_date(&to)).transpose()?;
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    return Err(bad(format!("--to {t} is before --from {f}")));
                }
            }
            let bundle = rt
                .block_on(store.export(from, to))
                .map_err(instance::store_error)?;
            render::write_bundle(&bundle, &out)?;
            println!(
                "wrote {} audit entries to {} (trail {})",
                bundle.entries.len(),
                out.display(),
                if bundle.verification.ok {
                    "verified"
                } else {
                    "DOES NOT VERIFY"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
