//! Issuing the court report of an order for a period. The report's content is built
//! from the visits and their events; issuing it is itself audited, with the content's
//! SHA-256; the log is then sequenced and signed, and the report carries the inclusion
//! proofs of the issue entry and of every event entry it summarises, with the signed
//! tree head — so that `sila audit verify-report` proves it offline.

use std::collections::BTreeSet;

use sila_domain::audit::SubjectKind;
use sila_domain::ids::{CourtOrderId, PersonId};
use sila_domain::merkle;
use sila_reports::court::{
    CourtReport, EVENT_ACTION, EventLine, FORMAT, ISSUE_ACTION, ReportContent, Summary, TreeHead, VisitLine,
    content_digest, hex,
};
use sila_reports::dates::hijri_ar;
use sila_store::Tx;

use crate::access::Action;
use crate::{Actor, App, AppError, RequestContext};

impl App {
    /// Issues the court report of an order for the days `from`–`to` (inclusive).
    pub async fn court_report(
        &self,
        actor: &Actor,
        order_id: CourtOrderId,
        from: &str,
        to: &str,
    ) -> Result<CourtReport, AppError> {
        let content = self.issue_court_report(actor, order_id, from, to).await?;
        let digest = content_digest(&content);
        let head = self.sequence_and_sign().await?;
        let mut tx = self.store.read().await?;
        let size = i64::try_from(head.tree_size).map_err(|_| AppError::Internal("tree size".into()))?;
        let leaves = tx.audit_leaf_hashes(size).await?;
        let wanted: BTreeSet<String> =
            content.visits.iter().flat_map(|visit| visit.events.iter().map(|event| event.event_id.clone())).collect();
        let mut evidence = Vec::new();
        let order_uuid = order_id.as_uuid();
        for (index, bytes) in tx.audit_leaves_about(order_uuid, EVENT_ACTION).await? {
            let record = sila_domain::audit::AuditRecord::decode(&bytes)
                .map_err(|_| AppError::Internal("an audit record does not decode".into()))?;
            if record.details.get("event").is_some_and(|event| wanted.contains(event)) && index < size {
                evidence.push(proven(&leaves, index, &bytes)?);
            }
        }
        let issue = issues_of(&mut tx, order_uuid, &digest, size).await?;
        evidence.push(proven(&leaves, issue.0, &issue.1)?);
        let (public_key, _) = self.audit_public_key();
        Ok(CourtReport {
            format: FORMAT.into(),
            content,
            content_sha256: digest,
            evidence,
            tree_head: TreeHead {
                tree_size: head.tree_size,
                root_hash: hex(&head.root),
                signed_at_us: head.signed_at.as_microsecond(),
                signed_at: head.signed_at.to_string(),
                signature: hex(&head.signature),
                public_key: hex(&public_key),
            },
        })
    }

