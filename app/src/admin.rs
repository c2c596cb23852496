//! The admin actions, who may take each, and what the Settings page shows. Every action is
//! checked against the viewer's role on the server and recorded in the audit log.

use crate::credits::Credits;
use crate::roles::Role;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum AdminAction {
    BuyCredits {
        pool: String,
        credits: Credits,
        /// Repeated with the same key, the purchase is made (and charged) once.
        #[serde(default)]
        key: Option<String>,
    },
    SetAutoRecharge {
        pool: String,
        enabled: bool,
        threshold: Credits,
        amount: Credits,
        max_per_period: i32,
    },
    /// Anyone may ask; billing admins decide.
    RequestCredits {
        pool: String,
        credits: Credits,
        note: String,
    },
    DecideRequest {
        id: i64,
        approve: bool,
    },
    /// The invited member chooses their password through a one-time link (the answer's
    /// secret), so the inviter never knows it.
    InviteMember {
        email: String,
        name: String,
        role: Role,
        team: Option<String>,
    },
    ChangeRole {
        user_id: i64,
        role: Role,
    },
    /// Moves a member to exactly these teams.
    SetTeams {
        user_id: i64,
        teams: Vec<String>,
    },
    Deactivate {
        user_id: i64,
    },
    SetAllocation {
        end_user: String,
        pool: String,
        credits: Credits,
    },
    CreateApiKey {
        name: String,
    },
    RevokeApiKey {
        id: i64,
    },
    SetDashboardRoles {
        roles: Vec<Role>,
    },
    Recalculate,
    /// Owners: the whole catalog as edited on the page (same apply as the file and the API).
    ApplyCatalog {
        catalog: crate::catalog::CatalogDoc,
    },
    /// Billing roles: a pool's price per credit (decimal text).
    SetPoolPrice {
        pool: String,
        price_per_credit: String,
    },
    /// Billing roles: promotional credits or an allowance.
    AddGrant {
        pool: String,
        /// `promotional` or `allowance`.
        kind: String,
        credits: Credits,
        /// RFC 3339, or a date (`2027-01-31`: the end of that day in the organization's zone).
        expires: Option<String>,
        priority: Option<i32>,
        description: String,
    },
    /// Billing roles: void a promotional or allowance grant nothing burned yet.
    VoidGrant {
        id: i64,
    },
    /// Owners: remove a team that has no members.
    RemoveTeam {
        key: String,
    },
    /// Billing roles: a new version of a feature's price.
    SetRate {
        rate: RateForm,
    },
}

/// A price version as typed on the Settings page: decimal texts (empty is 0), a model or
/// none (any model), and when it takes effect (empty: now).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateForm {
    pub feature: String,
    pub model: Option<String>,
    /// RFC 3339, or `2027-01-01T09:00` in the organization's time zone; `None`: now.
    pub effective_from: Option<String>,
    pub per_unit: String,
    pub per_1k_input_tokens: String,
    pub per_1k_output_tokens: String,
    pub per_1k_cached_input_tokens: String,
    pub minimum: String,
}

/// Where a price version stands: the one in effect for its feature and model, one it
/// replaced, or one still to come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateStatus {
    InEffect,
    Replaced,
    Scheduled,
}

impl RateStatus {
    pub fn label(self) -> &'static str {
        match self {
            RateStatus::InEffect => "in effect",
            RateStatus::Replaced => "replaced",
            RateStatus::Scheduled => "scheduled",
        }
    }
}

/// One version of a feature's price, as the Settings page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateRow {
    pub feature: String,
    pub feature_name: String,
    /// `None`: any model the feature has no own price for.
    pub model: Option<String>,
    /// Local time in the organization's zone.
    pub effective_from: String,
    pub per_unit: String,
    pub per_1k_input_tokens: String,
    pub per_1k_output_tokens: String,
    pub per_1k_cached_input_tokens: String,
    pub minimum: String,
    pub status: RateStatus,
}

impl AdminAction {
    /// The audit log's word for the action.
    pub fn name(&self) -> &'static str {
        match self {
            AdminAction::BuyCredits { .. } => "buy_credits",
            AdminAction::SetAutoRecharge { .. } => "set_auto_recharge",
            AdminAction::RequestCredits { .. } => "request_credits",
            AdminAction::DecideRequest { approve: true, .. } => "approve_credit_request",
            AdminAction::DecideRequest { approve: false, .. } => "decline_credit_request",
            AdminAction::InviteMember { .. } => "invite_member",
            AdminAction::ChangeRole { .. } => "change_role",
            AdminAction::SetTeams { .. } => "set_teams",
            AdminAction::Deactivate { .. } => "deactivate_member",
            AdminAction::SetAllocation { .. } => "set_allocation",
            AdminAction::CreateApiKey { .. } => "create_api_key",
            AdminAction::RevokeApiKey { .. } => "revoke_api_key",
            AdminAction::SetDashboardRoles { .. } => "set_dashboard_roles",
            AdminAction::Recalculate => "recalculate",
            AdminAction::ApplyCatalog { .. } => "apply_catalog",
            AdminAction::SetPoolPrice { .. } => "set_pool_price",
            AdminAction::AddGrant { .. } => "add_grant",
            AdminAction::VoidGrant { .. } => "void_grant",
            AdminAction::RemoveTeam { .. } => "remove_team",
            AdminAction::SetRate { .. } => "set_rate",
        }
    }

    /// Whether `role` may take this action at all (the server also checks the targets).
    pub fn allowed(&self, role: Role) -> bool {
        match self {
            AdminAction::BuyCredits { .. }
            | AdminAction::SetAutoRecharge { .. }
            | AdminAction::DecideRequest { .. } => role.billing(),
            AdminAction::RequestCredits { .. } => true,
            AdminAction::InviteMember { role: r, .. } | AdminAction::ChangeRole { role: r, .. } => {
                role.may_assign(*r)
            }
            AdminAction::SetTeams { .. }
            | AdminAction::Deactivate { .. }
            | AdminAction::CreateApiKey { .. }
            | AdminAction::RevokeApiKey { .. }
            | AdminAction::Recalculate => role.administers(),
            AdminAction::SetAllocation { .. } => role.allocates(),
            AdminAction::SetDashboardRoles { .. }
            | AdminAction::ApplyCatalog { .. }
            | AdminAction::RemoveTeam { .. } => role.governs(),
            AdminAction::SetPoolPrice { .. }
            | AdminAction::AddGrant { .. }
            | AdminAction::VoidGrant { .. }
            | AdminAction::SetRate { .. } => role.billing(),
        }
    }

    /// Catalog changes are audited by the apply itself, with what it changed.
    pub fn audited_by_apply(&self) -> bool {
        matches!(
            self,
            AdminAction::ApplyCatalog { .. } | AdminAction::SetPoolPrice { .. }
        )
    }

    /// What the audit log keeps of the action (no action carries a secret: invitations
    /// send a link, keys are shown once in the answer).
    pub fn audit_detail(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The first-run setup page's form: the first organization and its owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetupForm {
    /// The one-time token the server printed at start.
    pub token: String,
    pub organization: String,
    pub slug: String,
    pub time_zone: String,
    pub anchor_day: String,
    pub name: String,
    pub email: String,
    pub password: String,
    /// Start with an "AI credits" pool and a few example features.
    pub starter_catalog: bool,
}

