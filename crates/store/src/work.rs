//! What happens on a case besides its persons: risk assessments, notes, transfers to an
//! authority, and centre-first bypasses.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sila_domain::case::{Note, NoteLevel};
use sila_domain::consent::DataClass;
use sila_domain::ids::{AgencyId, CaseId, NoteId, RiskAssessmentId, UserId};
use sila_domain::protocol::BypassGround;
use sila_domain::risk::{Answer, Assessment, RiskLevel};
use sila_domain::text::Text;

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

/// A stored risk assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskAssessmentRecord {
    /// Its id.
    pub id: RiskAssessmentId,
    /// The case.
    pub case_id: CaseId,
    /// The instrument's code.
    pub instrument_code: String,
    /// The instrument's version.
    pub instrument_version: u32,
    /// The answers, score and level.
    pub assessment: Assessment,
    /// Who assessed.
    pub assessed_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// A transfer of a case to a competent authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTransfer {
    /// Its id (a UUID; transfers have no id type of their own).
    pub id: uuid::Uuid,
    /// The case.
    pub case_id: CaseId,
    /// The authority.
    pub authority_agency_id: AgencyId,
    /// The authority's reference, when known.
    pub authority_reference: Option<Text>,
    /// What was sent.
    pub data_classes: Vec<DataClass>,
    /// Who transferred.
    pub transferred_by: UserId,
    /// When.
    pub transferred_at: Timestamp,
}

