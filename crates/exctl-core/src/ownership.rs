//! Ownership and control, and the 50 % rules that follow them.
//!
//! A list's effect reaches entities its listed parties own: OFAC blocks an
//! entity owned 50 % or more, in aggregate, directly or indirectly, by
//! blocked persons; BIS's affiliates rule does the same for Entity List and
//! MEU parties; the EU and UK reach what is owned (more than 50 %) or
//! controlled. Which lists, what threshold, whether shares add up and whether
//! they pass through owned entities is the pack's data ([`Rule`]); this
//! module computes it on a graph of holdings, with the paths that explain
//! each verdict. No I/O.
//!
//! Shares are kept in millionths of a percent, so that sums are exact
//! (33.333333 + 16.666667 is 50, not 49.99999), and a stated share is
//! never rounded down (50.0000004 % is more than 50 %).

use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

/// Share units per percent, and in a whole.
const PER_PERCENT: f64 = 1_000_000.0;
const UNITS: u32 = 100_000_000;

/// An entity's index in its graph.
pub type NodeId = u32;

/// A share of an entity, in millionths of a percent (0 to 100,000,000).
/// In JSON it is the percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Share(u32);

impl Serialize for Share {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.percent())
    }
}

impl Share {
    pub const ZERO: Share = Share(0);
    pub const WHOLE: Share = Share(UNITS);

