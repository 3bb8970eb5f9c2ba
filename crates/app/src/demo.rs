//! The demo world of `sila demo`: the agencies and offices described in README.md, protocols
//! police↔Aman and police↔Wifaq, one user per role per agency, a bilingual category
//! taxonomy, about fifty invented persons with plausible Gulf Arabic names (no real
//! people), and twenty cases spread over every referral status — all made through the
//! same use cases a user would call, so the demo's audit log is a real one.
//!
//! The directory part ([`seed_directory`]) is also the fixture of the test suites.

mod forms;
mod names;

use std::collections::BTreeMap;

use jiff::SignedDuration;
use sila_domain::agency::{Agency, AgencyKind, Office, Role, User};
use sila_domain::audit::SubjectKind;
use sila_domain::case::{CaseKind, Category};
use sila_domain::casework::AuthorityKind;
use sila_domain::consent::{ConsentInput, DataClass};
use sila_domain::ids::{AgencyId, OfficeId, ProtocolId, TeamId, UserId};
use sila_domain::person::PersonInput;
use sila_domain::protocol::{Deadlines, Protocol, Uncovered};
use sila_domain::referral::{Priority, ReferralStatus, Step};
use sila_domain::time::local_date;
use sila_store::NewUser;

use crate::auth::hash_password;
use crate::cases::CaseInput;
use crate::referrals::{ReferralInput, TransitionInput};
use crate::{Actor, App, AppError, RequestContext, new_uuid};

/// One printed login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// Sign-in name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Role code.
    pub role: Role,
    /// Agency code.
    pub agency: String,
    /// The base32 TOTP secret the user is enrolled with.
    pub totp_secret: String,
}

/// What the seed made: logins, and the records tests and the demo refer to by code.
#[derive(Debug, Clone)]
pub struct DemoWorld {
    /// Every user, with the password to sign in.
    pub logins: Vec<Login>,
    /// Agencies by code (`CP`, `AMAN`, `WIFAQ`, `PP`, `FC`, `JC`).
    pub agencies: BTreeMap<String, Agency>,
    /// Offices by `<agency>.<office>` code (`AMAN.DESK`).
    pub offices: BTreeMap<String, Office>,
    /// Users as actors, by username.
    pub actors: BTreeMap<String, Actor>,
}

impl DemoWorld {
    /// The actor with `username`; panics in a test that names a user the seed lacks.
    pub fn actor(&self, username: &str) -> &Actor {
        &self.actors[username]
    }

    /// The office with `<agency>.<office>` code.
    pub fn office(&self, code: &str) -> &Office {
        &self.offices[code]
    }

    /// The agency with `code`.
    pub fn agency(&self, code: &str) -> &Agency {
        &self.agencies[code]
    }
}

/// How to seed.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Give every user this password (tests: one hash instead of thirty). `None` draws
    /// a random password per user, as the printed demo does.
    pub shared_password: Option<String>,
}

struct AgencySeed {
    code: &'static str,
    kind: AgencyKind,
    name_ar: &'static str,
    name_en: &'static str,
    prefix: &'static str,
    case_kind: Option<CaseKind>,
    authority_kind: Option<AuthorityKind>,
    offices: &'static [(&'static str, &'static str, &'static str, bool)],
    roles: &'static [Role],
}

const CENTRE_ROLES: &[Role] = &[
    Role::DeskCoordinator,
    Role::Caseworker,
    Role::Psychologist,
    Role::LegalAdvisor,
    Role::FamilyCounsellor,
    Role::CentreManager,
    Role::Analyst,
    Role::Auditor,
    Role::Administrator,
];

