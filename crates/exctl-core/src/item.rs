//! Items (what is exported) and the metrics derived from their parameters.
//!
//! Metrics such as TPP and performance density are computed here, never
//! stored, so a corrected datasheet figure changes every derived value at once.

use crate::facts::{FactValue, Facts};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A numeric precision with its bit length, as the TPP definition counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Fp64,
    Fp32,
    /// TF32 is stored in 32 bits; its rate is half the 16-bit rate on every
    /// part we know, so counting it at 32 bits never raises TPP above the
    /// 16-bit figure but keeps a TF32-only datasheet usable.
    Tf32,
    Fp16,
    Bf16,
    Fp8,
    Int8,
    /// FP6 counts 6 bits: on parts that run it at the FP4 rate (AMD CDNA 4)
    /// it sets TPP.
    Fp6,
    Fp4,
    Int4,
}

impl Precision {
    pub const ALL: [Precision; 10] = [
        Precision::Fp64,
        Precision::Fp32,
        Precision::Tf32,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
        Precision::Int8,
        Precision::Fp6,
        Precision::Fp4,
        Precision::Int4,
    ];

    /// Bit length of one operand, the multiplier in TPP.
    pub fn bits(self) -> u32 {
        match self {
            Precision::Fp64 => 64,
            Precision::Fp32 | Precision::Tf32 => 32,
            Precision::Fp16 | Precision::Bf16 => 16,
            Precision::Fp8 | Precision::Int8 => 8,
            Precision::Fp6 => 6,
            Precision::Fp4 | Precision::Int4 => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp64 => "fp64",
            Precision::Fp32 => "fp32",
            Precision::Tf32 => "tf32",
            Precision::Fp16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::Fp8 => "fp8",
            Precision::Int8 => "int8",
            Precision::Fp6 => "fp6",
            Precision::Fp4 => "fp4",
            Precision::Int4 => "int4",
        }
    }

    pub fn parse(s: &str) -> Option<Precision> {
        let s = s.to_ascii_lowercase();
        Precision::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Parameters of an integrated circuit or accelerator. Every figure may be
/// unknown; rules that need an unknown figure answer `needs_info`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IcSpec {
    /// Dense (non-sparse) peak throughput per precision, in TOPS or TFLOPS.
    pub throughput: BTreeMap<Precision, f64>,
    /// Applicable die area in mm²: all logic dies on a non-planar process.
    pub die_area_mm2: Option<f64>,
    /// Designed or marketed for data centres; `None` when unknown.
    pub datacenter: Option<bool>,
    /// Aggregate bidirectional transfer rate over all I/O except to volatile memory, GB/s.
    pub io_bandwidth_gbps: Option<f64>,
    /// DRAM/HBM bandwidth, GB/s.
    pub memory_bandwidth_gbps: Option<f64>,
}

/// A computer, server or electronic assembly containing `ic_count` copies of one IC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputerSpec {
    /// The IC it contains (a full item, so its identity and family count too).
    pub ic: Box<Item>,
    pub ic_count: u32,
}

/// How the hardware method of training-compute estimation is parameterised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingHardware {
    pub chips: f64,
    /// Peak dense FLOP/s of one chip at the training precision.
    pub peak_flops_per_chip: f64,
    /// Model FLOP utilisation, 0..1.
    pub utilization: f64,
    pub seconds: f64,
}

/// An AI model, judged by its training compute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Total training compute, FLOP (operations), when stated.
    pub training_flop: Option<f64>,
    /// Parameters (active parameters for mixture-of-experts models).
    pub parameters: Option<f64>,
    /// Training tokens.
    pub tokens: Option<f64>,
    pub hardware: Option<TrainingHardware>,
    /// Whether the weights are published (§734.7); `None` when unknown.
    pub weights_published: Option<bool>,
}

/// A high-bandwidth-memory stack, judged by its memory bandwidth density.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HbmSpec {
    pub bandwidth_gbps: Option<f64>,
    /// Area of the package or stack, mm².
    pub area_mm2: Option<f64>,
    /// HBM co-packaged with logic is judged as the logic IC, not as HBM.
    pub co_packaged_with_logic: Option<bool>,
}

/// The kind of an item and its kind-specific parameters.
///
/// New kinds (equipment, quantum items, technology) add a variant and the
/// facts it yields; rules see only facts, so packs need no reshaping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ItemKind {
    Ic(IcSpec),
    Computer(ComputerSpec),
    Model(ModelSpec),
    Hbm(HbmSpec),
    /// Any other declared kind (equipment, quantum, technology …): described
    /// only by its named parameters (`Item::extra`).
    Other {
        name: String,
    },
}

