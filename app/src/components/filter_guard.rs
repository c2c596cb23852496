//! A dashboard link whose filter cannot be read shows why, instead of numbers for a view
//! nobody asked for (the REST API and the exports answer 400 for the same query).

use crate::filter::Filter;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// What is wrong with the current URL's filter: the field, its value and why.
#[derive(Clone, Debug, PartialEq)]
struct Unreadable {
    field: String,
    value: String,
    reason: String,
    /// The same page with every unreadable filter value left out.
    valid_href: String,
}

fn unreadable(path: &str, pairs: &[(String, String)]) -> Option<Unreadable> {
    let (field, reason) =
        Filter::try_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).err()?;
    let value = pairs
        .iter()
        .rev()
        .find(|(k, _)| *k == field)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if Filter::try_from_pairs([(k.as_str(), v.as_str())]).is_ok() {
            query.append_pair(k, v);
        }
    }
    let query = query.finish();
    let valid_href = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    Some(Unreadable {
        field,
        value,
        reason,
        valid_href,
    })
}

/// Renders `children` when the URL's filter reads; otherwise the error, naming the field,
/// with a link to the valid view (and a 400 status on the server's answer).
#[component]
pub fn FilterGuard(children: ChildrenFn) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let problem = Memo::new(move |_| {
        let pairs: Vec<(String, String)> = query.with(|q| {
            q.clone()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        });
        unreadable(&location.pathname.get(), &pairs)
    });
    view! {
        <Show
            when=move || problem.get().is_none()
            fallback=move || problem.get().map(|p| view! { <Problem p /> })
        >
            {children()}
        </Show>
    }
}

#[component]
fn Problem(p: Unreadable) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::BAD_REQUEST);
    }
    view! {
        <section class="card error" role="alert" data-testid="filter-error">
            <h1>"This link's filter can't be read"</h1>
            <p>
                "The filter "<code data-testid="filter-error-field">{p.field.clone()}</code> " is "
                <code>{shown(&p.value)}</code> ": it " {p.reason.clone()} "."
            </p>
            <p>"Nothing is shown for it, rather than numbers for a view that was not asked for."</p>
            <p>
                <a class="button" href=p.valid_href.clone() data-testid="filter-error-valid">
                    {format!("Show the page without {}", p.field)}
                </a>
            </p>
        </section>
    }
}

/// The value as it can be read back: quoted, control characters escaped, a long one cut.
fn shown(value: &str) -> String {
    const MAX: usize = 80;
    let cut: String = value.chars().take(MAX).collect();
    let more = if value.chars().nth(MAX).is_some() {
        "…"
    } else {
        ""
    };
    format!("{cut:?}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_shown_value_is_escaped_and_cut() {
        assert_eq!(shown("Sa\0les"), "\"Sa\\0les\"");
        assert_eq!(shown(&"x".repeat(500)), format!("{:?}…", "x".repeat(80)));
    }

    #[test]
    fn names_the_field_and_links_to_the_valid_view() {
        let p = unreadable(
            "/usage",
            &pairs(&[
                ("team", "Sales"),
                ("to", "2026-13-45"),
                ("compare", "never"),
            ]),
        )
        .expect("unreadable");
        assert_eq!((p.field.as_str(), p.value.as_str()), ("to", "2026-13-45"));
        assert!(p.reason.contains("date"), "{}", p.reason);
        assert_eq!(p.valid_href, "/usage?team=Sales");
        assert_eq!(
            unreadable("/usage", &pairs(&[("to", "x")]))
                .unwrap()
                .valid_href,
            "/usage"
        );
        assert_eq!(
            unreadable("/usage", &pairs(&[("team", "Sales"), ("sort", "x")])),
            None
        );
    }
}
