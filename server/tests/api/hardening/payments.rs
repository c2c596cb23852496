use crate::helpers::{act, browser, main_balance, org_id, seed, spawn_app, sum};
use app::credits::Credits;
use app::error::AppError;
use app::ids::OrgId;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;
use server::admin::purchase::{Order, buy_once};
use server::entities::organization;
use server::payment::{Bounded, Payment, PaymentProvider};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A provider that counts its charges and refuses them all, or none.
#[derive(Default)]
struct TestProvider {
    refuse: bool,
    charges: AtomicUsize,
}

#[async_trait::async_trait]
impl PaymentProvider for TestProvider {
    async fn charge(
        &self,
        _: &organization::Model,
        _: Credits,
        _: i64,
        key: &str,
        _: DateTime<Utc>,
    ) -> Result<Payment, AppError> {
        self.charges.fetch_add(1, Ordering::SeqCst);
        if self.refuse {
            return Err(AppError::invalid("card", "the card was declined"));
        }
        Ok(Payment {
            status: server::entities::purchase::PurchaseStatus::Paid,
            reference: format!("T-{key}"),
        })
    }
}

async fn purchases(db: &DatabaseConnection, org: OrgId, status: &str) -> i64 {
    sum(
        db,
        "purchases",
        "1",
        org,
        &format!("AND status = '{status}'"),
    )
    .await
}

/// The same purchase sent twice (a double click, a retry after a lost answer) is bought
/// and granted once; a new key is a new purchase.
pub async fn a_purchase_is_bought_once_per_key(db: &DatabaseConnection) {
    seed(db, 300, 91, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let base = spawn_app(db).await;
    let owner = browser(&base, "owner@acme.test").await;
    let before = main_balance(db, org).await;
    let buy =
        |key: &str| json!({"BuyCredits": {"pool": "ai_credits", "credits": 5_000_000, "key": key}});
    let (a, b) = tokio::join!(
        act(&owner, &base, buy("k-1")),
        act(&owner, &base, buy("k-1"))
    );
    assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
    assert_eq!(act(&owner, &base, buy("k-1")).await.0, 200);
    assert_eq!(
        main_balance(db, org).await,
        before + Credits::whole(5_000),
        "granted once"
    );
    assert_eq!(act(&owner, &base, buy("k-2")).await.0, 200);
    assert_eq!(main_balance(db, org).await, before + Credits::whole(10_000));
    let reused = json!({"BuyCredits": {"pool": "ai_credits", "credits": 1_000_000, "key": "k-2"}});
    let (status, body) = act(&owner, &base, reused).await;
    assert_eq!(status, 400, "{body}");
    // Concurrent settlements of one pending purchase grant once, whatever the provider did.
    let paid = TestProvider::default();
    let order = || Order {
        org_id: org,
        pool_key: "ai_credits",
        credits: Credits::whole(7),
        created_by: None,
        key: Some("k-3"),
    };
    let (x, y) = tokio::join!(
        buy_once(db, &paid, order(), Utc::now()),
        buy_once(db, &paid, order(), Utc::now())
    );
    assert_eq!(x.unwrap(), y.unwrap());
    let granted = sum(
        db,
        "grants",
        "original_milli",
        org,
        "AND description = 'Top-up T-k-3'",
    )
    .await;
    assert_eq!(granted, 7_000);
}

/// A refused manual payment leaves a visible failed purchase and no credits.
pub async fn a_refused_payment_grants_nothing(db: &DatabaseConnection) {
    seed(db, 300, 92, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let before = main_balance(db, org).await;
    let refusing = TestProvider {
        refuse: true,
        ..Default::default()
    };
    let order = Order {
        org_id: org,
        pool_key: "ai_credits",
        credits: Credits::whole(9),
        created_by: None,
        key: None,
    };
    let e = AppError::from(
        buy_once(db, &refusing, order, Utc::now())
            .await
            .unwrap_err(),
    );
    assert_eq!(e.status(), 400, "{e}");
    assert!(e.to_string().contains("declined"), "{e}");
    assert_eq!(main_balance(db, org).await, before);
    assert_eq!(purchases(db, org, "failed").await, 1);
}

/// Auto-recharge charges through the provider: paid, it grants; refused, it records a
/// failed purchase, grants nothing and stops recharging for the period.
pub async fn auto_recharge_goes_through_the_provider(db: &DatabaseConnection) {
    seed(db, 300, 93, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let balance = crate::hardening::arm_recharge(db, Credits(500), Credits::whole(100), 5).await;
    let crossing = |id: &str| {
        vec![
            json!({"id": id, "timestamp": Utc::now().to_rfc3339(), "feature": "personalized_email",
                    "user": "member@acme.test", "credits": "1"}),
        ]
    };
    let ingest = |provider: &'static TestProvider, id: &'static str| async move {
        let batch = server::ingest::validate_batch(&crossing(id), Utc::now()).unwrap();
        server::ingest::apply_one(db, provider, org, batch, Utc::now())
            .await
            .unwrap()
    };
    let refusing: &'static TestProvider = Box::leak(Box::new(TestProvider {
        refuse: true,
        ..Default::default()
    }));
    assert_eq!(
        ingest(refusing, "ar-1").await.accepted,
        1,
        "the event lands all the same"
    );
    assert_eq!(refusing.charges.load(Ordering::SeqCst), 1);
    assert_eq!(purchases(db, org, "failed").await, 1);
    assert_eq!(
        main_balance(db, org).await,
        Credits(balance.0 - 1_000),
        "no credits"
    );
    // No retry on every batch: the period's recharges are off after a refusal.
    ingest(refusing, "ar-2").await;
    assert_eq!(refusing.charges.load(Ordering::SeqCst), 1);
    // With a fresh rule in a new setup, a paying provider grants the recharge.
    db_clear_failed(db, org).await;
    let paying: &'static TestProvider = Box::leak(Box::new(TestProvider::default()));
    let now_balance =
        crate::hardening::arm_recharge(db, Credits(500), Credits::whole(100), 5).await;
    let paid_before = purchases(db, org, "paid").await;
    ingest(paying, "ar-3").await;
    assert_eq!(paying.charges.load(Ordering::SeqCst), 1);
    assert_eq!(purchases(db, org, "paid").await, paid_before + 1);
    assert_eq!(
        main_balance(db, org).await,
        Credits(now_balance.0 - 1_000 + 100_000)
    );
}

