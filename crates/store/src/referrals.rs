//! Referrals, the data classes they carry, and the packet of what was sent.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use sila_domain::consent::DataClass;
use sila_domain::ids::{AgencyId, CaseId, OfficeId, ReferralId};
use sila_domain::person::PersonRole;
use sila_domain::referral::{Outcome, Packet, PacketPerson, PacketRisk, Priority, Referral, ReferralStatus, Step};
use sila_domain::risk::RiskLevel;
use sila_domain::text::Text;

use crate::codec::{Columns, id_text, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;
use crate::{Cursor, Page};

const REFERRAL_COLUMNS: &str = "id, case_id, from_agency_id, from_office_id, to_agency_id, to_office_id, \
     protocol_id, priority, reason, status, status_reason, outcome, authority_agency_id, redirected_from_id, \
     centre_case_id, packet, created_by, created_at, updated_at, due_receive_at, due_decide_at, \
     due_first_contact_at, received_at, decided_at, first_contact_at, closed_at, version";

/// Which list of referrals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralBox {
    /// Referrals sent to the agency.
    Incoming,
    /// Referrals sent by the agency.
    Outgoing,
}

/// A query on an agency's referrals.
#[derive(Debug, Clone)]
pub struct ReferralFilter {
    /// The agency.
    pub agency_id: AgencyId,
    /// Incoming or outgoing.
    pub referral_box: ReferralBox,
    /// Only referrals to (incoming) or from (outgoing) these offices; `None` for all.
    pub offices: Option<Vec<OfficeId>>,
    /// Only this status.
    pub status: Option<ReferralStatus>,
    /// Start after this position.
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: i64,
}

