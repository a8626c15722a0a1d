//! What each shell lends the use cases: the [`Shell`] (where work runs,
//! where records go, the screener) and the [`Context`] (data, store, actor,
//! today). The command line uses [`Direct`] and blocks; the server brings
//! its own worker pool and group commit.

use anyhow::Result;
use chrono::NaiveDate;
use exctl_data::Data;
use exctl_records::{Recording, Store};
use exctl_screen::Screener;
use std::future::Future;
use std::sync::Arc;

/// What a shell lends a use case: where CPU-heavy work runs, where a
/// record is written and which lists parties are screened against. The command
/// line runs work inline and writes straight to its store; the server runs
/// it on its worker pool and commits records in groups.
pub trait Shell: Sync {
    /// Runs `work` (the decision, the screening) and gives its result.
    fn cpu<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = Result<T>> + Send;

    /// Writes one record; its id.
    fn record(&self, r: Recording) -> impl Future<Output = Result<i64>> + Send;

    /// The screener: the lists in use plus the parties rule packs
    /// designate (built only when a use case screens).
    fn screener(&self) -> Result<Arc<Screener>>;
}

/// The embedded shell: work runs inline and records go straight to the
/// store. The command line blocks on the use cases with it.
pub struct Direct<'a> {
    pub store: Option<&'a Store>,
    /// Builds the screener, when a use case screens.
    pub screener: Box<dyn Fn() -> Result<Screener> + Sync + 'a>,
}

impl Shell for Direct<'_> {
    async fn cpu<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        Ok(work())
    }

    async fn record(&self, r: Recording) -> Result<i64> {
        let store = self
            .store
            .ok_or_else(|| anyhow::anyhow!("no store to record in"))?;
        let ids = store.record(&[r]).await?;
        ids.first()
            .map(|(id, _)| *id)
            .ok_or_else(|| anyhow::anyhow!("the store recorded nothing"))
    }

    fn screener(&self) -> Result<Arc<Screener>> {
        Ok(Arc::new((self.screener)()?))
    }
}

/// Where a use case reads and writes.
pub struct Context<'a> {
    pub data: Arc<Data>,
    /// The instance's store: clearances and licences on file are read from
    /// it, whether or not the check is recorded, so that a look that leaves
    /// no record answers as the recorded check would. `None` when there is
    /// no instance (nothing to read, nothing recorded).
    pub store: Option<&'a Store>,
    /// Who acts, for the shipments drawn down.
    pub actor: Option<String>,
    /// The day a request without `as_of` is decided for.
    pub today: NaiveDate,
}
