//! What changes a user's access besides their roles: declared conflicts of interest,
//! break-glass grants, and the alerts that tell auditors about them.

use std::collections::BTreeSet;

use jiff::Timestamp;
use sila_domain::ids::{CaseId, PersonId, UserId};

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

/// An alert in a user's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Id.
    pub id: uuid::Uuid,
    /// The recipient.
    pub user_id: UserId,
    /// What happened (`break_glass.opened`, …).
    pub kind: String,
    /// The kind of record concerned.
    pub subject_kind: Option<String>,
    /// Its id.
    pub subject_id: Option<String>,
    /// When.
    pub created_at: Timestamp,
    /// When the user read it.
    pub read_at: Option<Timestamp>,
}

impl Tx {
    /// Records that `user` is tied to `person` (idempotent).
    pub async fn insert_conflict(
        &mut self,
        user: UserId,
        person: PersonId,
        declared_by: UserId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO conflicts_of_interest (user_id, person_id, declared_by, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(id_text(user))
        .bind(id_text(person))
        .bind(id_text(declared_by))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The persons a user is tied to.
    pub async fn conflicts_of(&mut self, user: UserId) -> Result<BTreeSet<PersonId>, StoreError> {
        sqlx::query("SELECT person_id FROM conflicts_of_interest WHERE user_id = $1")
            .bind(id_text(user))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| Columns::new(row, "conflicts_of_interest").id("person_id"))
            .collect()
    }

    /// Stores a break-glass grant; the reason is sealed with the case's data key.
    pub async fn insert_break_glass(
        &mut self,
        id: uuid::Uuid,
        user: UserId,
        case: CaseId,
        reason: &str,
        granted_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let sealed = self.seal(case.as_uuid(), "break_glass.reason", reason).await?;
        sqlx::query(
            "INSERT INTO break_glass_grants (id, user_id, case_id, reason, granted_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.hyphenated().to_string())
        .bind(id_text(user))
        .bind(id_text(case))
        .bind(sealed)
        .bind(micros(granted_at))
        .bind(micros(expires_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// The cases a user holds a grant for that is live at `now`.
    pub async fn live_break_glass(&mut self, user: UserId, now: Timestamp) -> Result<BTreeSet<CaseId>, StoreError> {
        sqlx::query(
            "SELECT case_id FROM break_glass_grants WHERE user_id = $1 AND granted_at <= $2 AND expires_at > $2",
        )
        .bind(id_text(user))
        .bind(micros(now))
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| Columns::new(row, "break_glass_grants").id("case_id"))
        .collect()
    }

    /// Records the purpose a user stated for opening a person's record (sealed with the
    /// person's data key), open until `expires_at`.
    pub async fn insert_person_purpose(
        &mut self,
        id: uuid::Uuid,
        user: UserId,
        person: PersonId,
        purpose: &str,
        stated_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let sealed = self.seal(person.as_uuid(), "person_purpose", purpose).await?;
        sqlx::query(
            "INSERT INTO person_purposes (id, person_id, user_id, purpose, stated_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.hyphenated().to_string())
        .bind(id_text(person))
        .bind(id_text(user))
        .bind(sealed)
        .bind(micros(stated_at))
        .bind(micros(expires_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Whether a user stated a purpose for a person's record that is still open at `now`.
    pub async fn person_purpose_open(
        &mut self,
        user: UserId,
        person: PersonId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 FROM person_purposes
             WHERE user_id = $1 AND person_id = $2 AND stated_at <= $3 AND expires_at > $3 LIMIT 1",
        )
        .bind(id_text(user))
        .bind(id_text(person))
        .bind(micros(now))
        .fetch_optional(&mut *self.transaction)
        .await?;
        Ok(row.is_some())
    }

    /// Puts an alert in a user's inbox, and a notification of it in the outbox.
    pub async fn insert_alert(&mut self, alert: &Alert) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alerts (id, user_id, kind, subject_kind, subject_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(alert.id.hyphenated().to_string())
        .bind(id_text(alert.user_id))
        .bind(&alert.kind)
        .bind(alert.subject_kind.clone())
        .bind(alert.subject_id.clone())
        .bind(micros(alert.created_at))
        .execute(&mut *self.transaction)
        .await?;
        sqlx::query("INSERT INTO outbox (id, alert_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(uuid::Uuid::now_v7().hyphenated().to_string())
            .bind(alert.id.hyphenated().to_string())
            .bind(id_text(alert.user_id))
            .bind(micros(alert.created_at))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A user's alerts, newest first.
    pub async fn alerts_of(&mut self, user: UserId, limit: i64) -> Result<Vec<Alert>, StoreError> {
        sqlx::query(
            "SELECT id, user_id, kind, subject_kind, subject_id, created_at, read_at FROM alerts
             WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(id_text(user))
        .bind(limit)
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| {
            let columns = Columns::new(row, "alerts");
            Ok(Alert {
                id: uuid::Uuid::try_parse(&columns.text("id")?)
                    .map_err(|_| StoreError::Corrupt { table: "alerts", column: "id" })?,
                user_id: columns.id("user_id")?,
                kind: columns.text("kind")?,
                subject_kind: columns.opt_text("subject_kind")?,
                subject_id: columns.opt_text("subject_id")?,
                created_at: columns.instant("created_at")?,
                read_at: columns.opt_instant("read_at")?,
            })
        })
        .collect()
    }

    /// The users of an agency holding a role (recipients of an alert).
    pub async fn users_with_role(
        &mut self,
        agency: sila_domain::ids::AgencyId,
        role: sila_domain::agency::Role,
    ) -> Result<Vec<UserId>, StoreError> {
        sqlx::query(
            "SELECT users.id FROM users JOIN user_roles ON user_roles.user_id = users.id
             WHERE users.agency_id = $1 AND user_roles.role = $2 AND users.disabled = 0 ORDER BY users.id",
        )
        .bind(id_text(agency))
        .bind(role.code())
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| Columns::new(row, "users").id("id"))
        .collect()
    }

    /// The ids of the persons in a case.
    pub async fn case_person_ids(&mut self, case: CaseId) -> Result<Vec<PersonId>, StoreError> {
        sqlx::query("SELECT DISTINCT person_id FROM case_persons WHERE case_id = $1 ORDER BY person_id")
            .bind(id_text(case))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| Columns::new(row, "case_persons").id("person_id"))
            .collect()
    }
}
