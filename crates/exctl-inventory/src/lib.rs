//! # exctl-inventory
//!
//! What accelerators a machine actually has. Reads the local NVIDIA GPUs
//! through NVML (the library is loaded at run time, so nothing NVIDIA is
//! needed to build), or `nvidia-smi -q -x` reports collected from other
//! hosts. Mapping a GPU to the catalog and classifying it is the caller's
//! job; this crate only reads.

use serde::Serialize;
use std::path::Path;

/// One GPU as read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gpu {
    /// Where it was read: `local` or the report file.
    pub source: String,
    /// Host name where the report gives one.
    pub host: Option<String>,
    pub index: u32,
    pub name: String,
    /// PCI device id (upper 16 bits of NVML's combined id), e.g. 0x2330.
    pub pci_device_id: Option<u16>,
    pub pci_vendor_id: Option<u16>,
    pub pci_bus_id: Option<String>,
    pub memory_mib: Option<u64>,
    pub sm_count: Option<u32>,
    pub cuda_cores: Option<u32>,
    pub max_sm_clock_mhz: Option<u32>,
    pub driver_version: Option<String>,
}

/// Why GPUs could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("NVML is not available on this machine ({0}): no NVIDIA driver is loaded; classify reports collected elsewhere with --from nvidia-smi-report.xml")]
    NoNvml(String),
    #[error("NVML error: {0}")]
    Nvml(String),
    #[error("{file}{}: {reason}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Report {
        file: String,
        line: Option<usize>,
        reason: String,
    },
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

/// Splits NVML's / nvidia-smi's combined id (device << 16 | vendor).
pub fn split_pci_id(combined: u32) -> (u16, u16) {
    ((combined >> 16) as u16, (combined & 0xffff) as u16)
}

/// The local GPUs, through NVML.
pub fn local() -> Result<Vec<Gpu>, InventoryError> {
    use nvml_wrapper::enum_wrappers::device::Clock;
    let nvml = nvml_wrapper::Nvml::init().map_err(|e| InventoryError::NoNvml(e.to_string()))?;
    let driver = nvml.sys_driver_version().ok();
    let count = nvml
        .device_count()
        .map_err(|e| InventoryError::Nvml(e.to_string()))?;
    let mut out = Vec::new();
    for i in 0..count {
        let d = nvml
            .device_by_index(i)
            .map_err(|e| InventoryError::Nvml(e.to_string()))?;
        let pci = d.pci_info().ok();
        let (dev, ven) = pci.as_ref().map(|p| split_pci_id(p.pci_device_id)).unzip();
        out.push(Gpu {
            source: "local".into(),
            host: None,
            index: i,
            name: d.name().map_err(|e| InventoryError::Nvml(e.to_string()))?,
            pci_device_id: dev,
            pci_vendor_id: ven,
            pci_bus_id: pci.map(|p| p.bus_id),
            memory_mib: d.memory_info().ok().map(|m| m.total / (1024 * 1024)),
            sm_count: d.attributes().ok().map(|a| a.multiprocessor_count),
            cuda_cores: d.num_cores().ok(),
            max_sm_clock_mhz: d.max_clock_info(Clock::SM).ok(),
            driver_version: driver.clone(),
        });
    }
    Ok(out)
}