impl Tx {
    /// Stores a new referral and its data classes.
    pub async fn insert_referral(&mut self, referral: &Referral) -> Result<(), StoreError> {
        let due = |step| referral.due.get(&step).copied().map(micros);
        let owner = referral.id.as_uuid();
        let (Some(reason), Some(packet)) = (&referral.reason, &referral.packet) else {
            return Err(StoreError::Shredded);
        };
        let reason = self.seal(owner, "reason", reason.as_str()).await?;
        let packet = self.seal(owner, "packet", &encode_packet(packet)).await?;
        let status_reason = match &referral.status_reason {
            Some(text) => Some(self.seal(owner, "status_reason", text.as_str()).await?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO referrals (id, case_id, from_agency_id, from_office_id, to_agency_id, to_office_id,
                protocol_id, priority, reason, status, status_reason, outcome, authority_agency_id,
                redirected_from_id, centre_case_id, packet, created_by, created_at, updated_at, due_receive_at,
                due_decide_at, due_first_contact_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                $22, $23)",
        )
        .bind(id_text(referral.id))
        .bind(id_text(referral.case_id))
        .bind(id_text(referral.from_agency_id))
        .bind(id_text(referral.from_office_id))
        .bind(id_text(referral.to_agency_id))
        .bind(id_text(referral.to_office_id))
        .bind(id_text(referral.protocol_id))
        .bind(referral.priority.code())
        .bind(reason)
        .bind(referral.status.code())
        .bind(status_reason)
        .bind(referral.outcome.map(|outcome| outcome.code()))
        .bind(opt_id_text(referral.authority_agency_id))
        .bind(opt_id_text(referral.redirected_from_id))
        .bind(opt_id_text(referral.centre_case_id))
        .bind(packet)
        .bind(id_text(referral.created_by))
        .bind(micros(referral.created_at))
        .bind(micros(referral.updated_at))
        .bind(due(Step::Receive))
        .bind(due(Step::Decide))
        .bind(due(Step::FirstContact))
        .bind(referral.version)
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        for class in &referral.data_classes {
            sqlx::query("INSERT INTO referral_data_classes (referral_id, data_class) VALUES ($1, $2)")
                .bind(id_text(referral.id))
                .bind(class.code())
                .execute(&mut *self.transaction)
                .await?;
        }
        Ok(())
    }

    /// One referral.
    pub async fn referral(&mut self, id: ReferralId) -> Result<Option<Referral>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1"));
        let row = sqlx::query(sql).bind(id_text(id)).fetch_optional(&mut *self.transaction).await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(self.referral_from(&row).await?)),
        }
    }

    /// The referrals made from a case, oldest first.
    pub async fn referrals_of_case(&mut self, case: CaseId) -> Result<Vec<Referral>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE case_id = $1 ORDER BY created_at, id"
        ));
        let rows = sqlx::query(sql).bind(id_text(case)).fetch_all(&mut *self.transaction).await?;
        let mut referrals = Vec::with_capacity(rows.len());
        for row in &rows {
            referrals.push(self.referral_from(row).await?);
        }
        Ok(referrals)
    }

    /// Writes the mutable fields of a referral, provided it is still at
    /// `referral.version`; the stored version is then one higher.
    pub async fn update_referral(&mut self, referral: &Referral) -> Result<(), StoreError> {
        let reached = |step| referral.reached.get(&step).copied().map(micros);
        let status_reason = match &referral.status_reason {
            Some(text) => Some(self.seal(referral.id.as_uuid(), "status_reason", text.as_str()).await?),
            None => None,
        };
        let result = sqlx::query(
            "UPDATE referrals SET status = $1, status_reason = $2, outcome = $3, authority_agency_id = $4,
                centre_case_id = $5, updated_at = $6, received_at = $7, decided_at = $8, first_contact_at = $9,
                closed_at = $10, version = version + 1
             WHERE id = $11 AND version = $12",
        )
        .bind(referral.status.code())
        .bind(status_reason)
        .bind(referral.outcome.map(|outcome| outcome.code()))
        .bind(opt_id_text(referral.authority_agency_id))
        .bind(opt_id_text(referral.centre_case_id))
        .bind(micros(referral.updated_at))
        .bind(reached(Step::Receive))
        .bind(reached(Step::Decide))
        .bind(reached(Step::FirstContact))
        .bind(referral.closed_at.map(micros))
        .bind(id_text(referral.id))
        .bind(referral.version)
        .execute(&mut *self.transaction)
        .await?;
        if result.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
    }

    /// A page of an agency's incoming or outgoing referrals. Incoming lists are ordered
    /// by creation like outgoing ones; the desk's queue orders by deadline on top.
    pub async fn list_referrals(&mut self, filter: &ReferralFilter) -> Result<Page<Referral>, StoreError> {
        let (agency_column, office_column) = match filter.referral_box {
            ReferralBox::Incoming => ("to_agency_id", "to_office_id"),
            ReferralBox::Outgoing => ("from_agency_id", "from_office_id"),
        };
        let mut sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE {agency_column} = $1");
        let mut texts: Vec<String> = vec![id_text(filter.agency_id)];
        if let Some(offices) = &filter.offices {
            if offices.is_empty() {
                sql.push_str(" AND 1 = 0");
            } else {
                let mut placeholders = Vec::new();
                for office in offices {
                    texts.push(id_text(*office));
                    placeholders.push(format!("${}", texts.len()));
                }
                sql.push_str(&format!(" AND {office_column} IN ({})", placeholders.join(", ")));
            }
        }
        if let Some(status) = filter.status {
            texts.push(status.code().to_string());
            sql.push_str(&format!(" AND status = ${}", texts.len()));
        }
        let mut cursor_at = None;
        if let Some(cursor) = filter.cursor {
            texts.push(cursor.id.hyphenated().to_string());
            let id_placeholder = texts.len();
            let at_placeholder = texts.len() + 1;
            sql.push_str(&format!(
                " AND (created_at < ${at_placeholder} OR (created_at = ${at_placeholder} AND id < ${id_placeholder}))"
            ));
            cursor_at = Some(cursor.created_at);
        }
        let limit = filter.limit.clamp(1, 100);
        sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {}", limit + 1));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for text in texts {
            query = query.bind(text);
        }
        if let Some(at) = cursor_at {
            query = query.bind(at);
        }
        let rows = query.fetch_all(&mut *self.transaction).await?;
        // One query each for the rows' data classes and data keys, not one per row.
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(Columns::new(row, "referrals").id::<ReferralId>("id")?);
        }
        self.prefetch_data_keys(&ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>()).await?;
        let mut classes = self.data_classes_of(&ids).await?;
        let mut items = Vec::with_capacity(rows.len());
        for (row, id) in rows.iter().zip(&ids) {
            items.push(self.referral_with(row, classes.remove(id).unwrap_or_default()).await?);
        }
        let next_cursor = if items.len() > usize::try_from(limit).unwrap_or(100) {
            items.pop();
            items.last().map(|referral| Cursor { created_at: micros(referral.created_at), id: referral.id.as_uuid() })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// The data classes of several referrals, in one query.
    async fn data_classes_of(
        &mut self,
        ids: &[ReferralId],
    ) -> Result<std::collections::HashMap<ReferralId, BTreeSet<DataClass>>, StoreError> {
        let mut found: std::collections::HashMap<ReferralId, BTreeSet<DataClass>> = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let list: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
        let sql = format!(
            "SELECT referral_id, data_class FROM referral_data_classes WHERE referral_id IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id_text(*id));
        }
        for row in query.fetch_all(&mut *self.transaction).await? {
            let columns = Columns::new(&row, "referral_data_classes");
            found.entry(columns.id("referral_id")?).or_default().insert(columns.code("data_class", DataClass::parse)?);
        }
        Ok(found)
    }

    async fn referral_from(&mut self, row: &sqlx::any::AnyRow) -> Result<Referral, StoreError> {
        let id: ReferralId = Columns::new(row, "referrals").id("id")?;
        let classes = self.data_classes_of(&[id]).await?.remove(&id).unwrap_or_default();
        self.referral_with(row, classes).await
    }

    async fn referral_with(
        &mut self,
        row: &sqlx::any::AnyRow,
        data_classes: BTreeSet<DataClass>,
    ) -> Result<Referral, StoreError> {
        let columns = Columns::new(row, "referrals");
        let id: ReferralId = columns.id("id")?;
        let mut due = BTreeMap::new();
        let mut reached = BTreeMap::new();
        for (step, due_column, reached_column) in [
            (Step::Receive, "due_receive_at", "received_at"),
            (Step::Decide, "due_decide_at", "decided_at"),
            (Step::FirstContact, "due_first_contact_at", "first_contact_at"),
        ] {
            if let Some(at) = columns.opt_instant(due_column)? {
                due.insert(step, at);
            }
            if let Some(at) = columns.opt_instant(reached_column)? {
                reached.insert(step, at);
            }
        }
        let owner = id.as_uuid();
        let reason = self.open(owner, "reason", "referrals", &columns.bytes("reason")?).await?;
        let packet = match self.open(owner, "packet", "referrals", &columns.bytes("packet")?).await? {
            Some(text) => {
                Some(decode_packet(&text).ok_or(StoreError::Corrupt { table: "referrals", column: "packet" })?)
            }
            None => None,
        };
        let status_reason = match columns.opt_bytes("status_reason")? {
            Some(sealed) => self.open(owner, "status_reason", "referrals", &sealed).await?,
            None => None,
        };
        Ok(Referral {
            id,
            case_id: columns.id("case_id")?,
            from_agency_id: columns.id("from_agency_id")?,
            from_office_id: columns.id("from_office_id")?,
            to_agency_id: columns.id("to_agency_id")?,
            to_office_id: columns.id("to_office_id")?,
            protocol_id: columns.id("protocol_id")?,
            priority: columns.code("priority", Priority::parse)?,
            reason: reason.map(Text::from_stored),
            data_classes,
            status: columns.code("status", ReferralStatus::parse)?,
            status_reason: status_reason.map(Text::from_stored),
            outcome: columns.opt_code("outcome", Outcome::parse)?,
            authority_agency_id: columns.opt_id("authority_agency_id")?,
            redirected_from_id: columns.opt_id("redirected_from_id")?,
            centre_case_id: columns.opt_id("centre_case_id")?,
            packet,
            created_by: columns.id("created_by")?,
            created_at: columns.instant("created_at")?,
            updated_at: columns.instant("updated_at")?,
            due,
            reached,
            closed_at: columns.opt_instant("closed_at")?,
            version: columns.int("version")?,
        })
    }
}

