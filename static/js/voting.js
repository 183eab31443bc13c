// Voting pages: a live count of the ticked candidates, one submit per form, print and copy,
// a Partner list filtered as one types.
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

  // The Partner picker: the server filters on "Filtruj listę"; this filters as one types.
  function fold(text) {
    return text.toLowerCase().replace(/ł/g, "l").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  document.querySelectorAll("input[data-filter-select]").forEach(function (input) {
    var select = document.querySelector("select[name='" + input.getAttribute("data-filter-select") + "']");
    if (!select) { return; }
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) { return; }
        var text = fold(option.textContent);
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        if (match) { shown.push(option); }
      });
      if (shown.length === 1) { select.value = shown[0].value; }
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
      }, function () {
        // No clipboard access: select the code, so Ctrl+C (or a long tap) copies it.
        var range = document.createRange();
        range.selectNodeContents(source);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      });
    });
  });
})();
