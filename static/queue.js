// The studio's run of show (src/live/queue.rs): every format form (poll, auction, coupon,
// giveaway) has "Add to queue", which checks it and keeps it for later, before or during
// the stream; the queue lists them in order and fires them with Fire or the keys 1–9 (the
// next formats not fired yet, in order). Alt+↑ / Alt+↓ move the focused one, Delete
// removes it. Firing posts the kept body to the format's own endpoint, which checks it
// again, then marks it fired; a refusal is said beside it and it stays in the queue.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live || !Live.formats) { return; }
  var root = null, base = null, items = [], said = {};

  function pending() { return items.filter(function (i) { return !i.fired_at; }); }

  function render(focusId) {
    if (!root) { return; }
    var list = root.querySelector("[data-queue-list]");
    list.textContent = "";
    root.querySelector("[data-queue-empty]").hidden = items.length > 0;
    var next = pending();
    items.forEach(function (item, index) {
      var li = Live.el("li", "queue-item" + (item.fired_at ? " queue-fired" : ""));
      li.tabIndex = 0;
      li.setAttribute("data-queue-item", item.id);
      var key = next.indexOf(item);
      var label = Live.el("span", "queue-label", item.label);
      li.appendChild(Live.el("span", "queue-key", key >= 0 && key < 9 ? String(key + 1) : ""));
      li.appendChild(label);
      li.setAttribute("aria-label", (key >= 0 && key < 9 ? "Key " + (key + 1) + ": " : "") + item.label + (item.fired_at ? ", fired" : ""));
      var actions = Live.el("span", "queue-actions");
      if (!item.fired_at) {
        var fire = Live.el("button", "btn btn-small queue-fire", "Fire");
        fire.type = "button";
        fire.addEventListener("click", function () { run(item); });
        actions.appendChild(fire);
      } else {
        actions.appendChild(Live.el("span", "queue-when", "Fired"));
      }
      [["↑", -1, "Move up"], ["↓", 1, "Move down"]].forEach(function (m) {
        var b = Live.el("button", "btn btn-small btn-secondary queue-move", m[0]);
        b.type = "button";
        b.setAttribute("aria-label", m[2] + ": " + item.label);
        b.disabled = index + m[1] < 0 || index + m[1] >= items.length;
        b.addEventListener("click", function () { move(item, m[1]); });
        actions.appendChild(b);
      });
      var x = Live.el("button", "btn btn-small btn-secondary queue-remove", "Remove");
      x.type = "button";
      x.setAttribute("aria-label", "Remove: " + item.label);
      x.addEventListener("click", function () { remove(item); });
      actions.appendChild(x);
      li.appendChild(actions);
      if (said[item.id]) {
        var note = Live.el("p", "queue-note", said[item.id]);
        note.setAttribute("role", "alert");
        li.appendChild(note);
      }
      list.appendChild(li);
    });
    if (focusId) {
      var again = list.querySelector("[data-queue-item='" + focusId + "']");
      if (again) { again.focus(); }
    }
  }

  function took(r, focusId) {
    if (r.ok) { items = r.body.items; }
    render(focusId);
    return r.ok;
  }

  function run(item) {
    var format = Live.formats[item.kind];
    if (!format) { return; }
    Live.post(base + format.path, item.body).then(function (r) {
      if (!r.ok) { said[item.id] = r.body.error || "It could not start."; render(); return; }
      delete said[item.id];
      format.shown(r.body);
      Live.post(base + "/queue/" + item.id + "/fired").then(function (m) { took(m); });
    });
  }

  function move(item, by) {
    var ids = items.map(function (i) { return i.id; });
    var at = ids.indexOf(item.id), to = at + by;
    if (to < 0 || to >= ids.length) { return; }
    ids.splice(at, 1);
    ids.splice(to, 0, item.id);
    Live.post(base + "/queue/order", { ids: ids }).then(function (r) { took(r, item.id); });
  }

  function remove(item) {
    Live.post(base + "/queue/" + item.id + "/remove").then(function (r) { took(r); });
  }

  function wireAdd(kind, format) {
    var add = format.form.querySelector("[data-queue-add]");
    if (!add) { return; }
    add.addEventListener("click", function () {
      var body = format.body();
      Live.post(base + "/queue", { kind: kind, label: format.label(body), body: body }).then(function (r) {
        var error = format.form.querySelector(".field-error");
        if (r.ok) {
          if (error) { error.hidden = true; }
          items = r.body.items;
          format.form.reset();
          render();
          return;
        }
        format.refused(r);
      });
    });
  }

  function typing(target) {
    return target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable);
  }

  function onKey(event) {
    if (!root || typing(event.target) || event.ctrlKey || event.metaKey) { return; }
    var focused = event.target.closest && event.target.closest("[data-queue-item]");
    var item = focused && items.filter(function (i) { return String(i.id) === focused.getAttribute("data-queue-item"); })[0];
    if (event.altKey && item && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      move(item, event.key === "ArrowUp" ? -1 : 1);
      return;
    }
    if (event.altKey) { return; }
    if (item && event.key === "Delete") { event.preventDefault(); remove(item); return; }
    if (/^[1-9]$/.test(event.key)) {
      var next = pending()[Number(event.key) - 1];
      if (next) { event.preventDefault(); run(next); }
    }
  }

  Live.onPage(function (main) {
    root = main.querySelector("[data-show]");
    if (!root) { return; }
    base = root.getAttribute("data-show");
    Object.keys(Live.formats).forEach(function (kind) { wireAdd(kind, Live.formats[kind]); });
    fetch(base + "/queue", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (d) { items = d.items; render(); });
    document.addEventListener("keydown", onKey);
    return function () { document.removeEventListener("keydown", onKey); };
  });
})();
