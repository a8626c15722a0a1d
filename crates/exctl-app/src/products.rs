//! Own products: a company's items in the records' product master,
//! checked against the item schema before they are saved, and resolved
//! wherever a catalog name is.
//!
//! An item argument reads as follows:
//! - `catalog:NAME` — the bundled catalog only;
//! - `product:NAME`, `NAME@VERSION` or `product:NAME@VERSION` — the product
//!   master only; without a version, the current one;
//! - `NAME` — the catalog or the product master, whichever has it. A name
//!   both have is refused, never decided by precedence: a product saved
//!   before a new catalog release took its name must be named explicitly.
//!
//! A retired product is refused unless an earlier version is named (to
//! reproduce an old decision). The item carries the version it was read
//! from, so every decision made with it names that version and its hash.

use crate::{bad, bad_field};
use anyhow::Result;
use exctl_core::{DataError, Item, ProductVersionRef};
use exctl_data::itemfile::{build_item, ItemDef, Origin};
use exctl_data::Data;
use exctl_records::products::{product_key, ProductVersion};
use exctl_records::Store;
use serde_json::Value;
use std::collections::HashMap;

/// How deep products may name products as their IC (`ic = "acme-die@2"`).
const MAX_DEPTH: usize = 8;

/// The product master's versions a run resolves items against: loaded once
/// (all of them for a batch, one product's for a single check).
#[derive(Debug, Clone, Default)]
pub struct Products {
    /// Versions by [`product_key`], oldest first.
    versions: HashMap<String, Vec<ProductVersion>>,
}

impl Products {
    /// No products (no instance, or none asked for).
    pub fn none() -> Products {
        Products::default()
    }

    pub fn from_versions(all: Vec<ProductVersion>) -> Products {
        let mut versions: HashMap<String, Vec<ProductVersion>> = HashMap::new();
        for v in all {
            versions.entry(product_key(&v.name)).or_default().push(v);
        }
        for list in versions.values_mut() {
            list.sort_by_key(|v| v.version);
        }
        Products { versions }
    }

    /// Every version of every product: for a batch that may name any.
    pub async fn load(store: &Store) -> Result<Products> {
        Ok(Products::from_versions(store.all_product_versions().await?))
    }

    /// The versions an item argument may need: the product it names and,
    /// transitively, the products its versions name as their IC.
    pub async fn for_item(store: &Store, arg: &str) -> Result<Products> {
        let mut products = Products::none();
        let mut wanted = vec![Reference::parse(arg).name.to_string()];
        while let Some(name) = wanted.pop() {
            let key = product_key(&name);
            if key.is_empty() || products.versions.contains_key(&key) {
                continue;
            }
            let versions = store.product_versions(&name).await?;
            if versions.is_empty() {
                continue;
            }
            for v in &versions {
                if let Some(Value::String(ic)) = v.definition.get("ic") {
                    wanted.push(Reference::parse(ic).name.to_string());
                }
            }
            products.versions.insert(key, versions);
            if products.versions.len() > 64 {
                break;
            }
        }
        Ok(products)
    }

    fn versions(&self, name: &str) -> Option<&[ProductVersion]> {
        self.versions
            .get(&product_key(name))
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// The names of the products not retired, sorted.
    pub fn active_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .versions
            .values()
            .filter_map(|v| v.last())
            .filter(|v| v.status == "active")
            .map(|v| v.name.clone())
            .collect();
        names.sort();
        names
    }
}

/// Where an item argument says to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Either,
    Catalog,
    Product,
}

/// An item argument taken apart.
#[derive(Debug, Clone, Copy)]
struct Reference<'a> {
    place: Place,
    name: &'a str,
    version: Option<&'a str>,
}

