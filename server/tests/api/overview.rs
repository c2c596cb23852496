//! The overview service and the server-rendered page, over real seeded databases.

use crate::helpers;
use app::ids::OrgId;

use crate::helpers::{seed, test_now};
use app::credits::Credits;
use app::filter::{Compare, Filter, Frequency, RangePreset};
use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use server::entities::*;
use server::services::overview::overview;

const DAILY_WINDOW_DAYS: i64 = 30;

async fn acme_id(db: &DatabaseConnection) -> OrgId {
    org_id(db, "acme").await
}

async fn org_id(db: &DatabaseConnection, slug: &str) -> OrgId {
    organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn balance_matches_the_grants(db: &DatabaseConnection) {
    seed(db, 6_000, 3, test_now()).await;
    let org = acme_id(db).await;
    let o = overview(db, org, &Filter::default(), test_now())
        .await
        .expect("overview");
    let b = &o.balance;
    assert_eq!(o.organization_name, "Acme Outreach");
    assert_eq!(b.pool_key, "ai_credits");
    assert_eq!(
        b.remaining,
        b.included_remaining
            + b.purchased_remaining
            + b.promotional_remaining
            + b.allowance_remaining
    );
    // Acme's period starts on the 1st, New York time; the 22nd leaves 9 days incl. today.
    assert_eq!(b.period_start.to_string(), "2026-11-01");
    assert_eq!(b.period_end.to_string(), "2026-11-30");
    assert_eq!(b.days_left, 9);
    assert_eq!(b.included_granted, Credits::whole(25_000));
    assert!(!b.auto_recharge_enabled);

    // Independently: live grants' remaining, straight from the table.
    let pool = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org))
        .filter(pool::Column::Key.eq("ai_credits"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let live: i64 = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org))
        .filter(grant::Column::PoolId.eq(pool.id))
        .all(db)
        .await
        .unwrap()
        .iter()
        .filter(|g| g.granted_at <= test_now() && g.expires_at.is_none_or(|e| test_now() < e))
        .map(|g| g.remaining_milli)
        .sum();
    assert_eq!(b.remaining, Credits(live));

    // The daily series covers 30 days ending today and adds up to the raw events of that window.
    assert_eq!(o.daily.len() as i64, DAILY_WINDOW_DAYS);
    assert_eq!(o.daily.last().unwrap().day.to_string(), "2026-11-22");
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let from = tz
        .with_ymd_and_hms(2026, 10, 24, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let raw: i64 = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .filter(usage_event::Column::PoolId.eq(pool.id))
        .filter(usage_event::Column::OccurredAt.gte(from))
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.credits_milli)
        .sum();
    // The daily series counts every pool; restrict the raw sum the same way.
    let all_pools: i64 = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .filter(usage_event::Column::OccurredAt.gte(from))
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.credits_milli)
        .sum();
    let series: Credits = o.daily.iter().map(|p| p.credits).sum();
    assert_eq!(series, Credits(all_pools));
    assert!(raw > 0 && raw <= all_pools);
    assert_eq!(o.total, series);
    // Shares: categories and features each add up to the total; the six agents are listed.
    assert_eq!(
        o.categories.iter().map(|c| c.credits).sum::<Credits>(),
        o.total
    );
    assert_eq!(
        o.features.iter().map(|c| c.credits).sum::<Credits>(),
        o.total
    );
    assert_eq!(o.agents.len(), 6);
    // The multi-line series add up to the total too.
    let lines: Credits = o.series.iter().flat_map(|s| s.values.iter().copied()).sum();
    assert_eq!(lines, o.total);
}

