// An upload checked by a job: polls the job's progress (the jobs page's JSON endpoint,
// named by data-upload-job) every second and reloads the page, which then shows the
// check's report, once the job has finished. Without JavaScript a reload does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-upload-job]");
  if (!box) return;
  var url = box.getAttribute("data-upload-job");
  var bar = box.querySelector(".progress-bar");
  var progress = box.querySelector(".progress");
  var badge = box.querySelector("[data-status]");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { jobs: [] };
      })
      .then(function (data) {
        var job = data.jobs[0];
        if (!job) return false;
        bar.style.width = job.progress + "%";
        bar.textContent = job.progress + "%";
        progress.setAttribute("aria-valuenow", job.progress);
        badge.textContent = job.status_label;
        badge.className = "badge text-bg-" + job.status_class;
        if (job.final) window.location.reload();
        return job.final;
      })
      .catch(function () {
        return false; /* offline for a moment: try again on the next tick */
      })
      .then(function (done) {
        if (!done) window.setTimeout(poll, 1000);
      });
  }
  window.setTimeout(poll, 1000);
})();
