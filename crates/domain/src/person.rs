//! A person as the records know them: an Arabic name in its parts and a Latin name,
//! sex, date of birth, nationality, QID, phones, municipality, language and notes on
//! disability. Registration input is validated as a whole so that a form can show every
//! problem at once, each next to its field.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::country_table::COUNTRIES;
use crate::error::{Errors, FieldError, Problem};
use crate::ids::{AgencyId, PersonId, UserId};
use crate::phone::{LineKind, Phone};
use crate::qid::Qid;
use crate::text::{Text, limits, parse_name};
use crate::time::parse_birth_date;

/// A country of ISO 3166-1, for nationality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    index: usize,
}

impl Country {
    /// Parses an alpha-2 (`QA`), alpha-3 (`QAT`) or numeric (`634`) code.
    pub fn parse(code: &str) -> Result<Country, Problem> {
        let code = code.trim().to_ascii_uppercase();
        let index = if let Ok(numeric) = code.parse::<u16>() {
            COUNTRIES.iter().position(|row| row.2 == numeric)
        } else {
            COUNTRIES.iter().position(|row| row.0 == code || row.1 == code)
        };
        index.map(|index| Country { index }).ok_or(Problem::CountryUnknown)
    }

    /// The country with an ISO 3166 numeric code, if there is one.
    pub fn from_numeric(numeric: u16) -> Option<Country> {
        COUNTRIES.iter().position(|row| row.2 == numeric).map(|index| Country { index })
    }

    /// The alpha-2 code, the form Sila stores and returns.
    pub fn alpha2(&self) -> &'static str {
        COUNTRIES[self.index].0
    }

    /// The numeric code, as inside a QID.
    pub fn numeric(&self) -> u16 {
        COUNTRIES[self.index].2
    }

    /// The English short name (Arabic names come from the message catalogs).
    pub fn english_name(&self) -> &'static str {
        COUNTRIES[self.index].3
    }
}

/// Sex as recorded on the person's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Not known (yet).
    Unknown,
}

impl Sex {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Unknown => "unknown",
        }
    }

    /// The value for a code.
    pub fn parse(code: &str) -> Result<Sex, Problem> {
        match code.trim() {
            "female" => Ok(Sex::Female),
            "male" => Ok(Sex::Male),
            "unknown" => Ok(Sex::Unknown),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// A name in Arabic script, in the parts an ID card gives: first, father, grandfather,
/// family. People give two, three or four of them, so only the first is required.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArabicName {
    /// The given name.
    pub first: Option<Text>,
    /// The father's name.
    pub father: Option<Text>,
    /// The grandfather's name.
    pub grandfather: Option<Text>,
    /// The family (tribe or house) name.
    pub family: Option<Text>,
}

impl ArabicName {
    /// The parts that are present, in order.
    pub fn parts(&self) -> impl Iterator<Item = &Text> {
        [&self.first, &self.father, &self.grandfather, &self.family].into_iter().flatten()
    }

    /// The full name as one line, parts separated by a space.
    pub fn full(&self) -> String {
        self.parts().map(Text::as_str).collect::<Vec<_>>().join(" ")
    }
}

/// One phone line of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneLine {
    /// The number.
    pub phone: Phone,
}

/// The registration of a person as typed into a form or a request: every field as text,
/// nothing validated yet.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    /// Arabic first name.
    pub first_name_ar: Option<String>,
    /// Arabic father's name.
    pub father_name_ar: Option<String>,
    /// Arabic grandfather's name.
    pub grandfather_name_ar: Option<String>,
    /// Arabic family name.
    pub family_name_ar: Option<String>,
    /// Full name in Latin letters.
    pub name_latin: Option<String>,
    /// `female`, `male` or `unknown`.
    pub sex: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// ISO 3166 code.
    pub nationality: Option<String>,
    /// Qatar ID number.
    pub qid: Option<String>,
    /// Phone lines: the number and, optionally, the kind (`hotline` allows short numbers).
    pub phones: Vec<(String, Option<String>)>,
    /// Municipality or zone.
    pub municipality: Option<String>,
    /// Preferred language (ISO 639-1, e.g. `ar`).
    pub language: Option<String>,
    /// Notes on disability or needs.
    pub disability_notes: Option<String>,
}

