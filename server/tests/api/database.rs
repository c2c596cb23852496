//! Migrations and the demo generator, on SQLite and PostgreSQL.

use crate::helpers;
use app::ids::OrgId;

use crate::helpers::{seed, test_now};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Statement,
};
use sea_orm_migration::MigratorTrait;
use server::db::migrations::Migrator;
use server::entities::*;

const TABLES: &[&str] = &[
    "organizations",
    "teams",
    "users",
    "team_members",
    "end_users",
    "pools",
    "auto_recharge_rules",
    "purchases",
    "grants",
    "categories",
    "features",
    "sources",
    "actions",
    "companies",
    "usage_events",
    "usage_daily",
    "usage_action_daily",
    "usage_feature_daily",
    "usage_model_daily",
    "usage_user_daily",
    "api_keys",
    "allocations",
    "request_log",
];

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .expect("query runs")
        .expect("one row");
    row.try_get_by_index::<i64>(0).expect("an integer")
}

/// Migrations run on a pool of one SQLite connection, as start-up runs them (another pooled
/// connection may hold a stale schema across a schema change).
async fn migrations_create_every_table_and_are_idempotent(t: helpers::TestDb) {
    let db = &server::db::connect_for_migration(&t.url).await.unwrap();
    for t in TABLES {
        assert_eq!(
            scalar(db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {t}")).await,
            0,
            "table {t}"
        );
    }
    // Applying again changes nothing; rolling back and forward again works.
    Migrator::up(db, None).await.expect("second up is a no-op");
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::down(db, Some(1)).await.expect("down");
    assert_eq!(Migrator::get_pending_migrations(db).await.unwrap().len(), 1);
    Migrator::down(db, None).await.expect("down to nothing");
    assert_eq!(
        Migrator::get_pending_migrations(db).await.unwrap().len(),
        Migrator::migrations().len()
    );
    Migrator::up(db, None).await.expect("up again");
}

async fn tenant_unique_keys_include_the_organization(db: &DatabaseConnection) {
    // The same key may exist in two organizations, never twice in one.
    seed(db, 200, 1, test_now()).await;
    let orgs = organization::Entity::find().all(db).await.unwrap();
    assert_eq!(orgs.len(), 2);
    let dup = pool::ActiveModel {
        organization_id: sea_orm::Set(orgs[0].id),
        key: sea_orm::Set("ai_credits".into()),
        name: sea_orm::Set("again".into()),
        included_per_period_milli: sea_orm::Set(0),
        ..Default::default()
    };
    assert!(
        pool::Entity::insert(dup).exec(db).await.is_err(),
        "duplicate pool key in one organization"
    );
}

async fn generator_is_deterministic_and_consistent(db: &DatabaseConnection) {
    let summary = seed(db, 4_000, 7, test_now()).await;
    assert_eq!(summary.iter().map(|s| s.events).sum::<u64>(), 4_000);
    assert_eq!(summary[0].slug, "acme");
    assert_eq!(summary[0].events, 3_200);

    // Same seed, fresh database of the other backend too → same totals (checked against a
    // second SQLite run so the comparison does not depend on this backend).
    let again = helpers::sqlite().await;
    let summary2 = seed(&again.db, 4_000, 7, test_now()).await;
    let strip = |v: &[server::demo::OrgSummary]| {
        v.iter()
            .map(|s| (s.slug.clone(), s.events, s.credits, s.overage))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&summary), strip(&summary2));
    let other = helpers::sqlite().await;
    assert_ne!(
        strip(&summary),
        strip(&seed(&other.db, 4_000, 8, test_now()).await)
    );

    for s in &summary {
        let org = s.organization_id;
        let events = scalar(db, &format!("SELECT CAST(COALESCE(SUM(credits_milli),0) AS BIGINT) FROM usage_events WHERE organization_id = {org}")).await;
        let rolled = scalar(db, &format!("SELECT CAST(COALESCE(SUM(credits_milli),0) AS BIGINT) FROM usage_daily WHERE organization_id = {org}")).await;
        let count = scalar(db, &format!("SELECT CAST(COALESCE(SUM(events),0) AS BIGINT) FROM usage_daily WHERE organization_id = {org}")).await;
        let overage = scalar(db, &format!("SELECT CAST(COALESCE(SUM(overage_milli),0) AS BIGINT) FROM usage_events WHERE organization_id = {org}")).await;
        let burned = scalar(db, &format!("SELECT CAST(COALESCE(SUM(original_milli - remaining_milli),0) AS BIGINT) FROM grants WHERE organization_id = {org}")).await;
        assert_eq!(
            events, s.credits.0,
            "{}: events table matches summary",
            s.slug
        );
        assert_eq!(
            rolled, events,
            "{}: rollup counts every credit once",
            s.slug
        );
        assert_eq!(
            count as u64, s.events,
            "{}: rollup counts every event once",
            s.slug
        );
        assert_eq!(overage, s.overage.0);
        assert_eq!(
            burned + overage,
            events,
            "{}: burned + overage = used",
            s.slug
        );
        let negative = scalar(db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM grants WHERE organization_id = {org} AND (remaining_milli < 0 OR remaining_milli > original_milli)")).await;
        assert_eq!(negative, 0);
    }
}

async fn demo_has_the_fixed_names(db: &DatabaseConnection) {
    seed(db, 1_000, 42, test_now()).await;
    let acme = organization::Entity::find()
        .filter(organization::Column::Slug.eq("acme"))
        .one(db)
        .await
        .unwrap()
        .expect("acme");
    let globex = organization::Entity::find()
        .filter(organization::Column::Slug.eq("globex"))
        .one(db)
        .await
        .unwrap()
        .expect("globex");
    assert_eq!(acme.name, "Acme Outreach");
    assert!(globex.is_agency);
    for org in [acme.id, globex.id] {
        let pools: Vec<String> = pool::Entity::find()
            .filter(pool::Column::OrganizationId.eq(org))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.key)
            .collect();
        assert!(pools.contains(&"ai_credits".into()) && pools.contains(&"inbox_preview".into()));
        let features: Vec<String> = feature::Entity::find()
            .filter(feature::Column::OrganizationId.eq(org))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.key)
            .collect();
        assert!(
            features.contains(&"personalized_email".into())
                && features.contains(&"research_agent_search".into())
        );
        let agents: Vec<String> = source::Entity::find()
            .filter(source::Column::OrganizationId.eq(org))
            .filter(source::Column::Kind.eq("agent"))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.key)
            .collect();
        for key in [
            "chat",
            "voice_inbound",
            "voice_outbound",
            "voice_web",
            "auto_trigger",
            "assistant",
        ] {
            assert!(agents.contains(&key.to_string()), "agent {key}");
        }
    }
    let rule = |org: OrgId| {
        auto_recharge_rule::Entity::find()
            .filter(auto_recharge_rule::Column::OrganizationId.eq(org))
    };
    assert!(!rule(acme.id).one(db).await.unwrap().unwrap().enabled);
    assert!(rule(globex.id).one(db).await.unwrap().unwrap().enabled);
    let members = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(acme.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(members, 40);
    let teams = team::Entity::find()
        .filter(team::Column::OrganizationId.eq(acme.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(teams, 3);
    for email in [
        "owner@acme.test",
        "billing@acme.test",
        "admin@acme.test",
        "member@acme.test",
    ] {
        assert!(
            user::Entity::find()
                .filter(user::Column::Email.eq(email))
                .one(db)
                .await
                .unwrap()
                .is_some(),
            "{email}"
        );
    }
    let purchases = purchase::Entity::find()
        .filter(purchase::Column::OrganizationId.eq(acme.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(purchases, 2);
    let promo_expired = grant::Entity::find()
        .filter(grant::Column::OrganizationId.eq(acme.id))
        .filter(grant::Column::Kind.eq("promotional"))
        .filter(grant::Column::Status.eq("expired"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(promo_expired, 1);
}

mod migrations_create_every_table_and_are_idempotent {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::migrations_create_every_table_and_are_idempotent(crate::helpers::sqlite().await)
            .await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::migrations_create_every_table_and_are_idempotent(crate::helpers::postgres().await)
            .await;
    }
}

crate::on_both_backends!(
    tenant_unique_keys_include_the_organization,
    generator_is_deterministic_and_consistent,
    demo_has_the_fixed_names,
);
