//! One shipment check, end to end, for every shell: the request, its
//! validation, the decision, the parties' list effects and the licences on
//! file. I/O (the store's clearances and licences, recording) stays with
//! the caller, so the command line can block and the server can await.

use crate::parties::{self, Clearances, PartyScreen};
use crate::{bad, parse_fact, Context, Shell};
use crate::{licences, recording};
use anyhow::Result;
use chrono::NaiveDate;
use exctl_core::licence::{Drawn, OnFile, Shipment};
use exctl_core::parties::{Party, Role};
use exctl_core::{Decision, FactValue, Facts, Item, Outcome, Query};
use exctl_data::Data;
use exctl_records::{NewDecision, Recording, ShipmentReceipt, Store};
use exctl_screen::Screener;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An owner of a party, with its share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OwnerIn {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Percentage held, 0–100.
    pub percent: f64,
}

/// A party as a request names it: screened, with its owners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartyIn {
    pub name: String,
    /// ISO 3166 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<OwnerIn>,
}

impl PartyIn {
    fn into_party(self, role: Role) -> Result<Party> {
        let p = Party {
            role,
            name: self.name.trim().to_string(),
            country: self.country.map(|c| c.trim().to_ascii_uppercase()),
            owners: self
                .owners
                .into_iter()
                .map(|o| exctl_core::parties::Owner {
                    name: o.name.trim().to_string(),
                    country: o.country.map(|c| c.trim().to_ascii_uppercase()),
                    percent: o.percent,
                })
                .collect(),
        };
        p.check().map_err(bad)?;
        Ok(p)
    }

    fn from_party(p: Party) -> PartyIn {
        PartyIn {
            name: p.name,
            country: p.country,
            owners: p
                .owners
                .into_iter()
                .map(|o| OwnerIn {
                    name: o.name,
                    country: o.country,
                    percent: o.percent,
                })
                .collect(),
        }
    }

    /// The party with its and its owners' countries as ISO codes (a name
    /// such as "China" is read as its code); an unknown country is refused,
    /// naming `field`.
    fn resolved(mut self, field: &str, countries: &exctl_core::CountryTable) -> Result<PartyIn> {
        if let Some(c) = &self.country {
            self.country = Some(country_code(&format!("{field}.country"), c, countries)?);
        }
        for o in &mut self.owners {
            if let Some(c) = &o.country {
                o.country = Some(country_code(
                    &format!("{field}.owners.country"),
                    c,
                    countries,
                )?);
            }
        }
        Ok(self)
    }

    /// Parses the command-line form `NAME[;country=CC][;owner=NAME:PERCENT]...`.
    pub fn parse(role: Role, spec: &str) -> Result<PartyIn> {
        let field = match role {
            Role::EndUser => "end_user",
            Role::Consignee => "consignee",
            Role::Intermediate => "intermediates",
        };
        Ok(PartyIn::from_party(
            Party::parse(role, spec).map_err(|e| crate::bad_field(field, e))?,
        ))
    }
}

/// A shipment to check: what `exctl check` and `POST /api/v1/check` take.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Catalog name ("h100", "MI300X").
    pub item: String,
    /// Destination, ISO 3166 alpha-2.
    pub to: String,
    /// The date the rules are applied as of; default today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// One of the end-use vocabulary (`civil`, `supercomputer`, …); any
    /// other value is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    /// Free text about the end use, kept with the record; no rule reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use_note: Option<String>,
    /// Country of the end user's headquarters (or ultimate parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_hq: Option<String>,
    /// Transaction facts the rules ask for: booleans, numbers, text or lists.
    /// A name given twice is refused.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub facts: BTreeMap<String, serde_json::Value>,
    /// A deemed export (technology released to a foreign national at home).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deemed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user: Option<PartyIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee: Option<PartyIn>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intermediates: Vec<PartyIn>,
    /// Units shipped, checked against licence balances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// Value shipped, in the licence's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Jurisdictions to answer for; default every pack.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jurisdictions: Vec<String>,
    /// Also list the rules that did not apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub explain: bool,
    /// Record the shipment under this reference, drawing down the licence
    /// that authorises it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship: Option<String>,
    /// Record the check (default); `false` for a look that leaves no record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<bool>,
}

