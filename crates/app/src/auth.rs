//! Signing in and out, two-factor enrolment, sessions, recognised devices, set-up links
//! and API tokens.
//!
//! Every user signs in with a password *and* a TOTP code, whatever their role; a wrong
//! password, a missing or wrong code, an unknown username, a disabled account or one
//! that never enrolled all get the same answer, and every attempt counts. Passwords are
//! hashed with Argon2id (m = 19 MiB, t = 2, p = 1: the OWASP minimum that keeps a
//! sign-in under ~50 ms on one core), on a blocking thread so the async runtime keeps
//! serving; an unknown username is checked against a fixed dummy hash, so it costs the
//! same time.
//!
//! Throttling cannot be turned against a named user. Each attempt is *claimed* in one
//! statement before any credential is checked (so a burst of fifty attempts evaluates no
//! more than the limit), under one of three keys:
//!
//! - a **recognised device** — a browser holding the long-lived cookie set after a
//!   two-factor sign-in for that user — counts its own failures only: strangers failing
//!   under her name never slow her down;
//! - any other browser counts under the **account**: five failures lock it for a minute,
//!   doubling with each further failure up to an hour, the count starting again after a
//!   quiet day;
//! - and under its **client address** (the peer, or `X-Forwarded-For` from a configured
//!   proxy only): an address that failed twenty times is refused only for accounts that
//!   have failures themselves — an account that has not failed is never locked by its
//!   neighbours behind the same proxy.
//!
//! A storm (ten failures under one account, twenty from one address) alerts the
//! auditors. Session tokens are 256 random bits, only their SHA-256 is stored, and a
//! sign-in ends the session the browser came with (the id is rotated).
//!
//! A new user, or one whose sign-in an administrator reset, gets a one-time set-up link:
//! its holder chooses a password and enrols a new authenticator through a session that
//! can do nothing else; enrolment makes that one session a full one and ends every other
//! session and token of the user.

use std::net::IpAddr;
use std::sync::OnceLock;

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use sila_domain::agency::Role;
use sila_domain::audit::SubjectKind;
use sila_domain::error::Problem;
use sila_domain::ids::{AgencyId, UserId};
use sila_store::{Alert, SessionRecord, SetupLink, Tx};

use crate::audit::Audit;
use crate::{Actor, App, AppError, RequestContext, new_uuid};

mod passwords;
pub mod tokens;
pub mod totp;
mod users;

pub use passwords::hash_password;
use passwords::verify_password;

pub use tokens::{NewToken, TokenScope};
pub use users::{AccountChange, CreatedUser, Decided};

/// A signed-in session: the token for the cookie, and who it is.
#[derive(Debug, Clone)]
pub struct Session {
    /// The secret token (goes into the cookie; never stored).
    pub token: String,
    /// The user.
    pub actor: Actor,
    /// When the session ends at the latest.
    pub expires_at: Timestamp,
    /// The session may only enrol in two-factor sign-in (it came from a set-up link).
    pub enrolment_required: bool,
    /// A new recognised-device token for the browser's cookie, when the browser was not
    /// recognised for this user yet.
    pub device: Option<String>,
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
    /// The recognised-device tokens the browser holds (its cookie).
    pub devices: Vec<String>,
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

/// A one-time set-up link just issued: the token is shown once, to the administrator
/// whose action made the account usable (or printed to the operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupLinkIssued {
    /// The secret token (the link is `/set-up?token=…`).
    pub token: String,
    /// Until when it works.
    pub expires_at: Timestamp,
}

/// Attempts under one account (from browsers not recognised for it) or one recognised
/// device before a lock.
pub const LOCK_AFTER: i64 = 5;
/// Failures from one client address before it is refused for accounts that failed too.
pub const ADDRESS_LOCK_AFTER: i64 = 20;
/// Failures under one account that alert the agency's auditors.
pub const ACCOUNT_STORM: i64 = 10;
/// Failures from one address that alert every auditor.
pub const ADDRESS_STORM: i64 = ADDRESS_LOCK_AFTER;
/// A count starts again when its last attempt is older than this.
pub const QUIET_SPELL: SignedDuration = SignedDuration::from_hours(24);
/// The locks for the counts [`LOCK_AFTER`], `+ 1`, …, in minutes; the last holds after.
const LOCK_MINUTES: [i64; 7] = [1, 2, 4, 8, 16, 32, 60];
/// How long a browser stays recognised after a two-factor sign-in.
pub const DEVICE_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 180);
/// How many recognised-device tokens a browser's cookie keeps (people sharing a desk).
pub const DEVICES_PER_BROWSER: usize = 4;
/// How long a set-up link works.
pub const SETUP_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(72);
/// The password hash of an account that has none yet (or whose sign-in was reset):
/// it is not a PHC string, so no password ever verifies against it.
pub(crate) const NO_PASSWORD: &str = "!";

