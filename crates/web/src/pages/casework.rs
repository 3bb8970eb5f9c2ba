//! The work on a centre case, on one page: the assessment on the centre's form, the plan,
//! sessions with attendance, services, follow-ups, and the request to close the case or
//! send it to an authority — each form on the page, each answer back on it, bad input
//! shown beside its field with everything typed kept. The manager's approvals have their
//! own page.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Form as Posted, Router};
use sila_app::approvals::{ClosureInput, TransferRequestInput};
use sila_app::casework::{CaseworkView, FollowUpInput, PlanInput, ServiceInput, SessionInput};
use sila_app::{AppError, RequestContext};
use sila_domain::agency::{AgencyKind, Role};
use sila_domain::casework::{AssessmentForm, QuestionKind, ServiceKind, SessionKind};
use sila_domain::ids::{ApprovalId, CaseId, PlanItemId, SessionId};
use sila_domain::referral::Outcome;

use super::cases::case_id;
use super::dates::Shown;
use super::forms::{Field, Form, FormData, base_field, same};
use super::{PageResult, Ui, Viewer, fail, render_with, see_other, status_of};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/work", get(work_page))
        .route("/cases/{id}/work/{form}", post(submit))
        .route("/cases/{id}/work-attachment", post(attach).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/cases/{id}/work/sessions/{session}/{attendance}", post(attendance))
        .route("/cases/{id}/work/plan/{item}/done", post(plan_done))
        .route("/approvals", get(approvals_page))
        .route("/approvals/{id}", post(decide))
}

/// The largest request an upload page accepts (the use case checks the file's own limit
/// and names the field).
const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// A line of one of the page's lists.
pub struct Line {
    id: String,
    text: String,
    meta: String,
    at: Option<Shown>,
    done: bool,
}

#[derive(Template)]
#[template(path = "casework.html")]
struct WorkPage<'a> {
    ui: Ui<'a>,
    id: String,
    reference: String,
    open: bool,
    assessments: Vec<(String, Vec<(String, String)>)>,
    sections: Vec<(&'static str, Vec<Line>)>,
    attachments: Vec<(String, String, String)>,
    forms: Vec<Form>,
}

fn choices<T: Copy>(ui: &Ui<'_>, all: &[T], code: impl Fn(T) -> &'static str, prefix: &str) -> Vec<(String, String)> {
    all.iter().map(|item| (code(*item).to_string(), ui.t(&format!("{prefix}-{}", code(*item))))).collect()
}

fn assessment_form(ui: &Ui<'_>, case: &str, form: &AssessmentForm, data: &FormData) -> Form {
    let mut built = Form::post("assessment", &format!("/cases/{case}/work/assessment"), ui.t("work-assessment-submit"))
        .legend(ui.pick(&form.name_ar, &form.name_en).to_string())
        .hidden("form_id", &form.id.to_string());
    for question in &form.questions {
        let name = format!("answers.{}", question.code);
        let label = ui.pick(&question.label_ar, &question.label_en).to_string();
        let field = match question.kind {
            QuestionKind::Text => Field::textarea(&name, label, data.text(&name)),
            QuestionKind::Scale => Field::code(&name, label, data.text(&name)).hint(ui.t("work-scale-hint")),
            QuestionKind::Choice => {
                let options = question
                    .options
                    .iter()
                    .map(|option| (option.clone(), ui.t_or(&format!("answer-{option}"), option)))
                    .collect();
                Field::radios(&name, label, options, &data.text(&name))
            }
        };
        built = built.field(if question.required { field.required() } else { field });
    }
    built
}

