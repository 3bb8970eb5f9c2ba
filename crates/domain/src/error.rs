//! What can be wrong with an input, as stable codes. The pages and the API translate
//! the code (never an English sentence) into Arabic or English, and name the field.

use std::fmt;

/// What is wrong with one value. Each variant has a stable `snake_case` code used as the
/// key of the translated message; the code never changes once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A required value is missing or empty.
    Required,
    /// The text is longer than allowed.
    TooLong {
        /// The maximum number of characters.
        max: usize,
    },
    /// The text is shorter than allowed.
    TooShort {
        /// The minimum number of characters.
        min: usize,
    },
    /// The text contains control characters or no letter where a name is expected.
    InvalidText,
    /// Not one of the accepted values (an enumeration code, a category, …).
    UnknownValue,
    /// Not a well-formed identifier.
    InvalidId,
    /// Not a calendar date in the form `YYYY-MM-DD`.
    InvalidDate,
    /// A date that must be in the past (a date of birth) lies in the future.
    DateInFuture,
    /// A date that must be in the future (an expiry) is today or earlier.
    DateNotInFuture,
    /// A date before 1900, which no living person's record has.
    DateTooEarly,
    /// A QID must have exactly 11 digits.
    QidLength,
    /// A QID contains something other than digits.
    QidDigits,
    /// The first digit of a QID gives the birth century and must be 2 or 3.
    QidCentury,
    /// Digits 4–6 of a QID must be an ISO 3166 numeric country code.
    QidNationalityUnknown,
    /// The birth year inside the QID differs from the date of birth.
    QidBirthYearMismatch,
    /// The nationality inside the QID differs from the stated nationality.
    QidNationalityMismatch,
    /// The birth year inside the QID lies in the future.
    QidBirthYearInFuture,
    /// A phone number is not in international form (E.164: `+` and 8 to 15 digits).
    PhoneFormat,
    /// A Qatar number (+974) must have 8 digits after the country code.
    PhoneQatarLength,
    /// A Qatar number must start with 3, 5, 6 or 7 (mobile) or 4 (landline).
    PhoneQatarPrefix,
    /// A short number (3 to 6 digits) is allowed only for a line marked as a hotline.
    PhoneShortNotHotline,
    /// A country code that ISO 3166 does not define.
    CountryUnknown,
    /// A username may use lower-case Latin letters, digits, `.`, `_` and `-`.
    UsernameFormat,
    /// A list that must hold at least one element is empty.
    EmptyList,
    /// The same value appears twice in a list that must not repeat.
    Duplicate,
    /// A chosen risk level is lower than the level the score gives.
    RiskLevelBelowScore,
    /// The person is not a child, so a mandatory-protection basis cannot apply.
    NotAChild,
    /// The end of a period lies before (or at) its start.
    EndBeforeStart,
    /// Two references that must name different records name the same one.
    SamePerson,
    /// A directory code (an office's `HQ`) may use Latin letters, digits, `_` and `-`.
    CodeFormat,
    /// An uploaded file is larger than allowed.
    FileTooLarge {
        /// The maximum size in bytes.
        max: usize,
    },
    /// An uploaded file's content is not of an accepted type (checked by its bytes).
    ContentNotAllowed,
    /// A file's name claims another type than its content has.
    ContentMismatch,
    /// A number outside the allowed range.
    OutOfRange,
    /// A time that is not of the form HH:MM.
    InvalidTime,
    /// A recurrence rule outside the supported subset of RFC 5545.
    InvalidRecurrence,
    /// A text that must be written in words (a reason) has fewer distinct words than
    /// asked, or words without letters.
    TooFewWords {
        /// The minimum number of distinct words.
        min: usize,
    },
    /// A repeated value (a password typed twice) differs from the first.
    Mismatch,
    /// The current password given to change it is not the right one.
    WrongPassword,
    /// A one-time link that was used, replaced, has expired, or never existed.
    LinkNotValid,
    /// Too many wrong codes were typed for this record; no more are compared.
    AttemptsExhausted,
    /// A step of a visit recorded outside the visit's day.
    NotOnVisitDay,
    /// A step of a visit out of its course (a second arrival, a handover before both
    /// arrived, a return before the handover).
    OutOfOrder,
    /// The event to correct was already corrected.
    AlreadyCorrected,
    /// A list holds more elements than allowed.
    TooMany {
        /// The most elements it may hold.
        max: usize,
    },
}

