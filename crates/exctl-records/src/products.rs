//! The product master: a company's own items, versioned.
//!
//! Every change is a new row (a version) with its reason and actor, audited
//! like every record; nothing is updated or deleted. The store keeps the
//! definition as given (canonical JSON) and trusts the caller to have
//! checked it: what makes a definition valid is the item schema, which
//! lives above this crate.

use crate::audit::{self, WriteTx};
use crate::store::Store;
use crate::Error;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Most characters of a product's name.
pub const MAX_PRODUCT_NAME: usize = 100;
/// Most characters of a change's reason.
pub const MAX_PRODUCT_REASON: usize = 4000;
/// Most bytes of a definition.
pub const MAX_DEFINITION_BYTES: usize = 64 * 1024;

/// One version of a product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductVersion {
    pub name: String,
    pub version: i64,
    /// `active`, or `retired` (the version that retired the product).
    pub status: String,
    /// The item definition (the item file schema), canonical JSON.
    pub definition: Value,
    /// SHA-256 of the canonical definition: what a decision pins.
    pub sha256: String,
    /// Why this version was made.
    pub reason: String,
    pub recorded_at: String,
    pub actor: String,
}

/// What [`Store::save_product`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saved {
    #[serde(flatten)]
    pub product: ProductVersion,
    /// False when the definition was the current one already: nothing was
    /// written.
    pub created: bool,
}

/// The key a product is found by: letters and digits, lower case, as
/// catalog names are folded ("Acme X-1" and "acme x1" are one product).
pub fn product_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    // NFKC first: a full-width "Ｈ１００" is "H100".
    name.nfkc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Canonical JSON: object keys sorted at every level, no spaces; the
/// same definition always hashes the same.
pub fn canonical_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = serde_json::Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            // 500 and 500.0 are one figure: whole numbers print as integers.
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    Value::from(f as i64)
                }
                _ => Value::Number(n.clone()),
            },
            other => other.clone(),
        }
    }
    // serde_json may keep insertion order (a feature another crate can
    // turn on); the keys are inserted sorted, so either way they print sorted.
    sorted(v).to_string()
}

/// SHA-256 of the canonical JSON, hex.
pub fn definition_hash(v: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(v).as_bytes()))
}

const PRODUCT_SELECT: &str =
    "SELECT name, version, status, definition, sha256, reason, recorded_at, actor FROM products";

fn product_from_row(r: &AnyRow) -> Result<ProductVersion, Error> {
    let definition: String = r.try_get(3)?;
    Ok(ProductVersion {
        name: r.try_get(0)?,
        version: r.try_get(1)?,
        status: r.try_get(2)?,
        definition: serde_json::from_str(&definition)
            .map_err(|e| Error::Corrupt(format!("stored product definition: {e}")))?,
        sha256: r.try_get(4)?,
        reason: r.try_get(5)?,
        recorded_at: r.try_get(6)?,
        actor: r.try_get(7)?,
    })
}

/// A name a product may have: not empty, not too long, with a letter or
/// digit, and none of `@ : /` (they pin a version, name a namespace or a
/// file where an item is asked for).
pub fn check_product_name(name: &str) -> Result<String, Error> {
    use unicode_normalization::UnicodeNormalization as _;
    // Stored as NFKC with single spaces: "  acme   x1 " is "acme x1", and a
    // full-width name is its plain form.
    let folded: String = name.nfkc().collect();
    let n = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = n.as_str();
    if let Some(c) = folded.chars().find(|c| is_invisible(*c)) {
        return Err(Error::Invalid(format!(
            "name: the invisible character U+{:04X} is not allowed in a product name",
            u32::from(c)
        )));
    }
    if n.is_empty() {
        return Err(Error::Invalid("name: empty".into()));
    }
    if n.chars().count() > MAX_PRODUCT_NAME {
        return Err(Error::Invalid(format!(
            "name: longer than {MAX_PRODUCT_NAME} characters"
        )));
    }
    if let Some(c) = n
        .chars()
        .find(|c| matches!(c, '@' | ':' | '/' | '\\') || c.is_control())
    {
        return Err(Error::Invalid(format!(
            "name: {c:?} is not allowed in a product name (`@` pins a version, `:` names where to look, `/` a file)"
        )));
    }
    if product_key(n).is_empty() {
        return Err(Error::Invalid(
            "name: needs at least one letter or digit".into(),
        ));
    }
    let lower = n.to_lowercase();
    if lower.ends_with(".toml") || lower.ends_with(".json") {
        return Err(Error::Invalid(format!(
            "name: {n:?} reads as an item file name"
        )));
    }
    Ok(n.to_string())
}