fn first_number(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

/// Parses one `nvidia-smi -q -x` report.
pub fn parse_report(file: &str, xml: &str) -> Result<Vec<Gpu>, InventoryError> {
    // nvidia-smi writes a DOCTYPE with an external DTD; roxmltree must be told to allow it.
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(xml, opts).map_err(|e| InventoryError::Report {
            file: file.into(),
            line: Some(e.pos().row as usize),
            reason: format!("not well-formed XML: {e}"),
        })?;
    let root = doc.root_element();
    if !root.has_tag_name("nvidia_smi_log") {
        return Err(InventoryError::Report {
            file: file.into(),
            line: Some(1),
            reason: format!(
                "root element is <{}>, not <nvidia_smi_log>: not an `nvidia-smi -q -x` report",
                root.tag_name().name()
            ),
        });
    }
    let child_text = |n: roxmltree::Node<'_, '_>, path: &[&str]| -> Option<String> {
        let mut cur = n;
        for p in path {
            cur = cur.children().find(|c| c.has_tag_name(*p))?;
        }
        cur.text()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty() && t != "N/A")
    };
    let driver = child_text(root, &["driver_version"]);
    let host = child_text(root, &["hostname"]);
    let mut out = Vec::new();
    for (i, g) in root
        .children()
        .filter(|c| c.has_tag_name("gpu"))
        .enumerate()
    {
        let line = doc.text_pos_at(g.range().start).row as usize;
        let name = child_text(g, &["product_name"]).ok_or_else(|| InventoryError::Report {
            file: file.into(),
            line: Some(line),
            reason: "<gpu> has no <product_name>".into(),
        })?;
        let ids = child_text(g, &["pci", "pci_device_id"])
            .and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .map(split_pci_id);
        out.push(Gpu {
            source: file.to_string(),
            host: host.clone(),
            index: i as u32,
            name,
            pci_device_id: ids.map(|x| x.0),
            pci_vendor_id: ids.map(|x| x.1),
            pci_bus_id: child_text(g, &["pci", "pci_bus_id"]),
            memory_mib: child_text(g, &["fb_memory_usage", "total"])
                .as_deref()
                .and_then(first_number),
            sm_count: None,
            cuda_cores: None,
            max_sm_clock_mhz: child_text(g, &["max_clocks", "sm_clock"])
                .as_deref()
                .and_then(first_number)
                .map(|v| v as u32),
            driver_version: driver.clone(),
        });
    }
    if out.is_empty() {
        return Err(InventoryError::Report {
            file: file.into(),
            line: None,
            reason: "report lists no <gpu>".into(),
        });
    }
    Ok(out)
}

/// Reads a report file, or every `.xml` file in a folder (a fleet).
pub fn from_path(path: &Path) -> Result<Vec<Gpu>, InventoryError> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| InventoryError::Io(p.display().to_string(), e))
    };
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| InventoryError::Io(path.display().to_string(), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(InventoryError::Report {
                file: path.display().to_string(),
                line: None,
                reason: "folder has no .xml reports".into(),
            });
        }
        let mut out = Vec::new();
        for f in files {
            out.extend(parse_report(&f.display().to_string(), &read(&f)?)?);
        }
        Ok(out)
    } else {
        parse_report(&path.display().to_string(), &read(path)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_real_h100_report() {
        let xml = include_str!("../tests/data/h100-sxm-80gb.xml");
        let gpus = parse_report("h100.xml", xml).unwrap();
        assert_eq!(gpus.len(), 1);
        let g = &gpus[0];
        assert_eq!(g.name, "NVIDIA H100 80GB HBM3");
        assert_eq!(g.pci_device_id, Some(0x2330));
        assert_eq!(g.pci_vendor_id, Some(0x10de));
        assert_eq!(g.memory_mib, Some(81559));
        assert_eq!(g.max_sm_clock_mhz, Some(1980));
        assert_eq!(g.driver_version.as_deref(), Some("580.159.04"));
    }

    #[test]
    fn bad_reports_name_file_and_reason() {
        let e = parse_report("x.xml", "<nvidia_smi_log><gpu>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.xml") && e.contains("XML"), "{e}");
        let e = parse_report("y.xml", "<other/>").unwrap_err().to_string();
        assert!(e.contains("nvidia_smi_log"), "{e}");
        let e = parse_report(
            "z.xml",
            "<nvidia_smi_log><gpu id=\"0\"></gpu></nvidia_smi_log>",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("product_name"), "{e}");
        assert_eq!(split_pci_id(0x233010DE), (0x2330, 0x10DE));
    }
}