/// The packet as JSON text. Absent classes are absent keys, never empty values, so a
/// reader can tell "not sent" from "sent and empty".
fn encode_packet(packet: &Packet) -> String {
    let persons: Vec<Value> = packet
        .persons
        .iter()
        .map(|person| {
            let mut object = serde_json::Map::new();
            object.insert("person_id".into(), json!(id_text(person.person_id)));
            object.insert("role".into(), json!(person.role.code()));
            let mut put = |key: &str, value: &Option<String>| {
                if let Some(value) = value {
                    object.insert(key.into(), json!(value));
                }
            };
            put("name_ar", &person.name_ar);
            put("name_latin", &person.name_latin);
            put("sex", &person.sex);
            put("birth_date", &person.birth_date);
            put("nationality", &person.nationality);
            put("qid", &person.qid);
            put("municipality", &person.municipality);
            if let Some(age) = person.age {
                object.insert("age".into(), json!(age));
            }
            if !person.phones.is_empty() {
                object.insert("phones".into(), json!(person.phones));
            }
            Value::Object(object)
        })
        .collect();
    let mut packet_json = json!({ "category": packet.category, "persons": persons });
    if let Some(sub) = &packet.subcategory {
        packet_json["subcategory"] = json!(sub);
    }
    if let Some(risk) = &packet.risk {
        packet_json["risk"] = json!({ "level": risk.level.code(), "score": risk.score, "yes_items": risk.yes_items });
    }
    if let Some(narrative) = &packet.narrative {
        packet_json["narrative"] = json!(narrative);
    }
    packet_json.to_string()
}

