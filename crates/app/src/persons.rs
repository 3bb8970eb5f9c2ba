//! Registering, reading and finding persons.
//!
//! A person's record is held in full by the agency that registered them; another agency
//! sees only the data classes that referrals carried to it (`sila_store::PersonScope`),
//! and the view returned here is cut down to exactly that.
//!
//! Within an agency, her record is open to a user as far as their work needs it: she is
//! in a case they may read, or they registered her ([`Reach`]). Anyone else finds her
//! only through search, which shows a glimpse — her name, an age band and the office
//! that registered her — and opens her full record only after stating why
//! ([`App::open_person`]): the purpose is kept sealed under her key, the opening audited
//! as `person.open`, and it lasts half an hour.

use std::collections::BTreeSet;

use sila_arabic::{Comparison, Name, SearchOptions};
use sila_domain::agency::Office;
use sila_domain::audit::SubjectKind;
use sila_domain::consent::DataClass;
use sila_domain::error::Problem;
use sila_domain::ids::PersonId;
use sila_domain::matching::{Evidence, Reason, assess};
use sila_domain::person::{AgeBand, ArabicName, Person, PersonDetails, PersonInput, Sex};
use sila_domain::qid::Qid;
use sila_domain::text::{limits, parse_reason};
use sila_domain::time::{local_date, parse_date};
use sila_store::{PersonScope, Tx};

use crate::access::{Action, Decision, Reach, Resource};
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
    /// The record this one was merged into (a duplicate): the person's history is there.
    pub merged_into: Option<PersonId>,
    /// How she may safely be contacted (loaded where contact details are shown: the
    /// person's page and her cases).
    pub safe_contact: Option<sila_domain::contact::SafeContact>,
    /// A search's glimpse of a person outside the actor's work: only her names are kept
    /// in `person`, with this age band and registering office beside them.
    pub glimpse: Option<Glimpse>,
}

/// What a search shows of a person whose record is outside the searcher's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glimpse {
    /// Her age band (never the date of birth).
    pub age_band: Option<AgeBand>,
    /// The office that registered her.
    pub office: Option<Office>,
}

/// An opening of a person's record for a stated purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonOpening {
    /// The person.
    pub person_id: PersonId,
    /// When the record closes to the actor again.
    pub expires_at: jiff::Timestamp,
}

/// How long a stated purpose keeps a person's record open to the one who stated it.
const PURPOSE_DURATION: jiff::SignedDuration = jiff::SignedDuration::from_mins(30);
/// The shortest purpose accepted, in characters, and the fewest words with letters.
const MIN_PURPOSE: usize = 10;
const MIN_PURPOSE_WORDS: usize = 3;

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
        PersonView { person, full, identity, contact, merged_into: None, safe_contact: None, glimpse: None }
    }

    /// The glimpse of `person`: her names, with the age band and office beside them.
    fn glimpse(person: Person, glimpse: Glimpse) -> PersonView {
        let names = (person.details.name_ar.clone(), person.details.name_latin.clone());
        let mut view = PersonView::masked(person, false, false, false);
        (view.person.details.name_ar, view.person.details.name_latin) = names;
        PersonView { glimpse: Some(glimpse), ..view }
    }
}

impl App {
    /// A person as the actor may see them: identity and contact each as the engine
    /// decides (`ReadPerson`, `ReadPersonContact`), the registering agency's own fields
    /// only to that agency.
    pub(crate) fn person_view(&self, actor: &Actor, person: Person, scope: &PersonScope, reach: Reach) -> PersonView {
        let classes = shared_classes(scope);
        let resource = Resource::Person(person.id, person.registered_by_agency_id, &classes, reach);
        let identity = self.verdict(actor, Action::ReadPerson, resource).allowed;
        let contact = self.verdict(actor, Action::ReadPersonContact, resource).allowed;
        let full = identity && person.registered_by_agency_id == actor.agency.id;
        PersonView::masked(person, identity, contact, full)
    }

