//! ML-DSA-65 (FIPS 204) signing keys for the audit trail and signed feeds.
//!
//! The private key is kept as PKCS#8 DER in the instance's home folder; the
//! public key is the raw FIPS 204 encoding (1,952 bytes), written out in hex
//! so that a reviewer can pin it. A key's id is the first 16 hex digits of
//! the SHA-256 of its public key.

use crate::Error;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{
    KeyPair, PqdsaKeyPair, UnparsedPublicKey, ML_DSA_65, ML_DSA_65_SIGNING,
};
use sha2::{Digest, Sha256};

/// A signing key.
pub struct Signer {
    pair: PqdsaKeyPair,
    key_id: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.key_id)
    }
}

impl Signer {
    /// A fresh key pair from the system's random source.
    pub fn generate() -> Result<Signer, Error> {
        let pair = PqdsaKeyPair::generate(&ML_DSA_65_SIGNING)
            .map_err(|_| Error::Key("could not generate an ML-DSA-65 key pair".into()))?;
        Ok(Signer::wrap(pair))
    }

    /// From the PKCS#8 DER that [`Signer::to_pkcs8`] wrote.
    pub fn from_pkcs8(der: &[u8]) -> Result<Signer, Error> {
        let pair = PqdsaKeyPair::from_pkcs8(&ML_DSA_65_SIGNING, der)
            .map_err(|e| Error::Key(format!("not an ML-DSA-65 private key: {e}")))?;
        Ok(Signer::wrap(pair))
    }

    fn wrap(pair: PqdsaKeyPair) -> Signer {
        let key_id = key_id(pair.public_key().as_ref());
        Signer { pair, key_id }
    }

    pub fn to_pkcs8(&self) -> Result<Vec<u8>, Error> {
        let doc = self
            .pair
            .private_key()
            .as_der()
            .map_err(|_| Error::Key("could not encode the private key".into()))?;
        Ok(doc.as_ref().to_vec())
    }

    /// The raw FIPS 204 public key.
    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut sig = vec![0u8; ML_DSA_65_SIGNING.signature_len()];
        let n = self
            .pair
            .sign(message, &mut sig)
            .map_err(|_| Error::Key("signing failed".into()))?;
        sig.truncate(n);
        Ok(sig)
    }
}

/// Whether `signature` is a valid ML-DSA-65 signature of `message` by `public_key`.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ML_DSA_65, public_key)
        .verify(message, signature)
        .is_ok()
}

/// Why a detached signature (a feed's, a pack bundle's) was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Detached {
    #[error("signed by key {signed_by}, not by the pinned key {pinned}")]
    OtherKey { signed_by: String, pinned: String },
    #[error("field `signature` is not hex")]
    NotHex,
    #[error("the signature does not verify: the file was altered or not signed by this key")]
    Invalid,
}

/// Checks a detached signature: made by the `pinned` key (not merely by the
/// key the signature file names), over `message`, which covers `sha256` of
/// the signed bytes; `actual_sha256` is what the bytes hash to now.
pub fn check_detached(
    pinned: &[u8],
    signed_by: (&str, &str),
    (sha256, actual_sha256): (&str, &str),
    message: &[u8],
    signature_hex: &str,
) -> Result<(), Detached> {
    let (public_key_hex, key) = signed_by;
    if hex::encode(pinned) != public_key_hex {
        return Err(Detached::OtherKey {
            signed_by: key.to_string(),
            pinned: key_id(pinned),
        });
    }
    let signature = hex::decode(signature_hex.trim()).map_err(|_| Detached::NotHex)?;
    if sha256 != actual_sha256 || !verify(pinned, message, &signature) {
        return Err(Detached::Invalid);
    }
    Ok(())
}

/// The id of a public key.
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(Sha256::digest(public_key))[..16].to_string()
}

/// The text form of a public key file: a header line and the hex key.
pub fn public_key_file(public_key: &[u8]) -> String {
    format!(
        "# exctl audit public key, ML-DSA-65 (FIPS 204), raw encoding in hex; key id {}\n{}\n",
        key_id(public_key),
        hex::encode(public_key)
    )
}

/// Reads a public key file written by [`public_key_file`].
pub fn parse_public_key_file(text: &str) -> Option<Vec<u8>> {
    let hexline: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("");
    let key = hex::decode(hexline.trim()).ok()?;
    (key.len() == 1952).then_some(key)
}

/// Fills `bytes` from the system's random source.
pub fn random(bytes: &mut [u8]) -> Result<(), Error> {
    aws_lc_rs::rand::fill(bytes).map_err(|_| Error::Key("no random source".into()))
}

/// SHA-256 in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_round_trip_and_reload() {
        let s = Signer::generate().unwrap();
        let sig = s.sign(b"entry").unwrap();
        assert!(verify(s.public_key(), b"entry", &sig));
        assert!(!verify(s.public_key(), b"entrz", &sig));
        let again = Signer::from_pkcs8(&s.to_pkcs8().unwrap()).unwrap();
        assert_eq!(again.public_key(), s.public_key());
        let file = public_key_file(s.public_key());
        assert_eq!(parse_public_key_file(&file).unwrap(), s.public_key());
    }

    /// The signatures are plain FIPS 204: an independent implementation
    /// (RustCrypto `ml-dsa`) accepts them.
    #[test]
    fn signatures_verify_with_an_independent_implementation() {
        use ml_dsa::signature::Verifier;
        let s = Signer::generate().unwrap();
        let msg = b"audit entry 1";
        let sig = s.sign(msg).unwrap();
        let vk_bytes = ml_dsa::EncodedVerifyingKey::<ml_dsa::MlDsa65>::try_from(s.public_key())
            .expect("public key size");
        let vk = ml_dsa::VerifyingKey::<ml_dsa::MlDsa65>::decode(&vk_bytes);
        let sig =
            ml_dsa::Signature::<ml_dsa::MlDsa65>::try_from(sig.as_slice()).expect("signature");
        assert!(vk.verify(msg, &sig).is_ok());
        assert!(vk.verify(b"audit entry 2", &sig).is_err());
    }
}
