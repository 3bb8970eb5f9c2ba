//! JSON types of persons: registration input, the person as far as the caller may see
//! them, and search matches.

use serde::{Deserialize, Serialize};
use sila_app::merges::MergeOutcome;
use sila_app::persons::{PersonMatch, PersonView};

use sila_domain::matching::{Reason, Verdict};

use crate::i18n::{Catalogs, Lang};
use utoipa::ToSchema;

/// A phone line as typed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PhoneIn {
    /// Just the number.
    Number(String),
    /// The number and its kind (`hotline` allows a short number).
    Line {
        /// The number.
        number: Option<String>,
        /// `mobile`, `landline`, `hotline`, `other`.
        kind: Option<String>,
    },
}

/// A person to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonIn {
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
    /// `female`, `male`, `unknown`.
    pub sex: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// ISO 3166 code (`QA`, `QAT` or `634`).
    pub nationality: Option<String>,
    /// Qatar ID number (11 digits).
    pub qid: Option<String>,
    /// Phones.
    #[serde(default)]
    pub phones: Vec<PhoneIn>,
    /// Municipality or zone.
    pub municipality: Option<String>,
    /// Preferred language.
    pub language: Option<String>,
    /// Disability or needs.
    pub disability_notes: Option<String>,
}

impl PersonIn {
    /// The domain's input form.
    pub fn into_input(self) -> sila_domain::person::PersonInput {
        sila_domain::person::PersonInput {
            first_name_ar: self.first_name_ar,
            father_name_ar: self.father_name_ar,
            grandfather_name_ar: self.grandfather_name_ar,
            family_name_ar: self.family_name_ar,
            name_latin: self.name_latin,
            sex: self.sex,
            birth_date: self.birth_date,
            nationality: self.nationality,
            qid: self.qid,
            phones: self
                .phones
                .into_iter()
                .map(|phone| match phone {
                    PhoneIn::Number(number) => (number, None),
                    PhoneIn::Line { number, kind } => (number.unwrap_or_default(), kind),
                })
                .collect(),
            municipality: self.municipality,
            language: self.language,
            disability_notes: self.disability_notes,
        }
    }
}

/// A phone line.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhoneOut {
    /// E.164 number (or the digits of a hotline).
    pub number: String,
    /// `mobile`, `landline`, `hotline`, `other`.
    pub kind: String,
}

/// A person, as far as the caller may see them: fields of data classes the caller's
/// agency does not hold are absent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    /// Id.
    pub id: String,
    /// `full` (registered by the caller's agency), `shared` (received by referral) or
    /// `glimpse` (a search's view of a person outside the caller's cases: names, age band
    /// and registering office; her record opens with a stated purpose).
    pub visibility: String,
    /// Data classes visible: `identity`, `contact`.
    pub visible_classes: Vec<String>,
    /// Arabic first name.
    pub first_name_ar: Option<String>,
    /// Arabic father's name.
    pub father_name_ar: Option<String>,
    /// Arabic grandfather's name.
    pub grandfather_name_ar: Option<String>,
    /// Arabic family name.
    pub family_name_ar: Option<String>,
    /// The Arabic name in one line.
    pub full_name_ar: Option<String>,
    /// Name in Latin letters.
    pub name_latin: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Date of birth.
    pub birth_date: Option<String>,
    /// Nationality (alpha-2).
    pub nationality: Option<String>,
    /// Qatar ID number.
    pub qid: Option<String>,
    /// Phones.
    pub phones: Option<Vec<PhoneOut>>,
    /// Municipality.
    pub municipality: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Disability or needs.
    pub disability_notes: Option<String>,
    /// Registered at.
    pub created_at: String,
    /// Version.
    pub version: i64,
    /// The record this duplicate was merged into: the person's history is there.
    pub merged_into: Option<String>,
    /// How she may safely be contacted — read before any contact (with the contact
    /// details, when they are shown).
    pub safe_contact: Option<SafeContactOut>,
    /// In a glimpse: her age band (`0-5`, `6-11`, `12-17`, `18-29`, `30-44`, `45-59`,
    /// `60+`), instead of her date of birth.
    pub age_band: Option<String>,
    /// In a glimpse: the office that registered her, in both languages.
    pub registered_at: Option<OfficeName>,
}

