//! The end of a case's retention, and master-key rotation.
//!
//! Crypto-shredding destroys a case's data key (and those of the referrals made from it,
//! whose packets carry its content): the sealed narrative, notes and assessment answers
//! can never be read again, while every audit entry about the case stays in the log and
//! the log still verifies. Rotation re-wraps every data key with the current master key;
//! the content itself is not touched.

use sila_domain::audit::SubjectKind;
use sila_domain::ids::CaseId;

use crate::access::{Action, Decision, Resource};
use crate::{Actor, App, AppError, RequestContext};

/// How many times the files are rewritten after a shred (now, and on the server's next
/// passes), so that a transaction open at the shred cannot keep the old key on disk.
const ERASE_PASSES: u32 = 3;

impl App {
    /// Shreds a case's content. `actor` is an administrator, or `None` for an operator
    /// on the server (`sila case shred`).
    pub async fn shred_case(&self, actor: Option<&Actor>, case_id: CaseId) -> Result<(), AppError> {
        let (mut tx, mut audit) = self.begin(actor, "case.shred").await?;
        audit.subject(SubjectKind::Case, case_id);
        let result = async {
            if let Some(actor) = actor
                && self.authorize(&mut audit, actor, Action::Administer, Resource::Nothing) != Decision::Allow
            {
                return Err(AppError::Forbidden);
            }
            let case = tx.case(case_id).await?.ok_or(AppError::NotFound)?;
            if let Some(actor) = actor
                && actor.agency.id != case.agency_id
            {
                return Err(AppError::Hidden);
            }
            let now = self.now();
            tx.shred(case.id.as_uuid(), now).await?;
            let mut owners = vec![case.id.as_uuid()];
            for referral in tx.referrals_of_case(case.id).await? {
                tx.shred(referral.id.as_uuid(), now).await?;
                audit.subject(SubjectKind::Referral, referral.id);
                owners.push(referral.id.as_uuid());
            }
            // The answers kept for retries of the case's writes go with it.
            let answers = tx.delete_idempotent_answers_of(&owners).await?;
            audit.detail("stored_answers", &answers.to_string());
            Ok(())
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await?;
        // The destroyed key must not linger in the database's files either. A transaction
        // that was open at the shred keeps PostgreSQL from dropping the old row yet, so
        // the rewrite is repeated on the server's next passes too.
        self.erase_pending.store(ERASE_PASSES, std::sync::atomic::Ordering::Relaxed);
        self.erase_shred_remnants(true).await;
        Ok(())
    }

    /// Rewrites what a shred left in the database's files (see
    /// `sila_store::Store::erase_freed_space`) when a shred asked for it in this
    /// process, or always with `force`; answers whether it ran. The server calls it on
    /// every pass of its monitor.
    pub async fn erase_shred_remnants(&self, force: bool) -> bool {
        use std::sync::atomic::Ordering;
        let pending = self.erase_pending.load(Ordering::Relaxed);
        if pending == 0 && !force {
            return false;
        }
        if pending > 0 {
            self.erase_pending.store(pending - 1, Ordering::Relaxed);
        }
        if let Err(error) = self.store.erase_freed_space().await {
            tracing::error!(error = %error, "the shredded key's old copy could not be erased from the database files");
        }
        true
    }

    /// The id of the case with `reference`, for an operator on the server.
    pub async fn case_id_for_operator(&self, reference: &str) -> Result<Option<CaseId>, AppError> {
        Ok(self.store.read().await?.case_id_by_reference(reference).await?)
    }

    /// Re-wraps every data key with the current master key (after a rotation put a new
    /// key first); returns how many were re-wrapped and which master keys still wrap
    /// anything (none but the current one when it succeeded).
    pub async fn rewrap_data_keys(&self) -> Result<(usize, Vec<String>), AppError> {
        let mut tx = self.store.write().await?;
        let count = tx.rewrap_data_keys().await?;
        let mut audit = crate::audit::Audit::new(None, "keys.rotate");
        audit.detail("rewrapped", &count.to_string());
        audit.detail("master_key", self.store.keys().current().id());
        let result: Result<(), AppError> = Ok(());
        self.finish(tx, audit, &RequestContext::default(), result).await?;
        let in_use = self.store.read().await?.master_keys_in_use().await?;
        Ok((count, in_use))
    }

    /// Whether a case's content was shredded.
    pub async fn is_shredded(&self, case_id: CaseId) -> Result<bool, AppError> {
        Ok(self.store.read().await?.is_shredded(case_id.as_uuid()).await?)
    }
}
