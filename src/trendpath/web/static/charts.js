// trendpath dashboard: Velocity charts drawn with the vendored Chart.js (static/vendor).
// The server renders each chart's numbers into data-chart (and as a table behind the chart);
// this file only draws them. Words come from data-* attributes in the page's language.
(function () {
  "use strict";
  if (!window.Chart) { return; }

  var BLUE = "#0b57d0", BAND = "rgba(11, 87, 208, 0.18)", GREY = "#57606a";

  function words(fig) {
    var get = function (n, d) { return fig.getAttribute("data-word-" + n) || d; };
    return {
      history: get("history", "성장 속도 지수"), forecast: get("forecast", "4주 예측"),
      band: get("band", "80% 예측 구간"), usual: get("usual", "평소 속도(50점)"),
      yaxis: get("yaxis", "성장 속도 지수 (0–100점)"), xaxis: get("xaxis", "주 (월요일 기준)"),
      unit: get("unit", "점"), week: get("week", "주"), lang: get("lang", "ko")
    };
  }

  function shortDate(iso, w) {
    var p = iso.split("-");
    return w.lang === "en" ? (+p[1]) + "/" + (+p[2]) : (+p[1]) + "월 " + (+p[2]) + "일";
  }

  function longDate(iso, w) {
    var p = iso.split("-");
    return w.lang === "en" ? "Week of " + iso : p[0] + "년 " + (+p[1]) + "월 " + (+p[2]) + "일 " + w.week;
  }

  function datasets(data, w) {
    var sets = [{
      label: w.history, data: data.history, borderColor: BLUE, backgroundColor: BLUE,
      borderWidth: 2, pointRadius: 0, pointHitRadius: 8, spanGaps: false
    }];
    if (data.forecast) {
      sets.push({
        label: w.band, data: data.band_hi, borderColor: "transparent", backgroundColor: BAND,
        pointRadius: 0, fill: "+1", spanGaps: true, bandEdge: "hi"
      });
      sets.push({
        label: w.band, data: data.band_lo, borderColor: "transparent", backgroundColor: BAND,
        pointRadius: 0, fill: false, spanGaps: true, bandEdge: "lo", hiddenLegend: true
      });
      sets.push({
        label: w.forecast, data: data.forecast_line, borderColor: BLUE, backgroundColor: "#fff",
        borderDash: [6, 4], borderWidth: 2, pointRadius: 3, spanGaps: true
      });
    }
    sets.push({
      label: w.usual, data: data.labels.map(function () { return 50; }), borderColor: GREY,
      borderDash: [2, 3], borderWidth: 1, pointRadius: 0, pointHitRadius: 0, tooltipOff: true
    });
    return sets;
  }

  function tooltipLabel(w) {
    return function (item) {
      var set = item.dataset;
      if (set.tooltipOff) { return null; }
      if (set.bandEdge === "lo") { return null; }
      if (set.bandEdge === "hi") {
        var lo = item.chart.data.datasets.filter(function (d) { return d.bandEdge === "lo"; })[0];
        return w.band + ": " + lo.data[item.dataIndex] + "–" + item.raw + w.unit;
      }
      return set.label + ": " + item.raw + w.unit;
    };
  }

  function draw(fig) {
    var data = JSON.parse(fig.getAttribute("data-chart"));
    var w = words(fig);
    var box = fig.querySelector(".chart-box");
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", data.summary);
    box.appendChild(canvas);
    var phone = window.matchMedia("(max-width: 480px)").matches || fig.classList.contains("compact");
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets(data, w) },
      options: {
        animation: false, maintainAspectRatio: false, responsive: true,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { min: data.scale[0], max: data.scale[1], ticks: { stepSize: 25, color: GREY },
               title: { display: !phone, text: w.yaxis, color: GREY } },
          x: { ticks: { color: GREY, maxTicksLimit: phone ? 4 : 8, maxRotation: 0,
                        callback: function (v) { return shortDate(data.labels[v], w); } },
               title: { display: !phone, text: w.xaxis, color: GREY } }
        },
        plugins: {
          legend: { labels: { boxWidth: phone ? 10 : 18, font: { size: phone ? 11 : 12 }, filter: function (item, cd) {
            return !cd.datasets[item.datasetIndex].hiddenLegend; } } },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? longDate(data.labels[items[0].dataIndex], w) : ""; },
            label: tooltipLabel(w) } }
        }
      }
    });
    fig.classList.add("drawn");
  }

  document.querySelectorAll("figure.vchart[data-chart]").forEach(function (fig) {
    try { draw(fig); } catch (e) { fig.classList.add("failed"); }
  });
})();
