//! Audit records and their canonical byte encoding.
//!
//! Every read of a person, case or referral and every write leaves one record: who,
//! what, which records, when, and how it ended. Records carry ids and codes only, never
//! names or text, so the log itself holds no personal data.
//!
//! The encoding is the input of the tamper-evident Merkle log, so it must never change
//! for a given record: fields have a fixed order and fixed-width or length-prefixed
//! forms, subjects and details are sorted, and golden vectors in the tests pin it. A new
//! field means a new version byte, never a changed meaning of an old one.
//!
//! ```text
//! "SILA" version:u8 (1, or 2 with the entry's own id)
//! [version 2: entry id, 16 bytes of UUID]
//! at:i64 (microseconds since 1970-01-01T00:00:00Z, big-endian)
//! actor: u8 (0 = none, 1 = present) [16 bytes of UUID]
//! action: u16 length + UTF-8
//! outcome: u16 length + UTF-8
//! subjects: u16 count, each: u16 length + kind UTF-8, 16 bytes of UUID   (sorted, unique)
//! details: u16 count, each: u16 length + key, u16 length + value         (sorted by key)
//! ```

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use uuid::Uuid;

use crate::ids::UserId;

/// The kind of record a subject id points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectKind {
    /// An agency.
    Agency,
    /// A case.
    Case,
    /// A consent record.
    Consent,
    /// A note.
    Note,
    /// An office.
    Office,
    /// A person.
    Person,
    /// A protocol version.
    Protocol,
    /// A referral.
    Referral,
    /// A risk assessment.
    RiskAssessment,
    /// A user account.
    User,
    /// A request for a manager's approval.
    Approval,
    /// A file attached to a case.
    Attachment,
    /// A court order.
    CourtOrder,
    /// A scheduled visit of a court order.
    Visit,
    /// A consultation.
    Consultation,
    /// An awareness activity.
    Activity,
}

impl SubjectKind {
    /// Every kind.
    pub const ALL: [SubjectKind; 16] = [
        SubjectKind::Agency,
        SubjectKind::Case,
        SubjectKind::Consent,
        SubjectKind::Note,
        SubjectKind::Office,
        SubjectKind::Person,
        SubjectKind::Protocol,
        SubjectKind::Referral,
        SubjectKind::RiskAssessment,
        SubjectKind::User,
        SubjectKind::Approval,
        SubjectKind::Attachment,
        SubjectKind::CourtOrder,
        SubjectKind::Visit,
        SubjectKind::Consultation,
        SubjectKind::Activity,
    ];

    /// The stable code, as encoded.
    pub fn code(&self) -> &'static str {
        match self {
            SubjectKind::Agency => "agency",
            SubjectKind::Case => "case",
            SubjectKind::Consent => "consent",
            SubjectKind::Note => "note",
            SubjectKind::Office => "office",
            SubjectKind::Person => "person",
            SubjectKind::Protocol => "protocol",
            SubjectKind::Referral => "referral",
            SubjectKind::RiskAssessment => "risk_assessment",
            SubjectKind::User => "user",
            SubjectKind::Approval => "approval",
            SubjectKind::Attachment => "attachment",
            SubjectKind::CourtOrder => "court_order",
            SubjectKind::Visit => "visit",
            SubjectKind::Consultation => "consultation",
            SubjectKind::Activity => "activity",
        }
    }

    /// The kind for a code.
    pub fn parse(code: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// A record an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    /// What kind of record.
    pub kind: SubjectKind,
    /// Its id.
    pub id: Uuid,
}

impl Subject {
    /// A subject of `kind` with `id`.
    pub fn new(kind: SubjectKind, id: Uuid) -> Subject {
        Subject { kind, id }
    }
}

/// How an audited action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It was allowed and done.
    Ok,
    /// Authorisation refused it.
    Denied,
    /// It failed for the reason with this error code (a rule, a conflict, bad input).
    Failed(String),
}

impl Outcome {
    /// The encoded form: `ok`, `denied`, or `failed:<code>`.
    pub fn encoded(&self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::Denied => "denied".into(),
            Outcome::Failed(code) => format!("failed:{code}"),
        }
    }

    /// Reads the encoded form.
    pub fn from_encoded(text: &str) -> Outcome {
        match text {
            "ok" => Outcome::Ok,
            "denied" => Outcome::Denied,
            other => Outcome::Failed(other.strip_prefix("failed:").unwrap_or(other).to_string()),
        }
    }
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The entry's own id, drawn when it is appended (version 2): no two genuine
    /// entries share one, so a byte-identical copy of an old entry — with its valid
    /// MAC — is told from the original by verification. `None` in version-1 records.
    pub entry: Option<Uuid>,
    /// When, to the microsecond.
    pub at: Timestamp,
    /// Who acted; `None` for the system itself or an unknown user at sign-in.
    pub actor: Option<UserId>,
    /// What was done, as a stable code (`case.read`, `referral.transition`).
    pub action: String,
    /// The records concerned.
    pub subjects: Vec<Subject>,
    /// How it ended.
    pub outcome: Outcome,
    /// Codes that qualify the action (`to` = `accepted`), never personal data.
    pub details: BTreeMap<String, String>,
}

