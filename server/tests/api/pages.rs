//! The Users, Flows & agents and API pages' services, the overview's forecast and anomalies,
//! and the CSV exports over real HTTP — each checked against sums over the raw events.

use crate::helpers;
use app::ids::OrgId;

use crate::helpers::{Api, api_key, org_id, seed, spawn_app, test_now};
use app::credits::Credits;
use app::filter::{Filter, RangePreset};
use app::tables;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use server::entities::*;
use std::collections::HashMap;

fn new_york_midnight(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    tz.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Acme's raw events since a moment, straight from the table.
async fn events_since(
    db: &DatabaseConnection,
    org: OrgId,
    from: DateTime<Utc>,
) -> Vec<usage_event::Model> {
    usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .filter(usage_event::Column::OccurredAt.gte(from))
        .all(db)
        .await
        .unwrap()
}

fn last_30() -> Filter {
    Filter {
        range: RangePreset::Last30,
        ..Default::default()
    }
}

/// End users' external ids by id.
async fn end_user_ids(db: &DatabaseConnection, org: OrgId) -> HashMap<i64, String> {
    end_user::Entity::find()
        .filter(end_user::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.id, u.external_id))
        .collect()
}

/// Credits per (member email or end user, feature key) of these raw events.
async fn cells_of(
    db: &DatabaseConnection,
    org: OrgId,
    raw: &[usage_event::Model],
) -> HashMap<(Option<String>, String), i64> {
    let emails: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let externals = end_user_ids(db, org).await;
    let feature_keys: HashMap<i64, String> = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.id, f.key))
        .collect();
    let mut expected: HashMap<(Option<String>, String), i64> = HashMap::new();
    for e in raw {
        let who = e
            .user_id
            .map(|u| emails[&u].clone())
            .or_else(|| e.end_user_id.map(|u| externals[&u].clone()));
        *expected
            .entry((who, feature_keys[&e.feature_id].clone()))
            .or_default() += e.credits_milli;
    }
    expected
}

/// Every cell of the users table equals the raw events' sum, and no cell is missing.
fn assert_cells(v: &app::model::UsersView, expected: &HashMap<(Option<String>, String), i64>) {
    let mut cells = 0;
    for u in &v.users {
        for (i, (key, _)) in v.features.iter().enumerate() {
            let want = expected
                .get(&(u.name.clone(), key.clone()))
                .copied()
                .unwrap_or(0);
            assert_eq!(u.by_feature[i], Credits(want), "{:?} × {key}", u.name);
            cells += usize::from(want != 0);
        }
        assert_eq!(u.total, u.by_feature.iter().copied().sum());
    }
    assert_eq!(cells, expected.values().filter(|v| **v != 0).count());
}

async fn users_table_matches_raw_events(db: &DatabaseConnection) {
    seed(db, 3_000, 21, test_now()).await;
    let org = org_id(db, "acme").await;
    let v = server::services::users::users_view(db, org, &last_30(), test_now())
        .await
        .unwrap();
    // Last 30 days in New York up to Nov 22 = from Oct 24.
    let raw = events_since(db, org, new_york_midnight(2026, 10, 24)).await;
    assert_cells(&v, &cells_of(db, org, &raw).await);
    let total: i64 = raw.iter().map(|e| e.credits_milli).sum();
    assert_eq!(
        v.users.iter().map(|u| u.total).sum::<Credits>(),
        Credits(total)
    );
    assert!(
        v.users.windows(2).all(|w| w[0].total >= w[1].total),
        "biggest first"
    );

    // Allocations: use = the end user's raw events this period (from Nov 1), least left first.
    let period = events_since(db, org, new_york_midnight(2026, 11, 1)).await;
    let externals = end_user_ids(db, org).await;
    assert!(v.allocations.len() >= 10);
    for a in &v.allocations {
        let id = externals.iter().find(|(_, x)| **x == a.subject).unwrap().0;
        let used: i64 = period
            .iter()
            .filter(|e| e.end_user_id == Some(*id))
            .map(|e| e.credits_milli)
            .sum();
        assert_eq!(a.used, Credits(used), "{}", a.subject);
        assert_eq!(a.remaining, Credits((a.cap.0 - used).max(0)));
    }
    let left = |a: &app::model::AllocationRow| a.remaining.0 as f64 / a.cap.0 as f64;
    assert!(v.allocations.windows(2).all(|w| left(&w[0]) <= left(&w[1])));
    assert!(
        v.allocations[0].used_percent() > 90.0,
        "the demo has one close to running out"
    );
}

