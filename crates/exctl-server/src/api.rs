//! The JSON API under `/api/v1`, and the router that puts it together with
//! the UI, health, metrics and the OpenAPI document.

use crate::auth::{self, Caller};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, MatchedPath, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use chrono::NaiveDate;
pub use exctl_app::cases::CaseRequest;
use exctl_app::check::{self, CheckRequest};
use exctl_app::{parties, recording};
use exctl_records::Role;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use utoipa::{IntoParams, ToSchema};

/// An error answer: a status and a one-line message, never internals.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// The request field at fault, when the error is about one.
    field: Option<String>,
    /// The record the refused request still left (a check whose shipment
    /// was refused is on record).
    record: Option<i64>,
    /// Shipments drawn before the refusal (one jurisdiction's licence drawn,
    /// another's refused): they stand, and the caller must see them.
    shipments: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
            record: None,
            shipments: None,
        }
    }

    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error (logged on the server)",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(field) = self.field {
            body["field"] = json!(field);
        }
        if let Some(record) = self.record {
            body["record"] = json!(record);
        }
        if let Some(shipments) = self.shipments {
            body["shipments"] = shipments;
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        if let Some(b) = e.downcast_ref::<exctl_app::BadInput>() {
            return ApiError {
                field: b.field.clone(),
                ..ApiError::bad(b.to_string())
            };
        }
        if let Some(r) = e.downcast_ref::<exctl_records::Error>() {
            if r.is_invalid() {
                return ApiError::bad(r.to_string());
            }
            if r.is_not_found() {
                return ApiError::new(StatusCode::NOT_FOUND, r.to_string());
            }
            if r.is_rejection() {
                return ApiError::new(StatusCode::CONFLICT, r.to_string());
            }
        }
        tracing::error!(error = %format!("{e:#}"), "request failed");
        ApiError::internal()
    }
}

impl From<exctl_records::Error> for ApiError {
    fn from(e: exctl_records::Error) -> ApiError {
        if e.is_invalid() {
            ApiError::bad(e.to_string())
        } else if e.is_not_found() {
            ApiError::new(StatusCode::NOT_FOUND, e.to_string())
        } else if e.is_rejection() {
            ApiError::new(StatusCode::CONFLICT, e.to_string())
        } else {
            tracing::error!(error = %e, "records failed");
            ApiError::internal()
        }
    }
}

type ApiResult<T = Json<Value>> = Result<T, ApiError>;

/// The largest request body, as the router was built with (`--body-limit`).
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON body whose rejections are JSON errors: 400 naming the field for
/// a malformed body or a field of the wrong type, 413 past the body limit.
/// Every handler that takes a body takes it through this.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let limit = req.extensions().get::<BodyLimit>().copied();
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
        if !is_json {
            return Err(ApiError::bad(
                "the body must be JSON, sent with content-type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large(limit)
                } else {
                    ApiError::bad(format!(
                        "could not read the request body: {}",
                        r.body_text()
                    ))
                }
            })?;
        // Every body is a JSON object: serde would otherwise read an array
        // as a struct's fields by position (`["h100", "DE"]` as item and to).
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::bad(
                "the body is not a JSON object: send {\"field\": value, …}",
            ));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(Body(v)),
            Err(rejection) => Err(rejection_error(rejection, limit)),
        }
    }
}

fn too_large(limit: Option<BodyLimit>) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        match limit {
            Some(BodyLimit(n)) => {
                format!("the request body is larger than this server's limit of {n} bytes")
            }
            None => "the request body is larger than this server's limit".to_string(),
        },
    )
}

/// What to answer for a body that is not the JSON a handler takes.
fn rejection_error(r: JsonRejection, limit: Option<BodyLimit>) -> ApiError {
    const DATA: &str = "Failed to deserialize the JSON body into the target type: ";
    const SYNTAX: &str = "Failed to parse the request body as JSON: ";
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(limit);
    }
    let text = r.body_text();
    match r {
        JsonRejection::JsonDataError(_) => {
            let (field, detail) = in_api_words(text.strip_prefix(DATA).unwrap_or(&text));
            ApiError {
                field,
                ..ApiError::bad(format!("bad field in the JSON body: {detail}"))
            }
        }
        JsonRejection::JsonSyntaxError(_) => {
            let detail = text.strip_prefix(SYNTAX).unwrap_or(&text);
            ApiError::bad(format!("the body is not valid JSON: {detail}"))
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad("the body must be JSON, sent with content-type: application/json")
        }
        _ => ApiError::bad(format!("could not read the request body: {text}")),
    }
}

/// A deserialiser's complaint in the API's words: the field it names
/// (`end_user.name: …`, "missing field `to`") and the message without the
/// server's Rust type names ("expected struct CheckRequest" is "expected
/// an object", "u32" "a whole number").
fn in_api_words(detail: &str) -> (Option<String>, String) {
    let (path, message) = match detail.split_once(": ") {
        Some((path, rest))
            if !path.is_empty()
                && path != "."
                && path
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']')) =>
        {
            (Some(path.to_string()), rest)
        }
        _ => (None, detail),
    };
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
        .map(String::from);
    // Only what serde expected is reworded: the value quoted before it is
    // the caller's own and stays as sent.
    let (sent, expected) = match message.rfind("expected ") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let mut words: Vec<String> = Vec::new();
    let mut tokens = expected.split(' ').peekable();
    while let Some(t) = tokens.next() {
        match t {
            "struct" | "enum"
                if tokens
                    .peek()
                    .is_some_and(|n| n.starts_with(char::is_uppercase)) =>
            {
                let name = tokens.next().unwrap_or_default();
                let tail: String = name.chars().filter(|c| !c.is_alphanumeric()).collect();
                if words.last().is_some_and(|w| w == "a" || w == "an") {
                    words.pop();
                }
                words.push(
                    if t == "struct" {
                        "an object"
                    } else {
                        "one of the allowed values"
                    }
                    .to_string()
                        + &tail,
                );
            }
            _ => {
                let core = t.trim_end_matches([',', ';']);
                let tail = &t[core.len()..];
                let plain = match core {
                    "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32"
                    | "u64" | "u128" | "usize" => Some("a whole number"),
                    "f32" | "f64" => Some("a number"),
                    _ => None,
                };
                words.push(plain.map_or(t.to_string(), |p| format!("{p}{tail}")));
            }
        }
    }
    let text = format!("{sent}{}", words.join(" "));
    let field = match (&path, missing) {
        (Some(p), Some(m)) => Some(format!("{p}.{m}")),
        (Some(p), None) => Some(p.clone()),
        (None, m) => m,
    };
    match path {
        Some(p) => (field, format!("{p}: {text}")),
        None => (field, text),
    }
}

