//! The settings page's catalog, price and grant actions: each goes through the same code as
//! the catalog file, the CLI and the REST API.

use crate::audit::Actor;
use crate::entities::{organization, team, team_member};
use crate::error::Result;
use crate::grants::{self, NewGrant};
use app::admin::{AdminAction, RateForm};
use app::error::AppError;
use app::ids::OrgId;
use app::service::Viewer;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Runs one of the catalog actions; the sentence for the page.
pub async fn perform<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    actor: &Actor,
    action: &AdminAction,
    now: DateTime<Utc>,
) -> Result<String> {
    let org = crate::store::organizations::get(db, viewer.organization_id).await?;
    match action {
        AdminAction::ApplyCatalog { catalog } => {
            let r = crate::catalog::apply(db, &org, catalog, false, actor, now).await?;
            Ok(if r.is_noop() {
                "Nothing changed.".into()
            } else {
                format!(
                    "Catalog saved: {}.",
                    r.lines()[..r.lines().len() - 1].join("; ")
                )
            })
        }
        AdminAction::SetPoolPrice {
            pool,
            price_per_credit,
        } => {
            let mut found = false;
            crate::catalog::store::edit(db, &org, actor, now, |doc| {
                for p in doc.pools.iter_mut().filter(|p| &p.key == pool) {
                    p.price_per_credit = app::catalog::Decimal(price_per_credit.trim().into());
                    found = true;
                }
            })
            .await
            .map_err(|e| {
                e.rename_field(|f| f.starts_with("pools[").then(|| "price_per_credit".into()))
            })?;
            if !found {
                return Err(AppError::invalid("pool", format!("unknown pool key {pool:?}")).into());
            }
            Ok(format!(
                "New price of {pool}: {price_per_credit} per credit."
            ))
        }
        AdminAction::AddGrant {
            pool,
            kind,
            credits,
            expires,
            priority,
            description,
        } => {
            let new = NewGrant {
                pool: pool.clone(),
                kind: kind.clone(),
                credits: *credits,
                expires_at: expires.as_deref().map(|e| expiry(&org, e)).transpose()?,
                priority: *priority,
                description: Some(description.clone()),
            };
            // The page's field is `expires`, the API's `expires_at`.
            grants::add(db, org.id, &new, now)
                .await
                .map_err(|e| e.rename_field(|f| (f == "expires_at").then(|| "expires".into())))?;
            Ok(format!("Granted {} {kind} credits.", credits.display()))
        }
        AdminAction::VoidGrant { id } => {
            grants::void(db, org.id, *id).await?;
            Ok("Grant voided.".into())
        }
        AdminAction::RemoveTeam { key } => remove_team(db, org.id, key).await,
        AdminAction::SetRate { rate } => set_rate(db, &org, rate, now).await,
        other => Err(AppError::internal(format!("{} is no catalog action", other.name())).into()),
    }
}

/// An expiry as typed: RFC 3339, or a date meaning the end of that day in the organization's
/// time zone.
fn expiry(org: &organization::Model, text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .ok_or_else(|| {
            AppError::invalid("expires", "must be a date (2027-01-31) or an RFC 3339 time")
        })?;
    let tz = crate::store::organizations::tz(org)?;
    Ok(crate::ledger::period::local_midnight(tz, day))
}

/// A price version from the page: the same checks as the API and the command line.
async fn set_rate<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    f: &RateForm,
    now: DateTime<Utc>,
) -> Result<String> {
    let effective_from = match f.effective_from.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(local_time(org, t)?),
    };
    let text = |t: &str| {
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    };
    let input = crate::rates::RateInput {
        feature: f.feature.clone(),
        model: f.model.as_deref().and_then(text),
        effective_from,
        per_unit: text(&f.per_unit),
        per_1k_input_tokens: text(&f.per_1k_input_tokens),
        per_1k_output_tokens: text(&f.per_1k_output_tokens),
        per_1k_cached_input_tokens: text(&f.per_1k_cached_input_tokens),
        minimum: text(&f.minimum),
    };
    let out = crate::rates::set(db, org.id, &input, now)
        .await
        .map_err(crate::error::Error::field_in_message)?;
    let model = out.model.as_deref().unwrap_or("any model");
    Ok(format!("New price of {} ({model}) saved.", out.feature))
}

/// A time as typed: RFC 3339, or `2027-01-01T09:00` in the organization's time zone.
fn local_time(org: &organization::Model, text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    let why = || AppError::invalid("effective_from", "must be a time such as 2027-01-01T09:00");
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map_err(|_| why())?;
    let tz = crate::store::organizations::tz(org)?;
    // A time inside a clock change's gap does not exist there.
    let t = chrono::TimeZone::from_local_datetime(&tz, &local)
        .earliest()
        .ok_or_else(why)?;
    Ok(t.to_utc())
}

async fn remove_team<C: ConnectionTrait>(db: &C, org_id: OrgId, key: &str) -> Result<String> {
    let t = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org_id))
        .filter(team::Column::Key.eq(key))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("team {key:?}")))?;
    let members = team_member::Entity::find()
        .filter(team_member::Column::OrganizationId.eq(org_id))
        .filter(team_member::Column::TeamId.eq(t.id))
        .count(db)
        .await?;
    if members > 0 {
        return Err(AppError::invalid(
            "team",
            format!(
                "{} has {members} member(s); move them to another team first",
                t.name
            ),
        )
        .into());
    }
    team::Entity::delete_many()
        .filter(team::Column::OrganizationId.eq(org_id))
        .filter(team::Column::Id.eq(t.id))
        .exec(db)
        .await?;
    Ok(format!("Team {} removed.", t.name))
}
