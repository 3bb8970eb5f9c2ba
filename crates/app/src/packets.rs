//! What a referral carries, decided before it is sent: the rules checked (protocol in
//! force, category, classes), each chosen person packed with only what her own consent —
//! or, for a child, the recorded mandatory basis — covers, and the preview the officer
//! reads before sending. `referrals.rs` stores what is planned here.

use std::collections::BTreeSet;

use sila_domain::audit::SubjectKind;
use sila_domain::case::{Case, CasePerson};
use sila_domain::consent::{DataClass, covered_for};
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{AgencyId, CaseId, OfficeId, PersonId};
use sila_domain::protocol::{RuleViolation, check_referral, in_force};
use sila_domain::referral::{Packet, PacketPerson, PacketRisk, Priority};
use sila_domain::risk::{Answer, RiskLevel};
use sila_domain::text::{Text, limits};
use sila_domain::time::local_date;
use sila_store::Tx;

use crate::access::Action;
use crate::referrals::ReferralInput;
use crate::{Actor, App, AppError};

/// What a referral would carry, before it is sent: the packet exactly as it would leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralPreview {
    /// The packet.
    pub packet: Packet,
    /// The classes each person carries (identity, contact), by person.
    pub carried: Vec<(PersonId, BTreeSet<DataClass>)>,
    /// The priority it would go at.
    pub priority: Priority,
}

/// A referral's plan: the protocol, the priority and what each person carries.
pub(crate) struct Plan {
    pub(crate) protocol: sila_domain::protocol::Protocol,
    pub(crate) priority: Priority,
    pub(crate) packet: Packet,
    pub(crate) carried: Vec<(PersonId, BTreeSet<DataClass>)>,
}

/// The most persons one referral names (a case of a family is far smaller).
const PERSONS_MAX: usize = 50;

/// The classes that are a person's own (the others are the case's).
const PERSON_CLASSES: [DataClass; 2] = [DataClass::Identity, DataClass::Contact];

