//! The sections of the Settings page. Each form builds one `AdminAction` and dispatches it;
//! the server decides whether the viewer may and records it in the audit log.

use crate::admin::{AdminAction, AdminOutcome, ApiKeyRow, AuditRow, AutoRechargeRow, SettingsView};
use crate::components::data_table::DataTableView;
use crate::credits::Credits;
use crate::error::AppError;
use crate::roles::Role;
use crate::table::{Cell, Table, TableId};
use leptos::prelude::*;

/// Every admin action goes through here: the server checks the role and records it.
#[server(name = AdminActionFn, endpoint = "admin", input = leptos::server_fn::codec::Json, output = crate::data::Postcard)]
pub async fn admin_action(action: AdminAction) -> Result<AdminOutcome, AppError> {
    let (services, viewer) = crate::service::current().await?;
    services
        .admin(&viewer, action)
        .await
        .map_err(crate::service::into_server_error)
}

pub(crate) type Act = ServerAction<AdminActionFn>;

/// The answer to the last action, once the sections show its effect.
pub(crate) type Answer = RwSignal<Option<Result<crate::admin::AdminOutcome, AppError>>>;

pub(crate) fn send(act: Act, action: AdminAction) {
    act.dispatch(AdminActionFn { action });
}

/// A fresh purchase key in the browser (none while rendering on the server).
fn purchase_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        format!(
            "ui-{:x}{:x}",
            (js_sys::Math::random() * 1e15) as u64,
            js_sys::Date::now() as u64
        )
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// Reads a credits field; a bad number shows its reason instead of being sent.
pub(crate) fn credits(text: &str, error: RwSignal<Option<String>>) -> Option<Credits> {
    match Credits::parse(text.trim().replace(',', "").as_str()) {
        Ok(c) => {
            error.set(None);
            Some(c)
        }
        Err(e) => {
            error.set(Some(format!("Credits: {e}")));
            None
        }
    }
}

/// A link the server gave as a path (no `PUBLIC_URL` set) gets this page's origin, so it
/// can be copied and sent as it is. Outcomes render only in the browser, after an action.
fn absolute(secret: String) -> String {
    #[cfg(feature = "hydrate")]
    if secret.starts_with('/')
        && let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok())
    {
        return format!("{origin}{secret}");
    }
    secret
}

/// The answer to the last action: what happened, a secret to copy, or why not.
#[component]
pub fn Outcome(answer: Answer) -> impl IntoView {
    move || {
        answer.get().map(|r| match r {
            Ok(o) => view! {
                <div class="alert ok" role="status" data-testid="outcome">
                    {o.message}
                    {o
                        .secret
                        .map(|s| {
                            view! {
                                <code class="secret" data-testid="secret">
                                    {absolute(s)}
                                </code>
                            }
                        })}
                </div>
            }
            .into_any(),
            Err(e) => view! {
                <div class="alert danger" role="alert" data-testid="outcome">
                    {format!("Not done: {}", e.reason())}
                </div>
            }
            .into_any(),
        })
    }
}

