/* Wide tables scroll sideways inside .table-wrap (on a phone, in a narrow card). A box
 * that scrolls must be reachable with the keyboard (WCAG 2.1.1), so while it scrolls it
 * becomes a focusable, named region; when it fits again it stops being a tab stop.
 * Live pages redraw their tables, so new boxes are watched for too. */
(function () {
  "use strict";

  function label(wrap) {
    var caption = wrap.querySelector("caption");
    return caption ? caption.textContent.trim() : "";
  }

  function mark(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
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
  }

  function markAll() {
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
