//! Time-based one-time passwords (RFC 6238, on HOTP of RFC 4226): six digits from
//! HMAC-SHA-1 over 30-second steps, as every authenticator app computes them, with the
//! otpauth URI and QR code of enrolment. A code is accepted one step early or late (a
//! phone's clock drifts), and never twice.

use hmac::{KeyInit, Mac};

/// The hash of the HMAC (RFC 6238 allows SHA-1, SHA-256, SHA-512).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC-SHA-1, what authenticator apps use by default.
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;

fn hmac(algorithm: Algorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so creating it cannot fail.
        match <M as KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match algorithm {
        Algorithm::Sha1 => run::<hmac::Hmac<sha1::Sha1>>(key, message),
        Algorithm::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, message),
        Algorithm::Sha512 => run::<hmac::Hmac<sha2::Sha512>>(key, message),
    }
}

/// The HOTP value of `counter` (RFC 4226, dynamic truncation), `digits` long.
pub fn hotp(algorithm: Algorithm, secret: &[u8], counter: u64, digits: u32) -> String {
    let hash = hmac(algorithm, secret, &counter.to_be_bytes());
    let Some(last) = hash.last() else { return String::new() };
    let offset = usize::from(last & 0x0f);
    let binary = (u32::from(hash[offset] & 0x7f) << 24)
        | (u32::from(hash[offset + 1]) << 16)
        | (u32::from(hash[offset + 2]) << 8)
        | u32::from(hash[offset + 3]);
    let modulus = 10u64.pow(digits);
    format!("{:0width$}", u64::from(binary) % modulus, width = digits as usize)
}

/// The step of a Unix time.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The TOTP code for a Unix time.
pub fn code_at(secret: &[u8], unix_seconds: i64) -> String {
    hotp(Algorithm::Sha1, secret, u64::try_from(step_of(unix_seconds)).unwrap_or(0), DIGITS)
}

/// The step whose code `code` is, within one step of `unix_seconds` and after
/// `last_step`; `None` when the code is wrong, stale or already used.
pub fn accept(secret: &[u8], code: &str, unix_seconds: i64, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|ch| !ch.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.chars().all(|ch| ch.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    (now - 1..=now + 1).filter(|step| *step > last_step && *step >= 0).find(|step| {
        let expected = hotp(Algorithm::Sha1, secret, u64::try_from(*step).unwrap_or(0), DIGITS);
        // Compare without an early exit, so timing does not leak matching digits.
        expected.bytes().zip(code.bytes()).fold(0u8, |diff, (left, right)| diff | (left ^ right)) == 0
    })
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648) without padding, the form authenticator apps take secrets in.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes [`base32`] (case-insensitive, padding and spaces ignored).
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer = 0u32;
    let mut bits = 0;
    for ch in text.chars().filter(|ch| !matches!(ch, '=' | ' ' | '-')) {
        let value = BASE32.iter().position(|symbol| char::from(*symbol) == ch.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(byte).to_string(),
                _ => format!("%{byte:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode(issuer),
        encode(account),
        encode(issuer)
    )
}

/// The QR code of `text` as an SVG image, drawn by the server (no image is fetched
/// from anywhere).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, Appendix B: the published test vectors (8 digits, three hashes).
    #[test]
    fn rfc_6238_test_vectors() {
        let sha1 = b"12345678901234567890";
        let sha256 = b"12345678901234567890123456789012";
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234";
        let vectors: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (time, expected_sha1, expected_sha256, expected_sha512) in vectors {
            let counter = u64::try_from(step_of(time)).unwrap();
            assert_eq!(hotp(Algorithm::Sha1, sha1, counter, 8), expected_sha1, "SHA-1 at {time}");
            assert_eq!(hotp(Algorithm::Sha256, sha256, counter, 8), expected_sha256, "SHA-256 at {time}");
            assert_eq!(hotp(Algorithm::Sha512, sha512, counter, 8), expected_sha512, "SHA-512 at {time}");
        }
    }

    #[test]
    fn codes_are_accepted_once_and_within_one_step() {
        let secret = b"12345678901234567890";
        let now = 1_764_403_200;
        let code = code_at(secret, now);
        let step = accept(secret, &code, now, 0).unwrap();
        assert_eq!(accept(secret, &code, now, step), None, "never twice");
        assert_eq!(accept(secret, &code, now + 30, 0), Some(step), "a step late is fine");
        assert_eq!(accept(secret, &code, now + 90, 0), None, "three steps late is not");
        assert_eq!(accept(secret, "12345", now, 0), None);
        assert_eq!(accept(secret, "abcdef", now, 0), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(from_base32("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(from_base32("mzxw6ytboi").unwrap(), b"foobar");
        assert!(from_base32("1!").is_none());
    }

    #[test]
    fn enrolment_uri_and_qr() {
        let uri = otpauth_uri("Sila", "cp.officer", "MZXW6YTBOI");
        assert_eq!(
            uri,
            "otpauth://totp/Sila:cp.officer?secret=MZXW6YTBOI&issuer=Sila&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