const AGENCIES: &[AgencySeed] = &[
    AgencySeed {
        code: "CP",
        kind: AgencyKind::Police,
        name_ar: "إدارة الشرطة المجتمعية - وزارة الداخلية",
        name_en: "Community Police Department, Ministry of Interior",
        prefix: "CP",
        case_kind: Some(CaseKind::Police),
        authority_kind: None,
        offices: &[
            ("HQ", "المقر الرئيسي - مدينة خليفة الجنوبية", "HQ, Madinat Khalifa South", false),
            ("WAKRA", "مركز شرطة الوكرة", "Al Wakra station", false),
        ],
        roles: &[Role::PoliceOfficer, Role::PoliceSupervisor, Role::Analyst, Role::Auditor, Role::Administrator],
    },
    AgencySeed {
        code: "AMAN",
        kind: AgencyKind::Centre,
        name_ar: "مركز الحماية والتأهيل الاجتماعي (أمان)",
        name_en: "Aman — Protection and Social Rehabilitation Centre",
        prefix: "AM",
        case_kind: Some(CaseKind::Protection),
        authority_kind: None,
        offices: &[
            ("DESK", "مكتب أمان في مبنى الشرطة المجتمعية", "Aman desk at Community Police HQ", true),
            ("MAIN", "مركز أمان الرئيسي", "Aman main centre", false),
        ],
        roles: CENTRE_ROLES,
    },
    AgencySeed {
        code: "WIFAQ",
        kind: AgencyKind::Centre,
        name_ar: "مركز الاستشارات العائلية (وفاق)",
        name_en: "Wifaq — Family Consulting Centre",
        prefix: "WF",
        case_kind: Some(CaseKind::Family),
        authority_kind: None,
        offices: &[
            ("DESK", "مكتب وفاق في مبنى الشرطة المجتمعية", "Wifaq desk at Community Police HQ", true),
            ("MAIN", "مركز وفاق الرئيسي", "Wifaq main centre", false),
        ],
        roles: CENTRE_ROLES,
    },
    AgencySeed {
        code: "PP",
        kind: AgencyKind::Authority,
        name_ar: "النيابة العامة",
        name_en: "Public Prosecution",
        prefix: "PP",
        case_kind: None,
        authority_kind: Some(AuthorityKind::Prosecution),
        offices: &[],
        roles: &[],
    },
    AgencySeed {
        code: "FC",
        kind: AgencyKind::Authority,
        name_ar: "محكمة الأسرة",
        name_en: "Family Court",
        prefix: "FC",
        case_kind: None,
        authority_kind: Some(AuthorityKind::Court),
        offices: &[],
        roles: &[],
    },
    AgencySeed {
        code: "JC",
        kind: AgencyKind::Authority,
        name_ar: "محكمة الأحداث",
        name_en: "Juvenile Court",
        prefix: "JC",
        case_kind: None,
        authority_kind: Some(AuthorityKind::Court),
        offices: &[],
        roles: &[],
    },
];

/// (code, parent, Arabic, English), in display order.
const CATEGORIES: &[(&str, Option<&str>, &str, &str)] = &[
    ("domestic_violence", None, "العنف الأسري", "Domestic violence"),
    ("dv_physical", Some("domestic_violence"), "عنف جسدي", "Physical violence"),
    ("dv_psychological", Some("domestic_violence"), "عنف نفسي", "Psychological violence"),
    ("dv_economic", Some("domestic_violence"), "عنف اقتصادي", "Economic violence"),
    ("dv_sexual", Some("domestic_violence"), "عنف جنسي", "Sexual violence"),
    ("child_abuse_neglect", None, "إساءة معاملة الطفل أو إهماله", "Child abuse or neglect"),
    ("child_neglect", Some("child_abuse_neglect"), "إهمال", "Neglect"),
    ("child_physical_abuse", Some("child_abuse_neglect"), "إساءة جسدية", "Physical abuse"),
    ("family_dispute", None, "نزاع أسري", "Family dispute"),
    ("divorce_separation", None, "استشارات الطلاق والانفصال", "Divorce or separation counselling"),
    ("custody_visitation", None, "نزاع على الحضانة أو الرؤية", "Custody or visitation dispute"),
    ("juvenile_behaviour", None, "سلوك الأحداث", "Juvenile behaviour"),
    ("elder_abuse", None, "إساءة معاملة كبار السن", "Elder abuse"),
    ("runaway", None, "الهروب من المنزل", "Runaway"),
];

