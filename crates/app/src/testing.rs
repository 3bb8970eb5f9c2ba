//! The test harness: an [`App`] on a fresh database — a new SQLite file, or a new
//! PostgreSQL schema — with the demo directory seeded and a clock the test controls.
//! Every store and use-case test runs on both databases through [`TestApp::start`].
//!
//! PostgreSQL is found at `SILA_TEST_POSTGRES_URL` (default: the local server's `test`
//! database). When it cannot be reached the test fails: a suite that silently skips
//! half its databases proves nothing.

use std::path::PathBuf;
use std::sync::Arc;

use crate::demo::{DemoOptions, DemoWorld, seed_directory};
use crate::{App, AppConfig, AuditKey, ManualClock, MasterKey, MasterKeys, StoreOptions};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in the temporary directory.
    Sqlite,
    /// A fresh schema on the PostgreSQL server.
    Postgres,
}

/// The password of every seeded test user.
pub const PASSWORD: &str = "correct horse battery staple";

/// The instant test clocks start at: with a fraction of a second down to the
/// nanosecond, so that anything kept at another precision than the microsecond the
/// application truncates to (a nanosecond in an audit entry, a second in a report)
/// shows up as a difference in every test.
pub const START: &str = "2026-11-29T08:00:00.123456789Z";

/// The default PostgreSQL URL for tests.
pub fn postgres_url() -> String {
    std::env::var("SILA_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// An application on a fresh database with the demo directory.
pub struct TestApp {
    /// The application.
    pub app: App,
    /// Its clock.
    pub clock: Arc<ManualClock>,
    /// The seeded directory.
    pub world: DemoWorld,
    /// The database URL (tests that inspect the database directly use it).
    pub url: String,
    /// The PostgreSQL schema, if any.
    pub schema: Option<String>,
    /// The store options the application was opened with (keys included), for tests
    /// that open a second application on the same database.
    pub options: StoreOptions,
    /// The audit key.
    pub audit_key: AuditKey,
    /// The last TOTP step each user signed in with in this test.
    totp_steps: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema(String, String),
}

impl TestApp {
    /// Starts an application on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> TestApp {
        let clock = Arc::new(ManualClock::new(START.parse().expect("START is an instant")));
        let unique = crate::new_uuid().simple().to_string();
        let keys = MasterKeys::new(MasterKey::generate(), Vec::new());
        let (options, cleanup, url, schema) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("sila-test-{unique}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (StoreOptions::new(url.clone(), keys), Cleanup::File(path), url, None)
            }
            Backend::Postgres => {
                let url = postgres_url();
                let schema = format!("test_{unique}");
                App::create_postgres_schema(&url, &schema)
                    .await
                    .unwrap_or_else(|error| panic!("PostgreSQL at {url} is needed by the tests: {error}"));
                let mut options = StoreOptions::new(url.clone(), keys);
                options.schema = Some(schema.clone());
                options.max_connections = 4;
                (options, Cleanup::Schema(url.clone(), schema.clone()), url, Some(schema))
            }
        };
        let audit_key = AuditKey::generate();
        let (app, _) = App::open_and_migrate(&options, audit_key.clone(), clock.clone(), AppConfig::default())
            .await
            .expect("the test database opens and migrates");
        let world = seed_directory(&app, &DemoOptions { shared_password: Some(PASSWORD.into()) })
            .await
            .expect("the demo directory seeds");
        TestApp { app, clock, world, url, schema, options, audit_key, totp_steps: Default::default(), cleanup }
    }
}

impl TestApp {
    /// The database's URL for a connection outside the application — a test that looks
    /// at or changes the database as its administrator, or someone who copied it, would:
    /// on PostgreSQL it lands in this test's schema.
    pub fn raw_url(&self) -> String {
        match &self.schema {
            None => self.url.clone(),
            Some(schema) => {
                let separator = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{separator}options[search_path]={schema}", self.url)
            }
        }
    }

    /// A TOTP code for `username` that the server has not seen yet: codes are accepted
    /// once, so a test that signs the same user in again at the same instant gets the
    /// code of the next step (up to one step ahead, as a phone's clock may be).
    pub fn totp_code(&self, username: &str) -> String {
        let login = self.world.logins.iter().find(|login| login.username == username).expect("a seeded user");
        let secret = crate::auth::totp::from_base32(&login.totp_secret).expect("a base32 secret");
        let now = crate::Clock::now(self.clock.as_ref()).as_second();
        let current = crate::auth::totp::step_of(now);
        let mut steps = self.totp_steps.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let step = steps.get(username).map_or(current - 1, |last| (last + 1).max(current - 1));
        assert!(step <= current + 1, "{username} signed in more than three times within one step; advance the clock");
        steps.insert(username.to_string(), step);
        crate::auth::totp::code_at(&secret, step * crate::auth::totp::STEP_SECONDS)
    }
}

