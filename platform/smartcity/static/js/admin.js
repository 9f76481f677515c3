/* Progressive enhancements of the regency admin's pages; each works without them. */
(function () {
  "use strict";

  // "Copy" beside a read-only field (the one-time password link).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    var label = button.textContent;
    button.addEventListener("click", function () {
      field.select();
      var done = function () {
        button.textContent = "✓ " + label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });

  // On a phone the section menu is a scrolling row: show the current section.
  var current = document.querySelector(".admin-nav .active");
  if (current && current.parentElement.parentElement.scrollWidth > current.parentElement.parentElement.clientWidth) {
    current.parentElement.parentElement.scrollLeft = current.parentElement.offsetLeft - 16;
  }

  // Lists whose filters are selects: apply a changed filter at once.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