fn decode_packet(text: &str) -> Option<Packet> {
    let value: Value = serde_json::from_str(text).ok()?;
    let string = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let persons = value
        .get("persons")?
        .as_array()?
        .iter()
        .map(|person| {
            Some(PacketPerson {
                person_id: sila_domain::ids::PersonId::parse(person.get("person_id")?.as_str()?).ok()?,
                role: PersonRole::parse(person.get("role")?.as_str()?).ok()?,
                name_ar: string(person, "name_ar"),
                name_latin: string(person, "name_latin"),
                sex: string(person, "sex"),
                birth_date: string(person, "birth_date"),
                nationality: string(person, "nationality"),
                qid: string(person, "qid"),
                phones: person
                    .get("phones")
                    .and_then(Value::as_array)
                    .map(|phones| phones.iter().filter_map(|phone| phone.as_str().map(str::to_string)).collect())
                    .unwrap_or_default(),
                municipality: string(person, "municipality"),
                age: person.get("age").and_then(Value::as_i64).and_then(|age| i16::try_from(age).ok()),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let risk = match value.get("risk") {
        None => None,
        Some(risk) => Some(PacketRisk {
            level: RiskLevel::parse(risk.get("level")?.as_str()?).ok()?,
            score: u32::try_from(risk.get("score")?.as_u64()?).ok()?,
            yes_items: risk
                .get("yes_items")?
                .as_array()?
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
        }),
    };
    Some(Packet {
        category: string(&value, "category")?,
        subcategory: string(&value, "subcategory"),
        persons,
        risk,
        narrative: string(&value, "narrative"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn packets_round_trip_and_keep_absent_classes_absent() {
        let packet = Packet {
            category: "domestic_violence".into(),
            subcategory: None,
            persons: vec![PacketPerson {
                person_id: sila_domain::ids::PersonId::from_uuid(Uuid::from_u128(7)),
                role: PersonRole::Survivor,
                name_ar: Some("نورة سالم المري".into()),
                name_latin: None,
                sex: Some("female".into()),
                birth_date: None,
                nationality: None,
                qid: None,
                phones: vec![],
                municipality: None,
                age: None,
            }],
            risk: Some(PacketRisk { level: RiskLevel::High, score: 15, yes_items: vec!["weapon".into()] }),
            narrative: None,
        };
        let text = encode_packet(&packet);
        assert!(!text.contains("narrative"));
        assert!(!text.contains("phones"));
        assert_eq!(decode_packet(&text), Some(packet));
        assert_eq!(decode_packet("{}"), None);
    }
}
