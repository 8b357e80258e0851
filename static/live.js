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

  // The viewer pass (docs/embed.md): who this shopper is when no cookie reaches us (a
  // cross-site iframe). Kept in memory, and in sessionStorage when the browser lets the
  // frame have storage (it does not when third-party cookies are blocked).
  var PASS_KEY = "showfloor-viewer";
  var viewerPass = "";
  try { viewerPass = window.sessionStorage.getItem(PASS_KEY) || ""; } catch (e) { /* no storage here */ }
  function setPass(token) {
    viewerPass = token || "";
    try {
      if (viewerPass) window.sessionStorage.setItem(PASS_KEY, viewerPass);
      else window.sessionStorage.removeItem(PASS_KEY);
    } catch (e) { /* memory only */ }
  }
  function framed() {
    try { return window.parent !== window; } catch (e) { return true; }
  }
  // The origin of the page embedding this one (Chromium and Safari report it).
  function ancestor() {
    var origins = window.location.ancestorOrigins;
    return framed() && origins && origins.length ? origins[0] : "";
  }
  function headers(extra) {
    var h = { "X-CSRF-Token": csrfToken() };
    if (viewerPass) h["X-Showfloor-Viewer"] = viewerPass;
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }

  // One sentence for an answer that carried none (an HTML error page, a proxy's page).
  function sentence(status) {
    if (status === 0) return "You seem to be offline. Check your connection and try again.";
    if (status === 401 || status === 403) return "This was not accepted here. Reload the page and try again.";
    if (status === 404) return "This is no longer available. Reload the page to see what is on now.";
    if (status === 409) return "This cannot be done right now: the stream may have changed. Reload the page.";
    if (status === 413) return "That is too long to send.";
    if (status === 422 || status === 400) return "Check what you typed and try again.";
    if (status === 429) return "Slow down a little, then try again.";
    if (status >= 500) return "Something went wrong on our side. Try again in a moment.";
    return "That did not work. Try again.";
  }

  // POST JSON with what authenticates the shopper; always resolves to {ok, status, body}
  // where body.error (when not ok) is one readable sentence, never markup.
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers({ "Content-Type": "application/json", "Accept": "application/json" }),
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
        if (json) { try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; } }
        parsed = parsed && typeof parsed === "object" ? parsed : {};
        if (!response.ok && typeof parsed.error !== "string") parsed.error = sentence(response.status);
        return { ok: response.ok, status: response.status, body: parsed };
      });
    }, function () {
      return { ok: false, status: 0, body: { error: sentence(0) } };
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
    return function off() {
      listeners[name] = (listeners[name] || []).filter(function (f) { return f !== fn; });
    };
  }
  function dispatch(name, data, id) {
    latest[name] = data;
    wake(name, data);
    (listeners[name] || []).concat(listeners["*"] || []).forEach(function (fn) {
      try { fn(data, id, name); } catch (e) { if (window.console) console.error(e); }
    });
  }

  // Modules a page needs only sometimes (the auction card): an element names one with
  // data-module="auction" data-module-js="…" data-module-css="…". It loads on the first
  // `state` with that key set or the first event of that name, and picks up what it
  // missed from `latest(name)`; a page that never sees one never downloads it.
  var latest = {}, loaded = {};
  function wake(name, data) {
    var nodes = document.querySelectorAll("[data-module]");
    Array.prototype.forEach.call(nodes, function (n) {
      var m = n.getAttribute("data-module");
      if (loaded[m] || (name !== m && !(name === "state" && data && data[m]))) { return; }
      loaded[m] = true;
      var css = document.createElement("link");
      css.rel = "stylesheet"; css.href = n.getAttribute("data-module-css");
      document.head.appendChild(css);
      var js = document.createElement("script");
      js.src = n.getAttribute("data-module-js");
      document.head.appendChild(js);
    });
  }

  // Page modules: `init(main)` runs when the DOM is ready and again each time the page's
  // <main> is replaced in place (the stream went live or ended); it may return a
  // function that undoes what it set up (timers, listeners on window).
  var inits = [], teardowns = [];
  // One module failing must not keep the others from running on the new page.
  function run(init) {
    var main = document.querySelector("main");
    var undo = null;
    try { undo = main ? init(main) : null; } catch (e) { if (window.console) console.error(e); }
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
    var extra = {};
    if (ancestor()) extra["X-Showfloor-Ancestor"] = ancestor();
    return fetch(this.base + "/state", { credentials: "same-origin", cache: "no-store", headers: headers(extra) })
      .then(function (r) {
        if (r.ok) return r.json();
        return r.json().catch(function () { return {}; }).then(function (body) {
          // An expired pass: forget it and get a new one once.
          if (r.status === 403 && viewerPass && !self.retriedPass) {
            self.retriedPass = true; setPass("");
            return self.load().then(function (s) { return { retried: s }; });
          }
          var error = new Error(body.error || sentence(r.status));
          error.status = r.status;
          if (r.status === 403) self.emit("refused", { error: error.message });
          throw error;
        });
      })
      .then(function (state) {
        if (state.retried) return state.retried; // the retried load already emitted it
        self.lastId = Math.max(self.lastId, state.last_event_id || 0);
        if (state.me && state.me.csrf) roomToken = state.me.csrf;
        if (state.me && state.me.viewer_token) setPass(state.me.viewer_token);
        self.emit("state", state);
        return state;
      });
  };

  Room.prototype.connect = function () {
    var self = this;
    if (this.closed) return; // a load that finished after close()
    var query = ["after=" + encodeURIComponent(this.lastId)];
    if (viewerPass) query.push("viewer=" + encodeURIComponent(viewerPass));
    var extra = this.options.query || {};
    Object.keys(extra).forEach(function (k) {
      if (extra[k] !== undefined && extra[k] !== null && extra[k] !== "") query.push(k + "=" + encodeURIComponent(extra[k]));
    });
    if (this.source) this.source.close();
    var source = new EventSource(this.base + "/events?" + query.join("&"));
    this.source = source;
    var names = ["pin", "unpin", "question", "question_removed", "featured", "chat", "chat_removed",
      "reactions", "viewers", "settings", "status", "order", "stock", "offer_ended", "poll", "auction", "coupon", "giveaway"];
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
    return this.load().then(function () { self.connect(); }, function (error) {
      if (self.closed || (error && error.status === 403)) return; // closed, or refused here
      self.emit("connection", "retrying");
      self.timer = setTimeout(function () { self.start(); }, 3000);
    });
  };

  Room.prototype.close = function () {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
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
    on: on, dispatch: dispatch, onPage: onPage, pageReplaced: pageReplaced, tell: tell,
    sentence: sentence, framed: framed,
    latest: function (name) { return latest[name]; },
    viewerPass: function () { return viewerPass; }
  };
})();
