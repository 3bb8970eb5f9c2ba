//! JSON of centre case work: assessments, sessions, plan, services, follow-ups,
//! attachments, approvals and transfers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sila_app::casework::CaseworkView;
use sila_app::casework::TransferRecord;
use sila_domain::casework::{
    Approval, Assessment, AssessmentForm, Attachment, FollowUp, PlanItem, ServiceRecord, Session,
};
use utoipa::ToSchema;

/// An assessment form with its questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormOut {
    /// Id of this version.
    pub id: String,
    /// Stable code.
    pub code: String,
    /// Version.
    pub version: i64,
    /// Arabic name.
    pub name_ar: String,
    /// English name.
    pub name_en: String,
    /// Questions, in order.
    pub questions: Vec<QuestionOut>,
}

/// One question of a form.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionOut {
    /// Code (the key of the answer).
    pub code: String,
    /// Arabic label.
    pub label_ar: String,
    /// English label.
    pub label_en: String,
    /// `text`, `choice` or `scale` (0–10).
    pub kind: String,
    /// Options of a choice.
    pub options: Vec<String>,
    /// Whether an answer is required.
    pub required: bool,
}

impl From<&AssessmentForm> for FormOut {
    fn from(form: &AssessmentForm) -> FormOut {
        FormOut {
            id: form.id.to_string(),
            code: form.code.clone(),
            version: form.version,
            name_ar: form.name_ar.clone(),
            name_en: form.name_en.clone(),
            questions: form
                .questions
                .iter()
                .map(|question| QuestionOut {
                    code: question.code.clone(),
                    label_ar: question.label_ar.clone(),
                    label_en: question.label_en.clone(),
                    kind: question.kind.code().into(),
                    options: question.options.clone(),
                    required: question.required,
                })
                .collect(),
        }
    }
}

/// A question of a new form version.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuestionIn {
    /// Code.
    pub code: Option<String>,
    /// Arabic label.
    pub label_ar: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// `text`, `choice` or `scale`.
    pub kind: Option<String>,
    /// Options of a choice (codes).
    #[serde(default)]
    pub options: Vec<String>,
    /// Whether an answer is required.
    #[serde(default)]
    pub required: bool,
}

/// A new version of an assessment form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FormIn {
    /// The form's code.
    pub code: Option<String>,
    /// Arabic name.
    pub name_ar: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// The questions.
    #[serde(default)]
    pub questions: Vec<QuestionIn>,
}

/// An assessment to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentIn {
    /// The form version (id).
    pub form_id: Option<String>,
    /// Answers by question code.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
}

/// A recorded assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentOut {
    /// Id.
    pub id: String,
    /// Form version id.
    pub form_id: String,
    /// Form code, when the form is known.
    pub form_code: Option<String>,
    /// Answers by question code (absent once shredded).
    pub answers: Option<BTreeMap<String, String>>,
    /// Who assessed.
    pub assessed_by: String,
    /// When.
    pub created_at: String,
}

impl AssessmentOut {
    /// The assessment with its form's code.
    pub fn new(assessment: &Assessment, form: Option<&AssessmentForm>) -> AssessmentOut {
        AssessmentOut {
            id: assessment.id.to_string(),
            form_id: assessment.form_id.to_string(),
            form_code: form.map(|form| form.code.clone()),
            answers: assessment.answers.clone(),
            assessed_by: assessment.assessed_by.to_string(),
            created_at: assessment.created_at.to_string(),
        }
    }
}

/// A session to book.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseSessionIn {
    /// `counselling`, `psychological`, `legal_consultation`, `mediation`.
    pub kind: Option<String>,
    /// Start: RFC 3339, or local Doha time `YYYY-MM-DDTHH:MM`.
    pub starts_at: Option<String>,
    /// Length in minutes (5–480, default 60).
    pub minutes: Option<serde_json::Value>,
    /// Who holds it (default the caller).
    pub worker_id: Option<String>,
    /// Where (default the case's office).
    pub office_id: Option<String>,
}

/// A session.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSessionOut {
    /// Id.
    pub id: String,
    /// Case id (absent in a calendar entry of a case the caller may not read).
    pub case_id: Option<String>,
    /// Kind (absent like the case).
    pub kind: Option<String>,
    /// Worker.
    pub worker_id: String,
    /// Office.
    pub office_id: String,
    /// Start.
    pub starts_at: String,
    /// End.
    pub ends_at: String,
    /// `attended`, `absent`, `cancelled`, once recorded.
    pub attendance: Option<String>,
}