/// Why bytes are not a valid encoded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(&'static str);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed audit record: {}", self.0)
    }
}

const MAGIC: &[u8; 4] = b"SILA";
/// Records without an entry id (written before it existed; still read and verified).
const VERSION_1: u8 = 1;
/// Records with an entry id.
const VERSION_2: u8 = 2;

impl AuditRecord {
    /// The canonical bytes of the record.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 20 * self.subjects.len());
        out.extend_from_slice(MAGIC);
        match self.entry {
            Some(entry) => {
                out.push(VERSION_2);
                out.extend_from_slice(entry.as_bytes());
            }
            None => out.push(VERSION_1),
        }
        let micros = self.at.as_microsecond();
        out.extend_from_slice(&micros.to_be_bytes());
        match self.actor {
            Some(actor) => {
                out.push(1);
                out.extend_from_slice(actor.as_uuid().as_bytes());
            }
            None => out.push(0),
        }
        put_str(&mut out, &self.action);
        put_str(&mut out, &self.outcome.encoded());
        let mut subjects = self.subjects.clone();
        subjects.sort_by(|left, right| (left.kind.code(), left.id).cmp(&(right.kind.code(), right.id)));
        subjects.dedup();
        put_len(&mut out, subjects.len());
        for subject in &subjects {
            put_str(&mut out, subject.kind.code());
            out.extend_from_slice(subject.id.as_bytes());
        }
        put_len(&mut out, self.details.len());
        for (key, value) in &self.details {
            put_str(&mut out, key);
            put_str(&mut out, value);
        }
        out
    }

    /// Reads canonical bytes back. Subjects come back sorted, as encoded.
    pub fn decode(bytes: &[u8]) -> Result<AuditRecord, DecodeError> {
        let mut reader = Reader { bytes, at: 0 };
        if reader.take(4)? != MAGIC {
            return Err(DecodeError("wrong magic"));
        }
        let entry = match reader.take(1)?[0] {
            VERSION_1 => None,
            VERSION_2 => Some(Uuid::from_bytes(reader.array()?)),
            _ => return Err(DecodeError("unknown version")),
        };
        let micros = i64::from_be_bytes(reader.array()?);
        let at = Timestamp::from_microsecond(micros).map_err(|_| DecodeError("time out of range"))?;
        let actor = match reader.take(1)?[0] {
            0 => None,
            1 => Some(UserId::from_uuid(Uuid::from_bytes(reader.array()?))),
            _ => return Err(DecodeError("bad actor flag")),
        };
        let action = reader.string()?;
        let outcome = Outcome::from_encoded(&reader.string()?);
        let count = reader.length()?;
        let mut subjects = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = SubjectKind::parse(&reader.string()?).ok_or(DecodeError("unknown subject kind"))?;
            subjects.push(Subject::new(kind, Uuid::from_bytes(reader.array()?)));
        }
        let count = reader.length()?;
        let mut details = BTreeMap::new();
        for _ in 0..count {
            let key = reader.string()?;
            details.insert(key, reader.string()?);
        }
        if reader.at != bytes.len() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(AuditRecord { entry, at, actor, action, subjects, outcome, details })
    }
}

