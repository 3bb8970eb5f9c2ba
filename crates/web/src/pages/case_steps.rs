//! The officer's steps on a police case before it is referred: the risk checklist, the
//! consent of each person to each recipient agency, and the referral itself. Each form
//! comes back filled, with the wrong fields named, when the use case refuses it.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Form as Posted, Router};
use sila_app::{AppError, RequestContext};
use sila_domain::consent::DataClass;
use sila_domain::ids::CaseId;
use sila_domain::referral::Priority;

use super::cases::{FormPage, case_id, directory};
use super::forms::{Field, Form, FormData, base_field, same};
use super::intake::{PersonCard, role_label};
use super::{PageResult, Ui, Viewer, fail, render, render_with, see_other};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/risk", get(risk_page).post(assess_risk))
        .route("/cases/{id}/consent", get(consent_page).post(record_consent))
        .route("/cases/{id}/refer", get(refer_page).post(refer))
}

fn risk_form(state: &AppState, ui: &Ui<'_>, case: &str, data: &FormData) -> Form {
    let answers = ["yes", "no", "unknown"].map(|code| (code.to_string(), ui.t(&format!("answer-{code}")))).to_vec();
    let mut form = Form::post("risk", &format!("/cases/{case}/risk"), ui.t("risk-submit"));
    for item in &state.app.config().risk_instrument.items {
        let name = format!("answers.{}", item.code);
        let chosen = data.text(&name);
        form = form.field(
            Field::radios(&name, ui.pick(&item.text_ar, &item.text_en).to_string(), answers.clone(), &chosen)
                .required(),
        );
    }
    let mut levels = vec![(String::new(), ui.t("risk-judged-none"))];
    levels.extend(["standard", "medium", "high"].map(|code| (code.to_string(), ui.t(&format!("risk-level-{code}")))));
    form.field(
        Field::select("judged_level", ui.t("field-judged_level"), levels, &data.text("judged_level"))
            .hint(ui.t("risk-judged-hint")),
    )
    .field(Field::textarea("judgement_reason", ui.t("field-judgement_reason"), data.text("judgement_reason")))
}

async fn risk_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    let ui = Ui::new(&state, &viewer, "/cases", "risk-title");
    let lead = ui.t("risk-lead");
    let form = risk_form(&state, &ui, &case.to_string(), &FormData::default());
    Ok(render(&FormPage::for_case(ui, lead, form, case)))
}

async fn assess_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let answers = data
        .0
        .iter()
        .filter_map(|(name, value)| name.strip_prefix("answers.").map(|code| (code.to_string(), value.clone())))
        .collect();
    let input = sila_domain::risk::AssessmentInput {
        answers,
        judged_level: data.filled("judged_level"),
        judgement_reason: data.filled("judgement_reason"),
    };
    match state.app.assess_risk(&viewer.actor, case, &input, &RequestContext::default()).await {
        Ok(_) => Ok(see_other(&format!("/cases/{case}"))),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "risk-title");
            let status = super::status_of(&error);
            let form = risk_form(&state, &ui, &case.to_string(), &data).with_error(&ui, error, &same);
            let lead = ui.t("risk-lead");
            Ok(render_with(status, &FormPage::for_case(ui, lead, form, case)))
        }
    }
}

fn class_choices(ui: &Ui<'_>) -> Vec<(String, String)> {
    DataClass::ALL.iter().map(|class| (class.code().to_string(), ui.t(&format!("class-{}", class.code())))).collect()
}

