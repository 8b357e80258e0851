// Showfloor viewer player: WHEP playback into [data-whep] of the page's <main>. Starts
// muted (autoplay rules) with a tap-to-unmute button; "starting soon", "reconnecting" and
// "ended" states; reconnects with backoff and never leaves a black box without a word.
// A page module (ShowfloorLive.onPage): it stops cleanly, without another request to the
// media server, when the room says the stream ended or the page's <main> is replaced.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live || !window.RTCPeerConnection) { return; }

  function button(text, cls) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "v-btn " + cls; b.textContent = text;
    return b;
  }

  function start(main) {
    var root = main.querySelector("[data-whep]");
    if (!root) { return null; }
    var endpoint = root.getAttribute("data-whep");
    // STUN/TURN servers (static/ice.js): the page's, then those of the latest answer.
    var ice = ShowfloorIce.fromAttribute(root);
    var video = document.createElement("video");
    video.muted = true; video.autoplay = true; video.playsInline = true;
    video.setAttribute("playsinline", ""); video.className = "player-video";
    var status = root.querySelector(".v-player-status") || document.createElement("p");
    status.classList.add("player-status"); status.setAttribute("role", "status");
    var unmute = button("Tap to unmute", "player-unmute");
    var full = button("⤢", "player-full");
    full.setAttribute("aria-label", "Full screen");
    // Full screen takes the stage: the video with what lies over it (pinned card, rail).
    var screen = root.closest("[data-stage]") || root;
    root.classList.add("player", "player-loading");
    root.insertBefore(video, root.firstChild);
    if (!status.parentNode) { root.appendChild(status); }
    root.appendChild(unmute); root.appendChild(full);
    unmute.hidden = true;
    // The box takes the video's shape once known (a phone broadcasting in portrait too).
    // Not the 2×2 placeholder Chromium shows before the first frame: the box would turn
    // square and back, a layout shift for nothing.
    video.addEventListener("resize", function () {
      if (video.videoWidth >= 16 && video.videoHeight >= 16) {
        root.style.setProperty("--player-ratio", video.videoWidth + " / " + video.videoHeight);
        root.classList.toggle("player-portrait", video.videoHeight > video.videoWidth);
      }
    });

    // `stopped`: this player is done (ended, or its page was replaced): no more requests.
    var pc = null, session = null, delay = 1000, timer = null, stopped = false, lastFrames = -1, stalls = 0;

    function say(text, state) {
      status.textContent = text;
      root.setAttribute("data-player-state", state);
      root.classList.toggle("player-loading", state !== "playing");
    }
    unmute.addEventListener("click", function () {
      video.muted = false; video.play().catch(function () {}); unmute.hidden = true;
    });
    full.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen().catch(function () {}); return; }
      var el = screen.requestFullscreen ? screen : video;
      if (el.requestFullscreen) { el.requestFullscreen().catch(function () {}); }
      else if (video.webkitEnterFullscreen) { video.webkitEnterFullscreen(); }
    });
    function onFullscreen() {
      full.setAttribute("aria-label", document.fullscreenElement === screen ? "Exit full screen" : "Full screen");
    }
    document.addEventListener("fullscreenchange", onFullscreen);

    // `release`: tell the media server we leave. Not after the stream ended: it has
    // closed the session itself, and a DELETE would only earn a 404.
    function teardown(release) {
      if (session && release) { fetch(session, { method: "DELETE", keepalive: true }).catch(function () {}); }
      if (pc) { pc.close(); }
      pc = null; session = null;
    }
    function retry(text, state) {
      teardown(true);
      if (stopped) { return; }
      say(text, state || "reconnecting");
      clearTimeout(timer);
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    }
    // The first attempt takes the session player-early.js opened while the page loaded
    // (same endpoint, not yet taken); every later one starts afresh.
    function adopt() {
      var early = window.ShowfloorWhep;
      if (!early || early.taken || early.endpoint !== endpoint) { return null; }
      early.taken = true;
      return early;
    }
    function connect() {
      if (stopped) { return; }
      var early = adopt();
      var conn = early ? early.pc : new RTCPeerConnection({ iceServers: ice.list });
      pc = conn;
      if (!early) {
        conn.addTransceiver("video", { direction: "recvonly" });
        conn.addTransceiver("audio", { direction: "recvonly" });
      }
      function onTrack(e) {
        if (e.streams && e.streams[0]) { video.srcObject = e.streams[0]; }
        else { var s = video.srcObject || new MediaStream(); s.addTrack(e.track); video.srcObject = s; }
        video.play().catch(function () {});
        if (e.track.kind === "video") { onFirstFrame(conn); }
      }
      if (early) { early.ontrack = onTrack; early.tracks.splice(0).forEach(onTrack); }
      else { conn.ontrack = onTrack; }
      conn.onconnectionstatechange = function () {
        if (conn !== pc || stopped) { return; }
        // When ICE and DTLS were through (benches/first_frame.rs reads it).
        if (conn.connectionState === "connected" && !root.hasAttribute("data-connected-ms")) {
          root.setAttribute("data-connected-ms", String(Math.round(performance.now())));
        }
        if (conn.connectionState === "failed" || conn.connectionState === "closed") {
          retry("Connection lost. Reconnecting…");
        }
      };
      // The offer goes out at once, without waiting for ICE gathering (which cost 150–180 ms,
      // up to seconds on a slow interface): the media server is ICE-lite, it sends no checks
      // and answers the ones this browser sends to its candidates, learning the browser's
      // address from them (peer-reflexive), so the offer needs no candidates of its own.
      // The offer is posted once created, while it is set as the local description
      // (the answer is applied after that: the connection chains its operations).
      var local = null;
      var sent = early ? early.response : conn.createOffer().then(function (offer) {
        if (stopped || conn !== pc) { throw new Error("stopped"); }
        local = conn.setLocalDescription(offer);
        return fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: offer.sdp });
      });
      sent.then(function (res) {
        if (stopped) { return; }
        if (res.status === 201) {
          session = res.headers.get("Location");
          ice.learn(res);
          return Promise.all([res.text(), early ? early.local : local]).then(function (got) {
            return conn.setRemoteDescription({ type: "answer", sdp: got[0] });
          }).then(function () { say("Connecting to the live video…", "connecting"); });
        }
        return res.json().catch(function () { return {}; }).then(function (body) {
          var reason = body.reason || "";
          if (reason === "ended") { end(); return; }
          if (reason === "not_live") { retry("Starting soon. The video appears here as soon as the host goes live.", "soon"); return; }
          retry(body.error || "The video is not available right now. Retrying…");
        });
      }).catch(function () { if (!stopped) { retry("Cannot reach the video. Retrying…"); } });
    }

    // The moment the first picture is on screen, the status goes (no "Loading…" over a
    // playing video until the next stats poll), and the page notes when that was
    // (`data-first-frame-ms`, ms since the navigation began: benches/first_frame.rs).
    function onFirstFrame(conn) {
      if (!video.requestVideoFrameCallback) { return; }
      video.requestVideoFrameCallback(function (now, frame) {
        if (conn !== pc || stopped) { return; }
        if (!root.hasAttribute("data-first-frame-ms")) {
          root.setAttribute("data-first-frame-ms", String(Math.round(frame.presentationTime || now)));
        }
        say("Live", "playing");
        unmute.hidden = !video.muted;
      });
    }

    // Watch decoding: playing, or stalled (host reconnecting): resume without a reload.
    var watch = setInterval(function () {
      if (!pc || stopped) { return; }
      pc.getStats().then(function (report) {
        var frames = 0;
        report.forEach(function (s) { if (s.type === "inbound-rtp" && s.kind === "video") { frames = s.framesDecoded || 0; } });
        root.setAttribute("data-frames-decoded", String(frames));
        if (frames > lastFrames && frames > 0) {
          stalls = 0; delay = 1000;
          say("Live", "playing");
          unmute.hidden = !video.muted;
        } else if (lastFrames >= 0 && ++stalls >= 3) {
          say("The host is reconnecting…", "reconnecting");
          if (stalls >= 8) { stalls = 0; retry("Reconnecting…"); }
        }
        lastFrames = frames;
      }).catch(function () {});
    }, 1000);

    function stop(release) {
      stopped = true;
      clearTimeout(timer);
      clearInterval(watch);
      teardown(release);
    }
    function end() {
      stop(false);
      say("This stream has ended. Thanks for watching!", "ended");
    }
    // The room hears of the end first (the page then swaps to the ended view).
    var off = Live.on("status", function (d) { if (d && d.status !== "live") { end(); } });
    function leave() { stop(!stopped); }
    window.addEventListener("pagehide", leave);

    say("Loading the live video…", "loading");
    connect();
    return function () {
      off();
      window.removeEventListener("pagehide", leave);
      document.removeEventListener("fullscreenchange", onFullscreen);
      stop(false);
    };
  }

  Live.onPage(start);
})();
