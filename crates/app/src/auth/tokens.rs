//! API tokens for integrations: `sila_` and 256 random bits, shown once and stored only
//! as a SHA-256 hash; scoped (`read` allows only reading requests), expiring, and
//! revocable at once. Created and revoked by an operator (`sila user token`).

use jiff::{SignedDuration, Timestamp};
use sila_domain::audit::SubjectKind;
use sila_store::ApiToken;

use super::{Authenticated, token_hash};
use crate::{App, AppError, RequestContext, new_uuid};

/// What every API token starts with (so a leaked one is easy to recognise and scan for).
pub const PREFIX: &str = "sila_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// Reading requests only.
    Read,
    /// Everything its user may do.
    Write,
}

impl TokenScope {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// The scope for a code.
    pub fn parse(code: &str) -> Option<TokenScope> {
        match code {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// A token just created: the secret is shown this once.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The token to give to the integration.
    pub secret: String,
    /// Its record.
    pub token: ApiToken,
}

impl App {
    /// Creates a token for `username` (an operator's `sila user token create`).
    pub async fn create_api_token(
        &self,
        username: &str,
        name: &str,
        scope: TokenScope,
        valid_for: SignedDuration,
    ) -> Result<NewToken, AppError> {
        let (mut tx, mut audit) = self.begin(None, "token.create").await?;
        let result = async {
            let (user, _) = tx.user_for_sign_in(username).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::User, user.id);
            if name.trim().is_empty() {
                return Err(AppError::invalid("name", sila_domain::Problem::Required));
            }
            if valid_for <= SignedDuration::ZERO || valid_for > SignedDuration::from_hours(24 * 366) {
                return Err(AppError::invalid("days", sila_domain::Problem::UnknownValue));
            }
            let now = self.now();
            let mut bytes = [0u8; 32];
            rand::fill(&mut bytes);
            let secret = format!("{PREFIX}{}", base64_url(&bytes));
            let token = ApiToken {
                id: new_uuid(),
                user_id: user.id,
                name: name.trim().to_string(),
                scope: scope.code().to_string(),
                created_at: now,
                expires_at: now.checked_add(valid_for).unwrap_or(now),
                revoked_at: None,
            };
            tx.insert_api_token(&token, &token_hash(&secret)).await?;
            audit.detail("scope", scope.code());
            Ok(NewToken { secret, token })
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// The tokens of `username`.
    pub async fn api_tokens(&self, username: &str) -> Result<Vec<ApiToken>, AppError> {
        let mut tx = self.store.read().await?;
        let (user, _) = tx.user_for_sign_in(username).await?.ok_or(AppError::NotFound)?;
        Ok(tx.api_tokens_of(user.id).await?)
    }

    /// Revokes a token: requests with it fail from now on.
    pub async fn revoke_api_token(&self, id: uuid::Uuid) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(None, "token.revoke").await?;
        audit.detail("token", &id.hyphenated().to_string());
        let result =
            async { if tx.revoke_api_token(id, self.now()).await? { Ok(()) } else { Err(AppError::NotFound) } }.await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    pub(super) async fn authenticate_api_token(&self, secret: &str) -> Result<Authenticated, AppError> {
        let now: Timestamp = self.now();
        let mut tx = self.store.read().await?;
        let token = tx.api_token_by_hash(&token_hash(secret)).await?.ok_or(AppError::Unauthenticated)?;
        if token.revoked_at.is_some() || now >= token.expires_at {
            return Err(AppError::Unauthenticated);
        }
        let user = tx.user(token.user_id).await?.ok_or(AppError::Unauthenticated)?;
        if user.disabled {
            return Err(AppError::Unauthenticated);
        }
        let agency = tx.agency(user.agency_id).await?.ok_or(AppError::Unauthenticated)?;
        let scope = TokenScope::parse(&token.scope).ok_or(AppError::Unauthenticated)?;
        let actor = App::load_actor(&mut tx, user, agency, now).await?;
        Ok(Authenticated { actor, enrolment_only: false, scope })
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