    /// A percentage, 0–100, to a millionth of a percent, rounded up: a
    /// stake just over a threshold is never read as at it. (The tolerance
    /// absorbs binary floating-point noise, as in 33.333333 × 10⁶.)
    pub fn from_percent(percent: f64) -> Result<Share, OwnershipError> {
        if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
            return Err(OwnershipError::Percent(percent));
        }
        let units = (percent * PER_PERCENT - 1e-3).ceil().max(0.0);
        Ok(Share((units as u32).min(UNITS)))
    }

    pub fn percent(self) -> f64 {
        f64::from(self.0) / PER_PERCENT
    }

    fn saturating_add(self, other: Share) -> Share {
        Share(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Share {
    /// Exactly as held, to the millionth: 49.999 % never reads as 50 %.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = PER_PERCENT as u32;
        let whole = self.0 / per;
        let frac = self.0 % per;
        if frac == 0 {
            write!(f, "{whole} %")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{whole}.{} %", digits.trim_end_matches('0'))
        }
    }
}

/// How an owner holds an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "share")]
pub enum Link {
    /// A stated share of the equity.
    Owns(Share),
    /// An ownership whose share nobody stated: never read as zero.
    OwnsUnstated,
    /// Control without a stated share (a consolidating parent, a director's
    /// power, a declared control agreement).
    Controls,
}

impl Link {
    /// Control, as opposed to a share (stated or not).
    pub fn is_control(self) -> bool {
        matches!(self, Link::Controls)
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Link::Owns(s) => write!(f, "{s}"),
            Link::OwnsUnstated => f.write_str("an unstated share"),
            Link::Controls => f.write_str("control"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OwnershipError {
    #[error("percentage {0} is not between 0 and 100")]
    Percent(f64),
    #[error("{0:?} cannot own itself")]
    SelfOwned(String),
    #[error("entity {0} is not in the graph")]
    NoEntity(NodeId),
}

/// Who holds whom. Each entity is a node; each holding an edge from owner to
/// owned, at most one per pair (a later one replaces an earlier).
#[derive(Debug, Clone, Default)]
pub struct OwnershipGraph {
    names: Vec<String>,
    /// Per entity, its owners.
    owners: Vec<Vec<(NodeId, Link)>>,
    /// Per entity, what it holds.
    holdings: Vec<Vec<(NodeId, Link)>>,
    edges: usize,
}

impl OwnershipGraph {
    pub fn new() -> OwnershipGraph {
        OwnershipGraph::default()
    }

    pub fn with_capacity(entities: usize) -> OwnershipGraph {
        OwnershipGraph {
            names: Vec::with_capacity(entities),
            owners: Vec::with_capacity(entities),
            holdings: Vec::with_capacity(entities),
            edges: 0,
        }
    }

    pub fn add_entity(&mut self, name: impl Into<String>) -> NodeId {
        self.names.push(name.into());
        self.owners.push(Vec::new());
        self.holdings.push(Vec::new());
        (self.names.len() - 1) as NodeId
    }

    /// Adds or replaces `owner`'s holding in `owned`. An owner has at most
    /// one share (stated or not) and one control link in an entity: a
    /// control link never replaces a share, nor a share a control link.
    pub fn add_link(
        &mut self,
        owner: NodeId,
        owned: NodeId,
        link: Link,
    ) -> Result<(), OwnershipError> {
        for id in [owner, owned] {
            if id as usize >= self.names.len() {
                return Err(OwnershipError::NoEntity(id));
            }
        }
        if owner == owned {
            return Err(OwnershipError::SelfOwned(
                self.names[owner as usize].clone(),
            ));
        }
        let same = |l: &Link| l.is_control() == link.is_control();
        let up = &mut self.owners[owned as usize];
        match up.iter_mut().find(|(o, l)| *o == owner && same(l)) {
            Some(existing) => {
                existing.1 = link;
                let down = &mut self.holdings[owner as usize];
                if let Some(d) = down.iter_mut().find(|(o, l)| *o == owned && same(l)) {
                    d.1 = link;
                }
            }
            None => {
                up.push((owner, link));
                self.holdings[owner as usize].push((owned, link));
                self.edges += 1;
            }
        }
        Ok(())
    }

    /// Adds a holding where sources may disagree: of two stated shares of
    /// the same owner in the same entity, the larger counts (a stale or
    /// partial source never lowers a stake another states); otherwise the
    /// later statement replaces the earlier.
    pub fn merge_link(
        &mut self,
        owner: NodeId,
        owned: NodeId,
        link: Link,
    ) -> Result<(), OwnershipError> {
        let existing = self
            .owners
            .get(owned as usize)
            .and_then(|up| {
                up.iter()
                    .find(|(o, l)| *o == owner && l.is_control() == link.is_control())
            })
            .map(|(_, l)| *l);
        let link = match (existing, link) {
            (Some(Link::Owns(a)), Link::Owns(b)) => Link::Owns(a.max(b)),
            (Some(Link::Owns(a)), Link::OwnsUnstated) => Link::Owns(a),
            _ => link,
        };
        self.add_link(owner, owned, link)
    }

    /// Adds a share given as a percentage.
    pub fn add_share(
        &mut self,
        owner: NodeId,
        owned: NodeId,
        percent: f64,
    ) -> Result<(), OwnershipError> {
        let share = Share::from_percent(percent)?;
        self.add_link(owner, owned, Link::Owns(share))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn edge_count(&self) -> usize {
        self.edges
    }

    pub fn name(&self, id: NodeId) -> &str {
        &self.names[id as usize]
    }

    pub fn owners_of(&self, id: NodeId) -> &[(NodeId, Link)] {
        &self.owners[id as usize]
    }

    pub fn holdings_of(&self, id: NodeId) -> &[(NodeId, Link)] {
        &self.holdings[id as usize]
    }

    /// Every entity that holds `id`, directly or through others (not `id`
    /// itself, unless a cycle leads back to it), in the order found.
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut seen: HashSet<NodeId> = HashSet::new();
        let mut out = Vec::new();
        let mut queue = VecDeque::from([id]);
        while let Some(n) = queue.pop_front() {
            for &(o, _) in self.owners_of(n) {
                if seen.insert(o) {
                    out.push(o);
                    queue.push_back(o);
                }
            }
        }
        out
    }
}

/// A 50 % rule as a pack states it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub threshold: Share,
    /// `true`: more than the threshold (EU, UK); `false`: at least (OFAC, BIS).
    pub more_than: bool,
    /// Shares of different listed persons add up (OFAC, BIS, EU). Without
    /// it each listed person is weighed alone, with what it holds directly
    /// and through entities the rule catches because of it (UK).
    pub aggregate: bool,
    /// Entities the rule catches pass it on to what they own.
    pub indirect: bool,
    /// Control by a caught owner catches, whatever the share.
    pub control: bool,
}

impl Rule {
    /// Whether a share alone meets the rule's test.
    pub fn meets(&self, share: Share) -> bool {
        if self.more_than {
            share > self.threshold
        } else {
            share >= self.threshold
        }
    }
}

/// Where an entity stands under a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// On one of the rule's lists.
    Listed,
    /// Caught by the rule; `order` is when (an entity is explained only by
    /// owners caught before it, so explanations never go round a cycle).
    Caught { order: u32 },
}

/// The entities a rule reaches from the listed ones, with when each was
/// caught. Linear in the part of the graph below the listed entities (times
/// the listed owners it reaches, for a rule that does not aggregate).
pub fn propagate(
    graph: &OwnershipGraph,
    listed: impl IntoIterator<Item = NodeId>,
    rule: &Rule,
    within: Option<&HashSet<NodeId>>,
) -> HashMap<NodeId, Standing> {
    if rule.aggregate {
        return propagate_together(graph, listed, rule, within);
    }
    // Without aggregation each listed person is weighed alone, but with all
    // it holds, directly and through what it owns or controls (the UK's
    // "holds indirectly" through a majority stake): one pass per person.
    let roots: Vec<NodeId> = {
        let mut seen = HashSet::new();
        listed
            .into_iter()
            .filter(|&n| (n as usize) < graph.len() && seen.insert(n))
            .collect()
    };
    let alone = Rule {
        aggregate: true,
        ..*rule
    };
    let mut standing: HashMap<NodeId, Standing> =
        roots.iter().map(|&r| (r, Standing::Listed)).collect();
    let mut order = 0u32;
    for &root in &roots {
        let mut reached: Vec<(NodeId, u32)> = propagate_together(graph, [root], &alone, within)
            .into_iter()
            .filter_map(|(n, s)| match s {
                Standing::Caught { order } => Some((n, order)),
                Standing::Listed => None,
            })
            .collect();
        reached.sort_by_key(|&(_, o)| o);
        for (n, _) in reached {
            if let std::collections::hash_map::Entry::Vacant(v) = standing.entry(n) {
                order += 1;
                v.insert(Standing::Caught { order });
            }
        }
    }
    standing
}

/// [`propagate`] for a rule whose caught owners' shares add up.
fn propagate_together(
    graph: &OwnershipGraph,
    listed: impl IntoIterator<Item = NodeId>,
    rule: &Rule,
    within: Option<&HashSet<NodeId>>,
) -> HashMap<NodeId, Standing> {
    let mut standing: HashMap<NodeId, Standing> = HashMap::new();
    let mut queue: VecDeque<NodeId> = VecDeque::new();
    for n in listed {
        if (n as usize) < graph.len() && standing.insert(n, Standing::Listed).is_none() {
            queue.push_back(n);
        }
    }
    // Aggregated (or largest) share held by caught owners, per entity not yet caught.
    let mut held: HashMap<NodeId, Share> = HashMap::new();
    let mut order = 0u32;
    while let Some(owner) = queue.pop_front() {
        let passes_on = rule.indirect || matches!(standing.get(&owner), Some(Standing::Listed));
        if !passes_on {
            continue;
        }
        for &(owned, link) in graph.holdings_of(owner) {
            if standing.contains_key(&owned) || within.is_some_and(|w| !w.contains(&owned)) {
                continue;
            }
            let caught = match link {
                Link::Owns(share) => {
                    let h = held.entry(owned).or_default();
                    *h = h.saturating_add(share);
                    rule.meets(*h)
                }
                Link::Controls => rule.control,
                Link::OwnsUnstated => false,
            };
            if caught {
                order += 1;
                standing.insert(owned, Standing::Caught { order });
                held.remove(&owned);
                queue.push_back(owned);
            }
        }
    }
    standing
}

/// One owner's part in a verdict, and why that owner counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holding {
    pub owner: NodeId,
    pub owner_name: String,
    pub link: Link,
    /// Empty when the owner is listed itself; else the holdings that caught it.
    pub because: Vec<Holding>,
}

/// What a rule makes of one entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// The entity is on one of the rule's lists itself.
    Listed,
    /// The rule catches it.
    Caught,
    /// Caught owners hold shares nobody stated (or control it under a rule
    /// about ownership alone), and the stated ones do not decide it: the
    /// shares must be found out.
    Undetermined,
    /// Caught owners hold shares below the threshold (a red flag, not the rule).
    Below,
    /// No caught owner.
    Clear,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// The stated share caught owners hold: summed, or under a rule that
    /// does not aggregate, the most one listed person holds with what it
    /// owns or controls.
    pub share: Share,
    /// The caught owners' holdings, each with its own explanation.
    pub holdings: Vec<Holding>,
}

