//! The outcome lattice shared by every jurisdiction.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a jurisdiction's rules say about a transaction, worst first.
///
/// The order is a lattice: the overall outcome of a check is the maximum over
/// jurisdictions, and a jurisdiction's outcome is the maximum over its rules.
/// Ranks leave room between the levels so that later outcomes (e.g. a licence
/// on file that authorises the shipment) slot in without renumbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No rule of the jurisdiction controls the item.
    NotControlled,
    /// The item is controlled, but not for this destination, end use and date.
    NoLicenseRequired,
    /// No licence is needed, but the regime puts duties on someone (a
    /// developer's notification, a model provider's obligations); the
    /// determination lists them under `obligations`.
    ObligationsApply,
    /// A licence is required, but a licence exception is available.
    ExceptionEligible,
    /// A licence is required and a licence on file covers the shipment, with
    /// balance left; the determination names it.
    Authorized,
    /// A fact the rules need is unknown; the determination names it.
    NeedsInfo,
    /// A licence is required; see the review policy.
    LicenseRequired,
    /// The transaction may not go ahead.
    Prohibited,
}

impl Outcome {
    /// All outcomes, best first.
    pub const ALL: [Outcome; 8] = [
        Outcome::NotControlled,
        Outcome::NoLicenseRequired,
        Outcome::ObligationsApply,
        Outcome::ExceptionEligible,
        Outcome::Authorized,
        Outcome::NeedsInfo,
        Outcome::LicenseRequired,
        Outcome::Prohibited,
    ];

    /// Severity rank; higher is worse.
    pub fn rank(self) -> u8 {
        match self {
            Outcome::NotControlled => 0,
            Outcome::NoLicenseRequired => 10,
            Outcome::ObligationsApply => 15,
            Outcome::ExceptionEligible => 20,
            Outcome::Authorized => 30,
            Outcome::NeedsInfo => 40,
            Outcome::LicenseRequired => 50,
            Outcome::Prohibited => 60,
        }
    }

    /// The worse of two outcomes.
    pub fn worst(self, other: Outcome) -> Outcome {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// The snake_case name used in JSON, rule packs and golden cases.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NotControlled => "not_controlled",
            Outcome::NoLicenseRequired => "no_license_required",
            Outcome::ObligationsApply => "obligations_apply",
            Outcome::ExceptionEligible => "exception_eligible",
            Outcome::Authorized => "authorized",
            Outcome::NeedsInfo => "needs_info",
            Outcome::LicenseRequired => "license_required",
            Outcome::Prohibited => "prohibited",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl PartialOrd for Outcome {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Outcome {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_order_is_worst_first() {
        let mut sorted = Outcome::ALL;
        sorted.sort();
        assert_eq!(sorted, Outcome::ALL);
        assert_eq!(
            Outcome::NeedsInfo.worst(Outcome::LicenseRequired),
            Outcome::LicenseRequired
        );
        assert_eq!(
            Outcome::Prohibited.worst(Outcome::NotControlled),
            Outcome::Prohibited
        );
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("authorised"), None);
    }
}