/// The limits on a check's input, the same for every shell. A request past
/// one is refused as bad input naming the field and the limit, before any
/// work is done: a party name is screened against every list, so its size
/// and the number of names bound how long a check may take.
pub mod limits {
    /// Bytes in one name (a party's or an owner's): what the list parsers
    /// accept for a list entry.
    pub const NAME_BYTES: usize = exctl_screen::parse::MAX_NAME_BYTES;
    /// Owners of one party.
    pub const OWNERS_PER_PARTY: usize = 100;
    /// Parties in one check: end user, consignee and intermediates.
    pub const PARTIES_PER_CHECK: usize = 32;
    /// Rows in one batch request (checks or screens).
    pub const BATCH_ROWS: usize = 1000;
    /// Transaction facts in one check.
    pub const FACTS: usize = 64;
    /// Bytes in any other text field (item, end use, shipment reference, a
    /// fact's name or text value).
    pub const TEXT_BYTES: usize = 4096;
}

fn too_long(field: &str, text: &str, limit: usize) -> Result<()> {
    if text.len() > limit {
        return Err(crate::bad_field(
            field,
            format!("{} bytes; the limit is {limit}", text.len()),
        ));
    }
    Ok(())
}

fn check_party_limits(field: &str, p: &PartyIn) -> Result<()> {
    too_long(&format!("{field}.name"), &p.name, limits::NAME_BYTES)?;
    if let Some(c) = &p.country {
        too_long(&format!("{field}.country"), c, limits::TEXT_BYTES)?;
    }
    if p.owners.len() > limits::OWNERS_PER_PARTY {
        return Err(bad(format!(
            "{field}.owners: {} owners; the limit is {} per party",
            p.owners.len(),
            limits::OWNERS_PER_PARTY
        )));
    }
    for (i, o) in p.owners.iter().enumerate() {
        too_long(
            &format!("{field}.owners[{i}].name"),
            &o.name,
            limits::NAME_BYTES,
        )?;
        if let Some(c) = &o.country {
            too_long(
                &format!("{field}.owners[{i}].country"),
                c,
                limits::TEXT_BYTES,
            )?;
        }
    }
    Ok(())
}

/// Whether a request is within [`limits`]; the first field past one is
/// named. Cheap: call it before handing the check to a worker.
pub fn check_limits(r: &CheckRequest) -> Result<()> {
    too_long("item", &r.item, limits::TEXT_BYTES)?;
    too_long("to", &r.to, limits::TEXT_BYTES)?;
    for (field, v) in [
        ("end_use", &r.end_use),
        ("end_use_note", &r.end_use_note),
        ("end_user_hq", &r.end_user_hq),
        ("ship", &r.ship),
    ] {
        if let Some(v) = v {
            too_long(field, v, limits::TEXT_BYTES)?;
        }
    }
    if r.facts.len() > limits::FACTS {
        return Err(bad(format!(
            "facts: {} facts; the limit is {}",
            r.facts.len(),
            limits::FACTS
        )));
    }
    for (k, v) in &r.facts {
        too_long("facts (a name)", k, limits::TEXT_BYTES)?;
        let text = match v {
            serde_json::Value::String(s) => s.len(),
            serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().map_or(0, str::len)).sum(),
            _ => 0,
        };
        if text > limits::TEXT_BYTES {
            return Err(bad(format!(
                "facts.{k}: {text} bytes; the limit is {}",
                limits::TEXT_BYTES
            )));
        }
    }
    if r.jurisdictions.len() > limits::FACTS {
        return Err(bad(format!(
            "jurisdictions: {} named; the limit is {}",
            r.jurisdictions.len(),
            limits::FACTS
        )));
    }
    let parties = usize::from(r.end_user.is_some())
        + usize::from(r.consignee.is_some())
        + r.intermediates.len();
    if parties > limits::PARTIES_PER_CHECK {
        return Err(bad(format!(
            "intermediates: {parties} parties in the check; the limit is {} (end user, consignee and intermediates)",
            limits::PARTIES_PER_CHECK
        )));
    }
    if let Some(p) = &r.end_user {
        check_party_limits("end_user", p)?;
    }
    if let Some(p) = &r.consignee {
        check_party_limits("consignee", p)?;
    }
    for (i, p) in r.intermediates.iter().enumerate() {
        check_party_limits(&format!("intermediates[{i}]"), p)?;
    }
    Ok(())
}

/// Whether a batch is within [`limits::BATCH_ROWS`].
pub fn check_batch_len(field: &str, rows: usize) -> Result<()> {
    if rows > limits::BATCH_ROWS {
        return Err(bad(format!(
            "{field}: {rows} rows; the limit is {} per request",
            limits::BATCH_ROWS
        )));
    }
    Ok(())
}

/// A JSON object whose keys are each given once: serde's maps keep the last
/// of a repeated key, which would let a later fact silently replace an
/// earlier one.
fn unique_keys<'de, D>(d: D) -> std::result::Result<BTreeMap<String, serde_json::Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = BTreeMap<String, serde_json::Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of facts, each named once")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!(
                        "fact {k:?} is stated twice: state it once"
                    )));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique)
}