impl Verdict {
    /// The paths in words: `40 % by A (owned 50 % by X (SDN)); 10 % by X (SDN)`.
    /// `label` names why a listed owner is listed (its list codes).
    pub fn words(&self, label: &dyn Fn(NodeId) -> String) -> String {
        words(&self.holdings, label)
    }
}

fn words(holdings: &[Holding], label: &dyn Fn(NodeId) -> String) -> String {
    phrase(holdings, label, false)
}

/// Top level: `50 % by A`; nested under an owner: `owned 50 % by A`.
fn phrase(holdings: &[Holding], label: &dyn Fn(NodeId) -> String, nested: bool) -> String {
    holdings
        .iter()
        .map(|h| {
            let how = match (h.link, nested) {
                (Link::Owns(s), false) => format!("{s} by"),
                (Link::Owns(s), true) => format!("owned {s} by"),
                (Link::OwnsUnstated, false) => "an unstated share by".to_string(),
                (Link::OwnsUnstated, true) => "owned (share unstated) by".to_string(),
                (Link::Controls, false) => "control by".to_string(),
                (Link::Controls, true) => "controlled by".to_string(),
            };
            let why = if h.because.is_empty() {
                label(h.owner)
            } else {
                phrase(&h.because, label, true)
            };
            format!("{how} {} ({why})", h.owner_name)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What `rule` makes of `entity`, given which entities are listed, with the
/// holdings that explain it. Only the entity's owners, direct and indirect,
/// are looked at.
pub fn verdict(
    graph: &OwnershipGraph,
    entity: NodeId,
    is_listed: &dyn Fn(NodeId) -> bool,
    rule: &Rule,
) -> Verdict {
    if is_listed(entity) {
        return Verdict {
            kind: VerdictKind::Listed,
            share: Share::ZERO,
            holdings: Vec::new(),
        };
    }
    let ancestors = graph.ancestors(entity);
    let listed: Vec<NodeId> = ancestors
        .iter()
        .copied()
        .filter(|&n| is_listed(n))
        .collect();
    if listed.is_empty() {
        return Verdict {
            kind: VerdictKind::Clear,
            share: Share::ZERO,
            holdings: Vec::new(),
        };
    }
    let mut within: HashSet<NodeId> = ancestors.into_iter().collect();
    within.insert(entity);
    if rule.aggregate {
        return verdict_within(graph, entity, listed, rule, &within);
    }
    // Each listed person alone, with everything it holds directly or
    // through what it owns or controls; the entity is caught when one is
    // enough. Otherwise every listed owner's holdings are shown.
    let alone = Rule {
        aggregate: true,
        ..*rule
    };
    let mut each: Vec<Verdict> = listed
        .iter()
        .map(|&r| verdict_within(graph, entity, vec![r], &alone, &within))
        .collect();
    let strength = |v: &Verdict| {
        let kind = match v.kind {
            VerdictKind::Listed | VerdictKind::Caught => 3,
            VerdictKind::Undetermined => 2,
            VerdictKind::Below => 1,
            VerdictKind::Clear => 0,
        };
        (kind, v.share)
    };
    each.sort_by_key(|v| std::cmp::Reverse(strength(v)));
    let mut first = each.remove(0);
    if first.kind != VerdictKind::Caught {
        for v in each {
            for h in v.holdings {
                if !first.holdings.iter().any(|x| x.owner == h.owner) {
                    first.holdings.push(h);
                }
            }
        }
        first
            .holdings
            .sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.owner_name.cmp(&b.owner_name)));
    }
    first
}

/// [`verdict`] for owners' shares that add up, looking only at `within`.
fn verdict_within(
    graph: &OwnershipGraph,
    entity: NodeId,
    listed: Vec<NodeId>,
    rule: &Rule,
    within: &HashSet<NodeId>,
) -> Verdict {
    let standing = propagate_together(graph, listed, rule, Some(within));
    let counts = |owner: NodeId| match standing.get(&owner) {
        Some(Standing::Listed) => true,
        Some(Standing::Caught { .. }) => rule.indirect,
        None => false,
    };
    let mut holdings = Vec::new();
    let mut share = Share::ZERO;
    let mut unstated = false;
    let mut caught_by_control = false;
    for &(owner, link) in graph.owners_of(entity) {
        if !counts(owner) || owner == entity {
            continue;
        }
        match link {
            Link::Owns(s) => share = share.saturating_add(s),
            Link::OwnsUnstated => unstated = true,
            // Control by a listed owner: under a rule that counts control it
            // decides; under one about ownership alone the share behind it
            // (a consolidating parent usually holds a majority) is unknown,
            // unless a share of the same owner is stated.
            Link::Controls if rule.control => caught_by_control = true,
            Link::Controls => {
                let stated = graph
                    .owners_of(entity)
                    .iter()
                    .any(|(o, l)| *o == owner && matches!(l, Link::Owns(_)));
                unstated |= !stated;
            }
        }
        holdings.push(explain(graph, &standing, owner, link, rule));
    }
    let kind = match standing.get(&entity) {
        Some(Standing::Caught { .. }) => VerdictKind::Caught,
        Some(Standing::Listed) => VerdictKind::Listed,
        None if holdings.is_empty() => VerdictKind::Clear,
        None if unstated && !caught_by_control => VerdictKind::Undetermined,
        None => VerdictKind::Below,
    };
    // Largest holdings first: what decides is read first.
    holdings.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.owner_name.cmp(&b.owner_name)));
    Verdict {
        kind,
        share,
        holdings,
    }
}

