//! The court report of a court order for a period, as the centre issues it: the content
//! (the order, the visits, what happened at each, the totals), the SHA-256 of that
//! content, the audit-log entries it rests on with their RFC 6962 inclusion proofs, and
//! the signed tree head the proofs lead to.
//!
//! The file is canonical JSON: it is exactly the compact serialisation of its own
//! parsed value, so that not one byte of it can change without [`verify`] noticing.
//! [`verify`] needs nothing but the file (and, to be sure whose signature it is, the
//! centre's published audit key): it is what `sila audit verify-report` runs.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use sila_domain::audit::{AuditRecord, Outcome};
use sila_domain::merkle;

/// The format tag of the file.
pub const FORMAT: &str = "sila-court-report/1";

/// The audit action of issuing a report (its entry carries the content's SHA-256).
pub const ISSUE_ACTION: &str = "court_report.issue";

/// The audit action of recording something at a visit.
pub const EVENT_ACTION: &str = "visit.event";

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourtReport {
    /// [`FORMAT`].
    pub format: String,
    /// What the report says.
    pub content: ReportContent,
    /// SHA-256 of the compact JSON of `content`, hex.
    pub content_sha256: String,
    /// The audit entries the report rests on: each visit event, and the issue itself.
    pub evidence: Vec<Evidence>,
    /// The signed tree head every proof leads to.
    pub tree_head: TreeHead,
}

/// What the report says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportContent {
    /// The court order's id.
    pub order_id: String,
    /// The court-order case's reference (`WF-2026-000012`).
    pub case_reference: String,
    /// The centre (Arabic name).
    pub centre: String,
    /// Where the visits take place (Arabic name).
    pub office: String,
    /// The court.
    pub court: String,
    /// The decision number.
    pub decision_number: String,
    /// The decision date, Gregorian (`YYYY-MM-DD`).
    pub decision_date: String,
    /// The decision date, Hijri (Umm al-Qura), as printed.
    pub decision_date_hijri: String,
    /// `visitation`, `custody_handover`, `remote_contact`.
    pub kind: String,
    /// Whether the visits are supervised.
    pub supervised: bool,
    /// The schedule's rule (RFC 5545), times and gap.
    pub schedule: String,
    /// The custodial parent (name in Arabic).
    pub custodial_parent: String,
    /// The visiting parent.
    pub visiting_parent: String,
    /// The children.
    pub children: Vec<String>,
    /// First day of the period.
    pub from: String,
    /// Last day of the period.
    pub to: String,
    /// When the report was issued (RFC 3339).
    pub issued_at: String,
    /// The visits of the period, by day.
    pub visits: Vec<VisitLine>,
    /// The totals.
    pub summary: Summary,
}

/// One visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitLine {
    /// Its id.
    pub visit_id: String,
    /// The day.
    pub date: String,
    /// The visiting parent's arrival, the handover, the return, the visiting parent's
    /// departure (local time `HH:MM`).
    pub times: [String; 4],
    /// `scheduled`, `held`, `missed`.
    pub status: String,
    /// What was recorded, in order.
    pub events: Vec<EventLine>,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventLine {
    /// Its id.
    pub event_id: String,
    /// `arrived`, `handover`, `returned`, `no_show`, `incident`, `note`.
    pub kind: String,
    /// `custodial` or `visiting`, when it concerns one party.
    pub party: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// What was written (a no-show's reason, an incident).
    pub note: Option<String>,
    /// A correction: the id of the event it supersedes (which stays in the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// A correction's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A correction: when it was recorded (RFC 3339); `at` is the time it corrects to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
}

/// The totals of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Visits in the period.
    pub scheduled: u32,
    /// Held (the children were returned).
    pub held: u32,
    /// Missed (a party did not come).
    pub missed: u32,
    /// No-shows of the custodial parent.
    pub no_shows_custodial: u32,
    /// No-shows of the visiting parent.
    pub no_shows_visiting: u32,
    /// Incidents.
    pub incidents: u32,
}

impl Summary {
    /// The totals of a list of visits.
    pub fn of(visits: &[VisitLine]) -> Summary {
        let count = |test: &dyn Fn(&VisitLine) -> bool| {
            u32::try_from(visits.iter().filter(|visit| test(visit)).count()).unwrap_or(u32::MAX)
        };
        // A corrected event stays in the report, but only what stands is counted.
        let events = |kind: &str, party: Option<&str>| {
            let found = visits
                .iter()
                .flat_map(|visit| {
                    let superseded: Vec<&str> =
                        visit.events.iter().filter_map(|event| event.supersedes.as_deref()).collect();
                    visit.events.iter().filter(move |event| !superseded.contains(&event.event_id.as_str()))
                })
                .filter(|event| event.kind == kind && (party.is_none() || event.party.as_deref() == party))
                .count();
            u32::try_from(found).unwrap_or(u32::MAX)
        };
        Summary {
            scheduled: count(&|_| true),
            held: count(&|visit| visit.status == "held"),
            missed: count(&|visit| visit.status == "missed"),
            no_shows_custodial: events("no_show", Some("custodial")),
            no_shows_visiting: events("no_show", Some("visiting")),
            incidents: events("incident", None),
        }
    }
}