/// A validated person record, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonDetails {
    /// The name in Arabic script.
    pub name_ar: ArabicName,
    /// The full name in Latin letters.
    pub name_latin: Option<Text>,
    /// Sex.
    pub sex: Sex,
    /// Date of birth.
    pub birth_date: Option<Date>,
    /// Nationality.
    pub nationality: Option<Country>,
    /// Qatar ID number.
    pub qid: Option<Qid>,
    /// Phone lines.
    pub phones: Vec<PhoneLine>,
    /// Municipality or zone.
    pub municipality: Option<Text>,
    /// Preferred language.
    pub language: Option<String>,
    /// Notes on disability or needs.
    pub disability_notes: Option<Text>,
}

impl PersonDetails {
    /// Validates a registration, collecting every problem with its field name.
    pub fn validate(input: &PersonInput, today: Date) -> Result<PersonDetails, Vec<FieldError>> {
        let mut errors = Errors::new();
        let name_part = |field: &str, value: &Option<String>, errors: &mut Errors| -> Option<Text> {
            match value.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => errors.check(field, parse_name(text, limits::NAME_PART)),
            }
        };
        let name_ar = ArabicName {
            first: name_part("first_name_ar", &input.first_name_ar, &mut errors),
            father: name_part("father_name_ar", &input.father_name_ar, &mut errors),
            grandfather: name_part("grandfather_name_ar", &input.grandfather_name_ar, &mut errors),
            family: name_part("family_name_ar", &input.family_name_ar, &mut errors),
        };
        let name_latin = match input.name_latin.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => errors.check("name_latin", parse_name(text, limits::LATIN_NAME)),
        };
        let any_arabic_part = [&input.father_name_ar, &input.grandfather_name_ar, &input.family_name_ar]
            .iter()
            .any(|part| part.as_deref().is_some_and(|text| !text.trim().is_empty()));
        let first_missing = input.first_name_ar.as_deref().is_none_or(|text| text.trim().is_empty());
        if first_missing && (any_arabic_part || input.name_latin.as_deref().is_none_or(|text| text.trim().is_empty())) {
            // A name is needed to find the person again: the Arabic first name, or at
            // least the Latin name when only the ID card's Latin line is known.
            errors.add("first_name_ar", Problem::Required);
        }
        let sex = errors.check("sex", Sex::parse(input.sex.as_deref().unwrap_or("")));
        let birth_date =
            optional(&mut errors, "birth_date", input.birth_date.as_deref(), |text| parse_birth_date(text, today));
        let nationality = optional(&mut errors, "nationality", input.nationality.as_deref(), Country::parse);
        let qid = optional(&mut errors, "qid", input.qid.as_deref(), |text| Qid::parse(text, today));
        if let Some(qid) = &qid
            && let Err(problem) = qid.check_consistency(birth_date, nationality.as_ref())
        {
            errors.add("qid", problem);
        }
        if input.phones.len() > PHONES_MAX {
            errors.add("phones", Problem::TooMany { max: PHONES_MAX });
        }
        let mut phones = Vec::with_capacity(input.phones.len().min(PHONES_MAX));
        for (index, (number, kind)) in input.phones.iter().take(PHONES_MAX).enumerate() {
            let kind = match kind.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(code) => errors.check(format!("phones[{index}].kind"), LineKind::parse(code)),
            };
            let hotline = kind == Some(LineKind::Hotline);
            if let Some(phone) = errors.check(format!("phones[{index}].number"), Phone::parse(number, hotline)) {
                if phones.iter().any(|line: &PhoneLine| line.phone == phone) {
                    errors.add(format!("phones[{index}].number"), Problem::Duplicate);
                } else {
                    phones.push(PhoneLine { phone });
                }
            }
        }
        let municipality =
            errors.check("municipality", Text::parse_optional(input.municipality.as_deref(), limits::SHORT)).flatten();
        let language = optional(&mut errors, "language", input.language.as_deref(), parse_language);
        let disability_notes = errors
            .check("disability_notes", Text::parse_optional(input.disability_notes.as_deref(), limits::SHORT))
            .flatten();
        errors.finish()?;
        let Some(sex) = sex else {
            return Err(vec![FieldError::new("sex", Problem::Required)]);
        };
        Ok(PersonDetails {
            name_ar,
            name_latin,
            sex,
            birth_date,
            nationality,
            qid,
            phones,
            municipality,
            language,
            disability_notes,
        })
    }

    /// The name to show: the Arabic full name, or the Latin one when there is no Arabic.
    pub fn display_name(&self) -> String {
        let arabic = self.name_ar.full();
        if arabic.is_empty() {
            self.name_latin.as_ref().map(|text| text.as_str().to_string()).unwrap_or_default()
        } else {
            arabic
        }
    }

    /// The normalised form of every name the person is known by, for search.
    pub fn search_text(&self) -> String {
        let mut text = sila_arabic::normalize(&self.name_ar.full());
        if let Some(latin) = &self.name_latin {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&sila_arabic::normalize(latin.as_str()));
        }
        text
    }
}

