//! The web UI: static files compiled into the binary (no build step,
//! nothing fetched from elsewhere), talking to the JSON API with the key
//! the user signs in with. The script is a shell (`app.js`) over one
//! module per view (`views/*.js`) and shared helpers (`lib.js`).

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

const INDEX: &str = include_str!("ui/index.html");
const APP_CSS: &str = include_str!("ui/app.css");

const JS: &str = "text/javascript; charset=utf-8";

/// The style sheet and the script modules, by their path under `/ui/`.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", APP_CSS),
    ("app.js", JS, include_str!("ui/app.js")),
    ("lib.js", JS, include_str!("ui/lib.js")),
    ("views/screen.js", JS, include_str!("ui/views/screen.js")),
    ("views/check.js", JS, include_str!("ui/views/check.js")),
    ("views/chart.js", JS, include_str!("ui/views/chart.js")),
    ("views/records.js", JS, include_str!("ui/views/records.js")),
    ("views/owners.js", JS, include_str!("ui/views/owners.js")),
    ("views/cases.js", JS, include_str!("ui/views/cases.js")),
    (
        "views/products.js",
        JS,
        include_str!("ui/views/products.js"),
    ),
];

/// Only this origin's scripts, styles and API: no inline script, no CDN.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

fn file(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

async fn module(
    axum::extract::Path(path): axum::extract::Path<String>,
) -> axum::response::Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, kind, body)) => file(kind, body).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

pub fn routes() -> Router<Arc<crate::state::AppState>> {
    Router::new()
        .route(
            "/",
            get(|| async { file("text/html; charset=utf-8", INDEX) }),
        )
        .route("/ui/{*path}", get(module))
}
