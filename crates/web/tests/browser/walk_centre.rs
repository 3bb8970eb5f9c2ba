//! Steps 3 and 5 of ARCHITECTURE.md's acceptance walk through the pages, in Arabic, on both
//! databases. Step 3: the caseworker records an assessment, a plan item, a session with
//! attendance and a restricted note; the legal advisor gives a legal consultation on the
//! same case; the caseworker asks to close it and the manager approves. Step 5: a Wifaq
//! counsellor registers a visitation order, the schedule produces the Fridays of December
//! (National Day skipped), the desk records arrivals and a no-show, and the manager takes
//! the court report for the month — PDF and verifiable JSON. Bad input on the way; every
//! page checked and photographed.

use serde_json::Value;
use sila_domain::agency::Role;

use crate::support::{Browser, on_both_databases};
use crate::walk::{check, follow, sign_in, sign_out, submit};

/// Clicks the radio or checkbox `name` = `value`.
async fn pick(browser: &Browser, name: &str, value: &str) {
    browser.click(&format!("input[name=\"{name}\"][value=\"{value}\"]")).await;
}

/// Fills the control named `name` (its id is `f-` and the name with dots as dashes).
async fn fill_field(browser: &Browser, name: &str, text: &str) {
    browser.fill(&format!("#f-{}", name.replace('.', "-")), text).await;
}