/// Query parameters whose rejections are 400 JSON errors naming the
/// parameter.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S>
    for Params<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Params(v)),
            Err(r) => {
                let text = r.body_text();
                let (field, detail) = in_api_words(
                    text.strip_prefix("Failed to deserialize query string: ")
                        .unwrap_or(&text),
                );
                Err(ApiError {
                    field,
                    ..ApiError::bad(format!("bad query parameter: {detail}"))
                })
            }
        }
    }
}

/// Runs CPU-heavy work (decisions, screening) on the blocking pool, at
/// most as many at once as the server has cores ([`AppState::cpu`]), so
/// the async workers stay free for health checks and I/O under load.
async fn cpu<T: Send + 'static>(
    s: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let permit = s
        .cpu
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal())?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "a worker failed");
        ApiError::internal()
    })
}

fn actor(caller: &Caller) -> String {
    format!("api:{} ({})", caller.0.name, caller.0.key_id)
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

// ----- reads -----------------------------------------------------------------

/// Who the key is.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "access",
    responses((status = 200, description = "The key's id, name and role", body = Object)))]
async fn whoami(Extension(caller): Extension<Caller>) -> Json<Value> {
    Json(json!({"key_id": caller.0.key_id, "name": caller.0.name, "role": caller.0.role}))
}

/// The catalog: items with TPP, performance density and H100-equivalents.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "items",
    responses((status = 200, description = "Catalog entries", body = Object)))]
async fn catalog(State(s): State<Arc<AppState>>) -> Json<Value> {
    Json(exctl_app::views::catalog_json(&s.data))
}

/// The transaction facts a check may state (`end_use`, `red_flags`, …),
/// each with its closed set of values where it has one; any other value is
/// refused with 400.
#[utoipa::path(get, path = "/api/v1/vocabulary", tag = "items",
    responses((status = 200, description = "Transaction facts with types, questions and allowed values", body = Object)))]
async fn vocabulary(State(s): State<Arc<AppState>>) -> Json<Value> {
    Json(exctl_app::views::vocabulary_json(&s.data))
}

/// The rule packs (jurisdictions) a check may answer for. Without
/// `jurisdictions`, a check answers for every pack that is not `opt_in`;
/// an opt-in pack (Korea's, the EU's and UK's sanctions) answers only when
/// named.
#[utoipa::path(get, path = "/api/v1/jurisdictions", tag = "items",
    responses((status = 200, description = "Rule packs with id, name, authority, version and whether they are opt-in", body = Object)))]
async fn jurisdictions_list(State(s): State<Arc<AppState>>) -> Json<Value> {
    Json(exctl_app::views::jurisdictions_json(&s.data))
}

/// The countries and territories a check may name (ISO 3166 alpha-2 and
/// name), for choosing a destination or a headquarters.
#[utoipa::path(get, path = "/api/v1/countries", tag = "items",
    responses((status = 200, description = "Countries by code and name, sorted by name", body = Object)))]
async fn countries(State(s): State<Arc<AppState>>) -> Json<Value> {
    Json(exctl_app::views::countries_json(&s.data))
}

#[derive(Deserialize, IntoParams)]
struct RulesQuery {
    /// YYYY-MM-DD; default today.
    as_of: Option<NaiveDate>,
    /// Comma-separated jurisdictions; default all.
    jurisdictions: Option<String>,
}

fn jurisdictions(s: &AppState, list: Option<&str>) -> ApiResult<Vec<String>> {
    let js: Vec<String> = list
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|j| !j.is_empty())
        .map(str::to_string)
        .collect();
    for j in &js {
        if s.data.engine.pack(j).is_none() {
            return Err(ApiError::bad(format!("unknown jurisdiction {j:?}")));
        }
    }
    Ok(js)
}

/// Rules in force (or noted) on a date, with citations.
#[utoipa::path(get, path = "/api/v1/rules", tag = "items", params(RulesQuery),
    responses((status = 200, description = "Rules with status and citations", body = Object)))]
async fn rules(State(s): State<Arc<AppState>>, Params(q): Params<RulesQuery>) -> ApiResult {
    let as_of = q.as_of.unwrap_or_else(today);
    let js = jurisdictions(&s, q.jurisdictions.as_deref())?;
    let rules = s.data.engine.rules_on(as_of, &js);
    Ok(Json(exctl_app::views::rules_json(
        as_of,
        &rules,
        &s.data.engine.vocab,
    )))
}

/// An item to classify.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    /// Catalog name ("h100", "MI300X") or own product (`NAME`, `NAME@VERSION`).
    item: String,
    #[serde(default)]
    as_of: Option<NaiveDate>,
    #[serde(default)]
    jurisdictions: Vec<String>,
    #[serde(default)]
    explain: bool,
}

/// An item by name: a catalog item or one of the instance's products
/// (`NAME`, `NAME@VERSION`). The server never reads item files from its disk.
async fn item(s: &AppState, name: &str) -> ApiResult<exctl_core::Item> {
    Ok(exctl_app::products::resolve_in(&s.data, Some(&s.store), name).await?)
}

fn classify_one(
    s: &AppState,
    item: &exctl_core::Item,
    r: &ClassifyRequest,
) -> ApiResult<exctl_core::Decision> {
    for j in &r.jurisdictions {
        if s.data.engine.pack(j).is_none() {
            return Err(ApiError::bad(format!("unknown jurisdiction {j:?}")));
        }
    }
    let q = exctl_core::Query {
        jurisdictions: r.jurisdictions.clone(),
        explain: r.explain,
        ..exctl_core::Query::classify(item, r.as_of.unwrap_or_else(today))
    };
    s.data
        .engine
        .validate(&q)
        .map_err(|e| ApiError::bad(e.to_string()))?;
    Ok(s.data.engine.decide(&q))
}

/// Classify an item under every pack (or those asked), as of a date.
#[utoipa::path(post, path = "/api/v1/classify", tag = "items", request_body = ClassifyRequest,
    responses((status = 200, description = "The decision: controls per jurisdiction with reasons and citations", body = Object),
              (status = 400, description = "Unknown item or jurisdiction", body = Object)))]
async fn classify(State(s): State<Arc<AppState>>, Body(r): Body<ClassifyRequest>) -> ApiResult {
    let item = item(&s, &r.item).await?;
    let state = s.clone();
    let d = cpu(&s, move || classify_one(&state, &item, &r)).await??;
    Ok(Json(
        serde_json::to_value(d).map_err(|_| ApiError::internal())?,
    ))
}

/// Items to compare.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// Two or more catalog names or own products; ratios are to the first.
    items: Vec<String>,
    #[serde(default)]
    as_of: Option<NaiveDate>,
}

/// Items side by side, with ratios to the first.
#[utoipa::path(post, path = "/api/v1/compare", tag = "items", request_body = CompareRequest,
    responses((status = 200, description = "Items, ratios and controls", body = Object)))]
