//! The Settings page's rate cards: every version of every feature's price (everyone reads
//! them), and for owners and billing admins a form that adds a version from now or later.

use super::fields::{field, select_field, typed_field};
use super::settings_forms::{Act, send};
use crate::admin::{AdminAction, RateForm, RateRow};
use leptos::prelude::*;

/// A blank part reads as 0.
fn part(text: &str) -> String {
    if text.trim().is_empty() {
        "0".into()
    } else {
        text.to_string()
    }
}

#[component]
pub fn Rates(
    rows: Vec<RateRow>,
    /// (key, name) of the features a billing role may price; empty: read only.
    features: Vec<(String, String)>,
    act: Act,
) -> impl IntoView {
    let edits = !features.is_empty();
    view! {
        <section class="card" id="rates" data-testid="rates">
            <h2>"Rates"</h2>
            <p class="muted">
                "What events that send usage instead of credits are rated at: credits per unit and per 1,000 tokens, rounded half-up to 0.001 once per event. A model's own price comes before the any-model one; a new version applies from its time on, history stays as it was rated."
            </p>
            {edits.then(|| view! { <RateEditor features act /> })}
            {if rows.is_empty() {
                view! { <p class="muted">"No rates yet: every event carries its credits."</p> }
                    .into_any()
            } else {
                view! { <RateTable rows /> }.into_any()
            }}
        </section>
    }
}

#[component]
fn RateTable(rows: Vec<RateRow>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data">
                <thead>
                    <tr>
                        <th>"Feature"</th>
                        <th>"Model"</th>
                        <th>"From"</th>
                        <th class="num">"Per unit"</th>
                        <th class="num">"Per 1K input"</th>
                        <th class="num">"Per 1K output"</th>
                        <th class="num">"Per 1K cached"</th>
                        <th class="num">"Minimum"</th>
                        <th>"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|r| {
                            let model = r.model.clone().unwrap_or_else(|| "any".into());
                            let key = format!("{}/{}/{}", r.feature, model, r.effective_from);
                            let status = r.status.label();
                            view! {
                                <tr data-key=key data-status=status>
                                    <td>{r.feature_name}</td>
                                    <td>{model}</td>
                                    <td>{r.effective_from}</td>
                                    <td class="num">{r.per_unit}</td>
                                    <td class="num">{r.per_1k_input_tokens}</td>
                                    <td class="num">{r.per_1k_output_tokens}</td>
                                    <td class="num">{r.per_1k_cached_input_tokens}</td>
                                    <td class="num">{r.minimum}</td>
                                    <td>
                                        <span class=format!(
                                            "status {}",
                                            status.replace(' ', "-"),
                                        )>{status}</span>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn RateEditor(features: Vec<(String, String)>, act: Act) -> impl IntoView {
    let feature = RwSignal::new(features.first().map(|f| f.0.clone()).unwrap_or_default());
    let [model, from, unit, input, output, cached, minimum] =
        std::array::from_fn(|_| RwSignal::new(String::new()));
    view! {
        <form
            class="row"
            data-testid="rate-form"
            on:submit=move |ev| {
                ev.prevent_default();
                let (m, f) = (model.get(), from.get());
                let rate = RateForm {
                    feature: feature.get(),
                    model: (!m.trim().is_empty()).then_some(m),
                    effective_from: (!f.trim().is_empty()).then_some(f),
                    per_unit: part(&unit.get()),
                    per_1k_input_tokens: part(&input.get()),
                    per_1k_output_tokens: part(&output.get()),
                    per_1k_cached_input_tokens: part(&cached.get()),
                    minimum: part(&minimum.get()),
                };
                send(act, AdminAction::SetRate { rate });
            }
        >
            {select_field("Feature", "rate-feature", features, feature)}
            {field("Model (empty: any)", "rate-model".into(), model)}
            {typed_field("From (empty: now)", "rate-from".into(), Some("datetime-local"), from)}
            {field("Per unit", "rate-per-unit".into(), unit)}
            {field("Per 1K input tokens", "rate-input".into(), input)}
            {field("Per 1K output tokens", "rate-output".into(), output)}
            {field("Per 1K cached input", "rate-cached".into(), cached)}
            {field("Minimum", "rate-minimum".into(), minimum)}
            <button type="submit" class="primary">
                "Add version"
            </button>
        </form>
    }
}
