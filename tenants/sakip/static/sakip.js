/* SAKIP's dashboard charts (Chart.js, vendored by the core). The page's table holds
   the same figures, so nothing is lost without this script. */
(function () {
  "use strict";

  var source = document.getElementById("sakip-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = { green: "#198754", amber: "#ffc107", red: "#dc3545", none: "#adb5bd" };

  var byOpd = document.getElementById("sakip-by-opd");
  if (byOpd && data.labels.length) {
    new window.Chart(byOpd, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.text.achievement,
          data: data.values,
          backgroundColor: data.bands.map(function (b) { return colours[b] || colours.none; })
        }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, suggestedMax: 120 } }
      }
    });
  }

  var trend = document.getElementById("sakip-trend");
  if (trend) {
    new window.Chart(trend, {
      type: "line",
      data: {
        labels: ["TW I", "TW II", "TW III", "TW IV"],
        datasets: [{ label: data.text.trend, data: data.trend, borderColor: "#0d6efd", tension: 0.2 }]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, suggestedMax: 120 } } }
    });
  }
}());
