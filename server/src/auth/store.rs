//! tower-sessions' store over the app's own database (SQLite or PostgreSQL, through SeaORM),
//! so sessions survive restarts and need no extra service.

use crate::entities::session;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    pub db: DatabaseConnection,
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_chrono(t: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn row(r: &Record) -> Result<session::ActiveModel, session_store::Error> {
    Ok(session::ActiveModel {
        id: Set(r.id.to_string()),
        data: Set(serde_json::to_string(&r.data).map_err(backend)?),
        expiry_date: Set(to_chrono(r.expiry_date)),
    })
}

impl DbSessionStore {
    /// Deletes expired sessions (called now and then by the server).
    pub async fn delete_expired(&self) -> Result<u64, sea_orm::DbErr> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiryDate.lt(Utc::now()))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new id must not take over an existing session: insert, and on a clash pick again.
        loop {
            let inserted = session::Entity::insert(row(record)?)
                .on_conflict(
                    OnConflict::column(session::Column::Id)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Data, session::Column::ExpiryDate])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(s) = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiryDate.gt(Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let expiry = time::OffsetDateTime::from_unix_timestamp(s.expiry_date.timestamp())
            .map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&s.data).map_err(backend)?,
            expiry_date: expiry,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
