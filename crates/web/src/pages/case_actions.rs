//! The rarer steps on a case, each behind a confirmation: withdrawing a consent,
//! transferring a police case to a competent authority (and a supervisor's bypass of the
//! centre-first rule that may allow it), and emergency access to a case outside one's
//! scope ("break the glass"), which is time-limited, audited and alerts the managers.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form as Posted, Router};
use serde::Deserialize;
use sila_app::transfers::TransferInput;
use sila_app::{AppError, RequestContext};
use sila_domain::agency::{AgencyKind, Role};
use sila_domain::ids::{CaseId, ConsentId};

use super::cases::case_id;
use super::forms::{Field, Form, FormData, base_field};
use super::{PageResult, Ui, Viewer, fail, render_with, see_other, status_of};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consents/{id}/withdraw", get(withdraw_page).post(withdraw))
        .route("/cases/{id}/transfer", get(transfer_page).post(transfer))
        .route("/cases/{id}/bypass", post(bypass))
        .route("/cases/{id}/break-glass", post(break_glass))
}

/// A page of one or more forms about a case.
#[derive(Template)]
#[template(path = "forms_page.html")]
pub(super) struct FormsPage<'a> {
    pub(super) ui: Ui<'a>,
    pub(super) lead: String,
    pub(super) forms: Vec<Form>,
    pub(super) back: Option<String>,
}

// Consent withdrawal.

#[derive(Deserialize)]
struct CaseParam {
    case: Option<String>,
}

fn withdraw_form(ui: &Ui<'_>, consent: &str, case: &str, data: &FormData) -> Form {
    Form::post("withdraw", &format!("/consents/{consent}/withdraw"), ui.t("withdraw-submit"))
        .hidden("case", case)
        .field(Field::textarea("reason", ui.t("field-reason"), data.text("reason")).required())
        .field(Field::checkbox("confirm", ui.t("withdraw-confirm"), data.ticked("confirm")))
        .danger()
}

async fn withdraw_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<CaseParam>,
) -> PageResult {
    let ui = Ui::new(&state, &viewer, "/cases", "withdraw-title");
    let case = query.case.unwrap_or_default();
    let form = withdraw_form(&ui, &id, &case, &FormData::default());
    let lead = ui.t("withdraw-lead");
    let back = CaseId::parse(&case).ok().map(|case| format!("/cases/{case}"));
    Ok(render_with(axum::http::StatusCode::OK, &FormsPage { ui, lead, forms: vec![form], back }))
}

async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let fail = fail(&state, &viewer);
    let consent = ConsentId::parse(&id).map_err(|_| fail(AppError::NotFound))?;
    let case = data.text("case");
    let result = match data.confirmed() {
        Ok(()) => state
            .app
            .withdraw_consent(&viewer.actor, consent, &data.text("reason"), &RequestContext::default())
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(see_other(&match CaseId::parse(&case) {
            Ok(case) => format!("/cases/{case}"),
            Err(_) => "/cases".into(),
        })),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "withdraw-title");
            let status = status_of(&error);
            let form = withdraw_form(&ui, &id, &case, &data).with_error(&ui, error, &base_field);
            let lead = ui.t("withdraw-lead");
            let back = CaseId::parse(&case).ok().map(|case| format!("/cases/{case}"));
            Ok(render_with(status, &FormsPage { ui, lead, forms: vec![form], back }))
        }
    }
}

// Transfer to a competent authority, and the centre-first bypass.

