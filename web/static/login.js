// The login page inside Telegram: post the Mini App's initData (the server checks its
// signature, age and that it was not used before). Outside Telegram there is none: the page
// keeps its text about /bureau. (desk.js tells Telegram the page is ready.)
(function () {
  "use strict";
  var app = window.Telegram && window.Telegram.WebApp;
  var form = document.getElementById("telegram-login");
  if (!app || !app.initData || !form) {
    return;
  }
  form.elements.namedItem("init_data").value = app.initData;
  document.getElementById("login-busy").classList.remove("hidden");
  document.getElementById("login-help").classList.add("hidden");
  form.submit();
})();
