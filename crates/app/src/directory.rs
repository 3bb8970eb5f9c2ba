//! The configuration every user reads (agencies, offices, categories, protocols,
//! colleagues) and what administrators change in it.

use std::collections::BTreeSet;

use jiff::SignedDuration;
use sila_domain::agency::{Agency, Office, User};
use sila_domain::audit::SubjectKind;
use sila_domain::case::Taxonomy;
use sila_domain::consent::DataClass;
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, OfficeId, ProtocolId};
use sila_domain::protocol::{Deadlines, Protocol, Uncovered};
use sila_domain::referral::{Priority, Step};
use sila_domain::text::{Text, parse_code, parse_directory_code};
use sila_domain::time::parse_date;

use crate::access::{Action, Decision, Resource};
use crate::{Actor, App, AppError, RequestContext, new_uuid};

/// A new protocol version as typed by an administrator.
#[derive(Debug, Clone, Default)]
pub struct ProtocolInput {
    /// One party (agency id).
    pub agency_a_id: String,
    /// The other party (agency id).
    pub agency_b_id: String,
    /// First day in force.
    pub valid_from: String,
    /// Last day in force.
    pub valid_until: Option<String>,
    /// The signed document's reference.
    pub document_ref: Option<String>,
    /// Category codes covered.
    pub categories: Vec<String>,
    /// Category codes that go to the centre first.
    pub centre_first: Vec<String>,
    /// Data class codes that may travel.
    pub data_classes: Vec<String>,
    /// Deadlines: (priority code, step code, minutes).
    pub deadlines: Vec<(String, String, i64)>,
    /// How a person no consent covers travels: `role_and_age` (the default) or
    /// `omitted`.
    pub uncovered: Option<String>,
}

/// A new office as typed by an administrator.
#[derive(Debug, Clone, Default)]
pub struct OfficeInput {
    /// The agency (id); an administrator adds offices to their own agency only.
    pub agency_id: String,
    /// A short code, unique within the agency (`HQ`, `WAKRA`).
    pub code: String,
    /// The Arabic name.
    pub name_ar: String,
    /// The English name.
    pub name_en: String,
    /// Whether it is a desk that receives referrals.
    pub is_desk: bool,
}

/// The longest office name, in characters.
const OFFICE_NAME_MAX: usize = 200;

/// An office's name: one line of text.
fn parse_office_name(input: &str) -> Result<String, Problem> {
    let name = Text::parse(input, OFFICE_NAME_MAX)?;
    if name.as_str().contains('\n') {
        return Err(Problem::InvalidText);
    }
    Ok(name.into_string())
}

impl App {
    /// Agencies and offices for an operator on the server (`sila user add`), who has
    /// the database in hand anyway; never reachable over HTTP.
    pub async fn operator_directory(&self) -> Result<(Vec<Agency>, Vec<Office>), AppError> {
        let mut tx = self.store.read().await?;
        Ok((tx.agencies().await?, tx.offices().await?))
    }

