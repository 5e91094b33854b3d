// Weekly opening-hours grid: fills the OSM "opening_hours" text field of the offer form.
// Without JavaScript the text field alone works (the server validates the syntax).
(function () {
  "use strict";
  var DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  var NAMES = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];
  var SLOTS = [["matin", "09:00", "12:00"], ["apres-midi", "14:00", "17:00"]];
  var TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function dayList(days) {
    var parts = [], start = days[0], prev = days[0];
    days.slice(1).concat([null]).forEach(function (d) {
      if (d !== null && d === prev + 1) { prev = d; return; }
      if (prev - start >= 2) { parts.push(DAYS[start] + "-" + DAYS[prev]); }
      else { for (var i = start; i <= prev; i++) { parts.push(DAYS[i]); } }
      if (d !== null) { start = prev = d; }
    });
    return parts.join(",");
  }

  // {dayIndex: ["09:00-12:00", ...]} -> "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
  function toOsm(week) {
    var groups = {}, order = [];
    for (var d = 0; d < 7; d++) {
      if (!week[d] || !week[d].length) { continue; }
      var key = week[d].join(",");
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(d);
    }
    return order.map(function (key) { return dayList(groups[key]) + " " + key; }).join("; ");
  }

  // best effort: "Mo-Fr 09:00-12:00,14:00-17:00; Sa 10:00-12:00" -> week, or null
  function fromOsm(text) {
    var week = {};
    if (!text.trim()) { return week; }
    var ok = text.split(";").every(function (rule) {
      var m = rule.trim().match(/^([A-Za-z,\-]+)\s+((?:\d\d:\d\d-\d\d:\d\d,?)+)$/);
      if (!m) { return false; }
      var ranges = m[2].split(",").filter(Boolean);
      return m[1].split(",").every(function (part) {
        var ends = part.split("-").map(function (p) { return DAYS.indexOf(p); });
        if (ends.some(function (i) { return i < 0; }) || ends.length > 2) { return false; }
        for (var d = ends[0]; d <= ends[ends.length - 1]; d++) { week[d] = ranges.slice(); }
        return true;
      });
    });
    return ok ? week : null;
  }

  function build(container, target) {
    var table = el("table", {"class": "grille-horaires"});
    var head = el("tr");
    ["Jour", "Matin", "Après-midi"].forEach(function (t) { head.appendChild(el("th", {scope: "col"}, t)); });
    table.appendChild(head);
    DAYS.forEach(function (day, d) {
      var row = el("tr");
      row.appendChild(el("th", {scope: "row"}, NAMES[d]));
      SLOTS.forEach(function (slot) {
        var cell = el("td"), id = "grille-" + day + "-" + slot[0];
        var box = el("input", {type: "checkbox", id: id, "data-day": d, "class": "slot-on"});
        var label = el("label", {"for": id}, NAMES[d] + " " + (slot[0] === "matin" ? "matin" : "après-midi"));
        label.className = "visually-hidden";
        var from = el("input", {type: "text", size: "5", value: slot[1], "aria-label": "début", "class": "slot-from", id: id + "-debut"});
        var to = el("input", {type: "text", size: "5", value: slot[2], "aria-label": "fin", "class": "slot-to", id: id + "-fin"});
        [box, label, from, el("span", {}, " – "), to].forEach(function (n) { cell.appendChild(n); });
        row.appendChild(cell);
      });
      table.appendChild(row);
    });
    var note = el("p", {"class": "hint", "aria-live": "polite"});
    container.appendChild(table);
    container.appendChild(note);

    function fill(week) {
      DAYS.forEach(function (day, d) {
        (week[d] || []).slice(0, 2).forEach(function (range, i) {
          var id = "grille-" + day + "-" + SLOTS[i][0];
          var parts = range.split("-");
          document.getElementById(id).checked = true;
          document.getElementById(id + "-debut").value = parts[0];
          document.getElementById(id + "-fin").value = parts[1];
        });
      });
    }

    function update() {
      var week = {}, bad = false;
      DAYS.forEach(function (day, d) {
        SLOTS.forEach(function (slot) {
          var id = "grille-" + day + "-" + slot[0];
          if (!document.getElementById(id).checked) { return; }
          var a = document.getElementById(id + "-debut").value.trim();
          var b = document.getElementById(id + "-fin").value.trim();
          if (!TIME.test(a) || !TIME.test(b) || a >= b) { bad = true; return; }
          (week[d] = week[d] || []).push(a + "-" + b);
        });
      });
      if (bad) { note.textContent = "Heure invalide : utilisez HH:MM, début avant fin."; return; }
      note.textContent = "";
      target.value = toOsm(week);
    }

    var parsed = fromOsm(target.value || "");
    if (parsed === null) {
      note.textContent = "Horaires trop complexes pour la grille : modifiez le texte ci-dessus, " +
        "ou cochez la grille pour les remplacer.";
    } else {
      fill(parsed);
    }
    table.addEventListener("change", update);
    table.addEventListener("input", function (e) {
      if (e.target.type === "text") { update(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("grille-horaires");
    if (!container) { return; }
    var target = document.getElementById(container.getAttribute("data-target"));
    if (target) { build(container, target); }
  });
})();
