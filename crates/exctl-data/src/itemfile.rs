//! The item file schema (TOML or JSON), shared by user item files, the
//! bundled catalog and inline items in golden cases.

use exctl_core::item::{ComputerSpec, HbmSpec, IcSpec, ItemKind, ModelSpec, TrainingHardware};
use exctl_core::{DataError, FactValue, Item, Precision};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One item as written in a file. Unknown fields are rejected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    pub kind: String,
    pub id: Option<String>,
    pub name: String,
    pub vendor: Option<String>,
    pub family: Option<String>,
    pub origin: Option<String>,
    pub release_date: Option<String>,
    /// Other spellings the catalog resolves ("h100", "H100 SXM").
    #[serde(default)]
    pub aliases: Vec<String>,
    /// PCI device ids (hex, e.g. "0x2330") that identify this part in inventories.
    #[serde(default)]
    pub pci_device_ids: Vec<String>,
    /// Source of each figure, by field name.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
    pub notes: Option<String>,

    // Integrated circuits.
    /// Dense peak throughput per precision (TOPS / TFLOPS).
    #[serde(default)]
    pub throughput: BTreeMap<String, f64>,
    pub die_area_mm2: Option<f64>,
    pub datacenter: Option<bool>,
    pub io_bandwidth_gbps: Option<f64>,
    pub memory_bandwidth_gbps: Option<f64>,

    // Computers.
    /// The contained IC: a catalog name or an inline IC table.
    pub ic: Option<IcRef>,
    pub ic_count: Option<u32>,

    // AI models.
    pub training_flop: Option<f64>,
    pub parameters: Option<f64>,
    pub tokens: Option<f64>,
    pub hardware: Option<HardwareDef>,
    pub weights_published: Option<bool>,

    // HBM stacks.
    pub bandwidth_gbps: Option<f64>,
    pub area_mm2: Option<f64>,
    pub co_packaged_with_logic: Option<bool>,

    /// Further named parameters for rules (`[params]`, also `[extra]`).
    #[serde(default, alias = "extra")]
    pub params: BTreeMap<String, FactValue>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum IcRef {
    Name(String),
    Inline(Box<ItemDef>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareDef {
    pub chips: f64,
    pub peak_flops_per_chip: f64,
    pub utilization: f64,
    pub seconds: f64,
}

/// Where an item definition came from, to name it in errors.
pub struct Origin<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl Origin<'_> {
    /// An error about `field`, pointing at the line that sets it when found.
    pub fn error(&self, entry: Option<&str>, field: &str, message: String) -> DataError {
        let line = find_key_line(self.text, field);
        DataError {
            file: self.file.to_string(),
            line,
            entry: entry
                .map(|e| format!("{e}: field `{field}`"))
                .or(Some(format!("field `{field}`"))),
            message,
        }
    }
}

/// Line of the first `key =` or `"key":` in the text.
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(&format!("{leaf} "))
                || t.starts_with(&format!("{leaf}="))
                || t.starts_with(&format!("\"{leaf}\""))
        })
        .map(|i| i + 1)
}

