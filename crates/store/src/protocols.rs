//! Protocol versions with their categories, data classes and deadlines.

use jiff::{SignedDuration, Timestamp};
use sila_domain::consent::DataClass;
use sila_domain::ids::{AgencyId, ProtocolId, UserId};
use sila_domain::protocol::{Deadlines, Protocol};
use sila_domain::referral::{Priority, Step};

use crate::codec::{Columns, date_text, id_text, micros, opt_id_text};
use crate::connect::Tx;
use crate::error::StoreError;

const PROTOCOL_COLUMNS: &str = "id, agency_a_id, agency_b_id, version, valid_from, valid_until, revoked, uncovered";

impl Tx {
    /// Records that an administrator of `agency` (`None`: the demo seed, or a version in
    /// force before acceptances were recorded) accepted a protocol version; `false` when
    /// that party had already accepted it.
    pub async fn accept_protocol(
        &mut self,
        protocol: ProtocolId,
        agency: AgencyId,
        user: Option<UserId>,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO protocol_acceptances (protocol_id, agency_id, user_id, accepted_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(id_text(protocol))
        .bind(id_text(agency))
        .bind(opt_id_text(user))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a protocol version with its parts, and the acceptances it comes with
    /// (`accepted_by`, recorded as `created_by`'s).
    pub async fn insert_protocol(
        &mut self,
        protocol: &Protocol,
        document_ref: Option<&str>,
        created_by: Option<UserId>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO protocols (id, agency_a_id, agency_b_id, version, valid_from, valid_until, document_ref, revoked, created_by, created_at, uncovered)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id_text(protocol.id))
        .bind(id_text(protocol.agency_a))
        .bind(id_text(protocol.agency_b))
        .bind(i64::from(protocol.version))
        .bind(date_text(protocol.valid_from))
        .bind(protocol.valid_until.map(date_text))
        .bind(document_ref)
        .bind(i64::from(protocol.revoked))
        .bind(opt_id_text(created_by))
        .bind(micros(at))
        .bind(protocol.uncovered.code())
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        for category in &protocol.categories {
            sqlx::query(
                "INSERT INTO protocol_categories (protocol_id, category_code, centre_first) VALUES ($1, $2, $3)",
            )
            .bind(id_text(protocol.id))
            .bind(category)
            .bind(i64::from(protocol.centre_first.contains(category)))
            .execute(&mut *self.transaction)
            .await?;
        }
        for class in &protocol.data_classes {
            sqlx::query("INSERT INTO protocol_data_classes (protocol_id, data_class) VALUES ($1, $2)")
                .bind(id_text(protocol.id))
                .bind(class.code())
                .execute(&mut *self.transaction)
                .await?;
        }
        for agency in &protocol.accepted_by {
            self.accept_protocol(protocol.id, *agency, created_by, at).await?;
        }
        for (priority, step, within) in protocol.deadlines.iter() {
            sqlx::query(
                "INSERT INTO protocol_deadlines (protocol_id, priority, step, seconds) VALUES ($1, $2, $3, $4)",
            )
            .bind(id_text(protocol.id))
            .bind(priority.code())
            .bind(step.code())
            .bind(within.as_secs())
            .execute(&mut *self.transaction)
            .await?;
        }
        Ok(())
    }

    /// Every protocol version, by parties and version.
    pub async fn protocols(&mut self) -> Result<Vec<Protocol>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROTOCOL_COLUMNS} FROM protocols ORDER BY agency_a_id, agency_b_id, version"
        ));
        let rows = sqlx::query(sql).fetch_all(&mut *self.transaction).await?;
        let mut protocols = Vec::with_capacity(rows.len());
        for row in &rows {
            protocols.push(self.protocol_from(row).await?);
        }
        Ok(protocols)
    }

    /// Every version between two agencies (either order).
    pub async fn protocols_between(&mut self, first: AgencyId, second: AgencyId) -> Result<Vec<Protocol>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROTOCOL_COLUMNS} FROM protocols
             WHERE (agency_a_id = $1 AND agency_b_id = $2) OR (agency_a_id = $2 AND agency_b_id = $1)
             ORDER BY version"
        ));
        let rows =
            sqlx::query(sql).bind(id_text(first)).bind(id_text(second)).fetch_all(&mut *self.transaction).await?;
        let mut protocols = Vec::with_capacity(rows.len());
        for row in &rows {
            protocols.push(self.protocol_from(row).await?);
        }
        Ok(protocols)
    }

    /// Every version that involves `agency`.
    pub async fn protocols_of(&mut self, agency: AgencyId) -> Result<Vec<Protocol>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROTOCOL_COLUMNS} FROM protocols WHERE agency_a_id = $1 OR agency_b_id = $1 ORDER BY version"
        ));
        let rows = sqlx::query(sql).bind(id_text(agency)).fetch_all(&mut *self.transaction).await?;
        let mut protocols = Vec::with_capacity(rows.len());
        for row in &rows {
            protocols.push(self.protocol_from(row).await?);
        }
        Ok(protocols)
    }

    /// One protocol version.
    pub async fn protocol(&mut self, id: ProtocolId) -> Result<Option<Protocol>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {PROTOCOL_COLUMNS} FROM protocols WHERE id = $1"));
        let row = sqlx::query(sql).bind(id_text(id)).fetch_optional(&mut *self.transaction).await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(self.protocol_from(&row).await?)),
        }
    }

    async fn protocol_from(&mut self, row: &sqlx::any::AnyRow) -> Result<Protocol, StoreError> {
        let columns = Columns::new(row, "protocols");
        let id: ProtocolId = columns.id("id")?;
        let mut categories = std::collections::BTreeSet::new();
        let mut centre_first = std::collections::BTreeSet::new();
        for row in sqlx::query("SELECT category_code, centre_first FROM protocol_categories WHERE protocol_id = $1")
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
        {
            let columns = Columns::new(&row, "protocol_categories");
            let code = columns.text("category_code")?;
            if columns.flag("centre_first")? {
                centre_first.insert(code.clone());
            }
            categories.insert(code);
        }
        let data_classes = sqlx::query("SELECT data_class FROM protocol_data_classes WHERE protocol_id = $1")
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| Columns::new(row, "protocol_data_classes").code("data_class", DataClass::parse))
            .collect::<Result<_, _>>()?;
        let mut deadlines = Deadlines::default();
        for row in sqlx::query("SELECT priority, step, seconds FROM protocol_deadlines WHERE protocol_id = $1")
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
        {
            let columns = Columns::new(&row, "protocol_deadlines");
            deadlines.set(
                columns.code("priority", Priority::parse)?,
                columns.code("step", Step::parse)?,
                SignedDuration::from_secs(columns.int("seconds")?),
            );
        }
        let accepted_by = sqlx::query("SELECT agency_id FROM protocol_acceptances WHERE protocol_id = $1")
            .bind(id_text(id))
            .fetch_all(&mut *self.transaction)
            .await?
            .iter()
            .map(|row| Columns::new(row, "protocol_acceptances").id("agency_id"))
            .collect::<Result<_, _>>()?;
        let version = u32::try_from(columns.int("version")?)
            .map_err(|_| StoreError::Corrupt { table: "protocols", column: "version" })?;
        Ok(Protocol {
            id,
            agency_a: columns.id("agency_a_id")?,
            agency_b: columns.id("agency_b_id")?,
            version,
            valid_from: columns.date("valid_from")?,
            valid_until: columns.opt_date("valid_until")?,
            categories,
            centre_first,
            data_classes,
            deadlines,
            revoked: columns.flag("revoked")?,
            accepted_by,
            uncovered: columns.code("uncovered", sila_domain::protocol::Uncovered::parse)?,
        })
    }
}