async fn compare(State(s): State<Arc<AppState>>, Body(r): Body<CompareRequest>) -> ApiResult {
    if r.items.len() < 2 || r.items.len() > 20 {
        return Err(ApiError::bad("compare takes 2 to 20 items"));
    }
    let mut items = Vec::with_capacity(r.items.len());
    for name in &r.items {
        items.push(item(&s, name).await?);
    }
    let state = s.clone();
    let decisions = cpu(&s, move || {
        items
            .iter()
            .map(|i| {
                classify_one(
                    &state,
                    i,
                    &ClassifyRequest {
                        item: i.id.clone(),
                        as_of: r.as_of,
                        jurisdictions: Vec::new(),
                        explain: false,
                    },
                )
            })
            .collect::<ApiResult<Vec<_>>>()
    })
    .await??;
    Ok(Json(exctl_app::views::compare_json(&decisions)))
}

// ----- checks ----------------------------------------------------------------

/// The server's part in a check: work on the blocking pool, records
/// through group commit, the lists in use.
pub(crate) struct ServerShell<'a>(pub(crate) &'a Arc<AppState>);

impl exctl_app::Shell for ServerShell<'_> {
    async fn cpu<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        cpu(self.0, work)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))
    }

    async fn record(&self, r: exctl_records::Recording) -> anyhow::Result<i64> {
        let (id, _) = self.0.recorder.record(r).await.map_err(|e| {
            tracing::error!(error = %e, "recording a check failed");
            anyhow::anyhow!("recording failed")
        })?;
        self.0.metrics.recorded();
        Ok(id)
    }

    fn screener(&self) -> anyhow::Result<Arc<exctl_screen::Screener>> {
        Ok(self.0.lists().screener.clone())
    }
}

async fn run_check(s: &Arc<AppState>, caller: &Caller, request: CheckRequest) -> ApiResult<Value> {
    // Cheap checks before the item is looked up, as the flow makes them.
    check::check_limits(&request)?;
    let item = item(s, &request.item).await?;
    let place = exctl_app::Context {
        data: s.data.clone(),
        store: Some(&s.store),
        actor: Some(actor(caller)),
        today: today(),
    };
    let answer = check::run(&ServerShell(s), &place, item, request).await?;
    let overall = answer
        .prepared
        .decision
        .overall
        .map_or("classified".to_string(), |o| o.to_string());
    s.metrics.outcome("check", &overall);
    for receipt in &answer.shipments {
        licence_events(s, receipt).await;
    }
    if let Some(e) = answer.not_shipped {
        // The check is on record; the shipment is refused by its outcome or
        // by a licence's balance: a conflict with what is on record.
        let mut refusal = ApiError::from(e);
        if refusal.status == StatusCode::BAD_REQUEST {
            refusal.status = StatusCode::CONFLICT;
            refusal.field = None;
        }
        refusal.record = answer.record;
        if !answer.shipments.is_empty() {
            refusal.shipments = serde_json::to_value(&answer.shipments).ok();
        }
        return Err(refusal);
    }
    Ok(answer.to_json())
}

async fn licence_events(s: &AppState, r: &exctl_records::ShipmentReceipt) {
    let body = serde_json::to_value(r).unwrap_or_default();
    s.webhooks.send("licence.drawn", body.clone()).await;
    let exhausted = r.remaining.quantity.is_some_and(|q| q <= 0.0)
        || r.remaining.value.is_some_and(|v| v <= 0.0);
    if exhausted {
        s.webhooks.send("licence.exhausted", body).await;
    }
}

/// Check a shipment: outcome per jurisdiction and overall, with parties
/// screened, licences applied, recorded (and drawn down with `ship`).
#[utoipa::path(post, path = "/api/v1/check", tag = "decisions", request_body = CheckRequest,
    responses((status = 200, description = "The decision, party hits, the record id and any shipments", body = Object),
              (status = 400, description = "Bad input, named field and reason", body = Object),
              (status = 409, description = "Not shipped: outcome or licence balance", body = Object)))]
async fn check(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(r): Body<CheckRequest>,
) -> ApiResult {
    Ok(Json(run_check(&s, &caller, r).await?))
}

/// Several checks in one request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBatch {
    /// At most 1,000.
    checks: Vec<CheckRequest>,
}

/// Check up to 1,000 shipments; each answers on its own (a bad one does
/// not stop the rest).
#[utoipa::path(post, path = "/api/v1/check/batch", tag = "decisions", request_body = CheckBatch,
    responses((status = 200, description = "One result per check, in order: {ok, result} or {ok: false, error}", body = Object)))]
async fn check_batch(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(b): Body<CheckBatch>,
) -> ApiResult {
    check::check_batch_len("checks", b.checks.len())?;
    let mut results = Vec::with_capacity(b.checks.len());
    for c in b.checks {
        results.push(batch_row(run_check(&s, &caller, c).await));
    }
    Ok(Json(json!({ "results": results })))
}

/// One answer of a batch: `{ok, result}`, or `{ok: false, status, error}`.
fn batch_row(r: ApiResult<Value>) -> Value {
    match r {
        Ok(v) => json!({"ok": true, "result": v}),
        Err(e) => {
            let mut row = json!({"ok": false, "status": e.status.as_u16(), "error": e.message});
            for (key, v) in [
                ("field", e.field.map(Value::from)),
                ("record", e.record.map(Value::from)),
                ("shipments", e.shipments),
            ] {
                if let Some(v) = v {
                    row[key] = v;
                }
            }
            row
        }
    }
}

// ----- screening -------------------------------------------------------------

pub use exctl_app::screening::ScreenRequest;

async fn run_screen(s: &Arc<AppState>, caller: &Caller, r: ScreenRequest) -> ApiResult<Value> {
    let context = exctl_app::Context {
        data: s.data.clone(),
        store: Some(&s.store),
        actor: Some(actor(caller)),
        today: today(),
    };
    let answer = exctl_app::screening::screen(&ServerShell(s), &context, r).await?;
    s.metrics.outcome(
        "screen",
        if answer.matches.is_empty() {
            "clear"
        } else {
            "hit"
        },
    );
    Ok(answer.to_json())
}

/// Screen a party against the lists serving now; every match explained.
#[utoipa::path(post, path = "/api/v1/screen", tag = "screening", request_body = ScreenRequest,
    responses((status = 200, description = "Matches with scores and explanations, the list version, the record id", body = Object)))]
async fn screen(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(r): Body<ScreenRequest>,
) -> ApiResult {
    Ok(Json(run_screen(&s, &caller, r).await?))
}

/// Several parties in one request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenBatch {
    /// At most 1,000.
    parties: Vec<ScreenRequest>,
}

/// Screen up to 1,000 parties; each answers on its own.
#[utoipa::path(post, path = "/api/v1/screen/batch", tag = "screening", request_body = ScreenBatch,
    responses((status = 200, description = "One result per party, in order", body = Object)))]
async fn screen_batch(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(b): Body<ScreenBatch>,
) -> ApiResult {
    check::check_batch_len("parties", b.parties.len())?;
    let mut results = Vec::with_capacity(b.parties.len());
    for p in b.parties {
        results.push(batch_row(run_screen(&s, &caller, p).await));
    }
    Ok(Json(json!({ "results": results })))
}

