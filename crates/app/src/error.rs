//! The errors of the use cases, each with a stable `snake_case` code and an HTTP
//! meaning. Messages are not here: the web layer translates the code into Arabic or
//! English and names the field.

use std::collections::BTreeSet;

use sila_domain::consent::DataClass;
use sila_domain::protocol::RuleViolation;
use sila_domain::{FieldError, Problem};

/// A conflict with the current state of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The lifecycle does not allow this step from the current status.
    TransitionNotAllowed,
    /// The record changed since the client read it.
    StaleVersion,
    /// A unique value is already taken.
    Duplicate,
    /// A person with this QID is already registered in the agency.
    QidAlreadyRegistered,
    /// The person already has this role in the case.
    PersonAlreadyInCase,
    /// The case already has an open referral to that agency.
    ReferralAlreadyOpen,
    /// The consent was already withdrawn.
    AlreadyWithdrawn,
    /// The case is closed or transferred.
    CaseNotOpen,
    /// A request with this idempotency key is still running.
    IdempotencyInProgress,
    /// A centre case goes to an authority through its referral's `transferred` step.
    TransferThroughReferral,
    /// The content was crypto-shredded at the end of its retention.
    Shredded,
    /// The user already enrolled in two-factor sign-in.
    AlreadyEnrolled,
    /// The person was merged into another record (or a merge asked for is undone).
    AlreadyMerged,
    /// The person was not merged into another record: there is nothing to undo.
    NotMerged,
    /// The worker already has a session at that time.
    SlotTaken,
    /// A closure or transfer of the case already waits for the manager.
    ApprovalPending,
    /// The request was already decided.
    AlreadyDecided,
    /// A change to an account is approved by another administrator than the one who
    /// asked for it (and never by the user concerned).
    SecondAdministratorRequired,
    /// A change to this account already waits for a second administrator.
    AccountChangeWaiting,
}

impl Conflict {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::TransitionNotAllowed => "transition_not_allowed",
            Conflict::StaleVersion => "stale_version",
            Conflict::Duplicate => "duplicate",
            Conflict::QidAlreadyRegistered => "qid_already_registered",
            Conflict::PersonAlreadyInCase => "person_already_in_case",
            Conflict::ReferralAlreadyOpen => "referral_already_open",
            Conflict::AlreadyWithdrawn => "already_withdrawn",
            Conflict::CaseNotOpen => "case_not_open",
            Conflict::IdempotencyInProgress => "idempotency_in_progress",
            Conflict::TransferThroughReferral => "transfer_through_referral",
            Conflict::Shredded => "content_shredded",
            Conflict::AlreadyEnrolled => "totp_already_enrolled",
            Conflict::AlreadyMerged => "person_already_merged",
            Conflict::NotMerged => "person_not_merged",
            Conflict::SlotTaken => "slot_taken",
            Conflict::ApprovalPending => "approval_pending",
            Conflict::AlreadyDecided => "already_decided",
            Conflict::SecondAdministratorRequired => "second_administrator_required",
            Conflict::AccountChangeWaiting => "account_change_waiting",
        }
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The input is invalid; every problem with its field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// No valid session or token.
    #[error("not signed in")]
    Unauthenticated,
    /// Wrong username or password (never says which).
    #[error("sign-in failed")]
    SignInFailed,
    /// Too many failed sign-ins: locked for a while.
    #[error("too many attempts")]
    TooManyAttempts {
        /// Seconds until the lock ends.
        retry_after_seconds: i64,
    },
    /// One account reads faster than any person does: its reads wait a moment, so
    /// that it cannot starve everyone else's (`App::begin_read`).
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the account may read again.
        retry_after_seconds: i64,
    },
    /// The user must enrol in two-factor sign-in before anything else.
    #[error("two-factor enrolment required")]
    EnrolmentRequired,
    /// An API token's scope does not allow this request.
    #[error("token scope")]
    TokenScope,
    /// A cross-site request was refused (CSRF).
    #[error("cross-site request refused")]
    CrossSite,
    /// The actor may see the record but not do this to it.
    #[error("forbidden")]
    Forbidden,
    /// A person's record outside the actor's scope of work: opened only after they state
    /// why (`App::open_person`).
    #[error("purpose required")]
    PurposeRequired,
    /// No such record — or one the actor may not see, which must look the same.
    #[error("not found")]
    NotFound,
    /// A record the actor may not see: answered as [`AppError::NotFound`], audited as a
    /// denial.
    #[error("not found")]
    Hidden,
    /// The state of a record does not allow it.
    #[error("conflict: {}", .0.code())]
    Conflict(Conflict),
    /// A referral rule forbids it.
    #[error("rule: {}", .0.code())]
    Rule(RuleViolation),
    /// The idempotency key was used for a different request.
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// The database is unreachable or not migrated.
    #[error("unavailable")]
    Unavailable,
    /// Anything unexpected; logged once, answered as a plain 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, problem: Problem) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, problem)])
    }

    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(errors) => errors.first().map(|error| error.problem.code()).unwrap_or("invalid_input"),
            AppError::Unauthenticated => "not_signed_in",
            AppError::SignInFailed => "sign_in_failed",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::EnrolmentRequired => "totp_enrolment_required",
            AppError::TokenScope => "token_scope",
            AppError::CrossSite => "csrf_rejected",
            AppError::Forbidden => "forbidden",
            AppError::PurposeRequired => "purpose_required",
            AppError::NotFound | AppError::Hidden => "not_found",
            AppError::Conflict(conflict) => conflict.code(),
            AppError::Rule(rule) => rule.code(),
            AppError::IdempotencyKeyReused => "idempotency_key_reused",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The data classes a rule error is about (missing consent, not in the protocol).
    pub fn data_classes(&self) -> Option<&BTreeSet<DataClass>> {
        match self {
            AppError::Rule(RuleViolation::ConsentMissing(classes))
            | AppError::Rule(RuleViolation::DataClassNotInProtocol(classes)) => Some(classes),
            _ => None,
        }
    }
}
