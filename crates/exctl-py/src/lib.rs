//! The `exctl` Python package's native module: a thin shell over
//! [`exctl_app::embedded`]. Requests and answers cross as JSON text (the
//! same shapes as the HTTP API), so the Python side stays a few lines and
//! the answers are the CLI's and the server's. Work runs with the
//! interpreter released, and the `*_many` calls use every core.

use exctl_app::check::CheckRequest;
use exctl_app::embedded::{error_parts, ClassifyRequest, Embedded};
use exctl_app::screening::ScreenRequest;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::path::PathBuf;

// As in the CLI: screening allocates small vectors by the million.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(
    exctl,
    ExctlError,
    PyException,
    "An exctl call failed: the rule data, the lists or a request could not be used."
);
create_exception!(
    exctl,
    InvalidInput,
    ExctlError,
    "A request exctl does not understand; `field` names the part at fault (or is None)."
);

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The failure as a Python exception: `InvalidInput` with its `field` for
/// bad input, `ExctlError` for anything else.
fn to_py(e: anyhow::Error) -> PyErr {
    let (field, reason) = error_parts(&e);
    let bad = e.downcast_ref::<exctl_app::BadInput>().is_some()
        || e.downcast_ref::<serde_json::Error>().is_some();
    if !bad {
        return ExctlError::new_err(reason);
    }
    let message = match &field {
        Some(f) => format!("{f}: {reason}"),
        None => reason,
    };
    let err = InvalidInput::new_err(message);
    Python::attach(|py| {
        let _ = err.value(py).setattr("field", field);
    });
    err
}

/// A request from JSON; the field it does not know, lacks or cannot read
/// is named (as a path: `end_user.country`), without the position in JSON
/// the caller never wrote.
fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> anyhow::Result<T> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let text = e.inner().to_string();
        let text = text.split(" at line ").next().unwrap_or(&text).to_string();
        // serde names an unknown or missing field in backquotes, under the
        // path of the object that holds it.
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|p| text.split_once(p))
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(field, _)| field.to_string());
        // (The path of an unknown field ends with it; of a missing one, it
        // is the object that lacks it.)
        let field = match (named, path.as_str()) {
            (Some(f), ".") => Some(f),
            (Some(f), p) if p == f || p.ends_with(&format!(".{f}")) => Some(p.to_string()),
            (Some(f), p) => Some(format!("{p}.{f}")),
            (None, ".") => None,
            (None, p) => Some(p.to_string()),
        };
        match field {
            Some(field) => exctl_app::bad_field(field, text),
            None => exctl_app::bad(format!("{what}: {text}")),
        }
    })
}

/// The worker threads of the `*_many` calls and of indexing lists, one
/// pool per process: a process forked from one whose threads had started
/// (Python's multiprocessing does so on Linux) has none of them, and work
/// sent to them would wait forever.
fn pool() -> anyhow::Result<std::sync::Arc<rayon::ThreadPool>> {
    use std::sync::{Arc, Mutex, PoisonError};
    static POOL: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);
    let pid = std::process::id();
    let mut slot = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    match slot.take() {
        Some((owner, pool)) if owner == pid => {
            *slot = Some((owner, pool.clone()));
            return Ok(pool);
        }
        // The parent's pool: its threads are not in this process, and
        // dropping it would signal them; it is left as it is.
        Some((_, parents)) => std::mem::forget(parents),
        None => {}
    }
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().build()?);
    *slot = Some((pid, pool.clone()));
    Ok(pool)
}

/// One answer of a `*_many` call: `(True, answer JSON)` or `(False,
/// {"field": …, "error": …} JSON)`.
fn outcome(r: anyhow::Result<serde_json::Value>) -> (bool, String) {
    match r {
        Ok(v) => (true, v.to_string()),
        Err(e) => {
            let (field, reason) = error_parts(&e);
            (
                false,
                serde_json::json!({ "field": field, "error": reason }).to_string(),
            )
        }
    }
}

/// The rule data and lists, loaded once.
#[pyclass(frozen, name = "NativeEngine")]
struct NativeEngine {
    inner: Embedded,
}

#[pymethods]
impl NativeEngine {
    #[new]
    #[pyo3(signature = (data = None, lists = None))]
    fn new(py: Python<'_>, data: Option<PathBuf>, lists: Option<Vec<String>>) -> PyResult<Self> {
        let lists = lists.unwrap_or_default();
        py.detach(|| pool()?.install(|| Embedded::load(data.as_deref(), &lists)))
            .map(|inner| NativeEngine { inner })
            .map_err(to_py)
    }

