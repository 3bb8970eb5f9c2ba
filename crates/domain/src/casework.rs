//! Centre case work: what a caseworker, psychologist, legal advisor or family counsellor
//! records on a centre case between acceptance and closure — assessments on configurable
//! forms, the case plan, sessions and appointments with attendance, services given,
//! follow-ups, attachments — and the manager's approval that closes the case or sends it
//! to a competent authority with the data classes of that authority's redaction profile.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;

use crate::consent::DataClass;
use crate::error::{Errors, FieldError, Problem};
use crate::ids::{
    AgencyId, ApprovalId, AssessmentId, AttachmentId, CaseId, FollowUpId, FormId, OfficeId, PlanItemId, ServiceId,
    SessionId, UserId,
};
use crate::referral::Outcome;
use crate::text::Text;

code_enum!(
    /// What a session is for.
    SessionKind {
        /// Social counselling.
        Counselling = "counselling",
        /// A psychological session.
        Psychological = "psychological",
        /// A legal consultation.
        LegalConsultation = "legal_consultation",
        /// Mediation or reconciliation between family members.
        Mediation = "mediation",
    }
);

code_enum!(
    /// Whether the person came to a session.
    Attendance {
        /// She came.
        Attended = "attended",
        /// She did not come.
        Absent = "absent",
        /// The session was called off beforehand.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// Where an item of the case plan stands.
    PlanStatus {
        /// Agreed, not started.
        Planned = "planned",
        /// Under way.
        InProgress = "in_progress",
        /// Achieved.
        Done = "done",
        /// Given up (the reason goes in a note).
        Dropped = "dropped",
    }
);

code_enum!(
    /// A service given on a case.
    ServiceKind {
        /// A place in the shelter.
        Shelter = "shelter",
        /// Psychological support.
        PsychologicalSupport = "psychological_support",
        /// Legal aid.
        LegalAid = "legal_aid",
        /// Financial aid.
        FinancialAid = "financial_aid",
        /// Medical care arranged.
        Medical = "medical",
        /// Schooling or training.
        Education = "education",
        /// Anything else (described).
        Other = "other",
    }
);

code_enum!(
    /// What a manager is asked to approve.
    ApprovalKind {
        /// Closing the case with an outcome.
        Closure = "closure",
        /// Sending the case to a competent authority.
        Transfer = "transfer",
    }
);

code_enum!(
    /// Where a request for approval stands.
    ApprovalStatus {
        /// Waiting for the manager.
        Pending = "pending",
        /// Approved: the case was closed or transferred.
        Approved = "approved",
        /// Sent back to the worker with a reason.
        Refused = "refused",
    }
);

code_enum!(
    /// The kind of a competent authority, which decides its redaction profile.
    AuthorityKind {
        /// The Public Prosecution.
        Prosecution = "prosecution",
        /// A court (family, juvenile).
        Court = "court",
        /// A hospital.
        Hospital = "hospital",
        /// Any other authority.
        Other = "other",
    }
);

code_enum!(
    /// How a question of an assessment form is answered.
    QuestionKind {
        /// Free text.
        Text = "text",
        /// One of the question's options.
        Choice = "choice",
        /// A whole number from 0 to 10.
        Scale = "scale",
    }
);

/// One question of an assessment form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Stable code, the key of the answer.
    pub code: String,
    /// The question in Arabic.
    pub label_ar: String,
    /// The question in English.
    pub label_en: String,
    /// How it is answered.
    pub kind: QuestionKind,
    /// The options of a choice question (codes).
    pub options: Vec<String>,
    /// Whether an answer is required.
    pub required: bool,
}

/// An assessment form, configured per agency and versioned: an assessment records the
/// version it was made with, so later changes to the form never reinterpret it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentForm {
    /// This version's id.
    pub id: FormId,
    /// The agency that uses it.
    pub agency_id: AgencyId,
    /// Stable code (`initial_social`).
    pub code: String,
    /// Version, from 1.
    pub version: i64,
    /// Arabic name.
    pub name_ar: String,
    /// English name.
    pub name_en: String,
    /// The questions, in order.
    pub questions: Vec<Question>,
}

