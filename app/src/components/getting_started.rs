//! The usage page of a new organization: no error, but the next step — define features, make
//! an API key, send the first event with the exact `curl` shown.

use crate::model::GettingStarted;
use leptos::prelude::*;

#[component]
pub fn GettingStartedCard(g: GettingStarted) -> impl IntoView {
    let curl = g.curl();
    view! {
        <section
            class="card getting-started"
            data-testid="getting-started"
            aria-labelledby="start-title"
        >
            {match curl {
                None => {
                    view! {
                        <h2 id="start-title">"Your catalog has no features yet"</h2>
                        <p>
                            "Usage is metered per feature. An owner adds pools and features in "
                            <a href="/settings#catalog">"Settings → Catalog"</a>
                            " (or applies a catalog document: " <code>"server catalog apply"</code>
                            ")."
                        </p>
                    }
                        .into_any()
                }
                Some(curl) => {
                    view! {
                        <h2 id="start-title">"No usage has arrived yet"</h2>
                        <p>
                            "Send a first event with an API key of this organization ("
                            <a href="/settings#api-keys">"create one in Settings"</a>
                            "); it appears here at once:"
                        </p>
                        <pre class="snippet" data-testid="first-event">
                            {curl}
                        </pre>
                    }
                        .into_any()
                }
            }}
            {g
                .has_usage
                .then(|| {
                    view! { <p class="muted">"Earlier usage stays in the history below."</p> }
                })}
        </section>
    }
}