/// The narratives the demo's cases are written with (tests look for them in the raw
/// database, where they must not be).
pub fn narratives() -> &'static [&'static str] {
    names::NARRATIVES
}

/// Creates the directory: agencies, offices, teams, users, categories and the two
/// protocols. The database must be empty.
pub async fn seed_directory(app: &App, options: &DemoOptions) -> Result<DemoWorld, AppError> {
    let now = app.now();
    let shared_hash = match &options.shared_password {
        Some(password) => Some(hash_password(password).await?),
        None => None,
    };
    let (mut tx, mut audit) = app.begin(None, "demo.seed").await?;
    let result = async {
        let mut world = DemoWorld {
            logins: Vec::new(),
            agencies: BTreeMap::new(),
            offices: BTreeMap::new(),
            actors: BTreeMap::new(),
        };
        for (position, (code, parent, name_ar, name_en)) in CATEGORIES.iter().enumerate() {
            let category = Category {
                code: (*code).to_string(),
                parent: parent.map(str::to_string),
                name_ar: (*name_ar).to_string(),
                name_en: (*name_en).to_string(),
                active: true,
            };
            tx.insert_category(&category, i64::try_from(position).unwrap_or(0)).await?;
        }
        for seed in AGENCIES {
            let agency = Agency {
                id: AgencyId::from_uuid(new_uuid()),
                code: seed.code.to_string(),
                kind: seed.kind,
                name_ar: seed.name_ar.to_string(),
                name_en: seed.name_en.to_string(),
                case_prefix: seed.prefix.to_string(),
                default_case_kind: seed.case_kind,
                authority_kind: seed.authority_kind,
            };
            tx.insert_agency(&agency, now).await?;
            audit.subject(SubjectKind::Agency, agency.id);
            if agency.kind == AgencyKind::Centre {
                tx.insert_assessment_form(&forms::initial_assessment(agency.id), now).await?;
            }
            let mut office_ids = Vec::new();
            let mut team_ids = Vec::new();
            for (code, name_ar, name_en, desk) in seed.offices {
                let office = Office {
                    id: OfficeId::from_uuid(new_uuid()),
                    agency_id: agency.id,
                    code: (*code).to_string(),
                    name_ar: (*name_ar).to_string(),
                    name_en: (*name_en).to_string(),
                    is_desk: *desk,
                };
                tx.insert_office(&office, now).await?;
                audit.subject(SubjectKind::Office, office.id);
                if seed.kind == AgencyKind::Centre {
                    let team = TeamId::from_uuid(new_uuid());
                    tx.insert_team(team, office.id, "TEAM1", ("الفريق الأول", "Team 1"), now).await?;
                    team_ids.push(team);
                }
                office_ids.push(office.id);
                world.offices.insert(format!("{}.{}", seed.code, code), office);
            }
            // Each agency with administrators has two: a change that could open case
            // content (a new caseworker, a reset of someone's sign-in) needs the second
            // one's approval.
            let deputy = seed.roles.contains(&Role::Administrator).then_some((Role::Administrator, "2"));
            let users = seed.roles.iter().map(|role| (*role, "")).chain(deputy);
            for (role, suffix) in users {
                let role = &role;
                let username = format!("{}.{}{suffix}", seed.code.to_ascii_lowercase(), role_slug(*role));
                let password = match &options.shared_password {
                    Some(password) => password.clone(),
                    None => random_password(),
                };
                let password_hash = match &shared_hash {
                    Some(hash) => hash.clone(),
                    None => hash_password(&password).await?,
                };
                // Desk coordinators work at their agency's desk, everyone else at the
                // agency's first other office (the police HQ, a centre's main centre): a
                // supervisor of HQ does not see the Wakra station's cases.
                let wanted_desk = *role == Role::DeskCoordinator;
                let offices: Vec<OfficeId> = seed
                    .offices
                    .iter()
                    .zip(&office_ids)
                    .filter(|((_, _, _, desk), _)| *desk == wanted_desk)
                    .map(|(_, id)| *id)
                    .take(1)
                    .collect();
                let user = User {
                    id: UserId::from_uuid(new_uuid()),
                    agency_id: agency.id,
                    username: username.clone(),
                    display_name: display_name(seed.code, *role, !suffix.is_empty()),
                    roles: [*role].into(),
                    office_ids: offices,
                    team_ids: if role.is_case_worker() { team_ids.clone() } else { Vec::new() },
                    language: "ar".into(),
                    disabled: false,
                };
                tx.insert_user(&NewUser { user: user.clone(), password_hash }, now).await?;
                // Every demo user is enrolled in two-factor sign-in; the secret is printed
                // with the login so people (and scripts) can compute codes.
                let mut secret = [0u8; 20];
                rand::fill(&mut secret);
                let totp_secret = crate::auth::totp::base32(&secret);
                tx.set_totp_secret(user.id, &totp_secret, true).await?;
                audit.subject(SubjectKind::User, user.id);
                world.logins.push(Login {
                    username: username.clone(),
                    password,
                    role: *role,
                    agency: seed.code.into(),
                    totp_secret,
                });
                world.actors.insert(username, Actor::new(user, agency.clone()));
            }
            world.agencies.insert(seed.code.to_string(), agency);
        }
        let police = world.agency("CP").id;
        let valid_from =
            local_date(now).checked_sub(SignedDuration::from_hours(24 * 365 * 2)).unwrap_or(local_date(now));
        let aman = Protocol {
            id: ProtocolId::from_uuid(new_uuid()),
            agency_a: police,
            agency_b: world.agency("AMAN").id,
            version: 1,
            valid_from,
            valid_until: None,
            categories: ["domestic_violence", "child_abuse_neglect", "elder_abuse", "runaway", "juvenile_behaviour"]
                .map(String::from)
                .into(),
            centre_first: ["domestic_violence", "juvenile_behaviour"].map(String::from).into(),
            data_classes: DataClass::ALL.into(),
            deadlines: standard_deadlines(),
            revoked: false,
            accepted_by: [police, world.agency("AMAN").id].into(),
            uncovered: Uncovered::RoleAndAge,
        };
        let wifaq = Protocol {
            id: ProtocolId::from_uuid(new_uuid()),
            agency_a: police,
            agency_b: world.agency("WIFAQ").id,
            version: 1,
            valid_from,
            valid_until: None,
            categories: ["family_dispute", "divorce_separation", "custody_visitation", "juvenile_behaviour"]
                .map(String::from)
                .into(),
            centre_first: ["family_dispute", "divorce_separation", "custody_visitation"].map(String::from).into(),
            data_classes: [
                DataClass::Identity,
                DataClass::Contact,
                DataClass::Summary,
                DataClass::Risk,
                DataClass::Narrative,
            ]
            .into(),
            deadlines: standard_deadlines(),
            revoked: false,
            accepted_by: [police, world.agency("WIFAQ").id].into(),
            uncovered: Uncovered::RoleAndAge,
        };
        for (protocol, reference) in [(&aman, "CP-AMAN/2019/1"), (&wifaq, "CP-WIFAQ/2019/1")] {
            tx.insert_protocol(protocol, Some(reference), None, now).await?;
            audit.subject(SubjectKind::Protocol, protocol.id);
        }
        Ok(world)
    }
    .await;
    app.finish(tx, audit, &RequestContext::default(), result).await
}

