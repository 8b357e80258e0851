// Coupon drops in the live room (src/live/coupons). On the viewer page: the code over the
// video with what it takes off, how many are left and until when, "Copy" and "Use it" (kept
// for this page's checkout sheet, checkout.js, which applies it at Pay). In the studio
// (`data-coupon-host`): the coupon with its redemptions as they come, End, and the form to
// drop the next. In the OBS overlay (`data-coupon-results`): the code and its terms. The
// server decides every redemption; this only shows what it said.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live) { return; }
  var coupon = null, box = null, base = null, dismissed = null, kept = null, said = "";
  var KEY = "showfloor.coupon";

  // The code the shopper kept: in memory, and in sessionStorage when the page may use it
  // (a cross-site embed with storage blocked still keeps it for this page).
  try { kept = window.sessionStorage.getItem(KEY + ":" + location.pathname); } catch (e) { kept = null; }
  window.ShowfloorCoupon = {
    kept: function () { return coupon && coupon.on && kept === coupon.code ? kept : null; }
  };
  function keep(code) {
    kept = code;
    try { window.sessionStorage.setItem(KEY + ":" + location.pathname, code); } catch (e) { /* blocked */ }
    Live.dispatch("coupon-kept", { code: code });
  }

  function isOn() { return coupon && coupon.on && (!coupon.expires_at || Date.now() < coupon.expires_at); }

  function status() {
    if (!isOn()) {
      return coupon.left === 0 ? "All " + coupon.max_redemptions + " used" : "Ended";
    }
    var parts = [];
    if (coupon.left !== null && coupon.left !== undefined) { parts.push(coupon.left + " of " + coupon.max_redemptions + " left"); }
    parts.push(coupon.expires_at ? "ends in " + Live.countdown(coupon.expires_at) : "until the stream ends");
    return parts.join(" · ");
  }

  function render() {
    if (!box) { return; }
    box.textContent = "";
    if (!coupon || dismissed === coupon.id) { box.hidden = true; return; }
    box.hidden = false;
    var host = box.hasAttribute("data-coupon-host"), results = box.hasAttribute("data-coupon-results");
    var on = isOn();
    wasOn = on;
    box.classList.toggle("coupon-off", !on);
    var head = Live.el("p", "coupon-head");
    head.appendChild(Live.el("span", "coupon-tag", "Coupon"));
    var code = Live.el("span", "coupon-code", coupon.code);
    head.appendChild(code);
    box.appendChild(head);
    box.appendChild(Live.el("p", "coupon-terms", coupon.label + (coupon.condition ? " " + coupon.condition : "")));
    box.appendChild(Live.el("p", "coupon-state", status()));
    if (host) {
      var used = coupon.redeemed + (coupon.redeemed === 1 ? " order has it" : " orders have it");
      box.appendChild(Live.el("p", "coupon-used", used + (coupon.max_redemptions ? " (limit " + coupon.max_redemptions + ")" : "")));
      if (on) {
        var end = Live.el("button", "btn btn-secondary coupon-end", "End coupon");
        end.type = "button";
        end.addEventListener("click", function () {
          Live.post(base + "/coupons/" + coupon.id + "/end").then(function (r) { if (r.ok) { coupon = r.body; render(); } });
        });
        box.appendChild(end);
      }
      return;
    }
    if (results) { return; }
    if (on) {
      var actions = Live.el("p", "coupon-actions");
      var copy = Live.el("button", "coupon-button", "Copy");
      copy.type = "button";
      copy.setAttribute("aria-label", "Copy the code " + coupon.code);
      copy.addEventListener("click", function () { copyCode(); });
      var use = Live.el("button", "coupon-button coupon-use", kept === coupon.code ? "Kept for checkout ✓" : "Use it");
      use.type = "button";
      use.setAttribute("aria-pressed", kept === coupon.code ? "true" : "false");
      use.addEventListener("click", function () {
        keep(coupon.code);
        said = coupon.code + " is applied when you pay.";
        render();
        var again = box.querySelector(".coupon-use");
        if (again) { again.focus(); }
      });
      actions.appendChild(copy); actions.appendChild(use);
      box.appendChild(actions);
    } else {
      var x = Live.el("button", "coupon-dismiss", "×");
      x.type = "button";
      x.setAttribute("aria-label", "Hide the coupon");
      x.addEventListener("click", function () { dismissed = coupon.id; render(); });
      box.appendChild(x);
    }
    if (said) { box.appendChild(Live.el("p", "coupon-said", said)); }
  }

  function copyCode() {
    var code = coupon.code;
    var done = function () { said = code + " copied."; render(); };
    var fallback = function () {
      // No clipboard (a frame without the permission): select the code to copy by hand.
      said = "Select the code to copy it.";
      render();
      var c = box.querySelector(".coupon-code");
      if (c && window.getSelection) {
        var range = document.createRange();
        range.selectNodeContents(c);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      }
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code).then(done, fallback);
    } else { fallback(); }
  }

  // `fromState`: a page that opens after the coupon ended does not show it to a shopper.
  function show(c, fromState) {
    if (!c) { coupon = null; render(); return; }
    var shopper = box && !box.hasAttribute("data-coupon-host") && !box.hasAttribute("data-coupon-results");
    if (fromState && !c.on && shopper && (!coupon || coupon.id !== c.id)) { dismissed = c.id; }
    if (!coupon || coupon.id !== c.id) { said = ""; }
    coupon = c;
    render();
  }

  Live.on("state", function (s) { show(s.coupon, true); });
  Live.on("coupon", function (c) { show(c, false); });
  var wasOn = false;
  setInterval(function () {
    if (!coupon || !box || box.hidden) { return; }
    var on = isOn();
    if (on !== wasOn) { render(); return; }
    var state = box.querySelector(".coupon-state");
    if (state && on && coupon.expires_at) { state.textContent = status(); }
  }, 1000);

  // The studio's form: the next drop (the one on the video comes off), errors said beside
  // the form, what the host typed kept.
  function wireForm(form) {
    var error = form.querySelector("[data-coupon-error]");
    var kind = form.elements.kind, value = form.elements.value;
    function hint() { value.placeholder = kind.value === "percent" ? "10" : "5.00"; }
    kind.addEventListener("change", hint);
    hint();
    function bodyOf() {
      var f = form.elements;
      return {
        code: f.code.value, kind: f.kind.value, value: f.value.value,
        min_basket: f.min_basket.value || null,
        max_redemptions: f.max_redemptions.value ? Number(f.max_redemptions.value) : null,
        minutes: f.minutes.value ? Number(f.minutes.value) : null
      };
    }
    function refused(r) {
      var fields = r.body.fields || {};
      error.hidden = false;
      error.textContent = fields.code || fields.kind || fields.value || fields.min_basket ||
        fields.max_redemptions || fields.minutes || r.body.error;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      Live.post(base + "/coupons", bodyOf()).then(function (r) {
        error.hidden = r.ok;
        if (!r.ok) { refused(r); return; }
        form.reset();
        hint();
        show(r.body, false);
      });
    });
    // The studio's queue (queue.js) prepares this form's coupon to fire later.
    if (Live.formats) {
      Live.formats.coupon = {
        form: form, path: "/coupons", body: bodyOf, refused: refused,
        shown: function (c) { show(c, false); },
        label: function (b) {
          var off = b.kind === "percent" ? b.value + " % off" : b.value + " off";
          return "Coupon " + (b.code ? b.code.toUpperCase() : "(code made up)") + ": " + off;
        }
      };
    }
  }

  function start(main) {
    box = (main || document).querySelector("[data-coupon]");
    var room = (main || document).querySelector("[data-live-room]");
    base = box && (box.getAttribute("data-coupon") || (room && room.getAttribute("data-live-room")));
    var form = (main || document).querySelector("[data-coupon-form]");
    if (form && base) { wireForm(form); }
    if (Live.latest("coupon")) { show(Live.latest("coupon"), false); }
    else if (Live.latest("state")) { show(Live.latest("state").coupon, true); }
    else { render(); }
  }
  // Pages with a <main> (viewer page, studio) swap it in place; the overlay has none.
  if (document.querySelector("main")) { Live.onPage(start); } else { start(document); }
})();
