/* The supervisor's queue: "tick every log" boxes, for the whole list and per person.
   They stay hidden without this script; every log keeps its own box either way. */
(function () {
  "use strict";

  var form = document.getElementById("ekn-queue");
  if (!form) {
    return;
  }
  var logs = function (group) {
    var selector = group === "all"
      ? "input[name=log_id]"
      : "input[name=log_id][data-ekn-group='" + group + "']";
    return Array.prototype.slice.call(form.querySelectorAll(selector));
  };
  var togglers = Array.prototype.slice.call(form.querySelectorAll("[data-ekn-ticks]"));

  // A toggler shows ticked when all its logs are, half when some are.
  var refresh = function () {
    togglers.forEach(function (toggler) {
      var boxes = logs(toggler.getAttribute("data-ekn-ticks"));
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      toggler.checked = boxes.length > 0 && ticked === boxes.length;
      toggler.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  };

  togglers.forEach(function (toggler) {
    toggler.addEventListener("change", function () {
      logs(toggler.getAttribute("data-ekn-ticks")).forEach(function (box) {
        box.checked = toggler.checked;
      });
      refresh();
    });
  });
  logs("all").forEach(function (box) { box.addEventListener("change", refresh); });
  Array.prototype.slice.call(form.querySelectorAll("[data-ekn-tick]")).forEach(function (row) {
    row.hidden = false;
  });
  refresh();
}());
