//! OFAC's legacy CSV set: `sdn.csv` with `alt.csv`, `add.csv` and
//! `sdn_comments.csv`, or the non-SDN consolidated `cons_*.csv` set.

use super::{check_name, csv_error, decode, nonempty, CountryResolver, ParseError};
use crate::model::{EntityType, Entry, Strength};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The files of one OFAC set. Only the primary file is required.
#[derive(Debug, Clone)]
pub struct OfacFiles {
    pub primary: PathBuf,
    pub alt: Option<PathBuf>,
    pub add: Option<PathBuf>,
    pub comments: Option<PathBuf>,
    /// The non-SDN consolidated set.
    pub consolidated: bool,
}

impl OfacFiles {
    /// Finds the set from a folder or from its primary file.
    pub fn locate(path: &Path) -> Result<OfacFiles, String> {
        let (dir, primary) = if path.is_dir() {
            if path.join("sdn.csv").is_file() {
                (path.to_path_buf(), path.join("sdn.csv"))
            } else if path.join("cons_prim.csv").is_file() {
                (path.to_path_buf(), path.join("cons_prim.csv"))
            } else {
                return Err("folder has neither sdn.csv nor cons_prim.csv".into());
            }
        } else {
            (
                path.parent().unwrap_or(Path::new(".")).to_path_buf(),
                path.to_path_buf(),
            )
        };
        let consolidated = primary
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("cons_prim.csv"));
        let (alt, add, comments) = if consolidated {
            ("cons_alt.csv", "cons_add.csv", "cons_comments.csv")
        } else {
            ("alt.csv", "add.csv", "sdn_comments.csv")
        };
        let opt = |n: &str| Some(dir.join(n)).filter(|p| p.is_file());
        Ok(OfacFiles {
            primary,
            alt: opt(alt),
            add: opt(add),
            comments: opt(comments),
            consolidated,
        })
    }

    /// The present files, primary first, then alt, add, comments.
    pub fn paths(&self) -> Vec<&Path> {
        let mut v = vec![self.primary.as_path()];
        v.extend(self.alt.as_deref());
        v.extend(self.add.as_deref());
        v.extend(self.comments.as_deref());
        v
    }
}

fn rows(file: &str, text: &str, fields: usize) -> Result<Vec<(usize, Vec<String>)>, ParseError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(file, &e))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        // OFAC ends the file with a lone control character (0x1A) on some copies.
        if rec.len() == 1
            && rec
                .get(0)
                .is_some_and(|f| f.trim().trim_matches('\u{1a}').is_empty())
        {
            continue;
        }
        if rec.len() != fields {
            return Err(ParseError::new(
                file,
                Some(line),
                format!("row has {} fields, expected {fields}", rec.len()),
            ));
        }
        out.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

