//! A supervisor merges a duplicate person record into the one that survives, and can
//! undo it. Nothing ever merges by itself: search and registration only point at
//! possible duplicates (`docs/MATCHING.md`).
//!
//! Both records must be the supervisor's agency's own (policy `person-merge-supervisors`
//! decides, on each record); the cases, consents and accesses of the duplicate follow the
//! survivor, and its conflicts of interest are copied, so that no one gains access by a
//! merge. The merge and its undoing are audited with both persons and the moved cases.

use sila_domain::audit::SubjectKind;
use sila_domain::error::Problem;
use sila_domain::ids::{CaseId, PersonId};
use sila_store::{PersonMerge, Tx};

use crate::access::{Action, Decision};
use crate::{Actor, App, AppError, Conflict, RequestContext, new_uuid};

/// What a merge or an unmerge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The merge.
    pub merge_id: uuid::Uuid,
    /// The record that absorbed the other.
    pub survivor: PersonId,
    /// The record merged away (and back).
    pub merged: PersonId,
    /// Cases whose link moved.
    pub cases: Vec<CaseId>,
    /// Consents that moved.
    pub consents: usize,
    /// Other agencies' accesses that moved.
    pub accesses: usize,
    /// Conflicts of interest copied (or removed again).
    pub conflicts: usize,
}

impl App {
    /// Authorises merging on one person: hidden (404) if the actor may not see them,
    /// refused (403) if they may but not merge.
    async fn authorize_merge(
        &self,
        tx: &mut Tx,
        audit: &mut crate::audit::Audit,
        actor: &Actor,
        id: PersonId,
    ) -> Result<(), AppError> {
        let standing = self.standing(tx, actor, id).await?.ok_or(AppError::Hidden)?;
        let resource = standing.resource();
        match self.authorize(audit, actor, Action::MergePersons, resource) {
            Decision::Allow => Ok(()),
            Decision::Deny => Err(AppError::Forbidden),
            Decision::Hide => Err(AppError::Hidden),
        }
    }

    /// Merges the person `duplicate` into `survivor`.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        survivor: PersonId,
        duplicate: PersonId,
        context: &RequestContext,
    ) -> Result<MergeOutcome, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "person.merge").await?;
        audit.subject(SubjectKind::Person, survivor);
        audit.subject(SubjectKind::Person, duplicate);
        let result = async {
            if survivor == duplicate {
                return Err(AppError::invalid("duplicate_id", Problem::SamePerson));
            }
            self.authorize_merge(&mut tx, &mut audit, actor, survivor).await?;
            self.authorize_merge(&mut tx, &mut audit, actor, duplicate).await?;
            if tx.merged_into(survivor).await?.is_some() || tx.merged_into(duplicate).await?.is_some() {
                return Err(AppError::Conflict(Conflict::AlreadyMerged));
            }
            let merge = PersonMerge {
                id: new_uuid(),
                survivor,
                merged: duplicate,
                merged_by: actor.user.id,
                merged_at: self.now(),
            };
            let effects = tx.merge_persons(&merge).await?;
            for case in &effects.cases {
                audit.subject(SubjectKind::Case, *case);
            }
            audit.detail("merge", &merge.id.hyphenated().to_string());
            Ok(MergeOutcome {
                merge_id: merge.id,
                survivor,
                merged: duplicate,
                cases: effects.cases,
                consents: effects.consents,
                accesses: effects.accesses,
                conflicts: effects.conflicts,
            })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }

    /// Undoes the merge that absorbed `merged`: the record and everything that moved with
    /// it come back.
    pub async fn unmerge_person(
        &self,
        actor: &Actor,
        merged: PersonId,
        context: &RequestContext,
    ) -> Result<MergeOutcome, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), "person.unmerge").await?;
        audit.subject(SubjectKind::Person, merged);
        let result = async {
            self.authorize_merge(&mut tx, &mut audit, actor, merged).await?;
            let merge = tx.open_merge_of(merged).await?.ok_or(AppError::Conflict(Conflict::NotMerged))?;
            audit.subject(SubjectKind::Person, merge.survivor);
            self.authorize_merge(&mut tx, &mut audit, actor, merge.survivor).await?;
            let effects = tx.unmerge_persons(&merge, actor.user.id, self.now()).await?;
            for case in &effects.cases {
                audit.subject(SubjectKind::Case, *case);
            }
            audit.detail("merge", &merge.id.hyphenated().to_string());
            Ok(MergeOutcome {
                merge_id: merge.id,
                survivor: merge.survivor,
                merged,
                cases: effects.cases,
                consents: effects.consents,
                accesses: effects.accesses,
                conflicts: effects.conflicts,
            })
        }
        .await;
        self.finish(tx, audit, context, result).await
    }
}
