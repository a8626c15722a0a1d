//! exctl inside another program (the Python package, a Spark executor):
//! the rule data and the lists loaded once, then classify, check and
//! screen as pure calls, one at a time or many in parallel on every core,
//! answers in input order. Nothing is recorded, and no clearances or
//! licences on file apply: an embedded check answers as `check
//! --no-record` does on an instance with none.

use crate::check::{self, CheckRequest};
use crate::screening::{self, ScreenAnswer, ScreenRequest};
use anyhow::Result;
use chrono::NaiveDate;
use exctl_data::Data;
use exctl_screen::Screener;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// An item to classify.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    /// Catalog name ("h100", "MI300X").
    pub item: String,
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    #[serde(default)]
    pub jurisdictions: Vec<String>,
    #[serde(default)]
    pub explain: bool,
}

/// The rule data and lists one embedding answers from.
pub struct Embedded {
    pub data: Data,
    /// The lists parties are screened against, with the parties the packs
    /// designate; `None` when no list was given.
    pub screener: Option<Arc<Screener>>,
}

impl Embedded {
    /// Loads the rule data (`data_dir`, else the copy built in) and the
    /// lists (`demo`, or list files in any format screening reads).
    pub fn load(data_dir: Option<&Path>, lists: &[String]) -> Result<Embedded> {
        // The caller named the folder: what is wrong with it is named `data`.
        let in_data = |e: anyhow::Error| crate::bad_field("data", format!("{e:#}"));
        let files = match data_dir {
            Some(dir) => exctl_data::Files::from_dir(dir).map_err(|e| in_data(e.into()))?,
            None => exctl_data::Files::bundled(),
        };
        let data = exctl_data::load(&files).map_err(|e| in_data(e.into()))?;
        // A list named twice would count its entries twice.
        let mut named: Vec<String> = Vec::new();
        for spec in lists {
            if !named.contains(spec) {
                named.push(spec.clone());
            }
        }
        for spec in &named {
            // `FORMAT:PATH` or a path; `demo` is built in.
            let path = spec
                .split_once(':')
                .map(|(_, p)| p)
                .filter(|p| Path::new(p).exists())
                .unwrap_or(spec);
            if spec != "demo" && !Path::new(path).exists() {
                return Err(crate::bad_field(
                    "lists",
                    format!("{spec}: no such file or folder (give \"demo\", or list files)"),
                ));
            }
        }
        let lists = &named;
        let screener = if lists.is_empty() {
            None
        } else {
            let set = crate::parties::list_set(lists, Path::new(""))
                .map_err(|e| match e.downcast_ref::<crate::BadInput>() {
                    Some(b) if b.field.is_some() => e,
                    _ => crate::bad_field("lists", format!("{e:#}")),
                })?
                .ok_or_else(|| crate::bad_field("lists", "none could be loaded"))?;
            Some(Arc::new(crate::parties::with_designated(
                &data.parties,
                set,
            )))
        };
        Ok(Embedded { data, screener })
    }

    fn screener(&self, field: &str) -> Result<&Arc<Screener>> {
        self.screener.as_ref().ok_or_else(|| {
            crate::bad_field(
                field,
                "no lists were loaded to screen against: give lists (\"demo\", or list files) when the engine is made",
            )
        })
    }

    /// What each pack makes of an item (no destination).
    pub fn classify(&self, r: &ClassifyRequest, today: NaiveDate) -> Result<Value> {
        let item = self
            .data
            .item(&r.item)
            .map_err(|e| crate::bad_field("item", e.to_string()))?;
        self.data
            .engine
            .check_jurisdictions(&r.jurisdictions)
            .map_err(|e| crate::bad_field("jurisdictions", e.to_string()))?;
        let q = exctl_core::Query {
            jurisdictions: r.jurisdictions.clone(),
            explain: r.explain,
            ..exctl_core::Query::classify(&item, r.as_of.unwrap_or(today))
        };
        self.data
            .engine
            .validate(&q)
            .map_err(|e| crate::bad(e.to_string()))?;
        Ok(serde_json::to_value(self.data.engine.decide(&q))?)
    }

    /// A shipment, as `exctl check --no-record --json` answers it, with the
    /// warnings a single check gives.
    pub fn check(&self, request: CheckRequest, today: NaiveDate) -> Result<Value> {
        refuse_recording(request.record)?;
        if request.ship.is_some() {
            return Err(crate::bad_field(
                "ship",
                "the embedded engine holds no licences and draws on none: ship through \
                 the command line or the server",
            ));
        }
        let item = self
            .data
            .item(&request.item)
            .map_err(|e| crate::bad_field("item", e.to_string()))?;
        let has_parties = request.end_user.is_some()
            || request.consignee.is_some()
            || !request.intermediates.is_empty();
        let screener = if has_parties {
            let role = if request.end_user.is_some() {
                "end_user"
            } else if request.consignee.is_some() {
                "consignee"
            } else {
                "intermediates"
            };
            Some(self.screener(role)?.as_ref())
        } else {
            None
        };
        let mut p = check::prepare(&self.data, &item, request, today)?;
        let screened = check::complete(
            &self.data,
            &mut p,
            screener,
            &crate::parties::Clearances::new(),
            &[],
        );
        let mut v = check::result_json(&p, screened.as_ref(), None);
        let mut warnings = screening::warnings(screener);
        warnings.extend(check::unweighed_hits(
            &self.data,
            &p.decision,
            screened.as_ref(),
        ));
        if !warnings.is_empty() {
            v["warnings"] = serde_json::json!(warnings);
        }
        Ok(v)
    }

