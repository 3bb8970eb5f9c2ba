//! Encryption at rest (envelope encryption). Each case, referral and user has its own
//! random data key; content is sealed with it (XChaCha20-Poly1305, a fresh 24-byte
//! nonce per value, the owner's id and the field name as associated data, so a sealed
//! value cannot be moved to another record or field). Data keys are stored only wrapped
//! by a master key that is read at start from a key file or the environment and never
//! enters the database. Destroying a data key ("crypto-shredding") makes its content
//! unreadable for good; rotating the master key re-wraps data keys without touching
//! the content.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A master key: 32 random bytes, zeroised when dropped. Its id (derived from the key)
/// is stored beside each data key it wraps, so rotation knows which key opens what.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterKey {
    key: [u8; 32],
    #[zeroize(skip)]
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(key: [u8; 32]) -> MasterKey {
        let mut hasher = Sha256::new();
        hasher.update(b"sila master key id");
        hasher.update(key);
        let digest = hasher.finalize();
        let id = digest[..8].iter().map(|byte| format!("{byte:02x}")).collect();
        MasterKey { key, id }
    }

    /// A new random key.
    pub fn generate() -> MasterKey {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        let master = MasterKey::from_bytes(key);
        key.zeroize();
        master
    }

    /// A key from 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Option<MasterKey> {
        let text = text.trim();
        if text.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (index, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(index * 2..index * 2 + 2)?, 16).ok()?;
        }
        let master = MasterKey::from_bytes(key);
        key.zeroize();
        Some(master)
    }

    /// The key as hexadecimal digits (for its key file).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(self.key.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.into())
    }
}

/// The master keys in use: the current one wraps new data keys; older ones (during a
/// rotation) still open what they wrapped.
#[derive(Debug, Clone)]
pub struct MasterKeys {
    current: MasterKey,
    older: Vec<MasterKey>,
}

impl MasterKeys {
    /// The keys, current first.
    pub fn new(current: MasterKey, older: Vec<MasterKey>) -> MasterKeys {
        MasterKeys { current, older }
    }

    /// The key that wraps new data keys.
    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    /// Keys for another purpose than wrapping (`label` names it), derived from each
    /// master key, current first: SHA-256 of a fixed prefix, the label and the key. A
    /// value made under the current key is recognised under an older one while a
    /// rotation is under way.
    pub fn derived(&self, label: &str) -> Vec<Zeroizing<[u8; 32]>> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .map(|master| {
                let mut hasher = Sha256::new();
                hasher.update(b"sila derived key\0");
                hasher.update(label.as_bytes());
                hasher.update([0]);
                hasher.update(master.key);
                Zeroizing::new(hasher.finalize().into())
            })
            .collect()
    }

    fn find(&self, id: &str) -> Option<&MasterKey> {
        std::iter::once(&self.current).chain(&self.older).find(|key| key.id == id)
    }
}

/// A data key, zeroised when dropped.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct DataKey([u8; 32]);

impl DataKey {
    pub(crate) fn generate() -> DataKey {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        DataKey(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }
}

const VERSION: u8 = 1;

fn nonce() -> [u8; 24] {
    let mut nonce = [0u8; 24];
    rand::fill(&mut nonce);
    nonce
}

fn aad(purpose: &[u8], owner: Uuid, field: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(purpose.len() + 16 + field.len() + 1);
    aad.extend_from_slice(purpose);
    aad.extend_from_slice(owner.as_bytes());
    aad.push(0);
    aad.extend_from_slice(field.as_bytes());
    aad
}

fn seal_with(cipher: &XChaCha20Poly1305, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = nonce();
    // Encryption fails only for inputs beyond the cipher's limits (gigabytes): the
    // values sealed here are bounded far below, so an empty result cannot occur.
    let ciphertext = cipher.encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad }).unwrap_or_default();
    let mut sealed = Vec::with_capacity(1 + 24 + ciphertext.len());
    sealed.push(VERSION);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    sealed
}

fn open_with(cipher: &XChaCha20Poly1305, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < 1 + 24 + 16 || sealed[0] != VERSION {
        return None;
    }
    let nonce: [u8; 24] = sealed[1..25].try_into().ok()?;
    cipher.decrypt(&XNonce::from(nonce), Payload { msg: &sealed[25..], aad }).ok()
}

