//! `exctl inventory`: the GPUs a machine or a fleet has, mapped to the
//! catalog (PCI device id first, then name) and classified under every pack.

use chrono::NaiveDate;
use exctl_core::{Decision, Query};
use exctl_data::Data;
use exctl_inventory::Gpu;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One GPU with what exctl makes of it.
#[derive(Serialize)]
pub struct Classified {
    #[serde(flatten)]
    pub gpu: Gpu,
    /// Catalog item it maps to, if any.
    pub catalog_id: Option<String>,
    /// `pci-device-id`, `name`, or absent.
    pub matched_by: Option<&'static str>,
    /// `needs_info` when the GPU is not in the catalog.
    pub status: &'static str,
    pub classification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

#[derive(Serialize)]
pub struct Report {
    pub as_of: NaiveDate,
    pub gpus: Vec<Classified>,
    pub summary: Summary,
}

#[derive(Serialize)]
pub struct Summary {
    pub by_model: BTreeMap<String, usize>,
    pub by_classification: BTreeMap<String, usize>,
}

pub fn classify(data: &Data, gpus: Vec<Gpu>, as_of: NaiveDate, jurisdictions: &[String]) -> Report {
    let mut out = Vec::new();
    let mut by_model = BTreeMap::new();
    let mut by_classification = BTreeMap::new();
    for gpu in gpus {
        let by_id = gpu
            .pci_device_id
            .filter(|_| gpu.pci_vendor_id.is_none_or(|v| v == 0x10de))
            .and_then(|id| data.catalog.by_pci_device(id));
        let by_name = || {
            let n = gpu.name.trim();
            data.catalog
                .resolve(n)
                .or_else(|_| data.catalog.resolve(n.trim_start_matches("NVIDIA ")))
                .ok()
        };
        let (entry, matched_by) = match by_id {
            Some(e) => (Some(e), Some("pci-device-id")),
            None => match by_name() {
                Some(e) => (Some(e), Some("name")),
                None => (None, None),
            },
        };
        let (status, classification, decision) = match entry {
            Some(e) => {
                let q = Query { jurisdictions: jurisdictions.to_vec(), ..Query::classify(&e.item, as_of) };
                let d = data.engine.decide(&q);
                let c = d
                    .determinations
                    .iter()
                    .map(|x| {
                        let what = if x.controls.is_empty() {
                            if x.questions.is_empty() { "-".to_string() } else { "needs info".to_string() }
                        } else {
                            x.controls.join(",")
                        };
                        format!("{}: {what}", x.jurisdiction)
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                ("classified", c, Some(d))
            }
            None => (
                "needs_info",
                "needs_info: not in the catalog; add it as an item file with its dense throughput, die area and bandwidths".to_string(),
                None,
            ),
        };
        let model = entry.map_or_else(|| format!("{} (unknown)", gpu.name), |e| e.item.id.clone());
        *by_model.entry(model).or_insert(0) += 1;
        *by_classification.entry(classification.clone()).or_insert(0) += 1;
        out.push(Classified {
            catalog_id: entry.map(|e| e.item.id.clone()),
            matched_by,
            status,
            classification,
            decision,
            gpu,
        });
    }
    Report {
        as_of,
        gpus: out,
        summary: Summary {
            by_model,
            by_classification,
        },
    }
}

pub fn text(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} GPU(s) as of {}", r.gpus.len(), r.as_of);
    for g in &r.gpus {
        let host = g
            .gpu
            .host
            .as_deref()
            .map(|h| format!("{h} "))
            .unwrap_or_default();
        let id = g
            .gpu
            .pci_device_id
            .map(|d| format!("{d:#06x}"))
            .unwrap_or_else(|| "?".into());
        let mem = g
            .gpu
            .memory_mib
            .map(|m| format!(", {m} MiB"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "\n{host}GPU {} — {} (PCI {id}{mem}) from {}",
            g.gpu.index, g.gpu.name, g.gpu.source
        );
        match (&g.catalog_id, g.matched_by) {
            (Some(c), Some(by)) => {
                let _ = writeln!(s, "  catalog: {c} (matched by {by})");
            }
            _ => {
                let _ = writeln!(s, "  catalog: not found");
            }
        }
        let _ = writeln!(s, "  {}", g.classification);
    }
    let _ = writeln!(s, "\nsummary by model:");
    for (m, n) in &r.summary.by_model {
        let _ = writeln!(s, "  {n:>5} × {m}");
    }
    let _ = writeln!(s, "summary by classification:");
    for (c, n) in &r.summary.by_classification {
        let _ = writeln!(s, "  {n:>5} × {c}");
    }
    s
}