/// Format and direction controls (U+200B–U+200F, U+202A–U+202E,
/// U+2060–U+206F, U+FEFF): they change how a name looks, not what it says.
fn is_invisible(c: char) -> bool {
    // Hangul fillers are letters that print as nothing.
    matches!(
        u32::from(c),
        0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xFEFF
            | 0xAD
            | 0x115F
            | 0x1160
            | 0x3164
            | 0xFFA0
    )
}

fn checked_reason(reason: &str) -> Result<String, Error> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::Invalid("reason: empty".into()));
    }
    if r.chars().count() > MAX_PRODUCT_REASON {
        return Err(Error::Invalid(format!(
            "reason: longer than {MAX_PRODUCT_REASON} characters"
        )));
    }
    Ok(r.to_string())
}

impl Store {
    /// Saves a product's definition as its next version, or as version 1 of
    /// a new product: [`Store::save_products`] with one.
    pub async fn save_product(
        &self,
        name: &str,
        definition: &Value,
        reason: Option<&str>,
    ) -> Result<Saved, Error> {
        let mut saved = self
            .save_products(&[(name, definition)], reason, None)
            .await?;
        Ok(saved.remove(0))
    }

    /// Saves definitions in one transaction, each as its product's next
    /// version or as version 1 of a new product. An unchanged definition of
    /// an active product writes nothing (`created: false`), so importing
    /// the same file twice makes no version. Saving a retired product's
    /// definition makes it active again. A change to an existing product
    /// needs a reason; a new one is "created" without one. Nothing is saved
    /// unless all are.
    ///
    /// `based_on`, for a batch of one, is the version the change was made
    /// from (an edit in the UI): if another version was saved since, the
    /// save is refused rather than silently replacing it.
    pub async fn save_products(
        &self,
        batch: &[(&str, &Value)],
        reason: Option<&str>,
        based_on: Option<i64>,
    ) -> Result<Vec<Saved>, Error> {
        if based_on.is_some() && batch.len() != 1 {
            return Err(Error::Invalid(
                "based_on: only for saving one product".into(),
            ));
        }
        if let Some(b) = based_on.filter(|b| *b < 0) {
            return Err(Error::Invalid(format!(
                "based_on: {b} is not a version (0 for a new product, else the version edited)"
            )));
        }
        let reason = reason.map(checked_reason).transpose()?;
        let mut prepared = Vec::with_capacity(batch.len());
        let mut keys = std::collections::HashSet::new();
        for (name, definition) in batch {
            let name = check_product_name(name)?;
            if !keys.insert(product_key(&name)) {
                return Err(Error::Invalid(format!(
                    "name: {name:?} comes twice in one save"
                )));
            }
            let canonical = canonical_json(definition);
            if canonical.len() > MAX_DEFINITION_BYTES {
                return Err(Error::Invalid(format!(
                    "definition of {name:?}: {} bytes; the limit is {MAX_DEFINITION_BYTES}",
                    canonical.len()
                )));
            }
            let sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
            prepared.push((name, canonical, sha256));
        }
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(prepared.len());
        for (name, canonical, sha256) in prepared {
            let key = product_key(&name);
            let latest = self.latest_in(&mut tx, &key).await?;
            match (based_on, latest.as_ref().map(|l| l.version)) {
                (Some(0), Some(now)) => {
                    return Err(Error::Rejected(format!(
                        "a product {name:?} exists already (version {now}): open it and edit it as a new version, or give this product another name"
                    )))
                }
                (Some(base), None) if base > 0 => {
                    return Err(Error::NotFound(format!(
                        "based_on: there is no product {name:?} to have a version {base}"
                    )))
                }
                (Some(base), Some(now)) if now != base => {
                    return Err(Error::Rejected(format!(
                        "{name:?} is at version {now}, not {base}: the edit started from an older version (a change saved since, or an earlier version opened); open the current version and edit again"
                    )))
                }
                _ => {}
            }
            if let Some(l) = latest.as_ref().filter(|l| l.name != name) {
                // Names that fold alike are one product: a new product
                // never becomes another's next version unseen.
                return Err(Error::Rejected(format!(
                    "{name:?} is the product {:?} (their names differ only in case or punctuation): write its name as {:?} to save a new version of it, or give this product another name",
                    l.name, l.name
                )));
            }
            if let Some(l) = &latest {
                if l.sha256 == sha256 && l.status == "active" {
                    out.push(Saved {
                        product: l.clone(),
                        created: false,
                    });
                    continue;
                }
            }
            let why = match (&reason, &latest) {
                (Some(r), _) => r.clone(),
                (None, None) => "created".to_string(),
                (None, Some(l)) if l.status == "retired" => {
                    return Err(Error::Invalid(format!(
                        "reason: bringing back product {:?} (retired in version {}) needs a reason",
                        l.name, l.version
                    )))
                }
                (None, Some(l)) => {
                    return Err(Error::Invalid(format!(
                        "reason: a change to product {:?} (now version {}) needs a reason",
                        l.name, l.version
                    )))
                }
            };
            let version = latest.as_ref().map_or(1, |l| l.version + 1);
            let product = self
                .insert_version(
                    &mut tx,
                    (&key, &name, version),
                    "active",
                    &canonical,
                    &sha256,
                    &why,
                )
                .await?;
            out.push(Saved {
                product,
                created: true,
            });
        }
        self.commit(tx).await?;
        Ok(out)
    }