impl ItemKind {
    pub fn name(&self) -> &str {
        match self {
            ItemKind::Ic(_) => "ic",
            ItemKind::Computer(_) => "computer",
            ItemKind::Model(_) => "model",
            ItemKind::Hbm(_) => "hbm",
            ItemKind::Other { name } => name,
        }
    }
}

/// Anything exctl can classify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable identifier, e.g. `nvidia-h100-sxm`.
    pub id: String,
    /// Display name, e.g. `NVIDIA H100 SXM5 80GB`.
    pub name: String,
    pub vendor: Option<String>,
    /// Product family that notices and accords name, e.g. `H100`, `MI350`.
    pub family: Option<String>,
    /// ISO code of the country where the item was designed/produced.
    pub origin: Option<String>,
    pub release_date: Option<NaiveDate>,
    /// The release date was given only as a month or a year (`release_date`
    /// then holds its first day): rules comparing dates do not read it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub release_date_partial: bool,
    pub kind: ItemKind,
    /// Further named parameters, for kinds and rules that need more than the
    /// typed fields (values reach rules under their own names).
    #[serde(default)]
    pub extra: BTreeMap<String, FactValue>,
    /// The version of the company's own product this item was read from;
    /// `None` for catalog items and item files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductVersionRef>,
}

/// A version of a product in the records' product master, as a decision
/// names it: the definition's hash proves which figures were used, even
/// after the product changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductVersionRef {
    pub name: String,
    pub version: i64,
    pub sha256: String,
}

impl ProductVersionRef {
    /// The reference that names exactly this version: `NAME@VERSION`.
    pub fn pinned(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// How a model's training compute was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputeMethod {
    Stated,
    ParametersTimesTokens,
    Hardware,
}

/// Derived metrics of an item, as reported beside every decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpp: Option<f64>,
    /// Precision that gave the maximum TPP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpp_basis: Option<Precision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h100_equivalents: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub int8_tops: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_tpp: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training_flop: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training_compute_method: Option<ComputeMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_bandwidth_density: Option<f64>,
}

impl IcSpec {
    /// TPP = max over precisions of dense TOPS × bit length (the rule's
    /// 2 × MacTOPS × bit length, since vendors count a MAC as two operations).
    pub fn tpp(&self) -> Option<(f64, Precision)> {
        self.throughput
            .iter()
            .filter(|(_, tops)| tops.is_finite() && **tops >= 0.0)
            .map(|(p, tops)| (tops * f64::from(p.bits()), *p))
            // On a tie the first precision in declaration order is reported.
            .fold(
                None,
                |best: Option<(f64, Precision)>, (tpp, p)| match best {
                    Some((b, _)) if b >= tpp => best,
                    _ => Some((tpp, p)),
                },
            )
    }

    /// Performance density = TPP / applicable die area.
    pub fn pd(&self) -> Option<f64> {
        let (tpp, _) = self.tpp()?;
        let area = self.die_area_mm2.filter(|a| *a > 0.0)?;
        Some(tpp / area)
    }

    /// Dense INT8 TOPS, the accord's measure.
    pub fn int8_tops(&self) -> Option<f64> {
        self.throughput.get(&Precision::Int8).copied()
    }

    /// Peak TOPS (2 × MacTOPS) at the precision that gives the most, not
    /// weighted by bit length: the "processing performance" of 3A991.p.1.
    pub fn peak_tops(&self) -> Option<f64> {
        self.throughput
            .values()
            .copied()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .reduce(f64::max)
    }
}

impl ModelSpec {
    /// Training compute: stated FLOP, else 6 × parameters × tokens, else
    /// chips × peak FLOP/s × utilisation × seconds.
    pub fn training_compute(&self) -> Option<(f64, ComputeMethod)> {
        if let Some(flop) = self.training_flop {
            return Some((flop, ComputeMethod::Stated));
        }
        if let (Some(n), Some(d)) = (self.parameters, self.tokens) {
            return Some((6.0 * n * d, ComputeMethod::ParametersTimesTokens));
        }
        let hw = self.hardware.as_ref()?;
        Some((
            hw.chips * hw.peak_flops_per_chip * hw.utilization * hw.seconds,
            ComputeMethod::Hardware,
        ))
    }
}

