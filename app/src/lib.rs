//! Routes, components, shared types and server-function declarations of the dashboard.
//! Compiled twice: with `ssr` into the server, with `hydrate` into the browser's wasm.

pub mod components;
pub mod credits;
pub mod error;
pub mod filter;
pub mod model;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
pub mod table;
pub mod tables;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{A, Route, Router, Routes},
};

/// The HTML document around the app (server side only renders it).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // ECharts is served from public/ (never a CDN); charming's renderer calls it.
                <script src="/echarts.min.js" defer></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page links keep the current filters, so moving between pages keeps the view.
#[component]
fn Nav() -> impl IntoView {
    let filter = components::filter_bar::use_filter();
    let pages = [
        ("/usage", "Usage"),
        ("/users", "Users"),
        ("/flows", "Flows & agents"),
        ("/activity", "Activity"),
        ("/credits", "Credits"),
        ("/requests", "API"),
    ];
    view! {
        <nav aria-label="Dashboard">
            {pages.map(|(path, label)| view! {
                <A href=move || format!("{path}{}", components::filter_bar::query_string(&filter.get()))>{label}</A>
            })}
        </nav>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/credit-meter.css"/>
        <Title text="Credit usage"/>
        <Router>
            <header class="topbar">
                <A href="/usage" attr:class="brand">"Credit meter"</A>
                <Nav/>
            </header>
            <main>
                <Routes fallback=|| view! { <p class="empty">"Page not found."</p> }>
                    <Route path=StaticSegment("usage") view=routes::usage::UsagePage/>
                    <Route path=StaticSegment("activity") view=routes::activity::ActivityPage/>
                    <Route path=StaticSegment("credits") view=routes::credits::CreditsPage/>
                    <Route path=StaticSegment("users") view=routes::users::UsersPage/>
                    <Route path=StaticSegment("flows") view=routes::flows::FlowsPage/>
                    <Route path=StaticSegment("requests") view=routes::requests::RequestsPage/>
                </Routes>
            </main>
        </Router>
    }
}
