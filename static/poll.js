// Polls in the live room (src/live/polls.rs). On the viewer page: the question over the
// video with its answers as buttons; once answered, or once the poll closed, the results
// as bars that follow every `poll` event. In the studio (`data-poll-host`): the results
// always, and Close. In the OBS overlay: the results only. One answer per viewer: the
// server decides, this only shows what it said.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live) { return; }
  var poll = null, voted = null, dismissed = null, box = null, base = null, note = "";

  function isOpen() { return poll && poll.open && (!poll.closes_at || Date.now() < poll.closes_at); }
  function percent(v) { return poll.total ? Math.round(100 * v / poll.total) : 0; }

  function render() {
    if (!box) { return; }
    box.textContent = "";
    if (!poll || dismissed === poll.id) { box.hidden = true; return; }
    box.hidden = false;
    var host = box.hasAttribute("data-poll-host"), results = box.hasAttribute("data-poll-results");
    var open = isOpen();
    wasOpen = open;
    var choosing = open && voted === null && !host && !results;
    var title = Live.el("p", "poll-question", poll.question);
    title.id = "poll-q-" + poll.id;
    box.appendChild(title);
    var list = Live.el("ul", "poll-options");
    list.setAttribute("aria-labelledby", title.id);
    poll.options.forEach(function (o, i) {
      var li = Live.el("li", "poll-option");
      if (choosing) {
        var b = Live.el("button", "poll-choice", o.label);
        b.type = "button";
        b.addEventListener("click", function () { vote(i); });
        li.appendChild(b);
      } else {
        var p = percent(o.votes);
        li.classList.add("poll-result");
        if (i === voted) { li.classList.add("poll-mine"); }
        var bar = Live.el("span", "poll-bar");
        bar.style.width = p + "%";
        bar.setAttribute("aria-hidden", "true");
        li.appendChild(bar);
        li.appendChild(Live.el("span", "poll-label", o.label + (i === voted ? " (your answer)" : "")));
        li.appendChild(Live.el("span", "poll-percent", p + " %"));
      }
      list.appendChild(li);
    });
    box.appendChild(list);
    var foot = Live.el("p", "poll-foot");
    var left = open && poll.closes_at ? Live.countdown(poll.closes_at) : "";
    foot.appendChild(Live.el("span", "poll-total", poll.total + (poll.total === 1 ? " answer" : " answers")));
    foot.appendChild(Live.el("span", "poll-state", open ? (left ? left + " left" : "Open") : "Final results"));
    box.appendChild(foot);
    if (note) { box.appendChild(Live.el("p", "poll-note", note)); }
    if (host && open) {
      var close = Live.el("button", "btn btn-secondary poll-close", "Close poll");
      close.type = "button";
      close.addEventListener("click", function () {
        Live.post(base + "/polls/" + poll.id + "/close").then(function (r) { if (r.ok) { poll = r.body; render(); } });
      });
      box.appendChild(close);
    }
    if (!open && !host && !results) {
      var x = Live.el("button", "poll-dismiss", "×");
      x.type = "button";
      x.setAttribute("aria-label", "Hide the poll's results");
      x.addEventListener("click", function () { dismissed = poll.id; render(); });
      box.appendChild(x);
    }
  }

  function vote(i) {
    Live.post(base + "/polls/" + poll.id + "/votes", { option: i }).then(function (r) {
      if (r.ok) { voted = r.body.voted; poll = r.body.poll; note = ""; }
      else { note = r.body.error; if (r.status === 409) { voted = voted === null ? -1 : voted; } }
      render();
    });
  }

  function show(p) {
    if (!p) { poll = null; render(); return; }
    if (!poll || poll.id !== p.id) { voted = p.voted === undefined ? null : p.voted; note = ""; }
    else if (p.voted !== undefined) { voted = p.voted; }
    poll = p;
    render();
  }

  Live.on("state", function (s) { show(s.poll); });
  Live.on("poll", show);
  // The countdown: only its text changes each second (rebuilding the box would re-announce
  // it to screen readers and take the buttons from under a finger); at its end, the results.
  var wasOpen = false;
  setInterval(function () {
    if (!poll || !poll.closes_at || !box || box.hidden) { return; }
    var open = isOpen();
    if (open !== wasOpen) { wasOpen = open; render(); return; }
    var state = box.querySelector(".poll-state");
    if (state && open) { state.textContent = Live.countdown(poll.closes_at) + " left"; }
  }, 1000);

  // The studio's form: a new poll (the open one closes), errors said beside the form,
  // what the host typed kept.
  function wireForm(form) {
    var error = form.querySelector("[data-poll-error]");
    function bodyOf() {
      var options = Array.prototype.map.call(form.querySelectorAll("[name=option]"), function (i) { return i.value; });
      var seconds = form.elements.seconds.value;
      return { question: form.elements.question.value, options: options, seconds: seconds ? Number(seconds) : null };
    }
    function refused(r) {
      var fields = r.body.fields || {};
      error.hidden = false;
      error.textContent = fields.question || fields.options || fields.seconds || r.body.error;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      Live.post(base + "/polls", bodyOf()).then(function (r) {
        error.hidden = r.ok;
        if (!r.ok) { refused(r); return; }
        form.reset();
        show(r.body);
      });
    });
    // The studio's queue (queue.js) prepares this form's poll to fire later.
    if (Live.formats) {
      Live.formats.poll = {
        form: form, path: "/polls", body: bodyOf, shown: show, refused: refused,
        label: function (b) { return "Poll: " + b.question; }
      };
    }
  }

  function start(main) {
    box = (main || document).querySelector("[data-poll]");
    var room = (main || document).querySelector("[data-live-room]");
    base = box && (box.getAttribute("data-poll") || (room && room.getAttribute("data-live-room")));
    var form = (main || document).querySelector("[data-poll-form]");
    if (form && base) { wireForm(form); }
    render();
  }
  // Pages with a <main> (viewer page, studio) swap it in place; the overlay has none.
  if (document.querySelector("main")) { Live.onPage(start); } else { start(document); }
})();
