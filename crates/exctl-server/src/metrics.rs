//! Prometheus metrics (OpenMetrics text, through prometheus-client):
//! requests and their latencies by route, outcomes, refusals, recorder and
//! webhook counts, and the lists' version and age. Counters are atomics,
//! not a lock per request.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Latency bucket bounds, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    kind: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListLabels {
    version: String,
    demo: String,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    outcomes: Family<OutcomeLabels, Counter>,
    refusals: Family<StatusLabels, Counter>,
    webhooks: Family<ResultLabels, Counter>,
    recorded: Counter,
    rate_limited: Counter,
    refusal_windows: Counter,
    list_info: Family<ListLabels, Gauge>,
    list_entries: Gauge,
    list_age: Gauge,
    refresh_ok: Gauge,
    refresh_failures: Counter,
    uptime: Gauge,
}

impl Default for Metrics {
    fn default() -> Metrics {
        fn histogram() -> Histogram {
            Histogram::new(BUCKETS)
        }
        let m = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(histogram),
            outcomes: Family::default(),
            refusals: Family::default(),
            webhooks: Family::default(),
            recorded: Counter::default(),
            rate_limited: Counter::default(),
            refusal_windows: Counter::default(),
            list_info: Family::default(),
            list_entries: Gauge::default(),
            list_age: Gauge::default(),
            refresh_ok: Gauge::default(),
            refresh_failures: Counter::default(),
            uptime: Gauge::default(),
        };
        m.registered()
    }
}

impl Metrics {
    /// Registers every metric with its help text (the registry holds
    /// handles to the same atomics).
    fn registered(mut self) -> Metrics {
        let r = &mut self.registry;
        r.register(
            "exctl_http_requests",
            "HTTP requests by route, method and status",
            self.requests.clone(),
        );
        r.register(
            "exctl_http_request_duration_seconds",
            "Request latency by route",
            self.latency.clone(),
        );
        r.register(
            "exctl_outcomes",
            "Decisions by kind (check, screen) and outcome",
            self.outcomes.clone(),
        );
        r.register(
            "exctl_refused_requests",
            "Requests refused for want of a key (401) or a role (403), or past their client's rate (429)",
            self.refusals.clone(),
        );
        r.register(
            "exctl_rate_limited_requests",
            "Requests answered 429: their client was past its rate of refused requests",
            self.rate_limited.clone(),
        );
        r.register(
            "exctl_refusal_windows",
            "Windows of refused requests (one per client per minute) written to the audit trail",
            self.refusal_windows.clone(),
        );
        r.register(
            "exctl_webhook_deliveries",
            "Webhook delivery attempts by result",
            self.webhooks.clone(),
        );
        r.register(
            "exctl_records",
            "Decisions recorded since start",
            self.recorded.clone(),
        );
        r.register(
            "exctl_list_info",
            "The lists serving now (value 1)",
            self.list_info.clone(),
        );
        r.register(
            "exctl_list_entries",
            "Entries in the lists serving now",
            self.list_entries.clone(),
        );
        r.register(
            "exctl_list_age_seconds",
            "Seconds since the lists serving now were loaded",
            self.list_age.clone(),
        );
        r.register(
            "exctl_list_refresh_ok",
            "Whether the latest list refresh succeeded (1) or failed (0)",
            self.refresh_ok.clone(),
        );
        r.register(
            "exctl_list_refresh_failures",
            "Failed list refreshes",
            self.refresh_failures.clone(),
        );
        r.register(
            "exctl_uptime_seconds",
            "Seconds since the server started",
            self.uptime.clone(),
        );
        self
    }

    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    pub fn outcome(&self, kind: &str, outcome: &str) {
        self.outcomes
            .get_or_create(&OutcomeLabels {
                kind: kind.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    pub fn refusal(&self, status: u16) {
        self.refusals.get_or_create(&StatusLabels { status }).inc();
    }

    /// A request answered 429: its client is past its rate of refusals.
    pub fn rate_limited(&self) {
        self.rate_limited.inc();
        self.refusal(429);
    }

    /// Windows of refusals written to the audit trail.
    pub fn refusal_windows(&self, n: usize) {
        self.refusal_windows
            .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }

    pub fn webhook(&self, result: &str) {
        self.webhooks
            .get_or_create(&ResultLabels {
                result: result.to_string(),
            })
            .inc();
    }

    /// A list refresh failed (the previous lists keep serving).
    pub fn list_refresh_failed(&self) {
        self.refresh_failures.inc();
    }

    /// One decision recorded.
    pub fn recorded(&self) {
        self.recorded.inc();
    }

    /// The exposition text; `lists` and `refresh` describe the lists now.
    pub fn render(
        &self,
        lists: &crate::state::Lists,
        refresh: &crate::state::RefreshStatus,
        up_seconds: f64,
    ) -> String {
        self.list_info.clear();
        self.list_info
            .get_or_create(&ListLabels {
                version: lists.version.clone(),
                demo: lists.demo.to_string(),
            })
            .set(1);
        self.list_entries
            .set(i64::try_from(lists.entries).unwrap_or(i64::MAX));
        self.list_age
            .set(chrono::Utc::now().timestamp() - lists.loaded_at);
        self.refresh_ok.set(i64::from(refresh.ok));
        self.uptime.set(up_seconds as i64);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
