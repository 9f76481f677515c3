/* The operator console's adoption charts (Chart.js, vendored). The page's table
   holds the same figures, so nothing is lost without this script. */
(function () {
  "use strict";

  var source = document.getElementById("adoption-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997",
                 "#0dcaf0", "#d63384", "#6c757d", "#ffc107", "#6610f2", "#198754"];

  var users = document.getElementById("adoption-users");
  if (users) {
    new window.Chart(users, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.text.active7, data: data.active7, backgroundColor: "#0d6efd" },
          { label: data.text.active30, data: data.active30, backgroundColor: "#9ec5fe" }
        ]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  var trend = document.getElementById("adoption-trend");
  if (trend && data.days.length) {
    new window.Chart(trend, {
      type: "line",
      data: {
        labels: data.days,
        datasets: data.series.map(function (s, i) {
          var colour = palette[i % palette.length];
          return { label: s.label, data: s.data, borderColor: colour, backgroundColor: colour,
                   tension: 0.2, pointRadius: 1 };
        })
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
})();
