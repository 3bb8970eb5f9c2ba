//! Finding a person however her name was written, and merging duplicate records: search
//! across scripts, the possible matches a registration shows, the reasons in both
//! languages, and a supervisor's merge and unmerge with their audit trail.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sila_app::both_databases;
use sila_app::testing::TestApp;

use crate::client::{Client, police_case};

async fn register(officer: &Client, person: Value) -> Value {
    officer.post("/api/v1/persons", person).await.expect(StatusCode::CREATED)
}

fn ids(found: &Value) -> Vec<String> {
    found.as_array().unwrap().iter().map(|entry| entry["person"]["id"].as_str().unwrap().to_string()).collect()
}

/// A sentence without the bidi isolates Fluent puts around interpolated values.
fn plain(text: &Value) -> String {
    text.as_str().unwrap().replace(['\u{2068}', '\u{2069}'], "")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") })
        .collect()
}

both_databases!(an_arabic_query_finds_a_latin_record_and_the_reverse, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let latin_only = register(&officer, json!({ "name_latin": "Abdulaziz Mohammed Al-Kaabi", "sex": "male" })).await;
    let arabic_only = register(
        &officer,
        json!({ "first_name_ar": "عائشة", "father_name_ar": "سعيد", "family_name_ar": "الدرقاوي", "sex": "female" }),
    )
    .await;
    let latin_id = latin_only["person"]["id"].as_str().unwrap();
    let arabic_id = arabic_only["person"]["id"].as_str().unwrap();
    let found =
        officer.get(&format!("/api/v1/persons/search?q={}", encode("عبد العزيز الكعبي"))).await.expect(StatusCode::OK);
    assert_eq!(ids(&found)[0], latin_id, "{found}");
    let found = officer
        .get(&format!("/api/v1/persons/search?q={}", encode("Aisha Saeed Al Derkaoui")))
        .await
        .expect(StatusCode::OK);
    assert_eq!(ids(&found)[0], arabic_id, "{found}");
    // The reasons say why, part by part, in the language asked for.
    let first = &found[0]["reasons"][0];
    assert_eq!(first["code"], "transliteration");
    assert_eq!(first["part"], "first_name");
    assert_eq!(first["query"], "Aisha");
    assert_eq!(first["found"], "عائشة");
    assert_eq!(plain(&first["text"]), "الاسم الأول: الاسم نفسه بالحروف العربية واللاتينية (Aisha / عائشة).");
    let english = officer
        .speaking("en")
        .get(&format!("/api/v1/persons/search?q={}", encode("Aisha Saeed Al Derkaoui")))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        plain(&english[0]["reasons"][0]["text"]),
        "Given name: the same name in Arabic and Latin letters (Aisha / عائشة)."
    );
    // Another name is not found, however close its letters.
    let found =
        officer.get(&format!("/api/v1/persons/search?q={}", encode("خالد الدرقاوي"))).await.expect(StatusCode::OK);
    assert!(!ids(&found).contains(&arabic_id.to_string()), "{found}");
});

both_databases!(registration_shows_the_seed_articles_spellings_as_one_person, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let first = register(
        &officer,
        json!({ "first_name_ar": "آمال", "father_name_ar": "عبداللطيف", "family_name_ar": "المناعي", "sex": "female" }),
    )
    .await;
    let first_id = first["person"]["id"].as_str().unwrap();
    let again = register(
        &officer,
        json!({ "first_name_ar": "آمال", "father_name_ar": "عبد اللطيف", "family_name_ar": "المناعي", "sex": "female" }),
    )
    .await;
    let matches = &again["possible_matches"];
    assert_eq!(ids(matches), [first_id], "{matches}");
    assert!(matches[0]["score"].as_f64().unwrap() >= 0.9, "{matches}");
    // Two fathers are two people: محمد عبدالله الكعبي is no match for محمد عبدالرحمن الكعبي.
    register(
        &officer,
        json!({ "first_name_ar": "محمد", "father_name_ar": "عبدالله", "family_name_ar": "الكعبي", "sex": "male" }),
    )
    .await;
    let cousin = register(
        &officer,
        json!({ "first_name_ar": "محمد", "father_name_ar": "عبدالرحمن", "family_name_ar": "الكعبي", "sex": "male" }),
    )
    .await;
    assert_eq!(cousin["possible_matches"], json!([]));
    // The same QID with the names written another way: the strongest match.
    let with_qid = register(
        &officer,
        json!({ "first_name_ar": "سلوى", "family_name_ar": "الجابر", "sex": "female", "qid": "28963400555" }),
    )
    .await;
    let found = officer.get("/api/v1/persons/search?qid=28963400555&q=Salwa%20Al-Jaber").await.expect(StatusCode::OK);
    assert_eq!(ids(&found)[0], with_qid["person"]["id"].as_str().unwrap());
    assert_eq!(found[0]["reasons"][0]["code"], "qid_equal");
    assert!(found[0]["score"].as_f64().unwrap() >= 0.99);
});

both_databases!(another_agency_finds_a_person_only_once_her_identity_was_sent, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (_, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    let caseworker = Client::sign_in(&test, "aman.caseworker").await;
    let found = caseworker.get("/api/v1/persons/search?q=Noura%20Al-Marri").await.expect(StatusCode::OK);
    assert!(!ids(&found).contains(&woman), "{found}");
    let same_agency = officer.get("/api/v1/persons/search?q=Noura%20Al-Marri").await.expect(StatusCode::OK);
    assert!(ids(&same_agency).contains(&woman));
});