impl HbmSpec {
    /// Memory bandwidth density, GB/s per mm².
    pub fn bandwidth_density(&self) -> Option<f64> {
        let area = self.area_mm2.filter(|a| *a > 0.0)?;
        Some(self.bandwidth_gbps? / area)
    }
}

impl Item {
    /// The IC whose parameters decide this item: itself, or the one a computer contains.
    pub fn ic(&self) -> Option<(&Item, &IcSpec)> {
        match &self.kind {
            ItemKind::Ic(spec) => Some((self, spec)),
            ItemKind::Computer(c) => c.ic.ic(),
            _ => None,
        }
    }

    /// Metrics derived from the parameters, with H100-equivalents when the
    /// reference TPP is given (the data names the item it is: the `per_item`
    /// of parameter `h100e`; see [`crate::Engine::h100_tpp`]).
    pub fn metrics_with(&self, h100_tpp: Option<f64>) -> Metrics {
        let mut m = self.metrics();
        if let (Some(tpp), Some(per)) = (m.tpp, h100_tpp.filter(|t| *t > 0.0)) {
            m.h100_equivalents = Some(tpp / per);
        }
        m
    }

    /// Metrics derived from the parameters alone (no H100-equivalents).
    pub fn metrics(&self) -> Metrics {
        let mut m = Metrics::default();
        if let Some((_, ic)) = self.ic() {
            if let Some((tpp, basis)) = ic.tpp() {
                m.tpp = Some(tpp);
                m.tpp_basis = Some(basis);
            }
            m.pd = ic.pd();
            m.int8_tops = ic.int8_tops();
        }
        if let ItemKind::Computer(c) = &self.kind {
            m.system_tpp = m.tpp.map(|t| t * f64::from(c.ic_count));
        }
        if let ItemKind::Model(model) = &self.kind {
            if let Some((flop, method)) = model.training_compute() {
                m.training_flop = Some(flop);
                m.training_compute_method = Some(method);
            }
        }
        if let ItemKind::Hbm(h) = &self.kind {
            m.memory_bandwidth_density = h.bandwidth_density();
        }
        m
    }

