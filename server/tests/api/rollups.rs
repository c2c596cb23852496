//! The rollups equal the raw events, on SQLite and PostgreSQL: after the demo generator,
//! live ingest and a rebuild, per rollup key, and the weekly twin per closed week.

use crate::helpers;
use app::ids::OrgId;

use crate::helpers::{event, org_id, seed};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use server::entities::*;
use server::ingest::ingest;
use std::collections::BTreeMap;

async fn recalculate_reproduces_the_rollup(db: &DatabaseConnection) {
    seed(db, 3_000, 9, Utc::now()).await;
    let acme = org_id(db, "acme").await;
    ingest(
        db,
        acme,
        &[event("r-1", "2.5", 60 * 24 * 3), event("r-2", "1", 1)],
        Utc::now(),
    )
    .await
    .unwrap();
    let snapshot = |db: DatabaseConnection| async move {
        let mut rows = usage_daily::Entity::find().all(&db).await.unwrap();
        rows.sort_by_key(|r| {
            (
                r.organization_id,
                r.day,
                r.pool_id,
                r.feature_id,
                r.user_id,
                r.end_user_id,
                r.source_id,
                r.company_id,
            )
        });
        rows
    };
    let before = snapshot(db.clone()).await;
    assert!(!before.is_empty());
    // Wreck the rollup, then rebuild it from the events.
    sea_orm::ConnectionTrait::execute_unprepared(
        db,
        "UPDATE usage_daily SET credits_milli = 0, events = 7",
    )
    .await
    .unwrap();
    let n = server::ingest::recalculate::recalculate(db, None, &indicatif::ProgressBar::hidden())
        .await
        .unwrap();
    assert_eq!(n, 3_002);
    assert_eq!(snapshot(db.clone()).await, before);
}

crate::on_both_backends!(recalculate_reproduces_the_rollup);

/// Each rollup, grouped by its key (all but the day), equals the raw events grouped the same
/// way — after the generator, after live ingest of events with sources, actions and tokens,
/// and after a rebuild.
async fn every_rollup_equals_the_raw_events_by_its_key(db: &DatabaseConnection) {
    seed(db, 2_000, 4, Utc::now()).await;
    let acme = org_id(db, "acme").await;
    let live: Vec<Value> = (0..40)
        .map(|i| {
            json!({"id": format!("k-{i}"), "timestamp": (Utc::now() - Duration::hours(i * 7)).to_rfc3339(),
                   "feature": "personalized_email", "user": if i % 2 == 0 { "member@acme.test" } else { "cust-007" },
                   "source": {"kind": "flow", "key": "lead_nurture"}, "action": format!("step_{}", i % 3),
                   "credits": "1.125", "input_tokens": 100 + i, "output_tokens": 7 * i,
                   "model": if i % 4 == 0 { "gpt-4o" } else { "gpt-4o-mini" }})
        })
        .collect();
    assert_eq!(
        ingest(db, acme, &live, Utc::now()).await.unwrap().accepted,
        40
    );
    let tables: [(&str, &[&str], bool); 5] = [
        (
            "usage_daily",
            &[
                "pool_id",
                "feature_id",
                "user_id",
                "end_user_id",
                "source_id",
                "company_id",
                "model_id",
            ],
            false,
        ),
        (
            "usage_action_daily",
            &[
                "feature_id",
                "user_id",
                "end_user_id",
                "source_id",
                "action_id",
                "model_id",
            ],
            true,
        ),
        (
            "usage_feature_daily",
            &[
                "pool_id",
                "feature_id",
                "source_id",
                "action_id",
                "by_end_user",
            ],
            true,
        ),
        (
            "usage_model_daily",
            &[
                "pool_id",
                "feature_id",
                "source_id",
                "action_id",
                "by_end_user",
                "model_id",
            ],
            true,
        ),
        (
            "usage_user_daily",
            &["pool_id", "feature_id", "user_id", "end_user_id"],
            false,
        ),
    ];
    assert_eq!(tables.map(|t| t.0), server::ingest::rollup::TABLES);
    let check = |label: &'static str| async move {
        for (table, keys, tokens) in tables {
            let mut sums = vec!["credits_milli", "overage_milli", "quantity"];
            if tokens {
                sums.extend(["input_tokens", "output_tokens"]);
            }
            let rolled: Vec<String> = sums
                .iter()
                .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
                .collect();
            let raw: Vec<String> = sums
                .iter()
                .map(|c| format!("CAST(SUM(COALESCE({c}, 0)) AS BIGINT)"))
                .collect();
            let raw_keys: Vec<String> = keys
                .iter()
                .map(|k| match *k {
                    "by_end_user" => {
                        "CAST(CASE WHEN end_user_id IS NULL THEN 0 ELSE 1 END AS BIGINT)".into()
                    }
                    k => format!("COALESCE({k}, 0)"),
                })
                .collect();
            let k = keys.join(", ");
            let rows = |sql: String| async move {
                let mut v: Vec<Vec<i64>> = db
                    .query_all_raw(sea_orm::Statement::from_string(
                        db.get_database_backend(),
                        sql,
                    ))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (0..keys.len() + sums_len(tokens) + 1)
                            .map(|i| r.try_get_by_index::<i64>(i).unwrap())
                            .collect()
                    })
                    .collect();
                v.sort();
                v
            };
            let a = rows(format!("SELECT {k}, {}, CAST(SUM(events) AS BIGINT) FROM {table} GROUP BY organization_id, {k}", rolled.join(", "))).await;
            let b = rows(format!("SELECT {}, {}, CAST(COUNT(*) AS BIGINT) FROM usage_events GROUP BY organization_id, {}", raw_keys.join(", "), raw.join(", "), raw_keys.join(", "))).await;
            assert!(a.len() > 10, "{label}: {table} has rows");
            assert_eq!(a, b, "{label}: {table} by its key = raw events");
        }
    };
    check("after seed and ingest").await;
    sea_orm::ConnectionTrait::execute_unprepared(db, "DELETE FROM usage_user_daily")
        .await
        .unwrap();
    server::ingest::recalculate::recalculate(db, None, &indicatif::ProgressBar::hidden())
        .await
        .unwrap();
    check("after recalculate").await;
}