    /// The packs and lists in use, as JSON.
    fn about(&self) -> String {
        let packs: Vec<serde_json::Value> = self
            .inner
            .data
            .engine
            .packs
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.meta.id, "version": p.meta.version,
                    "opt_in": p.meta.opt_in, "hash": p.hash,
                })
            })
            .collect();
        let lists = self.inner.screener.as_ref().map(|s| {
            let v = s.version();
            serde_json::json!({ "version": v.hash, "entries": v.entries })
        });
        serde_json::json!({ "packs": packs, "lists": lists }).to_string()
    }

    fn classify(&self, py: Python<'_>, request: &str) -> PyResult<String> {
        py.detach(|| {
            let r: ClassifyRequest = parse("request", request)?;
            self.inner.classify(&r, today()).map(|v| v.to_string())
        })
        .map_err(to_py)
    }

    fn check(&self, py: Python<'_>, request: &str) -> PyResult<String> {
        py.detach(|| {
            let r: CheckRequest = parse("request", request)?;
            self.inner.check(r, today()).map(|v| v.to_string())
        })
        .map_err(to_py)
    }

    fn screen(&self, py: Python<'_>, request: &str) -> PyResult<String> {
        py.detach(|| {
            let r: ScreenRequest = parse("request", request)?;
            self.inner.screen(&r, today()).map(|v| v.to_string())
        })
        .map_err(to_py)
    }

    /// Many checks on every core, in input order; a request that is not
    /// even JSON of a check is that row's error, not the call's.
    ///
    /// Each answer is the row's columns as a small JSON object (the whole
    /// answer under `result` only when `full`), made here with the
    /// interpreter released rather than in Python.
    #[pyo3(signature = (requests, full = false))]
    fn check_many(
        &self,
        py: Python<'_>,
        requests: Vec<String>,
        full: bool,
    ) -> PyResult<Vec<(bool, String)>> {
        let pool = pool().map_err(to_py)?;
        Ok(py.detach(|| {
            pool.install(|| {
                let parsed = requests.iter().map(|r| parse("request", r)).collect();
                many(parsed, |good| {
                    use rayon::prelude::*;
                    self.inner
                        .check_many(good, today())
                        .into_par_iter()
                        .map(|r| r.map(|v| check_row(&v, full)))
                        .collect()
                })
            })
        }))
    }

    /// Many screens on every core, in input order.
    #[pyo3(signature = (requests, full = false))]
    fn screen_many(
        &self,
        py: Python<'_>,
        requests: Vec<String>,
        full: bool,
    ) -> PyResult<Vec<(bool, String)>> {
        let pool = pool().map_err(to_py)?;
        Ok(py.detach(|| {
            pool.install(|| {
                let parsed = requests.iter().map(|r| parse("request", r)).collect();
                many(parsed, |good| {
                    use rayon::prelude::*;
                    self.inner
                        .screen_many(&good, today())
                        .into_par_iter()
                        .map(|r| r.map(|v| screen_row(&v, full)))
                        .collect()
                })
            })
        }))
    }
}

fn text(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or("")
}