impl MasterKeys {
    /// Wraps a data key for `owner` with the current master key.
    pub(crate) fn wrap(&self, owner: Uuid, key: &DataKey) -> (String, Vec<u8>) {
        let wrapped = seal_with(&self.current.cipher(), &aad(b"sila/data-key/", owner, ""), &key.0);
        (self.current.id.clone(), wrapped)
    }

    /// Unwraps `owner`'s data key, wrapped by the master key `master_id`.
    pub(crate) fn unwrap(&self, owner: Uuid, master_id: &str, wrapped: &[u8]) -> Result<DataKey, VaultError> {
        let master = self.find(master_id).ok_or_else(|| VaultError::UnknownMasterKey(master_id.to_string()))?;
        let bytes = Zeroizing::new(
            open_with(&master.cipher(), &aad(b"sila/data-key/", owner, ""), wrapped).ok_or(VaultError::Unsealable)?,
        );
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| VaultError::Unsealable)?;
        Ok(DataKey(key))
    }
}

impl DataKey {
    /// Seals `plaintext` as field `field` of `owner`.
    pub(crate) fn seal(&self, owner: Uuid, field: &str, plaintext: &[u8]) -> Vec<u8> {
        seal_with(&self.cipher(), &aad(b"sila/content/", owner, field), plaintext)
    }

    /// Opens a value sealed by [`DataKey::seal`] for the same owner and field.
    pub(crate) fn open(&self, owner: Uuid, field: &str, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        open_with(&self.cipher(), &aad(b"sila/content/", owner, field), sealed).ok_or(VaultError::Unsealable)
    }
}

/// Why a key or value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VaultError {
    /// The master key with this id is not configured.
    UnknownMasterKey(String),
    /// Authentication failed: altered, or sealed for another owner, field or key.
    Unsealable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_opens_only_for_its_owner_field_and_key() {
        let keys = MasterKeys::new(MasterKey::generate(), Vec::new());
        let owner = Uuid::from_u128(1);
        let data_key = DataKey::generate();
        let (master_id, wrapped) = keys.wrap(owner, &data_key);
        let unwrapped = keys.unwrap(owner, &master_id, &wrapped).unwrap();
        let sealed = data_key.seal(owner, "narrative", "أفادت بتعرضها للضرب".as_bytes());
        assert!(!sealed.windows(6).any(|window| window == "أفادت".as_bytes()));
        assert_eq!(unwrapped.open(owner, "narrative", &sealed).unwrap(), "أفادت بتعرضها للضرب".as_bytes());
        assert_eq!(unwrapped.open(owner, "note", &sealed), Err(VaultError::Unsealable));
        assert_eq!(unwrapped.open(Uuid::from_u128(2), "narrative", &sealed), Err(VaultError::Unsealable));
        assert!(keys.unwrap(Uuid::from_u128(2), &master_id, &wrapped).is_err());
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(unwrapped.open(owner, "narrative", &altered), Err(VaultError::Unsealable));
        // Two seals of the same text differ (fresh nonces).
        assert_ne!(data_key.seal(owner, "narrative", b"x"), data_key.seal(owner, "narrative", b"x"));
    }

    #[test]
    fn rotation_keeps_older_keys_able_to_unwrap() {
        let old = MasterKey::generate();
        let owner = Uuid::from_u128(3);
        let data_key = DataKey::generate();
        let (old_id, wrapped) = MasterKeys::new(old.clone(), Vec::new()).wrap(owner, &data_key);
        let rotated = MasterKeys::new(MasterKey::generate(), vec![old]);
        let reopened = rotated.unwrap(owner, &old_id, &wrapped).unwrap();
        let (new_id, rewrapped) = rotated.wrap(owner, &reopened);
        assert_ne!(new_id, old_id);
        assert!(rotated.unwrap(owner, &new_id, &rewrapped).is_ok());
        let hex = rotated.current().to_hex();
        assert_eq!(MasterKey::from_hex(&hex).unwrap().id(), rotated.current().id());
        assert!(MasterKey::from_hex("zz").is_none());
    }
}