async fn flows_and_actions_match_raw_events(db: &DatabaseConnection) {
    seed(db, 3_000, 22, test_now()).await;
    let org = org_id(db, "acme").await;
    let check =
        |v: app::model::FlowsView, raw: Vec<usage_event::Model>, sources: Vec<source::Model>| {
            let src_key: HashMap<i64, (String, String)> = sources
                .into_iter()
                .map(|s| (s.id, (s.kind.to_string(), s.key)))
                .collect();
            let mut per_source: HashMap<(String, String), (i64, i64)> = HashMap::new();
            for e in &raw {
                if let Some(s) = e.source_id {
                    let x = per_source.entry(src_key[&s].clone()).or_default();
                    x.0 += e.credits_milli;
                    x.1 += e.input_tokens.unwrap_or(0);
                }
            }
            let lists = [&v.flows, &v.pilots, &v.agents, &v.others];
            let mut listed = 0;
            for s in lists.into_iter().flatten() {
                let (credits, input) = per_source
                    .get(&(s.kind.clone(), s.key.clone()))
                    .copied()
                    .unwrap_or_default();
                assert_eq!(s.credits, Credits(credits), "{}", s.name);
                assert_eq!(s.input_tokens, input, "{}", s.name);
                listed += 1;
            }
            assert_eq!(
                listed,
                src_key.len(),
                "every source is listed, idle ones too"
            );
            assert!(
                v.flows
                    .iter()
                    .all(|f| f.status.is_some() && f.flow_type.is_some())
            );
            v
        };
    let raw = events_since(db, org, new_york_midnight(2026, 10, 24)).await;
    let sources = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap();
    let actions = action::Entity::find()
        .filter(action::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap();
    let v = server::services::flows::flows_view(db, org, &last_30(), test_now())
        .await
        .unwrap();
    let v = check(v, raw.clone(), sources.clone());
    let source_name: HashMap<i64, String> =
        sources.iter().map(|s| (s.id, s.name.clone())).collect();
    assert_eq!(v.actions.len(), actions.len());
    for a in &actions {
        let row = v
            .actions
            .iter()
            .find(|r| r.key == a.key && r.source == source_name[&a.source_id])
            .expect("every action is listed");
        let mine: Vec<_> = raw.iter().filter(|e| e.action_id == Some(a.id)).collect();
        assert_eq!(
            row.credits,
            Credits(mine.iter().map(|e| e.credits_milli).sum())
        );
        assert_eq!(row.events, mine.len() as i64);
        assert_eq!(
            row.input_tokens,
            mine.iter()
                .map(|e| e.input_tokens.unwrap_or(0))
                .sum::<i64>()
        );
        assert_eq!(
            row.output_tokens,
            mine.iter()
                .map(|e| e.output_tokens.unwrap_or(0))
                .sum::<i64>()
        );
    }
    assert!(v.actions.iter().any(|a| a.input_tokens > 0));

    // Rebuilding the rollups from the raw events gives the very same page.
    server::ingest::recalculate::recalculate(db, None, &indicatif::ProgressBar::hidden())
        .await
        .map_err(app::error::AppError::from)
        .unwrap();
    let again = server::services::flows::flows_view(db, org, &last_30(), test_now())
        .await
        .unwrap();
    assert_eq!(again, v);
}

async fn overview_forecast_and_anomalies(db: &DatabaseConnection) {
    seed(db, 6_000, 23, test_now()).await;
    let org = org_id(db, "acme").await;
    let o = server::services::overview::overview(db, org, &last_30(), test_now())
        .await
        .unwrap();
    // The demo's one spike (3.5× a normal day) is the day marked, and only it.
    let busiest = o.daily.iter().max_by_key(|p| p.credits).unwrap().day;
    assert_eq!(o.anomalies, vec![busiest]);
    // The burn rate: AI-credit usage of the 7 full days before today (Nov 15–21), whole org.
    let pool = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org))
        .filter(pool::Column::Key.eq("ai_credits"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let week: i64 = events_since(db, org, new_york_midnight(2026, 11, 15))
        .await
        .iter()
        .filter(|e| e.pool_id == pool.id && e.occurred_at < new_york_midnight(2026, 11, 22))
        .map(|e| e.credits_milli)
        .sum();
    assert_eq!(o.forecast.daily_rate, Credits(week / 7));
    assert_eq!(o.forecast.window_days, 7);
    let days = (o.balance.remaining.0 + week / 7 - 1) / (week / 7);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    assert_eq!(o.forecast.runs_out_on, Some(today + Duration::days(days)));
}

/// Ranges read as whole weeks (weekly rollup) plus edge days (daily rollup) add up exactly:
/// edges on both sides, whole weeks only, no whole week at all, and a whole week that is
/// still open (Nov 16–22: the demo closed weeks up to Nov 16, so it is read by day).
async fn users_table_over_week_edges_matches_raw_events(db: &DatabaseConnection) {
    seed(db, 3_000, 22, test_now()).await;
    let org = org_id(db, "acme").await;
    // (from, to) local days; Nov 2 and Nov 9 are Mondays.
    for (from, to) in [
        (10_28, 11_19),
        (11_02, 11_15),
        (11_10, 11_13),
        (11_09, 11_09),
    ] {
        let day = |md: u32| chrono::NaiveDate::from_ymd_opt(2026, md / 100, md % 100).unwrap();
        let filter = Filter {
            range: RangePreset::Custom,
            from: Some(day(from)),
            to: Some(day(to)),
            ..Default::default()
        };
        let v = server::services::users::users_view(db, org, &filter, test_now())
            .await
            .unwrap();
        let end = new_york_midnight(2026, to / 100, to % 100) + Duration::days(1);
        let raw: Vec<usage_event::Model> =
            events_since(db, org, new_york_midnight(2026, from / 100, from % 100))
                .await
                .into_iter()
                .filter(|e| e.occurred_at < end)
                .collect();
        assert!(!raw.is_empty(), "{from}..{to} has events");
        assert_cells(&v, &cells_of(db, org, &raw).await);
    }
}

crate::on_both_backends!(
    users_table_matches_raw_events,
    users_table_over_week_edges_matches_raw_events,
    flows_and_actions_match_raw_events,
    overview_forecast_and_anomalies,
);

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn request_log(db: &DatabaseConnection, org: OrgId) -> app::model::RequestLogView {
    let newest = app::model::Cursor {
        before: None,
        after: None,
        page_size: 500,
        sort: Default::default(),
    };
    server::services::requests::request_log(db, org, &Filter::default(), &newest, true, Utc::now())
        .await
        .unwrap()
}

async fn get_text(client: &reqwest::Client, url: &str) -> (u16, String, String) {
    let res = client.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, res.text().await.unwrap())
}

