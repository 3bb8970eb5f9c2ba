//! Running a use case with its audit entry: the entry of a success is appended in the
//! transaction of the change; a failure rolls the change back and then records what was
//! refused, in a transaction of its own, so refusals are audited too.

use std::collections::BTreeMap;

use sila_domain::audit::{AuditRecord, Outcome, Subject, SubjectKind};
use sila_domain::ids::RecordId;
use sila_store::{AuditEntry, Tx};

use crate::{Actor, App, AppError, RequestContext};

/// The audit entry being built for one use case.
#[derive(Debug)]
pub(crate) struct Audit {
    action: &'static str,
    actor: Option<sila_domain::ids::UserId>,
    subjects: Vec<Subject>,
    details: BTreeMap<String, String>,
}

impl Audit {
    pub(crate) fn new(actor: Option<&Actor>, action: &'static str) -> Audit {
        Audit { action, actor: actor.map(|actor| actor.user.id), subjects: Vec::new(), details: BTreeMap::new() }
    }

    /// Names a record the action concerns.
    pub(crate) fn subject(&mut self, kind: SubjectKind, id: impl RecordId) {
        self.subjects.push(Subject::new(kind, id.as_uuid()));
    }

    /// Adds a qualifying code (never personal data).
    pub(crate) fn detail(&mut self, key: &str, value: &str) {
        self.details.insert(key.to_string(), value.to_string());
    }

    /// The record whose data key seals the stored answer of this write (for a retry with
    /// the same idempotency key): the case it concerned, else its referral, its person,
    /// its user — so that shredding a case takes its answers with it.
    fn answer_owner(&self) -> Option<uuid::Uuid> {
        [SubjectKind::Case, SubjectKind::Referral, SubjectKind::Person, SubjectKind::User]
            .into_iter()
            .find_map(|kind| self.subjects.iter().find(|subject| subject.kind == kind).map(|subject| subject.id))
    }

    fn record(&self, at: jiff::Timestamp, outcome: Outcome) -> AuditRecord {
        AuditRecord {
            entry: Some(crate::new_uuid()),
            at,
            actor: self.actor,
            action: self.action.to_string(),
            subjects: self.subjects.clone(),
            outcome,
            details: self.details.clone(),
        }
    }
}

/// What an auditor asks of the log; every field as typed, empty meaning "any".
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditQuery<'a> {
    /// A record's id: entries about it.
    pub subject: Option<&'a str>,
    /// A user's id: entries by them.
    pub actor: Option<&'a str>,
    /// Window start: an instant or a date.
    pub from: Option<&'a str>,
    /// Window end: an instant or a date (inclusive).
    pub to: Option<&'a str>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<i64>,
}

/// An audit entry as the auditor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditView {
    /// Position in the log.
    pub index: i64,
    /// The record.
    pub record: AuditRecord,
    /// The acting user's display name, whatever their agency: "who looked" must name
    /// the desk worker of the centre as well as the officer.
    pub actor_name: Option<String>,
    /// The acting user's agency.
    pub actor_agency: Option<sila_domain::ids::AgencyId>,
}

impl From<AuditEntry> for AuditView {
    fn from(entry: AuditEntry) -> AuditView {
        AuditView { index: entry.id, record: entry.record, actor_name: None, actor_agency: None }
    }
}

