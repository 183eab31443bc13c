/* Live results: poll live.json (~every 700 ms) and swap a group when its key changes.
 * The page is complete without this script; it only keeps it current. No state lives
 * on the server between requests, so any app process can answer. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-url]");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-live-url");
  var announce = document.getElementById("live-announce");
  var state = document.getElementById("live-state");
  var stamp = document.getElementById("live-stamp");
  var phase = document.querySelectorAll("[data-live-phase]");
  var INTERVAL = 700;
  var online = null;

  function setOnline(value) {
    if (!state || online === value) {
      return;
    }
    online = value;
    state.textContent = state.getAttribute(value ? "data-on" : "data-off");
  }

  function swap(section, entry) {
    // Keep the keyboard focus on the same control when its group is redrawn.
    var active = document.activeElement;
    var focusId = active && section.contains(active) ? active.id : null;
    section.innerHTML = entry.html;
    section.setAttribute("data-key", entry.key);
    // What the group's round waits for (paper ballots, the tellers) and the papers
    // entered: the key changes with them, and the section says them for the styles.
    var round = entry.round;
    if (round && round.awaiting) {
      section.setAttribute("data-awaiting", round.awaiting);
      section.setAttribute("data-paper-entered", String(round.paper_entered));
    } else {
      section.removeAttribute("data-awaiting");
      section.removeAttribute("data-paper-entered");
    }
    if (focusId) {
      var again = document.getElementById(focusId);
      if (again) {
        again.focus();
      }
    }
  }

  function update(data) {
    var changes = [];
    Object.keys(data.groups).forEach(function (group) {
      var entry = data.groups[group];
      var section = root.querySelector('[data-live-group="' + group + '"]');
      if (!section || section.getAttribute("data-key") === entry.key) {
        return;
      }
      swap(section, entry);
      changes.push(entry.summary);
    });
    for (var i = 0; i < phase.length; i += 1) {
      if (phase[i].textContent !== data.election.phase_label) {
        phase[i].textContent = data.election.phase_label;
      }
    }
    if (changes.length && announce) {
      announce.textContent = changes.join(" ");
    }
    if (stamp) {
      stamp.textContent = new Date().toLocaleTimeString(document.documentElement.lang || "pl");
    }
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        update(data);
        setOnline(true);
      })
      .catch(function () {
        setOnline(false);
      })
      .then(function () {
        window.setTimeout(poll, INTERVAL);
      });
  }

  poll();
})();