impl App {
    /// What a referral of `case` to `to_agency` would carry, checked as sending it would
    /// be (protocol, consent, persons) and audited as a read of each person it shows:
    /// the page shows it before the officer sends.
    pub async fn preview_referral(&self, actor: &Actor, input: &ReferralInput) -> Result<ReferralPreview, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "referral.preview").await?;
        let result = async {
            let asked = Asked::parse(input)?;
            audit.subject(SubjectKind::Case, asked.case_id);
            let case = self.visible_case(&mut tx, &mut audit, actor, asked.case_id, Action::ReferCase).await?;
            let office = receiving_desk(&mut tx, actor, asked.to_office).await?;
            let plan = self
                .plan_referral(
                    &mut tx,
                    &case,
                    office.agency_id,
                    asked.priority,
                    &asked.classes,
                    asked.persons.as_deref(),
                )
                .await?;
            for person in &plan.packet.persons {
                audit.subject(SubjectKind::Person, person.person_id);
            }
            Ok(ReferralPreview { packet: plan.packet, carried: plan.carried, priority: plan.priority })
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Checks the rules and packs what would travel: the protocol in force covers the
    /// case's category and the classes asked for; each chosen person (all the case's when
    /// none are chosen) carries only the classes of her own that her consent — or, for a
    /// child, the recorded mandatory basis — covers, and one without cover travels as her
    /// role and age, or not at all when the protocol says so; the case's own classes (summary, risk, narrative) travel when the
    /// cover of a person going with it includes them. A class asked for that no one's
    /// cover includes is refused (`consent_missing`).
    pub(crate) async fn plan_referral(
        &self,
        tx: &mut Tx,
        case: &Case,
        to_agency: AgencyId,
        requested_priority: Priority,
        classes: &BTreeSet<DataClass>,
        chosen: Option<&[PersonId]>,
    ) -> Result<Plan, AppError> {
        let now = self.now();
        let today = local_date(now);
        let protocols = tx.protocols_between(case.agency_id, to_agency).await?;
        let protocol = in_force(&protocols, case.agency_id, to_agency, today);
        check_referral(protocol, &case.category, classes).map_err(AppError::Rule)?;
        let Some(protocol) = protocol.cloned() else {
            return Err(AppError::Rule(RuleViolation::NoActiveProtocol));
        };
        let in_case = tx.case_persons(case.id).await?;
        let persons: Vec<CasePerson> = match chosen {
            None => in_case,
            Some(ids) => {
                let mut picked = Vec::with_capacity(ids.len());
                for (index, id) in ids.iter().enumerate() {
                    match in_case.iter().find(|entry| entry.person_id == *id) {
                        Some(entry) if !picked.iter().any(|kept: &CasePerson| kept.person_id == *id) => {
                            picked.push(entry.clone())
                        }
                        Some(_) => return Err(AppError::invalid(format!("persons[{index}]"), Problem::Duplicate)),
                        None => return Err(AppError::invalid(format!("persons[{index}]"), Problem::UnknownValue)),
                    }
                }
                picked
            }
        };
        let consents = tx.consents(case.id).await?;
        // A person her own cover does not identify goes as her role and age, or — when
        // the protocol says so — not at all.
        let omit = protocol.uncovered == sila_domain::protocol::Uncovered::Omitted;
        let mut covered_any = BTreeSet::new();
        let mut carried = Vec::with_capacity(persons.len());
        let mut going = Vec::with_capacity(persons.len());
        for entry in persons {
            let covered: BTreeSet<DataClass> =
                covered_for(&consents, entry.person_id, to_agency, today).intersection(classes).copied().collect();
            if omit && !covered.contains(&DataClass::Identity) {
                continue;
            }
            covered_any.extend(covered.iter().copied());
            carried.push((entry.person_id, covered.intersection(&PERSON_CLASSES.into()).copied().collect()));
            going.push(entry);
        }
        let persons = going;
        let missing: BTreeSet<DataClass> = classes.difference(&covered_any).copied().collect();
        if !missing.is_empty() {
            return Err(AppError::Rule(RuleViolation::ConsentMissing(missing)));
        }
        let risk = tx.risk_assessments(case.id).await?.into_iter().next();
        // High risk drives priority: a referral never goes at a lower priority than the
        // case's assessed risk level.
        let risk_priority = match risk.as_ref().map(|record| record.assessment.level) {
            Some(RiskLevel::High) => Priority::High,
            Some(RiskLevel::Medium) => Priority::Medium,
            _ => Priority::Standard,
        };
        let priority = requested_priority.max(risk_priority);
        let mut packet = Packet {
            category: case.category.clone(),
            subcategory: case.subcategory.clone(),
            persons: Vec::with_capacity(persons.len()),
            risk: None,
            narrative: None,
        };
        for (entry, (_, own)) in persons.iter().zip(&carried) {
            packet.persons.push(pack_person(tx, entry, own, today).await?);
        }
        if classes.contains(&DataClass::Risk) {
            packet.risk = risk.map(|record| PacketRisk {
                level: record.assessment.level,
                score: record.assessment.score,
                yes_items: record
                    .assessment
                    .answers
                    .iter()
                    .filter(|(_, answer)| **answer == Answer::Yes)
                    .map(|(item, _)| item.clone())
                    .collect(),
            });
        }
        if classes.contains(&DataClass::Narrative) {
            packet.narrative = case.narrative.as_ref().map(|text| text.as_str().to_string());
        }
        Ok(Plan { protocol, priority, packet, carried })
    }
}

