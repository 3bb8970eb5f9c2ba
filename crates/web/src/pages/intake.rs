//! The officer's intake: find the person first (by name in Arabic or Latin letters,
//! QID or date of birth), pick the right one or register her, then open her case. A
//! registration shows at once the records that may be the same person.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form as Posted, Router};
use serde::Deserialize;
use sila_app::persons::{PersonQuery, PersonView};
use sila_domain::agency::Role;
use sila_domain::ids::PersonId;
use sila_domain::person::{Country, PersonRole};

use super::dates::Shown;
use super::forms::{Field, Form, FormData};
use super::{PageResult, Ui, Viewer, fail, render, render_with, see_other, urlencode};
use crate::AppState;
use crate::api::types::{MatchOut, PersonOut};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/intake", get(search_page))
        .route("/persons/new", get(new_person_page).post(register))
        .route("/persons/{id}", get(person_page))
        .route("/persons/{id}/open", axum::routing::post(open_person))
}

/// A person as a page shows them: only what the viewer's agency may see is filled.
pub struct PersonCard {
    /// Id.
    pub id: String,
    /// The Arabic name.
    pub name_ar: String,
    /// The Latin name.
    pub name_latin: String,
    /// QID.
    pub qid: String,
    /// Date of birth.
    pub birth: Option<Shown>,
    /// Sex, translated.
    pub sex: String,
    /// Nationality, translated.
    pub nationality: String,
    /// Phones.
    pub phones: Vec<String>,
    /// Municipality.
    pub municipality: String,
    /// How she may safely be contacted, one line per rule (shown before her phones).
    pub safe: Vec<String>,
    /// Her contact details are shown (and so her safe-contact rules may be recorded).
    pub contact: bool,
    /// A search's glimpse of a person outside the viewer's cases: her age band and the
    /// office that registered her, one line each (`None`: the card shows her record).
    pub glimpse: Option<Vec<String>>,
}

impl PersonCard {
    /// The card of a person view.
    pub fn new(ui: &Ui<'_>, view: &PersonView) -> PersonCard {
        let out = PersonOut::from(view);
        PersonCard {
            id: out.id,
            name_ar: out.full_name_ar.unwrap_or_default(),
            name_latin: out.name_latin.unwrap_or_default(),
            qid: out.qid.unwrap_or_default(),
            birth: view.person.details.birth_date.map(|date| ui.date(date)),
            sex: out.sex.map(|code| ui.t(&format!("sex-{code}"))).unwrap_or_default(),
            nationality: out.nationality.map(|code| country_name(ui, &code)).unwrap_or_default(),
            phones: out.phones.unwrap_or_default().into_iter().map(|phone| phone.number).collect(),
            municipality: out.municipality.unwrap_or_default(),
            safe: safe_lines(ui, view.safe_contact.as_ref()),
            contact: view.contact,
            glimpse: view.glimpse.as_ref().map(|glimpse| {
                let mut lines = Vec::new();
                if let Some(band) = glimpse.age_band {
                    lines.push(ui.t1("person-age-band", "band", band.code()));
                }
                if let Some(office) = &glimpse.office {
                    let name = if ui.lang == crate::i18n::Lang::Ar { &office.name_ar } else { &office.name_en };
                    lines.push(ui.t1("person-registered-at", "office", name));
                }
                lines
            }),
        }
    }
}

/// Safe-contact rules as lines to read before contacting her.
fn safe_lines(ui: &Ui<'_>, rules: Option<&sila_domain::contact::SafeContact>) -> Vec<String> {
    let Some(rules) = rules else { return Vec::new() };
    let mut lines = Vec::new();
    if let Some(channel) = rules.channel {
        lines.push(ui.t(&format!("safe-channel-{}", channel.code())));
    }
    if let Some(phone) = &rules.phone {
        lines.push(ui.t1("safe-phone", "phone", phone));
    }
    if let Some(times) = &rules.times {
        lines.push(ui.t1("safe-times", "times", times.as_str()));
    }
    if rules.never_at_home {
        lines.push(ui.t("safe-never-at-home"));
    }
    if let Some(through) = &rules.through {
        lines.push(ui.t1("safe-through", "through", through.as_str()));
    }
    if let Some(word) = &rules.code_word {
        lines.push(ui.t1("safe-code-word", "word", word.as_str()));
    }
    lines
}

