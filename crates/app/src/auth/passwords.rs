//! Passwords: Argon2id hashes in PHC strings, computed on a blocking thread with working
//! memory that leaves the allocator's thresholds alone.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::AppError;

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 passes, 1 lane: OWASP's recommended Argon2id minimum.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Argon2's working memory (19 MiB for the parameters above), reserved with room for
/// more than 32 MiB of which only what is used is ever touched. glibc maps so large a
/// block on its own and unmaps it when freed, leaving its thresholds alone; a block of
/// 19 MiB, once freed, would raise its mmap threshold to 19 MiB and its trim threshold
/// to twice that, after which every thread's arena keeps up to 38 MiB of freed memory
/// (what took the demo, which hashes every user's password, to 250 MiB;
/// docs/BENCHMARKS.md).
fn working_memory(blocks: usize) -> Vec<Block> {
    const PAST_THE_CEILING: usize = 33 * 1024;
    let mut memory = Vec::with_capacity(blocks.max(PAST_THE_CEILING));
    memory.resize(blocks, Block::new());
    memory
}

/// The hash of `password` with `salt` under `hasher`, `length` bytes long.
fn argon2_output(hasher: &Argon2<'_>, password: &[u8], salt: &[u8], length: usize) -> Result<Output, String> {
    let mut out = vec![0u8; length];
    let mut memory = working_memory(hasher.params().block_count());
    hasher.hash_password_into_with_memory(password, salt, &mut out, &mut memory[..]).map_err(|e| e.to_string())?;
    Output::new(&out).map_err(|error| error.to_string())
}

/// Hashes a password with a fresh salt into its PHC string.
fn hash_now(password: &str) -> Result<String, String> {
    let hasher = argon2();
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let salt = Salt::new(&salt).map_err(|error| error.to_string())?;
    let length = hasher.params().output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = argon2_output(&hasher, password.as_bytes(), &salt, length)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(hasher.params()).map_err(|error| error.to_string())?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` is the one `hash` (a PHC string) was made from, under the
/// algorithm, version and parameters it names; the outputs are compared in constant time.
fn matches_now(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let Ok(version) = parsed.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let hasher = Argon2::new(algorithm, version, params);
    argon2_output(&hasher, password.as_bytes(), salt, expected.len()).is_ok_and(|computed| &computed == expected)
}

/// Hashes a password (on a blocking thread).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        hash_now(&password).map_err(|error| AppError::Internal(format!("password hashing failed: {error}")))
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
}

pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_string();
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || matches_now(&password, &hash)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::{argon2, hash_now, matches_now};

    #[test]
    fn hashes_with_our_working_memory_agree_with_the_argon2_crate_both_ways() {
        // A hash stored before (made by the crate's own hasher) still signs in…
        let stored = argon2().hash_password(b"a long enough password").unwrap().to_string();
        assert!(matches_now("a long enough password", &stored));
        assert!(!matches_now("a long enough passwore", &stored));
        // …and one made now is what the crate itself accepts.
        let made = hash_now("كلمة مرور طويلة بما يكفي").unwrap();
        assert!(made.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{made}");
        let parsed = argon2::password_hash::phc::PasswordHash::new(&made).unwrap();
        assert!(argon2().verify_password("كلمة مرور طويلة بما يكفي".as_bytes(), &parsed).is_ok());
        assert!(!matches_now("كلمة مرور طويلة بما يكفى", &made));
        assert_ne!(made, hash_now("كلمة مرور طويلة بما يكفي").unwrap(), "a fresh salt each time");
        assert!(!matches_now("anything", "not a hash"));
    }
}
