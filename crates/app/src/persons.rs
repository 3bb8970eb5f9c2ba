//! Registering, reading and finding persons.
//!
//! A person's record is held in full by the agency that registered them; another agency
//! sees only the data classes that referrals carried to it (`sila_store::PersonScope`),
//! and the view returned here is cut down to exactly that.

use std::collections::BTreeSet;

use sila_domain::audit::SubjectKind;
use sila_domain::consent::DataClass;
use sila_domain::error::Problem;
use sila_domain::ids::PersonId;
use sila_domain::person::{ArabicName, Person, PersonDetails, PersonInput, Sex};
use sila_domain::qid::Qid;
use sila_domain::time::{local_date, parse_date};
use sila_store::{PersonScope, Tx};

use crate::access::{Action, Decision, Resource};
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// A person as the actor may see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonView {
    /// The record, with the fields the actor may not see emptied.
    pub person: Person,
    /// The actor's agency registered the person and sees everything.
    pub full: bool,
    /// Names, sex, date of birth, nationality and QID are shown.
    pub identity: bool,
    /// Phones and municipality are shown.
    pub contact: bool,
}

impl PersonView {
    /// The view of `person` showing identity, contact and the registering agency's own
    /// fields only as allowed.
    fn masked(mut person: Person, identity: bool, contact: bool, full: bool) -> PersonView {
        let details = &mut person.details;
        if !identity {
            details.name_ar = ArabicName::default();
            details.name_latin = None;
            details.sex = Sex::Unknown;
            details.birth_date = None;
            details.nationality = None;
            details.qid = None;
        }
        if !contact {
            details.phones.clear();
            details.municipality = None;
        }
        if !full {
            details.language = None;
            details.disability_notes = None;
        }
        PersonView { person, full, identity, contact }
    }
}

impl App {
    /// A person as the actor may see them: identity and contact each as the engine
    /// decides (`ReadPerson`, `ReadPersonContact`), the registering agency's own fields
    /// only to that agency.
    pub(crate) fn person_view(&self, actor: &Actor, person: Person, scope: &PersonScope) -> PersonView {
        let classes = shared_classes(scope);
        let resource = Resource::Person(person.id, person.registered_by_agency_id, &classes);
        let identity = self.verdict(actor, Action::ReadPerson, resource).allowed;
        let contact = self.verdict(actor, Action::ReadPersonContact, resource).allowed;
        let full = identity && person.registered_by_agency_id == actor.agency.id;
        PersonView::masked(person, identity, contact, full)
    }
}

/// A person found by a search, with why they matched.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMatch {
    /// The person, as the actor may see them.
    pub person: PersonView,
    /// 0 to 1: how strongly the query points at this person.
    pub score: f64,
    /// Codes explaining the score (`qid_equal`, `name_parts_equal`, …).
    pub reasons: Vec<String>,
}

/// A registration's answer: the new person, and existing persons who may be the same.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// The person registered.
    pub person: PersonView,
    /// Possible duplicates the officer should look at (never merged automatically).
    pub possible_matches: Vec<PersonMatch>,
}

/// A search as typed.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    /// Free text: a name in Arabic or Latin letters.
    pub q: Option<String>,
    /// A QID.
    pub qid: Option<String>,
    /// A date of birth.
    pub birth_date: Option<String>,
    /// At most this many results (1–50).
    pub limit: Option<i64>,
}

impl App {
    /// Registers a person, after checking that no person with the same QID is already
    /// registered in the agency; answers with the possible matches among the persons the
    /// agency can see.
    pub async fn register_person(
        &self,
        actor: &Actor,
        input: &PersonInput,
        context: &RequestContext,
    ) -> Result<Registration, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "person.create").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::CreatePerson, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let now = self.now();
            let details = PersonDetails::validate(input, local_date(now)).map_err(AppError::Invalid)?;
            if let Some(qid) = &details.qid {
                let same = tx.search_persons(actor.agency.id, &[], Some(qid.as_str()), None, 1).await?;
                if !same.is_empty() {
                    return Err(AppError::Conflict(Conflict::QidAlreadyRegistered));
                }
            }
            let possible = self.possible_matches(&mut tx, actor, &details).await?;
            let person = Person {
                id: PersonId::from_uuid(new_uuid()),
                registered_by_agency_id: actor.agency.id,
                details,
                created_by: actor.user.id,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            tx.insert_person(&person).await?;
            audit.subject(SubjectKind::Person, person.id);
            for found in &possible {
                audit.subject(SubjectKind::Person, found.person.person.id);
            }
            Ok(Registration { person: PersonView::masked(person, true, true, true), possible_matches: possible })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// One person, as far as the actor may see them.
    pub async fn person(&self, actor: &Actor, id: PersonId) -> Result<PersonView, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "person.read").await?;
        audit.subject(SubjectKind::Person, id);
        let result = async {
            let person = tx.person(id).await?.ok_or(AppError::NotFound)?;
            let scope = tx.person_scope(&person, actor.agency.id).await?;
            let classes = shared_classes(&scope);
            match self.authorize(
                &mut audit,
                actor,
                Action::ReadPerson,
                Resource::Person(person.id, person.registered_by_agency_id, &classes),
            ) {
                Decision::Allow => Ok(self.person_view(actor, person, &scope)),
                _ => Err(AppError::Hidden),
            }
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }

    /// Finds persons the agency can identify, by name, QID or date of birth, best first.
    pub async fn search_persons(&self, actor: &Actor, query: &PersonQuery) -> Result<Vec<PersonMatch>, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "person.search").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::SearchPersons, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let today = local_date(self.now());
            let text = query.q.as_deref().map(sila_arabic::normalize).unwrap_or_default();
            let terms: Vec<String> = text.split(' ').filter(|term| !term.is_empty()).map(str::to_string).collect();
            let qid = match query.qid.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(Qid::parse(text, today).map_err(|problem| AppError::invalid("qid", problem))?),
            };
            let birth_date = match query.birth_date.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(parse_date(text).map_err(|problem| AppError::invalid("dob", problem))?),
            };
            if terms.is_empty() && qid.is_none() && birth_date.is_none() {
                return Err(AppError::invalid("q", Problem::Required));
            }
            let limit = query.limit.unwrap_or(10);
            if !(1..=50).contains(&limit) {
                return Err(AppError::invalid("limit", Problem::UnknownValue));
            }
            let found =
                tx.search_persons(actor.agency.id, &terms, qid.as_ref().map(Qid::as_str), birth_date, limit).await?;
            let mut matches = Vec::with_capacity(found.len());
            for person in found {
                let scope = tx.person_scope(&person, actor.agency.id).await?;
                let (score, reasons) = score(&terms, qid.as_ref(), birth_date, &person);
                audit.subject(SubjectKind::Person, person.id);
                matches.push(PersonMatch { person: self.person_view(actor, person, &scope), score, reasons });
            }
            matches.sort_by(|left, right| right.score.total_cmp(&left.score));
            Ok(matches)
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }
}