/// The nationalities most met at the desk, listed first with names in both languages.
const COMMON_NATIONALITIES: [&str; 16] =
    ["QA", "IN", "NP", "BD", "PH", "EG", "PK", "LK", "SD", "JO", "SY", "LB", "PS", "YE", "SA", "KE"];

fn country_name(ui: &Ui<'_>, code: &str) -> String {
    let english = Country::parse(code).map(|country| country.english_name()).unwrap_or(code);
    ui.t_or(&format!("country-{code}"), english)
}

fn nationality_choices(ui: &Ui<'_>) -> Vec<(String, String)> {
    let mut choices = vec![(String::new(), ui.t("choice-not-known"))];
    choices.extend(COMMON_NATIONALITIES.iter().map(|code| (code.to_string(), country_name(ui, code))));
    let mut others: Vec<(String, String)> = (1..=999u16)
        .filter_map(Country::from_numeric)
        .filter(|country| !COMMON_NATIONALITIES.contains(&country.alpha2()))
        .map(|country| (country.alpha2().to_string(), country_name(ui, country.alpha2())))
        .collect();
    others.sort_by(|a, b| a.1.cmp(&b.1));
    choices.extend(others);
    choices
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
    qid: Option<String>,
    dob: Option<String>,
    case: Option<String>,
}

impl SearchQuery {
    fn is_empty(&self) -> bool {
        [&self.q, &self.qid, &self.dob].iter().all(|value| value.as_deref().is_none_or(|text| text.trim().is_empty()))
    }

    /// The query string carrying the search to the registration form.
    fn carried(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [("q", &self.q), ("qid", &self.qid), ("dob", &self.dob), ("case", &self.case)] {
            if let Some(value) = value.as_deref().filter(|value| !value.trim().is_empty()) {
                parts.push(format!("{name}={}", urlencode(value)));
            }
        }
        parts.join("&")
    }
}

/// One search result.
pub struct Found {
    href: String,
    /// The person found.
    pub card: PersonCard,
    percent: u32,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct SearchPage<'a> {
    ui: Ui<'a>,
    form: Form,
    searched: bool,
    found: Vec<Found>,
    register_href: String,
}

fn found(
    ui: &Ui<'_>,
    state: &AppState,
    lang: crate::i18n::Lang,
    found: &sila_app::persons::PersonMatch,
    case: Option<&str>,
) -> Found {
    let out = MatchOut::new(found, &state.catalogs, lang);
    let card = PersonCard::new(ui, &found.person);
    let href = match case {
        Some(case) => format!("/persons/{}?case={}", card.id, urlencode(case)),
        None => format!("/persons/{}", card.id),
    };
    Found {
        href,
        card,
        percent: (found.score * 100.0).round().clamp(0.0, 100.0) as u32,
        reasons: out.reasons.into_iter().map(|reason| reason.text).collect(),
    }
}

fn search_form(ui: &Ui<'_>, query: &SearchQuery) -> Form {
    let mut form = Form::get("search", "/intake", ui.t("intake-search"))
        .field(
            Field::text("q", ui.t("intake-q"), query.q.clone().unwrap_or_default())
                .hint(ui.t("intake-q-hint"))
                .autocomplete("off"),
        )
        .field(Field::code("qid", ui.t("field-qid"), query.qid.clone().unwrap_or_default()))
        .field(Field::date("dob", ui.t("field-birth_date"), query.dob.clone().unwrap_or_default(), ui.t("hint-date")));
    if let Some(case) = &query.case {
        form = form.hidden("case", case);
    }
    form
}

