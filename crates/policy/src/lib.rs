//! Sila's authorisation engine: the Cedar schema and policies of `policies/` (compiled
//! into the binary, validated against the schema when the engine loads), the entities
//! each decision needs, built from the records the caller loaded, and the answer with
//! the ids of the policies that decided it — so every denial can be audited with them.
//!
//! This crate decides; it reads nothing. The application loads the records, asks, and
//! acts on the answer.

#![deny(missing_docs)]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression, Schema, ValidationMode, Validator,
};
use sila_domain::agency::{Agency, Role};
use sila_domain::case::{Case, Note};
use sila_domain::consent::DataClass;
use sila_domain::ids::{AgencyId, CaseId, ConsultationId, PersonId, RecordId, UserId};
use sila_domain::referral::{Referral, ReferralStatus};

/// The schema.
pub const SCHEMA: &str = include_str!("../../../policies/schema.cedarschema");

/// The policy files, by name.
pub const POLICIES: &[(&str, &str)] = &[
    ("agency.cedar", include_str!("../../../policies/agency.cedar")),
    ("cases.cedar", include_str!("../../../policies/cases.cedar")),
    ("notes.cedar", include_str!("../../../policies/notes.cedar")),
    ("casework.cedar", include_str!("../../../policies/casework.cedar")),
    ("persons.cedar", include_str!("../../../policies/persons.cedar")),
    ("referrals.cedar", include_str!("../../../policies/referrals.cedar")),
    ("guards.cedar", include_str!("../../../policies/guards.cedar")),
];

/// What a user wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Register a person.
    CreatePerson,
    /// Search persons.
    SearchPersons,
    /// Open a case.
    CreateCase,
    /// List cases.
    ListCases,
    /// List referrals.
    ListReferrals,
    /// Administer the agency's configuration.
    Administer,
    /// Read the audit log.
    ReadAudit,
    /// Read a case.
    ReadCase,
    /// Work a case (persons, risk, consent).
    WorkCase,
    /// Refer a case.
    ReferCase,
    /// Write a note.
    CreateNote,
    /// Assign a case.
    AssignCase,
    /// Send a case to an authority.
    TransferCase,
    /// Record a centre-first bypass.
    BypassCentreFirst,
    /// Open a case outside one's scope, in an emergency.
    BreakGlass,
    /// Read a note.
    ReadNote,
    /// Read a person's identity.
    ReadPerson,
    /// Read a person's contact details.
    ReadPersonContact,
    /// Merge a duplicate person record into another, or undo that merge.
    MergePersons,
    /// Read a referral.
    ReadReferral,
    /// Move a referral to a status.
    TransitionReferral(ReferralStatus),
    /// Record centre case work (assessments, plan, sessions, services, follow-ups).
    RecordCasework,
    /// Attach a file to a case.
    AddAttachment,
    /// Read a case's attachments.
    ReadAttachment,
    /// Ask the manager to close a case or send it to an authority.
    RequestClosure,
    /// Approve (or refuse) a closure or a transfer.
    ApproveCase,
    /// Read a court order's visits.
    ReadVisits,
    /// Record what happened at a visit.
    RecordVisitEvent,
    /// Issue the court report of a court order.
    IssueCourtReport,
    /// Record a consultation.
    RecordConsultation,
    /// Read a consultation.
    ReadConsultation,
    /// Record an awareness activity.
    RecordActivity,
    /// Read the agency's activities with their attendance, unsuppressed.
    ReadActivities,
    /// Read the agency's counts.
    ReadStatistics,
}