fn rank(h: &Holding) -> (u8, Share) {
    match h.link {
        Link::Controls => (2, Share::WHOLE),
        Link::Owns(s) => (1, s),
        Link::OwnsUnstated => (0, Share::ZERO),
    }
}

/// Why `owner` counts: listed, or caught through owners caught before it.
fn explain(
    graph: &OwnershipGraph,
    standing: &HashMap<NodeId, Standing>,
    owner: NodeId,
    link: Link,
    rule: &Rule,
) -> Holding {
    let because = match standing.get(&owner) {
        Some(Standing::Caught { order }) => {
            let mut parts: Vec<Holding> = graph
                .owners_of(owner)
                .iter()
                .filter(|(o, l)| {
                    let earlier = match standing.get(o) {
                        Some(Standing::Listed) => true,
                        Some(Standing::Caught { order: theirs }) => rule.indirect && theirs < order,
                        None => false,
                    };
                    earlier
                        && !matches!(l, Link::OwnsUnstated)
                        && (rule.control || !matches!(l, Link::Controls))
                })
                .map(|&(o, l)| explain(graph, standing, o, l, rule))
                .collect();
            parts.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.owner_name.cmp(&b.owner_name)));
            parts
        }
        _ => Vec::new(),
    };
    Holding {
        owner,
        owner_name: graph.name(owner).to_string(),
        link,
        because,
    }
}

