// The live room client shared by the viewer page, the studio and the OBS overlay:
// one EventSource per room, a state snapshot to start from and to reload after a
// `resync`, de-duplication by event id, and countdown helpers. No framework.
(function () {
  "use strict";

  // The dashboard pages carry the token in a meta tag; the cached public pages get it
  // from the room's state (tied to the shopper's session).
  var roomToken = "";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : roomToken;
  }

  // POST JSON with the page's CSRF token; resolves to {ok, status, body}.
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = { error: text }; }
        return { ok: response.ok, status: response.status, body: parsed || {} };
      });
    }, function () {
      return { ok: false, status: 0, body: { error: "You seem to be offline. Check your connection and try again." } };
    });
  }

  // A room: `base` is the room URL prefix (…/live or /overlay/TOKEN), `handlers` maps
  // event names (and "state") to functions.
  function Room(base, handlers, options) {
    this.base = base;
    this.handlers = handlers || {};
    this.options = options || {};
    this.lastId = 0;
    this.seen = {};
    this.source = null;
  }

  Room.prototype.emit = function (name, data, id) {
    var handler = this.handlers[name];
    if (handler) handler(data, id);
    dispatch(name, data, id);
  };

  // --- The page's bus ------------------------------------------------------------------
  // A page opens one room connection (room.js on the viewer page); every other module
  // listens here instead of opening a second EventSource. `name` is a room event name,
  // "state" (the snapshot, after every load) or "connection"; "*" hears them all.
  var listeners = {};
  function on(name, fn) {
    (listeners[name] = listeners[name] || []).push(fn);
  }
  function dispatch(name, data, id) {
    (listeners[name] || []).concat(listeners["*"] || []).forEach(function (fn) {
      try { fn(data, id, name); } catch (e) { if (window.console) console.error(e); }
    });
  }

  // Page modules: `init(main)` runs when the DOM is ready and again each time the page's
  // <main> is replaced in place (the stream went live or ended); it may return a
  // function that undoes what it set up (timers, listeners on window).
  var inits = [], teardowns = [];
  function run(init) {
    var main = document.querySelector("main");
    var undo = main ? init(main) : null;
    if (typeof undo === "function") teardowns.push(undo);
  }
  function onPage(init) {
    inits.push(init);
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { run(init); });
    } else {
      run(init);
    }
  }
  function pageReplaced() {
    var undo = teardowns; teardowns = [];
    undo.forEach(function (fn) { try { fn(); } catch (e) { /* keep going */ } });
    inits.forEach(run);
  }

  Room.prototype.load = function () {
    var self = this;
    return fetch(this.base + "/state", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("state " + r.status); return r.json(); })
      .then(function (state) {
        self.lastId = Math.max(self.lastId, state.last_event_id || 0);
        if (state.me && state.me.csrf) roomToken = state.me.csrf;
        self.emit("state", state);
        return state;
      });
  };

  Room.prototype.connect = function () {
    var self = this;
    var query = ["after=" + encodeURIComponent(this.lastId)];
    var extra = this.options.query || {};
    Object.keys(extra).forEach(function (k) {
      if (extra[k] !== undefined && extra[k] !== null && extra[k] !== "") query.push(k + "=" + encodeURIComponent(extra[k]));
    });
    if (this.source) this.source.close();
    var source = new EventSource(this.base + "/events?" + query.join("&"));
    this.source = source;
    var names = ["pin", "unpin", "question", "question_removed", "featured", "chat", "chat_removed",
      "reactions", "viewers", "settings", "status", "order", "stock", "offer_ended"];
    names.forEach(function (name) {
      source.addEventListener(name, function (event) {
        var id = event.lastEventId ? parseInt(event.lastEventId, 10) : 0;
        if (id && event.type !== "reactions" && event.type !== "viewers") {
          var key = event.type + ":" + id;
          if (self.seen[key]) return;
          self.seen[key] = true;
          self.lastId = Math.max(self.lastId, id);
        }
        var data = {};
        try { data = JSON.parse(event.data); } catch (e) { return; }
        self.emit(name, data, id);
      });
    });
    source.addEventListener("resync", function () {
      // We fell behind: reload the state, then carry on from it.
      self.load().then(function () { self.connect(); }, function () { /* EventSource retries */ });
    });
    source.onopen = function () { self.emit("connection", "open"); };
    source.onerror = function () { self.emit("connection", "retrying"); };
  };

  Room.prototype.start = function () {
    var self = this;
    return this.load().then(function () { self.connect(); }, function () {
      self.emit("connection", "retrying");
      setTimeout(function () { self.start(); }, 3000);
    });
  };

  // "4:05" until `endsAt` (UTC ms); "" when passed.
  function countdown(endsAt, now) {
    var left = Math.max(0, Math.floor((endsAt - (now || Date.now())) / 1000));
    if (left <= 0) return "";
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    var mm = (h > 0 && m < 10 ? "0" : "") + m;
    return (h > 0 ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }

  // Text only, never markup: everything a shopper wrote goes through textContent.
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Tell the page that embeds this one what happened (docs/embed.md): a no-op when not
  // framed. The host's origin is the parent's, as the browser reports it.
  function tell(type, detail) {
    if (window.parent === window) return;
    var origins = window.location.ancestorOrigins;
    var target = origins && origins.length ? origins[0] : "*";
    var message = { type: "showfloor:" + type };
    Object.keys(detail || {}).forEach(function (k) { message[k] = detail[k]; });
    try { window.parent.postMessage(message, target); } catch (e) { /* host gone */ }
  }

  window.ShowfloorLive = {
    Room: Room, post: post, countdown: countdown, el: el, csrfToken: csrfToken,
    on: on, dispatch: dispatch, onPage: onPage, pageReplaced: pageReplaced, tell: tell
  };
})();
