//! Who may see and do what: the four roles and their rights, in one pure place.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    BillingAdmin,
    Admin,
    Member,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::BillingAdmin, Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::BillingAdmin => "billing_admin",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::BillingAdmin => "Billing admin",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }

    /// Grants, purchases, billing-period records; buying credits; auto-recharge; deciding
    /// credit requests.
    pub fn billing(self) -> bool {
        matches!(self, Role::Owner | Role::BillingAdmin)
    }

    /// Members, teams, API keys, the request log, allocations, recalculation.
    pub fn administers(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Allocations of end users: admins and billing admins both.
    pub fn allocates(self) -> bool {
        self.administers() || self.billing()
    }

    /// Which roles may open the dashboard.
    pub fn governs(self) -> bool {
        self == Role::Owner
    }

    /// Who manages members may give the roles without billing rights; only an owner gives
    /// a role with them (owner, billing admin): an admin cannot raise anyone, or a member
    /// they invite, into billing.
    pub fn may_assign(self, role: Role) -> bool {
        self.administers() && (!role.billing() || self == Role::Owner)
    }
}

/// The roles an organization lets open the dashboard; owners always may (so that nobody
/// can lock the organization out of its own settings).
pub fn may_open_dashboard(role: Role, allowed: &[Role]) -> bool {
    role == Role::Owner || allowed.contains(&role)
}

/// `"owner,admin"` → roles; unknown words are ignored.
pub fn parse_list(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|w| Role::parse(w.trim())).collect()
}

pub fn list_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The signed-in user, as pages see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organization_name: String,
    /// Whether this user may open the usage dashboard (governance).
    pub dashboard: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_per_role() {
        use Role::*;
        let table = [
            (Owner, [true, true, true, true]),
            (BillingAdmin, [true, false, true, false]),
            (Admin, [false, true, true, false]),
            (Member, [false, false, false, false]),
        ];
        for (role, [billing, administers, allocates, governs]) in table {
            assert_eq!(role.billing(), billing, "{role:?}");
            assert_eq!(role.administers(), administers, "{role:?}");
            assert_eq!(role.allocates(), allocates, "{role:?}");
            assert_eq!(role.governs(), governs, "{role:?}");
        }
        assert!(Owner.may_assign(Owner) && Owner.may_assign(BillingAdmin));
        assert!(Admin.may_assign(Admin) && Admin.may_assign(Member));
        assert!(!Admin.may_assign(Owner) && !Admin.may_assign(BillingAdmin));
        assert!(!BillingAdmin.may_assign(Member) && !Member.may_assign(Member));
    }

    #[test]
    fn owners_always_open_the_dashboard() {
        assert!(may_open_dashboard(Role::Owner, &[]));
        assert!(!may_open_dashboard(
            Role::Member,
            &parse_list("owner,admin")
        ));
        assert!(may_open_dashboard(
            Role::Admin,
            &parse_list("owner, admin,bogus")
        ));
        assert_eq!(list_text(&parse_list("member,owner")), "member,owner");
    }
}
