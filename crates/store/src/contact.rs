//! Safe-contact rules (sealed JSON under the person's own data key) and warm handoffs.

use jiff::Timestamp;
use serde_json::json;
use sila_domain::contact::{ContactChannel, Handoff, SafeContact};
use sila_domain::ids::{PersonId, ReferralId, UserId};
use sila_domain::text::Text;

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

impl Tx {
    /// Stores (or replaces) a person's safe-contact rules.
    pub async fn set_safe_contact(
        &mut self,
        person: PersonId,
        rules: &SafeContact,
        by: UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let text = |value: &Option<Text>| value.as_ref().map(|text| text.as_str().to_string());
        let encoded = json!({
            "channel": rules.channel.map(|channel| channel.code()),
            "phone": rules.phone,
            "times": text(&rules.times),
            "never_at_home": rules.never_at_home,
            "through": text(&rules.through),
            "code_word": text(&rules.code_word),
        })
        .to_string();
        let sealed = self.seal(person.as_uuid(), "safe_contact", &encoded).await?;
        sqlx::query(
            "INSERT INTO safe_contacts (person_id, rules, updated_by, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (person_id) DO UPDATE SET rules = $2, updated_by = $3, updated_at = $4",
        )
        .bind(id_text(person))
        .bind(sealed)
        .bind(id_text(by))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A person's safe-contact rules, if any were recorded (and not shredded).
    pub async fn safe_contact(&mut self, person: PersonId) -> Result<Option<SafeContact>, StoreError> {
        let row = sqlx::query("SELECT rules FROM safe_contacts WHERE person_id = $1")
            .bind(id_text(person))
            .fetch_optional(&mut *self.transaction)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed = Columns::new(&row, "safe_contacts").bytes("rules")?;
        let Some(text) = self.open(person.as_uuid(), "safe_contact", "safe_contacts", &sealed).await? else {
            return Ok(None);
        };
        let corrupt = || StoreError::Corrupt { table: "safe_contacts", column: "rules" };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| corrupt())?;
        let text_of = |key: &str| value[key].as_str().map(|text| Text::from_stored(text.to_string()));
        Ok(Some(SafeContact {
            channel: match value["channel"].as_str() {
                Some(code) => Some(ContactChannel::parse(code).map_err(|_| corrupt())?),
                None => None,
            },
            phone: value["phone"].as_str().map(str::to_string),
            times: text_of("times"),
            never_at_home: value["never_at_home"].as_bool().unwrap_or(false),
            through: text_of("through"),
            code_word: text_of("code_word"),
        }))
    }

    /// Books (or moves) a referral's desk slot.
    pub async fn book_handoff(
        &mut self,
        referral: ReferralId,
        slot_at: Timestamp,
        by: UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO handoffs (referral_id, slot_at, booked_by, booked_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (referral_id) DO UPDATE SET slot_at = $2, booked_by = $3, booked_at = $4",
        )
        .bind(id_text(referral))
        .bind(micros(slot_at))
        .bind(id_text(by))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Records the escort (`escorted`) or the reception at the desk (`received`).
    pub async fn mark_handoff(
        &mut self,
        referral: ReferralId,
        received: bool,
        by: UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = if received {
            "UPDATE handoffs SET received_by = $1, received_at = $2 WHERE referral_id = $3 AND received_at IS NULL"
        } else {
            "UPDATE handoffs SET escorted_by = $1, escorted_at = $2 WHERE referral_id = $3 AND escorted_at IS NULL"
        };
        sqlx::query(sql)
            .bind(id_text(by))
            .bind(micros(at))
            .bind(id_text(referral))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// A referral's handoff.
    pub async fn handoff(&mut self, referral: ReferralId) -> Result<Option<Handoff>, StoreError> {
        let row = sqlx::query(
            "SELECT referral_id, slot_at, booked_by, booked_at, escorted_by, escorted_at, received_by, received_at
             FROM handoffs WHERE referral_id = $1",
        )
        .bind(id_text(referral))
        .fetch_optional(&mut *self.transaction)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let columns = Columns::new(&row, "handoffs");
        let pair = |user: Option<UserId>, at: Option<Timestamp>| user.zip(at);
        Ok(Some(Handoff {
            referral_id: columns.id("referral_id")?,
            slot_at: columns.instant("slot_at")?,
            booked_by: columns.id("booked_by")?,
            booked_at: columns.instant("booked_at")?,
            escorted: pair(columns.opt_id("escorted_by")?, columns.opt_instant("escorted_at")?),
            received: pair(columns.opt_id("received_by")?, columns.opt_instant("received_at")?),
        }))
    }

    /// Records a referral's first contact (a warm handoff's reception), once.
    pub async fn mark_first_contact(&mut self, referral: ReferralId, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE referrals SET first_contact_at = $1 WHERE id = $2 AND first_contact_at IS NULL")
            .bind(micros(at))
            .bind(id_text(referral))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }
}
