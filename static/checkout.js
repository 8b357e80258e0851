// Checkout from the stream: hooks the pinned card's Buy form (rendered by room.js), posts
// the variant to /@{shop}/{stream}/buy with the page's CSRF token, and opens the order in
// a popup (or a new tab) so the video keeps playing. The result is reflected on the page:
// "sold out", or the order number once paid. On the confirmation page it tells the
// stream page (window.opener) that the order is done.
(function () {
  "use strict";

  // Dashboard pages carry the token in a meta tag; the cached stream page gets it from the
  // live room's state (live.js).
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) return meta.getAttribute("content");
    return window.ShowfloorLive ? window.ShowfloorLive.csrfToken() : "";
  }

  function notice(form, text, kind) {
    var box = document.querySelector("[data-checkout-notice]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("data-checkout-notice", "");
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      (form.parentNode || document.body).appendChild(box);
    }
    box.className = "checkout-notice checkout-" + (kind || "info");
    box.textContent = text;
  }

  function watch(statusUrl, form) {
    var tries = 0;
    var timer = setInterval(function () {
      tries += 1;
      if (tries > 400) { clearInterval(timer); return; }
      fetch(statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        if (s.paid) {
          clearInterval(timer);
          notice(form, "Order " + s.number + " is paid. Thank you!", "success");
        } else if (s.status === "expired" || s.status === "cancelled") {
          clearInterval(timer);
          notice(form, "Order " + s.number + " was " + s.status + "; nothing was charged.", "info");
        }
      }).catch(function () {});
    }, 3000);
  }

  function buy(form) {
    var room = document.querySelector("main[data-stream]");
    var base = window.location.pathname.replace(/\/(embed)?$/, "");
    var select = form.querySelector('[name="variant_id"]');
    var body = { variant_id: select ? Number(select.value) : null, quantity: 1 };
    // The pin whose live offer the shopper saw: the server refuses if it has ended
    // instead of silently charging the regular price.
    if (form.getAttribute("data-pin")) body.pin_id = Number(form.getAttribute("data-pin"));
    // Open the popup now, inside the click, or browsers block it.
    var popup = window.open("", "showfloor-checkout", "width=480,height=720");
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(base + "/buy", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (button) button.disabled = false;
      if (!res.ok) {
        if (popup) popup.close();
        notice(form, res.data.error || "Something went wrong; try again.", res.data.sold_out ? "error" : "info");
        return;
      }
      notice(form, res.data.title + " is reserved for you (order " + res.data.order + ").", "success");
      if (popup) { popup.location = res.data.checkout_url; } else { window.open(res.data.checkout_url, "_blank"); }
      watch(res.data.status_url, form);
    }).catch(function () {
      if (button) button.disabled = false;
      if (popup) popup.close();
      notice(form, "The connection dropped; try again.", "info");
    });
    return room;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form[data-buy]")) return;
    event.preventDefault();
    buy(form);
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || !event.data || event.data.showfloor !== "order") return;
    var form = document.querySelector("form[data-buy]") || document.body;
    if (event.data.paid) notice(form, "Order " + event.data.number + " is paid. Thank you!", "success");
  });

  // On the confirmation page, opened as a popup: tell the stream page.
  var done = document.querySelector("[data-order-done]");
  if (done && window.opener) {
    try {
      window.opener.postMessage({ showfloor: "order", number: done.dataset.order, paid: done.dataset.paid === "true" }, window.location.origin);
    } catch (e) { /* the stream tab was closed */ }
  }
})();
