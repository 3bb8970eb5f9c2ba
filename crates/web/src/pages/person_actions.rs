//! What else can be done about a person's record: a supervisor merges a duplicate into
//! it (or undoes a merge), and anyone declares that they are tied to the person — a
//! relative, a neighbour — which keeps them out of her cases from then on.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Form as Posted, Router};
use sila_app::{AppError, RequestContext};
use sila_domain::ids::PersonId;

use super::forms::{Field, Form, FormData};
use super::intake::Found;
use super::{PageResult, Ui, Viewer, fail, see_other};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/merge", post(merge))
        .route("/persons/{id}/unmerge", post(unmerge))
        .route("/persons/{id}/conflict", post(conflict))
}

/// The forms of the person page: merge and unmerge for supervisors, the declaration of
/// a tie for everyone. `tried` puts a refused post's errors back on its form.
pub fn forms(
    ui: &Ui<'_>,
    person: &str,
    supervises: bool,
    merged: bool,
    possible: &[Found],
    tried: Option<(&str, &FormData, AppError)>,
) -> Vec<Form> {
    let data_for = |which: &str| match &tried {
        Some((form, data, _)) if *form == which => (*data).clone(),
        _ => FormData::default(),
    };
    let mut forms = Vec::new();
    if supervises && merged {
        let data = data_for("unmerge");
        forms.push(
            Form::post("unmerge", &format!("/persons/{person}/unmerge"), ui.t("unmerge-submit"))
                .legend(ui.t("unmerge-title"))
                .field(Field::checkbox("confirm", ui.t("unmerge-confirm"), data.ticked("confirm"))),
        );
    } else if supervises && !possible.is_empty() {
        let data = data_for("merge");
        let choices = possible
            .iter()
            .map(|found| {
                let name = if found.card.name_ar.is_empty() { &found.card.name_latin } else { &found.card.name_ar };
                let qid = if found.card.qid.is_empty() { String::new() } else { format!(" — {}", found.card.qid) };
                (found.card.id.clone(), format!("{name}{qid}"))
            })
            .collect();
        forms.push(
            Form::post("merge", &format!("/persons/{person}/merge"), ui.t("merge-submit"))
                .legend(ui.t("merge-title"))
                .field(
                    Field::radios("duplicate_id", ui.t("field-duplicate_id"), choices, &data.text("duplicate_id"))
                        .required(),
                )
                .field(Field::checkbox("confirm", ui.t("merge-confirm"), data.ticked("confirm")))
                .danger(),
        );
    }
    let data = data_for("conflict");
    forms.push(
        Form::post("conflict", &format!("/persons/{person}/conflict"), ui.t("conflict-submit"))
            .legend(ui.t("conflict-title"))
            .field(Field::checkbox("confirm", ui.t("conflict-confirm"), data.ticked("confirm"))),
    );
    if let Some((which, _, error)) = tried
        && let Some(form) = forms.iter_mut().find(|form| form.id == which)
    {
        *form = form.clone().with_error(ui, error, &|field| field.to_string());
    }
    forms
}

/// After a refused step: a rule or a refusal is the problem page; a missing
/// confirmation or choice shows the person's forms again, with the error on the form
/// that was sent and what was chosen still chosen.
async fn answer(
    state: &AppState,
    viewer: &Viewer,
    person: PersonId,
    which: &str,
    data: &FormData,
    error: AppError,
) -> PageResult {
    let fail = fail(state, viewer);
    if !matches!(error, AppError::Invalid(_)) {
        return Err(fail(error));
    }
    let view = state.app.person(&viewer.actor, person).await.map_err(&fail)?;
    let ui = Ui::new(state, viewer, "/intake", "person-title");
    let status = super::status_of(&error);
    let supervises = [sila_domain::agency::Role::PoliceSupervisor, sila_domain::agency::Role::CentreManager]
        .into_iter()
        .any(|role| viewer.actor.user.has_role(role));
    let card = super::intake::PersonCard::new(&ui, &view);
    let possible = if supervises {
        super::intake::possible_duplicates(state, viewer, &ui, &view).await.map_err(&fail)?
    } else {
        Vec::new()
    };
    let forms = forms(&ui, &card.id, supervises, view.merged_into.is_some(), &possible, Some((which, data, error)));
    let lead = card.name_ar.clone();
    Ok(super::render_with(
        status,
        &super::case_actions::FormsPage { ui, lead, forms, back: Some(format!("/persons/{person}")) },
    ))
}

fn person_id(state: &AppState, viewer: &Viewer, text: &str) -> Result<PersonId, axum::response::Response> {
    PersonId::parse(text).map_err(|_| fail(state, viewer)(AppError::NotFound))
}

async fn merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let survivor = person_id(&state, &viewer, &id)?;
    let result = match (data.confirmed(), data.filled("duplicate_id")) {
        (Err(error), _) => Err(error),
        (Ok(()), None) => Err(AppError::invalid("duplicate_id", sila_domain::Problem::Required)),
        (Ok(()), Some(text)) => match PersonId::parse(&text) {
            Ok(duplicate) => state
                .app
                .merge_persons(&viewer.actor, survivor, duplicate, &RequestContext::default())
                .await
                .map(|_| ()),
            Err(problem) => Err(AppError::invalid("duplicate_id", problem)),
        },
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/persons/{survivor}"))),
        Err(error) => answer(&state, &viewer, survivor, "merge", &data, error).await,
    }
}

async fn unmerge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let person = person_id(&state, &viewer, &id)?;
    let result = match data.confirmed() {
        Ok(()) => state.app.unmerge_person(&viewer.actor, person, &RequestContext::default()).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/persons/{person}"))),
        Err(error) => answer(&state, &viewer, person, "unmerge", &data, error).await,
    }
}

async fn conflict(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let person = person_id(&state, &viewer, &id)?;
    let result = match data.confirmed() {
        Ok(()) => {
            state.app.declare_conflict(&viewer.actor, &person.to_string(), None, &RequestContext::default()).await
        }
        Err(error) => Err(error),
    };
    match result {
        // From now on her record and cases are closed to the declarer.
        Ok(()) => Ok(see_other("/")),
        Err(error) => answer(&state, &viewer, person, "conflict", &data, error).await,
    }
}