async fn step_3(browser: Browser) {
    let prefix = format!("step3-{}-", if browser.test.schema.is_none() { "sqlite" } else { "postgres" });
    let test = &browser.test;
    // The desk accepted a referral earlier and assigned the protection case to the
    // caseworker and her team (steps 1 and 2, walked in walk.rs).
    let desk = test.world.actor("aman.desk").user.id;
    let worker = test.world.actor("aman.caseworker").user.clone();
    let legal = test.world.actor("aman.legal").user.clone();
    assert!(legal.has_role(Role::LegalAdvisor));
    let person = test.fixture_person("AMAN", desk).await;
    let case = test
        .fixture_case(
            "AMAN",
            "AMAN.MAIN",
            desk,
            Some(worker.id),
            worker.team_ids.first().copied(),
            &[person],
            "domestic_violence",
        )
        .await;

    sign_in(&browser, "aman.caseworker").await;
    browser.goto(&format!("/cases/{case}")).await;
    follow(&browser, "#case-work", "#assessment").await;
    check(&browser, &format!("{prefix}01-work")).await;

    // The assessment: nothing answered first, every required question named.
    submit(&browser, "assessment", "#assessment .error-summary").await;
    assert!(browser.exists("#f-answers-urgent_needs-error").await);
    check(&browser, &format!("{prefix}02-assessment-errors")).await;
    fill_field(&browser, "answers.urgent_needs", "مأوى آمن لها ولابنتها").await;
    pick(&browser, "answers.housing", "unsafe").await;
    pick(&browser, "answers.support", "family").await;
    pick(&browser, "answers.children_safe", "yes").await;
    fill_field(&browser, "answers.wellbeing", "١٢").await;
    submit(&browser, "assessment", "#assessment .error-summary").await;
    assert!(browser.text_of("#f-answers-wellbeing-error").await.contains("خارج النطاق"));
    assert_eq!(
        browser
            .attr_of("#f-answers-urgent_needs", "value")
            .await
            .or(Some(browser.text_of("#f-answers-urgent_needs").await))
            .as_deref(),
        Some("مأوى آمن لها ولابنتها"),
        "what she typed is kept"
    );
    fill_field(&browser, "answers.wellbeing", "4").await;
    submit(&browser, "assessment", "#assessments article").await;
    assert!(browser.text_of("#assessments").await.contains("غير آمن"));

    // A plan item (a wrong date first) and a session with attendance.
    fill_field(&browser, "goal", "سكن آمن").await;
    fill_field(&browser, "action", "إيواء مؤقت في دار أمان").await;
    fill_field(&browser, "due_on", "2026-13-01").await;
    submit(&browser, "plan", "#plan .error-summary").await;
    fill_field(&browser, "due_on", "2026-12-10").await;
    submit(&browser, "plan", "#plan table").await;
    pick(&browser, "kind", "counselling").await;
    fill_field(&browser, "starts_at", "2026-12-01 10:00").await;
    submit(&browser, "session", "#sessions table").await;
    follow(&browser, "#sessions button[id^=attended-]", "#sessions tr.done").await;
    check(&browser, &format!("{prefix}03-work-recorded")).await;

    // An attachment: a PNG named .pdf is refused by its content; the real PDF is kept.
    let dir = std::env::temp_dir().join(format!("sila-upload-{}-{prefix}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join("تقرير.pdf");
    std::fs::write(&fake, b"\x89PNG\r\n\x1a\n not a pdf").unwrap();
    let real = dir.join("التقرير الطبي.pdf");
    std::fs::write(&real, b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").unwrap();
    browser.find("#f-file").await.send_keys(fake.to_str().unwrap()).await.unwrap();
    submit(&browser, "attachment", "#attachment .error-summary").await;
    assert!(browser.text_of("#f-file-error").await.contains("محتواه"), "the content, not the name, decides");
    browser.find("#f-file").await.send_keys(real.to_str().unwrap()).await.unwrap();
    submit(&browser, "attachment", "#attachments a").await;
    assert!(browser.text_of("#attachments").await.contains("التقرير الطبي.pdf"));
    std::fs::remove_dir_all(&dir).ok();

    // A restricted note naming the legal advisor.
    browser.goto(&format!("/cases/{case}")).await;
    pick(&browser, "level", "restricted").await;
    fill_field(&browser, "text", "تخشى أن يعرف الزوج مكان الدار؛ لا تُذكر في المراسلات.").await;
    pick(&browser, "readers", &legal.id.to_string()).await;
    submit(&browser, "note", "#notes article").await;
    check(&browser, &format!("{prefix}04-restricted-note")).await;
    sign_out(&browser).await;

    // The legal advisor, in the case's team, reads the note and gives a legal consultation.
    sign_in(&browser, "aman.legal").await;
    browser.goto(&format!("/cases/{case}")).await;
    assert!(browser.text_of("#notes").await.contains("تخشى أن يعرف الزوج"));
    follow(&browser, "#case-work", "#session").await;
    pick(&browser, "kind", "legal_consultation").await;
    fill_field(&browser, "starts_at", "2026-12-01 10:30").await;
    submit(&browser, "session", "#sessions table").await;
    let sessions = browser.text_of("#sessions").await;
    assert!(sessions.contains("استشارة قانونية"), "{sessions}");
    check(&browser, &format!("{prefix}05-legal-consultation")).await;
    sign_out(&browser).await;

    // The caseworker asks to close; the manager approves.
    sign_in(&browser, "aman.caseworker").await;
    browser.goto(&format!("/cases/{case}/work")).await;
    pick(&browser, "outcome", "rehabilitated").await;
    fill_field(&browser, "reason", "أنجزت خطة الحالة").await;
    submit(&browser, "close", "#close .error-summary").await;
    browser.click("#f-confirm").await;
    submit(&browser, "close", "#approvals table").await;
    assert!(browser.text_of("#approvals").await.contains("بانتظار المدير"));
    sign_out(&browser).await;
    sign_in(&browser, "aman.manager").await;
    browser.goto("/approvals").await;
    check(&browser, &format!("{prefix}06-approvals")).await;
    let form = browser.attr_of("article form", "id").await.unwrap();
    browser.click(&format!("#{form} input[name=\"decision\"][value=\"approve\"]")).await;
    submit(&browser, &form, "#no-approvals").await;
    browser.goto(&format!("/cases/{case}")).await;
    assert_eq!(browser.text_of("#case-status").await, "مغلق");
    check(&browser, &format!("{prefix}07-closed")).await;
}

on_both_databases!(centre_case_work_in_arabic, step_3);

async fn step_5(browser: Browser) {
    let prefix = format!("step5-{}-", if browser.test.schema.is_none() { "sqlite" } else { "postgres" });
    let test = &browser.test;
    let counsellor = test.world.actor("wifaq.counsellor").user.id;
    let mother = test.fixture_person("WIFAQ", counsellor).await;
    let father = test.fixture_person("WIFAQ", counsellor).await;
    let child = test.fixture_person("WIFAQ", counsellor).await;

    sign_in(&browser, "wifaq.counsellor").await;
    browser.goto("/court-orders").await;
    check(&browser, &format!("{prefix}01-orders")).await;
    follow(&browser, "#new-court-order", "#court-order").await;
    fill_field(&browser, "court", "محكمة الأسرة - الدائرة الثانية").await;
    fill_field(&browser, "decision_number", "2026/1187").await;
    fill_field(&browser, "decision_date", "2026-11-15").await;
    pick(&browser, "kind", "visitation").await;
    browser.click("#f-supervised").await;
    browser.select("#f-custodial_person_id", &mother.to_string()).await;
    browser.select("#f-visiting_person_id", &father.to_string()).await;
    pick(&browser, "child_person_ids", &child.to_string()).await;
    fill_field(&browser, "starts_on", "2026-12-01").await;
    fill_field(&browser, "ends_on", "2026-12-31").await;
    fill_field(&browser, "start_time", "16:00").await;
    fill_field(&browser, "end_time", "15:00").await;
    submit(&browser, "court-order", "#court-order .error-summary").await;
    assert!(browser.exists("#f-end_time-error").await);
    check(&browser, &format!("{prefix}02-order-errors")).await;
    fill_field(&browser, "end_time", "18:00").await;
    submit(&browser, "court-order", "#visits table").await;
    let days: Vec<Value> = browser
        .execute("return [...document.querySelectorAll('#visits time')].map(t => t.getAttribute('datetime'))", vec![])
        .await
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(days, ["2026-12-04", "2026-12-11", "2026-12-25"], "the Fridays of December but National Day");
    let order_path = browser.current_path().await;
    check(&browser, &format!("{prefix}03-order")).await;
    sign_out(&browser).await;

    // Nothing of a visit is recorded before its day: the desk waits for the first Friday
    // (15:00 in Doha), when both parents arrive, the handover, the return.
    test.clock.advance(jiff::SignedDuration::from_hours(5 * 24 + 4));
    sign_in(&browser, "wifaq.desk").await;
    browser.goto("/visits?day=2026-12-04").await;
    check(&browser, &format!("{prefix}04-day")).await;
    follow(&browser, "table a", "#visit-event").await;
    for (kind, party) in
        [("arrived", Some("visiting")), ("arrived", Some("custodial")), ("handover", None), ("returned", None)]
    {
        pick(&browser, "kind", kind).await;
        if let Some(party) = party {
            pick(&browser, "party", party).await;
        }
        submit(&browser, "visit-event", "#events li").await;
    }
    assert_eq!(browser.text_of("#visit-status").await, "تمت");
    // The father's arrival was entered late: it is corrected to ten to three, with the
    // reason; the first entry stays, marked corrected.
    let first =
        browser.execute("return document.querySelector('#f-corrects option:not([value=\"\"])').value", vec![]).await;
    browser.select("#f-corrects", first.as_str().unwrap()).await;
    browser.select("#f-corrected_kind", "arrived").await;
    browser.select("#f-corrected_party", "visiting").await;
    fill_field(&browser, "time", "14:50").await;
    submit(&browser, "visit-correction", "#visit-correction .error-summary").await;
    assert!(browser.exists("#f-reason-error").await, "a correction needs its reason");
    fill_field(&browser, "reason", "سُجّل الوصول متأخرًا بعد انشغال المكتب").await;
    submit(&browser, "visit-correction", "#events li").await;
    let timeline = browser.text_of("#events").await;
    assert!(timeline.contains("(صُحّح)") && timeline.contains("سُجّل الوصول متأخرًا"), "{timeline}");
    assert_eq!(browser.text_of("#visit-status").await, "تمت");
    check(&browser, &format!("{prefix}05-visit-held")).await;
    sign_out(&browser).await;
    // The second Friday: the father does not come (the reason is required).
    test.clock.advance(jiff::SignedDuration::from_hours(7 * 24));
    sign_in(&browser, "wifaq.desk").await;
    browser.goto("/visits?day=2026-12-11").await;
    follow(&browser, "table a", "#visit-event").await;
    pick(&browser, "kind", "no_show").await;
    pick(&browser, "party", "visiting").await;
    submit(&browser, "visit-event", "#visit-event .error-summary").await;
    assert!(browser.exists("#f-note-error").await);
    fill_field(&browser, "note", "لم يحضر ولم يعتذر").await;
    submit(&browser, "visit-event", "#events li").await;
    assert_eq!(browser.text_of("#visit-status").await, "لم تتم");
    check(&browser, &format!("{prefix}06-visit-no-show")).await;
    sign_out(&browser).await;

    // The manager takes the report for December.
    sign_in(&browser, "wifaq.manager").await;
    browser.goto(&order_path).await;
    check(&browser, &format!("{prefix}07-report-form")).await;
    assert_eq!(browser.attr_of("#f-from", "value").await.as_deref(), Some("2026-12-04"));
    fill_field(&browser, "from", "2026-12-01").await;
    fill_field(&browser, "to", "2026-12-31").await;
    let fetch = "const done = arguments[arguments.length - 1];
        const form = document.getElementById('report');
        const query = new URLSearchParams(new FormData(form)).toString();
        Promise.all([fetch(form.action + '?' + query), fetch(form.action + '?' + query + '&format=json')])
          .then(async ([pdf, json]) => done({
            pdf_type: pdf.headers.get('content-type'), pdf_size: (await pdf.arrayBuffer()).byteLength,
            json: await json.text() }))
          .catch(error => done({ error: String(error) }));";
    let answer = browser.execute_async(fetch, vec![]).await;
    assert_eq!(answer["pdf_type"], "application/pdf", "{answer}");
    assert!(answer["pdf_size"].as_u64().unwrap() > 10_000, "{answer}");
    let json = answer["json"].as_str().unwrap();
    let verified = sila_reports::court::verify(json.as_bytes(), Some(&test.app.audit_public_key().0)).unwrap();
    assert_eq!(verified.events, 6, "four events and a correction on the first Friday, the no-show of the second");
    let report: Value = serde_json::from_str(json).unwrap();
    assert_eq!(report["content"]["summary"]["no_shows_visiting"], 1);
    let first_friday = report["content"]["visits"][0]["events"].as_array().unwrap();
    let correction = first_friday.iter().find(|event| event["supersedes"].is_string()).expect("the correction");
    assert_eq!(correction["reason"], "سُجّل الوصول متأخرًا بعد انشغال المكتب");
    assert!(first_friday.iter().any(|event| event["event_id"] == correction["supersedes"]), "both are shown");
}

on_both_databases!(court_order_visits_and_report_in_arabic, step_5);

/// The warm handoff and safe contact through the pages: the officer records how the
/// woman may be reached (a missing "through whom" first), books a desk slot in twenty
/// minutes and walks her over; the desk receives her and sees the minutes since intake.
async fn handoff_and_safe_contact(browser: Browser) {
    let prefix = format!("handoff-{}-", if browser.test.schema.is_none() { "sqlite" } else { "postgres" });
    let test = &browser.test;
    let officer = test.world.actor("cp.officer").user.id;
    let woman = test.fixture_person("CP", officer).await;
    let case = test.fixture_case("CP", "CP.HQ", officer, None, None, &[woman], "domestic_violence").await;
    use sila_domain::consent::DataClass;
    let referral = test
        .fixture_referral(case, "AMAN.DESK", &[DataClass::Identity, DataClass::Contact, DataClass::Summary], None)
        .await;

    sign_in(&browser, "cp.officer").await;
    browser.goto(&format!("/persons/{woman}/safe-contact")).await;
    pick(&browser, "channel", "through").await;
    submit(&browser, "safe-contact", "#safe-contact .error-summary").await;
    assert!(browser.exists("#f-through-error").await);
    check(&browser, &format!("{prefix}01-safe-contact-errors")).await;
    fill_field(&browser, "through", "أختها مريم").await;
    browser.click("#f-never_at_home").await;
    fill_field(&browser, "code_word", "الياسمين").await;
    submit(&browser, "safe-contact", ".safe-contact").await;
    let shown = browser.text_of(".safe-contact").await;
    assert!(shown.contains("أختها مريم") && shown.contains("الياسمين"), "{shown}");
    check(&browser, &format!("{prefix}02-person-with-safe-contact")).await;

    browser.goto(&format!("/referrals/{referral}")).await;
    follow(&browser, "#handoff", "#handoff button").await;
    fill_field(&browser, "slot_at", "2026-11-29 11:20").await;
    submit(&browser, "handoff", "#escorted").await;
    submit(&browser, "escorted", "main").await;
    check(&browser, &format!("{prefix}03-handoff-booked")).await;
    sign_out(&browser).await;

    sign_in(&browser, "aman.desk").await;
    browser.goto(&format!("/referrals/{referral}/handoff")).await;
    submit(&browser, "received", "main").await;
    let lead = browser.text_of(".lead").await;
    assert!(lead.contains("دقيقة"), "{lead}");
    check(&browser, &format!("{prefix}04-handoff-received")).await;
}

on_both_databases!(warm_handoff_and_safe_contact_in_arabic, handoff_and_safe_contact);

/// Consultations and awareness activities through the pages: an anonymous legal
/// consultation by phone (the summary missing first), and a workshop with its attendance
/// (a number that is not one first).
async fn consultations_and_activities(browser: Browser) {
    let prefix = format!("engagement-{}-", if browser.test.schema.is_none() { "sqlite" } else { "postgres" });
    sign_in(&browser, "wifaq.legal").await;
    browser.goto("/consultations").await;
    check(&browser, &format!("{prefix}01-consultations")).await;
    pick(&browser, "kind", "legal").await;
    pick(&browser, "channel", "phone").await;
    submit(&browser, "consultation", "#consultation .error-summary").await;
    assert!(browser.exists("#f-summary-error").await);
    fill_field(&browser, "summary", "سألت عن حقها في النفقة بعد الطلاق؛ شرحنا الإجراءات.").await;
    submit(&browser, "consultation", "#records").await;
    assert!(browser.text_of("#records").await.contains("قانونية"));
    sign_out(&browser).await;

    sign_in(&browser, "wifaq.counsellor").await;
    browser.goto("/activities").await;
    pick(&browser, "kind", "workshop").await;
    fill_field(&browser, "title", "التواصل الأسري").await;
    fill_field(&browser, "audience", "أمهات طلاب المرحلة الابتدائية").await;
    fill_field(&browser, "place", "مدرسة الوكرة").await;
    fill_field(&browser, "held_on", "2026-11-25").await;
    fill_field(&browser, "attendance-female-30_59", "أربعون").await;
    submit(&browser, "activity", "#activity .error-summary").await;
    assert!(browser.exists("#f-attendance-female-30_59-error").await);
    check(&browser, &format!("{prefix}02-activity-errors")).await;
    fill_field(&browser, "attendance-female-30_59", "40").await;
    fill_field(&browser, "attendance-male-60_plus", "3").await;
    submit(&browser, "activity", "#records").await;
    assert!(browser.text_of("#records").await.contains("43"));
    check(&browser, &format!("{prefix}03-activities")).await;
}

on_both_databases!(consultations_and_activities_in_arabic, consultations_and_activities);
