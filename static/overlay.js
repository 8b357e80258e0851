// OBS overlay: the pinned product card with its live offer, and the featured question.
(function () {
  "use strict";
  var Live = window.ShowfloorLive;
  var base = document.body.getAttribute("data-overlay");
  var card = document.getElementById("overlay-pin");
  var question = document.getElementById("overlay-question");
  var offerEndsAt = null;

  function showPin(pin) {
    if (!pin) { card.hidden = true; offerEndsAt = null; return; }
    var p = pin.product;
    var img = card.querySelector(".overlay-card-image");
    if (p.image) { img.src = p.image; img.alt = p.image_alt || p.title; img.hidden = false; } else { img.hidden = true; }
    card.querySelector(".overlay-card-title").textContent = p.title;
    var offer = pin.offer;
    card.querySelector(".overlay-price").textContent = offer ? offer.price_display : p.price_display;
    card.querySelector(".overlay-was").textContent = offer ? p.price_display : (p.compare_at_display || "");
    var offerLine = card.querySelector(".overlay-offer");
    offerLine.hidden = !offer;
    offerEndsAt = offer && offer.ends_at ? offer.ends_at : null;
    card.querySelector(".overlay-units").textContent = offer && offer.units_left !== null ? offer.units_left + " left" : "";
    tick();
    card.hidden = false;
  }

  function showQuestion(q) {
    if (!q) { question.hidden = true; return; }
    question.querySelector(".overlay-question-name").textContent = q.name + " asks";
    question.querySelector(".overlay-question-body").textContent = q.body;
    question.hidden = false;
  }

  function tick() {
    var text = offerEndsAt ? Live.countdown(offerEndsAt) : "";
    card.querySelector(".overlay-countdown").textContent = text ? "ends in " + text : "";
  }
  setInterval(tick, 1000);

  var room = new Live.Room(base, {
    state: function (s) { showPin(s.pin); showQuestion(s.featured); },
    pin: showPin,
    unpin: function () { showPin(null); },
    featured: function (d) { showQuestion(d.question); }
  });
  room.start();
})();