impl<'a> Reference<'a> {
    fn parse(arg: &'a str) -> Reference<'a> {
        let arg = arg.trim();
        let (place, rest) = if let Some(r) = strip_prefix_ci(arg, "catalog:") {
            (Place::Catalog, r)
        } else if let Some(r) = strip_prefix_ci(arg, "product:") {
            (Place::Product, r)
        } else {
            (Place::Either, arg)
        };
        match rest.rsplit_once('@') {
            Some((name, version)) if place != Place::Catalog => Reference {
                place: Place::Product,
                name: name.trim(),
                version: Some(version.trim()),
            },
            _ => Reference {
                place,
                name: rest.trim(),
                version: None,
            },
        }
    }
}

/// A version as written after `@`: digits only, from 1, no leading zero.
fn version_number(text: &str) -> Option<i64> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
        && text.len() <= 12;
    ok.then(|| text.parse().ok()).flatten()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// An item argument as the command line and order books take it: an item
/// file (a path ending `.toml` or `.json`, or with a `/`), or else
/// [`resolve`]d; a name that resolves to nothing but is a file on disk is
/// read as the file.
pub fn resolve_arg(data: &Data, products: &Products, arg: &str) -> Result<Item> {
    let looks_like_file = arg.ends_with(".toml") || arg.ends_with(".json") || arg.contains('/');
    if looks_like_file {
        return data.item(arg).map_err(|e| bad_field("item", e.to_string()));
    }
    // A bare name that is neither a catalog item nor a product may be a
    // file; a name refused for a reason (retired, ambiguous) stays refused.
    let unknown = products.versions(Reference::parse(arg).name).is_none()
        && data.catalog.resolve(arg).is_err();
    if unknown && std::path::Path::new(arg).is_file() {
        return data.item(arg).map_err(|e| bad_field("item", e.to_string()));
    }
    resolve(data, products, arg)
}

/// An item as a check uses it: the catalog's, or a product version's.
pub fn resolve(data: &Data, products: &Products, arg: &str) -> Result<Item> {
    resolve_at(data, products, arg, 0)
}

fn resolve_at(data: &Data, products: &Products, arg: &str, depth: usize) -> Result<Item> {
    let r = Reference::parse(arg);
    if r.name.is_empty() {
        return Err(bad_field("item", "empty"));
    }
    let catalog = || data.catalog.resolve(r.name).map(|e| e.item.clone());
    let product = products.versions(r.name);
    match (r.place, product) {
        (Place::Catalog, _) => catalog().map_err(|e| bad_field("item", e.to_string())),
        (Place::Product, None) => Err(bad_field(
            "item",
            format!(
                "no product {:?} in the product master{}",
                r.name,
                known_hint(products)
            ),
        )),
        (Place::Product, Some(versions)) => {
            version_item(data, products, versions, r.version, depth)
        }
        (Place::Either, None) => catalog().map_err(|e| bad_field("item", e.to_string())),
        (Place::Either, Some(versions)) => match catalog() {
            Ok(item) => Err(bad_field(
                "item",
                format!(
                    "{:?} names both the catalog item {} and the product {:?}; write catalog:{} or product:{}",
                    r.name, item.id, versions[0].name, r.name, r.name
                ),
            )),
            Err(_) => version_item(data, products, versions, None, depth),
        },
    }
}

fn known_hint(products: &Products) -> String {
    if products.is_empty() {
        String::new()
    } else {
        let mut names: Vec<&str> = products
            .versions
            .values()
            .filter_map(|v| v.last().map(|p| p.name.as_str()))
            .collect();
        names.sort();
        names.truncate(10);
        format!(" (known: {})", names.join(", "))
    }
}

fn version_item(
    data: &Data,
    products: &Products,
    versions: &[ProductVersion],
    version: Option<&str>,
    depth: usize,
) -> Result<Item> {
    let current = versions.last().expect("versions are never empty");
    let chosen = match version {
        None => {
            if current.status == "retired" {
                let hint = versions
                    .iter()
                    .rev()
                    .find(|v| v.status == "active")
                    .map(|v| {
                        format!(
                            "; name an earlier version ({}@{}) to reproduce an older decision",
                            v.name, v.version
                        )
                    })
                    .unwrap_or_default();
                return Err(bad_field(
                    "item",
                    format!(
                        "product {:?} was retired in version {} ({}){hint}",
                        current.name, current.version, current.reason
                    ),
                ));
            }
            current
        }
        Some(text) => {
            let n = version_number(text).ok_or_else(|| {
                bad_field(
                    "item",
                    format!("{text:?} after `@` is not a version number"),
                )
            })?;
            let v = versions.iter().find(|v| v.version == n).ok_or_else(|| {
                bad_field(
                    "item",
                    format!(
                        "product {:?} has no version {n} (versions 1 to {})",
                        current.name, current.version
                    ),
                )
            })?;
            if v.status == "retired" {
                return Err(bad_field(
                    "item",
                    format!(
                        "version {n} of {:?} retired it; name version {} for its last definition",
                        v.name,
                        n - 1
                    ),
                ));
            }
            v
        }
    };
    let label = format!("product {}@{}", chosen.name, chosen.version);
    let mut item = item_of(data, products, &chosen.definition, &label, depth)
        .map_err(|e| bad_field("item", e.to_string()))?;
    // Its own namespace: no catalog id has a `:`, and the key survives a
    // change of the name's spelling, so a licence for it keeps matching.
    item.id = format!("product:{}", product_key(&chosen.name));
    item.product = Some(ProductVersionRef {
        name: chosen.name.clone(),
        version: chosen.version,
        sha256: chosen.sha256.clone(),
    });
    Ok(item)
}

/// Builds an item from a stored or submitted definition; `ic = "NAME"`
/// names a catalog item or a product version (`NAME@VERSION`: a product's
/// IC is pinned, so a later change to it does not change this product).
fn item_of(
    data: &Data,
    products: &Products,
    definition: &Value,
    label: &str,
    depth: usize,
) -> Result<Item, DataError> {
    let def: ItemDef = serde_json::from_value(definition.clone())
        .map_err(|e| DataError::new(label, format!("definition: {e}")))?;
    build_definition(data, products, &def, label, "", depth)
}

fn build_definition(
    data: &Data,
    products: &Products,
    def: &ItemDef,
    label: &str,
    text: &str,
    depth: usize,
) -> Result<Item, DataError> {
    let resolve_ic = |n: &str| -> Result<Item, String> {
        if depth >= MAX_DEPTH {
            return Err(format!(
                "products name each other more than {MAX_DEPTH} deep"
            ));
        }
        let r = Reference::parse(n);
        let unpinned_product = r.place != Place::Catalog
            && r.version.is_none()
            && products.versions(r.name).is_some()
            && data.catalog.resolve(r.name).is_err();
        if unpinned_product {
            return Err(format!(
                "{n:?} is a product: name its version ({n}@N) so that a later change to it does not change this one"
            ));
        }
        resolve_at(data, products, n, depth + 1).map_err(|e| e.to_string())
    };
    build_item(def, &Origin { file: label, text }, &resolve_ic)
}

/// A product definition checked for saving: its name, the definition as
/// canonical JSON input, and the item it makes.
#[derive(Debug, Clone)]
pub struct Checked {
    pub name: String,
    pub definition: Value,
    pub item: Item,
}

/// Checks definitions before anything is saved: each must be a valid item
/// (the item file schema), its name must not be a catalog name, and no
/// name may come twice. `origin` names where they came from in errors.
///
/// The item is also validated as a check would validate it on `today`
/// (a declared kind, declared parameters of their types and sets), and its
/// derived figures must be finite: what is saved can be checked.
pub fn check_definitions(
    data: &Data,
    products: &Products,
    origin: &str,
    text: &str,
    definitions: Vec<Value>,
    today: chrono::NaiveDate,
) -> Result<Vec<Checked>> {
    if definitions.is_empty() {
        return Err(bad(format!("{origin}: no item definition in it")));
    }
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(definitions.len());
    let several = definitions.len() > 1;
    for (i, definition) in definitions.into_iter().enumerate() {
        // "file: item 2: …" where a file holds several.
        let at = if several {
            format!("{origin}: item {}", i + 1)
        } else {
            origin.to_string()
        };
        let mut definition = definition;
        let def: ItemDef =
            serde_json::from_value(definition.clone()).map_err(|e| bad(format!("{at}: {e}")))?;
        let name = exctl_records::products::check_product_name(&def.name)
            .map_err(|e| bad(format!("{at}: {e}")))?;
        // Stored under its plain name: what `products show` and checks say.
        definition["name"] = Value::String(name.clone());
        // The catalog's own lookups; a product is found by its name only.
        for (field, used) in [
            ("aliases", !def.aliases.is_empty()),
            ("pci_device_ids", !def.pci_device_ids.is_empty()),
        ] {
            if used {
                return Err(bad(format!(
                    "{at}: field `{field}`: not taken for a product (it is found by its name); remove it"
                )));
            }
        }
        // A product's identity is its name: an `id` of its own could be a
        // catalog item's, and a licence for that item would cover it.
        if def.id.is_some() {
            return Err(bad(format!(
                "{at}: field `id`: a product is named by its `name` only; remove `id`"
            )));
        }
        if let Ok(entry) = data.catalog.resolve(&name) {
            return Err(bad(format!(
                "{at}: name {name:?} is the catalog item {}; give your product a name of its own",
                entry.item.id
            )));
        }
        if let Some(first) = seen.insert(product_key(&name), name.clone()) {
            return Err(bad(format!(
                "{at}: {name:?} is the same product as {first:?} above"
            )));
        }
        let item = build_definition(data, products, &def, origin, text, 0)
            .map_err(|e| bad(e.to_string()))?;
        let query = exctl_core::Query::classify(&item, today);
        data.engine
            .validate(&query)
            .map_err(|e| bad(format!("{at}: {e}")))?;
        let m = item.metrics_with(data.engine.h100_tpp);
        for (figure, v) in [
            ("TPP", m.tpp),
            ("performance density", m.pd),
            ("training compute", m.training_flop),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(bad(format!(
                    "{at}: its {figure} is not a finite number: check the figures it is derived from"
                )));
            }
        }
        out.push(Checked {
            name,
            definition,
            item,
        });
    }
    Ok(out)
}

