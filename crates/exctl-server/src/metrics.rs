//! Prometheus metrics in the text exposition format: requests and their
//! latencies by route, outcomes, refusals, recorder and webhook counts, and
//! the lists' version and age.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Latency bucket bounds, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    outcomes: Mutex<BTreeMap<(String, String), u64>>,
    refusals: Mutex<BTreeMap<u16, u64>>,
    webhooks: Mutex<BTreeMap<String, u64>>,
    pub recorded: AtomicU64,
    rate_limited: AtomicU64,
    refusal_windows: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        let mut l = lock(&self.latency);
        let h = l.entry(route.to_string()).or_default();
        h.count += 1;
        h.sum += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
    }

    pub fn outcome(&self, kind: &str, outcome: &str) {
        *lock(&self.outcomes)
            .entry((kind.to_string(), outcome.to_string()))
            .or_default() += 1;
    }

    pub fn refusal(&self, status: u16) {
        *lock(&self.refusals).entry(status).or_default() += 1;
    }

    /// A request answered 429: its client is past its rate of refusals.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
        self.refusal(429);
    }

    /// Windows of refusals written to the audit trail.
    pub fn refusal_windows(&self, n: usize) {
        self.refusal_windows
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn webhook(&self, result: &str) {
        *lock(&self.webhooks).entry(result.to_string()).or_default() += 1;
    }

    /// The exposition text; `lists` and `refresh` describe the lists now.
    pub fn render(
        &self,
        lists: &crate::state::Lists,
        refresh: &crate::state::RefreshStatus,
        up_seconds: f64,
    ) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP exctl_http_requests_total HTTP requests by route, method and status."
        );
        let _ = writeln!(s, "# TYPE exctl_http_requests_total counter");
        for ((route, method, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                s,
                "exctl_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            s,
            "# HELP exctl_http_request_duration_seconds Request latency by route."
        );
        let _ = writeln!(s, "# TYPE exctl_http_request_duration_seconds histogram");
        for (route, h) in lock(&self.latency).iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "exctl_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                s,
                "exctl_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                s,
                "exctl_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                s,
                "exctl_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        let _ = writeln!(
            s,
            "# HELP exctl_outcomes_total Decisions by kind (check, screen) and outcome."
        );
        let _ = writeln!(s, "# TYPE exctl_outcomes_total counter");
        for ((kind, outcome), n) in lock(&self.outcomes).iter() {
            let _ = writeln!(
                s,
                "exctl_outcomes_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(
            s,
            "# HELP exctl_refused_requests_total Requests refused for want of a key (401) or a role (403), or past their client's rate (429)."
        );
        let _ = writeln!(s, "# TYPE exctl_refused_requests_total counter");
        for (status, n) in lock(&self.refusals).iter() {
            let _ = writeln!(s, "exctl_refused_requests_total{{status=\"{status}\"}} {n}");
        }
        let _ = writeln!(
            s,
            "# HELP exctl_rate_limited_requests_total Requests answered 429: their client was past its rate of refused requests."
        );
        let _ = writeln!(s, "# TYPE exctl_rate_limited_requests_total counter");
        let _ = writeln!(
            s,
            "exctl_rate_limited_requests_total {}",
            self.rate_limited.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP exctl_refusal_windows_total Windows of refused requests (one per client per minute) written to the audit trail."
        );
        let _ = writeln!(s, "# TYPE exctl_refusal_windows_total counter");
        let _ = writeln!(
            s,
            "exctl_refusal_windows_total {}",
            self.refusal_windows.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP exctl_webhook_deliveries_total Webhook delivery attempts by result."
        );
        let _ = writeln!(s, "# TYPE exctl_webhook_deliveries_total counter");
        for (result, n) in lock(&self.webhooks).iter() {
            let _ = writeln!(
                s,
                "exctl_webhook_deliveries_total{{result=\"{result}\"}} {n}"
            );
        }
        let _ = writeln!(
            s,
            "# HELP exctl_records_total Decisions recorded since start."
        );
        let _ = writeln!(s, "# TYPE exctl_records_total counter");
        let _ = writeln!(
            s,
            "exctl_records_total {}",
            self.recorded.load(Ordering::Relaxed)
        );
        let _ = writeln!(s, "# HELP exctl_list_info The lists serving now (value 1).");
        let _ = writeln!(s, "# TYPE exctl_list_info gauge");
        let _ = writeln!(
            s,
            "exctl_list_info{{version=\"{}\",demo=\"{}\"}} 1",
            lists.version, lists.demo
        );
        let _ = writeln!(
            s,
            "# HELP exctl_list_entries Entries in the lists serving now."
        );
        let _ = writeln!(s, "# TYPE exctl_list_entries gauge");
        let _ = writeln!(s, "exctl_list_entries {}", lists.entries);
        let _ = writeln!(
            s,
            "# HELP exctl_list_age_seconds Seconds since the lists serving now were loaded."
        );
        let _ = writeln!(s, "# TYPE exctl_list_age_seconds gauge");
        let _ = writeln!(
            s,
            "exctl_list_age_seconds {}",
            chrono::Utc::now().timestamp() - lists.loaded_at
        );
        let _ = writeln!(s, "# HELP exctl_list_refresh_ok Whether the latest list refresh succeeded (1) or failed (0).");
        let _ = writeln!(s, "# TYPE exctl_list_refresh_ok gauge");
        let _ = writeln!(s, "exctl_list_refresh_ok {}", u8::from(refresh.ok));
        let _ = writeln!(
            s,
            "# HELP exctl_list_refresh_failures_total Failed list refreshes."
        );
        let _ = writeln!(s, "# TYPE exctl_list_refresh_failures_total counter");
        let _ = writeln!(s, "exctl_list_refresh_failures_total {}", refresh.failures);
        let _ = writeln!(
            s,
            "# HELP exctl_uptime_seconds Seconds since the server started."
        );
        let _ = writeln!(s, "# TYPE exctl_uptime_seconds gauge");
        let _ = writeln!(s, "exctl_uptime_seconds {up_seconds:.0}");
        s
    }
}
