//! API keys: `cm_<prefix>_<secret>`. Only a SHA-256 hash of the whole key is stored (keys are
//! long random strings, so a fast hash is right here, unlike passwords); the prefix stays
//! visible to tell keys apart.

use crate::entities::api_key;
use crate::error::Result;
use app::error::AppError;
use app::ids::OrgId;
use chrono::Utc;
use rand::distr::{Alphanumeric, SampleString};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use sha2::{Digest, Sha256};

pub struct CreatedKey {
    pub id: i64,
    pub prefix: String,
    /// The full key; shown once, never stored.
    pub secret: String,
}

pub fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A fresh `<tag>_<prefix>_<secret>` key and its prefix.
pub fn new_secret(tag: &str) -> (String, String) {
    // The thread-local generator must not live across an await (the future moves threads).
    let mut rng = rand::rng();
    let prefix = Alphanumeric.sample_string(&mut rng, 8).to_lowercase();
    let secret = format!(
        "{tag}_{prefix}_{}",
        Alphanumeric.sample_string(&mut rng, 40)
    );
    (prefix, secret)
}

/// Checks a key's name: 1 to 100 characters.
pub fn key_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "must be 1 to 100 characters").into());
    }
    Ok(name)
}

pub async fn create<C: ConnectionTrait>(db: &C, org_slug: &str, name: &str) -> Result<CreatedKey> {
    let org = crate::store::organizations::by_slug(db, org_slug).await?;
    create_for(db, org.id, name, None).await
}

/// A new key of the organization (made by `created_by`, a member, when one did).
pub async fn create_for<C: ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    name: &str,
    created_by: Option<i64>,
) -> Result<CreatedKey> {
    let name = key_name(name)?;
    let (prefix, secret) = new_secret("cm");
    let row = api_key::ActiveModel {
        organization_id: Set(org_id),
        name: Set(name.to_string()),
        prefix: Set(prefix.clone()),
        secret_hash: Set(hash_key(&secret)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(created_by),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(CreatedKey {
        id: row.id,
        prefix,
        secret,
    })
}
