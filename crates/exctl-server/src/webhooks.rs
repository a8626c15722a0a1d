//! Webhooks: rescreen alerts and licence events POSTed as JSON to the
//! configured URLs, signed with this instance's ML-DSA-65 key (the same key
//! as the audit trail, so a receiver checks them with the public key it
//! already pins), retried with exponential back-off.
//!
//! Headers: `X-Exctl-Event`, `X-Exctl-Delivery` (unique id),
//! `X-Exctl-Key-Id`, and `X-Exctl-Signature` — the hex ML-DSA-65
//! signature of the raw body.
//!
//! - URLs are checked at start-up: `http://` or `https://` with a host.
//! - Redirects are not followed (the signed headers would go to the
//!   redirect's target): a 3xx is a failed attempt, like a 5xx.
//! - HTTPS uses rustls with the aws-lc-rs provider, named explicitly, and
//!   the public web roots or the CA file given (`--webhook-ca`).
//! - Every delivery is in the outbox table before the request that caused
//!   it answers; one task delivers what is due, so a restarted server
//!   resumes what it had not delivered.

use crate::metrics::Metrics;
use anyhow::Context as _;
use exctl_records::{keys, Attempt, OutboxItem, Signer, Store};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Checks the webhook URLs at start-up: each must be an absolute `http://`
/// or `https://` URL with a host. The first that is not is named.
pub fn check_urls(urls: &[String]) -> anyhow::Result<()> {
    for url in urls {
        let why = match url.parse::<ureq::http::Uri>() {
            Err(e) => Some(e.to_string()),
            Ok(u) if u.authority().is_some_and(|a| a.as_str().contains('@')) => Some(
                "credentials in the URL would be stored and logged with every delivery; receivers check the signature instead".to_string(),
            ),
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

/// How long a claimed attempt is leased before another may take it over:
/// longer than one attempt can take.
const LEASE: Duration = Duration::from_secs(60);
/// Longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Attempts under way at once.
const BATCH: i64 = 16;

/// The HTTP client for deliveries: no redirects, statuses as answers, a
/// time limit, rustls with the aws-lc-rs provider, and the roots given.
pub fn agent(ca: Option<&Path>) -> anyhow::Result<ureq::Agent> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider);
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).with_context(|| format!("--webhook-ca {}", ca.display()))?;
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            if let ureq::tls::PemItem::Certificate(c) =
                item.with_context(|| format!("--webhook-ca {}: bad PEM", ca.display()))?
            {
                certs.push(c);
            }
        }
        if certs.is_empty() {
            return Err(exctl_app::bad(format!(
                "--webhook-ca {}: no certificate in the file",
                ca.display()
            )));
        }
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    Ok(ureq::Agent::config_builder()
        .tls_config(tls.build())
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into())
}

pub struct Webhooks {
    urls: Arc<Vec<String>>,
    signer: Arc<Signer>,
    store: Arc<Store>,
    wake: Arc<Notify>,
}

