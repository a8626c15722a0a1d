//! Rule-pack updates without a new binary: a signed bundle of the data
//! (rule packs and catalog) published by one instance, verified and checked
//! by another (its signature against a pinned key, every file loading and
//! every golden case passing), installed beside the bundled copy with the
//! previous installs kept, and rolled back in one step.
//!
//! `HOME/packs/<id>/` holds each install (a data root: `packs/`, `catalog/`),
//! `HOME/packs/current` names the one in use. Without one, the bundled copy
//! is used.

use crate::bad;
use anyhow::{Context as _, Result};
use exctl_data::{Data, Files};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const BUNDLE_FORMAT: &str = "exctl-packs/1";
/// Largest bundle read: the bundled data is a few MB.
pub const MAX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;

/// A bundle: every data file, by path.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub published_at: String,
    /// Who published it (free text, e.g. the authority or team).
    pub publisher: String,
    pub files: BTreeMap<String, String>,
}

/// A bundle's detached signature (`BUNDLE.sig`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSignature {
    pub format: String,
    pub published_at: String,
    pub sha256: String,
    pub key_id: String,
    pub public_key: String,
    pub signature: String,
}

fn message(published_at: &str, sha: &str) -> String {
    format!("{BUNDLE_FORMAT}\n{published_at}\n{sha}")
}

/// What `publish` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub files: usize,
    pub sha256: String,
    pub key_id: String,
    pub published_at: String,
}

/// Every file of `files` as a bundle.
pub fn bundle_of(files: &Files, publisher: &str, published_at: &str) -> Result<Bundle> {
    if publisher.trim().is_empty() {
        return Err(crate::bad_field("publisher", "empty"));
    }
    Ok(Bundle {
        format: BUNDLE_FORMAT.into(),
        published_at: published_at.into(),
        publisher: publisher.trim().into(),
        files: files
            .paths()
            .map(|p| (p.clone(), files.get(p).unwrap_or_default().to_string()))
            .collect(),
    })
}

/// Signs `bundle` into `out` and its `out.sig`.
pub fn publish(bundle: &Bundle, signer: &exctl_records::Signer, out: &Path) -> Result<Published> {
    let bytes = serde_json::to_vec(bundle)?;
    let sha = exctl_records::keys::sha256_hex(&bytes);
    let signature = signer.sign(message(&bundle.published_at, &sha).as_bytes())?;
    let sig = BundleSignature {
        format: BUNDLE_FORMAT.into(),
        published_at: bundle.published_at.clone(),
        sha256: sha.clone(),
        key_id: signer.key_id().to_string(),
        public_key: hex::encode(signer.public_key()),
        signature: hex::encode(signature),
    };
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    let sig_path = sig_path(out);
    std::fs::write(&sig_path, serde_json::to_vec_pretty(&sig)?)
        .with_context(|| format!("writing {}", sig_path.display()))?;
    Ok(Published {
        files: bundle.files.len(),
        sha256: sha,
        key_id: signer.key_id().to_string(),
        published_at: bundle.published_at.clone(),
    })
}

fn sig_path(bundle: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sig", bundle.display()))
}

/// Reads `FROM` (a file, or an http(s) URL) and `FROM.sig`.
pub fn read_bundle(from: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    if from.starts_with("https://") || from.starts_with("http://") {
        let get = |url: &str| -> Result<Vec<u8>> {
            let mut resp = crate::screening::agent()
                .get(url)
                .call()
                .with_context(|| format!("downloading {url}"))?;
            resp.body_mut()
                .with_config()
                .limit(MAX_BUNDLE_BYTES)
                .read_to_vec()
                .with_context(|| format!("reading {url}"))
        };
        return Ok((get(from)?, get(&format!("{from}.sig"))?));
    }
    let path = Path::new(from);
    let read = |p: &Path| -> Result<Vec<u8>> {
        let meta = std::fs::metadata(p).map_err(|e| bad(format!("{}: {e}", p.display())))?;
        if meta.len() > MAX_BUNDLE_BYTES {
            return Err(bad(format!(
                "{}: {} bytes, more than a bundle may be ({MAX_BUNDLE_BYTES})",
                p.display(),
                meta.len()
            )));
        }
        std::fs::read(p).map_err(|e| bad(format!("{}: {e}", p.display())))
    };
    let sig = sig_path(path);
    Ok((
        read(path)?,
        read(&sig).map_err(|e| bad(format!("{e} (a bundle comes with its .sig)")))?,
    ))
}

