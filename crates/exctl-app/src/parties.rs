//! Parties and lists: the lists a shell screens against (with the parties
//! rule packs designate), a check's parties and owners screened with their
//! clearances, their effects and the licences applied, and rescreening
//! every stored party.

use crate::{bad, screening};
use anyhow::Result;
use exctl_core::licence::{apply_licences, OnFile};
use exctl_core::parties::{apply_parties, ListHit, OwnershipView, Party, PartyRules};
use exctl_core::{Decision, Facts};
use exctl_records::{Disposition, HitRecord, NotedParty, Store};
use exctl_screen::model::{Entry, ListSet, SourceInfo, Strength};
use exctl_screen::{Screener, DEFAULT_THRESHOLD};
use std::path::Path;

/// The parties packs designate themselves, as list entries.
pub fn designated(rules: &[PartyRules]) -> ListSet {
    let mut set = ListSet::default();
    for r in rules {
        if r.designated.is_empty() {
            continue;
        }
        let entries: Vec<Entry> = r
            .designated
            .iter()
            .map(|d| {
                let mut e = Entry::new(&d.list, &d.list_name, &d.id);
                for (i, n) in d.names.iter().enumerate() {
                    e.add_name(n, Strength::Strong, i == 0);
                }
                for c in &d.countries {
                    e.add_country(c);
                }
                e.entity_type = exctl_screen::model::EntityType::Entity;
                e
            })
            .collect();
        set.add(
            SourceInfo {
                file: format!("packs/{}/parties.toml", r.pack),
                format: "designated".into(),
                entries: entries.len(),
                date: None,
                sha256: r.hash.clone(),
            },
            entries,
        );
    }
    set
}

/// The lists a command screens against: the `--list` specs given, else the
/// configured lists; `None` when neither names any list.
/// `lists_dir` is the configured folder ([`screening::lists_dir`]).
pub fn list_set(lists: &[String], lists_dir: &Path) -> Result<Option<ListSet>> {
    let table = screening::countries()?;
    let resolve = screening::resolver(&table);
    if lists.is_empty() {
        return screening::load_configured(lists_dir, &resolve).map_err(|e| bad(e.to_string()));
    }
    let mut all = ListSet::default();
    for spec in lists {
        let one = screening::load_spec(spec, &resolve).map_err(|e| bad(e.to_string()))?;
        all.sources.extend(one.sources);
        all.entries.extend(one.entries);
    }
    Ok(Some(all))
}

/// A screener over `set` plus the parties packs designate themselves.
pub fn with_designated(rules: &[PartyRules], mut set: ListSet) -> Screener {
    let d = designated(rules);
    set.sources.extend(d.sources);
    set.entries.extend(d.entries);
    Screener::new(set)
}

/// The screener for parties in checks and rescreens: the `--list`s given,
/// else the configured lists, plus the packs' designated parties.
pub fn party_screener(
    rules: &[PartyRules],
    lists: &[String],
    lists_dir: &Path,
) -> Result<Screener> {
    let set = list_set(lists, lists_dir)?.ok_or_else(|| screening::no_lists(lists_dir))?;
    Ok(with_designated(rules, set))
}

/// Hits of one name, as stored records.
pub fn screen_hits(screener: &Screener, party: &exctl_records::PartyRecord) -> Vec<HitRecord> {
    let q = exctl_screen::Query {
        name: party.name.clone(),
        country: party.country.clone(),
        // The party as it was screened: type, date of birth and identifiers
        // weigh on a rescreen as they did then.
        entity_type: party
            .entity_type
            .as_deref()
            .map(exctl_screen::EntityType::parse),
        birth_date: party.evidence.birth_date.clone(),
        ids: party
            .evidence
            .ids
            .iter()
            .filter_map(|s| exctl_screen::PartyId::parse(s))
            .collect(),
    };
    hit_records(screener, &screener.screen(&q, 10, DEFAULT_THRESHOLD))
}

/// What a screen knew of its party besides the name, as stored.
pub fn party_evidence(q: &exctl_screen::Query) -> exctl_records::PartyEvidence {
    let mut ids: Vec<String> = q
        .ids
        .iter()
        .map(|id| format!("{}:{}", id.kind, id.number))
        .collect();
    ids.sort();
    ids.dedup();
    exctl_records::PartyEvidence {
        birth_date: q.birth_date.clone(),
        ids,
    }
}