/// One audit entry the report rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Its leaf index in the audit tree.
    pub leaf_index: u64,
    /// Its canonical record, base64.
    pub record: String,
    /// The inclusion proof to the tree head, hex hashes.
    pub proof: Vec<String>,
}

/// A signed tree head, as carried by a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeHead {
    /// Entries in the tree.
    pub tree_size: u64,
    /// The Merkle root, hex.
    pub root_hash: String,
    /// When it was signed, microseconds since 1970 (what is signed).
    pub signed_at_us: i64,
    /// The same, RFC 3339, for people.
    pub signed_at: String,
    /// Ed25519 signature over `"SILA-STH" 0x01 ‖ size ‖ time ‖ root`, hex.
    pub signature: String,
    /// The signing key (Ed25519 public key), hex.
    pub public_key: String,
}

/// The bytes a tree head's signature covers (the same as the server's).
pub fn tree_head_message(tree_size: u64, signed_at_us: i64, root: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(9 + 8 + 8 + 32);
    message.extend_from_slice(b"SILA-STH");
    message.push(1);
    message.extend_from_slice(&tree_size.to_be_bytes());
    message.extend_from_slice(&signed_at_us.to_be_bytes());
    message.extend_from_slice(root);
    message
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Bytes from hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|index| u8::from_str_radix(&text[index..index + 2], 16).ok()).collect()
}

/// The SHA-256 of the content's compact JSON, hex.
pub fn content_digest(content: &ReportContent) -> String {
    let bytes = serde_json::to_vec(content).unwrap_or_default();
    hex(&sha2::Sha256::digest(&bytes))
}

impl CourtReport {
    /// The file: compact JSON, as [`verify`] expects it.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// An evidence item for an entry.
    pub fn evidence(leaf_index: u64, record: &[u8], proof: &[[u8; 32]]) -> Evidence {
        Evidence {
            leaf_index,
            record: base64::engine::general_purpose::STANDARD.encode(record),
            proof: proof.iter().map(|hash| hex(hash)).collect(),
        }
    }
}

/// Why a report does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Not a report file (not JSON, or not this format).
    #[error("not a Sila court report: {0}")]
    NotAReport(String),
    /// The file is not byte for byte as issued.
    #[error("the file was changed after it was issued: it is not in its issued form")]
    NotCanonical,
    /// The content does not match its SHA-256.
    #[error("the report's content does not match its fingerprint: it was altered")]
    ContentAltered,
    /// The tree head's signature fails, or the key is not the expected one.
    #[error("the signed tree head does not verify: {0}")]
    TreeHead(&'static str),
    /// An evidence entry is not in the signed tree.
    #[error("audit entry {leaf_index} is not proven in the signed log: {what}")]
    Evidence {
        /// Its leaf index.
        leaf_index: u64,
        /// What is wrong.
        what: String,
    },
    /// The content and the audit entries disagree.
    #[error("the report does not match the audit log: {0}")]
    Mismatch(String),
}

/// What a verified report proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The case reference.
    pub case_reference: String,
    /// The period.
    pub period: (String, String),
    /// Visit events proven.
    pub events: usize,
    /// The tree size the proofs lead to.
    pub tree_size: u64,
    /// The signing key, hex.
    pub public_key: String,
}

