//! The filter in the URL: read from the query, written back as a query string, and the
//! in-app navigation a filter change or a menu choice makes.

use crate::filter::Filter;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The filter of the current URL.
pub fn use_filter() -> Memo<Filter> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            let pairs: Vec<(&str, String)> = crate::filter::KEYS
                .iter()
                .filter_map(|k| q.get(k).map(|v| (*k, v)))
                .collect();
            Filter::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        })
    })
}

/// `?range=…&team=…` for a filter (empty for the defaults).
pub fn query_string(f: &Filter) -> String {
    let pairs = f.to_pairs();
    if pairs.is_empty() {
        return String::new();
    }
    // The "?" is a prefix, not a pair: no "&" before the first pair.
    let mut s = form_urlencoded::Serializer::for_suffix(String::from("?"), 1);
    for (k, v) in pairs {
        s.append_pair(k, &v);
    }
    s.finish()
}

/// Navigates to `href` (a page of this app) without a document load, keeping the scroll
/// position: what a filter or a menu choice does.
pub fn use_go() -> impl Fn(&str) + Clone + Send + Sync + 'static {
    let navigate = use_navigate();
    move |href: &str| {
        let options = NavigateOptions {
            scroll: false,
            ..Default::default()
        };
        navigate(href, options)
    }
}
