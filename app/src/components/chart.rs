//! An ECharts chart. The server builds the option with charming and renders an empty,
//! labelled container; after hydration the browser hands the option to ECharts (served from
//! `public/`). A chart lives as long as the page: when new numbers arrive (a filter change),
//! the same ECharts instance is moved into the new container and given the new option, so it
//! animates from the old series to the new instead of being rebuilt from zero. Clicking a
//! series (a line, a slice) that the page can drill into follows that drill-down.

use crate::model::ChartDrill;
use leptos::prelude::*;

#[component]
pub fn EChart(
    /// DOM id of the container (unique on the page); also the identity of the live chart.
    #[prop(into)]
    id: String,
    /// The ECharts option as JSON (from `charming::Chart`'s `Display`).
    #[prop(into)]
    option: String,
    /// Accessible description of what the chart shows.
    #[prop(into)]
    label: String,
    /// Series (by name) that link to the page narrowed to them.
    #[prop(optional)]
    drill: Option<ChartDrill>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let go = crate::components::url::use_go();
        let filter = crate::components::url::use_filter();
        let path = leptos_router::hooks::use_location().pathname;
        let target = id.clone();
        let on_click = std::rc::Rc::new(move |name: String| {
            let Some(d) = &drill else { return };
            if let Some(value) = d.value_of(&name) {
                let f = filter.get_untracked().with(&d.field, value);
                let query = crate::components::url::query_string(&f);
                go(&format!("{}{query}", path.get_untracked()));
            }
        });
        // After a client-side navigation the effect can run before the container is attached
        // to the document, so drawing waits for an animation frame (a few, at most).
        Effect::new(move |_| {
            live::draw_when_attached(target.clone(), option.clone(), on_click.clone(), 10)
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (option, drill);
    view! { <div id=id class="chart" role="img" aria-label=label></div> }
}

#[cfg(feature = "hydrate")]
mod live {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        pub type Instance;
        #[wasm_bindgen(js_namespace = echarts, js_name = init)]
        fn init(el: &web_sys::Element) -> Instance;
        #[wasm_bindgen(method, js_name = setOption)]
        fn set_option(this: &Instance, option: &JsValue, opts: &JsValue);
        #[wasm_bindgen(method)]
        fn resize(this: &Instance);
        #[wasm_bindgen(method)]
        fn on(this: &Instance, event: &str, handler: &js_sys::Function);
    }

    type OnClick = Rc<dyn Fn(String)>;

    /// A chart kept across renders: the element ECharts draws into, its instance, and what a
    /// click on a series does now (it changes with the page's filter).
    struct Live {
        canvas: web_sys::Element,
        chart: Instance,
        on_click: Rc<RefCell<OnClick>>,
    }

    thread_local! {
        static CHARTS: RefCell<HashMap<String, Live>> = RefCell::new(HashMap::new());
    }

    /// The chart is drawn in a task after the frame that shows the page's new numbers, so
    /// ECharts' layout never holds back their paint; the chart then animates to its new series.
    pub fn draw_when_attached(id: String, option: String, on_click: OnClick, tries: u32) {
        leptos::prelude::request_animation_frame(move || {
            match leptos::prelude::document().get_element_by_id(&id) {
                Some(el) => leptos::prelude::set_timeout(
                    move || draw(&id, &el, &option, on_click),
                    std::time::Duration::ZERO,
                ),
                None if tries > 0 => draw_when_attached(id, option, on_click, tries - 1),
                None => leptos::logging::error!("chart {id} never appeared in the document"),
            }
        });
    }

    fn draw(id: &str, container: &web_sys::Element, option: &str, on_click: OnClick) {
        let value = match js_sys::JSON::parse(option) {
            Ok(v) => v,
            Err(e) => return leptos::logging::error!("chart {id}: bad option {e:?}"),
        };
        clickable_lines(&value);
        CHARTS.with_borrow_mut(|charts| {
            let live = charts
                .entry(id.to_string())
                .or_insert_with(|| create(container));
            *live.on_click.borrow_mut() = on_click;
            if live.canvas.parent_element().as_ref() != Some(container) {
                let _ = container.append_child(&live.canvas);
                live.chart.resize();
            }
            live.chart.set_option(&value, &update_options());
        });
    }

    fn create(container: &web_sys::Element) -> Live {
        let canvas = leptos::prelude::document()
            .create_element("div")
            .expect("a div");
        let _ = canvas.set_attribute("class", "chart-canvas");
        let _ = container.append_child(&canvas);
        let chart = init(&canvas);
        let on_click: Rc<RefCell<OnClick>> = Rc::new(RefCell::new(Rc::new(|_| {})));
        let current = on_click.clone();
        let handler = Closure::<dyn Fn(JsValue)>::new(move |params: JsValue| {
            let name = |key: &str| {
                js_sys::Reflect::get(&params, &JsValue::from_str(key))
                    .ok()
                    .and_then(|v| v.as_string())
            };
            // A line is named by its series, a slice of a pie by its data item.
            let series = name("seriesType")
                .filter(|t| t == "line")
                .and(name("seriesName"));
            if let Some(n) = series.or_else(|| name("name")) {
                let f = current.borrow().clone();
                f(n);
            }
        });
        chart.on("click", handler.as_ref().unchecked_ref());
        handler.forget();
        follow_window_size();
        Live {
            canvas,
            chart,
            on_click,
        }
    }

    /// Lines answer clicks on themselves, not only on their (hidden) symbols.
    fn clickable_lines(option: &JsValue) {
        let key = |k: &str| JsValue::from_str(k);
        let Ok(series) = js_sys::Reflect::get(option, &key("series")) else {
            return;
        };
        for s in js_sys::Array::from(&series).iter() {
            if js_sys::Reflect::get(&s, &key("type"))
                .ok()
                .and_then(|t| t.as_string())
                .as_deref()
                == Some("line")
            {
                let _ = js_sys::Reflect::set(&s, &key("triggerLineEvent"), &JsValue::TRUE);
            }
        }
    }

    /// ECharts does not follow its container by itself: one listener resizes the charts on
    /// screen when the window changes.
    fn follow_window_size() {
        thread_local!(static LISTENING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
        if LISTENING.replace(true) {
            return;
        }
        let resize = Closure::<dyn Fn()>::new(|| {
            CHARTS.with_borrow(|c| {
                c.values()
                    .filter(|l| l.canvas.is_connected())
                    .for_each(|l| l.chart.resize())
            })
        });
        let _ = leptos::prelude::window()
            .add_event_listener_with_callback("resize", resize.as_ref().unchecked_ref());
        resize.forget();
    }

    /// Series are replaced (a feature that left the range leaves the chart); everything
    /// matching by name moves from its old values to its new ones.
    fn update_options() -> JsValue {
        let opts = js_sys::Object::new();
        let replace = js_sys::Array::of1(&JsValue::from_str("series"));
        let _ = js_sys::Reflect::set(&opts, &JsValue::from_str("replaceMerge"), &replace);
        opts.into()
    }
}
