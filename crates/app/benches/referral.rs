//! What a desk waits on: making a referral (protocol and consent checked, packet built,
//! audited) and accepting it (centre case opened, persons linked, both timelines and
//! the audit log written), on SQLite and on PostgreSQL.
//!
//! Run: `cargo bench -p sila-app --bench referral` (PostgreSQL at
//! `SILA_TEST_POSTGRES_URL`, default the local `test` database). Figures in
//! `docs/BENCHMARKS.md`.

use divan::Bencher;
use sila_app::cases::CaseInput;
use sila_app::referrals::{ReferralInput, TransitionInput};
use sila_app::testing::{Backend, TestApp};
use sila_app::{RequestContext, SignedDuration};
use sila_domain::consent::ConsentInput;
use sila_domain::person::PersonInput;
use tokio::runtime::Runtime;

fn main() {
    divan::main();
}

/// A police case with a woman, a high-risk assessment and her consent, ready to refer.
async fn ready_case(test: &TestApp, serial: u32) -> sila_domain::ids::CaseId {
    let context = RequestContext::default();
    let officer = test.world.actor("cp.officer");
    let person = PersonInput {
        first_name_ar: Some("نورة".into()),
        father_name_ar: Some("سالم".into()),
        family_name_ar: Some("المري".into()),
        sex: Some("female".into()),
        birth_date: Some("1990-05-14".into()),
        qid: Some(format!("290634{:05}", serial % 100_000)),
        phones: vec![("55123456".into(), None)],
        ..PersonInput::default()
    };
    let woman = test.app.register_person(officer, &person, &context).await.unwrap().person.person;
    let case = test
        .app
        .open_case(
            officer,
            &CaseInput {
                category: Some("domestic_violence".into()),
                narrative: Some("أفادت بتعرضها للإساءة.".into()),
                ..CaseInput::default()
            },
            &context,
        )
        .await
        .unwrap();
    test.app.add_case_person(officer, case.id, &woman.id.to_string(), "survivor", &context).await.unwrap();
    let consent = ConsentInput {
        basis: Some("consent".into()),
        method: Some("signed_form".into()),
        purpose: Some("حماية".into()),
        data_classes: vec!["identity".into(), "contact".into(), "summary".into(), "narrative".into()],
        expires_on: Some("2027-06-01".into()),
        ..ConsentInput::default()
    };
    let aman = test.world.agency("AMAN").id.to_string();
    test.app.record_consent(officer, case.id, &woman.id.to_string(), &aman, &consent, &context).await.unwrap();
    case.id
}

#[divan::bench(args = ["sqlite", "postgres"], sample_count = 60, sample_size = 1)]
fn refer_and_accept(bencher: Bencher, backend: &str) {
    let runtime = Runtime::new().unwrap();
    let backend = if backend == "sqlite" { Backend::Sqlite } else { Backend::Postgres };
    let test = runtime.block_on(TestApp::start(backend));
    // Sessions are not involved here, but keep the clock moving like a working day.
    test.clock.advance(SignedDuration::from_mins(1));
    let desk_office = test.world.office("AMAN.DESK").id.to_string();
    let mut serial = 0u32;
    bencher
        .with_inputs(|| {
            serial += 1;
            runtime.block_on(ready_case(&test, serial))
        })
        .bench_local_values(|case_id| {
            runtime.block_on(async {
                let context = RequestContext::default();
                let referral = test
                    .app
                    .refer_case(
                        test.world.actor("cp.officer"),
                        &ReferralInput {
                            case_id: case_id.to_string(),
                            to_office_id: desk_office.clone(),
                            reason: "حماية ودعم".into(),
                            priority: None,
                            data_classes: vec![
                                "identity".into(),
                                "contact".into(),
                                "summary".into(),
                                "narrative".into(),
                            ],
                            persons: None,
                        },
                        &context,
                    )
                    .await
                    .unwrap();
                test.app
                    .transition_referral(
                        test.world.actor("aman.desk"),
                        referral.referral.id,
                        &TransitionInput { to: "accepted".into(), ..TransitionInput::default() },
                        &context,
                    )
                    .await
                    .unwrap()
            })
        });
}
