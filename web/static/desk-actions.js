// The coach's forms, a little quicker with a script; every form works without it.
// - A status form shows only the field the chosen status needs (partner, which report, reason).
// - Choosing an answer template puts its text in the text box (without a script: the button
//   beside it reloads the page with ?template=ID, which does the same on the server).
// - "Kies alles op deze pagina" ticks every report of the page (without a script: a link).
(function () {
  "use strict";

  function showNeeded(form, select) {
    var chosen = select.value;
    var fields = form.querySelectorAll(".needs[data-for]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var needed = field.getAttribute("data-for") === chosen;
      field.classList.toggle("hidden", !needed);
      var input = field.querySelector("input, select, textarea");
      if (input) {
        input.disabled = !needed;
      }
    }
  }

  var chooser = [
    [".status-form", "select[name=to]"],
    ["#bulk", "select[name=action]"],
  ];
  chooser.forEach(function (pair) {
    var form = document.querySelector(pair[0]);
    var select = form && form.querySelector(pair[1]);
    if (!select) {
      return;
    }
    select.addEventListener("change", function () {
      showNeeded(form, select);
    });
    showNeeded(form, select);
  });

  var picker = document.querySelector("select[data-fills]");
  if (picker) {
    var box = document.getElementById(picker.getAttribute("data-fills"));
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      var body = option && option.getAttribute("data-body");
      if (box && body) {
        box.value = body;
        box.focus();
      }
    });
  }

  var all = document.getElementById("select-all");
  var bulk = document.getElementById("bulk");
  if (all && bulk) {
    document.getElementById("select-all-link").classList.add("hidden");
    document.getElementById("select-all-box").classList.remove("hidden");
    var boxes = bulk.querySelectorAll("input[name=id]");
    all.addEventListener("change", function () {
      for (var i = 0; i < boxes.length; i++) {
        boxes[i].checked = all.checked;
      }
    });
  }
})();