/// Deadlines of the demo protocols: high risk — received within an hour, decided within
/// four, first contact within a day; medium and standard more slowly.
fn standard_deadlines() -> Deadlines {
    let mut deadlines = Deadlines::default();
    for (priority, receive, decide, contact) in
        [(Priority::High, 1, 4, 24), (Priority::Medium, 4, 24, 72), (Priority::Standard, 24, 72, 168)]
    {
        deadlines.set(priority, Step::Receive, SignedDuration::from_hours(receive));
        deadlines.set(priority, Step::Decide, SignedDuration::from_hours(decide));
        deadlines.set(priority, Step::FirstContact, SignedDuration::from_hours(contact));
    }
    deadlines
}

fn role_slug(role: Role) -> &'static str {
    match role {
        Role::PoliceOfficer => "officer",
        Role::PoliceSupervisor => "supervisor",
        Role::DeskCoordinator => "desk",
        Role::Caseworker => "caseworker",
        Role::Psychologist => "psychologist",
        Role::LegalAdvisor => "legal",
        Role::FamilyCounsellor => "counsellor",
        Role::CentreManager => "manager",
        Role::Analyst => "analyst",
        Role::Auditor => "auditor",
        Role::Administrator => "admin",
    }
}

fn display_name(agency: &str, role: Role, deputy: bool) -> String {
    let index = Role::ALL.iter().position(|candidate| *candidate == role).unwrap_or(0)
        + agency.len()
        + if deputy { 7 } else { 0 };
    names::STAFF[index % names::STAFF.len()].to_string()
}

