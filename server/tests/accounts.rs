//! Accounts and governance over real HTTP: each role × each admin action, tenant isolation
//! between two organizations, cross-site requests, login rate limits, revoked keys, buying
//! credits and deciding credit requests.

mod helpers;

use app::credits::Credits;
use helpers::{browser, browser_anonymous, org_id, seed, spawn_app};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::entities::*;

async fn post_json(client: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    let res = client.post(url).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn act(client: &reqwest::Client, base: &str, action: Value) -> (u16, Value) {
    post_json(
        client,
        &format!("{base}/api/admin"),
        json!({ "action": action }),
    )
    .await
}

async fn user_id(db: &DatabaseConnection, email: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await
        .unwrap()
        .expect("user")
        .id
}

async fn audit_count(db: &DatabaseConnection, org: i64) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(org))
        .count(db)
        .await
        .unwrap()
}

async fn main_balance(db: &DatabaseConnection, org: i64) -> Credits {
    server::services::overview::overview(db, org, &Default::default(), chrono::Utc::now())
        .await
        .unwrap()
        .balance
        .remaining
}

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
    let request = credit_request::Entity::find()
        .filter(credit_request::Column::OrganizationId.eq(org))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let key = api_key::Entity::find()
        .filter(api_key::Column::OrganizationId.eq(org))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
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
            json!({"InviteMember": {"email": "new.person@acme.test", "name": "New Person", "role": "member", "team": "Sales", "password": "a-long-initial-password"}}),
        ),
        (
            "make owner",
            json!({"ChangeRole": {"user_id": target, "role": "owner"}}),
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
    ]
}