    /// How `person` stands to the actor's work: in scope when the actor registered her,
    /// she is in a case of the actor's agency that the engine lets the actor read, or a
    /// referral the actor may read carried her to the agency; else whether the actor
    /// stated a purpose for her record that is still open.
    pub(crate) async fn person_reach(&self, tx: &mut Tx, actor: &Actor, person: &Person) -> Result<Reach, AppError> {
        if person.created_by == actor.user.id {
            return Ok(Reach::IN_SCOPE);
        }
        for case_id in tx.cases_of_person(person.id, actor.agency.id).await? {
            let Some(case) = tx.case(case_id).await? else { continue };
            let persons = tx.case_person_ids(case.id).await?;
            if self.verdict(actor, Action::ReadCase, Resource::Case(&case, &persons)).allowed {
                return Ok(Reach::IN_SCOPE);
            }
        }
        // A referral that carried her to the actor's agency, which the actor may read (the
        // desk that receives her, before her centre case exists).
        for referral_id in tx.referrals_carrying(person.id, actor.agency.id).await? {
            let Some(referral) = tx.referral(referral_id).await? else { continue };
            let related = crate::referrals::related_cases(tx, actor, &referral).await?;
            if self.verdict(actor, Action::ReadReferral, related.resource(&referral)).allowed {
                return Ok(Reach::IN_SCOPE);
            }
        }
        let purpose_stated = tx.person_purpose_open(actor.user.id, person.id, self.now()).await?;
        Ok(Reach { in_scope: false, purpose_stated })
    }

    /// A person with how she stands to the actor: what the actor's agency holds of her
    /// and how she stands to the actor's work; `None` when there is no such person.
    pub(crate) async fn standing(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: PersonId,
    ) -> Result<Option<Standing>, AppError> {
        let Some(person) = tx.person(id).await? else { return Ok(None) };
        let scope = tx.person_scope(&person, actor.agency.id).await?;
        let classes = shared_classes(&scope);
        let reach = self.person_reach(tx, actor, &person).await?;
        Ok(Some(Standing { person, scope, classes, reach }))
    }

    /// Whether stating a purpose would open `person`'s record to the actor (it is outside
    /// their work, but their agency holds her identity and no guard closes her to them).
    fn purpose_would_open(&self, actor: &Actor, person: &Person, classes: &BTreeSet<DataClass>, reach: Reach) -> bool {
        let opened = Reach { purpose_stated: true, ..reach };
        !reach.in_scope
            && !reach.purpose_stated
            && self
                .verdict(
                    actor,
                    Action::ReadPerson,
                    Resource::Person(person.id, person.registered_by_agency_id, classes, opened),
                )
                .allowed
    }

    /// The office that registered `person` (the first office of the user who did).
    async fn registering_office(tx: &mut Tx, person: &Person) -> Result<Option<Office>, AppError> {
        let Some(user) = tx.user(person.created_by).await? else { return Ok(None) };
        let Some(office) = user.office_ids.first() else { return Ok(None) };
        Ok(tx.office(*office).await?)
    }
}

/// A person with what the actor's agency holds of her and how she stands to the actor.
pub(crate) struct Standing {
    /// The record.
    pub(crate) person: Person,
    /// What the actor's agency holds of her.
    pub(crate) scope: PersonScope,
    /// Her data classes referrals carried to the actor's agency.
    pub(crate) classes: BTreeSet<DataClass>,
    /// How she stands to the actor's work.
    pub(crate) reach: Reach,
}

impl Standing {
    /// Her record as the engine decides on it.
    pub(crate) fn resource(&self) -> Resource<'_> {
        Resource::Person(self.person.id, self.person.registered_by_agency_id, &self.classes, self.reach)
    }
}

