// The live room's sheet on the viewer page (templates/live/viewer_panel.html): on a phone
// the questions and the full chat slide up over the lower half of the video from the
// rail's Ask and Chat buttons, one tab at a time, and close with × or Escape; from 900px
// wide the sheet is a column beside the video and both panels show (room.css). Focus
// goes into the sheet when it opens and back to the button that opened it when it closes.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  if (!Live) return;
  var wide = window.matchMedia("(min-width: 900px)");

  Live.onPage(function (main) {
    var room = main.querySelector("[data-live-room]");
    var sheet = room && room.querySelector("[data-room-sheet]");
    if (!sheet) return null;
    var openers = room.querySelectorAll("[data-sheet-open]");
    var tabs = sheet.querySelectorAll("[data-tab-for]");
    var opener = null;

    function show(tab) {
      sheet.setAttribute("data-tab", tab);
      Array.prototype.forEach.call(tabs, function (t) {
        var on = t.getAttribute("data-tab-for") === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
      });
    }
    function setOpen(open) {
      room.classList.toggle("sheet-open", open);
      Array.prototype.forEach.call(openers, function (b) {
        b.setAttribute("aria-expanded", open && b.getAttribute("data-sheet-open") === sheet.getAttribute("data-tab") ? "true" : "false");
      });
    }
    function open(tab, from) {
      show(tab);
      opener = from || null;
      setOpen(true);
      // Into the sheet: its field when the shopper can type there, else its tab.
      var panel = sheet.querySelector('[data-panel="' + tab + '"]');
      var field = panel && panel.querySelector("form:not([hidden]) input");
      var target = field || sheet.querySelector('[data-tab-for="' + tab + '"]');
      if (target && !wide.matches) target.focus({ preventScroll: true });
    }
    function close() {
      setOpen(false);
      if (opener) opener.focus({ preventScroll: true });
      opener = null;
    }

    Array.prototype.forEach.call(openers, function (b) {
      b.addEventListener("click", function () {
        var tab = b.getAttribute("data-sheet-open");
        if (room.classList.contains("sheet-open") && sheet.getAttribute("data-tab") === tab) close();
        else open(tab, b);
      });
    });
    Array.prototype.forEach.call(tabs, function (t) {
      t.addEventListener("click", function () { show(t.getAttribute("data-tab-for")); setOpen(room.classList.contains("sheet-open")); });
      // Arrow keys move between the two tabs (the ARIA tabs pattern).
      t.addEventListener("keydown", function (e) {
        if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
        var next = t.getAttribute("data-tab-for") === "chat" ? "questions" : "chat";
        show(next);
        sheet.querySelector('[data-tab-for="' + next + '"]').focus();
        e.preventDefault();
      });
    });
    var dismiss = sheet.querySelector("[data-sheet-dismiss]");
    if (dismiss) dismiss.addEventListener("click", close);
    function onKey(e) {
      // A dialog (the bag, checkout) closes first, on its own.
      if (e.key !== "Escape" || document.querySelector("dialog[open]")) return;
      if (wide.matches) return;
      if (main.classList.contains("about-open")) setAbout(false);
      else if (room.classList.contains("sheet-open")) close();
    }
    document.addEventListener("keydown", onKey);

    // About (phone): the stream's details slide up as a sheet of their own.
    var about = main.querySelector("[data-about]");
    var aboutOpen = room.querySelector("[data-about-open]");
    function setAbout(open) {
      main.classList.toggle("about-open", open);
      if (aboutOpen) aboutOpen.setAttribute("aria-expanded", open ? "true" : "false");
      if (open && about) { about.setAttribute("tabindex", "-1"); about.focus({ preventScroll: true }); }
      else if (aboutOpen) aboutOpen.focus({ preventScroll: true });
    }
    if (aboutOpen && about) {
      aboutOpen.addEventListener("click", function () { setAbout(!main.classList.contains("about-open")); });
      var aboutClose = about.querySelector("[data-about-close]");
      if (aboutClose) aboutClose.addEventListener("click", function () { setAbout(false); });
    }
    show(sheet.getAttribute("data-tab") || "chat");
    return function () { document.removeEventListener("keydown", onKey); };
  });
})();
