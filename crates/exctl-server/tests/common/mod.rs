//! A real server for the tests: `exctl_server::serve` on a free loopback
//! port, in a thread of its own, with a fresh home (key pair, SQLite) or
//! the PostgreSQL server named by DATABASE_URL.

#![allow(dead_code)]

use exctl_app::instance::Place;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

pub struct Server {
    pub url: String,
    pub admin: String,
    pub home: tempfile::TempDir,
    pub lists: PathBuf,
    runtime: Option<tokio::runtime::Runtime>,
}

pub struct Options {
    pub lists: Vec<String>,
    pub webhooks: Vec<String>,
    pub tls: bool,
    pub body_limit: usize,
    pub db: Option<String>,
    /// The admin key of an instance already on this database.
    pub admin: Option<String>,
    /// The home of an instance stopped before ([`Server::stop`]).
    pub home: Option<tempfile::TempDir>,
    pub refusal_window: Duration,
    pub refusal_rate: exctl_server::refusals::Rate,
    pub webhook_ca: Option<PathBuf>,
    pub webhook_attempts: u32,
    pub webhook_backoff: Duration,
    /// How often the server checkpoints the audit head (`None`: never on its own).
    pub checkpoint_every: Option<Duration>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            lists: vec!["demo".into()],
            webhooks: Vec::new(),
            tls: false,
            body_limit: 1 << 20,
            db: None,
            admin: None,
            home: None,
            refusal_window: Duration::from_secs(60),
            refusal_rate: exctl_server::refusals::Rate::default(),
            webhook_ca: None,
            webhook_attempts: 4,
            webhook_backoff: Duration::from_millis(50),
            checkpoint_every: None,
        }
    }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The configuration a test server runs with, in `home`.
pub fn config(home: &std::path::Path, opts: &Options) -> exctl_server::Config {
    let lists = home.join("lists");
    std::fs::create_dir_all(&lists).unwrap();
    let data = std::sync::Arc::new(exctl_data::load(&exctl_data::Files::bundled()).unwrap());
    exctl_server::Config {
        lists: opts.lists.clone(),
        lists_dir: Some(lists),
        tls: opts
            .tls
            .then(|| (fixture("test-cert.pem"), fixture("test-key.pem"))),
        webhooks: opts.webhooks.clone(),
        webhook_backoff: opts.webhook_backoff,
        webhook_attempts: opts.webhook_attempts,
        webhook_ca: opts.webhook_ca.clone(),
        body_limit: opts.body_limit,
        refusal_window: opts.refusal_window,
        refusal_rate: opts.refusal_rate,
        checkpoint_every: opts.checkpoint_every,
        // No test reaches the official sites: a closed local port stands in.
        fetch_urls: exctl_app::sources::Urls {
            mirror: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        },
        ..exctl_server::Config::new(
            "127.0.0.1:0".parse().unwrap(),
            data,
            Place {
                home: Some(home.to_path_buf()),
                db: opts.db.clone(),
                user: Some("tester".into()),
            },
        )
    }
}

impl Server {
    pub fn start(mut opts: Options) -> Server {
        let known_admin = opts.admin.clone();
        let home = opts
            .home
            .take()
            .unwrap_or_else(|| tempfile::tempdir().unwrap());
        let config = config(home.path(), &opts);
        let lists = home.path().join("lists");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        runtime.spawn(async move {
            let tx2 = tx.clone();
            let r = exctl_server::serve(config, move |s| {
                let _ = tx2.send(Ok((s.url.clone(), s.first_admin_key.clone())));
            })
            .await;
            if let Err(e) = r {
                let _ = tx.send(Err(format!("{e:#}")));
            }
        });
        let (url, admin) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server started")
            .expect("server started without error");
        Server {
            url: url.trim_end_matches('/').to_string(),
            admin: admin
                .or(known_admin)
                .expect("a fresh database gets a first admin key"),
            home,
            lists,
            runtime: Some(runtime),
        }
    }

    /// A key of `role` created through the API.
    pub fn key(&self, role: &str, name: &str) -> String {
        let (status, v) = self.call(
            "POST",
            "/api/v1/keys",
            Some(&self.admin.clone()),
            Some(serde_json::json!({"role": role, "name": name})),
        );
        assert_eq!(status, 200, "{v}");
        v["token"].as_str().unwrap().to_string()
    }

    /// One request: status and JSON body (Null when the body is not JSON).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let (status, text) = self.raw(method, path, key, body.map(|b| b.to_string()));
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    pub fn raw(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<String>,
    ) -> (u16, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let auth = key.map(|k| format!("Bearer {k}"));
        let response = match (method, body) {
            ("GET", _) => {
                let mut r = agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("authorization", a);
                }
                r.call()
            }
            ("DELETE", _) => {
                let mut r = agent.delete(&url);
                if let Some(a) = &auth {
                    r = r.header("authorization", a);
                }
                r.call()
            }
            (_, body) => {
                let mut r = agent.post(&url).header("content-type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("authorization", a);
                }
                r.send(body.unwrap_or_default().as_str())
            }
        };
        let mut response = response.expect("request reached the server");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, text)
    }
}

impl Server {
    /// Stops the server (as SIGTERM would: requests in flight finish) and
    /// hands back its home, to start another on it.
    pub fn stop(mut self) -> tempfile::TempDir {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
        let home = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.home, home)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// A fresh PostgreSQL database on the server DATABASE_URL names, if any.
pub async fn fresh_postgres(name: &str) -> Option<String> {
    use sqlx::Executor;
    let base = std::env::var("DATABASE_URL").ok()?;
    sqlx::any::install_default_drivers();
    let db = format!(
        "srv_{name}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .expect("DATABASE_URL reachable");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .await
        .unwrap();
    admin.close().await;
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{db}"))
}

/// Runs `each(thread, n)` for n in 0..per_thread on `threads` threads at once;
/// all the answers, in no particular order.
pub fn in_parallel<T: Send>(
    threads: usize,
    per_thread: usize,
    each: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    std::thread::scope(|scope| {
        let each = &each;
        let handles: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || (0..per_thread).map(|n| each(t, n)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}