async fn work_forms(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui<'_>,
    case: CaseId,
    tried: Option<(&str, &FormData)>,
) -> Result<Vec<Form>, AppError> {
    let data_for = |form: &str| match tried {
        Some((which, data)) if which == form => data.clone(),
        _ => FormData::default(),
    };
    let id = case.to_string();
    let colleagues: Vec<(String, String)> = state
        .app
        .colleagues(&viewer.actor)
        .await?
        .into_iter()
        .filter(|user| user.reads_case_content())
        .map(|user| (user.id.to_string(), user.display_name))
        .collect();
    let me = viewer.actor.user.id.to_string();
    let mut forms = Vec::new();
    if let Some(form) = state.app.assessment_forms(&viewer.actor).await?.first() {
        forms.push(assessment_form(ui, &id, form, &data_for("assessment")));
    }
    let data = data_for("plan");
    forms.push(
        Form::post("plan", &format!("/cases/{id}/work/plan"), ui.t("work-plan-submit"))
            .legend(ui.t("work-plan-title"))
            .field(Field::text("goal", ui.t("field-goal"), data.text("goal")).required())
            .field(Field::text("action", ui.t("field-action"), data.text("action")).required())
            .field(Field::select(
                "responsible_id",
                ui.t("field-responsible"),
                colleagues.clone(),
                &data.get("responsible_id").unwrap_or(me.clone()),
            ))
            .field(Field::date("due_on", ui.t("field-due_on"), data.text("due_on"), ui.t("hint-date")).required()),
    );
    let data = data_for("session");
    forms.push(
        Form::post("session", &format!("/cases/{id}/work/session"), ui.t("work-session-submit"))
            .legend(ui.t("work-session-title"))
            .field(
                Field::radios(
                    "kind",
                    ui.t("field-session-kind"),
                    choices(ui, SessionKind::ALL, |kind| kind.code(), "session-kind"),
                    &data.text("kind"),
                )
                .required(),
            )
            .field(
                Field::date("starts_at", ui.t("field-starts_at"), data.text("starts_at"), ui.t("hint-datetime"))
                    .required(),
            )
            .field(Field::code("minutes", ui.t("field-minutes"), data.get("minutes").unwrap_or_else(|| "60".into())))
            .field(Field::select(
                "worker_id",
                ui.t("field-worker"),
                colleagues.clone(),
                &data.get("worker_id").unwrap_or(me.clone()),
            )),
    );
    let data = data_for("service");
    forms.push(
        Form::post("service", &format!("/cases/{id}/work/service"), ui.t("work-service-submit"))
            .legend(ui.t("work-service-title"))
            .field(
                Field::select(
                    "kind",
                    ui.t("field-service-kind"),
                    choices(ui, ServiceKind::ALL, |kind| kind.code(), "service-kind"),
                    &data.text("kind"),
                )
                .required(),
            )
            .field(Field::text("description", ui.t("field-description"), data.text("description")).required()),
    );
    let data = data_for("follow-up");
    forms.push(
        Form::post("follow-up", &format!("/cases/{id}/work/follow-up"), ui.t("work-follow-up-submit"))
            .legend(ui.t("work-follow-up-title"))
            .field(Field::date("due_on", ui.t("field-due_on"), data.text("due_on"), ui.t("hint-date")).required())
            .field(Field::text("purpose", ui.t("field-purpose"), data.text("purpose")).required()),
    );
    forms.push(
        Form::upload("attachment", &format!("/cases/{id}/work-attachment"), ui.t("work-attachment-submit"))
            .legend(ui.t("work-attachment-title"))
            .field(Field::file("file", ui.t("field-file")).hint(ui.t("hint-file")).required()),
    );
    let data = data_for("close");
    let outcomes = Outcome::ALL
        .iter()
        .map(|outcome| (outcome.code().to_string(), ui.t(&format!("outcome-{}", outcome.code()))))
        .collect();
    forms.push(
        Form::post("close", &format!("/cases/{id}/work/close"), ui.t("work-close-submit"))
            .legend(ui.t("work-close-title"))
            .field(Field::radios("outcome", ui.t("field-outcome"), outcomes, &data.text("outcome")).required())
            .field(Field::textarea("reason", ui.t("field-reason"), data.text("reason")).required())
            .field(Field::checkbox("confirm", ui.t("confirm-irreversible"), data.ticked("confirm")))
            .danger(),
    );
    let data = data_for("transfer");
    let authorities: Vec<(String, String)> = state
        .app
        .agencies(&viewer.actor)
        .await?
        .into_iter()
        .filter(|agency| agency.kind == AgencyKind::Authority)
        .map(|agency| (agency.id.to_string(), ui.pick(&agency.name_ar, &agency.name_en).to_string()))
        .collect();
    forms.push(
        Form::post("transfer", &format!("/cases/{id}/work/transfer"), ui.t("work-transfer-submit"))
            .legend(ui.t("work-transfer-title"))
            .field(
                Field::radios(
                    "authority_agency_id",
                    ui.t("field-authority"),
                    authorities,
                    &data.text("authority_agency_id"),
                )
                .required(),
            )
            .field(Field::code(
                "authority_reference",
                ui.t("field-authority_reference"),
                data.text("authority_reference"),
            ))
            .field(Field::textarea("reason", ui.t("field-reason"), data.text("reason")).required())
            .field(Field::checkbox("confirm", ui.t("confirm-irreversible"), data.ticked("confirm")))
            .danger(),
    );
    Ok(forms)
}

