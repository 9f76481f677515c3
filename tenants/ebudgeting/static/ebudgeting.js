/* e-Budgeting pages: small conveniences; every page works without them.
   - choosing a catalogue item selects its first allowed account and shows its maximum price;
   - the realization chart (Chart.js, vendored by the core) from the page's JSON. */
(function () {
  "use strict";

  var item = document.querySelector("[data-eb-item]");
  var account = document.querySelector("[data-eb-account]");
  var price = document.querySelector("[data-eb-price]");
  if (item && account) {
    item.addEventListener("change", function () {
      var option = item.options[item.selectedIndex];
      var allowed = (option && option.dataset.accounts || "").split(" ").filter(Boolean);
      if (allowed.length && allowed.indexOf(account.value) === -1) {
        account.value = allowed[0];
      }
      if (price && option && option.dataset.max) {
        price.placeholder = option.dataset.max;
      }
    });
  }

  var source = document.getElementById("eb-chart-data");
  var canvas = document.getElementById("eb-chart");
  if (source && canvas && typeof window.Chart !== "undefined") {
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.text.planned, data: data.planned, borderColor: "#6c757d", borderDash: [6, 4], fill: false },
          { label: data.text.realized, data: data.realized, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,.15)", fill: true }
        ]
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return "Rp " + Number(v).toLocaleString("id-ID"); } } } }
      }
    });
  }
})();
