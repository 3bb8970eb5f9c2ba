//! Signing in and out, two-factor enrolment, sessions, and API tokens.
//!
//! Passwords are hashed with Argon2id (m = 19 MiB, t = 2, p = 1: the OWASP minimum
//! that keeps a sign-in under ~50 ms on one core), on a blocking thread so the async
//! runtime keeps serving. An unknown username is checked against a fixed dummy hash, so
//! it costs the same time as a wrong password and does not reveal which usernames exist.
//! Every role that reads case content must sign in with a TOTP code as well; until such
//! a user has enrolled, their session can do nothing but enrol. Five failures in a row,
//! per account and per client address, lock further attempts with a back-off that
//! doubles from a minute up to an hour. Session tokens are 256 random bits, only their
//! SHA-256 is stored, and a sign-in ends the session the browser came with (the id is
//! rotated).

use std::net::IpAddr;
use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use sila_domain::audit::SubjectKind;
use sila_store::SessionRecord;

use crate::audit::Audit;
use crate::{Actor, App, AppError, RequestContext};

pub mod tokens;
pub mod totp;
mod users;

pub use tokens::{NewToken, TokenScope};

/// A signed-in session: the token for the cookie, and who it is.
#[derive(Debug, Clone)]
pub struct Session {
    /// The secret token (goes into the cookie; never stored).
    pub token: String,
    /// The user.
    pub actor: Actor,
    /// When the session ends at the latest.
    pub expires_at: Timestamp,
    /// The user must enrol in two-factor sign-in before doing anything else.
    pub enrolment_required: bool,
}

/// A sign-in attempt.
#[derive(Debug, Clone, Default)]
pub struct SignIn {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// TOTP code.
    pub totp: Option<String>,
    /// The client's address, for throttling per address.
    pub client: Option<IpAddr>,
    /// The session token the client came with, ended at sign-in.
    pub previous_token: Option<String>,
}

/// How a request is authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// Who.
    pub actor: Actor,
    /// The session may only enrol in two-factor sign-in.
    pub enrolment_only: bool,
    /// For an API token: may it change anything?
    pub scope: TokenScope,
}

/// Consecutive failures that lock an account or an address.
pub const LOCK_AFTER: i64 = 5;

/// The lock after `failures` consecutive failures: none below [`LOCK_AFTER`], then a
/// minute, doubling with each further failure, at most an hour.
pub fn lock_duration(failures: i64) -> Option<SignedDuration> {
    if failures < LOCK_AFTER {
        return None;
    }
    let doublings = u32::try_from((failures - LOCK_AFTER).min(6)).unwrap_or(6);
    Some(SignedDuration::from_mins((1i64 << doublings).min(60)))
}

/// A user account as typed by an administrator.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    /// Sign-in name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Initial password.
    pub password: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// The agency (id).
    pub agency_id: String,
    /// The offices (ids) the user works at.
    pub office_ids: Vec<String>,
    /// Interface language, `ar` or `en`.
    pub language: Option<String>,
}

/// The shortest password accepted.
pub const MIN_PASSWORD_LENGTH: usize = 12;

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 passes, 1 lane: OWASP's recommended Argon2id minimum.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (on a blocking thread).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        argon2()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| AppError::Internal(format!("password hashing failed: {error}")))
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_string();
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password nobody knows, computed once: verifying an unknown
/// username against it costs what verifying a real one does.
async fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return hash;
    }
    let mut secret = [0u8; 32];
    rand::fill(&mut secret);
    let hash = hash_password(&base64::engine::general_purpose::STANDARD.encode(secret)).await.unwrap_or_default();
    DUMMY.get_or_init(|| hash)
}

pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl App {
    /// Signs in: password, then (for enrolled users) the TOTP code; throttled per account
    /// and per client address; the session the client came with is ended.
    pub async fn sign_in(&self, attempt: &SignIn) -> Result<Session, AppError> {
        let now = self.now();
        let username = attempt.username.trim().to_ascii_lowercase();
        let keys: Vec<String> = std::iter::once(format!("user:{username}"))
            .chain(attempt.client.map(|address| format!("addr:{address}")))
            .collect();
        let mut audit = Audit::new(None, "session.create");
        {
            let mut tx = self.store.read().await?;
            for key in &keys {
                if let Some(until) = tx.throttle(key).await?.locked_until
                    && until > now
                {
                    drop(tx);
                    let error = AppError::TooManyAttempts { retry_after_seconds: until.duration_since(now).as_secs() };
                    self.audit_failure(&audit, &error).await;
                    return Err(error);
                }
            }
        }
        let found = self.store.read().await?.user_for_sign_in(&username).await?;
        let verified = match &found {
            Some((_, hash)) => verify_password(&attempt.password, hash).await,
            None => {
                verify_password(&attempt.password, dummy_hash().await).await;
                false
            }
        };
        let user = match found {
            Some((user, _)) if verified && !user.disabled => user,
            other => {
                if let Some((user, _)) = other {
                    audit.subject(SubjectKind::User, user.id);
                }
                return Err(self.fail_sign_in(&audit, &keys, AppError::SignInFailed).await);
            }
        };
        audit.subject(SubjectKind::User, user.id);
        let (mut tx, _) = self.begin(None, "session.create").await?;
        let totp = tx.totp_state(user.id).await?;
        let mut enrolment_required = false;
        if totp.enrolled {
            let Some(code) = attempt.totp.as_deref().filter(|code| !code.trim().is_empty()) else {
                drop(tx);
                let error = AppError::TotpRequired;
                self.audit_failure(&audit, &error).await;
                return Err(error);
            };
            let secret = totp.secret.as_deref().and_then(totp::from_base32).unwrap_or_default();
            let accepted = totp::accept(&secret, code, now.as_second(), totp.last_step);
            let fresh = match accepted {
                Some(step) => tx.advance_totp_step(user.id, step).await?,
                None => false,
            };
            if !fresh {
                drop(tx);
                return Err(self.fail_sign_in(&audit, &keys, AppError::SignInFailed).await);
            }
        } else if user.reads_case_content() {
            enrolment_required = true;
        }
        let result = async {
            let agency = tx.agency(user.agency_id).await?.ok_or(AppError::SignInFailed)?;
            if let Some(previous) = &attempt.previous_token {
                tx.revoke_session(&token_hash(previous), now).await?;
            }
            for key in &keys {
                tx.clear_throttle(key).await?;
            }
            let token = new_token();
            let expires_at = now.checked_add(self.config.session_absolute).unwrap_or(now);
            tx.insert_session(
                &token_hash(&token),
                &SessionRecord {
                    user_id: user.id,
                    created_at: now,
                    last_seen_at: now,
                    expires_at,
                    revoked_at: None,
                    restricted: enrolment_required,
                },
            )
            .await?;
            let actor = App::load_actor(&mut tx, user.clone(), agency, now).await?;
            Ok(Session { token, actor, expires_at, enrolment_required })
        }
        .await;
        if enrolment_required {
            audit.detail("enrolment_required", "true");
        }
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Records a failed sign-in under every throttle key (locking them after
    /// [`LOCK_AFTER`] failures) and audits it.
    async fn fail_sign_in(&self, audit: &Audit, keys: &[String], error: AppError) -> AppError {
        let now = self.now();
        let recorded = async {
            let mut tx = self.store.write().await?;
            for key in keys {
                let failures = tx.throttle(key).await?.failures + 1;
                let until = lock_duration(failures).and_then(|duration| now.checked_add(duration).ok());
                tx.record_failure(key, failures, now, until).await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(failure) = recorded {
            tracing::error!(error = %failure, "could not record a failed sign-in");
        }
        self.audit_failure(audit, &error).await;
        error
    }

    /// The actor behind a session token or an API token.
    ///
    /// A session is live when not revoked, not idle longer than the idle timeout, not
    /// past its absolute end, and its user is not disabled. An API token (`sila_…`) is
    /// live when not revoked or expired.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, AppError> {
        if token.starts_with(tokens::PREFIX) {
            return self.authenticate_api_token(token).await;
        }
        let hash = token_hash(token);
        let now = self.now();
        let mut tx = self.store.read().await?;
        let session = tx.session(&hash).await?.ok_or(AppError::Unauthenticated)?;
        let idle_limit = session.last_seen_at.checked_add(self.config.session_idle).unwrap_or(session.last_seen_at);
        if session.revoked_at.is_some() || now >= session.expires_at || now >= idle_limit {
            return Err(AppError::Unauthenticated);
        }
        let user = tx.user(session.user_id).await?.ok_or(AppError::Unauthenticated)?;
        if user.disabled {
            return Err(AppError::Unauthenticated);
        }
        let agency = tx.agency(user.agency_id).await?.ok_or(AppError::Unauthenticated)?;
        let actor = App::load_actor(&mut tx, user, agency, now).await?;
        drop(tx);
        // Recording activity is a write; once a minute is enough for the idle timeout
        // and keeps reads from queueing behind SQLite's single writer.
        if now.duration_since(session.last_seen_at) > SignedDuration::from_mins(1) {
            let mut tx = self.store.write().await?;
            tx.touch_session(&hash, now).await?;
            tx.commit().await?;
        }
        Ok(Authenticated { actor, enrolment_only: session.restricted, scope: TokenScope::Write })
    }

    /// An actor with the ties and live grants that change what they may see.
    pub(crate) async fn load_actor(
        tx: &mut sila_store::Tx,
        user: sila_domain::agency::User,
        agency: sila_domain::agency::Agency,
        now: Timestamp,
    ) -> Result<Actor, AppError> {
        let conflicts = tx.conflicts_of(user.id).await?;
        let break_glass = tx.live_break_glass(user.id, now).await?;
        Ok(Actor { user, agency, conflicts, break_glass })
    }

    /// Ends a session.
    pub async fn sign_out(&self, actor: &Actor, token: &str) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "session.delete").await?;
        audit.subject(SubjectKind::User, actor.user.id);
        let result = tx.revoke_session(&token_hash(token), self.now()).await.map_err(AppError::from);
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Starts (or restarts) two-factor enrolment: a new secret, pending until a code
    /// from it is confirmed. Answers the secret, its `otpauth://` URI and a QR code.
    pub async fn begin_totp_enrolment(&self, actor: &Actor) -> Result<TotpEnrolment, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "totp.enrol").await?;
        audit.subject(SubjectKind::User, actor.user.id);
        let result = async {
            let state = tx.totp_state(actor.user.id).await?;
            if state.enrolled {
                // Re-enrolling would let a stolen session replace the second factor.
                return Err(AppError::Conflict(crate::Conflict::AlreadyEnrolled));
            }
            let mut secret = [0u8; 20];
            rand::fill(&mut secret);
            let encoded = totp::base32(&secret);
            tx.set_totp_secret(actor.user.id, &encoded, false).await?;
            let uri = totp::otpauth_uri("Sila", &actor.user.username, &encoded);
            let qr_svg = totp::qr_svg(&uri).unwrap_or_default();
            Ok(TotpEnrolment { secret: encoded, otpauth_uri: uri, qr_svg })
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Confirms enrolment with a code from the pending secret; from then on every
    /// sign-in needs a code, and the user's restricted sessions become full ones.
    pub async fn confirm_totp_enrolment(&self, actor: &Actor, code: &str) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "totp.confirm").await?;
        audit.subject(SubjectKind::User, actor.user.id);
        let result = async {
            let state = tx.totp_state(actor.user.id).await?;
            if state.enrolled {
                return Err(AppError::Conflict(crate::Conflict::AlreadyEnrolled));
            }
            let secret = state
                .secret
                .as_deref()
                .and_then(totp::from_base32)
                .ok_or_else(|| AppError::invalid("code", sila_domain::Problem::Required))?;
            let step = totp::accept(&secret, code, self.now().as_second(), state.last_step)
                .ok_or_else(|| AppError::invalid("code", sila_domain::Problem::UnknownValue))?;
            tx.confirm_totp(actor.user.id, step).await?;
            tx.unrestrict_sessions(actor.user.id).await?;
            Ok(())
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Enrols a user directly with a known secret (the demo prints it; an operator may
    /// hand one over in person).
    pub async fn enrol_totp_for_operator(
        &self,
        user: sila_domain::ids::UserId,
        secret_base32: &str,
    ) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(None, "totp.enrol").await?;
        audit.subject(SubjectKind::User, user);
        let result = tx.set_totp_secret(user, secret_base32, true).await.map_err(AppError::from);
        self.finish(tx, audit, &RequestContext::default(), result).await
    }
}

/// What enrolment shows the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// The secret in base32, to type in by hand.
    pub secret: String,
    /// The URI an authenticator app takes.
    pub otpauth_uri: String,
    /// Its QR code, as SVG.
    pub qr_svg: String,
}