/// The longest free-text answer.
pub const ANSWER_MAX: usize = 4000;

impl AssessmentForm {
    /// Checks answers against the form: every required question answered, choices among
    /// the options, scales 0–10, no question the form does not have. Field paths are
    /// `answers.<code>`. The answers come back trimmed, empty ones left out.
    pub fn check_answers(
        &self,
        answers: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
        let mut errors = Errors::new();
        let mut kept = BTreeMap::new();
        for code in answers.keys() {
            if !self.questions.iter().any(|question| &question.code == code) {
                errors.add(format!("answers.{code}"), Problem::UnknownValue);
            }
        }
        for question in &self.questions {
            let field = format!("answers.{}", question.code);
            let answer = answers.get(&question.code).map(|text| text.trim()).unwrap_or("");
            if answer.is_empty() {
                if question.required {
                    errors.add(field, Problem::Required);
                }
                continue;
            }
            let checked = match question.kind {
                QuestionKind::Text => Text::parse(answer, ANSWER_MAX).map(|text| text.as_str().to_string()),
                QuestionKind::Choice => {
                    if question.options.iter().any(|option| option == answer) {
                        Ok(answer.to_string())
                    } else {
                        Err(Problem::UnknownValue)
                    }
                }
                QuestionKind::Scale => match crate::time::ascii_digits(answer).parse::<u8>() {
                    Ok(value) if value <= 10 => Ok(value.to_string()),
                    _ => Err(Problem::OutOfRange),
                },
            };
            if let Some(value) = errors.check(field, checked) {
                kept.insert(question.code.clone(), value);
            }
        }
        errors.finish().map(|()| kept)
    }
}

/// A completed assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Its id.
    pub id: AssessmentId,
    /// The case.
    pub case_id: CaseId,
    /// The form version used.
    pub form_id: FormId,
    /// The answers by question code (absent once the case's content is shredded).
    pub answers: Option<BTreeMap<String, String>>,
    /// Who assessed.
    pub assessed_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// A session or appointment on a case, in a worker's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// The case.
    pub case_id: CaseId,
    /// What it is for.
    pub kind: SessionKind,
    /// Who holds it.
    pub worker_id: UserId,
    /// Where.
    pub office_id: OfficeId,
    /// When it starts.
    pub starts_at: Timestamp,
    /// When it ends.
    pub ends_at: Timestamp,
    /// Whether she came, once recorded.
    pub attendance: Option<Attendance>,
    /// Who booked it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// One item of a case plan: a goal, the action towards it, who does it, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    /// Its id.
    pub id: PlanItemId,
    /// The case.
    pub case_id: CaseId,
    /// The goal (absent once shredded).
    pub goal: Option<Text>,
    /// The action (absent once shredded).
    pub action: Option<Text>,
    /// Who is responsible.
    pub responsible_id: UserId,
    /// By when.
    pub due_on: Date,
    /// Where it stands.
    pub status: PlanStatus,
    /// Who wrote it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A service given on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    /// Its id.
    pub id: ServiceId,
    /// The case.
    pub case_id: CaseId,
    /// What kind.
    pub kind: ServiceKind,
    /// On which day.
    pub given_on: Date,
    /// What exactly (absent once shredded).
    pub description: Option<Text>,
    /// Who gave or arranged it.
    pub given_by: UserId,
    /// When it was recorded.
    pub created_at: Timestamp,
}

/// A follow-up due on a case (a call, a home visit, a check after closure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Its id.
    pub id: FollowUpId,
    /// The case.
    pub case_id: CaseId,
    /// By when.
    pub due_on: Date,
    /// What for (absent once shredded).
    pub purpose: Option<Text>,
    /// Who does it.
    pub assigned_to: UserId,
    /// When it was done.
    pub done_at: Option<Timestamp>,
    /// Who asked for it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// The kinds of file a case accepts, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// A PDF document.
    Pdf,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
}

