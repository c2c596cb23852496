//! Routes, components, shared types and server-function declarations of the dashboard.
//! Compiled twice: with `ssr` into the server, with `hydrate` into the browser's wasm.
//!
//! A hydrated single-page app: the first answer is rendered on the server with the numbers
//! in the HTML; after hydration the router moves between pages and filters in place, and each
//! page asks its `#[server]` functions for new numbers.

#![recursion_limit = "256"]

pub mod admin;
pub mod catalog;
pub mod components;
pub mod credits;
pub mod data;
pub mod error;
pub mod filter;
pub mod ids;
pub mod model;
pub mod roles;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
pub mod table;
pub mod tables;

use components::filter_guard::FilterGuard;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes},
    hooks::use_location,
};
use roles::Me;

/// The HTML document around the app (server side only renders it).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // ECharts is served from public/ (never a CDN); charming's renderer calls it.
                <script src="/echarts.min.js" defer></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page links keep the current filters, so moving between pages keeps the view.
#[component]
fn Nav(me: Me) -> impl IntoView {
    let filter = components::url::use_filter();
    let mut pages = vec![
        ("/usage", "Usage"),
        ("/users", "Users"),
        ("/flows", "Flows & agents"),
        ("/activity", "Activity"),
        ("/credits", "Credits"),
        ("/settings", "Settings"),
    ];
    if me.role.administers() {
        pages.push(("/requests", "API"));
    }
    // A plain form: the server signs out and answers with a redirect to the login page.
    let logout = <routes::login::Logout as leptos::server_fn::ServerFn>::PATH;
    view! {
        <header class="topbar">
            <A href="/usage" attr:class="brand">
                "Credit meter"
            </A>
            <nav aria-label="Dashboard">
                {pages
                    .into_iter()
                    .map(|(path, label)| {
                        view! {
                            <A href=move || {
                                format!("{path}{}", components::url::query_string(&filter.get()))
                            }>{label}</A>
                        }
                    })
                    .collect_view()}
            </nav>
            <div class="who">
                <span data-testid="me">{me.email.clone()}</span>
                <span class="muted">
                    {format!(" · {} · {}", me.role.label(), me.organization_name)}
                </span>
                <form method="post" action=logout class="inline">
                    <button type="submit" data-testid="logout">
                        "Sign out"
                    </button>
                </form>
            </div>
        </header>
    }
}

/// Who is signed in, when the server already knows: its sign-in check found them before the
/// page was rendered (and sent the page only then).
fn known_viewer() -> Option<Me> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Me>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// Everything behind sign-in: no session → the login page (and back here afterwards).
///
/// A page the server renders knows its viewer before rendering, and the value travels in the
/// page, so hydration reads it without a request. The pages are then never rendered inside a
/// `Suspense` of this parent: the server re-runs a `Suspense`'s children until it settles,
/// and a page made again there would create its resources again, under ids the browser never
/// sees. Only an arrival in the browser (after signing in) asks who is signed in.
#[component]
fn Signed() -> impl IntoView {
    let known =
        leptos::server::SharedValue::<Option<Me>, data::Codec>::new_with_encoding(known_viewer);
    match known.into_inner() {
        Some(me) => view! { <SignedIn me /> }.into_any(),
        None => view! { <SignedLoader /> }.into_any(),
    }
}

