//! The officer's steps on a police case before it is referred: the risk checklist, the
//! consent of each person to each recipient agency, and the referral itself. Each form
//! comes back filled, with the wrong fields named, when the use case refuses it.

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
    let persons: Vec<(String, String)> = view
        .persons
        .iter()
        .map(|(entry, person)| {
            let card = PersonCard::new(ui, person);
            (entry.person_id.to_string(), format!("{} ({})", card.name_ar, role_label(ui, entry.role)))
        })
        .collect();
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

async fn refer_form(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui<'_>,
    case: CaseId,
    data: &FormData,
) -> Result<Form, AppError> {
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
    Ok(Form::post("refer", &format!("/cases/{case}/refer"), ui.t("refer-submit"))
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
        ))
}

async fn refer_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    let ui = Ui::new(&state, &viewer, "/cases", "refer-title");
    let form = refer_form(&state, &viewer, &ui, case, &FormData::default()).await.map_err(fail(&state, &viewer))?;
    let lead = ui.t("refer-lead");
    Ok(render(&FormPage::for_case(ui, lead, form, case)))
}

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
    };
    match state.app.refer_case(&viewer.actor, &input, &RequestContext::default()).await {
        Ok(view) => Ok(see_other(&format!("/referrals/{}", view.referral.id))),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "refer-title");
            let status = super::status_of(&error);
            let form = refer_form(&state, &viewer, &ui, case, &data).await.map_err(fail(&state, &viewer))?;
            let form = form.with_error(&ui, error, &base_field);
            let lead = ui.t("refer-lead");
            Ok(render_with(status, &FormPage::for_case(ui, lead, form, case)))
        }
    }
}
