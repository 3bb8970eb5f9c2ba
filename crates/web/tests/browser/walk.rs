//! The acceptance walk of ARCHITECTURE.md through the pages only, in a real browser: step 1
//! (the officer's intake and referral, with bad input on the way), step 2 (the desk
//! accepts and assigns), step 4 (the officer follows the status and sees nothing more),
//! in Arabic on both databases; step 1 again in English. Every page is checked by axe,
//! for catalog keys shown raw, and for overflow at tablet width, and photographed.

use jiff::SignedDuration;
use serde_json::Value;
use sila_app::testing::{Backend, PASSWORD};

use crate::support::{Browser, DESKTOP_WIDTH, TABLET_WIDTH, on_both_databases};

/// The texts the walk expects, in the walk's language.
#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Ar,
    En,
}

impl Lang {
    fn pick(self, arabic: &'static str, english: &'static str) -> &'static str {
        match self {
            Lang::Ar => arabic,
            Lang::En => english,
        }
    }

    fn code(self) -> &'static str {
        self.pick("ar", "en")
    }
}

/// Checks the page shown and saves its screenshots: no serious or critical axe
/// violation, no catalog key shown raw, nothing wider than a tablet's screen.
pub(crate) async fn check(browser: &Browser, name: &str) {
    let text = browser.execute("return document.body.innerText", vec![]).await;
    let text = text.as_str().unwrap_or_default();
    assert!(!text.contains('⟦'), "{name} shows a message key with no text: {text}");
    browser.axe(name).await;
    browser.screenshot(&format!("{name}-desktop")).await;
    browser.set_width(TABLET_WIDTH).await;
    let overflow = browser
        .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth", vec![])
        .await;
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "{name} is {overflow} px wider than a 768 px tablet");
    browser.screenshot(&format!("{name}-tablet")).await;
    browser.set_width(DESKTOP_WIDTH).await;
}

/// Submits form `form` (its button) and waits for `then` on the next page.
pub(crate) async fn submit(browser: &Browser, form: &str, then: &str) {
    follow(browser, &format!("#{form} button[type=submit]"), then).await;
}

/// Clicks `css`, waits until the browser has left the page (a mark put on the old
/// document is gone), then waits for `then` on the new one — so an element that both
/// pages have is never found on the old one.
pub(crate) async fn follow(browser: &Browser, css: &str, then: &str) {
    browser.execute("window.silaLeaving = true", vec![]).await;
    browser.click(css).await;
    let started = std::time::Instant::now();
    while browser.execute("return window.silaLeaving === true", vec![]).await == true {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "clicking {css} did not leave the page");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    browser.wait_for(then).await;
}

/// Ticks exactly `values` among the checkboxes named `name`.
async fn tick_only(browser: &Browser, name: &str, values: &[&str]) {
    for value in ["identity", "contact", "summary", "risk", "narrative", "attachments"] {
        let css = format!("input[name=\"{name}\"][value=\"{value}\"]");
        let checked = browser.execute(&format!("return document.querySelector('{css}').checked"), vec![]).await;
        if checked.as_bool() != Some(values.contains(&value)) {
            browser.click(&css).await;
        }
    }
}

