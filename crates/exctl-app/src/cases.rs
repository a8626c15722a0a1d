//! The case queue's operations as every shell takes them: one request
//! shape for the command line and the API.

use anyhow::Result;
use exctl_records::{CaseFile, Store};
use serde::Deserialize;

/// What an officer does to a case: `POST /api/v1/cases/{id}/{action}`
/// and `exctl cases ACTION ID …`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseRequest {
    /// `assign`: who works the case.
    #[serde(default)]
    pub assignee: Option<String>,
    /// `comment`: the comment; `attach`, `approve`: an optional note.
    #[serde(default)]
    pub text: Option<String>,
    /// `escalate`, `propose`, `reject`: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// `propose`: `clear` or `confirm` for a hit, `release` or `stop` for a held order.
    #[serde(default)]
    pub resolution: Option<String>,
    /// `attach`: the document's file name.
    #[serde(default)]
    pub name: Option<String>,
    /// `attach`: the document's bytes, base64 (the API; the command line reads a file).
    #[serde(default)]
    pub base64: Option<String>,
    /// `approve`: the proposal event the approver read; a proposal made
    /// again since is refused rather than approved unseen.
    #[serde(default)]
    pub seen: Option<i64>,
}

/// The actions, for errors that list them.
pub const ACTIONS: &[&str] = &[
    "assign", "comment", "attach", "escalate", "propose", "approve", "reject",
];

fn needed<'a>(field: &str, v: &'a Option<String>, action: &str) -> Result<&'a str> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| crate::bad_field(field, format!("{action} needs {field}")))
}

/// Carries out `action` on case `id` as the store's actor; `bytes` is an
/// attachment's content when the shell read it itself.
pub async fn act(
    store: &Store,
    id: i64,
    action: &str,
    r: &CaseRequest,
    bytes: Option<Vec<u8>>,
) -> Result<CaseFile> {
    let note = r.text.as_deref().unwrap_or("");
    Ok(match action {
        "assign" => {
            store
                .assign_case(id, needed("assignee", &r.assignee, action)?)
                .await?
        }
        "comment" => {
            store
                .comment_case(id, needed("text", &r.text, action)?)
                .await?
        }
        "escalate" => {
            store
                .escalate_case(id, needed("reason", &r.reason, action)?)
                .await?
        }
        "propose" => {
            store
                .propose_resolution(
                    id,
                    needed("resolution", &r.resolution, action)?,
                    needed("reason", &r.reason, action)?,
                )
                .await?
        }
        "approve" => store.approve_case(id, note, r.seen).await?,
        "reject" => {
            store
                .reject_case(id, needed("reason", &r.reason, action)?)
                .await?
        }
        "attach" => {
            let name = needed("name", &r.name, action)?;
            let bytes = match bytes {
                Some(b) => b,
                None => {
                    use base64::Engine as _;
                    let text = needed("base64", &r.base64, action)?;
                    base64::engine::general_purpose::STANDARD
                        .decode(text.trim())
                        .map_err(|e| crate::bad_field("base64", format!("not base64: {e}")))?
                }
            };
            store.attach_evidence(id, name, &bytes, note).await?
        }
        other => {
            return Err(crate::bad_field(
                "action",
                format!("unknown action {other:?}; allowed: {}", ACTIONS.join(", ")),
            ))
        }
    })
}
