//! Consultations (their summary sealed under the consultation's own data key) and
//! awareness activities with their attendance.

use jiff::civil::Date;
use sila_domain::engagement::{Activity, ActivityKind, AgeGroup, Channel, Consultation, ConsultationKind, CountedSex};
use sila_domain::ids::{ActivityId, AgencyId};
use sila_domain::text::Text;

use crate::codec::{Columns, date_text, id_text, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;

impl Tx {
    /// Stores a consultation.
    pub async fn insert_consultation(&mut self, consultation: &Consultation) -> Result<(), StoreError> {
        let summary = consultation.summary.as_ref().ok_or(StoreError::Shredded)?;
        let sealed = self.seal(consultation.id.as_uuid(), "consultation.summary", summary.as_str()).await?;
        sqlx::query(
            "INSERT INTO consultations (id, agency_id, kind, channel, person_id, sex, age_group, summary, recorded_by,
                held_on, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id_text(consultation.id))
        .bind(id_text(consultation.agency_id))
        .bind(consultation.kind.code())
        .bind(consultation.channel.code())
        .bind(opt_id_text(consultation.person_id))
        .bind(consultation.sex.map(|sex| sex.code()))
        .bind(consultation.age_group.map(|age| age.code()))
        .bind(sealed)
        .bind(id_text(consultation.recorded_by))
        .bind(date_text(consultation.held_on))
        .bind(micros(consultation.created_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// An agency's consultations held on `[from, to]`, newest first.
    pub async fn consultations(
        &mut self,
        agency: AgencyId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Consultation>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, agency_id, kind, channel, person_id, sex, age_group, summary, recorded_by, held_on, created_at
             FROM consultations WHERE agency_id = $1 AND held_on >= $2 AND held_on <= $3
             ORDER BY held_on DESC, created_at DESC, id DESC",
        )
        .bind(id_text(agency))
        .bind(date_text(from))
        .bind(date_text(to))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "consultations");
            let id: sila_domain::ids::ConsultationId = columns.id("id")?;
            let summary = self
                .open(id.as_uuid(), "consultation.summary", "consultations", &columns.bytes("summary")?)
                .await?
                .map(Text::from_stored);
            items.push(Consultation {
                id,
                agency_id: columns.id("agency_id")?,
                kind: columns.code("kind", ConsultationKind::parse)?,
                channel: columns.code("channel", Channel::parse)?,
                person_id: columns.opt_id("person_id")?,
                sex: columns.opt_code("sex", CountedSex::parse)?,
                age_group: columns.opt_code("age_group", AgeGroup::parse)?,
                summary,
                recorded_by: columns.id("recorded_by")?,
                held_on: columns.date("held_on")?,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(items)
    }

    /// Stores an activity and its attendance.
    pub async fn insert_activity(&mut self, activity: &Activity) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO activities (id, agency_id, kind, title, audience, place, partner, held_on, recorded_by,
                created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id_text(activity.id))
        .bind(id_text(activity.agency_id))
        .bind(activity.kind.code())
        .bind(activity.title.as_str().to_string())
        .bind(activity.audience.as_str().to_string())
        .bind(activity.place.as_str().to_string())
        .bind(activity.partner.as_ref().map(|text| text.as_str().to_string()))
        .bind(date_text(activity.held_on))
        .bind(id_text(activity.recorded_by))
        .bind(micros(activity.created_at))
        .execute(&mut *self.transaction)
        .await?;
        for (sex, age, attendees) in &activity.attendance {
            sqlx::query(
                "INSERT INTO activity_attendance (activity_id, sex, age_group, attendees) VALUES ($1, $2, $3, $4)",
            )
            .bind(id_text(activity.id))
            .bind(sex.code())
            .bind(age.code())
            .bind(i64::from(*attendees))
            .execute(&mut *self.transaction)
            .await?;
        }
        Ok(())
    }

    /// An agency's activities held on `[from, to]`, newest first, with attendance.
    pub async fn activities(&mut self, agency: AgencyId, from: Date, to: Date) -> Result<Vec<Activity>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, agency_id, kind, title, audience, place, partner, held_on, recorded_by, created_at
             FROM activities WHERE agency_id = $1 AND held_on >= $2 AND held_on <= $3
             ORDER BY held_on DESC, created_at DESC, id DESC",
        )
        .bind(id_text(agency))
        .bind(date_text(from))
        .bind(date_text(to))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "activities");
            let id: ActivityId = columns.id("id")?;
            let attendance = sqlx::query(
                "SELECT sex, age_group, attendees FROM activity_attendance WHERE activity_id = $1
                 ORDER BY sex, age_group",
            )
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| {
                let columns = Columns::new(row, "activity_attendance");
                Ok((
                    columns.code("sex", CountedSex::parse)?,
                    columns.code("age_group", AgeGroup::parse)?,
                    u32::try_from(columns.int("attendees")?)
                        .map_err(|_| StoreError::Corrupt { table: "activity_attendance", column: "attendees" })?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
            items.push(Activity {
                id,
                agency_id: columns.id("agency_id")?,
                kind: columns.code("kind", ActivityKind::parse)?,
                title: Text::from_stored(columns.text("title")?),
                audience: Text::from_stored(columns.text("audience")?),
                place: Text::from_stored(columns.text("place")?),
                partner: columns.opt_text("partner")?.map(Text::from_stored),
                held_on: columns.date("held_on")?,
                attendance,
                recorded_by: columns.id("recorded_by")?,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(items)
    }
}
