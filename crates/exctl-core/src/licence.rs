//! Licences on file, and whether one authorises a shipment.
//!
//! A licence is a grant by one jurisdiction's authority: for some items or
//! controls, to some destinations (and possibly named end users), within a
//! validity window and up to a quantity and/or value. Whether it covers a
//! shipment is pure logic over the licence, the determination and the balance
//! left; the balance itself is kept by the records store.

use crate::decision::{Decision, LicenceUse, Reason};
use crate::error::DataError;
use crate::Outcome;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A licence as registered (TOML or JSON file, or the records store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// Rule-pack id of the granting jurisdiction, e.g. `us`, `kr`.
    pub jurisdiction: String,
    /// The authority's licence number, unique within the jurisdiction.
    pub number: String,
    /// The exporter the licence was granted to.
    pub holder: String,
    /// First day the licence may be used.
    pub valid_from: NaiveDate,
    /// Last day the licence may be used.
    pub valid_to: NaiveDate,
    /// Catalog ids of the items it covers (empty: any item under `controls`).
    #[serde(default)]
    pub items: Vec<String>,
    /// Controls it covers, e.g. `3A090.a` (empty: the listed items under any control).
    #[serde(default)]
    pub controls: Vec<String>,
    /// ISO alpha-2 destinations.
    pub destinations: Vec<String>,
    /// Named end users (empty: any end user in the destinations).
    #[serde(default)]
    pub end_users: Vec<String>,
    /// Other parties the licence names (consignees, intermediates). A party
    /// whose list entry requires a licence must be named here or in `end_users`.
    #[serde(default)]
    pub parties: Vec<String>,
    /// Most units that may be shipped in all.
    #[serde(default)]
    pub quantity: Option<f64>,
    /// Most value that may be shipped in all, in `currency`.
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default = "usd")]
    pub currency: String,
    /// Conditions the holder must meet; reported with every use.
    #[serde(default)]
    pub provisos: Vec<String>,
}

fn usd() -> String {
    "USD".to_string()
}

/// How much of a licence has been used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Drawn {
    pub quantity: f64,
    pub value: f64,
}

/// The shipment a licence is asked to cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment<'a> {
    pub jurisdiction: &'a str,
    pub item_id: &'a str,
    /// Controls the jurisdiction found for the item.
    pub controls: &'a [String],
    pub destination: &'a str,
    pub end_user: Option<&'a str>,
    /// Parties whose list entries impose the requirement: the licence must name each.
    pub listed_parties: &'a [String],
    pub date: NaiveDate,
    pub quantity: f64,
    pub value: f64,
}

impl Licence {
    /// Parses and checks a licence file; errors name the file and field.
    pub fn from_text(path: &str, text: &str) -> Result<Licence, DataError> {
        let licence: Licence = if path.ends_with(".json") {
            serde_json::from_str(text).map_err(|e| DataError::json(path, &e))?
        } else {
            toml::from_str(text).map_err(|e| DataError::toml(path, &e, text))?
        };
        licence.check().map_err(|m| DataError::new(path, m))?;
        Ok(licence)
    }

