// The live player's head start: loaded async from the live page's <head>, it opens the
// WHEP session while the rest of the page still loads (styles, the other scripts, the
// DOM), so the offer goes out as soon as the HTML names its endpoint
// (<meta name="showfloor-whep">) rather than after every deferred script has run.
// player.js adopts this connection for its first attempt (window.ShowfloorWhep) and
// owns it from then on: retries, teardown and the session's DELETE are all its own.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="showfloor-whep"]');
  if (!meta || !window.RTCPeerConnection || window.ShowfloorWhep) { return; }
  var endpoint = meta.getAttribute("content");
  var pc;
  try { pc = new RTCPeerConnection(); } catch (e) { return; }
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  var early = { endpoint: endpoint, pc: pc, tracks: [], ontrack: null, taken: false };
  // Tracks may arrive before player.js runs: kept until it takes them.
  pc.ontrack = function (e) {
    if (early.ontrack) { early.ontrack(e); } else { early.tracks.push(e); }
  };
  // No wait for ICE gathering: the server is ICE-lite and learns this browser's address
  // from its checks (see player.js).
  early.response = pc.createOffer().then(function (offer) {
    return pc.setLocalDescription(offer);
  }).then(function () {
    return fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
  });
  early.response.catch(function () { /* player.js sees the failure when it takes over */ });
  window.ShowfloorWhep = early;
})();