async fn consent_form(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui<'_>,
    case: CaseId,
    data: &FormData,
) -> Result<Form, AppError> {
    let view = state.app.case(&viewer.actor, case).await?;
    let agencies = state.app.agencies(&viewer.actor).await?;
    let persons = person_choices(ui, &view);
    let recipients: Vec<(String, String)> = agencies
        .iter()
        .filter(|agency| agency.id != viewer.actor.agency.id)
        .map(|agency| (agency.id.to_string(), ui.pick(&agency.name_ar, &agency.name_en).to_string()))
        .collect();
    let bases =
        ["consent", "mandatory_protection"].map(|code| (code.to_string(), ui.t(&format!("basis-{code}")))).to_vec();
    let methods =
        ["signed_form", "verbal_witnessed"].map(|code| (code.to_string(), ui.t(&format!("method-{code}")))).to_vec();
    let chosen_classes = if data.0.is_empty() {
        vec!["identity".into(), "contact".into(), "summary".into(), "risk".into()]
    } else {
        data.all("data_classes")
    };
    let default_expiry = (sila_domain::time::local_date(state.app.now()) + jiff::Span::new().months(6)).to_string();
    Ok(Form::post("consent", &format!("/cases/{case}/consent"), ui.t("consent-submit"))
        .field(Field::select("person_id", ui.t("field-person_id"), persons, &data.text("person_id")).required())
        .field(
            Field::select(
                "recipient_agency_id",
                ui.t("field-recipient_agency_id"),
                recipients,
                &data.text("recipient_agency_id"),
            )
            .required(),
        )
        .field(
            Field::radios("basis", ui.t("field-basis"), bases, &data.get("basis").unwrap_or_else(|| "consent".into()))
                .required(),
        )
        .field(
            Field::radios(
                "method",
                ui.t("field-method"),
                methods,
                &data.get("method").unwrap_or_else(|| "signed_form".into()),
            )
            .hint(ui.t("consent-method-hint")),
        )
        .field(Field::text("witness", ui.t("field-witness"), data.text("witness")))
        .field(
            Field::text("mandatory_ground", ui.t("field-mandatory_ground"), data.text("mandatory_ground"))
                .hint(ui.t("consent-ground-hint")),
        )
        .field(
            Field::text(
                "purpose",
                ui.t("field-purpose"),
                data.get("purpose").unwrap_or_else(|| ui.t("consent-purpose-default")),
            )
            .required(),
        )
        .field(
            Field::checkboxes("data_classes", ui.t("field-data_classes"), class_choices(ui), &chosen_classes)
                .required(),
        )
        .field(
            Field::date(
                "expires_on",
                ui.t("field-expires_on"),
                data.get("expires_on").unwrap_or(default_expiry),
                ui.t("hint-date"),
            )
            .required(),
        ))
}

async fn consent_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    let ui = Ui::new(&state, &viewer, "/cases", "consent-title");
    let form = consent_form(&state, &viewer, &ui, case, &FormData::default()).await.map_err(fail(&state, &viewer))?;
    let lead = ui.t("consent-lead");
    Ok(render(&FormPage::for_case(ui, lead, form, case)))
}

async fn record_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let basis = data.text("basis");
    let consent = basis == "consent";
    let input = sila_domain::consent::ConsentInput {
        basis: Some(basis.clone()),
        method: if consent { data.filled("method") } else { None },
        witness: if consent { data.filled("witness") } else { None },
        mandatory_ground: if consent { None } else { data.filled("mandatory_ground") },
        purpose: data.get("purpose"),
        data_classes: data.all("data_classes"),
        expires_on: data.get("expires_on"),
    };
    let result = state
        .app
        .record_consent(
            &viewer.actor,
            case,
            &data.text("person_id"),
            &data.text("recipient_agency_id"),
            &input,
            &RequestContext::default(),
        )
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/cases/{case}"))),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "consent-title");
            let status = super::status_of(&error);
            let form = consent_form(&state, &viewer, &ui, case, &data).await.map_err(fail(&state, &viewer))?;
            let form = form.with_error(&ui, error, &base_field);
            let lead = ui.t("consent-lead");
            Ok(render_with(status, &FormPage::for_case(ui, lead, form, case)))
        }
    }
}

/// The case's persons as choices: her id, her name and her role.
fn person_choices(ui: &Ui<'_>, view: &sila_app::cases::CaseView) -> Vec<(String, String)> {
    view.persons
        .iter()
        .map(|(entry, person)| {
            let card = PersonCard::new(ui, person);
            (entry.person_id.to_string(), format!("{} ({})", card.name_ar, role_label(ui, entry.role)))
        })
        .collect()
}