/// Verifies a report file offline: its form, its content's fingerprint, the tree
/// head's signature (against `expected_key` when given), every entry's inclusion proof,
/// the issue entry naming this content, and each event of the content against its entry.
pub fn verify(file: &[u8], expected_key: Option<&[u8]>) -> Result<Verified, ReportError> {
    let trimmed = file.strip_suffix(b"\n").unwrap_or(file);
    let report: CourtReport =
        serde_json::from_slice(trimmed).map_err(|error| ReportError::NotAReport(error.to_string()))?;
    if report.format != FORMAT {
        return Err(ReportError::NotAReport(format!("format {}", report.format)));
    }
    if report.to_bytes() != trimmed {
        return Err(ReportError::NotCanonical);
    }
    if content_digest(&report.content) != report.content_sha256 {
        return Err(ReportError::ContentAltered);
    }
    let head = &report.tree_head;
    let public_key = unhex(&head.public_key).ok_or(ReportError::TreeHead("the public key is not hex"))?;
    if let Some(expected) = expected_key
        && expected != public_key.as_slice()
    {
        return Err(ReportError::TreeHead("signed with another key than the centre's"));
    }
    let root = unhex(&head.root_hash).ok_or(ReportError::TreeHead("the root is not hex"))?;
    let signature = unhex(&head.signature).ok_or(ReportError::TreeHead("the signature is not hex"))?;
    let message = tree_head_message(head.tree_size, head.signed_at_us, &root);
    if !signature_holds(&public_key, &message, &signature) {
        return Err(ReportError::TreeHead("the signature does not match"));
    }
    let mut records = Vec::with_capacity(report.evidence.len());
    for item in &report.evidence {
        let bad = |what: &str| ReportError::Evidence { leaf_index: item.leaf_index, what: what.to_string() };
        let bytes = base64::engine::general_purpose::STANDARD.decode(&item.record).map_err(|_| bad("not base64"))?;
        let proof: Vec<Vec<u8>> = item
            .proof
            .iter()
            .map(|hash| unhex(hash).ok_or_else(|| bad("a proof hash is not hex")))
            .collect::<Result<_, _>>()?;
        let leaf = merkle::leaf_hash(&bytes);
        merkle::verify_inclusion(item.leaf_index, head.tree_size, &leaf, &proof, &root)
            .map_err(|error| bad(&format!("{error:?}")))?;
        let record = AuditRecord::decode(&bytes).map_err(|error| bad(&format!("{error:?}")))?;
        if record.outcome != Outcome::Ok {
            return Err(bad("the entry records a refusal"));
        }
        records.push(record);
    }
    check_against_records(&report.content, &report.content_sha256, &records)?;
    Ok(Verified {
        case_reference: report.content.case_reference.clone(),
        period: (report.content.from.clone(), report.content.to.clone()),
        events: report.content.visits.iter().map(|visit| visit.events.len()).sum(),
        tree_size: head.tree_size,
        public_key: head.public_key.clone(),
    })
}

fn signature_holds(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(public), Ok(signature)) = (<[u8; 32]>::try_from(public_key), <[u8; 64]>::try_from(signature)) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&public) else { return false };
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature)).is_ok()
}

/// The content agrees with the proven entries: one issue entry with this content's
/// fingerprint and order; one event entry per event, with the same visit, kind, party
/// and time; nothing proven that the content leaves out; totals that add up.
fn check_against_records(content: &ReportContent, digest: &str, records: &[AuditRecord]) -> Result<(), ReportError> {
    let mismatch = |what: String| Err(ReportError::Mismatch(what));
    let detail = |record: &AuditRecord, key: &str| record.details.get(key).cloned().unwrap_or_default();
    let issued: Vec<&AuditRecord> = records.iter().filter(|record| record.action == ISSUE_ACTION).collect();
    let [issue] = issued.as_slice() else {
        return mismatch(format!("{} issue entries instead of one", issued.len()));
    };
    if detail(issue, "content_sha256") != digest {
        return mismatch("the issue entry names another content".into());
    }
    let names_order = issue.subjects.iter().any(|subject| subject.id.hyphenated().to_string() == content.order_id);
    if !names_order || detail(issue, "from") != content.from || detail(issue, "to") != content.to {
        return mismatch("the issue entry is about another order or period".into());
    }
    let events: Vec<(&VisitLine, &EventLine)> =
        content.visits.iter().flat_map(|visit| visit.events.iter().map(move |event| (visit, event))).collect();
    let proven: Vec<&AuditRecord> = records.iter().filter(|record| record.action == EVENT_ACTION).collect();
    if proven.len() != events.len() || proven.len() + 1 != records.len() {
        return mismatch(format!("{} events in the report, {} proven entries", events.len(), proven.len()));
    }
    for (visit, event) in events {
        let found = proven.iter().find(|record| detail(record, "event") == event.event_id);
        let Some(record) = found else {
            return mismatch(format!("event {} has no audit entry", event.event_id));
        };
        let agrees = detail(record, "visit") == visit.visit_id
            && detail(record, "kind") == event.kind
            && detail(record, "party") == event.party.clone().unwrap_or_default()
            && detail(record, "at") == event.at
            && detail(record, "supersedes") == event.supersedes.clone().unwrap_or_default()
            && detail(record, "recorded_at") == event.recorded_at.clone().unwrap_or_default();
        if !agrees {
            return mismatch(format!("event {} differs from its audit entry", event.event_id));
        }
    }
    if Summary::of(&content.visits) != content.summary {
        return mismatch("the totals do not add up".into());
    }
    Ok(())
}