fn put_len(out: &mut Vec<u8>, length: usize) {
    // Lengths are bounded by construction (codes, ids, a page of subjects); saturating
    // keeps the encoder total rather than panicking on an absurd input.
    let length = u16::try_from(length).unwrap_or(u16::MAX);
    out.extend_from_slice(&length.to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let length = bytes.len().min(usize::from(u16::MAX));
    put_len(out, length);
    out.extend_from_slice(&bytes[..length]);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(count).ok_or(DecodeError("length overflow"))?;
        let slice = self.bytes.get(self.at..end).ok_or(DecodeError("truncated"))?;
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.take(N)?.try_into().map_err(|_| DecodeError("truncated"))
    }

    fn length(&mut self) -> Result<usize, DecodeError> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let length = self.length()?;
        String::from_utf8(self.take(length)?.to_vec()).map_err(|_| DecodeError("invalid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn golden_record() -> AuditRecord {
        AuditRecord {
            entry: None,
            at: "2026-11-29T08:15:30.123456Z".parse().unwrap(),
            actor: Some(UserId::from_uuid(Uuid::from_u128(0x0193_8a5e_7c4e_7d2a_9b1f_0c3d_4e5f_6a7b))),
            action: "referral.transition".into(),
            subjects: vec![
                Subject::new(SubjectKind::Referral, Uuid::from_u128(2)),
                Subject::new(SubjectKind::Case, Uuid::from_u128(1)),
            ],
            outcome: Outcome::Ok,
            details: [("to".to_string(), "accepted".to_string())].into(),
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The encoding of a fixed record. If this test fails, the encoding changed and every
    /// existing log would stop verifying: bump the version instead.
    #[test]
    fn golden_vector_transition() {
        let expected = concat!(
            "53494c41",                         // "SILA"
            "01",                               // version
            "00066165e57e6ec0",                 // microseconds (checked independently in Python)
            "01",                               // actor present
            "01938a5e7c4e7d2a9b1f0c3d4e5f6a7b", // actor
            "0013",
            "726566657272616c2e7472616e736974696f6e", // "referral.transition"
            "0002",
            "6f6b", // "ok"
            "0002", // two subjects, sorted by kind
            "0004",
            "63617365",
            "00000000000000000000000000000001",
            "0008",
            "726566657272616c",
            "00000000000000000000000000000002",
            "0001", // one detail
            "0002",
            "746f",
            "0008",
            "6163636570746564", // to = accepted
        );
        assert_eq!(hex(&golden_record().encode()), expected);
    }

    #[test]
    fn golden_vector_denied_without_actor() {
        let record = AuditRecord {
            entry: None,
            at: Timestamp::UNIX_EPOCH,
            actor: None,
            action: "session.create".into(),
            subjects: vec![],
            outcome: Outcome::Failed("sign_in_failed".into()),
            details: BTreeMap::new(),
        };
        let expected = concat!(
            "53494c41",
            "01",
            "0000000000000000",
            "00",
            "000e",
            "73657373696f6e2e637265617465",
            "0015",
            "6661696c65643a7369676e5f696e5f6661696c6564",
            "0000",
            "0000",
        );
        assert_eq!(hex(&record.encode()), expected);
    }

    /// Version 2: the entry's own id after the version byte; the rest as version 1.
    #[test]
    fn golden_vector_with_an_entry_id() {
        let record =
            AuditRecord { entry: Some(Uuid::from_u128(0x0193_8a5e_7c4e_7d2a_8000_0000_0000_0042)), ..golden_record() };
        let bytes = record.encode();
        let version_1 = golden_record().encode();
        assert_eq!(hex(&bytes[..5]), "53494c4102");
        assert_eq!(hex(&bytes[5..21]), "01938a5e7c4e7d2a8000000000000042");
        assert_eq!(bytes[21..], version_1[5..], "after the id, the same bytes as version 1");
        let decoded = AuditRecord::decode(&bytes).unwrap();
        assert_eq!(decoded.entry, record.entry);
        assert_eq!(decoded.encode(), bytes, "decoding and encoding again gives the same bytes");
        assert_eq!(AuditRecord::decode(&version_1).unwrap().entry, None, "version 1 still reads");
    }

    #[test]
    fn subject_order_does_not_change_the_bytes() {
        let mut reordered = golden_record();
        reordered.subjects.reverse();
        reordered.subjects.push(reordered.subjects[0]);
        assert_eq!(reordered.encode(), golden_record().encode());
    }

    #[test]
    fn decode_rejects_damage() {
        let bytes = golden_record().encode();
        assert!(AuditRecord::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(AuditRecord::decode(&extra).is_err());
        let mut wrong_magic = bytes;
        wrong_magic[0] = b'X';
        assert!(AuditRecord::decode(&wrong_magic).is_err());
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(
            entry in proptest::option::of(any::<u128>()),
            micros in -1_000_000_000_000_000i64..4_000_000_000_000_000,
            actor in proptest::option::of(any::<u128>()),
            action in "[a-z_.]{1,30}",
            outcome in prop_oneof![Just(Outcome::Ok), Just(Outcome::Denied), "[a-z_]{1,20}".prop_map(Outcome::Failed)],
            subjects in proptest::collection::vec((0usize..SubjectKind::ALL.len(), any::<u128>()), 0..8),
            details in proptest::collection::btree_map("[a-z_]{1,10}", "\\PC{0,20}", 0..4),
        ) {
            let mut subjects: Vec<Subject> = subjects
                .into_iter()
                .map(|(kind, id)| Subject::new(SubjectKind::ALL[kind], Uuid::from_u128(id)))
                .collect();
            subjects.sort_by(|left, right| (left.kind.code(), left.id).cmp(&(right.kind.code(), right.id)));
            subjects.dedup();
            let record = AuditRecord {
                entry: entry.map(Uuid::from_u128),
                at: Timestamp::from_microsecond(micros).unwrap(),
                actor: actor.map(|id| UserId::from_uuid(Uuid::from_u128(id))),
                action,
                subjects,
                outcome,
                details,
            };
            prop_assert_eq!(AuditRecord::decode(&record.encode()).unwrap(), record);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = AuditRecord::decode(&bytes);
        }
    }
}
