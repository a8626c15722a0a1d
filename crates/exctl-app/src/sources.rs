//! The official lists, fetched and refreshed: where each comes from, the
//! checks a download passes before it replaces the file in use (it parses
//! whole, its record count and publication date hold, it is not older than
//! the one in use, it did not shrink past the loss guard), the previous
//! versions kept, and what changed, entry by entry.

use crate::screening::LossGuard;
use crate::{bad, bad_field};
use anyhow::{Context as _, Result};
use exctl_screen::parse::CountryResolver;
use exctl_screen::{load_path, Entry, Format, ListSet};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One file a source publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication {
    /// The file's name in the lists folder.
    pub file: &'static str,
    pub url: &'static str,
    pub format: Format,
}

/// A publisher's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub id: &'static str,
    pub name: &'static str,
    pub files: &'static [Publication],
}

/// The official sources and where they publish (each URL can be replaced
/// in `HOME/sources.toml`, or all by a mirror).
pub const SOURCES: [Source; 5] = [
    Source {
        id: "csl",
        name: "US Consolidated Screening List (trade.gov)",
        files: &[Publication {
            file: "consolidated.csv",
            url: crate::screening::CSL_URL,
            format: Format::CslCsv,
        }],
    },
    Source {
        id: "ofac",
        name: "OFAC SDN and consolidated non-SDN lists (XML)",
        files: &[
            Publication {
                file: "sdn.xml",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML",
                format: Format::OfacXml,
            },
            Publication {
                file: "cons.xml",
                url: "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONSOLIDATED.XML",
                format: Format::OfacConsXml,
            },
        ],
    },
    Source {
        id: "un",
        name: "UN Security Council Consolidated List (XML)",
        files: &[Publication {
            file: "un.xml",
            url: "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
            format: Format::UnXml,
        }],
    },
    Source {
        id: "eu",
        name: "EU Financial Sanctions Files, consolidated list (XML)",
        files: &[Publication {
            file: "eu.xml",
            url: "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
            format: Format::EuXml,
        }],
    },
    Source {
        id: "uk",
        name: "UK Sanctions List (FCDO, XML)",
        files: &[Publication {
            file: "uk.xml",
            url: "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",
            format: Format::UkXml,
        }],
    },
];

/// The source ids, for messages.
pub fn ids() -> String {
    SOURCES.iter().map(|s| s.id).collect::<Vec<_>>().join(", ")
}

/// The sources a `--source` value names: one id, or `all`.
pub fn select(which: &str) -> Result<Vec<&'static Source>> {
    let w = which.trim().to_ascii_lowercase();
    if w == "all" {
        return Ok(SOURCES.iter().collect());
    }
    SOURCES
        .iter()
        .find(|s| s.id == w)
        .map(|s| vec![s])
        .ok_or_else(|| {
            bad_field(
                "source",
                format!("{which:?} is not a source (one of {}, or all)", ids()),
            )
        })
}

/// Where each file is downloaded from: the default, a mirror (`BASE/FILE`),
/// or the URL `HOME/sources.toml` gives it (`[urls]`, file name → URL).
#[derive(Debug, Clone, Default)]
pub struct Urls {
    pub mirror: Option<String>,
    pub by_file: BTreeMap<String, String>,
}

impl Urls {
    /// Reads `path` (TOML, `[urls]` table) if it exists.
    pub fn from_file(path: &Path) -> Result<Urls> {
        if !path.exists() {
            return Ok(Urls::default());
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            urls: BTreeMap<String, String>,
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let f: File = toml::from_str(&text).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        let known: Vec<&str> = SOURCES
            .iter()
            .flat_map(|s| s.files.iter().map(|p| p.file))
            .collect();
        for (file, url) in &f.urls {
            if !known.contains(&file.as_str()) {
                return Err(bad(format!(
                    "{}: [urls] {file:?} is not a list file (one of {})",
                    path.display(),
                    known.join(", ")
                )));
            }
            check_url(url).map_err(|e| bad(format!("{}: [urls] {file:?}: {e}", path.display())))?;
        }
        Ok(Urls {
            mirror: None,
            by_file: f.urls,
        })
    }

    pub fn url(&self, p: &Publication) -> String {
        if let Some(m) = &self.mirror {
            return format!("{}/{}", m.trim_end_matches('/'), p.file);
        }
        self.by_file
            .get(p.file)
            .cloned()
            .unwrap_or_else(|| p.url.to_string())
    }
}

fn check_url(url: &str) -> Result<(), String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(format!("{url:?} is not an http(s) URL"))
    }
}

