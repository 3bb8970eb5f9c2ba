//! Cases: owned by exactly one agency, with a kind, a per-agency yearly reference
//! (`CP-2026-000123`), a category from a configurable taxonomy, a status and a timeline.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;

use crate::agency::AgencyKind;
use crate::error::Problem;
use crate::ids::{AgencyId, CaseId, EventId, NoteId, OfficeId, PersonId, ReferralId, TeamId, UserId};
use crate::person::PersonRole;
use crate::referral::Outcome;
use crate::text::Text;

/// What kind of case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseKind {
    /// Intake at the community police.
    Police,
    /// A protection case at Aman.
    Protection,
    /// A family case at Wifaq.
    Family,
    /// A family-court order carried out at Wifaq.
    CourtOrder,
}

impl CaseKind {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CaseKind::Police => "police",
            CaseKind::Protection => "protection",
            CaseKind::Family => "family",
            CaseKind::CourtOrder => "court_order",
        }
    }

    /// The kind for a code.
    pub fn parse(code: &str) -> Result<CaseKind, Problem> {
        match code.trim() {
            "police" => Ok(CaseKind::Police),
            "protection" => Ok(CaseKind::Protection),
            "family" => Ok(CaseKind::Family),
            "court_order" => Ok(CaseKind::CourtOrder),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }

    /// Whether an agency of `kind` may own a case of this kind: the police own police
    /// cases, centres own the others, authorities own none.
    pub fn owned_by(&self, kind: AgencyKind) -> bool {
        match kind {
            AgencyKind::Police => *self == CaseKind::Police,
            AgencyKind::Centre => *self != CaseKind::Police,
            AgencyKind::Authority => false,
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// Being worked.
    Open,
    /// Closed with an outcome.
    Closed,
    /// Transferred to a competent authority.
    Transferred,
}

impl CaseStatus {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
            CaseStatus::Transferred => "transferred",
        }
    }

    /// The status for a code.
    pub fn parse(code: &str) -> Result<CaseStatus, Problem> {
        match code {
            "open" => Ok(CaseStatus::Open),
            "closed" => Ok(CaseStatus::Closed),
            "transferred" => Ok(CaseStatus::Transferred),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// A case reference: the agency's prefix, the year, and a six-digit serial that starts
/// again each year (`CP-2026-000123`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseReference(String);

impl CaseReference {
    /// Builds the reference for serial `serial` of `year` at the agency with `prefix`.
    pub fn new(prefix: &str, year: i16, serial: u64) -> Result<CaseReference, Problem> {
        let prefix_ok = (2..=4).contains(&prefix.len()) && prefix.chars().all(|ch| ch.is_ascii_uppercase());
        if !prefix_ok || !(1..=9999).contains(&year) || serial == 0 || serial > 999_999 {
            return Err(Problem::UnknownValue);
        }
        Ok(CaseReference(format!("{prefix}-{year:04}-{serial:06}")))
    }

    /// Parses a reference as printed on a case.
    pub fn parse(text: &str) -> Result<CaseReference, Problem> {
        let text = text.trim().to_ascii_uppercase();
        let mut parts = text.split('-');
        let (Some(prefix), Some(year), Some(serial), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Problem::UnknownValue);
        };
        if year.len() != 4 || serial.len() != 6 {
            return Err(Problem::UnknownValue);
        }
        let year: i16 = year.parse().map_err(|_| Problem::UnknownValue)?;
        let serial: u64 = serial.parse().map_err(|_| Problem::UnknownValue)?;
        CaseReference::new(prefix, year, serial)
    }

    /// The reference text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One category of the taxonomy, with its names in both languages. Categories are data
/// (administrators add them); codes are stable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The stable code (`domestic_violence`).
    pub code: String,
    /// The parent category's code, for a sub-category.
    pub parent: Option<String>,
    /// The Arabic name.
    pub name_ar: String,
    /// The English name.
    pub name_en: String,
    /// Whether new cases may use it.
    pub active: bool,
}

/// The taxonomy of case categories.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    categories: Vec<Category>,
}

impl Taxonomy {
    /// A taxonomy of the given categories.
    pub fn new(categories: Vec<Category>) -> Taxonomy {
        Taxonomy { categories }
    }

    /// Looks a category up by code.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|category| category.code == code)
    }

    /// Checks a (category, sub-category) pair for a new case: the category is an active
    /// top-level one; the sub-category, when given, is an active child of it.
    pub fn check(&self, category: &str, subcategory: Option<&str>) -> Result<(), (&'static str, Problem)> {
        match self.get(category) {
            Some(found) if found.active && found.parent.is_none() => {}
            _ if category.trim().is_empty() => return Err(("category", Problem::Required)),
            _ => return Err(("category", Problem::UnknownValue)),
        }
        if let Some(sub) = subcategory {
            match self.get(sub) {
                Some(found) if found.active && found.parent.as_deref() == Some(category) => {}
                _ => return Err(("subcategory", Problem::UnknownValue)),
            }
        }
        Ok(())
    }

    /// All categories.
    pub fn all(&self) -> &[Category] {
        &self.categories
    }
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Its id.
    pub id: CaseId,
    /// The agency that owns it.
    pub agency_id: AgencyId,
    /// The office it belongs to.
    pub office_id: OfficeId,
    /// Its kind.
    pub kind: CaseKind,
    /// Its reference.
    pub reference: CaseReference,
    /// Top-level category code.
    pub category: String,
    /// Sub-category code.
    pub subcategory: Option<String>,
    /// Where it stands.
    pub status: CaseStatus,
    /// What happened, in the words of the person who took it.
    pub narrative: Option<Text>,
    /// The worker it is assigned to.
    pub assigned_user_id: Option<UserId>,
    /// The team it is assigned to.
    pub assigned_team_id: Option<TeamId>,
    /// For a centre case: the referral whose acceptance opened it.
    pub origin_referral_id: Option<ReferralId>,
    /// The outcome it closed with.
    pub outcome: Option<Outcome>,
    /// Who opened it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// When it was closed or transferred.
    pub closed_at: Option<Timestamp>,
    /// Optimistic-concurrency version: each change increments it; a change based on an
    /// older version is refused as stale.
    pub version: i64,
}

