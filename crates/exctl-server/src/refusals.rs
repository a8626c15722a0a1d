//! Refused requests, counted in memory and written in windows.
//!
//! A refusal (401, 403) never waits for the database: the request only
//! takes a short in-memory lock, adds itself to its client's window (one per
//! client address per minute: count, first and last time, statuses, key ids,
//! paths, reasons) and is answered. A background task writes the windows
//! that have closed, all in one transaction with one audit seal, so a flood
//! of refused requests costs one audited row per client per minute.
//!
//! Refusals are also rate-limited per client address and per key id (token
//! buckets): past the rate a client's requests that would be refused get
//! 429 instead, still counted in its window. A request that authenticates
//! is never limited, so a flood from one address does not lock out a valid
//! key used from the same address.
//!
//! Memory is bounded: past [`MAX_WINDOWS`] clients in one window the rest
//! are counted together under `remote: "(other clients)"`, and the rate
//! buckets are capped at [`MAX_BUCKETS`].

use exctl_records::Refusal;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clients counted separately in one window.
pub const MAX_WINDOWS: usize = 10_000;
/// Rate buckets held (client addresses and key ids).
pub const MAX_BUCKETS: usize = 20_000;
/// Distinct paths, key ids and reasons kept per window.
const MAX_PATHS: usize = 32;
const MAX_KEY_IDS: usize = 16;
const MAX_REASONS: usize = 8;
/// The client all clients past [`MAX_WINDOWS`] are counted as.
pub const OTHER_CLIENTS: &str = "(other clients)";

/// How many refusals a client may have before it is limited, and how fast
/// that allowance comes back.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: u32,
}