/// Matches as stored hits, with each entry's material hash.
pub fn hit_records(screener: &Screener, matches: &[exctl_screen::Match]) -> Vec<HitRecord> {
    matches
        .iter()
        .map(|m| HitRecord {
            entry_hash: screener.entries()[m.entry_index].material_hash(),
            list: m.list.clone(),
            entry_id: m.entry_id.clone(),
            entry_name: m.name.clone(),
            score: m.score,
        })
        .collect()
}

/// What the parties of a check came to.
pub struct PartyScreen {
    pub hits: Vec<ListHit>,
    /// Hits left out because a disposition clears them.
    pub cleared: Vec<String>,
    /// Every screened name (party or owner) with its hits, to store.
    pub screened: Vec<NotedParty>,
    /// Each party with its owners, for the ownership rules.
    pub views: Vec<OwnershipView>,
}

/// The ownership records' ancestry of each party, by the party's name.
pub type Ancestries = std::collections::HashMap<String, exctl_records::Ancestry>;

/// A party's owners: those its check names, over those the ownership
/// records hold (links in force on `as_of`). Entities are one node per
/// folded name, so an owner named in the check and on record counts once;
/// where the check and the records (or two sources) state different shares,
/// the larger counts.
pub fn ownership_view(
    party: &Party,
    ancestry: Option<&exctl_records::Ancestry>,
    as_of: chrono::NaiveDate,
) -> (OwnershipView, Vec<Option<String>>) {
    use exctl_core::ownership::{name_key, OwnershipGraph};
    let mut graph = OwnershipGraph::new();
    let mut nodes: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut countries: Vec<Option<String>> = Vec::new();
    let root = graph.add_entity(party.name.clone());
    countries.push(party.country.clone());
    nodes.insert(name_key(&party.name), root);
    let mut node = |graph: &mut OwnershipGraph, name: &str, country: Option<String>| {
        let key = name_key(name);
        *nodes.entry(key).or_insert_with(|| {
            countries.push(country);
            graph.add_entity(name.to_string())
        })
    };
    if let Some(a) = ancestry {
        let date = as_of.format("%Y-%m-%d").to_string();
        let entity = |key: &str| a.entity(key);
        for l in a.links.iter().filter(|l| l.link.holds_on(&date)) {
            let (Some(owner), Some(owned)) = (entity(&l.link.owner_key), entity(&l.link.owned_key))
            else {
                continue;
            };
            let Ok(link) = l.link.link() else { continue };
            let is_root = |e: &exctl_records::StoredEntity| a.roots.iter().any(|r| r.key == e.key);
            let o = if is_root(owner) {
                root
            } else {
                node(&mut graph, &owner.name, owner.country.clone())
            };
            let d = if is_root(owned) {
                root
            } else {
                node(&mut graph, &owned.name, owned.country.clone())
            };
            if o != d {
                let _ = graph.merge_link(o, d, link);
            }
        }
    }
    for o in &party.owners {
        let n = node(&mut graph, &o.name, o.country.clone());
        if n != root {
            if let Ok(share) = exctl_core::ownership::Share::from_percent(o.percent) {
                let _ = graph.merge_link(n, root, exctl_core::ownership::Link::Owns(share));
            }
        }
    }
    (
        OwnershipView {
            role: party.role,
            party: party.name.clone(),
            label: format!("{} {:?}", party.role, party.name),
            graph,
            node: root,
            hits: Vec::new(),
        },
        countries,
    )
}

/// Every name a check screens, with the owners the ownership records add.
pub fn screened_names_with(
    parties: &[Party],
    ancestries: &Ancestries,
    as_of: chrono::NaiveDate,
) -> Vec<(String, Option<String>)> {
    let mut names = Vec::new();
    for p in parties {
        let (view, countries) = ownership_view(p, ancestries.get(&p.name), as_of);
        for n in 0..view.graph.len() as u32 {
            let entry = (
                view.graph.name(n).to_string(),
                countries[n as usize].clone(),
            );
            if !names.contains(&entry) {
                names.push(entry);
            }
        }
    }
    names
}

