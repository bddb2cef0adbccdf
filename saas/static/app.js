// Behaviour that needs script, kept out of the markup (the CSP allows no inline script).
(function () {
  "use strict";

  // Signed out on this browser: the scanner pages the check-in service worker kept (they list
  // attendees' names) go too. Scans still waiting to be sent stay in their queue.
  if (document.body.hasAttribute("data-signed-out") && window.caches) {
    window.caches.delete("ljt-scanner-pages");
  }

  // <button data-confirm="…"> on a plain (non-htmx) form asks before submitting.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // <button data-print> prints the page (an onclick attribute would be refused by the CSP).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // ECharts charts: <div class="chart" data-chart="bar" data-chart-data='{"labels":[],"values":[]}'>
  // for one series, or data-chart="series" with {"labels":[], "series":[{"name", "type": "bar" or
  // "line", "values", "axis": 1 for a second y axis on the right}]} for several.
  var COLOURS = ["#c8161d", "#2f6fb5", "#e08a00", "#2e8b57"];
  function seriesOption(el, data) {
    if (el.dataset.chart !== "series") {
      return [{ type: el.dataset.chart, name: el.dataset.chartName || "", data: data.values || [],
                itemStyle: { color: COLOURS[0] }, barMaxWidth: 48 }];
    }
    return (data.series || []).map(function (s, i) {
      return { type: s.type || "bar", name: s.name || "", data: s.values || [],
               yAxisIndex: s.axis ? 1 : 0, itemStyle: { color: COLOURS[i % COLOURS.length] },
               barMaxWidth: 32, smooth: false };
    });
  }
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var data = JSON.parse(el.dataset.chartData || "{}");
      var series = seriesOption(el, data);
      var twoAxes = series.some(function (s) { return s.yAxisIndex === 1; });
      var yAxis = { type: "value", minInterval: 1 };
      var chart = window.echarts.init(el);
      chart.setOption({
        grid: { left: 48, right: twoAxes ? 48 : 16, top: series.length > 1 ? 40 : 24, bottom: 40 },
        tooltip: { trigger: "axis" },
        legend: series.length > 1 ? { top: 0 } : undefined,
        xAxis: { type: "category", data: data.labels || [],
                 axisLabel: { interval: (data.labels || []).length > 8 ? "auto" : 0 } },
        yAxis: twoAxes ? [yAxis, { type: "value", minInterval: 1, splitLine: { show: false } }] : yAxis,
        series: series
      });
      window.addEventListener("resize", function () { chart.resize(); });
      drawn.push(chart);
      el.dataset.drawn = "1";
    });
  }
  // On paper a chart is redrawn at the sheet's width (not scaled down with its text) and without
  // animation, when the print layout applies and again when it ends.
  var drawn = [];
  function redrawAll() {
    drawn.forEach(function (chart) { chart.resize({ animation: { duration: 0 } }); });
  }
  if (window.matchMedia) {
    var printing = window.matchMedia("print");
    if (printing.addEventListener) printing.addEventListener("change", redrawAll);
  }
  window.addEventListener("afterprint", redrawAll);
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
})();
