//! The governance sections of the Settings page: members and teams, API keys,
//! recalculation, dashboard access and the audit log.

use super::fields::field;
use super::settings_forms::{Act, send};
use crate::admin::{AdminAction, ApiKeyRow, AuditRow, MemberRow, SettingsView};
use crate::components::data_table::DataTableView;
use crate::roles::Role;
use crate::table::{Cell, Table, TableId};
use leptos::prelude::*;

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL.map(|r| {
        view! {
            <option value=r.as_str() selected=r == selected>
                {r.label()}
            </option>
        }
    })
}

/// The team menu's options: "No team" and every team, `current` selected.
fn team_options(teams: Vec<String>, current: String) -> impl IntoView {
    view! {
        <option value="">"No team"</option>
        {teams
            .into_iter()
            .map(|t| {
                view! {
                    <option value=t.clone() selected=t == current>
                        {t.clone()}
                    </option>
                }
            })
            .collect_view()}
    }
}

#[component]
pub fn Members(v: SettingsView, act: Act) -> impl IntoView {
    let teams = v.teams.clone();
    view! {
        <section class="card" data-testid="members">
            <h2>"Members and teams"</h2>
            <InviteForm teams=v.teams.clone() act />
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th>"Member"</th>
                            <th>"Role"</th>
                            <th>"Team"</th>
                            <th>"Status"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {v
                            .members
                            .into_iter()
                            .map(|m| view! { <MemberRowView m teams=teams.clone() act /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn InviteForm(teams: Vec<String>, act: Act) -> impl IntoView {
    let (email, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let role = RwSignal::new(Role::Member);
    let first = teams.first().cloned().unwrap_or_default();
    let team = RwSignal::new(first.clone());
    view! {
        <form
            class="row"
            on:submit=move |ev| {
                ev.prevent_default();
                let t = team.get();
                send(
                    act,
                    AdminAction::InviteMember {
                        email: email.get(),
                        name: name.get(),
                        role: role.get(),
                        team: (!t.is_empty()).then_some(t),
                    },
                );
            }
        >
            <label>
                <span>"Email"</span>
                <input
                    type="email"
                    name="invite-email"
                    prop:value=email
                    on:input=move |ev| email.set(event_target_value(&ev))
                />
            </label>
            {field("Name", "invite-name".into(), name)}
            <label>
                <span>"Role"</span>
                <select
                    name="invite-role"
                    on:change=move |ev| {
                        role.set(Role::parse(&event_target_value(&ev)).unwrap_or(Role::Member))
                    }
                >
                    {role_options(Role::Member)}
                </select>
            </label>
            <label>
                <span>"Team"</span>
                <select name="invite-team" on:change=move |ev| team.set(event_target_value(&ev))>
                    {team_options(teams, first)}
                </select>
            </label>
            <button type="submit" class="primary">
                "Invite"
            </button>
        </form>
    }
}

#[component]
fn MemberRowView(m: MemberRow, teams: Vec<String>, act: Act) -> impl IntoView {
    let id = m.id;
    let current = m.teams.first().cloned().unwrap_or_default();
    let change_role = move |ev| {
        if let Some(role) = Role::parse(&event_target_value(&ev)) {
            send(act, AdminAction::ChangeRole { user_id: id, role });
        }
    };
    let change_team = move |ev| {
        let t = event_target_value(&ev);
        let teams = if t.is_empty() { vec![] } else { vec![t] };
        send(act, AdminAction::SetTeams { user_id: id, teams });
    };
    let deactivate = move |_| send(act, AdminAction::Deactivate { user_id: id });
    view! {
        <tr data-key=m.email.clone()>
            <td>{m.email.clone()} <span class="muted">{format!(" · {}", m.name)}</span></td>
            <td>
                <select aria-label="Role" on:change=change_role>
                    {role_options(m.role)}
                </select>
            </td>
            <td>
                <select aria-label="Team" on:change=change_team>
                    {team_options(teams, current)}
                </select>
                {(m.teams.len() > 1).then(|| format!(" +{} more", m.teams.len() - 1))}
            </td>
            <td>
                {if m.active {
                    view! { <span class="status active">"active"</span> }.into_any()
                } else {
                    view! { <span class="status">"deactivated"</span> }.into_any()
                }}
            </td>
            <td>
                {m
                    .active
                    .then(|| {
                        view! {
                            <button type="button" on:click=deactivate>
                                "Deactivate"
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
pub fn ApiKeys(keys: Vec<ApiKeyRow>, act: Act) -> impl IntoView {
    let name = RwSignal::new(String::new());
    view! {
        <section class="card" id="api-keys" data-testid="api-keys">
            <h2>"API keys"</h2>
            <p class="muted">
                "Keys belong to the organization: they keep working when the member who made them leaves, until revoked."
            </p>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    send(
                        act,
                        AdminAction::CreateApiKey {
                            name: name.get(),
                        },
                    );
                }
            >
                {field("Name", "key-name".into(), name)}
                <button type="submit">"Create key"</button>
            </form>
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th>"Name"</th>
                            <th>"Prefix"</th>
                            <th>"Created"</th>
                            <th>"Made by"</th>
                            <th>"Last used"</th>
                            <th>"Status"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {keys.into_iter().map(|k| view! { <ApiKeyRowView k act /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn ApiKeyRowView(k: ApiKeyRow, act: Act) -> impl IntoView {
    let id = k.id;
    view! {
        <tr data-key=k.prefix.clone()>
            <td>{k.name}</td>
            <td>
                <code>{k.prefix.clone()}</code>
            </td>
            <td>{k.created}</td>
            <td>{k.created_by.unwrap_or_else(|| "CLI or platform".into())}</td>
            <td>{k.last_used.unwrap_or_else(|| "never".into())}</td>
            <td>{if k.revoked { "revoked" } else { "active" }}</td>
            <td>
                {(!k.revoked)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                on:click=move |_| send(act, AdminAction::RevokeApiKey { id })
                            >
                                "Revoke"
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
pub fn Recalculate(progress: Option<(u64, u64, bool)>, act: Act) -> impl IntoView {
    let text = progress.map(|(done, all, finished)| {
        if finished {
            format!(
                "Last recalculation: {} events, done.",
                crate::credits::format_count(done as i64)
            )
        } else {
            format!(
                "Recalculating: {} of {} events…",
                crate::credits::format_count(done as i64),
                crate::credits::format_count(all as i64)
            )
        }
    });
    view! {
        <section class="card">
            <h2>"Recalculate"</h2>
            <p class="muted">
                "Rebuilds every usage total of the organization from the raw events."
            </p>
            <button type="button" on:click=move |_| send(act, AdminAction::Recalculate)>
                "Recalculate now"
            </button>
            {text.map(|t| view! { <p data-testid="recalc-progress">{t}</p> })}
        </section>
    }
}

#[component]
pub fn Governance(roles: Vec<Role>, act: Act) -> impl IntoView {
    let chosen = RwSignal::new(roles);
    view! {
        <section class="card" data-testid="governance">
            <h2>"Who may open the usage dashboard"</h2>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    send(
                        act,
                        AdminAction::SetDashboardRoles {
                            roles: chosen.get(),
                        },
                    );
                }
            >
                {Role::ALL
                    .map(|r| {
                        view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    name=format!("role-{}", r.as_str())
                                    disabled=r == Role::Owner
                                    prop:checked=move || {
                                        r == Role::Owner || chosen.get().contains(&r)
                                    }
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen
                                            .update(|c| {
                                                c.retain(|x| *x != r);
                                                if on {
                                                    c.push(r);
                                                }
                                            });
                                    }
                                />
                                {r.label()}
                            </label>
                        }
                    })}
                <button type="submit">"Save access"</button>
            </form>
            <p class="muted">
                "Owners always may. Others see an explanation instead of the dashboard."
            </p>
        </section>
    }
}

#[component]
pub fn Audit(rows: Vec<AuditRow>) -> impl IntoView {
    let mut t = Table::new(
        TableId::Audit,
        "Audit log (newest first)",
        &["Time", "Who", "Action", "Detail"],
    );
    for (i, r) in rows.into_iter().enumerate() {
        t.row(
            i.to_string(),
            vec![
                Cell::text(r.time),
                Cell::text(r.actor),
                Cell::text(r.action),
                Cell::text(r.detail),
            ],
        );
    }
    view! {
        <section class="card">
            <DataTableView table=t export=None sort=None page_size=20 drill_filter=None />
        </section>
    }
}
