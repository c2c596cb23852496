use crate::helpers::{DEMO_PASSWORD, browser, browser_anonymous, seed, spawn_app_with};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use server::config::Config;
use server::entities::session;

fn behind_proxy() -> Config {
    Config {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Config::default()
    }
}

async fn login_from(base: &str, client_ip: Option<&str>, email: &str, password: &str) -> u16 {
    let mut req = browser_anonymous(base)
        .post(format!("{base}/api/login"))
        .form(&[("email", email), ("password", password)]);
    if let Some(ip) = client_ip {
        req = req.header("x-forwarded-for", format!("198.18.0.1, {ip}"));
    }
    req.send().await.unwrap().status().as_u16()
}

pub async fn limits_are_per_account_and_address_and_shared_by_servers(db: &DatabaseConnection) {
    seed(db, 200, 51, Utc::now()).await;
    // Two servers on one database, behind one proxy.
    let a = spawn_app_with(db, behind_proxy()).await;
    let b = spawn_app_with(db, behind_proxy()).await;
    let attacker = Some("203.0.113.7");
    for server in [&a, &b, &a, &b, &a] {
        assert_eq!(
            login_from(server, attacker, "billing@acme.test", "wrong").await,
            401
        );
    }
    assert_eq!(
        login_from(&b, attacker, "billing@acme.test", DEMO_PASSWORD).await,
        429,
        "the budget is shared by both servers: even the right password waits"
    );
    assert_eq!(
        login_from(
            &a,
            Some("198.51.100.20"),
            "billing@acme.test",
            DEMO_PASSWORD
        )
        .await,
        200,
        "the owner of the account signs in from elsewhere"
    );
    assert_eq!(
        login_from(&a, attacker, "admin@acme.test", DEMO_PASSWORD).await,
        200,
        "another account from the attacker's address is not locked"
    );
}

pub async fn an_untrusted_peer_cannot_pick_its_address(db: &DatabaseConnection) {
    seed(db, 200, 52, Utc::now()).await;
    // No trusted proxy: forwarded headers are ignored, every attempt is the peer's.
    let base = spawn_app_with(db, Config::default()).await;
    for i in 0..server::auth::limit::PER_ADDRESS.burst {
        let ip = format!("192.0.2.{i}");
        let email = format!("nobody{i}@acme.test");
        assert_eq!(login_from(&base, Some(&ip), &email, "wrong").await, 401);
    }
    assert_eq!(
        login_from(&base, Some("192.0.2.250"), "owner@acme.test", DEMO_PASSWORD).await,
        429,
        "a made-up X-Forwarded-For does not buy a fresh budget"
    );
}

async fn buckets(db: &DatabaseConnection) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT bucket FROM rate_limits",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

pub async fn buckets_are_hashed_capped_and_pruned(db: &DatabaseConnection) {
    seed(db, 200, 53, Utc::now()).await;
    let base = spawn_app_with(db, Config::default()).await;
    let huge = format!("{}@acme.test", "x".repeat(100_000));
    assert_eq!(
        login_from(&base, None, &huge, "wrong").await,
        413,
        "the body is capped"
    );
    let long = format!("{}@acme.test", "y".repeat(10_000));
    assert_eq!(login_from(&base, None, &long, "wrong").await, 401);
    let stored = buckets(db).await;
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|b| b.len() == 64), "{stored:?}");
    assert!(stored.iter().all(|b| !b.contains('y')));
    // A bucket is pruned once it would be full again, not before.
    let now = Utc::now();
    assert_eq!(server::auth::limit::prune(db, now).await.unwrap(), 0);
    let later = now + Duration::minutes(90);
    assert_eq!(
        server::auth::limit::prune(db, later).await.unwrap() as usize,
        stored.len()
    );
    assert!(buckets(db).await.is_empty());
}

