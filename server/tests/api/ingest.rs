//! Ingest through the ledger, on SQLite and PostgreSQL: exact totals, duplicates, late events,
//! overage, and concurrent writers.

use crate::helpers;
use app::ids::OrgId;

use crate::helpers::{event, org_id, seed, sum};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use server::entities::*;
use server::ingest::ingest;

async fn totals(db: &DatabaseConnection, org: OrgId) -> (i64, i64, i64, i64) {
    (
        sum(db, "usage_events", "credits_milli", org, "").await,
        sum(db, "usage_daily", "credits_milli", org, "").await,
        sum(db, "usage_daily", "events", org, "").await,
        sum(db, "usage_events", "1", org, "").await,
    )
}

async fn a_batch_lands_with_rejections_and_duplicates(db: &DatabaseConnection) {
    seed(db, 500, 1, Utc::now()).await;
    let acme = org_id(db, "acme").await;
    let (credits0, rolled0, counted0, events0) = totals(db, acme).await;
    let batch = vec![
        event("a-1", "1.5", 1),
        event("a-2", "2", 2),
        json!({"id": "bad-1", "timestamp": "nope", "feature": "personalized_email", "credits": 1}),
        event("a-1", "9", 1), // same id again in the batch
        json!({"id": "bad-2", "timestamp": Utc::now().to_rfc3339(), "feature": "no_such_feature", "credits": 1}),
        json!({"id": "a-3", "timestamp": Utc::now().to_rfc3339(), "feature": "chat_reply", "credits": 0.25,
               "source": {"kind": "flow", "key": "brand_new_flow"}, "action": "draft", "user": "cust-999", "company": "newco",
               "input_tokens": 10, "output_tokens": 5, "metadata": {"k": "v"}}),
    ];
    let out = ingest(db, acme, &batch, Utc::now()).await.unwrap();
    assert_eq!((out.accepted, out.duplicates), (3, 1));
    let fields: Vec<(usize, &str)> = out
        .rejected
        .iter()
        .map(|r| (r.index, r.field.as_str()))
        .collect();
    assert_eq!(fields, vec![(2, "timestamp"), (4, "feature")]);

    let (credits, rolled, counted, events) = totals(db, acme).await;
    assert_eq!(credits - credits0, 3_750);
    assert_eq!(rolled - rolled0, 3_750, "rollup moves with the events");
    assert_eq!((counted - counted0, events - events0), (3, 3));
    // The new end user, flow, action and company were registered.
    let e = usage_event::Entity::find()
        .filter(usage_event::Column::EventId.eq("a-3"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        e.end_user_id.is_some()
            && e.source_id.is_some()
            && e.action_id.is_some()
            && e.company_id.is_some()
    );

    // Resending the whole batch changes nothing.
    let again = ingest(db, acme, &batch, Utc::now()).await.unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 4));
    assert_eq!(totals(db, acme).await, (credits, rolled, counted, events));
}

