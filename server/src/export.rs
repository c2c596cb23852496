//! CSV downloads of every dashboard table: `GET /export/{table}.csv?<filter>`. Each calls the
//! same service as its page and writes the same `Table`, so a download matches the screen.
//! The activity and request logs are streamed page by page (keyset), however many rows the
//! range has.

use crate::error::Error;
use app::error::AppError;
use app::filter::Filter;
use app::model::{ActivitySort, Cursor};
use app::service::{MeterService, Services, Viewer};
use app::table::{Source, Table, TableId};
use app::tables;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

/// Rows per streamed chunk of a paged log's export.
const CHUNK: u64 = 500;

pub fn router<S: Clone + Send + Sync + 'static>(services: Services) -> Router<S> {
    Router::new()
        .route("/export/{file}", get(export))
        .with_state(services)
}

fn csv_bytes(records: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.write_record(&r).map_err(AppError::internal)?;
    }
    Ok(w.into_inner()
        .map_err(|e| AppError::internal(e.to_string()))?)
}

fn attachment(id: TableId, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn export(
    State(services): State<Services>,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
    parts: Parts,
) -> Result<Response, Error> {
    let services = services.0;
    let viewer = services.viewer(&parts).await?;
    let id: TableId = file
        .strip_suffix(".csv")
        .ok_or_else(|| AppError::not_found("export (names end in .csv)"))?
        .parse()
        .map_err(|_| AppError::not_found("table"))?;
    let source = id.source().ok_or_else(|| AppError::not_found("table"))?;
    let filter = Filter::try_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|(field, why)| AppError::invalid(field, why))?;
    match source {
        Source::Activity => {
            let sort = pairs
                .iter()
                .find(|(k, _)| k == "sort")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or_default();
            let body = paged_csv(sort, move |c| {
                let (services, viewer, filter) = (services.clone(), viewer.clone(), filter.clone());
                async move {
                    let page = services.activity(&viewer, &filter, &c).await?;
                    Ok((tables::activity(&page.rows), page.next))
                }
            });
            return Ok(attachment(id, body.await?));
        }
        Source::Requests => {
            let body = paged_csv(ActivitySort::Newest, move |c| {
                let (services, viewer, filter) = (services.clone(), viewer.clone(), filter.clone());
                async move {
                    let page = services.requests(&viewer, &filter, &c, false).await?;
                    Ok((tables::requests(&page), page.next))
                }
            });
            return Ok(attachment(id, body.await?));
        }
        _ => {}
    }
    let table = table(&*services, &viewer, &filter, id).await?;
    Ok(attachment(id, Body::from(csv_bytes(table.records())?)))
}

async fn table(
    services: &dyn MeterService,
    viewer: &Viewer,
    filter: &Filter,
    id: TableId,
) -> Result<Table, AppError> {
    use TableId as T;
    Ok(match id {
        T::Categories
        | T::Features
        | T::Agents
        | T::Sources
        | T::Companies
        | T::Models
        | T::Teams
        | T::Daily => {
            let o = services.overview(viewer, filter).await?;
            match id {
                T::Categories => tables::categories(&o),
                T::Features => tables::features(&o),
                T::Agents => tables::agents(&o),
                T::Sources => tables::sources(&o),
                T::Companies => tables::companies(&o),
                T::Models => tables::overview_models(&o),
                T::Teams => tables::teams(&o),
                _ => tables::daily(&o),
            }
        }
        T::Users => tables::users(&services.users(viewer, filter).await?),
        T::Allocations => tables::allocations(&services.users(viewer, filter).await?),
        T::Flows | T::Actions | T::Pilots | T::FlowAgents | T::OtherSources | T::FlowModels => {
            let v = services.flows(viewer, filter).await?;
            match id {
                T::Flows => tables::flows(&v),
                T::Actions => tables::actions(&v),
                T::Pilots => tables::pilots(&v),
                T::FlowAgents => tables::flow_agents(&v),
                T::FlowModels => tables::flow_models(&v),
                _ => tables::other_sources(&v),
            }
        }
        T::Pools => tables::pools(&services.credits(viewer).await?),
        T::Periods | T::Grants | T::Purchases => {
            if !viewer.role.billing() {
                return Err(AppError::forbidden(
                    "grants, purchases and billing periods are for owners and billing admins",
                ));
            }
            let v = services.credits(viewer).await?;
            match id {
                T::Periods => tables::periods(&v),
                T::Grants => tables::grants(&v),
                _ => tables::purchases(&v),
            }
        }
        T::Activity | T::Requests | T::Audit => {
            return Err(AppError::internal("a log is streamed page by page"));
        }
    })
}

/// A keyset-paged log as one CSV: the header, then a chunk per page `fetch` reads (its
/// table and the cursor of the next page), however many rows the range has. The first page
/// is read before the answer starts, so a refusal (a role, a bad filter) is a status with
/// a JSON body, not a cut connection.
async fn paged_csv<F, Fut>(sort: ActivitySort, fetch: F) -> Result<Body, Error>
where
    F: Fn(Cursor) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(Table, Option<String>), AppError>> + Send,
{
    let cursor = move |before| Cursor {
        before,
        after: None,
        page_size: CHUNK,
        sort,
    };
    let (table, next) = fetch(cursor(None)).await?;
    let first = Bytes::from(csv_bytes(table.records())?);
    let io = |e: AppError| std::io::Error::other(e.to_string());
    let fetch = Arc::new(fetch);
    let rest = futures::stream::unfold(next, move |next| {
        let fetch = fetch.clone();
        async move {
            let (table, next) = match fetch(cursor(Some(next?))).await {
                Ok(page) => page,
                Err(e) => return Some((Err(io(e)), None)),
            };
            let chunk = csv_bytes(table.records().skip(1))
                .map(Bytes::from)
                .map_err(|e| io(AppError::from(e)));
            Some((chunk, next))
        }
    });
    let first = futures::stream::once(std::future::ready(Ok(first)));
    Ok(Body::from_stream(futures::StreamExt::chain(first, rest)))
}