fn random_password() -> String {
    // 12 characters from an alphabet without look-alikes (no 0/O, 1/l/I), ~70 bits.
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    rand::fill(&mut bytes);
    bytes.iter().map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()])).collect()
}

/// Adds the demo's persons and cases: twenty police cases, each referred and taken to
/// one of the referral statuses (two per status), plus unreferred registrations.
pub async fn seed_cases(app: &App, world: &DemoWorld) -> Result<usize, AppError> {
    let officer = world.actor("cp.officer");
    let context = RequestContext::default();
    let mut random = names::SplitMix(0x5EED_0001);
    let today = local_date(app.now());
    let statuses = [
        ReferralStatus::Requested,
        ReferralStatus::Received,
        ReferralStatus::Accepted,
        ReferralStatus::InProgress,
        ReferralStatus::OnHold,
        ReferralStatus::Completed,
        ReferralStatus::Rejected,
        ReferralStatus::Cancelled,
        ReferralStatus::Redirected,
        ReferralStatus::Transferred,
    ];
    let mut persons = 0;
    for index in 0..20 {
        let target = statuses[index % statuses.len()];
        let to_wifaq = index % 3 == 2;
        let (category, subcategory, centre) = if target == ReferralStatus::Redirected {
            // Juvenile behaviour is covered by both protocols, so the desk can redirect it.
            ("juvenile_behaviour", None, if to_wifaq { "WIFAQ" } else { "AMAN" })
        } else if to_wifaq {
            (["family_dispute", "custody_visitation", "divorce_separation"][index % 3], None, "WIFAQ")
        } else {
            (
                ["domestic_violence", "child_abuse_neglect", "domestic_violence"][index % 3],
                if index % 3 == 0 { Some("dv_physical") } else { None },
                "AMAN",
            )
        };
        let family = names::pick(&mut random, names::FAMILY);
        let woman = names::person(&mut random, names::Sex::Female, family, today, 22..48);
        let woman = app.register_person(officer, &woman, &context).await?.person.person;
        let husband = names::person(&mut random, names::Sex::Male, family, today, 25..60);
        let husband = app.register_person(officer, &husband, &context).await?.person.person;
        persons += 2;
        let case = app
            .open_case(
                officer,
                &CaseInput {
                    category: Some(category.into()),
                    subcategory: subcategory.map(str::to_string),
                    narrative: Some(names::narrative(&mut random).into()),
                    ..CaseInput::default()
                },
                &context,
            )
            .await?;
        app.add_case_person(officer, case.id, &woman.id.to_string(), "survivor", &context).await?;
        app.add_case_person(officer, case.id, &husband.id.to_string(), "alleged_perpetrator", &context).await?;
        for _ in 0..(index % 3) {
            let child = names::child(&mut random, &husband, today);
            let child = app.register_person(officer, &child, &context).await?.person.person;
            persons += 1;
            app.add_case_person(officer, case.id, &child.id.to_string(), "child", &context).await?;
        }
        let answers = names::risk_answers(&mut random, &app.config().risk_instrument, index);
        app.assess_risk(officer, case.id, &answers, &context).await?;
        let recipient = world.agency(centre);
        let classes: Vec<String> = ["identity", "contact", "summary", "risk", "narrative"].map(String::from).into();
        let consent = ConsentInput {
            basis: Some("consent".into()),
            method: Some("signed_form".into()),
            purpose: Some("الإحالة للحماية والإرشاد".into()),
            data_classes: classes.clone(),
            expires_on: Some(today.checked_add(SignedDuration::from_hours(24 * 180)).unwrap_or(today).to_string()),
            ..ConsentInput::default()
        };
        app.record_consent(officer, case.id, &woman.id.to_string(), &recipient.id.to_string(), &consent, &context)
            .await?;
        if target == ReferralStatus::Redirected {
            // The desk will redirect to the other centre, which needs her consent too.
            let other = world.agency(if centre == "AMAN" { "WIFAQ" } else { "AMAN" });
            app.record_consent(officer, case.id, &woman.id.to_string(), &other.id.to_string(), &consent, &context)
                .await?;
        }
        let desk = world.office(&format!("{centre}.DESK"));
        let referral = app
            .refer_case(
                officer,
                &ReferralInput {
                    case_id: case.id.to_string(),
                    to_office_id: desk.id.to_string(),
                    reason: "تحتاج إلى دعم نفسي واجتماعي وإرشاد قبل أي إجراء قانوني".into(),
                    priority: None,
                    data_classes: classes,
                    persons: None,
                },
                &context,
            )
            .await?;
        walk_to(app, world, centre, referral.referral.id, target, index).await?;
    }
    persons += seed_court_order(app, world, &mut random, today).await?;
    for _ in 0..(50usize.saturating_sub(persons)) {
        let sex = if random.next().is_multiple_of(2) { names::Sex::Female } else { names::Sex::Male };
        let family = names::pick(&mut random, names::FAMILY);
        let input: PersonInput = names::person(&mut random, sex, family, today, 18..70);
        app.register_person(officer, &input, &context).await?;
        persons += 1;
    }
    Ok(persons)
}

