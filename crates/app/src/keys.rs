//! The audit key: an Ed25519 key that signs tree heads (its public half is published so
//! anyone can check them), and, derived from it, the MAC key that seals each audit
//! entry as it is appended — so `sila audit verify` can name the exact entry that was
//! altered, and an entry inserted behind the server's back is recognised as forged.
//! Like the master keys, it lives in a key file or the environment, never in the
//! database.

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The server's audit key.
#[derive(Clone)]
pub struct AuditKey {
    signing: SigningKey,
    mac_key: Zeroizing<[u8; 32]>,
    id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

impl AuditKey {
    /// The key from its 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> AuditKey {
        let signing = SigningKey::from_bytes(&seed);
        let mut hasher = Sha256::new();
        hasher.update(b"sila audit mac key");
        hasher.update(seed);
        let mac_key = Zeroizing::new(hasher.finalize().into());
        let public = signing.verifying_key().to_bytes();
        let id = Sha256::digest(public)[..8].iter().map(|byte| format!("{byte:02x}")).collect();
        AuditKey { signing, mac_key, id }
    }

    /// A new random key.
    pub fn generate() -> AuditKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::fill(seed.as_mut_slice());
        AuditKey::from_seed(*seed)
    }

    /// The key from 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Option<AuditKey> {
        let text = text.trim();
        if text.len() != 64 {
            return None;
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        for (index, byte) in seed.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(index * 2..index * 2 + 2)?, 16).ok()?;
        }
        Some(AuditKey::from_seed(*seed))
    }

    /// The seed as hexadecimal digits (for its key file).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(self.signing.to_bytes().iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// The id of the key (from its public half).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public key (32 bytes).
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The MAC of an audit record's canonical bytes.
    pub fn mac(&self, record: &[u8]) -> [u8; 32] {
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.mac_key.as_slice())
            .unwrap_or_else(|_| unreachable_mac());
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
        assert_ne!(key.mac(b"a"), key.mac(b"b"));
        let again = AuditKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(again.mac(b"a"), key.mac(b"a"));
        assert_eq!(again.id(), key.id());
    }
}