async fn filters_and_compare_follow_the_raw_events(db: &DatabaseConnection) {
    seed(db, 6_000, 4, test_now()).await;
    let org = acme_id(db).await;
    let sales = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(org))
        .filter(team::Column::Name.eq("Sales"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let members: Vec<i64> = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(sales.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let f = Filter {
        range: RangePreset::Last90,
        team: Some("Sales".into()),
        compare: Compare::PreviousPeriod,
        frequency: Frequency::Week,
        ..Default::default()
    };
    let o = overview(db, org, &f, test_now()).await.unwrap();
    let raw: i64 = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .filter(usage_event::Column::UserId.is_in(members))
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.credits_milli)
        .sum();
    assert_eq!(
        o.total,
        Credits(raw),
        "90 days hold all of Sales' demo usage"
    );
    assert_eq!(
        o.compare_total,
        Some(Credits::ZERO),
        "nothing before the demo's 90 days"
    );
    assert!(
        o.compare_series
            .as_ref()
            .is_some_and(|v| v.len() == o.buckets.len())
    );
    assert!(
        o.buckets.len() >= 13 && o.buckets.len() <= 14,
        "weeks of 90 days"
    );
}

crate::on_both_backends!(filters_and_compare_follow_the_raw_events);

/// The raw events' credits of acme matching `keep`.
async fn raw_sum(
    db: &DatabaseConnection,
    org: OrgId,
    keep: impl Fn(&usage_event::Model) -> bool,
) -> Credits {
    let events = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap();
    Credits(
        events
            .iter()
            .filter(|e| keep(e))
            .map(|e| e.credits_milli)
            .sum(),
    )
}

async fn company_flow_and_source_filters_follow_the_raw_events(db: &DatabaseConnection) {
    seed(db, 6_000, 5, test_now()).await;
    let last90 = Filter {
        range: RangePreset::Last90,
        ..Default::default()
    };
    // Acme tags no usage with companies: no by-company table.
    let org = acme_id(db).await;
    assert!(
        overview(db, org, &last90, test_now())
            .await
            .unwrap()
            .companies
            .is_empty()
    );
    // The agency does: every company's row is its raw events' sum.
    let agency = org_id(db, "globex").await;
    let all = overview(db, agency, &last90, test_now()).await.unwrap();
    assert!(
        all.companies.len() >= 2,
        "the demo agency tags usage with companies"
    );
    let companies = company::Entity::find()
        .filter(company::Column::OrganizationId.eq(agency))
        .all(db)
        .await
        .unwrap();
    for row in &all.companies {
        let c = companies
            .iter()
            .find(|c| c.key == row.key)
            .expect("a company of acme");
        assert_eq!(
            row.credits,
            raw_sum(db, agency, |e| e.company_id == Some(c.id)).await,
            "{}",
            c.key
        );
        // Narrowed to that company, the page's total is the same sum.
        let f = Filter {
            company: Some(c.key.clone()),
            ..last90.clone()
        };
        assert_eq!(
            overview(db, agency, &f, test_now()).await.unwrap().total,
            row.credits
        );
    }
    let sources = source::Entity::find()
        .filter(source::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap();
    let flow = sources
        .iter()
        .find(|s| s.kind == source::SourceKind::Flow)
        .expect("a demo flow");
    let by_flow = Filter {
        flow: Some(flow.key.clone()),
        ..last90.clone()
    };
    let o = overview(db, org, &by_flow, test_now()).await.unwrap();
    let raw = raw_sum(db, org, |e| e.source_id == Some(flow.id)).await;
    assert!(raw.0 > 0);
    assert_eq!(o.total, raw);
    let agent = sources
        .iter()
        .find(|s| s.kind == source::SourceKind::Agent)
        .expect("a demo agent");
    let by_source = Filter {
        source: Some(format!("agent:{}", agent.key)),
        ..last90.clone()
    };
    let o = overview(db, org, &by_source, test_now()).await.unwrap();
    assert_eq!(
        o.total,
        raw_sum(db, org, |e| e.source_id == Some(agent.id)).await
    );
    // A name that matches nothing is refused, naming the field.
    let bad = Filter {
        flow: Some(agent.key.clone()),
        ..last90
    };
    let e = overview(db, org, &bad, test_now()).await.unwrap_err();
    assert!(format!("{e:?}").contains("flow"), "{e:?}");
}

crate::on_both_backends!(company_flow_and_source_filters_follow_the_raw_events);

crate::on_both_backends!(balance_matches_the_grants);

/// The promise to outside checks: with the default demo data, acme keeps at least 5,000
/// ai_credits in the current period, whatever day of the period it is seeded on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acme_keeps_5000_credits_whenever_seeded() {
    let first_of_month = Utc.with_ymd_and_hms(2026, 12, 1, 5, 30, 0).unwrap();
    for now in [
        test_now(),
        first_of_month,
        first_of_month - Duration::hours(6),
        Utc.with_ymd_and_hms(2027, 3, 15, 12, 0, 0).unwrap(),
    ] {
        let t = helpers::sqlite().await;
        seed(&t.db, server::demo::DEFAULT_EVENTS, 42, now).await;
        let o = overview(&t.db, acme_id(&t.db).await, &Filter::default(), now)
            .await
            .unwrap();
        assert!(
            o.balance.remaining >= Credits::whole(5_000),
            "at {now}: {}",
            o.balance.remaining
        );
    }
}

async fn period_records_add_up(db: &DatabaseConnection) {
    seed(db, 5_000, 11, test_now()).await;
    let org = acme_id(db).await;
    let pool = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org))
        .filter(pool::Column::Key.eq("ai_credits"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let model = server::store::organizations::get(db, org).await.unwrap();
    let records = server::services::periods::period_records(db, &model, &pool, 3, test_now())
        .await
        .unwrap();
    assert_eq!(records.len(), 4);
    assert!(records[0].current && !records[1].current);
    assert_eq!(records[0].period.start_date.to_string(), "2026-11-01");
    assert_eq!(records[1].period.start_date.to_string(), "2026-10-01");
    // Used over the periods = every ai_credits event since the oldest period began.
    let used: Credits = records.iter().map(|r| r.used).sum();
    let since: Vec<usage_event::Model> = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .filter(usage_event::Column::PoolId.eq(pool.id))
        .filter(usage_event::Column::OccurredAt.gte(records[3].period.start))
        .all(db)
        .await
        .unwrap();
    let raw: i64 = since.iter().map(|e| e.credits_milli).sum();
    assert_eq!(used, Credits(raw));
    // October's included grant expired at its end with whatever it still held.
    let october = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(org))
        .filter(grant::Column::PoolId.eq(pool.id))
        .filter(grant::Column::GrantedAt.eq(records[1].period.start))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(records[1].expired, Credits(october.remaining_milli));
    assert_eq!(records[1].included, Credits::whole(25_000));
    // The demo's two purchases: one 60 days ago (September), one 12 days ago (November).
    assert_eq!(records[0].purchased, Credits::whole(5_000));
    // End users' share of every period = the raw events that name an end user.
    let end_users: Credits = records.iter().map(|r| r.end_user_used).sum();
    let raw_end_users: i64 = since
        .iter()
        .filter(|e| e.end_user_id.is_some())
        .map(|e| e.credits_milli)
        .sum();
    assert!(raw_end_users > 0, "the demo has end users' usage");
    assert_eq!(end_users, Credits(raw_end_users));
}