// ----- licences, shipments, dispositions ------------------------------------

#[derive(Deserialize, IntoParams)]
struct JurisdictionQuery {
    jurisdiction: Option<String>,
}

/// Licences on file with their balances.
#[utoipa::path(get, path = "/api/v1/licences", tag = "licences", params(JurisdictionQuery),
    responses((status = 200, description = "Licences with used and remaining amounts", body = Object)))]
async fn licences(
    State(s): State<Arc<AppState>>,
    Params(q): Params<JurisdictionQuery>,
) -> ApiResult {
    let list = s.store.licences(q.jurisdiction.as_deref()).await?;
    Ok(Json(
        serde_json::to_value(list).map_err(|_| ApiError::internal())?,
    ))
}

/// Register a licence (the licence file's fields, as JSON).
#[utoipa::path(post, path = "/api/v1/licences", tag = "licences", request_body = Object,
    responses((status = 200, description = "The registered licence's record id", body = Object),
              (status = 400, description = "Field and reason", body = Object),
              (status = 409, description = "Already registered", body = Object)))]
async fn add_licence(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(v): Body<Value>,
) -> ApiResult {
    let store = s.store.acting_as(&actor(&caller));
    let (id, licence) =
        exctl_app::licences::add(&store, &s.data, "request.json", &v.to_string()).await?;
    s.webhooks.send(
        "licence.added",
        json!({"id": id, "jurisdiction": licence.jurisdiction, "number": licence.number, "holder": licence.holder, "valid_to": licence.valid_to}),
    )
    .await;
    Ok(Json(json!({"id": id, "licence": licence})))
}

pub use exctl_app::licences::{ClearRequest, ShipmentRequest};

/// Record a shipment, drawing its licence down atomically.
#[utoipa::path(post, path = "/api/v1/shipments", tag = "licences", request_body = ShipmentRequest,
    responses((status = 200, description = "The receipt with the remaining balance", body = Object),
              (status = 409, description = "Unknown licence, expired, exhausted or overdrawn: nothing drawn", body = Object)))]
async fn ship(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(r): Body<ShipmentRequest>,
) -> ApiResult {
    let store = s.store.acting_as(&actor(&caller));
    let receipt = exctl_app::licences::ship(&store, &r, today()).await?;
    licence_events(&s, &receipt).await;
    Ok(Json(
        serde_json::to_value(receipt).map_err(|_| ApiError::internal())?,
    ))
}

/// Every disposition (false-positive clearance).
#[utoipa::path(get, path = "/api/v1/dispositions", tag = "screening",
    responses((status = 200, description = "Dispositions, active or not", body = Object)))]
async fn dispositions(State(s): State<Arc<AppState>>) -> ApiResult {
    let all = s.store.dispositions().await?;
    Ok(Json(
        serde_json::to_value(all).map_err(|_| ApiError::internal())?,
    ))
}

/// Ask for a recorded hit to be cleared as a false positive: the proposal
/// waits on the hit's case for another officer's approval
/// (`POST /api/v1/cases/{id}/approve`), after which the hit stays cleared
/// while the entry is materially unchanged.
#[utoipa::path(post, path = "/api/v1/dispositions", tag = "screening", request_body = ClearRequest,
    responses((status = 200, description = "The hit's case, with the proposal pending", body = Object),
              (status = 409, description = "No such recorded party or hit", body = Object)))]
async fn clear(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(r): Body<ClearRequest>,
) -> ApiResult {
    let store = s.store.acting_as(&actor(&caller));
    let d = exctl_app::licences::clear(&store, &s.data, &r).await?;
    Ok(Json(
        serde_json::to_value(d).map_err(|_| ApiError::internal())?,
    ))
}

// ----- cases -------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct CasesQuery {
    /// open, pending or closed; default every case.
    status: Option<String>,
}

/// The work queue: a case per open list hit and per held order, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CasesQuery),
    responses((status = 200, description = "Cases", body = Object)))]
async fn cases(State(s): State<Arc<AppState>>, Params(q): Params<CasesQuery>) -> ApiResult {
    let all = s.store.cases(q.status.as_deref()).await?;
    Ok(Json(
        serde_json::to_value(all).map_err(|_| ApiError::internal())?,
    ))
}

/// A case with its history (assignments, comments, evidence, proposals, approvals).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "The case")),
    responses((status = 200, description = "The case and its events", body = Object),
              (status = 404, description = "No such case", body = Object)))]
async fn case(State(s): State<Arc<AppState>>, Path(id): Path<i64>) -> ApiResult {
    let file = s.store.case(id).await?;
    Ok(Json(
        serde_json::to_value(file).map_err(|_| ApiError::internal())?,
    ))
}

/// A document attached to a case, as it was attached.
#[utoipa::path(get, path = "/api/v1/cases/{id}/evidence/{event}", tag = "cases",
    params(("id" = i64, Path, description = "The case"), ("event" = i64, Path, description = "The evidence event")),
    responses((status = 200, description = "The document's bytes", content_type = "application/octet-stream")))]
async fn case_evidence(
    State(s): State<Arc<AppState>>,
    Path((id, event)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let e = s.store.evidence(id, event).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        e.name
            .replace(|c: char| c == '"' || c == '\\' || c.is_control(), "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static("x-sha256"), e.sha256),
        ],
        e.bytes,
    )
        .into_response())
}

/// Work a case: `assign`, `comment`, `attach`, `escalate`, `propose` a
/// resolution, `approve` or `reject` it. Approval is by another person than
/// the proposer (four eyes); approving a hit's clearance clears the hit.
#[utoipa::path(post, path = "/api/v1/cases/{id}/{action}", tag = "cases",
    params(("id" = i64, Path, description = "The case"),
           ("action" = String, Path, description = "assign, comment, attach, escalate, propose, approve or reject")),
    request_body = CaseRequest,
    responses((status = 200, description = "The case and its events", body = Object),
              (status = 400, description = "A field missing or unknown", body = Object),
              (status = 409, description = "Not allowed in the case's state (e.g. approving one's own proposal)", body = Object)))]
async fn case_act(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((id, action)): Path<(i64, String)>,
    Body(r): Body<CaseRequest>,
) -> ApiResult {
    // Over the API an approval names the proposal it read.
    if action == "approve" && r.seen.is_none() {
        return Err(ApiError::bad(
            "seen: approve needs the id of the proposal event you read (the case's latest \"proposed\" event)".to_string(),
        ));
    }
    let store = s.store.acting_as(&actor(&caller));
    let file = exctl_app::cases::act(&store, id, &action, &r, None).await?;
    Ok(Json(
        serde_json::to_value(file).map_err(|_| ApiError::internal())?,
    ))
}

// ----- products ----------------------------------------------------------------

