// A stand-in for Telegram's telegram-web-app.js in the desk's browser tests (tests/desk/browser.py
// serves it in place of the configured URL; the page never reaches the network).
//
// It provides what the desk uses of window.Telegram.WebApp: initData (signed in Python with the
// test bot's token, as the Telegram client would hand it over), initDataUnsafe (the same, parsed),
// ready(), expand(), close(), the colour scheme and theme, and MainButton/BackButton that do
// nothing. Every call is recorded in window.__telegramStandIn.calls, and handed to the test.
//
// The test puts its settings in front of this file as `const STAND_IN = {...};`
// (initData, colorScheme, themeParams, platform, version).
(function () {
  "use strict";
  var settings = typeof STAND_IN === "object" && STAND_IN !== null ? STAND_IN : {};
  var record = { calls: [], closed: false };
  window.__telegramStandIn = record;

  function called(name, args) {
    record.calls.push({ name: name, args: Array.prototype.slice.call(args || []) });
    if (typeof window.__wijkbotTelegramCall === "function") {
      window.__wijkbotTelegramCall(name); // to the test, across page loads
    }
  }

  function parseInitData(raw) {
    var result = {};
    if (!raw) {
      return result;
    }
    new URLSearchParams(raw).forEach(function (value, key) {
      if (key === "user" || key === "receiver" || key === "chat") {
        try {
          result[key] = JSON.parse(value);
        } catch (e) {
          result[key] = value;
        }
      } else if (key === "auth_date" || key === "can_send_after") {
        result[key] = parseInt(value, 10);
      } else {
        result[key] = value;
      }
    });
    return result;
  }

  function button(name) {
    var handlers = [];
    var self = {
      text: name === "MainButton" ? "CONTINUE" : "",
      isVisible: false,
      isActive: true,
      isProgressVisible: false,
      setText: function (text) {
        called(name + ".setText", arguments);
        self.text = String(text);
        return self;
      },
      setParams: function (params) {
        called(name + ".setParams", arguments);
        if (params && params.text !== undefined) {
          self.text = String(params.text);
        }
        return self;
      },
      show: function () {
        called(name + ".show", arguments);
        self.isVisible = true;
        return self;
      },
      hide: function () {
        called(name + ".hide", arguments);
        self.isVisible = false;
        return self;
      },
      enable: function () {
        self.isActive = true;
        return self;
      },
      disable: function () {
        self.isActive = false;
        return self;
      },
      showProgress: function () {
        self.isProgressVisible = true;
        return self;
      },
      hideProgress: function () {
        self.isProgressVisible = false;
        return self;
      },
      onClick: function (handler) {
        handlers.push(handler);
        return self;
      },
      offClick: function (handler) {
        handlers = handlers.filter(function (h) {
          return h !== handler;
        });
        return self;
      },
      // For a test: press the button as a person would in Telegram.
      __press: function () {
        handlers.slice().forEach(function (h) {
          h();
        });
      },
    };
    return self;
  }

  var events = {};
  var initData = typeof settings.initData === "string" ? settings.initData : "";
  var webApp = {
    initData: initData,
    initDataUnsafe: parseInitData(initData),
    version: settings.version || "8.0",
    platform: settings.platform || "tdesktop",
    colorScheme: settings.colorScheme || "light",
    themeParams: settings.themeParams || {},
    isExpanded: false,
    viewportHeight: window.innerHeight,
    viewportStableHeight: window.innerHeight,
    headerColor: "#ffffff",
    backgroundColor: "#ffffff",
    MainButton: button("MainButton"),
    SecondaryButton: button("SecondaryButton"),
    BackButton: button("BackButton"),
    HapticFeedback: {
      impactOccurred: function () {},
      notificationOccurred: function () {},
      selectionChanged: function () {},
    },
    ready: function () {
      called("ready", arguments);
    },
    expand: function () {
      called("expand", arguments);
      webApp.isExpanded = true;
    },
    close: function () {
      called("close", arguments);
      record.closed = true;
    },
    isVersionAtLeast: function (version) {
      return parseFloat(webApp.version) >= parseFloat(version);
    },
    setHeaderColor: function (color) {
      webApp.headerColor = color;
    },
    setBackgroundColor: function (color) {
      webApp.backgroundColor = color;
    },
    enableClosingConfirmation: function () {},
    disableClosingConfirmation: function () {},
    onEvent: function (type, handler) {
      (events[type] = events[type] || []).push(handler);
    },
    offEvent: function (type, handler) {
      events[type] = (events[type] || []).filter(function (h) {
        return h !== handler;
      });
    },
    sendData: function () {
      called("sendData", arguments);
    },
    openLink: function () {
      called("openLink", arguments);
    },
    openTelegramLink: function () {
      called("openTelegramLink", arguments);
    },
    showAlert: function (message, callback) {
      called("showAlert", arguments);
      if (callback) {
        callback();
      }
    },
    showConfirm: function (message, callback) {
      called("showConfirm", arguments);
      if (callback) {
        callback(true);
      }
    },
  };
  window.Telegram = { WebApp: webApp };
})();
