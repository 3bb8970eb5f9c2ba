//! User accounts: creation, roles, resets of sign-in and disabling — by an
//! administrator of the user's own agency, or by an operator on the server — and the
//! interface language each user prefers.
//!
//! An administrator never learns a user's credentials: a new account, and one whose
//! sign-in is reset, gets a one-time set-up link with which its holder chooses a
//! password and enrols their own authenticator. Whatever could open case content to
//! someone — a role that reads content or administers, given at creation or later, or a
//! reset of sign-in (a new link is a way into the account) — takes effect only once a
//! *second* administrator of the agency approves it (four eyes); the agency's auditors
//! are alerted when it is asked for and when it takes effect. Taking access away
//! (removing roles, disabling) is immediate. Every change that alters who may sign in as
//! the user ends the user's sessions and API tokens at once.

use std::collections::BTreeSet;

use sila_domain::agency::{Role, User};
use sila_domain::audit::SubjectKind;
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, OfficeId, UserId};
use sila_domain::text::{Text, parse_username};
use sila_store::{AccountRequest, NewUser, Tx};

use super::{NO_PASSWORD, SetupLinkIssued, UserInput, alert, alert_auditors};
use crate::access::{Action, Decision, Resource};
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// A user just created.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    /// The account (without roles while they wait for a second administrator).
    pub user: User,
    /// The set-up link, shown this once — when the account is usable at once.
    pub setup_link: Option<SetupLinkIssued>,
    /// The request that waits for a second administrator, when the roles need one.
    pub waiting: Option<uuid::Uuid>,
}

/// What became of a change asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// It took effect at once (it only takes access away).
    Applied,
    /// It waits for a second administrator: the request's id.
    Waiting(uuid::Uuid),
}

/// A decided request.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The request, with its decision.
    pub request: AccountRequest,
    /// For an approved new account or reset of sign-in: the set-up link, shown this
    /// once to the approving administrator, who hands it to the user.
    pub setup_link: Option<SetupLinkIssued>,
}

/// Whether giving `role` needs a second administrator: it reads case content, or it
/// administers (a second administrator minted by the first would defeat the rule).
pub fn needs_second_administrator(role: Role) -> bool {
    role.reads_case_content() || role == Role::Administrator
}

/// The kinds of requests.
pub mod kinds {
    /// A new account with its roles.
    pub const CREATE: &str = "create";
    /// New roles for an existing account.
    pub const ROLES: &str = "roles";
    /// A new set-up link (password and two-factor) for an existing account.
    pub const SIGN_IN_RESET: &str = "sign_in_reset";
}

/// Reads role codes, each checked against the agency's kind.
fn parse_roles(errors: &mut Errors, codes: &[String]) -> BTreeSet<Role> {
    let mut roles = BTreeSet::new();
    if codes.is_empty() {
        errors.add("roles", Problem::EmptyList);
    }
    for (index, code) in codes.iter().enumerate() {
        if let Some(role) = errors.check(format!("roles[{index}]"), Role::parse(code)) {
            roles.insert(role);
        }
    }
    roles
}

fn check_role_kinds(roles: &BTreeSet<Role>, kind: sila_domain::agency::AgencyKind) -> Result<(), AppError> {
    for (index, role) in roles.iter().enumerate() {
        if role.agency_kind().is_some_and(|wanted| wanted != kind) {
            return Err(AppError::invalid(format!("roles[{index}]"), Problem::UnknownValue));
        }
    }
    Ok(())
}

