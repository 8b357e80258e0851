// Small progressive enhancements for the dashboard. Every page works without them.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#input-id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    var text = input.value || input.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { input.select(); });
    } else {
      input.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* selected for manual copy */ }
    }
  });

  // Forms that ask before doing something hard to undo: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Pre-select the browser's time zone on sign-up when the form still shows the default.
    var zone = document.querySelector("select[data-detect-zone]");
    if (zone && zone.value === "UTC" && window.Intl) {
      var detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (detected && zone.querySelector('option[value="' + detected + '"], option:not([value])')) {
        for (var i = 0; i < zone.options.length; i++) {
          if (zone.options[i].text === detected) { zone.selectedIndex = i; break; }
        }
      }
    }
    // Propose a public address from the shop name until the person types one.
    var source = document.querySelector("[data-slug-source]");
    if (source) {
      var target = document.querySelector(source.getAttribute("data-slug-source"));
      var touched = target && target.value !== "";
      if (target) {
        target.addEventListener("input", function () { touched = true; });
        source.addEventListener("input", function () {
          if (touched) return;
          target.value = source.value.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
            .replace(/['’]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
        });
      }
    }
  });
})();