both_databases!(a_supervisor_merges_a_duplicate_and_undoes_it, |test: TestApp| async move {
    let officer = Client::sign_in(&test, "cp.officer").await;
    let (case_id, woman, _) = police_case(&test, &officer, "domestic_violence").await;
    // The same woman, registered again by another officer under another spelling.
    let duplicate = register(
        &officer,
        json!({ "first_name_ar": "نوره", "father_name_ar": "سالم", "family_name_ar": "المرّي", "sex": "female",
                "birth_date": "1990-05-14" }),
    )
    .await;
    assert!(ids(&duplicate["possible_matches"]).contains(&woman), "{duplicate}");
    let duplicate_id = duplicate["person"]["id"].as_str().unwrap().to_string();
    let second_case = officer.post("/api/v1/cases", json!({ "category": "runaway" })).await.expect(StatusCode::CREATED);
    let second_case_id = second_case["id"].as_str().unwrap().to_string();
    officer
        .post(
            &format!("/api/v1/cases/{second_case_id}/persons"),
            json!({ "person_id": duplicate_id, "role": "survivor" }),
        )
        .await
        .expect(StatusCode::CREATED);
    let merge_path = format!("/api/v1/persons/{woman}/merge");
    // An officer may look, but not merge.
    officer.post(&merge_path, json!({ "duplicate_id": duplicate_id })).await.expect_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let supervisor = Client::sign_in(&test, "cp.supervisor").await;
    supervisor.post(&merge_path, json!({})).await.expect_error(
        StatusCode::BAD_REQUEST,
        "required",
        Some("duplicate_id"),
    );
    supervisor.post(&merge_path, json!({ "duplicate_id": woman })).await.expect_error(
        StatusCode::BAD_REQUEST,
        "same_person",
        Some("duplicate_id"),
    );
    let merged = supervisor.post(&merge_path, json!({ "duplicate_id": duplicate_id })).await.expect(StatusCode::OK);
    assert_eq!(merged["survivor_id"], woman.as_str());
    assert_eq!(merged["cases"], json!([second_case_id]));
    // The case now lists the surviving record; the duplicate points at it and is no
    // longer found.
    let case = officer.get(&format!("/api/v1/cases/{second_case_id}")).await.expect(StatusCode::OK);
    let persons: Vec<&str> =
        case["persons"].as_array().unwrap().iter().map(|p| p["person"]["id"].as_str().unwrap()).collect();
    assert_eq!(persons, [woman.as_str()], "{case}");
    let record = officer.get(&format!("/api/v1/persons/{duplicate_id}")).await.expect(StatusCode::OK);
    assert_eq!(record["merged_into"], woman.as_str());
    let found =
        officer.get(&format!("/api/v1/persons/search?q={}", encode("نوره سالم المري"))).await.expect(StatusCode::OK);
    assert!(!ids(&found).contains(&duplicate_id), "{found}");
    supervisor.post(&merge_path, json!({ "duplicate_id": duplicate_id })).await.expect_error(
        StatusCode::CONFLICT,
        "person_already_merged",
        None,
    );
    // Undone: the record and its case come back.
    let unmerged =
        supervisor.post(&format!("/api/v1/persons/{duplicate_id}/unmerge"), json!({})).await.expect(StatusCode::OK);
    assert_eq!(unmerged["cases"], json!([second_case_id]));
    let case = officer.get(&format!("/api/v1/cases/{second_case_id}")).await.expect(StatusCode::OK);
    let persons: Vec<&str> =
        case["persons"].as_array().unwrap().iter().map(|p| p["person"]["id"].as_str().unwrap()).collect();
    assert_eq!(persons, [duplicate_id.as_str()]);
    let record = officer.get(&format!("/api/v1/persons/{duplicate_id}")).await.expect(StatusCode::OK);
    assert_eq!(record["merged_into"], Value::Null);
    let found =
        officer.get(&format!("/api/v1/persons/search?q={}", encode("نوره سالم المري"))).await.expect(StatusCode::OK);
    assert!(ids(&found).contains(&duplicate_id), "{found}");
    supervisor.post(&format!("/api/v1/persons/{duplicate_id}/unmerge"), json!({})).await.expect_error(
        StatusCode::CONFLICT,
        "person_not_merged",
        None,
    );
    // Both steps are in the audit log, with both persons and the case that moved.
    let auditor = Client::sign_in(&test, "cp.auditor").await;
    let trail = auditor.get(&format!("/api/v1/audit?subject={duplicate_id}")).await.expect(StatusCode::OK);
    let steps: Vec<(&str, &str)> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"].as_str().unwrap().contains("merge"))
        .map(|entry| (entry["action"].as_str().unwrap(), entry["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("person.merge", "denied"),
            ("person.merge", "ok"),
            ("person.merge", "failed:person_already_merged"),
            ("person.unmerge", "ok"),
            ("person.unmerge", "failed:person_not_merged"),
        ],
        "{trail}"
    );
    let merge_entry = trail
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["action"] == "person.merge" && entry["outcome"] == "ok")
        .unwrap();
    let subjects: Vec<&str> = merge_entry["subjects"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(subjects.contains(&format!("person:{woman}").as_str()), "{merge_entry}");
    assert!(subjects.contains(&format!("case:{second_case_id}").as_str()), "{merge_entry}");
    let _ = case_id;
});
