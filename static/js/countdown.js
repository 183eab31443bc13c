/* The planned closing time of a round: keeps "za N min" current, every 30 s.
 * The server renders the whole line (the time in Warsaw and the minutes left), so the
 * page is complete without this script. Each line says how many milliseconds were left
 * when it was rendered (data-left-ms); the script counts from the moment the line
 * appeared (on load, or when live.js redrew a group), so a wrong clock on this device
 * does not matter. The countdown is not a live region (aria-live="off"): a screen
 * reader reads it when the user gets there, not every half minute. */
(function () {
  "use strict";
  var INTERVAL = 30000;
  var SELECTOR = "[data-planned-close]";
  var MINUTE = 60000;
  if (!window.WeakMap || !document.querySelectorAll) {
    return;
  }
  var seen = new WeakMap();

  function stamp(line, now) {
    if (!seen.has(line)) {
      seen.set(line, now);
    }
    return seen.get(line);
  }

  function show(line, now) {
    var out = line.querySelector(".countdown");
    var left = parseInt(line.getAttribute("data-left-ms"), 10);
    if (!out || isNaN(left)) {
      return;
    }
    left -= now - stamp(line, now);
    var minutes = Math.ceil(left / MINUTE);
    var text =
      minutes > 0
        ? (line.getAttribute("data-msg-left") || "").replace("{n}", String(minutes))
        : line.getAttribute("data-msg-over") || "";
    if (text && out.textContent !== text) {
      out.textContent = text;
    }
  }

  function tick() {
    var now = Date.now();
    var lines = document.querySelectorAll(SELECTOR);
    for (var i = 0; i < lines.length; i += 1) {
      show(lines[i], now);
    }
  }

  // A line drawn later (live.js swaps a group's HTML) starts its count when it appears.
  if (window.MutationObserver) {
    new MutationObserver(function () {
      var now = Date.now();
      var lines = document.querySelectorAll(SELECTOR);
      for (var i = 0; i < lines.length; i += 1) {
        stamp(lines[i], now);
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  tick();
  window.setInterval(tick, INTERVAL);
})();
