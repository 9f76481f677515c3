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
  var region = document.querySelector("[data-slug-source]");
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
    // A <select> shows its label; the text box with a datalist holds it as its value.
    var shown = region.tagName === "SELECT" ? region.options[region.selectedIndex].text : region.value;
    if (!/\([\d.]+\)\s*$/.test(shown)) {
      return; // still typing, not yet a choice from the list
    }
    var label = shown.replace(/\s*\([\d.]+\)\s*$/, "");
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

// A list filtered as the visitor types (the landing page's regencies).
(function () {
  "use strict";
  document.querySelectorAll("input[data-filter-list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filter-list"));
    if (!list) {
      return;
    }
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLowerCase();
      list.querySelectorAll("[data-filter-text]").forEach(function (item) {
        var text = item.getAttribute("data-filter-text").toLowerCase();
        item.classList.toggle("d-none", wanted !== "" && text.indexOf(wanted) === -1);
      });
    });
  });
})();
