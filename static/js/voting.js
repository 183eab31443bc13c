// Voting pages: a live count of the ticked candidates, one submit per form, print and copy.
// The server checks everything again; this only helps the voter.
(function () {
  "use strict";

  document.querySelectorAll("fieldset.ballot[data-seats]").forEach(function (fieldset) {
    var seats = parseInt(fieldset.getAttribute("data-seats"), 10);
    var out = fieldset.querySelector(".ballot-count");
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    if (!out) { return; }
    function update() {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n += 1; } });
      var text = (n > seats ? fieldset.getAttribute("data-msg-over") : fieldset.getAttribute("data-msg-count")) || "";
      out.textContent = text.replace("{n}", String(n)).replace("{seats}", String(seats));
      out.classList.toggle("error", n > seats);
      out.hidden = false;
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  });

  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitted")) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitted", "1");
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.setAttribute("aria-disabled", "true");
      });
    });
  });

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Copy the receipt code (shown once) to the clipboard; the page keeps it in view anyway.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied") || button.textContent;
      });
    });
  });
})();
