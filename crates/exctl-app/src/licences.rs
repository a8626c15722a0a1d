//! Licences, shipments and dispositions: the record-keeping use cases, once
//! for every shell. Each validates its request, then asks the store, which
//! checks and writes in one transaction (a balance is never overdrawn).

use crate::bad;
use crate::parties::Clearances;
use anyhow::Result;
use chrono::NaiveDate;
use exctl_core::licence::OnFile;
use exctl_core::Licence;
use exctl_data::Data;
use exctl_records::{ShipmentReceipt, Store};
use serde::Deserialize;

/// Registers a licence from its TOML or JSON text (`source` names it in
/// errors); its record id and the licence as registered (items resolved to
/// catalog or own-product ids).
pub async fn add(store: &Store, data: &Data, source: &str, text: &str) -> Result<(i64, Licence)> {
    let products = crate::products::Products::load(store).await?;
    let licence = licence_from_text(data, &products, source, text)?;
    let id = store.add_licence(&licence).await?;
    Ok((id, licence))
}

/// A shipment against a licence: what `exctl ship` and
/// `POST /api/v1/shipments` take.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShipmentRequest {
    /// JURISDICTION:NUMBER, e.g. "us:D123456".
    pub licence: String,
    /// Your reference; recorded once.
    pub reference: String,
    #[serde(default)]
    pub quantity: f64,
    #[serde(default)]
    pub value: f64,
    /// Shipping date; default today.
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// Records a shipment, drawing its licence down in the same transaction;
/// refused (nothing drawn) past the balance, the validity or the licence's
/// terms.
pub async fn ship(store: &Store, r: &ShipmentRequest, today: NaiveDate) -> Result<ShipmentReceipt> {
    let (j, number) = licence_ref(&r.licence)?;
    if r.reference.trim().is_empty() {
        return Err(crate::bad_field("reference", "empty"));
    }
    for (field, v) in [("quantity", r.quantity), ("value", r.value)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(crate::bad_field(
                field,
                format!("{v} is not a finite number of zero or more"),
            ));
        }
    }
    Ok(store
        .record_shipment(
            j,
            number,
            r.reference.trim(),
            r.quantity,
            r.value,
            r.date.unwrap_or(today),
            None,
        )
        .await?)
}

/// A hit to clear as a false positive: what `exctl dispositions clear` and
/// `POST /api/v1/dispositions` take.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClearRequest {
    /// The party as screened.
    pub party: String,
    /// The party's country as screened (ISO 3166 alpha-2 or its name).
    #[serde(default)]
    pub country: Option<String>,
    /// List code of the hit, e.g. "EL".
    pub list: String,
    /// Entry id of the hit.
    pub entry: String,
    /// Why it is a false positive (kept in the record).
    pub reason: String,
}

/// Asks for a recorded hit to be cleared: the proposal waits on the hit's
/// case for another officer's approval, after which the hit stays cleared
/// while the entry is materially unchanged. Refused unless that party was
/// screened with that hit.
pub async fn clear(
    store: &Store,
    data: &Data,
    r: &ClearRequest,
) -> Result<exctl_records::CaseFile> {
    let country = crate::check::optional_country_code(
        "country",
        r.country.as_deref(),
        &data.engine.countries,
    )?;
    for (field, v) in [
        ("party", &r.party),
        ("list", &r.list),
        ("entry", &r.entry),
        ("reason", &r.reason),
    ] {
        if v.trim().is_empty() {
            return Err(crate::bad_field(field, "empty"));
        }
    }
    Ok(store
        .clear_hit(
            r.party.trim(),
            country.as_deref(),
            None,
            r.list.trim(),
            r.entry.trim(),
            r.reason.trim(),
        )
        .await?)
}

/// The clearances in force for every name a check screens.
pub async fn clearances(store: &Store, names: &[(String, Option<String>)]) -> Result<Clearances> {
    Ok(store.dispositions_for_many(names).await?)
}

/// A licence file's text checked against the data: a known jurisdiction,
/// and items resolved to catalog ids (or own products' ids: a licence
/// covers a product in every version) so that any alias matches later.
pub fn licence_from_text(
    data: &exctl_data::Data,
    products: &crate::products::Products,
    path: &str,
    text: &str,
) -> Result<exctl_core::Licence> {
    let mut licence = exctl_core::Licence::from_text(path, text).map_err(|e| bad(e.to_string()))?;
    if data.engine.pack(&licence.jurisdiction).is_none() {
        return Err(bad(format!(
            "{path}: field `jurisdiction`: unknown jurisdiction {:?}",
            licence.jurisdiction
        )));
    }
    let mut ids = Vec::new();
    for i in &licence.items {
        // A licence is for a product, not one version of it: a pinned
        // version would read as narrower than the licence is.
        if i.contains('@') {
            return Err(bad(format!(
                "{path}: field `items`: {i:?} names a version; a licence covers a product in every version, so name the product alone"
            )));
        }
        let item = crate::products::resolve(data, products, i).map_err(|e| {
            let reason = e
                .downcast_ref::<crate::BadInput>()
                .map_or(e.to_string(), |b| b.reason.clone());
            bad(format!("{path}: field `items`: {reason}"))
        })?;
        ids.push(item.id);
    }
    licence.items = ids;
    Ok(licence)
}

/// Splits a licence reference `JURISDICTION:NUMBER`, e.g. `us:D123456`.
pub fn licence_ref(s: &str) -> Result<(&str, &str)> {
    s.split_once(':')
        .filter(|(j, n)| !j.trim().is_empty() && !n.trim().is_empty())
        .ok_or_else(|| bad(format!("licence {s:?}: expected JURISDICTION:NUMBER")))
}

/// Stored licences as a check is offered them.
pub fn licences_on_file(stored: Vec<exctl_records::StoredLicence>) -> Vec<OnFile> {
    stored
        .into_iter()
        .map(|l| OnFile {
            licence: l.licence,
            drawn: l.drawn,
        })
        .collect()
}