/// The lock after `failures` consecutive failures: none below [`LOCK_AFTER`], then a
/// minute, doubling with each further failure, at most an hour.
pub fn lock_duration(failures: i64) -> Option<SignedDuration> {
    if failures < LOCK_AFTER {
        return None;
    }
    let step = usize::try_from(failures - LOCK_AFTER).unwrap_or(usize::MAX).min(LOCK_MINUTES.len() - 1);
    Some(SignedDuration::from_mins(LOCK_MINUTES[step]))
}

fn lock_micros() -> Vec<i64> {
    LOCK_MINUTES.iter().map(|minutes| minutes * 60 * 1_000_000).collect()
}

/// A user account as typed by an administrator (the user chooses their own password
/// through a set-up link).
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    /// Sign-in name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
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
/// The longest password accepted.
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// Checks a new password and its repetition: every problem named by its field.
pub fn check_new_password(password: &str, repeated: &str) -> Result<(), AppError> {
    let length = password.chars().count();
    let mut errors = Vec::new();
    if password.is_empty() {
        errors.push(sila_domain::FieldError::new("password", Problem::Required));
    } else if length < MIN_PASSWORD_LENGTH {
        errors.push(sila_domain::FieldError::new("password", Problem::TooShort { min: MIN_PASSWORD_LENGTH }));
    } else if length > MAX_PASSWORD_LENGTH {
        errors.push(sila_domain::FieldError::new("password", Problem::TooLong { max: MAX_PASSWORD_LENGTH }));
    }
    if repeated.is_empty() {
        errors.push(sila_domain::FieldError::new("password_repeat", Problem::Required));
    } else if repeated != password {
        errors.push(sila_domain::FieldError::new("password_repeat", Problem::Mismatch));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

/// A hash of a random password nobody knows, computed once: verifying an unknown
/// username (or an account without a password) against it costs what verifying a real
/// one does.
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

pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn too_many(until: Option<Timestamp>, now: Timestamp) -> AppError {
    let seconds = until.map_or(60, |until| until.duration_since(now).as_secs().max(1));
    AppError::TooManyAttempts { retry_after_seconds: seconds }
}

/// The throttle keys an attempt was claimed under.
struct Claimed {
    /// Cleared by a success: the recognised device's, or the account's.
    cleared_on_success: String,
}

impl App {
    /// Signs in with the password and the TOTP code; every failure answers the same
    /// [`AppError::SignInFailed`], and every attempt is claimed against its throttles
    /// before anything is checked. The session the client came with is ended.
    pub async fn sign_in(&self, attempt: &SignIn) -> Result<Session, AppError> {
        let now = self.now();
        let username = attempt.username.trim().to_ascii_lowercase();
        let mut audit = Audit::new(None, "session.create");
        let (found, device) = {
            let mut tx = self.store.read().await?;
            let found = tx.user_for_sign_in(&username).await?;
            let device = match &found {
                Some((user, _)) => recognised_device(&mut tx, user.id, &attempt.devices, now).await?,
                None => None,
            };
            (found, device)
        };
        if let Some((user, _)) = &found {
            audit.subject(SubjectKind::User, user.id);
        }
        if device.is_some() {
            audit.detail("device", "recognised");
        }
        let agency = found.as_ref().map(|(user, _)| (user.id, user.agency_id));
        let claimed = match self.claim_sign_in(&username, agency, device.as_deref(), attempt.client, now).await {
            Ok(claimed) => claimed,
            Err(error) => {
                self.audit_failure(&audit, &error).await;
                return Err(error);
            }
        };
        let verified = self.password_matches(&attempt.password, found.as_ref().map(|(_, hash)| hash.as_str())).await;
        let user = match found {
            Some((user, _)) if verified && !user.disabled => user,
            _ => return Err(self.refuse_sign_in(&audit).await),
        };
        let (mut tx, _) = self.begin(None, "session.create").await?;
        let totp = tx.totp_state(user.id).await?;
        let code = attempt.totp.as_deref().map(str::trim).filter(|code| !code.is_empty());
        let accepted = match (totp.enrolled, totp.secret.as_deref().and_then(totp::from_base32), code) {
            (true, Some(secret), Some(code)) => totp::accept(&secret, code, now.as_second(), totp.last_step),
            _ => None,
        };
        let fresh = match accepted {
            Some(step) => tx.advance_totp_step(user.id, step).await?,
            None => false,
        };
        if !fresh {
            drop(tx);
            return Err(self.refuse_sign_in(&audit).await);
        }
        let result = async {
            let agency = tx.agency(user.agency_id).await?.ok_or(AppError::SignInFailed)?;
            if let Some(previous) = &attempt.previous_token {
                tx.revoke_session(&token_hash(previous), now).await?;
            }
            tx.clear_throttle(&claimed.cleared_on_success).await?;
            let new_device = match &device {
                Some(hash) => {
                    tx.touch_device(hash, now).await?;
                    None
                }
                None => {
                    let token = new_token();
                    let expires = now.checked_add(DEVICE_LIFETIME).unwrap_or(now);
                    tx.insert_device(&token_hash(&token), user.id, now, expires).await?;
                    Some(token)
                }
            };
            let (token, expires_at) = self.open_session(&mut tx, user.id, false, now).await?;
            let actor = App::load_actor(&mut tx, user.clone(), agency, now).await?;
            Ok(Session { token, actor, expires_at, enrolment_required: false, device: new_device })
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Claims an attempt under its throttle keys (see the module's documentation), or
    /// refuses it with the time to wait.
    async fn claim_sign_in(
        &self,
        username: &str,
        user: Option<(UserId, AgencyId)>,
        device: Option<&str>,
        client: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<Claimed, AppError> {
        let fresh_after = now.checked_sub(QUIET_SPELL).unwrap_or(now);
        let lock = lock_micros();
        let mut tx = self.store.write().await?;
        if let Some(device) = device {
            let key = format!("device:{device}");
            if tx.claim_attempt(&key, now, fresh_after, LOCK_AFTER, &lock).await?.is_none() {
                let until = tx.throttle(&key).await?.locked_until;
                return Err(too_many(until, now));
            }
            tx.commit().await?;
            return Ok(Claimed { cleared_on_success: key });
        }
        let account_key = format!("user:{username}");
        let address_key = client.map(|address| format!("addr:{address}"));
        if let Some(address_key) = &address_key {
            let address = tx.throttle(address_key).await?;
            let account = tx.throttle(&account_key).await?;
            let account_failed = account.failures > 0 && account.last_failure_at.is_some_and(|at| at >= fresh_after);
            if let Some(until) = address.locked_until.filter(|until| *until > now)
                && account_failed
            {
                return Err(too_many(Some(until), now));
            }
        }
        let Some(count) = tx.claim_attempt(&account_key, now, fresh_after, LOCK_AFTER, &lock).await? else {
            let until = tx.throttle(&account_key).await?.locked_until;
            return Err(too_many(until, now));
        };
        if count == ACCOUNT_STORM
            && let Some((user, agency)) = user
        {
            alert_auditors(&mut tx, Some(agency), "sign_in.storm", Some(("user", user.to_string())), now).await?;
        }
        if let Some(address_key) = &address_key
            && tx.claim_attempt(address_key, now, fresh_after, ADDRESS_LOCK_AFTER, &lock).await? == Some(ADDRESS_STORM)
        {
            alert_auditors(&mut tx, None, "sign_in.address_storm", None, now).await?;
        }
        tx.commit().await?;
        Ok(Claimed { cleared_on_success: account_key })
    }

    /// Checks `password` against `hash`, spending the same time when there is no real
    /// hash (an unknown username, an account without a password), and counts the check.
    async fn password_matches(&self, password: &str, hash: Option<&str>) -> bool {
        self.password_checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match hash.filter(|hash| *hash != NO_PASSWORD) {
            Some(hash) => verify_password(password, hash).await,
            None => {
                verify_password(password, dummy_hash().await).await;
                false
            }
        }
    }

    /// Audits a refused sign-in and answers the one generic error.
    async fn refuse_sign_in(&self, audit: &Audit) -> AppError {
        let error = AppError::SignInFailed;
        self.audit_failure(audit, &error).await;
        error
    }

    /// Stores a new session of `user` and answers its token and end.
    async fn open_session(
        &self,
        tx: &mut Tx,
        user: UserId,
        restricted: bool,
        now: Timestamp,
    ) -> Result<(String, Timestamp), AppError> {
        let token = new_token();
        let expires_at = now.checked_add(self.config.session_absolute).unwrap_or(now);
        tx.insert_session(
            &token_hash(&token),
            &SessionRecord {
                user_id: user,
                created_at: now,
                last_seen_at: now,
                expires_at,
                revoked_at: None,
                restricted,
            },
        )
        .await?;
        Ok((token, expires_at))
    }

    /// The actor behind a session token or an API token (`sila_…`).
    ///
    /// A session is live when not revoked, not idle longer than the idle timeout, not
    /// past its absolute end, and its user is not disabled. An API token is live when
    /// not revoked or expired. The pages take sessions only: see
    /// [`App::authenticate_session`].
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, AppError> {
        if token.starts_with(tokens::PREFIX) {
            return self.authenticate_api_token(token).await;
        }
        self.authenticate_session(token).await
    }

    /// The actor behind a session token; an API token is refused as if unknown (the
    /// pages and cookies carry sessions only: a read-only integration token must not
    /// open the pages, whose forms write).
    pub async fn authenticate_session(&self, token: &str) -> Result<Authenticated, AppError> {
        if token.starts_with(tokens::PREFIX) {
            return Err(AppError::Unauthenticated);
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

    /// Issues a set-up link for `user` inside the caller's transaction (ending any
    /// earlier unused one).
    pub(crate) async fn issue_setup_link(
        &self,
        tx: &mut Tx,
        user: UserId,
        issued_by: Option<UserId>,
        now: Timestamp,
    ) -> Result<SetupLinkIssued, AppError> {
        let token = new_token();
        let expires_at = now.checked_add(SETUP_LINK_LIFETIME).unwrap_or(now);
        tx.insert_setup_link(
            &token_hash(&token),
            &SetupLink { user_id: user, issued_by, created_at: now, expires_at, used_at: None, revoked_at: None },
        )
        .await?;
        Ok(SetupLinkIssued { token, expires_at })
    }

    /// The username a set-up link is for, while it works (the set-up page greets the
    /// user with it); `None` for a used, replaced, expired or unknown link.
    pub async fn setup_link_username(&self, token: &str) -> Result<Option<String>, AppError> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        let Some(link) = tx.setup_link(&token_hash(token.trim())).await? else { return Ok(None) };
        if link.used_at.is_some() || link.revoked_at.is_some() || link.expires_at <= now {
            return Ok(None);
        }
        Ok(tx.user(link.user_id).await?.filter(|user| !user.disabled).map(|user| user.username))
    }

    /// Uses a set-up link: the user's new password is set, any old two-factor secret is
    /// forgotten, every session and token of the user ends, and a session that can only
    /// enrol begins. The password is checked before the link is used, so a typing slip
    /// does not spend it.
    pub async fn complete_setup(&self, token: &str, password: &str, repeated: &str) -> Result<Session, AppError> {
        let mut audit = Audit::new(None, "user.setup");
        if let Err(error) = check_new_password(password, repeated) {
            self.audit_failure(&audit, &error).await;
            return Err(error);
        }
        let hash = hash_password(password).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let result = async {
            let user = tx.use_setup_link(&token_hash(token.trim()), now).await?;
            let user = match user {
                Some(user) => tx.user(user).await?.filter(|user| !user.disabled),
                None => None,
            }
            .ok_or_else(|| AppError::invalid("token", Problem::LinkNotValid))?;
            audit.subject(SubjectKind::User, user.id);
            tx.set_password_hash(user.id, &hash, now).await?;
            tx.clear_totp(user.id).await?;
            tx.end_access_of(user.id, None, false, now).await?;
            let agency = tx.agency(user.agency_id).await?.ok_or(AppError::NotFound)?;
            let (token, expires_at) = self.open_session(&mut tx, user.id, true, now).await?;
            let actor = App::load_actor(&mut tx, user, agency, now).await?;
            Ok(Session { token, actor, expires_at, enrolment_required: true, device: None })
        }
        .await;
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

    /// Confirms enrolment with a code from the pending secret, through the session
    /// `session_token`: that session — and no other — becomes a full one; every other
    /// session and API token of the user ends (one opened by someone who knew the
    /// password must not ride on the real user's enrolment). Answers a recognised-device
    /// token for the browser.
    pub async fn confirm_totp_enrolment(
        &self,
        actor: &Actor,
        session_token: &str,
        code: &str,
    ) -> Result<String, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "totp.confirm").await?;
        audit.subject(SubjectKind::User, actor.user.id);
        let now = self.now();
        let result = async {
            let state = tx.totp_state(actor.user.id).await?;
            if state.enrolled {
                return Err(AppError::Conflict(crate::Conflict::AlreadyEnrolled));
            }
            let secret = state
                .secret
                .as_deref()
                .and_then(totp::from_base32)
                .ok_or_else(|| AppError::invalid("code", Problem::Required))?;
            if code.trim().is_empty() {
                return Err(AppError::invalid("code", Problem::Required));
            }
            let step = totp::accept(&secret, code, now.as_second(), state.last_step)
                .ok_or_else(|| AppError::invalid("code", Problem::UnknownValue))?;
            let session = token_hash(session_token);
            tx.confirm_totp(actor.user.id, step).await?;
            tx.unrestrict_session(&session).await?;
            tx.end_access_of(actor.user.id, Some(&session), false, now).await?;
            let device = new_token();
            let expires = now.checked_add(DEVICE_LIFETIME).unwrap_or(now);
            tx.insert_device(&token_hash(&device), actor.user.id, now, expires).await?;
            Ok(device)
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// The signed-in user changes their own password: the current one is checked (the
    /// attempt counts against the account like a sign-in), and every other session and
    /// API token of theirs ends; the session `session_token` goes on.
    pub async fn change_password(
        &self,
        actor: &Actor,
        session_token: &str,
        current: &str,
        password: &str,
        repeated: &str,
    ) -> Result<(), AppError> {
        let mut audit = Audit::new(Some(actor), "user.password_change");
        audit.subject(SubjectKind::User, actor.user.id);
        let mut errors = Vec::new();
        if current.is_empty() {
            errors.push(sila_domain::FieldError::new("current_password", Problem::Required));
        }
        if let Err(AppError::Invalid(problems)) = check_new_password(password, repeated) {
            errors.extend(problems);
        }
        if !errors.is_empty() {
            let error = AppError::Invalid(errors);
            self.audit_failure(&audit, &error).await;
            return Err(error);
        }
        let now = self.now();
        let account_key = format!("user:{}", actor.user.username);
        let claimed = async {
            let mut tx = self.store.write().await?;
            let fresh_after = now.checked_sub(QUIET_SPELL).unwrap_or(now);
            let claim = tx.claim_attempt(&account_key, now, fresh_after, LOCK_AFTER, &lock_micros()).await?;
            if claim.is_none() {
                let until = tx.throttle(&account_key).await?.locked_until;
                return Err(too_many(until, now));
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(error) = claimed {
            self.audit_failure(&audit, &error).await;
            return Err(error);
        }
        let stored = self.store.read().await?.user_for_sign_in(&actor.user.username).await?;
        if !self.password_matches(current, stored.as_ref().map(|(_, hash)| hash.as_str())).await {
            let error = AppError::invalid("current_password", Problem::WrongPassword);
            self.audit_failure(&audit, &error).await;
            return Err(error);
        }
        let hash = hash_password(password).await?;
        let (mut tx, _) = self.begin(Some(actor), "user.password_change").await?;
        let result = async {
            tx.set_password_hash(actor.user.id, &hash, now).await?;
            tx.end_access_of(actor.user.id, Some(&token_hash(session_token)), false, now).await?;
            tx.clear_throttle(&account_key).await?;
            Ok(())
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }
}

/// The hash of the first token of `tokens` that is a live recognised device of `user`.
async fn recognised_device(
    tx: &mut Tx,
    user: UserId,
    tokens: &[String],
    now: Timestamp,
) -> Result<Option<String>, AppError> {
    let hashes: Vec<String> = tokens.iter().take(DEVICES_PER_BROWSER).map(|token| token_hash(token)).collect();
    Ok(tx
        .devices(&hashes)
        .await?
        .into_iter()
        .find(|(_, device)| device.user_id == user && device.revoked_at.is_none() && device.expires_at > now)
        .map(|(hash, _)| hash))
}

/// Puts an alert in the inbox of the auditors of `agency` (every agency's when `None`).
pub(crate) async fn alert_auditors(
    tx: &mut Tx,
    agency: Option<AgencyId>,
    kind: &str,
    subject: Option<(&str, String)>,
    now: Timestamp,
) -> Result<(), AppError> {
    let agencies = match agency {
        Some(agency) => vec![agency],
        None => tx.agencies().await?.into_iter().map(|agency| agency.id).collect(),
    };
    for agency in agencies {
        for auditor in tx.users_with_role(agency, Role::Auditor).await? {
            alert(tx, auditor, kind, subject.clone(), now).await?;
        }
    }
    Ok(())
}

/// Puts an alert in one user's inbox.
pub(crate) async fn alert(
    tx: &mut Tx,
    user: UserId,
    kind: &str,
    subject: Option<(&str, String)>,
    now: Timestamp,
) -> Result<(), AppError> {
    let (subject_kind, subject_id) = match subject {
        Some((kind, id)) => (Some(kind.to_string()), Some(id)),
        None => (None, None),
    };
    tx.insert_alert(&Alert {
        id: new_uuid(),
        user_id: user,
        kind: kind.into(),
        subject_kind,
        subject_id,
        created_at: now,
        read_at: None,
    })
    .await?;
    Ok(())
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
