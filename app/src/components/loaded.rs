//! A page's numbers from its server function. The first answer is rendered on the server
//! (in the HTML, no spinner); a later answer (a filter change) replaces it in place. While
//! it loads, the numbers on screen stay, dimmed, under a pending bar; an error shows in
//! place with a retry.

use crate::components::load_error::LoadError;
use leptos::prelude::*;

#[component]
pub fn Loaded<T, V, F>(
    /// What is loading, for the messages ("usage", "the activity log").
    what: &'static str,
    data: crate::data::Data<T>,
    /// The view of one answer.
    render: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let pending = RwSignal::new(false);
    let retry = Callback::new(move |()| data.refetch());
    let search = leptos_router::hooks::use_location().search;
    let answer = move || {
        let render = render.clone();
        Suspend::new(async move {
            let answer = data.await;
            // Which view the numbers on screen are for: the query they answer,
            // as the browser's `location.search` spells it.
            let shown = search.with_untracked(|q| {
                if q.is_empty() {
                    String::new()
                } else {
                    format!("?{q}")
                }
            });
            let body = match answer {
                Ok(v) => render(v).into_any(),
                Err(error) => view! { <LoadError what error retry /> }.into_any(),
            };
            view! {
                <div class="answer" data-for=shown>
                    {body}
                </div>
            }
        })
    };
    let fallback = move || view! { <p class="loading">{format!("Loading {what}…")}</p> };
    // Only the browser is ever pending. On the server, `set_pending` would add an effect that
    // writes `pending` from another worker thread while the page renders it, and reactive_graph
    // reads with a non-blocking `try_read`, which panics ("already been disposed") when it
    // meets that write.
    #[cfg(feature = "ssr")]
    let transition = view! { <Transition fallback>{answer}</Transition> };
    #[cfg(not(feature = "ssr"))]
    let transition = view! {
        <Transition fallback set_pending=pending.write_only()>
            {answer}
        </Transition>
    };
    view! {
        <div
            class="loaded"
            class:pending=move || pending.get()
            aria-busy=move || pending.get().to_string()
        >
            <div class="pending-bar" role="status" data-testid="pending">
                {move || pending.get().then_some("Updating…")}
            </div>
            {transition}
        </div>
    }
}