/// Waits until the element `id` has the focus (failing after five seconds): the browser
/// gives a page's autofocus once it is rendered, a moment after the load the driver waits
/// for.
pub(crate) async fn focus_reaches(browser: &Browser, id: &str) {
    let started = std::time::Instant::now();
    while browser.active_element_id().await.as_deref() != Some(id) {
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "#{id} never gets the focus");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Signs in through the sign-in page, with the keyboard only.
pub(crate) async fn sign_in(browser: &Browser, username: &str) {
    browser.goto("/sign-in").await;
    focus_reaches(browser, "f-username").await;
    browser.fill("#f-username", username).await;
    browser.tab().await;
    assert_eq!(browser.active_element_id().await.as_deref(), Some("f-password"));
    browser.fill("#f-password", PASSWORD).await;
    browser.tab().await;
    assert_eq!(browser.active_element_id().await.as_deref(), Some("f-totp"));
    browser.fill("#f-totp", &browser.test.totp_code(username)).await;
    browser.press_enter().await;
    browser.wait_for("#sign-out").await;
}

pub(crate) async fn sign_out(browser: &Browser) {
    browser.click("#sign-out").await;
    browser.wait_for("#sign-in").await;
}

fn office_id(browser: &Browser, code: &str) -> String {
    browser.test.world.office(code).id.to_string()
}

/// Step 1: search, register her (after a wrong QID and a future birth date), open the
/// case, add her child, run the checklist, record consent, refer to the Aman desk.
/// Returns the referral's path and the woman's person id.
async fn intake_and_referral(browser: &Browser, lang: Lang, prefix: &str) -> (String, String) {
    browser.wait_for("#search").await;
    check(browser, &format!("{prefix}01-intake")).await;
    browser.fill("#f-q", "نورة سالم المري").await;
    submit(browser, "search", "#results-heading").await;
    assert_eq!(
        browser.text_of("#results-heading + p").await,
        lang.pick("لا يوجد من يطابق هذا البحث.", "No one matches this search.")
    );
    check(browser, &format!("{prefix}02-search-none")).await;

    // The search is carried into the form, the name split into its parts.
    browser.click("#register-new").await;
    browser.wait_for("#person").await;
    assert_eq!(browser.attr_of("#f-first_name_ar", "value").await.as_deref(), Some("نورة"));
    assert_eq!(browser.attr_of("#f-father_name_ar", "value").await.as_deref(), Some("سالم"));
    assert_eq!(browser.attr_of("#f-family_name_ar", "value").await.as_deref(), Some("المري"));
    browser.fill("#f-name_latin", "Noura Salem Al-Marri").await;
    browser.fill("#f-birth_date", "2031-05-14").await;
    browser.fill("#f-qid", "2906340012").await;
    browser.fill("#f-phone", "+974 5512 3456").await;
    browser.select("#f-nationality", "QA").await;
    submit(browser, "person", ".error-summary").await;
    let qid_error = browser.text_of("#f-qid-error").await;
    assert!(
        qid_error.starts_with(lang.pick("رقم البطاقة الشخصية", "Qatar ID number")),
        "the QID error names the field: {qid_error}"
    );
    assert!(browser.exists("#f-birth_date-error").await, "a birth date in the future is refused");
    // Nothing typed is lost, and the first wrong field has the focus.
    assert_eq!(browser.attr_of("#f-qid", "value").await.as_deref(), Some("2906340012"));
    assert_eq!(browser.attr_of("#f-name_latin", "value").await.as_deref(), Some("Noura Salem Al-Marri"));
    assert_eq!(browser.attr_of("#f-qid", "aria-invalid").await.as_deref(), Some("true"));
    focus_reaches(browser, "f-birth_date").await;
    check(browser, &format!("{prefix}03-register-errors")).await;
    browser.fill("#f-birth_date", "1990-05-14").await;
    browser.fill("#f-qid", "290 634 00123").await;
    submit(browser, "person", ".success").await;
    assert!(browser.text_of("main").await.contains("29063400123"));
    let woman = browser.current_path().await.trim_start_matches("/persons/").to_string();
    check(browser, &format!("{prefix}04-registered")).await;

    // Her case: a missing category is named, then the case opens.
    submit(browser, "open-case", "#case").await;
    browser.fill("#f-narrative", "أفادت بتعرضها للضرب المتكرر من الزوج أمام ابنتها.").await;
    submit(browser, "case", "#f-category-error").await;
    assert_eq!(
        browser.attr_of("#f-narrative", "value").await.or(Some(browser.text_of("#f-narrative").await)).as_deref(),
        Some("أفادت بتعرضها للضرب المتكرر من الزوج أمام ابنتها.")
    );
    browser.select("#f-category", "domestic_violence").await;
    browser.select("#f-subcategory", "dv_physical").await;
    submit(browser, "case", "#case-reference").await;
    assert!(browser.text_of("#case-reference").await.starts_with("CP-2026-"));
    check(browser, &format!("{prefix}05-case")).await;

    // Her daughter: searched, registered, added to the case as a child.
    browser.click("#add-person").await;
    browser.wait_for("#search").await;
    browser.fill("#f-q", "ريم حمد المري").await;
    submit(browser, "search", "#register-new").await;
    browser.click("#register-new").await;
    browser.wait_for("#person").await;
    browser.click("input[name=\"sex\"][value=\"female\"]").await;
    browser.fill("#f-birth_date", "2018-02-01").await;
    submit(browser, "person", "#add-to-case").await;
    check(browser, &format!("{prefix}06-child-registered")).await;
    assert_eq!(browser.attr_of("#f-role option[selected]", "value").await.as_deref(), Some("child"));
    submit(browser, "add-to-case", "#case-reference").await;
    let persons = browser.find_all("#persons-heading ~ h3").await;
    assert_eq!(persons.len(), 2, "her and her daughter");

    // The checklist: sent unanswered, every item is named; then 15 "yes" make it high.
    browser.click("#do-risk").await;
    browser.wait_for("#risk").await;
    submit(browser, "risk", ".error-summary").await;
    let errors = browser.find_all(".error-summary li").await;
    assert_eq!(errors.len(), 27, "each unanswered item is listed");
    check(browser, &format!("{prefix}07-risk-errors")).await;
    let items: Value = browser
        .execute(
            "return [...new Set([...document.querySelectorAll('#risk input[type=radio]')].map(e => e.name))]",
            vec![],
        )
        .await;
    for (index, name) in items.as_array().expect("radio groups").iter().enumerate() {
        let answer = if index < 15 { "yes" } else { "no" };
        browser.click(&format!("input[name=\"{}\"][value=\"{answer}\"]", name.as_str().unwrap())).await;
    }
    submit(browser, "risk", "#risk-level").await;
    assert_eq!(browser.text_of("#risk-level").await, lang.pick("مرتفع", "High"));

    // Her consent for Aman: identity, summary and risk.
    browser.click("#do-consent").await;
    browser.wait_for("#consent").await;
    browser.select("#f-recipient_agency_id", &browser.test.world.agency("AMAN").id.to_string()).await;
    browser.click("input[name=\"method\"][value=\"verbal_witnessed\"]").await;
    browser.fill("#f-witness", "الملازم أول سارة الكواري").await;
    tick_only(browser, "data_classes", &["identity", "summary", "risk"]).await;
    check(browser, &format!("{prefix}08-consent")).await;
    submit(browser, "consent", "#do-refer").await;
    assert!(browser.exists("#steps-heading ~ ol ul li").await, "the consent is listed on the case");

    // The referral: without a reason it is refused, naming the field; then it goes.
    browser.click("#do-refer").await;
    browser.wait_for("#refer").await;
    browser.select("#f-to_office_id", &office_id(browser, "AMAN.DESK")).await;
    tick_only(browser, "data_classes", &["identity", "summary", "risk"]).await;
    submit(browser, "refer", "#f-reason-error").await;
    assert_eq!(
        browser.attr_of("#f-to_office_id option[selected]", "value").await,
        Some(office_id(browser, "AMAN.DESK"))
    );
    check(browser, &format!("{prefix}09-refer-error")).await;
    browser.fill("#f-reason", "تحتاج حماية ودعمًا نفسيًا").await;
    // Before it goes, the page shows what will leave, person by person: her identity;
    // of her daughter, whom no consent covers, her role and age alone.
    submit(browser, "refer", "#preview").await;
    let preview = browser.text_of("#preview tbody").await;
    assert!(preview.contains("نورة سالم المري") || preview.contains("Noura"), "{preview}");
    let daughter = browser.text_of("#preview tbody tr:nth-child(2)").await;
    assert!(daughter.contains('8') && !daughter.contains("2018"), "the daughter goes as a role and an age: {daughter}");
    check(browser, &format!("{prefix}09b-refer-preview")).await;
    browser.click("#f-confirm").await;
    submit(browser, "refer", "#referral-status").await;
    assert_eq!(browser.text_of("#referral-status").await, lang.pick("مُرسلة", "Sent"));
    check(browser, &format!("{prefix}10-referral-sent")).await;
    (browser.current_path().await, woman)
}

on_both_databases!(acceptance_walk_in_arabic, |browser: Browser| async move {
    let prefix = match browser.test.schema {
        Some(_) => "pg-",
        None => "",
    };
    // Step 1, in Arabic, right to left.
    sign_in(&browser, "cp.officer").await;
    assert_eq!(browser.attr_of("html", "dir").await.as_deref(), Some("rtl"));
    let (referral, woman) = intake_and_referral(&browser, Lang::Ar, prefix).await;

    // Step 2. The Aman desk sees it arrive, accepts it, and assigns the caseworker.
    browser.test.clock.advance(SignedDuration::from_mins(10));
    sign_out(&browser).await;
    sign_in(&browser, "aman.desk").await;
    assert_eq!(browser.current_path().await, "/referrals/incoming");
    let row = browser.find("tbody tr").await;
    assert!(row.text().await.unwrap_or_default().contains("مُرسلة"));
    check(&browser, &format!("{prefix}11-desk-queue")).await;
    browser.click("tbody tr a").await;
    browser.wait_for("#shared-heading").await;
    let shared = browser.text_of("main").await;
    assert!(shared.contains("نورة سالم المري") && shared.contains("مرتفع"), "what was sent: {shared}");
    assert!(!shared.contains("+974"), "contact was not sent, so no phone shows");
    assert!(!shared.contains("أفادت بتعرضها"), "the narrative was not sent");
    check(&browser, &format!("{prefix}12-desk-referral")).await;
    submit(&browser, "to-accepted", "#assign").await;
    assert_eq!(browser.text_of("#case-status").await, "مفتوح");
    let worker = browser.test.world.actor("aman.caseworker").user.clone();
    browser.select("#f-user_id", &worker.id.to_string()).await;
    submit(&browser, "assign", "#case-assigned").await;
    assert_eq!(browser.text_of("#case-assigned").await, worker.display_name);
    check(&browser, &format!("{prefix}13-centre-case")).await;

    // The caseworker finds it among her cases and writes a restricted note: without a
    // named reader it is refused, naming the field; with her manager it is kept.
    browser.test.clock.advance(SignedDuration::from_mins(5));
    sign_out(&browser).await;
    sign_in(&browser, "aman.caseworker").await;
    assert_eq!(browser.current_path().await, "/cases");
    browser.click("tbody tr a").await;
    browser.wait_for("#note").await;
    browser.click("input[name=\"level\"][value=\"restricted\"]").await;
    browser.fill("#f-text", "تخشى أن يعرف الزوج مكان إقامة أهلها.").await;
    submit(&browser, "note", "#f-readers-error").await;
    assert_eq!(browser.text_of("#f-text").await, "تخشى أن يعرف الزوج مكان إقامة أهلها.");
    let manager = browser.test.world.actor("aman.manager").user.id.to_string();
    browser.click(&format!("input[name=\"readers\"][value=\"{manager}\"]")).await;
    submit(&browser, "note", ".note").await;
    assert!(browser.text_of(".note").await.contains("تخشى أن يعرف الزوج"));
    check(&browser, &format!("{prefix}13b-caseworker-note")).await;

    // Step 4. The officer sees "accepted", then "in progress", then "completed —
    // resolved", with dates, and nothing of the centre's case.
    let officer_sees = |status: &'static str, shot: &'static str| {
        let browser = &browser;
        let referral = referral.clone();
        async move {
            browser.test.clock.advance(SignedDuration::from_mins(10));
            sign_out(browser).await;
            sign_in(browser, "cp.officer").await;
            browser.goto("/referrals/outgoing").await;
            let row = browser.text_of("tbody tr").await;
            assert!(row.contains(status), "the officer's list says {status}: {row}");
            check(browser, &format!("{prefix}{shot}-outgoing")).await;
            browser.goto(&referral).await;
            let page = browser.text_of("main").await;
            assert!(page.contains(status), "{page}");
            assert!(!browser.exists("#shared-heading").await && !browser.exists("#centre-case").await);
            // Nothing of the centre's case: not who works it, not its reference, not its notes.
            let worker = &browser.test.world.actor("aman.caseworker").user.display_name;
            let centre_prefix = format!("{}-", browser.test.world.agency("AMAN").case_prefix);
            assert!(!page.contains(worker.as_str()), "the caseworker's name leaks: {page}");
            assert!(!page.contains(&centre_prefix), "the centre case's reference leaks: {page}");
            assert!(!page.contains("تخشى أن يعرف الزوج"), "the restricted note leaks: {page}");
            check(browser, &format!("{prefix}{shot}-referral")).await;
        }
    };
    officer_sees("مقبولة", "14").await;

    let desk_moves = |form: &'static str| {
        let browser = &browser;
        let referral = referral.clone();
        async move {
            browser.test.clock.advance(SignedDuration::from_mins(10));
            sign_out(browser).await;
            sign_in(browser, "aman.desk").await;
            browser.goto(&referral).await;
            browser.wait_for(&format!("#{form}")).await;
        }
    };
    desk_moves("to-in-progress").await;
    submit(&browser, "to-in-progress", "#referral-status").await;
    officer_sees("قيد العمل", "15").await;

    desk_moves("to-completed").await;
    browser.click("input[name=\"outcome\"][value=\"resolved\"]").await;
    // Completing cannot be undone: without the confirmation it does not happen.
    submit(&browser, "to-completed", "#f-confirm-error").await;
    assert_eq!(browser.text_of("#referral-status").await, "قيد العمل");
    check(&browser, &format!("{prefix}16-complete-unconfirmed")).await;
    browser.click("#f-confirm").await;
    submit(&browser, "to-completed", "#referral-outcome").await;
    officer_sees("مكتملة", "17").await;
    assert_eq!(browser.text_of("#referral-outcome").await, "حُلّت");

    // Step 7, on the way: the auditor sees who looked at her record, and that the log
    // is intact.
    sign_out(&browser).await;
    sign_in(&browser, "cp.auditor").await;
    assert_eq!(browser.current_path().await, "/audit");
    browser.fill("#f-subject", &woman).await;
    submit(&browser, "audit-filter", "#entries-heading").await;
    let entries = browser.text_of("tbody").await;
    let officer = &browser.test.world.actor("cp.officer").user.display_name;
    assert!(entries.contains("تسجيل شخص") && entries.contains(officer.as_str()), "{entries}");
    // The desk of the other agency read her too (the referral's packet): named as well.
    let desk = &browser.test.world.actor("aman.desk").user.display_name;
    assert!(entries.contains(&format!("{desk} (AMAN)")), "{entries}");
    check(&browser, &format!("{prefix}18-audit")).await;
    submit(&browser, "verify", "#verification").await;
    assert!(browser.text_of("#verification").await.starts_with("السجل سليم"));
    assert_eq!(browser.text_of("#head-signature").await, "صحيح");
});

