//! Hardening over real HTTP on both backends: what an attacker or a faulty client sends, and
//! what several servers on one database must agree on. `login` has sign-in limits, proxies
//! and sessions; `input` has event bounds and the backfill window.

use crate::helpers;

mod faults;
mod input;
mod login;
mod noisy;
mod ops;
mod payments;
mod rebuild;
mod replicas;

/// Sets acme's auto-recharge on `ai_credits` to buy `amount` once the balance falls
/// `headroom` below what it is now, at most `max` times a period; the balance now.
pub async fn arm_recharge(
    db: &sea_orm::DatabaseConnection,
    headroom: app::credits::Credits,
    amount: app::credits::Credits,
    max: i32,
) -> app::credits::Credits {
    let org = helpers::org_id(db, "acme").await;
    let owner = app::service::Viewer {
        organization_id: org,
        user_id: helpers::user_id(db, "owner@acme.test").await,
        role: app::roles::Role::Owner,
        dashboard: true,
    };
    let balance = helpers::main_balance(db, org).await;
    let threshold = app::credits::Credits(balance.0 - headroom.0);
    server::admin::billing::set_auto_recharge(
        db,
        &owner,
        "ai_credits",
        true,
        threshold,
        amount,
        max,
    )
    .await
    .unwrap();
    balance
}
