// Auctions in the live room (src/live/auctions/). On the viewer page: the lot over the
// video with its price, who leads, the clock and one-tap "Bid €X" (or a maximum that bids
// for you); a first bid asks for a name and an e-mail address and the code we mail to it;
// the winner gets "Pay". In the studio (`data-auction-host`): the same card with End now
// and, for a lot the winner did not pay for, "Offer to the next bidder"; and the form that
// starts one. On the OBS overlay (`data-auction-results`): the card only. The server
// decides every bid; this only shows what it said.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live) { return; }
  var auction = null, me = null, profile = null, skew = 0, box = null, base = null;
  var note = "", step = null, dismissed = null, sentTo = "", busy = false, viewerName = "";

  function now() { return Date.now() + skew; }
  function running() { return auction && auction.state === "running" && now() < auction.ends_at; }
  function host() { return box && box.hasAttribute("data-auction-host"); }
  function display() { return box && box.hasAttribute("data-auction-results"); }
  function mine(ref) { return !!(me && ref && ref === me); }

  function field(label, input) {
    var wrap = Live.el("label", "auction-field");
    wrap.appendChild(Live.el("span", "auction-field-label", label));
    wrap.appendChild(input);
    return wrap;
  }

  function input(type, name, value, attrs) {
    var i = document.createElement("input");
    i.type = type; i.name = name; if (value) { i.value = value; }
    Object.keys(attrs || {}).forEach(function (k) { i.setAttribute(k, attrs[k]); });
    return i;
  }

  function button(cls, text, onClick) {
    var b = Live.el("button", cls, text);
    b.type = "button";
    b.disabled = busy;
    b.addEventListener("click", onClick);
    return b;
  }

  function standing() {
    var a = auction;
    if (a.state === "running") {
      if (a.price === null) { return "Starting bid " + a.start_display + " · no bids yet"; }
      return (mine(a.leader_ref) ? "You lead at " : "Current bid " + a.price_display + " · ") +
        (mine(a.leader_ref) ? a.price_display : (a.leader || "a bidder") + " leads");
    }
    if (a.state === "sold") {
      return mine(a.winner_ref) ? "You won at " + a.winner_price_display + "!" :
        "Sold to " + (a.winner || "a bidder") + " for " + a.winner_price_display;
    }
    if (a.state === "cancelled") { return "The host ended this auction: no winner."; }
    if (a.price === null) { return "No bids: not sold."; }
    return "Not sold: the bids did not reach the reserve.";
  }

  function clockText() {
    var left = Live.countdown(auction.ends_at, now());
    return left ? left : "0:00";
  }

  // The card has three parts: what it says (rebuilt on every change), the controls (rebuilt
  // only when what they offer changes, so a form being typed into survives other bidders'
  // news), and the note.
  var info = null, controls = null, noteBox = null, shownControls = null;

  function controlsKey() {
    var a = auction, live = running();
    if (host()) { return ["host", a.id, a.state, live, a.paying, a.winner_ref].join("|"); }
    if (display()) { return "display"; }
    if (live) {
      var form = step === "register" || step === "code" || step === "max";
      return ["bid", a.id, step, mine(a.leader_ref), form ? "" : busy, form ? "" : a.next_bid,
        profile && profile.verified].join("|");
    }
    return ["ended", a.id, a.state, mine(a.winner_ref), busy].join("|");
  }

  function render() {
    if (!box) { return; }
    if (!auction || dismissed === auction.id) {
      box.hidden = true; box.textContent = ""; info = controls = noteBox = shownControls = null;
      return;
    }
    box.hidden = false;
    if (!info || info.parentNode !== box) {
      box.textContent = "";
      info = Live.el("div", "auction-info");
      controls = Live.el("div", "auction-controls");
      noteBox = Live.el("p", "auction-note");
      noteBox.setAttribute("role", "status");
      box.appendChild(info); box.appendChild(controls); box.appendChild(noteBox);
      shownControls = null;
    }
    var a = auction, live = running();
    box.classList.toggle("auction-ending", live && a.ends_at - now() <= 10000);
    info.textContent = "";
    var head = Live.el("div", "auction-head");
    if (a.product && a.product.image) {
      var img = document.createElement("img");
      img.className = "auction-thumb"; img.alt = ""; img.src = a.product.image;
      head.appendChild(img);
    }
    var titles = Live.el("div", "auction-titles");
    titles.appendChild(Live.el("p", "auction-kicker", live ? "Live auction" : "Auction ended"));
    titles.appendChild(Live.el("p", "auction-title", a.title));
    head.appendChild(titles);
    if (live) {
      var clock = Live.el("p", "auction-clock", clockText());
      clock.setAttribute("aria-label", "Time left");
      head.appendChild(clock);
    }
    info.appendChild(head);
    info.appendChild(Live.el("p", "auction-standing", standing()));
    var facts = [];
    if (live) {
      facts.push(a.bids + (a.bids === 1 ? " bid" : " bids"));
      facts.push(a.extend_s ? "late bids add time (" + a.extend_s + " s)" : "sudden death");
      if (a.reserve_met === false) { facts.push("reserve not met yet"); }
      if (a.reserve_met === true) { facts.push("reserve met"); }
    }
    if (facts.length) { info.appendChild(Live.el("p", "auction-facts", facts.join(" · "))); }
    if (!live && !host() && !display()) {
      var x = button("auction-dismiss", "×", function () { dismissed = a.id; render(); });
      x.setAttribute("aria-label", "Hide the auction");
      info.appendChild(x);
    }
    var key = controlsKey();
    if (key !== shownControls) {
      shownControls = key;
      controls.textContent = "";
      target = controls;
      if (host()) { hostControls(); }
      else if (!display()) {
        if (live) { bidControls(); }
        else if (a.state === "sold" && mine(a.winner_ref)) { payControls(); }
      }
    }
    noteBox.textContent = note;
    noteBox.hidden = !note;
  }

  // Where the control builders below put what they make.
  var target = null;

  function bidControls() {
    var a = auction;
    if (step === "register" || step === "code") { register(); return; }
    var row = Live.el("div", "auction-actions");
    var leading = mine(a.leader_ref);
    if (!leading) {
      row.appendChild(button("btn btn-primary auction-bid", "Bid " + a.next_bid_display, function () {
        bid({ amount: a.next_bid });
      }));
    }
    row.appendChild(button("btn btn-secondary auction-more", leading ? "Raise my maximum" : "Set a maximum",
      function () { step = step === "max" ? null : "max"; render(); }));
    target.appendChild(row);
    if (step === "max") {
      var form = Live.el("form", "auction-max");
      var max = input("text", "max", "", { inputmode: "decimal", autocomplete: "off", required: "" });
      max.id = "auction-max-" + a.id;
      form.appendChild(field("Most you will pay (we bid for you, one step at a time)", max));
      var go = Live.el("button", "btn btn-primary", "Set maximum");
      go.type = "submit";
      form.appendChild(go);
      form.addEventListener("submit", function (e) { e.preventDefault(); bid({ max: max.value }); });
      target.appendChild(form);
      setTimeout(function () { max.focus(); }, 0);
    }
  }

  // A first bid: name, address and terms, then the code from the mail.
  function register() {
    var form = Live.el("form", "auction-register");
    if (step === "code") {
      form.appendChild(Live.el("p", "auction-help", "We sent a code to " + sentTo + ". Type it here."));
      var code = input("text", "code", "", { inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6", required: "" });
      form.appendChild(field("Code from the mail", code));
      var ok = Live.el("button", "btn btn-primary", "Confirm");
      ok.type = "submit";
      form.appendChild(ok);
      form.appendChild(button("auction-link", "Send a new code", function () { step = "register"; note = ""; render(); }));
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        send(base + "/bidder/verify", { code: code.value }, function (body) {
          profile = body.bidder; step = null; note = body.message; render();
        });
      });
      target.appendChild(form);
      setTimeout(function () { code.focus(); }, 0);
      return;
    }
    form.appendChild(Live.el("p", "auction-help", "To bid, tell us who you are. The winner pays within 24 hours."));
    var name = input("text", "name", profile ? profile.name : viewerName,
      { maxlength: "40", autocomplete: "nickname", required: "" });
    form.appendChild(field("Name shown when you lead", name));
    var email = input("email", "email", profile ? profile.email : "", { autocomplete: "email", required: "" });
    form.appendChild(field("E-mail address (for your code and, if you win, the payment link)", email));
    var terms = input("checkbox", "terms", "", {});
    var label = Live.el("label", "auction-terms");
    label.appendChild(terms);
    label.appendChild(document.createTextNode(" I accept the terms: a winning bid is a promise to pay within 24 hours."));
    form.appendChild(label);
    var go = Live.el("button", "btn btn-primary", "Send me a code");
    go.type = "submit";
    form.appendChild(go);
    form.appendChild(button("auction-link", "Cancel", function () { step = null; note = ""; render(); }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      send(base + "/bidder", { name: name.value, email: email.value, terms: terms.checked }, function (body) {
        sentTo = body.sent_to; step = "code"; note = ""; render();
      });
    });
    target.appendChild(form);
    setTimeout(function () { name.focus(); }, 0);
  }

  function payControls() {
    var a = auction;
    var by = new Date(a.pay_by).toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
    target.appendChild(Live.el("p", "auction-help", "Pay by " + by + " to keep it."));
    target.appendChild(button("btn btn-primary auction-pay", "Pay " + a.winner_price_display, function () {
      send(base + "/auctions/" + a.id + "/checkout", {}, function (body) {
        if (window.ShowfloorCheckout) { window.ShowfloorCheckout.open(body.sheet_url); }
        else { window.location.href = body.checkout_url; }
      });
    }));
  }

  function hostControls() {
    var a = auction;
    if (running()) {
      target.appendChild(button("btn btn-secondary auction-cancel", "End now, no winner", function () {
        send(base + "/auctions/" + a.id + "/cancel", {}, show);
      }));
    } else if (a.state === "sold") {
      var by = new Date(a.pay_by).toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
      target.appendChild(Live.el("p", "auction-help", a.paying ? "Checkout started; paid orders show in Orders." :
        "Waiting for " + (a.winner || "the winner") + " to pay (until " + by + ")."));
      target.appendChild(button("btn btn-secondary auction-second", "Offer to the next bidder", function () {
        send(base + "/auctions/" + a.id + "/second-chance", {}, show);
      }));
    }
  }

  function fieldError(body) {
    var f = body.fields || {};
    return f.name || f.email || f.terms || f.code || f.max || f.variant_id || f.start_price ||
      f.increment || f.reserve || f.seconds || f.extend_seconds || body.error;
  }

  function send(url, body, done) {
    busy = true;
    Live.post(url, body).then(function (r) {
      busy = false;
      if (r.ok) { note = ""; done(r.body); return; }
      note = fieldError(r.body);
      if (r.body.auction) { show(r.body.auction); return; }
      render();
    });
  }

  function bid(body) {
    if (!profile || !profile.verified) { step = "register"; note = ""; render(); return; }
    busy = true;
    render();
    Live.post(base + "/auctions/" + auction.id + "/bids", body).then(function (r) {
      busy = false;
      // Leading needs no note: the card says it.
      if (r.ok) { note = r.body.leading ? "" : r.body.message; step = null; show(r.body.auction); return; }
      if (r.body.needs === "verify") { step = "register"; note = ""; }
      else { note = fieldError(r.body); }
      render();
    });
  }

  function show(a) {
    if (!a) { auction = null; render(); return; }
    if (typeof a.now === "number") { skew = a.now - Date.now(); }
    // Events may arrive out of order with a bid's own answer: never step back.
    if (auction && auction.id === a.id && (auction.now > a.now ||
        (auction.bids > a.bids && a.state === auction.state))) { return; }
    if (!auction || auction.id !== a.id || auction.state !== a.state) { note = ""; step = null; }
    auction = a;
    render();
  }

  function onState(s) {
    if (s.bidder) { me = s.bidder.ref; profile = s.bidder.profile; }
    if (s.me && s.me.name) { viewerName = s.me.name; }
    show(s.auction);
  }
  Live.on("state", onState);
  Live.on("auction", show);
  // The clock: only its text changes each second (rebuilding would take the buttons from
  // under a finger and re-announce the card); at its end, the result.
  var wasRunning = false;
  setInterval(function () {
    if (!auction || !box || box.hidden) { return; }
    var live = running();
    if (live !== wasRunning) { wasRunning = live; render(); return; }
    var clock = box.querySelector(".auction-clock");
    if (clock && live) {
      clock.textContent = clockText();
      box.classList.toggle("auction-ending", auction.ends_at - now() <= 10000);
    }
  }, 250);

  // The studio's form: what to sell, from what price, in what steps, for how long.
  function wireForm(form) {
    var error = form.querySelector("[data-auction-error]");
    var select = form.elements.variant_id;
    Live.lots(select, base, function (l) {
      return l.title + " (" + l.price_display + (l.left === null ? "" : ", " + l.left + " left") + ")";
    });
    function bodyOf() {
      var el = form.elements;
      return {
        variant_id: Number(el.variant_id.value), start_price: el.start_price.value, increment: el.increment.value,
        reserve: el.reserve.value, seconds: Number(el.seconds.value), extend_seconds: Number(el.extend_seconds.value)
      };
    }
    function refused(r) { error.hidden = false; error.textContent = fieldError(r.body); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      Live.post(base + "/auctions", bodyOf()).then(function (r) {
        error.hidden = r.ok;
        if (!r.ok) { refused(r); return; }
        show(r.body);
      });
    });
    // The studio's queue (queue.js) prepares this form's auction to fire later.
    if (Live.formats) {
      Live.formats.auction = {
        form: form, path: "/auctions", body: bodyOf, shown: show, refused: refused,
        label: function () { var o = select.options[select.selectedIndex]; return "Auction: " + (o ? o.textContent : "lot"); }
      };
    }
  }

  function start(main) {
    box = (main || document).querySelector("[data-auction]");
    var room = (main || document).querySelector("[data-live-room]");
    base = box && (box.getAttribute("data-auction") || (room && room.getAttribute("data-live-room")));
    var form = (main || document).querySelector("[data-auction-form]");
    if (form && base) { wireForm(form); }
    render();
  }
  if (document.querySelector("main")) { Live.onPage(start); } else { start(document); }
  // Loaded on demand (live.js `data-module`): what came before this script ran.
  if (Live.latest("state")) { onState(Live.latest("state")); }
  if (Live.latest("auction")) { show(Live.latest("auction")); }
})();
