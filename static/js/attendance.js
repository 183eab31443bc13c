/* The attendance list: typing in the search box hides the Partners that do not match,
 * at once, without a round trip. Without JavaScript the same box is a GET form the
 * server filters (election/elections/attendance.py: matches) — the rule here is the
 * same: every word in the name (case and Polish letters folded), or the TERYT code's
 * beginning when a single number is typed. */
(function () {
  "use strict";

  var form = document.querySelector("[data-attendance-search]");
  var table = document.querySelector("[data-attendance-roster]");
  if (!form || !table) {
    return;
  }
  var input = form.querySelector("input[name=q]");
  var status = document.querySelector("[data-attendance-count]");
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-name]"));

  function fold(text) {
    return text
      .replace(/ł/g, "l")
      .replace(/Ł/g, "L")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  }

  function matches(row, words) {
    if (!words.length) {
      return true;
    }
    if (words.length === 1 && /^\d+$/.test(words[0])) {
      return row.getAttribute("data-teryt").indexOf(words[0]) === 0;
    }
    var name = fold(row.getAttribute("data-name"));
    return words.every(function (word) {
      return name.indexOf(word) !== -1;
    });
  }

  function filter() {
    var query = fold(input.value);
    var words = query ? query.split(" ") : [];
    var shown = 0;
    rows.forEach(function (row) {
      var show = matches(row, words);
      row.hidden = !show;
      if (show) {
        shown += 1;
      }
    });
    if (status) {
      status.textContent = words.length ? status.getAttribute("data-found").replace("%n", shown) : "";
    }
  }

  input.addEventListener("input", filter);
})();
