use crate::helpers::{Api, api_key, main_balance, org_id, seed, spawn_app, sum};
use app::credits::Credits;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::json;

/// Three servers on one database, clients spread over them with overlapping batches (each
/// batch also resent to another server), a pool at its auto-recharge threshold and a
/// rollup rebuild meanwhile: exact totals and exactly one recharge per crossing.
pub async fn three_servers_behave_as_one(db: &DatabaseConnection) {
    seed(db, 500, 95, Utc::now()).await;
    let org = org_id(db, "acme").await;
    // The demo's own recharges of this period would count against the rule's cap.
    use sea_orm::ConnectionTrait;
    let sql =
        format!("DELETE FROM purchases WHERE organization_id = {org} AND origin = 'auto_recharge'");
    db.execute_unprepared(&sql).await.unwrap();
    // Five credits above the threshold; each recharge buys 25.
    let start =
        crate::hardening::arm_recharge(db, Credits::whole(5), Credits::whole(25), 100).await;
    let recharges_before = sum(db, "purchases", "1", org, "AND origin = 'auto_recharge'").await;
    let events_before = sum(db, "usage_events", "1", org, "").await;
    let key = api_key(db, "acme").await;
    let servers = [
        spawn_app(db).await,
        spawn_app(db).await,
        spawn_app(db).await,
    ];
    let (clients, batches, per) = (4usize, 10usize, 50usize);
    let sends = (0..clients).map(|c| {
        let apis: Vec<Api> = servers.iter().map(|s| Api::new(s, &key)).collect();
        async move {
            for b in 0..batches {
                let events: Vec<_> = (0..per)
                    .map(|i| json!({"id": format!("rep-{c}-{b}-{i}"), "timestamp": Utc::now().to_rfc3339(),
                                    "feature": "personalized_email", "user": "member@acme.test", "credits": "1"}))
                    .collect();
                let body = json!({ "events": events });
                let (first, second) = (&apis[(c + b) % 3], &apis[(c + b + 1) % 3]);
                let (x, y) = tokio::join!(first.post("/api/v1/events", body.clone()), second.post("/api/v1/events", body));
                for (status, out) in [x, y] {
                    assert_eq!(status, 200, "{out}");
                    assert_eq!(out["accepted"].as_u64().unwrap() + out["duplicates"].as_u64().unwrap(), per as u64);
                }
            }
        }
    });
    let bar = indicatif::ProgressBar::hidden();
    let rebuild = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        server::ingest::recalculate::recalculate(db, Some("acme"), &bar)
            .await
            .unwrap();
    };
    tokio::join!(futures::future::join_all(sends), rebuild);
    let n = (clients * batches * per) as i64;
    assert_eq!(
        sum(db, "usage_events", "1", org, "").await - events_before,
        n,
        "each event once"
    );
    // Equal events of one credit: crossings at the 6th, 31st, 56th… event.
    let crossings = (n - 6) / 25 + 1;
    let recharges =
        sum(db, "purchases", "1", org, "AND origin = 'auto_recharge'").await - recharges_before;
    let overage = sum(
        db,
        "usage_events",
        "overage_milli",
        org,
        "AND event_id LIKE 'rep-%'",
    )
    .await;
    assert_eq!(overage, 0, "the pool never ran dry");
    assert_eq!(recharges, crossings, "exactly one recharge per crossing");
    let expected = start.0 + crossings * 25_000 - n * 1_000;
    assert_eq!(
        main_balance(db, org).await,
        Credits(expected),
        "exact balance"
    );
    crate::hardening::rebuild::rollups_match_events(db, org).await;
}

crate::on_both_backends!(three_servers_behave_as_one);
