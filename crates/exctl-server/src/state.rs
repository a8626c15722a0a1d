//! The server's shared state. Lists are held behind one `RwLock<Arc<_>>`:
//! a refresh builds the new screener beside the old one, off the runtime,
//! and swaps the `Arc` in one write; requests in flight keep the one they
//! started with.

use crate::metrics::Metrics;
use crate::recorder::Recorder;
use crate::refusals::Refusals;
use crate::webhooks::Webhooks;
use crate::Config;
use anyhow::Result;
use exctl_app::parties;
use exctl_core::parties::PartyRules;
use exctl_data::Data;
use exctl_records::Store;
use exctl_screen::Screener;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The lists one screener was built from.
pub struct Lists {
    pub screener: Arc<Screener>,
    pub version: String,
    pub entries: usize,
    /// When these lists were loaded (Unix seconds).
    pub loaded_at: i64,
    pub sources: serde_json::Value,
    /// Each source's entries by identity, to judge the next refresh by.
    pub identities: Vec<exctl_screen::model::SourceIdentity>,
    /// The bundled demo list is in use (none configured, or `--list demo`).
    pub demo: bool,
}

/// Why a list refresh did not swap new lists in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RefreshError {
    /// The new lists lost more entries than allowed.
    #[error("{0}")]
    Shrank(String),
    /// The new lists could not be read.
    #[error("{0}")]
    Failed(String),
}

/// The outcome of the latest list refresh.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RefreshStatus {
    pub last_attempt: Option<String>,
    pub ok: bool,
    /// Why the latest refresh failed; the previous lists still serve.
    pub error: Option<String>,
    pub failures: u64,
}

/// Where lists come from, so that a refresh reloads the same sources.
#[derive(Clone)]
struct ListSource {
    rules: Arc<Vec<PartyRules>>,
    specs: Vec<String>,
    dir: PathBuf,
}

impl ListSource {
    /// Builds the screener (CPU-heavy for large lists: call off the runtime).
    /// With no list given or configured, the bundled demo list stands in.
    fn load(&self) -> Result<Lists> {
        let found = parties::list_set(&self.specs, &self.dir)?;
        let set = match found {
            Some(set) => set,
            None => exctl_app::screening::demo_set(&exctl_app::screening::resolver(
                &exctl_app::screening::countries()?,
            ))?,
        };
        // Standing in or asked for (`--list demo`): either way these answers
        // are not against a real list.
        let demo = set
            .sources
            .iter()
            .any(|s| s.file == exctl_app::screening::DEMO_SOURCE);
        let identities = set.identities();
        let screener = parties::with_designated(&self.rules, set);
        let v = screener.version();
        Ok(Lists {
            version: v.hash.clone(),
            entries: v.entries,
            sources: serde_json::to_value(&v.sources).unwrap_or_default(),
            identities,
            loaded_at: chrono::Utc::now().timestamp(),
            screener: Arc::new(screener),
            demo,
        })
    }
}

pub struct AppState {
    pub data: Arc<Data>,
    pub store: Arc<Store>,
    lists: RwLock<Arc<Lists>>,
    source: ListSource,
    pub refresh: Mutex<RefreshStatus>,
    pub recorder: Recorder,
    pub metrics: Arc<Metrics>,
    pub webhooks: Webhooks,
    pub refusals: Arc<Refusals>,
    /// Permits for CPU-heavy work (decisions, screening) on the blocking
    /// pool: one per core, so that it never takes the async workers.
    pub cpu: Arc<tokio::sync::Semaphore>,
    /// Windows of refusals whose writing failed, tried again next time.
    unwritten: tokio::sync::Mutex<Vec<exctl_records::Refusal>>,
    ready: AtomicBool,
    pub started: std::time::Instant,
    /// Share of entries a refresh may lose before it is refused.
    max_list_loss: f64,
    /// Where the official lists are downloaded from.
    fetch_urls: exctl_app::sources::Urls,
    /// One fetch at a time.
    fetching: tokio::sync::Mutex<()>,
}