impl Problem {
    /// The stable code of this problem, the key of its translated message.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::TooShort { .. } => "too_short",
            Problem::InvalidText => "invalid_text",
            Problem::UnknownValue => "unknown_value",
            Problem::InvalidId => "invalid_id",
            Problem::InvalidDate => "invalid_date",
            Problem::DateInFuture => "date_in_future",
            Problem::DateNotInFuture => "date_not_in_future",
            Problem::DateTooEarly => "date_too_early",
            Problem::QidLength => "qid_length",
            Problem::QidDigits => "qid_digits",
            Problem::QidCentury => "qid_century",
            Problem::QidNationalityUnknown => "qid_nationality_unknown",
            Problem::QidBirthYearMismatch => "qid_birth_year_mismatch",
            Problem::QidNationalityMismatch => "qid_nationality_mismatch",
            Problem::QidBirthYearInFuture => "qid_birth_year_in_future",
            Problem::PhoneFormat => "phone_format",
            Problem::PhoneQatarLength => "phone_qatar_length",
            Problem::PhoneQatarPrefix => "phone_qatar_prefix",
            Problem::PhoneShortNotHotline => "phone_short_not_hotline",
            Problem::CountryUnknown => "country_unknown",
            Problem::UsernameFormat => "username_format",
            Problem::EmptyList => "empty_list",
            Problem::Duplicate => "duplicate",
            Problem::RiskLevelBelowScore => "risk_level_below_score",
            Problem::NotAChild => "not_a_child",
            Problem::EndBeforeStart => "end_before_start",
            Problem::SamePerson => "same_person",
            Problem::CodeFormat => "code_format",
            Problem::FileTooLarge { .. } => "file_too_large",
            Problem::ContentNotAllowed => "content_not_allowed",
            Problem::ContentMismatch => "content_mismatch",
            Problem::OutOfRange => "out_of_range",
            Problem::InvalidTime => "invalid_time",
            Problem::InvalidRecurrence => "invalid_recurrence",
            Problem::TooFewWords { .. } => "too_few_words",
            Problem::Mismatch => "mismatch",
            Problem::WrongPassword => "wrong_password",
            Problem::LinkNotValid => "link_not_valid",
            Problem::AttemptsExhausted => "attempts_exhausted",
            Problem::NotOnVisitDay => "not_on_visit_day",
            Problem::OutOfOrder => "out_of_order",
            Problem::AlreadyCorrected => "already_corrected",
            Problem::TooMany { .. } => "too_many",
        }
    }

    /// The number a message may quote (a length limit), if any.
    pub fn limit(&self) -> Option<usize> {
        match self {
            Problem::TooLong { max } => Some(*max),
            Problem::TooShort { min } => Some(*min),
            Problem::FileTooLarge { max } => Some(*max),
            Problem::TooFewWords { min } => Some(*min),
            Problem::TooMany { max } => Some(*max),
            _ => None,
        }
    }

    /// Every problem, for tests that check each code has a translation.
    pub fn all() -> Vec<Problem> {
        vec![
            Problem::Required,
            Problem::TooLong { max: 1 },
            Problem::TooShort { min: 1 },
            Problem::InvalidText,
            Problem::UnknownValue,
            Problem::InvalidId,
            Problem::InvalidDate,
            Problem::DateInFuture,
            Problem::DateNotInFuture,
            Problem::DateTooEarly,
            Problem::QidLength,
            Problem::QidDigits,
            Problem::QidCentury,
            Problem::QidNationalityUnknown,
            Problem::QidBirthYearMismatch,
            Problem::QidNationalityMismatch,
            Problem::QidBirthYearInFuture,
            Problem::PhoneFormat,
            Problem::PhoneQatarLength,
            Problem::PhoneQatarPrefix,
            Problem::PhoneShortNotHotline,
            Problem::CountryUnknown,
            Problem::UsernameFormat,
            Problem::EmptyList,
            Problem::Duplicate,
            Problem::RiskLevelBelowScore,
            Problem::NotAChild,
            Problem::EndBeforeStart,
            Problem::SamePerson,
            Problem::CodeFormat,
            Problem::FileTooLarge { max: 1 },
            Problem::ContentNotAllowed,
            Problem::ContentMismatch,
            Problem::OutOfRange,
            Problem::InvalidTime,
            Problem::InvalidRecurrence,
            Problem::TooFewWords { min: 1 },
            Problem::Mismatch,
            Problem::WrongPassword,
            Problem::LinkNotValid,
            Problem::AttemptsExhausted,
            Problem::NotOnVisitDay,
            Problem::OutOfOrder,
            Problem::AlreadyCorrected,
            Problem::TooMany { max: 1 },
        ]
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A problem with a named input field. `field` is the path of the field in the request
/// as the client wrote it (`qid`, `phones[1].number`, `answers.fear`), so that a form can
/// put the message next to the right control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The path of the field in the request.
    pub field: String,
    /// What is wrong with it.
    pub problem: Problem,
}

impl FieldError {
    /// A problem with the field at `field`.
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        FieldError { field: field.into(), problem }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// Collects every field error of one input, so that a form shows all of them at once
/// instead of one per round trip.
#[derive(Debug, Default)]
pub struct Errors {
    errors: Vec<FieldError>,
}

impl Errors {
    /// An empty collection.
    pub fn new() -> Self {
        Errors::default()
    }

    /// Records `problem` for `field`.
    pub fn add(&mut self, field: impl Into<String>, problem: Problem) {
        self.errors.push(FieldError::new(field, problem));
    }

    /// Keeps the value of `result`, or records its problem for `field` and gives `None`.
    pub fn check<T>(&mut self, field: impl Into<String>, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else every recorded error.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() { Ok(()) } else { Err(self.errors) }
    }

    /// The recorded errors.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.errors
    }
}