/// The request's facts from `NAME=VALUE` texts (the command line's
/// `--fact`, an order book's `facts` cell); a name stated twice is refused.
pub fn facts_from_specs<'a>(
    specs: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<String, serde_json::Value>> {
    let mut out = BTreeMap::new();
    for (k, v) in crate::parse_facts(specs)? {
        let json = match v {
            FactValue::Bool(b) => serde_json::Value::Bool(b),
            FactValue::Num(n) => serde_json::json!(n),
            other => serde_json::Value::String(other.to_string()),
        };
        out.insert(k, json);
    }
    Ok(out)
}

/// A fact from JSON: booleans, numbers, text, or a list of texts.
pub fn fact_from_json(name: &str, v: &serde_json::Value) -> Result<FactValue> {
    use serde_json::Value;
    Ok(match v {
        Value::Bool(b) => FactValue::Bool(*b),
        Value::Number(n) => FactValue::Num(
            n.as_f64()
                .ok_or_else(|| bad(format!("fact {name:?}: {n} is not a number")))?,
        ),
        Value::String(s) => return Ok(parse_fact(&format!("{name}={s}"))?.1),
        Value::Array(a) => FactValue::List(
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad(format!("fact {name:?}: list items must be text")))
                })
                .collect::<Result<_>>()?,
        ),
        _ => {
            return Err(bad(format!(
                "fact {name:?}: expected a boolean, number, text or list"
            )))
        }
    })
}

/// An optional country (absent or blank is none) as its ISO code, as
/// [`country_code`] reads it.
pub fn optional_country_code(
    field: &str,
    value: Option<&str>,
    countries: &exctl_core::CountryTable,
) -> Result<Option<String>> {
    match value.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => country_code(field, c, countries).map(Some),
    }
}