impl CaseSessionOut {
    /// A session; `readable` false leaves out which case and what for (busy time only).
    pub fn new(session: &Session, readable: bool) -> CaseSessionOut {
        CaseSessionOut {
            id: session.id.to_string(),
            case_id: readable.then(|| session.case_id.to_string()),
            kind: readable.then(|| session.kind.code().to_string()),
            worker_id: session.worker_id.to_string(),
            office_id: session.office_id.to_string(),
            starts_at: session.starts_at.to_string(),
            ends_at: session.ends_at.to_string(),
            attendance: session.attendance.map(|attendance| attendance.code().to_string()),
        }
    }
}

/// Attendance at a session.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AttendanceIn {
    /// `attended`, `absent` or `cancelled`.
    pub attendance: Option<String>,
}

/// A plan item to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanIn {
    /// The goal.
    pub goal: Option<String>,
    /// The action towards it.
    pub action: Option<String>,
    /// Who is responsible (default the caller).
    pub responsible_id: Option<String>,
    /// By when (`YYYY-MM-DD`).
    pub due_on: Option<String>,
}

/// A plan item.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanOut {
    /// Id.
    pub id: String,
    /// The goal (absent once shredded).
    pub goal: Option<String>,
    /// The action.
    pub action: Option<String>,
    /// Who is responsible.
    pub responsible_id: String,
    /// By when.
    pub due_on: String,
    /// `planned`, `in_progress`, `done`, `dropped`.
    pub status: String,
}

impl From<&PlanItem> for PlanOut {
    fn from(item: &PlanItem) -> PlanOut {
        PlanOut {
            id: item.id.to_string(),
            goal: item.goal.as_ref().map(|text| text.as_str().to_string()),
            action: item.action.as_ref().map(|text| text.as_str().to_string()),
            responsible_id: item.responsible_id.to_string(),
            due_on: item.due_on.to_string(),
            status: item.status.code().into(),
        }
    }
}

/// A new status.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusIn {
    /// The status code.
    pub status: Option<String>,
}

/// A service to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ServiceIn {
    /// Kind code.
    pub kind: Option<String>,
    /// Day given (default today).
    pub given_on: Option<String>,
    /// What exactly.
    pub description: Option<String>,
}

/// A service given.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceOut {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Day.
    pub given_on: String,
    /// What (absent once shredded).
    pub description: Option<String>,
    /// Who.
    pub given_by: String,
}

impl From<&ServiceRecord> for ServiceOut {
    fn from(service: &ServiceRecord) -> ServiceOut {
        ServiceOut {
            id: service.id.to_string(),
            kind: service.kind.code().into(),
            given_on: service.given_on.to_string(),
            description: service.description.as_ref().map(|text| text.as_str().to_string()),
            given_by: service.given_by.to_string(),
        }
    }
}

/// A follow-up to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUpIn {
    /// By when.
    pub due_on: Option<String>,
    /// What for.
    pub purpose: Option<String>,
    /// Who does it (default the caller).
    pub assigned_to: Option<String>,
}

/// A follow-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpOut {
    /// Id.
    pub id: String,
    /// By when.
    pub due_on: String,
    /// What for (absent once shredded).
    pub purpose: Option<String>,
    /// Who.
    pub assigned_to: String,
    /// When done.
    pub done_at: Option<String>,
}

impl From<&FollowUp> for FollowUpOut {
    fn from(item: &FollowUp) -> FollowUpOut {
        FollowUpOut {
            id: item.id.to_string(),
            due_on: item.due_on.to_string(),
            purpose: item.purpose.as_ref().map(|text| text.as_str().to_string()),
            assigned_to: item.assigned_to.to_string(),
            done_at: item.done_at.map(|at| at.to_string()),
        }
    }
}

/// A file to attach.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AttachmentIn {
    /// The file's name.
    pub file_name: Option<String>,
    /// The content, base64 (standard alphabet).
    pub content_base64: Option<String>,
}

/// An attachment (its content is read at its own address).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    /// Id.
    pub id: String,
    /// File name (absent once shredded).
    pub file_name: Option<String>,
    /// Media type, from the content.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub created_at: String,
}

impl From<&Attachment> for AttachmentOut {
    fn from(item: &Attachment) -> AttachmentOut {
        AttachmentOut {
            id: item.id.to_string(),
            file_name: item.file_name.as_ref().map(|text| text.as_str().to_string()),
            content_type: item.content_type.mime().into(),
            size: item.size,
            uploaded_by: item.uploaded_by.to_string(),
            created_at: item.created_at.to_string(),
        }
    }
}