/// Asks the server who is signed in, then shows the dashboard (or the login page).
#[component]
fn SignedLoader() -> impl IntoView {
    let me = crate::data::resource(|| (), |_| routes::login::get_me());
    let location = use_location();
    view! {
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! { <SignedIn me /> }.into_any(),
                    Ok(None) => {
                        let here = format!(
                            "{}{}",
                            location.pathname.get_untracked(),
                            location.search.get_untracked(),
                        );
                        let next: String = form_urlencoded::byte_serialize(here.as_bytes())
                            .collect();
                        view! { <Redirect path=format!("/login?next={next}") /> }.into_any()
                    }
                    Err(e) => {
                        view! {
                            <main>
                                <p class="error" role="alert">
                                    {format!("Could not check your session: {e}")}
                                </p>
                            </main>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The header and the current page; a role the owners have not opened the dashboard to
/// sees only Settings (credit requests among them).
#[component]
fn SignedIn(me: Me) -> impl IntoView {
    let location = use_location();
    let dashboard = me.dashboard;
    let open = move || dashboard || location.pathname.get() == "/settings";
    let role = me.role.label().to_lowercase();
    view! {
        <Nav me />
        <main>
            <Show
                when=open
                fallback=move || {
                    view! {
                        <section class="card" data-testid="dashboard-closed">
                            <h1>"Usage dashboard"</h1>
                            <p>
                                {format!(
                                    "Your organization's owners have not opened the usage dashboard to the {role} role. Ask an owner if you need it.",
                                )}
                            </p>
                            <p>
                                <A href="/settings">"Request credits"</A>
                            </p>
                        </section>
                    }
                }
            >
                <Outlet />
            </Show>
        </main>
    }
}

/// A dashboard page behind the filter guard: a filter the URL cannot read gets its
/// explanation instead of the page.
fn guarded<V: IntoView + 'static>(
    page: fn() -> V,
) -> impl Fn() -> AnyView + Clone + Send + 'static {
    move || view! { <FilterGuard>{move || page()}</FilterGuard> }.into_any()
}

/// A page outside sign-in (login, setup), in the narrow column.
fn narrow<V: IntoView + 'static>(page: fn() -> V) -> impl Fn() -> AnyView + Clone + Send + 'static {
    move || view! { <main class="narrow">{page()}</main> }.into_any()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/credit-meter.css" />
        <Title text="Credit usage" />
        <Router>
            <Routes fallback=|| {
                view! {
                    <main>
                        <p class="empty">"Page not found."</p>
                    </main>
                }
            }>
                <Route
                    path=StaticSegment("login")
                    ssr=SsrMode::Async
                    view=narrow(routes::login::LoginPage)
                />
                <Route
                    path=StaticSegment("setup")
                    ssr=SsrMode::Async
                    view=narrow(routes::setup::SetupPage)
                />
                <Route
                    path=StaticSegment("set-password")
                    ssr=SsrMode::Async
                    view=narrow(routes::setup::SetPasswordPage)
                />
                <ParentRoute path=StaticSegment("") ssr=SsrMode::Async view=Signed>
                    <Route
                        path=StaticSegment("usage")
                        ssr=SsrMode::Async
                        view=guarded(routes::usage::UsagePage)
                    />
                    <Route
                        path=StaticSegment("activity")
                        ssr=SsrMode::Async
                        view=guarded(routes::activity::ActivityPage)
                    />
                    <Route
                        path=StaticSegment("credits")
                        ssr=SsrMode::Async
                        view=routes::credits::CreditsPage
                    />
                    <Route
                        path=StaticSegment("users")
                        ssr=SsrMode::Async
                        view=guarded(routes::users::UsersPage)
                    />
                    <Route
                        path=StaticSegment("flows")
                        ssr=SsrMode::Async
                        view=guarded(routes::flows::FlowsPage)
                    />
                    <Route
                        path=StaticSegment("requests")
                        ssr=SsrMode::Async
                        view=guarded(routes::requests::RequestsPage)
                    />
                    <Route
                        path=StaticSegment("settings")
                        ssr=SsrMode::Async
                        view=routes::settings::SettingsPage
                    />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The browser entry (called by `frontend`): hydrates the page, then marks the document (tests and the browser bench wait for
/// the mark; the pages' suspended parts hydrate in the microtasks before a zero-delay timeout).
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    wasm_bindgen_futures::spawn_local(async {
        let body = document().body().expect("the page has a body");
        leptos::mount::hydrate_from_async(body, App).await.forget();
        set_timeout(
            || {
                if let Some(html) = document().document_element() {
                    let _ = html.set_attribute("data-hydrated", "true");
                }
                // The browser bench reads when the page became interactive.
                if let Some(p) = window().performance() {
                    let _ = p.mark("hydrated");
                }
            },
            std::time::Duration::ZERO,
        );
    });
}