/// A country as its ISO 3166 alpha-2 code: a code or a country's name
/// (any case); anything else is refused naming `field`, with the nearest
/// country when one is close.
pub fn country_code(
    field: &str,
    value: &str,
    countries: &exctl_core::CountryTable,
) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(crate::bad_field(
            field,
            "empty: expected an ISO 3166 alpha-2 code or a country's name",
        ));
    }
    if let Some(c) = countries.resolve(v) {
        // A short alias that names part of another country ("Korea" beside
        // North Korea, "Congo" beside DR Congo) is refused: reading it as
        // the less restricted one would fail open.
        let is_code_or_name = v.len() == 2 || c.name.eq_ignore_ascii_case(v);
        if !is_code_or_name {
            let words = |s: &str| -> Vec<String> {
                s.to_lowercase()
                    .split(|ch: char| !ch.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(String::from)
                    .collect()
            };
            let wanted = words(v);
            let others: Vec<String> = countries
                .iter()
                .filter(|o| o.code != c.code)
                .filter(|o| {
                    std::iter::once(&o.name).chain(o.aliases.iter()).any(|n| {
                        let have = words(n);
                        wanted.iter().all(|w| have.contains(w))
                    })
                })
                .map(|o| format!("{} ({})", o.code, o.name))
                .collect();
            if !others.is_empty() {
                return Err(crate::bad_field(
                    field,
                    format!(
                        "{v:?} is ambiguous: {} ({}) or {}; give the ISO code",
                        c.code,
                        c.name,
                        others.join(", ")
                    ),
                ));
            }
        }
        return Ok(c.code.clone());
    }
    let folded = v.to_lowercase();
    let nearest = countries
        .iter()
        .map(|c| {
            let by_name = rapidfuzz::distance::jaro_winkler::similarity(
                folded.chars(),
                c.name.to_lowercase().chars(),
            );
            (by_name, c)
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!(" (did you mean {} for {}?)", c.code, c.name))
        .unwrap_or_default();
    Err(crate::bad_field(
        field,
        format!("{v:?} is not a country: expected an ISO 3166 alpha-2 code or a country's name{nearest}"),
    ))
}

/// A check after its decision, before parties and licences.
pub struct Prepared {
    pub request: CheckRequest,
    pub parties: Vec<Party>,
    pub facts: Facts,
    /// Shared with an order book's memo until parties or licences change it.
    pub decision: Arc<Decision>,
    /// The list version the parties were screened against.
    pub list_version: Option<String>,
    /// The parties' owners on record (the ownership records), by party name.
    pub ancestries: parties::Ancestries,
}

impl Prepared {
    /// The end user's name, which a licence may have to name.
    pub fn end_user(&self) -> Option<&str> {
        self.parties
            .iter()
            .find(|p| p.role == Role::EndUser)
            .map(|p| p.name.as_str())
    }
}

/// Validates the request and decides it for `item` (resolved by the
/// caller: the command line also reads item files, the server does not).
pub fn prepare(
    data: &Data,
    item: &Item,
    request: CheckRequest,
    today: NaiveDate,
) -> Result<Prepared> {
    check_limits(&request)?;
    let decided = decide(data, item, &request, today)?;
    with_parties(data, request, decided)
}

/// What a check decides before its parties and amounts: the facts as
/// validated and the decision. It depends only on the item, destination,
/// date, end use, headquarters, facts, deemed, jurisdictions and explain,
/// so an order book memoises it per distinct set of those.
#[derive(Clone)]
pub struct Decided {
    pub facts: Facts,
    pub decision: Arc<Decision>,
}

/// Validates the request's item, destination, date, end use, headquarters
/// and facts, and decides them. Call [`check_limits`] first.
pub fn decide(
    data: &Data,
    item: &Item,
    request: &CheckRequest,
    today: NaiveDate,
) -> Result<Decided> {
    let mut facts = Facts::default();
    for (k, v) in &request.facts {
        facts.set(k, fact_from_json(k, v)?);
    }
    let countries = &data.engine.countries;
    let to = country_code("to", &request.to, countries)?;
    if let Some(hq) = crate::end_user_hq(request.end_user_hq.as_deref(), facts.get("end_user_hq"))?
    {
        let hq = country_code("end_user_hq", &hq, countries)?;
        facts.set("end_user_hq", FactValue::Str(hq));
    }
    let stated_deemed = match facts.get("deemed") {
        Some(FactValue::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(bad(format!(
                "fact \"deemed\": {other} is not true or false"
            )))
        }
        None => None,
    };
    if request.deemed && stated_deemed == Some(false) {
        return Err(crate::bad_field(
            "deemed",
            "deemed and the fact deemed=false disagree: state it once",
        ));
    }
    if request.deemed || stated_deemed == Some(true) {
        if !matches!(item.kind.name(), "technology" | "model") {
            return Err(crate::bad_field(
                "deemed",
                format!(
                    "a deemed export is a release of technology (or model weights), not of this {} item ({})",
                    item.kind.name(),
                    item.id
                ),
            ));
        }
        facts.set("deemed", FactValue::Bool(true));
    }
    data.engine.coerce_facts(&mut facts);
    let query = Query {
        item,
        as_of: request.as_of.unwrap_or(today),
        destination: Some(to),
        end_use: crate::normalize_end_use(request.end_use.as_deref()),
        facts: facts.clone(),
        jurisdictions: request.jurisdictions.clone(),
        explain: request.explain,
    };
    data.engine.validate(&query).map_err(|e| {
        use exctl_core::QueryError as Q;
        let field = match &e {
            Q::UnknownCountry { .. } => "to",
            Q::UnknownJurisdiction { .. } => "jurisdictions",
            Q::UnknownKind { .. } | Q::BadItemParameter { .. } => "item",
            Q::BadFact { .. } => "facts",
            Q::BadEndUse { .. } => "end_use",
            Q::BeforeCoverage { .. } => "as_of",
        };
        crate::bad_field(field, e.to_string())
    })?;
    let decision = data.engine.decide(&query);
    if decision.determinations.is_empty() {
        return Err(bad(
            "no rule pack answered: check the jurisdictions asked for",
        ));
    }
    Ok(Decided {
        facts,
        decision: Arc::new(decision),
    })
}

/// The decided check with its parties and amounts validated.
pub fn with_parties(data: &Data, request: CheckRequest, decided: Decided) -> Result<Prepared> {
    let countries = &data.engine.countries;
    for (name, v) in [("quantity", request.quantity), ("value", request.value)] {
        if let Some(v) = v {
            if !(v.is_finite() && v >= 0.0) {
                return Err(crate::bad_field(
                    name,
                    format!("{v} is not a finite number of zero or more"),
                ));
            }
        }
    }
    let mut parties = Vec::new();
    for (field, role, p) in [
        ("end_user", Role::EndUser, &request.end_user),
        ("consignee", Role::Consignee, &request.consignee),
    ] {
        if let Some(p) = p {
            parties.push(p.clone().resolved(field, countries)?.into_party(role)?);
        }
    }
    for p in &request.intermediates {
        parties.push(
            p.clone()
                .resolved("intermediates", countries)?
                .into_party(Role::Intermediate)?,
        );
    }
    Ok(Prepared {
        request,
        parties,
        facts: decided.facts,
        decision: decided.decision,
        list_version: None,
        ancestries: parties::Ancestries::new(),
    })
}

/// Screens the parties (leaving out cleared hits) and applies their lists'
/// effects and the licences on file. No I/O.
pub fn complete(
    data: &Data,
    p: &mut Prepared,
    screener: Option<&Screener>,
    clearances: &Clearances,
    licences: &[OnFile],
) -> Option<PartyScreen> {
    let screened = match screener {
        Some(s) if !p.parties.is_empty() => {
            p.list_version = Some(s.version().hash.clone());
            Some(parties::screen_parties_owned(
                s,
                &p.parties,
                clearances,
                &p.ancestries,
                p.decision.as_of,
            ))
        }
        _ => None,
    };
    let hits = screened.as_ref().map(|s| s.hits.as_slice()).unwrap_or(&[]);
    let views = screened.as_ref().map(|s| s.views.as_slice()).unwrap_or(&[]);
    let end_user = p.end_user().map(str::to_string);
    parties::complete(
        Arc::make_mut(&mut p.decision),
        if p.parties.is_empty() {
            &[]
        } else {
            &data.parties
        },
        hits,
        views,
        &p.facts,
        licences,
        end_user.as_deref(),
        p.request.quantity.unwrap_or(0.0),
        p.request.value.unwrap_or(0.0),
    );
    screened
}

/// The ownership records' ancestry of each party (none for a party the
/// records do not know).
pub async fn ancestries(store: &Store, parties: &[Party]) -> Result<parties::Ancestries> {
    let mut out = parties::Ancestries::new();
    for p in parties {
        if out.contains_key(&p.name) {
            continue;
        }
        let mut a = store
            .ancestry(&p.name)
            .await
            .map_err(crate::instance::store_error)?;
        // An owner the check names is followed up its own chain on record.
        for o in &p.owners {
            let up = store
                .ancestry(&o.name)
                .await
                .map_err(crate::instance::store_error)?;
            a.absorb(up);
        }
        if !a.entities.is_empty() {
            out.insert(p.name.clone(), a);
        }
    }
    Ok(out)
}

/// Hits on lists that no pack this check answered for gives a legal effect
/// (EU and UK lists without their opt-in packs, UN lists…): the outcome
/// does not weigh them, and the answer must say so.
pub fn unweighed_hits(
    data: &Data,
    decision: &exctl_core::Decision,
    screened: Option<&PartyScreen>,
) -> Vec<String> {
    let Some(found) = screened else {
        return Vec::new();
    };
    let answered = |pack: &str| {
        decision
            .determinations
            .iter()
            .any(|d| d.jurisdiction == pack)
    };
    let mut out: Vec<String> = Vec::new();
    for h in &found.hits {
        let weighing: Vec<&str> = data
            .parties
            .iter()
            .filter(|r| r.lists().any(|l| l.eq_ignore_ascii_case(&h.list)))
            .map(|r| r.pack.as_str())
            .collect();
        if weighing.iter().any(|p| answered(p)) {
            continue;
        }
        let whose = match &h.owner {
            Some(o) => format!("{} {:?} (through its owner {o:?})", h.role, h.party),
            None => format!("{} {:?}", h.role, h.party),
        };
        let what = if weighing.is_empty() {
            "a list no rule pack here gives a legal effect".to_string()
        } else {
            format!(
                "a list only the rule pack {} gives a legal effect, and this check did not answer for it (add that jurisdiction to weigh it)",
                weighing.join(", ")
            )
        };
        let w = format!(
            "{whose} matches {} entry {:?} ({}), {what}: the outcome does not weigh it; check what that list means for this shipment under the law that imposes it",
            h.list, h.entry_name, h.list_name
        );
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The record of a completed check.
pub fn recording(p: &Prepared, request_key: String, screened: Option<&PartyScreen>) -> Recording {
    let decision: NewDecision = recording::new_check(
        request_key,
        &p.decision,
        serde_json::to_value(&p.request).unwrap_or_default(),
        &p.parties,
        p.list_version.clone(),
    );
    Recording {
        decision,
        parties: screened.map(|s| s.screened.clone()).unwrap_or_default(),
        actor: None,
    }
}

/// A licence drawdown a shipment needs in one jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawdown {
    pub jurisdiction: String,
    /// The licences that may take it, in order of preference: the one the
    /// check named, then every other licence on file that covers the
    /// shipment when its balance is set aside, in the order they were
    /// registered. The store draws on the first with the balance left when
    /// it writes, so a licence another shipment used up in the meantime is
    /// passed over for the next.
    pub licences: Vec<String>,
    /// The shipment's reference (suffixed `#jurisdiction` when several
    /// jurisdictions each draw a licence).
    pub reference: String,
}

/// The licence drawdowns a shipment needs, given the licences on file the
/// check was offered (in registration order). Refused unless the overall
/// outcome lets the shipment go.
pub fn drawdowns(p: &Prepared, licences: &[OnFile], reference: &str) -> Result<Vec<Drawdown>> {
    let decision = &p.decision;
    let overall = decision.overall.unwrap_or(Outcome::NotControlled);
    if overall > Outcome::Authorized {
        return Err(bad(format!(
            "not shipped: the overall outcome is {overall}; nothing was drawn down"
        )));
    }
    let destination = decision
        .destination
        .as_ref()
        .map(|d| d.code.as_str())
        .unwrap_or("");
    let authorising: Vec<(&exctl_core::Determination, String)> = decision
        .determinations
        .iter()
        .filter_map(|d| d.licence.as_ref().map(|l| (d, l.number.clone())))
        .collect();
    let several = authorising.len() > 1;
    Ok(authorising
        .into_iter()
        .map(|(det, number)| {
            let shipment = Shipment {
                jurisdiction: &det.jurisdiction,
                item_id: &decision.item.id,
                controls: &det.controls,
                destination,
                end_user: p.end_user(),
                listed_parties: &det.listed_parties,
                date: decision.as_of,
                quantity: p.request.quantity.unwrap_or(0.0),
                value: p.request.value.unwrap_or(0.0),
            };
            let mut numbers = vec![number];
            for l in licences {
                if l.licence.jurisdiction == det.jurisdiction
                    && !numbers.contains(&l.licence.number)
                    && l.licence.covers(&shipment, Drawn::default()).is_ok()
                {
                    numbers.push(l.licence.number.clone());
                }
            }
            let r = if several {
                format!("{reference}#{}", det.jurisdiction)
            } else {
                reference.to_string()
            };
            Drawdown {
                jurisdiction: det.jurisdiction.clone(),
                licences: numbers,
                reference: r,
            }
        })
        .collect())
}

/// A completed check: the decision with its parties' hits, its record and
/// the shipments drawn down.
pub struct CheckAnswer {
    pub prepared: Prepared,
    pub screened: Option<PartyScreen>,
    pub record: Option<i64>,
    pub shipments: Vec<ShipmentReceipt>,
    /// What the answer must be read with (the parties were screened
    /// against the demo list).
    pub warnings: Vec<String>,
    /// Why the shipment asked for was not (wholly) drawn down: the outcome
    /// does not let it go, or a licence's balance is spent. The decision is
    /// still recorded and worth showing; each shell then fails.
    pub not_shipped: Option<anyhow::Error>,
}

impl CheckAnswer {
    /// The answer as every shell's JSON gives it.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = result_json(&self.prepared, self.screened.as_ref(), self.record);
        if !self.warnings.is_empty() {
            v["warnings"] = serde_json::json!(self.warnings);
        }
        if self.prepared.request.ship.is_some() {
            v["shipments"] = serde_json::to_value(&self.shipments).unwrap_or_default();
        }
        v
    }
}

/// Checks one shipment, end to end: validation, the decision, the parties
/// screened (cleared hits left out), licences on file applied, the record
/// written and, with `ship`, the licences drawn down. Every shell calls
/// this; the command line blocks on it.
pub async fn run<S: Shell>(
    shell: &S,
    place: &Context<'_>,
    item: Item,
    request: CheckRequest,
) -> Result<CheckAnswer> {
    check_limits(&request)?;
    let mut request = request;
    // The record names the product version used, so that re-running it
    // later reads the same figures.
    if let Some(p) = &item.product {
        request.item = p.pinned();
    }
    if let Some(reference) = &request.ship {
        // Checked before anything is recorded: " PO-1" is "PO-1".
        let reference = reference.trim().to_string();
        if reference.is_empty() {
            return Err(crate::bad_field("ship", "the shipment reference is empty"));
        }
        request.ship = Some(reference);
    }
    let record = request.record.unwrap_or(true);
    if request.ship.is_some() && !record {
        return Err(crate::bad_field(
            "record",
            "a shipment is always recorded: it cannot be shipped without a record",
        ));
    }
    if request.ship.is_some() && place.store.is_none() {
        return Err(crate::bad_field(
            "ship",
            "a shipment draws on the licences on file, and there is no instance: initialise one first",
        ));
    }
    let data = place.data.clone();
    let today = place.today;
    let mut prepared = shell
        .cpu(move || prepare(&data, &item, request, today))
        .await??;
    let mut clearances = Clearances::new();
    let mut licences = Vec::new();
    if let Some(store) = place.store {
        prepared.ancestries = ancestries(store, &prepared.parties).await?;
        clearances = crate::licences::clearances(
            store,
            &parties::screened_names_with(
                &prepared.parties,
                &prepared.ancestries,
                prepared.decision.as_of,
            ),
        )
        .await?;
        licences = licences::licences_on_file(store.licences(None).await?);
    }
    let screener = if prepared.parties.is_empty() {
        None
    } else {
        Some(shell.screener()?)
    };
    let mut warnings = crate::screening::warnings(screener.as_deref());
    let data = place.data.clone();
    let licences = Arc::new(licences);
    let on_file = licences.clone();
    let (prepared, screened) = shell
        .cpu(move || {
            let screened = complete(
                &data,
                &mut prepared,
                screener.as_deref(),
                &clearances,
                &on_file,
            );
            (prepared, screened)
        })
        .await?;
    warnings.extend(unweighed_hits(
        &place.data,
        &prepared.decision,
        screened.as_ref(),
    ));
    let record_id = match (place.store, record) {
        (Some(_), true) => {
            let mut r = recording(
                &prepared,
                recording::request_key("check"),
                screened.as_ref(),
            );
            r.actor = place.actor.clone();
            Some(shell.record(r).await?)
        }
        _ => None,
    };
    let mut shipments = Vec::new();
    let mut not_shipped = None;
    if let (Some(reference), Some(store)) = (&prepared.request.ship, place.store) {
        let acting = place.actor.as_deref().map(|a| store.acting_as(a));
        let store = acting.as_ref().unwrap_or(store);
        match drawdowns(&prepared, &licences, reference) {
            Err(e) => not_shipped = Some(e),
            Ok(draws) => {
                for d in draws {
                    let drawn = store
                        .record_shipment_from(
                            &d.jurisdiction,
                            &d.licences,
                            &d.reference,
                            prepared.request.quantity.unwrap_or(0.0),
                            prepared.request.value.unwrap_or(0.0),
                            prepared.decision.as_of,
                            record_id,
                        )
                        .await;
                    match drawn {
                        Ok(receipt) => shipments.push(receipt),
                        Err(e) => {
                            not_shipped = Some(e.into());
                            break;
                        }
                    }
                }
            }
        }
    }
    Ok(CheckAnswer {
        prepared,
        screened,
        record: record_id,
        shipments,
        warnings,
        not_shipped,
    })
}

/// The decision as JSON, with the parties' hits and the record's id.
pub fn result_json(
    p: &Prepared,
    screened: Option<&PartyScreen>,
    record: Option<i64>,
) -> serde_json::Value {
    let mut v = serde_json::to_value(&*p.decision).unwrap_or_default();
    let open_hits = screened.map_or(0, |f| f.hits.len());
    if let Some(summary) = exctl_core::summary::summarise(&p.decision, open_hits) {
        v["summary"] = serde_json::to_value(summary).unwrap_or_default();
    }
    if let Some(found) = screened {
        v["party_hits"] = serde_json::to_value(&found.hits).unwrap_or_default();
        v["cleared"] = serde_json::to_value(&found.cleared).unwrap_or_default();
    }
    if let Some(id) = record {
        v["record"] = serde_json::json!(id);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use exctl_core::Licence;

    fn on_file(number: &str, item: &str, quantity: f64, drawn: f64) -> OnFile {
        OnFile {
            licence: Licence {
                jurisdiction: "us".into(),
                number: number.into(),
                holder: "Acme Exports".into(),
                valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                valid_to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                items: vec![item.into()],
                controls: vec![],
                destinations: vec!["AE".into()],
                end_users: vec![],
                parties: vec![],
                quantity: Some(quantity),
                value: None,
                currency: "USD".into(),
                provisos: vec![],
            },
            drawn: Drawn {
                quantity: drawn,
                value: 0.0,
            },
        }
    }

    /// The licence the check named comes first, then every other licence
    /// that covers the shipment apart from its balance, in registration
    /// order; licences for another item, or too small in all, are left out.
    #[test]
    fn drawdowns_offer_the_named_licence_then_the_other_covering_ones() {
        let data = exctl_data::load(&exctl_data::Files::bundled()).unwrap();
        let item = data.item("h100").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let request = CheckRequest {
            item: "h100".into(),
            to: "AE".into(),
            as_of: Some(day),
            end_use: Some("civil".into()),
            quantity: Some(4.0),
            jurisdictions: vec!["us".into()],
            ..Default::default()
        };
        let mut p = prepare(&data, &item, request, day).unwrap();
        let licences = vec![
            on_file("A-used-up", "nvidia-h100-sxm", 5.0, 5.0),
            on_file("B-other-item", "nvidia-h20", 100.0, 0.0),
            on_file("C", "nvidia-h100-sxm", 10.0, 0.0),
            on_file("D-too-small", "nvidia-h100-sxm", 3.0, 0.0),
            on_file("E", "nvidia-h100-sxm", 10.0, 9.0),
        ];
        complete(&data, &mut p, None, &Clearances::new(), &licences);
        assert_eq!(p.decision.overall, Some(Outcome::Authorized));
        let d = drawdowns(&p, &licences, "PO-1").unwrap();
        assert_eq!(
            d,
            vec![Drawdown {
                jurisdiction: "us".into(),
                licences: vec!["C".into(), "A-used-up".into(), "E".into()],
                reference: "PO-1".into(),
            }]
        );
    }

    fn party(name: &str, owners: usize) -> PartyIn {
        PartyIn {
            name: name.into(),
            country: None,
            owners: (0..owners)
                .map(|i| OwnerIn {
                    name: format!("Owner {i}"),
                    country: None,
                    percent: 0.001,
                })
                .collect(),
        }
    }

    fn request() -> CheckRequest {
        CheckRequest {
            item: "h100".into(),
            to: "DE".into(),
            ..CheckRequest::default()
        }
    }

    fn refusal(r: &CheckRequest) -> String {
        let e = check_limits(r).expect_err("refused");
        assert!(e.downcast_ref::<crate::BadInput>().is_some(), "bad input");
        e.to_string()
    }

    #[test]
    fn limits_refuse_each_field_by_name_and_accept_the_limit_itself() {
        let mut r = request();
        r.end_user = Some(party(
            &"x".repeat(limits::NAME_BYTES),
            limits::OWNERS_PER_PARTY,
        ));
        r.intermediates = (0..limits::PARTIES_PER_CHECK - 1)
            .map(|i| party(&format!("Hop {i}"), 0))
            .collect();
        check_limits(&r).expect("at the limits");

        let mut long = request();
        long.end_user = Some(party(&"x".repeat(limits::NAME_BYTES + 1), 0));
        let e = refusal(&long);
        assert!(e.contains("end_user.name") && e.contains("4096"), "{e}");

        let mut owners = request();
        owners.consignee = Some(party("Acme", 40_000));
        let e = refusal(&owners);
        assert!(e.contains("consignee.owners") && e.contains("100"), "{e}");

        let mut owner_name = request();
        let mut p = party("Acme", 2);
        p.owners[1].name = "y".repeat(2_000_000);
        owner_name.intermediates = vec![p];
        let e = refusal(&owner_name);
        assert!(e.contains("intermediates[0].owners[1].name"), "{e}");

        let mut many = request();
        many.intermediates = (0..limits::PARTIES_PER_CHECK + 1)
            .map(|i| party(&format!("Hop {i}"), 0))
            .collect();
        let e = refusal(&many);
        assert!(e.contains("parties") && e.contains("32"), "{e}");

        let mut end_use = request();
        end_use.end_use = Some("z".repeat(limits::TEXT_BYTES + 1));
        assert!(refusal(&end_use).contains("end_use"));
        let mut note = request();
        note.end_use_note = Some("z".repeat(limits::TEXT_BYTES + 1));
        assert!(refusal(&note).contains("end_use_note"));

        let mut facts = request();
        facts.facts = (0..limits::FACTS + 1)
            .map(|i| (format!("f{i}"), serde_json::json!(true)))
            .collect();
        assert!(refusal(&facts).contains("facts"));

        assert!(check_batch_len("checks", limits::BATCH_ROWS).is_ok());
        let e = check_batch_len("checks", limits::BATCH_ROWS + 1).unwrap_err();
        assert!(e.to_string().contains("checks") && e.to_string().contains("1000"));
    }

    #[test]
    fn prepare_applies_the_limits_before_deciding() {
        let data = exctl_data::load(&exctl_data::Files::bundled()).expect("bundled data");
        let item = data.catalog.resolve("h100").expect("h100").item.clone();
        let mut r = request();
        r.end_user = Some(party("Acme", 40_000));
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        let e = prepare(&data, &item, r, today).err().expect("refused");
        assert!(e.to_string().contains("end_user.owners"), "{e}");
        // Within the limits the same check is decided.
        let mut ok = request();
        ok.end_user = Some(party("Acme", 3));
        assert!(prepare(&data, &item, ok, today).is_ok());
    }
}
