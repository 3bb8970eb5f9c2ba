//! The consent ledger of a case.

use jiff::Timestamp;
use sila_domain::consent::{Basis, Consent, ConsentBasis, ConsentMethod, ConsentTerms, DataClass};
use sila_domain::ids::{CaseId, ConsentId, UserId};
use sila_domain::text::Text;

use crate::codec::{Columns, date_text, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

const CONSENT_COLUMNS: &str = "id, case_id, person_id, recipient_agency_id, basis, method, witness, \
     mandatory_ground_sealed, purpose, expires_on, recorded_by, recorded_at, withdrawn_at";

impl Tx {
    /// Records a consent in a case's ledger.
    pub async fn insert_consent(&mut self, case: CaseId, consent: &Consent) -> Result<(), StoreError> {
        let terms = &consent.terms;
        let (method, witness, ground) = match &terms.basis {
            Basis::Consent { method, witness } => {
                (Some(method.code()), witness.as_ref().map(|text| text.as_str().to_string()), None)
            }
            Basis::MandatoryProtection { ground } => (None, None, Some(ground.as_str().to_string())),
        };
        // Why protection was mandatory: sealed under the case's key.
        let ground = match ground {
            Some(text) => Some(self.seal(case.as_uuid(), "consent.mandatory_ground", &text).await?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO consents (id, case_id, person_id, recipient_agency_id, basis, method, witness,
                mandatory_ground_sealed, purpose, expires_on, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id_text(consent.id))
        .bind(id_text(case))
        .bind(id_text(consent.person_id))
        .bind(id_text(consent.recipient_agency_id))
        .bind(terms.basis.kind().code())
        .bind(method)
        .bind(witness)
        .bind(ground)
        .bind(terms.purpose.as_str())
        .bind(date_text(terms.expires_on))
        .bind(id_text(consent.recorded_by))
        .bind(micros(consent.recorded_at))
        .execute(&mut *self.transaction)
        .await?;
        for class in &terms.data_classes {
            sqlx::query("INSERT INTO consent_data_classes (consent_id, data_class) VALUES ($1, $2)")
                .bind(id_text(consent.id))
                .bind(class.code())
                .execute(&mut *self.transaction)
                .await?;
        }
        Ok(())
    }

    /// A case's ledger, oldest first.
    pub async fn consents(&mut self, case: CaseId) -> Result<Vec<Consent>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {CONSENT_COLUMNS} FROM consents WHERE case_id = $1 ORDER BY recorded_at, id"
        ));
        let rows = sqlx::query(sql).bind(id_text(case)).fetch_all(&mut *self.transaction).await?;
        let mut consents = Vec::with_capacity(rows.len());
        for row in &rows {
            consents.push(self.consent_from(row).await?.1);
        }
        Ok(consents)
    }

    /// One consent record and the case it belongs to.
    pub async fn consent(&mut self, id: ConsentId) -> Result<Option<(CaseId, Consent)>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {CONSENT_COLUMNS} FROM consents WHERE id = $1"));
        let row = sqlx::query(sql).bind(id_text(id)).fetch_optional(&mut *self.transaction).await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(self.consent_from(&row).await?)),
        }
    }

    /// Marks a consent withdrawn. Returns `false` when it already was.
    pub async fn withdraw_consent(
        &mut self,
        id: ConsentId,
        by: UserId,
        reason: &Text,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let case = sqlx::query("SELECT case_id FROM consents WHERE id = $1")
            .bind(id_text(id))
            .fetch_optional(&mut *self.transaction)
            .await?
            .as_ref()
            .map(|row| Columns::new(row, "consents").id::<CaseId>("case_id"))
            .transpose()?;
        let Some(case) = case else { return Ok(false) };
        // Why she withdrew: sealed under the case's key.
        let reason = self.seal(case.as_uuid(), "consent.withdrawal_reason", reason.as_str()).await?;
        let result = sqlx::query(
            "UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2, withdrawal_reason_sealed = $3
             WHERE id = $4 AND withdrawn_at IS NULL",
        )
        .bind(micros(at))
        .bind(id_text(by))
        .bind(reason)
        .bind(id_text(id))
        .execute(&mut *self.transaction)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn consent_from(&mut self, row: &sqlx::any::AnyRow) -> Result<(CaseId, Consent), StoreError> {
        let columns = Columns::new(row, "consents");
        let id: ConsentId = columns.id("id")?;
        let data_classes = sqlx::query("SELECT data_class FROM consent_data_classes WHERE consent_id = $1")
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| Columns::new(row, "consent_data_classes").code("data_class", DataClass::parse))
            .collect::<Result<_, _>>()?;
        let basis = match columns.code("basis", ConsentBasis::parse)? {
            ConsentBasis::Consent => Basis::Consent {
                method: columns
                    .opt_code("method", ConsentMethod::parse)?
                    .ok_or(StoreError::Corrupt { table: "consents", column: "method" })?,
                witness: columns.opt_text("witness")?.map(Text::from_stored),
            },
            ConsentBasis::MandatoryProtection => {
                let sealed = columns
                    .opt_bytes("mandatory_ground_sealed")?
                    .ok_or(StoreError::Corrupt { table: "consents", column: "mandatory_ground_sealed" })?;
                let case: CaseId = columns.id("case_id")?;
                // A shredded case's ground reads as nothing.
                let ground = self.open(case.as_uuid(), "consent.mandatory_ground", "consents", &sealed).await?;
                Basis::MandatoryProtection { ground: Text::from_stored(ground.unwrap_or_default()) }
            }
        };
        let consent = Consent {
            id,
            person_id: columns.id("person_id")?,
            recipient_agency_id: columns.id("recipient_agency_id")?,
            terms: ConsentTerms {
                basis,
                purpose: Text::from_stored(columns.text("purpose")?),
                data_classes,
                expires_on: columns.date("expires_on")?,
            },
            recorded_by: columns.id("recorded_by")?,
            recorded_at: columns.instant("recorded_at")?,
            withdrawn_at: columns.opt_instant("withdrawn_at")?,
        };
        Ok((columns.id("case_id")?, consent))
    }
}
