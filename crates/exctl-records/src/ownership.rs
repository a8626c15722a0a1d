//! Ownership records: who holds whom, per source, as imported.
//!
//! An import is one reading of one source; its entities and links are rows
//! never updated, vouched for by the import's audited row (`digest`, the
//! SHA-256 of them in canonical form). The graph in use is each source's
//! latest import; a new import of a source is diffed against the previous.

use crate::audit;
use crate::store::Store;
use crate::Error;
use exctl_core::ownership::{name_key, EntityRecord, LinkKind, LinkRecord};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

/// Most entities an ancestry may hold: past it the graph is refused, never cut.
pub const MAX_ANCESTRY: usize = 20_000;

/// One import, as given to [`Store::import_ownership`].
pub struct NewImport<'a> {
    /// The source's name: `gleif`, `opensanctions`, `declared`… (letters,
    /// digits, `-`, `_`, `.`).
    pub source: &'a str,
    pub format: &'a str,
    pub file_name: &'a str,
    pub file_sha256: &'a str,
    pub entities: &'a [EntityRecord],
    pub links: &'a [LinkRecord],
    /// Whether holdings the source's previous import stated and this one does
    /// not may go: without it such an import is refused, so a partial file
    /// never silently drops a stake on record.
    pub replace: bool,
}

/// An import on record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnershipImport {
    pub id: i64,
    pub source: String,
    pub format: String,
    pub file_name: String,
    pub file_sha256: String,
    pub entities: i64,
    pub links: i64,
    pub digest: String,
    pub recorded_at: String,
    pub actor: String,
}

/// What an import changed against the source's previous import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub import: OwnershipImport,
    /// The previous import of the source, if any.
    pub previous: Option<i64>,
    pub added: usize,
    pub removed: usize,
    /// Same owner and owned, another kind, share or dates.
    pub changed: usize,
    /// The links that changed, first 50, as `OWNER -> OWNED: before => after`.
    pub changes: Vec<String>,
}

/// An entity as the records hold it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEntity {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub source: String,
}

/// A link as the records hold it, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredLink {
    #[serde(flatten)]
    pub link: LinkRecord,
    pub source: String,
    pub import_id: i64,
}

/// A name's entities and everything that holds them, directly or further up.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Ancestry {
    /// The entities whose name is the one asked for.
    pub roots: Vec<StoredEntity>,
    /// Every entity in the ancestry (roots included), by key, best name first.
    pub entities: Vec<StoredEntity>,
    /// The links among them, oldest import first (a later one replaces an
    /// earlier for the same pair).
    pub links: Vec<StoredLink>,
}

impl Ancestry {
    pub fn entity(&self, key: &str) -> Option<&StoredEntity> {
        self.entities.iter().find(|e| e.key == key)
    }

    /// Adds another name's ancestry (an owner's): its entities and links,
    /// not as roots.
    pub fn absorb(&mut self, other: Ancestry) {
        for e in other.entities {
            if self.entity(&e.key).is_none() {
                self.entities.push(e);
            }
        }
        for l in other.links {
            if !self.links.contains(&l) {
                self.links.push(l);
            }
        }
        self.links.sort_by_key(|l| l.import_id);
    }
}

fn check_source(source: &str) -> Result<(), Error> {
    let ok = !source.is_empty()
        && source.len() <= 64
        && source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "source: {source:?} is not a source name (1 to 64 letters, digits, '-', '_' or '.')"
        )))
    }
}

/// SHA-256 of the canonical lines of an import's entities and links.
fn digest(entities: &[EntityRecord], links: &[LinkRecord]) -> String {
    let mut h = Sha256::new();
    for e in entities {
        h.update(format!(
            "e\t{}\t{}\t{}\n",
            e.key,
            e.name,
            e.country.as_deref().unwrap_or("")
        ));
    }
    for l in links {
        h.update(format!(
            "l\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            l.owner_key,
            l.owned_key,
            l.kind.as_str(),
            l.percent.map(|p| p.to_string()).unwrap_or_default(),
            l.relation,
            l.start_date.as_deref().unwrap_or(""),
            l.end_date.as_deref().unwrap_or("")
        ));
    }
    hex::encode(h.finalize())
}

fn link_words(l: &LinkRecord) -> String {
    let share = match (l.kind, l.percent) {
        (LinkKind::Owns, Some(p)) => format!("{p} %"),
        (LinkKind::Controls, _) => "control".into(),
        _ => "unstated share".into(),
    };
    match (&l.start_date, &l.end_date) {
        (None, None) => share,
        (s, e) => format!(
            "{share} ({} to {})",
            s.as_deref().unwrap_or("…"),
            e.as_deref().unwrap_or("…")
        ),
    }
}

