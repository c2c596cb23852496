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
        // After a client-side navigation the effect can run before the container is attached
        // to the document, so drawing waits for an animation frame (a few, at most).
        Effect::new(move |_| draw_when_attached(target.clone(), chart.clone(), 10));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! { <div id=id class="chart" role="img" aria-label=label></div> }
}

#[cfg(feature = "hydrate")]
fn draw_when_attached(id: String, chart: Chart, tries: u32) {
    request_animation_frame(move || {
        let attached = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .is_some();
        if attached {
            draw(&id, &chart);
        } else if tries > 0 {
            draw_when_attached(id, chart, tries - 1);
        } else {
            leptos::logging::error!("chart {id} never appeared in the document");
        }
    });
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