async fn work_answer(
    state: &AppState,
    viewer: &Viewer,
    case: CaseId,
    tried: Option<(&str, &FormData, AppError)>,
) -> PageResult {
    let fail = fail(state, viewer);
    let view = state.app.case(&viewer.actor, case).await.map_err(&fail)?;
    let work: CaseworkView = state.app.casework(&viewer.actor, case).await.map_err(&fail)?;
    let ui = Ui::new(state, viewer, "/cases", "work-title");
    let open = view.case.status == sila_domain::case::CaseStatus::Open;
    let mut forms = if open {
        work_forms(state, viewer, &ui, case, tried.as_ref().map(|(form, data, _)| (*form, *data)))
            .await
            .map_err(&fail)?
    } else {
        Vec::new()
    };
    let mut status = axum::http::StatusCode::OK;
    if let Some((which, _, error)) = tried
        && let Some(form) = forms.iter_mut().find(|form| form.id == which)
    {
        status = status_of(&error);
        // The assessment's controls are named by their answers' paths (`answers.housing`).
        let whole_file = |_: &str| "file".to_string();
        let alias: &dyn Fn(&str) -> String = match which {
            "assessment" => &same,
            "attachment" => &whole_file,
            _ => &base_field,
        };
        *form = form.clone().with_error(&ui, error, alias);
    }
    let colleagues = state.app.colleagues(&viewer.actor).await.unwrap_or_default();
    let name_of = |id: sila_domain::ids::UserId| {
        colleagues.iter().find(|user| user.id == id).map(|user| user.display_name.clone()).unwrap_or_default()
    };
    let assessments = work
        .assessments
        .iter()
        .map(|(assessment, form)| {
            let title = form.as_ref().map(|form| ui.pick(&form.name_ar, &form.name_en).to_string()).unwrap_or_default();
            let answers = assessment
                .answers
                .iter()
                .flatten()
                .map(|(code, value)| {
                    let question = form
                        .as_ref()
                        .and_then(|form| form.questions.iter().find(|question| &question.code == code))
                        .map(|question| ui.pick(&question.label_ar, &question.label_en).to_string())
                        .unwrap_or_else(|| code.clone());
                    (question, ui.t_or(&format!("answer-{value}"), value))
                })
                .collect();
            (title, answers)
        })
        .collect();
    let page = WorkPage {
        id: case.to_string(),
        reference: view.case.reference.to_string(),
        open,
        assessments,
        sections: vec![
            (
                "plan",
                work.plan
                    .iter()
                    .map(|item| Line {
                        id: item.id.to_string(),
                        text: format!(
                            "{} — {}",
                            item.goal.as_ref().map(|text| text.as_str()).unwrap_or(""),
                            item.action.as_ref().map(|text| text.as_str()).unwrap_or("")
                        ),
                        meta: format!(
                            "{} · {}",
                            name_of(item.responsible_id),
                            ui.t(&format!("plan-status-{}", item.status.code()))
                        ),
                        at: Some(ui.date(item.due_on)),
                        done: item.status == sila_domain::casework::PlanStatus::Done,
                    })
                    .collect(),
            ),
            (
                "sessions",
                work.sessions
                    .iter()
                    .map(|session| Line {
                        id: session.id.to_string(),
                        text: ui.t(&format!("session-kind-{}", session.kind.code())),
                        meta: match session.attendance {
                            Some(attendance) => format!(
                                "{} · {}",
                                name_of(session.worker_id),
                                ui.t(&format!("attendance-{}", attendance.code()))
                            ),
                            None => name_of(session.worker_id),
                        },
                        at: Some(ui.instant(session.starts_at)),
                        done: session.attendance.is_some(),
                    })
                    .collect(),
            ),
            (
                "services",
                work.services
                    .iter()
                    .map(|service| Line {
                        id: service.id.to_string(),
                        text: format!(
                            "{} — {}",
                            ui.t(&format!("service-kind-{}", service.kind.code())),
                            service.description.as_ref().map(|text| text.as_str()).unwrap_or("")
                        ),
                        meta: name_of(service.given_by),
                        at: Some(ui.date(service.given_on)),
                        done: true,
                    })
                    .collect(),
            ),
            (
                "follow-ups",
                work.follow_ups
                    .iter()
                    .map(|item| Line {
                        id: item.id.to_string(),
                        text: item.purpose.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default(),
                        meta: name_of(item.assigned_to),
                        at: Some(ui.date(item.due_on)),
                        done: item.done_at.is_some(),
                    })
                    .collect(),
            ),
            (
                "approvals",
                work.approvals
                    .iter()
                    .map(|approval| Line {
                        id: approval.id.to_string(),
                        text: format!(
                            "{} — {}",
                            ui.t(&format!("approval-kind-{}", approval.kind.code())),
                            ui.t(&format!("approval-status-{}", approval.status.code()))
                        ),
                        meta: approval.decision_note.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default(),
                        at: Some(ui.instant(approval.requested_at)),
                        done: approval.status != sila_domain::casework::ApprovalStatus::Pending,
                    })
                    .collect(),
            ),
        ],
        attachments: work
            .attachments
            .iter()
            .map(|item| {
                let name = item.file_name.as_ref().map(|name| name.as_str().to_string()).unwrap_or_default();
                let meta = format!("{} · {} KB", item.content_type.mime(), (item.size + 1023) / 1024);
                (format!("/api/v1/cases/{case}/attachments/{}", item.id), name, meta)
            })
            .collect(),
        forms: std::mem::take(&mut forms),
        ui,
    };
    Ok(render_with(status, &page))
}