impl App {
    /// Audit entries about a record (`subject`, any record id) or by a user (`actor`),
    /// within a time window, oldest first: "who looked at this woman's file, and when".
    /// Auditors only, and only what their agency may see: entries by its staff, and
    /// entries about the records it holds; the reading is itself audited.
    pub async fn audit_entries(&self, actor: &Actor, query: &AuditQuery<'_>) -> Result<Vec<AuditView>, AppError> {
        use sila_domain::time::{WindowEnd, parse_window_end};
        fn given(text: Option<&str>) -> Option<&str> {
            text.map(str::trim).filter(|text| !text.is_empty())
        }
        let (mut tx, mut audit) = self.begin_read(actor, "audit.read").await?;
        let result = async {
            if self.authorize(&mut audit, actor, crate::access::Action::ReadAudit, crate::access::Resource::Nothing)
                != crate::access::Decision::Allow
            {
                return Err(AppError::Forbidden);
            }
            // An auditor reads the entries of their agency's staff and those about records
            // their agency holds (naming another agency's actor on those), nothing else.
            let mut filter = sila_store::AuditFilter {
                limit: query.limit.unwrap_or(100),
                agency: Some(actor.agency.id),
                ..Default::default()
            };
            if !(1..=1000).contains(&filter.limit) {
                return Err(AppError::invalid("limit", sila_domain::Problem::UnknownValue));
            }
            if let Some(subject) = given(query.subject) {
                let id = uuid::Uuid::try_parse(subject)
                    .map_err(|_| AppError::invalid("subject", sila_domain::Problem::InvalidId))?;
                audit.detail("subject", &id.hyphenated().to_string());
                filter.subject = Some(id);
            }
            if let Some(by) = given(query.actor) {
                let id = sila_domain::ids::UserId::parse(by).map_err(|problem| AppError::invalid("actor", problem))?;
                audit.detail("actor", &id.to_string());
                filter.actor = Some(id);
            }
            if let Some(from) = given(query.from) {
                filter.from = Some(
                    parse_window_end(from, WindowEnd::Start).map_err(|problem| AppError::invalid("from", problem))?,
                );
            }
            if let Some(to) = given(query.to) {
                filter.to =
                    Some(parse_window_end(to, WindowEnd::End).map_err(|problem| AppError::invalid("to", problem))?);
            }
            if let (Some(from), Some(to)) = (filter.from, filter.to)
                && to <= from
            {
                return Err(AppError::invalid("to", sila_domain::Problem::EndBeforeStart));
            }
            let mut views: Vec<AuditView> = tx.audit_query(&filter).await?.into_iter().map(AuditView::from).collect();
            let mut users = std::collections::HashMap::new();
            for view in &mut views {
                let Some(id) = view.record.actor else { continue };
                if let std::collections::hash_map::Entry::Vacant(slot) = users.entry(id) {
                    let user = tx.user(id).await?;
                    slot.insert(user.map(|user| (user.display_name, user.agency_id)));
                }
                if let Some(Some((name, agency))) = users.get(&id) {
                    view.actor_name = Some(name.clone());
                    view.actor_agency = Some(*agency);
                }
            }
            Ok(views)
        }
        .await;
        self.finish_read(tx, audit, result).await
    }

    /// Begins a reading transaction and its audit entry, once the actor's read allowance
    /// lets them: a use case that changes nothing runs beside every other reader, and its
    /// entry is committed in a group (`group_commit.rs`) before the answer leaves.
    pub(crate) async fn begin_read(&self, actor: &Actor, action: &'static str) -> Result<(Tx, Audit), AppError> {
        self.read_allowances.take(actor.user.id, self.now(), self.config.reads_per_second, self.config.read_burst)?;
        Ok((self.store.read().await?, Audit::new(Some(actor), action)))
    }

    /// Ends a use case begun with [`App::begin_read`]: the connection goes back to the
    /// pool, then the entry of what was shown (or refused) is committed with others, and
    /// only then is the result handed on. If the entry cannot be stored, the result is
    /// not handed on.
    pub(crate) async fn finish_read<T>(
        &self,
        tx: Tx,
        audit: Audit,
        result: Result<T, AppError>,
    ) -> Result<T, AppError> {
        // A reading transaction has nothing to commit; ending it frees the connection
        // before the wait for the audit batch.
        let ended = tx.commit().await;
        match result {
            Ok(value) => {
                ended?;
                let record = audit.record(self.now(), Outcome::Ok);
                let mac = self.audit_key.mac(&record.encode());
                self.group_commit.append(&self.store, record, mac.to_vec()).await?;
                Ok(value)
            }
            Err(error) => {
                self.audit_failure(&audit, &error).await;
                Err(error)
            }
        }
    }

    /// Audit batches committed and the entries they carried since start (for the load
    /// benchmark's report).
    pub fn audit_batches(&self) -> (u64, u64) {
        self.group_commit.figures()
    }