/// A person found by a search, with why they matched.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMatch {
    /// The person, as the actor may see them.
    pub person: PersonView,
    /// 0 to 1: how strongly the query points at this person.
    pub score: f64,
    /// Why: name part by name part, then the identifiers.
    pub reasons: Vec<Reason>,
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
        let mut audit = crate::audit::Audit::new(Some(actor), "person.create");
        let now = self.now();
        // The possible duplicates are looked for in a reading transaction before the
        // write begins: weighing them reads many records, which must not hold the one
        // writer (SQLite's, or PostgreSQL's locks) while it happens.
        let prepared = async {
            if self.authorize(&mut audit, actor, Action::CreatePerson, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let details = PersonDetails::validate(input, local_date(now)).map_err(AppError::Invalid)?;
            let mut reading = self.store.read().await?;
            let possible = self.possible_matches(&mut reading, &mut audit, actor, &details).await?;
            reading.commit().await?;
            Ok((details, possible))
        }
        .await;
        let (details, possible) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                self.audit_failure(&audit, &error).await;
                return Err(error);
            }
        };
        let mut tx = self.store.write().await?;
        let result = async {
            if let Some(qid) = &details.qid {
                let same = tx.search_persons(actor.agency.id, &[], Some(qid.as_str()), None, 1).await?;
                if !same.is_empty() {
                    return Err(AppError::Conflict(Conflict::QidAlreadyRegistered));
                }
            }
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
            Ok(Registration { person: PersonView::masked(person, true, true, true), possible_matches: possible })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// One person, as far as the actor may see them.
    pub async fn person(&self, actor: &Actor, id: PersonId) -> Result<PersonView, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "person.read").await?;
        audit.subject(SubjectKind::Person, id);
        let result = async {
            let Standing { person, scope, classes, reach } =
                self.standing(&mut tx, actor, id).await?.ok_or(AppError::NotFound)?;
            if reach.purpose_stated {
                audit.detail("purpose_stated", "true");
            }
            match self.authorize(
                &mut audit,
                actor,
                Action::ReadPerson,
                Resource::Person(person.id, person.registered_by_agency_id, &classes, reach),
            ) {
                Decision::Allow => {
                    let merged_into = tx.merged_into(person.id).await?;
                    let view = self.person_view(actor, person, &scope, reach);
                    let safe_contact = if view.contact { tx.safe_contact(view.person.id).await? } else { None };
                    Ok(PersonView { merged_into, safe_contact, ..view })
                }
                _ if self.purpose_would_open(actor, &person, &classes, reach) => Err(AppError::PurposeRequired),
                _ => Err(AppError::Hidden),
            }
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Opens a person's record outside the actor's work for half an hour, for the purpose
    /// they state (kept sealed under her key; the opening is audited as `person.open`).
    /// Only a record a purpose can open is opened: one the actor's agency may not identify,
    /// or a person the actor declared a tie to, stays not found.
    pub async fn open_person(
        &self,
        actor: &Actor,
        id: PersonId,
        purpose: &str,
        context: &RequestContext,
    ) -> Result<PersonOpening, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "person.open").await?;
        audit.subject(SubjectKind::Person, id);
        let result = async {
            let Standing { person, classes, reach, .. } =
                self.standing(&mut tx, actor, id).await?.ok_or(AppError::NotFound)?;
            let opened = Reach { purpose_stated: true, ..reach };
            let resource = Resource::Person(person.id, person.registered_by_agency_id, &classes, opened);
            if self.authorize(&mut audit, actor, Action::ReadPerson, resource) != Decision::Allow {
                return Err(AppError::Hidden);
            }
            let purpose = parse_reason(purpose, limits::SHORT, MIN_PURPOSE, MIN_PURPOSE_WORDS)
                .map_err(|problem| AppError::invalid("purpose", problem))?;
            let now = self.now();
            let expires_at = now.checked_add(PURPOSE_DURATION).unwrap_or(now);
            tx.insert_person_purpose(new_uuid(), actor.user.id, person.id, purpose.as_str(), now, expires_at).await?;
            audit.detail("purpose_stated", "true");
            Ok(PersonOpening { person_id: person.id, expires_at })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Finds persons the agency can identify, by name (in either script), QID or date of
    /// birth, best first, each with the reasons for its score (`sila_domain::matching`).
    pub async fn search_persons(&self, actor: &Actor, query: &PersonQuery) -> Result<Vec<PersonMatch>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "person.search").await?;
        let result = async {
            if self.authorize(&mut audit, actor, Action::SearchPersons, Resource::Nothing) != Decision::Allow {
                return Err(AppError::Forbidden);
            }
            let today = local_date(self.now());
            if let Some(text) = &query.q
                && text.chars().count() > QUERY_MAX
            {
                return Err(AppError::invalid("q", Problem::TooLong { max: QUERY_MAX }));
            }
            let name = query.q.as_deref().map(Name::parse).filter(|name| !name.core().is_empty());
            let qid = match query.qid.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(Qid::parse(text, today).map_err(|problem| AppError::invalid("qid", problem))?),
            };
            let birth_date = match query.birth_date.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(parse_date(text).map_err(|problem| AppError::invalid("dob", problem))?),
            };
            if name.is_none() && qid.is_none() && birth_date.is_none() {
                return Err(AppError::invalid("q", Problem::Required));
            }
            let limit = query.limit.unwrap_or(10);
            if !(1..=50).contains(&limit) {
                return Err(AppError::invalid("limit", Problem::UnknownValue));
            }
            let asked = Evidence { qid: qid.as_ref(), birth_date, sex: Sex::Unknown };
            let names: Vec<Name> = name.into_iter().collect();
            let matches = self.find_persons(&mut tx, &mut audit, actor, &names, &asked, limit as usize).await?;
            Ok(matches)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Candidates by name from the index, by QID and (without a name) by date of birth
    /// from the database, assessed with everything known and cut to `limit`; every person
    /// returned is named in the audit entry.
    async fn find_persons(
        &self,
        tx: &mut Tx,
        audit: &mut crate::audit::Audit,
        actor: &Actor,
        names: &[Name],
        asked: &Evidence<'_>,
        limit: usize,
    ) -> Result<Vec<PersonMatch>, AppError> {
        // Name candidates: the person's best comparison over the names asked (a person
        // registered with an Arabic and a Latin name is asked about with both).
        let mut by_name: std::collections::HashMap<PersonId, (Comparison, f32)> = std::collections::HashMap::new();
        for name in names {
            let options = SearchOptions { floor: CANDIDATE_FLOOR, limit: CANDIDATES };
            for found in self.store.search_person_names(name, actor.agency.id, options).await? {
                let better =
                    by_name.get(&found.person_id).is_none_or(|(known, _)| found.comparison.score > known.score);
                if better {
                    by_name.insert(found.person_id, (found.comparison, found.information));
                }
            }
        }
        let mut ids: Vec<PersonId> = by_name.keys().copied().collect();
        if let Some(qid) = asked.qid {
            ids.extend(
                tx.search_persons(actor.agency.id, &[], Some(qid.as_str()), None, 10).await?.iter().map(|p| p.id),
            );
        }
        if names.is_empty() && asked.qid.is_none() && asked.birth_date.is_some() {
            let found = tx.search_persons(actor.agency.id, &[], None, asked.birth_date, CANDIDATES as i64).await?;
            ids.extend(found.iter().map(|person| person.id));
        }
        ids.sort_unstable_by_key(|id| id.to_string());
        ids.dedup();
        let mut matches = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(person) = tx.person(id).await? else { continue };
            if tx.merged_into(id).await?.is_some() {
                continue;
            }
            let scope = tx.person_scope(&person, actor.agency.id).await?;
            let reach = self.person_reach(tx, actor, &person).await?;
            let view = self.person_view(actor, person.clone(), &scope, reach);
            let name = by_name.get(&id).map(|(comparison, bits)| (comparison, *bits));
            if view.identity {
                let details = &view.person.details;
                let found = Evidence { qid: details.qid.as_ref(), birth_date: details.birth_date, sex: details.sex };
                let assessment = assess(name, asked, &found);
                matches.push(PersonMatch { person: view, score: assessment.score, reasons: assessment.reasons });
                continue;
            }
            if !self.purpose_would_open(actor, &person, &shared_classes(&scope), reach) {
                continue;
            }
            // Outside the actor's work: ranked with what is known of her, shown as a
            // glimpse, with only the reasons that repeat what the searcher typed.
            let details = &person.details;
            let found = Evidence { qid: details.qid.as_ref(), birth_date: details.birth_date, sex: details.sex };
            let assessment = assess(name, asked, &found);
            let reasons = assessment
                .reasons
                .into_iter()
                .filter(|reason| matches!(reason, Reason::Part { .. } | Reason::NameOmitted { .. } | Reason::QidEqual))
                .collect();
            let glimpse = Glimpse {
                age_band: details.birth_date.map(|birth| AgeBand::of(birth, local_date(self.now()))),
                office: Self::registering_office(tx, &person).await?,
            };
            matches.push(PersonMatch {
                person: PersonView::glimpse(person, glimpse),
                score: assessment.score,
                reasons,
            });
        }
        matches.sort_by(|left, right| {
            right
                .score
                .total_cmp(&left.score)
                .then(left.person.person.id.to_string().cmp(&right.person.person.id.to_string()))
        });
        matches.truncate(limit);
        for found in &matches {
            audit.subject(SubjectKind::Person, found.person.person.id);
        }
        Ok(matches)
    }
}