/// Step 1 in English: the language is one click away and stays chosen for the user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_and_referral_in_english() {
    let browser = Browser::start_in(Backend::Postgres, "en").await;
    browser.goto("/sign-in").await;
    assert_eq!(browser.attr_of("html", "lang").await.as_deref(), Some("en"), "the browser asks for English");
    sign_in(&browser, "cp.officer").await;
    // The officer's saved language is Arabic until she switches.
    assert_eq!(browser.attr_of("html", "lang").await.as_deref(), Some("ar"));
    browser.click("#language-switch").await;
    browser.wait_for("html[lang=\"en\"]").await;
    assert_eq!(browser.attr_of("html", "dir").await.as_deref(), Some("ltr"));
    assert_eq!(browser.current_path().await, "/intake", "the switch comes back to the same page");
    // Remembered for her, not for the browser: a new session is in English too.
    browser.test.clock.advance(SignedDuration::from_mins(10));
    sign_out(&browser).await;
    sign_in(&browser, "cp.officer").await;
    assert_eq!(browser.attr_of("html", "lang").await.as_deref(), Some(Lang::En.code()));
    intake_and_referral(&browser, Lang::En, "en-").await;
}

on_both_databases!(administrator_in_arabic, |browser: Browser| async move {
    let prefix = if browser.test.schema.is_some() { "pg-" } else { "" };
    // A case the administrator must not be able to read.
    let officer = browser.test.world.actor("cp.officer").user.id;
    let case = browser.test.fixture_case("CP", "CP.HQ", officer, None, None, &[], "domestic_violence").await;

    // Step 8. An office: a code in Arabic letters and a missing English name are named.
    sign_in(&browser, "cp.admin").await;
    assert_eq!(browser.current_path().await, "/admin/offices");
    check(&browser, &format!("{prefix}20-offices")).await;
    browser.fill("#f-code", "الريان").await;
    browser.fill("#f-name_ar", "مركز شرطة الريان المجتمعية").await;
    submit(&browser, "office", ".error-summary").await;
    assert!(browser.exists("#f-code-error").await && browser.exists("#f-name_en-error").await);
    assert_eq!(browser.attr_of("#f-name_ar", "value").await.as_deref(), Some("مركز شرطة الريان المجتمعية"));
    check(&browser, &format!("{prefix}21-office-errors")).await;
    browser.fill("#f-code", "RAYYAN").await;
    browser.fill("#f-name_en", "Al Rayyan community police").await;
    submit(&browser, "office", "#added").await;
    assert!(browser.text_of("tbody").await.contains("RAYYAN"));

    // A user: an administrator never types a password for someone else. A name with a
    // space and no role are refused first, with what was typed kept.
    browser.goto("/admin/users").await;
    browser.fill("#f-username", "cp officer2").await;
    browser.fill("#f-display_name", "الملازم هند السليطي").await;
    submit(&browser, "user", ".error-summary").await;
    assert!(browser.exists("#f-username-error").await && browser.exists("#f-roles-error").await);
    assert_eq!(browser.attr_of("#f-display_name", "value").await.as_deref(), Some("الملازم هند السليطي"));
    check(&browser, &format!("{prefix}22-user-errors")).await;
    browser.fill("#f-username", "cp.officer2").await;
    browser.click("input[name=\"roles\"][value=\"police_officer\"]").await;
    let offices = browser.find_all("input[name=\"office_ids\"]").await;
    offices[0].click().await.expect("an office to tick");
    submit(&browser, "user", "#notice").await;
    // An officer reads case content: the role waits for the second administrator.
    let listed = browser.text_of("tbody").await;
    assert!(listed.contains("cp.officer2") && listed.contains("بانتظار الموافقة"), "{listed}");
    check(&browser, &format!("{prefix}22b-user-waiting")).await;
    // The administrator cannot approve their own request.
    browser.goto("/admin/requests").await;
    assert!(!browser.exists("form[id^=\"approve-\"]").await, "no approval of one's own request");
    check(&browser, &format!("{prefix}22c-requests-own")).await;

    // A new protocol version between the police and Aman, started from the current one.
    browser.goto("/admin/protocols").await;
    browser.select("#f-agency_b_id", &browser.test.world.agency("AMAN").id.to_string()).await;
    browser.fill("#f-document_ref", "MOI-AMAN/2026/7").await;
    browser.fill("[name=\"deadline.high.receive\"]", "ساعة").await;
    submit(&browser, "protocol", ".error-summary").await;
    assert!(browser.exists("#f-deadline-high-receive-error").await);
    check(&browser, &format!("{prefix}23-protocol-errors")).await;
    browser.fill("[name=\"deadline.high.receive\"]", "١").await;
    submit(&browser, "protocol", "#added").await;
    assert!(browser.text_of("tbody tr").await.contains('2'), "version 2 is listed first");

    // The agencies and the categories, to read.
    browser.goto("/admin/directory").await;
    let directory = browser.text_of("main").await;
    assert!(directory.contains("AMAN") && directory.contains("العنف الأسري"), "{directory}");
    check(&browser, &format!("{prefix}23b-directory")).await;

    // And the administrator reads no case.
    browser.goto(&format!("/cases/{case}")).await;
    assert_eq!(browser.text_of("h1").await, "غير موجود");
    browser.goto("/cases").await;
    assert_eq!(browser.text_of("h1").await, "غير مسموح");
    check(&browser, &format!("{prefix}24-admin-no-cases")).await;

    // The second administrator approves, and hands the one-time link to the new officer.
    sign_out(&browser).await;
    sign_in(&browser, "cp.admin2").await;
    browser.goto("/admin/requests").await;
    check(&browser, &format!("{prefix}24b-requests")).await;
    follow(&browser, "form[id^=\"approve-\"] button[type=submit]", "#setup-link").await;
    check(&browser, &format!("{prefix}24c-setup-link")).await;
    let link = browser.text_of("#setup-link").await;
    let path = link.split_once("/set-up").map(|(_, rest)| format!("/set-up{rest}")).expect("a set-up link");
    sign_out(&browser).await;
    first_use(&browser, &path, "cp.officer2", Lang::Ar, &format!("{prefix}25")).await;
    assert_eq!(browser.current_path().await, "/intake");
    // The link was used: it opens nothing again.
    sign_out(&browser).await;
    browser.goto(&path).await;
    assert!(!browser.exists("#setup").await, "a used link shows no form");
    check(&browser, &format!("{prefix}25d-link-used")).await;
});

