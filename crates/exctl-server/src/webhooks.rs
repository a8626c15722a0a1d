//! Webhooks: rescreen alerts and licence events POSTed as JSON to the
//! configured URLs, signed with this instance's ML-DSA-65 key (the same key
//! as the audit trail, so a receiver checks them with the public key it
//! already pins), retried with exponential back-off.
//!
//! Headers: `X-Exctl-Event`, `X-Exctl-Delivery` (unique id),
//! `X-Exctl-Key-Id`, and `X-Exctl-Signature` — the hex ML-DSA-65
//! signature of the raw body.

use crate::metrics::Metrics;
use exctl_records::{keys, Signer};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Checks the webhook URLs at start-up: each must be an absolute `http://`
/// or `https://` URL with a host. The first that is not is named.
pub fn check_urls(urls: &[String]) -> anyhow::Result<()> {
    for url in urls {
        let why = match url.parse::<ureq::http::Uri>() {
            Err(e) => Some(e.to_string()),
            Ok(u) => match (u.scheme_str(), u.host()) {
                (Some("http" | "https"), Some(h)) if !h.is_empty() => None,
                (Some("http" | "https"), _) => Some("no host".to_string()),
                (Some(other), _) => Some(format!("the scheme {other:?} is not http or https")),
                (None, _) => Some("not an absolute http:// or https:// URL".to_string()),
            },
        };
        if let Some(why) = why {
            return Err(exctl_app::bad(format!("--webhook {url:?}: {why}")));
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Event {
    pub kind: String,
    pub body: serde_json::Value,
}

pub struct Webhooks {
    tx: Option<mpsc::UnboundedSender<Event>>,
}

impl Webhooks {
    pub fn start(
        urls: Vec<String>,
        signer: Signer,
        backoff: Duration,
        attempts: u32,
        metrics: Arc<Metrics>,
    ) -> Webhooks {
        if urls.is_empty() {
            return Webhooks { tx: None };
        }
        let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
        let signer = Arc::new(signer);
        let urls = Arc::new(urls);
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                for url in urls.iter() {
                    let (url, event, signer) = (url.clone(), event.clone(), signer.clone());
                    tokio::spawn(deliver(
                        url,
                        event,
                        signer,
                        backoff,
                        attempts.max(1),
                        metrics.clone(),
                    ));
                }
            }
        });
        Webhooks { tx: Some(tx) }
    }

    /// Queues an event for every configured URL; returns at once.
    pub fn send(&self, kind: &str, body: serde_json::Value) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Event {
                kind: kind.to_string(),
                body,
            });
        }
    }

    pub fn configured(&self) -> bool {
        self.tx.is_some()
    }
}

async fn deliver(
    url: String,
    event: Event,
    signer: Arc<Signer>,
    backoff: Duration,
    attempts: u32,
    metrics: Arc<Metrics>,
) {
    let mut id = [0u8; 12];
    let _ = keys::random(&mut id);
    let delivery = keys::hex(&id);
    let body = serde_json::json!({
        "event": event.kind,
        "delivery": delivery,
        "sent_at": chrono::Utc::now().to_rfc3339(),
        "data": event.body,
    })
    .to_string();
    let signature = match signer.sign(body.as_bytes()) {
        Ok(s) => keys::hex(&s),
        Err(e) => {
            tracing::error!(error = %e, "cannot sign webhook");
            return;
        }
    };
    let key_id = signer.key_id().to_string();
    let mut delay = backoff;
    for attempt in 1..=attempts {
        let (u, b, s, k, kind, d) = (
            url.clone(),
            body.clone(),
            signature.clone(),
            key_id.clone(),
            event.kind.clone(),
            delivery.clone(),
        );
        let sent = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .http_status_as_error(false)
                .build()
                .into();
            agent
                .post(&u)
                .header("content-type", "application/json")
                .header("x-exctl-event", &kind)
                .header("x-exctl-delivery", &d)
                .header("x-exctl-key-id", &k)
                .header("x-exctl-signature", &s)
                .send(b.as_str())
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string())
        })
        .await;
        match sent {
            Ok(Ok(status)) if (200..300).contains(&status) => {
                metrics.webhook("delivered");
                tracing::info!(%url, event = %event.kind, %delivery, attempt, "webhook delivered");
                return;
            }
            other => {
                let why = match other {
                    Ok(Ok(status)) => format!("status {status}"),
                    Ok(Err(e)) => e,
                    Err(e) => e.to_string(),
                };
                metrics.webhook("failed");
                tracing::warn!(%url, event = %event.kind, %delivery, attempt, %why, "webhook failed");
            }
        }
        if attempt < attempts {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2).min(Duration::from_secs(3600));
        }
    }
    metrics.webhook("given_up");
    tracing::error!(%url, event = %event.kind, %delivery, attempts, "webhook given up");
}
