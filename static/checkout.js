// The checkout sheet on the viewer page ([data-checkout-sheet], a <dialog>): opened by
// shop.js with an order's …/sheet URL, it shows the shop, the lines with their photos,
// the total in the shop's currency and the reservation as a countdown ("Held for 14:32",
// and until when in the shopper's own time), then pays in the same page: the offline
// test provider in the sheet itself (Buy → Pay: two steps), Stripe Checkout in the same
// tab, which sends the shopper back to the stream (shop.js reopens the sheet there).
// Writes go through ShowfloorLive.post; the host page hears checkout-started and
// order-paid (docs/embed.md). On the confirmation page opened by older links it only
// tells a stream tab that opened it.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;

  // The confirmation page (orders/done.html), opened as a popup by an older stream page.
  var done = document.querySelector("[data-order-done]");
  if (done && window.opener) {
    try {
      window.opener.postMessage({ showfloor: "order", number: done.dataset.order, paid: done.dataset.paid === "true" }, window.location.origin);
    } catch (e) { /* the stream tab was closed */ }
  }
  if (!Live) return;
  var el = Live.el;
  var current = null;   // {url, order}
  var timer = null;

  function sheet() { return document.querySelector("[data-checkout-sheet]"); }

  function show(dialog) {
    if (dialog.showModal && !dialog.open) dialog.showModal();
    else dialog.setAttribute("open", "");
  }
  function hide(dialog) {
    if (dialog.close) dialog.close(); else dialog.removeAttribute("open");
    clearInterval(timer);
  }

  function localTime(ms) {
    try { return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); } catch (e) { return ""; }
  }

  function field(form, name, label, type, autocomplete) {
    var id = "checkout-" + name;
    var wrap = el("div", "sheet-field");
    var l = el("label", "", label);
    l.setAttribute("for", id);
    var input = el(type === "textarea" ? "textarea" : "input");
    input.id = id; input.name = name; input.required = true;
    if (type !== "textarea") input.type = type;
    input.setAttribute("autocomplete", autocomplete);
    var err = el("p", "sheet-field-error", "");
    err.id = id + "-error"; err.hidden = true;
    input.setAttribute("aria-describedby", err.id);
    wrap.appendChild(l); wrap.appendChild(input); wrap.appendChild(err);
    form.appendChild(wrap);
    return input;
  }

  function render(order) {
    var dialog = sheet();
    if (!dialog) return;
    var body = dialog.querySelector("[data-checkout-body]");
    var title = dialog.querySelector("[data-checkout-title]");
    body.textContent = "";
    clearInterval(timer);
    if (title) title.textContent = order.shop_name || "Checkout";
    if (order.shop_logo) {
      var logo = el("img", "sheet-logo");
      logo.src = order.shop_logo; logo.alt = order.shop_name || "";
      body.appendChild(logo);
    }
    if (order.paid) return paid(body, order, order.email);
    if (order.status !== "pending") {
      body.appendChild(el("p", "sheet-notice", "This reservation has ended and nothing was charged. Tap Buy to try again."));
      return;
    }
    var hold = el("p", "sheet-hold");
    hold.setAttribute("role", "timer");
    body.appendChild(hold);
    function tick() {
      var left = Live.countdown(order.expires_at);
      hold.textContent = left
        ? "Held for " + left + " (until " + localTime(order.expires_at) + ")"
        : "Your hold has ended; the items went back on sale.";
    }
    tick();
    timer = setInterval(tick, 1000);
    var list = el("ul", "sheet-lines");
    order.lines.forEach(function (l) {
      var li = el("li", "sheet-line");
      if (l.image) {
        var img = el("img", "sheet-line-image");
        img.src = l.image; img.alt = l.image_alt || l.title; img.width = 56; img.height = 56;
        li.appendChild(img);
      }
      var text = el("span", "sheet-line-text");
      text.appendChild(el("span", "sheet-line-title", l.title + (l.variant_title ? " — " + l.variant_title : "")));
      text.appendChild(el("span", "sheet-line-qty", l.quantity + " × " + l.unit_price_display + (l.offer ? " (live offer)" : "")));
      li.appendChild(text);
      li.appendChild(el("span", "sheet-line-amount", l.amount_display));
      list.appendChild(li);
    });
    body.appendChild(list);
    var totalLine = el("p", "sheet-total", "Total " + order.total_display);
    var coupon = couponRow(order, function (quote) {
      totalLine.textContent = "Total " + (quote ? quote.total_display : order.total_display);
      pay.textContent = payLabel(quote ? quote.total_display : order.total_display);
    });
    body.appendChild(coupon.row);
    body.appendChild(totalLine);
    var notice = el("p", "sheet-notice", "");
    notice.setAttribute("role", "alert");
    notice.hidden = true;
    var form = el("form", "sheet-form");
    form.noValidate = true;
    var inputs = null;
    if (order.provider === "test") {
      form.appendChild(el("p", "sheet-test", "Test mode — no money moves."));
      inputs = {
        name: field(form, "name", "Name", "text", "name"),
        email: field(form, "email", "E-mail", "email", "email"),
        address: field(form, "address", "Shipping address", "textarea", "street-address")
      };
    }
    function payLabel(total) { return order.provider === "test" ? "Pay " + total : "Pay " + total + " by card"; }
    var pay = el("button", "btn btn-primary btn-pay", payLabel(order.total_display));
    pay.type = "submit";
    form.appendChild(pay);
    body.appendChild(form);
    body.appendChild(notice);
    var cancel = el("button", "btn btn-secondary sheet-cancel", "Give the items back");
    cancel.type = "button";
    cancel.addEventListener("click", function () {
      cancel.disabled = true;
      Live.post(order.cancel_url).then(function () { hide(dialog); Live.dispatch("order-paid", {}); });
    });
    body.appendChild(cancel);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      pay.disabled = true;
      notice.hidden = true;
      if (order.provider !== "test") {
        Live.post(order.pay_url, { coupon: coupon.code() }).then(function (r) {
          if (r.ok && r.body.redirect) { window.location.href = r.body.redirect; return; }
          pay.disabled = false;
          if (r.body.fields && r.body.fields.coupon) { coupon.refused(r.body.error); return; }
          notice.textContent = r.body.error || "The payment could not start; try again.";
          notice.hidden = false;
        });
        return;
      }
      var data = { name: inputs.name.value, email: inputs.email.value, address: inputs.address.value, coupon: coupon.code() };
      Live.post(order.test_url, data).then(function (r) {
        pay.disabled = false;
        Object.keys(inputs).forEach(function (k) {
          var err = document.getElementById(inputs[k].id + "-error");
          var message = r.body.fields && r.body.fields[k];
          err.textContent = message || ""; err.hidden = !message;
          inputs[k].setAttribute("aria-invalid", message ? "true" : "false");
        });
        if (!r.ok && r.body.fields && r.body.fields.coupon) { coupon.refused(r.body.error); return; }
        if (r.ok && r.body.paid) {
          Live.tell("order-paid", { order: r.body.number, total_minor: r.body.total, currency: r.body.currency });
          Live.dispatch("order-paid", { order: r.body.number });
          clearInterval(timer);
          body.textContent = "";
          paid(body, { number: r.body.number, total_display: r.body.total_display, mail: r.body.mail }, r.body.email);
          return;
        }
        notice.textContent = r.body.error || "Something went wrong; try again.";
        notice.hidden = false;
        var first = Object.keys(inputs).filter(function (k) { return r.body.fields && r.body.fields[k]; })[0];
        if (first) inputs[first].focus();
      });
    });
    var focus = inputs ? inputs.name : pay;
    setTimeout(function () { focus.focus(); }, 0);
  }

  // The coupon line: the one the order carries, or a field for a code (filled with the
  // one the shopper kept from the video, coupon.js) that asks what it takes off before
  // Pay sends it. `changed(quote|null)` updates the total and the Pay button.
  function couponRow(order, changed) {
    var row = el("div", "sheet-coupon");
    if (order.coupon) {
      row.appendChild(el("p", "sheet-coupon-applied", "Coupon " + order.coupon + " " + order.discount_display));
      return { row: row, code: function () { return null; }, refused: function () {} };
    }
    var quote = null;
    var id = "checkout-coupon";
    var l = el("label", "", "Coupon code");
    l.setAttribute("for", id);
    var wrap = el("div", "sheet-coupon-field");
    var input = el("input");
    input.id = id; input.type = "text"; input.maxLength = 20; input.autocomplete = "off";
    input.setAttribute("autocapitalize", "characters");
    var apply = el("button", "btn btn-secondary btn-small", "Apply");
    apply.type = "button";
    var said = el("p", "sheet-coupon-said", "");
    said.id = id + "-said"; said.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", said.id);
    wrap.appendChild(input); wrap.appendChild(apply);
    row.appendChild(l); row.appendChild(wrap); row.appendChild(said);
    function set(q, message, bad) {
      quote = q;
      said.textContent = message;
      said.classList.toggle("sheet-field-error", !!bad);
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      changed(q);
    }
    function ask() {
      var code = input.value.trim();
      if (!code) { set(null, "", false); return; }
      Live.post(order.coupon_url, { code: code }).then(function (r) {
        if (r.ok) { set(r.body, r.body.code + " — " + r.body.label + ": " + r.body.discount_display, false); }
        else { set(null, r.body.error || "That code does not apply.", true); }
      });
    }
    apply.addEventListener("click", ask);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); ask(); } });
    input.addEventListener("input", function () { if (quote) { set(null, "", false); } });
    var kept = window.ShowfloorCoupon && window.ShowfloorCoupon.kept();
    if (kept) { input.value = kept; ask(); }
    return {
      row: row,
      code: function () { return quote ? quote.code : null; },
      refused: function (message) { set(null, message, true); input.focus(); }
    };
  }

  function paid(body, order, email) {
    var box = el("div", "sheet-paid");
    box.setAttribute("data-order-paid", order.number);
    box.appendChild(el("h3", "", "Thank you! Order " + order.number + " is paid."));
    box.appendChild(el("p", "", "Total " + order.total_display + "."));
    // Only a promise the shop can keep: mail goes out only when it is configured.
    box.appendChild(el("p", "", order.mail && email
      ? "A confirmation is on its way to " + email + "."
      : "Keep your order number, " + order.number + ", to ask the shop about it."));
    body.appendChild(box);
  }

  function open(url) {
    var dialog = sheet();
    if (!dialog || !url) return;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (order) {
        if (!order) return;
        current = { url: url, order: order };
        render(order);
        show(dialog);
        if (!order.paid && order.status === "pending") {
          Live.tell("checkout-started", { order: order.number, total_minor: order.total, currency: order.currency });
        }
      }, function () { /* offline: the bag still shows the hold */ });
  }

  Live.onPage(function (main) {
    var dialog = main.querySelector("[data-checkout-sheet]") || sheet();
    if (!dialog) return;
    Array.prototype.forEach.call(dialog.querySelectorAll("[data-sheet-close]"), function (b) {
      b.addEventListener("click", function () { hide(dialog); });
    });
    return function () { clearInterval(timer); current = null; };
  });

  window.ShowfloorCheckout = { open: open, current: function () { return current; } };
})();
