/* Progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  // Ask before an action that is hard to undo (suspend, archive, disable an app).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // Provisioning: suggest the name and the slug from the chosen regency, as long
  // as the operator has not typed their own. "Kabupaten Pati (33.18)" -> "pati";
  // cities keep their prefix ("Kota Bandung" -> "kota-bandung") so a regency and
  // a city of the same name do not collide.
  var region = document.querySelector("select[data-slug-source]");
  var slug = document.querySelector("input[data-slug-target]");
  var name = document.getElementById("name");
  if (!region || !slug) {
    return;
  }

  function suggest(input, value) {
    // Replace only what is empty or was suggested before, never the operator's own text.
    if (input && (!input.value || input.value === input.dataset.suggested)) {
      input.value = value;
      input.dataset.suggested = value;
    }
  }

  region.addEventListener("change", function () {
    if (!region.value) {
      return;
    }
    var label = region.options[region.selectedIndex].text.replace(/\s*\([\d.]+\)\s*$/, "");
    suggest(name, label);
    suggest(slug, label
      .replace(/^Kabupaten\s+/i, "")
      .toLowerCase()
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, ""));
  });
})();