pub(crate) fn pool_select(pools: Vec<(String, String)>, value: RwSignal<String>) -> impl IntoView {
    view! {
        <select name="pool" on:change=move |ev| value.set(event_target_value(&ev))>
            {pools
                .into_iter()
                .map(|(k, n)| {
                    let k2 = k.clone();
                    view! {
                        <option value=k selected=move || value.get() == k2>
                            {n}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

#[component]
pub fn BuyCredits(
    pools: Vec<(String, String)>,
    prices: Vec<(String, crate::credits::Price)>,
    act: Act,
) -> impl IntoView {
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let amount = RwSignal::new("1000".to_string());
    let error = RwSignal::new(None::<String>);
    // One key per purchase: a resubmit or a retry after a lost answer repeats the same
    // purchase (charged once); a new key once the purchase is answered.
    let key = RwSignal::new(purchase_key());
    Effect::new(move || {
        if let Some(Ok(_)) = act.value().get() {
            key.set(purchase_key());
        }
    });
    view! {
        <section class="card" data-testid="buy-credits">
            <h2>"Buy credits"</h2>
            <p class="muted">
                "Billed on invoice; the credits are available at once and never expire."
            </p>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(c) = credits(&amount.get(), error) {
                        let key = Some(key.get_untracked()).filter(|k| !k.is_empty());
                        send(
                            act,
                            AdminAction::BuyCredits {
                                pool: pool.get(),
                                credits: c,
                                key,
                            },
                        );
                    }
                }
            >
                <label>
                    <span>"Pool"</span>
                    {pool_select(pools, pool)}
                </label>
                <label>
                    <span>"Credits"</span>
                    <input
                        name="credits"
                        inputmode="decimal"
                        prop:value=amount
                        on:input=move |ev| amount.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" class="primary">
                    "Buy"
                </button>
                <span class="muted" data-testid="price">
                    {move || {
                        let price = prices.iter().find(|p| p.0 == pool.get()).map(|p| p.1.clone());
                        let amount = Credits::parse(amount.get().trim().replace(',', "").as_str())
                            .ok();
                        match (price, amount) {
                            (Some(p), Some(c)) => {
                                p.cost(c)
                                    .map(|m| format!("Price {} · {}", m.display(), p.per_credit()))
                                    .unwrap_or_default()
                            }
                            _ => String::new(),
                        }
                    }}
                </span>
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}

#[component]
fn AutoRechargeForm(row: AutoRechargeRow, act: Act) -> impl IntoView {
    let threshold = RwSignal::new(row.threshold.to_decimal_string());
    let amount = RwSignal::new(row.amount.to_decimal_string());
    let max = RwSignal::new(row.max_per_period.to_string());
    let error = RwSignal::new(None::<String>);
    let enabled = row.enabled == Some(true);
    let pool = row.pool.clone();
    let save = move |on: bool| {
        let (Some(t), Some(a)) = (
            credits(&threshold.get(), error),
            credits(&amount.get(), error),
        ) else {
            return;
        };
        let Ok(m) = max.get().trim().parse::<i32>() else {
            error.set(Some("Top-ups per period: a whole number".into()));
            return;
        };
        send(
            act,
            AdminAction::SetAutoRecharge {
                pool: pool.clone(),
                enabled: on,
                threshold: t,
                amount: a,
                max_per_period: m,
            },
        );
    };
    let save2 = save.clone();
    view! {
        <div class="recharge" data-testid=format!("recharge-{}", row.pool)>
            <h3>{row.pool_name.clone()}</h3>
            {if enabled {
                view! {
                    <p>
                        <span class="status active">"on"</span>
                        " Tops up when the balance falls below the threshold."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="muted" data-testid="recharge-off">
                        "Auto-recharge is not enabled."
                    </p>
                }
                    .into_any()
            }}
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    save(true);
                }
            >
                <label>
                    <span>"When below"</span>
                    <input
                        name="threshold"
                        prop:value=threshold
                        on:input=move |ev| threshold.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span>"Buy credits"</span>
                    <input
                        name="amount"
                        prop:value=amount
                        on:input=move |ev| amount.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span>"At most per period"</span>
                    <input
                        name="max"
                        prop:value=max
                        on:input=move |ev| max.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" class="primary">
                    {if enabled { "Save" } else { "Enable" }}
                </button>
                {enabled
                    .then(|| {
                        view! {
                            <button type="button" on:click=move |_| save2(false)>
                                "Disable"
                            </button>
                        }
                    })}
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
        </div>
    }
}

#[component]
pub fn AutoRecharge(rows: Vec<AutoRechargeRow>, act: Act) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Auto-recharge"</h2>
            {rows.into_iter().map(|row| view! { <AutoRechargeForm row act /> }).collect_view()}
        </section>
    }
}

#[component]
pub fn CreditRequests(v: SettingsView, act: Act) -> impl IntoView {
    let pool = RwSignal::new(v.pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let amount = RwSignal::new("500".to_string());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let decides = v.role.billing();
    view! {
        <section class="card" data-testid="credit-requests">
            <h2>"Credit requests"</h2>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(c) = credits(&amount.get(), error) {
                        send(
                            act,
                            AdminAction::RequestCredits {
                                pool: pool.get(),
                                credits: c,
                                note: note.get(),
                            },
                        );
                    }
                }
            >
                <label>
                    <span>"Pool"</span>
                    {pool_select(v.pools.clone(), pool)}
                </label>
                <label>
                    <span>"Credits"</span>
                    <input
                        name="request-credits"
                        prop:value=amount
                        on:input=move |ev| amount.set(event_target_value(&ev))
                    />
                </label>
                <label class="grow">
                    <span>"Note"</span>
                    <input
                        name="note"
                        prop:value=note
                        on:input=move |ev| note.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" data-testid="request-credits">
                    "Request credits"
                </button>
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th>"Asked"</th>
                            <th>"By"</th>
                            <th>"Pool"</th>
                            <th class="num">"Credits"</th>
                            <th>"Note"</th>
                            <th>"Status"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {v
                            .requests
                            .into_iter()
                            .map(|r| {
                                let pending = r.status == "pending";
                                let id = r.id;
                                view! {
                                    <tr data-key=r.id.to_string()>
                                        <td>{r.created}</td>
                                        <td>{r.requested_by}</td>
                                        <td>{r.pool}</td>
                                        <td class="num">{r.credits.display()}</td>
                                        <td>{r.note}</td>
                                        <td>
                                            <span class=format!(
                                                "status {}",
                                                r.status,
                                            )>{r.status.clone()}</span>
                                            {r.decided_by.map(|d| format!(" by {d}"))}
                                        </td>
                                        <td>
                                            {(decides && pending)
                                                .then(|| {
                                                    view! {
                                                        <button
                                                            type="button"
                                                            class="primary"
                                                            data-testid=format!("approve-{id}")
                                                            on:click=move |_| send(
                                                                act,
                                                                AdminAction::DecideRequest {
                                                                    id,
                                                                    approve: true,
                                                                },
                                                            )
                                                        >
                                                            "Approve"
                                                        </button>
                                                        " "
                                                        <button
                                                            type="button"
                                                            data-testid=format!("decline-{id}")
                                                            on:click=move |_| send(
                                                                act,
                                                                AdminAction::DecideRequest {
                                                                    id,
                                                                    approve: false,
                                                                },
                                                            )
                                                        >
                                                            "Decline"
                                                        </button>
                                                    }
                                                })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
pub fn Allocation(pools: Vec<(String, String)>, act: Act) -> impl IntoView {
    let pool = RwSignal::new(pools.first().map(|p| p.0.clone()).unwrap_or_default());
    let who = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    view! {
        <section class="card">
            <h2>"End-user allocation"</h2>
            <p class="muted">
                "A cap per billing period; the authorize API refuses usage beyond it. See the Users page for use so far."
            </p>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(c) = credits(&amount.get(), error) {
                        send(
                            act,
                            AdminAction::SetAllocation {
                                end_user: who.get(),
                                pool: pool.get(),
                                credits: c,
                            },
                        );
                    }
                }
            >
                <label>
                    <span>"End user id"</span>
                    <input
                        name="end_user"
                        prop:value=who
                        on:input=move |ev| who.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span>"Pool"</span>
                    {pool_select(pools, pool)}
                </label>
                <label>
                    <span>"Credits per period"</span>
                    <input
                        name="cap"
                        prop:value=amount
                        on:input=move |ev| amount.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit">"Save allocation"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL.map(|r| {
        view! {
            <option value=r.as_str() selected=r == selected>
                {r.label()}
            </option>
        }
    })
}

#[component]
pub fn Members(v: SettingsView, act: Act) -> impl IntoView {
    let (email, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let role = RwSignal::new(Role::Member);
    let team = RwSignal::new(v.teams.first().cloned().unwrap_or_default());
    let teams = v.teams.clone();
    view! {
        <section class="card" data-testid="members">
            <h2>"Members and teams"</h2>
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
                <label>
                    <span>"Name"</span>
                    <input
                        name="invite-name"
                        prop:value=name
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
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
                    <select
                        name="invite-team"
                        on:change=move |ev| team.set(event_target_value(&ev))
                    >
                        <option value="">"No team"</option>
                        {teams
                            .iter()
                            .map(|t| {
                                view! {
                                    <option value=t.clone() selected=t == &team.get_untracked()>
                                        {t.clone()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit" class="primary">
                    "Invite"
                </button>
            </form>
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
                            .map(|m| {
                                let id = m.id;
                                let current = m.teams.first().cloned().unwrap_or_default();
                                let all_teams = v.teams.clone();
                                view! {
                                    <tr data-key=m.email.clone()>
                                        <td>
                                            {m.email.clone()}
                                            <span class="muted">{format!(" · {}", m.name)}</span>
                                        </td>
                                        <td>
                                            <select
                                                aria-label="Role"
                                                on:change=move |ev| {
                                                    if let Some(r) = Role::parse(&event_target_value(&ev)) {
                                                        send(
                                                            act,
                                                            AdminAction::ChangeRole {
                                                                user_id: id,
                                                                role: r,
                                                            },
                                                        );
                                                    }
                                                }
                                            >
                                                {role_options(m.role)}
                                            </select>
                                        </td>
                                        <td>
                                            <select
                                                aria-label="Team"
                                                on:change=move |ev| {
                                                    let t = event_target_value(&ev);
                                                    send(
                                                        act,
                                                        AdminAction::SetTeams {
                                                            user_id: id,
                                                            teams: if t.is_empty() { vec![] } else { vec![t] },
                                                        },
                                                    );
                                                }
                                            >
                                                <option value="">"No team"</option>
                                                {all_teams
                                                    .into_iter()
                                                    .map(|t| {
                                                        view! {
                                                            <option value=t.clone() selected=t == current>
                                                                {t.clone()}
                                                            </option>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </select>
                                            {(m.teams.len() > 1)
                                                .then(|| format!(" +{} more", m.teams.len() - 1))}
                                        </td>
                                        <td>
                                            {if m.active {
                                                view! { <span class="status active">"active"</span> }
                                                    .into_any()
                                            } else {
                                                view! { <span class="status">"deactivated"</span> }
                                                    .into_any()
                                            }}
                                        </td>
                                        <td>
                                            {m
                                                .active
                                                .then(|| {
                                                    view! {
                                                        <button
                                                            type="button"
                                                            on:click=move |_| send(
                                                                act,
                                                                AdminAction::Deactivate {
                                                                    user_id: id,
                                                                },
                                                            )
                                                        >
                                                            "Deactivate"
                                                        </button>
                                                    }
                                                })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
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
                <label>
                    <span>"Name"</span>
                    <input
                        name="key-name"
                        prop:value=name
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
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
                        {keys
                            .into_iter()
                            .map(|k| {
                                let id = k.id;
                                let key = k.prefix.clone();
                                view! {
                                    <tr data-key=key>
                                        <td>{k.name}</td>
                                        <td>
                                            <code>{k.prefix}</code>
                                        </td>
                                        <td>{k.created}</td>
                                        <td>
                                            {k.created_by.unwrap_or_else(|| "CLI or platform".into())}
                                        </td>
                                        <td>{k.last_used.unwrap_or_else(|| "never".into())}</td>
                                        <td>{if k.revoked { "revoked" } else { "active" }}</td>
                                        <td>
                                            {(!k.revoked)
                                                .then(|| {
                                                    view! {
                                                        <button
                                                            type="button"
                                                            on:click=move |_| send(
                                                                act,
                                                                AdminAction::RevokeApiKey { id },
                                                            )
                                                        >
                                                            "Revoke"
                                                        </button>
                                                    }
                                                })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
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
