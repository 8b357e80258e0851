// The shop on the viewer page (docs/viewer-page.md): the pinned product card with its
// live offer, and the shopping bag ([data-bag]): every featured product as a card with
// photo, price, options and stock, the shopper's open reservation ("Held for you"), and
// Buy. The page is cached and the same for everyone, so products and reservations come
// from …/bag (read when the page starts, after a Buy and after a reconnect); stock and
// the offer then follow the room's `stock` and `offer_ended` events. Writes go through
// ShowfloorLive.post; checkout itself is checkout.js (window.ShowfloorCheckout).
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live) return;
  var el = Live.el;

  // What outlives a replacement of <main> (the stream went live or ended).
  var pin = null;          // the room's open pin (as in the `pin` event), or null
  var bag = null;          // the last …/bag answer
  var main = null;         // the current <main>
  var notices = {};        // product id -> {text, kind, retry}
  var tracked = {};

  function base() {
    var box = main && main.querySelector("[data-bag]");
    if (box) return box.getAttribute("data-bag");
    var room = main && main.querySelector("[data-live-room]");
    return room ? room.getAttribute("data-live-room").replace(/\/live$/, "") : null;
  }

  // --- Reading the bag ----------------------------------------------------------------
  var loading = null;
  function loadBag() {
    var at = base();
    if (!at) return Promise.resolve(null);
    if (loading) return loading;
    loading = fetch(at + "/bag", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) { loading = null; if (b) { bag = b; render(); } return b; },
        function () { loading = null; return null; });
    return loading;
  }

  // Stock as a shopper reads it.
  function stockText(v) {
    if (!v.available) return "Sold out";
    if (v.stock === null || v.stock === undefined) return "In stock";
    return v.stock <= 5 ? "Only " + v.stock + " left" : v.stock + " in stock";
  }

  function variantsOf(product) {
    return (product.variants || []);
  }

  // --- One product card (pinned card and bag cards share it) ---------------------------
  // `offer` is the pin's live offer when this card is the pinned product's.
  // The crossed-out price is the same everywhere: the product's compare-at price, or, for
  // a live offer on a product without one, its regular price.
  function wasPrice(product, offer) {
    return product.compare_at_display || (offer ? product.price_display : null);
  }

  function card(product, offer, where) {
    var pinned = where === "pin";
    // The pinned card keeps its pin-card-* names (the studio preview and tests read them).
    var node = el("article", "shop-card shop-card-" + where + (pinned ? " pin-card" : ""));
    node.setAttribute("data-product", product.product_id);
    if (product.image) {
      var img = el("img", "shop-card-image");
      img.src = product.image; img.alt = product.image_alt || product.title; img.loading = "lazy";
      img.width = 96; img.height = 96;
      node.appendChild(img);
    }
    var body = el("div", "shop-card-body");
    if (where === "pin") body.appendChild(el("p", "pin-card-label", "Now showing"));
    body.appendChild(el(pinned ? "h2" : "h3", "shop-card-title" + (pinned ? " pin-card-title" : ""), product.title));
    var price = el("p", "shop-card-price" + (pinned ? " pin-card-price" : ""));
    price.appendChild(el("span", "price", offer ? offer.price_display : product.price_display));
    var was = wasPrice(product, offer);
    if (was) { price.appendChild(document.createTextNode(" ")); price.appendChild(el("s", "was-price", was)); }
    body.appendChild(price);
    if (offer) {
      var line = el("p", "pin-card-offer");
      line.appendChild(el("span", "badge badge-live", "Live offer"));
      var left = el("span", "pin-card-countdown");
      left.setAttribute("data-offer-ends", offer.ends_at || "");
      left.setAttribute("data-countdown", "");
      line.appendChild(document.createTextNode(" "));
      line.appendChild(left);
      if (offer.units_left !== null && offer.units_left !== undefined) {
        line.appendChild(document.createTextNode(" · "));
        line.appendChild(el("span", "", offer.units_left + " at this price"));
      }
      body.appendChild(line);
    }
    var variants = variantsOf(product);
    var named = variants.filter(function (v) { return v.title; });
    var form = el("form", "shop-card-buy");
    var select = null;
    var id = "v-" + where + "-" + product.product_id;
    if (named.length > 0) {
      // A visible label names what is chosen ("Size"); the product's title completes it
      // for a screen reader.
      var label = el("label", "shop-card-option", product.option_label || "Option");
      label.appendChild(el("span", "visually-hidden", " of " + product.title));
      select = el("select", "shop-card-variant");
      select.id = id; label.setAttribute("for", id);
      named.forEach(function (v) {
        var o = el("option", "", v.title + " — " + stockText(v));
        o.value = v.id; o.disabled = !v.available;
        select.appendChild(o);
      });
      var firstAvailable = named.filter(function (v) { return v.available; })[0];
      if (firstAvailable) select.value = firstAvailable.id;
      form.appendChild(label);
      form.appendChild(select);
    } else if (variants[0]) {
      body.appendChild(el("p", "shop-card-stock", stockText(variants[0])));
    }
    var available = variants.some(function (v) { return v.available; });
    var selling = !bag || bag.selling !== false;
    var buy = el("button", "btn btn-primary btn-buy", !selling ? "Not on sale" : available ? "Buy now" : "Sold out");
    buy.type = "submit"; buy.disabled = !available || !selling;
    buy.setAttribute("data-buy-now", "");
    form.appendChild(buy);
    // In the bag a second button collects several items for one checkout.
    var add = null;
    if (!pinned && available && selling) {
      add = el("button", "btn btn-add", "Add to bag");
      add.type = "button";
      add.setAttribute("data-add", "");
      form.appendChild(add);
      add.addEventListener("click", function () { submit(false, add); });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(true, buy);
    });
    function submit(checkout, button) {
      var variant = select ? Number(select.value) : (variants[0] && variants[0].id);
      var v = variants.filter(function (x) { return x.id === variant; })[0];
      var body = { variant_id: variant, quantity: 1 };
      if (offer && pin) { body.pin_id = pin.id; body.price = offer.price; } else if (v) { body.price = v.price; }
      purchase(product, body, checkout, button);
    }
    body.appendChild(form);
    var note = notices[product.product_id];
    var out = el("p", "shop-card-notice" + (note ? " shop-notice-" + note.kind : ""), note ? note.text : "");
    out.setAttribute("role", "status");
    if (note && note.retry) {
      var again = el("button", "btn btn-primary btn-buy", note.retry.label);
      again.type = "button";
      again.setAttribute("data-buy-regular", "");
      again.addEventListener("click", function () { purchase(product, note.retry.body, true, again); });
      out.appendChild(document.createTextNode(" "));
      out.appendChild(again);
    }
    body.appendChild(out);
    node.appendChild(body);
    return node;
  }

  // --- Buy ------------------------------------------------------------------------------
  // `checkout`: open the checkout sheet right after (the pinned card's Buy now).
  function purchase(product, body, checkout, button) {
    var at = base();
    if (!at) return;
    if (button) button.disabled = true;
    whenReady(function () { send(at, product, body, checkout, button); });
  }

  // A tap before the room's state arrived (it carries what authenticates the shopper's
  // writes) waits for it, at most a few seconds.
  var ready = false, waiting = [];
  function whenReady(fn) {
    if (ready || Live.csrfToken()) { fn(); return; }
    waiting.push(fn);
    setTimeout(function () {
      var i = waiting.indexOf(fn);
      if (i >= 0) { waiting.splice(i, 1); fn(); }
    }, 5000);
  }

  function send(at, product, body, checkout, button) {
    Live.post(at + "/buy", body).then(function (r) {
      if (button) button.disabled = false;
      if (r.ok) {
        notices[product.product_id] = { text: r.body.title + " is in your bag, held for you.", kind: "success" };
        Live.tell("add-to-cart", { product_id: product.product_id, variant_id: body.variant_id, quantity: r.body.quantity });
        loadBag().then(function () {
          if (checkout && window.ShowfloorCheckout) window.ShowfloorCheckout.open(r.body.sheet_url);
        });
        render();
        return;
      }
      var b = r.body || {};
      if (b.offer_ended) {
        // One step to the regular price: the same Buy, confirmed.
        var again = { variant_id: body.variant_id, quantity: body.quantity, accept_regular: true, price: b.price };
        if (body.pin_id) again.pin_id = body.pin_id;
        notices[product.product_id] = { text: b.error, kind: "info", retry: { label: "Buy at " + b.price_display, body: again } };
        if (pin && pin.offer && body.pin_id === pin.id) pin.offer = null;
      } else {
        notices[product.product_id] = { text: b.error || "Something went wrong; try again.", kind: "error" };
      }
      render();
    });
  }

  // --- Pinned card ------------------------------------------------------------------------
  function renderPin() {
    var box = main && main.querySelector("[data-pin]");
    if (!box) return;
    var product = pin ? freshProduct(pin.product) : null;
    // Rebuilt only when what it shows changed: a rebuild loses the shopper's choice of
    // option and their focus.
    if (unchanged(box, [pin && pin.id, pin && pin.offer, product, notices[product && product.product_id], bag && bag.selling])) return;
    box.textContent = "";
    if (!pin) { box.hidden = true; return; }
    var shown = card(product, pin.offer, "pin");
    shown.addEventListener("click", function () { track("click", pin); });
    box.appendChild(shown);
    box.hidden = false;
    track("impression", pin);
  }

  // The featured list shows the live offer's price while it runs, as the pinned card does.
  function markOffers() {
    if (!main) return;
    Array.prototype.forEach.call(main.querySelectorAll(".v-product[data-product]"), function (li) {
      var price = li.querySelector(".v-price");
      if (!price) return;
      if (!price.showfloorRegular) price.showfloorRegular = price.cloneNode(true);
      var id = Number(li.getAttribute("data-product"));
      var offer = pin && pin.offer && pin.product.product_id === id ? pin.offer : null;
      var shown = price.showfloorRegular.cloneNode(true);
      if (offer) {
        shown.textContent = offer.price_display;
        var was = wasPrice(pin.product, offer);
        shown.appendChild(document.createTextNode(" "));
        shown.appendChild(el("s", "v-was", was));
      }
      price.replaceChildren.apply(price, Array.prototype.slice.call(shown.childNodes));
    });
  }

  // Whether `node` already shows `what` (remembered on the node itself, so a replaced
  // <main> starts afresh).
  function unchanged(node, what) {
    var key = JSON.stringify(what);
    if (node.showfloorShown === key) return true;
    node.showfloorShown = key;
    return false;
  }

  // The bag's copy of a product has the stock read last; the pin's may be older.
  function freshProduct(product) {
    var found = bag && (bag.products || []).filter(function (p) { return p.product_id === product.product_id; })[0];
    return found || product;
  }

  // Report events (reports::capture): one impression and one click per pin.
  function track(kind, p) {
    var key = kind + ":" + p.id;
    if (tracked[key]) return;
    tracked[key] = true;
    var room = main && main.querySelector("[data-live-room]");
    if (!room) return;
    Live.post(room.getAttribute("data-live-room") + "/track", { kind: kind, product_id: p.product.product_id, pin_id: p.id });
  }

  // --- The bag ------------------------------------------------------------------------------
  function renderBag() {
    var box = main && main.querySelector("[data-bag]");
    if (!box || !bag) return;
    var products = bag.products || [];
    box.hidden = products.length === 0 && (bag.held || []).length === 0;
    var count = box.querySelector("[data-bag-count]");
    if (count) count.textContent = products.length;
    var list = box.querySelector("[data-bag-list]");
    if (list && !unchanged(list, [products, pin && pin.id, pin && pin.offer, notices, bag.selling])) {
      list.textContent = "";
      products.forEach(function (p) {
        var item = el("li", "bag-item");
        var offer = pin && pin.offer && pin.product.product_id === p.product_id ? pin.offer : null;
        item.appendChild(card(p, offer, "bag"));
        list.appendChild(item);
      });
      if (!bag.selling) list.appendChild(el("li", "bag-closed", "These products are not on sale here any more."));
    }
    // The coupon the shopper kept from the video (coupon.js): checkout takes it off at Pay.
    var kept = window.ShowfloorCoupon && window.ShowfloorCoupon.kept();
    var note = box.querySelector("[data-bag-coupon]");
    if (note) { note.hidden = !kept; note.textContent = kept ? "Coupon " + kept + " comes off when you pay." : ""; }
    var held = box.querySelector("[data-bag-held]");
    if (held && !unchanged(held, bag.held || [])) {
      held.textContent = "";
      var open = (bag.held || [])[0];
      held.hidden = !open;
      if (open) {
        var units = open.lines.reduce(function (n, l) { return n + l.quantity; }, 0);
        var what = open.lines.map(function (l) { return l.title + (l.quantity > 1 ? " × " + l.quantity : ""); }).join(", ");
        held.appendChild(el("span", "bag-held-what", "Held for you: " + what + " (" + units + (units === 1 ? " item" : " items") + ", " + open.total_display + ")"));
        var clock = el("span", "bag-held-clock");
        clock.setAttribute("data-held-until", open.expires_at);
        held.appendChild(document.createTextNode(" · "));
        held.appendChild(clock);
        var go = el("button", "btn btn-primary", "Continue to checkout");
        go.type = "button";
        go.addEventListener("click", function () {
          if (window.ShowfloorCheckout) window.ShowfloorCheckout.open(open.sheet_url);
        });
        held.appendChild(go);
      }
    }
  }

  function render() {
    renderPin();
    markOffers();
    renderBag();
    tick();
  }

  // "Held for 14:32" and the offer's "ends in 4:05", every second.
  function tick() {
    if (!main) return;
    Array.prototype.forEach.call(main.querySelectorAll("[data-held-until]"), function (n) {
      var left = Live.countdown(Number(n.getAttribute("data-held-until")));
      n.textContent = left ? "held for " + left : "your hold has ended";
    });
    Array.prototype.forEach.call(main.querySelectorAll("[data-offer-ends]"), function (n) {
      var end = Number(n.getAttribute("data-offer-ends"));
      if (!end) { n.textContent = ""; return; }
      var left = Live.countdown(end);
      n.textContent = left ? "ends in " + left : "ended";
      if (!left && pin && pin.offer && pin.offer.ends_at === end) {
        // Time is up: the card shows the regular price at once (the room confirms).
        pin.offer = null;
        render();
      }
    });
  }

  // --- Room events (registered once; they act on the current <main>) --------------------
  Live.on("state", function (s) {
    pin = s.pin || null;
    var first = !ready;
    ready = true;
    waiting.splice(0).forEach(function (fn) { fn(); });
    render();
    if (first) loadBag().then(resume);
  });
  Live.on("pin", function (p) { pin = p; notices = {}; render(); });
  Live.on("unpin", function () { pin = null; render(); });
  Live.on("offer_ended", function (d) {
    if (pin && pin.id === d.pin_id && pin.offer) { pin.offer = null; render(); }
  });
  Live.on("stock", function (d) {
    var byId = {};
    (d.variants || []).forEach(function (v) { byId[v.id] = v; });
    var products = (bag ? bag.products || [] : []).concat(pin ? [pin.product] : []);
    products.forEach(function (p) {
      (p.variants || []).forEach(function (v) {
        var now = byId[v.id];
        if (now) { v.stock = now.stock; v.available = now.available; }
      });
    });
    if (d.offer && pin && pin.offer && d.offer.pin_id === pin.id) pin.offer.units_left = d.offer.units_left;
    render();
  });
  Live.on("status", function () { loadBag(); });
  Live.on("connection", function (c) { if (c === "open") loadBag(); });
  // A payment finished in the sheet: the hold is gone.
  Live.on("order-paid", function () { loadBag(); });
  Live.on("coupon-kept", function () { renderBag(); });
  Live.on("coupon", function () { renderBag(); });

  var timer = setInterval(tick, 1000);

  // Back from the payment page (Stripe sends the shopper here with ?order=): the sheet
  // shows the order's state.
  var resumed = false;
  function resume() {
    if (resumed) return;
    resumed = true;
    var token = new URLSearchParams(window.location.search).get("order");
    if (token && window.ShowfloorCheckout) window.ShowfloorCheckout.open("/checkout/" + encodeURIComponent(token) + "/sheet");
  }

  Live.onPage(function (m) {
    main = m;
    render();
    // The bag is read once the room's state is here: both requests may start the
    // shopper's session, and two started at once would leave the page with the CSRF
    // token of the session the browser did not keep. A page without a room reads now.
    if (ready) loadBag().then(resume);
    else if (!m.hasAttribute("data-room") && !m.querySelector("[data-live-room]") && base()) {
      // No room feed on this page (room.js opens one wherever <main data-room> is): its state alone carries
      // what the shopper's writes need, and starts the bag through the "state" handler.
      new Live.Room(base() + "/live").load().catch(function () { loadBag().then(resume); });
    }
    var sheet = m.querySelector("[data-bag-sheet]");
    function open() { if (sheet && sheet.showModal && !sheet.open) sheet.showModal(); else if (sheet) sheet.setAttribute("open", ""); }
    function close() { if (sheet && sheet.close) sheet.close(); else if (sheet) sheet.removeAttribute("open"); }
    // The Shop button and each featured product's Buy (shown once this script runs).
    Array.prototype.forEach.call(m.querySelectorAll("[data-bag-open]"), function (b) {
      if (sheet) b.hidden = false;
      b.addEventListener("click", open);
    });
    if (sheet) {
      Array.prototype.forEach.call(sheet.querySelectorAll("[data-sheet-close]"), function (b) { b.addEventListener("click", close); });
    }
    return function () { main = null; };
  });
  window.addEventListener("pagehide", function () { clearInterval(timer); });
})();