/// Who may do what, written out here rather than derived from the code under test.
const ALLOWED: [(&str, [bool; 4]); 14] = [
    //                owner  billing admin  member
    ("buy", [true, true, false, false]),
    ("auto-recharge", [true, true, false, false]),
    ("request", [true, true, true, true]),
    ("decide", [true, true, false, false]),
    ("invite", [true, false, true, false]),
    ("make owner", [true, false, false, false]),
    ("change role", [true, false, true, false]),
    ("move team", [true, false, true, false]),
    ("deactivate", [true, false, true, false]),
    ("allocation", [true, true, true, false]),
    ("create key", [true, false, true, false]),
    ("revoke key", [true, false, true, false]),
    ("governance", [true, false, false, false]),
    ("recalculate", [true, false, true, false]),
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
        .map(|u| (u.email, u.role, u.active))
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
        .map(|r| r.status)
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
    let g_request = credit_request::Entity::find()
        .filter(credit_request::Column::OrganizationId.eq(g))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let g_key = api_key::Entity::find()
        .filter(api_key::Column::OrganizationId.eq(g))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
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
    let me: Value = acme
        .post(format!("{base}/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["organization_name"], "Acme Outreach");
    let csv = acme
        .get(format!("{base}/export/users.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !csv.contains("globex.test"),
        "acme's export holds no globex member"
    );
    let settings: Value = acme
        .post(format!("{base}/api/settings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

async fn cross_site_requests_are_refused(db: &DatabaseConnection) {
    seed(db, 500, 33, chrono::Utc::now()).await;
    let base = spawn_app(db).await;
    let owner = browser(&base, "owner@acme.test").await;
    let org = org_id(db, "acme").await;
    let before = main_balance(db, org).await;
    let buy = json!({"action": {"BuyCredits": {"pool": "ai_credits", "credits": 1000000}}});
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut req = owner.post(format!("{base}/api/admin")).json(&buy);
        // The client adds this site's Origin by default; replace or drop it.
        req = match origin {
            Some(o) => req.header("origin", o),
            None => req.header("origin", ""),
        };
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403, "origin {origin:?}");
    }
    assert_eq!(main_balance(db, org).await, before, "nothing was bought");
    assert_eq!(audit_count(db, org).await, 0);
    // From the site itself it works, and the balance rises by exactly the amount.
    let (status, body) = post_json(&owner, &format!("{base}/api/admin"), buy).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(main_balance(db, org).await, before + Credits::whole(1_000));
    let p = purchase::Entity::find()
        .filter(purchase::Column::OrganizationId.eq(org))
        .filter(purchase::Column::Origin.eq("manual"))
        .filter(purchase::Column::Status.eq("invoiced"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(p, 1, "the purchase shows in the history");
}

async fn logins_are_rate_limited_and_sessions_end(db: &DatabaseConnection) {
    seed(db, 500, 34, chrono::Utc::now()).await;
    let base = spawn_app(db).await;
    let client = browser_anonymous(&base);
    let login = |email: &'static str, password: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/api/login"))
                .form(&[("email", email), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..5 {
        assert_eq!(login("billing@acme.test", "wrong-password").await, 401);
    }
    assert_eq!(login("billing@acme.test", "wrong-password").await, 429);
    assert_eq!(
        login("billing@acme.test", helpers_password()).await,
        429,
        "even the right password waits"
    );
    // Another account from the same address still signs in.
    assert_eq!(login("admin@acme.test", helpers_password()).await, 200);
    // Unknown accounts answer like wrong passwords (no account discovery).
    assert_eq!(login("nobody@acme.test", "whatever-password").await, 401);

    // A deactivated member's session ends and they cannot sign in again.
    let member = browser(&base, "member@acme.test").await;
    assert_eq!(
        member
            .post(format!("{base}/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let owner = browser(&base, "owner@acme.test").await;
    let id = user_id(db, "member@acme.test").await;
    assert_eq!(
        act(&owner, &base, json!({"Deactivate": {"user_id": id}}))
            .await
            .0,
        200
    );
    let me: Value = member
        .post(format!("{base}/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me, Value::Null, "signed out at once");
    assert_eq!(
        member
            .get(format!("{base}/usage"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    // Logging out ends the session server-side.
    let admin = browser(&base, "owner@globex.test").await;
    assert_eq!(
        admin
            .post(format!("{base}/api/logout"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success(),
        true
    );
    assert_eq!(
        admin
            .get(format!("{base}/export/users.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

fn helpers_password() -> &'static str {
    helpers::DEMO_PASSWORD
}

async fn revoked_keys_fail_at_once_and_requests_are_decided_once(db: &DatabaseConnection) {
    seed(db, 500, 35, chrono::Utc::now()).await;
    let base = spawn_app(db).await;
    let owner = browser(&base, "owner@acme.test").await;
    let (status, out) = act(
        &owner,
        &base,
        json!({"CreateApiKey": {"name": "short-lived"}}),
    )
    .await;
    assert_eq!(status, 200);
    let secret = out["secret"].as_str().unwrap().to_string();
    let api = helpers::Api::new(&base, &secret);
    assert_eq!(api.get("/api/v1/balance").await.0, 200);
    let id = api_key::Entity::find()
        .filter(api_key::Column::Name.eq("short-lived"))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        act(&owner, &base, json!({"RevokeApiKey": {"id": id}}))
            .await
            .0,
        200
    );
    assert_eq!(
        api.get("/api/v1/balance").await.0,
        401,
        "refused right after revoking"
    );

    // A member asks; billing approves once (credits bought), a second decision is refused.
    let org = org_id(db, "acme").await;
    let member = browser(&base, "member@acme.test").await;
    assert_eq!(
        act(
            &member,
            &base,
            json!({"RequestCredits": {"pool": "ai_credits", "credits": 250000, "note": "campaign"}})
        )
        .await
        .0,
        200
    );
    let r = credit_request::Entity::find()
        .filter(credit_request::Column::OrganizationId.eq(org))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let before = main_balance(db, org).await;
    let billing = browser(&base, "billing@acme.test").await;
    assert_eq!(
        act(
            &billing,
            &base,
            json!({"DecideRequest": {"id": r.id, "approve": true}})
        )
        .await
        .0,
        200
    );
    assert_eq!(main_balance(db, org).await, before + Credits::whole(250));
    let (status, body) = act(
        &billing,
        &base,
        json!({"DecideRequest": {"id": r.id, "approve": false}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // The requester sees the decision.
    let mine: Value = member
        .post(format!("{base}/api/settings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["requests"][0]["status"], "approved");
    assert_eq!(mine["members"], json!([]), "a member sees no member list");

    // Governance: with the dashboard closed to members, their reads are refused with a reason.
    assert_eq!(
        act(
            &owner,
            &base,
            json!({"SetDashboardRoles": {"roles": ["owner", "billing_admin"]}})
        )
        .await
        .0,
        200
    );
    let overview = [("filter[range]", "last_30")];
    let res = member
        .post(format!("{base}/api/overview"))
        .form(&overview)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("not opened the usage dashboard")
    );
    let me: Value = member
        .post(format!("{base}/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["dashboard"], false);
    let res = owner
        .post(format!("{base}/api/overview"))
        .form(&overview)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

on_both_backends!(
    no_organization_reaches_another,
    cross_site_requests_are_refused,
    logins_are_rate_limited_and_sessions_end,
    revoked_keys_fail_at_once_and_requests_are_decided_once,
);

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
    let me: Value = client
        .post(format!("{base}/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
        let s: Value = admin
            .post(format!("{base}/api/settings"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        last = s["recalculation"].clone();
        if last[2] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last, json!([events, events, true]));
}

on_both_backends!(
    first_owner_signs_in_with_their_own_password,
    recalculation_reports_progress,
);