/// An entity as a source states it, before it is in a graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EntityRecord {
    /// `lei:CODE` where the LEI is known, else `SOURCE:ID`, else `name:FOLDED`.
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// How a source states a holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Owns,
    OwnsUnstated,
    Controls,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Owns => "owns",
            LinkKind::OwnsUnstated => "owns_unstated",
            LinkKind::Controls => "controls",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        [LinkKind::Owns, LinkKind::OwnsUnstated, LinkKind::Controls]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A holding as a source states it: `owner_key` holds `owned_key`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LinkRecord {
    pub owner_key: String,
    pub owned_key: String,
    pub kind: LinkKind,
    /// The share, with `Owns`; 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// What the source calls it (`IS_DIRECTLY_CONSOLIDATED_BY`, `Ownership`…).
    pub relation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
}

impl LinkRecord {
    /// The holding for the computation.
    pub fn link(&self) -> Result<Link, OwnershipError> {
        Ok(match (self.kind, self.percent) {
            (LinkKind::Owns, Some(p)) => Link::Owns(Share::from_percent(p)?),
            (LinkKind::Owns, None) | (LinkKind::OwnsUnstated, _) => Link::OwnsUnstated,
            (LinkKind::Controls, _) => Link::Controls,
        })
    }

    /// Whether the holding stands on `date` (`YYYY-MM-DD`; dates as the
    /// sources write them, compared on their first ten characters).
    pub fn holds_on(&self, date: &str) -> bool {
        let day = |d: &Option<String>| d.as_deref().map(|d| d.get(..10).unwrap_or(d).to_string());
        day(&self.start_date).is_none_or(|s| s.as_str() <= date)
            && day(&self.end_date).is_none_or(|e| e.as_str() >= date)
    }
}