async fn late_events_land_in_their_own_day_and_overage_is_kept(db: &DatabaseConnection) {
    seed(db, 300, 2, Utc::now()).await;
    let acme = org_id(db, "acme").await;
    let five_days_ago = Utc::now() - Duration::days(5);
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let day = five_days_ago.with_timezone(&tz).date_naive();
    let before = sum(
        db,
        "usage_daily",
        "credits_milli",
        acme,
        &format!("AND day = '{day}'"),
    )
    .await;
    let late = json!({"id": "late-1", "timestamp": five_days_ago.to_rfc3339(), "feature": "research_agent_search", "credits": "7.125"});
    assert_eq!(
        ingest(db, acme, &[late], Utc::now())
            .await
            .unwrap()
            .accepted,
        1
    );
    assert_eq!(
        sum(
            db,
            "usage_daily",
            "credits_milli",
            acme,
            &format!("AND day = '{day}'")
        )
        .await
            - before,
        7_125
    );

    // Spend far beyond every grant: the excess is overage, recorded in full.
    let available = sum(db, "grants", "remaining_milli", acme, "").await;
    let huge = json!({"id": "huge-1", "timestamp": Utc::now().to_rfc3339(), "feature": "research_agent_search",
                      "credits": app::credits::Credits(available + 1_000_000).to_decimal_string()});
    assert_eq!(
        ingest(db, acme, &[huge], Utc::now())
            .await
            .unwrap()
            .accepted,
        1
    );
    let e = usage_event::Entity::find()
        .filter(usage_event::Column::EventId.eq("huge-1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(e.overage_milli >= 1_000_000, "overage {}", e.overage_milli);
    let used = sum(db, "usage_events", "credits_milli", acme, "").await;
    let burned = sum(db, "grants", "original_milli - remaining_milli", acme, "").await;
    let overage = sum(db, "usage_events", "overage_milli", acme, "").await;
    assert_eq!(burned + overage, used, "burned + overage = used");
}

async fn concurrent_overlapping_batches_count_once_and_recharge_once(db: &DatabaseConnection) {
    concurrent_overlapping_batches(db, None).await;
}

/// The same through the real HTTP API: on SQLite the batches meet in the group-commit writer.
async fn concurrent_overlapping_batches_over_http_count_once(db: &DatabaseConnection) {
    seed(db, 300, 3, Utc::now()).await;
    let base = helpers::spawn_app(db).await;
    let key = helpers::api_key(db, "globex").await;
    concurrent_overlapping_batches(db, Some(helpers::Api::new(&base, &key))).await;
}

/// 8 clients send overlapping batches at once, straight to the ingest service or (`api`)
/// over HTTP.
async fn concurrent_overlapping_batches(db: &DatabaseConnection, api: Option<helpers::Api>) {
    if api.is_none() {
        seed(db, 300, 3, Utc::now()).await;
    }
    let globex = org_id(db, "globex").await;
    // Leave exactly 1,200 credits live so that the batches below cross the 1,000 threshold once.
    // (Lowering `original` with it keeps burned = original − remaining true.)
    grant::Entity::update_many()
        .col_expr(
            grant::Column::OriginalMilli,
            Expr::cust("original_milli - remaining_milli"),
        )
        .col_expr(grant::Column::RemainingMilli, Expr::value(0))
        .filter(grant::Column::OrganizationId.eq(globex))
        .exec(db)
        .await
        .unwrap();
    let pool = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(globex))
        .filter(pool::Column::Key.eq("ai_credits"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    grant::Entity::insert(grant::ActiveModel {
        organization_id: sea_orm::Set(globex),
        pool_id: sea_orm::Set(pool.id),
        kind: sea_orm::Set(server::ledger::GrantKind::Purchased),
        description: sea_orm::Set("test".into()),
        granted_at: sea_orm::Set(Utc::now() - Duration::days(1)),
        expires_at: sea_orm::Set(None),
        priority: sea_orm::Set(1),
        original_milli: sea_orm::Set(1_200_000),
        remaining_milli: sea_orm::Set(1_200_000),
        status: sea_orm::Set(grant::GrantStatus::Active),
        purchase_id: sea_orm::Set(None),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
    let recharges_before = sum(db, "purchases", "1", globex, "AND origin = 'auto_recharge'").await;
    let (credits0, rolled0, ..) = totals(db, globex).await;

    // 8 clients, 40 batches of 25 events over 200 distinct ids (each id sent ~5 times).
    let mut tasks = Vec::new();
    for client in 0..8u64 {
        let (db, api) = (db.clone(), api.clone());
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            for b in 0..5u64 {
                let batch: Vec<Value> = (0..25u64)
                    .map(|k| {
                        let n = (client * 7 + b * 13 + k * 3) % 200;
                        json!({"id": format!("c-{n}"), "timestamp": Utc::now().to_rfc3339(), "feature": "chat_reply",
                               "source": {"kind": "agent", "key": "chat"}, "company": "initech", "credits": "1.5"})
                    })
                    .collect();
                accepted += match &api {
                    None => ingest(&db, globex, &batch, Utc::now()).await.expect("batch lands").accepted,
                    Some(api) => {
                        let (status, body) = api.post("/api/v1/events", json!({ "events": batch })).await;
                        assert_eq!(status, 200, "{body}");
                        body["accepted"].as_u64().unwrap() as usize
                    }
                };
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.unwrap();
    }
    let distinct = sum(db, "usage_events", "1", globex, "AND event_id LIKE 'c-%'").await;
    assert_eq!(
        accepted as i64, distinct,
        "each distinct id accepted exactly once"
    );
    let (credits, rolled, ..) = totals(db, globex).await;
    assert_eq!(credits - credits0, distinct * 1_500);
    assert_eq!(rolled - rolled0, distinct * 1_500);
    // 1,200 − up to 300 used crosses 1,000 once: exactly one purchase, whatever the interleaving.
    assert!(distinct * 1_500 > 200_000);
    assert_eq!(
        sum(db, "purchases", "1", globex, "AND origin = 'auto_recharge'").await - recharges_before,
        1
    );
    let used = sum(db, "usage_events", "credits_milli", globex, "").await;
    let burned = sum(db, "grants", "original_milli - remaining_milli", globex, "").await;
    let overage = sum(db, "usage_events", "overage_milli", globex, "").await;
    assert_eq!(burned + overage, used);
}

crate::on_both_backends!(
    a_batch_lands_with_rejections_and_duplicates,
    late_events_land_in_their_own_day_and_overage_is_kept,
    concurrent_overlapping_batches_count_once_and_recharge_once,
    concurrent_overlapping_batches_over_http_count_once,
);

/// A batch mixing resent and new events, with the grants running out inside it: only the new
/// events burn (the speculative burn is redone without the resent ones), and every credit is
/// either burned from a grant or recorded as overage, once.
async fn resent_events_in_a_batch_burn_nothing(db: &DatabaseConnection) {
    seed(db, 300, 3, Utc::now()).await;
    let acme = org_id(db, "acme").await;
    let left = sum(db, "grants", "remaining_milli", acme, "").await;
    let big = app::credits::Credits(left / 2 + 1_000).to_decimal_string();
    let first = ingest(db, acme, &[event("m-1", &big, 3)], Utc::now())
        .await
        .unwrap();
    assert_eq!(first.accepted, 1);
    // m-1 again (it would exhaust the grants if it burned twice), plus two new events.
    let batch = [
        event("m-1", &big, 3),
        event("m-2", &big, 2),
        event("m-3", "2.5", 1),
    ];
    let out = ingest(db, acme, &batch, Utc::now()).await.unwrap();
    assert_eq!((out.accepted, out.duplicates), (2, 1));
    let credits = sum(db, "usage_events", "credits_milli", acme, "").await;
    let overage = sum(db, "usage_events", "overage_milli", acme, "").await;
    let burned = sum(db, "grants", "original_milli - remaining_milli", acme, "").await;
    assert_eq!(
        burned + overage,
        credits,
        "each credit burned or over, once"
    );
    assert_eq!(
        sum(db, "usage_events", "1", acme, "AND event_id LIKE 'm-%'").await,
        3
    );
    assert!(
        sum(
            db,
            "usage_events",
            "overage_milli",
            acme,
            "AND event_id = 'm-3'"
        )
        .await
            > 0
    );
    assert_eq!(
        sum(db, "usage_daily", "credits_milli", acme, "").await,
        credits
    );
}

crate::on_both_backends!(resent_events_in_a_batch_burn_nothing);

/// A group of batches in one transaction (SQLite's group commit) ends exactly where the same
/// batches one after another end: each batch's answer, every event's overage, the grants and
/// the rollups — with duplicates across batches and the grants running out inside the group.
async fn a_group_equals_its_batches_one_after_another(
    one: &DatabaseConnection,
    group: &DatabaseConnection,
) {
    let now = Utc::now();
    for db in [one, group] {
        seed(db, 300, 4, now).await;
    }
    let acme = org_id(one, "acme").await;
    let left = sum(one, "grants", "remaining_milli", acme, "").await;
    let big = app::credits::Credits(left / 2 + 1_000).to_decimal_string();
    let bad =
        json!({"id": "g-bad", "timestamp": "nope", "feature": "personalized_email", "credits": 1});
    let unknown = json!({"id": "g-x", "timestamp": now.to_rfc3339(), "feature": "no_such_feature", "credits": 1});
    let batches = [
        vec![event("g-1", &big, 5), event("g-2", "1.5", 4), bad],
        vec![
            event("g-1", &big, 5),
            event("g-3", &big, 3),
            event("g-2", "1.5", 4),
        ],
        vec![event("g-4", "2", 1), event("g-4", "2", 1), unknown],
    ];
    let mut alone = Vec::new();
    for b in &batches {
        alone.push(ingest(one, acme, b, now).await.unwrap());
    }
    let mut validated: Vec<_> = batches
        .iter()
        .map(|b| server::ingest::validate_batch(b, now).unwrap())
        .collect();
    let together = server::ingest::apply(
        group,
        &server::payment::InvoiceProvider,
        acme,
        &mut validated,
        now,
    )
    .await
    .unwrap();
    assert_eq!(together, alone);
    assert_eq!(
        alone
            .iter()
            .map(|o| (o.accepted, o.duplicates, o.rejected.len()))
            .collect::<Vec<_>>(),
        vec![(2, 0, 1), (1, 2, 0), (1, 1, 1)]
    );
    for (expr, table, extra) in [
        ("overage_milli", "usage_events", "AND event_id = 'g-3'"),
        ("overage_milli", "usage_events", "AND event_id = 'g-4'"),
        ("credits_milli", "usage_events", ""),
        ("overage_milli", "usage_events", ""),
        ("remaining_milli", "grants", ""),
        ("credits_milli", "usage_daily", ""),
        ("overage_milli", "usage_user_daily", ""),
        ("events", "usage_action_daily", ""),
    ] {
        assert_eq!(
            sum(group, table, expr, acme, extra).await,
            sum(one, table, expr, acme, extra).await,
            "{table}.{expr} {extra}"
        );
    }
    assert!(
        sum(
            one,
            "usage_events",
            "overage_milli",
            acme,
            "AND event_id = 'g-4'"
        )
        .await
            > 0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_equals_its_batches_one_after_another_sqlite() {
    let (one, group) = (helpers::sqlite().await, helpers::sqlite().await);
    a_group_equals_its_batches_one_after_another(&one.db, &group.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_equals_its_batches_one_after_another_postgres() {
    let (one, group) = (helpers::postgres().await, helpers::postgres().await);
    a_group_equals_its_batches_one_after_another(&one.db, &group.db).await;
}
