// STUN/TURN servers for the studio's and the player's peer connections. The page carries
// them as RTCIceServer objects (JSON in a data-ice attribute, credentials included: the
// server computes them, config/ice.rs); every WHIP or WHEP answer announces them again in
// its Link headers (RFC 9725 §4.6) with fresh credentials, kept for the next attempt, so a
// reconnect hours into a stream does not present a TURN credential that has expired.
(function () {
  "use strict";
  function parse(text) {
    try {
      var v = JSON.parse(text || "[]");
      return Array.isArray(v) ? v.filter(function (s) { return s && s.urls; }) : [];
    } catch (e) { return []; }
  }
  // `<turn:host:3478>; rel="ice-server"; username="…"; credential="…"`, comma-separated
  // when there are several (credentials never hold commas: config/ice.rs refuses them).
  function fromLinks(header) {
    var out = [];
    (header || "").split(/,(?=\s*<)/).forEach(function (link) {
      var m = /^\s*<([^>]+)>(.*)$/.exec(link);
      if (!m) { return; }
      var params = {}, re = /;\s*([\w-]+)\s*=\s*"([^"]*)"/g, p;
      while ((p = re.exec(m[2]))) { params[p[1].toLowerCase()] = p[2]; }
      if (params.rel !== "ice-server") { return; }
      var server = { urls: m[1] };
      if (params.username !== undefined) { server.username = params.username; server.credential = params.credential || ""; }
      out.push(server);
    });
    return out;
  }
  // The servers to use for the next connection: the page's until an answer brings newer.
  function Servers(initial) { this.list = initial || []; }
  Servers.prototype.learn = function (response) {
    var fresh = fromLinks(response.headers.get("Link"));
    if (fresh.length) { this.list = fresh; }
  };
  window.ShowfloorIce = {
    fromAttribute: function (el) { return new Servers(parse(el && el.getAttribute("data-ice"))); },
    parse: parse,
    fromLinks: fromLinks
  };
})();
