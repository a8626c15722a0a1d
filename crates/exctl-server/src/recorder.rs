//! Group commit: requests hand their records to one writer task, which
//! stores everything waiting in one transaction — one write lock, one
//! audit seal — and answers each request with its record id. Under load a
//! transaction carries many requests; alone, a request waits for none.

use exctl_records::{Recording, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

type Reply = oneshot::Sender<Result<(i64, bool), String>>;

/// Most records in one transaction.
const MAX_BATCH: usize = 256;

pub struct Recorder {
    tx: Mutex<Option<mpsc::Sender<(Recording, Reply)>>>,
    done: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Recorder {
    pub fn start(store: Arc<Store>) -> Recorder {
        let (tx, mut rx) = mpsc::channel::<(Recording, Reply)>(4 * MAX_BATCH);
        let done = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (records, replies): (Vec<Recording>, Vec<Reply>) = batch.into_iter().unzip();
                match store.record(&records).await {
                    Ok(ids) => {
                        for (reply, id) in replies.into_iter().zip(ids) {
                            let _ = reply.send(Ok(id));
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, records = records.len(), "recording failed");
                        for reply in replies {
                            let _ = reply.send(Err(e.to_string()));
                        }
                    }
                }
            }
        });
        Recorder {
            tx: Mutex::new(Some(tx)),
            done: Mutex::new(Some(done)),
        }
    }

    /// Records one decision (with its parties); its id, `false` when the
    /// request key was recorded before.
    pub async fn record(&self, r: Recording) -> Result<(i64, bool), String> {
        let sender = self
            .tx
            .lock()
            .await
            .clone()
            .ok_or_else(|| "the server is shutting down".to_string())?;
        let (reply, answer) = oneshot::channel();
        sender
            .send((r, reply))
            .await
            .map_err(|_| "the recorder stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the recorder stopped".to_string())?
    }

    /// Stops taking records and waits for those queued to be stored.
    pub async fn close(&self) {
        self.tx.lock().await.take();
        if let Some(h) = self.done.lock().await.take() {
            let _ = h.await;
        }
    }
}