/// A new user's first use in the browser, with bad input on the way: the set-up link,
/// a password too short and then typed differently twice, the password, then the
/// authenticator with a wrong code first.
async fn first_use(browser: &Browser, path: &str, username: &str, lang: Lang, name: &str) {
    browser.goto(path).await;
    assert!(browser.text_of("#setup-lead").await.contains(username));
    check(browser, &format!("{name}-setup")).await;
    browser.fill("#f-password", "short").await;
    browser.fill("#f-password_repeat", "other").await;
    submit(browser, "setup", ".error-summary").await;
    assert!(browser.exists("#f-password-error").await && browser.exists("#f-password_repeat-error").await);
    let summary = browser.text_of(".error-summary").await;
    assert!(summary.contains(lang.pick("كلمة المرور الجديدة", "New password")), "{summary}");
    check(browser, &format!("{name}-setup-errors")).await;
    browser.fill("#f-password", "a long enough passphrase").await;
    browser.fill("#f-password_repeat", "a long enough passphrase, no").await;
    submit(browser, "setup", "#f-password_repeat-error").await;
    assert!(!browser.exists("#f-password-error").await);
    browser.fill("#f-password", "a long enough passphrase").await;
    browser.fill("#f-password_repeat", "a long enough passphrase").await;
    submit(browser, "setup", "#enrol").await;
    check(browser, &format!("{name}-enrol")).await;
    let secret = browser.text_of("main code").await;
    let secret = sila_app::auth::totp::from_base32(&secret).expect("the key shown is base32");
    let now = browser.test.app.now().as_second();
    browser.fill("#f-code", "000000").await;
    submit(browser, "enrol", "#f-code-error").await;
    check(browser, &format!("{name}-enrol-error")).await;
    browser.fill("#f-code", &sila_app::auth::totp::code_at(&secret, now)).await;
    submit(browser, "enrol", "#sign-out").await;
    assert_eq!(browser.attr_of("html", "lang").await.as_deref(), Some(lang.code()));
}