/// A visitation order at Wifaq: the parents and a child registered by the family
/// counsellor, visits every Friday for two months from today. Returns the persons added.
async fn seed_court_order(
    app: &App,
    world: &DemoWorld,
    random: &mut names::SplitMix,
    today: jiff::civil::Date,
) -> Result<usize, AppError> {
    let counsellor = world.actor("wifaq.counsellor");
    let context = RequestContext::default();
    let family = names::pick(random, names::FAMILY);
    let her_family = names::pick(random, names::FAMILY);
    let mother = names::person(random, names::Sex::Female, her_family, today, 25..40);
    let mother = app.register_person(counsellor, &mother, &context).await?.person.person;
    let father = names::person(random, names::Sex::Male, family, today, 28..50);
    let father = app.register_person(counsellor, &father, &context).await?.person.person;
    let child = names::child(random, &father, today);
    let child = app.register_person(counsellor, &child, &context).await?.person.person;
    let decided = today.checked_sub(SignedDuration::from_hours(24 * 20)).unwrap_or(today);
    let until = today.checked_add(SignedDuration::from_hours(24 * 60)).unwrap_or(today);
    let input = crate::court::CourtOrderInput {
        court: "محكمة الأسرة - الدائرة الأولى".into(),
        decision_number: format!("{}/{}", today.year(), 1000 + random.next() % 8000),
        decision_date: decided.to_string(),
        kind: "visitation".into(),
        supervised: true,
        conditions: Some("الرؤية داخل مركز وفاق بحضور أخصائي".into()),
        office_id: Some(world.office("WIFAQ.MAIN").id.to_string()),
        custodial_person_id: mother.id.to_string(),
        visiting_person_id: father.id.to_string(),
        child_person_ids: vec![child.id.to_string()],
        schedule: sila_domain::court::ScheduleInput {
            rule: "FREQ=WEEKLY;BYDAY=FR".into(),
            starts_on: today.to_string(),
            ends_on: Some(until.to_string()),
            start_time: "16:00".into(),
            end_time: "18:00".into(),
            gap_minutes: Some("15".into()),
            exceptions: Vec::new(),
        },
    };
    app.register_court_order(counsellor, &input, &context).await?;
    Ok(3)
}