/// Active clearances per screened name, as [`screen_parties_owned`] takes them.
pub type Clearances = std::collections::HashMap<(String, Option<String>), Vec<Disposition>>;

/// The active clearances of every name the parties screen, and the parties'
/// ownership ancestries (blocking on the store: order books run on the
/// caller's thread).
pub fn clearances_blocking(
    (rt, store): (&tokio::runtime::Runtime, &Store),
    parties: &[Party],
    as_of: chrono::NaiveDate,
) -> Result<(Clearances, Ancestries)> {
    let ancestries = rt.block_on(crate::check::ancestries(store, parties))?;
    let mut cleared = Clearances::new();
    for (name, country) in screened_names_with(parties, &ancestries, as_of) {
        let d = rt
            .block_on(store.dispositions_for(&name, country.as_deref(), None))
            .map_err(crate::instance::store_error)?;
        cleared.insert((name, country), d);
    }
    Ok((cleared, ancestries))
}

/// Screens every party and its owners (those the check names and those the
/// ownership records hold) against `screener`, leaving out (and naming) the
/// hits that `cleared` clears. No I/O.
pub fn screen_parties_owned(
    screener: &Screener,
    parties: &[Party],
    cleared: &Clearances,
    ancestries: &Ancestries,
    as_of: chrono::NaiveDate,
) -> PartyScreen {
    let mut out = PartyScreen {
        hits: Vec::new(),
        cleared: Vec::new(),
        screened: Vec::new(),
        views: Vec::new(),
    };
    for p in parties {
        let (mut view, countries) = ownership_view(p, ancestries.get(&p.name), as_of);
        // A long chain of owners is screened on every core.
        let all: Vec<Vec<exctl_screen::Match>> = {
            use rayon::prelude::*;
            let screen_node = |n: u32| {
                let q = exctl_screen::Query {
                    name: view.graph.name(n).to_string(),
                    country: countries[n as usize].clone(),
                    ..exctl_screen::Query::default()
                };
                screener.screen(&q, 10, DEFAULT_THRESHOLD)
            };
            let nodes = 0..view.graph.len() as u32;
            if view.graph.len() > 4 {
                nodes.into_par_iter().map(screen_node).collect()
            } else {
                nodes.map(screen_node).collect()
            }
        };
        for (n, matches) in (0..view.graph.len() as u32).zip(all) {
            let name = view.graph.name(n).to_string();
            let country = countries[n as usize].clone();
            let is_owner = n != view.node;
            let direct = view
                .graph
                .owners_of(view.node)
                .iter()
                .find(|(o, _)| *o == n)
                .and_then(|(_, l)| match l {
                    exctl_core::ownership::Link::Owns(s) => Some(s.percent()),
                    _ => None,
                });
            let dispositions = cleared
                .get(&(name.clone(), country.clone()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let records = hit_records(screener, &matches);
            for (m, record) in matches.into_iter().zip(&records) {
                if dispositions.iter().any(|d| {
                    d.list == m.list
                        && d.entry_id == m.entry_id
                        && d.entry_hash == record.entry_hash
                }) {
                    out.cleared.push(format!(
                        "{name:?} on {} entry {:?} ({}) is cleared as a false positive",
                        m.list, m.name, m.entry_id
                    ));
                    continue;
                }
                let hit = ListHit {
                    role: p.role,
                    party: p.name.clone(),
                    owner: is_owner.then(|| name.clone()),
                    owner_share: if is_owner { direct } else { None },
                    list: m.list,
                    list_name: m.list_name,
                    entry_id: m.entry_id,
                    entry_name: m.name,
                    score: m.score,
                    license_requirement: m.license_requirement,
                    license_policy: m.license_policy,
                    federal_register_notice: m.federal_register_notice,
                };
                if is_owner {
                    view.hits.push((n, hit.clone()));
                }
                out.hits.push(hit);
            }
            if !out
                .screened
                .iter()
                .any(|s| s.name == name && s.country == country)
            {
                out.screened.push(NotedParty {
                    name,
                    country,
                    entity_type: None,
                    evidence: exctl_records::PartyEvidence::default(),
                    hits: records,
                });
            }
        }
        out.views.push(view);
    }
    out
}

/// Applies parties and licences to a decision.
#[allow(clippy::too_many_arguments)]
pub fn complete(
    decision: &mut Decision,
    rules: &[PartyRules],
    hits: &[ListHit],
    views: &[OwnershipView],
    facts: &Facts,
    licences: &[OnFile],
    end_user: Option<&str>,
    quantity: f64,
    value: f64,
) {
    if !hits.is_empty() || !rules.is_empty() {
        apply_parties(decision, rules, hits, views, facts);
    }
    apply_licences(decision, licences, end_user, quantity, value);
}

/// Screens every stored party, on every core, in order.
pub fn rescreen_all(
    screener: &Screener,
    parties: Vec<exctl_records::PartyRecord>,
    progress: &dyn crate::Progress,
) -> Vec<(exctl_records::PartyRecord, Vec<HitRecord>)> {
    use rayon::prelude::*;
    progress.start(parties.len() as u64);
    let out = parties
        .into_par_iter()
        .map(|p| {
            let hits = screen_hits(screener, &p);
            progress.advance(1);
            (p, hits)
        })
        .collect();
    progress.finish();
    out
}

/// Rescreens every stored party against the shell's lists (with the parties
/// packs designate) and records what changed materially: new hits, changed
/// entries, hits re-raised after their entry changed, hits gone. Every
/// shell calls this.
///
/// The future is declared `Send` here, where the lifetimes are concrete, so
/// that a server's handler can hold it.
#[allow(clippy::manual_async_fn)] // an `async fn` leaves `Send` to each caller to prove
pub fn rescreen<'a, S: crate::Shell>(
    shell: &'a S,
    store: &'a Store,
    data: &'a exctl_data::Data,
    today: chrono::NaiveDate,
    progress: std::sync::Arc<dyn crate::Progress + Send>,
) -> impl std::future::Future<Output = Result<exctl_records::RescreenReport>> + Send + 'a {
    async move {
        let screener = shell.screener()?;
        let parties = store.parties().await?;
        let version = screener.version().hash.clone();
        let owned = ownership_changes(store, data, &screener, &parties, today).await?;
        let results = shell
            .cpu(move || rescreen_all(&screener, parties, progress.as_ref()))
            .await?;
        Ok(store.apply_rescreen(&version, &results, owned).await?)
    }
}