/// A request to close a case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseIn {
    /// Outcome code.
    pub outcome: Option<String>,
    /// Why the case can close.
    pub reason: Option<String>,
    /// The case version the client saw.
    pub version: Option<i64>,
}

/// A request for approval and its decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalOut {
    /// Id.
    pub id: String,
    /// The case.
    pub case_id: String,
    /// `closure` or `transfer`.
    pub kind: String,
    /// Outcome of a closure.
    pub outcome: Option<String>,
    /// Authority of a transfer.
    pub authority_agency_id: Option<String>,
    /// The authority's reference.
    pub authority_reference: Option<String>,
    /// Why (absent once shredded).
    pub reason: Option<String>,
    /// `pending`, `approved`, `refused`.
    pub status: String,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The manager's note.
    pub decision_note: Option<String>,
}

impl From<&Approval> for ApprovalOut {
    fn from(approval: &Approval) -> ApprovalOut {
        ApprovalOut {
            id: approval.id.to_string(),
            case_id: approval.case_id.to_string(),
            kind: approval.kind.code().into(),
            outcome: approval.outcome.map(|outcome| outcome.code().to_string()),
            authority_agency_id: approval.authority_agency_id.map(|id| id.to_string()),
            authority_reference: approval.authority_reference.as_ref().map(|text| text.as_str().to_string()),
            reason: approval.reason.as_ref().map(|text| text.as_str().to_string()),
            status: approval.status.code().into(),
            requested_by: approval.requested_by.to_string(),
            requested_at: approval.requested_at.to_string(),
            decided_by: approval.decided_by.map(|id| id.to_string()),
            decided_at: approval.decided_at.map(|at| at.to_string()),
            decision_note: approval.decision_note.as_ref().map(|text| text.as_str().to_string()),
        }
    }
}

/// A manager's decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionIn {
    /// `approve` or `refuse`.
    pub decision: Option<String>,
    /// Why (required to refuse).
    pub note: Option<String>,
}

/// A transfer to an authority, with what it carried.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferOut {
    /// The authority.
    pub authority_agency_id: String,
    /// Its reference.
    pub authority_reference: Option<String>,
    /// The data classes it carried.
    pub data_classes: Vec<String>,
    /// What it carried, one key per data class.
    #[schema(value_type = Object)]
    pub packet: Option<serde_json::Value>,
    /// When.
    pub transferred_at: String,
}

impl From<&TransferRecord> for TransferOut {
    fn from(record: &TransferRecord) -> TransferOut {
        TransferOut {
            authority_agency_id: record.authority_agency_id.to_string(),
            authority_reference: record.authority_reference.clone(),
            data_classes: record.data_classes.iter().map(|class| class.code().to_string()).collect(),
            packet: record.packet.clone(),
            transferred_at: record.transferred_at.to_string(),
        }
    }
}

/// A centre case's work.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseworkOut {
    /// Assessments, oldest first.
    pub assessments: Vec<AssessmentOut>,
    /// The plan.
    pub plan: Vec<PlanOut>,
    /// Sessions by start.
    pub sessions: Vec<CaseSessionOut>,
    /// Services by day.
    pub services: Vec<ServiceOut>,
    /// Follow-ups by due date.
    pub follow_ups: Vec<FollowUpOut>,
    /// Attachments.
    pub attachments: Vec<AttachmentOut>,
    /// Requests for closure or transfer.
    pub approvals: Vec<ApprovalOut>,
    /// Transfers to authorities.
    pub transfers: Vec<TransferOut>,
}

impl From<&CaseworkView> for CaseworkOut {
    fn from(view: &CaseworkView) -> CaseworkOut {
        CaseworkOut {
            assessments: view
                .assessments
                .iter()
                .map(|(assessment, form)| AssessmentOut::new(assessment, form.as_ref()))
                .collect(),
            plan: view.plan.iter().map(PlanOut::from).collect(),
            sessions: view.sessions.iter().map(|session| CaseSessionOut::new(session, true)).collect(),
            services: view.services.iter().map(ServiceOut::from).collect(),
            follow_ups: view.follow_ups.iter().map(FollowUpOut::from).collect(),
            attachments: view.attachments.iter().map(AttachmentOut::from).collect(),
            approvals: view.approvals.iter().map(ApprovalOut::from).collect(),
            transfers: view.transfers.iter().map(TransferOut::from).collect(),
        }
    }
}
