//! Agencies, offices, teams, users and the category taxonomy: the configuration data
//! that administrators maintain and every decision reads.

use std::collections::BTreeSet;

use jiff::Timestamp;
use sila_domain::agency::{Agency, AgencyKind, Office, Role, User};
use sila_domain::case::Category;
use sila_domain::ids::{AgencyId, OfficeId, TeamId, UserId};

use crate::codec::{Columns, id_text, micros};
use crate::connect::Tx;
use crate::error::StoreError;

/// A user account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The account.
    pub user: User,
    /// The Argon2id PHC string of the password.
    pub password_hash: String,
}

impl Tx {
    /// Stores a new agency.
    pub async fn insert_agency(&mut self, agency: &Agency, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO agencies (id, code, kind, name_ar, name_en, case_prefix, default_case_kind, authority_kind,
                created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id_text(agency.id))
        .bind(&agency.code)
        .bind(agency.kind.code())
        .bind(&agency.name_ar)
        .bind(&agency.name_en)
        .bind(&agency.case_prefix)
        .bind(agency.default_case_kind.map(|kind| kind.code()))
        .bind(agency.authority_kind.map(|kind| kind.code()))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Every agency, by code.
    pub async fn agencies(&mut self) -> Result<Vec<Agency>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, code, kind, name_ar, name_en, case_prefix, default_case_kind, authority_kind FROM agencies ORDER BY code",
        )
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter().map(|row| agency_from(&Columns::new(row, "agencies"))).collect()
    }

    /// One agency.
    pub async fn agency(&mut self, id: AgencyId) -> Result<Option<Agency>, StoreError> {
        let row = sqlx::query(
            "SELECT id, code, kind, name_ar, name_en, case_prefix, default_case_kind, authority_kind FROM agencies WHERE id = $1",
        )
        .bind(id_text(id))
        .fetch_optional(&mut *self.transaction)
        .await?;
        row.as_ref().map(|row| agency_from(&Columns::new(row, "agencies"))).transpose()
    }

    /// Stores a new office.
    pub async fn insert_office(&mut self, office: &Office, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO offices (id, agency_id, code, name_ar, name_en, is_desk, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_text(office.id))
        .bind(id_text(office.agency_id))
        .bind(&office.code)
        .bind(&office.name_ar)
        .bind(&office.name_en)
        .bind(i64::from(office.is_desk))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Every office, by agency and code.
    pub async fn offices(&mut self) -> Result<Vec<Office>, StoreError> {
        let rows = sqlx::query(
            "SELECT offices.id, offices.agency_id, offices.code, offices.name_ar, offices.name_en, offices.is_desk
             FROM offices JOIN agencies ON agencies.id = offices.agency_id
             ORDER BY agencies.code, offices.code",
        )
        .fetch_all(&mut *self.transaction)
        .await?;
        rows.iter().map(|row| office_from(&Columns::new(row, "offices"))).collect()
    }

    /// One office.
    pub async fn office(&mut self, id: OfficeId) -> Result<Option<Office>, StoreError> {
        let row = sqlx::query("SELECT id, agency_id, code, name_ar, name_en, is_desk FROM offices WHERE id = $1")
            .bind(id_text(id))
            .fetch_optional(&mut *self.transaction)
            .await?;
        row.as_ref().map(|row| office_from(&Columns::new(row, "offices"))).transpose()
    }

    /// Stores a new team of an office.
    pub async fn insert_team(
        &mut self,
        id: TeamId,
        office_id: OfficeId,
        code: &str,
        names: (&str, &str),
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO teams (id, office_id, code, name_ar, name_en, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_text(id))
        .bind(id_text(office_id))
        .bind(code)
        .bind(names.0)
        .bind(names.1)
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Adds a user to a team.
    pub async fn insert_user_team(&mut self, user: UserId, team: TeamId) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO user_teams (user_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id_text(user))
            .bind(id_text(team))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Stores a new user with roles, offices and teams.
    pub async fn insert_user(&mut self, new: &NewUser, at: Timestamp) -> Result<(), StoreError> {
        let user = &new.user;
        sqlx::query(
            "INSERT INTO users (id, agency_id, username, display_name, password_hash, language, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(id_text(user.id))
        .bind(id_text(user.agency_id))
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&new.password_hash)
        .bind(&user.language)
        .bind(i64::from(user.disabled))
        .bind(micros(at))
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        for role in &user.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(id_text(user.id))
                .bind(role.code())
                .execute(&mut *self.transaction)
                .await?;
        }
        for office in &user.office_ids {
            sqlx::query("INSERT INTO user_offices (user_id, office_id) VALUES ($1, $2)")
                .bind(id_text(user.id))
                .bind(id_text(*office))
                .execute(&mut *self.transaction)
                .await?;
        }
        for team in &user.team_ids {
            sqlx::query("INSERT INTO user_teams (user_id, team_id) VALUES ($1, $2)")
                .bind(id_text(user.id))
                .bind(id_text(*team))
                .execute(&mut *self.transaction)
                .await?;
        }
        Ok(())
    }

    /// One user with roles, offices and teams.
    pub async fn user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let row =
            sqlx::query("SELECT id, agency_id, username, display_name, language, disabled FROM users WHERE id = $1")
                .bind(id_text(id))
                .fetch_optional(&mut *self.transaction)
                .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(self.user_from(&row).await?)),
        }
    }

    /// A user and their password hash, by username, for sign-in.
    pub async fn user_for_sign_in(&mut self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, agency_id, username, display_name, language, disabled, password_hash FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&mut *self.transaction)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => {
                let hash = Columns::new(&row, "users").text("password_hash")?;
                Ok(Some((self.user_from(&row).await?, hash)))
            }
        }
    }

    /// Users of an agency, by username.
    pub async fn users_of_agency(&mut self, agency_id: AgencyId) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, agency_id, username, display_name, language, disabled FROM users
             WHERE agency_id = $1 ORDER BY username",
        )
        .bind(id_text(agency_id))
        .fetch_all(&mut *self.transaction)
        .await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in &rows {
            users.push(self.user_from(row).await?);
        }
        Ok(users)
    }

    /// Replaces a user's password hash.
    pub async fn set_password_hash(&mut self, id: UserId, hash: &str, at: Timestamp) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(micros(at))
            .bind(id_text(id))
            .execute(&mut *self.transaction)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Enables or disables a user.
    pub async fn set_user_disabled(&mut self, id: UserId, disabled: bool, at: Timestamp) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(disabled))
            .bind(micros(at))
            .bind(id_text(id))
            .execute(&mut *self.transaction)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Sets the interface language a user prefers.
    pub async fn set_user_language(&mut self, id: UserId, language: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3")
            .bind(language)
            .bind(micros(at))
            .bind(id_text(id))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    async fn user_from(&mut self, row: &sqlx::any::AnyRow) -> Result<User, StoreError> {
        let columns = Columns::new(row, "users");
        let id: UserId = columns.id("id")?;
        // Roles, offices and teams in one statement: a user is loaded on every request.
        let rows = sqlx::query(
            "SELECT 'role' AS kind, role AS value FROM user_roles WHERE user_id = $1
             UNION ALL SELECT 'office', office_id FROM user_offices WHERE user_id = $1
             UNION ALL SELECT 'team', team_id FROM user_teams WHERE user_id = $1",
        )
        .bind(id_text(id))
        .fetch_all(&mut *self.transaction)
        .await?;
        let (mut roles, mut office_ids, mut team_ids) = (BTreeSet::new(), Vec::new(), Vec::new());
        for row in &rows {
            let related = Columns::new(row, "user_roles");
            match related.text("kind")?.as_str() {
                "role" => {
                    roles.insert(related.code("value", Role::parse)?);
                }
                "office" => office_ids.push(related.id("value")?),
                _ => team_ids.push(related.id("value")?),
            }
        }
        office_ids.sort_unstable_by_key(|office: &OfficeId| office.to_string());
        team_ids.sort_unstable_by_key(|team: &TeamId| team.to_string());
        Ok(User {
            id,
            agency_id: columns.id("agency_id")?,
            username: columns.text("username")?,
            display_name: columns.text("display_name")?,
            roles,
            office_ids,
            team_ids,
            language: columns.text("language")?,
            disabled: columns.flag("disabled")?,
        })
    }

    /// Stores a category of the taxonomy.
    pub async fn insert_category(&mut self, category: &Category, position: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO categories (code, parent_code, name_ar, name_en, active, position) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&category.code)
        .bind(category.parent.as_deref())
        .bind(&category.name_ar)
        .bind(&category.name_en)
        .bind(i64::from(category.active))
        .bind(position)
        .execute(&mut *self.transaction)
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// The whole taxonomy, in display order.
    pub async fn categories(&mut self) -> Result<Vec<Category>, StoreError> {
        let rows =
            sqlx::query("SELECT code, parent_code, name_ar, name_en, active FROM categories ORDER BY position, code")
                .fetch_all(&mut *self.transaction)
                .await?;
        rows.iter()
            .map(|row| {
                let columns = Columns::new(row, "categories");
                Ok(Category {
                    code: columns.text("code")?,
                    parent: columns.opt_text("parent_code")?,
                    name_ar: columns.text("name_ar")?,
                    name_en: columns.text("name_en")?,
                    active: columns.flag("active")?,
                })
            })
            .collect()
    }
}

fn agency_from(columns: &Columns<'_>) -> Result<Agency, StoreError> {
    Ok(Agency {
        id: columns.id("id")?,
        code: columns.text("code")?,
        kind: columns.code("kind", AgencyKind::parse)?,
        name_ar: columns.text("name_ar")?,
        name_en: columns.text("name_en")?,
        case_prefix: columns.text("case_prefix")?,
        default_case_kind: columns.opt_code("default_case_kind", sila_domain::case::CaseKind::parse)?,
        authority_kind: columns.opt_code("authority_kind", sila_domain::casework::AuthorityKind::parse)?,
    })
}

fn office_from(columns: &Columns<'_>) -> Result<Office, StoreError> {
    Ok(Office {
        id: columns.id("id")?,
        agency_id: columns.id("agency_id")?,
        code: columns.text("code")?,
        name_ar: columns.text("name_ar")?,
        name_en: columns.text("name_en")?,
        is_desk: columns.flag("is_desk")?,
    })
}
