//! `exctl lists`: manage the configured restricted-party lists.

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: ListsArgs) -> Result<ExitCode> {
    let ListsArgs { command, lists_dir } = args;
    let dir = screening::lists_dir(lists_dir.as_deref(), &g.place.dir());
    let table = screening::countries()?;
    let resolve = screening::resolver(&table);
    match command {
        ListsCommand::Show { json } => {
            let set = screening::load_configured(&dir, &resolve).map_err(|e| bad(e.to_string()))?;
            let Some(set) = set else {
                return Err(screening::no_lists(&dir));
            };
            let v = set.version();
            let text = || {
                let mut s = format!(
                    "lists in {} — version {}, {} entries\n",
                    dir.display(),
                    v.hash,
                    v.entries
                );
                for src in &v.sources {
                    s.push_str(&format!(
                        "  {} ({}, {} entries{}) sha256 {}\n",
                        src.file,
                        src.format,
                        src.entries,
                        src.date
                            .as_ref()
                            .map(|d| format!(", dated {d}"))
                            .unwrap_or_default(),
                        &src.sha256[..16.min(src.sha256.len())]
                    ));
                }
                s
            };
            emit(json, serde_json::to_value(&v)?, text)
        }
        ListsCommand::Fetch { url, loss } => {
            let set = screening::fetch(&url, &dir, "consolidated.csv", loss.guard()?, &resolve)?;
            let v = set.version();
            println!(
                "fetched {} entries from {url} into {} (version {})",
                v.entries,
                dir.display(),
                v.hash
            );
            Ok(ExitCode::SUCCESS)
        }
        ListsCommand::Add { path, format, loss } => {
            let format = match format {
                None => None,
                Some(f) => Some(exctl_screen::Format::parse_name(&f).ok_or_else(|| {
                    bad(format!(
                        "--format {f:?}: expected one of {}",
                        exctl_screen::Format::names()
                    ))
                })?),
            };
            let set = screening::add(&path, format, &dir, loss.guard()?, &resolve)
                .map_err(|e| bad(e.to_string()))?;
            println!(
                "added {} ({} entries) to {}",
                path.display(),
                set.entries.len(),
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ListsCommand::Publish {
            input,
            authority,
            out,
        } => {
            if !g.place.initialised() {
                return Err(bad(
                    "publishing signs with this instance's key: run `exctl init` first",
                ));
            }
            let der = std::fs::read(g.place.key_path())?;
            let signer = exctl_records::Signer::from_pkcs8(&der)?;
            let n = screening::publish_feed(&input, &authority, &out, &signer, &resolve)?;
            println!(
                "published {n} denied parties to {} (signature {}.sig, key {})",
                out.display(),
                out.display(),
                signer.key_id()
            );
            Ok(ExitCode::SUCCESS)
        }
        ListsCommand::Import {
            feed,
            public_key,
            loss,
        } => {
            let (name, n) =
                screening::import_feed(&feed, &public_key, &dir, loss.guard()?, &resolve)?;
            println!(
                "imported {n} denied parties as {name} into {}",
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ListsCommand::Remove { name } => {
            screening::remove(&dir, &name)?;
            println!("removed {name}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
