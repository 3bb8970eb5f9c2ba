//! Recording and withdrawing consent in a case's ledger.

use sila_domain::agency::AgencyKind;
use sila_domain::audit::SubjectKind;
use sila_domain::consent::{Basis, Consent, ConsentInput, ConsentTerms};
use sila_domain::error::Problem;
use sila_domain::ids::{AgencyId, CaseId, ConsentId, PersonId};
use sila_domain::person::PersonRole;
use sila_domain::text::{Text, limits};
use sila_domain::time::{age_on, local_date};

use crate::access::Action;
use crate::cases::{ensure_open, record_event, touch_case};
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// Age below which a person is a child, for the mandatory-protection basis.
const ADULT_AGE: i16 = 18;

impl App {
    /// Records consent (or a mandatory-protection basis for a child) for a person of
    /// the case, towards one recipient agency.
    pub async fn record_consent(
        &self,
        actor: &Actor,
        case_id: CaseId,
        person_id: &str,
        recipient_agency_id: &str,
        input: &ConsentInput,
        context: &RequestContext,
    ) -> Result<Consent, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "consent.record").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::WorkCase).await?;
            let now = self.now();
            let today = local_date(now);
            let person_id = PersonId::parse(person_id).map_err(|problem| AppError::invalid("person_id", problem))?;
            let recipient = AgencyId::parse(recipient_agency_id)
                .map_err(|problem| AppError::invalid("recipient_agency_id", problem))?;
            let terms = ConsentTerms::validate(input, today).map_err(AppError::Invalid)?;
            ensure_open(&case)?;
            let in_case: Vec<PersonRole> = tx
                .case_persons(case.id)
                .await?
                .into_iter()
                .filter(|entry| entry.person_id == person_id)
                .map(|entry| entry.role)
                .collect();
            if in_case.is_empty() {
                return Err(AppError::invalid("person_id", Problem::UnknownValue));
            }
            match tx.agency(recipient).await? {
                Some(agency) if agency.id != actor.agency.id && agency.kind != AgencyKind::Authority => {}
                _ => {
                    return Err(AppError::invalid("recipient_agency_id", Problem::UnknownValue));
                }
            }
            if let Basis::MandatoryProtection { .. } = terms.basis {
                // The basis exists for children: the person must be a child by date of
                // birth, or be in the case as a child when the date is not known.
                let person = tx.person(person_id).await?.ok_or(AppError::NotFound)?;
                let child = match person.details.birth_date {
                    Some(birth) => age_on(birth, today) < ADULT_AGE,
                    None => in_case.contains(&PersonRole::Child),
                };
                if !child {
                    return Err(AppError::invalid("basis", Problem::NotAChild));
                }
            }
            let consent = Consent {
                id: ConsentId::from_uuid(new_uuid()),
                person_id,
                recipient_agency_id: recipient,
                terms,
                recorded_by: actor.user.id,
                recorded_at: now,
                withdrawn_at: None,
            };
            tx.insert_consent(case.id, &consent).await?;
            touch_case(&mut tx, &case, now).await?;
            let basis = consent.terms.basis.kind().code();
            record_event(&mut tx, &case, Some(actor), "consent.recorded", None, &[("basis", basis)], now).await?;
            audit.subject(SubjectKind::Consent, consent.id);
            audit.subject(SubjectKind::Person, person_id);
            audit.detail("basis", basis);
            Ok(consent)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Withdraws a consent: no referral made from now on may rely on it. Referrals
    /// already made are not recalled — what was shared was shared lawfully.
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        consent_id: ConsentId,
        reason: &str,
        context: &RequestContext,
    ) -> Result<Consent, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "consent.withdraw").await?;
        audit.subject(SubjectKind::Consent, consent_id);
        let result = async {
            let (case_id, mut consent) = tx.consent(consent_id).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::Case, case_id);
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::WorkCase).await?;
            let reason = Text::parse(reason, limits::SHORT).map_err(|problem| AppError::invalid("reason", problem))?;
            let now = self.now();
            if !tx.withdraw_consent(consent.id, actor.user.id, &reason, now).await? {
                return Err(AppError::Conflict(Conflict::AlreadyWithdrawn));
            }
            consent.withdrawn_at = Some(now);
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "consent.withdrawn", None, &[], now).await?;
            // The receiving centre must stop using what the consent covered: its desk
            // and managers, and whoever works the centre case, are told.
            for referral in tx.referrals_of_case(case.id).await? {
                if referral.to_agency_id != consent.recipient_agency_id || referral.status.is_terminal() {
                    continue;
                }
                let mut recipients =
                    tx.users_with_role_at(sila_domain::agency::Role::DeskCoordinator, referral.to_office_id).await?;
                recipients
                    .extend(tx.users_with_role(referral.to_agency_id, sila_domain::agency::Role::CentreManager).await?);
                if let Some(centre) = referral.centre_case_id
                    && let Some(centre_case) = tx.case(centre).await?
                {
                    recipients.extend(centre_case.assigned_user_id);
                }
                recipients.sort();
                recipients.dedup();
                for user in recipients {
                    crate::monitor::raise(&mut tx, user, "consent.withdrawn", referral.id, now).await?;
                }
            }
            Ok(consent)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }
}