/// The first use of an account in English (an operator added her on the server), then
/// a change of her own password with a wrong current one first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_use_of_an_account_in_english() {
    let browser = Browser::start_in(Backend::Sqlite, "en").await;
    let input = sila_app::auth::UserInput {
        username: "aman.desk2".into(),
        display_name: "Maryam Al-Kuwari".into(),
        roles: vec!["desk_coordinator".into()],
        agency_id: browser.test.world.agency("AMAN").id.to_string(),
        office_ids: vec![office_id(&browser, "AMAN.DESK")],
        language: Some("en".into()),
    };
    let created = browser.test.app.create_user(None, &input).await.expect("the operator adds her");
    let path = format!("/set-up?token={}", created.setup_link.expect("a set-up link").token);
    first_use(&browser, &path, "aman.desk2", Lang::En, "en-30").await;
    assert_eq!(browser.current_path().await, "/referrals/incoming");
    // Her own password: the current one wrong first, then right.
    browser.click("#account-password").await;
    browser.wait_for("#password").await;
    check(&browser, "en-31-password").await;
    browser.fill("#f-current_password", "not my password").await;
    browser.fill("#f-password", "another long passphrase").await;
    browser.fill("#f-password_repeat", "another long passphrase").await;
    submit(&browser, "password", "#f-current_password-error").await;
    assert!(browser.text_of("#f-current_password-error").await.contains("not your current password"));
    check(&browser, "en-32-password-error").await;
    browser.fill("#f-current_password", "a long enough passphrase").await;
    browser.fill("#f-password", "another long passphrase").await;
    browser.fill("#f-password_repeat", "another long passphrase").await;
    submit(&browser, "password", ".lead").await;
    assert!(browser.text_of(".lead").await.contains("was changed"));
}

