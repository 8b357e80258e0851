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

  // A table wider than its box scrolls inside it; a keyboard user must reach that scroll
  // too (WCAG 2.1.1): such a box becomes a focusable, named region, and stops being one
  // when the window grows enough to show the whole table.
  function scrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var table = wrap.querySelector("table");
        var caption = table && table.querySelector("caption");
        var card = wrap.closest("section, .card");
        var heading = card && card.querySelector("h1, h2, h3");
        var name = (caption || heading || {}).textContent || "Table";
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", name.trim() + " (scrolls sideways)");
        wrap.setAttribute("data-scroll-region", "");
      } else if (!scrolls && wrap.hasAttribute("data-scroll-region")) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (a) { wrap.removeAttribute(a); });
      }
    });
  }
  window.addEventListener("resize", function () { window.requestAnimationFrame(scrollableTables); });

  document.addEventListener("DOMContentLoaded", function () {
    scrollableTables();
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