/// The data classes of a person the scope says the actor's agency received.
fn shared_classes(scope: &PersonScope) -> BTreeSet<DataClass> {
    match scope {
        PersonScope::Shared(classes) => classes.clone(),
        PersonScope::Registered | PersonScope::None => BTreeSet::new(),
    }
}

impl App {
    /// Possible duplicates of a new registration: persons the agency can see who share the
    /// QID, or the first and family names, or the first name and date of birth.
    async fn possible_matches(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        details: &PersonDetails,
    ) -> Result<Vec<PersonMatch>, AppError> {
        let mut candidates: Vec<Person> = Vec::new();
        let first = details.name_ar.first.as_ref().map(|text| sila_arabic::normalize(text.as_str()));
        let family = details.name_ar.family.as_ref().map(|text| sila_arabic::normalize(text.as_str()));
        let mut searches: Vec<Vec<String>> = Vec::new();
        match (&first, &family) {
            (Some(first), Some(family)) => searches.push(vec![first.clone(), family.clone()]),
            (Some(first), None) => searches.push(vec![first.clone()]),
            _ => {}
        }
        if let Some(latin) = &details.name_latin {
            let normalized = sila_arabic::normalize(latin.as_str());
            let parts: Vec<String> = normalized.split(' ').map(str::to_string).collect();
            if let (Some(first), Some(last)) = (parts.first(), parts.last()) {
                searches.push(vec![first.clone(), last.clone()]);
            }
        }
        for terms in searches {
            for person in tx.search_persons(actor.agency.id, &terms, None, details.birth_date, 10).await? {
                if !candidates.iter().any(|known| known.id == person.id) {
                    candidates.push(person);
                }
            }
        }
        let terms: Vec<String> = details.search_text().split(' ').map(str::to_string).collect();
        let mut matches = Vec::new();
        for person in candidates {
            let scope = tx.person_scope(&person, actor.agency.id).await?;
            let (score, reasons) = score(&terms, details.qid.as_ref(), details.birth_date, &person);
            let view = self.person_view(actor, person, &scope);
            if view.identity {
                matches.push(PersonMatch { person: view, score, reasons });
            }
        }
        matches.sort_by(|left, right| right.score.total_cmp(&left.score));
        Ok(matches)
    }
}

/// A simple, explainable score: the share of query name parts found among the person's
/// name parts, raised by an equal date of birth and decided by an equal QID.
fn score(
    terms: &[String],
    qid: Option<&Qid>,
    birth_date: Option<jiff::civil::Date>,
    person: &Person,
) -> (f64, Vec<String>) {
    let mut reasons = Vec::new();
    let known: BTreeSet<String> = person.details.search_text().split(' ').map(str::to_string).collect();
    let mut score = 0.0;
    if !terms.is_empty() {
        let equal = terms.iter().filter(|term| known.contains(term.as_str())).count();
        score = 0.8 * f64::from(u32::try_from(equal).unwrap_or(0)) / f64::from(u32::try_from(terms.len()).unwrap_or(1));
        reasons.push(format!("name_parts_equal:{equal}/{}", terms.len()));
    }
    if let (Some(asked), Some(date)) = (birth_date, person.details.birth_date)
        && asked == date
    {
        score += 0.2;
        reasons.push("birth_date_equal".into());
    }
    if let (Some(asked), Some(stored)) = (qid, &person.details.qid)
        && asked == stored
    {
        score = 1.0;
        reasons.push("qid_equal".into());
    }
    (score.min(1.0), reasons)
}
