//! Money and corrections on both backends: usage valued per day at the pool's price then in
//! effect (checked against the raw events), a purchase at the old and at the new price, and
//! adjustments and debits in the balance and the period record.

use crate::helpers::{Api, act, api_key, browser, org_id, seed, spawn_app};
use app::credits::Credits;
use app::filter::{Filter, RangePreset};
use app::ids::OrgId;
use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use server::entities::{feature, pool, purchase, team, team_member, usage_event};
use std::collections::HashMap;

/// Σ over features of their credits × the pool's price, rounded down to the cent each, from
/// the raw events of the last 30 days (every demo pool is in USD, at one price so far) by
/// the members `only` names (all events without it).
async fn cents_from_raw(
    db: &DatabaseConnection,
    org: OrgId,
    from: chrono::NaiveDate,
    only: Option<&[i64]>,
) -> i64 {
    let o = server::store::organizations::get(db, org).await.unwrap();
    let tz: chrono_tz::Tz = o.time_zone.parse().unwrap();
    let price: HashMap<i64, i64> = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.price_micros))
        .collect();
    let pool_of: HashMap<i64, i64> = feature::Entity::find()
        .filter(feature::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.id, f.pool_id))
        .collect();
    let mut per: HashMap<i64, i64> = HashMap::new();
    for e in usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
    {
        let day = e.occurred_at.with_timezone(&tz).date_naive();
        let member = only.is_none_or(|m| e.user_id.is_some_and(|u| m.contains(&u)));
        if day >= from && member {
            *per.entry(e.feature_id).or_default() += e.credits_milli;
        }
    }
    per.into_iter()
        .map(|(f, milli)| {
            let micros = price[&pool_of[&f]];
            (i128::from(milli) * i128::from(micros) * 100 / 1_000_000_000) as i64
        })
        .sum()
}

async fn usage_and_purchases_are_valued_at_the_price_in_effect(db: &DatabaseConnection) {
    seed(db, 2_000, 5, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let last_30 = Filter {
        range: RangePreset::Last30,
        ..Default::default()
    };
    let o = server::services::overview::overview(db, org, &last_30, Utc::now())
        .await
        .unwrap();
    assert_eq!(o.money.len(), 1, "one currency: {:?}", o.money);
    assert_eq!(o.money[0].currency, "USD");
    assert_eq!(
        o.money[0].minor,
        cents_from_raw(db, org, o.from, None).await
    );
    // Per team, from its members' events.
    assert!(!o.teams.is_empty());
    for t in &o.teams {
        let id = team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org))
            .filter(team::Column::Name.eq(t.key.as_str()))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let members: Vec<i64> = team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(id))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let want = cents_from_raw(db, org, o.from, Some(&members)).await;
        assert_eq!(
            t.money.as_ref().map(|m| m.minor),
            Some(want),
            "team {}",
            t.key
        );
    }
    let by_feature: i64 = o
        .features
        .iter()
        .filter_map(|f| f.money.as_ref())
        .map(|m| m.minor)
        .sum();
    assert_eq!(by_feature, o.money[0].minor, "the features' money adds up");

    // A purchase uses the price in effect when it is made.
    let base = spawn_app(db).await;
    let billing = browser(&base, "billing@acme.test").await;
    let buy = json!({"BuyCredits": {"pool": "ai_credits", "credits": 1_000_000}});
    assert_eq!(act(&billing, &base, buy.clone()).await.0, 200);
    let new_price = json!({"SetPoolPrice": {"pool": "ai_credits", "price_per_credit": "0.25"}});
    let (s, b) = act(&billing, &base, new_price).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(act(&billing, &base, buy).await.0, 200);
    let paid: Vec<i64> = purchase::Entity::find()
        .filter(purchase::Column::OrganizationId.eq(org))
        .filter(purchase::Column::Origin.eq(purchase::PurchaseOrigin::Manual))
        .order_by_desc(purchase::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .take(2)
        .map(|p| p.price_cents)
        .collect();
    let old = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org))
        .filter(pool::Column::Key.eq("ai_credits"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.price_micros, 250_000);
    assert_eq!(paid[0], 25_000, "1,000 credits at $0.25");
    assert_ne!(paid[1], paid[0], "the first at the old price: {paid:?}");
    // History keeps its price: the days before the change are valued as before.
    let again = server::services::overview::overview(db, org, &last_30, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.money, o.money);
}

async fn adjustments_and_debits_correct_the_balance(db: &DatabaseConnection) {
    seed(db, 500, 9, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let base = spawn_app(db).await;
    let api = Api::new(&base, &api_key(db, "acme").await);
    let remaining = |b: &serde_json::Value| {
        let p = b["pools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pool"] == "ai_credits")
            .unwrap();
        Credits::parse(p["remaining"].as_str().unwrap()).unwrap()
    };
    let before = remaining(&api.get("/api/v1/balance").await.1);
    let grant = |kind: &str, credits: &str, why: Option<&str>| json!({"pool": "ai_credits", "kind": kind, "credits": credits, "description": why});
    let (s, b) = api
        .post(
            "/api/v1/grants",
            grant("adjustment", "100", Some("outage refund")),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["kind"], "adjustment");
    let (s, b) = api
        .post(
            "/api/v1/grants",
            grant("debit", "40", Some("double credit on 2 Dec")),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        (b["original"].as_str(), b["remaining"].as_str()),
        (Some("-40"), Some("0"))
    );
    let after = remaining(&api.get("/api/v1/balance").await.1);
    assert_eq!(after, before + Credits::whole(60));

    let refused = [
        (grant("adjustment", "5", None), "description"),
        (grant("debit", "99999999", Some("too much")), "credits"),
        (grant("refund", "5", Some("x")), "kind"),
    ];
    for (body, field) in refused {
        let (s, b) = api.post("/api/v1/grants", body.clone()).await;
        assert_eq!((s, b["field"].as_str()), (400, Some(field)), "{body} → {b}");
    }
    let mut expiring = grant("adjustment", "5", Some("x"));
    expiring["expires_at"] = json!("2099-01-01T00:00:00Z");
    let (s, b) = api.post("/api/v1/grants", expiring).await;
    assert_eq!((s, b["field"].as_str()), (400, Some("expires_at")), "{b}");
    assert_eq!(
        remaining(&api.get("/api/v1/balance").await.1),
        after,
        "refusals change nothing"
    );

    let o = server::store::organizations::get(db, org).await.unwrap();
    let pool = pool::Entity::find()
        .filter(pool::Column::OrganizationId.eq(org))
        .filter(pool::Column::Key.eq("ai_credits"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let records = server::services::periods::period_records(db, &o, &pool, 0, Utc::now())
        .await
        .unwrap();
    assert_eq!(records[0].adjusted, Credits::whole(60));
}

crate::on_both_backends!(
    usage_and_purchases_are_valued_at_the_price_in_effect,
    adjustments_and_debits_correct_the_balance
);