/// A check's answer as `check_many`'s columns.
fn check_row(v: &serde_json::Value, full: bool) -> serde_json::Value {
    let dets = v["determinations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let join = |parts: Vec<String>| parts.join(";");
    let mut row = serde_json::json!({
        "overall": v["overall"],
        "outcomes": join(dets.iter().map(|d| format!("{}={}", text(&d["jurisdiction"]), text(&d["outcome"]))).collect()),
        "controls": join(dets.iter().flat_map(|d| {
            let j = text(&d["jurisdiction"]).to_string();
            d["controls"].as_array().into_iter().flatten().map(move |c| format!("{j}:{}", text(c)))
        }).collect()),
        "questions": join(dets.iter().flat_map(|d| {
            let j = text(&d["jurisdiction"]).to_string();
            d["questions"].as_array().into_iter().flatten().map(move |q| format!("{j}:{}", text(&q["fact"])))
        }).collect()),
        "notices": join(dets.iter().filter(|d| d["notice"].is_string()).map(|d| text(&d["jurisdiction"]).to_string()).collect()),
        "headline": v["summary"]["headline"],
        "party_hits": join(v["party_hits"].as_array().into_iter().flatten().map(|h| {
            format!("{}:{}:{}", text(&h["role"]), text(&h["list"]), text(&h["entry_id"]))
        }).collect()),
        "warnings": v["warnings"].as_array().into_iter().flatten().map(|w| text(w).to_string()).collect::<Vec<_>>().join(" | "),
    });
    if full {
        row["result"] = serde_json::Value::String(v.to_string());
    }
    row
}

/// Outcomes from least to most restrictive.
const OUTCOMES: [&str; 8] = [
    "not_controlled",
    "no_license_required",
    "obligations_apply",
    "exception_eligible",
    "authorized",
    "needs_info",
    "license_required",
    "prohibited",
];

/// A screen's answer as `screen_many`'s columns.
fn screen_row(v: &serde_json::Value, full: bool) -> serde_json::Value {
    let matches = v["matches"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    // The worst legal effect the hits carry, per pack: what they mean.
    let rank = |o: &str| OUTCOMES.iter().position(|x| *x == o);
    let mut worst: std::collections::BTreeMap<String, String> = Default::default();
    for e in matches
        .iter()
        .flat_map(|m| m["effects"].as_array().into_iter().flatten())
    {
        let (j, o) = (text(&e["jurisdiction"]), text(&e["outcome"]));
        if rank(o) > worst.get(j).and_then(|w| rank(w)) {
            worst.insert(j.to_string(), o.to_string());
        }
    }
    let best = matches.first();
    let mut row = serde_json::json!({
        "hits": matches.len(),
        "effects": worst.iter().map(|(j, o)| format!("{j}={o}")).collect::<Vec<_>>().join(";"),
        "best_score": best.map(|m| m["score"].clone()),
        "best_list": best.map(|m| m["list"].clone()),
        "best_entry": best.map(|m| m["name"].clone()),
        "best_entry_id": best.map(|m| m["entry_id"].clone()),
    });
    if full {
        row["matches"] =
            serde_json::Value::String(serde_json::Value::Array(matches.to_vec()).to_string());
    }
    row
}

/// Runs the requests that parsed, and gives every row its answer or its
/// error, in input order.
fn many<T>(
    parsed: Vec<anyhow::Result<T>>,
    run: impl FnOnce(Vec<T>) -> Vec<anyhow::Result<serde_json::Value>>,
) -> Vec<(bool, String)> {
    let mut slots = Vec::with_capacity(parsed.len());
    let mut good = Vec::new();
    for r in parsed {
        match r {
            Ok(t) => {
                good.push(t);
                slots.push(None);
            }
            Err(e) => slots.push(Some(e)),
        }
    }
    let mut answers = run(good).into_iter();
    slots
        .into_iter()
        .map(|slot| match slot {
            Some(e) => outcome(Err(e)),
            None => outcome(
                answers
                    .next()
                    .unwrap_or_else(|| Err(anyhow::anyhow!("a row was left without an answer"))),
            ),
        })
        .collect()
}

/// A party as an order book writes it (`NAME;country=CC;owner=NAME:PCT`),
/// as the JSON of a request's party.
#[pyfunction]
fn parse_party(role: &str, spec: &str) -> PyResult<String> {
    let role = exctl_core::parties::Role::parse(role)
        .ok_or_else(|| InvalidInput::new_err(format!("unknown role {role:?}")))?;
    let party = exctl_app::check::PartyIn::parse(role, spec).map_err(to_py)?;
    serde_json::to_string(&party).map_err(|e| ExctlError::new_err(e.to_string()))
}

/// Facts as an order book writes them (`name=value;…`), as a JSON object.
#[pyfunction]
fn parse_facts(spec: &str) -> PyResult<String> {
    let facts = exctl_app::check::facts_from_specs(
        spec.split(';').map(str::trim).filter(|f| !f.is_empty()),
    )
    .map_err(to_py)?;
    serde_json::to_string(&facts).map_err(|e| ExctlError::new_err(e.to_string()))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeEngine>()?;
    m.add_function(wrap_pyfunction!(parse_party, m)?)?;
    m.add_function(wrap_pyfunction!(parse_facts, m)?)?;
    m.add("ExctlError", m.py().get_type::<ExctlError>())?;
    m.add("InvalidInput", m.py().get_type::<InvalidInput>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