impl ContentType {
    /// The type of `content`, from its signature; `None` for anything else.
    pub fn sniff(content: &[u8]) -> Option<ContentType> {
        if content.starts_with(b"%PDF-") {
            Some(ContentType::Pdf)
        } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ContentType::Png)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ContentType::Jpeg)
        } else {
            None
        }
    }

    /// The media type.
    pub fn mime(&self) -> &'static str {
        match self {
            ContentType::Pdf => "application/pdf",
            ContentType::Png => "image/png",
            ContentType::Jpeg => "image/jpeg",
        }
    }

    /// The type for a media type as stored.
    pub fn from_mime(mime: &str) -> Option<ContentType> {
        [ContentType::Pdf, ContentType::Png, ContentType::Jpeg].into_iter().find(|kind| kind.mime() == mime)
    }

    fn extensions(&self) -> &'static [&'static str] {
        match self {
            ContentType::Pdf => &["pdf"],
            ContentType::Png => &["png"],
            ContentType::Jpeg => &["jpg", "jpeg"],
        }
    }
}

/// The longest file name kept.
pub const FILE_NAME_MAX: usize = 200;

/// Checks an upload: a name, content of an accepted type by its bytes, no larger than
/// `max` bytes, and a name whose extension (if it has one) agrees with the content.
pub fn check_upload(name: &str, content: &[u8], max: usize) -> Result<(Text, ContentType), FieldError> {
    let name = Text::parse(name, FILE_NAME_MAX).map_err(|problem| FieldError::new("file_name", problem))?;
    if content.is_empty() {
        return Err(FieldError::new("content", Problem::Required));
    }
    if content.len() > max {
        return Err(FieldError::new("content", Problem::FileTooLarge { max }));
    }
    let kind = ContentType::sniff(content).ok_or(FieldError::new("content", Problem::ContentNotAllowed))?;
    if let Some((_, extension)) = name.as_str().rsplit_once('.') {
        let extension = extension.to_ascii_lowercase();
        if !kind.extensions().contains(&extension.as_str()) {
            return Err(FieldError::new("file_name", Problem::ContentMismatch));
        }
    }
    Ok((name, kind))
}

/// A file attached to a case (its content is sealed with the case's key and read apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// The case.
    pub case_id: CaseId,
    /// The file name as uploaded (absent once shredded).
    pub file_name: Option<Text>,
    /// The type its content has.
    pub content_type: ContentType,
    /// Size in bytes.
    pub size: i64,
    /// Who uploaded it.
    pub uploaded_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// A request for a manager's approval to close a case or send it to an authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// Its id.
    pub id: ApprovalId,
    /// The case.
    pub case_id: CaseId,
    /// Closure or transfer.
    pub kind: ApprovalKind,
    /// The outcome a closure records.
    pub outcome: Option<Outcome>,
    /// The authority a transfer goes to.
    pub authority_agency_id: Option<AgencyId>,
    /// The authority's reference for the matter, when known.
    pub authority_reference: Option<Text>,
    /// Why (absent once shredded).
    pub reason: Option<Text>,
    /// Where it stands.
    pub status: ApprovalStatus,
    /// Who asked.
    pub requested_by: UserId,
    /// When.
    pub requested_at: Timestamp,
    /// The manager who decided.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// The manager's reason for sending it back.
    pub decision_note: Option<Text>,
}