    /// A party's matches, each with its list's legal effect under the packs.
    pub fn screen(&self, request: &ScreenRequest, today: NaiveDate) -> Result<Value> {
        refuse_recording(request.record)?;
        let screener = self.screener("name")?;
        let (query, limit, threshold) =
            screening::screen_query(request, &self.data.engine.countries)?;
        let matches = screener.screen(&query, limit, threshold);
        let effects = matches
            .iter()
            .map(|m| screening::legal_effects(&self.data, &m.list, today))
            .collect();
        let answer = ScreenAnswer {
            query,
            matches,
            effects,
            threshold,
            screener: screener.clone(),
            record: None,
            ownership: Vec::new(),
        };
        Ok(answer.to_json())
    }

    /// Many checks on every core; answers (or each one's error) in input order.
    pub fn check_many(&self, requests: Vec<CheckRequest>, today: NaiveDate) -> Vec<Result<Value>> {
        requests
            .into_par_iter()
            .with_min_len(64)
            .map(|r| self.check(r, today))
            .collect()
    }

    /// Many screens on every core; answers (or each one's error) in input order.
    pub fn screen_many(&self, requests: &[ScreenRequest], today: NaiveDate) -> Vec<Result<Value>> {
        requests
            .par_iter()
            .with_min_len(16)
            .map(|r| self.screen(r, today))
            .collect()
    }
}

/// The embedded engine records nothing: a request that asks for a record
/// is refused rather than answered as if one had been made.
fn refuse_recording(record: Option<bool>) -> Result<()> {
    if record == Some(true) {
        return Err(crate::bad_field(
            "record",
            "the embedded engine records nothing (false is the only value it takes): \
             record through the command line or the server",
        ));
    }
    Ok(())
}

/// A failure as the embedding reports it: the field it is about, if any,
/// and the reason.
pub fn error_parts(e: &anyhow::Error) -> (Option<String>, String) {
    match e.downcast_ref::<crate::BadInput>() {
        Some(b) => (b.field.clone(), b.reason.clone()),
        None => (None, format!("{e:#}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn many_answers_keep_input_order_and_equal_single_ones() {
        let e = Embedded::load(None, &["demo".to_string()]).unwrap();
        let names = [
            "Huawei Technologies",
            "Acme Widgets",
            "",
            "华为技术有限公司",
        ];
        let requests: Vec<ScreenRequest> = names
            .iter()
            .map(|n| serde_json::from_value(serde_json::json!({ "name": n })).unwrap())
            .collect();
        let many = e.screen_many(&requests, today());
        assert_eq!(many.len(), names.len());
        for (r, got) in requests.iter().zip(&many) {
            match (e.screen(r, today()), got) {
                (Ok(a), Ok(b)) => assert_eq!(&a, b),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("{a:?} vs {b:?}"),
            }
        }
        let (field, _) = error_parts(many[2].as_ref().unwrap_err());
        assert_eq!(field.as_deref(), Some("name"));
        assert!(!many[0].as_ref().unwrap()["matches"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_check_naming_parties_without_lists_is_refused_not_cleared() {
        let e = Embedded::load(None, &[]).unwrap();
        let r: CheckRequest = serde_json::from_value(serde_json::json!({
            "item": "h100", "to": "CN", "end_user": { "name": "Huawei" }
        }))
        .unwrap();
        let err = e.check(r, today()).unwrap_err();
        assert_eq!(error_parts(&err).0.as_deref(), Some("end_user"));
        let r: CheckRequest =
            serde_json::from_value(serde_json::json!({ "item": "h100", "to": "CN" })).unwrap();
        // Without parties no lists are needed; the answer is the engine's.
        let v = e.check(r, today()).unwrap();
        let item = e.data.item("h100").unwrap();
        let d = e.data.engine.decide(&exctl_core::Query {
            destination: Some("CN".into()),
            ..exctl_core::Query::classify(&item, today())
        });
        assert_eq!(v["overall"], serde_json::to_value(d.overall).unwrap());
        assert!(v["summary"]["headline"].is_string(), "{v}");
    }

    #[test]
    fn a_record_or_a_drawdown_asked_of_the_embedding_is_refused() {
        let e = Embedded::load(None, &["demo".to_string()]).unwrap();
        let check = |extra: serde_json::Value| {
            let mut r = serde_json::json!({ "item": "h100", "to": "CN" });
            r.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            e.check(serde_json::from_value(r).unwrap(), today())
        };
        let field = |r: Result<Value>| error_parts(&r.unwrap_err()).0;
        assert_eq!(
            field(check(serde_json::json!({ "record": true }))).as_deref(),
            Some("record")
        );
        assert_eq!(
            field(check(serde_json::json!({ "ship": "L-1" }))).as_deref(),
            Some("ship")
        );
        assert!(check(serde_json::json!({ "record": false })).is_ok());
        let screen = |v: serde_json::Value| e.screen(&serde_json::from_value(v).unwrap(), today());
        assert_eq!(
            field(screen(
                serde_json::json!({ "name": "Huawei", "record": true })
            ))
            .as_deref(),
            Some("record")
        );
        assert!(screen(serde_json::json!({ "name": "Huawei", "record": false })).is_ok());
    }
}
