// Only what the dashboard draws (charming builds the options on the server): lines with
// mark points on a grid, the category donut; tooltips and
// scrolling legends; the canvas renderer. Exposed as the `echarts` global the wasm calls.
import * as echarts from "echarts/core";
import { LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkPointComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  LineChart, PieChart,
  GridComponent, TooltipComponent, LegendComponent, MarkPointComponent,
  CanvasRenderer,
]);
window.echarts = echarts;
