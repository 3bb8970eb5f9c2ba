//! Court orders, their visits and what is recorded at them, one-time check-in codes, and
//! the public holidays schedules skip.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use sila_domain::court::{
    CourtOrder, OrderKind, Party, Recurrence, Schedule, Visit, VisitEvent, VisitEventKind, VisitStatus, VisitTimes,
};
use sila_domain::ids::{CaseId, CourtOrderId, PersonId, VisitId};
use sila_domain::text::Text;

use crate::codec::{Columns, date_text, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

const ORDER_COLUMNS: &str = "id, case_id, court, decision_number, decision_date, kind, supervised, conditions,
    office_id, custodial_person_id, visiting_person_id, rule, starts_on, ends_on, start_time, end_time, gap_minutes,
    exceptions, created_by, created_at";

const VISIT_COLUMNS: &str = "id, order_id, day, visiting_arrives_at, starts_at, ends_at, visiting_leaves_at, status";

fn visit_of(columns: &Columns<'_>) -> Result<Visit, StoreError> {
    Ok(Visit {
        id: columns.id("id")?,
        order_id: columns.id("order_id")?,
        on: columns.date("day")?,
        times: VisitTimes {
            visiting_arrives_at: columns.instant("visiting_arrives_at")?,
            starts_at: columns.instant("starts_at")?,
            ends_at: columns.instant("ends_at")?,
            visiting_leaves_at: columns.instant("visiting_leaves_at")?,
        },
        status: columns.code("status", VisitStatus::parse)?,
    })
}

fn time_text(time: jiff::civil::Time) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

impl Tx {
    /// Stores a court order and its children.
    pub async fn insert_court_order(&mut self, order: &CourtOrder) -> Result<(), StoreError> {
        let conditions = match &order.conditions {
            Some(text) => text.as_str().to_string(),
            None => String::new(),
        };
        let conditions = self.seal(order.case_id.as_uuid(), "court_order.conditions", &conditions).await?;
        let schedule = &order.schedule;
        let exceptions: Vec<String> = schedule.exceptions.iter().map(|date| date_text(*date)).collect();
        let sql = format!(
            "INSERT INTO court_orders ({ORDER_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_text(order.id))
            .bind(id_text(order.case_id))
            .bind(order.court.as_str().to_string())
            .bind(order.decision_number.as_str().to_string())
            .bind(date_text(order.decision_date))
            .bind(order.kind.code())
            .bind(i64::from(order.supervised))
            .bind(conditions)
            .bind(id_text(order.office_id))
            .bind(id_text(order.custodial_person_id))
            .bind(id_text(order.visiting_person_id))
            .bind(schedule.rule.to_rule())
            .bind(date_text(schedule.starts_on))
            .bind(schedule.ends_on.map(date_text))
            .bind(time_text(schedule.start_time))
            .bind(time_text(schedule.end_time))
            .bind(schedule.gap_minutes)
            .bind(exceptions.join(","))
            .bind(id_text(order.created_by))
            .bind(micros(order.created_at))
            .execute(&mut *self.transaction)
            .await
            .map_err(StoreError::from_write)?;
        for child in &order.children {
            sqlx::query("INSERT INTO court_order_children (order_id, person_id) VALUES ($1, $2)")
                .bind(id_text(order.id))
                .bind(id_text(*child))
                .execute(&mut *self.transaction)
                .await?;
        }
        Ok(())
    }

    /// A court order by id.
    pub async fn court_order(&mut self, id: CourtOrderId) -> Result<Option<CourtOrder>, StoreError> {
        self.court_order_where("id", id_text(id)).await
    }

    /// The court order a case carries.
    pub async fn court_order_of_case(&mut self, case: CaseId) -> Result<Option<CourtOrder>, StoreError> {
        self.court_order_where("case_id", id_text(case)).await
    }

    async fn court_order_where(
        &mut self,
        column: &'static str,
        value: String,
    ) -> Result<Option<CourtOrder>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM court_orders WHERE {column} = $1");
        let Some(row) =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_optional(&mut *self.transaction).await?
        else {
            return Ok(None);
        };
        let columns = Columns::new(&row, "court_orders");
        let corrupt = |column| StoreError::Corrupt { table: "court_orders", column };
        let id: CourtOrderId = columns.id("id")?;
        let case_id: CaseId = columns.id("case_id")?;
        let children = sqlx::query("SELECT person_id FROM court_order_children WHERE order_id = $1 ORDER BY person_id")
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| Columns::new(row, "court_order_children").id("person_id"))
            .collect::<Result<Vec<PersonId>, _>>()?;
        let conditions = self
            .open(case_id.as_uuid(), "court_order.conditions", "court_orders", &columns.bytes("conditions")?)
            .await?
            .filter(|text| !text.is_empty())
            .map(Text::from_stored);
        let time = |column| {
            columns.text(column).and_then(|text| sila_domain::time::parse_time(&text).map_err(|_| corrupt(column)))
        };
        let mut exceptions = BTreeSet::new();
        for text in columns.text("exceptions")?.split(',').filter(|text| !text.is_empty()) {
            exceptions.insert(sila_domain::time::parse_date(text).map_err(|_| corrupt("exceptions"))?);
        }
        Ok(Some(CourtOrder {
            id,
            case_id,
            court: Text::from_stored(columns.text("court")?),
            decision_number: Text::from_stored(columns.text("decision_number")?),
            decision_date: columns.date("decision_date")?,
            kind: columns.code("kind", OrderKind::parse)?,
            supervised: columns.flag("supervised")?,
            conditions,
            office_id: columns.id("office_id")?,
            custodial_person_id: columns.id("custodial_person_id")?,
            visiting_person_id: columns.id("visiting_person_id")?,
            children,
            schedule: Schedule {
                rule: Recurrence::parse(&columns.text("rule")?).map_err(|_| corrupt("rule"))?,
                starts_on: columns.date("starts_on")?,
                ends_on: columns.opt_date("ends_on")?,
                start_time: time("start_time")?,
                end_time: time("end_time")?,
                gap_minutes: columns.int("gap_minutes")?,
                exceptions,
            },
            created_by: columns.id("created_by")?,
            created_at: columns.instant("created_at")?,
        }))
    }

    /// The ids of an agency's court orders, newest first.
    pub async fn court_orders_of_agency(
        &mut self,
        agency: sila_domain::ids::AgencyId,
    ) -> Result<Vec<CourtOrderId>, StoreError> {
        sqlx::query(
            "SELECT o.id FROM court_orders o JOIN cases c ON c.id = o.case_id WHERE c.agency_id = $1
             ORDER BY o.created_at DESC, o.id DESC",
        )
        .bind(id_text(agency))
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| Columns::new(row, "court_orders").id("id"))
        .collect()
    }

    /// The visits of an agency's orders on one day, by time.
    pub async fn visits_of_agency_on(
        &mut self,
        agency: sila_domain::ids::AgencyId,
        day: Date,
    ) -> Result<Vec<Visit>, StoreError> {
        let sql = "SELECT v.id, v.order_id, v.day, v.visiting_arrives_at, v.starts_at, v.ends_at,
                v.visiting_leaves_at, v.status
             FROM visits v JOIN court_orders o ON o.id = v.order_id JOIN cases c ON c.id = o.case_id
             WHERE c.agency_id = $1 AND v.day = $2 ORDER BY v.starts_at, v.id";
        let rows =
            sqlx::query(sql).bind(id_text(agency)).bind(date_text(day)).fetch_all(&mut *self.transaction).await?;
        rows.iter().map(|row| visit_of(&Columns::new(row, "visits"))).collect()
    }

    /// Stores a generated visit.
    pub async fn insert_visit(&mut self, visit: &Visit) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO visits ({VISIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_text(visit.id))
            .bind(id_text(visit.order_id))
            .bind(date_text(visit.on))
            .bind(micros(visit.times.visiting_arrives_at))
            .bind(micros(visit.times.starts_at))
            .bind(micros(visit.times.ends_at))
            .bind(micros(visit.times.visiting_leaves_at))
            .bind(visit.status.code())
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A visit by id.
    pub async fn visit(&mut self, id: VisitId) -> Result<Option<Visit>, StoreError> {
        let sql = format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id_text(id)).fetch_optional(&mut *self.transaction).await?;
        row.as_ref().map(|row| visit_of(&Columns::new(row, "visits"))).transpose()
    }

    /// An order's visits on the days `[from, to]`, by day.
    pub async fn visits_of_order(
        &mut self,
        order: CourtOrderId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Visit>, StoreError> {
        let sql =
            format!("SELECT {VISIT_COLUMNS} FROM visits WHERE order_id = $1 AND day >= $2 AND day <= $3 ORDER BY day");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_text(order))
            .bind(date_text(from))
            .bind(date_text(to))
            .fetch_all(&mut *self.transaction)
            .await?;
        rows.iter().map(|row| visit_of(&Columns::new(row, "visits"))).collect()
    }

    /// Sets a visit's status.
    pub async fn set_visit_status(&mut self, id: VisitId, status: VisitStatus) -> Result<(), StoreError> {
        sqlx::query("UPDATE visits SET status = $1 WHERE id = $2")
            .bind(status.code())
            .bind(id_text(id))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Stores what happened at a visit; the note is sealed with the case's key.
    pub async fn insert_visit_event(&mut self, case: CaseId, event: &VisitEvent) -> Result<(), StoreError> {
        let note = match &event.note {
            Some(text) => Some(self.seal(case.as_uuid(), "visit.note", text.as_str()).await?),
            None => None,
        };
        let reason = match &event.reason {
            Some(text) => Some(self.seal(case.as_uuid(), "visit.correction", text.as_str()).await?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO visit_events (id, visit_id, kind, party, note, at, recorded_by, supersedes, reason, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(event.id.hyphenated().to_string())
        .bind(id_text(event.visit_id))
        .bind(event.kind.code())
        .bind(event.party.map(|party| party.code()))
        .bind(note)
        .bind(micros(event.at))
        .bind(id_text(event.recorded_by))
        .bind(event.supersedes.map(|id| id.hyphenated().to_string()))
        .bind(reason)
        .bind(event.recorded_at.map(micros))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// The events of a visit, in order.
    pub async fn visit_events(&mut self, case: CaseId, visit: VisitId) -> Result<Vec<VisitEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, visit_id, kind, party, note, at, recorded_by, supersedes, reason, recorded_at
             FROM visit_events WHERE visit_id = $1 ORDER BY at, id",
        )
        .bind(id_text(visit))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "visit_events");
            let note = match columns.opt_bytes("note")? {
                Some(sealed) => {
                    self.open(case.as_uuid(), "visit.note", "visit_events", &sealed).await?.map(Text::from_stored)
                }
                None => None,
            };
            let reason = match columns.opt_bytes("reason")? {
                Some(sealed) => {
                    self.open(case.as_uuid(), "visit.correction", "visit_events", &sealed).await?.map(Text::from_stored)
                }
                None => None,
            };
            let supersedes = match columns.opt_text("supersedes")? {
                Some(text) => Some(
                    uuid::Uuid::parse_str(&text)
                        .map_err(|_| StoreError::Corrupt { table: "visit_events", column: "supersedes" })?,
                ),
                None => None,
            };
            events.push(VisitEvent {
                id: uuid::Uuid::parse_str(&columns.text("id")?)
                    .map_err(|_| StoreError::Corrupt { table: "visit_events", column: "id" })?,
                visit_id: columns.id("visit_id")?,
                kind: columns.code("kind", VisitEventKind::parse)?,
                party: columns.opt_code("party", Party::parse)?,
                note,
                at: columns.instant("at")?,
                recorded_by: columns.id("recorded_by")?,
                supersedes,
                reason,
                recorded_at: columns.opt_instant("recorded_at")?,
            });
        }
        Ok(events)
    }

    /// The public holidays between two dates.
    pub async fn holidays(&mut self, from: Date, to: Date) -> Result<BTreeSet<Date>, StoreError> {
        let rows = sqlx::query("SELECT day FROM public_holidays WHERE day >= $1 AND day <= $2")
            .bind(date_text(from))
            .bind(date_text(to))
            .fetch_all(&mut *self.transaction)
            .await?;
        rows.iter().map(|row| Columns::new(row, "public_holidays").date("day")).collect()
    }

    /// Stores a check-in code's keyed hash for a party of a visit (replacing an older one).
    pub async fn set_visit_code(
        &mut self,
        visit: VisitId,
        party: Party,
        code_hash: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM visit_codes WHERE visit_id = $1 AND party = $2")
            .bind(id_text(visit))
            .bind(party.code())
            .execute(&mut *self.transaction)
            .await?;
        sqlx::query("INSERT INTO visit_codes (visit_id, party, code_hash, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(id_text(visit))
            .bind(party.code())
            .bind(code_hash)
            .bind(micros(expires_at))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Claims one check-in code attempt for a visit before the code is compared, in one
    /// statement: answers whether fewer than `limit` wrong codes were typed for it, so
    /// no more than `limit` guesses are ever compared however many arrive at once.
    pub async fn claim_check_in_attempt(&mut self, visit: VisitId, limit: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE visits SET check_in_failures = check_in_failures + 1 WHERE id = $1 AND check_in_failures < $2",
        )
        .bind(id_text(visit))
        .bind(limit)
        .execute(&mut *self.transaction)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Gives back the attempt a right code claimed (only wrong codes count).
    pub async fn refund_check_in_attempt(&mut self, visit: VisitId) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE visits SET check_in_failures = check_in_failures - 1 WHERE id = $1 AND check_in_failures > 0",
        )
        .bind(id_text(visit))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Uses a check-in code: the party whose unused, unexpired code has this hash, marked
    /// used; `None` when no code matches.
    pub async fn use_visit_code(
        &mut self,
        visit: VisitId,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Party>, StoreError> {
        let row = sqlx::query(
            "SELECT party FROM visit_codes WHERE visit_id = $1 AND code_hash = $2 AND used_at IS NULL
               AND expires_at > $3",
        )
        .bind(id_text(visit))
        .bind(code_hash)
        .bind(micros(now))
        .fetch_optional(&mut *self.transaction)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let party = Columns::new(&row, "visit_codes").code("party", Party::parse)?;
        sqlx::query("UPDATE visit_codes SET used_at = $1 WHERE visit_id = $2 AND party = $3")
            .bind(micros(now))
            .bind(id_text(visit))
            .bind(party.code())
            .execute(&mut *self.transaction)
            .await?;
        Ok(Some(party))
    }

    /// The sequenced audit entries about a record with an action, in log order: (leaf
    /// index, canonical bytes). Entries not yet in the tree are left out.
    pub async fn audit_leaves_about(
        &mut self,
        subject: uuid::Uuid,
        action: &str,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT audit_entries.leaf_index, audit_entries.record FROM audit_entries
             JOIN audit_subjects ON audit_subjects.entry_id = audit_entries.id
             WHERE audit_subjects.subject_id = $1 AND audit_entries.action = $2 AND audit_entries.outcome = 'ok'
               AND audit_entries.leaf_index IS NOT NULL
             ORDER BY audit_entries.leaf_index",
        )
        .bind(subject.hyphenated().to_string())
        .bind(action)
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter()
            .map(|row| {
                let columns = Columns::new(row, "audit_entries");
                Ok((columns.int("leaf_index")?, columns.bytes("record")?))
            })
            .collect()
    }
}
