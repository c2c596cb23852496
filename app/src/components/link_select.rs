//! A select menu whose choices are links: picking one shows that page (the activity log's
//! sort order and page size). The only state is the URL, so it needs no more than this.

use crate::components::url::use_go;
use leptos::prelude::*;

/// One choice: the page it loads, its text, and whether it is the current one.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkChoice {
    pub href: String,
    pub text: String,
    pub selected: bool,
}

#[component]
pub fn LinkSelect(name: String, choices: Vec<LinkChoice>) -> impl IntoView {
    let go = use_go();
    view! {
        <select name=name on:change=move |ev| go(&event_target_value(&ev))>
            {choices
                .into_iter()
                .map(|c| {
                    view! {
                        <option value=c.href selected=c.selected>
                            {c.text}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}
