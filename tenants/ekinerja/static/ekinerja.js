/* e-Kinerja's discipline dashboard charts (Chart.js, vendored by the core). The page's
   table holds the same figures, so nothing is lost without this script. */
(function () {
  "use strict";

  var source = document.getElementById("ekn-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = { green: "#198754", amber: "#ffc107", red: "#dc3545", none: "#adb5bd" };

  var byUnit = document.getElementById("ekn-by-unit");
  if (byUnit && data.labels.length) {
    new window.Chart(byUnit, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.text.rate,
          data: data.values,
          backgroundColor: data.bands.map(function (b) { return colours[b] || colours.none; })
        }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, suggestedMax: 40 } }
      }
    });
  }

  var trend = document.getElementById("ekn-trend");
  if (trend) {
    new window.Chart(trend, {
      type: "line",
      data: {
        labels: data.trend_labels,
        datasets: [{ label: data.text.trend, data: data.trend, borderColor: "#dc3545", tension: 0.2 }]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
    });
  }
}());