impl AppState {
    pub async fn new(
        config: &Config,
        store: Arc<Store>,
        notes: &mut Vec<String>,
    ) -> Result<Arc<AppState>> {
        let data = config.data.clone();
        let source = ListSource {
            rules: Arc::new(data.parties.clone()),
            specs: config.lists.clone(),
            dir: exctl_app::screening::lists_dir(config.lists_dir.as_deref(), &config.place.dir()),
        };
        let loader = source.clone();
        let lists = tokio::task::spawn_blocking(move || loader.load()).await??;
        if lists.demo {
            notes.push(
                "screening against the bundled demo list (no list configured: `exctl lists fetch` or --list)"
                    .into(),
            );
        }
        let signer = config.place.signer()?;
        let metrics = Arc::new(Metrics::default());
        let webhooks = Webhooks::start(
            store.clone(),
            config.webhooks.clone(),
            signer,
            crate::webhooks::agent(config.webhook_ca.as_deref())?,
            config.webhook_backoff,
            config.webhook_attempts,
            metrics.clone(),
        );
        let recorder = Recorder::start(store.clone());
        let refusals = Arc::new(Refusals::new(config.refusal_window, config.refusal_rate));
        let state = Arc::new(AppState {
            data,
            store,
            lists: RwLock::new(Arc::new(lists)),
            source,
            refresh: Mutex::new(RefreshStatus {
                ok: true,
                ..RefreshStatus::default()
            }),
            recorder,
            metrics,
            webhooks,
            refusals,
            cpu: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            unwritten: tokio::sync::Mutex::new(Vec::new()),
            ready: AtomicBool::new(false),
            started: std::time::Instant::now(),
            max_list_loss: config.max_list_loss,
            fetch_urls: config.fetch_urls.clone(),
            fetching: tokio::sync::Mutex::new(()),
        });
        // Writes the windows of refusals as they close.
        let weak = Arc::downgrade(&state);
        let every = (config.refusal_window / 4).clamp(
            std::time::Duration::from_millis(50),
            std::time::Duration::from_secs(5),
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(state) = weak.upgrade() else { break };
                state.write_refusals(false).await;
            }
        });
        Ok(state)
    }

    /// Writes the windows of refusals that have closed (every window with
    /// `all`, at shutdown) to the audit trail, in one transaction.
    pub async fn write_refusals(&self, all: bool) {
        let mut unwritten = self.unwritten.lock().await;
        unwritten.extend(self.refusals.take_closed(all));
        if unwritten.is_empty() {
            return;
        }
        match self.store.record_refusals(&unwritten).await {
            Ok(()) => {
                self.metrics.refusal_windows(unwritten.len());
                unwritten.clear();
            }
            Err(e) => {
                tracing::error!(error = %e, windows = unwritten.len(), "could not record refusals; trying again");
                // Bounded: past this the oldest are dropped, and said so.
                const KEEP: usize = 100_000;
                if unwritten.len() > KEEP {
                    let dropped = unwritten.len() - KEEP;
                    unwritten.drain(..dropped);
                    tracing::error!(dropped, "refusal windows dropped unwritten");
                }
            }
        }
    }

    /// Signs a checkpoint of the trail's head when it moved past `last`,
    /// keeps it in `dir` and sends it to the webhooks as `audit.checkpoint`,
    /// so that copies of the head live outside the database. Returns the
    /// head now checkpointed (or `last` when nothing was done).
    pub async fn checkpoint_if_moved(
        &self,
        dir: &std::path::Path,
        last: Option<i64>,
    ) -> Option<i64> {
        let entries = match self.store.head().await {
            Ok((n, _)) => n,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the audit head for a checkpoint");
                return last;
            }
        };
        if entries == 0 || last == Some(entries) {
            return last;
        }
        let checkpoint = match self.store.checkpoint().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not sign a checkpoint of the audit head");
                return last;
            }
        };
        if let Err(e) = checkpoint.save_in(dir) {
            tracing::warn!(error = %e, dir = %dir.display(), "could not keep a checkpoint");
        }
        let body = serde_json::to_value(&checkpoint).unwrap_or_default();
        self.webhooks.send("audit.checkpoint", body).await;
        tracing::info!(entries = checkpoint.entries, head = %checkpoint.head, "audit checkpoint");
        Some(checkpoint.entries)
    }

    /// The lists serving now.
    pub fn lists(&self) -> Arc<Lists> {
        self.lists
            .read()
            .map(|l| l.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Reloads the lists beside the current ones and swaps them in; on
    /// failure the current lists keep serving and the error is kept. New
    /// lists that lost more than the allowed share of entries (in all or of
    /// one source) are refused unless `force`.
    pub async fn refresh_lists(&self, force: bool) -> Result<Arc<Lists>, RefreshError> {
        let loader = self.source.clone();
        let current = self.lists();
        let guard = exctl_app::screening::LossGuard {
            max_loss: self.max_list_loss,
            force: force || current.demo,
        };
        let result = tokio::task::spawn_blocking(move || loader.load())
            .await
            .map_err(|e| RefreshError::Failed(e.to_string()))
            .and_then(|r| r.map_err(|e| RefreshError::Failed(e.to_string())))
            .and_then(|new| {
                if new.demo && !current.demo {
                    // The configured lists are gone: never fall back to the
                    // demo list, forced or not.
                    return Err(RefreshError::Failed(
                        "no list is configured any more (the lists folder is empty or gone); the bundled demo list never replaces real lists".into(),
                    ));
                }
                guard
                    .check(&current.identities, &new.identities)
                    .map_err(|e| RefreshError::Shrank(e.to_string()))?;
                Ok(new)
            });
        let mut status = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        status.last_attempt = Some(chrono::Utc::now().to_rfc3339());
        match result {
            Ok(lists) => {
                let lists = Arc::new(lists);
                match self.lists.write() {
                    Ok(mut l) => *l = lists.clone(),
                    Err(p) => *p.into_inner() = lists.clone(),
                }
                status.ok = true;
                status.error = None;
                tracing::info!(version = %lists.version, entries = lists.entries, "lists refreshed");
                Ok(lists)
            }
            Err(e) => {
                status.ok = false;
                status.failures += 1;
                self.metrics.list_refresh_failed();
                status.error = Some(e.to_string());
                tracing::warn!(error = %e, "list refresh failed; the previous lists keep serving");
                Err(e)
            }
        }
    }

    /// Downloads the official lists of `which` (a source id or `all`) into
    /// the lists folder, each file checked; records what changed; when
    /// something did, swaps the new lists in and rescreens the stored
    /// parties, and tells the webhooks (`lists.fetched`).
    pub async fn fetch_lists(
        self: &Arc<Self>,
        which: &str,
        force: bool,
        actor: Option<&str>,
    ) -> anyhow::Result<serde_json::Value> {
        use exctl_app::sources;
        let _one = self.fetching.lock().await;
        let chosen = sources::select(which)?;
        let urls = self.fetch_urls.clone();
        let dir = self.source.dir.clone();
        let guard = exctl_app::screening::LossGuard {
            max_loss: self.max_list_loss,
            force,
        };
        let mut refresh = tokio::task::spawn_blocking(move || {
            let table = exctl_app::screening::countries()?;
            let resolve = exctl_app::screening::resolver(&table);
            sources::fetch(&chosen, &urls, &dir, guard, &resolve)
        })
        .await??;
        // Swapped in before the rescreen; a swap refused is on the record too.
        let mut serving = true;
        if refresh.changed() {
            if let Err(e) = self.refresh_lists(force).await {
                refresh.failed.push(format!(
                    "the new files did not replace the lists serving: {e}"
                ));
                serving = false;
            }
        }
        let acting = actor.map(|a| self.store.acting_as(a));
        let store = acting.as_ref().unwrap_or(&self.store);
        let shell = crate::api::ServerShell(self);
        let today = chrono::Utc::now().date_naive();
        let (recorded, rescreen) =
            sources::record(&shell, store, &self.data, &refresh, (today, serving)).await?;
        let body = serde_json::json!({
            "refresh": recorded,
            "rescreen": rescreen,
        });
        if refresh.changed() || !refresh.failed.is_empty() {
            self.webhooks.send("lists.fetched", body.clone()).await;
        }
        Ok(body)
    }

    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}