/// A person in a case, in a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePerson {
    /// The person.
    pub person_id: PersonId,
    /// The role.
    pub role: PersonRole,
    /// Who added them.
    pub added_by: UserId,
    /// When.
    pub added_at: Timestamp,
}

/// Who may read a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoteLevel {
    /// Everyone who may read the case.
    Team,
    /// Named people, the author and the manager.
    Restricted,
    /// The author and the manager only.
    Sealed,
}

impl NoteLevel {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            NoteLevel::Team => "team",
            NoteLevel::Restricted => "restricted",
            NoteLevel::Sealed => "sealed",
        }
    }

    /// The level for a code.
    pub fn parse(code: &str) -> Result<NoteLevel, Problem> {
        match code.trim() {
            "team" => Ok(NoteLevel::Team),
            "restricted" => Ok(NoteLevel::Restricted),
            "sealed" => Ok(NoteLevel::Sealed),
            "" => Err(Problem::Required),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// A note on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Its id.
    pub id: NoteId,
    /// The case.
    pub case_id: CaseId,
    /// Who may read it.
    pub level: NoteLevel,
    /// The text (absent once the case's content is shredded).
    pub text: Option<Text>,
    /// Who wrote it.
    pub author_id: UserId,
    /// The named readers of a restricted note.
    pub readers: Vec<UserId>,
    /// When.
    pub created_at: Timestamp,
}

/// One entry of a case's timeline. Details are codes (a status, a role), never text a
/// person typed, so the timeline can be shown to anyone who may see the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    /// Its id.
    pub id: EventId,
    /// The case.
    pub case_id: CaseId,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor_id: Option<UserId>,
    /// What happened (`case.opened`, `referral.accepted`, …).
    pub kind: String,
    /// The referral concerned, if any.
    pub referral_id: Option<ReferralId>,
    /// Qualifying codes.
    pub details: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_prefix_year_serial() {
        let reference = CaseReference::new("CP", 2026, 123).unwrap();
        assert_eq!(reference.as_str(), "CP-2026-000123");
        assert_eq!(CaseReference::parse("cp-2026-000123"), Ok(reference));
        assert!(CaseReference::new("cp", 2026, 1).is_err());
        assert!(CaseReference::new("CP", 2026, 0).is_err());
        assert!(CaseReference::new("CP", 2026, 1_000_000).is_err());
        assert!(CaseReference::parse("CP-26-000123").is_err());
        assert!(CaseReference::parse("CP-2026-000123-1").is_err());
    }

    #[test]
    fn kinds_belong_to_agency_kinds() {
        assert!(CaseKind::Police.owned_by(AgencyKind::Police));
        assert!(!CaseKind::Protection.owned_by(AgencyKind::Police));
        assert!(CaseKind::CourtOrder.owned_by(AgencyKind::Centre));
        assert!(!CaseKind::Police.owned_by(AgencyKind::Authority));
    }

    #[test]
    fn taxonomy_checks_category_and_subcategory() {
        let category = |code: &str, parent: Option<&str>, active: bool| Category {
            code: code.into(),
            parent: parent.map(Into::into),
            name_ar: String::new(),
            name_en: String::new(),
            active,
        };
        let taxonomy = Taxonomy::new(vec![
            category("domestic_violence", None, true),
            category("physical", Some("domestic_violence"), true),
            category("runaway", None, false),
            category("custody", None, true),
        ]);
        assert_eq!(taxonomy.check("domestic_violence", Some("physical")), Ok(()));
        assert_eq!(taxonomy.check("domestic_violence", None), Ok(()));
        assert_eq!(taxonomy.check("runaway", None), Err(("category", Problem::UnknownValue)));
        assert_eq!(taxonomy.check("physical", None), Err(("category", Problem::UnknownValue)));
        assert_eq!(taxonomy.check("custody", Some("physical")), Err(("subcategory", Problem::UnknownValue)));
        assert_eq!(taxonomy.check("", None), Err(("category", Problem::Required)));
    }
}
