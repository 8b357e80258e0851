// Catalogue enhancements: the live card preview on the product form, and drag-and-drop
// image ordering. Without script the preview shows the last saved values and the ↑/↓
// buttons reorder images.
(function () {
  "use strict";

  var symbols = { EUR: "€", USD: "$", GBP: "£", JPY: "¥", INR: "₹", CAD: "CA$", AUD: "A$" };

  function formatPrice(text, currency) {
    var cleaned = (text || "").replace(/[\s\u00a0']/g, "").replace(",", ".");
    if (cleaned === "" || !/^\d*\.?\d*$/.test(cleaned)) return "";
    var digits = currency === "JPY" ? 0 : currency === "KWD" || currency === "BHD" ? 3 : 2;
    var value = Number(cleaned);
    if (!isFinite(value)) return "";
    var number = value.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return symbols[currency] ? symbols[currency] + number : currency + " " + number;
  }

  function preview() {
    var form = document.getElementById("product-form");
    var card = document.getElementById("card-preview");
    if (!form || !card) return;
    var field = function (name) { return form.querySelector('[data-preview="' + name + '"]'); };
    var set = function (id, text) { var el = document.getElementById(id); if (el) el.textContent = text; };
    var update = function () {
      var currency = (field("currency") && field("currency").value) || "EUR";
      var title = field("title") ? field("title").value.trim() : "";
      set("preview-title", title || "Product title");
      set("preview-price", formatPrice(field("price") && field("price").value, currency));
      set("preview-was", formatPrice(field("was") && field("was").value, currency));
      var summary = field("summary") ? field("summary").value.trim().split(/\n\s*\n/)[0].replace(/\n/g, " ") : "";
      set("preview-summary", summary.length > 140 ? summary.slice(0, 140).trim() + "…" : summary);
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }

  function reorder() {
    var list = document.querySelector("ol.image-list[data-reorder]");
    if (!list) return;
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("li[data-image]");
      if (dragged) dragged.classList.add("dragging");
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest("li[data-image]");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2 || event.clientX > box.left + box.width / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
      var order = Array.prototype.map.call(list.querySelectorAll("li[data-image]"), function (li) {
        return li.getAttribute("data-image");
      }).join(",");
      var body = new URLSearchParams({ order: order, csrf_token: list.getAttribute("data-csrf") });
      fetch(list.getAttribute("data-reorder"), { method: "POST", body: body, credentials: "same-origin", redirect: "manual" })
        .then(function () { window.location.reload(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    preview();
    reorder();
  });
})();
