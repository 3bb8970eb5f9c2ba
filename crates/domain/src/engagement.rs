//! What a centre does besides cases: one-off consultations (legal, social or
//! psychological, walk-in or by phone, possibly anonymous) and awareness activities
//! (lectures, workshops, campaigns) with their attendance by sex and age group — both
//! counted for statistics, with small cells suppressed.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::error::{Errors, FieldError, Problem};
use crate::ids::{ActivityId, AgencyId, ConsultationId, PersonId, UserId};
use crate::text::Text;

code_enum!(
    /// What a consultation was about.
    ConsultationKind {
        /// Legal advice.
        Legal = "legal",
        /// Social advice.
        Social = "social",
        /// Psychological support.
        Psychological = "psychological",
    }
);

code_enum!(
    /// How the person reached the centre.
    Channel {
        /// In person.
        WalkIn = "walk_in",
        /// By telephone (the hotline).
        Phone = "phone",
    }
);

code_enum!(
    /// An age group, for counting.
    AgeGroup {
        /// Under 18.
        Under18 = "under_18",
        /// 18 to 29.
        From18To29 = "18_29",
        /// 30 to 59.
        From30To59 = "30_59",
        /// 60 and over.
        From60 = "60_plus",
    }
);

code_enum!(
    /// Sex as counted (anonymous consultations may leave it out).
    CountedSex {
        /// Female.
        Female = "female",
        /// Male.
        Male = "male",
    }
);

code_enum!(
    /// What kind of awareness activity.
    ActivityKind {
        /// A lecture.
        Lecture = "lecture",
        /// A workshop.
        Workshop = "workshop",
        /// A campaign.
        Campaign = "campaign",
    }
);

/// A one-off consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    /// Its id.
    pub id: ConsultationId,
    /// The agency that gave it.
    pub agency_id: AgencyId,
    /// What about.
    pub kind: ConsultationKind,
    /// How.
    pub channel: Channel,
    /// The person, when not anonymous.
    pub person_id: Option<PersonId>,
    /// Sex, when known.
    pub sex: Option<CountedSex>,
    /// Age group, when known.
    pub age_group: Option<AgeGroup>,
    /// What was asked and advised (absent once shredded).
    pub summary: Option<Text>,
    /// Who gave it.
    pub recorded_by: UserId,
    /// The day.
    pub held_on: Date,
    /// When recorded.
    pub created_at: Timestamp,
}

/// An awareness activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Its id.
    pub id: ActivityId,
    /// The agency that held it.
    pub agency_id: AgencyId,
    /// What kind.
    pub kind: ActivityKind,
    /// Its title.
    pub title: Text,
    /// Who it was for (students of a school, mothers at a health centre, …).
    pub audience: Text,
    /// Where.
    pub place: Text,
    /// The partner organisation, if any.
    pub partner: Option<Text>,
    /// The day.
    pub held_on: Date,
    /// Attendance: (sex, age group, number), one row per cell.
    pub attendance: Vec<(CountedSex, AgeGroup, u32)>,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// The most attendees one cell may count.
pub const ATTENDANCE_MAX: u32 = 100_000;

/// Checks attendance rows as typed: `(sex, age group, number)` each; field paths are
/// `attendance[i].sex` and so on. A cell named twice is refused.
pub fn check_attendance(
    rows: &[(String, String, String)],
) -> Result<Vec<(CountedSex, AgeGroup, u32)>, Vec<FieldError>> {
    let mut errors = Errors::new();
    let mut kept: Vec<(CountedSex, AgeGroup, u32)> = Vec::new();
    for (index, (sex, age, number)) in rows.iter().enumerate() {
        let sex = errors.check(format!("attendance[{index}].sex"), CountedSex::parse(sex));
        let age = errors.check(format!("attendance[{index}].age_group"), AgeGroup::parse(age));
        let number = errors.check(
            format!("attendance[{index}].attendees"),
            crate::time::ascii_digits(number.trim())
                .parse::<u32>()
                .ok()
                .filter(|number| *number <= ATTENDANCE_MAX)
                .ok_or(Problem::OutOfRange),
        );
        if let (Some(sex), Some(age), Some(number)) = (sex, age, number) {
            if kept.iter().any(|(other_sex, other_age, _)| *other_sex == sex && *other_age == age) {
                errors.add(format!("attendance[{index}].age_group"), Problem::Duplicate);
            } else {
                kept.push((sex, age, number));
            }
        }
    }
    if rows.is_empty() {
        errors.add("attendance", Problem::EmptyList);
    }
    errors.finish().map(|()| kept)
}

/// A count as published: a number, or `<5` for 1–4 (so that nobody is singled out).
pub fn suppressed(count: u64) -> String {
    if (1..5).contains(&count) { "<5".into() } else { count.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sex: &str, age: &str, number: &str) -> (String, String, String) {
        (sex.into(), age.into(), number.into())
    }

    #[test]
    fn attendance_is_checked_cell_by_cell() {
        let kept = check_attendance(&[row("female", "18_29", "٤٠"), row("male", "under_18", "12")]).unwrap();
        assert_eq!(kept, [(CountedSex::Female, AgeGroup::From18To29, 40), (CountedSex::Male, AgeGroup::Under18, 12)]);
        let errors =
            check_attendance(&[row("female", "18_29", "4"), row("female", "18_29", "5"), row("x", "old", "-1")])
                .unwrap_err();
        let found: Vec<(String, &str)> =
            errors.iter().map(|error| (error.field.clone(), error.problem.code())).collect();
        assert_eq!(
            found,
            [
                ("attendance[1].age_group".to_string(), "duplicate"),
                ("attendance[2].sex".to_string(), "unknown_value"),
                ("attendance[2].age_group".to_string(), "unknown_value"),
                ("attendance[2].attendees".to_string(), "out_of_range"),
            ]
        );
        assert_eq!(check_attendance(&[]).unwrap_err()[0].problem, Problem::EmptyList);
    }

    #[test]
    fn small_counts_are_suppressed() {
        assert_eq!([0, 1, 4, 5, 12].map(suppressed), ["0", "<5", "<5", "5", "12"]);
    }
}
