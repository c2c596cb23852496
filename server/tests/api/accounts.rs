//! Accounts and governance over real HTTP: each role × each admin action (allowed ones
//! audited, refused ones without trace), tenant isolation between two organizations, the
//! first owner from the command line, recalculation progress.

use crate::helpers;

use crate::helpers::{
    act, audit_count, browser, browser_anonymous, key_id, main_balance, org_id, request_id, seed,
    server_fn, spawn_app, user_id,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::{Value, json};
use server::entities::*;

/// The actions, each as (name, JSON), against fresh targets in acme.
async fn actions(
    db: &DatabaseConnection,
    client_owner: &reqwest::Client,
    base: &str,
) -> Vec<(&'static str, Value)> {
    // A pending request to decide, and a key to revoke, made by the owner beforehand.
    let (s, _) = act(
        client_owner,
        base,
        json!({"RequestCredits": {"pool": "ai_credits", "credits": 100000, "note": "n"}}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = act(
        client_owner,
        base,
        json!({"CreateApiKey": {"name": "to revoke"}}),
    )
    .await;
    assert_eq!(s, 200);
    let org = org_id(db, "acme").await;
    let request = request_id(db, org).await;
    let key = key_id(db, org).await;
    let target = user_id(db, "ava.adams0@acme.test").await;
    let other = user_id(db, "ben.hughes1@acme.test").await;
    vec![
        (
            "buy",
            json!({"BuyCredits": {"pool": "ai_credits", "credits": 1000000}}),
        ),
        (
            "auto-recharge",
            json!({"SetAutoRecharge": {"pool": "ai_credits", "enabled": true, "threshold": 1000000, "amount": 5000000, "max_per_period": 2}}),
        ),
        (
            "request",
            json!({"RequestCredits": {"pool": "ai_credits", "credits": 50000, "note": "more please"}}),
        ),
        (
            "decide",
            json!({"DecideRequest": {"id": request, "approve": false}}),
        ),
        (
            "invite",
            json!({"InviteMember": {"email": "new.person@acme.test", "name": "New Person", "role": "member", "team": "Sales"}}),
        ),
        (
            "make owner",
            json!({"ChangeRole": {"user_id": target, "role": "owner"}}),
        ),
        (
            "make billing admin",
            json!({"ChangeRole": {"user_id": target, "role": "billing_admin"}}),
        ),
        (
            "invite billing admin",
            json!({"InviteMember": {"email": "new.biller@acme.test", "name": "New Biller", "role": "billing_admin", "team": null}}),
        ),
        (
            "change role",
            json!({"ChangeRole": {"user_id": target, "role": "admin"}}),
        ),
        (
            "move team",
            json!({"SetTeams": {"user_id": target, "teams": ["Marketing"]}}),
        ),
        ("deactivate", json!({"Deactivate": {"user_id": other}})),
        (
            "allocation",
            json!({"SetAllocation": {"end_user": "cust-001", "pool": "ai_credits", "credits": 90000}}),
        ),
        ("create key", json!({"CreateApiKey": {"name": "ci"}})),
        ("revoke key", json!({"RevokeApiKey": {"id": key}})),
        (
            "governance",
            json!({"SetDashboardRoles": {"roles": ["owner", "billing_admin", "admin", "member"]}}),
        ),
        ("recalculate", json!("Recalculate")),
        (
            "rate",
            json!({"SetRate": {"rate": {"feature": "voice_call", "model": null, "effective_from": null,
                "per_unit": "0.5", "per_1k_input_tokens": "", "per_1k_output_tokens": "0",
                "per_1k_cached_input_tokens": "0", "minimum": "0"}}}),
        ),
    ]
}

/// Who may do what, written out here rather than derived from the code under test.
const ALLOWED: [(&str, [bool; 4]); 17] = [
    //                owner  billing admin  member
    ("buy", [true, true, false, false]),
    ("auto-recharge", [true, true, false, false]),
    ("request", [true, true, true, true]),
    ("decide", [true, true, false, false]),
    ("invite", [true, false, true, false]),
    ("make owner", [true, false, false, false]),
    // Billing rights are given only by an owner.
    ("make billing admin", [true, false, false, false]),
    ("invite billing admin", [true, false, false, false]),
    ("change role", [true, false, true, false]),
    ("move team", [true, false, true, false]),
    ("deactivate", [true, false, true, false]),
    ("allocation", [true, true, true, false]),
    ("create key", [true, false, true, false]),
    ("revoke key", [true, false, true, false]),
    ("governance", [true, false, false, false]),
    ("recalculate", [true, false, true, false]),
    ("rate", [true, true, false, false]),
];

async fn each_role_may_take_exactly_its_actions(role_index: usize, email: &str) {
    let t = helpers::sqlite().await;
    let db = &t.db;
    seed(db, 500, 31, chrono::Utc::now()).await;
    let base = spawn_app(db).await;
    let owner = browser(&base, "owner@acme.test").await;
    let list = actions(db, &owner, &base).await;
    let client = if email == "owner@acme.test" {
        owner.clone()
    } else {
        browser(&base, email).await
    };
    let org = org_id(db, "acme").await;
    for (name, action) in list {
        let allowed = ALLOWED.iter().find(|a| a.0 == name).unwrap().1[role_index];
        let before = audit_count(db, org).await;
        let (status, body) = act(&client, &base, action).await;
        let audited = audit_count(db, org).await - before;
        if allowed {
            assert_eq!(status, 200, "{email} may {name}: {body}");
            assert_eq!(audited, 1, "{name} is in the audit log");
        } else {
            assert_eq!(status, 403, "{email} may not {name}: {body}");
            assert_eq!(audited, 0, "a refused {name} leaves no trace");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_actions() {
    each_role_may_take_exactly_its_actions(0, "owner@acme.test").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_admin_actions() {
    each_role_may_take_exactly_its_actions(1, "billing@acme.test").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_actions() {
    each_role_may_take_exactly_its_actions(2, "admin@acme.test").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_actions() {
    each_role_may_take_exactly_its_actions(3, "member@acme.test").await;
}

/// Snapshot of what acme must never be able to change in globex.
async fn globex_state(db: &DatabaseConnection) -> Value {
    let org = org_id(db, "globex").await;
    let users: Vec<(String, String, bool)> = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.email, u.role.to_value(), u.active))
        .collect();
    let keys: Vec<bool> = api_key::Entity::find()
        .filter(api_key::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.revoked_at.is_some())
        .collect();
    let requests: Vec<String> = credit_request::Entity::find()
        .filter(credit_request::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.status.to_value())
        .collect();
    let caps: Vec<i64> = allocation::Entity::find()
        .filter(allocation::Column::OrganizationId.eq(org))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.cap_milli)
        .collect();
    json!({"users": users, "keys": keys, "requests": requests, "caps": caps, "balance": main_balance(db, org).await.0})
}

async fn no_organization_reaches_another(db: &DatabaseConnection) {
    seed(db, 1_000, 32, chrono::Utc::now()).await;
    let base = spawn_app(db).await;
    let acme = browser(&base, "owner@acme.test").await;
    let globex = browser(&base, "owner@globex.test").await;
    // Globex has a pending request and a live key.
    assert_eq!(
        act(
            &globex,
            &base,
            json!({"RequestCredits": {"pool": "ai_credits", "credits": 1000000, "note": "g"}})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(&globex, &base, json!({"CreateApiKey": {"name": "globex"}}))
            .await
            .0,
        200
    );
    let g = org_id(db, "globex").await;
    let g_request = request_id(db, g).await;
    let g_key = key_id(db, g).await;
    let g_owner = user_id(db, "owner@globex.test").await;
    let before = globex_state(db).await;

    // Every action aimed at globex's rows by id: not found, nothing changed.
    for action in [
        json!({"DecideRequest": {"id": g_request, "approve": true}}),
        json!({"ChangeRole": {"user_id": g_owner, "role": "member"}}),
        json!({"SetTeams": {"user_id": g_owner, "teams": []}}),
        json!({"Deactivate": {"user_id": g_owner}}),
        json!({"RevokeApiKey": {"id": g_key}}),
    ] {
        let (status, body) = act(&acme, &base, action.clone()).await;
        assert_eq!(status, 404, "{action}: {body}");
    }
    // Names of globex's things mean nothing in acme: its teams and members are unknown.
    for (path, form) in [
        ("overview", vec![("filter[team]", "Client Services")]),
        ("users", vec![("filter[user]", "owner@globex.test")]),
        (
            "activity",
            vec![
                ("filter[team]", "Client Services"),
                ("cursor[page_size]", "10"),
            ],
        ),
    ] {
        let res = acme
            .post(format!("{base}/api/{path}"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{path} with a globex name");
    }
    // Reads answer with the asker's organization only.
    let me: Value = server_fn::<Option<app::roles::Me>>(&acme, &base, "me").await;
    assert_eq!(me["organization_name"], "Acme Outreach");
    let csv = helpers::page(&acme, &format!("{base}/export/users.csv")).await;
    assert!(
        !csv.contains("globex.test"),
        "acme's export holds no globex member"
    );
    let settings: Value = server_fn::<app::admin::SettingsView>(&acme, &base, "settings").await;
    assert!(
        !settings.to_string().contains("globex"),
        "acme's settings hold nothing of globex"
    );
    // The same end-user id in acme is acme's own end user, not globex's.
    let g_end_user = end_user::Entity::find()
        .filter(end_user::Column::OrganizationId.eq(g))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(act(&acme, &base, json!({"SetAllocation": {"end_user": g_end_user.external_id, "pool": "ai_credits", "credits": 1000}})).await.0, 200);

    assert_eq!(globex_state(db).await, before, "globex is untouched");
    // And globex reaching for acme fares no better.
    let a_owner = user_id(db, "owner@acme.test").await;
    assert_eq!(
        act(&globex, &base, json!({"Deactivate": {"user_id": a_owner}}))
            .await
            .0,
        404
    );
    let acme_user = user::Entity::find_by_id(a_owner)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(acme_user.active);
}

crate::on_both_backends!(no_organization_reaches_another);

/// Outside the demo: an organization and its first owner made as `server org/user create`
/// do; nobody signs in without the password set there.
async fn first_owner_signs_in_with_their_own_password(db: &DatabaseConnection) {
    let now = chrono::Utc::now();
    let org = server::accounts::create_organization(db, "newco", "NewCo", "Europe/Berlin", 1, now)
        .await
        .map_err(app::error::AppError::from)
        .unwrap();
    let bad = server::accounts::create_user(
        db,
        org.id,
        "x@newco.test",
        "X",
        app::roles::Role::Owner,
        "short",
        now,
    )
    .await
    .map_err(app::error::AppError::from);
    assert!(matches!(bad, Err(app::error::AppError::Invalid { field, .. }) if field == "password"));
    server::accounts::create_user(
        db,
        org.id,
        "Founder@NewCo.test",
        "Founder",
        app::roles::Role::Owner,
        "a-proper-long-secret",
        now,
    )
    .await
    .map_err(app::error::AppError::from)
    .unwrap();
    let base = spawn_app(db).await;
    let client = browser_anonymous(&base);
    let login = |password: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/api/login"))
                .form(&[("email", "founder@newco.test"), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        login(helpers::DEMO_PASSWORD).await,
        401,
        "no default password"
    );
    assert_eq!(login("a-proper-long-secret").await, 200);
    let me: Value = server_fn::<Option<app::roles::Me>>(&client, &base, "me").await;
    assert_eq!(me["organization_name"], "NewCo");
    assert_eq!(me["role"], "owner");
}

/// Recalculation runs in the background and reports progress until every event is counted.
async fn recalculation_reports_progress(db: &DatabaseConnection) {
    seed(db, 2_000, 36, chrono::Utc::now()).await;
    let base = spawn_app(db).await;
    let admin = browser(&base, "admin@acme.test").await;
    assert_eq!(act(&admin, &base, json!("Recalculate")).await.0, 200);
    let org = org_id(db, "acme").await;
    let events = usage_event::Entity::find()
        .filter(usage_event::Column::OrganizationId.eq(org))
        .count(db)
        .await
        .unwrap();
    let mut last = Value::Null;
    for _ in 0..100 {
        let s: Value = server_fn::<app::admin::SettingsView>(&admin, &base, "settings").await;
        last = s["recalculation"].clone();
        if last[2] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last, json!([events, events, true]));
}

crate::on_both_backends!(
    first_owner_signs_in_with_their_own_password,
    recalculation_reports_progress,
);