impl Act {
    fn action_id(&self) -> &'static str {
        match self {
            Act::CreatePerson => "CreatePerson",
            Act::SearchPersons => "SearchPersons",
            Act::CreateCase => "CreateCase",
            Act::ListCases => "ListCases",
            Act::ListReferrals => "ListReferrals",
            Act::Administer => "Administer",
            Act::ReadAudit => "ReadAudit",
            Act::ReadCase => "ReadCase",
            Act::WorkCase => "WorkCase",
            Act::ReferCase => "ReferCase",
            Act::CreateNote => "CreateNote",
            Act::AssignCase => "AssignCase",
            Act::TransferCase => "TransferCase",
            Act::BypassCentreFirst => "BypassCentreFirst",
            Act::BreakGlass => "BreakGlass",
            Act::ReadNote => "ReadNote",
            Act::ReadPerson => "ReadPerson",
            Act::ReadPersonContact => "ReadPersonContact",
            Act::MergePersons => "MergePersons",
            Act::ReadReferral => "ReadReferral",
            Act::TransitionReferral(_) => "TransitionReferral",
            Act::RecordCasework => "RecordCasework",
            Act::AddAttachment => "AddAttachment",
            Act::ReadAttachment => "ReadAttachment",
            Act::RequestClosure => "RequestClosure",
            Act::ApproveCase => "ApproveCase",
            Act::ReadVisits => "ReadVisits",
            Act::RecordVisitEvent => "RecordVisitEvent",
            Act::IssueCourtReport => "IssueCourtReport",
            Act::RecordConsultation => "RecordConsultation",
            Act::ReadConsultation => "ReadConsultation",
            Act::RecordActivity => "RecordActivity",
            Act::ReadActivities => "ReadActivities",
            Act::ReadStatistics => "ReadStatistics",
        }
    }
}

/// The acting user with what decisions need to know of them.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    /// The user.
    pub user: &'a sila_domain::agency::User,
    /// Their agency.
    pub agency: &'a Agency,
    /// Persons the user is tied to.
    pub conflicts: &'a BTreeSet<PersonId>,
    /// Cases the user holds a live break-glass grant for.
    pub break_glass: &'a BTreeSet<CaseId>,
}

/// The record acted on.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The user's own agency (creating, listing, administering).
    OwnAgency,
    /// A case and the persons in it.
    Case(&'a Case, &'a [PersonId]),
    /// A note, its case and the case's persons.
    Note(&'a Note, &'a Case, &'a [PersonId]),
    /// A person: who registered them, the classes of them the user's agency received,
    /// whether she is in the user's scope of work, and whether the user stated a purpose.
    Person {
        /// The person.
        id: PersonId,
        /// The agency that registered her.
        registered_by: AgencyId,
        /// Her data classes the user's agency received by referral.
        classes: &'a BTreeSet<DataClass>,
        /// She is in a case the user may read, or the user registered her.
        in_scope: bool,
        /// The user stated why they open her record (recently).
        purpose_stated: bool,
    },
    /// A consultation: its id, agency and who recorded it.
    Consultation(ConsultationId, AgencyId, UserId),
    /// A referral, with whether the user may read its referring case and its centre case
    /// (earlier decisions of the same engine).
    Referral {
        /// The referral.
        referral: &'a Referral,
        /// The user may read the referring case.
        reads_source_case: bool,
        /// The user may read the centre case.
        reads_centre_case: bool,
    },
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Allowed.
    pub allowed: bool,
    /// The ids of the policies that decided: the permits that allowed, or the forbids
    /// that denied (empty for a denial by default, when nothing permits).
    pub policies: Vec<String>,
    /// Evaluation errors (a policy that could not be evaluated counts as not applying).
    pub errors: Vec<String>,
}

/// The loaded, validated policies.
pub struct Engine {
    schema: Schema,
    policies: PolicySet,
    authorizer: Authorizer,
    /// The roles with their groups, the same for every decision.
    roles: Vec<Entity>,
    /// Each action's entity with those of the groups it is in, from the schema: what a
    /// decision whose entities the schema does not check adds for its action.
    actions: HashMap<EntityUid, Vec<Entity>>,
    /// Whether each decision's entities are checked against the schema.
    check_entities: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Engine")
    }
}

