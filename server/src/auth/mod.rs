//! Sign-in: argon2id passwords, sessions in the database, login rate limits, the same-origin
//! check, and who the viewer of a request is.

pub mod csrf;
pub mod limit;
pub mod password;
pub mod store;

use crate::entities::{organization, user};
use crate::error::Result;
use app::error::AppError;
use app::roles::{self, Role};
use app::service::Viewer;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::net::SocketAddr;
use tower_sessions::Session;

/// Session key of the signed-in user's id.
const USER_KEY: &str = "uid";
/// Session key of when the session was last renewed (Unix seconds).
const SEEN_KEY: &str = "seen";
/// A session in use is renewed (a fresh week of inactivity, a fresh cookie) at most this
/// often: once per request would be a database write per request.
const RENEW_AFTER_SECS: i64 = 3600;

/// A hash nobody's password matches, verified when the email is unknown so that the answer
/// takes as long as for a known one (no account discovery by timing).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4mP1G0eX5kqEF/lKkhRr3cLSvX4Lf4b7u1kUqJbq8Dw";

fn session(parts: &Parts) -> Result<Session, AppError> {
    parts
        .extensions
        .get::<Session>()
        .cloned()
        .ok_or_else(|| AppError::internal("no session layer"))
}

/// The viewer of a request: the active user of its session, with their organization's
/// dashboard governance applied. No session → `Unauthorized`.
pub async fn viewer<C: ConnectionTrait>(db: &C, parts: &Parts) -> Result<Viewer> {
    // Already resolved for this request (by the page guard): the server functions that
    // render the page reuse it instead of reading session, user and organization again.
    if let Some(v) = parts.extensions.get::<Viewer>() {
        return Ok(v.clone());
    }
    Ok(signed_in(db, parts).await?.0)
}

/// The viewer of a request and the same user as pages see them, from one read of session,
/// user and organization. No session → `Unauthorized`.
pub async fn signed_in<C: ConnectionTrait>(db: &C, parts: &Parts) -> Result<(Viewer, roles::Me)> {
    let u = session_user(db, parts).await?;
    let org = crate::store::organizations::get(db, u.organization_id).await?;
    let viewer = viewer_of(&u, &org);
    let me = me_of(u, org, &viewer);
    Ok((viewer, me))
}

/// The active user of the request's session.
async fn session_user<C: ConnectionTrait>(db: &C, parts: &Parts) -> Result<user::Model> {
    let session = session(parts)?;
    let id: Option<i64> = session.get(USER_KEY).await.map_err(AppError::internal)?;
    let Some(id) = id else {
        return Err(AppError::Unauthorized.into());
    };
    renew(&session).await?;
    let Some(u) = user::Entity::find_by_id(id).one(db).await? else {
        return Err(AppError::Unauthorized.into());
    };
    if !u.active {
        // Deactivated while signed in: the session ends now.
        let _ = session.flush().await;
        return Err(AppError::Unauthorized.into());
    }
    Ok(u)
}

/// Sessions end after a week without use: a session seen again is saved with a new expiry.
async fn renew(session: &Session) -> Result<()> {
    let now = chrono::Utc::now().timestamp();
    let seen: Option<i64> = session.get(SEEN_KEY).await.map_err(AppError::internal)?;
    if seen.is_none_or(|t| now.saturating_sub(t) >= RENEW_AFTER_SECS) {
        session
            .insert(SEEN_KEY, now)
            .await
            .map_err(AppError::internal)?;
    }
    Ok(())
}

fn viewer_of(u: &user::Model, org: &organization::Model) -> Viewer {
    let role = Role::from(u.role);
    Viewer {
        organization_id: u.organization_id,
        user_id: u.id,
        role,
        dashboard: roles::may_open_dashboard(role, &roles::parse_list(&org.dashboard_roles)),
    }
}

fn me_of(u: user::Model, org: organization::Model, viewer: &Viewer) -> roles::Me {
    roles::Me {
        email: u.email,
        name: u.name,
        role: viewer.role,
        organization_name: org.name,
        dashboard: viewer.dashboard,
    }
}

/// The viewer as pages see them: name, email, role and organization.
pub async fn me<C: ConnectionTrait>(db: &C, viewer: &Viewer) -> Result<roles::Me> {
    let u = user::Entity::find_by_id(viewer.user_id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let org = crate::store::organizations::get(db, viewer.organization_id).await?;
    Ok(me_of(u, org, viewer))
}

/// Checks the password of `email` and starts a session for that user (a fresh session id,
/// so an id planted before login is worth nothing).
pub async fn login<C: ConnectionTrait>(
    db: &C,
    limits: &limit::LoginLimits,
    parts: &Parts,
    email: &str,
    password: &str,
) -> Result<user::Model> {
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| limits.client_address(c.0.ip(), &parts.headers));
    limits.check(db, email, address, chrono::Utc::now()).await?;
    // The same email may belong to members of several organizations: the password decides.
    let candidates = user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let tried = !candidates.is_empty();
    let mut found = None;
    for u in candidates {
        let hash = u.password_hash.clone().unwrap_or_else(|| DUMMY_HASH.into());
        if password::verify_blocking(password.to_string(), hash).await {
            found = Some(u);
            break;
        }
    }
    let Some(u) = found else {
        if !tried {
            password::verify_blocking(password.to_string(), DUMMY_HASH.into()).await;
        }
        return Err(AppError::BadCredentials.into());
    };
    let session = session(parts)?;
    session.cycle_id().await.map_err(AppError::internal)?;
    session
        .insert(USER_KEY, u.id)
        .await
        .map_err(AppError::internal)?;
    renew(&session).await?;
    Ok(u)
}

pub async fn logout(parts: &Parts) -> Result<()> {
    session(parts)?.flush().await.map_err(AppError::internal)?;
    Ok(())
}