/// A period as `6h`, `30m`, `1d` or `90s`: at least a minute, at most a week.
pub fn duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.len().saturating_sub(1));
    let secs = match (n.parse::<u64>(), unit) {
        (Ok(n), "s") => n,
        (Ok(n), "m") => n * 60,
        (Ok(n), "h") => n * 3600,
        (Ok(n), "d") => n * 86_400,
        _ => {
            return Err(format!(
                "{text:?} is not a period (a number and s, m, h or d: 6h, 30m, 1d)"
            ))
        }
    };
    if !(60..=7 * 86_400).contains(&secs) {
        return Err(format!("{text:?}: between 1m and 7d"));
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// Checks a mirror's base URL.
pub fn mirror(url: &str) -> Result<String> {
    check_url(url).map_err(|e| bad_field("mirror", e))?;
    Ok(url.to_string())
}

/// What one fetched file changed.
#[derive(Debug, Clone, Serialize)]
pub struct FileDiff {
    pub source: String,
    pub file: String,
    pub url: String,
    pub bytes: usize,
    pub sha256: String,
    pub entries: usize,
    /// The date the file states for itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Nothing changed: the same bytes as the file in use.
    pub unchanged: bool,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    /// Up to 20 of each, as `LIST id "name"`.
    pub examples: Vec<String>,
}

/// A fetch of one or more sources.
#[derive(Debug, Clone, Serialize)]
pub struct Refresh {
    pub files: Vec<FileDiff>,
    /// Files that failed, with why; the file in use stays.
    pub failed: Vec<String>,
}

impl Refresh {
    pub fn changed(&self) -> bool {
        self.files.iter().any(|f| !f.unchanged)
    }
}

/// Records a fetch and, when it changed a list and the new lists serve
/// (`serving`), rescreens every stored party against the shell's lists.
/// Every shell calls this after [`fetch`].
pub async fn record<S: crate::Shell>(
    shell: &S,
    store: &exctl_records::Store,
    data: &exctl_data::Data,
    refresh: &Refresh,
    (today, serving): (chrono::NaiveDate, bool),
) -> Result<(
    exctl_records::ListRefresh,
    Option<exctl_records::RescreenReport>,
)> {
    let recorded = store
        .record_list_refresh(
            &serde_json::to_value(&refresh.files)?,
            &serde_json::to_value(&refresh.failed)?,
            refresh.changed(),
        )
        .await?;
    let rescreened = if refresh.changed() && serving {
        Some(
            crate::parties::rescreen(shell, store, data, today, std::sync::Arc::new(crate::Quiet))
                .await?,
        )
    } else {
        None
    };
    Ok((recorded, rescreened))
}

/// How many earlier versions of each file are kept in `.previous/`.
pub const KEEP: usize = 10;

/// Downloads every file of `sources` into `dir`, each checked and swapped
/// in on its own: a failing file keeps the one in use and is reported, the
/// others go ahead. `force` accepts a shrink past the guard and a file
/// dated before the one in use.
pub fn fetch(
    sources: &[&Source],
    urls: &Urls,
    dir: &Path,
    guard: LossGuard,
    countries: CountryResolver<'_>,
) -> Result<Refresh> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut out = Refresh {
        files: Vec::new(),
        failed: Vec::new(),
    };
    for s in sources {
        for p in s.files {
            let url = urls.url(p);
            match fetch_one(s, p, &url, dir, guard, countries) {
                Ok(d) => out.files.push(d),
                Err(e) => out.failed.push(format!("{} ({url}): {e:#}", p.file)),
            }
        }
    }
    Ok(out)
}

fn download(url: &str) -> Result<Vec<u8>> {
    let mut resp = crate::screening::agent()
        .get(url)
        .call()
        .with_context(|| format!("downloading {url}"))?;
    let declared: Option<usize> = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(1024 * 1024 * 1024)
        .read_to_vec()
        .with_context(|| format!("reading {url}"))?;
    if let Some(n) = declared {
        if n != bytes.len() {
            return Err(bad(format!(
                "truncated download: {} bytes of the {n} announced",
                bytes.len()
            )));
        }
    }
    if bytes.is_empty() {
        return Err(bad("the download is empty"));
    }
    Ok(bytes)
}