/// Checks the signature against the pinned key and reads the bundle.
pub fn verify(
    name: &str,
    bytes: &[u8],
    sig: &[u8],
    public_key: &[u8],
) -> Result<(Bundle, BundleSignature)> {
    let sig: BundleSignature = serde_json::from_slice(sig)
        .map_err(|e| bad(format!("{name}.sig: not a bundle signature: {e}")))?;
    if sig.format != BUNDLE_FORMAT {
        return Err(bad(format!(
            "{name}.sig: format {:?}, expected {BUNDLE_FORMAT:?}",
            sig.format
        )));
    }
    let sha = exctl_records::keys::sha256_hex(bytes);
    exctl_records::keys::check_detached(
        public_key,
        (&sig.public_key, &sig.key_id),
        (&sig.sha256, &sha),
        message(&sig.published_at, &sha).as_bytes(),
        &sig.signature,
    )
    .map_err(|e| bad(format!("{name}: {e}")))?;
    let bundle: Bundle = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("{name}: not a pack bundle: {e}")))?;
    if bundle.format != BUNDLE_FORMAT || bundle.published_at != sig.published_at {
        return Err(bad(format!(
            "{name}: the bundle's format or date is not the one signed"
        )));
    }
    for path in bundle.files.keys() {
        let ok = (path.starts_with("packs/") || path.starts_with("catalog/"))
            && !path
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
            && !path.contains('\\');
        if !ok {
            return Err(bad(format!(
                "{name}: file {path:?} is outside packs/ and catalog/"
            )));
        }
    }
    Ok((bundle, sig))
}

/// The bundle's files loaded and every golden case run: the data it would
/// install, or the first problem.
pub fn check(name: &str, bundle: &Bundle) -> Result<(Data, usize)> {
    let mut files = Files::default();
    for (p, t) in &bundle.files {
        files.insert(p, t);
    }
    files.origin = name.to_string();
    let data = exctl_data::load(&files).map_err(|e| bad(format!("{name}: invalid data: {e}")))?;
    let mut cases = 0;
    for pack in &data.engine.packs {
        let results = exctl_data::golden::run_pack(&data, &pack.meta.id)
            .map_err(|e| bad(format!("{name}: {e}")))?;
        if let Some(f) = results.iter().find(|r| !r.failures.is_empty()) {
            return Err(bad(format!(
                "{name}: golden case {} — {} of pack {} fails: {}",
                f.file,
                f.name,
                pack.meta.id,
                f.failures.join("; ")
            )));
        }
        cases += results.len();
    }
    Ok((data, cases))
}

fn packs_dir(home: &Path) -> PathBuf {
    home.join("packs")
}

/// The install in use, if any: a data root.
pub fn current(home: &Path) -> Result<Option<PathBuf>> {
    let pointer = packs_dir(home).join("current");
    if !pointer.exists() {
        return Ok(None);
    }
    let id = std::fs::read_to_string(&pointer)
        .with_context(|| format!("reading {}", pointer.display()))?;
    let id = id.trim();
    let dir = crate::paths::child(&packs_dir(home), id, "pack install")?;
    if !dir.is_dir() {
        return Err(bad(format!(
            "{} names the install {id:?}, which is not there",
            pointer.display()
        )));
    }
    Ok(Some(dir))
}

/// One install on disk.
#[derive(Debug, Clone, Serialize)]
pub struct Install {
    pub id: String,
    pub published_at: String,
    pub publisher: String,
    pub sha256: String,
    pub key_id: String,
    pub installed_at: String,
    pub current: bool,
}

/// The installs, oldest first.
pub fn installs(home: &Path) -> Result<Vec<Install>> {
    let dir = packs_dir(home);
    let current = current(home)?;
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for e in entries {
        let e = e?;
        let manifest = e.path().join("install.json");
        if !manifest.is_file() {
            continue;
        }
        let mut i: Install = serde_json::from_slice(&std::fs::read(&manifest)?)
            .map(|m: InstallManifest| m.into())
            .map_err(|err| bad(format!("{}: {err}", manifest.display())))?;
        i.current = current.as_deref() == Some(e.path().as_path());
        out.push(i);
    }
    out.sort_by(|a, b| a.installed_at.cmp(&b.installed_at).then(a.id.cmp(&b.id)));
    Ok(out)
}

#[derive(Serialize, Deserialize)]
struct InstallManifest {
    id: String,
    published_at: String,
    publisher: String,
    sha256: String,
    key_id: String,
    installed_at: String,
}