async fn work_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    work_answer(&state, &viewer, case, None).await
}

async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, form)): Path<(String, String)>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    const FORMS: [&str; 7] = ["assessment", "plan", "session", "service", "follow-up", "close", "transfer"];
    let data = FormData(data);
    let case = case_id(&state, &viewer, &id)?;
    if !FORMS.contains(&form.as_str()) {
        return Err(fail(&state, &viewer)(AppError::NotFound));
    }
    let app = &state.app;
    let actor = &viewer.actor;
    let context = RequestContext::default();
    let result: Result<(), AppError> = match form.as_str() {
        "assessment" => {
            let answers = data
                .0
                .iter()
                .filter_map(|(name, value)| name.strip_prefix("answers.").map(|code| (code.to_string(), value.clone())))
                .collect();
            app.record_assessment(actor, case, &data.text("form_id"), &answers, &context).await.map(|_| ())
        }
        "plan" => {
            let input = PlanInput {
                goal: data.text("goal"),
                action: data.text("action"),
                responsible_id: data.filled("responsible_id"),
                due_on: data.text("due_on"),
            };
            app.add_plan_item(actor, case, &input, &context).await.map(|_| ())
        }
        "session" => {
            let input = SessionInput {
                kind: data.text("kind"),
                starts_at: data.text("starts_at"),
                minutes: data.filled("minutes"),
                worker_id: data.filled("worker_id"),
                office_id: None,
            };
            app.book_session(actor, case, &input, &context).await.map(|_| ())
        }
        "service" => {
            let input = ServiceInput { kind: data.text("kind"), given_on: None, description: data.text("description") };
            app.record_service(actor, case, &input, &context).await.map(|_| ())
        }
        "follow-up" => {
            let input = FollowUpInput { due_on: data.text("due_on"), purpose: data.text("purpose"), assigned_to: None };
            app.add_follow_up(actor, case, &input, &context).await.map(|_| ())
        }
        "close" => match data.confirmed() {
            Ok(()) => {
                let input = ClosureInput { outcome: data.text("outcome"), reason: data.text("reason"), version: None };
                app.request_closure(actor, case, &input, &context).await.map(|_| ())
            }
            Err(error) => Err(error),
        },
        "transfer" => match data.confirmed() {
            Ok(()) => {
                let input = TransferRequestInput {
                    authority_agency_id: data.text("authority_agency_id"),
                    authority_reference: data.filled("authority_reference"),
                    reason: data.text("reason"),
                    version: None,
                };
                app.request_transfer(actor, case, &input, &context).await.map(|_| ())
            }
            Err(error) => Err(error),
        },
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{case}/work#{form}-done"))),
        Err(error) => work_answer(&state, &viewer, case, Some((form.as_str(), &data, error))).await,
    }
}

async fn attendance(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, session, attendance)): Path<(String, String, String)>,
) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    let session = SessionId::parse(&session).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    state
        .app
        .record_attendance(&viewer.actor, case, session, &attendance, &RequestContext::default())
        .await
        .map_err(fail(&state, &viewer))?;
    Ok(see_other(&format!("/cases/{case}/work#sessions")))
}