pub async fn a_session_in_use_is_renewed(db: &DatabaseConnection) {
    seed(db, 200, 54, Utc::now()).await;
    let base = spawn_app_with(db, Config::default()).await;
    let owner = browser(&base, "owner@acme.test").await;
    // Six days and 23 hours later: the session has an hour left, last renewed long ago.
    let s = session::Entity::find()
        .one(db)
        .await
        .unwrap()
        .expect("a session");
    let mut data: serde_json::Value = serde_json::from_str(&s.data).unwrap();
    data["seen"] = (Utc::now() - Duration::days(6)).timestamp().into();
    let soon = Utc::now() + Duration::hours(1);
    session::Entity::update(session::ActiveModel {
        id: sea_orm::Set(s.id.clone()),
        data: sea_orm::Set(data.to_string()),
        expiry_date: sea_orm::Set(soon),
    })
    .exec(db)
    .await
    .unwrap();
    let res = owner.get(format!("{base}/usage")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_some(), "a fresh cookie");
    let renewed = session::Entity::find_by_id(s.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        renewed.expiry_date > Utc::now() + Duration::days(6),
        "a week of inactivity from now: {}",
        renewed.expiry_date
    );
}

/// An invitation hands out a one-time link, not a password the inviter chose; an API key
/// belongs to the organization and outlives its maker's membership, shown with its maker.
pub async fn invitations_send_links_and_keys_outlive_their_makers(db: &DatabaseConnection) {
    use crate::helpers::{act, user_id};
    seed(db, 200, 57, Utc::now()).await;
    let base = spawn_app_with(db, Config::default()).await;
    let admin = browser(&base, "admin@acme.test").await;
    let invite = |role: &str| {
        serde_json::json!({"InviteMember": {"email": format!("new.{role}@acme.test"),
            "name": "New", "role": role, "team": null}})
    };
    assert_eq!(
        act(&admin, &base, invite("billing_admin")).await.0,
        403,
        "no billing rights from an admin"
    );
    let (status, body) = act(&admin, &base, invite("member")).await;
    assert_eq!(status, 200, "{body}");
    let link = body["secret"].as_str().expect("a link").to_string();
    let token = link.split("token=").nth(1).unwrap();
    let invited = crate::helpers::browser_anonymous(&base);
    let res = invited
        .post(format!("{base}/api/set_password"))
        .form(&[
            ("token", token),
            ("password", "the-members-own-secret"),
            ("confirm", "the-members-own-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert_eq!(
        login_from(
            &base,
            None,
            "new.member@acme.test",
            "the-members-own-secret"
        )
        .await,
        200
    );
    // A key made by the admin keeps working after the admin is deactivated.
    let (_, made) = act(
        &admin,
        &base,
        serde_json::json!({"CreateApiKey": {"name": "made-by-admin"}}),
    )
    .await;
    let secret = made["secret"].as_str().unwrap().to_string();
    let owner = browser(&base, "owner@acme.test").await;
    let admin_id = user_id(db, "admin@acme.test").await;
    assert_eq!(
        act(
            &owner,
            &base,
            serde_json::json!({"Deactivate": {"user_id": admin_id}})
        )
        .await
        .0,
        200
    );
    let api = crate::helpers::Api::new(&base, &secret);
    assert_eq!(
        api.get("/api/v1/balance").await.0,
        200,
        "the organization's key still works"
    );
    let settings =
        crate::helpers::server_fn::<app::admin::SettingsView>(&owner, &base, "settings").await;
    let keys = settings["api_keys"].as_array().expect("keys").clone();
    let made_by = keys.iter().find(|k| k["name"] == "made-by-admin").unwrap()["created_by"].clone();
    assert_eq!(made_by, "admin@acme.test");
}

crate::on_both_backends!(
    invitations_send_links_and_keys_outlive_their_makers,
    limits_are_per_account_and_address_and_shared_by_servers,
    an_untrusted_peer_cannot_pick_its_address,
    buckets_are_hashed_capped_and_pruned,
    a_session_in_use_is_renewed,
);
