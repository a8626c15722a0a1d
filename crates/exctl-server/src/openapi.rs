//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the request types (`utoipa`), served at `/openapi.json`.

use crate::api::paths::*;
use exctl_app::check::{CheckRequest, OwnerIn, PartyIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("exk_<key_id>_<secret>")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "exctl",
        description = "Export-control compliance engine: classify items, screen parties, check shipments, \
                       record decisions with a signed audit trail. Every /api/v1 endpoint needs an API key \
                       (Authorization: Bearer, or X-Api-Key) with the role its tag's description names: \
                       viewer reads, officer records decisions and dispositions, admin manages keys, \
                       licences and lists."
    ),
    paths(
        whoami, catalog, vocabulary, countries, jurisdictions_list, rules, classify, compare, check, check_batch, screen, screen_batch,
        licences, add_licence, ship, dispositions, clear, cases, case, case_evidence, case_act, products, product, save_product, retire_product, owners_imports, owners_import, owners_show, decision_report, decisions_report, cases_report, licences_report, history, rescreen, verify, audit_head, export,
        lists, refresh, fetch_lists, list_refreshes, keys, create_key, revoke_key, refusals
    ),
    components(schemas(
        CheckRequest, PartyIn, OwnerIn, CheckBatch, ClassifyRequest, CompareRequest,
        ScreenRequest, ScreenBatch, ShipmentRequest, ClearRequest, KeyRequest, CaseRequest, ProductRequest, RetireRequest, OwnersImportRequest
    )),
    modifiers(&Security),
    security(("bearer" = []), ("api_key" = [])),
    tags(
        (name = "items", description = "Classification, catalog and rules (viewer)"),
        (name = "decisions", description = "Shipment checks, recorded (officer)"),
        (name = "screening", description = "Party screening, dispositions, rescreening, lists (officer; reads viewer; list refresh admin)"),
        (name = "licences", description = "Licences (register: admin; read: viewer) and shipments (officer)"),
        (name = "records", description = "History and the audit trail (viewer; export admin)"),
        (name = "owners", description = "Ownership records: who holds whom, and what the 50 % rules make of a party (officer imports; reads viewer)"),
        (name = "products", description = "Your own products: a versioned product master, usable wherever a catalog name is (officer; reads viewer)"),
        (name = "cases", description = "The case queue: open hits and held orders, worked and released with a second officer's approval (officer; reads viewer)"),
        (name = "access", description = "API keys and refusals (admin; whoami any key)")
    )
)]
struct Doc;

/// The document, as JSON.
pub fn document() -> serde_json::Value {
    serde_json::to_value(Doc::openapi()).unwrap_or_default()
}
