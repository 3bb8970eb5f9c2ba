//! Signing in and out, sessions, and user accounts.
//!
//! Passwords are hashed with Argon2id (m = 19 MiB, t = 2, p = 1: the OWASP minimum
//! that keeps a sign-in under ~50 ms on one core), on a blocking thread so the async
//! runtime keeps serving. An unknown username is checked against a fixed dummy hash, so
//! it costs the same time as a wrong password and does not reveal which usernames exist.
//! Session tokens are 256 random bits; only their SHA-256 is stored.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use sila_domain::agency::{Role, User};
use sila_domain::audit::SubjectKind;
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, OfficeId, UserId};
use sila_domain::text::{Text, parse_username};
use sila_store::{IdempotencyClaim, IdempotentResponse, NewUser, SessionRecord};

use crate::audit::Audit;
use crate::{Actor, App, AppError, RequestContext, new_uuid};

/// A signed-in session: the token for the cookie, and who it is.
#[derive(Debug, Clone)]
pub struct Session {
    /// The secret token (goes into the cookie; never stored).
    pub token: String,
    /// The user.
    pub actor: Actor,
    /// When the session ends at the latest.
    pub expires_at: Timestamp,
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

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl App {
    /// Signs in with a username and password.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Session, AppError> {
        let mut audit = Audit::new(None, "session.create");
        let found = {
            let mut tx = self.store.read().await?;
            tx.user_for_sign_in(username.trim()).await?
        };
        let verified = match &found {
            Some((_, hash)) => verify_password(password, hash).await,
            None => {
                verify_password(password, dummy_hash().await).await;
                false
            }
        };
        let user = match found {
            Some((user, _)) if verified && !user.disabled => user,
            Some((user, _)) => {
                audit.subject(SubjectKind::User, user.id);
                self.audit_failure(&audit, &AppError::SignInFailed).await;
                return Err(AppError::SignInFailed);
            }
            None => {
                self.audit_failure(&audit, &AppError::SignInFailed).await;
                return Err(AppError::SignInFailed);
            }
        };
        let (mut tx, mut audit) = self.begin(None, "session.create").await?;
        audit.subject(SubjectKind::User, user.id);
        let result = async {
            let agency = tx.agency(user.agency_id).await?.ok_or(AppError::SignInFailed)?;
            let now = self.now();
            let token = new_token();
            let expires_at = now.checked_add(self.config.session_absolute).unwrap_or(now);
            tx.insert_session(
                &token_hash(&token),
                &SessionRecord { user_id: user.id, created_at: now, last_seen_at: now, expires_at, revoked_at: None },
            )
            .await?;
            Ok(Session { token, actor: Actor { user: user.clone(), agency }, expires_at })
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// The actor behind a session token, if the session is live: not revoked, not idle
    /// longer than the idle timeout, not past its absolute end, user not disabled.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
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
        drop(tx);
        // Recording activity is a write; once a minute is enough for the idle timeout
        // and keeps reads from queueing behind SQLite's single writer.
        if now.duration_since(session.last_seen_at) > SignedDuration::from_mins(1) {
            let mut tx = self.store.write().await?;
            tx.touch_session(&hash, now).await?;
            tx.commit().await?;
        }
        Ok(Actor { user, agency })
    }

    /// Ends a session.
    pub async fn sign_out(&self, actor: &Actor, token: &str) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "session.delete").await?;
        audit.subject(SubjectKind::User, actor.user.id);
        let result = tx.revoke_session(&token_hash(token), self.now()).await.map_err(AppError::from);
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Creates a user account. `actor` is the administrator, or `None` when an operator
    /// runs `sila user add` on the server.
    pub async fn create_user(&self, actor: Option<&Actor>, input: &UserInput) -> Result<User, AppError> {
        let (mut tx, mut audit) = self.begin(actor, "user.create").await?;
        let result = async {
            if let Some(actor) = actor
                && crate::access::authorize(actor, crate::access::Action::Administer, crate::access::Resource::Nothing)
                    != crate::access::Decision::Allow
            {
                return Err(AppError::Forbidden);
            }
            let mut errors = Errors::new();
            let username = errors.check("username", parse_username(&input.username));
            let display_name = errors.check("display_name", Text::parse(&input.display_name, 200));
            let length = input.password.chars().count();
            if length < MIN_PASSWORD_LENGTH {
                errors.add("password", Problem::TooShort { min: MIN_PASSWORD_LENGTH });
            } else if length > 256 {
                errors.add("password", Problem::TooLong { max: 256 });
            }
            let mut roles = BTreeSet::new();
            if input.roles.is_empty() {
                errors.add("roles", Problem::EmptyList);
            }
            for (index, code) in input.roles.iter().enumerate() {
                if let Some(role) = errors.check(format!("roles[{index}]"), Role::parse(code)) {
                    roles.insert(role);
                }
            }
            let agency_id = errors.check("agency_id", AgencyId::parse(&input.agency_id));
            let language = match input.language.as_deref().unwrap_or("ar") {
                "ar" => Some("ar".to_string()),
                "en" => Some("en".to_string()),
                _ => errors.check("language", Err(Problem::UnknownValue)),
            };
            let mut office_ids = Vec::new();
            for (index, text) in input.office_ids.iter().enumerate() {
                if let Some(id) = errors.check(format!("office_ids[{index}]"), OfficeId::parse(text)) {
                    office_ids.push(id);
                }
            }
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(username), Some(display_name), Some(agency_id), Some(language)) =
                (username, display_name, agency_id, language)
            else {
                return Err(AppError::invalid("username", Problem::Required));
            };
            let agency =
                tx.agency(agency_id).await?.ok_or_else(|| AppError::invalid("agency_id", Problem::UnknownValue))?;
            if let Some(actor) = actor
                && actor.agency.id != agency.id
            {
                return Err(AppError::invalid("agency_id", Problem::UnknownValue));
            }
            for (index, role) in roles.iter().enumerate() {
                if role.agency_kind().is_some_and(|kind| kind != agency.kind) {
                    return Err(AppError::invalid(format!("roles[{index}]"), Problem::UnknownValue));
                }
            }
            for (index, office_id) in office_ids.iter().enumerate() {
                let office = tx.office(*office_id).await?;
                if office.is_none_or(|office| office.agency_id != agency.id) {
                    return Err(AppError::invalid(format!("office_ids[{index}]"), Problem::UnknownValue));
                }
            }
            let user = User {
                id: UserId::from_uuid(new_uuid()),
                agency_id: agency.id,
                username,
                display_name: display_name.into_string(),
                roles,
                office_ids,
                team_ids: Vec::new(),
                language,
                disabled: false,
            };
            let password_hash = hash_password(&input.password).await?;
            tx.insert_user(&NewUser { user: user.clone(), password_hash }, self.now()).await.map_err(|error| {
                match AppError::from(error) {
                    AppError::Conflict(crate::Conflict::Duplicate) => AppError::invalid("username", Problem::Duplicate),
                    other => other,
                }
            })?;
            audit.subject(SubjectKind::User, user.id);
            Ok(user)
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Sets a user's password (an operator's `sila user reset-password`).
    pub async fn reset_password(&self, username: &str, password: &str) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(None, "user.reset_password").await?;
        let result = async {
            if password.chars().count() < MIN_PASSWORD_LENGTH {
                return Err(AppError::invalid("password", Problem::TooShort { min: MIN_PASSWORD_LENGTH }));
            }
            let (user, _) = tx.user_for_sign_in(username).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::User, user.id);
            let hash = hash_password(password).await?;
            tx.set_password_hash(user.id, &hash, self.now()).await?;
            Ok(())
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Disables or enables a user (an operator's `sila user disable`).
    pub async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(None, if disabled { "user.disable" } else { "user.enable" }).await?;
        let result = async {
            let (user, _) = tx.user_for_sign_in(username).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::User, user.id);
            tx.set_user_disabled(user.id, disabled, self.now()).await?;
            Ok(())
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Remembers the interface language the user chose.
    pub async fn set_language(&self, actor: &Actor, language: &str) -> Result<(), AppError> {
        if !matches!(language, "ar" | "en") {
            return Err(AppError::invalid("language", Problem::UnknownValue));
        }
        let mut tx = self.store.write().await?;
        tx.set_user_language(actor.user.id, language, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims an idempotency key for a write request (see `sila_store::IdempotencyClaim`).
    /// A claim older than a minute that never committed is taken over.
    pub async fn claim_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        request_hash: &str,
    ) -> Result<IdempotencyClaim, AppError> {
        let now = self.now();
        let stale_before = now.checked_sub(SignedDuration::from_mins(1)).unwrap_or(now);
        let mut tx = self.store.write().await?;
        let claim = tx.claim_idempotency_key(actor.user.id, key, request_hash, now, stale_before).await?;
        tx.commit().await?;
        Ok(claim)
    }

    /// Stores the answer of the request that holds the key, or releases the key when
    /// the request failed (nothing was written, so a retry may run again).
    pub async fn complete_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        response: Option<IdempotentResponse>,
    ) -> Result<(), AppError> {
        let mut tx = self.store.write().await?;
        match response {
            Some(response) => tx.store_idempotent_response(actor.user.id, key, &response).await?,
            None => tx.release_idempotency_key(actor.user.id, key).await?,
        }
        tx.commit().await?;
        Ok(())
    }
}
