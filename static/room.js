// The live room on the viewer page: Q&A, chat, hearts and the viewer count. Reads <section data-live-room="…/live">.
// Everything people typed is shown with textContent, never as markup.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  var root = document.querySelector("[data-live-room]");
  if (!Live || !root) return;
  var base = root.getAttribute("data-live-room");
  var el = Live.el;

  var $ = function (sel) { return root.querySelector(sel); };
  var questionsBox = $("[data-questions]");
  var chatBox = $("[data-chat]");
  var viewersBox = $("[data-viewers]");
  var heartsBox = $("[data-hearts]");
  var nameForm = $("[data-name-form]");
  var askForm = $("[data-ask-form]");
  var chatForm = $("[data-chat-form]");
  var heartButton = $("[data-heart]");
  var featuredBox = $("[data-featured]");
  var status = $("[data-room-status]");

  var me = { name: null };
  var questions = {};

  function say(form, message) {
    var out = form && form.querySelector("[data-error]");
    if (out) { out.textContent = message || ""; out.hidden = !message; }
  }

  // --- Questions ---------------------------------------------------------------------
  function renderQuestions() {
    var list = Object.keys(questions).map(function (k) { return questions[k]; });
    list.sort(function (a, b) { return (b.votes - a.votes) || (a.created_at - b.created_at); });
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
  function addChat(m) {
    if (chatBox.querySelector('[data-id="' + m.id + '"]')) return;
    var li = el("li", "chat-message");
    li.setAttribute("data-id", m.id);
    li.appendChild(el("strong", "chat-name", m.name));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "chat-body", m.body));
    var stick = chatBox.scrollTop + chatBox.clientHeight >= chatBox.scrollHeight - 40;
    chatBox.appendChild(li);
    while (chatBox.children.length > 200) chatBox.removeChild(chatBox.firstChild);
    if (stick) chatBox.scrollTop = chatBox.scrollHeight;
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
  if (heartButton) {
    heartButton.addEventListener("click", function () { pendingTaps++; floatHeart(); });
  }
  // Taps go out in batches, at most twice a second.
  setInterval(function () {
    if (pendingTaps === 0) return;
    var n = Math.min(pendingTaps, 50);
    pendingTaps -= n;
    Live.post(base + "/reactions", { count: n });
  }, 500);
  var shownTotal = null;

  // --- Forms -------------------------------------------------------------------------
  function needName() {
    var ok = !!me.name;
    if (nameForm) nameForm.hidden = ok;
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
  wire(nameForm, "/name", function (body) { me.name = body.name; needName(); });
  wire(askForm, "/questions", function (body) {
    if (body.pending) say(askForm, "Thanks! Your question will appear once a moderator approves it.");
  });
  wire(chatForm, "/chat");

  // --- Room events -------------------------------------------------------------------
  var params = new URLSearchParams(window.location.search);
  var room = new Live.Room(base, {
    state: function (s) {
      me = s.me || me;
      needName();
      questions = {};
      (s.questions || []).forEach(function (q) { questions[q.id] = q; });
      renderQuestions();
      renderFeatured(s.featured);
      chatBox.textContent = "";
      (s.chat || []).forEach(addChat);
      if (viewersBox) viewersBox.textContent = s.viewers.now;
      shownTotal = s.reactions;
    },
    question: function (q) { if (q.status === "visible") { questions[q.id] = q; renderQuestions(); } },
    question_removed: function (d) { delete questions[d.id]; renderQuestions(); },
    featured: function (d) { renderFeatured(d.question); },
    chat: addChat,
    chat_removed: function (d) { var n = chatBox.querySelector('[data-id="' + d.id + '"]'); if (n) n.remove(); },
    reactions: function (d) {
      var others = shownTotal === null ? 0 : Math.min(d.n, 8);
      shownTotal = d.total;
      for (var i = 0; i < others; i++) setTimeout(floatHeart, i * 120);
    },
    viewers: function (d) { if (viewersBox) viewersBox.textContent = d.now; },
    status: function (d) { document.dispatchEvent(new CustomEvent("showfloor:status", { detail: d })); },
    connection: function (c) { if (status) status.textContent = c === "open" ? "" : "Reconnecting…"; }
  }, {
    query: {
      ref: document.referrer, utm_source: params.get("utm_source"), utm_medium: params.get("utm_medium"),
      utm_campaign: params.get("utm_campaign"), embed: root.hasAttribute("data-embed") ? 1 : null
    }
  });
  room.start();
})();
