// The studio's live panel: pin products (with a live offer), work the question queue,
// moderate chat, and watch the counters. Everything viewers wrote is shown as text.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;

  // The stream's products as a lot or prize picker (…/auctions/lots), shared by the
  // auction and giveaway forms (loaded after this script); `label(lot)` words an option.
  if (Live) {
    // The format forms register here for the queue (queue.js): {form, path, body(),
    // label(body), shown(answer), refused(response)}.
    Live.formats = {};
    Live.lots = function (select, base, label) {
      fetch(base + "/auctions/lots", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { lots: [] }; })
        .then(function (d) {
          select.textContent = "";
          if (!d.lots.length) {
            var none = Live.el("option", null, "No products on this stream yet");
            none.value = ""; select.appendChild(none);
          }
          d.lots.forEach(function (l) {
            var o = Live.el("option", null, label(l));
            o.value = l.variant_id;
            o.disabled = l.left === 0;
            select.appendChild(o);
          });
        });
    };
  }
  var root = document.querySelector("[data-studio-room]");
  if (!Live || !root) return;
  var base = root.getAttribute("data-studio-room");
  var el = Live.el;
  var $ = function (sel) { return root.querySelector(sel); };

  var featured = [];
  var pinned = null;
  var questions = {};

  function error(message) {
    var box = $("[data-pin-error]");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function act(path, body) {
    return Live.post(base + path, body).then(function (r) {
      if (!r.ok) error(r.body.error || "That did not work.");
      else error("");
      return r;
    });
  }

  // --- Products and pins -------------------------------------------------------------
  function renderProducts(list) {
    var box = $("[data-products]");
    box.textContent = "";
    if (list.length === 0) {
      box.appendChild(el("li", "empty-inline", "No products. Feature some on the stream's page, or search the catalogue."));
      return;
    }
    list.forEach(function (p) {
      var li = el("li", "list-row" + (pinned && pinned.product.product_id === p.product_id ? " pinned" : ""));
      if (p.image) { var img = el("img", "thumb"); img.src = p.image; img.alt = ""; li.appendChild(img); }
      var text = el("span", "grow");
      text.appendChild(el("strong", "", p.title));
      text.appendChild(el("span", "muted small", " " + p.price_display));
      li.appendChild(text);
      var pin = el("button", "btn btn-small btn-primary", "Pin");
      pin.type = "button";
      pin.addEventListener("click", function () { pinProduct(p.product_id); });
      li.appendChild(pin);
      box.appendChild(li);
    });
  }

  function loadProducts(q) {
    fetch(base + "/products" + (q ? "?q=" + encodeURIComponent(q) : ""), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) { if (!q) featured = d.products; renderProducts(d.products); });
  }

  function pinProduct(id) {
    var body = { product_id: id };
    var price = $("[data-offer-price]").value.trim();
    var minutes = $("[data-offer-minutes]").value.trim();
    var units = $("[data-offer-units]").value.trim();
    if (price) body.offer_price = price;
    if (minutes) body.offer_minutes = parseInt(minutes, 10);
    if (units) body.offer_units = parseInt(units, 10);
    act("/pin", body).then(function (r) {
      if (r.ok) { $("[data-offer-price]").value = ""; $("[data-offer-minutes]").value = ""; $("[data-offer-units]").value = ""; }
    });
  }

  function renderPin(pin) {
    pinned = pin;
    var box = $("[data-current-pin]");
    box.textContent = "";
    $("[data-unpin]").hidden = !pin;
    if (!pin) {
      box.appendChild(el("p", "empty-inline", "Nothing pinned. Pin the product you are showing."));
    } else {
      var line = el("p", "studio-pinned");
      line.appendChild(el("strong", "", pin.product.title));
      line.appendChild(el("span", "price", " " + (pin.offer ? pin.offer.price_display : pin.product.price_display)));
      if (pin.offer) {
        line.appendChild(el("s", "was-price", " " + pin.product.price_display));
        var c = el("span", "badge badge-live", "Live offer");
        c.setAttribute("data-offer-ends", pin.offer.ends_at || "");
        line.appendChild(document.createTextNode(" "));
        line.appendChild(c);
        if (pin.offer.units_left !== null) line.appendChild(el("span", "muted small", " " + pin.offer.units_left + " units at this price"));
      }
      box.appendChild(line);
    }
    renderProducts(featured);
    // Over the preview (a phone held at arm's length): what is pinned, at what price.
    var over = document.querySelector("[data-stage-pin]");
    if (over) {
      over.hidden = !pin;
      over.textContent = pin ? "Pinned: " + pin.product.title + " · " + (pin.offer ? pin.offer.price_display : pin.product.price_display) : "";
    }
  }

  setInterval(function () {
    var badge = root.querySelector("[data-offer-ends]");
    if (!badge || !badge.getAttribute("data-offer-ends")) return;
    var left = Live.countdown(parseInt(badge.getAttribute("data-offer-ends"), 10));
    badge.textContent = left ? "Live offer · " + left : "Offer ended";
  }, 1000);

  $("[data-unpin]").addEventListener("click", function () { act("/unpin"); });
  $("[data-product-search]").addEventListener("submit", function (e) {
    e.preventDefault();
    loadProducts(document.getElementById("pin-search").value.trim());
  });

  // --- Questions ---------------------------------------------------------------------
  function sortedQuestions() {
    return Object.keys(questions).map(function (k) { return questions[k]; })
      .sort(function (a, b) { return (b.votes - a.votes) || (a.created_at - b.created_at); });
  }

  function button(label, handler, cls) {
    var b = el("button", "btn btn-small " + (cls || "btn-secondary"), label);
    b.type = "button";
    b.addEventListener("click", handler);
    return b;
  }

  function renderQueue() {
    var box = $("[data-queue]");
    box.textContent = "";
    var list = sortedQuestions();
    refreshFigures();
    // Over the preview: the newest question not yet answered.
    var over = document.querySelector("[data-stage-question]");
    if (over) {
      var newest = list.filter(function (q) { return !q.answered; })
        .sort(function (a, b) { return b.created_at - a.created_at; })[0];
      over.hidden = !newest;
      over.textContent = newest ? newest.name + " asks: " + newest.body : "";
    }
    if (list.length === 0) { box.appendChild(el("li", "empty-inline", "No questions yet.")); return; }
    list.forEach(function (q) {
      var li = el("li", "studio-question" + (q.answered ? " answered" : "") + (q.status === "pending" ? " pending" : ""));
      var text = el("div", "grow");
      text.appendChild(el("strong", "", q.name));
      text.appendChild(el("span", "muted small", " ▲ " + q.votes + (q.status === "pending" ? " · waiting for approval" : "") + (q.answered ? " · answered" : "")));
      text.appendChild(el("p", "", q.body));
      li.appendChild(text);
      var actions = el("div", "row-actions");
      if (q.status === "pending") actions.appendChild(button("Approve", function () { act("/questions/" + q.id + "/approve"); }, "btn-primary"));
      if (!q.answered) actions.appendChild(button("Answered", function () { act("/questions/" + q.id + "/answer"); }, "btn-primary"));
      actions.appendChild(button("Feature", function () { act("/questions/" + q.id + "/feature"); }));
      actions.appendChild(button("Hide", function () { act("/questions/" + q.id + "/hide"); }));
      actions.appendChild(button("Block", function () {
        var shop = window.confirm("Block " + q.name + " in all your streams? (Cancel blocks in this stream only.)");
        act("/blocks", { kind: "question", id: q.id, scope: shop ? "shop" : "stream" });
      }, "btn-danger"));
      actions.appendChild(button("Make moderator", function () { act("/moderators", { kind: "question", id: q.id }); }));
      li.appendChild(actions);
      box.appendChild(li);
    });
  }

  function loadQueue() {
    fetch(base + "/moderation/queue", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) { questions = {}; d.questions.forEach(function (q) { questions[q.id] = q; }); renderQueue(); });
  }

  // --- Chat --------------------------------------------------------------------------
  function addChat(m) {
    var box = $("[data-chat-feed]");
    if (box.querySelector('[data-id="' + m.id + '"]')) return;
    var li = el("li", "list-row");
    li.setAttribute("data-id", m.id);
    var text = el("span", "grow");
    text.appendChild(el("strong", "", m.name + " "));
    text.appendChild(el("span", "", m.body));
    li.appendChild(text);
    li.appendChild(button("Delete", function () { act("/chat/" + m.id + "/delete"); }));
    li.appendChild(button("Block", function () { act("/blocks", { kind: "chat", id: m.id }); }, "btn-danger"));
    box.appendChild(li);
    while (box.children.length > 200) box.removeChild(box.firstChild);
    box.scrollTop = box.scrollHeight;
  }

  $("[data-slow-mode]").addEventListener("change", function (e) { act("/settings", { slow_mode_secs: parseInt(e.target.value, 10) }); });
  $("[data-premoderation]").addEventListener("change", function (e) { act("/settings", { premoderation: e.target.checked }); });

  // --- Keyboard shortcuts -------------------------------------------------------------
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    var key = e.key.toLowerCase();
    if (key === "n" && featured.length > 0) {
      var at = pinned ? featured.findIndex(function (p) { return p.product_id === pinned.product.product_id; }) : -1;
      pinProduct(featured[(at + 1) % featured.length].product_id);
    } else if (key === "u" && pinned) {
      act("/unpin");
    } else if (key === "a") {
      var top = sortedQuestions().filter(function (q) { return !q.answered && q.status === "visible"; })[0];
      if (top) act("/questions/" + top.id + "/answer");
    }
  });

  // --- Room --------------------------------------------------------------------------
  var room = new Live.Room(base, {
    state: function (s) {
      renderPin(s.pin);
      $("[data-now]").textContent = s.viewers.now;
      $("[data-peak]").textContent = s.viewers.peak;
      $("[data-hearts-total]").textContent = s.reactions;
      $("[data-slow-mode]").value = String(s.settings.slow_mode_secs);
      $("[data-premoderation]").checked = !!s.settings.premoderation;
      if (s.me && s.me.overlay_url) $("[data-overlay-url]").value = s.me.overlay_url;
      var feed = $("[data-chat-feed]");
      feed.textContent = "";
      (s.chat || []).forEach(addChat);
      loadQueue();
    },
    pin: renderPin,
    unpin: function () { renderPin(null); },
    question: function (q) { questions[q.id] = q; renderQueue(); },
    question_removed: function (d) { delete questions[d.id]; renderQueue(); },
    chat: addChat,
    chat_removed: function (d) { var n = root.querySelector('[data-chat-feed] [data-id="' + d.id + '"]'); if (n) n.remove(); },
    reactions: function (d) { $("[data-hearts-total]").textContent = d.total; },
    viewers: function (d) { $("[data-now]").textContent = d.now; $("[data-peak]").textContent = d.peak; },
    settings: function (d) { $("[data-slow-mode]").value = String(d.slow_mode_secs); $("[data-premoderation]").checked = !!d.premoderation; },
    connection: function (c) { $("[data-room-status]").textContent = c === "open" ? "" : "Reconnecting to the room…"; }
  }, { query: { watch: 0 } });
  room.start();
  loadProducts("");

  // Running figures (orders, revenue, questions) by the report's definitions, so the
  // studio and the report agree: read on load, after each question change (coalesced)
  // and with every order event on the staff-only feed.
  function showFigures(f) {
    $("[data-orders]").textContent = f.orders;
    $("[data-revenue]").textContent = f.revenue_display;
    $("[data-questions-count]").textContent = f.questions_asked;
    $("[data-questions-answered]").textContent = f.questions_answered + " answered";
  }
  var figuresTimer = null;
  function refreshFigures() {
    if (figuresTimer) return;
    figuresTimer = setTimeout(function () {
      figuresTimer = null;
      fetch(base + "/staff/figures", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (f) { if (f) showFigures(f); })
        .catch(function () { /* the next change retries */ });
    }, 300);
  }
  refreshFigures();

  // "Ana reserved Merino jumper (M) × 2 · €98.00 · #1042 · 14:05": who, what, how much.
  var EVENTS = { reserved: "reserved", paid: "paid for", refunded: "was refunded for", expired: "let go of", cancelled: "cancelled" };
  function tickerLine(d) {
    var li = el("li", "list-row ticker-row ticker-" + (d.event || "order"));
    li.appendChild(el("strong", "ticker-who", d.first_name || "A shopper"));
    li.appendChild(document.createTextNode(" " + (EVENTS[d.event] || d.event || "ordered") + " "));
    li.appendChild(el("span", "ticker-what", d.what || "an order"));
    var meta = el("span", "ticker-meta muted small");
    var at = new Date();
    meta.textContent = " · " + (d.total_display || "") + " · #" + d.number + " · " +
      at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    li.appendChild(meta);
    return li;
  }

  var staff = new EventSource(base + "/staff/events");
  staff.addEventListener("order", function (e) {
    var d = JSON.parse(e.data);
    if (d.figures) showFigures(d.figures);
    var ticker = $("[data-ticker]");
    if (ticker && d.number) {
      ticker.insertBefore(tickerLine(d), ticker.firstChild);
      while (ticker.children.length > 20) ticker.removeChild(ticker.lastChild);
    }
  });

  // Questions waiting for approval arrive on the moderators' feed.
  var mod = new EventSource(base + "/moderation/events");
  mod.addEventListener("question", function (e) { var q = JSON.parse(e.data); questions[q.id] = q; renderQueue(); });
  mod.onopen = loadQueue;
})();
