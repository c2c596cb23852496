//! SeaORM entities, one file per table (schema in `db::migrations`).

pub mod action;
pub mod allocation;
pub mod api_key;
pub mod audit_log;
pub mod auto_recharge_rule;
pub mod category;
pub mod company;
pub mod credit_request;
pub mod end_user;
pub mod feature;
pub mod grant;
pub mod organization;
pub mod pool;
pub mod purchase;
pub mod request_log;
pub mod session;
pub mod source;
pub mod team;
pub mod team_member;
pub mod usage_action_daily;
pub mod usage_daily;
pub mod usage_event;
pub mod usage_feature_daily;
pub mod usage_user_daily;
pub mod usage_user_weekly;
pub mod user;
