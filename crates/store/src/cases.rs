//! Cases, their yearly reference counters, the persons in them, and their timelines.

use sila_domain::case::{Case, CaseEvent, CaseKind, CasePerson, CaseReference, CaseStatus};
use sila_domain::ids::{AgencyId, CaseId, OfficeId, PersonId, TeamId, UserId};
use sila_domain::person::PersonRole;
use sila_domain::referral::Outcome;
use sila_domain::text::Text;

use crate::codec::{Columns, decode_pairs, encode_pairs, id_text, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;
use crate::{Cursor, Page};

const CASE_COLUMNS: &str = "id, agency_id, office_id, kind, reference, category_code, subcategory_code, status, \
     narrative, assigned_user_id, assigned_team_id, origin_referral_id, outcome, created_by, created_at, updated_at, \
     closed_at, version";

/// Which of an agency's cases a list may show: what the caller's role lets them see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// Every case of the agency.
    Agency,
    /// Cases of these offices.
    Offices(Vec<OfficeId>),
    /// Cases the user opened or is assigned to, or assigned to one of these teams.
    Own(UserId, Vec<TeamId>),
}

/// A query on an agency's cases.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    /// The agency whose cases to list.
    pub agency_id: AgencyId,
    /// What the caller may see of them.
    pub scope: CaseScope,
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// Only this category.
    pub category: Option<String>,
    /// Only cases assigned to this user.
    pub assigned_to: Option<UserId>,
    /// Start after this position.
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: i64,
}

