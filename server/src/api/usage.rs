//! `GET /api/v1/usage`: grouped usage as JSON, or CSV with `Accept: text/csv`.

use super::auth::ApiCaller;
use crate::error::Error;
use crate::services::usage::{UsageReport, usage};
use app::error::AppError;
use app::filter::{Filter, GroupBy};
use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

const PARAMS: [&str; 13] = [
    "from", "to", "group_by", "team", "user", "feature", "category", "company", "flow", "source",
    "model", "tz", "range",
];

#[derive(Serialize, ToSchema)]
pub struct UsageRowOut {
    /// One entry per `group_by` word, e.g. `{"day": "2026-11-01", "feature": "personalized_email"}`; null = not attributed.
    #[schema(value_type = Object)]
    group: BTreeMap<String, Option<String>>,
    credits: String,
    overage: String,
    events: i64,
    quantity: i64,
    /// Only with `group_by=action` or `model` (answered from a rollup that counts tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    input_tokens: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_tokens: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UsageOut {
    from: NaiveDate,
    to: NaiveDate,
    tz: String,
    group_by: Vec<String>,
    rows: Vec<UsageRowOut>,
    total: UsageRowOut,
}

/// The query string as the shared `Filter` plus the groupings.
fn parse(params: &BTreeMap<String, String>) -> Result<(Filter, Vec<GroupBy>), Error> {
    if let Some(unknown) = params.keys().find(|k| !PARAMS.contains(&k.as_str())) {
        return Err(AppError::invalid(unknown, "is not a known parameter").into());
    }
    // The same filter parse as the pages' exports: a value it cannot read is named.
    let filter = Filter::try_from_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|(field, why)| AppError::invalid(field, why))?;
    let group_by = GroupBy::parse_list(params.get("group_by").map_or("", |s| s.as_str()))
        .map_err(|e| AppError::invalid("group_by", e))?;
    Ok((filter, group_by))
}

fn row_out(group_by: &[GroupBy], r: &crate::services::usage::UsageRow) -> UsageRowOut {
    UsageRowOut {
        group: group_by
            .iter()
            .zip(&r.groups)
            .map(|(g, v)| (g.as_str().to_string(), v.clone()))
            .collect(),
        credits: r.credits.to_decimal_string(),
        overage: r.overage.to_decimal_string(),
        events: r.events,
        quantity: r.quantity,
        input_tokens: r.tokens.map(|t| t.0),
        output_tokens: r.tokens.map(|t| t.1),
    }
}

/// CSV of the rows: one column per grouping, then the sums.
pub fn to_csv(report: &UsageReport) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<&str> = report.group_by.iter().map(|g| g.as_str()).collect();
    head.extend(["credits", "overage", "events", "quantity"]);
    let tokens = report.total.tokens.is_some();
    if tokens {
        head.extend(["input_tokens", "output_tokens"]);
    }
    let csv_err = |e: csv::Error| Error::from(AppError::internal(e));
    w.write_record(&head).map_err(csv_err)?;
    for r in &report.rows {
        let mut rec: Vec<String> = r
            .groups
            .iter()
            .map(|g| g.as_deref().map(app::table::csv_text).unwrap_or_default())
            .collect();
        rec.extend([
            r.credits.to_decimal_string(),
            r.overage.to_decimal_string(),
            r.events.to_string(),
            r.quantity.to_string(),
        ]);
        if let (true, Some((i, o))) = (tokens, r.tokens) {
            rec.extend([i.to_string(), o.to_string()]);
        }
        w.write_record(&rec).map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::internal(e).into())
}

/// Usage in a date range (organization's local days), grouped and filtered.
#[utoipa::path(get, path = "/api/v1/usage", security(("api_key" = [])),
    params(
        ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "last day (inclusive), YYYY-MM-DD"),
        ("range" = Option<String>, Query, description = "last_7 | last_30 (default) | last_90 | current_period | previous_period"),
        ("group_by" = Option<String>, Query, description = "comma list of day, week, month, feature, category, user, team, source, action, company, model; company cannot go with action (400)"),
        ("team" = Option<String>, Query, max_length = 200, description = "team name; names and keys below: at most 200 characters, no control characters"),
        ("user" = Option<String>, Query, max_length = 200, description = "member email or end-user id"),
        ("feature" = Option<String>, Query, max_length = 200, description = "feature key"),
        ("category" = Option<String>, Query, max_length = 200, description = "category key"),
        ("company" = Option<String>, Query, max_length = 200, description = "company key"),
        ("flow" = Option<String>, Query, max_length = 200, description = "key of a flow"),
        ("source" = Option<String>, Query, max_length = 200, description = "key of a source of any kind (agent, flow, pilot, tool, session)"),
        ("model" = Option<String>, Query, max_length = 200, description = "name of the model the usage ran on"),
        ("tz" = Option<String>, Query, max_length = 200, description = "must be the organization's time zone when given"),
    ),
    responses((status = 200, description = "JSON, or CSV with `Accept: text/csv`",
        content((UsageOut = "application/json"), (String = "text/csv"))),
        (status = 400, description = "a parameter that cannot be read, named in `field`"), (status = 401)))]
pub async fn get_usage(
    State(state): State<super::ApiState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, Error> {
    let (filter, group_by) = parse(&params)?;
    let report = usage(
        &state.db,
        caller.organization_id,
        &filter,
        &group_by,
        Utc::now(),
    )
    .await?;
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            to_csv(&report)?,
        )
            .into_response());
    }
    Ok(Json(UsageOut {
        from: report.range.from,
        to: report.range.to,
        tz: report.time_zone.clone(),
        group_by: group_by.iter().map(|g| g.as_str().to_string()).collect(),
        rows: report.rows.iter().map(|r| row_out(&group_by, r)).collect(),
        total: row_out(&[], &report.total),
    })
    .into_response())
}