/// The definitions in an item file's text (see
/// [`exctl_data::itemfile::definitions_in`]), as bad input when unreadable.
pub fn definitions_in(file: &str, text: &str) -> Result<Vec<Value>> {
    exctl_data::itemfile::definitions_in(file, text).map_err(|e| bad(e.to_string()))
}

/// Saves checked definitions, each as its product's next version (an
/// unchanged one writes nothing).
pub async fn save(
    store: &Store,
    checked: &[Checked],
    reason: Option<&str>,
    based_on: Option<i64>,
) -> Result<Vec<exctl_records::Saved>> {
    let batch: Vec<(&str, &Value)> = checked
        .iter()
        .map(|c| (c.name.as_str(), &c.definition))
        .collect();
    Ok(store.save_products(&batch, reason, based_on).await?)
}

/// An item argument resolved against the catalog and, when there is an
/// instance, its product master (loading only the versions it may need).
pub async fn resolve_in(data: &Data, store: Option<&Store>, arg: &str) -> Result<Item> {
    let products = match store {
        Some(s) if !arg.trim().to_lowercase().starts_with("catalog:") => {
            Products::for_item(s, arg).await?
        }
        _ => Products::none(),
    };
    resolve(data, &products, arg)
}

/// A product version as every shell shows it: the stored version with the
/// item's kind, vendor and metrics (TPP, performance density…) computed
/// from its definition.
pub fn version_json(data: &Data, products: &Products, v: &ProductVersion) -> Value {
    let label = format!("product {}@{}", v.name, v.version);
    let mut out = serde_json::to_value(v).unwrap_or_default();
    match item_of(data, products, &v.definition, &label, 0) {
        Ok(item) => {
            out["kind"] = Value::from(item.kind.name());
            out["vendor"] = serde_json::to_value(&item.vendor).unwrap_or_default();
            out["metrics"] =
                serde_json::to_value(item.metrics_with(data.engine.h100_tpp)).unwrap_or_default();
        }
        // Saved definitions were checked; one that no longer builds (a
        // catalog IC renamed by a new release) is shown with why.
        Err(e) => out["problem"] = Value::from(e.to_string()),
    }
    out
}