/// One person as the referral would carry her, for the officer to read before sending.
pub struct Leaving {
    /// Her role, translated.
    pub role: String,
    /// Her name as the officer knows it (whether or not it leaves).
    pub name: String,
    /// What leaves of her, one line per class; or her role and age alone.
    pub lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "refer.html")]
struct ReferPage<'a> {
    ui: Ui<'a>,
    lead: String,
    /// What would leave, person by person, once previewed.
    leaving: Option<Vec<Leaving>>,
    /// What would leave of the case itself.
    case_lines: Vec<String>,
    form: Form,
    back: String,
}

/// The inputs a preview was made for, so that sending what was not previewed shows the
/// new preview first.
fn previewed(data: &FormData) -> String {
    let mut classes = data.all("data_classes");
    classes.sort();
    let mut persons = data.all("persons");
    persons.sort();
    format!("{}|{}|{}|{}", data.text("to_office_id"), data.text("priority"), classes.join(","), persons.join(","))
}

async fn refer_form(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui<'_>,
    case: CaseId,
    data: &FormData,
    submit: &str,
) -> Result<Form, AppError> {
    let view = state.app.case(&viewer.actor, case).await?;
    let persons = person_choices(ui, &view);
    let chosen_persons =
        if data.0.is_empty() { persons.iter().map(|(id, _)| id.clone()).collect() } else { data.all("persons") };
    let (agencies, offices) = directory(state, viewer).await?;
    let mut desks = vec![(String::new(), ui.t("choice-choose"))];
    for office in offices.iter().filter(|office| office.is_desk && office.agency_id != viewer.actor.agency.id) {
        let agency = agencies.iter().find(|agency| agency.id == office.agency_id);
        let agency = agency.map(|agency| ui.pick(&agency.name_ar, &agency.name_en)).unwrap_or_default();
        desks.push((office.id.to_string(), format!("{agency} — {}", ui.pick(&office.name_ar, &office.name_en))));
    }
    let priorities = Priority::ALL
        .map(|priority| (priority.code().to_string(), ui.t(&format!("priority-{}", priority.code()))))
        .to_vec();
    let chosen_classes = if data.0.is_empty() {
        vec!["identity".into(), "contact".into(), "summary".into(), "risk".into()]
    } else {
        data.all("data_classes")
    };
    Ok(Form::post("refer", &format!("/cases/{case}/refer"), ui.t(submit))
        .field(Field::select("to_office_id", ui.t("field-to_office_id"), desks, &data.text("to_office_id")).required())
        .field(Field::textarea("reason", ui.t("field-reason"), data.text("reason")).required())
        .field(
            Field::select(
                "priority",
                ui.t("field-priority"),
                priorities,
                &data.get("priority").unwrap_or_else(|| "standard".into()),
            )
            .hint(ui.t("refer-priority-hint")),
        )
        .field(
            Field::checkboxes("data_classes", ui.t("field-data_classes"), class_choices(ui), &chosen_classes)
                .hint(ui.t("refer-classes-hint"))
                .required(),
        )
        .field(
            Field::checkboxes("persons", ui.t("field-persons"), persons, &chosen_persons)
                .hint(ui.t("refer-persons-hint"))
                .required(),
        ))
}