/// Every page of every role, in both languages, on the demo's cases: axe, raw keys,
/// overflow at 768 px, screenshots (`sweep-<lang>-…`).
async fn sweep(lang: Lang) {
    let browser = Browser::start_in(Backend::Sqlite, lang.code()).await;
    sila_app::demo::seed_cases(&browser.test.app, &browser.test.world).await.expect("the demo cases seed");
    let first_link = |prefix: &'static str| {
        let browser = &browser;
        async move {
            let script = format!(
                "const a = document.querySelector('main a[href^=\"{prefix}\"]'); return a ? a.getAttribute('href') : null"
            );
            let found = browser.execute(&script, vec![]).await;
            let here = browser.current_path().await;
            found.as_str().unwrap_or_else(|| panic!("a link to {prefix} on {here}")).to_string()
        }
    };
    let pages: [(&str, Vec<&str>); 5] = [
        (
            "cp.officer",
            vec![
                "/intake",
                "/intake?q=Ghalia+Al-Buainain",
                "/persons/new",
                "/cases?assigned=all",
                "case",
                "case/risk",
                "case/consent",
                "case/refer",
                "/referrals/outgoing",
                "referral",
            ],
        ),
        ("aman.desk", vec!["/referrals/incoming", "referral", "/cases?assigned=all", "case"]),
        ("aman.caseworker", vec!["/cases?assigned=all", "case"]),
        ("cp.auditor", vec!["/audit", "/alerts", "/account/password"]),
        (
            "cp.admin",
            vec![
                "/admin/offices",
                "/admin/users",
                "user",
                "/admin/requests",
                "/admin/protocols",
                "/admin/directory",
                "/alerts",
            ],
        ),
    ];
    for (user, paths) in pages {
        browser.test.clock.advance(SignedDuration::from_mins(2));
        sign_in(&browser, user).await;
        if lang == Lang::En {
            browser.click("#language-switch").await;
            browser.wait_for("html[lang=\"en\"]").await;
        }
        let mut case = String::new();
        let mut referral = String::new();
        for path in paths {
            let target = match path {
                "user" => format!("/admin/users/{}", browser.test.world.actor("cp.officer").user.id),
                "case" => case.clone(),
                "referral" => referral.clone(),
                other if other.starts_with("case/") => format!("{case}/{}", &other[5..]),
                other => other.to_string(),
            };
            browser.goto(&target).await;
            assert_eq!(browser.attr_of("html", "lang").await.as_deref(), Some(lang.code()), "{target}");
            if target.starts_with("/cases?") {
                case = first_link("/cases/0").await;
            }
            if target.starts_with("/referrals/outgoing") || target.starts_with("/referrals/incoming") {
                referral = first_link("/referrals/0").await;
            }
            let name = format!(
                "sweep-{}-{}-{}",
                lang.code(),
                user,
                path.trim_start_matches('/').replace(['/', '?', '=', '+'], "-")
            );
            check(&browser, &name).await;
        }
        if user == "cp.officer" {
            // With the demo's 20 police cases and 40 more, a page holds 50; the older
            // ones are one link away, and a cursor mangled in the address gets a
            // message, not a failure.
            let officer = browser.test.world.actor("cp.officer").user.id;
            for _ in 0..40 {
                browser.test.fixture_case("CP", "CP.HQ", officer, None, None, &[], "domestic_violence").await;
            }
            browser.goto("/cases?assigned=all").await;
            assert_eq!(browser.find_all("tbody tr").await.len(), 50);
            follow(&browser, "#older", "tbody").await;
            assert_eq!(browser.find_all("tbody tr").await.len(), 10, "the rest of the 60");
            assert!(!browser.exists("#older").await);
            browser.goto("/cases?assigned=all&cursor=not-a-cursor").await;
            assert_eq!(browser.text_of("h1").await, lang.pick("أمر يحتاج إلى انتباه", "Something needs attention"));
        }
        sign_out(&browser).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_arabic() {
    sweep(Lang::Ar).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_english() {
    sweep(Lang::En).await;
}

on_both_databases!(rarer_steps_in_arabic, |browser: Browser| async move {
    let prefix = if browser.test.schema.is_some() { "pg-" } else { "" };
    let test = &browser.test;
    let officer = test.world.actor("cp.officer").user.id;
    let woman = test.fixture_person("CP", officer).await;
    let case = test.fixture_case("CP", "CP.HQ", officer, None, None, &[woman], "domestic_violence").await;
    let elsewhere = test.fixture_case("CP", "CP.WAKRA", officer, None, None, &[], "domestic_violence").await;

    // Consent recorded, then withdrawn: without the confirmation nothing happens.
    sign_in(&browser, "cp.officer").await;
    browser.goto(&format!("/cases/{case}/consent")).await;
    browser.select("#f-recipient_agency_id", &test.world.agency("AMAN").id.to_string()).await;
    tick_only(&browser, "data_classes", &["identity", "summary"]).await;
    submit(&browser, "consent", "#do-refer").await;
    browser.click("#steps-heading ~ ol ul li a").await;
    browser.wait_for("#withdraw").await;
    browser.fill("#f-reason", "اتصلت وطلبت إيقاف المشاركة.").await;
    submit(&browser, "withdraw", "#f-confirm-error").await;
    check(&browser, &format!("{prefix}30-withdraw-unconfirmed")).await;
    browser.click("#f-confirm").await;
    submit(&browser, "withdraw", "#do-refer").await;
    assert!(browser.text_of("#steps-heading ~ ol ul li").await.contains("مسحوبة"));

    // Transfer to the prosecution: the category is "centre first", so it is refused
    // with the rule's message on the form, until a supervisor records a bypass.
    browser.click("#do-transfer").await;
    browser.wait_for("#transfer").await;
    assert!(!browser.exists("#bypass").await, "an officer records no bypass");
    let prosecution = test.world.agency("PP").id.to_string();
    browser.select("#f-authority_agency_id", &prosecution).await;
    browser.fill("#f-reason", "اعتداء متكرر بالضرب يستوجب الملاحقة.").await;
    browser.click("#f-confirm").await;
    submit(&browser, "transfer", ".error-summary").await;
    let refused = browser.text_of("#transfer .error-summary").await;
    assert!(refused.contains("المركز"), "the centre-first rule is named: {refused}");
    check(&browser, &format!("{prefix}31-transfer-refused")).await;
    sign_out(&browser).await;
    sign_in(&browser, "cp.supervisor").await;
    browser.goto(&format!("/cases/{case}/transfer")).await;
    browser.click("input[name=\"ground\"][value=\"immediate_danger\"]").await;
    browser.fill("#f-note", "تهديد بالقتل موثق في البلاغ.").await;
    browser.click("#bypass #f-confirm").await;
    submit(&browser, "bypass", "#transfer").await;
    // The supervisor's own request needs no one else's approval: it goes at once, with
    // the prosecution's redaction profile.
    browser.select("#f-authority_agency_id", &prosecution).await;
    browser.fill("#f-reason", "اعتداء متكرر بالضرب يستوجب الملاحقة.").await;
    browser.click("#transfer #f-confirm").await;
    submit(&browser, "transfer", "#case-status").await;
    assert_eq!(browser.text_of("#case-status").await, "محال إلى جهة مختصة");
    assert!(!browser.exists("#do-refer").await, "a transferred case has no next steps");
    check(&browser, &format!("{prefix}32-transferred")).await;

    // Emergency access: a case of another station is closed to the supervisor, who
    // may open it for a while with a reason; the managers are alerted.
    browser.goto(&format!("/cases/{elsewhere}")).await;
    browser.wait_for("#break-glass").await;
    check(&browser, &format!("{prefix}33-break-glass")).await;
    browser.fill("#f-reason", "قصير").await;
    browser.click("#f-confirm").await;
    submit(&browser, "break-glass", "#f-reason-error").await;
    browser.fill("#f-reason", "بلاغ عاجل الليلة عن الشخص نفسه في محطة الوكرة.").await;
    // The confirmation stays ticked from the refused try, like everything typed.
    assert_eq!(browser.execute("return document.querySelector('#f-confirm').checked", vec![]).await, true);
    submit(&browser, "break-glass", "#case-reference").await;
    browser.goto("/alerts").await;
    check(&browser, &format!("{prefix}34-alerts")).await;

    // Two records of one woman, registered twice at the desk: the supervisor merges the
    // second into the first (after confirming), and can undo it from the second.
    let officer_actor = test.world.actor("cp.officer").clone();
    let input = sila_domain::person::PersonInput {
        first_name_ar: Some("مريم".into()),
        father_name_ar: Some("خالد".into()),
        family_name_ar: Some("النعيمي".into()),
        sex: Some("female".into()),
        birth_date: Some("1988-03-02".into()),
        ..Default::default()
    };
    let context = sila_app::RequestContext::default();
    let first = test.app.register_person(&officer_actor, &input, &context).await.expect("registered").person.person.id;
    let second = test.app.register_person(&officer_actor, &input, &context).await.expect("registered").person.person.id;
    // Neither record is in the supervisor's cases: each opens after she says why (too
    // short a purpose is refused), and the opening is in the log.
    let open_with_purpose = async |id: sila_domain::ids::PersonId, shot: Option<&str>| {
        browser.goto(&format!("/persons/{id}")).await;
        browser.wait_for("#open-person").await;
        if let Some(shot) = shot {
            check(&browser, &format!("{prefix}{shot}")).await;
            browser.fill("#f-purpose", "دمج").await;
            submit(&browser, "open-person", "#f-purpose-error").await;
        }
        browser.fill("#f-purpose", "مراجعة سجلين مكررين لامرأة واحدة قبل الدمج").await;
        submit(&browser, "open-person", "dl.card").await;
    };
    open_with_purpose(first, Some("34b-person-purpose")).await;
    browser.click(&format!("input[name=\"duplicate_id\"][value=\"{second}\"]")).await;
    submit(&browser, "merge", "#f-confirm-error").await;
    check(&browser, &format!("{prefix}35-merge-unconfirmed")).await;
    browser.click(&format!("input[name=\"duplicate_id\"][value=\"{second}\"]")).await;
    browser.click("#merge #f-confirm").await;
    submit(&browser, "merge", "#conflict").await;
    open_with_purpose(second, None).await;
    assert!(browser.exists("#merged-into").await, "the duplicate says where her history went");
    browser.click("#unmerge #f-confirm").await;
    submit(&browser, "unmerge", "#conflict").await;
    assert!(!browser.exists("#merged-into").await);

    // Conflict of interest: the supervisor declares he knows her, and her case closes.
    browser.goto(&format!("/persons/{woman}")).await;
    browser.click("#conflict #f-confirm").await;
    submit(&browser, "conflict", "#sign-out").await;
    browser.goto(&format!("/cases/{case}")).await;
    assert!(browser.exists("#break-glass").await, "her case is closed to him now");
});