    /// Builds the content and writes the issue entry with its fingerprint.
    async fn issue_court_report(
        &self,
        actor: &Actor,
        order_id: CourtOrderId,
        from: &str,
        to: &str,
    ) -> Result<ReportContent, AppError> {
        let (mut tx, mut audit) = self.begin(Some(actor), ISSUE_ACTION).await?;
        audit.subject(SubjectKind::CourtOrder, order_id);
        let result = async {
            let order = tx.court_order(order_id).await?.ok_or(AppError::NotFound)?;
            audit.subject(SubjectKind::Case, order.case_id);
            let case = self.visible_case(&mut tx, &mut audit, actor, order.case_id, Action::IssueCourtReport).await?;
            let (first, last) = crate::engagement::period(from, to)?;
            let mut visits = Vec::new();
            for visit in tx.visits_of_order(order.id, first, last).await? {
                let events = tx
                    .visit_events(case.id, visit.id)
                    .await?
                    .into_iter()
                    .map(|event| EventLine {
                        event_id: event.id.hyphenated().to_string(),
                        kind: event.kind.code().into(),
                        party: event.party.map(|party| party.code().to_string()),
                        at: event.at.to_string(),
                        note: event.note.map(|note| note.as_str().to_string()),
                        supersedes: event.supersedes.map(|id| id.hyphenated().to_string()),
                        reason: event.reason.map(|reason| reason.as_str().to_string()),
                        recorded_at: event.recorded_at.map(|at| at.to_string()),
                    })
                    .collect();
                let local =
                    |at: jiff::Timestamp| jiff::tz::Offset::constant(3).to_datetime(at).strftime("%H:%M").to_string();
                let times = visit.times;
                visits.push(VisitLine {
                    visit_id: visit.id.to_string(),
                    date: visit.on.to_string(),
                    times: [
                        local(times.visiting_arrives_at),
                        local(times.starts_at),
                        local(times.ends_at),
                        local(times.visiting_leaves_at),
                    ],
                    status: visit.status.code().into(),
                    events,
                });
            }
            let office = tx.office(order.office_id).await?.map(|office| office.name_ar).unwrap_or_default();
            let custodial_parent = name_of(&mut tx, order.custodial_person_id).await?;
            let visiting_parent = name_of(&mut tx, order.visiting_person_id).await?;
            let mut children = Vec::new();
            for child in &order.children {
                children.push(name_of(&mut tx, *child).await?);
            }
            let schedule = &order.schedule;
            let summary = Summary::of(&visits);
            let content = ReportContent {
                order_id: order.id.to_string(),
                case_reference: case.reference.to_string(),
                centre: actor.agency.name_ar.clone(),
                office,
                court: order.court.as_str().to_string(),
                decision_number: order.decision_number.as_str().to_string(),
                decision_date: order.decision_date.to_string(),
                decision_date_hijri: hijri_ar(order.decision_date),
                kind: order.kind.code().into(),
                supervised: order.supervised,
                schedule: format!(
                    "{}، من {} إلى {}، بفارق {} دقيقة بين وصول الطرفين ومغادرتهما ({})",
                    sila_reports::dates::rule_ar(&schedule.rule),
                    schedule.start_time.strftime("%H:%M"),
                    schedule.end_time.strftime("%H:%M"),
                    schedule.gap_minutes,
                    schedule.rule.to_rule()
                ),
                custodial_parent,
                visiting_parent,
                children,
                from: first.to_string(),
                to: last.to_string(),
                issued_at: self.now().to_string(),
                visits,
                summary,
            };
            audit.detail("content_sha256", &content_digest(&content));
            audit.detail("from", &content.from);
            audit.detail("to", &content.to);
            Ok(content)
        }
        .await;
        self.finish(tx, audit, &RequestContext::default(), result).await
    }
}

async fn name_of(tx: &mut Tx, person: PersonId) -> Result<String, AppError> {
    Ok(tx.person(person).await?.map(|person| person.details.name_ar.full()).unwrap_or_default())
}

/// The latest issue entry of this content: (leaf index, record).
async fn issues_of(tx: &mut Tx, order: uuid::Uuid, digest: &str, size: i64) -> Result<(i64, Vec<u8>), AppError> {
    let mut found = None;
    for (index, bytes) in tx.audit_leaves_about(order, ISSUE_ACTION).await? {
        let record = sila_domain::audit::AuditRecord::decode(&bytes)
            .map_err(|_| AppError::Internal("an audit record does not decode".into()))?;
        if index < size && record.details.get("content_sha256").is_some_and(|value| value == digest) {
            found = Some((index, bytes));
        }
    }
    found.ok_or_else(|| AppError::Internal("the report's issue entry is not in the signed log".into()))
}

fn proven(leaves: &[merkle::Hash], index: i64, bytes: &[u8]) -> Result<sila_reports::court::Evidence, AppError> {
    let position = usize::try_from(index).map_err(|_| AppError::Internal("leaf index".into()))?;
    let proof =
        merkle::inclusion_proof(leaves, position).ok_or_else(|| AppError::Internal("no inclusion proof".into()))?;
    let leaf_index = u64::try_from(index).map_err(|_| AppError::Internal("leaf index".into()))?;
    Ok(CourtReport::evidence(leaf_index, bytes, &proof))
}
