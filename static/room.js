// The live room on the viewer page: Q&A, chat, hearts and the viewer count (the pinned
// card and the bag are shop.js's), and the page following its stream's
// lifecycle. Reads <main data-room="…/live"> (every state of the stream page, the
// embed and the shop page) and, when live, <section data-live-room>. One Room (one
// EventSource) per page; on a `status` event the page fetches itself afresh, replaces
// its <main> in place and lets every module re-init (ShowfloorLive.pageReplaced).
// Everything people typed is shown with textContent, never as markup.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live) return;
  var el = Live.el;

  // The nodes of the current <main>'s room; reset on each page init.
  var root = null, base = null;
  var questionsBox = null, chatBox = null, viewersBox = null, heartsBox = null, nameForm = null;
  var askForm = null, chatForm = null, heartButton = null, featuredBox = null, status = null;
  var feedBox = null, askHint = null, questionsCount = null;
  var $ = function (sel) { return root ? root.querySelector(sel) : null; };

  var me = { name: null };
  var questions = {};

  function say(form, message) {
    var out = form && form.querySelector("[data-error]");
    if (out) { out.textContent = message || ""; out.hidden = !message; }
  }

  // --- Questions ---------------------------------------------------------------------
  function renderQuestions() {
    if (!questionsBox) return;
    var list = Object.keys(questions).map(function (k) { return questions[k]; });
    list.sort(function (a, b) { return (b.votes - a.votes) || (a.created_at - b.created_at); });
    var open = list.filter(function (q) { return !q.answered; }).length;
    if (questionsCount) { questionsCount.textContent = open; questionsCount.hidden = open === 0; }
    questionsBox.textContent = "";
    if (list.length === 0) {
      questionsBox.appendChild(el("li", "empty-inline", "No questions yet. Ask the host anything about what you see."));
      return;
    }
    list.forEach(function (q) {
      var li = el("li", "question" + (q.answered ? " answered" : ""));
      var vote = el("button", "vote", "▲ " + q.votes);
      vote.type = "button";
      vote.setAttribute("aria-label", "Vote for this question (" + q.votes + " votes)");
      vote.addEventListener("click", function () {
        Live.post(base + "/questions/" + q.id + "/vote").then(function (r) {
          if (!r.ok) say(askForm, r.body.error);
        });
      });
      li.appendChild(vote);
      var text = el("div", "question-text");
      text.appendChild(el("span", "question-name", q.name));
      text.appendChild(el("p", "question-body", q.body));
      if (q.answered) {
        var at = q.answered_at_s;
        var when = at !== null && at !== undefined ? " at " + Math.floor(at / 60) + ":" + ("0" + (at % 60)).slice(-2) + " in the video" : "";
        text.appendChild(el("span", "badge badge-success", "Answered" + when));
      }
      li.appendChild(text);
      questionsBox.appendChild(li);
    });
  }

  function renderFeatured(q) {
    if (!featuredBox) return;
    featuredBox.textContent = "";
    featuredBox.hidden = !q;
    if (!q) return;
    featuredBox.appendChild(el("span", "featured-name", q.name + " asks"));
    featuredBox.appendChild(el("p", "featured-body", q.body));
  }

  // --- Chat --------------------------------------------------------------------------
  // One message as a list item: the name, then the text (never as markup).
  function chatLine(cls, m) {
    var li = el("li", cls);
    li.setAttribute("data-id", m.id);
    li.appendChild(el("strong", "chat-name", m.name));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "chat-body", m.body));
    return li;
  }
  // `old`: from the snapshot (history, not floated over the video).
  function addChat(m, old) {
    if (!chatBox) return;
    if (chatBox.querySelector('[data-id="' + m.id + '"]')) return;
    var li = chatLine("chat-message", m);
    var stick = chatBox.scrollTop + chatBox.clientHeight >= chatBox.scrollHeight - 40;
    chatBox.appendChild(li);
    while (chatBox.children.length > 200) chatBox.removeChild(chatBox.firstChild);
    if (stick) chatBox.scrollTop = chatBox.scrollHeight;
    if (!old) feed(m);
  }
  // The last few lines float over the video (the stage's lower third) and fade out.
  function feed(m) {
    if (!feedBox) return;
    var li = chatLine("stage-line", m);
    feedBox.appendChild(li);
    while (feedBox.children.length > 4) feedBox.removeChild(feedBox.firstChild);
    setTimeout(function () { li.remove(); }, 12000);
  }

  // --- Hearts ------------------------------------------------------------------------
  var pendingTaps = 0;
  function floatHeart() {
    if (!heartsBox || window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    var h = el("span", "heart", "♥");
    h.classList.add("heart-" + (Math.floor(Math.random() * 5) + 1));
    heartsBox.appendChild(h);
    setTimeout(function () { h.remove(); }, 2000);
  }
  // Taps go out in batches, at most twice a second.
  setInterval(function () {
    if (pendingTaps === 0 || !base) return;
    var n = Math.min(pendingTaps, 50);
    pendingTaps -= n;
    Live.post(base + "/reactions", { count: n });
  }, 500);
  var shownTotal = null;

  // --- Forms -------------------------------------------------------------------------
  function needName() {
    var ok = !!me.name;
    if (nameForm) nameForm.hidden = ok;
    if (askHint) askHint.hidden = ok;
    [askForm, chatForm].forEach(function (f) { if (f) f.hidden = !ok; });
  }

  function wire(form, path, done) {
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[type=text], textarea");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      Live.post(base + path, { body: input.value, name: input.value }).then(function (r) {
        button.disabled = false;
        if (r.ok) { say(form, ""); input.value = ""; if (done) done(r.body); }
        else say(form, r.body.error || "That did not work. Try again.");
      });
    });
  }
  // --- The page follows its stream --------------------------------------------------
  // Fetch this page afresh and swap its <main> in, once it shows `expected` (a node that
  // has not yet heard of the change may still serve the old state for a moment).
  // `target`: the state the latest event asked for; an answer showing any other state is
  // retried (a stream that goes live and ends quickly ends up on the ended view).
  var refreshing = false, target = null;
  function refresh(expected) {
    target = expected;
    if (refreshing) return;
    refreshing = true;
    attempt(0);
  }
  function attempt(tries) {
    var retry = function (delay) {
      if (tries >= 20) { refreshing = false; return; }
      setTimeout(function () { attempt(tries + 1); }, delay);
    };
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error("page " + r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("main");
        var current = document.querySelector("main");
        if (!fresh || !current) throw new Error("no main");
        if (target && fresh.getAttribute("data-state") !== target) return retry(250);
        refreshing = false;
        if (doc.title) document.title = doc.title;
        var focused = current.contains(document.activeElement);
        current.replaceWith(document.adoptNode(fresh));
        Live.pageReplaced();
        announce(fresh.getAttribute("data-state"));
        // Focus was in what just went away: put it at the top of the new view.
        var heading = focused && fresh.querySelector("h1");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
      })
      .catch(function () { retry(1000); });
  }

  // A polite live region outside <main> (which is replaced) says what changed. Styled from
  // script: the pages' policy allows no inline style, and this is the only such node.
  var region = null;
  var ANNOUNCE = { live: "The stream is live now.", ended: "This stream has ended.", cancelled: "This stream was cancelled." };
  function ensureRegion() {
    if (!region) {
      region = el("p", "", "");
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      var st = region.style;
      st.position = "absolute"; st.width = "1px"; st.height = "1px"; st.overflow = "hidden";
      st.clip = "rect(0 0 0 0)"; st.whiteSpace = "nowrap"; st.margin = "-1px";
      document.body.appendChild(region);
    }
  }
  function announce(state) {
    var text = ANNOUNCE[state];
    if (!text) return;
    ensureRegion();
    region.textContent = text;
  }

  function currentState() {
    var main = document.querySelector("main");
    return main && main.hasAttribute("data-stream") ? main.getAttribute("data-state") : null;
  }

  function onStatus(d) {
    document.dispatchEvent(new CustomEvent("showfloor:status", { detail: d }));
    Live.tell("status", { status: d.status, at: d.at });
    var state = currentState();
    if (state === null) refresh(null); // the shop page: its cards change
    else if (state !== d.status) refresh(d.status);
  }

  // --- Room events -------------------------------------------------------------------
  var room = null, roomBase = null;
  var params = new URLSearchParams(window.location.search);
  function openRoom(main) {
    var embed = main.hasAttribute("data-embed");
    var watching = main.hasAttribute("data-stream");
    return new Live.Room(roomBase, {
      state: function (s) {
        me = s.me || me;
        var state = currentState();
        if (state !== null && s.stream && s.stream.status !== state) refresh(s.stream.status);
        if (!root) return;
        needName();
        questions = {};
        (s.questions || []).forEach(function (q) { questions[q.id] = q; });
        renderQuestions();
        renderFeatured(s.featured);
        chatBox.textContent = "";
        if (feedBox) feedBox.textContent = "";
        (s.chat || []).forEach(function (m) { addChat(m, true); });
        if (viewersBox) viewersBox.textContent = s.viewers.now;
        shownTotal = s.reactions;
      },
      question: function (q) { if (q.status === "visible") { questions[q.id] = q; renderQuestions(); } },
      question_removed: function (d) { delete questions[d.id]; renderQuestions(); },
      featured: function (d) { renderFeatured(d.question); },
      chat: function (m) { addChat(m, false); },
      chat_removed: function (d) {
        [chatBox, feedBox].forEach(function (box) {
          var n = box && box.querySelector('[data-id="' + d.id + '"]');
          if (n) n.remove();
        });
      },
      reactions: function (d) {
        var others = shownTotal === null ? 0 : Math.min(d.n, 8);
        shownTotal = d.total;
        for (var i = 0; i < others; i++) setTimeout(floatHeart, i * 120);
      },
      viewers: function (d) { if (viewersBox) viewersBox.textContent = d.now; },
      status: onStatus,
      refused: function (d) { if (status) status.textContent = d.error; },
      connection: function (c) { if (status) status.textContent = c === "open" ? "" : "Reconnecting…"; }
    }, {
      query: {
        ref: document.referrer, utm_source: params.get("utm_source"), utm_medium: params.get("utm_medium"),
        utm_campaign: params.get("utm_campaign"), embed: embed ? 1 : null,
        // The shop page only listens for its streams' changes: not a viewer.
        listen: watching ? null : 1
      }
    });
  }

  var told = false;
  Live.onPage(function (main) {
    root = main.querySelector("[data-live-room]");
    base = root ? root.getAttribute("data-live-room") : null;
    questionsBox = $("[data-questions]");
    chatBox = $("[data-chat]");
    viewersBox = $("[data-viewers]");
    heartsBox = $("[data-hearts]");
    nameForm = $("[data-name-form]");
    askForm = $("[data-ask-form]");
    chatForm = $("[data-chat-form]");
    heartButton = $("[data-heart]");
    featuredBox = $("[data-featured]");
    status = $("[data-room-status]");
    feedBox = $("[data-chat-feed]");
    askHint = $("[data-ask-hint]");
    questionsCount = $("[data-questions-count]");
    if (heartButton) heartButton.addEventListener("click", function () { pendingTaps++; floatHeart(); });
    wire(nameForm, "/name", function (body) { me.name = body.name; needName(); });
    wire(askForm, "/questions", function (body) {
      if (body.pending) say(askForm, "Thanks! Your question will appear once a moderator approves it.");
      var q = body.question || {};
      Live.tell("question-asked", { id: q.id, body: q.body, pending: !!body.pending });
    });
    wire(chatForm, "/chat");

    // One connection per page: reopened (never doubled) after a swap, so the snapshot
    // fills the new room and a page that just went live counts its viewer.
    var wanted = main.getAttribute("data-room");
    if (wanted) ensureRegion(); // before any change, so the change is announced
    if (room) room.close();
    if (!wanted) { room = null; roomBase = null; }
    else { roomBase = wanted; room = openRoom(main); room.start(); }
    if (!told) { told = true; Live.tell("ready", { state: currentState() }); }
    return function () { root = null; base = null; pendingTaps = 0; };
  });
})();