/// An office's name.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeName {
    /// Arabic.
    pub ar: String,
    /// English.
    pub en: String,
}

/// Safe-contact rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct SafeContactOut {
    /// `call`, `text`, `in_person`, `through`, `none`.
    pub channel: Option<String>,
    /// The only number to use.
    pub phone: Option<String>,
    /// When.
    pub times: Option<String>,
    /// Never at home.
    pub never_at_home: bool,
    /// Through whom.
    pub through: Option<String>,
    /// A code word.
    pub code_word: Option<String>,
}

impl From<&sila_domain::contact::SafeContact> for SafeContactOut {
    fn from(rules: &sila_domain::contact::SafeContact) -> SafeContactOut {
        let text = |value: &Option<sila_domain::text::Text>| value.as_ref().map(|text| text.as_str().to_string());
        SafeContactOut {
            channel: rules.channel.map(|channel| channel.code().to_string()),
            phone: rules.phone.clone(),
            times: text(&rules.times),
            never_at_home: rules.never_at_home,
            through: text(&rules.through),
            code_word: text(&rules.code_word),
        }
    }
}

/// Safe-contact rules as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SafeContactIn {
    /// `call`, `text`, `in_person`, `through`, `none`.
    pub channel: Option<String>,
    /// The only number to use.
    pub phone: Option<String>,
    /// When.
    pub times: Option<String>,
    /// Never at home.
    #[serde(default)]
    pub never_at_home: bool,
    /// Through whom.
    pub through: Option<String>,
    /// A code word.
    pub code_word: Option<String>,
}

impl From<&PersonView> for PersonOut {
    fn from(view: &PersonView) -> PersonOut {
        let person = &view.person;
        let details = &person.details;
        let text = |value: &Option<sila_domain::text::Text>| value.as_ref().map(|text| text.as_str().to_string());
        let identity = view.identity;
        let mut classes = Vec::new();
        if identity {
            classes.push("identity".to_string());
        }
        if view.contact {
            classes.push("contact".to_string());
        }
        PersonOut {
            id: person.id.to_string(),
            visibility: if view.glimpse.is_some() {
                "glimpse"
            } else if view.full {
                "full"
            } else {
                "shared"
            }
            .into(),
            visible_classes: classes,
            first_name_ar: text(&details.name_ar.first),
            father_name_ar: text(&details.name_ar.father),
            grandfather_name_ar: text(&details.name_ar.grandfather),
            family_name_ar: text(&details.name_ar.family),
            full_name_ar: Some(details.name_ar.full())
                .filter(|name| (identity || view.glimpse.is_some()) && !name.is_empty()),
            name_latin: text(&details.name_latin),
            sex: identity.then(|| details.sex.code().to_string()),
            birth_date: details.birth_date.map(|date| date.to_string()),
            nationality: details.nationality.map(|country| country.alpha2().to_string()),
            qid: details.qid.as_ref().map(|qid| qid.as_str().to_string()),
            phones: view.contact.then(|| {
                details
                    .phones
                    .iter()
                    .map(|line| PhoneOut { number: line.phone.as_str().into(), kind: line.phone.kind().code().into() })
                    .collect()
            }),
            municipality: text(&details.municipality),
            language: details.language.clone(),
            disability_notes: text(&details.disability_notes),
            created_at: person.created_at.to_string(),
            version: person.version,
            merged_into: view.merged_into.map(|id| id.to_string()),
            safe_contact: view.safe_contact.as_ref().map(SafeContactOut::from),
            age_band: view.glimpse.as_ref().and_then(|glimpse| glimpse.age_band).map(|band| band.code().to_string()),
            registered_at: view
                .glimpse
                .as_ref()
                .and_then(|glimpse| glimpse.office.as_ref())
                .map(|office| OfficeName { ar: office.name_ar.clone(), en: office.name_en.clone() }),
        }
    }
}

/// A possible match.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchOut {
    /// The person.
    pub person: PersonOut,
    /// 0 to 1.
    pub score: f64,
    /// Why, name part by name part, then the identifiers.
    pub reasons: Vec<ReasonOut>,
}

