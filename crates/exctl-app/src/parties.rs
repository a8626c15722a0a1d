//! Parties and lists: the lists a shell screens against (with the parties
//! rule packs designate), a check's parties and owners screened with their
//! clearances, their effects and the licences applied, and rescreening
//! every stored party.

use crate::{bad, screening};
use anyhow::Result;
use exctl_core::licence::{apply_licences, OnFile};
use exctl_core::parties::{apply_parties, ListHit, Party, PartyRules};
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
}

/// Every name a check screens: each party and each of its owners, as
/// (name, country).
pub fn screened_names(parties: &[Party]) -> Vec<(String, Option<String>)> {
    let mut names = Vec::new();
    for p in parties {
        names.push((p.name.clone(), p.country.clone()));
        names.extend(p.owners.iter().map(|o| (o.name.clone(), o.country.clone())));
    }
    names
}

/// Active clearances per screened name, as [`screen_parties_with`] takes them.
pub type Clearances = std::collections::HashMap<(String, Option<String>), Vec<Disposition>>;

/// The active clearances of every name the parties screen (blocking on
/// the store: order books run on the caller's thread).
pub fn clearances_blocking(
    (rt, store): (&tokio::runtime::Runtime, &Store),
    parties: &[Party],
) -> Result<Clearances> {
    let mut cleared = Clearances::new();
    for (name, country) in screened_names(parties) {
        let d = rt
            .block_on(store.dispositions_for(&name, country.as_deref(), None))
            .map_err(crate::instance::store_error)?;
        cleared.insert((name, country), d);
    }
    Ok(cleared)
}

/// Screens every party and owner against `screener`, leaving out (and
/// naming) the hits that `cleared` clears. No I/O.
pub fn screen_parties_with(
    screener: &Screener,
    parties: &[Party],
    cleared: &Clearances,
) -> PartyScreen {
    let mut out = PartyScreen {
        hits: Vec::new(),
        cleared: Vec::new(),
        screened: Vec::new(),
    };
    for p in parties {
        let mut names: Vec<(String, Option<String>, Option<f64>)> =
            vec![(p.name.clone(), p.country.clone(), None)];
        names.extend(
            p.owners
                .iter()
                .map(|o| (o.name.clone(), o.country.clone(), Some(o.percent))),
        );
        for (name, country, owner_pct) in names {
            let q = exctl_screen::Query {
                name: name.clone(),
                country: country.clone(),
                ..exctl_screen::Query::default()
            };
            let matches = screener.screen(&q, 10, DEFAULT_THRESHOLD);
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
                out.hits.push(ListHit {
                    role: p.role,
                    party: p.name.clone(),
                    owner: owner_pct.map(|pct| (name.clone(), pct)),
                    list: m.list,
                    list_name: m.list_name,
                    entry_id: m.entry_id,
                    entry_name: m.name,
                    score: m.score,
                    license_requirement: m.license_requirement,
                    license_policy: m.license_policy,
                    federal_register_notice: m.federal_register_notice,
                });
            }
            out.screened.push(NotedParty {
                name,
                country,
                entity_type: None,
                evidence: exctl_records::PartyEvidence::default(),
                hits: records,
            });
        }
    }
    out
}

/// Applies parties and licences to a decision.
#[allow(clippy::too_many_arguments)]
pub fn complete(
    decision: &mut Decision,
    rules: &[PartyRules],
    hits: &[ListHit],
    facts: &Facts,
    licences: &[OnFile],
    end_user: Option<&str>,
    quantity: f64,
    value: f64,
) {
    if !hits.is_empty() || !rules.is_empty() {
        apply_parties(decision, rules, hits, facts);
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
    progress: std::sync::Arc<dyn crate::Progress + Send>,
) -> impl std::future::Future<Output = Result<exctl_records::RescreenReport>> + Send + 'a {
    async move {
        let screener = shell.screener()?;
        let parties = store.parties().await?;
        let version = screener.version().hash.clone();
        let results = shell
            .cpu(move || rescreen_all(&screener, parties, progress.as_ref()))
            .await?;
        Ok(store.apply_rescreen(&version, &results).await?)
    }
}