async fn plan_done(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, item)): Path<(String, String)>,
) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    let item = PlanItemId::parse(&item).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    state
        .app
        .set_plan_status(&viewer.actor, case, item, "done", &RequestContext::default())
        .await
        .map_err(fail(&state, &viewer))?;
    Ok(see_other(&format!("/cases/{case}/work#plan")))
}

/// A request waiting for the manager.
pub struct PendingRow {
    id: String,
    case_id: String,
    reference: String,
    what: String,
    reason: String,
    at: Shown,
    form: Form,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage<'a> {
    ui: Ui<'a>,
    rows: Vec<PendingRow>,
}

fn decision_form(ui: &Ui<'_>, id: &str, data: &FormData) -> Form {
    let decisions =
        vec![("approve".to_string(), ui.t("decision-approve")), ("refuse".to_string(), ui.t("decision-refuse"))];
    Form::post(&format!("decide-{id}"), &format!("/approvals/{id}"), ui.t("decision-submit"))
        .field(Field::radios("decision", ui.t("field-decision"), decisions, &data.text("decision")).required())
        .field(Field::textarea("note", ui.t("field-decision-note"), data.text("note")))
}

async fn approvals_answer(state: &AppState, viewer: &Viewer, tried: Option<(&str, &FormData, AppError)>) -> PageResult {
    let fail = fail(state, viewer);
    if !viewer.actor.user.has_role(Role::CentreManager) && !viewer.actor.user.has_role(Role::PoliceSupervisor) {
        return Err(fail(AppError::Forbidden));
    }
    let pending = state.app.pending_approvals(&viewer.actor).await.map_err(&fail)?;
    let ui = Ui::new(state, viewer, "/approvals", "approvals-title");
    let mut status = axum::http::StatusCode::OK;
    let mut rows = Vec::new();
    for (approval, case) in pending {
        let id = approval.id.to_string();
        let mut form = match &tried {
            Some((which, data, _)) if *which == id => decision_form(&ui, &id, data),
            _ => decision_form(&ui, &id, &FormData::default()),
        };
        if let Some((which, _, error)) = &tried
            && *which == id
        {
            status = status_of(error);
            form = form.with_error(&ui, error.clone(), &base_field);
        }
        let mut what = ui.t(&format!("approval-kind-{}", approval.kind.code()));
        if let Some(outcome) = approval.outcome {
            what = format!("{what}: {}", ui.t(&format!("outcome-{}", outcome.code())));
        }
        rows.push(PendingRow {
            id,
            case_id: case.id.to_string(),
            reference: case.reference.to_string(),
            what,
            reason: approval.reason.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default(),
            at: ui.instant(approval.requested_at),
            form,
        });
    }
    Ok(render_with(status, &ApprovalsPage { ui, rows }))
}

async fn approvals_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    approvals_answer(&state, &viewer, None).await
}

async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Posted(data): Posted<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData(data);
    let approval = ApprovalId::parse(&id).map_err(|_| fail(&state, &viewer)(AppError::NotFound))?;
    let result = match data.text("decision").as_str() {
        "approve" | "refuse" => {
            let approve = data.text("decision") == "approve";
            state
                .app
                .decide_approval(
                    &viewer.actor,
                    approval,
                    approve,
                    data.filled("note").as_deref(),
                    &RequestContext::default(),
                )
                .await
                .map(|_| ())
        }
        "" => Err(AppError::invalid("decision", sila_domain::Problem::Required)),
        _ => Err(AppError::invalid("decision", sila_domain::Problem::UnknownValue)),
    };
    match result {
        Ok(()) => Ok(see_other("/approvals")),
        Err(error) => approvals_answer(&state, &viewer, Some((&id, &data, error))).await,
    }
}

async fn attach(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    let case = case_id(&state, &viewer, &id)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map(|bytes| bytes.to_vec()).unwrap_or_default();
            file = Some((name, bytes));
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    let result = if name.is_empty() && bytes.is_empty() {
        Err(AppError::invalid("file", sila_domain::Problem::Required))
    } else {
        state.app.add_attachment(&viewer.actor, case, &name, &bytes, &RequestContext::default()).await.map(|_| ())
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{case}/work#attachments"))),
        Err(error) => work_answer(&state, &viewer, case, Some(("attachment", &FormData::default(), error))).await,
    }
}