/// For each action of the schema, its entity and those of every group above it.
fn action_lineages(schema: &Schema) -> Result<HashMap<EntityUid, Vec<Entity>>, String> {
    let all: HashMap<EntityUid, Entity> = schema
        .action_entities()
        .map_err(|error| format!("schema actions: {error}"))?
        .iter()
        .map(|entity| (entity.uid(), entity.clone()))
        .collect();
    let mut lineages = HashMap::new();
    for (action, entity) in &all {
        let mut lineage = vec![entity.clone()];
        let mut seen: HashSet<EntityUid> = HashSet::from([action.clone()]);
        let mut index = 0;
        while index < lineage.len() {
            let (_, _, parents) = lineage[index].clone().into_inner();
            for parent in parents {
                if seen.insert(parent.clone())
                    && let Some(group) = all.get(&parent)
                {
                    lineage.push(group.clone());
                }
            }
            index += 1;
        }
        lineages.insert(action.clone(), lineage);
    }
    Ok(lineages)
}

/// Role groups: every working role is also in `reads_content`.
fn role_uid(code: &str) -> EntityUid {
    uid("Role", code)
}

fn uid(kind: &str, id: &str) -> EntityUid {
    let kind = EntityTypeName::from_str(&format!("Sila::{kind}")).unwrap_or_else(|_| unreachable_type());
    EntityUid::from_type_name_and_id(kind, EntityId::new(id))
}

/// The entity type names above are constants of the schema; parsing them cannot fail.
fn unreachable_type() -> EntityTypeName {
    EntityTypeName::from_str("Sila::Role").unwrap_or_else(|_| unreachable_type())
}

fn id_uid(kind: &str, id: impl RecordId) -> EntityUid {
    uid(kind, &id.as_uuid().hyphenated().to_string())
}

fn entity_ref(kind: &str, id: impl RecordId) -> RestrictedExpression {
    RestrictedExpression::new_entity_uid(id_uid(kind, id))
}

fn set_of(values: impl IntoIterator<Item = RestrictedExpression>) -> RestrictedExpression {
    RestrictedExpression::new_set(values)
}

impl Engine {
    /// Parses the schema and policies and validates the policies against the schema
    /// (strict mode); any error means the deployment's policies are broken and the
    /// server must not start.
    pub fn load() -> Result<Engine, String> {
        let (schema, _) = Schema::from_cedarschema_str(SCHEMA).map_err(|error| format!("schema: {error}"))?;
        let mut policies = PolicySet::new();
        for (name, text) in POLICIES {
            let set = PolicySet::from_str(text).map_err(|error| format!("{name}: {error}"))?;
            for policy in set.policies() {
                // Every policy is named by its @id annotation: the audit log records
                // these names for each denial, so they must be readable and stable.
                let id = policy.annotation("id").ok_or_else(|| format!("{name}: a policy without an @id"))?;
                let named = policy.new_id(cedar_policy::PolicyId::new(id));
                policies.add(named).map_err(|error| format!("{name}: {error}"))?;
            }
        }
        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !validation.validation_passed() {
            let errors: Vec<String> = validation.validation_errors().map(ToString::to_string).collect();
            return Err(format!("policies do not validate against the schema: {}", errors.join("; ")));
        }
        let mut roles: Vec<Entity> = Role::ALL
            .iter()
            .map(|role| {
                let parents: HashSet<EntityUid> =
                    if role.reads_case_content() { HashSet::from([role_uid("reads_content")]) } else { HashSet::new() };
                Entity::new_no_attrs(role_uid(role.code()), parents)
            })
            .collect();
        roles.push(Entity::new_no_attrs(role_uid("reads_content"), HashSet::new()));
        let actions = action_lineages(&schema)?;
        Ok(Engine {
            schema,
            policies,
            authorizer: Authorizer::new(),
            roles,
            actions,
            check_entities: cfg!(debug_assertions),
        })
    }

    /// The same engine, checking each decision's entities against the schema or not
    /// (debug builds do, release builds do not: see `try_decide`).
    pub fn checking_entities(self, check: bool) -> Engine {
        Engine { check_entities: check, ..self }
    }

    /// The ids of every policy.
    pub fn policy_ids(&self) -> Vec<String> {
        self.policies.policies().map(|policy| policy.id().to_string()).collect()
    }