impl Default for Rate {
    fn default() -> Rate {
        Rate {
            burst: 60,
            per_minute: 60,
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Default)]
struct Window {
    first_ms: i64,
    last_ms: i64,
    count: u64,
    limited: u64,
    statuses: std::collections::BTreeMap<String, u64>,
    key_ids: BTreeSet<String>,
    paths: BTreeSet<String>,
    reasons: BTreeSet<String>,
}

impl Window {
    fn to_refusal(&self, remote: &Option<String>, recorded: bool) -> Refusal {
        Refusal {
            first_at: rfc3339(self.first_ms),
            last_at: rfc3339(self.last_ms),
            remote: remote.clone(),
            count: self.count,
            limited: self.limited,
            statuses: self.statuses.clone(),
            key_ids: self.key_ids.iter().cloned().collect(),
            paths: self.paths.iter().cloned().collect(),
            reasons: self.reasons.iter().cloned().collect(),
            recorded,
        }
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn insert_capped(set: &mut BTreeSet<String>, v: &str, cap: usize) {
    if set.len() < cap || set.contains(v) {
        set.insert(v.to_string());
    }
}

#[derive(Default)]
struct Inner {
    /// (window number, client address) → its window.
    windows: HashMap<(i64, Option<String>), Window>,
    buckets: HashMap<String, Bucket>,
}

/// One refused request.
pub struct Refused<'a> {
    pub remote: Option<&'a str>,
    /// The key id the request named (valid or not), if any.
    pub key_id: Option<&'a str>,
    pub status: u16,
    pub method: &'a str,
    pub path: &'a str,
    pub reason: &'a str,
}

pub struct Refusals {
    window_ms: i64,
    rate: Rate,
    inner: Mutex<Inner>,
}

impl Refusals {
    pub fn new(window: Duration, rate: Rate) -> Refusals {
        Refusals {
            window_ms: i64::try_from(window.as_millis()).unwrap_or(60_000).max(1),
            rate,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a refusal in its client's window; `true` when the client is
    /// past its rate (answer 429 rather than the refusal).
    pub fn refuse(&self, r: &Refused<'_>) -> bool {
        self.refuse_at(r, chrono::Utc::now().timestamp_millis(), Instant::now())
    }

    fn refuse_at(&self, r: &Refused<'_>, now_ms: i64, now: Instant) -> bool {
        let mut inner = self.lock();
        let mut limited = false;
        let names = [
            r.remote.map(|a| format!("addr:{a}")),
            r.key_id.map(|k| format!("key:{k}")),
        ];
        for name in names.iter().flatten() {
            if !self.take(&mut inner.buckets, name, now) {
                limited = true;
            }
        }
        let number = now_ms.div_euclid(self.window_ms);
        let mut client = r.remote.map(str::to_string);
        let open = inner.windows.len();
        if !inner.windows.contains_key(&(number, client.clone())) && open >= MAX_WINDOWS {
            client = Some(OTHER_CLIENTS.to_string());
        }
        let w = inner.windows.entry((number, client)).or_default();
        if w.count == 0 {
            w.first_ms = now_ms;
        }
        w.last_ms = now_ms;
        w.count += 1;
        let status = if limited { 429 } else { r.status };
        *w.statuses.entry(status.to_string()).or_default() += 1;
        if limited {
            w.limited += 1;
        }
        if let Some(k) = r.key_id {
            insert_capped(&mut w.key_ids, k, MAX_KEY_IDS);
        }
        let path: String = r.path.chars().take(256).collect();
        insert_capped(&mut w.paths, &format!("{} {path}", r.method), MAX_PATHS);
        insert_capped(&mut w.reasons, r.reason, MAX_REASONS);
        limited
    }

    /// Takes a token from the bucket `name`; `false` when it is empty.
    fn take(&self, buckets: &mut HashMap<String, Bucket>, name: &str, now: Instant) -> bool {
        let burst = f64::from(self.rate.burst);
        let per_sec = f64::from(self.rate.per_minute) / 60.0;
        if !buckets.contains_key(name) && buckets.len() >= MAX_BUCKETS {
            // Forget the clients whose allowance has come back in full;
            // if none has, forget them all rather than grow.
            buckets
                .retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_sec < burst);
            if buckets.len() >= MAX_BUCKETS {
                buckets.clear();
            }
        }
        let b = buckets.entry(name.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * per_sec).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Takes the windows that have closed by now (all of them with `all`).
    pub fn take_closed(&self, all: bool) -> Vec<Refusal> {
        let number = chrono::Utc::now()
            .timestamp_millis()
            .div_euclid(self.window_ms);
        let mut inner = self.lock();
        let closed: Vec<(i64, Option<String>)> = inner
            .windows
            .keys()
            .filter(|(n, _)| all || *n < number)
            .cloned()
            .collect();
        let mut out: Vec<Refusal> = closed
            .into_iter()
            .filter_map(|k| {
                let w = inner.windows.remove(&k)?;
                Some(w.to_refusal(&k.1, false))
            })
            .collect();
        out.sort_by(|a, b| a.first_at.cmp(&b.first_at));
        out
    }

    /// The windows still being counted (not yet in the audit trail).
    pub fn pending(&self) -> Vec<Refusal> {
        let inner = self.lock();
        inner
            .windows
            .iter()
            .map(|((_, remote), w)| w.to_refusal(remote, false))
            .collect()
    }

    pub fn window(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.window_ms).unwrap_or(60_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused<'a>(remote: &'a str, key: Option<&'a str>, path: &'a str) -> Refused<'a> {
        Refused {
            remote: Some(remote),
            key_id: key,
            status: 401,
            method: "GET",
            path,
            reason: "no valid API key",
        }
    }

    #[test]
    fn one_window_per_client_per_minute_and_a_rate_per_address_and_key() {
        let r = Refusals::new(
            Duration::from_secs(60),
            Rate {
                burst: 5,
                per_minute: 60,
            },
        );
        let t0 = Instant::now();
        let minute: i64 = 30_000_000 * 60_000;
        // Ten refusals in one second from one address: five, then limited.
        let limited: Vec<bool> = (0..10)
            .map(|i| r.refuse_at(&refused("10.0.0.1", None, "/api/v1/keys"), minute + i, t0))
            .collect();
        assert_eq!(
            limited,
            [false; 5].into_iter().chain([true; 5]).collect::<Vec<_>>()
        );
        // Another address is not held back by the first.
        assert!(!r.refuse_at(&refused("10.0.0.2", None, "/x"), minute + 20, t0));
        // One key id from many addresses is limited on its own bucket.
        let key_limited = (0..6)
            .filter(|i| {
                r.refuse_at(
                    &refused(&format!("10.1.0.{i}"), Some("00000000000000aa"), "/y"),
                    minute + 30,
                    t0,
                )
            })
            .count();
        assert_eq!(key_limited, 1);
        // Allowance comes back with time: one a second here.
        assert!(!r.refuse_at(
            &refused("10.0.0.1", None, "/api/v1/keys"),
            minute + 2_000,
            t0 + Duration::from_secs(2)
        ));
        // A later minute is a new window for the same client.
        r.refuse_at(
            &refused("10.0.0.1", None, "/z"),
            minute + 61_000,
            t0 + Duration::from_secs(61),
        );
        let mut pending = r.pending();
        pending.sort_by(|a, b| (&a.remote, &a.first_at).cmp(&(&b.remote, &b.first_at)));
        let first: Vec<&Refusal> = pending
            .iter()
            .filter(|p| p.remote.as_deref() == Some("10.0.0.1"))
            .collect();
        assert_eq!(first.len(), 2, "{pending:?}");
        assert_eq!((first[0].count, first[0].limited), (11, 5));
        assert_eq!(first[0].statuses["401"], 6);
        assert_eq!(first[0].statuses["429"], 5);
        assert_eq!(first[0].paths, ["GET /api/v1/keys"]);
        assert_eq!(first[1].count, 1);
        // Closed windows are taken once; the rest stay.
        let all = r.take_closed(true);
        assert_eq!(all.len(), pending.len());
        assert!(r.pending().is_empty());
    }

    #[test]
    fn memory_is_bounded_under_a_flood_of_addresses() {
        let r = Refusals::new(Duration::from_secs(60), Rate::default());
        let t0 = Instant::now();
        let now = 1_800_000_000_000_i64;
        for i in 0..(MAX_WINDOWS + 500) {
            let addr = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            r.refuse_at(&refused(&addr, None, "/"), now, t0);
        }
        let pending = r.pending();
        assert_eq!(pending.len(), MAX_WINDOWS + 1);
        let other = pending
            .iter()
            .find(|p| p.remote.as_deref() == Some(OTHER_CLIENTS))
            .expect("the rest counted together");
        assert_eq!(other.count, 500);
        assert!(r.lock().buckets.len() <= MAX_BUCKETS);
    }
}