/// The answer to an action: a sentence for the page, and a secret shown once (API keys).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminOutcome {
    pub message: String,
    pub secret: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutoRechargeRow {
    pub pool: String,
    pub pool_name: String,
    /// `None` = not set up yet.
    pub enabled: Option<bool>,
    pub threshold: Credits,
    pub amount: Credits,
    pub max_per_period: i32,
}

/// Where a credit request stands: it waits for a billing role, then is decided once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Declined,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Declined => "declined",
        }
    }
}

impl std::fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreditRequestRow {
    pub id: i64,
    pub requested_by: String,
    pub pool: String,
    pub credits: Credits,
    pub note: String,
    pub status: RequestStatus,
    pub created: String,
    pub decided_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
    /// Who made it (an email), if a member did. A key belongs to the organization: it keeps
    /// working when its maker leaves, until revoked.
    pub created_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The Settings page, holding only what the viewer's role may see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    pub role: Role,
    pub time_zone: String,
    /// (key, name) of every pool that takes credits (not archived).
    pub pools: Vec<(String, String)>,
    /// What a credit of each pool costs.
    pub prices: Vec<(String, crate::credits::Price)>,
    /// Billing roles: auto-recharge per pool.
    pub auto_recharge: Vec<AutoRechargeRow>,
    /// Billing roles: every request; others: their own.
    pub requests: Vec<CreditRequestRow>,
    /// Administrators: members, teams, keys, audit log.
    pub members: Vec<MemberRow>,
    pub teams: Vec<String>,
    pub api_keys: Vec<ApiKeyRow>,
    pub audit: Vec<AuditRow>,
    /// Owners: who may open the dashboard.
    pub dashboard_roles: Vec<Role>,
    /// The latest recalculation: events done, events in all, finished.
    pub recalculation: Option<(u64, u64, bool)>,
    /// Owners and billing roles: the catalog as a document (billing roles edit prices).
    pub catalog: Option<crate::catalog::CatalogDoc>,
    /// Owners: (team key, members) of every team.
    pub team_sizes: Vec<(String, usize)>,
    /// Billing roles: every grant, newest first.
    pub grants: Vec<GrantAdminRow>,
    /// Everyone: every version of every feature's price, by feature, model and time.
    pub rates: Vec<RateRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantAdminRow {
    pub id: i64,
    pub pool: String,
    pub kind: String,
    pub description: String,
    pub granted: String,
    pub expires: Option<String>,
    pub priority: i32,
    pub original: Credits,
    pub remaining: Credits,
    pub status: String,
    /// Given by hand and untouched: may be voided.
    pub voidable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_take_which_action() {
        let buy = AdminAction::BuyCredits {
            pool: "ai".into(),
            credits: Credits(1),
            key: None,
        };
        let ask = AdminAction::RequestCredits {
            pool: "ai".into(),
            credits: Credits(1),
            note: String::new(),
        };
        let make_owner = AdminAction::ChangeRole {
            user_id: 1,
            role: Role::Owner,
        };
        let key = AdminAction::CreateApiKey { name: "k".into() };
        let govern = AdminAction::SetDashboardRoles { roles: vec![] };
        let expect = [
            (Role::Owner, [true, true, true, true, true]),
            (Role::BillingAdmin, [true, true, false, false, false]),
            (Role::Admin, [false, true, false, true, false]),
            (Role::Member, [false, true, false, false, false]),
        ];
        for (role, want) in expect {
            let got = [&buy, &ask, &make_owner, &key, &govern].map(|a| a.allowed(role));
            assert_eq!(got, want, "{role:?}");
        }
    }

    #[test]
    fn an_invitation_carries_no_password() {
        let with_password = r#"{"InviteMember": {"email": "a@x.test", "name": "A",
            "role": "member", "team": null, "password": "hunter2hunter2"}}"#;
        assert!(serde_json::from_str::<AdminAction>(with_password).is_err());
        let invite = r#"{"InviteMember": {"email": "a@x.test", "name": "A", "role": "member", "team": null}}"#;
        let a: AdminAction = serde_json::from_str(invite).unwrap();
        assert!(a.audit_detail().contains("a@x.test"));
    }
}