/// Turns a definition into an item. `resolve_ic` looks a computer's IC up by name.
pub fn build_item(
    def: &ItemDef,
    origin: &Origin<'_>,
    resolve_ic: &dyn Fn(&str) -> Result<Item, String>,
) -> Result<Item, DataError> {
    let entry = def.id.as_deref().unwrap_or(&def.name);
    let err = |field: &str, msg: String| origin.error(Some(entry), field, msg);
    let check = |field: &str, v: Option<f64>| -> Result<(), DataError> {
        match v {
            Some(x) if !x.is_finite() || x < 0.0 => {
                Err(err(field, format!("{x} must be a non-negative number")))
            }
            _ => Ok(()),
        }
    };
    if def.name.trim().is_empty() {
        return Err(err("name", "is empty".into()));
    }
    let release_date = def
        .release_date
        .as_deref()
        .map(|s| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .or_else(|_| chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d"))
                .or_else(|_| chrono::NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d"))
                .map_err(|_| {
                    err(
                        "release_date",
                        format!("{s:?} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"),
                    )
                })
        })
        .transpose()?;
    if let Some(o) = &def.origin {
        if o.len() != 2 || !o.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(err(
                "origin",
                format!("{o:?} is not an ISO 3166 alpha-2 code"),
            ));
        }
    }
    let ic_fields_used = !def.throughput.is_empty()
        || def.die_area_mm2.is_some()
        || def.datacenter.is_some()
        || def.io_bandwidth_gbps.is_some()
        || def.memory_bandwidth_gbps.is_some();
    let only = |kind: &str, field: &str, used: bool| -> Result<(), DataError> {
        if used {
            Err(err(field, format!("is not a parameter of a {kind} item")))
        } else {
            Ok(())
        }
    };
    let kind = match def.kind.as_str() {
        "ic" => {
            let mut throughput = BTreeMap::new();
            for (p, v) in &def.throughput {
                let precision = Precision::parse(p).ok_or_else(|| {
                    err(
                        &format!("throughput.{p}"),
                        format!(
                            "unknown precision {p:?} (known: {})",
                            Precision::ALL.map(|p| p.as_str()).join(", ")
                        ),
                    )
                })?;
                check(&format!("throughput.{p}"), Some(*v))?;
                // `FP8` and `fp8` are one precision: two figures for it
                // would leave one unread.
                if throughput.insert(precision, *v).is_some() {
                    return Err(err(
                        &format!("throughput.{p}"),
                        format!("{} is given twice (names differ only in case)", precision.as_str()),
                    ));
                }
            }
            check("die_area_mm2", def.die_area_mm2)?;
            // A die of no area has no performance density: unknown, not zero.
            if def.die_area_mm2 == Some(0.0) {
                return Err(err(
                    "die_area_mm2",
                    "0 is not an area; leave it out if it is unknown".into(),
                ));
            }
            check("io_bandwidth_gbps", def.io_bandwidth_gbps)?;
            check("memory_bandwidth_gbps", def.memory_bandwidth_gbps)?;
            only("ic", "ic", def.ic.is_some())?;
            only("ic", "training_flop", def.training_flop.is_some())?;
            ItemKind::Ic(IcSpec {
                throughput,
                die_area_mm2: def.die_area_mm2,
                datacenter: def.datacenter,
                io_bandwidth_gbps: def.io_bandwidth_gbps,
                memory_bandwidth_gbps: def.memory_bandwidth_gbps,
            })
        }
        "computer" => {
            only("computer", "throughput", ic_fields_used)?;
            let ic = match &def.ic {
                None => {
                    return Err(err(
                        "ic",
                        "a computer needs `ic` (a catalog name or an inline table)".into(),
                    ))
                }
                Some(IcRef::Name(n)) => resolve_ic(n).map_err(|m| err("ic", m))?,
                Some(IcRef::Inline(inner)) => {
                    if inner.kind != "ic" {
                        return Err(err(
                            "ic.kind",
                            format!("the contained item must be an ic, not {:?}", inner.kind),
                        ));
                    }
                    build_item(inner, origin, resolve_ic)?
                }
            };
            if !matches!(ic.kind, ItemKind::Ic(_)) {
                return Err(err(
                    "ic",
                    format!("{} is not an integrated circuit", ic.name),
                ));
            }
            let ic_count = def
                .ic_count
                .ok_or_else(|| err("ic_count", "a computer needs `ic_count`".into()))?;
            if ic_count == 0 {
                return Err(err("ic_count", "must be at least 1".into()));
            }
            ItemKind::Computer(ComputerSpec {
                ic: Box::new(ic),
                ic_count,
            })
        }
        "model" => {
            only("model", "throughput", ic_fields_used)?;
            check("training_flop", def.training_flop)?;
            check("parameters", def.parameters)?;
            check("tokens", def.tokens)?;
            let hardware = def.hardware.as_ref().map(|h| TrainingHardware {
                chips: h.chips,
                peak_flops_per_chip: h.peak_flops_per_chip,
                utilization: h.utilization,
                seconds: h.seconds,
            });
            if let Some(h) = &hardware {
                if !(0.0..=1.0).contains(&h.utilization) {
                    return Err(err(
                        "hardware.utilization",
                        format!("{} is not between 0 and 1", h.utilization),
                    ));
                }
            }
            ItemKind::Model(ModelSpec {
                training_flop: def.training_flop,
                parameters: def.parameters,
                tokens: def.tokens,
                hardware,
                weights_published: def.weights_published,
            })
        }
        "hbm" => {
            only("hbm", "throughput", ic_fields_used)?;
            check("bandwidth_gbps", def.bandwidth_gbps)?;
            check("area_mm2", def.area_mm2)?;
            ItemKind::Hbm(HbmSpec {
                bandwidth_gbps: def.bandwidth_gbps,
                area_mm2: def.area_mm2,
                co_packaged_with_logic: def.co_packaged_with_logic,
            })
        }
        other if !other.is_empty() && other.chars().all(|c| c.is_ascii_lowercase() || c == '-') => {
            only(other, "throughput", ic_fields_used)?;
            only(other, "ic", def.ic.is_some())?;
            only(other, "training_flop", def.training_flop.is_some())?;
            ItemKind::Other { name: other.to_string() }
        }
        other => {
            return Err(err(
                "kind",
                format!("{other:?} is not an item kind (ic, computer, model, hbm, or a kind declared in parameters.toml)"),
            ))
        }
    };
    Ok(Item {
        id: def.id.clone().unwrap_or_else(|| slug(&def.name)),
        name: def.name.clone(),
        vendor: def.vendor.clone(),
        family: def.family.clone(),
        origin: def.origin.clone(),
        release_date,
        release_date_partial: def
            .release_date
            .as_deref()
            .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err()),
        kind,
        extra: def.params.clone(),
        product: None,
    })
}

