//! Phone numbers in E.164 form (`+` and the country code), with Qatar's numbering
//! plan checked exactly: +974 and 8 digits, mobiles starting 3, 5, 6 or 7 and landlines
//! 4. Short hotline numbers (3 to 6 digits, such as a centre's 919 line) are accepted only
//! where the caller marks the line as a hotline.

use std::fmt;

use crate::error::Problem;

/// What kind of line a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// A mobile phone.
    Mobile,
    /// A fixed line.
    Landline,
    /// A short service number (hotline).
    Hotline,
    /// An international number whose kind we do not know.
    Other,
}

impl LineKind {
    /// The stable code of the kind.
    pub fn code(&self) -> &'static str {
        match self {
            LineKind::Mobile => "mobile",
            LineKind::Landline => "landline",
            LineKind::Hotline => "hotline",
            LineKind::Other => "other",
        }
    }

    /// The kind for a code.
    pub fn parse(code: &str) -> Result<LineKind, Problem> {
        match code {
            "mobile" => Ok(LineKind::Mobile),
            "landline" => Ok(LineKind::Landline),
            "hotline" => Ok(LineKind::Hotline),
            "other" => Ok(LineKind::Other),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// A validated phone number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    number: String,
    kind: LineKind,
}

impl Phone {
    /// Parses a number as typed. Spaces, dashes, dots and brackets are ignored; `00`
    /// is read as `+`; Arabic-Indic digits are accepted; eight digits with no country
    /// code are taken as a Qatar number, the common case at a Doha police desk.
    /// `hotline` allows a short number of 3 to 6 digits.
    pub fn parse(input: &str, hotline: bool) -> Result<Phone, Problem> {
        let mut plus = false;
        let mut digits = String::with_capacity(16);
        for (index, ch) in input.trim().chars().enumerate() {
            match ch {
                '+' if index == 0 => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '\u{00A0}' => {}
                '0'..='9' => digits.push(ch),
                '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' => {
                    let zero = if ch <= '\u{0669}' { 0x0660 } else { 0x06F0 };
                    digits.push(char::from_digit(u32::from(ch) - zero, 10).unwrap_or('0'));
                }
                _ => return Err(Problem::PhoneFormat),
            }
        }
        if digits.is_empty() {
            return Err(Problem::Required);
        }
        if !plus && let Some(rest) = digits.strip_prefix("00") {
            digits = rest.to_string();
            plus = true;
        }
        if !plus {
            if (3..=6).contains(&digits.len()) {
                return if hotline {
                    Ok(Phone { number: digits, kind: LineKind::Hotline })
                } else {
                    Err(Problem::PhoneShortNotHotline)
                };
            }
            if digits.len() == 8 {
                return qatar_number(&digits);
            }
            return Err(Problem::PhoneFormat);
        }
        if let Some(national) = digits.strip_prefix("974") {
            return qatar_number(national);
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(Problem::PhoneFormat);
        }
        Ok(Phone { number: format!("+{digits}"), kind: LineKind::Other })
    }

    /// Rebuilds a number read back from storage, where it was validated on the way in.
    pub fn from_stored(number: String, kind: LineKind) -> Phone {
        Phone { number, kind }
    }

    /// The number in E.164 form (or the short digits of a hotline).
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The kind of line.
    pub fn kind(&self) -> LineKind {
        self.kind
    }
}

fn qatar_number(national: &str) -> Result<Phone, Problem> {
    if national.len() != 8 {
        return Err(Problem::PhoneQatarLength);
    }
    let kind = match national.as_bytes()[0] {
        b'3' | b'5' | b'6' | b'7' => LineKind::Mobile,
        b'4' => LineKind::Landline,
        _ => return Err(Problem::PhoneQatarPrefix),
    };
    Ok(Phone { number: format!("+974{national}"), kind })
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_qatar_numbers_in_every_usual_form() {
        for input in ["+974 5512 3456", "0097455123456", "55123456", "٥٥١٢٣٤٥٦", "+974-5512-3456"] {
            let phone = Phone::parse(input, false).unwrap();
            assert_eq!(phone.as_str(), "+97455123456", "{input}");
            assert_eq!(phone.kind(), LineKind::Mobile);
        }
        assert_eq!(Phone::parse("44123456", false).unwrap().kind(), LineKind::Landline);
    }

    #[test]
    fn names_each_problem() {
        let table = [
            ("", false, Problem::Required),
            ("+974 5512 345", false, Problem::PhoneQatarLength),
            ("+974 2512 3456", false, Problem::PhoneQatarPrefix),
            ("12345678", false, Problem::PhoneQatarPrefix),
            ("919", false, Problem::PhoneShortNotHotline),
            ("phone", false, Problem::PhoneFormat),
            ("+0123456789", false, Problem::PhoneFormat),
            ("1234567", false, Problem::PhoneFormat),
        ];
        for (input, hotline, problem) in table {
            assert_eq!(Phone::parse(input, hotline), Err(problem), "{input:?}");
        }
    }

    #[test]
    fn short_numbers_only_for_hotlines_and_foreign_numbers_in_e164() {
        let hotline = Phone::parse("919", true).unwrap();
        assert_eq!((hotline.as_str(), hotline.kind()), ("919", LineKind::Hotline));
        let cairo = Phone::parse("+20 2 2345 6789", false).unwrap();
        assert_eq!((cairo.as_str(), cairo.kind()), ("+20223456789", LineKind::Other));
    }

    proptest! {
        #[test]
        fn never_panics(input in "\\PC{0,24}", hotline in any::<bool>()) {
            let _ = Phone::parse(&input, hotline);
        }
    }
}