async fn search_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<SearchQuery>) -> Response {
    let ui = Ui::new(&state, &viewer, "/intake", "intake-title");
    let mut form = search_form(&ui, &query);
    let register_href = format!("/persons/new?{}", query.carried());
    if query.is_empty() {
        if let Some(field) = form.fields.first_mut() {
            field.autofocus = true;
        }
        return render(&SearchPage { ui, form, searched: false, found: Vec::new(), register_href });
    }
    let search = PersonQuery {
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        qid: query.qid.clone().filter(|qid| !qid.trim().is_empty()),
        birth_date: query.dob.clone().filter(|dob| !dob.trim().is_empty()),
        limit: Some(10),
    };
    match state.app.search_persons(&viewer.actor, &search).await {
        Ok(matches) => {
            let found =
                matches.iter().map(|item| found(&ui, &state, viewer.lang, item, query.case.as_deref())).collect();
            render(&SearchPage { ui, form, searched: true, found, register_href })
        }
        Err(error) => {
            let alias = |field: &str| if field == "birth_date" { "dob".to_string() } else { field.to_string() };
            form = form.with_error(&ui, error, &alias);
            render_with(
                StatusCode::BAD_REQUEST,
                &SearchPage { ui, form, searched: false, found: Vec::new(), register_href },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "person_new.html")]
struct NewPersonPage<'a> {
    ui: Ui<'a>,
    form: Form,
}

/// The registration form, filled from `data` (what was typed, or the search carried).
fn person_form(ui: &Ui<'_>, data: &FormData) -> Form {
    let sexes = ["female", "male", "unknown"].map(|code| (code.to_string(), ui.t(&format!("sex-{code}")))).to_vec();
    let mut form = Form::post("person", "/persons/new", ui.t("person-register"))
        .field(Field::text("first_name_ar", ui.t("field-first_name_ar"), data.text("first_name_ar")).required())
        .field(Field::text("father_name_ar", ui.t("field-father_name_ar"), data.text("father_name_ar")))
        .field(Field::text("grandfather_name_ar", ui.t("field-grandfather_name_ar"), data.text("grandfather_name_ar")))
        .field(Field::text("family_name_ar", ui.t("field-family_name_ar"), data.text("family_name_ar")))
        .field(
            Field::text("name_latin", ui.t("field-name_latin"), data.text("name_latin"))
                .hint(ui.t("person-latin-hint")),
        )
        .field(Field::radios("sex", ui.t("field-sex"), sexes, &data.get("sex").unwrap_or_else(|| "female".into())))
        .field(Field::date("birth_date", ui.t("field-birth_date"), data.text("birth_date"), ui.t("hint-date")))
        .field(Field::select(
            "nationality",
            ui.t("field-nationality"),
            nationality_choices(ui),
            &data.text("nationality"),
        ))
        .field(Field::code("qid", ui.t("field-qid"), data.text("qid")).hint(ui.t("person-qid-hint")))
        .field(Field::code("phone", ui.t("field-phones"), data.text("phone")).autocomplete("off"))
        .field(Field::text("municipality", ui.t("field-municipality"), data.text("municipality")))
        .field(Field::textarea("disability_notes", ui.t("field-disability_notes"), data.text("disability_notes")));
    if let Some(case) = data.filled("case") {
        form = form.hidden("case", &case);
    }
    form
}

fn person_alias(field: &str) -> String {
    if field.starts_with("phones") { "phone".into() } else { field.into() }
}

/// The search carried into the registration form: an Arabic name split into its
/// parts, a Latin one into the Latin field.
fn carried_search(query: &SearchQuery) -> FormData {
    let mut data = Vec::new();
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let arabic = q.chars().any(|ch| ('\u{0600}'..='\u{06FF}').contains(&ch));
        if arabic {
            let parts: Vec<&str> = q.split_whitespace().collect();
            let names = ["first_name_ar", "father_name_ar", "grandfather_name_ar"];
            match parts.len() {
                0 => {}
                1 => data.push(("first_name_ar".to_string(), parts[0].to_string())),
                n => {
                    for (name, part) in names.iter().zip(&parts[..n - 1]) {
                        data.push((name.to_string(), part.to_string()));
                    }
                    if n > 4 {
                        data.push(("grandfather_name_ar".into(), parts[2..n - 1].join(" ")));
                    }
                    data.push(("family_name_ar".into(), parts[n - 1].to_string()));
                }
            }
        } else {
            data.push(("name_latin".into(), q.to_string()));
        }
    }
    for (name, value) in [("qid", &query.qid), ("birth_date", &query.dob), ("case", &query.case)] {
        if let Some(value) = value.as_deref().filter(|value| !value.trim().is_empty()) {
            data.push((name.into(), value.to_string()));
        }
    }
    FormData(data)
}

