//! First run (route `/setup`): the first organization and its owner, with the one-time token
//! from the server's log. And `/set-password`: an invited member chooses a password through
//! a one-time link. Both are plain forms (they work without JavaScript) answered in place.
// The setup form's fields arrive one by one, as the form posts them without JavaScript
// too: its server function takes nine arguments.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "setup_open", output = crate::data::Postcard)]
pub async fn setup_open() -> Result<bool, AppError> {
    let (services, _) = crate::service::request().await?;
    services
        .setup_open()
        .await
        .map_err(crate::service::into_server_error)
}

#[server(endpoint = "setup", output = crate::data::Postcard)]
pub async fn run_setup(
    token: String,
    organization: String,
    slug: String,
    time_zone: String,
    anchor_day: String,
    name: String,
    email: String,
    password: String,
    starter_catalog: Option<String>,
) -> Result<(), AppError> {
    let (services, parts) = crate::service::request().await?;
    let form = crate::admin::SetupForm {
        token,
        organization,
        slug,
        time_zone,
        anchor_day,
        name,
        email,
        password,
        starter_catalog: starter_catalog.is_some(),
    };
    services
        .setup(&parts, &form)
        .await
        .map_err(crate::service::into_server_error)?;
    leptos_axum::redirect("/usage");
    Ok(())
}

#[server(endpoint = "set_password", output = crate::data::Postcard)]
pub async fn set_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    if password != confirm {
        return Err(crate::service::into_server_error(
            crate::error::AppError::invalid("confirm", "the two passwords differ"),
        ));
    }
    let (services, parts) = crate::service::request().await?;
    services
        .set_password(&parts, &token, &password)
        .await
        .map_err(crate::service::into_server_error)?;
    leptos_axum::redirect("/usage");
    Ok(())
}

fn token() -> String {
    use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default()
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let open = crate::data::resource(|| (), |_| setup_open());
    let token = token();
    view! {
        <section class="card login" data-testid="setup">
            <h1>"Set up the credit meter"</h1>
            <Suspense>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match open.await {
                            Ok(true) => view! { <SetupFormView token /> }.into_any(),
                            Ok(false) => {
                                view! {
                                    <p data-testid="setup-closed">
                                        "This meter is set up. " <a href="/login">"Sign in"</a>
                                    </p>
                                }
                                    .into_any()
                            }
                            Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn SetupFormView(token: String) -> impl IntoView {
    let action = ServerAction::<RunSetup>::new();
    view! {
        <p class="muted">
            "Create the first organization and its owner. The setup token is printed in the server's log at start."
        </p>
        <ActionForm action>
            <label>
                <span>"Setup token"</span>
                <input name="token" value=token required />
            </label>
            <label>
                <span>"Organization name"</span>
                <input name="organization" required />
            </label>
            <label>
                <span>"Slug (a-z, 0-9, -)"</span>
                <input name="slug" required pattern="[a-z0-9\\-]{1,40}" />
            </label>
            <label>
                <span>"Time zone"</span>
                <input name="time_zone" value="UTC" required />
            </label>
            <label>
                <span>"Billing periods start on day"</span>
                <input name="anchor_day" value="1" inputmode="numeric" required />
            </label>
            <label>
                <span>"Your name"</span>
                <input name="name" autocomplete="name" required />
            </label>
            <label>
                <span>"Your email"</span>
                <input type="email" name="email" autocomplete="username" required />
            </label>
            <label>
                <span>"Password (10 characters or more)"</span>
                <input
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    required
                    minlength="10"
                />
            </label>
            <label class="check">
                <input type="checkbox" name="starter_catalog" value="on" checked />
                "Start with an “AI credits” pool and example features"
            </label>
            {move || {
                action
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| {
                        view! {
                            <p class="error" role="alert" data-testid="setup-error">
                                {e.to_string()}
                            </p>
                        }
                    })
            }}
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                "Create organization"
            </button>
        </ActionForm>
    }
}

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let token = token();
    view! {
        <section class="card login" data-testid="set-password">
            <h1>"Choose your password"</h1>
            <SetPasswordForm token />
        </section>
    }
}

#[component]
fn SetPasswordForm(token: String) -> impl IntoView {
    let action = ServerAction::<SetPassword>::new();
    view! {
        <ActionForm action>
            <input type="hidden" name="token" value=token />
            <label>
                <span>"Password (10 characters or more)"</span>
                <input
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    required
                    minlength="10"
                />
            </label>
            <label>
                <span>"Again"</span>
                <input
                    type="password"
                    name="confirm"
                    autocomplete="new-password"
                    required
                    minlength="10"
                />
            </label>
            {move || {
                action
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| {
                        view! {
                            <p class="error" role="alert">
                                {e.to_string()}
                            </p>
                        }
                    })
            }}
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                "Set password and sign in"
            </button>
        </ActionForm>
    }
}