impl Tx {
    /// The next serial of `agency`'s case references for `year`, counting from 1.
    pub async fn next_case_serial(&mut self, agency: AgencyId, year: i16) -> Result<u64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO case_counters (agency_id, year, last_serial) VALUES ($1, $2, 1)
             ON CONFLICT (agency_id, year) DO UPDATE SET last_serial = case_counters.last_serial + 1
             RETURNING last_serial",
        )
        .bind(id_text(agency))
        .bind(i64::from(year))
        .fetch_one(&mut *self.transaction)
        .await?;
        let serial = Columns::new(&row, "case_counters").int("last_serial")?;
        u64::try_from(serial).map_err(|_| StoreError::Corrupt { table: "case_counters", column: "last_serial" })
    }

    /// Stores a new case (its narrative sealed with the case's data key).
    pub async fn insert_case(&mut self, case: &Case) -> Result<(), StoreError> {
        let narrative = self.seal_narrative(case).await?;
        sqlx::query(
            "INSERT INTO cases (id, agency_id, office_id, kind, reference, category_code, subcategory_code, status,
                narrative, assigned_user_id, assigned_team_id, origin_referral_id, outcome, created_by, created_at,
                updated_at, closed_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(id_text(case.id))
        .bind(id_text(case.agency_id))
        .bind(id_text(case.office_id))
        .bind(case.kind.code())
        .bind(case.reference.as_str())
        .bind(&case.category)
        .bind(case.subcategory.as_deref())
        .bind(case.status.code())
        .bind(narrative)
        .bind(opt_id_text(case.assigned_user_id))
        .bind(opt_id_text(case.assigned_team_id))
        .bind(opt_id_text(case.origin_referral_id))
        .bind(case.outcome.map(|outcome| outcome.code()))
        .bind(id_text(case.created_by))
        .bind(micros(case.created_at))
        .bind(micros(case.updated_at))
        .bind(case.closed_at.map(micros))
        .bind(case.version)
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// One case, its narrative opened (absent when shredded).
    pub async fn case(&mut self, id: CaseId) -> Result<Option<Case>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"));
        let row = sqlx::query(sql).bind(id_text(id)).fetch_optional(&mut *self.transaction).await?;
        let Some(row) = row else { return Ok(None) };
        let columns = Columns::new(&row, "cases");
        let mut case = case_from(&columns)?;
        if let Some(sealed) = columns.opt_bytes("narrative")? {
            case.narrative = self.open(case.id.as_uuid(), "narrative", "cases", &sealed).await?.map(Text::from_stored);
        }
        Ok(Some(case))
    }

    /// The cases with these ids, for authorisation decisions about many records at once
    /// (a list of referrals): every field but the narrative, which stays sealed.
    pub async fn cases_for_decisions(
        &mut self,
        ids: &[CaseId],
    ) -> Result<std::collections::HashMap<CaseId, (Case, Vec<sila_domain::ids::PersonId>)>, StoreError> {
        let mut found = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
        let list = placeholders.join(", ");
        let sql = sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({list})"));
        let mut query = sqlx::query(sql);
        for id in ids {
            query = query.bind(id_text(*id));
        }
        for row in query.fetch_all(&mut *self.transaction).await? {
            let mut case = case_from(&Columns::new(&row, "cases"))?;
            case.narrative = None;
            found.insert(case.id, (case, Vec::new()));
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT case_id, person_id FROM case_persons WHERE case_id IN ({list}) ORDER BY case_id, person_id"
        ));
        let mut query = sqlx::query(sql);
        for id in ids {
            query = query.bind(id_text(*id));
        }
        for row in query.fetch_all(&mut *self.transaction).await? {
            let columns = Columns::new(&row, "case_persons");
            let case: CaseId = columns.id("case_id")?;
            if let Some((_, persons)) = found.get_mut(&case) {
                persons.push(columns.id("person_id")?);
            }
        }
        Ok(found)
    }

    async fn seal_narrative(&mut self, case: &Case) -> Result<Option<Vec<u8>>, StoreError> {
        match &case.narrative {
            Some(text) => Ok(Some(self.seal(case.id.as_uuid(), "narrative", text.as_str()).await?)),
            None => Ok(None),
        }
    }

    /// Writes the mutable fields of a case (status, assignment, outcome, narrative),
    /// provided it is still at `case.version`; the stored version is then one higher.
    pub async fn update_case(&mut self, case: &Case) -> Result<(), StoreError> {
        let narrative = self.seal_narrative(case).await?;
        let result = sqlx::query(
            "UPDATE cases SET status = $1, narrative = $2, assigned_user_id = $3, assigned_team_id = $4,
                outcome = $5, updated_at = $6, closed_at = $7, version = version + 1
             WHERE id = $8 AND version = $9",
        )
        .bind(case.status.code())
        .bind(narrative)
        .bind(opt_id_text(case.assigned_user_id))
        .bind(opt_id_text(case.assigned_team_id))
        .bind(case.outcome.map(|outcome| outcome.code()))
        .bind(micros(case.updated_at))
        .bind(case.closed_at.map(micros))
        .bind(id_text(case.id))
        .bind(case.version)
        .execute(&mut *self.transaction)
        .await?;
        if result.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
    }

    /// The id of the case with a reference.
    pub async fn case_id_by_reference(&mut self, reference: &str) -> Result<Option<CaseId>, StoreError> {
        let row = sqlx::query("SELECT id FROM cases WHERE reference = $1")
            .bind(reference.trim().to_ascii_uppercase())
            .fetch_optional(&mut *self.transaction)
            .await?;
        row.as_ref().map(|row| Columns::new(row, "cases").id("id")).transpose()
    }

    /// Links a centre case to the referral whose acceptance opened it.
    pub async fn set_case_origin(
        &mut self,
        case: CaseId,
        referral: sila_domain::ids::ReferralId,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE cases SET origin_referral_id = $1 WHERE id = $2")
            .bind(id_text(referral))
            .bind(id_text(case))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A page of an agency's cases, newest first. Lists carry no narrative: it is opened
    /// only when one case is read.
    pub async fn list_cases(&mut self, filter: &CaseFilter) -> Result<Page<Case>, StoreError> {
        let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE agency_id = $1");
        let mut binds: Vec<Bind> = vec![Bind::Text(id_text(filter.agency_id))];
        let next = |binds: &mut Vec<Bind>, value: Bind| {
            binds.push(value);
            format!("${}", binds.len())
        };
        match &filter.scope {
            CaseScope::Agency => {}
            CaseScope::Offices(offices) => {
                let placeholders: Vec<String> =
                    offices.iter().map(|office| next(&mut binds, Bind::Text(id_text(*office)))).collect();
                if placeholders.is_empty() {
                    sql.push_str(" AND 1 = 0");
                } else {
                    sql.push_str(&format!(" AND office_id IN ({})", placeholders.join(", ")));
                }
            }
            CaseScope::Own(user, teams) => {
                let user_placeholder = next(&mut binds, Bind::Text(id_text(*user)));
                let mut clause =
                    format!(" AND (created_by = {user_placeholder} OR assigned_user_id = {user_placeholder}");
                let teams: Vec<String> =
                    teams.iter().map(|team| next(&mut binds, Bind::Text(id_text(*team)))).collect();
                if !teams.is_empty() {
                    clause.push_str(&format!(" OR assigned_team_id IN ({})", teams.join(", ")));
                }
                clause.push(')');
                sql.push_str(&clause);
            }
        }
        if let Some(status) = filter.status {
            let placeholder = next(&mut binds, Bind::Text(status.code().to_string()));
            sql.push_str(&format!(" AND status = {placeholder}"));
        }
        if let Some(category) = &filter.category {
            let placeholder = next(&mut binds, Bind::Text(category.clone()));
            sql.push_str(&format!(" AND category_code = {placeholder}"));
        }
        if let Some(user) = filter.assigned_to {
            let placeholder = next(&mut binds, Bind::Text(id_text(user)));
            sql.push_str(&format!(" AND assigned_user_id = {placeholder}"));
        }
        if let Some(cursor) = filter.cursor {
            let at = next(&mut binds, Bind::Int(cursor.created_at));
            let id = next(&mut binds, Bind::Text(cursor.id.hyphenated().to_string()));
            sql.push_str(&format!(" AND (created_at < {at} OR (created_at = {at} AND id < {id}))"));
        }
        let limit = filter.limit.clamp(1, 100);
        sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {}", limit + 1));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(number) => query.bind(number),
            };
        }
        let rows = query.fetch_all(&mut *self.transaction).await?;
        let mut items = rows.iter().map(|row| case_from(&Columns::new(row, "cases"))).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > usize::try_from(limit).unwrap_or(100) {
            items.pop();
            items.last().map(|case| Cursor { created_at: micros(case.created_at), id: case.id.as_uuid() })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Adds a person to a case in a role.
    pub async fn insert_case_person(&mut self, case: CaseId, person: &CasePerson) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO case_persons (case_id, person_id, role, added_by, added_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_text(case))
        .bind(id_text(person.person_id))
        .bind(person.role.code())
        .bind(id_text(person.added_by))
        .bind(micros(person.added_at))
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// The persons of a case, in the order they were added.
    pub async fn case_persons(&mut self, case: CaseId) -> Result<Vec<CasePerson>, StoreError> {
        sqlx::query(
            "SELECT person_id, role, added_by, added_at FROM case_persons WHERE case_id = $1 ORDER BY added_at, person_id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| {
            let columns = Columns::new(row, "case_persons");
            Ok(CasePerson {
                person_id: columns.id("person_id")?,
                role: columns.code("role", PersonRole::parse)?,
                added_by: columns.id("added_by")?,
                added_at: columns.instant("added_at")?,
            })
        })
        .collect()
    }

    /// The ids of the cases of `agency` that a person is in.
    pub async fn cases_of_person(&mut self, person: PersonId, agency: AgencyId) -> Result<Vec<CaseId>, StoreError> {
        sqlx::query(
            "SELECT DISTINCT cases.id FROM cases JOIN case_persons ON case_persons.case_id = cases.id
             WHERE case_persons.person_id = $1 AND cases.agency_id = $2",
        )
        .bind(id_text(person))
        .bind(id_text(agency))
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| Columns::new(row, "cases").id("id"))
        .collect()
    }

    /// Appends an event to a case's timeline.
    pub async fn insert_event(&mut self, event: &CaseEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO case_events (id, case_id, at, actor_id, kind, referral_id, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_text(event.id))
        .bind(id_text(event.case_id))
        .bind(micros(event.at))
        .bind(opt_id_text(event.actor_id))
        .bind(&event.kind)
        .bind(opt_id_text(event.referral_id))
        .bind(encode_pairs(&event.details))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A case's timeline, oldest first.
    pub async fn events(&mut self, case: CaseId) -> Result<Vec<CaseEvent>, StoreError> {
        sqlx::query(
            "SELECT id, case_id, at, actor_id, kind, referral_id, details FROM case_events
             WHERE case_id = $1 ORDER BY at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| {
            let columns = Columns::new(row, "case_events");
            Ok(CaseEvent {
                id: columns.id("id")?,
                case_id: columns.id("case_id")?,
                at: columns.instant("at")?,
                actor_id: columns.opt_id("actor_id")?,
                kind: columns.text("kind")?,
                referral_id: columns.opt_id("referral_id")?,
                details: decode_pairs(&columns.text("details")?),
            })
        })
        .collect()
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// A case from its row, without its sealed narrative (opened by the caller that needs it).
fn case_from(columns: &Columns<'_>) -> Result<Case, StoreError> {
    Ok(Case {
        id: columns.id("id")?,
        agency_id: columns.id("agency_id")?,
        office_id: columns.id("office_id")?,
        kind: columns.code("kind", CaseKind::parse)?,
        reference: columns.code("reference", CaseReference::parse)?,
        category: columns.text("category_code")?,
        subcategory: columns.opt_text("subcategory_code")?,
        status: columns.code("status", CaseStatus::parse)?,
        narrative: None,
        assigned_user_id: columns.opt_id("assigned_user_id")?,
        assigned_team_id: columns.opt_id("assigned_team_id")?,
        origin_referral_id: columns.opt_id("origin_referral_id")?,
        outcome: columns.opt_code("outcome", Outcome::parse)?,
        created_by: columns.id("created_by")?,
        created_at: columns.instant("created_at")?,
        updated_at: columns.instant("updated_at")?,
        closed_at: columns.opt_instant("closed_at")?,
        version: columns.int("version")?,
    })
}
