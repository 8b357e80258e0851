// The orders page, live: polls /orders/live.json (the list's own filters, the signed-in
// shop only) and puts new and changed orders at the top of the table, highlighted and
// announced politely to screen readers. Without this script the page still works; a
// reload shows the same rows. Text is set with textContent, never as HTML.
(function () {
  "use strict";
  var table = document.getElementById("orders");
  if (!table || !table.dataset.live) return;
  var body = table.tBodies[0];
  var card = document.getElementById("orders-card");
  var empty = document.getElementById("orders-empty");
  var announce = document.getElementById("orders-announce");
  var cursor = Number(table.dataset.cursor) || Date.now();
  var every = 4000;
  var timer = null;

  function cell(row, className) {
    var td = document.createElement("td");
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function render(o) {
    var tr = document.createElement("tr");
    tr.dataset.number = o.number;
    tr.dataset.status = o.status_code;
    tr.dataset.updated = String(o.updated_at);
    var first = cell(tr, "order-number");
    var link = document.createElement("a");
    link.href = o.url;
    link.textContent = o.number;
    first.appendChild(link);
    if (o.attention) {
      var flag = document.createElement("span");
      flag.className = "badge badge-warning";
      flag.textContent = "Needs attention";
      first.appendChild(document.createTextNode(" "));
      first.appendChild(flag);
    }
    cell(tr, "order-placed").textContent = o.created;
    var badge = document.createElement("span");
    badge.className = "badge status-" + o.status_code;
    badge.textContent = o.status;
    cell(tr).appendChild(badge);
    cell(tr, "order-item").textContent = o.item;
    var who = cell(tr, "order-customer");
    if (o.customer) {
      var name = document.createElement("span");
      name.className = "customer-name";
      name.textContent = o.customer;
      who.appendChild(name);
    }
    var mail = document.createElement("span");
    mail.className = "customer-email";
    mail.textContent = o.email;
    who.appendChild(mail);
    cell(tr).textContent = o.stream;
    cell(tr, "right").textContent = o.total;
    return tr;
  }

  function apply(rows) {
    var said = [];
    // Oldest first, each to the top: the newest ends first, as the server sorts them.
    for (var i = rows.length - 1; i >= 0; i--) {
      var o = rows[i];
      var old = body.querySelector('tr[data-number="' + CSS.escape(o.number) + '"]');
      if (old && old.dataset.updated === String(o.updated_at)) continue;
      var tr = render(o);
      if (old) {
        var moved = old.dataset.status !== o.status_code;
        old.replaceWith(tr);
        if (moved) {
          tr.classList.add("is-changed");
          said.push("Order " + o.number + " is now " + o.status + ".");
        }
      } else {
        body.insertBefore(tr, body.firstChild);
        tr.classList.add("is-new");
        said.push("New order " + o.number + ", " + o.total + ".");
      }
    }
    if (body.rows.length > 0) {
      if (card) card.hidden = false;
      if (empty) empty.hidden = true;
    }
    if (said.length && announce) announce.textContent = said.join(" ");
  }

  function poll() {
    timer = null;
    if (document.hidden) return;
    var url = table.dataset.live + (table.dataset.live.indexOf("?") < 0 ? "?" : "&") + "since=" + cursor;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        apply(data.rows || []);
        cursor = data.cursor || cursor;
      })
      .catch(function () { /* the next poll tries again */ })
      .then(schedule);
  }

  function schedule() {
    if (timer === null && !document.hidden) timer = setTimeout(poll, every);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      poll();
    }
  });
  schedule();
})();
