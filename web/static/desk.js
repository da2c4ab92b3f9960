// Every page of the desk. Inside Telegram (telegram-web-app.js loaded, initData handed over):
// tell Telegram the page is ready, take the full height, and show Telegram's back button where
// the page names a way back (<meta name="desk-back">). Outside Telegram nothing of this runs and
// the page works as it is. On a wide screen the inbox's search-and-choose block opens (on a
// phone it stays folded unless a choice is on).
(function () {
  "use strict";

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
    var button = app.BackButton;
    if (!button || !app.initData) {
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

  function filters() {
    var box = document.getElementById("filters");
    if (!box || !window.matchMedia) {
      return;
    }
    var wide = window.matchMedia("(min-width: 48em)");
    var chosen = box.open;
    function follow() {
      box.open = wide.matches || chosen;
    }
    follow();
    if (typeof wide.addEventListener === "function") {
      wide.addEventListener("change", follow);
    }
  }

  telegram();
  filters();
})();