fn sums_len(tokens: bool) -> usize {
    if tokens { 5 } else { 3 }
}

crate::on_both_backends!(every_rollup_equals_the_raw_events_by_its_key);

/// Every closed week of `usage_user_weekly` is its days of `usage_user_daily` summed, and no
/// open week (from `weekly_until` on) has weekly rows.
async fn assert_weeks_are_their_days(db: &DatabaseConnection, org: OrgId, label: &str) {
    type Key = (chrono::NaiveDate, i64, i64, i64, i64);
    let until = organization::Entity::find_by_id(org)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .weekly_until
        .expect("weeks are closed");
    let mut want: BTreeMap<Key, [i64; 4]> = BTreeMap::new();
    for d in usage_user_daily::Entity::find()
        .filter(usage_user_daily::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
    {
        let monday = server::ledger::monday_of(d.day);
        if monday < until {
            let key = (monday, d.pool_id, d.feature_id, d.user_id, d.end_user_id);
            let acc = want.entry(key).or_default();
            for (a, b) in
                acc.iter_mut()
                    .zip([d.credits_milli, d.overage_milli, d.quantity, d.events])
            {
                *a += b;
            }
        }
    }
    let got: BTreeMap<Key, [i64; 4]> = usage_user_weekly::Entity::find()
        .filter(usage_user_weekly::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|w| {
            let key = (w.day, w.pool_id, w.feature_id, w.user_id, w.end_user_id);
            (
                key,
                [w.credits_milli, w.overage_milli, w.quantity, w.events],
            )
        })
        .collect();
    assert!(!got.is_empty(), "{label}: closed weeks have rows");
    assert_eq!(got, want, "{label}: weeks before {until} = their days");
}

/// Weeks close on the first ingest of a new week; late events of a closed week land in both
/// tables; a rebuild closes every week up to now.
async fn closed_weeks_are_their_days(db: &DatabaseConnection) {
    let now = helpers::test_now(); // Sunday 2026-11-22
    seed(db, 2_000, 6, now).await;
    let acme = org_id(db, "acme").await;
    let until = || async move {
        organization::Entity::find_by_id(acme)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .weekly_until
            .unwrap()
            .to_string()
    };
    assert_eq!(until().await, "2026-11-16");
    assert_weeks_are_their_days(db, acme, "after seed").await;
    let at = |id: &str, t: chrono::DateTime<Utc>| {
        json!({"id": id, "timestamp": t.to_rfc3339(), "feature": "personalized_email",
               "user": "member@acme.test", "credits": "2.25"})
    };
    // A late event of a closed week and one of the open week.
    let batch = [
        at("w-1", now - Duration::days(15)),
        at("w-2", now - Duration::days(1)),
    ];
    assert_eq!(ingest(db, acme, &batch, now).await.unwrap().accepted, 2);
    assert_eq!(until().await, "2026-11-16");
    assert_weeks_are_their_days(db, acme, "after a late event").await;
    // The first ingest of the next week closes the week of Nov 16.
    let tuesday = now + Duration::days(2);
    assert_eq!(
        ingest(db, acme, &[at("w-3", tuesday)], tuesday)
            .await
            .unwrap()
            .accepted,
        1
    );
    assert_eq!(until().await, "2026-11-23");
    assert_weeks_are_their_days(db, acme, "after the week closed").await;
    server::ingest::recalculate::recalculate(db, None, &indicatif::ProgressBar::hidden())
        .await
        .unwrap();
    assert_weeks_are_their_days(db, acme, "after recalculate").await;
}

crate::on_both_backends!(closed_weeks_are_their_days);
