//! Sign-in (route `/login`) and the session's server functions: who am I, log in, log out.

use crate::error::AppError;
use crate::roles::Me;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A local path to return to after login; anything else (other sites, `//host`, and
/// control characters, which browsers drop: `/\t/evil.example` is `//evil.example`) is
/// ignored.
pub fn safe_next(next: Option<String>) -> String {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    })
    .unwrap_or_else(|| "/usage".into())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n",
            "/\\evil",
            "https://x",
            "/ /x",
            "evil",
        ] {
            assert_eq!(safe_next(Some(bad.into())), "/usage", "{bad:?}");
        }
        assert_eq!(
            safe_next(Some("/users?team=Sales".into())),
            "/users?team=Sales"
        );
        assert_eq!(safe_next(None), "/usage");
    }
}

#[server(endpoint = "me", output = crate::data::Postcard)]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    let (services, parts) = crate::service::request().await?;
    match services.viewer(&parts).await {
        Ok(viewer) => Ok(Some(
            services
                .me(&viewer)
                .await
                .map_err(crate::service::into_server_error)?,
        )),
        Err(crate::error::AppError::Unauthorized) => Ok(None),
        Err(e) => Err(crate::service::into_server_error(e)),
    }
}

/// A line for the login page from the operator (e.g. the demo accounts that `scripts/serve`
/// seeds); nothing by default.
#[server(endpoint = "login_hint", output = crate::data::Postcard)]
pub async fn login_hint() -> Result<Option<String>, AppError> {
    let (services, _) = crate::service::request().await?;
    Ok(services.login_hint())
}

#[server(endpoint = "login", output = crate::data::Postcard)]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let (services, parts) = crate::service::request().await?;
    services
        .login(&parts, &email, &password)
        .await
        .map_err(crate::service::into_server_error)?;
    leptos_axum::redirect(&safe_next(next));
    Ok(())
}

#[server(endpoint = "logout", output = crate::data::Postcard)]
pub async fn logout() -> Result<(), AppError> {
    let (services, parts) = crate::service::request().await?;
    services
        .logout(&parts)
        .await
        .map_err(crate::service::into_server_error)?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let hint = crate::data::resource(|| (), |_| login_hint());
    let setup = crate::data::resource(|| (), |_| crate::routes::setup::setup_open());
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    view! {
        <section class="card login">
            <h1>"Sign in"</h1>
            <p class="muted">"Credit meter · usage and credits of your organization"</p>
            <LoginForm next />
            <Suspense>
                {move || Suspend::new(async move {
                    hint.await
                        .ok()
                        .flatten()
                        .map(|h| {
                            view! {
                                <p class="muted hint" data-testid="login-hint">
                                    {h}
                                </p>
                            }
                        })
                })}
                {move || Suspend::new(async move {
                    setup
                        .await
                        .ok()
                        .filter(|open| *open)
                        .map(|_| {
                            view! {
                                <p class="alert warn" data-testid="setup-hint">
                                    "No organization exists yet: open the setup link the server printed in its log at start."
                                </p>
                            }
                        })
                })}
            </Suspense>
        </section>
    }
}

/// The form is an island: a wrong password is answered in place; success redirects.
#[component]
fn LoginForm(next: String) -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = move || {
        action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.reason())
    };
    view! {
        <ActionForm action>
            <input type="hidden" name="next" value=next />
            <label>
                <span>"Email"</span>
                <input type="email" name="email" autocomplete="username" required autofocus />
            </label>
            <label>
                <span>"Password"</span>
                <input type="password" name="password" autocomplete="current-password" required />
            </label>
            {move || {
                error()
                    .map(|e| {
                        view! {
                            <p class="error" role="alert" data-testid="login-error">
                                {e}
                            </p>
                        }
                    })
            }}
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                "Sign in"
            </button>
        </ActionForm>
    }
}
