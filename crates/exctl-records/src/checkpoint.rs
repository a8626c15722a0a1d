//! Signed checkpoints of the audit trail's head, kept outside the database.
//!
//! The trail proves on its own that nothing in it was altered, reordered or
//! cut out of the middle. It cannot prove that its newest transactions were
//! not removed whole: whoever can write the database can delete the last
//! transaction's entries and put the rows back from their `before` images,
//! and what is left is a shorter trail that verifies. A checkpoint closes
//! that gap: entry count and head hash, the time and the key id, signed with
//! the instance's ML-DSA-65 key, held somewhere the database's writers
//! cannot reach. A trail that no longer holds a checkpointed entry with the
//! checkpointed hash was truncated or rolled back.

use crate::keys::{self, Signer};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format tag, also the first field of the signed message.
pub const CHECKPOINT_FORMAT: &str = "exctl-audit-checkpoint/1";

/// A signed statement that the trail had `entries` entries, the last with
/// hash `head`, at time `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub format: String,
    /// The sequence number of the head entry (0 for an empty trail).
    pub entries: i64,
    /// The head entry's hash (all zeros for an empty trail).
    pub head: String,
    /// When the checkpoint was made: UTC, RFC 3339.
    pub at: String,
    /// The id of the key that signed it.
    pub key_id: String,
    /// ML-DSA-65 signature of [`Checkpoint::message`], hex.
    pub signature: String,
}

impl Checkpoint {
    /// Signs a checkpoint of the head `(entries, head)`, made now.
    pub fn sign(signer: &Signer, entries: i64, head: &str) -> Result<Checkpoint, Error> {
        let mut c = Checkpoint {
            format: CHECKPOINT_FORMAT.to_string(),
            entries,
            head: head.to_string(),
            at: crate::now(),
            key_id: signer.key_id().to_string(),
            signature: String::new(),
        };
        c.signature = hex::encode(&signer.sign(c.message().as_bytes())?);
        Ok(c)
    }

    /// The signed text: every field but the signature, one per line.
    pub fn message(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n",
            self.format, self.entries, self.head, self.at, self.key_id
        )
    }

    /// Whether the signature is this checkpoint's, by `public_key`.
    pub fn signed_by(&self, public_key: &[u8]) -> bool {
        self.format == CHECKPOINT_FORMAT
            && keys::key_id(public_key) == self.key_id
            && hex::decode(self.signature.trim())
                .ok()
                .is_some_and(|sig| keys::verify(public_key, self.message().as_bytes(), &sig))
    }

    /// The checkpoint as a file's text (pretty JSON).
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A checkpoint from a file's text.
    pub fn from_text(name: &str, text: &str) -> Result<Checkpoint, Error> {
        let c: Checkpoint = serde_json::from_str(text)
            .map_err(|e| Error::Rejected(format!("{name}: not an audit checkpoint: {e}")))?;
        if c.format != CHECKPOINT_FORMAT {
            return Err(Error::Rejected(format!(
                "{name}: unknown checkpoint format {:?}",
                c.format
            )));
        }
        Ok(c)
    }

    /// Writes the checkpoint into `dir` (created if need be) as
    /// `head-<entries>.json`, written beside and renamed into place. A
    /// file already there is never replaced: one with the same head is
    /// kept as it is; one with another head keeps its name, and this one
    /// is written beside it under a name with its hash.
    pub fn save_in(&self, dir: &Path) -> Result<PathBuf, Error> {
        let io = |what: &str, p: &Path, e: std::io::Error| {
            Error::Rejected(format!("{what} {}: {e}", p.display()))
        };
        std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
        let plain = dir.join(format!("head-{:012}.json", self.entries));
        let path = match std::fs::read_to_string(&plain) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => plain,
            Err(e) => return Err(io("reading", &plain, e)),
            Ok(text) => match Checkpoint::from_text(&plain.display().to_string(), &text) {
                Ok(c) if c.head == self.head => return Ok(plain),
                _ => dir.join(format!(
                    "head-{:012}-{}.json",
                    self.entries,
                    self.head.get(..16).unwrap_or(&self.head)
                )),
            },
        };
        if path.exists() {
            return Ok(path);
        }
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        std::fs::write(&tmp, self.to_text()).map_err(|e| io("writing", &tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io("moving into place", &path, e))?;
        Ok(path)
    }

    /// The checkpoints of a file, or of every `*.json` file in a folder,
    /// each with its path; in name order.
    pub fn load(path: &Path) -> Result<Vec<(String, Checkpoint)>, Error> {
        let read = |p: &Path| -> Result<(String, Checkpoint), Error> {
            let name = p.display().to_string();
            let text =
                std::fs::read_to_string(p).map_err(|e| Error::Rejected(format!("{name}: {e}")))?;
            Ok((name.clone(), Checkpoint::from_text(&name, &text)?))
        };
        if !path.is_dir() {
            return Ok(vec![read(path)?]);
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::Rejected(format!("{}: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        files.sort();
        files.iter().map(|p| read(p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_only_as_signed() {
        let s = Signer::generate().unwrap();
        let c = Checkpoint::sign(&s, 7, "ab12").unwrap();
        assert!(c.signed_by(s.public_key()));
        let other = Signer::generate().unwrap();
        assert!(!c.signed_by(other.public_key()));
        let mut moved = c.clone();
        moved.entries = 6;
        assert!(!moved.signed_by(s.public_key()), "the count is signed");
        let back = Checkpoint::from_text("c.json", &c.to_text()).unwrap();
        assert_eq!(back, c);
        assert!(Checkpoint::from_text("c.json", "{}").is_err());
    }

    #[test]
    fn saving_never_replaces_a_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let s = Signer::generate().unwrap();
        let a = Checkpoint::sign(&s, 3, "aaaa").unwrap();
        let p1 = a.save_in(dir.path()).unwrap();
        assert_eq!(a.save_in(dir.path()).unwrap(), p1, "same head: kept");
        let b = Checkpoint::sign(&s, 3, "bbbbbbbbbbbbbbbbbbbb").unwrap();
        let p2 = b.save_in(dir.path()).unwrap();
        assert_ne!(p1, p2);
        let all = Checkpoint::load(dir.path()).unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().any(|(_, c)| *c == a) && all.iter().any(|(_, c)| *c == b));
    }
}