    /// Whether the database holds any agency yet (a fresh database for the demo).
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        Ok(self.store.read().await?.agencies().await?.is_empty())
    }

    /// Every agency (names and kinds are not confidential: forms need them).
    pub async fn agencies(&self, _actor: &Actor) -> Result<Vec<Agency>, AppError> {
        Ok(self.store.read().await?.agencies().await?)
    }

    /// Every office.
    pub async fn offices(&self, _actor: &Actor) -> Result<Vec<Office>, AppError> {
        Ok(self.store.read().await?.offices().await?)
    }

    /// The category taxonomy.
    pub async fn taxonomy(&self) -> Result<Taxonomy, AppError> {
        Ok(Taxonomy::new(self.store.read().await?.categories().await?))
    }

    /// Every protocol version.
    pub async fn protocols(&self, _actor: &Actor) -> Result<Vec<Protocol>, AppError> {
        Ok(self.store.read().await?.protocols().await?)
    }

    /// The colleagues of the actor's agency (for assignment), without secrets.
    pub async fn colleagues(&self, actor: &Actor) -> Result<Vec<User>, AppError> {
        Ok(self.store.read().await?.users_of_agency(actor.agency.id).await?)
    }

    /// Proposes a protocol version between the actor's agency and another. Its version
    /// number is one more than the highest between them; the proposal is the actor's
    /// agency's acceptance, and the version is in force — referrals made from its first
    /// day use it — only once an administrator of the other party accepts it
    /// ([`App::accept_protocol`]); that party's administrators are alerted.
    pub async fn create_protocol(
        &self,
        actor: &Actor,
        input: &ProtocolInput,
        context: &RequestContext,
    ) -> Result<Protocol, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "protocol.create").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::Administer, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let taxonomy = Taxonomy::new(tx.categories().await?);
            let mut errors = Errors::new();
            let agency_a = errors.check("agency_a_id", AgencyId::parse(&input.agency_a_id));
            let agency_b = errors.check("agency_b_id", AgencyId::parse(&input.agency_b_id));
            let valid_from = errors.check("valid_from", parse_date(&input.valid_from));
            let valid_until = match input.valid_until.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => errors.check("valid_until", parse_date(text)),
            };
            if let (Some(from), Some(until)) = (valid_from, valid_until)
                && until < from
            {
                errors.add("valid_until", Problem::InvalidDate);
            }
            let document_ref =
                errors.check("document_ref", Text::parse_optional(input.document_ref.as_deref(), 200)).flatten();
            let mut categories = BTreeSet::new();
            if input.categories.is_empty() {
                errors.add("categories", Problem::EmptyList);
            }
            for (index, code) in input.categories.iter().enumerate() {
                let field = format!("categories[{index}]");
                match parse_code(code) {
                    Ok(code) if taxonomy.get(&code).is_some_and(|found| found.parent.is_none()) => {
                        categories.insert(code);
                    }
                    _ => errors.add(field, Problem::UnknownValue),
                }
            }
            let mut centre_first = BTreeSet::new();
            for (index, code) in input.centre_first.iter().enumerate() {
                if categories.contains(code.trim()) {
                    centre_first.insert(code.trim().to_string());
                } else {
                    errors.add(format!("centre_first[{index}]"), Problem::UnknownValue);
                }
            }
            let data_classes = match DataClass::parse_set("data_classes", &input.data_classes) {
                Ok(set) => set,
                Err(found) => {
                    for error in found {
                        errors.add(error.field, error.problem);
                    }
                    BTreeSet::new()
                }
            };
            let mut deadlines = Deadlines::default();
            for (index, (priority, step, minutes)) in input.deadlines.iter().enumerate() {
                let priority = errors.check(format!("deadlines[{index}].priority"), Priority::parse(priority));
                let step = errors.check(format!("deadlines[{index}].step"), Step::parse(step));
                if !(1..=60 * 24 * 365).contains(minutes) {
                    errors.add(format!("deadlines[{index}].minutes"), Problem::UnknownValue);
                }
                if let (Some(priority), Some(step)) = (priority, step) {
                    deadlines.set(priority, step, SignedDuration::from_mins(*minutes));
                }
            }
            let uncovered = match input.uncovered.as_deref().map(str::trim) {
                None | Some("") => Some(Uncovered::RoleAndAge),
                Some(code) => errors.check("uncovered", Uncovered::parse(code)),
            };
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(agency_a), Some(agency_b), Some(valid_from)) = (agency_a, agency_b, valid_from) else {
                return Err(AppError::invalid("agency_a_id", Problem::Required));
            };
            if agency_a == agency_b {
                return Err(AppError::invalid("agency_b_id", Problem::Duplicate));
            }
            for (field, id) in [("agency_a_id", agency_a), ("agency_b_id", agency_b)] {
                if tx.agency(id).await?.is_none() {
                    return Err(AppError::invalid(field, Problem::UnknownValue));
                }
            }
            // An administrator proposes only protocols their own agency is a party to.
            let other = match actor.agency.id {
                id if id == agency_a => agency_b,
                id if id == agency_b => agency_a,
                _ => return Err(AppError::Forbidden),
            };
            let existing = tx.protocols_between(agency_a, agency_b).await?;
            let version = existing.iter().map(|protocol| protocol.version).max().unwrap_or(0) + 1;
            let protocol = Protocol {
                id: ProtocolId::from_uuid(new_uuid()),
                agency_a,
                agency_b,
                version,
                valid_from,
                valid_until,
                categories,
                centre_first,
                data_classes,
                deadlines,
                revoked: false,
                accepted_by: [actor.agency.id].into(),
                uncovered: uncovered.unwrap_or(Uncovered::RoleAndAge),
            };
            let now = self.now();
            tx.insert_protocol(&protocol, document_ref.as_ref().map(Text::as_str), Some(actor.user.id), now).await?;
            audit.subject(SubjectKind::Protocol, protocol.id);
            audit.detail("version", &version.to_string());
            audit.detail("accepted_by", &actor.agency.id.to_string());
            for administrator in tx.users_with_role(other, sila_domain::agency::Role::Administrator).await? {
                tx.insert_alert(&sila_store::Alert {
                    id: new_uuid(),
                    user_id: administrator,
                    kind: "protocol.proposed".into(),
                    subject_kind: Some("protocol".into()),
                    subject_id: Some(protocol.id.to_string()),
                    created_at: now,
                    read_at: None,
                })
                .await?;
            }
            Ok(protocol)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Accepts, for the actor's agency, a protocol version the other party proposed: with
    /// both acceptances recorded it is in force from its first day. Only an administrator
    /// of a party accepts; a party accepts a version once; a revoked version is not
    /// accepted.
    pub async fn accept_protocol(
        &self,
        actor: &Actor,
        id: ProtocolId,
        context: &RequestContext,
    ) -> Result<Protocol, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "protocol.accept").await?;
        audit.subject(SubjectKind::Protocol, id);
        let result = async {
            if self.authorize(&mut audit, actor, Action::Administer, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let mut protocol = tx.protocol(id).await?.ok_or(AppError::NotFound)?;
            if protocol.agency_a != actor.agency.id && protocol.agency_b != actor.agency.id {
                return Err(AppError::Forbidden);
            }
            if protocol.revoked {
                return Err(AppError::Conflict(crate::Conflict::TransitionNotAllowed));
            }
            if !tx.accept_protocol(protocol.id, actor.agency.id, Some(actor.user.id), self.now()).await? {
                return Err(AppError::Conflict(crate::Conflict::AlreadyDecided));
            }
            protocol.accepted_by.insert(actor.agency.id);
            audit.detail("accepted_by", &actor.agency.id.to_string());
            audit.detail("in_force", if protocol.accepted() { "true" } else { "false" });
            Ok(protocol)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Adds an office to the administrator's own agency (the policy lets administrators
    /// administer their own agency only). Its code is unique within the agency, whatever
    /// its case.
    pub async fn create_office(
        &self,
        actor: &Actor,
        input: &OfficeInput,
        context: &RequestContext,
    ) -> Result<Office, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "office.create").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::Administer, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let mut errors = Errors::new();
            let agency_id = errors.check("agency_id", AgencyId::parse(&input.agency_id));
            let code = errors.check("code", parse_directory_code(&input.code));
            let name_ar = errors.check("name_ar", parse_office_name(&input.name_ar));
            let name_en = errors.check("name_en", parse_office_name(&input.name_en));
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(agency_id), Some(code), Some(name_ar), Some(name_en)) = (agency_id, code, name_ar, name_en)
            else {
                return Err(AppError::invalid("agency_id", Problem::Required));
            };
            // Another agency's id is answered like an unknown one: no hint what exists.
            if agency_id != actor.agency.id || tx.agency(agency_id).await?.is_none() {
                return Err(AppError::invalid("agency_id", Problem::UnknownValue));
            }
            let taken = tx
                .offices()
                .await?
                .iter()
                .any(|office| office.agency_id == agency_id && office.code.eq_ignore_ascii_case(&code));
            if taken {
                return Err(AppError::invalid("code", Problem::Duplicate));
            }
            let office = Office {
                id: OfficeId::from_uuid(new_uuid()),
                agency_id,
                code,
                name_ar,
                name_en,
                is_desk: input.is_desk,
            };
            tx.insert_office(&office, self.now()).await.map_err(|error| match AppError::from(error) {
                // Another administrator took the code in the meantime.
                AppError::Conflict(crate::Conflict::Duplicate) => AppError::invalid("code", Problem::Duplicate),
                other => other,
            })?;
            audit.subject(SubjectKind::Office, office.id);
            audit.detail("code", &office.code);
            Ok(office)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }
}
