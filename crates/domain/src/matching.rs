//! Whether a person found by a search, or already registered, is the person an officer
//! is looking at: the name comparison of `sila_arabic` weighed with the strong
//! identifiers (docs/MATCHING.md, "Matching a person").
//!
//! - Equal QIDs: the same person — unless the names clearly disagree, which is then
//!   flagged for the officer (a mistyped QID, or a stolen one), not decided.
//! - Different QIDs: different people, whatever the names.
//! - Date of birth and sex are evidence: equal dates raise the score, different ones
//!   lower it (a little when only the day differs, a typing slip), a different sex
//!   lowers it much.
//! - Rare names weigh more: a shared rare family name raises the score of an otherwise
//!   equal match a little, a shared محمد does not.
//!
//! The answer is a score in [0, 1] and the reasons, as codes the pages translate. It
//! never merges anything: merging is a supervisor's explicit action.

use jiff::civil::Date;
pub use sila_arabic::Verdict;
use sila_arabic::{Comparison, Role};

use crate::person::Sex;
use crate::qid::Qid;

/// What is known of a person besides the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence<'a> {
    /// The QID, if known.
    pub qid: Option<&'a Qid>,
    /// The date of birth, if known.
    pub birth_date: Option<Date>,
    /// The sex.
    pub sex: Sex,
}

/// Which part of a name a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamePart {
    /// The given name.
    First,
    /// The father's name.
    Father,
    /// The grandfather's name.
    Grandfather,
    /// A further middle name.
    Middle,
    /// The family name.
    Family,
}

impl NamePart {
    fn of(role: Role) -> NamePart {
        match role {
            Role::First => NamePart::First,
            Role::Middle(1) => NamePart::Father,
            Role::Middle(2) => NamePart::Grandfather,
            Role::Middle(_) => NamePart::Middle,
            Role::Family => NamePart::Family,
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            NamePart::First => "first_name",
            NamePart::Father => "father_name",
            NamePart::Grandfather => "grandfather_name",
            NamePart::Middle => "middle_name",
            NamePart::Family => "family_name",
        }
    }
}

/// One reason for a score.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// How one part of the query's name compares with the person's.
    Part {
        /// Which part.
        part: NamePart,
        /// The query's part, as written.
        query: String,
        /// The person's part, as written.
        found: String,
        /// In [0, 1].
        similarity: f32,
        /// Why.
        verdict: Verdict,
    },
    /// A middle name only one side gives.
    NameOmitted {
        /// The name, as written.
        name: String,
    },
    /// The QIDs are equal.
    QidEqual,
    /// The QIDs are equal but the names clearly disagree: a mistyped or misused QID.
    QidEqualNamesDiffer,
    /// The QIDs differ: two people.
    QidDiffers,
    /// The dates of birth are equal.
    BirthDateEqual,
    /// The dates of birth differ.
    BirthDateDiffers,
    /// The sexes differ.
    SexDiffers,
    /// The agreeing name parts are rare in the population.
    RareName,
}

impl Reason {
    /// The stable code of the reason (a part reason's code is its verdict's).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Part { verdict, .. } => verdict_code(verdict),
            Reason::NameOmitted { .. } => "name_omitted",
            Reason::QidEqual => "qid_equal",
            Reason::QidEqualNamesDiffer => "qid_equal_names_differ",
            Reason::QidDiffers => "qid_differs",
            Reason::BirthDateEqual => "birth_date_equal",
            Reason::BirthDateDiffers => "birth_date_differs",
            Reason::SexDiffers => "sex_differs",
            Reason::RareName => "rare_name",
        }
    }
}

/// The stable code of a part verdict.
pub fn verdict_code(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Equal => "equal",
        Verdict::Article => "equal_but_article",
        Verdict::Spelling => "spelling_variant",
        Verdict::Transliteration => "transliteration",
        Verdict::Slip(_) => "typing_slip",
        Verdict::Misspelling => "misspelling",
        Verdict::NearNames => "different_near_name",
        Verdict::OtherSex => "other_sex_form",
        Verdict::FirstLetter => "different_first_letter",
        Verdict::OtherKey => "different_letter",
        Verdict::FitsBetter(_) => "fits_another_name",
        Verdict::Different => "different",
    }
}

/// A scored candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// In [0, 1]: how strongly everything known points at the same person.
    pub score: f64,
    /// Why, most telling first.
    pub reasons: Vec<Reason>,
}

/// Below this name score the names "clearly disagree" (an equal QID is then doubted).
const NAMES_DISAGREE: f32 = 0.3;
/// Bits of name evidence at which a name counts as fully rare (about one bearer in a
/// million, twice).
const RARE_BITS: f32 = 30.0;