impl From<InstallManifest> for Install {
    fn from(m: InstallManifest) -> Install {
        Install {
            id: m.id,
            published_at: m.published_at,
            publisher: m.publisher,
            sha256: m.sha256,
            key_id: m.key_id,
            installed_at: m.installed_at,
            current: false,
        }
    }
}

/// Writes a checked bundle as a new install and makes it current; the
/// previous install stays. Nothing changes if any step fails.
pub fn install(
    home: &Path,
    bundle: &Bundle,
    sig: &BundleSignature,
    installed_at: &str,
) -> Result<Install> {
    let dir = packs_dir(home);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let id = format!(
        "{}-{}",
        bundle
            .published_at
            .chars()
            .filter(|c| c.is_ascii_digit())
            .take(14)
            .collect::<String>(),
        &sig.sha256[..12]
    );
    let target = crate::paths::child(&dir, &id, "pack install")?;
    if target.exists() {
        if current(home)?.as_deref() == Some(target.as_path()) {
            return Err(bad(format!(
                "this bundle is installed and in use already ({id})"
            )));
        }
        // Installed before and rolled back from: in use again, as it was.
        set_current(home, &id)?;
        let manifest: InstallManifest =
            serde_json::from_slice(&std::fs::read(target.join("install.json"))?)
                .map_err(|e| bad(format!("{}: {e}", target.display())))?;
        let mut i: Install = manifest.into();
        i.current = true;
        return Ok(i);
    }
    let tmp = dir.join(format!(".{id}.tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    for (path, text) in &bundle.files {
        let p = tmp.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    let manifest = InstallManifest {
        id: id.clone(),
        published_at: bundle.published_at.clone(),
        publisher: bundle.publisher.clone(),
        sha256: sig.sha256.clone(),
        key_id: sig.key_id.clone(),
        installed_at: installed_at.into(),
    };
    std::fs::write(
        tmp.join("install.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    std::fs::rename(&tmp, &target)?;
    set_current(home, &id)?;
    let mut i: Install = manifest.into();
    i.current = true;
    Ok(i)
}

fn set_current(home: &Path, id: &str) -> Result<()> {
    let dir = packs_dir(home);
    let tmp = dir.join(".current.tmp");
    std::fs::write(&tmp, format!("{id}\n"))?;
    std::fs::rename(&tmp, dir.join("current"))?;
    Ok(())
}

/// Goes back to the install before the current one, or to the bundled copy
/// when the current one is the first. Gives what is in use now.
pub fn rollback(home: &Path) -> Result<String> {
    let all = installs(home)?;
    let Some(at) = all.iter().position(|i| i.current) else {
        return Err(bad(
            "no installed packs are in use: the bundled copy is, and there is nothing to roll back",
        ));
    };
    if at == 0 {
        std::fs::remove_file(packs_dir(home).join("current"))?;
        return Ok("the bundled packs are".into());
    }
    set_current(home, &all[at - 1].id)?;
    Ok(format!("install {} is", all[at - 1].id))
}

/// How a data change moves the stored products: each product's controls
/// under the old and the new packs.
#[derive(Debug, Clone, Serialize)]
pub struct ProductImpact {
    pub product: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// The products whose classification differs between `old` and `new` on `date`.
pub fn product_impact(
    old: &Data,
    new: &Data,
    products: &crate::products::Products,
    date: chrono::NaiveDate,
) -> Vec<ProductImpact> {
    let mut out = Vec::new();
    for name in products.active_names() {
        let controls = |d: &Data| -> Vec<String> {
            let item = match crate::products::resolve(d, products, &format!("product:{name}")) {
                Ok(i) => i,
                Err(e) => return vec![format!("error: {e}")],
            };
            let dec = d.engine.decide(&exctl_core::Query::classify(&item, date));
            let mut c: Vec<String> = dec
                .determinations
                .iter()
                .flat_map(|x| {
                    x.controls
                        .iter()
                        .map(move |c| format!("{}:{c}", x.jurisdiction))
                })
                .collect();
            c.sort();
            c
        };
        let (before, after) = (controls(old), controls(new));
        if before != after {
            out.push(ProductImpact {
                product: name.clone(),
                before,
                after,
            });
        }
    }
    out
}

/// How a data change moves a held order: each pack's outcome (the item,
/// destination, end use and facts decided; parties and licences aside)
/// under the old and the new packs.
#[derive(Debug, Clone, Serialize)]
pub struct OrderImpact {
    pub decision: i64,
    pub subject: String,
    pub before: String,
    pub after: String,
}

/// The held orders (recorded checks with an open or pending case) whose
/// outcome differs between `old` and `new`.
pub fn order_impact(
    old: &Data,
    new: &Data,
    products: &crate::products::Products,
    orders: &[(i64, String, crate::check::CheckRequest)],
    today: chrono::NaiveDate,
) -> Vec<OrderImpact> {
    let outcome = |d: &Data, r: &crate::check::CheckRequest| -> String {
        let item = match crate::products::resolve(d, products, &r.item) {
            Ok(i) => i,
            Err(e) => return format!("error: {e}"),
        };
        // Each pack's outcome: a pack that moves is a change even when the
        // overall outcome stays.
        match crate::check::prepare(d, &item, r.clone(), today) {
            Ok(p) => p
                .decision
                .determinations
                .iter()
                .map(|x| {
                    format!(
                        "{}: {}",
                        x.jurisdiction,
                        x.outcome
                            .map(|o| o.to_string())
                            .unwrap_or_else(|| "none".into())
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            Err(e) => format!("error: {e}"),
        }
    };
    orders
        .iter()
        .filter_map(|(id, subject, r)| {
            let (before, after) = (outcome(old, r), outcome(new, r));
            (before != after).then(|| OrderImpact {
                decision: *id,
                subject: subject.clone(),
                before,
                after,
            })
        })
        .collect()
}

/// The held orders on record: recorded checks with a held case still open
/// or pending, with the request they were made from.
pub async fn held_orders(
    store: &exctl_records::Store,
) -> Result<Vec<(i64, String, crate::check::CheckRequest)>> {
    let mut out = Vec::new();
    for status in ["open", "pending"] {
        for c in store.cases(Some(status)).await? {
            let Some(id) = c.decision_id.filter(|_| c.kind == "held") else {
                continue;
            };
            let d = store.decision(id).await?;
            if let Ok(r) = serde_json::from_value::<crate::check::CheckRequest>(d.input.clone()) {
                out.push((id, c.subject.clone(), r));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(name: &str, fp8: f64) -> exctl_records::ProductVersion {
        let definition = serde_json::json!({
            "kind": "ic", "name": name, "datacenter": true, "die_area_mm2": 800,
            "throughput": {"fp8": fp8, "int8": fp8}
        });
        exctl_records::ProductVersion {
            name: name.into(),
            version: 1,
            status: "active".into(),
            sha256: exctl_records::products::definition_hash(&definition),
            definition,
            reason: "created".into(),
            recorded_at: "2026-12-01T00:00:00Z".into(),
            actor: "tester".into(),
        }
    }

    /// The bundled data without one pack: what a bundle that drops it would install.
    fn without(pack: &str) -> Data {
        let mut files = Files::bundled();
        let index = files.get("packs/index.toml").unwrap().to_string();
        files.insert(
            "packs/index.toml",
            &index.replace(&format!("\"{pack}\", "), ""),
        );
        let drop: Vec<String> = files
            .paths()
            .filter(|p| p.starts_with(&format!("packs/{pack}/")))
            .cloned()
            .collect();
        for p in drop {
            files.remove(&p);
        }
        exctl_data::load(&files).unwrap()
    }

    #[test]
    fn a_data_change_names_the_products_and_held_orders_it_moves() {
        let old = exctl_data::load(&Files::bundled()).unwrap();
        let new = without("accord");
        let products = crate::products::Products::from_versions(vec![
            product("Acme Big", 2000.0),
            product("Acme Small", 1.0),
        ]);
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let moved = product_impact(&old, &new, &products, date);
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert_eq!(moved[0].product, "Acme Big");
        assert!(moved[0].before.iter().any(|c| c.starts_with("accord:")));
        assert!(!moved[0].after.iter().any(|c| c.starts_with("accord:")));
        assert!(product_impact(&old, &old, &products, date).is_empty());

        let request: crate::check::CheckRequest = serde_json::from_value(serde_json::json!({
            "item": "Acme Big", "to": "CN", "as_of": "2026-12-03"
        }))
        .unwrap();
        let orders = vec![(7, "Acme Big → CN".to_string(), request)];
        let changed = order_impact(&old, &new, &products, &orders, date);
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(changed[0].decision, 7);
        assert_ne!(changed[0].before, changed[0].after);
        assert!(order_impact(&old, &old, &products, &orders, date).is_empty());
    }
}
