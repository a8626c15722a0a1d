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
        ListsCommand::Fetch {
            source,
            url,
            mirror,
            json,
            loss,
        } => {
            use exctl_app::sources;
            let which = source
                .as_deref()
                .unwrap_or(if url.is_some() { "csl" } else { "all" });
            let chosen = sources::select(which).map_err(|e| bad(format!("--source: {e}")))?;
            let mut urls = sources::Urls::from_file(&g.place.dir().join("sources.toml"))?;
            if let Some(m) = &mirror {
                urls.mirror = Some(sources::mirror(m).map_err(|e| bad(format!("--mirror: {e}")))?);
            }
            if let Some(u) = &url {
                let files: Vec<_> = chosen.iter().flat_map(|s| s.files.iter()).collect();
                if files.len() != 1 || !(u.starts_with("https://") || u.starts_with("http://")) {
                    return Err(bad(format!(
                        "--url {u:?}: one http(s) URL, for a source of one file (csl, un, eu, uk)"
                    )));
                }
                urls.by_file.insert(files[0].file.to_string(), u.clone());
            }
            let refresh = sources::fetch(&chosen, &urls, &dir, loss.guard()?, &resolve)?;
            let mut rescreened = None;
            if g.place.initialised() {
                let data = load(&g.data)?;
                let rt = instance::runtime()?;
                let store = g.place.open(&rt)?;
                let shell = exctl_app::Direct {
                    store: Some(&store),
                    screener: Box::new(|| parties::party_screener(&data.parties, &[], &dir)),
                };
                let today = chrono::Utc::now().date_naive();
                rescreened = rt
                    .block_on(sources::record(
                        &shell,
                        &store,
                        &data,
                        &refresh,
                        (today, true),
                    ))?
                    .1;
                drop(shell);
                rt.block_on(store.close());
            }
            let value = serde_json::json!({
                "files": refresh.files,
                "failed": refresh.failed,
                "rescreen": rescreened,
            });
            emit(json, value, || {
                let mut s = render::refresh_text(&refresh, &dir);
                if let Some(r) = &rescreened {
                    s.push_str(&render::rescreen_text(r));
                }
                s
            })?;
            if !refresh.failed.is_empty() {
                return Ok(ExitCode::from(1));
            }
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