/// A product: its current version and every version, oldest first.
pub fn product_json(data: &Data, products: &Products, versions: &[ProductVersion]) -> Value {
    let Some(current) = versions.last() else {
        return Value::Null;
    };
    let mut out = version_json(data, products, current);
    out["versions"] = Value::Array(
        versions
            .iter()
            .map(|v| {
                serde_json::json!({
                    "version": v.version,
                    "current": v.version == current.version,
                    "status": v.status,
                    "sha256": v.sha256,
                    "reason": v.reason,
                    "recorded_at": v.recorded_at,
                    "actor": v.actor,
                })
            })
            .collect(),
    );
    out
}

/// The current version of every product, by name.
pub fn list_json(data: &Data, products: &Products) -> Value {
    let mut current: Vec<&ProductVersion> = products
        .versions
        .values()
        .filter_map(|v| v.last())
        .collect();
    current.sort_by_key(|v| product_key(&v.name));
    Value::Array(
        current
            .into_iter()
            .map(|v| version_json(data, products, v))
            .collect(),
    )
}

impl Products {
    /// The versions of one product, oldest first (empty when unknown).
    pub fn versions_of(&self, name: &str) -> &[ProductVersion] {
        self.versions(name).unwrap_or(&[])
    }
}

/// A product (`NAME`) or one version of it (`NAME@VERSION`) as
/// `products show` and the API give it: the version's definition, metrics
/// and the list of every version.
pub fn show_json(data: &Data, products: &Products, arg: &str) -> Result<Value> {
    let r = Reference::parse(arg);
    if r.place == Place::Catalog {
        return Err(bad_field(
            "name",
            "a catalog item is not a product (see the catalog)",
        ));
    }
    let versions = products.versions_of(r.name);
    if versions.is_empty() {
        return Err(anyhow::Error::from(exctl_records::Error::NotFound(
            format!("no product {:?}{}", r.name, known_hint(products)),
        )));
    }
    let mut out = product_json(data, products, versions);
    if let Some(text) = r.version {
        let n = version_number(text).ok_or_else(|| {
            bad_field(
                "name",
                format!("{text:?} after `@` is not a version number"),
            )
        })?;
        let v = versions.iter().find(|v| v.version == n).ok_or_else(|| {
            anyhow::Error::from(exctl_records::Error::NotFound(format!(
                "product {:?} has no version {n} (versions 1 to {})",
                versions[0].name,
                versions.len()
            )))
        })?;
        let all = out["versions"].take();
        out = version_json(data, products, v);
        out["versions"] = all;
    }
    if let Some(last) = versions.last() {
        out["current_version"] = Value::from(last.version);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn version(name: &str, n: i64, status: &str, definition: Value) -> ProductVersion {
        ProductVersion {
            name: name.into(),
            version: n,
            status: status.into(),
            sha256: exctl_records::products::definition_hash(&definition),
            definition,
            reason: "r".into(),
            recorded_at: "2026-12-01T00:00:00Z".into(),
            actor: "t".into(),
        }
    }

    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn data() -> Data {
        exctl_data::load(&exctl_data::Files::bundled()).expect("bundled data")
    }

    fn refused(r: Result<Item>) -> String {
        r.expect_err("refused").to_string()
    }

    #[test]
    fn names_resolve_to_the_catalog_or_a_pinned_product_version_never_by_precedence() {
        let data = data();
        let die = json!({"kind": "ic", "name": "Acme Die", "throughput": {"fp16": 100.0}});
        let die2 = json!({"kind": "ic", "name": "Acme Die", "throughput": {"fp16": 200.0}});
        let products = Products::from_versions(vec![
            version("Acme Die", 1, "active", die.clone()),
            version("Acme Die", 2, "active", die2),
            // Saved before a catalog release took the name.
            version("H100", 1, "active", json!({"kind": "ic", "name": "H100"})),
            version("Old", 1, "active", json!({"kind": "ic", "name": "Old"})),
            version("Old", 2, "retired", json!({"kind": "ic", "name": "Old"})),
        ]);
        let current = resolve(&data, &products, "acme die").unwrap();
        assert_eq!(current.product.as_ref().unwrap().version, 2);
        assert_eq!(current.id, "product:acmedie", "a namespace of its own");
        let first = resolve(&data, &products, "Acme Die@1").unwrap();
        assert_eq!(first.product.as_ref().unwrap().version, 1);
        assert_eq!(
            first.product.unwrap().sha256,
            exctl_records::products::definition_hash(&die)
        );
        assert!(resolve(&data, &products, "product:acme-die@ 2").is_ok());
        // A name both have is refused, naming both ways out.
        let e = refused(resolve(&data, &products, "h100"));
        assert!(e.contains("write catalog:h100 or product:h100"), "{e}");
        assert!(resolve(&data, &products, "catalog:h100")
            .unwrap()
            .product
            .is_none());
        assert!(resolve(&data, &products, "product:h100").is_ok());
        // Retired: refused unless an earlier version is named.
        let e = refused(resolve(&data, &products, "old"));
        assert!(
            e.contains("retired in version 2") && e.contains("Old@1"),
            "{e}"
        );
        assert!(resolve(&data, &products, "Old@1").is_ok());
        assert!(refused(resolve(&data, &products, "Old@2")).contains("retired it"));
        assert!(refused(resolve(&data, &products, "Acme Die@x")).contains("not a version"));
        assert!(refused(resolve(&data, &products, "Acme Die@7")).contains("no version 7"));
        assert!(refused(resolve(&data, &products, "product:nothing")).contains("no product"));
        assert!(refused(resolve(&data, &products, "")).contains("empty"));
    }

    #[test]
    fn a_product_names_another_products_version_as_its_ic_not_the_current_one() {
        let data = data();
        let die = json!({"kind": "ic", "name": "Acme Die", "throughput": {"fp16": 100.0}, "datacenter": true});
        let products = Products::from_versions(vec![version("Acme Die", 1, "active", die.clone())]);
        let server = |ic: &str| {
            vec![json!({"kind": "computer", "name": "Acme Server", "ic": ic, "ic_count": 8})]
        };
        let ok =
            check_definitions(&data, &products, "s.toml", "", server("Acme Die@1"), day()).unwrap();
        // A computer is measured by its IC: version 1, 100 TFLOPS at 16 bits.
        assert_eq!(ok[0].item.metrics().tpp, Some(100.0 * 16.0));
        let e = check_definitions(&data, &products, "s.toml", "", server("Acme Die"), day())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("name its version"), "{e}");
        assert!(check_definitions(&data, &products, "s.toml", "", server("h100"), day()).is_ok());
        // Two items of one name in one file, and a catalog name, are refused.
        let twice = vec![die.clone(), json!({"kind": "ic", "name": "acme-die"})];
        let e = check_definitions(&data, &products, "f.toml", "", twice, day())
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("f.toml: item 2") && e.contains("same product"),
            "{e}"
        );
        let e = check_definitions(
            &data,
            &products,
            "f.toml",
            "",
            vec![json!({"kind": "ic", "name": "MI300X"})],
            day(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("catalog item"), "{e}");
    }

    #[test]
    fn what_is_saved_can_be_checked_and_names_are_plain() {
        let data = data();
        let none = Products::none();
        let one = |def: Value| {
            check_definitions(&data, &none, "p.toml", "", vec![def], day())
                .map(|mut v| v.remove(0))
                .map_err(|e| e.to_string())
        };
        for (def, says) in [
            (json!({"kind": "gpu", "name": "K"}), "gpu"),
            (
                json!({"kind": "ic", "name": "P", "params": {"qubitz": 5}}),
                "qubitz",
            ),
            (
                json!({"kind": "ic", "name": "A", "aliases": ["h100"]}),
                "aliases",
            ),
            (json!({"kind": "ic", "name": "Ｈ１００"}), "catalog item"),
            (
                json!({"kind": "ic", "name": "D", "throughput": {"FP8": 4000.0, "fp8": 100.0}}),
                "given twice",
            ),
            (
                json!({"kind": "ic", "name": "Big", "throughput": {"fp16": 1e308}, "die_area_mm2": 1e-300}),
                "not a finite number",
            ),
        ] {
            let e = one(def).expect_err(says);
            assert!(e.contains(says), "{says}: {e}");
        }
        let plain = one(json!({"kind": "ic", "name": "  acme   x1 "})).unwrap();
        assert_eq!(plain.name, "acme x1");
        assert_eq!(plain.definition["name"], "acme x1", "stored plain");
        // Versions are digits from 1.
        for bad in ["01", "+1", "-1", "1.5", "", "x"] {
            assert_eq!(version_number(bad), None, "{bad:?}");
        }
        assert_eq!(version_number("12"), Some(12));
    }
}
