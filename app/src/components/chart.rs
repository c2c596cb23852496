//! An ECharts chart. The server builds the option with charming and renders an empty,
//! labelled container; after hydration the browser hands the option to ECharts (served from
//! `public/`) and keeps the chart sized to the window. `EChart` is the island pages use;
//! `EChartView` draws the same chart inside another island.

use leptos::prelude::*;

#[island]
pub fn EChart(
    #[prop(into)] id: String,
    #[prop(into)] option: String,
    #[prop(into)] label: String,
) -> impl IntoView {
    view! { <EChartView id option label/> }
}

#[component]
pub fn EChartView(
    /// DOM id of the container (unique on the page).
    #[prop(into)]
    id: String,
    /// The ECharts option as JSON (from `charming::Chart`'s `Display`).
    #[prop(into)]
    option: String,
    /// Accessible description of what the chart shows.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let target = id.clone();
        // After a client-side navigation the effect can run before the container is attached
        // to the document, so drawing waits for an animation frame (a few, at most).
        Effect::new(move |_| draw_when_attached(target.clone(), option.clone(), 10));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = option;
    view! { <div id=id class="chart" role="img" aria-label=label></div> }
}

#[cfg(feature = "hydrate")]
mod echarts {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        pub type Instance;
        #[wasm_bindgen(js_namespace = echarts, js_name = init)]
        pub fn init(el: &web_sys::Element) -> Instance;
        #[wasm_bindgen(js_namespace = echarts, js_name = getInstanceByDom)]
        pub fn existing(el: &web_sys::Element) -> Option<Instance>;
        #[wasm_bindgen(method, js_name = setOption)]
        pub fn set_option(this: &Instance, option: &JsValue, not_merge: bool);
        #[wasm_bindgen(method)]
        pub fn resize(this: &Instance);
    }
}

#[cfg(feature = "hydrate")]
fn draw_when_attached(id: String, option: String, tries: u32) {
    request_animation_frame(move || {
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id));
        match el {
            Some(el) => draw(&id, &el, &option),
            None if tries > 0 => draw_when_attached(id, option, tries - 1),
            None => leptos::logging::error!("chart {id} never appeared in the document"),
        }
    });
}

#[cfg(feature = "hydrate")]
fn draw(id: &str, el: &web_sys::Element, option: &str) {
    let value = match js_sys::JSON::parse(option) {
        Ok(v) => v,
        Err(e) => return leptos::logging::error!("chart {id}: bad option {e:?}"),
    };
    let chart = echarts::existing(el).unwrap_or_else(|| echarts::init(el));
    chart.set_option(&value, true);
    // ECharts does not follow its container by itself.
    let handle = window_event_listener(leptos::ev::resize, move |_| chart.resize());
    on_cleanup(move || handle.remove());
}
