//! The audit keys: an Ed25519 key that signs tree heads (its public half is published so
//! anyone can check them — and, with the database alone, verify the whole tree), and a
//! separate MAC key that seals each audit entry as it is appended, so that `sila audit
//! verify` can name the exact entry that was altered and an entry inserted behind the
//! server's back is recognised as forged. The two are independent: the MAC key cannot be
//! derived from the signing key nor the other way round, and publishing or handing over
//! one gives nothing of the other. Entries written before the MAC key existed (record
//! version 1) were sealed under a key derived from the signing seed; they are still
//! checked under it. Like the master keys, both live in key files or the environment,
//! never in the database.

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The server's audit keys.
#[derive(Clone)]
pub struct AuditKey {
    signing: SigningKey,
    mac_key: Zeroizing<[u8; 32]>,
    legacy_mac_key: Zeroizing<[u8; 32]>,
    id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

fn hex32(text: &str) -> Option<Zeroizing<[u8; 32]>> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(bytes)
}

fn to_hex(bytes: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

impl AuditKey {
    /// The keys from the signing seed and the MAC key.
    pub fn new(seed: [u8; 32], mac_key: [u8; 32]) -> AuditKey {
        let signing = SigningKey::from_bytes(&seed);
        let mut hasher = Sha256::new();
        hasher.update(b"sila audit mac key");
        hasher.update(seed);
        let legacy_mac_key = Zeroizing::new(hasher.finalize().into());
        let public = signing.verifying_key().to_bytes();
        let id = Sha256::digest(public)[..8].iter().map(|byte| format!("{byte:02x}")).collect();
        AuditKey { signing, mac_key: Zeroizing::new(mac_key), legacy_mac_key, id }
    }

    /// New random keys.
    pub fn generate() -> AuditKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::fill(seed.as_mut_slice());
        let mut mac = Zeroizing::new([0u8; 32]);
        rand::fill(mac.as_mut_slice());
        AuditKey::new(*seed, *mac)
    }

    /// The keys from 64 hexadecimal digits each: the signing seed and the MAC key.
    pub fn from_hex(seed: &str, mac_key: &str) -> Option<AuditKey> {
        Some(AuditKey::new(*hex32(seed)?, *hex32(mac_key)?))
    }

    /// The signing seed as hexadecimal digits (for its key file).
    pub fn to_hex(&self) -> Zeroizing<String> {
        to_hex(&self.signing.to_bytes())
    }

    /// The MAC key as hexadecimal digits (for its key file).
    pub fn mac_key_hex(&self) -> Zeroizing<String> {
        to_hex(self.mac_key.as_slice())
    }

    /// The id of the key (from its public half).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public key (32 bytes).
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The MAC of an audit record's canonical bytes: under the MAC key, or — for a
    /// version-1 record, written before it existed — under the key derived from the
    /// signing seed.
    pub fn mac(&self, record: &[u8]) -> [u8; 32] {
        let key = if record.get(4) == Some(&1) { &self.legacy_mac_key } else { &self.mac_key };
        let mut mac =
            <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key.as_slice()).unwrap_or_else(|_| unreachable_mac());
        mac.update(record);
        mac.finalize().into_bytes().into()
    }

    /// Signs a message.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// HMAC accepts keys of any length; this is never reached.
fn unreachable_mac() -> hmac::Hmac<Sha256> {
    <hmac::Hmac<Sha256> as KeyInit>::new(&Default::default())
}

/// Checks an Ed25519 signature by a published public key.
pub fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(public), Ok(signature)) = (<[u8; 32]>::try_from(public_key), <[u8; 64]>::try_from(signature)) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&public) else { return false };
    key.verify(message, &ed25519_dalek::Signature::from_bytes(&signature)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_macs() {
        let key = AuditKey::generate();
        let signature = key.sign(b"tree head");
        assert!(verify_signature(&key.public_key(), b"tree head", &signature));
        assert!(!verify_signature(&key.public_key(), b"tree heaD", &signature));
        assert!(!verify_signature(&AuditKey::generate().public_key(), b"tree head", &signature));
        assert_ne!(key.mac(b"SILA\x02a"), key.mac(b"SILA\x02b"));
        let again = AuditKey::from_hex(&key.to_hex(), &key.mac_key_hex()).unwrap();
        assert_eq!(again.mac(b"SILA\x02a"), key.mac(b"SILA\x02a"));
        assert_eq!(again.id(), key.id());
    }

    /// The MAC key is not the signing key's: the same signing seed with another MAC key
    /// seals entries differently, and knowing the signing seed gives no MAC of a
    /// version-2 entry.
    #[test]
    fn the_mac_key_is_independent_of_the_signing_key() {
        let key = AuditKey::generate();
        let same_signer = AuditKey::from_hex(&key.to_hex(), &AuditKey::generate().mac_key_hex()).unwrap();
        assert_eq!(same_signer.public_key(), key.public_key());
        assert_ne!(same_signer.mac(b"SILA\x02record"), key.mac(b"SILA\x02record"));
        // Version-1 records stay under the key derived from the seed.
        assert_eq!(same_signer.mac(b"SILA\x01record"), key.mac(b"SILA\x01record"));
    }
}