    /// Retires a product: a new version, the definition unchanged, that no
    /// new check may use unless it names an earlier version.
    pub async fn retire_product(&self, name: &str, reason: &str) -> Result<ProductVersion, Error> {
        // A product, never a version of it (`NAME@2`) or a catalog item.
        let bare = match name.trim().get(..8) {
            Some(p) if p.eq_ignore_ascii_case("product:") => &name.trim()[8..],
            _ => name,
        };
        if bare.contains('@') {
            return Err(Error::Invalid(format!(
                "name: {name:?} names a version; a product is retired as a whole: name the product alone"
            )));
        }
        let name = check_product_name(bare)?;
        let name = name.as_str();
        let reason = checked_reason(reason)?;
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let key = product_key(name);
        let latest = self
            .latest_in(&mut tx, &key)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no product {:?}", name.trim())))?;
        if latest.status == "retired" {
            return Err(Error::Rejected(format!(
                "product {:?} was retired already (version {})",
                latest.name, latest.version
            )));
        }
        let product = self
            .insert_version(
                &mut tx,
                (&key, &latest.name, latest.version + 1),
                "retired",
                &canonical_json(&latest.definition),
                &latest.sha256,
                &reason,
            )
            .await?;
        self.commit(tx).await?;
        Ok(product)
    }

    async fn insert_version(
        &self,
        tx: &mut WriteTx,
        (key, name, version): (&str, &str, i64),
        status: &str,
        canonical: &str,
        sha256: &str,
        reason: &str,
    ) -> Result<ProductVersion, Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO products (product_key, name, version, status, definition, sha256, reason, recorded_at, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {}",
            audit::returning("products")
        )))
        .bind(key)
        .bind(name)
        .bind(version)
        .bind(status)
        .bind(canonical)
        .bind(sha256)
        .bind(reason)
        .bind(crate::now())
        .bind(&self.actor)
        .fetch_one(&mut **tx)
        .await?;
        let action = if status == "retired" {
            "retire"
        } else if version == 1 {
            "create"
        } else {
            "revise"
        };
        let id = self.audit_returned(tx, action, "products", &row).await?;
        let row = sqlx::query(AssertSqlSafe(format!("{PRODUCT_SELECT} WHERE id = $1")))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        product_from_row(&row)
    }

    async fn latest_in(
        &self,
        tx: &mut WriteTx,
        key: &str,
    ) -> Result<Option<ProductVersion>, Error> {
        sqlx::query(AssertSqlSafe(format!(
            "{PRODUCT_SELECT} WHERE product_key = $1 ORDER BY version DESC LIMIT 1"
        )))
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(product_from_row)
        .transpose()
    }

    /// Every version of the product named (folded as [`product_key`]),
    /// oldest first; empty when there is no such product.
    pub async fn product_versions(&self, name: &str) -> Result<Vec<ProductVersion>, Error> {
        sqlx::query(AssertSqlSafe(format!(
            "{PRODUCT_SELECT} WHERE product_key = $1 ORDER BY version"
        )))
        .bind(product_key(name))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(product_from_row)
        .collect()
    }

    /// The current version of every product, retired ones included, by name.
    pub async fn products(&self) -> Result<Vec<ProductVersion>, Error> {
        sqlx::query(AssertSqlSafe(format!(
            "{PRODUCT_SELECT} p WHERE version = (SELECT MAX(version) FROM products q WHERE q.product_key = p.product_key) ORDER BY product_key"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(product_from_row)
        .collect()
    }

    /// Every version of every product, by name then version: what a batch
    /// of checks resolves its items against.
    pub async fn all_product_versions(&self) -> Result<Vec<ProductVersion>, Error> {
        sqlx::query(AssertSqlSafe(format!(
            "{PRODUCT_SELECT} ORDER BY product_key, version"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(product_from_row)
        .collect()
    }
}