fn fetch_one(
    source: &Source,
    p: &Publication,
    url: &str,
    dir: &Path,
    guard: LossGuard,
    countries: CountryResolver<'_>,
) -> Result<FileDiff> {
    let bytes = download(url)?;
    let sha256 = exctl_records::keys::sha256_hex(&bytes);
    let target = crate::paths::child(dir, p.file, "list")?;
    let current = if target.exists() {
        Some(load_path(&target, Some(p.format), countries).map_err(|e| bad(e.to_string()))?)
    } else {
        None
    };
    let tmp = dir.join(format!(".{}.tmp", p.file));
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    let checked = check_new(p, &tmp, current.as_ref(), guard, countries);
    let new = match checked {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let unchanged = current
        .as_ref()
        .and_then(|c| c.sources.first())
        .is_some_and(|s| s.sha256 == sha256);
    let (added, removed, changed, examples) = diff(current.as_ref(), &new);
    if unchanged {
        let _ = std::fs::remove_file(&tmp);
    } else {
        if target.exists() {
            keep_previous(dir, p.file, &target)?;
        }
        std::fs::rename(&tmp, &target)
            .with_context(|| format!("moving the download into {}", dir.display()))?;
    }
    Ok(FileDiff {
        source: source.id.to_string(),
        file: p.file.to_string(),
        url: url.to_string(),
        bytes: bytes.len(),
        sha256,
        entries: new.entries.len(),
        published: new.sources.first().and_then(|s| s.date.clone()),
        unchanged,
        added,
        removed,
        changed,
        examples,
    })
}

/// The checks a download passes before it replaces the file in use.
fn check_new(
    p: &Publication,
    tmp: &Path,
    current: Option<&ListSet>,
    guard: LossGuard,
    countries: CountryResolver<'_>,
) -> Result<ListSet> {
    // Messages name the file as published, not the temporary copy.
    let mut new = load_path(tmp, Some(p.format), countries).map_err(|e| {
        let reason = e.to_string().replace(&tmp.display().to_string(), p.file);
        bad(format!("does not parse, the file in use stays: {reason}"))
    })?;
    if let Some(s) = new.sources.first_mut() {
        s.file = p.file.to_string();
    }
    if new.entries.is_empty() {
        return Err(bad("no entry: an empty list never replaces one"));
    }
    if let Some(cur) = current {
        let date = |s: &ListSet| s.sources.first().and_then(|x| x.date.clone());
        if let (Some(was), Some(now)) = (date(cur), date(&new)) {
            if now < was && !guard.force {
                return Err(bad(format!(
                    "published {now}, before the file in use ({was}): an older list never replaces a newer one"
                )));
            }
        }
        let mut named = cur.clone();
        if let Some(s) = named.sources.first_mut() {
            s.file = p.file.to_string();
        }
        guard.check(&named.identities(), &new.identities())?;
    }
    Ok(new)
}

/// Moves the file in use into `.previous/`, keeping the last [`KEEP`].
fn keep_previous(dir: &Path, file: &str, target: &Path) -> Result<()> {
    let prev = dir.join(".previous");
    std::fs::create_dir_all(&prev)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    std::fs::copy(target, prev.join(format!("{file}.{stamp}")))
        .with_context(|| format!("keeping the previous {file}"))?;
    let mut kept: Vec<PathBuf> = std::fs::read_dir(&prev)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{file}.")))
        })
        .collect();
    kept.sort();
    while kept.len() > KEEP {
        let _ = std::fs::remove_file(kept.remove(0));
    }
    Ok(())
}

/// Entries added, removed and materially changed, by (list, id).
fn diff(old: Option<&ListSet>, new: &ListSet) -> (usize, usize, usize, Vec<String>) {
    let key = |e: &Entry| (e.list.clone(), e.id.clone());
    let before: HashMap<(String, String), &Entry> = old
        .map(|o| o.entries.iter().map(|e| (key(e), e)).collect())
        .unwrap_or_default();
    let after: HashMap<(String, String), &Entry> =
        new.entries.iter().map(|e| (key(e), e)).collect();
    let word = |kind: &str, e: &Entry| format!("{kind} {} {} {:?}", e.list, e.id, e.primary_name());
    let (mut added, mut removed, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for (k, e) in &after {
        match before.get(k) {
            None => added.push(word("added", e)),
            Some(b) if b.material_hash() != e.material_hash() => changed.push(word("changed", e)),
            Some(_) => {}
        }
    }
    for (k, e) in &before {
        if !after.contains_key(k) {
            removed.push(word("removed", e));
        }
    }
    let counts = (added.len(), removed.len(), changed.len());
    let mut examples = Vec::new();
    for mut group in [added, removed, changed] {
        group.sort();
        examples.extend(group.into_iter().take(20));
    }
    (counts.0, counts.1, counts.2, examples)
}