const IMPORT_SELECT: &str = "SELECT id, source, format, file_name, file_sha256, entities, links, digest, recorded_at, actor FROM ownership_imports";

fn import_from_row(r: &sqlx::any::AnyRow) -> Result<OwnershipImport, Error> {
    Ok(OwnershipImport {
        id: r.try_get(0)?,
        source: r.try_get(1)?,
        format: r.try_get(2)?,
        file_name: r.try_get(3)?,
        file_sha256: r.try_get(4)?,
        entities: r.try_get(5)?,
        links: r.try_get(6)?,
        digest: r.try_get(7)?,
        recorded_at: r.try_get(8)?,
        actor: r.try_get(9)?,
    })
}

/// What makes a holding one holding: its owner, what it holds, and whether
/// it is control (an owner may hold a share and control the same entity).
fn holding_key(l: &LinkRecord) -> (&str, &str, bool) {
    (
        l.owner_key.as_str(),
        l.owned_key.as_str(),
        l.kind == exctl_core::ownership::LinkKind::Controls,
    )
}

fn link_from_row(r: &sqlx::any::AnyRow, at: usize) -> Result<LinkRecord, Error> {
    let kind: String = r.try_get(at + 2)?;
    Ok(LinkRecord {
        owner_key: r.try_get(at)?,
        owned_key: r.try_get(at + 1)?,
        kind: LinkKind::parse(&kind)
            .ok_or_else(|| Error::Corrupt(format!("ownership link kind {kind:?}")))?,
        percent: r.try_get(at + 3)?,
        relation: r.try_get(at + 4)?,
        start_date: r.try_get(at + 5)?,
        end_date: r.try_get(at + 6)?,
    })
}

/// The imports in use: each source's latest.
const CURRENT: &str = "SELECT MAX(id) FROM ownership_imports GROUP BY source";

/// Rows per multi-row insert. SQLite's driver looks each parameter's name
/// up in a list as long as the statement's parameters, so its statements
/// stay short; PostgreSQL takes up to 65,535 parameters and gains from
/// fewer round trips.
fn rows_per_insert(backend: crate::Backend, columns: usize) -> usize {
    match backend {
        crate::Backend::Sqlite => 16,
        crate::Backend::Postgres => 60_000 / columns,
    }
}

