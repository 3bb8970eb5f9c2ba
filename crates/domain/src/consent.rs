//! The consent ledger: who agreed to which classes of their data going to which agency,
//! for what purpose, until when, recorded how and by whom — or, for a child, the
//! recorded mandatory-protection basis that allows a referral without consent.
//! Consent is never edited: it expires or is withdrawn, and both are recorded.

use std::collections::BTreeSet;
use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::error::{Errors, FieldError, Problem};
use crate::ids::{AgencyId, ConsentId, PersonId, UserId};
use crate::text::{Text, limits};
use crate::time::parse_date;

/// The classes of data a referral can carry (ARCHITECTURE.md, Protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataClass {
    /// Names, sex, date of birth, nationality, QID of the persons.
    Identity,
    /// Phones and municipality of the persons.
    Contact,
    /// Category, priority and the reason for the referral.
    Summary,
    /// The risk level and score, and the checklist answers.
    Risk,
    /// The case narrative.
    Narrative,
    /// Attachments.
    Attachments,
}

impl DataClass {
    /// Every class.
    pub const ALL: [DataClass; 6] = [
        DataClass::Identity,
        DataClass::Contact,
        DataClass::Summary,
        DataClass::Risk,
        DataClass::Narrative,
        DataClass::Attachments,
    ];

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            DataClass::Identity => "identity",
            DataClass::Contact => "contact",
            DataClass::Summary => "summary",
            DataClass::Risk => "risk",
            DataClass::Narrative => "narrative",
            DataClass::Attachments => "attachments",
        }
    }

    /// The class for a code.
    pub fn parse(code: &str) -> Result<DataClass, Problem> {
        DataClass::ALL.into_iter().find(|class| class.code() == code.trim()).ok_or(Problem::UnknownValue)
    }

    /// Parses a list of codes into a set: non-empty, no repeats. Errors name the index.
    pub fn parse_set(field: &str, codes: &[String]) -> Result<BTreeSet<DataClass>, Vec<FieldError>> {
        let mut errors = Errors::new();
        let mut set = BTreeSet::new();
        if codes.is_empty() {
            errors.add(field, Problem::EmptyList);
        }
        // Each class once: a longer list cannot be right.
        if codes.len() > DataClass::ALL.len() {
            errors.add(field, Problem::TooMany { max: DataClass::ALL.len() });
        }
        for (index, code) in codes.iter().take(DataClass::ALL.len()).enumerate() {
            if let Some(class) = errors.check(format!("{field}[{index}]"), DataClass::parse(code))
                && !set.insert(class)
            {
                errors.add(format!("{field}[{index}]"), Problem::Duplicate);
            }
        }
        errors.finish()?;
        Ok(set)
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// On what basis data may be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentBasis {
    /// The person (or their guardian) agreed.
    Consent,
    /// A child at risk: protection is mandatory, consent is not required.
    MandatoryProtection,
}

impl ConsentBasis {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ConsentBasis::Consent => "consent",
            ConsentBasis::MandatoryProtection => "mandatory_protection",
        }
    }

    /// The basis for a code.
    pub fn parse(code: &str) -> Result<ConsentBasis, Problem> {
        match code.trim() {
            "consent" => Ok(ConsentBasis::Consent),
            "mandatory_protection" => Ok(ConsentBasis::MandatoryProtection),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// How consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentMethod {
    /// A signed consent form.
    SignedForm,
    /// Given verbally, with a named witness.
    VerbalWitnessed,
}

impl ConsentMethod {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ConsentMethod::SignedForm => "signed_form",
            ConsentMethod::VerbalWitnessed => "verbal_witnessed",
        }
    }

    /// The method for a code.
    pub fn parse(code: &str) -> Result<ConsentMethod, Problem> {
        match code.trim() {
            "signed_form" => Ok(ConsentMethod::SignedForm),
            "verbal_witnessed" => Ok(ConsentMethod::VerbalWitnessed),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// A consent as typed: nothing validated yet.
#[derive(Debug, Clone, Default)]
pub struct ConsentInput {
    /// `consent` or `mandatory_protection`.
    pub basis: Option<String>,
    /// `signed_form` or `verbal_witnessed` (consent only).
    pub method: Option<String>,
    /// The witness of verbal consent.
    pub witness: Option<String>,
    /// Why protection is mandatory (mandatory basis only).
    pub mandatory_ground: Option<String>,
    /// What the data may be used for.
    pub purpose: Option<String>,
    /// Data class codes.
    pub data_classes: Vec<String>,
    /// Last day the consent is valid, `YYYY-MM-DD`.
    pub expires_on: Option<String>,
}

/// How the consent was established, with what each basis requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// Consent given by a method; verbal consent names its witness.
    Consent {
        /// How.
        method: ConsentMethod,
        /// Who witnessed verbal consent.
        witness: Option<Text>,
    },
    /// Mandatory protection of a child, with its recorded ground.
    MandatoryProtection {
        /// Why.
        ground: Text,
    },
}

impl Basis {
    /// The basis kind.
    pub fn kind(&self) -> ConsentBasis {
        match self {
            Basis::Consent { .. } => ConsentBasis::Consent,
            Basis::MandatoryProtection { .. } => ConsentBasis::MandatoryProtection,
        }
    }
}

/// The validated terms of a consent record (who and to whom are given separately, as ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentTerms {
    /// The basis.
    pub basis: Basis,
    /// The purpose.
    pub purpose: Text,
    /// The data classes covered.
    pub data_classes: BTreeSet<DataClass>,
    /// The last day it is valid.
    pub expires_on: Date,
}