impl Tx {
    /// Stores a risk assessment.
    pub async fn insert_risk_assessment(&mut self, record: &RiskAssessmentRecord) -> Result<(), StoreError> {
        let answers: String = record
            .assessment
            .answers
            .iter()
            .map(|(item, answer)| format!("{item}={}", answer.code()))
            .collect::<Vec<_>>()
            .join(";");
        let owner = record.case_id.as_uuid();
        let answers = self.seal(owner, "risk.answers", &answers).await?;
        let judgement = match &record.assessment.judgement_reason {
            Some(text) => Some(self.seal(owner, "risk.judgement", text.as_str()).await?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO risk_assessments (id, case_id, instrument_code, instrument_version, answers, score,
                score_level, level, judgement_reason, assessed_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id_text(record.id))
        .bind(id_text(record.case_id))
        .bind(&record.instrument_code)
        .bind(i64::from(record.instrument_version))
        .bind(answers)
        .bind(i64::from(record.assessment.score))
        .bind(record.assessment.score_level.code())
        .bind(record.assessment.level.code())
        .bind(judgement)
        .bind(id_text(record.assessed_by))
        .bind(micros(record.created_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// A case's assessments, newest first. After shredding, scores and levels remain
    /// (statistics need them) but the answers and the judgement reason are gone.
    pub async fn risk_assessments(&mut self, case: CaseId) -> Result<Vec<RiskAssessmentRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, instrument_code, instrument_version, answers, score, score_level, level,
                judgement_reason, assessed_by, created_at
             FROM risk_assessments WHERE case_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "risk_assessments");
            let corrupt = |column| StoreError::Corrupt { table: "risk_assessments", column };
            let owner = case.as_uuid();
            let answers_text = self
                .open(owner, "risk.answers", "risk_assessments", &columns.bytes("answers")?)
                .await?
                .unwrap_or_default();
            let judgement = match columns.opt_bytes("judgement_reason")? {
                Some(sealed) => self.open(owner, "risk.judgement", "risk_assessments", &sealed).await?,
                None => None,
            };
            let mut answers = BTreeMap::new();
            for pair in answers_text.split(';').filter(|pair| !pair.is_empty()) {
                let (item, answer) = pair.split_once('=').ok_or(corrupt("answers"))?;
                answers.insert(item.to_string(), Answer::parse(answer).map_err(|_| corrupt("answers"))?);
            }
            records.push(RiskAssessmentRecord {
                id: columns.id("id")?,
                case_id: columns.id("case_id")?,
                instrument_code: columns.text("instrument_code")?,
                instrument_version: u32::try_from(columns.int("instrument_version")?)
                    .map_err(|_| corrupt("instrument_version"))?,
                assessment: Assessment {
                    answers,
                    score: u32::try_from(columns.int("score")?).map_err(|_| corrupt("score"))?,
                    score_level: columns.code("score_level", RiskLevel::parse)?,
                    level: columns.code("level", RiskLevel::parse)?,
                    judgement_reason: judgement.map(Text::from_stored),
                },
                assessed_by: columns.id("assessed_by")?,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(records)
    }

    /// Stores a note (and the named readers of a restricted note).
    pub async fn insert_note(&mut self, note: &Note) -> Result<(), StoreError> {
        let text = match &note.text {
            Some(text) => self.seal(note.case_id.as_uuid(), "note", text.as_str()).await?,
            None => return Err(StoreError::Shredded),
        };
        sqlx::query(
            "INSERT INTO notes (id, case_id, level, text, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_text(note.id))
        .bind(id_text(note.case_id))
        .bind(note.level.code())
        .bind(text)
        .bind(id_text(note.author_id))
        .bind(micros(note.created_at))
        .execute(&mut *self.transaction)
        .await?;
        for reader in &note.readers {
            sqlx::query("INSERT INTO note_readers (note_id, user_id) VALUES ($1, $2)")
                .bind(id_text(note.id))
                .bind(id_text(*reader))
                .execute(&mut *self.transaction)
                .await?;
        }
        Ok(())
    }

    /// A case's notes, oldest first, their text opened (absent when shredded). The
    /// caller filters by level.
    pub async fn notes(&mut self, case: CaseId) -> Result<Vec<Note>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, case_id, level, text, author_id, created_at FROM notes WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(id_text(case))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut notes = Vec::with_capacity(rows.len());
        for row in &rows {
            let columns = Columns::new(row, "notes");
            let id: NoteId = columns.id("id")?;
            let readers = sqlx::query("SELECT user_id FROM note_readers WHERE note_id = $1 ORDER BY user_id")
                .bind(id_text(id))
                .fetch_all(&mut *self.transaction)
                .await?
                .iter()
                .map(|row| Columns::new(row, "note_readers").id("user_id"))
                .collect::<Result<Vec<UserId>, _>>()?;
            notes.push(Note {
                id,
                case_id: columns.id("case_id")?,
                level: columns.code("level", NoteLevel::parse)?,
                text: self.open(case.as_uuid(), "note", "notes", &columns.bytes("text")?).await?.map(Text::from_stored),
                author_id: columns.id("author_id")?,
                readers,
                created_at: columns.instant("created_at")?,
            });
        }
        Ok(notes)
    }

    /// Records a transfer to an authority.
    pub async fn insert_transfer(&mut self, transfer: &CaseTransfer) -> Result<(), StoreError> {
        let classes: Vec<&str> = transfer.data_classes.iter().map(DataClass::code).collect();
        sqlx::query(
            "INSERT INTO case_transfers (id, case_id, authority_agency_id, authority_reference, data_classes,
                transferred_by, transferred_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(transfer.id.hyphenated().to_string())
        .bind(id_text(transfer.case_id))
        .bind(id_text(transfer.authority_agency_id))
        .bind(transfer.authority_reference.as_ref().map(|text| text.as_str().to_string()))
        .bind(classes.join(","))
        .bind(id_text(transfer.transferred_by))
        .bind(micros(transfer.transferred_at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Records a police supervisor's centre-first bypass.
    pub async fn insert_bypass(
        &mut self,
        id: uuid::Uuid,
        case: CaseId,
        ground: BypassGround,
        note: &Text,
        by: UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let note = self.seal(case.as_uuid(), "bypass.note", note.as_str()).await?;
        sqlx::query(
            "INSERT INTO centre_first_bypasses (id, case_id, ground, note, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.hyphenated().to_string())
        .bind(id_text(case))
        .bind(ground.code())
        .bind(note)
        .bind(id_text(by))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Whether a bypass is recorded for the case.
    pub async fn has_bypass(&mut self, case: CaseId) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT id FROM centre_first_bypasses WHERE case_id = $1")
            .bind(id_text(case))
            .fetch_optional(&mut *self.transaction)
            .await?
            .is_some())
    }
}