/// Takes a fresh referral to `target` through the steps real users would take.
async fn walk_to(
    app: &App,
    world: &DemoWorld,
    centre: &str,
    referral: sila_domain::ids::ReferralId,
    target: ReferralStatus,
    index: usize,
) -> Result<(), AppError> {
    let prefix = centre.to_ascii_lowercase();
    let desk = world.actor(&format!("{prefix}.desk"));
    let manager = world.actor(&format!("{prefix}.manager"));
    let worker = world.actor(&format!("{prefix}.caseworker"));
    let context = RequestContext::default();
    let step = |to: ReferralStatus| TransitionInput { to: to.code().into(), ..TransitionInput::default() };
    use ReferralStatus::*;
    let path: &[ReferralStatus] = match target {
        Requested => &[],
        Received => &[Received],
        Accepted => &[Received, Accepted],
        InProgress => &[Received, Accepted, InProgress],
        OnHold => &[Received, Accepted, InProgress, OnHold],
        Completed => &[Received, Accepted, InProgress, Completed],
        Rejected => &[Received, Rejected],
        Cancelled => &[Cancelled],
        Redirected => &[Received, Redirected],
        Transferred => &[Received, Accepted, InProgress, Transferred],
    };
    let mut centre_case = None;
    for to in path {
        let mut input = step(*to);
        let actor = match to {
            Cancelled => world.actor("cp.officer"),
            InProgress | OnHold | Completed => worker,
            Transferred => manager,
            _ => desk,
        };
        match to {
            Rejected => input.reason = Some("خارج اختصاص المركز وفق البروتوكول".into()),
            Cancelled => input.reason = Some("طلبت السيدة تأجيل الإحالة".into()),
            OnHold => input.reason = Some("السيدة خارج البلاد مؤقتًا".into()),
            Redirected => {
                let other = if centre == "AMAN" { "WIFAQ" } else { "AMAN" };
                input.to_office_id = Some(world.office(&format!("{other}.DESK")).id.to_string());
                input.reason = Some("الحالة من اختصاص المركز الآخر".into());
            }
            Completed => {
                // The caseworker asks to close the case; the manager approves, which
                // completes the referral with the outcome.
                let case = centre_case.ok_or_else(|| AppError::Internal("no centre case to close".into()))?;
                let closure = crate::approvals::ClosureInput {
                    outcome: ["resolved", "counselled", "reconciled"][index % 3].into(),
                    reason: "أنجزت خطة الحالة واستقر الوضع".into(),
                    version: None,
                };
                let request = app.request_closure(worker, case, &closure, &context).await?;
                app.decide_approval(manager, request.id, true, None, &context).await?;
                continue;
            }
            Transferred => input.authority_agency_id = Some(world.agency("PP").id.to_string()),
            _ => {}
        }
        if *to == InProgress
            && let Some(case) = centre_case
        {
            app.assign_case(desk, case, Some(&worker.user.id.to_string()), None, None, &context).await?;
        }
        let done = app.transition_referral(actor, referral, &input, &context).await?;
        if *to == Accepted {
            centre_case = done.referral.referral.centre_case_id;
        }
    }
    Ok(())
}
