//! Persons, their phones, and which data classes of a person another agency holds.
//!
//! A person is registered by one agency, which holds the full record. Another agency
//! sees a person only through a referral, and then only the classes it carried
//! (`person_access`). Search looks only at persons the searching agency may see.

use std::collections::BTreeSet;

use jiff::Timestamp;
use sila_domain::consent::DataClass;
use sila_domain::ids::{AgencyId, PersonId, ReferralId};
use sila_domain::person::{ArabicName, Country, Person, PersonDetails, PhoneLine, Sex};
use sila_domain::phone::{LineKind, Phone};
use sila_domain::qid::Qid;
use sila_domain::text::Text;

use crate::codec::{Columns, date_text, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

const PERSON_COLUMNS: &str = "id, registered_by_agency_id, first_name_ar, father_name_ar, grandfather_name_ar, \
     family_name_ar, name_latin, sex, birth_date, nationality, qid, municipality, language, disability_sealed, \
     created_by, created_at, updated_at, version";

/// How much of a person an agency may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonScope {
    /// The agency registered the person: the whole record.
    Registered,
    /// The person reached the agency through referrals carrying these classes.
    Shared(BTreeSet<DataClass>),
    /// The agency has no access to the person at all.
    None,
}

impl Tx {
    /// Stores a new person and their phones.
    pub async fn insert_person(&mut self, person: &Person) -> Result<(), StoreError> {
        let details = &person.details;
        let text = |value: &Option<Text>| value.as_ref().map(|text| text.as_str().to_string());
        // Special category: sealed under the person's own data key.
        let disability = match &details.disability_notes {
            Some(notes) => Some(self.seal(person.id.as_uuid(), "disability_notes", notes.as_str()).await?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO persons (id, registered_by_agency_id, first_name_ar, father_name_ar, grandfather_name_ar,
                family_name_ar, name_latin, sex, birth_date, nationality, qid, municipality, language,
                disability_sealed, search_text, created_by, created_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        )
        .bind(id_text(person.id))
        .bind(id_text(person.registered_by_agency_id))
        .bind(text(&details.name_ar.first))
        .bind(text(&details.name_ar.father))
        .bind(text(&details.name_ar.grandfather))
        .bind(text(&details.name_ar.family))
        .bind(text(&details.name_latin))
        .bind(details.sex.code())
        .bind(details.birth_date.map(date_text))
        .bind(details.nationality.map(|country| country.alpha2().to_string()))
        .bind(details.qid.as_ref().map(|qid| qid.as_str().to_string()))
        .bind(text(&details.municipality))
        .bind(details.language.clone())
        .bind(disability)
        .bind(details.search_text())
        .bind(id_text(person.created_by))
        .bind(micros(person.created_at))
        .bind(micros(person.updated_at))
        .bind(person.version)
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        for (position, line) in details.phones.iter().enumerate() {
            sqlx::query("INSERT INTO person_phones (person_id, position, number, kind) VALUES ($1, $2, $3, $4)")
                .bind(id_text(person.id))
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(line.phone.as_str())
                .bind(line.phone.kind().code())
                .execute(&mut *self.transaction)
                .await?;
        }
        self.record_person_change(person.id).await
    }

    /// The persons an agency registered most recently (not merged away), newest first.
    pub async fn recent_persons(&mut self, agency: AgencyId, limit: i64) -> Result<Vec<Person>, StoreError> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE registered_by_agency_id = $1 AND merged_into IS NULL
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_text(agency))
            .bind(limit)
            .fetch_all(&mut *self.transaction)
            .await?;
        let mut persons = Vec::with_capacity(rows.len());
        for row in &rows {
            persons.push(self.person_from(row).await?);
        }
        Ok(persons)
    }