/// The longest name a search takes, in characters (a full name with titles is far shorter).
const QUERY_MAX: usize = 200;

/// Name candidates read from the index before the identifiers re-rank them.
const CANDIDATES: usize = 100;
/// The lowest name score a candidate may have (weaker names are no candidates at all).
const CANDIDATE_FLOOR: f32 = 0.4;
/// The lowest score a registration's possible match may have.
const POSSIBLE_MATCH: f64 = 0.5;

/// The data classes of a person the scope says the actor's agency received.
fn shared_classes(scope: &PersonScope) -> BTreeSet<DataClass> {
    match scope {
        PersonScope::Shared(classes) => classes.clone(),
        PersonScope::Registered | PersonScope::None => BTreeSet::new(),
    }
}

impl App {
    /// Possible duplicates of a new registration: persons the agency can see whose
    /// names (Arabic or Latin) match, or who share the QID, scored with date of birth and
    /// sex; the best ten from [`POSSIBLE_MATCH`] up.
    async fn possible_matches(
        &self,
        tx: &mut Tx,
        audit: &mut crate::audit::Audit,
        actor: &Actor,
        details: &PersonDetails,
    ) -> Result<Vec<PersonMatch>, AppError> {
        let mut names = Vec::new();
        let arabic = details.name_ar.full();
        if !arabic.trim().is_empty() {
            names.push(Name::parse(&arabic));
        }
        if let Some(latin) = &details.name_latin {
            names.push(Name::parse(latin.as_str()));
        }
        let asked = Evidence { qid: details.qid.as_ref(), birth_date: details.birth_date, sex: details.sex };
        let mut matches = self.find_persons(tx, audit, actor, &names, &asked, 10).await?;
        matches.retain(|found| found.score >= POSSIBLE_MATCH);
        Ok(matches)
    }
}

impl App {
    /// Builds the person name index now (a server calls this at start, so that the first
    /// search does not wait for it); `progress` hears (done, total) persons.
    pub async fn warm_person_index(&self, progress: &mut (dyn FnMut(u64, u64) + Send)) -> Result<(), AppError> {
        Ok(self.store.warm_person_index(progress).await?)
    }

    /// Builds a fresh person name index from the database and says how big it is (for
    /// `sila reindex`, which checks that every stored name can be indexed).
    pub async fn rebuild_person_index(
        &self,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<sila_store::IndexStats, AppError> {
        Ok(self.store.rebuild_person_index(progress).await?)
    }
}