/// Weighs a name comparison (if the query had a name) and its information in bits with
/// the identifiers of the query and of the found person.
pub fn assess(name: Option<(&Comparison, f32)>, query: &Evidence<'_>, found: &Evidence<'_>) -> Assessment {
    let mut reasons = Vec::new();
    let mut score = match name {
        Some((comparison, information)) => {
            for part in &comparison.parts {
                reasons.push(Reason::Part {
                    part: NamePart::of(part.role),
                    query: part.left.clone(),
                    found: part.right.clone(),
                    similarity: part.similarity,
                    verdict: part.verdict.clone(),
                });
            }
            for name in &comparison.omitted {
                reasons.push(Reason::NameOmitted { name: name.clone() });
            }
            let rarity = (information / RARE_BITS).clamp(0.0, 1.0);
            if rarity >= 0.5 && comparison.score >= sila_arabic::THRESHOLD {
                reasons.push(Reason::RareName);
            }
            f64::from(comparison.score) * (0.9 + 0.1 * f64::from(rarity))
        }
        None => 0.5,
    };
    let names_disagree = name.is_some_and(|(comparison, _)| comparison.score < NAMES_DISAGREE);
    if let (Some(asked), Some(known)) = (query.qid, found.qid) {
        if asked == known && names_disagree {
            reasons.insert(0, Reason::QidEqualNamesDiffer);
            score = 0.5;
        } else if asked == known {
            reasons.insert(0, Reason::QidEqual);
            score = score.max(0.99);
        } else {
            reasons.insert(0, Reason::QidDiffers);
            score = (score * 0.2).min(0.2);
        }
    }
    if let (Some(asked), Some(known)) = (query.birth_date, found.birth_date) {
        if asked == known {
            reasons.push(Reason::BirthDateEqual);
            score += (1.0 - score) * 0.3;
        } else {
            reasons.push(Reason::BirthDateDiffers);
            // The same year with another day is often a slip; another year rarely is.
            score *= if asked.year() == known.year() { 0.8 } else { 0.5 };
        }
    }
    if query.sex != Sex::Unknown && found.sex != Sex::Unknown && query.sex != found.sex {
        reasons.push(Reason::SexDiffers);
        score *= 0.3;
    }
    Assessment { score: score.clamp(0.0, 1.0), reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sila_arabic::{Lexicon, Name, compare};

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn qid(text: &str) -> Qid {
        Qid::parse(text, date("2026-11-29")).unwrap()
    }

    fn comparison(left: &str, right: &str) -> Comparison {
        compare(&Name::parse(left), &Name::parse(right), &Lexicon::with_common_names())
    }

    const NOBODY: Evidence<'static> = Evidence { qid: None, birth_date: None, sex: Sex::Unknown };

    #[test]
    fn an_equal_qid_decides_unless_the_names_clearly_disagree() {
        let same = qid("28863400777");
        let with_qid = Evidence { qid: Some(&same), ..NOBODY };
        let names = comparison("نورة المري", "Noura Al-Marri");
        let found = assess(Some((&names, 5.0)), &with_qid, &with_qid);
        assert!(found.score >= 0.99);
        assert_eq!(found.reasons[0], Reason::QidEqual);
        let other = comparison("نورة المري", "خالد العتيبي");
        let doubted = assess(Some((&other, 5.0)), &with_qid, &with_qid);
        assert_eq!(doubted.reasons[0], Reason::QidEqualNamesDiffer);
        assert!(doubted.score <= 0.5);
    }

    #[test]
    fn different_qids_are_different_people() {
        let (a, b) = (qid("28863400777"), qid("29063400123"));
        let names = comparison("نورة المري", "نورة المري");
        let found =
            assess(Some((&names, 5.0)), &Evidence { qid: Some(&a), ..NOBODY }, &Evidence { qid: Some(&b), ..NOBODY });
        assert!(found.score <= 0.2);
        assert_eq!(found.reasons[0], Reason::QidDiffers);
    }

    #[test]
    fn birth_date_and_sex_are_evidence() {
        let names = comparison("نورة المري", "نورة المري");
        let plain = assess(Some((&names, 5.0)), &NOBODY, &NOBODY).score;
        let born = Evidence { birth_date: Some(date("1990-01-02")), sex: Sex::Female, ..NOBODY };
        let equal = assess(Some((&names, 5.0)), &born, &born).score;
        let slip = assess(Some((&names, 5.0)), &born, &Evidence { birth_date: Some(date("1990-02-01")), ..born }).score;
        let other_year =
            assess(Some((&names, 5.0)), &born, &Evidence { birth_date: Some(date("1985-01-02")), ..born }).score;
        let other_sex = assess(Some((&names, 5.0)), &born, &Evidence { sex: Sex::Male, ..born }).score;
        assert!(equal > plain && plain > slip && slip > other_year, "{equal} {plain} {slip} {other_year}");
        assert!(other_sex < slip);
    }

    #[test]
    fn a_rare_name_weighs_more_than_a_common_one() {
        let names = comparison("نورة المري", "نورة المري");
        let common = assess(Some((&names, 4.0)), &NOBODY, &NOBODY);
        let rare = assess(Some((&names, 40.0)), &NOBODY, &NOBODY);
        assert!(rare.score > common.score);
        assert!(rare.reasons.contains(&Reason::RareName));
        assert!(!common.reasons.contains(&Reason::RareName));
    }

    #[test]
    fn the_reasons_explain_each_part() {
        let names = comparison("عبدالعزيز محمد الكعبي", "Abdulaziz Al Kaabi");
        let found = assess(Some((&names, 5.0)), &NOBODY, &NOBODY);
        let codes: Vec<&str> = found.reasons.iter().map(Reason::code).collect();
        assert_eq!(codes, ["transliteration", "transliteration", "name_omitted"]);
        match &found.reasons[0] {
            Reason::Part { part, query, found, .. } => {
                assert_eq!((*part, query.as_str(), found.as_str()), (NamePart::First, "عبدالعزيز", "Abdulaziz"));
            }
            other => panic!("{other:?}"),
        }
    }
}
