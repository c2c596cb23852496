use crate::helpers::{Api, api_key, org_id, seed, spawn_app_with, sum};
use app::ids::OrgId;
use chrono::{Duration, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;
use server::config::Config;
use server::ingest::rebuild_lock::RebuildLock;
use server::ingest::recalculate::recalculate;

fn events(prefix: &str, n: usize) -> serde_json::Value {
    let events: Vec<_> = (0..n)
        .map(|i| {
            json!({"id": format!("{prefix}-{i}"), "timestamp": Utc::now().to_rfc3339(),
                   "feature": "personalized_email", "user": "member@acme.test",
                   "credits": "1.5", "quantity": 2})
        })
        .collect();
    json!({ "events": events })
}

/// Rollups equal the raw events, column by column.
pub async fn rollups_match_events(db: &DatabaseConnection, org: OrgId) {
    for (col, rollup_col) in [
        ("credits_milli", "credits_milli"),
        ("quantity", "quantity"),
        ("1", "events"),
    ] {
        let raw = sum(db, "usage_events", col, org, "").await;
        for table in server::ingest::rollup::TABLES {
            assert_eq!(
                sum(db, table, rollup_col, org, "").await,
                raw,
                "{table}.{rollup_col}"
            );
        }
    }
    use sea_orm::EntityTrait;
    let o = server::entities::organization::Entity::find_by_id(org)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let credits = sum(db, "usage_events", "credits_milli", org, "").await;
    assert_eq!(o.lifetime_credits_milli, credits);
}

/// Ingest keeps going while the organization's rollups are rebuilt, twice at once: every
/// event counts once, and a second rebuild of the same organization waits its turn.
pub async fn a_rebuild_during_ingest_counts_every_event_once(db: &DatabaseConnection) {
    seed(db, 3_000, 61, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let api = Api::new(
        &spawn_app_with(db, Config::default()).await,
        &api_key(db, "acme").await,
    );
    let ingest = tokio::spawn(async move {
        for b in 0..20 {
            let (status, body) = api
                .post("/api/v1/events", events(&format!("r{b}"), 50))
                .await;
            assert_eq!(
                (status, body["accepted"].as_u64()),
                (200, Some(50)),
                "{body}"
            );
        }
    });
    let bar = indicatif::ProgressBar::hidden();
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            recalculate(db, Some("acme"), &bar),
            recalculate(db, Some("acme"), &bar)
        );
        let refused = [&a, &b].iter().filter(|r| r.is_err()).count();
        for r in [a, b] {
            if let Err(e) = r {
                let e = app::error::AppError::from(e);
                assert_eq!(e.status(), 503, "{e}");
            }
        }
        assert!(refused <= 1, "one of two rebuilds runs");
    }
    ingest.await.unwrap();
    rollups_match_events(db, org).await;
}

/// A rebuild's lock belongs to one holder; a stopped holder's lock is taken over.
pub async fn one_rebuild_per_organization_across_servers(db: &DatabaseConnection) {
    seed(db, 200, 62, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let bar = indicatif::ProgressBar::hidden();
    let held = RebuildLock::claim(db, org, Utc::now()).await.unwrap();
    let refused = recalculate(db, Some("acme"), &bar).await.unwrap_err();
    assert_eq!(app::error::AppError::from(refused).status(), 503);
    // Another organization is not held up.
    recalculate(db, Some("globex"), &bar).await.unwrap();
    held.release(db).await.unwrap();
    recalculate(db, Some("acme"), &bar).await.unwrap();
    // A holder that stopped three minutes ago (a killed server) is taken over.
    let _dead = RebuildLock::claim(db, org, Utc::now() - Duration::minutes(3))
        .await
        .unwrap();
    recalculate(db, Some("acme"), &bar).await.unwrap();
    rollups_match_events(db, org).await;
}

crate::on_both_backends!(
    a_rebuild_during_ingest_counts_every_event_once,
    one_rebuild_per_organization_across_servers,
);