struct Sender {
    urls: Arc<Vec<String>>,
    signer: Arc<Signer>,
    store: Arc<Store>,
    agent: ureq::Agent,
    backoff: Duration,
    attempts: u32,
    metrics: Arc<Metrics>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Webhooks {
    /// Starts the delivery task, which also resumes what the outbox holds
    /// for these URLs from before.
    pub fn start(
        store: Arc<Store>,
        urls: Vec<String>,
        signer: Signer,
        agent: ureq::Agent,
        backoff: Duration,
        attempts: u32,
        metrics: Arc<Metrics>,
    ) -> Webhooks {
        let urls = Arc::new(urls);
        let signer = Arc::new(signer);
        let wake = Arc::new(Notify::new());
        if !urls.is_empty() {
            let sender = Arc::new(Sender {
                urls: urls.clone(),
                signer: signer.clone(),
                store: store.clone(),
                agent,
                backoff,
                attempts: attempts.max(1),
                metrics,
            });
            let wake = wake.clone();
            tokio::spawn(async move { sender.run(wake).await });
        }
        Webhooks {
            urls,
            signer,
            store,
            wake,
        }
    }

    /// Puts an event in the outbox for every configured URL and wakes the
    /// sender; returns once it is stored (the delivery happens after).
    pub async fn send(&self, kind: &str, data: serde_json::Value) {
        if self.urls.is_empty() {
            return;
        }
        let mut id = [0u8; 12];
        let _ = keys::random(&mut id);
        let delivery = hex::encode(id);
        let payload = serde_json::json!({
            "event": kind,
            "delivery": delivery,
            "sent_at": chrono::Utc::now().to_rfc3339(),
            "data": data,
        })
        .to_string();
        let rows: Vec<(String, String, String, String)> = self
            .urls
            .iter()
            .map(|u| {
                (
                    u.clone(),
                    kind.to_string(),
                    delivery.clone(),
                    payload.clone(),
                )
            })
            .collect();
        match self.store.outbox_add(&rows, now_ms()).await {
            Ok(_) => self.wake.notify_one(),
            Err(e) => {
                tracing::error!(error = %e, event = kind, %delivery, "could not queue a webhook")
            }
        }
    }

    pub fn configured(&self) -> bool {
        !self.urls.is_empty()
    }

    /// The key id receivers check the signature with.
    pub fn key_id(&self) -> &str {
        self.signer.key_id()
    }
}

impl Sender {
    async fn run(self: Arc<Self>, wake: Arc<Notify>) {
        let idle = self
            .backoff
            .clamp(Duration::from_millis(20), Duration::from_secs(1));
        loop {
            let now = now_ms();
            let lease = now + i64::try_from(LEASE.as_millis()).unwrap_or(60_000);
            let due = match self.store.outbox_claim(&self.urls, now, lease, BATCH).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "reading the webhook outbox failed");
                    Vec::new()
                }
            };
            let busy = !due.is_empty();
            let mut attempts = tokio::task::JoinSet::new();
            for item in due {
                let me = self.clone();
                attempts.spawn(async move { me.attempt(item).await });
            }
            while attempts.join_next().await.is_some() {}
            if !busy {
                tokio::select! {
                    _ = wake.notified() => {},
                    _ = tokio::time::sleep(idle) => {},
                }
            }
        }
    }

    async fn attempt(&self, item: OutboxItem) {
        let signature = match self.signer.sign(item.payload.as_bytes()) {
            Ok(s) => hex::encode(&s),
            Err(e) => {
                tracing::error!(error = %e, "cannot sign a webhook");
                return;
            }
        };
        let (agent, url, body, event, delivery, key_id) = (
            self.agent.clone(),
            item.url.clone(),
            item.payload.clone(),
            item.event.clone(),
            item.delivery.clone(),
            self.signer.key_id().to_string(),
        );
        let sent = tokio::task::spawn_blocking(move || {
            agent
                .post(&url)
                .header("content-type", "application/json")
                .header("x-exctl-event", &event)
                .header("x-exctl-delivery", &delivery)
                .header("x-exctl-key-id", &key_id)
                .header("x-exctl-signature", &signature)
                .send(body.as_str())
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string())
        })
        .await;
        let (url, event, delivery, attempt) =
            (&item.url, &item.event, &item.delivery, item.attempts);
        let why = match sent {
            Ok(Ok(status)) if (200..300).contains(&status) => {
                self.metrics.webhook("delivered");
                tracing::info!(%url, %event, %delivery, attempt, "webhook delivered");
                if let Err(e) = self.store.outbox_done(item.id, Attempt::Delivered).await {
                    tracing::error!(error = %e, %delivery, "could not mark a webhook delivered");
                }
                return;
            }
            Ok(Ok(status)) if (300..400).contains(&status) => {
                format!("status {status}: a redirect, not followed")
            }
            Ok(Ok(status)) => format!("status {status}"),
            Ok(Err(e)) => e,
            Err(e) => e.to_string(),
        };
        self.metrics.webhook("failed");
        tracing::warn!(%url, %event, %delivery, attempt, %why, "webhook failed");
        let done = if attempt >= self.attempts {
            self.metrics.webhook("given_up");
            tracing::error!(%url, %event, %delivery, attempts = attempt, "webhook given up");
            Attempt::Failed { error: &why }
        } else {
            let delay = self
                .backoff
                .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
                .min(MAX_BACKOFF);
            Attempt::Retry {
                at_ms: now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2),
                error: &why,
            }
        };
        if let Err(e) = self.store.outbox_done(item.id, done).await {
            tracing::error!(error = %e, %delivery, "could not note a webhook attempt");
        }
    }
}