/// A person as the referral carries them: her identity and contact only when her own
/// cover lets those classes go; without identity, her role and her age alone.
async fn pack_person(
    tx: &mut Tx,
    entry: &CasePerson,
    own: &BTreeSet<DataClass>,
    today: jiff::civil::Date,
) -> Result<PacketPerson, AppError> {
    let person = tx.person(entry.person_id).await?.ok_or(AppError::NotFound)?;
    let details = person.details;
    let identity = own.contains(&DataClass::Identity);
    let contact = own.contains(&DataClass::Contact);
    let text = |value: Option<Text>| value.map(Text::into_string);
    Ok(PacketPerson {
        person_id: entry.person_id,
        role: entry.role,
        name_ar: identity.then(|| details.name_ar.full()).filter(|name| !name.is_empty()),
        name_latin: if identity { text(details.name_latin) } else { None },
        sex: identity.then(|| details.sex.code().to_string()),
        birth_date: if identity { details.birth_date.map(|date| date.to_string()) } else { None },
        nationality: if identity { details.nationality.map(|country| country.alpha2().to_string()) } else { None },
        qid: if identity { details.qid.map(|qid| qid.as_str().to_string()) } else { None },
        phones: if contact {
            details.phones.iter().map(|line| line.phone.as_str().to_string()).collect()
        } else {
            Vec::new()
        },
        municipality: if contact { text(details.municipality) } else { None },
        age: if identity { None } else { details.birth_date.map(|birth| sila_domain::time::age_on(birth, today)) },
    })
}

/// A referral as asked, validated: every field's problem named at once.
pub(crate) struct Asked {
    pub(crate) case_id: CaseId,
    pub(crate) to_office: OfficeId,
    pub(crate) reason: Text,
    pub(crate) priority: Priority,
    pub(crate) classes: BTreeSet<DataClass>,
    /// The persons chosen; `None`: all the case's.
    pub(crate) persons: Option<Vec<PersonId>>,
}

impl Asked {
    pub(crate) fn parse(input: &ReferralInput) -> Result<Asked, AppError> {
        let mut errors = Errors::new();
        let case_id = errors.check("case_id", CaseId::parse(&input.case_id));
        let to_office = errors.check("to_office_id", OfficeId::parse(&input.to_office_id));
        let reason = errors.check("reason", Text::parse(&input.reason, limits::SHORT));
        let priority = match input.priority.as_deref().map(str::trim) {
            None | Some("") => Some(Priority::Standard),
            Some(code) => errors.check("priority", Priority::parse(code)),
        };
        let classes = match DataClass::parse_set("data_classes", &input.data_classes) {
            Ok(set) => set,
            Err(found) => {
                for error in found {
                    errors.add(error.field, error.problem);
                }
                BTreeSet::new()
            }
        };
        let persons = parse_persons(&mut errors, input.persons.as_deref());
        errors.finish().map_err(AppError::Invalid)?;
        match (case_id, to_office, reason, priority) {
            (Some(case_id), Some(to_office), Some(reason), Some(priority)) => {
                Ok(Asked { case_id, to_office, reason, priority, classes, persons })
            }
            _ => Err(AppError::invalid("case_id", Problem::Required)),
        }
    }
}

/// The desk a referral is addressed to: a desk of another agency than the actor's.
pub(crate) async fn receiving_desk(
    tx: &mut Tx,
    actor: &Actor,
    office: OfficeId,
) -> Result<sila_domain::agency::Office, AppError> {
    let office = tx.office(office).await?;
    office
        .filter(|office| office.is_desk && office.agency_id != actor.agency.id)
        .ok_or_else(|| AppError::invalid("to_office_id", Problem::UnknownValue))
}

/// The persons chosen to go with a referral, as typed: `None` when none were named (all
/// the case's persons go).
fn parse_persons(errors: &mut Errors, persons: Option<&[String]>) -> Option<Vec<PersonId>> {
    let persons = persons?;
    if persons.is_empty() {
        errors.add("persons", Problem::EmptyList);
        return None;
    }
    if persons.len() > PERSONS_MAX {
        errors.add("persons", Problem::TooMany { max: PERSONS_MAX });
        return None;
    }
    let mut ids = Vec::with_capacity(persons.len());
    for (index, text) in persons.iter().enumerate() {
        if let Some(id) = errors.check(format!("persons[{index}]"), PersonId::parse(text)) {
            ids.push(id);
        }
    }
    Some(ids)
}
