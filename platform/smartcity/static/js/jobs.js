// Live progress of the jobs on the page: polls the small JSON endpoint named by the
// table's data-jobs-progress every 1.5 s while a listed job is unfinished.
(function () {
  "use strict";
  var table = document.querySelector("[data-jobs-progress]");
  if (!table) return;
  var url = table.getAttribute("data-jobs-progress");
  var downloadLabel = table.getAttribute("data-label-download");

  function update(job) {
    var row = table.querySelector('tr[data-job-id="' + job.id + '"]');
    if (!row) return;
    var badge = row.querySelector("[data-status]");
    badge.textContent = job.status_label;
    badge.className = "badge text-bg-" + job.status_class;
    var progress = row.querySelector(".progress");
    var bar = row.querySelector(".progress-bar");
    bar.style.width = job.progress + "%";
    bar.textContent = job.progress + "%";
    progress.setAttribute("aria-valuenow", job.progress);
    bar.classList.toggle("progress-bar-striped", job.status === "running");
    bar.classList.toggle("progress-bar-animated", job.status === "running");
    if (!job.final) return;
    row.setAttribute("data-final", "1");
    progress.classList.add("d-none");
    var actions = row.querySelector("[data-actions]");
    actions.textContent = "";
    if (job.download_url) {
      var link = document.createElement("a");
      link.className = "btn btn-sm btn-success";
      link.href = job.download_url;
      link.textContent = downloadLabel;
      actions.appendChild(link);
    }
    if (job.error && job.status === "failed") {
      row.querySelector("[data-error]").textContent = job.error;
    }
  }

  function poll() {
    var rows = table.querySelectorAll('tr[data-final="0"]');
    if (!rows.length) return;
    var ids = Array.prototype.map.call(rows, function (row) {
      return row.getAttribute("data-job-id");
    });
    fetch(url + "?ids=" + ids.join(","), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { jobs: [] };
      })
      .then(function (data) {
        data.jobs.forEach(update);
      })
      .catch(function () {
        /* offline for a moment: try again on the next tick */
      })
      .then(function () {
        window.setTimeout(poll, 1500);
      });
  }

  window.setTimeout(poll, 1000);
})();
