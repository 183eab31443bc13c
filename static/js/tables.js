/* Wide tables scroll sideways inside .table-wrap (on a phone, in a narrow card). A box
 * that scrolls must be reachable with the keyboard (WCAG 2.1.1), so while it scrolls it
 * becomes a focusable, named region with a visible hint above it ("przewiń w bok →",
 * the text from the page's data-msg-scroll-hint); when it fits again it stops being a tab
 * stop and the hint goes. Tables of class "reflow" (the Council's: .council-table) get
 * each cell's column name in data-label, so on a phone the stylesheet shows them as one
 * card per row instead. Live pages redraw their tables, so new boxes are watched for too. */
(function () {
  "use strict";

  var HINT = "scroll-hint";

  function label(wrap) {
    var caption = wrap.querySelector("caption");
    return caption ? caption.textContent.trim() : "";
  }

  function hintText() {
    var holder = document.querySelector("[data-msg-scroll-hint]");
    return holder ? holder.getAttribute("data-msg-scroll-hint") : "";
  }

  function hintOf(wrap) {
    var before = wrap.previousElementSibling;
    return before && before.classList.contains(HINT) ? before : null;
  }

  function showHint(wrap) {
    var text = hintText();
    if (!text || hintOf(wrap)) {
      return;
    }
    var hint = document.createElement("p");
    hint.className = HINT;
    hint.textContent = text;
    wrap.parentNode.insertBefore(hint, wrap);
  }

  function reflow(table) {
    // A template may write the labels itself (data-labelled: cards without JavaScript too).
    if (table.hasAttribute("data-reflow-ready")) {
      return;
    }
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (heads[column] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", heads[column]);
        }
        column += cell.colSpan || 1;
      });
    });
    // A cell shown as a block loses its table role in some browsers: keep them explicit,
    // so a screen reader still reads the cards as rows of a table.
    table.setAttribute("role", "table");
    table.querySelectorAll("thead, tbody").forEach(function (group) {
      group.setAttribute("role", "rowgroup");
    });
    table.querySelectorAll("tr").forEach(function (row) {
      row.setAttribute("role", "row");
    });
    table.querySelectorAll("thead th").forEach(function (th) {
      th.setAttribute("role", "columnheader");
    });
    table.querySelectorAll("tbody td, tbody th").forEach(function (cell) {
      cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
    });
    if (!table.hasAttribute("data-labelled")) {
      table.setAttribute("data-labelled", "");
    }
    table.setAttribute("data-reflow-ready", "");
  }

  function mark(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth;
    if (scrolls && !wrap.hasAttribute("tabindex")) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("data-scroll-region", "");
      if (!wrap.hasAttribute("role")) {
        wrap.setAttribute("role", "region");
      }
      if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
        wrap.setAttribute("aria-label", label(wrap));
      }
    } else if (!scrolls && wrap.hasAttribute("data-scroll-region")) {
      // Only undo what this script did; a template's own tabindex stays.
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("data-scroll-region");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
    if (scrolls) {
      showHint(wrap);
    } else if (hintOf(wrap)) {
      wrap.parentNode.removeChild(hintOf(wrap));
    }
  }

  function markAll() {
    document.querySelectorAll("table.reflow, table.council-table").forEach(function (table) {
      if (!table.classList.contains("reflow")) {
        table.classList.add("reflow");
      }
      reflow(table);
    });
    document.querySelectorAll(".table-wrap").forEach(mark);
  }

  var pending = false;
  function soon() {
    if (pending) {
      return;
    }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      markAll();
    });
  }

  markAll();
  window.addEventListener("resize", soon);
  if (window.MutationObserver) {
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  }
})();