async fn csv_exports_hold_the_filtered_rows(db: &DatabaseConnection) {
    seed(db, 3_000, 24, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let base = spawn_app(db).await;
    let owner = helpers::browser(&base, "owner@acme.test").await;

    // The active filters are chips, each a link to the same page without it.
    let (_, _, html) = get_text(
        &owner,
        &format!("{base}/usage?team=Sales&compare=previous_period"),
    )
    .await;
    for (chip, href) in [
        ("chip-team", "/usage?compare=previous_period"),
        ("chip-compare", "/usage?team=Sales"),
    ] {
        assert!(
            html.contains(&format!(r#"href="{href}" data-testid="{chip}""#)),
            "{chip}: {html}"
        );
    }

    // Rows drill down: a category or a user row links to the dashboard narrowed to it.
    assert!(
        html.contains(r#"href="/usage?team=Sales&amp;category="#),
        "{html}"
    );
    let (_, _, html) = get_text(&owner, &format!("{base}/users?team=Sales")).await;
    assert!(
        html.contains(r#"href="/usage?team=Sales&amp;user="#),
        "{html}"
    );

    // The users table of one team: the same rows as the service gives the page.
    let (status, kind, text) =
        get_text(&owner, &format!("{base}/export/users.csv?team=Sales")).await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.starts_with("text/csv"));
    let filter = Filter {
        team: Some("Sales".into()),
        ..Default::default()
    };
    let v = server::services::users::users_view(db, org, &filter, Utc::now())
        .await
        .unwrap();
    let want: Vec<Vec<String>> = tables::users(&v).records().skip(1).collect();
    let got = parse_csv(&text);
    assert_eq!(got, want);
    assert!(!got.is_empty());
    let all = server::services::users::users_view(db, org, &Filter::default(), Utc::now())
        .await
        .unwrap();
    assert!(got.len() < all.users.len(), "the team filter applies");

    // The activity export streams every event of the range (more than one page) in order.
    let (status, _, text) = get_text(
        &owner,
        &format!("{base}/export/activity.csv?range=last_30&sort=credits"),
    )
    .await;
    assert_eq!(status, 200);
    let rows = parse_csv(&text);
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let from = tz
        .from_local_datetime(&(today - Duration::days(29)).and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    let raw = events_since(db, org, from).await;
    assert_eq!(rows.len(), raw.len());
    // Streamed exports go out uncompressed even to a client that accepts brotli.
    let res = owner
        .get(format!("{base}/export/activity.csv?range=last_30"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers().get("content-encoding").is_none());
    assert!(rows.len() > 500, "spans several pages");
    let credits: Vec<Credits> = rows
        .iter()
        .map(|r| Credits::parse(&r[9]).unwrap())
        .collect();
    assert!(credits.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(
        credits.iter().copied().sum::<Credits>(),
        Credits(raw.iter().map(|e| e.credits_milli).sum())
    );
    let mut ids: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), raw.len(), "no event twice");

    // Unknown tables and names are clear 404s in JSON.
    let (status, _, text) = get_text(&owner, &format!("{base}/export/nope.csv")).await;
    assert_eq!(status, 404);
    assert!(text.contains("\"table\""), "{text}");
    let (status, _, _) = get_text(&owner, &format!("{base}/export/users")).await;
    assert_eq!(status, 404);

    // The request log lists API calls once they are written (off the request path).
    let api = Api::new(&base, &api_key(db, "acme").await);
    for _ in 0..3 {
        assert_eq!(api.get("/api/v1/balance").await.0, 200);
    }
    let mut logged = 0;
    for _ in 0..50 {
        let v = request_log(db, org).await;
        logged = v
            .rows
            .iter()
            .filter(|r| r.endpoint == "/api/v1/balance")
            .count();
        if logged == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(logged, 3);
    let (_, _, text) = get_text(&owner, &format!("{base}/export/requests.csv")).await;
    let rows = parse_csv(&text);
    assert_eq!(
        rows.iter()
            .filter(|r| r[2] == "/api/v1/balance" && r[5] == "200")
            .count(),
        3
    );
    // Another organization's log stays out of this one.
    let globex = org_id(db, "globex").await;
    let other = request_log(db, globex).await;
    assert_eq!(other.counts.map(|c| c.total), Some(0));
}

async fn usage_api_groups_by_action_with_tokens(db: &DatabaseConnection) {
    seed(db, 3_000, 25, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let (status, body) = api.get("/api/v1/usage?range=last_90&group_by=action").await;
    assert_eq!(status, 200, "{body}");
    let raw = events_since(db, org, Utc::now() - Duration::days(100)).await;
    let actions: HashMap<i64, String> = action::Entity::find()
        .filter(action::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.key))
        .collect();
    let mut want: HashMap<Option<String>, (i64, i64)> = HashMap::new();
    for e in &raw {
        let x = want
            .entry(e.action_id.map(|a| actions[&a].clone()))
            .or_default();
        x.0 += e.credits_milli;
        x.1 += e.input_tokens.unwrap_or(0);
    }
    for row in body["rows"].as_array().unwrap() {
        let key = row["group"]["action"].as_str().map(str::to_string);
        let (credits, input) = want.remove(&key).expect("a group of raw events");
        assert_eq!(
            Credits::parse(row["credits"].as_str().unwrap()).unwrap(),
            Credits(credits)
        );
        assert_eq!(row["input_tokens"].as_i64().unwrap(), input);
    }
    assert!(want.is_empty(), "every group is listed");
    assert_eq!(
        Credits::parse(body["total"]["credits"].as_str().unwrap()).unwrap(),
        Credits(raw.iter().map(|e| e.credits_milli).sum())
    );
}

crate::on_both_backends!(
    csv_exports_hold_the_filtered_rows,
    usage_api_groups_by_action_with_tokens,
);

/// A database from before the action rollup gets it filled on start-up, equal to a fresh one.
async fn upgrade_fills_the_action_rollup(t: helpers::TestDb) {
    use sea_orm_migration::MigratorTrait;
    seed(&t.db, 2_000, 26, test_now()).await;
    let org = org_id(&t.db, "acme").await;
    let before = server::services::flows::flows_view(&t.db, org, &last_30(), test_now())
        .await
        .unwrap();
    let overview_before = server::services::overview::overview(&t.db, org, &last_30(), test_now())
        .await
        .unwrap();
    // Back to before the newest rollup shape (m0015 pool prices, m0014 models), on one
    // connection as start-up migrates.
    let one = server::db::connect_for_migration(&t.url).await.unwrap();
    server::db::migrations::Migrator::down(&one, Some(2))
        .await
        .unwrap();
    one.close().await.unwrap();
    let db = server::startup::connect_and_migrate(&t.url).await.unwrap();
    let after = server::services::flows::flows_view(&db, org, &last_30(), test_now())
        .await
        .unwrap();
    assert_eq!(after, before);
    assert!(after.actions.iter().any(|a| a.credits.0 > 0));
    let overview_after = server::services::overview::overview(&db, org, &last_30(), test_now())
        .await
        .unwrap();
    assert_eq!(overview_after, overview_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_fills_the_action_rollup_sqlite() {
    upgrade_fills_the_action_rollup(helpers::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_fills_the_action_rollup_postgres() {
    upgrade_fills_the_action_rollup(helpers::postgres().await).await;
}
