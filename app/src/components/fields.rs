//! The form parts every settings section is built from: a labelled text box, a text box in
//! a table cell, a labelled menu and its options.

use leptos::prelude::*;

/// A text box bound to `value`, named for tests and labelled for screen readers.
pub(crate) fn field(label: &'static str, name: String, value: RwSignal<String>) -> impl IntoView {
    typed_field(label, name, None, value)
}

/// As [`field`], of an input type (`date`, `datetime-local`).
pub(crate) fn typed_field(
    label: &'static str,
    name: String,
    kind: Option<&'static str>,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label>
            <span>{label}</span>
            <input
                type=kind
                name=name
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// How a text box in a table cell reads its text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell {
    Text,
    /// A few characters wide (a unit, a currency).
    Short,
    /// A number: phones show the decimal keypad.
    Decimal,
}

/// A text box in a table row, labelled by its column for screen readers and tests.
pub(crate) fn cell_input(
    label: &'static str,
    value: RwSignal<String>,
    kind: Cell,
) -> impl IntoView {
    view! {
        <td>
            <input
                aria-label=label
                size=(kind == Cell::Short).then_some("6")
                inputmode=(kind == Cell::Decimal).then_some("decimal")
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </td>
    }
}

/// `(value, label)` options, the one equal to `chosen` selected.
pub(crate) fn options(items: Vec<(String, String)>, chosen: RwSignal<String>) -> impl IntoView {
    items
        .into_iter()
        .map(|(k, n)| {
            let k2 = k.clone();
            view! {
                <option value=k selected=move || chosen.get() == k2>
                    {n}
                </option>
            }
        })
        .collect_view()
}

/// A labelled menu bound to `value`, named for tests.
pub(crate) fn select_field(
    label: &'static str,
    name: &'static str,
    items: Vec<(String, String)>,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label>
            <span>{label}</span>
            <select name=name on:change=move |ev| value.set(event_target_value(&ev))>
                {options(items, value)}
            </select>
        </label>
    }
}
