//! `exctl serve`: serve the HTTP API and the web UI (records on SQLite unless --db).

use super::prelude::*;

pub(crate) fn run(g: &Globals, args: ServeArgs) -> Result<ExitCode> {
    let ServeArgs {
        addr,
        lists,
        lists_dir,
        tls_cert,
        tls_key,
        webhooks,
        webhook_backoff_ms,
        webhook_attempts,
        webhook_ca,
        body_limit,
        timeout_s,
        refresh_every_s,
        fetch_every,
        mirror,
        checkpoint_every_s,
        max_list_loss,
        log_json,
    } = args;
    let guard = screening::LossGuard::from_percent(max_list_loss, false)?;
    let data = load(&g.data)?;
    exctl_server::init_logging(log_json);
    let config = exctl_server::Config {
        lists,
        lists_dir,
        tls: tls_cert.zip(tls_key),
        webhooks,
        webhook_backoff: std::time::Duration::from_millis(webhook_backoff_ms),
        webhook_attempts,
        webhook_ca,
        body_limit,
        timeout: std::time::Duration::from_secs(timeout_s.max(1)),
        refresh_every: refresh_every_s.map(|s| std::time::Duration::from_secs(s.max(1))),
        fetch_every: fetch_every
            .as_deref()
            .map(|d| {
                exctl_app::sources::duration(d).map_err(|e| bad(format!("--fetch-every: {e}")))
            })
            .transpose()?,
        fetch_urls: {
            let mut urls =
                exctl_app::sources::Urls::from_file(&g.place.dir().join("sources.toml"))?;
            if let Some(m) = &mirror {
                urls.mirror =
                    Some(exctl_app::sources::mirror(m).map_err(|e| bad(format!("--mirror: {e}")))?);
            }
            urls
        },
        max_list_loss: guard.max_loss,
        checkpoint_every: (checkpoint_every_s > 0)
            .then(|| std::time::Duration::from_secs(checkpoint_every_s)),
        ..exctl_server::Config::new(addr, data, g.place.clone())
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(exctl_server::serve(config, |started| {
        for n in &started.notes {
            println!("{n}");
        }
        println!("exctl serving on {}", started.url);
        match &started.first_admin_key {
            Some(key) => println!("first admin API key (shown once; create others with `exctl keys create`):\n  {key}"),
            None => println!("sign in with an API key on file (`exctl keys list`, `exctl keys create`)"),
        }
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitCode::SUCCESS)
}
