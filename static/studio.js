// Showfloor studio: camera and microphone, presets, Go live over WHIP (authorised by the
// signed-in session), automatic reconnect with backoff, outgoing bitrate and media stats.
(function () {
  "use strict";
  var root = document.getElementById("studio");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var streamId = root.getAttribute("data-stream");
  var csrf = root.getAttribute("data-csrf");
  var ice = ShowfloorIce.fromAttribute(root); // static/ice.js, loaded before this
  var presets = {
    "720": { width: 1280, height: 720, bitrate: 2500000 },
    "1080": { width: 1920, height: 1080, bitrate: 4500000 },
    "low": { width: 854, height: 480, bitrate: 800000 }
  };
  var media = null, pc = null, session = null, live = false, delay = 1000, timer = null, lastBytes = 0, lastAt = 0;

  function state(text, cls) { $("state").textContent = text; root.setAttribute("data-state", cls); }
  // The page's status pill (scheduled, live, ended) follows what the server now says.
  function pill(status) {
    var p = $("stream-status");
    p.textContent = status; p.className = "status-pill status-" + status;
  }

  // A phone held upright sends portrait video: the capture asks for the preset's size
  // turned on its side, and follows the phone when it turns.
  var upright = window.matchMedia("(orientation: portrait)");
  function size(p) {
    return upright.matches
      ? { width: { ideal: p.height }, height: { ideal: p.width }, aspectRatio: { ideal: p.height / p.width } }
      : { width: { ideal: p.width }, height: { ideal: p.height }, aspectRatio: { ideal: p.width / p.height } };
  }

  function devices() {
    return navigator.mediaDevices.enumerateDevices().then(function (list) {
      [["camera", "videoinput"], ["microphone", "audioinput"]].forEach(function (pair) {
        var select = $(pair[0]), current = select.value;
        select.textContent = "";
        list.filter(function (d) { return d.kind === pair[1]; }).forEach(function (d, i) {
          var o = document.createElement("option");
          o.value = d.deviceId; o.textContent = d.label || (pair[0] + " " + (i + 1));
          select.appendChild(o);
        });
        if (current) { select.value = current; }
      });
      // Front and back camera (or any two): one tap switches.
      $("flip").hidden = $("camera").options.length < 2;
    });
  }

  function capture() {
    var p = presets[$("preset").value];
    if (media) { media.getTracks().forEach(function (t) { t.stop(); }); }
    var cam = $("camera").value, mic = $("microphone").value;
    var video = size(p);
    video.deviceId = cam ? { exact: cam } : undefined;
    video.frameRate = { ideal: 30 };
    return navigator.mediaDevices.getUserMedia({
      video: video,
      audio: { deviceId: mic ? { exact: mic } : undefined }
    }).then(function (stream) {
      media = stream; $("preview").srcObject = stream;
      paused = false;
      if (pc) {
        pc.getSenders().forEach(function (s) {
          var t = stream.getTracks().filter(function (x) { return s.track && x.kind === s.track.kind; })[0];
          if (t) { s.replaceTrack(t); }
        });
      }
      state(live ? "Live" : "Camera ready. Press Go live.", live ? "live" : "ready");
      return devices();
    }).catch(function (e) { state("Cannot open the camera or microphone: " + e.message, "error"); });
  }

  function gathered(conn) {
    return new Promise(function (resolve) {
      if (conn.iceGatheringState === "complete") { return resolve(); }
      var t = setTimeout(resolve, 2000);
      conn.addEventListener("icegatheringstatechange", function () {
        if (conn.iceGatheringState === "complete") { clearTimeout(t); resolve(); }
      });
    });
  }

  // The session's Location is under /studio/{id}/publish: stopping is authorised like
  // publishing was, by the signed-in member's session and CSRF token.
  function leave() {
    return fetch(session, { method: "DELETE", keepalive: true, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
  }

  function stop() {
    if (session) { leave().catch(function () {}); }
    if (pc) { pc.close(); }
    pc = null; session = null;
  }

  function reconnect(why) {
    stop();
    if (!live) { return; }
    state(why + " Reconnecting in " + Math.round(delay / 1000) + " s…", "reconnecting");
    clearTimeout(timer);
    timer = setTimeout(publish, delay);
    delay = Math.min(delay * 2, 15000);
  }

  function publish() {
    if (!media) { return; }
    var conn = new RTCPeerConnection({ iceServers: ice.list });
    pc = conn;
    media.getTracks().forEach(function (track) {
      var t = conn.addTransceiver(track, { direction: "sendonly", streams: [media] });
      if (track.kind === "video" && t.setCodecPreferences && window.RTCRtpSender.getCapabilities) {
        var codecs = RTCRtpSender.getCapabilities("video").codecs;
        var rank = function (c) { return /vp8/i.test(c.mimeType) ? 0 : /h264/i.test(c.mimeType) ? 1 : 2; };
        t.setCodecPreferences(codecs.slice().sort(function (a, b) { return rank(a) - rank(b); }));
      }
    });
    conn.onconnectionstatechange = function () {
      if (conn !== pc) { return; }
      var s = conn.connectionState;
      if (s === "connected") {
        delay = 1000; state("Live", "live");
        conn.getSenders().forEach(function (sender) {
          if (!sender.track || sender.track.kind !== "video") { return; }
          var params = sender.getParameters();
          if (!params.encodings || !params.encodings.length) { params.encodings = [{}]; }
          params.encodings[0].maxBitrate = presets[$("preset").value].bitrate;
          sender.setParameters(params).catch(function () {});
        });
      } else if (s === "failed" || s === "disconnected") {
        reconnect("The connection dropped.");
      }
    };
    state("Connecting…", "connecting");
    conn.createOffer().then(function (o) { return conn.setLocalDescription(o); })
      .then(function () { return gathered(conn); })
      .then(function () {
        return fetch("/studio/" + streamId + "/publish", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/sdp", "X-CSRF-Token": csrf },
          body: conn.localDescription.sdp
        });
      }).then(function (res) {
        if (res.status !== 201) {
          return res.json().catch(function () { return {}; }).then(function (b) {
            if (res.status === 409 && b.reason === "ended") { live = false; awake(false); stop(); pill("ended"); state(b.error, "ended"); return; }
            reconnect(b.error || ("The server refused (" + res.status + ")."));
          });
        }
        session = res.headers.get("Location");
        ice.learn(res);
        pill("live");
        return res.text().then(function (sdp) { return conn.setRemoteDescription({ type: "answer", sdp: sdp }); });
      }).catch(function () { reconnect("Cannot reach the server."); });
  }

  // Going live asks once more, in the page (a tap by mistake on a phone is easy).
  function confirming(on) {
    $("go-live-confirm").hidden = !on;
    $("go-live").hidden = on;
    $("go-live").setAttribute("aria-expanded", String(on));
    if (on) { $("go-live-now").focus(); } else { $("go-live").focus(); }
  }
  $("go-live").addEventListener("click", function () { if (!live) { confirming(true); } });
  $("go-live-cancel").addEventListener("click", function () { confirming(false); });
  $("go-live-now").addEventListener("click", function () {
    if (live) { return; }
    $("go-live-confirm").hidden = true; $("go-live").hidden = false;
    live = true; $("go-live").disabled = true;
    awake(true);
    (media ? Promise.resolve() : capture()).then(publish);
  });
  $("flip").addEventListener("click", function () {
    var select = $("camera");
    if (select.options.length < 2) { return; }
    select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
    capture();
  });
  // Turned while capturing: the same camera, the other shape (no new permission prompt).
  upright.addEventListener("change", function () {
    var track = media && media.getVideoTracks()[0];
    if (track && track.applyConstraints) { track.applyConstraints(size(presets[$("preset").value])).catch(function () {}); }
  });

  // The screen stays on while live (Wake Lock); the lock goes when the tab is hidden and
  // is taken again when the merchant comes back.
  // `data-awake` on the studio says whether the lock is held.
  var lock = null;
  function held(l) { lock = l; root.setAttribute("data-awake", l ? "on" : "off"); }
  function awake(on) {
    if (!on) { if (lock) { lock.release().catch(function () {}); } held(null); return; }
    if (lock || !navigator.wakeLock || document.visibilityState !== "visible") { return; }
    navigator.wakeLock.request("screen").then(function (l) {
      held(l); l.addEventListener("release", function () { if (lock === l) { held(null); } });
    }).catch(function () { /* refused (battery saver): the merchant keeps the screen on */ });
  }
  // In the background a phone's browser stops the camera: say so, and pick up where it
  // left off when the tab is back (a new capture if the tracks ended).
  var paused = false;
  document.addEventListener("visibilitychange", function () {
    if (!live) { return; }
    if (document.visibilityState === "hidden") {
      paused = true;
      state("Paused: the camera stops while this tab is in the background. Come back to continue.", "paused");
      return;
    }
    awake(true);
    var ended = !media || media.getTracks().some(function (t) { return t.readyState === "ended" || t.muted; });
    if (ended) { capture().then(function () { if (!pc) { publish(); } }); }
    else if (paused) {
      paused = false;
      var up = pc && pc.connectionState === "connected";
      state(up ? "Live" : "Connecting…", up ? "live" : "connecting");
    }
  });
  $("preview").addEventListener("resize", function () {
    var v = $("preview");
    if (v.videoWidth >= 16 && v.videoHeight >= 16) { root.style.setProperty("--preview-ratio", v.videoWidth + " / " + v.videoHeight); }
  });
  $("end-form").addEventListener("submit", function (e) {
    if (!window.confirm($("end").getAttribute("data-confirm"))) { e.preventDefault(); return; }
    live = false; awake(false); stop();
  });
  $("mute").addEventListener("click", function () {
    if (!media) { return; }
    var on = this.getAttribute("aria-pressed") !== "true";
    media.getAudioTracks().forEach(function (t) { t.enabled = !on; });
    this.setAttribute("aria-pressed", String(on)); this.textContent = on ? "Unmute" : "Mute";
  });
  $("camera-off").addEventListener("click", function () {
    if (!media) { return; }
    var off = this.getAttribute("aria-pressed") !== "true";
    media.getVideoTracks().forEach(function (t) { t.enabled = !off; });
    this.setAttribute("aria-pressed", String(off)); this.textContent = off ? "Camera on" : "Camera off";
  });
  ["camera", "microphone", "preset"].forEach(function (id) { $(id).addEventListener("change", capture); });
  window.addEventListener("online", function () { if (live && !pc) { clearTimeout(timer); delay = 1000; publish(); } });
  window.addEventListener("pagehide", function () { if (session) { leave().catch(function () {}); } });

  setInterval(function () {
    if (pc) {
      pc.getStats().then(function (report) {
        var bytes = 0;
        report.forEach(function (s) { if (s.type === "outbound-rtp") { bytes += s.bytesSent || 0; } });
        var now = Date.now();
        if (lastAt && bytes >= lastBytes) { $("out-bitrate").textContent = ((bytes - lastBytes) * 8 / (now - lastAt) / 1000).toFixed(2) + " Mbps"; }
        lastBytes = bytes; lastAt = now;
      }).catch(function () {});
    }
    fetch("/studio/" + streamId + "/stats", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      $("viewers").textContent = s.viewers;
      $("in-bitrate").textContent = (s.inbound_bitrate / 1e6).toFixed(2) + " Mbps";
      $("packets").textContent = s.packets_forwarded + " / " + s.packets_dropped;
      $("plis").textContent = s.plis_sent;
      $("loss").textContent = (s.viewer_loss * 100).toFixed(1) + " %";
    }).catch(function () {});
  }, 2000);

  capture();
})();