impl Store {
    /// Records an import of one source in one transaction: its audited row,
    /// its entities and links. It becomes the source's graph in use; the
    /// previous import stays on record, and the report says what changed.
    pub async fn import_ownership(&self, new: NewImport<'_>) -> Result<ImportReport, Error> {
        check_source(new.source)?;
        let known: HashSet<&str> = new.entities.iter().map(|e| e.key.as_str()).collect();
        if known.len() != new.entities.len() {
            return Err(Error::Invalid("entities: a key comes twice".into()));
        }
        for l in new.links {
            for k in [&l.owner_key, &l.owned_key] {
                if !known.contains(k.as_str()) {
                    return Err(Error::Invalid(format!(
                        "links: {k:?} is not among the import's entities"
                    )));
                }
            }
            if let Some(p) = l.percent {
                if !(p.is_finite() && (0.0..=100.0).contains(&p)) {
                    return Err(Error::Invalid(format!(
                        "links: {} holds {p} % of {}, not a percentage",
                        l.owner_key, l.owned_key
                    )));
                }
            }
        }
        let digest = digest(new.entities, new.links);
        self.signer()?;
        let mut tx = self.begin_write().await?;
        let previous: Option<i64> =
            sqlx::query("SELECT MAX(id) FROM ownership_imports WHERE source = $1")
                .bind(new.source)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        let before = match previous {
            Some(p) => {
                let rows = sqlx::query(
                    "SELECT owner_key, owned_key, kind, percent, relation, start_date, end_date FROM ownership_links WHERE import_id = $1",
                )
                .bind(p)
                .fetch_all(&mut *tx)
                .await?;
                rows.iter()
                    .map(|r| link_from_row(r, 0))
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => Vec::new(),
        };
        if !new.replace {
            let stated: HashSet<(&str, &str, bool)> = new.links.iter().map(holding_key).collect();
            let dropped: Vec<String> = before
                .iter()
                .filter(|l| !stated.contains(&holding_key(l)))
                .map(|l| format!("{} -> {}", l.owner_key, l.owned_key))
                .collect();
            if !dropped.is_empty() {
                return Err(Error::Rejected(format!(
                    "source {:?}: this import leaves out {} holding(s) its previous import stated ({}{}); import the whole source again to replace it (replace), or import these holdings under another source",
                    new.source,
                    dropped.len(),
                    dropped.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                    if dropped.len() > 5 { ", …" } else { "" }
                )));
            }
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO ownership_imports (source, format, file_name, file_sha256, entities, links, digest, recorded_at, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {}",
            audit::returning("ownership_imports")
        )))
        .bind(new.source)
        .bind(new.format)
        .bind(new.file_name)
        .bind(new.file_sha256)
        .bind(new.entities.len() as i64)
        .bind(new.links.len() as i64)
        .bind(&digest)
        .bind(crate::now())
        .bind(self.actor())
        .fetch_one(&mut *tx)
        .await?;
        let id = self
            .audit_returned(&mut tx, "import", "ownership_imports", &row)
            .await?;
        for chunk in new.entities.chunks(rows_per_insert(self.backend(), 5)) {
            let values = (0..chunk.len())
                .map(|i| {
                    let b = i * 5;
                    format!(
                        "(${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO ownership_entities (import_id, entity_key, name, name_key, country) VALUES {values}"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for e in chunk {
                q = q
                    .bind(id)
                    .bind(&e.key)
                    .bind(&e.name)
                    .bind(name_key(&e.name))
                    .bind(e.country.clone());
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in new.links.chunks(rows_per_insert(self.backend(), 8)) {
            let values = (0..chunk.len())
                .map(|i| {
                    let b = i * 8;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO ownership_links (import_id, owner_key, owned_key, kind, percent, relation, start_date, end_date) VALUES {values}"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for l in chunk {
                q = q
                    .bind(id)
                    .bind(&l.owner_key)
                    .bind(&l.owned_key)
                    .bind(l.kind.as_str())
                    .bind(l.percent)
                    .bind(&l.relation)
                    .bind(l.start_date.clone())
                    .bind(l.end_date.clone());
            }
            q.execute(&mut *tx).await?;
        }
        let import_row = sqlx::query(AssertSqlSafe(format!("{IMPORT_SELECT} WHERE id = $1")))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let import = import_from_row(&import_row)?;
        self.commit(tx).await?;
        let mut report = ImportReport {
            import,
            previous,
            added: 0,
            removed: 0,
            changed: 0,
            changes: Vec::new(),
        };
        let old: HashMap<(&str, &str, bool), &LinkRecord> =
            before.iter().map(|l| (holding_key(l), l)).collect();
        let new_links: HashMap<(&str, &str, bool), &LinkRecord> =
            new.links.iter().map(|l| (holding_key(l), l)).collect();
        for (k, l) in &new_links {
            match old.get(k) {
                None => report.added += 1,
                Some(o) if link_words(o) != link_words(l) => {
                    report.changed += 1;
                    if report.changes.len() < 50 {
                        report.changes.push(format!(
                            "{} -> {}: {} => {}",
                            k.0,
                            k.1,
                            link_words(o),
                            link_words(l)
                        ));
                    }
                }
                Some(_) => {}
            }
        }
        report.removed = old.keys().filter(|k| !new_links.contains_key(*k)).count();
        report.changes.sort();
        Ok(report)
    }

    /// The imports on record, newest first.
    pub async fn ownership_imports(&self) -> Result<Vec<OwnershipImport>, Error> {
        let rows = sqlx::query(AssertSqlSafe(format!("{IMPORT_SELECT} ORDER BY id DESC")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(import_from_row).collect()
    }

    /// The entities named `name` (folded: case, spaces and punctuation do
    /// not matter) in the graph in use, and all that hold them, with the
    /// links among them. Refused past [`MAX_ANCESTRY`] entities.
    pub async fn ancestry(&self, name: &str) -> Result<Ancestry, Error> {
        let key = name_key(name);
        if key.is_empty() {
            return Ok(Ancestry::default());
        }
        // The ancestors' keys: UNION (not UNION ALL) ends on cycles.
        let up = format!(
            "WITH RECURSIVE cur(id) AS ({CURRENT}),
             up(k) AS (
                SELECT entity_key FROM ownership_entities
                 WHERE name_key = $1 AND import_id IN (SELECT id FROM cur)
                UNION
                SELECT l.owner_key FROM ownership_links l JOIN up ON l.owned_key = up.k
                 WHERE l.import_id IN (SELECT id FROM cur)
             )"
        );
        let keys: Vec<String> = sqlx::query(AssertSqlSafe(format!(
            "{up} SELECT k FROM up LIMIT {}",
            MAX_ANCESTRY + 1
        )))
        .bind(&key)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
        if keys.is_empty() {
            return Ok(Ancestry::default());
        }
        if keys.len() > MAX_ANCESTRY {
            return Err(Error::Rejected(format!(
                "{name:?} has more than {MAX_ANCESTRY} owners up its chains in the ownership records: too many to weigh here"
            )));
        }
        // The keys found, their entities and the links into them, a few
        // hundred keys a query (the walk up is done once, above).
        let mut entity_rows = Vec::new();
        let mut link_rows = Vec::new();
        for chunk in keys.chunks(200) {
            let marks = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "SELECT e.entity_key, e.name, e.country, i.source, e.name_key, e.import_id
                   FROM ownership_entities e JOIN ownership_imports i ON i.id = e.import_id
                  WHERE e.entity_key IN ({marks}) AND e.import_id IN ({CURRENT})"
            )));
            for k in chunk {
                q = q.bind(k.as_str());
            }
            entity_rows.extend(q.fetch_all(&self.pool).await?);
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "SELECT l.owner_key, l.owned_key, l.kind, l.percent, l.relation, l.start_date, l.end_date, i.source, l.import_id
                   FROM ownership_links l JOIN ownership_imports i ON i.id = l.import_id
                  WHERE l.owned_key IN ({marks}) AND l.import_id IN ({CURRENT})"
            )));
            for k in chunk {
                q = q.bind(k.as_str());
            }
            link_rows.extend(q.fetch_all(&self.pool).await?);
        }
        // Oldest import first: a later statement replaces an earlier one.
        entity_rows.sort_by_key(|r| r.try_get::<i64, _>(5).unwrap_or_default());
        link_rows.sort_by_key(|r| r.try_get::<i64, _>(8).unwrap_or_default());
        let mut out = Ancestry::default();
        let mut at: HashMap<String, usize> = HashMap::new();
        for r in &entity_rows {
            let e = StoredEntity {
                key: r.try_get(0)?,
                name: r.try_get(1)?,
                country: r.try_get(2)?,
                source: r.try_get(3)?,
            };
            let folded: String = r.try_get(4)?;
            // A name that is only the key (an LEI from relationship records)
            // gives way to a real one.
            let placeholder = |e: &StoredEntity| e.key.ends_with(&format!(":{}", e.name));
            match at.get(&e.key) {
                Some(&i) => {
                    if placeholder(&out.entities[i]) && !placeholder(&e) {
                        out.entities[i] = e.clone();
                    }
                }
                None => {
                    at.insert(e.key.clone(), out.entities.len());
                    out.entities.push(e.clone());
                }
            }
            if folded == key && !out.roots.iter().any(|x| x.key == e.key) {
                out.roots.push(e);
            }
        }
        for root in out.roots.iter_mut() {
            if let Some(&i) = at.get(&root.key) {
                *root = out.entities[i].clone();
            }
        }
        for r in &link_rows {
            out.links.push(StoredLink {
                link: link_from_row(r, 0)?,
                source: r.try_get(7)?,
                import_id: r.try_get(8)?,
            });
        }
        Ok(out)
    }

    /// The folded names of the entities in the graph in use.
    pub async fn ownership_names(&self) -> Result<HashSet<String>, Error> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT DISTINCT name_key FROM ownership_entities WHERE import_id IN ({CURRENT})"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(Error::from))
            .collect()
    }

    /// The whole graph in use: every current import's entities and links.
    pub async fn ownership_graph(&self) -> Result<(Vec<StoredEntity>, Vec<StoredLink>), Error> {
        let entity_rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT e.entity_key, e.name, e.country, i.source
               FROM ownership_entities e JOIN ownership_imports i ON i.id = e.import_id
              WHERE e.import_id IN ({CURRENT}) ORDER BY e.import_id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut entities = Vec::with_capacity(entity_rows.len());
        for r in &entity_rows {
            entities.push(StoredEntity {
                key: r.try_get(0)?,
                name: r.try_get(1)?,
                country: r.try_get(2)?,
                source: r.try_get(3)?,
            });
        }
        let link_rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT l.owner_key, l.owned_key, l.kind, l.percent, l.relation, l.start_date, l.end_date, i.source, l.import_id
               FROM ownership_links l JOIN ownership_imports i ON i.id = l.import_id
              WHERE l.import_id IN ({CURRENT}) ORDER BY l.import_id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut links = Vec::with_capacity(link_rows.len());
        for r in &link_rows {
            links.push(StoredLink {
                link: link_from_row(r, 0)?,
                source: r.try_get(7)?,
                import_id: r.try_get(8)?,
            });
        }
        Ok((entities, links))
    }
}
