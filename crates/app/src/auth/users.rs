//! User accounts: creation by an administrator or an operator, password resets,
//! disabling, and the interface language each user prefers.

use std::collections::BTreeSet;

use sila_domain::agency::{Role, User};
use sila_domain::audit::SubjectKind;
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, OfficeId, UserId};
use sila_domain::text::{Text, parse_username};
use sila_store::NewUser;

use super::{MIN_PASSWORD_LENGTH, UserInput, hash_password};
use crate::{Actor, App, AppError, RequestContext, new_uuid};

impl App {
    /// Creates a user account. `actor` is the administrator, or `None` when an operator
    /// runs `sila user add` on the server. An administrator creates users of their own
    /// agency only, with roles of its kind; a user whose roles read case content must
    /// enrol in two-factor sign-in at their first sign-in.
    pub async fn create_user(&self, actor: Option<&Actor>, input: &UserInput) -> Result<User, AppError> {
        self.create_user_with_context(actor, input, &RequestContext::default()).await
    }

    /// [`App::create_user`] for a request that may carry an idempotency key, marked
    /// committed in the same transaction as the new user.
    pub async fn create_user_with_context(
        &self,
        actor: Option<&Actor>,
        input: &UserInput,
        context: &RequestContext,
    ) -> Result<User, AppError> {
        let (mut tx, mut audit) = self.begin(actor, "user.create").await?;
        let result = async {
            if let Some(actor) = actor
                && self.authorize(
                    &mut audit,
                    actor,
                    crate::access::Action::Administer,
                    crate::access::Resource::Nothing,
                ) != crate::access::Decision::Allow
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
        self.finish(tx, audit, context, result).await
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
}
