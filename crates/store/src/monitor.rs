//! What the deadline monitor and the outbox senders read and claim: referral steps near
//! or past their deadline, the marks that make each alert unique across servers, the
//! recipients by role and office, and outbox rows claimed one at a time.

use jiff::Timestamp;
use sila_domain::agency::Role;
use sila_domain::ids::{AgencyId, OfficeId, ReferralId, UserId};
use sila_domain::referral::Step;

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

/// A referral step not yet reached whose deadline falls before a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingStep {
    /// The referral.
    pub referral_id: ReferralId,
    /// The step.
    pub step: Step,
    /// When it was made.
    pub created_at: Timestamp,
    /// When the step is due.
    pub due_at: Timestamp,
    /// The receiving agency and office (the desk).
    pub to: (AgencyId, OfficeId),
    /// The referring agency and office.
    pub from: (AgencyId, OfficeId),
}

/// A notification waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Its id.
    pub id: uuid::Uuid,
    /// The recipient.
    pub user_id: UserId,
    /// When the alert was raised.
    pub created_at: Timestamp,
}

const STEP_COLUMNS: [(Step, &str, &str); 3] = [
    (Step::Receive, "due_receive_at", "received_at"),
    (Step::Decide, "due_decide_at", "decided_at"),
    (Step::FirstContact, "due_first_contact_at", "first_contact_at"),
];

impl Tx {
    /// Open referrals' steps not reached and due before `before`, soonest first.
    pub async fn pending_steps(&mut self, before: Timestamp) -> Result<Vec<PendingStep>, StoreError> {
        let mut found = Vec::new();
        for (step, due, reached) in STEP_COLUMNS {
            let sql = format!(
                "SELECT id, created_at, {due} AS due_at, to_agency_id, to_office_id, from_agency_id, from_office_id
                 FROM referrals
                 WHERE closed_at IS NULL AND {due} IS NOT NULL AND {reached} IS NULL AND {due} < $1
                   AND status IN ('requested', 'received', 'accepted')
                 ORDER BY {due}"
            );
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(micros(before)).fetch_all(&mut *self.transaction).await?;
            for row in &rows {
                let columns = Columns::new(row, "referrals");
                found.push(PendingStep {
                    referral_id: columns.id("id")?,
                    step,
                    created_at: columns.instant("created_at")?,
                    due_at: columns.instant("due_at")?,
                    to: (columns.id("to_agency_id")?, columns.id("to_office_id")?),
                    from: (columns.id("from_agency_id")?, columns.id("from_office_id")?),
                });
            }
        }
        found.sort_by_key(|item| item.due_at);
        Ok(found)
    }

    /// Marks an alert as raised; `false` when it already was (by this server or another),
    /// in which case the caller raises nothing.
    pub async fn mark_alert(
        &mut self,
        referral: ReferralId,
        step: Step,
        kind: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO alert_marks (referral_id, step, kind, raised_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(id_text(referral))
        .bind(step.code())
        .bind(kind)
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The active users of an agency holding a role at an office.
    pub async fn users_with_role_at(&mut self, role: Role, office: OfficeId) -> Result<Vec<UserId>, StoreError> {
        sqlx::query(
            "SELECT users.id FROM users
             JOIN user_roles ON user_roles.user_id = users.id
             JOIN user_offices ON user_offices.user_id = users.id
             WHERE user_roles.role = $1 AND user_offices.office_id = $2 AND users.disabled = 0 ORDER BY users.id",
        )
        .bind(role.code())
        .bind(id_text(office))
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| Columns::new(row, "users").id("id"))
        .collect()
    }

    /// Notifications not sent and not claimed (or claimed longer ago than `stale`),
    /// oldest first.
    pub async fn outbox_pending(&mut self, stale: Timestamp, limit: i64) -> Result<Vec<OutboxItem>, StoreError> {
        sqlx::query(
            "SELECT id, user_id, created_at FROM outbox
             WHERE sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < $1) AND attempts < 10
             ORDER BY created_at, id LIMIT $2",
        )
        .bind(micros(stale))
        .bind(limit)
        .fetch_all(&mut *self.transaction)
        .await?
        .iter()
        .map(|row| {
            let columns = Columns::new(row, "outbox");
            Ok(OutboxItem {
                id: uuid::Uuid::try_parse(&columns.text("id")?)
                    .map_err(|_| StoreError::Corrupt { table: "outbox", column: "id" })?,
                user_id: columns.id("user_id")?,
                created_at: columns.instant("created_at")?,
            })
        })
        .collect()
    }

    /// Claims a notification for a sender; `false` when another sender has it.
    pub async fn claim_outbox(
        &mut self,
        id: uuid::Uuid,
        by: &str,
        at: Timestamp,
        stale: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE outbox SET claimed_by = $1, claimed_at = $2, attempts = attempts + 1
             WHERE id = $3 AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < $4)",
        )
        .bind(by)
        .bind(micros(at))
        .bind(id.hyphenated().to_string())
        .bind(micros(stale))
        .execute(&mut *self.transaction)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Records the end of a send: sent, or the error (the row is retried later).
    pub async fn finish_outbox(
        &mut self,
        id: uuid::Uuid,
        sent_at: Option<Timestamp>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET sent_at = $1, last_error = $2, claimed_at = NULL WHERE id = $3")
            .bind(sent_at.map(micros))
            .bind(error)
            .bind(id.hyphenated().to_string())
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }
}