    /// Begins a write transaction and its audit entry.
    pub(crate) async fn begin(&self, actor: Option<&Actor>, action: &'static str) -> Result<(Tx, Audit), AppError> {
        Ok((self.store.write().await?, Audit::new(actor, action)))
    }

    /// Ends a use case: on success appends the entry, marks the idempotency key
    /// committed and commits; on failure rolls back and audits the refusal.
    pub(crate) async fn finish<T>(
        &self,
        mut tx: Tx,
        audit: Audit,
        context: &RequestContext,
        result: Result<T, AppError>,
    ) -> Result<T, AppError> {
        match result {
            Ok(value) => {
                let record = audit.record(self.now(), Outcome::Ok);
                tx.append_audit(&record, &self.audit_key.mac(&record.encode())).await?;
                if let (Some(key), Some(actor)) = (&context.idempotency_key, audit.actor) {
                    let owner = audit.answer_owner().unwrap_or(actor.as_uuid());
                    tx.mark_idempotency_committed(actor, key, owner).await?;
                }
                tx.commit().await?;
                Ok(value)
            }
            Err(error) => {
                drop(tx);
                self.audit_failure(&audit, &error).await;
                Err(error)
            }
        }
    }

    /// Ends a use case that is refused but whose writes so far must stay — a wrong
    /// guess that counts against a limit: the refusal is appended in the same
    /// transaction, which commits.
    pub(crate) async fn keep_refused<T>(&self, mut tx: Tx, audit: Audit, error: AppError) -> Result<T, AppError> {
        let record = audit.record(self.now(), Outcome::Failed(error.code().to_string()));
        tx.append_audit(&record, &self.audit_key.mac(&record.encode())).await?;
        tx.commit().await?;
        Err(error)
    }

    /// Records a refused or failed action, in a group commit (its change, if any, was
    /// rolled back). A failure to write this entry is logged and not returned: the
    /// caller's error is the one that matters to the user.
    pub(crate) async fn audit_failure(&self, audit: &Audit, error: &AppError) {
        let outcome = match error {
            AppError::Hidden | AppError::Forbidden | AppError::PurposeRequired => Outcome::Denied,
            other => Outcome::Failed(other.code().to_string()),
        };
        let record = audit.record(self.now(), outcome);
        let mac = self.audit_key.mac(&record.encode());
        if let Err(failure) = self.group_commit.append(&self.store, record, mac.to_vec()).await {
            tracing::error!(action = audit.action, error = %failure, "could not audit a refused action");
        }
    }
}

/// Each account's allowance of audited reads: a bucket of `read_burst` reads, refilled
/// at `reads_per_second`. Kept per server, in memory: with N servers an account may
/// read N times as fast, which still bounds it.
#[derive(Debug, Default)]
pub(crate) struct ReadAllowances {
    buckets: std::sync::Mutex<std::collections::HashMap<sila_domain::ids::UserId, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Reads left, in thousandths.
    left: i64,
    /// When it was last refilled.
    at: jiff::Timestamp,
}

impl ReadAllowances {
    /// Takes one read from the account's bucket, or says how long to wait for one.
    pub(crate) fn take(
        &self,
        user: sila_domain::ids::UserId,
        now: jiff::Timestamp,
        per_second: u32,
        burst: u32,
    ) -> Result<(), AppError> {
        const ONE: i64 = 1000;
        let full = i64::from(burst) * ONE;
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(user).or_insert(Bucket { left: full, at: now });
        let elapsed_micros = now.duration_since(bucket.at).as_micros().max(0);
        let refill = i64::try_from(elapsed_micros.saturating_mul(i128::from(per_second)) / 1000).unwrap_or(i64::MAX);
        bucket.left = bucket.left.saturating_add(refill).min(full);
        bucket.at = bucket.at.max(now);
        if bucket.left >= ONE {
            bucket.left -= ONE;
            return Ok(());
        }
        let missing = ONE - bucket.left;
        let per_second = i64::from(per_second.max(1)) * ONE;
        let retry_after_seconds = (missing + per_second - 1) / per_second;
        Err(AppError::TooManyRequests { retry_after_seconds: retry_after_seconds.max(1) })
    }
}
