//! Security over real HTTP: cross-site requests, login rate limits, sessions ending on
//! deactivation and logout, revoked API keys, credit requests decided once, governance.

use crate::helpers;

use crate::helpers::{
    act, audit_count, browser, browser_anonymous, main_balance, org_id, post_json, request_id,
    seed, server_fn, spawn_app, user_id,
};
use app::credits::Credits;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::entities::*;

async fn cross_site_requests_are_refused(db: &DatabaseConnection) {
    seed(db, 500, 33, chrono::Utc::now()).await;
    let base = spawn_app(db).await;
    let owner = browser(&base, "owner@acme.test").await;
    let org = org_id(db, "acme").await;
    let before = main_balance(db, org).await;
    // The demo's provisioning is audited already; refused requests add nothing to it.
    let audited = audit_count(db, org).await;
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
    assert_eq!(audit_count(db, org).await, audited);
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
    let me: Value = server_fn::<Option<app::roles::Me>>(&member, &base, "me").await;
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
    assert!(
        admin
            .post(format!("{base}/api/logout"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
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
    let request = request_id(db, org).await;
    let before = main_balance(db, org).await;
    let billing = browser(&base, "billing@acme.test").await;
    assert_eq!(
        act(
            &billing,
            &base,
            json!({"DecideRequest": {"id": request, "approve": true}})
        )
        .await
        .0,
        200
    );
    assert_eq!(main_balance(db, org).await, before + Credits::whole(250));
    let (status, body) = act(
        &billing,
        &base,
        json!({"DecideRequest": {"id": request, "approve": false}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // The requester sees the decision.
    let mine: Value = server_fn::<app::admin::SettingsView>(&member, &base, "settings").await;
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
    let me: Value = server_fn::<Option<app::roles::Me>>(&member, &base, "me").await;
    assert_eq!(me["dashboard"], false);
    let res = owner
        .post(format!("{base}/api/overview"))
        .form(&overview)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

crate::on_both_backends!(
    cross_site_requests_are_refused,
    logins_are_rate_limited_and_sessions_end,
    revoked_keys_fail_at_once_and_requests_are_decided_once,
);
