//! Who may call what. Every route's role is in [`required_role`], one table
//! for the whole API; the middleware authenticates the API key
//! (`Authorization: Bearer exk_…` or `X-Api-Key`), refuses with 401 or 403,
//! and counts every refusal for the audit trail ([`crate::refusals`]: one
//! entry per client per minute, never on the request's path; past a
//! client's rate, 429).

use crate::refusals::Refused;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use exctl_records::{ApiKey, Role};
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
        "dispositions" | "cases" | "products" | "owners" if !read => Role::Officer,
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
    let given = token(&req);
    let key = match &given {
        None => None,
        Some(t) => match state.store.authenticate(t).await {
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
        let named = key.as_ref().map(|k| k.key_id.clone()).or_else(|| {
            given
                .as_deref()
                .and_then(exctl_records::token_key_id)
                .map(str::to_string)
        });
        let path: String = req.uri().path().chars().take(512).collect();
        let limited = state.refusals.refuse(&Refused {
            remote: remote.as_deref(),
            key_id: named.as_deref(),
            status: status.as_u16(),
            method: req.method().as_str(),
            path: &path,
            reason: &reason,
        });
        if limited {
            state.metrics.rate_limited();
            let mut response = crate::api::ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many refused requests from this client: slow down",
            )
            .into_response();
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("60"),
            );
            return response;
        }
        state.metrics.refusal(status.as_u16());
        tracing::warn!(method = %req.method(), %path, status = status.as_u16(), %reason, "refused");
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