/// One reason for a match's score, as a code (stable) and a sentence (in the request's
/// language).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonOut {
    /// `equal`, `spelling_variant`, `transliteration`, `typing_slip`, `different_near_name`,
    /// `other_sex_form`, `name_omitted`, `qid_equal`, `birth_date_equal`, `rare_name`, ….
    pub code: String,
    /// For a name part: `first_name`, `father_name`, `grandfather_name`, `middle_name`,
    /// `family_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// The part as searched for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The part as the person's record has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// How alike the two parts are, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// A name the reason mentions (an omitted middle name; the name a spelling fits better).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The reason as a sentence.
    pub text: String,
}

impl ReasonOut {
    /// A reason in `lang`.
    pub fn new(reason: &Reason, catalogs: &Catalogs, lang: Lang) -> ReasonOut {
        let code = reason.code();
        let mut out = ReasonOut {
            code: code.into(),
            part: None,
            query: None,
            found: None,
            similarity: None,
            name: None,
            text: String::new(),
        };
        match reason {
            Reason::Part { part, query, found, similarity, verdict } => {
                out.part = Some(part.code().into());
                out.query = Some(query.clone());
                out.found = Some(found.clone());
                out.similarity = Some((f64::from(*similarity) * 100.0).round() / 100.0);
                if let Verdict::FitsBetter(name) = verdict {
                    out.name = Some(name.clone());
                }
            }
            Reason::NameOmitted { name } => out.name = Some(name.clone()),
            _ => {}
        }
        let mut args: Vec<(&str, String)> = Vec::new();
        if let Some(part) = &out.part {
            args.push(("part", catalogs.text(lang, &format!("name-part-{part}"))));
        }
        for (key, value) in [("query", &out.query), ("found", &out.found), ("name", &out.name)] {
            if let Some(value) = value {
                args.push((key, value.clone()));
            }
        }
        out.text = catalogs.message(lang, &format!("reason-{code}"), &args).unwrap_or_else(|| code.to_string());
        out
    }
}

impl MatchOut {
    /// A match, its reasons in `lang`.
    pub fn new(found: &PersonMatch, catalogs: &Catalogs, lang: Lang) -> MatchOut {
        MatchOut {
            person: PersonOut::from(&found.person),
            score: (found.score * 1000.0).round() / 1000.0,
            reasons: found.reasons.iter().map(|reason| ReasonOut::new(reason, catalogs, lang)).collect(),
        }
    }
}

/// A merge's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeOut {
    /// The merge.
    pub merge_id: String,
    /// The record that absorbed the other.
    pub survivor_id: String,
    /// The record merged away (or, after an unmerge, back).
    pub merged_id: String,
    /// Cases whose link moved.
    pub cases: Vec<String>,
    /// Consents that moved.
    pub consents: usize,
    /// Other agencies' accesses that moved.
    pub accesses: usize,
    /// Conflicts of interest copied (or removed again).
    pub conflicts: usize,
}

impl From<&MergeOutcome> for MergeOut {
    fn from(outcome: &MergeOutcome) -> MergeOut {
        MergeOut {
            merge_id: outcome.merge_id.hyphenated().to_string(),
            survivor_id: outcome.survivor.to_string(),
            merged_id: outcome.merged.to_string(),
            cases: outcome.cases.iter().map(ToString::to_string).collect(),
            consents: outcome.consents,
            accesses: outcome.accesses,
            conflicts: outcome.conflicts,
        }
    }
}

/// Why the caller opens a person's record outside their cases.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PurposeIn {
    /// The purpose, in words (at least three): kept sealed, the opening audited.
    pub purpose: Option<String>,
}

/// A person's record opened for a stated purpose.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpeningOut {
    /// The person.
    pub person_id: String,
    /// When the record closes to the caller again.
    pub expires_at: String,
}

/// A merge request: the duplicate record to merge into the one in the path.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeIn {
    /// The duplicate person's id.
    pub duplicate_id: Option<String>,
}

/// A registration's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationOut {
    /// The new person.
    pub person: PersonOut,
    /// Existing persons who may be the same; look before going on.
    pub possible_matches: Vec<MatchOut>,
}