/// A stored person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Its id.
    pub id: PersonId,
    /// The agency that registered the person and holds the full record.
    pub registered_by_agency_id: AgencyId,
    /// The details.
    pub details: PersonDetails,
    /// Who registered the person.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// The most phone lines a person's record holds (more is a typing or a script's error).
pub const PHONES_MAX: usize = 10;

/// A band of ages: what a search shows of a person outside the searcher's work instead of
/// her date of birth (enough to tell a child from her mother, not to identify her).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AgeBand {
    /// 0 to 5 years.
    UnderSix,
    /// 6 to 11.
    SixToEleven,
    /// 12 to 17.
    TwelveToSeventeen,
    /// 18 to 29.
    EighteenToTwentyNine,
    /// 30 to 44.
    ThirtyToFortyFour,
    /// 45 to 59.
    FortyFiveToFiftyNine,
    /// 60 and older.
    SixtyAndOver,
}

impl AgeBand {
    /// The band of a person born on `birth`, on `today`.
    pub fn of(birth: jiff::civil::Date, today: jiff::civil::Date) -> AgeBand {
        match crate::time::age_on(birth, today) {
            ..=5 => AgeBand::UnderSix,
            6..=11 => AgeBand::SixToEleven,
            12..=17 => AgeBand::TwelveToSeventeen,
            18..=29 => AgeBand::EighteenToTwentyNine,
            30..=44 => AgeBand::ThirtyToFortyFour,
            45..=59 => AgeBand::FortyFiveToFiftyNine,
            _ => AgeBand::SixtyAndOver,
        }
    }

    /// Its code (also the key of its label): `0-5`, `6-11`, … `60+`.
    pub fn code(self) -> &'static str {
        match self {
            AgeBand::UnderSix => "0-5",
            AgeBand::SixToEleven => "6-11",
            AgeBand::TwelveToSeventeen => "12-17",
            AgeBand::EighteenToTwentyNine => "18-29",
            AgeBand::ThirtyToFortyFour => "30-44",
            AgeBand::FortyFiveToFiftyNine => "45-59",
            AgeBand::SixtyAndOver => "60+",
        }
    }
}

fn optional<T>(
    errors: &mut Errors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, Problem>,
) -> Option<T> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(text) => errors.check(field, parse(text)),
    }
}

fn parse_language(code: &str) -> Result<String, Problem> {
    let code = code.trim().to_ascii_lowercase();
    if (2..=3).contains(&code.len()) && code.chars().all(|ch| ch.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(Problem::UnknownValue)
    }
}

/// The role a person plays in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonRole {
    /// The woman (or man) the case is about: survivor or victim.
    Survivor,
    /// A child in the case.
    Child,
    /// The person alleged to cause harm.
    AllegedPerpetrator,
    /// The person who reported.
    ReportingPerson,
    /// A guardian.
    Guardian,
    /// The parent who has custody.
    CustodialParent,
    /// The parent without custody.
    NonCustodialParent,
    /// A witness.
    Witness,
}

impl PersonRole {
    /// Every role, in the order forms list them.
    pub const ALL: [PersonRole; 8] = [
        PersonRole::Survivor,
        PersonRole::Child,
        PersonRole::AllegedPerpetrator,
        PersonRole::ReportingPerson,
        PersonRole::Guardian,
        PersonRole::CustodialParent,
        PersonRole::NonCustodialParent,
        PersonRole::Witness,
    ];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PersonRole::Survivor => "survivor",
            PersonRole::Child => "child",
            PersonRole::AllegedPerpetrator => "alleged_perpetrator",
            PersonRole::ReportingPerson => "reporting_person",
            PersonRole::Guardian => "guardian",
            PersonRole::CustodialParent => "custodial_parent",
            PersonRole::NonCustodialParent => "non_custodial_parent",
            PersonRole::Witness => "witness",
        }
    }

    /// The role for a code.
    pub fn parse(code: &str) -> Result<PersonRole, Problem> {
        PersonRole::ALL.into_iter().find(|role| role.code() == code.trim()).ok_or(if code.trim().is_empty() {
            Problem::Required
        } else {
            Problem::UnknownValue
        })
    }
}

