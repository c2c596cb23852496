//! A charming (ECharts) chart. The server renders an empty, labelled container; after
//! hydration an effect draws into it and keeps it sized to the window.

use charming::Chart;
use leptos::prelude::*;

#[component]
pub fn EChart(
    /// DOM id of the container (unique on the page).
    #[prop(into)]
    id: String,
    chart: Chart,
    /// Accessible description of what the chart shows.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let target = id.clone();
        Effect::new(move |_| draw(&target, &chart));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! { <div id=id class="chart" role="img" aria-label=label></div> }
}

#[cfg(feature = "hydrate")]
fn draw(id: &str, chart: &Chart) {
    match charming::WasmRenderer::new_opt(None, None).render(id, chart) {
        Ok(echarts) => {
            // ECharts does not follow its container by itself.
            let handle = window_event_listener(leptos::ev::resize, move |_| {
                echarts.resize(wasm_bindgen::JsValue::UNDEFINED);
            });
            on_cleanup(move || handle.remove());
        }
        Err(e) => leptos::logging::error!("chart {id} could not be drawn: {e:?}"),
    }
}