impl App {
    /// Refuses anyone but an administrator (decided by the policy engine, audited).
    fn administrator(&self, audit: &mut crate::audit::Audit, actor: &Actor) -> Result<(), AppError> {
        match self.authorize(audit, actor, Action::Administer, Resource::Nothing) {
            Decision::Allow => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    /// A user of the administrator's own agency, by id; any other answers "not found".
    async fn administered_user(tx: &mut Tx, actor: &Actor, user: &str) -> Result<User, AppError> {
        let id = UserId::parse(user).map_err(|_| AppError::NotFound)?;
        tx.user(id).await?.filter(|user| user.agency_id == actor.agency.id).ok_or(AppError::NotFound)
    }

    /// Creates a user account. `actor` is the administrator, or `None` when an operator
    /// runs `sila user add` on the server (whose change is immediate). An administrator
    /// creates users of their own agency only, with roles of its kind; roles that need a
    /// second administrator wait for one, and the set-up link is then issued to the
    /// approver.
    pub async fn create_user(&self, actor: Option<&Actor>, input: &UserInput) -> Result<CreatedUser, AppError> {
        self.create_user_with_context(actor, input, &RequestContext::default()).await
    }

    /// [`App::create_user`] for a request that may carry an idempotency key, marked
    /// committed in the same transaction as the new user.
    pub async fn create_user_with_context(
        &self,
        actor: Option<&Actor>,
        input: &UserInput,
        context: &RequestContext,
    ) -> Result<CreatedUser, AppError> {
        let (mut tx, mut audit) = self.begin(actor, "user.create").await?;
        let now = self.now();
        let result = async {
            if let Some(actor) = actor {
                self.administrator(&mut audit, actor)?;
            }
            let mut errors = Errors::new();
            let username = errors.check("username", parse_username(&input.username));
            let display_name = errors.check("display_name", Text::parse(&input.display_name, 200));
            let roles = parse_roles(&mut errors, &input.roles);
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
            check_role_kinds(&roles, agency.kind)?;
            for (index, office_id) in office_ids.iter().enumerate() {
                let office = tx.office(*office_id).await?;
                if office.is_none_or(|office| office.agency_id != agency.id) {
                    return Err(AppError::invalid(format!("office_ids[{index}]"), Problem::UnknownValue));
                }
            }
            let waits = actor.is_some() && roles.iter().copied().any(needs_second_administrator);
            let user = User {
                id: UserId::from_uuid(new_uuid()),
                agency_id: agency.id,
                username,
                display_name: display_name.into_string(),
                roles: if waits { BTreeSet::new() } else { roles.clone() },
                office_ids,
                team_ids: Vec::new(),
                language,
                disabled: false,
            };
            tx.insert_user(&NewUser { user: user.clone(), password_hash: NO_PASSWORD.into() }, now).await.map_err(
                |error| match AppError::from(error) {
                    AppError::Conflict(Conflict::Duplicate) => AppError::invalid("username", Problem::Duplicate),
                    other => other,
                },
            )?;
            audit.subject(SubjectKind::User, user.id);
            audit.detail("roles", &role_codes(&roles));
            let by = actor.map(|actor| actor.user.id);
            if waits {
                let request = self.ask_second_administrator(&mut tx, &user, kinds::CREATE, roles, by, now).await?;
                audit.detail("waiting", "second_administrator");
                return Ok(CreatedUser { user, setup_link: None, waiting: Some(request) });
            }
            let link = self.issue_setup_link(&mut tx, user.id, by, now).await?;
            alert_auditors(&mut tx, Some(agency.id), "account.changed", Some(("user", user.id.to_string())), now)
                .await?;
            Ok(CreatedUser { user, setup_link: Some(link), waiting: None })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Records a request for a second administrator and alerts the agency's other
    /// administrators and its auditors.
    async fn ask_second_administrator(
        &self,
        tx: &mut Tx,
        user: &User,
        kind: &str,
        roles: BTreeSet<Role>,
        by: Option<UserId>,
        now: jiff::Timestamp,
    ) -> Result<uuid::Uuid, AppError> {
        if tx.waiting_request_of(user.id).await?.is_some() {
            return Err(AppError::Conflict(Conflict::AccountChangeWaiting));
        }
        let id = new_uuid();
        tx.insert_account_request(&AccountRequest {
            id,
            agency_id: user.agency_id,
            user_id: user.id,
            kind: kind.into(),
            roles,
            requested_by: by,
            requested_at: now,
            decided_by: None,
            decided_at: None,
            decision: None,
        })
        .await?;
        let subject = ("user", user.id.to_string());
        for admin in tx.users_with_role(user.agency_id, Role::Administrator).await? {
            if Some(admin) != by && admin != user.id {
                alert(tx, admin, "account.approval_requested", Some(subject.clone()), now).await?;
            }
        }
        alert_auditors(tx, Some(user.agency_id), "account.change_requested", Some(subject), now).await?;
        Ok(id)
    }

    /// Gives a user of the administrator's agency exactly `roles`. Taking roles away is
    /// immediate; adding any role waits for a second administrator. Either way, once in
    /// effect the user's sessions and API tokens end.
    pub async fn set_user_roles(
        &self,
        actor: &Actor,
        user: &str,
        roles: &[String],
        context: &RequestContext,
    ) -> Result<AccountChange, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "user.roles").await?;
        let now = self.now();
        let result = async {
            self.administrator(&mut audit, actor)?;
            let user = App::administered_user(&mut tx, actor, user).await?;
            audit.subject(SubjectKind::User, user.id);
            let mut errors = Errors::new();
            let roles = parse_roles(&mut errors, roles);
            errors.finish().map_err(AppError::Invalid)?;
            check_role_kinds(&roles, actor.agency.kind)?;
            audit.detail("roles", &role_codes(&roles));
            if roles.is_subset(&user.roles) {
                tx.set_user_roles(user.id, &roles, now).await?;
                tx.end_access_of(user.id, None, false, now).await?;
                alert_auditors(
                    &mut tx,
                    Some(user.agency_id),
                    "account.changed",
                    Some(("user", user.id.to_string())),
                    now,
                )
                .await?;
                return Ok(AccountChange::Applied);
            }
            audit.detail("waiting", "second_administrator");
            let request =
                self.ask_second_administrator(&mut tx, &user, kinds::ROLES, roles, Some(actor.user.id), now).await?;
            Ok(AccountChange::Waiting(request))
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Asks for a reset of a user's sign-in (a forgotten password, a lost phone): once
    /// a second administrator approves, the password and the two-factor secret are
    /// void, every session, token and recognised device ends, and the approver gets a
    /// new set-up link for the user.
    pub async fn request_sign_in_reset(
        &self,
        actor: &Actor,
        user: &str,
        context: &RequestContext,
    ) -> Result<uuid::Uuid, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "user.sign_in_reset").await?;
        let now = self.now();
        let result = async {
            self.administrator(&mut audit, actor)?;
            let user = App::administered_user(&mut tx, actor, user).await?;
            audit.subject(SubjectKind::User, user.id);
            audit.detail("waiting", "second_administrator");
            self.ask_second_administrator(
                &mut tx,
                &user,
                kinds::SIGN_IN_RESET,
                BTreeSet::new(),
                Some(actor.user.id),
                now,
            )
            .await
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// The account requests of the administrator's agency: waiting ones first.
    pub async fn account_requests(&self, actor: &Actor) -> Result<Vec<AccountRequest>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "account_request.list").await?;
        let result = async {
            self.administrator(&mut audit, actor)?;
            Ok(tx.account_requests(actor.agency.id).await?)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Approves or rejects a request, as a *second* administrator: neither the one who
    /// asked nor the user concerned. An approval takes effect at once.
    pub async fn decide_account_request(
        &self,
        actor: &Actor,
        request: &str,
        approve: bool,
        context: &RequestContext,
    ) -> Result<Decided, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "account_request.decide").await?;
        let now = self.now();
        let result = async {
            self.administrator(&mut audit, actor)?;
            let id = uuid::Uuid::try_parse(request.trim()).map_err(|_| AppError::NotFound)?;
            let mut request = tx
                .account_request(id)
                .await?
                .filter(|request| request.agency_id == actor.agency.id)
                .ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::User, request.user_id);
            audit.detail("request", &id.hyphenated().to_string());
            audit.detail("kind", &request.kind);
            audit.detail("decision", if approve { "approved" } else { "rejected" });
            if request.decided_at.is_some() {
                return Err(AppError::Conflict(Conflict::AlreadyDecided));
            }
            if request.requested_by == Some(actor.user.id) || request.user_id == actor.user.id {
                return Err(AppError::Conflict(Conflict::SecondAdministratorRequired));
            }
            let decision = if approve { "approved" } else { "rejected" };
            if !tx.decide_account_request(id, actor.user.id, now, decision).await? {
                return Err(AppError::Conflict(Conflict::AlreadyDecided));
            }
            request.decided_by = Some(actor.user.id);
            request.decided_at = Some(now);
            request.decision = Some(decision.into());
            let subject = ("user", request.user_id.to_string());
            if let Some(requester) = request.requested_by {
                let kind = if approve { "account.approved" } else { "account.rejected" };
                alert(&mut tx, requester, kind, Some(subject.clone()), now).await?;
            }
            if !approve {
                return Ok(Decided { request, setup_link: None });
            }
            let user = tx.user(request.user_id).await?.ok_or(AppError::NotFound)?;
            let setup_link = match request.kind.as_str() {
                kinds::CREATE => {
                    tx.set_user_roles(user.id, &request.roles, now).await?;
                    Some(self.issue_setup_link(&mut tx, user.id, Some(actor.user.id), now).await?)
                }
                kinds::ROLES => {
                    tx.set_user_roles(user.id, &request.roles, now).await?;
                    tx.end_access_of(user.id, None, false, now).await?;
                    None
                }
                kinds::SIGN_IN_RESET => Some(self.reset_sign_in(&mut tx, user.id, Some(actor.user.id), now).await?),
                _ => return Err(AppError::Internal(format!("unknown account request kind {}", request.kind))),
            };
            alert_auditors(&mut tx, Some(user.agency_id), "account.changed", Some(subject), now).await?;
            Ok(Decided { request, setup_link })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Voids a user's password and two-factor secret, ends everything they hold, and
    /// issues a new set-up link.
    async fn reset_sign_in(
        &self,
        tx: &mut Tx,
        user: UserId,
        by: Option<UserId>,
        now: jiff::Timestamp,
    ) -> Result<SetupLinkIssued, AppError> {
        tx.set_password_hash(user, NO_PASSWORD, now).await?;
        tx.clear_totp(user).await?;
        tx.end_access_of(user, None, true, now).await?;
        self.issue_setup_link(tx, user, by, now).await
    }

    /// Disables a user of the administrator's agency at once: their sessions, tokens,
    /// recognised devices and set-up links end. An administrator cannot disable
    /// themselves.
    pub async fn disable_user(&self, actor: &Actor, user: &str, context: &RequestContext) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "user.disable").await?;
        let now = self.now();
        let result = async {
            self.administrator(&mut audit, actor)?;
            let user = App::administered_user(&mut tx, actor, user).await?;
            audit.subject(SubjectKind::User, user.id);
            if user.id == actor.user.id {
                return Err(AppError::Conflict(Conflict::SecondAdministratorRequired));
            }
            tx.set_user_disabled(user.id, true, now).await?;
            tx.end_access_of(user.id, None, true, now).await?;
            alert_auditors(&mut tx, Some(user.agency_id), "account.changed", Some(("user", user.id.to_string())), now)
                .await?;
            Ok(())
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Resets a user's sign-in from the server (an operator's `sila user
    /// reset-password`): the password and two-factor secret are void, every session,
    /// token and recognised device ends, and a set-up link is answered to hand over.
    pub async fn reset_sign_in_for_operator(&self, username: &str) -> Result<SetupLinkIssued, AppError> {
        let (mut tx, mut audit) = self.begin(None, "user.sign_in_reset").await?;
        let now = self.now();
        let result = async {
            let (user, _) = tx.user_for_sign_in(username).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::User, user.id);
            let link = self.reset_sign_in(&mut tx, user.id, None, now).await?;
            alert_auditors(&mut tx, Some(user.agency_id), "account.changed", Some(("user", user.id.to_string())), now)
                .await?;
            Ok(link)
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Disables or enables a user (an operator's `sila user disable`); disabling ends
    /// everything the user holds at once.
    pub async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(None, if disabled { "user.disable" } else { "user.enable" }).await?;
        let now = self.now();
        let result = async {
            let (user, _) = tx.user_for_sign_in(username).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::User, user.id);
            tx.set_user_disabled(user.id, disabled, now).await?;
            if disabled {
                tx.end_access_of(user.id, None, true, now).await?;
            }
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

fn role_codes(roles: &BTreeSet<Role>) -> String {
    roles.iter().map(Role::code).collect::<Vec<_>>().join(",")
}