    /// Decides `act` by `principal` on `target`.
    pub fn decide(&self, principal: Principal<'_>, act: Act, target: Target<'_>) -> Verdict {
        match self.try_decide(principal, act, target) {
            Ok(verdict) => verdict,
            Err(error) => Verdict { allowed: false, policies: Vec::new(), errors: vec![error] },
        }
    }

    fn try_decide(&self, principal: Principal<'_>, act: Act, target: Target<'_>) -> Result<Verdict, String> {
        let mut entities = Vec::new();
        let user_uid = id_uid("User", principal.user.id);
        entities.push(self.user_entity(principal)?);
        entities.extend(self.roles.iter().cloned());
        entities.push(agency_entity(principal.agency)?);
        let mut context: Vec<(String, RestrictedExpression)> = Vec::new();
        let resource = match target {
            Target::OwnAgency => id_uid("Agency", principal.agency.id),
            Target::Case(case, persons) => {
                entities.push(case_entity(case, persons)?);
                id_uid("Case", case.id)
            }
            Target::Note(note, case, persons) => {
                entities.push(case_entity(case, persons)?);
                let attributes = HashMap::from([
                    ("case".to_string(), entity_ref("Case", case.id)),
                    ("level".to_string(), RestrictedExpression::new_string(note.level.code().to_string())),
                    ("author".to_string(), entity_ref("User", note.author_id)),
                    ("readers".to_string(), set_of(note.readers.iter().map(|reader| entity_ref("User", *reader)))),
                ]);
                entities
                    .push(Entity::new(id_uid("Note", note.id), attributes, HashSet::new()).map_err(|e| e.to_string())?);
                id_uid("Note", note.id)
            }
            Target::Person { id: person, registered_by, classes, in_scope, purpose_stated } => {
                let attributes = HashMap::from([
                    ("registered_by".to_string(), entity_ref("Agency", registered_by)),
                    (
                        "shared_classes".to_string(),
                        set_of(classes.iter().map(|class| RestrictedExpression::new_string(class.code().to_string()))),
                    ),
                    ("in_scope".to_string(), RestrictedExpression::new_bool(in_scope)),
                    ("purpose_stated".to_string(), RestrictedExpression::new_bool(purpose_stated)),
                ]);
                entities.push(
                    Entity::new(id_uid("Person", person), attributes, HashSet::new()).map_err(|e| e.to_string())?,
                );
                id_uid("Person", person)
            }
            Target::Consultation(id, agency, recorded_by) => {
                let attributes = HashMap::from([
                    ("agency".to_string(), entity_ref("Agency", agency)),
                    ("recorded_by".to_string(), entity_ref("User", recorded_by)),
                ]);
                entities.push(
                    Entity::new(id_uid("Consultation", id), attributes, HashSet::new()).map_err(|e| e.to_string())?,
                );
                id_uid("Consultation", id)
            }
            Target::Referral { referral, reads_source_case, reads_centre_case } => {
                let mut attributes = HashMap::from([
                    ("from_agency".to_string(), entity_ref("Agency", referral.from_agency_id)),
                    ("to_agency".to_string(), entity_ref("Agency", referral.to_agency_id)),
                    ("to_office".to_string(), entity_ref("Office", referral.to_office_id)),
                    ("source_case".to_string(), entity_ref("Case", referral.case_id)),
                    (
                        "data_classes".to_string(),
                        set_of(
                            referral
                                .data_classes
                                .iter()
                                .map(|class| RestrictedExpression::new_string(class.code().to_string())),
                        ),
                    ),
                ]);
                if let Some(centre) = referral.centre_case_id {
                    attributes.insert("centre_case".to_string(), entity_ref("Case", centre));
                }
                entities.push(
                    Entity::new(id_uid("Referral", referral.id), attributes, HashSet::new())
                        .map_err(|e| e.to_string())?,
                );
                context.push(("reads_source_case".into(), RestrictedExpression::new_bool(reads_source_case)));
                context.push(("reads_centre_case".into(), RestrictedExpression::new_bool(reads_centre_case)));
                if let Act::TransitionReferral(to) = act {
                    context.push(("to".into(), RestrictedExpression::new_string(to.code().to_string())));
                }
                id_uid("Referral", referral.id)
            }
        };
        // Debug builds — every test — check each decision's entities against the schema
        // (their attributes' names and types), which costs more than the decision itself;
        // release builds, whose entities come from the same code, add the schema's action
        // entities and skip the check (`tests::checked_and_unchecked_entities_decide_alike`).
        // The request is checked against the schema in both.
        let entities = if self.check_entities {
            Entities::from_entities(entities, Some(&self.schema))
        } else {
            if let Some(lineage) = self.actions.get(&uid("Action", act.action_id())) {
                entities.extend(lineage.iter().cloned());
            }
            Entities::from_entities(entities, None)
        }
        .map_err(|error| error.to_string())?;
        let action = uid("Action", act.action_id());
        let context = Context::from_pairs(context).map_err(|error| error.to_string())?;
        let request =
            Request::new(user_uid, action, resource, context, Some(&self.schema)).map_err(|error| error.to_string())?;
        let response = self.authorizer.is_authorized(&request, &self.policies, &entities);
        let diagnostics = response.diagnostics();
        // In name order: the engine reports them in no particular order, and the audit
        // log records them.
        let mut policies: Vec<String> = diagnostics.reason().map(ToString::to_string).collect();
        policies.sort_unstable();
        Ok(Verdict {
            allowed: response.decision() == Decision::Allow,
            policies,
            errors: diagnostics.errors().map(ToString::to_string).collect(),
        })
    }

