// Viewer pages: countdowns and times in the viewer's own zone, share and copy buttons,
// and "Remind me" without leaving the page. Every page works without it. A page module
// (ShowfloorLive.onPage): it runs again on the new <main> after an in-place swap.
(function () {
  "use strict";

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // "in 2 days, 3 hours", "in 12 minutes", "in 40 seconds".
  function until(ms) {
    var s = Math.round(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return plural(d, "day") + (h ? ", " + plural(h, "hour") : "");
    if (h > 0) return plural(h, "hour") + (m ? ", " + plural(m, "minute") : "");
    if (m > 0) return plural(m, "minute");
    return plural(Math.max(s, 0), "second");
  }

  function localTime(date) {
    try {
      return new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      }).format(date);
    } catch (e) { return date.toString(); }
  }

  function tick(main) {
    var now = Date.now();
    main.querySelectorAll("[data-countdown]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(at)) return;
      el.textContent = at > now ? "Starts in " + until(at - now) : "Starting any moment now";
    });
  }

  function share(button) {
    var url = button.getAttribute("data-share");
    navigator.share({ title: button.getAttribute("data-share-title") || document.title, url: url }).catch(function () {});
  }

  function copy(button) {
    var url = button.getAttribute("data-copy-link");
    var label = button.textContent;
    var done = function () { button.textContent = "Link copied"; setTimeout(function () { button.textContent = label; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, function () { window.prompt("Copy this link", url); });
    } else {
      window.prompt("Copy this link", url);
    }
  }

  function remind(form, event) {
    if (!window.fetch || !window.URLSearchParams) return;
    event.preventDefault();
    var result = form.querySelector(".v-remind-result");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString(),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (r) {
      result.hidden = false;
      result.classList.toggle("is-error", !r.ok);
      result.textContent = r.ok ? r.body.message : (r.body.error || "That did not work. Please try again.");
      if (r.ok) form.querySelector("input[type=email]").value = "";
    }).catch(function () {
      result.hidden = false;
      result.classList.add("is-error");
      result.textContent = "No connection. Please try again.";
    }).then(function () { button.disabled = false; });
  }

  function init(main) {
    main.querySelectorAll("time[data-local-time]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (!isNaN(at)) { el.title = el.textContent; el.textContent = localTime(at); }
    });
    tick(main);
    var timer = main.querySelector("[data-countdown]") ? setInterval(function () { tick(main); }, 1000) : null;
    if (navigator.share) {
      main.querySelectorAll("[data-share]").forEach(function (b) { b.hidden = false; });
    }
    return function () { clearInterval(timer); };
  }
  if (window.ShowfloorLive) {
    window.ShowfloorLive.onPage(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      var main = document.querySelector("main");
      if (main) init(main);
    });
  }

  document.addEventListener("click", function (event) {
    var shareButton = event.target.closest("[data-share]");
    if (shareButton) return share(shareButton);
    var copyButton = event.target.closest("[data-copy-link]");
    if (copyButton) copy(copyButton);
  });

  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-remind]")) remind(event.target, event);
  });
})();