/// Parses an item file; `.json` files as JSON, anything else as TOML.
pub fn parse_item_file(
    file: &str,
    text: &str,
    resolve_ic: &dyn Fn(&str) -> Result<Item, String>,
) -> Result<Item, DataError> {
    let def: ItemDef = if file.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| DataError::json(file, &e))?
    } else {
        toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?
    };
    build_item(&def, &Origin { file, text }, resolve_ic)
}

/// The item definitions in a file's text, as JSON values: one item (its
/// fields at the top level) or several (`[[item]]` in TOML, an array or
/// `{"item": [...]}` in JSON). JSON when `file` ends in `.json`, TOML
/// otherwise. The values are checked as items by whoever builds them.
pub fn definitions_in(file: &str, text: &str) -> Result<Vec<serde_json::Value>, DataError> {
    use serde_json::Value;
    let value: Value = if file.to_lowercase().ends_with(".json") {
        serde_json::from_str(text).map_err(|e| DataError::json(file, &e))?
    } else {
        let t: toml::Value = toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?;
        toml_to_json(t, "").map_err(|e| DataError::new(file, e))?
    };
    let shape = || {
        DataError::new(
            file,
            "expected an item table, a list of them, or `item = [...]`",
        )
    };
    match value {
        Value::Array(items) if items.iter().all(Value::is_object) => Ok(items),
        Value::Object(mut m) if m.len() == 1 && m.contains_key("item") => match m.remove("item") {
            Some(Value::Array(items)) if items.iter().all(Value::is_object) => Ok(items),
            Some(one @ Value::Object(_)) => Ok(vec![one]),
            _ => Err(shape()),
        },
        one @ Value::Object(_) => Ok(vec![one]),
        _ => Err(shape()),
    }
}

/// TOML as JSON; a bare TOML date (`release_date = 2024-03-01`) becomes
/// its text, as the item schema reads dates. `nan` and `inf` have no JSON
/// form and no meaning as a figure: refused, naming the field.
fn toml_to_json(t: toml::Value, path: &str) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    let at = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    Ok(match t {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => match serde_json::Number::from_f64(f) {
            Some(n) if f.is_finite() => Value::Number(n),
            _ => return Err(format!("field `{path}`: {f} is not a finite number")),
        },
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(
            a.into_iter()
                .enumerate()
                .map(|(i, v)| toml_to_json(v, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let p = at(&k);
                    toml_to_json(v, &p).map(|v| (k, v))
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Lower-case, hyphen-separated identifier.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