    fn user_entity(&self, principal: Principal<'_>) -> Result<Entity, String> {
        let user = principal.user;
        let attributes = HashMap::from([
            ("agency".to_string(), entity_ref("Agency", user.agency_id)),
            ("offices".to_string(), set_of(user.office_ids.iter().map(|office| entity_ref("Office", *office)))),
            ("teams".to_string(), set_of(user.team_ids.iter().map(|team| entity_ref("Team", *team)))),
            ("conflicts".to_string(), set_of(principal.conflicts.iter().map(|person| entity_ref("Person", *person)))),
            ("break_glass".to_string(), set_of(principal.break_glass.iter().map(|case| entity_ref("Case", *case)))),
        ]);
        let roles: HashSet<EntityUid> =
            if user.disabled { HashSet::new() } else { user.roles.iter().map(|role| role_uid(role.code())).collect() };
        Entity::new(id_uid("User", user.id), attributes, roles).map_err(|error| error.to_string())
    }
}

fn agency_entity(agency: &Agency) -> Result<Entity, String> {
    let attributes =
        HashMap::from([("kind".to_string(), RestrictedExpression::new_string(agency.kind.code().to_string()))]);
    Entity::new(id_uid("Agency", agency.id), attributes, HashSet::new()).map_err(|error| error.to_string())
}