async fn transfer_forms(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui<'_>,
    case: CaseId,
    tried: Option<(&str, &FormData)>,
) -> Result<Vec<Form>, AppError> {
    let agencies = state.app.agencies(&viewer.actor).await?;
    let data_for = |which: &str| match tried {
        Some((form, data)) if form == which => data.clone(),
        _ => FormData::default(),
    };
    let data = data_for("transfer");
    let mut authorities = vec![(String::new(), ui.t("choice-choose"))];
    authorities.extend(
        agencies
            .iter()
            .filter(|agency| agency.kind == AgencyKind::Authority)
            .map(|agency| (agency.id.to_string(), ui.pick(&agency.name_ar, &agency.name_en).to_string())),
    );
    let mut forms = vec![
        Form::post("transfer", &format!("/cases/{case}/transfer"), ui.t("transfer-submit"))
            .legend(ui.t("transfer-title"))
            .field(
                Field::select(
                    "authority_agency_id",
                    ui.t("field-authority_agency_id"),
                    authorities,
                    &data.text("authority_agency_id"),
                )
                .required(),
            )
            .field(
                Field::text("authority_reference", ui.t("field-authority_reference"), data.text("authority_reference"))
                    .hint(ui.t("transfer-reference-hint")),
            )
            .field(
                Field::textarea("reason", ui.t("field-reason"), data.text("reason"))
                    .hint(ui.t("transfer-profile-hint"))
                    .required(),
            )
            .field(Field::checkbox("confirm", ui.t("confirm-irreversible"), data.ticked("confirm")))
            .danger(),
    ];
    if viewer.actor.user.has_role(Role::PoliceSupervisor) {
        let data = data_for("bypass");
        let grounds = ["immediate_danger", "legal_duty_to_report", "persons_choice"]
            .map(|code| (code.to_string(), ui.t(&format!("ground-{code}"))))
            .to_vec();
        forms.push(
            Form::post("bypass", &format!("/cases/{case}/bypass"), ui.t("bypass-submit"))
                .legend(ui.t("bypass-title"))
                .field(Field::radios("ground", ui.t("field-ground"), grounds, &data.text("ground")).required())
                .field(Field::textarea("note", ui.t("field-note"), data.text("note")).required())
                .field(Field::checkbox("confirm", ui.t("confirm-irreversible"), data.ticked("confirm"))),
        );
    }
    Ok(forms)
}

async fn transfer_answer(
    state: &AppState,
    viewer: &Viewer,
    case: CaseId,
    tried: Option<(&str, &FormData, AppError)>,
) -> PageResult {
    let fail = fail(state, viewer);
    let ui = Ui::new(state, viewer, "/cases", "transfer-title");
    let mut forms = transfer_forms(state, viewer, &ui, case, tried.as_ref().map(|(form, data, _)| (*form, *data)))
        .await
        .map_err(&fail)?;
    let mut status = axum::http::StatusCode::OK;
    if let Some((which, _, error)) = tried
        && let Some(form) = forms.iter_mut().find(|form| form.id == which)
    {
        status = status_of(&error);
        *form = form.clone().with_error(&ui, error, &base_field);
    }
    let lead = ui.t("transfer-lead");
    Ok(render_with(status, &FormsPage { ui, lead, forms, back: Some(format!("/cases/{case}")) }))
}

async fn transfer_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    // The page is for those who may see the case at all.
    state.app.case(&viewer.actor, case).await.map_err(fail(&state, &viewer))?;
    transfer_answer(&state, &viewer, case, None).await
}

async fn transfer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let input = TransferInput {
        authority_agency_id: data.text("authority_agency_id"),
        authority_reference: data.filled("authority_reference"),
        data_classes: data.all("data_classes"),
        version: None,
        reason: data.filled("reason"),
    };
    let result = match data.confirmed() {
        Ok(()) => state.app.transfer(&viewer.actor, case, &input, &RequestContext::default()).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{case}"))),
        Err(error) => transfer_answer(&state, &viewer, case, Some(("transfer", &data, error))).await,
    }
}

async fn bypass(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let result = match data.confirmed() {
        Ok(()) => {
            state
                .app
                .bypass_centre_first(
                    &viewer.actor,
                    case,
                    &data.text("ground"),
                    &data.text("note"),
                    &RequestContext::default(),
                )
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{case}/transfer"))),
        Err(error) => transfer_answer(&state, &viewer, case, Some(("bypass", &data, error))).await,
    }
}

// Emergency access.

/// The form that asks for emergency access to a case the viewer may not open.
pub(super) fn break_glass_form(ui: &Ui<'_>, case: &str, data: &FormData) -> Form {
    Form::post("break-glass", &format!("/cases/{case}/break-glass"), ui.t("break-glass-submit"))
        .legend(ui.t("break-glass-title"))
        .field(
            Field::textarea("reason", ui.t("field-reason"), data.text("reason"))
                .hint(ui.t("break-glass-hint"))
                .required(),
        )
        .field(Field::checkbox("confirm", ui.t("break-glass-confirm"), data.ticked("confirm")))
        .danger()
}

async fn break_glass(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    let result = match data.confirmed() {
        Ok(()) => state
            .app
            .break_glass(&viewer.actor, case, &data.text("reason"), &RequestContext::default())
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{case}"))),
        Err(error) => {
            let ui = Ui::new(&state, &viewer, "/cases", "break-glass-title");
            let status = status_of(&error);
            let form = break_glass_form(&ui, &case.to_string(), &data).with_error(&ui, error, &base_field);
            let lead = ui.t("break-glass-lead");
            Ok(render_with(status, &FormsPage { ui, lead, forms: vec![form], back: None }))
        }
    }
}
