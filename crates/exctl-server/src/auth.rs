//! Who may call what. Every route's role is in [`required_role`], one table
//! for the whole API; the middleware authenticates the API key
//! (`Authorization: Bearer exk_…` or `X-Api-Key`), refuses with 401 or 403,
//! and records every refusal in the audit trail.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use exctl_records::{ApiKey, Refusal, Role};
use std::net::SocketAddr;
use std::sync::Arc;

/// The role a request needs; `None` for the public paths (the UI, health,
/// metrics, the OpenAPI document).
pub fn required_role(method: &Method, path: &str) -> Option<Role> {
    let rest = path.strip_prefix("/api/v1/")?;
    let resource = rest.split('/').next().unwrap_or("");
    let read = *method == Method::GET || *method == Method::HEAD;
    Some(match resource {
        // Keys, licences and lists change who and what is authorised.
        "keys" | "refusals" => Role::Admin,
        "licences" | "lists" if !read => Role::Admin,
        "audit" if rest.starts_with("audit/export") => Role::Admin,
        // A signed checkpoint of the trail's head, to hold elsewhere.
        "audit" if rest == "audit/head" && read => Role::Viewer,
        // Recorded decisions and dispositions.
        "check" | "screen" | "shipments" | "rescreen" => Role::Officer,
        "dispositions" if !read => Role::Officer,
        // Everything else reads.
        _ if read => Role::Viewer,
        // Classify and compare are POSTs that change nothing.
        "classify" | "compare" => Role::Viewer,
        // Unknown writes: the strictest role, so nothing new is open by mistake.
        _ => Role::Admin,
    })
}

/// The caller of an authenticated request.
#[derive(Clone)]
pub struct Caller(pub ApiKey);

fn token(req: &Request) -> Option<String> {
    let h = req.headers();
    if let Some(v) = h.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    h.get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

pub async fn middleware(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(needed) = required_role(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let remote = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let key = match token(&req) {
        None => None,
        Some(t) => match state.store.authenticate(&t).await {
            Ok(k) => k,
            Err(e) => {
                tracing::error!(error = %e, "authentication failed");
                return crate::api::ApiError::internal().into_response();
            }
        },
    };
    let refusal = match &key {
        None => Some((StatusCode::UNAUTHORIZED, "no valid API key".to_string())),
        Some(k) if k.role < needed => Some((
            StatusCode::FORBIDDEN,
            format!(
                "this needs the {needed} role; the key {} is {}",
                k.key_id, k.role
            ),
        )),
        Some(_) => None,
    };
    if let Some((status, reason)) = refusal {
        state.metrics.refusal(status.as_u16());
        let r = Refusal {
            at: chrono::Utc::now().to_rfc3339(),
            key_id: key.as_ref().map(|k| k.key_id.clone()),
            role: key.as_ref().map(|k| k.role.to_string()),
            method: req.method().to_string(),
            path: req.uri().path().chars().take(512).collect(),
            status: status.as_u16(),
            reason: reason.clone(),
            remote,
        };
        if let Err(e) = state.store.record_refusal(&r).await {
            tracing::error!(error = %e, "could not record a refusal");
        }
        tracing::warn!(method = %r.method, path = %r.path, status = r.status, %reason, "refused");
        return crate::api::ApiError::new(status, reason).into_response();
    }
    if let Some(k) = key {
        req.extensions_mut().insert(Caller(k));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_per_route() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(required_role(&get, "/healthz"), None);
        assert_eq!(required_role(&get, "/"), None);
        assert_eq!(required_role(&get, "/api/v1/catalog"), Some(Role::Viewer));
        assert_eq!(required_role(&post, "/api/v1/classify"), Some(Role::Viewer));
        assert_eq!(required_role(&post, "/api/v1/check"), Some(Role::Officer));
        assert_eq!(
            required_role(&post, "/api/v1/dispositions"),
            Some(Role::Officer)
        );
        assert_eq!(
            required_role(&get, "/api/v1/dispositions"),
            Some(Role::Viewer)
        );
        assert_eq!(required_role(&post, "/api/v1/licences"), Some(Role::Admin));
        assert_eq!(required_role(&get, "/api/v1/licences"), Some(Role::Viewer));
        assert_eq!(required_role(&get, "/api/v1/keys"), Some(Role::Admin));
        assert_eq!(
            required_role(&post, "/api/v1/lists/refresh"),
            Some(Role::Admin)
        );
        assert_eq!(
            required_role(&get, "/api/v1/audit/export"),
            Some(Role::Admin)
        );
        assert_eq!(
            required_role(&get, "/api/v1/audit/verify"),
            Some(Role::Viewer)
        );
        assert_eq!(
            required_role(&Method::DELETE, "/api/v1/anything-new"),
            Some(Role::Admin)
        );
    }
}