    /// The problems a well-formed licence must not have.
    pub fn check(&self) -> Result<(), String> {
        let blank = |s: &str| s.trim().is_empty();
        if blank(&self.jurisdiction) {
            return Err("field `jurisdiction` is empty".into());
        }
        if blank(&self.number) {
            return Err("field `number` is empty".into());
        }
        if blank(&self.holder) {
            return Err("field `holder` is empty".into());
        }
        if self.valid_to < self.valid_from {
            return Err(format!(
                "field `valid_to` ({}) is before `valid_from` ({})",
                self.valid_to, self.valid_from
            ));
        }
        if self.items.is_empty() && self.controls.is_empty() {
            return Err("give `items` or `controls` (or both): a licence covers something".into());
        }
        if self.destinations.is_empty() {
            return Err("field `destinations` is empty".into());
        }
        for d in &self.destinations {
            if d.len() != 2 || !d.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(format!(
                    "field `destinations`: {d:?} is not an ISO alpha-2 code in capitals"
                ));
            }
        }
        for (field, v) in [("quantity", self.quantity), ("value", self.value)] {
            if let Some(v) = v {
                if !(v.is_finite() && v > 0.0) {
                    return Err(format!(
                        "field `{field}` must be a positive number, not {v}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Why this licence does not cover the shipment, or `Ok` if it does.
    pub fn covers(&self, s: &Shipment<'_>, drawn: Drawn) -> Result<Remaining, String> {
        if self.jurisdiction != s.jurisdiction {
            return Err(format!(
                "granted under {}, not {}",
                self.jurisdiction, s.jurisdiction
            ));
        }
        if s.date < self.valid_from {
            return Err(format!("not valid until {}", self.valid_from));
        }
        if s.date > self.valid_to {
            return Err(format!("expired on {}", self.valid_to));
        }
        let item_ok = self.items.iter().any(|i| i.eq_ignore_ascii_case(s.item_id));
        let control_ok = self.controls.iter().any(|c| {
            s.controls
                .iter()
                .any(|found| found.eq_ignore_ascii_case(c) || found.starts_with(&format!("{c}.")))
        });
        let covered = match (self.items.is_empty(), self.controls.is_empty()) {
            (false, false) => item_ok && (control_ok || s.controls.is_empty()),
            (false, true) => item_ok,
            (true, _) => control_ok,
        };
        if !covered {
            return Err(format!(
                "does not cover item {} ({})",
                s.item_id,
                if s.controls.is_empty() {
                    "no control found".to_string()
                } else {
                    s.controls.join(", ")
                }
            ));
        }
        if !self.destinations.iter().any(|d| d == s.destination) {
            return Err(format!("does not cover destination {}", s.destination));
        }
        if !self.end_users.is_empty() {
            match s.end_user {
                None => return Err("names its end users; the check names none".into()),
                Some(u) if !self.end_users.iter().any(|e| same_party(e, u)) => {
                    return Err(format!("does not name end user {u:?}"));
                }
                Some(_) => {}
            }
        }
        // A listed party needs a licence that names it: a licence for the
        // item and destination alone was not granted for that party.
        if let Some(p) = s.listed_parties.iter().find(|p| {
            !self
                .end_users
                .iter()
                .chain(&self.parties)
                .any(|named| same_party(named, p))
        }) {
            return Err(format!(
                "does not name {p:?}, whose list entry requires a licence naming it"
            ));
        }
        let remaining = Remaining {
            quantity: self.quantity.map(|q| q - drawn.quantity),
            value: self.value.map(|v| v - drawn.value),
        };
        if let Some(left) = remaining.quantity {
            if left <= 0.0 {
                return Err(format!(
                    "exhausted: {} units of {} used",
                    drawn.quantity,
                    self.quantity.unwrap_or(0.0)
                ));
            }
            if s.quantity > left {
                return Err(format!("{} units left, {} asked", left, s.quantity));
            }
        }
        if let Some(left) = remaining.value {
            if left <= 0.0 {
                return Err(format!(
                    "exhausted: {} {} of value used",
                    drawn.value, self.currency
                ));
            }
            if s.value > left {
                return Err(format!(
                    "{left} {} of value left, {} asked",
                    self.currency, s.value
                ));
            }
        }
        Ok(remaining)
    }
}

/// What is left on a licence before a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Remaining {
    pub quantity: Option<f64>,
    pub value: Option<f64>,
}

/// Whether two party names are the same for a licence's named end users:
/// case, punctuation and spacing do not count.
pub fn same_party(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    key(a) == key(b)
}

/// A licence with what it has used so far, as offered to a check.
#[derive(Debug, Clone)]
pub struct OnFile {
    pub licence: Licence,
    pub drawn: Drawn,
}

/// Turns each `license_required` determination that a licence covers into
/// `authorized`, naming the licence and its balance; notes the licences
/// considered that do not cover it, and why. Returns how many changed.
pub fn apply_licences(
    decision: &mut Decision,
    licences: &[OnFile],
    end_user: Option<&str>,
    quantity: f64,
    value: f64,
) -> usize {
    let Some(destination) = decision.destination.as_ref().map(|d| d.code.clone()) else {
        return 0;
    };
    let item_id = decision.item.id.clone();
    let mut changed = 0;
    for det in &mut decision.determinations {
        if det.outcome != Some(Outcome::LicenseRequired) {
            continue;
        }
        let shipment = Shipment {
            jurisdiction: &det.jurisdiction,
            item_id: &item_id,
            controls: &det.controls,
            destination: &destination,
            end_user,
            listed_parties: &det.listed_parties,
            date: decision.as_of,
            quantity,
            value,
        };
        for on_file in licences
            .iter()
            .filter(|l| l.licence.jurisdiction == det.jurisdiction)
        {
            let l = &on_file.licence;
            match l.covers(&shipment, on_file.drawn) {
                Ok(remaining) => {
                    det.outcome = Some(Outcome::Authorized);
                    det.reasons.push(Reason {
                        law: None,
                        rule: format!("licence:{}", l.number),
                        citation: format!("{} licence {}", l.jurisdiction.to_uppercase(), l.number),
                        text: format!(
                            "licence {} held by {} authorises this shipment until {}{}",
                            l.number,
                            l.holder,
                            l.valid_to,
                            balance_text(l, remaining)
                        ),
                        status: None,
                    });
                    det.licence = Some(LicenceUse {
                        number: l.number.clone(),
                        holder: l.holder.clone(),
                        valid_to: l.valid_to,
                        remaining_quantity: remaining.quantity,
                        remaining_value: remaining.value,
                        currency: l.currency.clone(),
                        provisos: l.provisos.clone(),
                    });
                    changed += 1;
                    break;
                }
                Err(why) => det.notes.push(Reason {
                    law: None,
                    rule: format!("licence:{}", l.number),
                    citation: format!("{} licence {}", l.jurisdiction.to_uppercase(), l.number),
                    text: format!(
                        "licence {} does not authorise this shipment: {why}",
                        l.number
                    ),
                    status: Some("not applicable".into()),
                }),
            }
        }
    }
    if changed > 0 {
        decision.recompute_overall();
    }
    changed
}

fn balance_text(l: &Licence, r: Remaining) -> String {
    let mut parts = Vec::new();
    if let Some(q) = r.quantity {
        parts.push(format!(
            "{} of {} units left",
            crate::facts::format_number(q),
            crate::facts::format_number(l.quantity.unwrap_or(0.0))
        ));
    }
    if let Some(v) = r.value {
        parts.push(format!(
            "{} {} of {} left",
            crate::facts::format_number(v),
            l.currency,
            crate::facts::format_number(l.value.unwrap_or(0.0))
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licence() -> Licence {
        Licence::from_text(
            "l.toml",
            r#"
jurisdiction = "us"
number = "D100"
holder = "Acme"
valid_from = "2026-01-01"
valid_to = "2026-12-31"
items = ["nvidia-h100-sxm"]
destinations = ["AE"]
end_users = ["G42 Ltd."]
quantity = 100
"#,
        )
        .unwrap()
    }

    fn shipment<'a>(controls: &'a [String]) -> Shipment<'a> {
        Shipment {
            jurisdiction: "us",
            item_id: "nvidia-h100-sxm",
            controls,
            destination: "AE",
            end_user: Some("g42 ltd"),
            listed_parties: &[],
            date: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            quantity: 10.0,
            value: 0.0,
        }
    }

    #[test]
    fn covers_within_scope_and_balance() {
        let c = vec!["3A090.a".to_string()];
        let l = licence();
        let r = l
            .covers(
                &shipment(&c),
                Drawn {
                    quantity: 50.0,
                    value: 0.0,
                },
            )
            .unwrap();
        assert_eq!(r.quantity, Some(50.0));
        assert!(l
            .covers(
                &shipment(&c),
                Drawn {
                    quantity: 95.0,
                    value: 0.0
                }
            )
            .unwrap_err()
            .contains("5 units left"));
        assert!(l
            .covers(
                &shipment(&c),
                Drawn {
                    quantity: 100.0,
                    value: 0.0
                }
            )
            .unwrap_err()
            .starts_with("exhausted"));
        let mut late = shipment(&c);
        late.date = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(l
            .covers(&late, Drawn::default())
            .unwrap_err()
            .starts_with("expired"));
        let mut other = shipment(&c);
        other.end_user = Some("Someone Else");
        assert!(l.covers(&other, Drawn::default()).is_err());
        other = shipment(&c);
        other.destination = "CN";
        assert!(l.covers(&other, Drawn::default()).is_err());
        // A listed consignee must be named on the licence.
        let listed = vec!["Gulf Freight FZE".to_string()];
        other = shipment(&c);
        other.listed_parties = &listed;
        assert!(l
            .covers(&other, Drawn::default())
            .unwrap_err()
            .contains("does not name \"Gulf Freight FZE\""));
        let mut naming = l.clone();
        naming.parties.push("Gulf Freight FZE".into());
        assert!(naming.covers(&other, Drawn::default()).is_ok());
    }

    #[test]
    fn bad_licence_files_name_the_field() {
        let e = Licence::from_text("x.toml", "jurisdiction = \"us\"\nnumber = \"1\"\nholder = \"h\"\nvalid_from = \"2026-05-01\"\nvalid_to = \"2026-01-01\"\ncontrols = [\"3A090\"]\ndestinations = [\"AE\"]\n").unwrap_err();
        assert!(e.to_string().contains("valid_to"), "{e}");
        let e = Licence::from_text("x.toml", "jurisdiction = \"us\"\nnumbr = 1\n").unwrap_err();
        assert!(e.to_string().contains("x.toml"), "{e}");
        let e = Licence::from_text("x.toml", "jurisdiction = \"us\"\nnumber = \"1\"\nholder = \"h\"\nvalid_from = \"2026-01-01\"\nvalid_to = \"2026-02-01\"\ndestinations = [\"AE\"]\n").unwrap_err();
        assert!(e.to_string().contains("items"), "{e}");
    }
}
