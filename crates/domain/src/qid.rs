//! The Qatar ID number (QID): 11 digits. The first digit gives the birth century (2 for
//! the 1900s, 3 for the 2000s), the next two the year of birth, the next three the ISO
//! 3166 numeric code of the nationality (634 for Qatar), and the last five a serial.
//! No check digit is published, so validation is structural, plus consistency with the
//! date of birth and the nationality when those are known.

use std::fmt;

use jiff::civil::Date;

use crate::error::Problem;
use crate::person::Country;

/// A structurally valid QID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Qid(String);

impl Qid {
    /// Parses a QID as typed: spaces and dashes between digit groups are ignored, and
    /// Arabic-Indic digits are accepted. `today` bounds the birth year.
    pub fn parse(input: &str, today: Date) -> Result<Qid, Problem> {
        let mut digits = String::with_capacity(11);
        for ch in input.chars() {
            match ch {
                ' ' | '-' | '\u{00A0}' => continue,
                '0'..='9' => digits.push(ch),
                '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' => {
                    let zero = if ch <= '\u{0669}' { 0x0660 } else { 0x06F0 };
                    digits.push(char::from_digit(u32::from(ch) - zero, 10).unwrap_or('0'));
                }
                _ => return Err(Problem::QidDigits),
            }
        }
        if digits.is_empty() {
            return Err(Problem::Required);
        }
        if digits.len() != 11 {
            return Err(Problem::QidLength);
        }
        let qid = Qid(digits);
        if !matches!(qid.0.as_bytes()[0], b'2' | b'3') {
            return Err(Problem::QidCentury);
        }
        if Country::from_numeric(qid.nationality_code()).is_none() {
            return Err(Problem::QidNationalityUnknown);
        }
        if qid.birth_year() > today.year() {
            return Err(Problem::QidBirthYearInFuture);
        }
        Ok(qid)
    }

    /// Rebuilds a QID read back from storage, where it was validated on the way in.
    pub fn from_stored(stored: String) -> Qid {
        Qid(stored)
    }

    /// The birth year the QID encodes.
    pub fn birth_year(&self) -> i16 {
        let century: i16 = if self.0.as_bytes()[0] == b'2' { 1900 } else { 2000 };
        century + self.number(1..3)
    }

    /// The ISO 3166 numeric nationality code the QID encodes.
    pub fn nationality_code(&self) -> u16 {
        u16::try_from(self.number(3..6)).unwrap_or(0)
    }

    /// Checks the QID against what else is known of the person.
    pub fn check_consistency(&self, birth_date: Option<Date>, nationality: Option<&Country>) -> Result<(), Problem> {
        if let Some(birth) = birth_date
            && birth.year() != self.birth_year()
        {
            return Err(Problem::QidBirthYearMismatch);
        }
        if let Some(country) = nationality
            && country.numeric() != self.nationality_code()
        {
            return Err(Problem::QidNationalityMismatch);
        }
        Ok(())
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn number(&self, range: std::ops::Range<usize>) -> i16 {
        self.0[range].parse().unwrap_or(0)
    }
}

impl fmt::Display for Qid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    const TODAY: Date = date(2026, 11, 29);

    #[test]
    fn accepts_well_formed_numbers() {
        let qid = Qid::parse("28563400123", TODAY).unwrap();
        assert_eq!(qid.birth_year(), 1985);
        assert_eq!(qid.nationality_code(), 634);
        let child = Qid::parse("312 634 00456", TODAY).unwrap();
        assert_eq!(child.birth_year(), 2012);
        assert_eq!(Qid::parse("٢٨٥٦٣٤٠٠١٢٣", TODAY).unwrap(), qid);
    }

    #[test]
    fn names_each_structural_problem() {
        let table = [
            ("", Problem::Required),
            ("2856340012", Problem::QidLength),
            ("285634001234", Problem::QidLength),
            ("2856340012a", Problem::QidDigits),
            ("18563400123", Problem::QidCentury),
            ("48563400123", Problem::QidCentury),
            ("28599900123", Problem::QidNationalityUnknown),
            ("39963400123", Problem::QidBirthYearInFuture),
        ];
        for (input, problem) in table {
            assert_eq!(Qid::parse(input, TODAY), Err(problem), "{input:?}");
        }
    }

    #[test]
    fn checks_birth_year_and_nationality() {
        let qid = Qid::parse("28563400123", TODAY).unwrap();
        let qatar = Country::parse("QA").unwrap();
        let egypt = Country::parse("EG").unwrap();
        assert_eq!(qid.check_consistency(Some(date(1985, 4, 2)), Some(&qatar)), Ok(()));
        assert_eq!(qid.check_consistency(None, None), Ok(()));
        assert_eq!(qid.check_consistency(Some(date(1986, 4, 2)), None), Err(Problem::QidBirthYearMismatch));
        assert_eq!(qid.check_consistency(None, Some(&egypt)), Err(Problem::QidNationalityMismatch));
    }

    proptest! {
        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let _ = Qid::parse(&input, TODAY);
        }

        #[test]
        fn valid_ones_round_trip(year in 0u16..=99, serial in 0u32..100_000) {
            let text = format!("2{year:02}634{serial:05}");
            let qid = Qid::parse(&text, TODAY).unwrap();
            prop_assert_eq!(qid.as_str(), text.as_str());
            prop_assert_eq!(qid.birth_year(), 1900 + i16::try_from(year).unwrap());
        }
    }
}
