// The coach's forms, a little quicker with a script; every form works without it (the server
// checks everything again).
// - A status form shows only the field the chosen status needs (partner, which report, reason),
//   and marks it required: the browser asks for it before the form is sent.
// - Choosing an answer template puts its text in the text box (without a script: the button
//   beside it reloads the page with ?template=ID, which does the same on the server).
// - "Kies alles op deze pagina" ticks every report of the page (without a script: a link).
// - Ticking a report opens the folded "several at once" block, where its action is chosen.
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
        input.required = needed;
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
  var actions = document.getElementById("bulk-box");
  function openActions() {
    if (actions && !actions.open) {
      actions.open = true;
    }
  }
  if (bulk) {
    var boxes = bulk.querySelectorAll("input[name=id]");
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].addEventListener("change", function (event) {
        if (event.target.checked) {
          openActions();
        }
      });
    }
    if (all) {
      document.getElementById("select-all-link").classList.add("hidden");
      document.getElementById("select-all-box").classList.remove("hidden");
      all.addEventListener("change", function () {
        for (var j = 0; j < boxes.length; j++) {
          boxes[j].checked = all.checked;
        }
        if (all.checked) {
          openActions();
        }
      });
    }
  }
})();
