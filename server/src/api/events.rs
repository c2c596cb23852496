//! `POST /api/v1/events`: a batch of up to 1000 usage events.

use super::auth::ApiCaller;
use super::body_error;
use crate::error::Error;
use crate::ingest::{self, IngestOutcome, wire};
use app::error::AppError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

/// One usage event.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EventIn {
    /// Idempotency key within the organization (≤ 128 characters).
    id: String,
    /// RFC 3339; at most 5 minutes in the future and at most `BACKFILL_DAYS` (default 35)
    /// in the past.
    timestamp: String,
    /// A known feature key, e.g. `personalized_email`.
    feature: String,
    /// Pool key; defaults to the feature's pool.
    pool: Option<String>,
    /// Member email or end-user external id (new end users are registered).
    user: Option<String>,
    source: Option<SourceIn>,
    /// An action within the flow named by `source`.
    action: Option<String>,
    company: Option<String>,
    /// Number or decimal string, ≥ 0, at most 3 decimals.
    #[schema(value_type = String, example = "1.5")]
    credits: String,
    /// Units consumed (messages, minutes…); default 1.
    quantity: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    /// Any JSON object up to 4 KB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SourceIn {
    /// agent, flow, pilot, tool or session
    kind: String,
    key: String,
}

/// Up to 1000 events. Each element is checked on its own: one that is not a valid
/// `EventIn` (or not an object) is answered in `rejected`, naming its field, and the
/// others still land — so the body's schema takes any element.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EventsIn {
    #[schema(value_type = Vec<Value>, max_items = 1000)]
    events: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectedOut {
    index: usize,
    id: Option<String>,
    field: String,
    error: String,
}

#[derive(Serialize, ToSchema)]
pub struct EventsOut {
    accepted: usize,
    duplicates: usize,
    rejected: Vec<RejectedOut>,
}

impl From<IngestOutcome> for EventsOut {
    fn from(o: IngestOutcome) -> Self {
        EventsOut {
            accepted: o.accepted,
            duplicates: o.duplicates,
            rejected: o
                .rejected
                .into_iter()
                .map(|r| RejectedOut {
                    index: r.index,
                    id: r.id,
                    field: r.field,
                    error: r.error,
                })
                .collect(),
        }
    }
}

/// Ingest usage events. Valid events land even when others in the batch are rejected; a
/// resent id is a duplicate and changes nothing.
#[utoipa::path(post, path = "/api/v1/events", request_body = EventsIn, security(("api_key" = [])),
    responses((status = 200, body = EventsOut), (status = 400, description = "malformed body"), (status = 401), (status = 413, description = "over 1000 events or 1 MB")))]
pub async fn post_events(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EventsOut>, Error> {
    let bytes = body.map_err(body_error)?;
    let events = match wire::parse(&bytes) {
        Ok(wire::Body::Events(events)) => events,
        Ok(wire::Body::TooMany(n)) => return Err(ingest::too_many(n).into()),
        Ok(wire::Body::NoEvents) => {
            return Err(AppError::invalid("events", "must be an array of events").into());
        }
        Ok(wire::Body::NotAnObject) => {
            return Err(AppError::invalid("body", "must be a JSON object").into());
        }
        Err(e) => return Err(AppError::invalid("body", format!("malformed JSON: {e}")).into()),
    };
    // Validation (the batch size included) runs here, beside other requests; the writer only applies.
    let window = ingest::validate::Window::new(Utc::now(), state.config.backfill_days);
    let batch = ingest::validate_wire(&events, window)?;
    let outcome = state.ingest.ingest(caller.organization_id, batch).await?;
    crate::telemetry::ingested(outcome.accepted, outcome.duplicates, outcome.rejected.len());
    Ok(Json(outcome.into()))
}
