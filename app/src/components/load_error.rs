//! A page section that could not load: the reason in the server's words and a retry.

use leptos::prelude::*;

/// The error state of a page section, with a retry that asks the server again.
#[component]
pub fn LoadError(
    what: &'static str,
    error: crate::error::AppError,
    /// What "Try again" does; without it, the page is loaded again.
    #[prop(optional)]
    retry: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <div class="card error" role="alert">
            <p>{format!("Could not load {what}: {error}")}</p>
            {match retry {
                Some(retry) => {
                    view! {
                        <button
                            type="button"
                            class="button"
                            data-testid="retry"
                            on:click=move |_| retry.run(())
                        >
                            "Try again"
                        </button>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <a href="" rel="external" class="button">
                            "Try again"
                        </a>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