impl fmt::Display for PersonRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn age_bands_turn_on_the_birthday() {
        use super::AgeBand;
        let date = |y, m, d| jiff::civil::date(y, m, d);
        assert_eq!(AgeBand::of(date(2020, 12, 5), date(2026, 12, 4)), AgeBand::UnderSix);
        assert_eq!(AgeBand::of(date(2020, 12, 4), date(2026, 12, 4)), AgeBand::SixToEleven);
        assert_eq!(AgeBand::of(date(2009, 1, 1), date(2026, 12, 4)), AgeBand::TwelveToSeventeen);
        assert_eq!(AgeBand::of(date(2008, 12, 4), date(2026, 12, 4)), AgeBand::EighteenToTwentyNine);
        assert_eq!(AgeBand::of(date(1966, 12, 4), date(2026, 12, 4)).code(), "60+");
    }

    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 29);

    fn woman() -> PersonInput {
        PersonInput {
            first_name_ar: Some("نورة".into()),
            father_name_ar: Some("سالم".into()),
            family_name_ar: Some("المري".into()),
            name_latin: Some("Noura Salem Al-Marri".into()),
            sex: Some("female".into()),
            birth_date: Some("1990-05-14".into()),
            nationality: Some("QA".into()),
            qid: Some("29063400123".into()),
            phones: vec![("5512 3456".into(), None)],
            ..PersonInput::default()
        }
    }

    #[test]
    fn a_complete_registration_validates() {
        let person = PersonDetails::validate(&woman(), TODAY).unwrap();
        assert_eq!(person.display_name(), "نورة سالم المري");
        assert_eq!(person.phones[0].phone.as_str(), "+97455123456");
        assert_eq!(person.nationality.unwrap().alpha2(), "QA");
        assert_eq!(person.search_text(), "نوره سالم المري noura salem al marri");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let input = PersonInput {
            qid: Some("2906340012".into()),
            birth_date: Some("2030-01-01".into()),
            phones: vec![("55123456".into(), None), ("123".into(), None), ("+974 5512 3456".into(), None)],
            sex: Some("woman".into()),
            ..woman()
        };
        let errors = PersonDetails::validate(&input, TODAY).unwrap_err();
        let found: Vec<(&str, Problem)> = errors.iter().map(|error| (error.field.as_str(), error.problem)).collect();
        assert_eq!(
            found,
            vec![
                ("sex", Problem::UnknownValue),
                ("birth_date", Problem::DateInFuture),
                ("qid", Problem::QidLength),
                ("phones[1].number", Problem::PhoneShortNotHotline),
                ("phones[2].number", Problem::Duplicate),
            ]
        );
    }

    #[test]
    fn qid_must_agree_with_birth_date_and_nationality() {
        let input = PersonInput { birth_date: Some("1991-05-14".into()), ..woman() };
        let errors = PersonDetails::validate(&input, TODAY).unwrap_err();
        assert_eq!(errors, vec![FieldError::new("qid", Problem::QidBirthYearMismatch)]);
        let input = PersonInput { nationality: Some("EG".into()), ..woman() };
        let errors = PersonDetails::validate(&input, TODAY).unwrap_err();
        assert_eq!(errors, vec![FieldError::new("qid", Problem::QidNationalityMismatch)]);
    }

    #[test]
    fn a_child_may_have_no_qid_and_only_a_first_name() {
        let input = PersonInput {
            first_name_ar: Some("ريم".into()),
            sex: Some("female".into()),
            birth_date: Some("2018-02-01".into()),
            ..PersonInput::default()
        };
        let child = PersonDetails::validate(&input, TODAY).unwrap();
        assert!(child.qid.is_none());
    }

    #[test]
    fn a_name_is_required() {
        let input = PersonInput { sex: Some("male".into()), ..PersonInput::default() };
        assert_eq!(
            PersonDetails::validate(&input, TODAY).unwrap_err(),
            vec![FieldError::new("first_name_ar", Problem::Required)]
        );
        let latin_only = PersonInput { name_latin: Some("Suad Al-Shemari".into()), ..input };
        assert!(PersonDetails::validate(&latin_only, TODAY).is_ok());
    }

    #[test]
    fn countries_parse_in_three_forms() {
        for code in ["QA", "qa", "QAT", "634"] {
            assert_eq!(Country::parse(code).unwrap().numeric(), 634, "{code}");
        }
        assert_eq!(Country::parse("XX"), Err(Problem::CountryUnknown));
    }

    #[test]
    fn roles_round_trip() {
        for role in PersonRole::ALL {
            assert_eq!(PersonRole::parse(role.code()), Ok(role));
        }
        assert_eq!(PersonRole::parse("neighbour"), Err(Problem::UnknownValue));
    }
}