/// A product definition to save.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductRequest {
    /// The item definition, as an item file has it (as JSON): `kind`,
    /// `name`, and the item's parameters (`throughput`, `die_area_mm2`…).
    #[schema(value_type = Object)]
    definition: Value,
    /// Why; required when the definition changes an existing product.
    #[serde(default)]
    reason: Option<String>,
    /// The version this change was made from, or 0 for a new product: if
    /// the product is at another version (or exists, for 0), the save is
    /// refused (409) instead of replacing it unseen.
    #[serde(default)]
    based_on: Option<i64>,
}

/// Why a product is retired.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireRequest {
    reason: String,
}

/// The product master: the current version of every product, with metrics.
#[utoipa::path(get, path = "/api/v1/products", tag = "products",
    responses((status = 200, description = "Products", body = Object)))]
async fn products(State(s): State<Arc<AppState>>) -> ApiResult {
    let all = exctl_app::products::Products::load(&s.store).await?;
    Ok(Json(exctl_app::products::list_json(&s.data, &all)))
}

/// A product (`NAME`) or one version (`NAME@VERSION`), with its
/// definition, metrics and every version.
#[utoipa::path(get, path = "/api/v1/products/{name}", tag = "products",
    params(("name" = String, Path, description = "The product, or NAME@VERSION")),
    responses((status = 200, description = "The product", body = Object),
              (status = 404, description = "No such product or version", body = Object)))]
async fn product(State(s): State<Arc<AppState>>, Path(name): Path<String>) -> ApiResult {
    let all = exctl_app::products::Products::for_item(&s.store, &name).await?;
    Ok(Json(exctl_app::products::show_json(&s.data, &all, &name)?))
}

/// Save a product: version 1 of a new product, the next version of a
/// changed one (with a reason), or nothing for an unchanged one.
#[utoipa::path(post, path = "/api/v1/products", tag = "products", request_body = ProductRequest,
    responses((status = 201, description = "A new version saved", body = Object),
              (status = 200, description = "Unchanged: the current version", body = Object),
              (status = 400, description = "Not a valid item, a catalog name, or a change without a reason", body = Object)))]
async fn save_product(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(r): Body<ProductRequest>,
) -> Result<Response, ApiError> {
    use exctl_app::products;
    let known = products::Products::load(&s.store).await?;
    let checked = products::check_definitions(
        &s.data,
        &known,
        "definition",
        "",
        vec![r.definition],
        today(),
    )?;
    let store = s.store.acting_as(&actor(&caller));
    let saved = products::save(&store, &checked, r.reason.as_deref(), r.based_on).await?;
    let created = saved.iter().any(|v| v.created);
    let version = saved.first().map_or(0, |v| v.product.version);
    let name = checked[0].name.clone();
    // The version this request saved (or found current), not whatever is
    // latest by the time it is read back.
    let all = products::Products::for_item(&s.store, &name).await?;
    let mut body = products::show_json(&s.data, &all, &format!("{name}@{version}"))?;
    body["created"] = Value::Bool(created);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(body)).into_response())
}

/// Retire a product: new checks may no longer name it; earlier versions
/// stay readable for the decisions that used them.
#[utoipa::path(post, path = "/api/v1/products/{name}/retire", tag = "products", request_body = RetireRequest,
    params(("name" = String, Path, description = "The product")),
    responses((status = 200, description = "The retiring version", body = Object),
              (status = 404, description = "No such product", body = Object),
              (status = 409, description = "Retired already", body = Object)))]
async fn retire_product(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    Body(r): Body<RetireRequest>,
) -> ApiResult {
    let store = s.store.acting_as(&actor(&caller));
    let v = store.retire_product(&name, &r.reason).await?;
    Ok(Json(
        serde_json::to_value(v).map_err(|_| ApiError::internal())?,
    ))
}

// ----- ownership ---------------------------------------------------------------

/// A file of holdings to record as its source's new import.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnersImportRequest {
    /// The source this is the latest reading of; default `declared` for
    /// csv, else the format's name.
    #[serde(default)]
    source: Option<String>,
    /// `csv`, `ftm`, `gleif-rr` or `gleif-lei`; default: recognised from the content.
    #[serde(default)]
    format: Option<String>,
    /// The file's name, for the record and for messages.
    file_name: String,
    /// The file's text.
    content: String,
    /// This file is the whole source: holdings its previous import stated
    /// and this one does not are dropped (without it such an import is
    /// refused, 409).
    #[serde(default)]
    replace: bool,
}

/// The date a party's owners are shown as of.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OwnersQuery {
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    as_of: Option<NaiveDate>,
}

/// The ownership imports on record, newest first.
#[utoipa::path(get, path = "/api/v1/owners", tag = "owners",
    responses((status = 200, description = "Imports", body = Object)))]
async fn owners_imports(State(s): State<Arc<AppState>>) -> ApiResult {
    let imports = s.store.ownership_imports().await?;
    Ok(Json(
        serde_json::to_value(imports).map_err(|_| ApiError::internal())?,
    ))
}

/// Record a file of holdings (your declarations as CSV, FollowTheMoney,
/// GLEIF) as its source's new import; answers what changed since the previous.
#[utoipa::path(post, path = "/api/v1/owners", tag = "owners", request_body = OwnersImportRequest,
    responses((status = 200, description = "Recorded, with the changes", body = Object),
              (status = 400, description = "Not a readable ownership file: the line and the reason", body = Object)))]
async fn owners_import(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(r): Body<OwnersImportRequest>,
) -> Result<Response, ApiError> {
    let store = s.store.acting_as(&actor(&caller));
    let report = exctl_app::owners::import(
        &store,
        &r.file_name,
        r.content.into_bytes(),
        r.format.as_deref(),
        r.source.as_deref(),
        r.replace,
    )
    .await?;
    Ok(Json(serde_json::to_value(report).map_err(|_| ApiError::internal())?).into_response())
}

/// A party's owners up every chain, the list hits on them, and what each
/// pack's ownership rules make of the party, with the ownership paths.
#[utoipa::path(get, path = "/api/v1/owners/{name}", tag = "owners", params(OwnersQuery,
        ("name" = String, Path, description = "The party's name")),
    responses((status = 200, description = "Owners, holdings and findings", body = Object),
              (status = 404, description = "Not in the ownership records", body = Object)))]
async fn owners_show(
    State(s): State<Arc<AppState>>,
    Path(name): Path<String>,
    Params(q): Params<OwnersQuery>,
) -> ApiResult {
    let screener = s.lists().screener.clone();
    let answer = exctl_app::owners::show(
        &s.store,
        &s.data,
        &screener,
        &name,
        q.as_of.unwrap_or_else(today),
    )
    .await?;
    Ok(Json(
        serde_json::to_value(answer).map_err(|_| ApiError::internal())?,
    ))
}

// ----- reports -----------------------------------------------------------------

