//! Notes on a case at three levels: team (everyone who may read the case), restricted
//! (named colleagues, the author, managers) and sealed (the author and managers).

use sila_domain::audit::SubjectKind;
use sila_domain::case::{Note, NoteLevel};
use sila_domain::error::{Errors, Problem};
use sila_domain::ids::{CaseId, NoteId, UserId};
use sila_domain::text::{Text, limits};

use crate::access::{Action, Resource};
use crate::cases::{record_event, touch_case};
use crate::{Actor, App, AppError, RequestContext, new_uuid};

impl App {
    /// Writes a note on a case.
    pub async fn add_note(
        &self,
        actor: &Actor,
        case_id: CaseId,
        level: &str,
        text: &str,
        readers: &[String],
        context: &RequestContext,
    ) -> Result<Note, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "note.create").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::CreateNote).await?;
            let mut errors = Errors::new();
            let level = errors.check("level", NoteLevel::parse(level));
            let text = errors.check("text", Text::parse(text, limits::LONG));
            let mut reader_ids = Vec::new();
            for (index, reader) in readers.iter().enumerate() {
                if let Some(id) = errors.check(format!("readers[{index}]"), UserId::parse(reader)) {
                    reader_ids.push(id);
                }
            }
            if level == Some(NoteLevel::Restricted) && reader_ids.is_empty() {
                errors.add("readers", Problem::EmptyList);
            }
            errors.finish().map_err(AppError::Invalid)?;
            let (Some(level), Some(text)) = (level, text) else {
                return Err(AppError::invalid("text", Problem::Required));
            };
            if level != NoteLevel::Restricted {
                reader_ids.clear();
            }
            for (index, reader) in reader_ids.iter().enumerate() {
                let user = tx.user(*reader).await?;
                if user.is_none_or(|user| user.agency_id != actor.agency.id) {
                    return Err(AppError::invalid(format!("readers[{index}]"), Problem::UnknownValue));
                }
            }
            let now = self.now();
            let note = Note {
                id: NoteId::from_uuid(new_uuid()),
                case_id: case.id,
                level,
                text: Some(text),
                author_id: actor.user.id,
                readers: reader_ids,
                created_at: now,
            };
            tx.insert_note(&note).await?;
            touch_case(&mut tx, &case, now).await?;
            record_event(&mut tx, &case, Some(actor), "note.added", None, &[("level", level.code())], now).await?;
            audit.subject(SubjectKind::Note, note.id);
            audit.detail("level", level.code());
            Ok(note)
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// The notes of a case the actor may read, oldest first.
    pub async fn notes(&self, actor: &Actor, case_id: CaseId) -> Result<Vec<Note>, AppError> {
        let (mut tx, mut audit) = self.begin_read(actor, "note.list").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            let case = self.visible_case(&mut tx, &mut audit, actor, case_id, Action::ReadCase).await?;
            let persons = tx.case_person_ids(case.id).await?;
            let mut readable = Vec::new();
            for note in tx.notes(case.id).await? {
                if self.verdict(actor, Action::ReadNote, Resource::Note(&case, &persons, &note)).allowed {
                    audit.subject(SubjectKind::Note, note.id);
                    readable.push(note);
                }
            }
            Ok(readable)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }
}
