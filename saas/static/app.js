// Behaviour that needs script, kept out of the markup (the CSP allows no inline script).
(function () {
  "use strict";

  // <button data-confirm="…"> on a plain (non-htmx) form asks before submitting.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // ECharts charts: <div class="chart" data-chart="bar" data-chart-data='{"labels":[],"values":[]}'>
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var data = JSON.parse(el.dataset.chartData || "{}");
      var chart = window.echarts.init(el);
      chart.setOption({
        grid: { left: 40, right: 16, top: 24, bottom: 40 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels || [], axisLabel: { interval: 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: el.dataset.chart, name: el.dataset.chartName || "", data: data.values || [],
                   itemStyle: { color: "#c8161d" }, barMaxWidth: 48 }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
})();