fn download(kind: &'static str, name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            // A report opened in place runs nothing and loads nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'".to_string(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// A recorded decision as a printable HTML report: what was asked, the
/// summary, each jurisdiction's reasons with citations and the law's words,
/// the parties' list matches, its cases with their histories, the rule packs
/// and list version.
#[utoipa::path(get, path = "/api/v1/reports/decisions/{id}", tag = "records",
    params(("id" = i64, Path, description = "The recorded decision")),
    responses((status = 200, description = "The report", content_type = "text/html"),
              (status = 404, description = "No such decision", body = Object)))]
async fn decision_report(
    State(s): State<Arc<AppState>>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = s.store.decision(id).await?;
    let cases = s.store.cases_of_decision(id).await?;
    let html = exctl_app::reports::decision_html(&d, &cases, &s.store.key_id().unwrap_or_default());
    Ok(download(
        "text/html; charset=utf-8",
        format!("decision-{id}.html"),
        html,
    ))
}

/// Recorded decisions as CSV (the history's filters), newest first.
#[utoipa::path(get, path = "/api/v1/reports/decisions.csv", tag = "records", params(HistoryQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
async fn decisions_report(
    State(s): State<Arc<AppState>>,
    Params(q): Params<HistoryQuery>,
) -> Result<Response, ApiError> {
    let filter = q.filter(recording::HISTORY_MAX_LIMIT);
    // The history's checks (a misspelt outcome is a 400, not an empty file);
    // more rows than a page: `X-Next-Before` says where the rest start.
    let page = recording::history(&s.store, &filter, recording::HISTORY_MAX_LIMIT).await?;
    let csv =
        exctl_app::reports::decisions_csv(&page.decisions).map_err(|_| ApiError::internal())?;
    let mut r = download("text/csv; charset=utf-8", "decisions.csv".into(), csv);
    if let Some(next) = page.next_before {
        if let Ok(v) = header::HeaderValue::from_str(&next.to_string()) {
            r.headers_mut().insert("x-next-before", v);
        }
    }
    Ok(r)
}

/// The case queue as CSV.
#[utoipa::path(get, path = "/api/v1/reports/cases.csv", tag = "records", params(CasesQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
async fn cases_report(
    State(s): State<Arc<AppState>>,
    Params(q): Params<CasesQuery>,
) -> Result<Response, ApiError> {
    let all = s.store.cases(q.status.as_deref()).await?;
    let csv = exctl_app::reports::cases_csv(&all).map_err(|_| ApiError::internal())?;
    Ok(download("text/csv; charset=utf-8", "cases.csv".into(), csv))
}

/// Licences with their balances as CSV.
#[utoipa::path(get, path = "/api/v1/reports/licences.csv", tag = "records",
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
async fn licences_report(State(s): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let all = s.store.licences(None).await?;
    let csv = exctl_app::reports::licences_csv(&all).map_err(|_| ApiError::internal())?;
    Ok(download(
        "text/csv; charset=utf-8",
        "licences.csv".into(),
        csv,
    ))
}

// ----- history, rescreen, audit ---------------------------------------------

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    /// check or screen.
    kind: Option<String>,
    /// Part of a party's name.
    party: Option<String>,
    /// Part of an item id.
    item: Option<String>,
    outcome: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// Default 200, at most 5,000.
    limit: Option<i64>,
    /// Only records older than this id: the `X-Next-Before` of the page before.
    before: Option<i64>,
}

impl HistoryQuery {
    /// The store's filter, `default_limit` rows unless the query says.
    fn filter(self, default_limit: i64) -> exctl_records::HistoryFilter {
        exctl_records::HistoryFilter {
            kind: self.kind,
            party: self.party,
            item: self.item,
            outcome: self.outcome,
            from: self.from,
            to: self.to,
            before: self.before,
            limit: Some(self.limit.unwrap_or(default_limit)),
        }
    }
}

/// Recorded checks and screens, newest first; `X-Next-Before` is the cursor
/// of the next (older) page, absent on the last one.
#[utoipa::path(get, path = "/api/v1/history", tag = "records", params(HistoryQuery),
    responses((status = 200, description = "Recorded decisions with inputs and results", body = Object,
        headers(("X-Next-Before" = i64, description = "Pass as `before` for the next page")))))]
async fn history(
    State(s): State<Arc<AppState>>,
    Params(q): Params<HistoryQuery>,
) -> ApiResult<Response> {
    let filter = q.filter(200);
    let page = recording::history(&s.store, &filter, recording::HISTORY_MAX_LIMIT).await?;
    let body = Json(serde_json::to_value(&page.decisions).map_err(|_| ApiError::internal())?);
    Ok(match page.next_before {
        Some(next) => ([("x-next-before", next.to_string())], body).into_response(),
        None => body.into_response(),
    })
}

/// Rescreen every stored party against the lists serving now; report
/// material changes (and send them to the webhooks).
#[utoipa::path(post, path = "/api/v1/rescreen", tag = "screening",
    responses((status = 200, description = "New, changed, re-raised and cleared hits", body = Object)))]
async fn rescreen(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    let store = s.store.acting_as(&actor(&caller));
    let shell = ServerShell(&s);
    let report =
        parties::rescreen(&shell, &store, &s.data, today(), Arc::new(exctl_app::Quiet)).await?;
    if !report.alerts.is_empty() {
        s.webhooks
            .send(
                "rescreen.alerts",
                serde_json::to_value(&report).unwrap_or_default(),
            )
            .await;
    }
    Ok(Json(
        serde_json::to_value(report).map_err(|_| ApiError::internal())?,
    ))
}

/// Verify the whole audit trail: chain, seals, every record.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "records",
    responses((status = 200, description = "The verification report; ok false names the first bad entries", body = Object)))]
async fn verify(State(s): State<Arc<AppState>>) -> ApiResult {
    let report = s.store.verify(&[]).await?;
    Ok(Json(
        serde_json::to_value(report).map_err(|_| ApiError::internal())?,
    ))
}

/// A checkpoint of the audit trail's head (entry count and hash, time, key
/// id), signed with this instance's ML-DSA-65 key: keep it outside the
/// database, and `exctl audit verify --checkpoint` proves later that the
/// trail still holds that entry, not truncated or rolled back.
#[utoipa::path(get, path = "/api/v1/audit/head", tag = "records",
    responses((status = 200, description = "The signed checkpoint: format, entries, head, at, key_id, signature", body = Object)))]
async fn audit_head(State(s): State<Arc<AppState>>) -> ApiResult {
    let checkpoint = s.store.checkpoint().await?;
    Ok(Json(
        serde_json::to_value(checkpoint).map_err(|_| ApiError::internal())?,
    ))
}

#[derive(Deserialize, IntoParams)]
struct RangeQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// The audit trail of a date range with the public keys, for reviewers.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "records", params(RangeQuery),
    responses((status = 200, description = "The bundle: entries, public keys and a verification", body = Object)))]