crate::on_both_backends!(period_records_add_up);

async fn activity_pages_cover_every_event_once(db: &DatabaseConnection) {
    use app::model::{ActivitySort, Cursor};
    seed(db, 1_500, 12, test_now()).await;
    let org = acme_id(db).await;
    let f = Filter {
        range: RangePreset::Last7,
        ..Default::default()
    };
    // Events sharing one time finer than a microsecond (SQLite keeps the nanoseconds): only
    // the id orders them, and a page boundary falls among them.
    let tied: Vec<serde_json::Value> = (0..45)
        .map(|i| {
            serde_json::json!({"id": format!("tie-{i}"), "timestamp": "2026-11-20T12:00:00.123456789Z",
                "feature": "personalized_email", "credits": "0.5"})
        })
        .collect();
    let stored = server::ingest::ingest(db, org, &tied, test_now())
        .await
        .unwrap();
    assert_eq!(stored.accepted, 45);
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let from = tz
        .with_ymd_and_hms(2026, 11, 16, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let raw = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .filter(usage_event::Column::OccurredAt.gte(from))
        .all(db)
        .await
        .unwrap();
    for sort in [
        ActivitySort::Newest,
        ActivitySort::Oldest,
        ActivitySort::Credits,
    ] {
        let act = |before: Option<String>, after: Option<String>| {
            let f = f.clone();
            let c = Cursor {
                before,
                after,
                page_size: 40,
                sort,
            };
            async move {
                server::services::activity::activity(db, org, &f, &c, test_now())
                    .await
                    .unwrap()
            }
        };
        let mut pages = vec![act(None, None).await];
        assert!(pages[0].prev.is_none());
        while let Some(next) = pages.last().unwrap().next.clone() {
            pages.push(act(Some(next), None).await);
        }
        let rows: Vec<_> = pages.iter().flat_map(|p| p.rows.clone()).collect();
        let mut seen = std::collections::HashSet::new();
        for r in &rows {
            assert!(
                seen.insert(r.event_id.clone()),
                "{} shown twice",
                r.event_id
            );
        }
        assert_eq!(seen.len(), raw.len(), "{sort:?}");
        // The order holds within and across pages.
        assert!(rows.windows(2).all(|w| match sort {
            ActivitySort::Newest => w[0].time >= w[1].time,
            ActivitySort::Oldest => w[0].time <= w[1].time,
            ActivitySort::Credits => w[0].credits >= w[1].credits,
        }));
        if sort == ActivitySort::Credits {
            let max = raw.iter().map(|e| e.credits_milli).max().unwrap();
            assert_eq!(rows[0].credits, Credits(max));
        }
        assert!(pages.len() > 2);
        // Previous from the third page gives back the second.
        let back = act(None, pages[2].prev.clone()).await;
        assert_eq!(back.rows, pages[1].rows);
        assert!(back.prev.is_some() && back.next.is_some());
    }
    // A forged cursor is a clear 400-style error naming the field.
    let forged = Cursor {
        before: Some("nonsense".into()),
        after: None,
        page_size: 40,
        sort: ActivitySort::Newest,
    };
    let err = server::services::activity::activity(db, org, &f, &forged, test_now())
        .await
        .unwrap_err();
    assert!(
        matches!(app::error::AppError::from(err), app::error::AppError::Invalid { field, .. } if field == "cursor")
    );
}

crate::on_both_backends!(activity_pages_cover_every_event_once);

async fn credits_page_agrees_with_the_ledger(db: &DatabaseConnection) {
    seed(db, 3_000, 13, test_now()).await;
    let org = acme_id(db).await;
    let v = server::services::credits::credits_view(db, org, test_now())
        .await
        .unwrap();
    let o = overview(db, org, &Filter::default(), test_now())
        .await
        .unwrap();
    let ai = v.pools.iter().find(|p| p.key == "ai_credits").unwrap();
    assert_eq!(ai.remaining, o.balance.remaining);
    assert_eq!(
        ai.purchased,
        Credits::whole(10_000),
        "two demo top-ups of 5,000"
    );
    assert_eq!(v.purchases.len(), 2);
    assert_eq!(v.periods.len(), 5);
    assert!(v.periods[0].current);
    // Past periods' included grants and the promotion show as expired; the current ones are active.
    let expired: Vec<&str> = v
        .grants
        .iter()
        .filter(|g| g.status == "expired")
        .map(|g| g.kind.as_str())
        .collect();
    assert!(expired.contains(&"promotional") && expired.contains(&"included"));
    assert!(
        v.grants
            .iter()
            .any(|g| g.kind == "included" && g.status == "active")
    );
    let expired_sum: Credits = v
        .grants
        .iter()
        .filter(|g| g.status == "expired" && g.pool == "ai_credits")
        .map(|g| g.remaining)
        .sum();
    assert_eq!(ai.expired, expired_sum);
}

crate::on_both_backends!(credits_page_agrees_with_the_ledger);