/// The key a name is found by: NFKC, letters and digits, lower case.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    name.nfkc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ofac() -> Rule {
        Rule {
            threshold: Share::from_percent(50.0).unwrap(),
            more_than: false,
            aggregate: true,
            indirect: true,
            control: false,
        }
    }

    struct G {
        g: OwnershipGraph,
        ids: HashMap<&'static str, NodeId>,
    }

    impl G {
        fn new(names: &[&'static str]) -> G {
            let mut g = OwnershipGraph::new();
            let ids = names.iter().map(|n| (*n, g.add_entity(*n))).collect();
            G { g, ids }
        }
        fn own(&mut self, owner: &str, owned: &str, pct: f64) -> &mut G {
            self.g
                .add_share(self.ids[owner], self.ids[owned], pct)
                .unwrap();
            self
        }
        fn link(&mut self, owner: &str, owned: &str, link: Link) -> &mut G {
            self.g
                .add_link(self.ids[owner], self.ids[owned], link)
                .unwrap();
            self
        }
        fn verdict(&self, entity: &str, listed: &[&str], rule: &Rule) -> Verdict {
            let listed: HashSet<NodeId> = listed.iter().map(|n| self.ids[n]).collect();
            verdict(&self.g, self.ids[entity], &|n| listed.contains(&n), rule)
        }
        fn words(&self, v: &Verdict) -> String {
            v.words(&|_| "SDN".to_string())
        }
    }

    // OFAC, Revised Guidance on Entities Owned by Persons Whose Property and
    // Interests in Property Are Blocked (2014-08-13), and FAQs 398–402.

    #[test]
    fn ofac_faq_401_example_1_indirect_through_a_blocked_entity() {
        // Blocked X owns 50 % of A; A owns 50 % of B: A and B are blocked.
        let mut t = G::new(&["X", "A", "B"]);
        t.own("X", "A", 50.0).own("A", "B", 50.0);
        let v = t.verdict("B", &["X"], &ofac());
        assert_eq!(v.kind, VerdictKind::Caught);
        assert_eq!(t.words(&v), "50 % by A (owned 50 % by X (SDN))");
        assert_eq!(t.verdict("A", &["X"], &ofac()).kind, VerdictKind::Caught);
    }

    #[test]
    fn ofac_faq_401_example_2_two_blocked_owners_aggregate() {
        // Blocked X owns 50 % of A and of B; A and B each own 25 % of C:
        // C is 50 % owned by blocked persons in aggregate.
        let mut t = G::new(&["X", "A", "B", "C"]);
        t.own("X", "A", 50.0)
            .own("X", "B", 50.0)
            .own("A", "C", 25.0)
            .own("B", "C", 25.0);
        let v = t.verdict("C", &["X"], &ofac());
        assert_eq!(v.kind, VerdictKind::Caught);
        assert_eq!(v.share, Share::from_percent(50.0).unwrap());
        assert_eq!(
            t.words(&v),
            "25 % by A (owned 50 % by X (SDN)); 25 % by B (owned 50 % by X (SDN))"
        );
    }

    #[test]
    fn ofac_faq_401_example_3_direct_and_indirect_add_up() {
        // Blocked X owns 10 % of B directly and 50 % of A, which owns 40 % of B.
        let mut t = G::new(&["X", "A", "B"]);
        t.own("X", "A", 50.0)
            .own("X", "B", 10.0)
            .own("A", "B", 40.0);
        let v = t.verdict("B", &["X"], &ofac());
        assert_eq!(v.kind, VerdictKind::Caught);
        assert_eq!(
            t.words(&v),
            "40 % by A (owned 50 % by X (SDN)); 10 % by X (SDN)"
        );
    }

    #[test]
    fn ofac_faq_399_two_blocked_persons_aggregate() {
        // X and Y, both blocked, own 25 % each of A: A is blocked.
        let mut t = G::new(&["X", "Y", "A"]);
        t.own("X", "A", 25.0).own("Y", "A", 25.0);
        assert_eq!(
            t.verdict("A", &["X", "Y"], &ofac()).kind,
            VerdictKind::Caught
        );
        // With one of them not blocked it is 25 %: below.
        let v = t.verdict("A", &["X"], &ofac());
        assert_eq!(v.kind, VerdictKind::Below);
        assert_eq!(v.share, Share::from_percent(25.0).unwrap());
    }

    #[test]
    fn an_owner_that_is_not_itself_caught_passes_nothing_on() {
        // OFAC FAQ 401's counter-case: X holds 25 % of A and of B; A and B
        // each hold 50 % of C. Neither A nor B is blocked, so C is not.
        let mut t = G::new(&["X", "A", "B", "C"]);
        t.own("X", "A", 25.0)
            .own("X", "B", 25.0)
            .own("A", "C", 50.0)
            .own("B", "C", 50.0);
        let v = t.verdict("C", &["X"], &ofac());
        assert_eq!(v.kind, VerdictKind::Clear);
        assert!(v.holdings.is_empty());
    }

    #[test]
    fn thresholds_compare_as_the_rule_says() {
        let mut t = G::new(&["X", "A"]);
        t.own("X", "A", 50.0);
        assert_eq!(t.verdict("A", &["X"], &ofac()).kind, VerdictKind::Caught);
        // The EU and UK: more than 50 %.
        let eu = Rule {
            more_than: true,
            control: true,
            ..ofac()
        };
        assert_eq!(t.verdict("A", &["X"], &eu).kind, VerdictKind::Below);
        t.own("X", "A", 50.001);
        assert_eq!(t.verdict("A", &["X"], &eu).kind, VerdictKind::Caught);
        // Exact sums: thirds add up to the threshold.
        let mut t = G::new(&["X", "Y", "Z", "A"]);
        t.own("X", "A", 16.667)
            .own("Y", "A", 16.667)
            .own("Z", "A", 16.666);
        assert_eq!(
            t.verdict("A", &["X", "Y", "Z"], &ofac()).kind,
            VerdictKind::Caught
        );
    }

    #[test]
    fn rules_without_aggregation_or_indirection() {
        let mut t = G::new(&["X", "Y", "A", "B"]);
        t.own("X", "A", 30.0)
            .own("Y", "A", 30.0)
            .own("X", "B", 60.0);
        let single = Rule {
            aggregate: false,
            ..ofac()
        };
        assert_eq!(
            t.verdict("A", &["X", "Y"], &single).kind,
            VerdictKind::Below
        );
        assert_eq!(
            t.verdict("A", &["X", "Y"], &ofac()).kind,
            VerdictKind::Caught
        );
        // Direct only: B is caught, but what B owns is not.
        let mut t = G::new(&["X", "B", "C"]);
        t.own("X", "B", 60.0).own("B", "C", 100.0);
        let direct = Rule {
            indirect: false,
            ..ofac()
        };
        assert_eq!(t.verdict("B", &["X"], &direct).kind, VerdictKind::Caught);
        assert_eq!(t.verdict("C", &["X"], &direct).kind, VerdictKind::Clear);
        assert_eq!(t.verdict("C", &["X"], &ofac()).kind, VerdictKind::Caught);
    }

    fn uk() -> Rule {
        Rule {
            more_than: true,
            aggregate: false,
            control: true,
            ..ofac()
        }
    }

    fn eu() -> Rule {
        Rule {
            more_than: true,
            control: true,
            ..ofac()
        }
    }

    // Russia (Sanctions) (EU Exit) Regulations 2019, reg. 7 and Schedule 1
    // (a share held through an entity in which P has a majority stake is
    // held by P); OFSI's general guidance: holdings of different designated
    // persons are not simply aggregated.
    #[test]
    fn uk_one_persons_direct_and_indirect_shares_add_up() {
        let mut t = G::new(&["X", "B", "C"]);
        t.own("X", "B", 60.0)
            .own("X", "C", 30.0)
            .own("B", "C", 30.0);
        let v = t.verdict("C", &["X"], &uk());
        assert_eq!(v.kind, VerdictKind::Caught, "{v:?}");
        assert_eq!(v.share, Share::from_percent(60.0).unwrap());
        assert_eq!(
            t.words(&v),
            "30 % by B (owned 60 % by X (SDN)); 30 % by X (SDN)"
        );
    }

    #[test]
    fn uk_different_persons_do_not_add_up_eu_does() {
        let mut t = G::new(&["X", "Y", "C"]);
        t.own("X", "C", 30.0).own("Y", "C", 30.0);
        let v = t.verdict("C", &["X", "Y"], &uk());
        assert_eq!(v.kind, VerdictKind::Below);
        assert_eq!(v.share, Share::from_percent(30.0).unwrap());
        assert_eq!(v.holdings.len(), 2, "both owners shown: {v:?}");
        // Commission FAQ on Regulation 269/2014 (asset freeze, question 8):
        // 30 % and 25 % by two listed persons make the entity owned.
        assert_eq!(t.verdict("C", &["X", "Y"], &eu()).kind, VerdictKind::Caught);
        // Through an entity caught because of another person: still apart.
        let mut t = G::new(&["X", "Y", "B", "C"]);
        t.own("Y", "B", 60.0)
            .own("X", "C", 30.0)
            .own("B", "C", 30.0);
        assert_eq!(t.verdict("C", &["X", "Y"], &uk()).kind, VerdictKind::Below);
        assert_eq!(t.verdict("C", &["X", "Y"], &eu()).kind, VerdictKind::Caught);
        // More than half: exactly 50 % is not enough for the EU or the UK.
        let mut t = G::new(&["X", "Y", "C"]);
        t.own("X", "C", 25.0).own("Y", "C", 25.0);
        assert_eq!(t.verdict("C", &["X", "Y"], &eu()).kind, VerdictKind::Below);
        assert_eq!(
            t.verdict("C", &["X", "Y"], &ofac()).kind,
            VerdictKind::Caught
        );
    }

    #[test]
    fn uk_control_passes_on_what_the_controlled_entity_holds() {
        let mut t = G::new(&["X", "B", "C"]);
        t.link("X", "B", Link::Controls).own("B", "C", 51.0);
        let v = t.verdict("C", &["X"], &uk());
        assert_eq!(v.kind, VerdictKind::Caught);
        assert_eq!(t.words(&v), "51 % by B (controlled by X (SDN))");
    }

    #[test]
    fn control_counts_only_where_the_rule_says_so() {
        let mut t = G::new(&["X", "A", "B"]);
        t.link("X", "A", Link::Controls).own("A", "B", 80.0);
        let v = t.verdict("B", &["X"], &ofac());
        assert_eq!(v.kind, VerdictKind::Clear, "OFAC's rule is about ownership");
        // A controlled by X: its share is unknown, to be found out.
        assert_eq!(
            t.verdict("A", &["X"], &ofac()).kind,
            VerdictKind::Undetermined
        );
        let eu = Rule {
            more_than: true,
            control: true,
            ..ofac()
        };
        let v = t.verdict("B", &["X"], &eu);
        assert_eq!(v.kind, VerdictKind::Caught);
        assert_eq!(t.words(&v), "80 % by A (controlled by X (SDN))");
    }

    #[test]
    fn a_share_just_over_a_threshold_is_never_read_as_at_it() {
        let s = |p: f64| Share::from_percent(p).unwrap();
        let fifty = s(50.0);
        assert!(s(50.0004) > fifty);
        assert!(s(50.0000004) > fifty);
        assert!(s(49.9996) < fifty);
        assert_eq!(s(33.333333).saturating_add(s(16.666667)), fifty);
        assert_eq!(s(100.0), Share::WHOLE);
        assert_eq!(s(50.0004).to_string(), "50.0004 %");
        assert_eq!(s(49.999).to_string(), "49.999 %");
        let mut t = G::new(&["X", "A"]);
        t.own("X", "A", 50.0004);
        assert_eq!(t.verdict("A", &["X"], &eu()).kind, VerdictKind::Caught);
    }

    #[test]
    fn a_share_and_control_from_two_sources_both_count() {
        // One source states 10 %, another control: neither hides the other.
        let mut t = G::new(&["X", "A"]);
        t.g.merge_link(
            t.ids["X"],
            t.ids["A"],
            Link::Owns(Share::from_percent(10.0).unwrap()),
        )
        .unwrap();
        t.g.merge_link(t.ids["X"], t.ids["A"], Link::Controls)
            .unwrap();
        t.g.merge_link(t.ids["X"], t.ids["A"], Link::OwnsUnstated)
            .unwrap();
        assert_eq!(t.g.owners_of(t.ids["A"]).len(), 2);
        assert_eq!(t.verdict("A", &["X"], &eu()).kind, VerdictKind::Caught);
        // Under a rule about ownership alone the stated 10 % decides.
        assert_eq!(t.verdict("A", &["X"], &ofac()).kind, VerdictKind::Below);
    }

    #[test]
    fn an_unstated_share_is_a_question_never_zero() {
        let mut t = G::new(&["X", "Y", "A"]);
        t.link("X", "A", Link::OwnsUnstated).own("Y", "A", 20.0);
        let v = t.verdict("A", &["X", "Y"], &ofac());
        assert_eq!(v.kind, VerdictKind::Undetermined);
        assert_eq!(t.words(&v), "20 % by Y (SDN); an unstated share by X (SDN)");
        // Stated shares that already decide it do decide it.
        t.own("Y", "A", 50.0);
        assert_eq!(
            t.verdict("A", &["X", "Y"], &ofac()).kind,
            VerdictKind::Caught
        );
    }

    #[test]
    fn cycles_end_and_explain_without_going_round() {
        // A and B hold 60 % of each other; blocked X holds 40 % of A.
        let mut t = G::new(&["X", "A", "B", "C"]);
        t.own("A", "B", 60.0)
            .own("B", "A", 60.0)
            .own("X", "A", 40.0);
        assert_eq!(t.verdict("B", &["X"], &ofac()).kind, VerdictKind::Clear);
        assert_eq!(t.verdict("A", &["X"], &ofac()).kind, VerdictKind::Below);
        // Blocked X takes 40 % of A and a listed Y 10 %: A is caught, then B,
        // and B's 60 % of A is not used to explain A.
        t.own("X", "A", 40.0).add_y();
        let v = t.verdict("C", &["X", "Y"], &ofac());
        assert_eq!(v.kind, VerdictKind::Caught);
        assert_eq!(
            t.words(&v),
            "100 % by B (owned 60 % by A (owned 40 % by X (SDN); owned 10 % by Y (SDN)))"
        );
    }

    impl G {
        fn add_y(&mut self) -> &mut G {
            let y = self.g.add_entity("Y");
            self.ids.insert("Y", y);
            self.own("Y", "A", 10.0).own("B", "C", 100.0)
        }
    }

    #[test]
    fn whole_graph_propagation_agrees_with_each_verdict() {
        // A small lattice with shared owners, a cycle and a chain.
        let mut t = G::new(&["X", "Y", "A", "B", "C", "D", "E", "F"]);
        t.own("X", "A", 50.0)
            .own("Y", "B", 30.0)
            .own("A", "B", 20.0)
            .own("B", "C", 51.0)
            .own("C", "D", 10.0)
            .own("D", "C", 10.0)
            .own("X", "E", 49.0)
            .own("E", "F", 100.0);
        t.own("Y", "E", 2.0);
        let listed = ["X", "Y"];
        let ids: Vec<NodeId> = listed.iter().map(|n| t.ids[n]).collect();
        for rule in [ofac(), eu(), uk()] {
            let all = propagate(&t.g, ids.iter().copied(), &rule, None);
            for name in ["A", "B", "C", "D", "E", "F"] {
                let caught = all.contains_key(&t.ids[name]);
                let v = t.verdict(name, &listed, &rule);
                assert_eq!(caught, v.kind == VerdictKind::Caught, "{name}: {v:?}");
            }
        }
        let all = propagate(&t.g, ids.iter().copied(), &ofac(), None);
        assert!(all.contains_key(&t.ids["C"]));
        assert!(
            all.contains_key(&t.ids["F"]),
            "49 % + 2 % by two blocked persons"
        );
        let all = propagate(&t.g, ids.iter().copied(), &uk(), None);
        assert!(
            !all.contains_key(&t.ids["B"]),
            "20 % via A and 30 % by Y are two persons' shares"
        );
        assert!(!all.contains_key(&t.ids["F"]));
    }

    #[test]
    fn bad_links_are_refused() {
        let mut g = OwnershipGraph::new();
        let a = g.add_entity("A");
        assert!(matches!(
            g.add_share(a, a, 10.0),
            Err(OwnershipError::SelfOwned(_))
        ));
        let b = g.add_entity("B");
        assert!(g.add_share(a, b, 100.5).is_err());
        assert!(g.add_share(a, b, f64::NAN).is_err());
        assert!(g.add_share(a, 9, 10.0).is_err());
        g.add_share(a, b, 10.0).unwrap();
        g.add_share(a, b, 20.0).unwrap();
        assert_eq!(g.edge_count(), 1, "a later holding replaces the earlier");
        assert_eq!(Share::from_percent(49.999).unwrap().to_string(), "49.999 %");
        assert_eq!(Share::from_percent(12.5).unwrap().to_string(), "12.5 %");
        g.merge_link(a, b, Link::Owns(Share(10_000_000))).unwrap();
        assert_eq!(
            g.owners_of(b),
            &[(a, Link::Owns(Share(20_000_000)))],
            "the larger share counts"
        );
        g.merge_link(a, b, Link::Owns(Share(60_000_000))).unwrap();
        assert_eq!(g.owners_of(b), &[(a, Link::Owns(Share(60_000_000)))]);
    }
}