async fn new_person_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<SearchQuery>) -> Response {
    let ui = Ui::new(&state, &viewer, "/persons/new", "person-new-title");
    let mut form = person_form(&ui, &carried_search(&query));
    if let Some(field) = form.fields.first_mut() {
        field.autofocus = true;
    }
    render(&NewPersonPage { ui, form })
}

fn person_input(data: &FormData) -> sila_domain::person::PersonInput {
    sila_domain::person::PersonInput {
        first_name_ar: data.get("first_name_ar"),
        father_name_ar: data.get("father_name_ar"),
        grandfather_name_ar: data.get("grandfather_name_ar"),
        family_name_ar: data.get("family_name_ar"),
        name_latin: data.get("name_latin"),
        sex: data.get("sex"),
        birth_date: data.get("birth_date"),
        nationality: data.filled("nationality"),
        qid: data.get("qid"),
        phones: data.filled("phone").map(|phone| vec![(phone, None)]).unwrap_or_default(),
        municipality: data.get("municipality"),
        language: None,
        disability_notes: data.get("disability_notes"),
    }
}

async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    Posted(data): Posted<Vec<(String, String)>>,
) -> Response {
    let data = FormData(data);
    let context = sila_app::RequestContext::default();
    match state.app.register_person(&viewer.actor, &person_input(&data), &context).await {
        Ok(registration) => {
            let mut target = format!("/persons/{}?registered=1", registration.person.person.id);
            if let Some(case) = data.filled("case") {
                target.push_str(&format!("&case={}", urlencode(&case)));
            }
            see_other(&target)
        }
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/persons/new", "person-new-title");
            let status = super::status_of(&error);
            let form = person_form(&ui, &data).with_error(&ui, error, &person_alias);
            render_with(status, &NewPersonPage { ui, form })
        }
    }
}

#[derive(Deserialize)]
struct PersonQueryString {
    registered: Option<String>,
    case: Option<String>,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage<'a> {
    ui: Ui<'a>,
    person: PersonCard,
    registered: bool,
    possible: Vec<Found>,
    open_case: Form,
    add_to_case: Option<Form>,
    merged_into: Option<String>,
    actions: Vec<Form>,
}

/// The form that opens a case for the person (its fields are on the next page).
fn open_case_form(ui: &Ui<'_>, person: &str) -> Form {
    Form::get("open-case", "/cases/new", ui.t("person-open-case")).hidden("person", person)
}

/// The form that adds the person to a case in a role.
pub fn add_to_case_form(ui: &Ui<'_>, case: &str, person: &str, data: &FormData) -> Form {
    let roles = PersonRole::ALL.map(|role| (role.code().to_string(), ui.t(&format!("role-{}", role.code())))).to_vec();
    Form::post("add-to-case", &format!("/cases/{case}/persons"), ui.t("person-add-to-case"))
        .hidden("person_id", person)
        .field(Field::select("role", ui.t("field-role"), roles, &data.get("role").unwrap_or_else(|| "child".into())))
}

