//! The item catalog: named accelerators and models with sourced figures.

use crate::itemfile::{build_item, ItemDef, Origin};
use exctl_core::{DataError, Item};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    item: Vec<ItemDef>,
}

/// One catalog entry: the item and where its figures come from.
#[derive(Debug, Clone)]
pub struct Entry {
    pub item: Item,
    pub aliases: Vec<String>,
    pub sources: BTreeMap<String, String>,
    pub notes: Option<String>,
    pub file: String,
    pub pci_device_ids: Vec<u16>,
}

/// Items by name, resolved case- and punctuation-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
    /// Normalised name → index into `entries`.
    keys: BTreeMap<String, usize>,
    /// PCI device id → index into `entries`.
    pci: BTreeMap<u16, usize>,
}

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown item {name:?}{}", suggest(.suggestions))]
pub struct UnknownItem {
    pub name: String,
    pub suggestions: Vec<String>,
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        "; the catalog lists the known items".to_string()
    } else {
        format!("; did you mean {}?", s.join(", "))
    }
}

/// Case-, space-, width- and punctuation-insensitive key.
pub fn normalise(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    // NFKC first: a full-width "Ｈ１００" is the H100.
    name.nfkc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Catalog {
    /// Builds the catalog from files `(name, text)`, in order; a computer may
    /// name an IC defined earlier.
    pub fn from_files(files: &[(String, String)]) -> Result<Catalog, DataError> {
        let mut cat = Catalog::default();
        for (file, text) in files {
            let parsed: CatalogFile =
                toml::from_str(text).map_err(|e| DataError::toml(file, &e, text))?;
            for def in parsed.item {
                let origin = Origin { file, text };
                let item = {
                    let resolve = |n: &str| {
                        cat.resolve(n)
                            .map(|e| e.item.clone())
                            .map_err(|e| e.to_string())
                    };
                    build_item(&def, &origin, &resolve)?
                };
                let idx = cat.entries.len();
                let mut names = vec![item.id.clone(), item.name.clone()];
                names.extend(def.aliases.iter().cloned());
                if let Some(v) = &item.vendor {
                    names.push(format!("{v} {}", item.name));
                }
                for n in &names {
                    let key = normalise(n);
                    if key.is_empty() {
                        continue;
                    }
                    if let Some(&other) = cat.keys.get(&key) {
                        if other != idx {
                            return Err(DataError::in_entry(
                                file,
                                &item.id,
                                format!(
                                    "name {n:?} is already used by {}",
                                    cat.entries[other].item.id
                                ),
                            ));
                        }
                    }
                    cat.keys.insert(key, idx);
                }
                let mut pci_ids = Vec::new();
                for id in &def.pci_device_ids {
                    let v = u16::from_str_radix(
                        id.trim_start_matches("0x").trim_start_matches("0X"),
                        16,
                    )
                    .map_err(|_| {
                        DataError::in_entry(
                            file,
                            &item.id,
                            format!(
                                "pci_device_ids: {id:?} is not a 16-bit hex id like \"0x2330\""
                            ),
                        )
                    })?;
                    if let Some(&other) = cat.pci.get(&v) {
                        return Err(DataError::in_entry(
                            file,
                            &item.id,
                            format!(
                                "PCI device id {id} is already used by {}",
                                cat.entries[other].item.id
                            ),
                        ));
                    }
                    cat.pci.insert(v, idx);
                    pci_ids.push(v);
                }
                cat.entries.push(Entry {
                    pci_device_ids: pci_ids,
                    item,
                    aliases: def.aliases.clone(),
                    sources: def.sources.clone(),
                    notes: def.notes.clone(),
                    file: file.clone(),
                });
            }
        }
        Ok(cat)
    }

    /// Finds an item by id, name or alias in any case and spacing.
    pub fn resolve(&self, name: &str) -> Result<&Entry, UnknownItem> {
        let key = normalise(name);
        if let Some(&i) = self.keys.get(&key) {
            return Ok(&self.entries[i]);
        }
        // A unique vendor-less prefix match ("nvidia-h100-sxm5-80gb" style names).
        let mut scored: Vec<(f64, usize)> = self
            .keys
            .iter()
            .map(|(k, &i)| {
                (
                    rapidfuzz::distance::jaro_winkler::similarity(key.chars(), k.chars()),
                    i,
                )
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut suggestions: Vec<String> = Vec::new();
        for (score, i) in scored {
            if score < 0.75 || suggestions.len() == 3 {
                break;
            }
            let id = &self.entries[i].item.id;
            if !suggestions.contains(id) {
                suggestions.push(id.clone());
            }
        }
        Err(UnknownItem {
            name: name.to_string(),
            suggestions,
        })
    }

    /// The entry for a PCI device id.
    pub fn by_pci_device(&self, id: u16) -> Option<&Entry> {
        self.pci.get(&id).map(|&i| &self.entries[i])
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