/// Weak a.k.a.s that OFAC keeps only in the remarks: `a.k.a. 'NAME'`.
fn weak_akas(remarks: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = remarks;
    while let Some(i) = rest.find("a.k.a. '") {
        let after = &rest[i + 8..];
        // The alias ends at the quote that closes it: followed by ; . , or end.
        let end = after
            .char_indices()
            .find(|(j, c)| {
                *c == '\''
                    && after[j + 1..]
                        .chars()
                        .next()
                        .is_none_or(|n| matches!(n, ';' | '.' | ',' | ')' | ' '))
            })
            .map(|(j, _)| j);
        match end {
            Some(j) => {
                out.push(after[..j].to_string());
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

/// Nationality and citizenship countries named in remarks.
fn remark_countries(remarks: &str, countries: CountryResolver<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for part in remarks.split(';') {
        let p = part.trim();
        for prefix in ["nationality ", "Nationality ", "citizen ", "Citizen "] {
            if let Some(rest) = p.strip_prefix(prefix) {
                if let Some(c) = countries(rest.trim_end_matches('.').trim()) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// The list of OFAC's consolidated (non-SDN) set an entry is on, from its
/// programmes: OFAC's files name no list, but each non-SDN list has its own
/// programmes (as trade.gov's CSL files them: `NS-PLC` on the PLC list,
/// `561List`/`561-Related` on CAPTA, `CMIC-EO13959` on CMIC, `UKRAINE-EO13662`
/// on SSI, `FSE-*` on FSE; `HKAA`, `CAATSA - RUSSIA`, `RUSSIA-EO14024` and
/// other menu-based programmes on NS-MBS). An entry whose programmes name none
/// of them (such as the EO 13599 `IRAN` entries of older files) is `OFAC-CONS`.
/// An entry on two lists (SSI and NS-MBS) is filed under the first in that order.
pub fn consolidated_list(programs: &[String]) -> (&'static str, &'static str) {
    let any = |f: &dyn Fn(&str) -> bool| programs.iter().any(|p| f(p.trim()));
    if any(&|p| p.starts_with("FSE")) {
        (
            "FSE",
            "Foreign Sanctions Evaders (FSE) - Treasury Department",
        )
    } else if any(&|p| p == "NS-PLC") {
        (
            "NS-PLC",
            "Palestinian Legislative Council List (PLC) - Treasury Department",
        )
    } else if any(&|p| p == "561List" || p == "561-Related") {
        ("CAPTA", "Capta List (CAP) - Treasury Department")
    } else if any(&|p| p.starts_with("CMIC")) {
        (
            "CMIC",
            "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department",
        )
    } else if any(&|p| p.starts_with("UKRAINE-EO13662")) {
        (
            "SSI",
            "Sectoral Sanctions Identifications List (SSI) - Treasury Department",
        )
    } else if any(&|p| {
        matches!(
            p,
            "HKAA"
                | "CAATSA - RUSSIA"
                | "RUSSIA-EO14024"
                | "BURMA-EO14014"
                | "ILLICIT-DRUGS-EO14059"
                | "IRAN-CON-ARMS-EO"
        )
    }) {
        (
            "NS-MBS",
            "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department",
        )
    } else {
        (
            "OFAC-CONS",
            "Consolidated Sanctions List (non-SDN) - Treasury Department",
        )
    }
}

/// Parses an OFAC set; `blobs` are the bytes of `files.paths()`, in that order.
pub fn parse_ofac(
    files: &OfacFiles,
    blobs: &[(String, Vec<u8>)],
    countries: CountryResolver<'_>,
) -> Result<Vec<Entry>, ParseError> {
    let mut it = blobs.iter();
    let (pfile, pbytes) = it
        .next()
        .ok_or_else(|| ParseError::new("ofac", None, "no primary file"))?;
    let (sdn, sdn_name) = (
        "SDN",
        "Specially Designated Nationals (SDN) - Treasury Department",
    );
    let mut entries: Vec<Entry> = Vec::new();
    let mut by_num: HashMap<String, usize> = HashMap::new();
    for (line, r) in rows(pfile, decode(pfile, pbytes)?, 12)? {
        let num = r[0].trim().to_string();
        if num.parse::<u64>().is_err() {
            return Err(ParseError::new(
                pfile,
                Some(line),
                format!("ent_num {num:?} is not a number"),
            ));
        }
        let name = r[1].trim();
        check_name(pfile, Some(line), name)?;
        let programs: Vec<String> = r[3]
            .split("] [")
            .map(|p| {
                p.trim_matches(|c| c == '[' || c == ']' || c == ' ')
                    .to_string()
            })
            .filter(|p| !p.is_empty() && p != "-0-")
            .collect();
        let (list, list_name) = if files.consolidated {
            consolidated_list(&programs)
        } else {
            (sdn, sdn_name)
        };
        let mut e = Entry::new(list, list_name, &num);
        e.add_name(name, Strength::Strong, true);
        e.entity_type = match nonempty(&r[2]) {
            None => EntityType::Entity,
            Some(t) => EntityType::parse(&t),
        };
        e.programs = programs;
        if let Some(rem) = nonempty(&r[11]) {
            for weak in weak_akas(&rem) {
                e.add_name(&weak, Strength::Weak, false);
            }
            for c in remark_countries(&rem, countries) {
                e.add_country(&c);
            }
            e.remarks = Some(rem);
        }
        by_num.insert(num, entries.len());
        entries.push(e);
    }
    let mut rest: Vec<&(String, Vec<u8>)> = it.collect();
    let mut take = |present: bool| {
        if present && !rest.is_empty() {
            Some(rest.remove(0))
        } else {
            None
        }
    };
    let alt = take(files.alt.is_some());
    let add = take(files.add.is_some());
    let comments = take(files.comments.is_some());
    let find = |file: &str, line: usize, num: &str, by_num: &HashMap<String, usize>| {
        by_num.get(num.trim()).copied().ok_or_else(|| {
            ParseError::new(
                file,
                Some(line),
                format!("ent_num {} is not in the primary file", num.trim()),
            )
        })
    };
    if let Some((f, b)) = alt {
        for (line, r) in rows(f, decode(f, b)?, 5)? {
            let i = find(f, line, &r[0], &by_num)?;
            let name = r[3].trim();
            check_name(f, Some(line), name)?;
            let weak = r[4].to_ascii_lowercase().contains("weak");
            entries[i].add_name(
                name,
                if weak {
                    Strength::Weak
                } else {
                    Strength::Strong
                },
                false,
            );
        }
    }
    if let Some((f, b)) = add {
        for (line, r) in rows(f, decode(f, b)?, 6)? {
            let i = find(f, line, &r[0], &by_num)?;
            let parts: Vec<String> = [&r[2], &r[3], &r[4]]
                .iter()
                .filter_map(|x| nonempty(x))
                .collect();
            if !parts.is_empty() {
                entries[i].addresses.push(parts.join(", "));
            }
            if let Some(c) = nonempty(&r[4]).and_then(|c| countries(&c)) {
                entries[i].add_country(&c);
            }
        }
    }
    if let Some((f, b)) = comments {
        for (line, r) in rows(f, decode(f, b)?, 2)? {
            let i = find(f, line, &r[0], &by_num)?;
            if let Some(extra) = nonempty(&r[1]) {
                for weak in weak_akas(&extra) {
                    entries[i].add_name(&weak, Strength::Weak, false);
                }
                let e = &mut entries[i];
                e.remarks = Some(format!("{}{}", e.remarks.take().unwrap_or_default(), extra));
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::weak_akas;

    #[test]
    fn weak_akas_come_out_of_remarks() {
        assert_eq!(weak_akas("a.k.a. 'BNC'."), vec!["BNC"]);
        assert_eq!(
            weak_akas("DOB 1951; a.k.a. 'ABU-'UMAR'; a.k.a. 'X Y'."),
            vec!["ABU-'UMAR", "X Y"]
        );
        assert!(weak_akas("no aliases").is_empty());
    }

    /// Programmes as trade.gov's CSL of 2026-07 files them under each list.
    #[test]
    fn consolidated_programmes_name_their_list() {
        let list = |ps: &[&str]| {
            super::consolidated_list(&ps.iter().map(|p| p.to_string()).collect::<Vec<_>>()).0
        };
        assert_eq!(list(&["UKRAINE-EO13662"]), "SSI");
        assert_eq!(list(&["UKRAINE-EO13662", "RUSSIA-EO14024"]), "SSI");
        assert_eq!(list(&["SYRIA", "UKRAINE-EO13662"]), "SSI");
        assert_eq!(list(&["SDGT", "NS-PLC"]), "NS-PLC");
        assert_eq!(list(&["561List"]), "CAPTA");
        assert_eq!(list(&["561-Related"]), "CAPTA");
        assert_eq!(list(&["CMIC-EO13959"]), "CMIC");
        assert_eq!(list(&["SYRIA", "FSE-SY"]), "FSE");
        assert_eq!(list(&["HKAA"]), "NS-MBS");
        assert_eq!(list(&["RUSSIA-EO14024"]), "NS-MBS");
        assert_eq!(list(&["CAATSA - RUSSIA"]), "NS-MBS");
        assert_eq!(list(&["IRAN"]), "OFAC-CONS");
        assert_eq!(list(&[]), "OFAC-CONS");
    }
}
