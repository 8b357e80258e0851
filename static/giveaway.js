// Giveaways in the live room (src/live/giveaways). On the viewer page: the prize over the
// video with how many entered; "Enter" shows the rules and the conditions first, "I accept,
// enter me" enters (or the chat keyword does); after the draw the winners' names, and on a
// winner's own page the claim form (name, e-mail, shipping address: a zero-amount order).
// In the studio (`data-giveaway-host`): the count, Draw and Cancel, the winners and the
// seed, and the form to open the next. In the OBS overlay (`data-giveaway-results`): the
// prize, the keyword, the count, the winners. The server decides; this shows what it said.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live) { return; }
  var g = null, box = null, base = null, dismissed = null, note = "", reading = false, claimed = null;

  function mine() {
    if (!g || !g.my_ref) { return null; }
    return g.winners.filter(function (w) { return w.ref === g.my_ref; })[0] || null;
  }

  function names() { return g.winners.map(function (w) { return w.name; }).join(", "); }

  function render() {
    if (!box) { return; }
    box.textContent = "";
    if (!g || dismissed === g.id) { box.hidden = true; return; }
    box.hidden = false;
    var host = box.hasAttribute("data-giveaway-host"), results = box.hasAttribute("data-giveaway-results");
    var head = Live.el("p", "giveaway-head");
    head.appendChild(Live.el("span", "giveaway-tag", "Giveaway"));
    head.appendChild(Live.el("span", "giveaway-prize", g.prize));
    box.appendChild(head);
    if (g.open) {
      var count = g.entrants + (g.entrants === 1 ? " entry" : " entries");
      var line = Live.el("p", "giveaway-state", count + (g.keyword ? " · send " + g.keyword + " in chat to enter" : ""));
      box.appendChild(line);
    } else if (g.state === "drawn") {
      box.appendChild(Live.el("p", "giveaway-winners", (g.winners.length === 1 ? "Winner: " : "Winners: ") + names()));
    } else {
      box.appendChild(Live.el("p", "giveaway-state", "Cancelled: nobody was drawn."));
    }
    if (host) { return hostControls(); }
    if (results) { return; }
    if (g.open) {
      viewerEntry();
    } else if (mine()) {
      claimForm(mine());
    } else {
      var x = Live.el("button", "giveaway-dismiss", "×");
      x.type = "button";
      x.setAttribute("aria-label", "Hide the giveaway");
      x.addEventListener("click", function () { dismissed = g.id; render(); });
      box.appendChild(x);
    }
    if (g.state === "drawn") { box.appendChild(recordLink()); }
    if (note) {
      var n = Live.el("p", "giveaway-note", note);
      n.setAttribute("role", "status");
      box.appendChild(n);
    }
  }

  function recordLink() {
    var a = Live.el("a", "giveaway-record", "How it was drawn");
    a.href = base + "/giveaways/" + g.id + "/draw";
    a.target = "_blank"; a.rel = "noopener";
    var p = Live.el("p", "giveaway-fair");
    p.appendChild(a);
    return p;
  }

  function viewerEntry() {
    if (g.entered) { box.appendChild(Live.el("p", "giveaway-in", "You are in ✓")); return; }
    if (!reading) {
      var b = Live.el("button", "giveaway-button", "Enter");
      b.type = "button";
      b.addEventListener("click", function () { reading = true; render(); var r = box.querySelector(".giveaway-rules"); if (r) { r.focus(); } });
      box.appendChild(b);
      return;
    }
    var rules = Live.el("div", "giveaway-rules");
    rules.tabIndex = -1;
    rules.appendChild(Live.el("p", "giveaway-rules-title", "Rules"));
    rules.appendChild(Live.el("p", "giveaway-rules-text", g.rules));
    if (g.conditions.length) {
      var ul = Live.el("ul", "giveaway-conditions");
      g.conditions.forEach(function (c) { ul.appendChild(Live.el("li", "", c)); });
      rules.appendChild(ul);
    }
    box.appendChild(rules);
    var accept = Live.el("button", "giveaway-button", "I accept, enter me");
    accept.type = "button";
    accept.addEventListener("click", function () {
      accept.disabled = true;
      Live.post(base + "/giveaways/" + g.id + "/enter").then(function (r) {
        reading = false;
        if (r.ok) { g.entered = true; note = ""; }
        else { note = (r.body.fields && r.body.fields.name) || r.body.error || "You could not enter; try again."; if (r.status === 409) { g.entered = true; } }
        render();
      });
    });
    box.appendChild(accept);
  }

  function field(form, name, label, autocomplete) {
    var id = "giveaway-" + name;
    var l = Live.el("label", "giveaway-field", label);
    l.setAttribute("for", id);
    var input = Live.el(name === "address" ? "textarea" : "input");
    input.id = id; input.name = name; input.required = true;
    if (name !== "address") { input.type = name === "email" ? "email" : "text"; }
    input.setAttribute("autocomplete", autocomplete);
    var err = Live.el("p", "giveaway-error", "");
    err.id = id + "-error"; err.hidden = true;
    input.setAttribute("aria-describedby", err.id);
    form.appendChild(l); form.appendChild(input); form.appendChild(err);
    return input;
  }

  function claimForm(w) {
    if (claimed || w.claimed) {
      box.appendChild(Live.el("p", "giveaway-in", claimed ? "Claimed: order " + claimed + ". The shop sends it to you." : "You claimed your prize."));
      return;
    }
    box.appendChild(Live.el("p", "giveaway-won", "You won! Where should the shop send it?"));
    var form = Live.el("form", "giveaway-claim");
    form.noValidate = true;
    var inputs = {
      name: field(form, "name", "Name", "name"),
      email: field(form, "email", "E-mail", "email"),
      address: field(form, "address", "Shipping address", "street-address")
    };
    var send = Live.el("button", "giveaway-button", "Claim my prize (free)");
    send.type = "submit";
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send.disabled = true;
      var body = { name: inputs.name.value, email: inputs.email.value, address: inputs.address.value };
      Live.post(base + "/giveaways/" + g.id + "/claim", body).then(function (r) {
        send.disabled = false;
        if (r.ok) { claimed = r.body.number; note = ""; render(); return; }
        var first = null;
        Object.keys(inputs).forEach(function (k) {
          var m = r.body.fields && r.body.fields[k];
          var e = document.getElementById(inputs[k].id + "-error");
          e.textContent = m || ""; e.hidden = !m;
          inputs[k].setAttribute("aria-invalid", m ? "true" : "false");
          if (m && !first) { first = inputs[k]; }
        });
        if (first) { first.focus(); } else { note = r.body.error || "The claim did not go through; try again."; render(); }
      });
    });
    box.appendChild(form);
  }

  function hostControls() {
    if (g.open) {
      var draw = Live.el("button", "btn btn-small giveaway-draw", "Draw " + (g.winners_wanted === 1 ? "the winner" : g.winners_wanted + " winners"));
      draw.type = "button";
      draw.addEventListener("click", function () {
        Live.post(base + "/giveaways/" + g.id + "/draw").then(function (r) {
          if (r.ok) { g = r.body; note = ""; } else { note = r.body.error; }
          render();
        });
      });
      var cancel = Live.el("button", "btn btn-secondary btn-small giveaway-cancel", "Cancel");
      cancel.type = "button";
      cancel.addEventListener("click", function () {
        Live.post(base + "/giveaways/" + g.id + "/cancel").then(function (r) { if (r.ok) { g = r.body; note = ""; render(); } });
      });
      var row = Live.el("p", "giveaway-actions");
      row.appendChild(draw); row.appendChild(cancel);
      box.appendChild(row);
    } else if (g.seed) {
      box.appendChild(Live.el("p", "giveaway-seed", "From " + g.entrants + " entries. Seed " + g.seed));
      box.appendChild(recordLink());
    }
    if (note) {
      var n = Live.el("p", "giveaway-note", note);
      n.setAttribute("role", "alert");
      box.appendChild(n);
    }
  }

  function show(data, fromState) {
    if (!data) { g = null; render(); return; }
    var shopper = box && !box.hasAttribute("data-giveaway-host") && !box.hasAttribute("data-giveaway-results");
    var fresh = !g || g.id !== data.id;
    // A page that opens long after a giveaway ended does not show it, unless it won.
    if (fromState && fresh && shopper && data.state === "cancelled") { dismissed = data.id; }
    if (fresh) { note = ""; reading = false; claimed = null; }
    // Broadcast events carry no viewer's own fields: keep what the state said.
    if (!fresh && g) {
      ["my_ref", "entered", "won"].forEach(function (k) { if (data[k] === undefined) { data[k] = g[k]; } });
    }
    if (data.won && data.won.claimed) {
      var w = data.winners.filter(function (x) { return x.ref === data.my_ref; })[0];
      if (w) { w.claimed = true; }
    }
    g = data;
    render();
  }

  Live.on("state", function (s) { show(s.giveaway, true); });
  Live.on("giveaway", function (d) { show(d, false); });

  function wireForm(form) {
    var error = form.querySelector("[data-giveaway-error]");
    var select = form.elements.variant_id;
    Live.lots(select, base, function (l) { return l.title + (l.left === null ? "" : " (" + l.left + " left)"); });
    function bodyOf() {
      var f = form.elements;
      return {
        variant_id: Number(f.variant_id.value), rules: f.rules.value, keyword: f.keyword.value || null,
        winners: Number(f.winners.value || 1), min_watch_minutes: Number(f.min_watch_minutes.value || 0),
        needs_question: f.needs_question.checked, needs_order: f.needs_order.checked,
        not_recent_winner: f.not_recent_winner.checked
      };
    }
    function refused(r) {
      var fields = r.body.fields || {};
      error.hidden = false;
      error.textContent = fields.variant_id || fields.rules || fields.keyword || fields.winners ||
        fields.min_watch_minutes || r.body.error;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      Live.post(base + "/giveaways", bodyOf()).then(function (r) {
        error.hidden = r.ok;
        if (!r.ok) { refused(r); return; }
        show(r.body, false);
      });
    });
    // The studio's queue (queue.js) prepares this form's giveaway to fire later.
    if (Live.formats) {
      Live.formats.giveaway = {
        form: form, path: "/giveaways", body: bodyOf, refused: refused,
        shown: function (d) { show(d, false); },
        label: function () { var o = select.options[select.selectedIndex]; return "Giveaway: " + (o ? o.textContent : "prize"); }
      };
    }
  }

  function start(main) {
    box = (main || document).querySelector("[data-giveaway]");
    var room = (main || document).querySelector("[data-live-room]");
    base = box && (box.getAttribute("data-giveaway") || (room && room.getAttribute("data-live-room")));
    var form = (main || document).querySelector("[data-giveaway-form]");
    if (form && base) { wireForm(form); }
    var s = Live.latest("state");
    if (s && s.giveaway) { show(s.giveaway, true); }
    if (Live.latest("giveaway")) { show(Live.latest("giveaway"), false); }
    render();
  }
  if (document.querySelector("main")) { Live.onPage(start); } else { start(document); }
})();