impl TestApp {
    /// A woman registered by the police officer, on a domestic-violence case, with her
    /// consent to share her identity with Aman, referred to Aman's desk.
    pub async fn referred_woman(&self) -> sila_domain::referral::Referral {
        use sila_domain::consent::ConsentInput;
        use sila_domain::person::PersonInput;
        let context = crate::RequestContext::default();
        let officer = self.world.actor("cp.officer");
        let woman = PersonInput {
            first_name_ar: Some("مها".into()),
            family_name_ar: Some("النعيمي".into()),
            sex: Some("female".into()),
            ..PersonInput::default()
        };
        let woman = self.app.register_person(officer, &woman, &context).await.expect("registered").person.person;
        let category = crate::cases::CaseInput { category: Some("domestic_violence".into()), ..Default::default() };
        let case = self.app.open_case(officer, &category, &context).await.expect("opened");
        self.app.add_case_person(officer, case.id, &woman.id.to_string(), "survivor", &context).await.expect("added");
        let consent = ConsentInput {
            basis: Some("consent".into()),
            method: Some("signed_form".into()),
            purpose: Some("حماية".into()),
            data_classes: vec!["identity".into()],
            expires_on: Some("2027-01-01".into()),
            ..ConsentInput::default()
        };
        let aman = self.world.agency("AMAN").id.to_string();
        self.app
            .record_consent(officer, case.id, &woman.id.to_string(), &aman, &consent, &context)
            .await
            .expect("consent");
        let input = crate::referrals::ReferralInput {
            case_id: case.id.to_string(),
            to_office_id: self.world.office("AMAN.DESK").id.to_string(),
            reason: "حماية".into(),
            priority: None,
            data_classes: vec!["identity".into()],
            persons: None,
        };
        self.app.refer_case(officer, &input, &context).await.expect("referred").referral
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema(url, schema) => {
                // Drop cannot await; a short-lived thread with its own runtime can.
                let (url, schema) = (url.clone(), schema.clone());
                let _ = std::thread::spawn(move || {
                    if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        let _ = runtime.block_on(App::drop_postgres_schema(&url, &schema));
                    }
                })
                .join();
            }
        }
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL:
/// `both_databases!(name, |test| async move { … });` defines `name_sqlite` and
/// `name_postgres`.
#[macro_export]
macro_rules! both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test = $crate::testing::TestApp::start($crate::testing::Backend::Sqlite).await;
                ($body)(test).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = $crate::testing::TestApp::start($crate::testing::Backend::Postgres).await;
                ($body)(test).await;
            }
        }
    };
}

/// A record whose access a test asks about.
#[derive(Debug, Clone, Copy)]
pub enum Probe {
    /// The actor's own agency (creating, listing, administering).
    Agency,
    /// A case.
    Case(sila_domain::ids::CaseId),
    /// A note on a case.
    Note(sila_domain::ids::CaseId, sila_domain::ids::NoteId),
    /// A person.
    Person(sila_domain::ids::PersonId),
    /// A referral.
    Referral(sila_domain::ids::ReferralId),
    /// A consultation of the actor's agency (as `App::consultations` lists them).
    Consultation(sila_domain::ids::ConsultationId),
}