async fn export(State(s): State<Arc<AppState>>, Params(q): Params<RangeQuery>) -> ApiResult {
    let bundle = s.store.export(q.from, q.to).await?;
    Ok(Json(
        serde_json::to_value(bundle).map_err(|_| ApiError::internal())?,
    ))
}

// ----- lists and keys --------------------------------------------------------

fn lists_json(s: &AppState) -> Value {
    let l = s.lists();
    let refresh = s.refresh.lock().map(|r| r.clone()).unwrap_or_default();
    json!({
        "version": l.version,
        "entries": l.entries,
        "loaded_at": chrono::DateTime::from_timestamp(l.loaded_at, 0).map(|d| d.to_rfc3339()),
        "age_seconds": chrono::Utc::now().timestamp() - l.loaded_at,
        "demo": l.demo,
        "sources": l.sources,
        "refresh": refresh,
    })
}

/// The lists serving now and the latest refresh.
#[utoipa::path(get, path = "/api/v1/lists", tag = "screening",
    responses((status = 200, description = "Version, entries, sources, age and refresh status", body = Object)))]
async fn lists(State(s): State<Arc<AppState>>) -> Json<Value> {
    Json(lists_json(&s))
}

/// Reload the lists beside the current ones and swap them in atomically;
/// on failure the current lists keep serving.
#[utoipa::path(post, path = "/api/v1/lists/refresh", tag = "screening",
    params(("force" = Option<bool>, Query, description = "Swap in lists that lost more entries than the server allows")),
    responses((status = 200, description = "The new lists", body = Object),
              (status = 409, description = "The new lists lost more entries than allowed; the previous lists still serve", body = Object),
              (status = 502, description = "The refresh failed; the previous lists still serve", body = Object)))]
async fn refresh(State(s): State<Arc<AppState>>, Params(q): Params<RefreshQuery>) -> ApiResult {
    match s.refresh_lists(q.force).await {
        Ok(_) => Ok(Json(lists_json(&s))),
        Err(crate::state::RefreshError::Shrank(e)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("list refresh refused, the previous lists keep serving: {e}"),
        )),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("list refresh failed, the previous lists keep serving: {e}"),
        )),
    }
}

/// `POST /api/v1/lists/fetch?source=all&force=false`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FetchQuery {
    /// csl, ofac, un, eu, uk, or all (default).
    #[serde(default)]
    source: Option<String>,
    /// Accept a file that lost more entries than the server allows, or is
    /// dated before the one in use.
    #[serde(default)]
    force: bool,
}

/// Download the official lists (each file checked, the previous kept),
/// record what changed, swap the new lists in and rescreen the stored
/// parties when something did.
#[utoipa::path(post, path = "/api/v1/lists/fetch", tag = "screening", params(FetchQuery),
    responses((status = 200, description = "The recorded fetch (files, diffs, failures) and the rescreen", body = Object),
              (status = 400, description = "Not a source", body = Object)))]
async fn fetch_lists(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Params(q): Params<FetchQuery>,
) -> ApiResult {
    let which = q.source.unwrap_or_else(|| "all".into());
    let body = s
        .fetch_lists(&which, q.force, Some(&actor(&caller)))
        .await?;
    Ok(Json(body))
}

/// The recorded fetches of the official lists, newest first.
#[utoipa::path(get, path = "/api/v1/lists/refreshes", tag = "screening",
    responses((status = 200, description = "Fetches with their files, diffs and failures", body = Object)))]
async fn list_refreshes(State(s): State<Arc<AppState>>) -> ApiResult {
    Ok(Json(
        serde_json::to_value(s.store.list_refreshes(50, None).await?)
            .map_err(|_| ApiError::internal())?,
    ))
}

/// `POST /api/v1/lists/refresh?force=true`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshQuery {
    #[serde(default)]
    force: bool,
}

/// API keys (never their secrets).
#[utoipa::path(get, path = "/api/v1/keys", tag = "access",
    responses((status = 200, description = "Keys with roles and revocation", body = Object)))]
async fn keys(State(s): State<Arc<AppState>>) -> ApiResult {
    Ok(Json(
        serde_json::to_value(s.store.api_keys().await?).map_err(|_| ApiError::internal())?,
    ))
}

/// A key to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// viewer, officer or admin.
    role: String,
    /// Who or what uses it.
    name: String,
}

/// Create an API key; its token is in this answer only.
#[utoipa::path(post, path = "/api/v1/keys", tag = "access", request_body = KeyRequest,
    responses((status = 200, description = "The key and its token", body = Object)))]
async fn create_key(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(r): Body<KeyRequest>,
) -> ApiResult {
    let role = Role::parse(&r.role).ok_or_else(|| {
        ApiError::bad(format!(
            "role {:?}: expected viewer, officer or admin",
            r.role
        ))
    })?;
    let (key, token) = s
        .store
        .acting_as(&actor(&caller))
        .create_api_key(role, &r.name)
        .await?;
    Ok(Json(json!({"key": key, "token": token})))
}

/// Revoke an API key.
#[utoipa::path(delete, path = "/api/v1/keys/{key_id}", tag = "access",
    params(("key_id" = String, Path, description = "The key's id")),
    responses((status = 200, description = "The revoked key", body = Object)))]
async fn revoke_key(
    State(s): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(key_id): Path<String>,
) -> ApiResult {
    let key = s
        .store
        .acting_as(&actor(&caller))
        .revoke_api_key(&key_id)
        .await?;
    Ok(Json(
        serde_json::to_value(key).map_err(|_| ApiError::internal())?,
    ))
}

/// Refused requests, per client address and window (a minute), newest
/// first: the windows still being counted (`recorded: false`), then those
/// in the audit trail.
#[utoipa::path(get, path = "/api/v1/refusals", tag = "access",
    responses((status = 200, description = "Refusal windows: count, first and last time, statuses, key ids, paths, reasons; newest first", body = Object)))]
async fn refusals(State(s): State<Arc<AppState>>) -> ApiResult {
    let mut all = s.refusals.pending();
    all.sort_by(|a, b| b.last_at.cmp(&a.last_at));
    all.extend(s.store.refusals(500).await?);
    all.truncate(500);
    Ok(Json(
        serde_json::to_value(all).map_err(|_| ApiError::internal())?,
    ))
}

// ----- health, metrics, OpenAPI ---------------------------------------------