fn case_entity(case: &Case, persons: &[PersonId]) -> Result<Entity, String> {
    let mut attributes = HashMap::from([
        ("kind".to_string(), RestrictedExpression::new_string(case.kind.code().to_string())),
        ("agency".to_string(), entity_ref("Agency", case.agency_id)),
        ("office".to_string(), entity_ref("Office", case.office_id)),
        ("created_by".to_string(), entity_ref("User", case.created_by)),
        ("persons".to_string(), set_of(persons.iter().map(|person| entity_ref("Person", *person)))),
    ]);
    if let Some(user) = case.assigned_user_id {
        attributes.insert("assigned_user".to_string(), entity_ref("User", user));
    }
    if let Some(team) = case.assigned_team_id {
        attributes.insert("assigned_team".to_string(), entity_ref("Team", team));
    }
    Entity::new(id_uid("Case", case.id), attributes, HashSet::new()).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_and_unchecked_entities_decide_alike() {
        use sila_domain::agency::{Agency, AgencyKind, User};
        use sila_domain::case::{Case, CaseKind, CaseReference, CaseStatus};
        use sila_domain::ids::{CaseId, OfficeId, UserId};
        use uuid::Uuid;
        let checked = Engine::load().unwrap().checking_entities(true);
        let unchecked = Engine::load().unwrap().checking_entities(false);
        let agency = |n: u128, code: &str, kind| Agency {
            id: AgencyId::from_uuid(Uuid::from_u128(n)),
            code: code.into(),
            kind,
            name_ar: String::new(),
            name_en: String::new(),
            case_prefix: code.into(),
            default_case_kind: None,
            authority_kind: None,
        };
        let police = agency(1, "CP", AgencyKind::Police);
        let centre = agency(2, "AMAN", AgencyKind::Centre);
        let office = OfficeId::from_uuid(Uuid::from_u128(3));
        let case = Case {
            id: CaseId::from_uuid(Uuid::from_u128(4)),
            agency_id: police.id,
            office_id: office,
            kind: CaseKind::Police,
            reference: CaseReference::new("CP", 2026, 1).unwrap(),
            category: "domestic_violence".into(),
            subcategory: None,
            status: CaseStatus::Open,
            narrative: None,
            assigned_user_id: Some(UserId::from_uuid(Uuid::from_u128(5))),
            assigned_team_id: None,
            origin_referral_id: None,
            outcome: None,
            created_by: UserId::from_uuid(Uuid::from_u128(5)),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
            closed_at: None,
            version: 1,
        };
        let persons = vec![PersonId::from_uuid(Uuid::from_u128(10))];
        let classes: BTreeSet<DataClass> = [DataClass::Identity].into();
        let acts = [
            Act::CreatePerson,
            Act::SearchPersons,
            Act::ListCases,
            Act::Administer,
            Act::ReadAudit,
            Act::ReadCase,
            Act::WorkCase,
            Act::ReferCase,
            Act::AssignCase,
            Act::BreakGlass,
            Act::ReadPerson,
            Act::ReadPersonContact,
            Act::MergePersons,
            Act::ApproveCase,
            Act::ReadStatistics,
        ];
        let (conflicts, grants) = (BTreeSet::new(), BTreeSet::new());
        let mut allowed = 0;
        for (home, roles) in [(&police, Role::ALL), (&centre, Role::ALL)] {
            for role in roles {
                for user_number in [5u128, 6] {
                    let user = User {
                        id: UserId::from_uuid(Uuid::from_u128(user_number)),
                        agency_id: home.id,
                        username: "someone".into(),
                        display_name: String::new(),
                        roles: [role].into(),
                        office_ids: vec![office],
                        team_ids: vec![],
                        language: "ar".into(),
                        disabled: false,
                    };
                    let principal =
                        Principal { user: &user, agency: home, conflicts: &conflicts, break_glass: &grants };
                    for act in acts {
                        for in_scope in [true, false] {
                            let targets = [
                                Target::OwnAgency,
                                Target::Case(&case, &persons),
                                Target::Person {
                                    id: persons[0],
                                    registered_by: police.id,
                                    classes: &classes,
                                    in_scope,
                                    purpose_stated: !in_scope,
                                },
                            ];
                            for target in targets {
                                let (first, second) =
                                    (checked.decide(principal, act, target), unchecked.decide(principal, act, target));
                                assert_eq!(first.allowed, second.allowed, "{role:?} {act:?} {in_scope}");
                                assert_eq!(first.policies, second.policies, "{role:?} {act:?}");
                                allowed += usize::from(first.allowed);
                            }
                        }
                    }
                }
            }
        }
        assert!(allowed > 50, "the comparison covered allowed decisions too: {allowed}");
    }

    #[test]
    fn the_policies_validate_against_the_schema() {
        let engine = Engine::load().unwrap_or_else(|error| panic!("{error}"));
        let ids = engine.policy_ids();
        assert!(ids.len() >= 20, "{ids:?}");
        // Every policy carries a readable id (the audit log names them).
        assert!(ids.iter().all(|id| !id.starts_with("policy")), "{ids:?}");
    }
}