    /// Facts the item's typed fields and derived metrics set: a `[params]`
    /// entry may not shadow them (metrics are derived, never stated).
    pub const TYPED_FACTS: &'static [&'static str] = &[
        "kind",
        "id",
        "name",
        "vendor",
        "family",
        "origin",
        "tpp",
        "pd",
        "h100e",
        "int8_tops",
        "peak_tops",
        "system_tpp",
        "training_flop",
        "bandwidth_density",
        "die_area",
        "io_bw",
        "mem_bw",
        "datacenter",
        "ic_count",
        "weights_published",
        "co_packaged",
        "release_date",
        "ic_controls",
        "item_params_stated",
    ];

    /// The known facts of this item, by the names rules use, with
    /// H100-equivalents against `h100_tpp`. Unknown figures are absent.
    pub fn facts_with(&self, h100_tpp: Option<f64>) -> Facts {
        let mut f = self.facts();
        if let Some(v) = self.metrics_with(h100_tpp).h100_equivalents {
            f.set("h100e", FactValue::Num(v));
        }
        f
    }

    /// The known facts of this item, by the names rules use (no
    /// H100-equivalents). Unknown figures are simply absent.
    pub fn facts(&self) -> Facts {
        let mut f = Facts::default();
        f.set("kind", FactValue::from(self.kind.name()));
        f.set("id", FactValue::from(self.id.as_str()));
        f.set("name", FactValue::from(self.name.as_str()));
        // Identity fields of a computer are those of its IC where it has none.
        let ic_item = self.ic().map(|(item, _)| item);
        let pick = |own: &Option<String>, from_ic: Option<&Option<String>>| {
            own.clone().or_else(|| from_ic.and_then(|o| o.clone()))
        };
        if let Some(v) = pick(&self.vendor, ic_item.map(|i| &i.vendor)) {
            f.set("vendor", FactValue::Str(v));
        }
        if let Some(v) = pick(&self.family, ic_item.map(|i| &i.family)) {
            f.set("family", FactValue::Str(v));
        }
        if let Some(v) = pick(&self.origin, ic_item.map(|i| &i.origin)) {
            f.set("origin", FactValue::Str(v));
        }
        let m = self.metrics();
        let num = |f: &mut Facts, name: &str, v: Option<f64>| {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                f.set(name, FactValue::Num(v));
            }
        };
        num(&mut f, "tpp", m.tpp);
        num(&mut f, "pd", m.pd);
        num(&mut f, "int8_tops", m.int8_tops);
        num(&mut f, "system_tpp", m.system_tpp);
        num(&mut f, "training_flop", m.training_flop);
        num(&mut f, "bandwidth_density", m.memory_bandwidth_density);
        if let Some((_, ic)) = self.ic() {
            num(&mut f, "die_area", ic.die_area_mm2);
            num(&mut f, "io_bw", ic.io_bandwidth_gbps);
            num(&mut f, "peak_tops", ic.peak_tops());
            num(&mut f, "mem_bw", ic.memory_bandwidth_gbps);
            if let Some(dc) = ic.datacenter {
                f.set("datacenter", FactValue::Bool(dc));
            }
        }
        match &self.kind {
            ItemKind::Computer(c) => {
                f.set("ic_count", FactValue::Num(f64::from(c.ic_count)));
            }
            ItemKind::Model(model) => {
                if let Some(p) = model.weights_published {
                    f.set("weights_published", FactValue::Bool(p));
                }
                // ISO dates compare as text in rule conditions.
                if let Some(d) = self.release_date.filter(|_| !self.release_date_partial) {
                    f.set(
                        "release_date",
                        FactValue::Str(d.format("%Y-%m-%d").to_string()),
                    );
                }
            }
            ItemKind::Hbm(h) => {
                num(&mut f, "mem_bw", h.bandwidth_gbps);
                if let Some(c) = h.co_packaged_with_logic {
                    f.set("co_packaged", FactValue::Bool(c));
                }
            }
            ItemKind::Ic(_) | ItemKind::Other { .. } => {}
        }
        for (k, v) in &self.extra {
            f.set(k, v.clone());
        }
        // Which named parameters the item states: a rule may act on a stated
        // ECCN without asking every other item for one.
        f.set(
            "item_params_stated",
            FactValue::List(self.extra.keys().cloned().collect()),
        );
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ic(throughput: &[(Precision, f64)], area: Option<f64>) -> IcSpec {
        IcSpec {
            throughput: throughput.iter().copied().collect(),
            die_area_mm2: area,
            ..IcSpec::default()
        }
    }

    #[test]
    fn tpp_takes_the_maximum_over_precisions() {
        let h100 = ic(
            &[
                (Precision::Fp64, 33.45),
                (Precision::Bf16, 989.4),
                (Precision::Fp8, 1979.0),
                (Precision::Int8, 1979.0),
            ],
            Some(814.0),
        );
        let (tpp, basis) = h100.tpp().unwrap();
        assert_eq!(tpp, 15_832.0);
        assert_eq!(basis, Precision::Fp8);
        assert!((h100.pd().unwrap() - 19.45).abs() < 0.01);
    }

    #[test]
    fn unknown_area_gives_unknown_pd() {
        let x = ic(&[(Precision::Bf16, 1835.0)], None);
        assert_eq!(x.tpp().unwrap().0, 29_360.0);
        assert_eq!(x.pd(), None);
        assert_eq!(ic(&[], Some(800.0)).tpp(), None);
    }

    #[test]
    fn training_compute_methods() {
        let stated = ModelSpec {
            training_flop: Some(4.64e26),
            parameters: Some(1.0),
            tokens: Some(1.0),
            ..ModelSpec::default()
        };
        assert_eq!(
            stated.training_compute(),
            Some((4.64e26, ComputeMethod::Stated))
        );
        let llama = ModelSpec {
            parameters: Some(405e9),
            tokens: Some(15.6e12),
            ..ModelSpec::default()
        };
        let (c, m) = llama.training_compute().unwrap();
        assert_eq!(m, ComputeMethod::ParametersTimesTokens);
        assert!((c / 3.79e25 - 1.0).abs() < 0.01);
        let gpt4 = ModelSpec {
            hardware: Some(TrainingHardware {
                chips: 25_000.0,
                peak_flops_per_chip: 312e12,
                utilization: 0.34,
                seconds: 2_280.0 * 3600.0,
            }),
            ..ModelSpec::default()
        };
        let (c, m) = gpt4.training_compute().unwrap();
        assert_eq!(m, ComputeMethod::Hardware);
        assert!((c / 2.2e25 - 1.0).abs() < 0.02);
        assert_eq!(ModelSpec::default().training_compute(), None);
    }
}
