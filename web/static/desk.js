// Every page of the desk. Inside Telegram (telegram-web-app.js loaded, initData handed over):
// tell Telegram the page is ready, take the full height, and show Telegram's back button where
// the page names a way back (<meta name="desk-back">); a page's way back in (.in-telegram: close
// the desk and open it again from the bot) replaces the browser's (.outside-telegram). Outside
// Telegram nothing of this runs and the page works as it is. On a wide screen the inbox's
// folded blocks (search and choose, several at once) open (on a phone they stay folded unless
// something in them is on).
(function () {
  "use strict";

  function inTelegram(app) {
    var i;
    var inside = document.querySelectorAll(".in-telegram");
    for (i = 0; i < inside.length; i++) {
      inside[i].classList.remove("hidden");
    }
    var outside = document.querySelectorAll(".outside-telegram");
    for (i = 0; i < outside.length; i++) {
      outside[i].classList.add("hidden");
    }
    var closers = document.querySelectorAll(".close-desk");
    for (i = 0; i < closers.length; i++) {
      closers[i].addEventListener("click", function () {
        if (typeof app.close === "function") {
          app.close();
        }
      });
    }
  }

  function telegram() {
    var app = window.Telegram && window.Telegram.WebApp;
    if (!app) {
      return;
    }
    if (typeof app.ready === "function") {
      app.ready();
    }
    if (typeof app.expand === "function") {
      app.expand();
    }
    if (!app.initData) {
      return;
    }
    inTelegram(app);
    var button = app.BackButton;
    if (!button) {
      return;
    }
    var back = document.querySelector('meta[name="desk-back"]');
    if (back && back.content) {
      button.onClick(function () {
        window.location.assign(back.content);
      });
      button.show();
    } else {
      button.hide();
    }
  }

  // Open on a wide screen; back on a phone, as the page (or the person there) left it. (A
  // "change" may come without a change of width: only a real one counts.)
  function openWhenWide(box) {
    var wide = window.matchMedia("(min-width: 48em)");
    var wasWide = wide.matches;
    var narrowOpen = box.open;
    if (wasWide) {
      box.open = true;
    }
    if (typeof wide.addEventListener !== "function") {
      return;
    }
    wide.addEventListener("change", function () {
      if (wide.matches === wasWide) {
        return;
      }
      wasWide = wide.matches;
      if (wasWide) {
        narrowOpen = box.open;
        box.open = true;
      } else {
        box.open = narrowOpen;
      }
    });
  }

  function folded() {
    if (!window.matchMedia) {
      return;
    }
    var boxes = document.querySelectorAll("details[data-open-wide]");
    for (var i = 0; i < boxes.length; i++) {
      openWhenWide(boxes[i]);
    }
  }

  telegram();
  folded();
})();