/// Test fixtures written straight into the store (no use case, no authorisation: the
/// world a test then asks the engine about), and the question itself, answered through
/// the same loading and decision path as the use cases.
impl TestApp {
    /// A user with one role, one office and (optionally) one team.
    pub async fn fixture_user(
        &self,
        username: &str,
        agency: &str,
        office: &str,
        role: sila_domain::agency::Role,
        team: Option<sila_domain::ids::TeamId>,
    ) -> sila_domain::ids::UserId {
        let user = sila_domain::agency::User {
            id: sila_domain::ids::UserId::from_uuid(crate::new_uuid()),
            agency_id: self.world.agency(agency).id,
            username: username.into(),
            display_name: username.into(),
            roles: [role].into(),
            office_ids: vec![self.world.office(office).id],
            team_ids: team.into_iter().collect(),
            language: "ar".into(),
            disabled: false,
        };
        let mut tx = self.app.store.write().await.unwrap();
        tx.insert_user(&sila_store::NewUser { user: user.clone(), password_hash: "!".into() }, self.app.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        user.id
    }

    /// A team of an office.
    pub async fn fixture_team(&self, office: &str) -> sila_domain::ids::TeamId {
        let id = sila_domain::ids::TeamId::from_uuid(crate::new_uuid());
        let mut tx = self.app.store.write().await.unwrap();
        let code = id.to_string();
        tx.insert_team(id, self.world.office(office).id, &code[..8], ("فريق", "Team"), self.app.now()).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// A person registered by `agency`.
    pub async fn fixture_person(
        &self,
        agency: &str,
        created_by: sila_domain::ids::UserId,
    ) -> sila_domain::ids::PersonId {
        let input = sila_domain::person::PersonInput {
            first_name_ar: Some("هند".into()),
            sex: Some("female".into()),
            ..Default::default()
        };
        let details = sila_domain::person::PersonDetails::validate(&input, jiff::civil::date(2026, 11, 29)).unwrap();
        let now = self.app.now();
        let person = sila_domain::person::Person {
            id: sila_domain::ids::PersonId::from_uuid(crate::new_uuid()),
            registered_by_agency_id: self.world.agency(agency).id,
            details,
            created_by,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.app.store.write().await.unwrap();
        tx.insert_person(&person).await.unwrap();
        tx.commit().await.unwrap();
        person.id
    }

    /// A case with its persons.
    #[expect(clippy::too_many_arguments, reason = "a fixture names every attribute a decision reads")]
    pub async fn fixture_case(
        &self,
        agency: &str,
        office: &str,
        created_by: sila_domain::ids::UserId,
        assigned_user: Option<sila_domain::ids::UserId>,
        assigned_team: Option<sila_domain::ids::TeamId>,
        persons: &[sila_domain::ids::PersonId],
        category: &str,
    ) -> sila_domain::ids::CaseId {
        self.fixture_case_of_kind(None, agency, office, created_by, assigned_user, assigned_team, persons, category)
            .await
    }

    /// A case of a given kind (`None`: the agency's usual kind), otherwise like
    /// [`TestApp::fixture_case`].
    #[allow(clippy::too_many_arguments)]
    pub async fn fixture_case_of_kind(
        &self,
        kind: Option<sila_domain::case::CaseKind>,
        agency: &str,
        office: &str,
        created_by: sila_domain::ids::UserId,
        assigned_user: Option<sila_domain::ids::UserId>,
        assigned_team: Option<sila_domain::ids::TeamId>,
        persons: &[sila_domain::ids::PersonId],
        category: &str,
    ) -> sila_domain::ids::CaseId {
        let now = self.app.now();
        let agency_record = self.world.agency(agency);
        let mut tx = self.app.store.write().await.unwrap();
        let serial = tx.next_case_serial(agency_record.id, 2026).await.unwrap();
        let case = sila_domain::case::Case {
            id: sila_domain::ids::CaseId::from_uuid(crate::new_uuid()),
            agency_id: agency_record.id,
            office_id: self.world.office(office).id,
            kind: kind.or(agency_record.default_case_kind).unwrap_or(sila_domain::case::CaseKind::Police),
            reference: sila_domain::case::CaseReference::new(&agency_record.case_prefix, 2026, serial).unwrap(),
            category: category.into(),
            subcategory: None,
            status: sila_domain::case::CaseStatus::Open,
            narrative: None,
            assigned_user_id: assigned_user,
            assigned_team_id: assigned_team,
            origin_referral_id: None,
            outcome: None,
            created_by,
            created_at: now,
            updated_at: now,
            closed_at: None,
            version: 1,
        };
        tx.insert_case(&case).await.unwrap();
        for person in persons {
            tx.insert_case_person(
                case.id,
                &sila_domain::case::CasePerson {
                    person_id: *person,
                    role: sila_domain::person::PersonRole::Survivor,
                    added_by: created_by,
                    added_at: now,
                },
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        case.id
    }

    /// A note on a case.
    pub async fn fixture_note(
        &self,
        case: sila_domain::ids::CaseId,
        level: sila_domain::case::NoteLevel,
        author: sila_domain::ids::UserId,
        readers: Vec<sila_domain::ids::UserId>,
    ) -> sila_domain::ids::NoteId {
        let note = sila_domain::case::Note {
            id: sila_domain::ids::NoteId::from_uuid(crate::new_uuid()),
            case_id: case,
            level,
            text: Some(sila_domain::text::Text::from_stored("ملاحظة".into())),
            author_id: author,
            readers,
            created_at: self.app.now(),
        };
        let mut tx = self.app.store.write().await.unwrap();
        tx.insert_note(&note).await.unwrap();
        tx.commit().await.unwrap();
        note.id
    }

    /// An anonymous consultation given by `by` at `agency`.
    pub async fn fixture_consultation(
        &self,
        agency: &str,
        by: sila_domain::ids::UserId,
    ) -> sila_domain::ids::ConsultationId {
        let now = self.app.now();
        let consultation = sila_domain::engagement::Consultation {
            id: sila_domain::ids::ConsultationId::from_uuid(crate::new_uuid()),
            agency_id: self.world.agency(agency).id,
            kind: sila_domain::engagement::ConsultationKind::Legal,
            channel: sila_domain::engagement::Channel::Phone,
            person_id: None,
            sex: None,
            age_group: None,
            summary: Some(sila_domain::text::Text::from_stored("استشارة".into())),
            recorded_by: by,
            held_on: sila_domain::time::local_date(now),
            created_at: now,
        };
        let mut tx = self.app.store.write().await.unwrap();
        tx.insert_consultation(&consultation).await.unwrap();
        tx.commit().await.unwrap();
        consultation.id
    }

    /// A referral of `case` to an office, carrying `classes` of the case's persons, with
    /// its centre case when one is given (an accepted referral).
    pub async fn fixture_referral(
        &self,
        case: sila_domain::ids::CaseId,
        to_office: &str,
        classes: &[sila_domain::consent::DataClass],
        centre_case: Option<sila_domain::ids::CaseId>,
    ) -> sila_domain::ids::ReferralId {
        let now = self.app.now();
        let office = self.world.office(to_office);
        let mut tx = self.app.store.write().await.unwrap();
        let source = tx.case(case).await.unwrap().unwrap();
        let protocol = tx.protocols().await.unwrap().into_iter().next().unwrap();
        let referral = sila_domain::referral::Referral {
            id: sila_domain::ids::ReferralId::from_uuid(crate::new_uuid()),
            case_id: case,
            from_agency_id: source.agency_id,
            from_office_id: source.office_id,
            to_agency_id: office.agency_id,
            to_office_id: office.id,
            protocol_id: protocol.id,
            priority: sila_domain::referral::Priority::Standard,
            reason: Some(sila_domain::text::Text::from_stored("سبب".into())),
            data_classes: classes.iter().copied().collect(),
            status: if centre_case.is_some() {
                sila_domain::referral::ReferralStatus::InProgress
            } else {
                sila_domain::referral::ReferralStatus::Requested
            },
            status_reason: None,
            outcome: None,
            authority_agency_id: None,
            redirected_from_id: None,
            centre_case_id: centre_case,
            packet: Some(sila_domain::referral::Packet { category: source.category.clone(), ..Default::default() }),
            created_by: source.created_by,
            created_at: now,
            updated_at: now,
            due: Default::default(),
            reached: Default::default(),
            closed_at: None,
            version: 1,
        };
        tx.insert_referral(&referral).await.unwrap();
        for person in tx.case_person_ids(case).await.unwrap() {
            for class in classes {
                tx.grant_person_access(person, office.agency_id, *class, referral.id, now).await.unwrap();
            }
        }
        tx.commit().await.unwrap();
        referral.id
    }

    /// A session of `user` written straight into the store, as no use case would open
    /// it any more (a second session beside the one enrolling, say): answers its token.
    pub async fn fixture_session(&self, user: sila_domain::ids::UserId, restricted: bool) -> String {
        let now = self.app.now();
        let token = crate::auth::new_token();
        let mut tx = self.app.store.write().await.unwrap();
        let record = sila_store::SessionRecord {
            user_id: user,
            created_at: now,
            last_seen_at: now,
            expires_at: now.checked_add(jiff::SignedDuration::from_hours(12)).unwrap(),
            revoked_at: None,
            restricted,
        };
        tx.insert_session(&crate::auth::token_hash(&token), &record).await.unwrap();
        tx.commit().await.unwrap();
        token
    }

    /// Declares a tie between a user and a person.
    pub async fn fixture_conflict(&self, user: sila_domain::ids::UserId, person: sila_domain::ids::PersonId) {
        let mut tx = self.app.store.write().await.unwrap();
        tx.insert_conflict(user, person, user, self.app.now()).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// Records that a user stated a purpose for a person's record, open for half an hour.
    pub async fn fixture_purpose(&self, user: sila_domain::ids::UserId, person: sila_domain::ids::PersonId) {
        let now = self.app.now();
        let until = now.checked_add(jiff::SignedDuration::from_mins(30)).unwrap();
        let mut tx = self.app.store.write().await.unwrap();
        tx.insert_person_purpose(crate::new_uuid(), user, person, "a stated purpose for the matrix", now, until)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    /// Grants a user break-glass access to a case, live for an hour from now.
    pub async fn fixture_break_glass(&self, user: sila_domain::ids::UserId, case: sila_domain::ids::CaseId) {
        let now = self.app.now();
        let mut tx = self.app.store.write().await.unwrap();
        let until = now.checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
        tx.insert_break_glass(crate::new_uuid(), user, case, "اختبار مصفوفة الصلاحيات", now, until).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// What the engine decides for `user` doing `action` to `probe`, with the user and
    /// the records loaded from the store exactly as the use cases load them.
    pub async fn access(
        &self,
        user: sila_domain::ids::UserId,
        action: crate::access::Action,
        probe: Probe,
    ) -> crate::access::Decision {
        use crate::access::{Action, Decision, Resource};
        let app = &self.app;
        let mut tx = app.store.read().await.unwrap();
        let record = tx.user(user).await.unwrap().unwrap();
        let agency = tx.agency(record.agency_id).await.unwrap().unwrap();
        let actor = App::load_actor(&mut tx, record, agency, app.now()).await.unwrap();
        let mut audit = crate::audit::Audit::new(Some(&actor), "test.access");
        match probe {
            Probe::Agency => app.authorize(&mut audit, &actor, action, Resource::Nothing),
            Probe::Case(id) => {
                let case = tx.case(id).await.unwrap().unwrap();
                let persons = tx.case_person_ids(id).await.unwrap();
                app.authorize(&mut audit, &actor, action, Resource::Case(&case, &persons))
            }
            Probe::Note(case_id, note_id) => {
                // As `App::notes` does: the case first, then the note.
                let case = tx.case(case_id).await.unwrap().unwrap();
                let persons = tx.case_person_ids(case_id).await.unwrap();
                if app.authorize(&mut audit, &actor, Action::ReadCase, Resource::Case(&case, &persons))
                    != Decision::Allow
                {
                    return Decision::Hide;
                }
                let note = tx.notes(case_id).await.unwrap().into_iter().find(|note| note.id == note_id).unwrap();
                if app.verdict(&actor, action, Resource::Note(&case, &persons, &note)).allowed {
                    Decision::Allow
                } else {
                    Decision::Hide
                }
            }
            Probe::Person(id) => {
                let standing = app.standing(&mut tx, &actor, id).await.unwrap().unwrap();
                app.authorize(&mut audit, &actor, action, standing.resource())
            }
            Probe::Consultation(id) => {
                let all =
                    tx.consultations(actor.agency.id, jiff::civil::Date::MIN, jiff::civil::Date::MAX).await.unwrap();
                let Some(consultation) = all.into_iter().find(|item| item.id == id) else {
                    return Decision::Hide;
                };
                let resource =
                    Resource::Consultation(consultation.id, consultation.agency_id, consultation.recorded_by);
                if app.verdict(&actor, action, resource).allowed { Decision::Allow } else { Decision::Hide }
            }
            Probe::Referral(id) => {
                let referral = tx.referral(id).await.unwrap().unwrap();
                let mut with_persons = async |case_id| {
                    let case = tx.case(case_id).await.unwrap().unwrap();
                    let persons = tx.case_person_ids(case_id).await.unwrap();
                    (case, persons)
                };
                let source = if actor.agency.id == referral.from_agency_id {
                    Some(with_persons(referral.case_id).await)
                } else {
                    None
                };
                let centre = match referral.centre_case_id {
                    Some(case) if actor.agency.id == referral.to_agency_id => Some(with_persons(case).await),
                    _ => None,
                };
                let resource = Resource::Referral {
                    referral: &referral,
                    source: source.as_ref().map(|(case, persons)| (case, persons.as_slice())),
                    centre: centre.as_ref().map(|(case, persons)| (case, persons.as_slice())),
                };
                app.authorize(&mut audit, &actor, action, resource)
            }
        }
    }
}

impl App {
    /// Takes one connection of the pool and keeps it until the answer is dropped: a test
    /// saturates a small pool with it.
    pub async fn hold_a_connection(&self) -> sila_store::Tx {
        self.store.read().await.expect("a connection")
    }

    /// Keeps the audit log's group committer from committing until the answer is
    /// dropped: a test sees reads queue their entries meanwhile.
    pub async fn hold_audit_commits(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.group_commit.hold().await
    }

    /// Audit entries of reads waiting for their group commit.
    pub fn audit_entries_waiting(&self) -> usize {
        self.group_commit.waiting()
    }
}