    /// One person, whoever may see them (the caller decides what to show).
    pub async fn person(&mut self, id: PersonId) -> Result<Option<Person>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"));
        let row = sqlx::query(sql).bind(id_text(id)).fetch_optional(&mut *self.transaction).await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(self.person_from(&row).await?)),
        }
    }

    /// How much of `person` the agency may see.
    pub async fn person_scope(&mut self, person: &Person, agency: AgencyId) -> Result<PersonScope, StoreError> {
        if person.registered_by_agency_id == agency {
            return Ok(PersonScope::Registered);
        }
        let classes: BTreeSet<DataClass> =
            sqlx::query("SELECT DISTINCT data_class FROM person_access WHERE person_id = $1 AND agency_id = $2")
                .bind(id_text(person.id))
                .bind(id_text(agency))
                .fetch_all(&mut *self.transaction)
                .await?
                .iter()
                .map(|row| Columns::new(row, "person_access").code("data_class", DataClass::parse))
                .collect::<Result<_, _>>()?;
        Ok(if classes.is_empty() { PersonScope::None } else { PersonScope::Shared(classes) })
    }

    /// The referrals that carried something of a person to `agency`.
    pub async fn referrals_carrying(
        &mut self,
        person: PersonId,
        agency: AgencyId,
    ) -> Result<Vec<ReferralId>, StoreError> {
        sqlx::query("SELECT DISTINCT referral_id FROM person_access WHERE person_id = $1 AND agency_id = $2")
            .bind(id_text(person))
            .bind(id_text(agency))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| Columns::new(row, "person_access").id("referral_id"))
            .collect()
    }

    /// Records that `agency` received `class` of a person through `referral`.
    pub async fn grant_person_access(
        &mut self,
        person: PersonId,
        agency: AgencyId,
        class: DataClass,
        referral: ReferralId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO person_access (person_id, agency_id, data_class, referral_id, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(id_text(person))
        .bind(id_text(agency))
        .bind(class.code())
        .bind(id_text(referral))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        if class == DataClass::Identity {
            // The agency may now find the person by name.
            self.record_person_change(person).await?;
        }
        Ok(())
    }

    /// Persons the agency may identify (registered by it, or shared with it with
    /// `identity`) whose names contain every one of `terms` (normalised text), or whose
    /// QID or date of birth equals the one given. Newest first, at most `limit`.
    ///
    /// This is the simple search of the referral loop; the ranked Arabic matcher with its
    /// own index replaces it for national scale.
    pub async fn search_persons(
        &mut self,
        agency: AgencyId,
        terms: &[String],
        qid: Option<&str>,
        birth_date: Option<jiff::civil::Date>,
        limit: i64,
    ) -> Result<Vec<Person>, StoreError> {
        let mut sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE (registered_by_agency_id = $1 OR id IN (
                SELECT person_id FROM person_access WHERE agency_id = $1 AND data_class = 'identity'))"
        );
        let mut binds: Vec<String> = vec![id_text(agency)];
        for term in terms.iter().filter(|term| !term.is_empty()) {
            binds.push(format!("%{}%", escape_like(term)));
            sql.push_str(&format!(" AND search_text LIKE ${} ESCAPE '\\'", binds.len()));
        }
        if let Some(qid) = qid {
            binds.push(qid.to_string());
            sql.push_str(&format!(" AND qid = ${}", binds.len()));
        }
        if let Some(date) = birth_date {
            binds.push(date_text(date));
            sql.push_str(&format!(" AND birth_date = ${}", binds.len()));
        }
        sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {}", limit.clamp(1, 100)));
        // The statement is built from fixed fragments; every user value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for bind in binds {
            query = query.bind(bind);
        }
        let rows = query.fetch_all(&mut *self.transaction).await?;
        let mut persons = Vec::with_capacity(rows.len());
        for row in &rows {
            persons.push(self.person_from(row).await?);
        }
        Ok(persons)
    }

    async fn person_from(&mut self, row: &sqlx::any::AnyRow) -> Result<Person, StoreError> {
        let columns = Columns::new(row, "persons");
        let id: PersonId = columns.id("id")?;
        let text = |column: &'static str| columns.opt_text(column).map(|value| value.map(Text::from_stored));
        let phones = sqlx::query("SELECT number, kind FROM person_phones WHERE person_id = $1 ORDER BY position")
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| {
                let columns = Columns::new(row, "person_phones");
                Ok(PhoneLine {
                    phone: Phone::from_stored(columns.text("number")?, columns.code("kind", LineKind::parse)?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let disability_notes = match columns.opt_bytes("disability_sealed")? {
            Some(sealed) => {
                self.open(id.as_uuid(), "disability_notes", "persons", &sealed).await?.map(Text::from_stored)
            }
            None => None,
        };
        let details = PersonDetails {
            name_ar: ArabicName {
                first: text("first_name_ar")?,
                father: text("father_name_ar")?,
                grandfather: text("grandfather_name_ar")?,
                family: text("family_name_ar")?,
            },
            name_latin: text("name_latin")?,
            sex: columns.code("sex", Sex::parse)?,
            birth_date: columns.opt_date("birth_date")?,
            nationality: columns.opt_code("nationality", Country::parse)?,
            qid: columns.opt_text("qid")?.map(Qid::from_stored),
            phones,
            municipality: text("municipality")?,
            language: columns.opt_text("language")?,
            disability_notes,
        };
        Ok(Person {
            id,
            registered_by_agency_id: columns.id("registered_by_agency_id")?,
            details,
            created_by: columns.id("created_by")?,
            created_at: columns.instant("created_at")?,
            updated_at: columns.instant("updated_at")?,
            version: columns.int("version")?,
        })
    }
}

fn escape_like(term: &str) -> String {
    term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