async fn person_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PersonQueryString>,
) -> PageResult {
    let fail = fail(&state, &viewer);
    let id = PersonId::parse(&id).map_err(|_| fail(sila_app::AppError::NotFound))?;
    let view = match state.app.person(&viewer.actor, id).await {
        Ok(view) => view,
        // Outside the viewer's cases: the record opens once they say why.
        Err(sila_app::AppError::PurposeRequired) => {
            let ui = Ui::new(&state, &viewer, "/intake", "person-open-title");
            let form = purpose_form(&ui, &id.to_string(), query.case.as_deref(), &FormData::default());
            let lead = ui.t("error-purpose_required");
            return Ok(render_with(
                StatusCode::FORBIDDEN,
                &super::case_actions::FormsPage { ui, lead, forms: vec![form], back: None },
            ));
        }
        Err(error) => return Err(fail(error)),
    };
    let ui = Ui::new(&state, &viewer, "/intake", "person-title");
    let registered = query.registered.is_some();
    let supervises =
        [Role::PoliceSupervisor, Role::CentreManager].into_iter().any(|role| viewer.actor.user.has_role(role));
    let mut possible = Vec::new();
    if registered || supervises {
        possible = possible_duplicates(&state, &viewer, &ui, &view).await.map_err(&fail)?;
    }
    let person = PersonCard::new(&ui, &view);
    let open_case = open_case_form(&ui, &person.id);
    let add_to_case = query.case.as_deref().map(|case| add_to_case_form(&ui, case, &person.id, &FormData::default()));
    let merged_into = view.merged_into.map(|id| format!("/persons/{id}"));
    let actions =
        super::person_actions::forms(&ui, &person.id, supervises, view.merged_into.is_some(), &possible, None);
    Ok(render(&PersonPage { ui, person, registered, possible, open_case, add_to_case, merged_into, actions }))
}

/// The form that opens a person's record outside the viewer's cases, for a purpose.
fn purpose_form(ui: &Ui<'_>, person: &str, case: Option<&str>, data: &FormData) -> Form {
    let mut form = Form::post("open-person", &format!("/persons/{person}/open"), ui.t("person-open-submit"))
        .legend(ui.t("person-open-title"))
        .field(
            Field::textarea("purpose", ui.t("field-purpose"), data.text("purpose"))
                .hint(ui.t("person-open-hint"))
                .required(),
        );
    if let Some(case) = case.filter(|case| !case.trim().is_empty()) {
        form = form.hidden("case", case);
    }
    form
}

async fn open_person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let id = PersonId::parse(&id).map_err(|_| fail(&state, &viewer)(sila_app::AppError::NotFound))?;
    let case = data.get("case").filter(|case| !case.trim().is_empty());
    match state.app.open_person(&viewer.actor, id, &data.text("purpose"), &sila_app::RequestContext::default()).await {
        Ok(_) => Ok(see_other(&match &case {
            Some(case) => format!("/persons/{id}?case={}", urlencode(case)),
            None => format!("/persons/{id}"),
        })),
        Err(error @ sila_app::AppError::Invalid(_)) => {
            let ui = Ui::new(&state, &viewer, "/intake", "person-open-title");
            let form = purpose_form(&ui, &id.to_string(), case.as_deref(), &data).with_error(
                &ui,
                error,
                &super::forms::base_field,
            );
            let lead = ui.t("error-purpose_required");
            Ok(render_with(
                StatusCode::BAD_REQUEST,
                &super::case_actions::FormsPage { ui, lead, forms: vec![form], back: None },
            ))
        }
        Err(error) => Err(fail(&state, &viewer)(error)),
    }
}

/// Records that may be the same person, found as a search by her name and birth date
/// would find them.
pub async fn possible_duplicates(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui<'_>,
    view: &PersonView,
) -> Result<Vec<Found>, sila_app::AppError> {
    let search = PersonQuery {
        q: Some(view.person.details.name_ar.full()).filter(|name| !name.is_empty()),
        qid: None,
        birth_date: view.person.details.birth_date.map(|date| date.to_string()),
        limit: Some(6),
    };
    if search.q.is_none() {
        return Ok(Vec::new());
    }
    let matches = state.app.search_persons(&viewer.actor, &search).await?;
    Ok(matches
        .iter()
        .filter(|found| found.person.person.id != view.person.id && found.score >= 0.5)
        .map(|item| found(ui, state, viewer.lang, item, None))
        .collect())
}

/// The label of a case person's role.
pub fn role_label(ui: &Ui<'_>, role: PersonRole) -> String {
    ui.t(&format!("role-{}", role.code()))
}