impl ConsentTerms {
    /// Validates consent terms recorded on `today`.
    pub fn validate(input: &ConsentInput, today: Date) -> Result<ConsentTerms, Vec<FieldError>> {
        let mut errors = Errors::new();
        let basis_kind = errors.check("basis", ConsentBasis::parse(input.basis.as_deref().unwrap_or("")));
        let basis = match basis_kind {
            Some(ConsentBasis::Consent) => {
                let method = errors.check("method", ConsentMethod::parse(input.method.as_deref().unwrap_or("")));
                let witness =
                    errors.check("witness", Text::parse_optional(input.witness.as_deref(), limits::SHORT)).flatten();
                if method == Some(ConsentMethod::VerbalWitnessed) && witness.is_none() {
                    errors.add("witness", Problem::Required);
                }
                method.map(|method| Basis::Consent { method, witness })
            }
            Some(ConsentBasis::MandatoryProtection) => errors
                .check("mandatory_ground", Text::parse(input.mandatory_ground.as_deref().unwrap_or(""), limits::SHORT))
                .map(|ground| Basis::MandatoryProtection { ground }),
            None => None,
        };
        let purpose = errors.check("purpose", Text::parse(input.purpose.as_deref().unwrap_or(""), limits::SHORT));
        let data_classes = match DataClass::parse_set("data_classes", &input.data_classes) {
            Ok(set) => Some(set),
            Err(found) => {
                for error in found {
                    errors.add(error.field, error.problem);
                }
                None
            }
        };
        let expires_on = match input.expires_on.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("expires_on", Problem::Required);
                None
            }
            Some(text) => errors.check(
                "expires_on",
                parse_date(text).and_then(|date| if date > today { Ok(date) } else { Err(Problem::DateNotInFuture) }),
            ),
        };
        errors.finish()?;
        match (basis, purpose, data_classes, expires_on) {
            (Some(basis), Some(purpose), Some(data_classes), Some(expires_on)) => {
                Ok(ConsentTerms { basis, purpose, data_classes, expires_on })
            }
            _ => Err(vec![FieldError::new("basis", Problem::Required)]),
        }
    }
}

/// A consent record in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Its id.
    pub id: ConsentId,
    /// The person whose data it concerns.
    pub person_id: PersonId,
    /// The agency the data may go to.
    pub recipient_agency_id: AgencyId,
    /// The terms.
    pub terms: ConsentTerms,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// When.
    pub recorded_at: Timestamp,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<Timestamp>,
}

impl Consent {
    /// Whether the record allows sharing on `today`: not withdrawn, not expired.
    pub fn is_valid_on(&self, today: Date) -> bool {
        self.withdrawn_at.is_none() && self.terms.expires_on >= today
    }
}