/// The stored parties the ownership records know, weighed again: an alert
/// for each whose finding under a rule differs from the one on record
/// (newly caught or undetermined, changed paths, or no longer).
async fn ownership_changes(
    store: &Store,
    data: &exctl_data::Data,
    screener: &Screener,
    parties: &[exctl_records::PartyRecord],
    today: chrono::NaiveDate,
) -> Result<Vec<exctl_records::Alert>> {
    use exctl_core::ownership::{name_key, VerdictKind};
    let known = store.ownership_names().await?;
    let before = store.ownership_findings_on_record().await?;
    let mut seen = std::collections::HashSet::new();
    let mut alerts = Vec::new();
    for p in parties {
        if !known.contains(&name_key(&p.name)) || !seen.insert(p.name.clone()) {
            continue;
        }
        let Some(answer) = crate::owners::answer(store, data, screener, &p.name, today).await?
        else {
            continue;
        };
        let mut now: Vec<(String, String, f64)> = answer
            .findings
            .iter()
            .filter(|f| {
                matches!(
                    f.finding.verdict,
                    VerdictKind::Caught | VerdictKind::Undetermined
                ) && f.finding.status.is_none()
            })
            .map(|f| {
                (
                    f.finding.rule.clone(),
                    f.finding.text.clone(),
                    f.finding.share,
                )
            })
            .collect();
        // A finding on record that no longer holds is a change too.
        for ((party, rule), text) in &before {
            if party == &p.name && !text.is_empty() && !now.iter().any(|n| &n.0 == rule) {
                now.push((rule.clone(), String::new(), 0.0));
            }
        }
        for (rule, text, share) in now {
            if before
                .get(&(p.name.clone(), rule.clone()))
                .map(String::as_str)
                .unwrap_or("")
                == text
            {
                continue;
            }
            alerts.push(exctl_records::Alert {
                kind: exctl_records::AlertKind::Owned,
                party: p.name.clone(),
                country: p.country.clone(),
                list: rule,
                entry_id: String::new(),
                entry_name: text,
                score: share,
            });
        }
    }
    Ok(alerts)
}