async fn healthz(State(s): State<Arc<AppState>>) -> Json<Value> {
    let refresh = s.refresh.lock().map(|r| r.clone()).unwrap_or_default();
    let l = s.lists();
    // The demo list answers, but not about real listed parties: a
    // monitor must see that, not "ok".
    let mut warnings = Vec::new();
    if l.demo {
        warnings.push("screening against the bundled demo list, not a restricted-party list: configure one (lists fetch, lists add, --list)");
    }
    if !refresh.ok {
        warnings.push("the last list refresh failed: the previous lists keep serving");
    }
    Json(json!({
        "status": if warnings.is_empty() { "ok" } else { "degraded" },
        "warnings": warnings,
        "lists": {"version": l.version, "entries": l.entries, "demo": l.demo,
                  "age_seconds": chrono::Utc::now().timestamp() - l.loaded_at},
        "refresh": refresh,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

async fn readyz(State(s): State<Arc<AppState>>) -> Response {
    if s.ready() {
        (StatusCode::OK, Json(json!({"ready": true}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false})),
        )
            .into_response()
    }
}

async fn metrics(State(s): State<Arc<AppState>>) -> Response {
    let refresh = s.refresh.lock().map(|r| r.clone()).unwrap_or_default();
    let text = s
        .metrics
        .render(&s.lists(), &refresh, s.started.elapsed().as_secs_f64());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such endpoint (see /openapi.json)",
    )
}

/// Times every request and counts it by route; logs it.
async fn observe(State(s): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    s.metrics.request(&route, &method, status, secs);
    tracing::debug!(%method, %route, status, ms = secs * 1e3, "request");
    response
}

/// Every route, with its layers: body limit, timeout, panic catching,
/// metrics and the role check.
pub fn router(state: Arc<AppState>, body_limit: usize, timeout: Duration) -> Router {
    let routes = Router::new()
        .route("/api/v1/whoami", get(whoami))
        .route("/api/v1/catalog", get(catalog))
        .route("/api/v1/vocabulary", get(vocabulary))
        .route("/api/v1/countries", get(countries))
        .route("/api/v1/jurisdictions", get(jurisdictions_list))
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/classify", post(classify))
        .route("/api/v1/compare", post(compare))
        .route("/api/v1/check", post(check))
        .route("/api/v1/check/batch", post(check_batch))
        .route("/api/v1/screen", post(screen))
        .route("/api/v1/screen/batch", post(screen_batch))
        .route("/api/v1/licences", get(licences).post(add_licence))
        .route("/api/v1/shipments", post(ship))
        .route("/api/v1/dispositions", get(dispositions).post(clear))
        .route("/api/v1/reports/decisions/{id}", get(decision_report))
        .route("/api/v1/reports/decisions.csv", get(decisions_report))
        .route("/api/v1/reports/cases.csv", get(cases_report))
        .route("/api/v1/reports/licences.csv", get(licences_report))
        .route("/api/v1/products", get(products).post(save_product))
        .route("/api/v1/products/{name}", get(product))
        .route("/api/v1/products/{name}/retire", post(retire_product))
        .route("/api/v1/owners", get(owners_imports).post(owners_import))
        .route("/api/v1/owners/{name}", get(owners_show))
        .route("/api/v1/cases", get(cases))
        .route("/api/v1/cases/{id}", get(case))
        .route("/api/v1/cases/{id}/evidence/{event}", get(case_evidence))
        .route("/api/v1/cases/{id}/{action}", post(case_act))
        .route("/api/v1/history", get(history))
        .route("/api/v1/rescreen", post(rescreen))
        .route("/api/v1/audit/verify", get(verify))
        .route("/api/v1/audit/head", get(audit_head))
        .route("/api/v1/audit/export", get(export))
        .route("/api/v1/lists", get(lists))
        .route("/api/v1/lists/refresh", post(refresh))
        .route("/api/v1/lists/fetch", post(fetch_lists))
        .route("/api/v1/lists/refreshes", get(list_refreshes))
        .route("/api/v1/keys", get(keys).post(create_key))
        .route("/api/v1/keys/{key_id}", delete(revoke_key))
        .route("/api/v1/refusals", get(refusals))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .merge(crate::ui::routes())
        .fallback(not_found);
    routes
        .route_layer(from_fn_with_state(state.clone(), auth::middleware))
        .layer(from_fn_with_state(state.clone(), observe))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::internal().into_response()
        }))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Ours, not axum's default of 2 MiB: bodies are read by `Body`,
        // which answers past the limit with a JSON 413.
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(Extension(BodyLimit(body_limit)))
        .with_state(state)
}

/// The handlers the OpenAPI document describes.
pub mod paths {
    pub use super::CaseRequest;
    pub use super::{
        __path_add_licence, __path_audit_head, __path_case, __path_case_act, __path_case_evidence,
        __path_cases, __path_cases_report, __path_catalog, __path_check, __path_check_batch,
        __path_classify, __path_clear, __path_compare, __path_countries, __path_create_key,
        __path_decision_report, __path_decisions_report, __path_dispositions, __path_export,
        __path_fetch_lists, __path_history, __path_jurisdictions_list, __path_keys,
        __path_licences, __path_licences_report, __path_list_refreshes, __path_lists,
        __path_owners_import, __path_owners_imports, __path_owners_show, __path_product,
        __path_products, __path_refresh, __path_refusals, __path_rescreen, __path_retire_product,
        __path_revoke_key, __path_rules, __path_save_product, __path_screen, __path_screen_batch,
        __path_ship, __path_verify, __path_vocabulary, __path_whoami,
    };
    pub use super::{
        CheckBatch, ClassifyRequest, ClearRequest, CompareRequest, KeyRequest, OwnersImportRequest,
        ProductRequest, RetireRequest, ScreenBatch, ScreenRequest, ShipmentRequest,
    };
}

#[cfg(test)]
mod tests {
    use super::in_api_words;

    #[test]
    fn deserialiser_complaints_name_the_field_without_rust_types() {
        let (field, text) =
            in_api_words("invalid type: sequence, expected struct CheckRequest at line 1 column 0");
        assert_eq!(field, None);
        assert_eq!(
            text,
            "invalid type: sequence, expected an object at line 1 column 0"
        );
        let (field, text) =
            in_api_words("limit: invalid value: integer `-1`, expected u32 at line 1 column 11");
        assert_eq!(field.as_deref(), Some("limit"));
        assert_eq!(
            text,
            "limit: invalid value: integer `-1`, expected a whole number at line 1 column 11"
        );
        let (field, text) =
            in_api_words("end_user.owners[0].percent: invalid type: string \"x\", expected f64");
        assert_eq!(field.as_deref(), Some("end_user.owners[0].percent"));
        assert!(text.ends_with("expected a number"), "{text}");
        let (field, _) = in_api_words("missing field `to` at line 1 column 15");
        assert_eq!(field.as_deref(), Some("to"));
        let (_, text) = in_api_words("kind: unknown variant `x`, expected enum Kind");
        assert!(!text.contains("Kind"), "{text}");
        // The caller's own value is quoted as sent.
        let (_, text) =
            in_api_words("to: invalid type: string \"struct Alpha u32\", expected a sequence");
        assert!(text.contains("\"struct Alpha u32\""), "{text}");
        let (field, _) = in_api_words("end_user: missing field `name` at line 1 column 30");
        assert_eq!(field.as_deref(), Some("end_user.name"));
    }
}
