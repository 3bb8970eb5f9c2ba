//! Cases: owned by exactly one agency, with a kind, a per-agency yearly reference
//! (`CP-2026-000123`), a category from a configurable taxonomy, a status and a timeline.

use std::fmt;

use crate::agency::AgencyKind;
use crate::error::Problem;

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
        let prefix_ok =
            (2..=4).contains(&prefix.len()) && prefix.chars().all(|ch| ch.is_ascii_uppercase());
        if !prefix_ok || !(1..=9999).contains(&year) || serial == 0 || serial > 999_999 {
            return Err(Problem::UnknownValue);
        }
        Ok(CaseReference(format!("{prefix}-{year:04}-{serial:06}")))
    }

    /// Parses a reference as printed on a case.
    pub fn parse(text: &str) -> Result<CaseReference, Problem> {
        let text = text.trim().to_ascii_uppercase();
        let mut parts = text.split('-');
        let (Some(prefix), Some(year), Some(serial), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
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
        self.categories
            .iter()
            .find(|category| category.code == code)
    }

    /// Checks a (category, sub-category) pair for a new case: the category is an active
    /// top-level one; the sub-category, when given, is an active child of it.
    pub fn check(
        &self,
        category: &str,
        subcategory: Option<&str>,
    ) -> Result<(), (&'static str, Problem)> {
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
        assert_eq!(
            taxonomy.check("domestic_violence", Some("physical")),
            Ok(())
        );
        assert_eq!(taxonomy.check("domestic_violence", None), Ok(()));
        assert_eq!(
            taxonomy.check("runaway", None),
            Err(("category", Problem::UnknownValue))
        );
        assert_eq!(
            taxonomy.check("physical", None),
            Err(("category", Problem::UnknownValue))
        );
        assert_eq!(
            taxonomy.check("custody", Some("physical")),
            Err(("subcategory", Problem::UnknownValue))
        );
        assert_eq!(
            taxonomy.check("", None),
            Err(("category", Problem::Required))
        );
    }
}