/// What the preview says of each person and of the case.
fn leaving(
    ui: &Ui<'_>,
    view: &sila_app::cases::CaseView,
    preview: &sila_app::packets::ReferralPreview,
) -> (Vec<Leaving>, Vec<String>) {
    let people = preview
        .packet
        .persons
        .iter()
        .map(|person| {
            let name = view
                .persons
                .iter()
                .find(|(entry, _)| entry.person_id == person.person_id)
                .map(|(_, known)| PersonCard::new(ui, known).name_ar)
                .unwrap_or_default();
            let mut lines = Vec::new();
            if let Some(full) = &person.name_ar {
                let mut items = vec![full.clone()];
                items.extend(person.qid.iter().map(|qid| ui.t1("leaving-qid", "qid", qid)));
                items.extend(person.birth_date.iter().map(|date| ui.t1("leaving-birth", "date", date)));
                lines.push(ui.t1("leaving-identity", "items", &items.join(ui.pick("، ", ", "))));
            }
            if !person.phones.is_empty() || person.municipality.is_some() {
                let mut items = person.phones.clone();
                items.extend(person.municipality.iter().cloned());
                lines.push(ui.t1("leaving-contact", "items", &items.join(ui.pick("، ", ", "))));
            }
            if person.name_ar.is_none() {
                lines.push(match person.age {
                    Some(age) => ui.t1("leaving-role-age", "age", &age.to_string()),
                    None => ui.t("leaving-role-only"),
                });
            }
            Leaving { role: role_label(ui, person.role), name, lines }
        })
        .collect();
    let mut case_lines =
        vec![ui.t1("leaving-summary", "priority", &ui.t(&format!("priority-{}", preview.priority.code())))];
    if let Some(risk) = &preview.packet.risk {
        case_lines.push(ui.t1("leaving-risk", "level", &ui.t(&format!("risk-level-{}", risk.level.code()))));
    }
    if preview.packet.narrative.is_some() {
        case_lines.push(ui.t("leaving-narrative"));
    }
    (people, case_lines)
}

async fn refer_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    let ui = Ui::new(&state, &viewer, "/cases", "refer-title");
    let form = refer_form(&state, &viewer, &ui, case, &FormData::default(), "refer-review")
        .await
        .map_err(fail(&state, &viewer))?;
    let lead = ui.t("refer-lead");
    let back = format!("/cases/{case}");
    Ok(render(&ReferPage { ui, lead, leaving: None, case_lines: Vec::new(), form, back }))
}

/// Sending a referral is two steps: the first shows exactly what would leave, person by
/// person; the second, confirmed for what was shown, sends it. A change after the
/// preview shows the new preview instead of sending.
async fn refer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let input = sila_app::referrals::ReferralInput {
        case_id: case.to_string(),
        to_office_id: data.text("to_office_id"),
        reason: data.text("reason"),
        priority: data.filled("priority"),
        data_classes: data.all("data_classes"),
        persons: Some(data.all("persons")),
    };
    let ui = Ui::new(&state, &viewer, "/cases", "refer-title");
    let back = format!("/cases/{case}");
    let confirmed = data.ticked("confirm") && data.get("previewed").as_deref() == Some(previewed(&data).as_str());
    let result = if confirmed {
        state.app.refer_case(&viewer.actor, &input, &RequestContext::default()).await.map(Some)
    } else {
        match state.app.preview_referral(&viewer.actor, &input).await {
            Ok(preview) => {
                let view = state.app.case(&viewer.actor, case).await.map_err(fail(&state, &viewer))?;
                let (people, case_lines) = leaving(&ui, &view, &preview);
                let mut unticked = data.0.clone();
                unticked.retain(|(name, _)| name != "confirm" && name != "previewed");
                let form = refer_form(&state, &viewer, &ui, case, &FormData(unticked), "refer-submit")
                    .await
                    .map_err(fail(&state, &viewer))?
                    .hidden("previewed", &previewed(&data))
                    .field(Field::checkbox("confirm", ui.t("refer-confirm"), false).required());
                let lead = ui.t("refer-preview-lead");
                return Ok(render(&ReferPage { ui, lead, leaving: Some(people), case_lines, form, back }));
            }
            Err(error) => Err(error),
        }
    };
    match result {
        Ok(Some(view)) => Ok(see_other(&format!("/referrals/{}", view.referral.id))),
        Ok(None) => unreachable!("a preview answers above"),
        Err(error) => {
            let status = super::status_of(&error);
            let form =
                refer_form(&state, &viewer, &ui, case, &data, "refer-review").await.map_err(fail(&state, &viewer))?;
            let form = form.with_error(&ui, error, &base_field);
            let lead = ui.t("refer-lead");
            Ok(render_with(status, &ReferPage { ui, lead, leaving: None, case_lines: Vec::new(), form, back }))
        }
    }
}