async fn db_clear_failed(db: &DatabaseConnection, org: OrgId) {
    use sea_orm::ConnectionTrait;
    let sql = format!("DELETE FROM purchases WHERE organization_id = {org} AND status = 'failed'");
    db.execute_unprepared(&sql).await.unwrap();
}

/// Admin actions keep working while the organization ingests (SQLite took them as
/// read-then-write transactions, which fail under a concurrent writer).
pub async fn admin_actions_succeed_under_ingest_load(db: &DatabaseConnection) {
    seed(db, 300, 94, Utc::now()).await;
    let base = spawn_app(db).await;
    let key = crate::helpers::api_key(db, "acme").await;
    let api = crate::helpers::Api::new(&base, &key);
    let load = tokio::spawn(async move {
        for b in 0..30 {
            let events: Vec<_> = (0..100)
                .map(|i| crate::hardening::input::dated(&format!("load-{b}-{i}"), 0))
                .collect();
            assert_eq!(
                api.post("/api/v1/events", json!({"events": events}))
                    .await
                    .0,
                200
            );
        }
    });
    let owner = browser(&base, "owner@acme.test").await;
    for i in 0..30 {
        let toggle = json!({"SetAutoRecharge": {"pool": "ai_credits", "enabled": i % 2 == 0,
            "threshold": 1_000_000, "amount": 2_000_000, "max_per_period": 3}});
        let (status, body) = act(&owner, &base, toggle).await;
        assert_eq!(status, 200, "{body}");
    }
    load.await.unwrap();
}

/// A provider that never answers.
struct Silent;

#[async_trait::async_trait]
impl PaymentProvider for Silent {
    async fn charge(
        &self,
        _: &organization::Model,
        _: Credits,
        _: i64,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<Payment, AppError> {
        std::future::pending().await
    }
}

/// A provider that does not answer holds neither the organization's ingest nor a buyer
/// longer than the payment timeout; an unanswered purchase stays pending and its retry
/// under the same key is bought once.
pub async fn a_silent_provider_holds_nothing_up(db: &DatabaseConnection) {
    seed(db, 300, 95, Utc::now()).await;
    let org = org_id(db, "acme").await;
    let silent = Bounded {
        inner: std::sync::Arc::new(Silent),
        limit: std::time::Duration::from_millis(300),
    };
    let balance = crate::hardening::arm_recharge(db, Credits(500), Credits::whole(100), 5).await;
    let crossing = vec![
        json!({"id": "silent-1", "timestamp": Utc::now().to_rfc3339(),
        "feature": "personalized_email", "user": "member@acme.test", "credits": "1"}),
    ];
    let batch = server::ingest::validate_batch(&crossing, Utc::now()).unwrap();
    let started = std::time::Instant::now();
    let out = server::ingest::apply_one(db, &silent, org, batch, Utc::now())
        .await
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(out.accepted, 1);
    assert_eq!(main_balance(db, org).await, Credits(balance.0 - 1_000));
    let why = sum(
        db,
        "purchases",
        "1",
        org,
        "AND status = 'failed' AND reference LIKE '%did not answer%'",
    )
    .await;
    assert_eq!(
        why, 1,
        "the unanswered recharge is a visible failed purchase"
    );

    let order = || Order {
        org_id: org,
        pool_key: "ai_credits",
        credits: Credits::whole(3),
        created_by: None,
        key: Some("silent-buy"),
    };
    let unanswered = buy_once(db, &silent, order(), Utc::now())
        .await
        .unwrap_err();
    assert_eq!(AppError::from(unanswered).status(), 503);
    assert_eq!(purchases(db, org, "pending").await, 1);
    let before = main_balance(db, org).await;
    let paying = TestProvider::default();
    buy_once(db, &paying, order(), Utc::now()).await.unwrap();
    buy_once(db, &paying, order(), Utc::now()).await.unwrap();
    assert_eq!(paying.charges.load(Ordering::SeqCst), 1);
    assert_eq!(main_balance(db, org).await, before + Credits::whole(3));
    assert_eq!(purchases(db, org, "pending").await, 0);
}

crate::on_both_backends!(
    a_purchase_is_bought_once_per_key,
    a_refused_payment_grants_nothing,
    auto_recharge_goes_through_the_provider,
    admin_actions_succeed_under_ingest_load,
    a_silent_provider_holds_nothing_up,
);
