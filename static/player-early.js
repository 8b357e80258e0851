// The live player's head start, carried inline in the live page's <head> (its hash is in
// the pages' Content-Security-Policy, web::security): it opens the WHEP session while the
// rest of the page still loads (styles, the other scripts, the DOM), so the offer goes out
// as soon as the HTML names its endpoint (<meta name="showfloor-whep">) rather than after
// every deferred script has run. player.js adopts this connection for its first attempt
// (window.ShowfloorWhep) and owns it from then on: retries, teardown and the session's
// DELETE are all its own.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="showfloor-whep"]');
  if (!meta || !window.RTCPeerConnection || window.ShowfloorWhep) { return; }
  var endpoint = meta.getAttribute("content");
  // When each step happened (ms since navigation): benches/first_frame.rs reads them.
  var marks = { start: performance.now() };
  // STUN/TURN servers, as RTCIceServer objects (config/ice.rs renders them).
  var ice = [];
  try { ice = JSON.parse(meta.getAttribute("data-ice") || "[]"); } catch (e) { ice = []; }
  var pc;
  try { pc = new RTCPeerConnection({ iceServers: ice }); } catch (e) { return; }
  marks.created = performance.now();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  var early = { endpoint: endpoint, pc: pc, tracks: [], ontrack: null, taken: false, marks: marks };
  // Tracks may arrive before player.js runs: kept until it takes them.
  pc.ontrack = function (e) {
    if (early.ontrack) { early.ontrack(e); } else { early.tracks.push(e); }
  };
  // No wait for ICE gathering: the server is ICE-lite and learns this browser's address
  // from its checks (see player.js).
  // The offer goes out as soon as it is created: setting it as the local description
  // (100–170 ms in a fresh browser: transports, ICE) runs meanwhile, and the answer is
  // applied after it (a peer connection chains its operations).
  early.response = pc.createOffer().then(function (offer) {
    marks.offer = performance.now();
    early.local = pc.setLocalDescription(offer).then(function () { marks.local = performance.now(); });
    early.local.catch(function () {});
    return fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: offer.sdp });
  });
  early.response.catch(function () { /* player.js sees the failure when it takes over */ });
  window.ShowfloorWhep = early;
})();