/// The data classes of one person that the records in `ledger` let travel to `recipient`
/// on `today`: her own valid consent (for a child, the consent her guardian gave for her
/// is recorded under her), or a valid mandatory-protection record for her — which covers
/// every class of that child and no one else. One person's consent never covers another
/// person's data.
pub fn covered_for(ledger: &[Consent], person: PersonId, recipient: AgencyId, today: Date) -> BTreeSet<DataClass> {
    let mut covered = BTreeSet::new();
    for consent in ledger.iter().filter(|consent| {
        consent.person_id == person && consent.recipient_agency_id == recipient && consent.is_valid_on(today)
    }) {
        if consent.terms.basis.kind() == ConsentBasis::MandatoryProtection {
            return DataClass::ALL.into();
        }
        covered.extend(consent.terms.data_classes.iter().copied());
    }
    covered
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use uuid::Uuid;

    const TODAY: Date = date(2026, 11, 29);

    fn input() -> ConsentInput {
        ConsentInput {
            basis: Some("consent".into()),
            method: Some("signed_form".into()),
            purpose: Some("حماية وتأهيل".into()),
            data_classes: vec!["identity".into(), "summary".into(), "risk".into()],
            expires_on: Some("2027-05-29".into()),
            ..ConsentInput::default()
        }
    }

    fn consent(recipient: AgencyId, terms: ConsentTerms, withdrawn: bool) -> Consent {
        Consent {
            id: ConsentId::from_uuid(Uuid::nil()),
            person_id: PersonId::from_uuid(Uuid::nil()),
            recipient_agency_id: recipient,
            terms,
            recorded_by: UserId::from_uuid(Uuid::nil()),
            recorded_at: Timestamp::UNIX_EPOCH,
            withdrawn_at: withdrawn.then_some(Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn valid_terms_parse() {
        let terms = ConsentTerms::validate(&input(), TODAY).unwrap();
        assert_eq!(terms.data_classes.len(), 3);
        assert_eq!(terms.basis, Basis::Consent { method: ConsentMethod::SignedForm, witness: None });
    }

    #[test]
    fn each_basis_requires_its_fields() {
        let verbal = ConsentInput { method: Some("verbal_witnessed".into()), ..input() };
        assert_eq!(
            ConsentTerms::validate(&verbal, TODAY).unwrap_err(),
            vec![FieldError::new("witness", Problem::Required)]
        );
        let mandatory = ConsentInput { basis: Some("mandatory_protection".into()), ..input() };
        assert_eq!(
            ConsentTerms::validate(&mandatory, TODAY).unwrap_err(),
            vec![FieldError::new("mandatory_ground", Problem::Required)]
        );
        let expired = ConsentInput {
            expires_on: Some("2026-11-29".into()),
            data_classes: vec!["identity".into(), "identity".into(), "gossip".into()],
            ..input()
        };
        let fields: Vec<(String, Problem)> = ConsentTerms::validate(&expired, TODAY)
            .unwrap_err()
            .into_iter()
            .map(|error| (error.field, error.problem))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("data_classes[1]".to_string(), Problem::Duplicate),
                ("data_classes[2]".to_string(), Problem::UnknownValue),
                ("expires_on".to_string(), Problem::DateNotInFuture),
            ]
        );
    }

    #[test]
    fn coverage_is_per_person_and_follows_recipient_validity_and_classes() {
        let aman = AgencyId::from_uuid(Uuid::from_u128(1));
        let wifaq = AgencyId::from_uuid(Uuid::from_u128(2));
        let woman = PersonId::from_uuid(Uuid::nil());
        let child = PersonId::from_uuid(Uuid::from_u128(3));
        let terms = ConsentTerms::validate(&input(), TODAY).unwrap();
        let hers: BTreeSet<DataClass> = [DataClass::Identity, DataClass::Summary, DataClass::Risk].into();
        let ledger = vec![consent(aman, terms.clone(), false)];
        assert_eq!(covered_for(&ledger, woman, aman, TODAY), hers);
        assert!(covered_for(&ledger, woman, wifaq, TODAY).is_empty(), "another recipient");
        assert!(covered_for(&ledger, child, aman, TODAY).is_empty(), "her consent is not her child's");
        // Expired the day after its last day.
        assert!(covered_for(&ledger, woman, aman, date(2027, 5, 30)).is_empty());
        // Withdrawn.
        assert!(covered_for(&[consent(aman, terms, true)], woman, aman, TODAY).is_empty());
        // A mandatory-protection basis for the child covers every class of the child —
        // and nothing of anyone else.
        let mandatory = ConsentTerms::validate(
            &ConsentInput {
                basis: Some("mandatory_protection".into()),
                mandatory_ground: Some("طفل في خطر مباشر".into()),
                ..input()
            },
            TODAY,
        )
        .unwrap();
        let ledger = vec![Consent { person_id: child, ..consent(aman, mandatory, false) }];
        assert_eq!(covered_for(&ledger, child, aman, TODAY), DataClass::ALL.into());
        assert!(covered_for(&ledger, woman, aman, TODAY).is_empty());
    }
}
