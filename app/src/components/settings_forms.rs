//! The sections of the Settings page. Each form builds one `AdminAction` and dispatches it;
//! the server decides whether the viewer may and records it in the audit log.

use crate::admin::{AdminAction, AdminOutcome};
use crate::credits::Credits;
use crate::error::AppError;
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
            {super::fields::options(pools, value)}
        </select>
    }
}