/// The data classes a transfer to an authority of `kind` carries unless the agency
/// configured otherwise: the prosecution receives the file but not where she lives or how
/// to reach her (it summons through the police); a court what it needs to decide; a
/// hospital who she is and how to reach her.
pub fn default_redaction(kind: AuthorityKind) -> BTreeSet<DataClass> {
    use DataClass::*;
    match kind {
        AuthorityKind::Prosecution => [Identity, Summary, Risk, Narrative, Attachments].into(),
        AuthorityKind::Court => [Identity, Summary, Risk].into(),
        AuthorityKind::Hospital => [Identity, Contact, Summary].into(),
        AuthorityKind::Other => [Identity, Summary].into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AssessmentForm {
        let question = |code: &str, kind, options: &[&str], required| Question {
            code: code.into(),
            label_ar: String::new(),
            label_en: String::new(),
            kind,
            options: options.iter().map(|option| option.to_string()).collect(),
            required,
        };
        AssessmentForm {
            id: FormId::from_uuid(uuid::Uuid::nil()),
            agency_id: AgencyId::from_uuid(uuid::Uuid::nil()),
            code: "initial".into(),
            version: 1,
            name_ar: String::new(),
            name_en: String::new(),
            questions: vec![
                question("needs", QuestionKind::Text, &[], true),
                question("housing", QuestionKind::Choice, &["safe", "unsafe"], true),
                question("wellbeing", QuestionKind::Scale, &[], false),
            ],
        }
    }

    #[test]
    fn answers_are_checked_against_the_form() {
        let answers = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
        };
        let kept = form().check_answers(&answers(&[("needs", " سكن "), ("housing", "safe"), ("wellbeing", "٧")]));
        assert_eq!(kept.unwrap(), answers(&[("needs", "سكن"), ("housing", "safe"), ("wellbeing", "7")]));
        let errors =
            form().check_answers(&answers(&[("housing", "maybe"), ("wellbeing", "11"), ("mood", "x")])).unwrap_err();
        let found: Vec<(String, &str)> =
            errors.iter().map(|error| (error.field.clone(), error.problem.code())).collect();
        assert_eq!(
            found,
            [
                ("answers.mood".to_string(), "unknown_value"),
                ("answers.needs".to_string(), "required"),
                ("answers.housing".to_string(), "unknown_value"),
                ("answers.wellbeing".to_string(), "out_of_range"),
            ]
        );
    }

    #[test]
    fn uploads_are_typed_by_their_bytes_not_their_names() {
        let pdf = b"%PDF-1.7\n...";
        assert_eq!(check_upload("report.pdf", pdf, 100).unwrap().1, ContentType::Pdf);
        assert_eq!(check_upload("scan", b"\xFF\xD8\xFF\xE0rest", 100).unwrap().1, ContentType::Jpeg);
        let problem = |result: Result<(Text, ContentType), FieldError>| {
            let error = result.unwrap_err();
            (error.field, error.problem)
        };
        assert_eq!(problem(check_upload("photo.png", pdf, 100)), ("file_name".into(), Problem::ContentMismatch));
        assert_eq!(
            problem(check_upload("run.pdf", b"MZ\x90\x00 not a pdf", 100)),
            ("content".into(), Problem::ContentNotAllowed)
        );
        assert_eq!(problem(check_upload("big.pdf", pdf, 5)), ("content".into(), Problem::FileTooLarge { max: 5 }));
        assert_eq!(problem(check_upload("empty.pdf", b"", 5)), ("content".into(), Problem::Required));
        assert_eq!(problem(check_upload(" ", pdf, 100)), ("file_name".into(), Problem::Required));
    }

    #[test]
    fn courts_and_prosecution_never_receive_contact_details_by_default() {
        assert!(!default_redaction(AuthorityKind::Court).contains(&DataClass::Contact));
        assert!(!default_redaction(AuthorityKind::Prosecution).contains(&DataClass::Contact));
        assert!(default_redaction(AuthorityKind::Prosecution).contains(&DataClass::Attachments));
        for kind in AuthorityKind::ALL {
            assert!(default_redaction(*kind).contains(&DataClass::Identity));
        }
    }

    #[test]
    fn codes_round_trip() {
        for kind in SessionKind::ALL {
            assert_eq!(SessionKind::parse(kind.code()), Ok(*kind));
        }
        assert_eq!(PlanStatus::parse("in_progress"), Ok(PlanStatus::InProgress));
        assert_eq!(Attendance::parse(""), Err(Problem::Required));
        assert_eq!(ServiceKind::parse("spa"), Err(Problem::UnknownValue));
    }
}
