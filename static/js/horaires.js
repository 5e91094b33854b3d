// Weekly opening-hours grid: fills the OSM "opening_hours" text field of the offer form.
// A row per day, the morning and afternoon ranges on one line; a time that cannot be read
// ("25:00") is shown as an error next to its field and the form is not sent with it.
// Without JavaScript the text field alone works (the server validates the syntax).
(function () {
  "use strict";
  var DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  var NAMES = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];
  var SHORT = ["Lun", "Mar", "Mer", "Jeu", "Ven", "Sam", "Dim"];
  var SLOTS = [["matin", "09:00", "12:00", "matin"], ["apres-midi", "14:00", "17:00", "après-midi"]];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // "9h", "9h30", "9:30", "0930", "14" -> "09:00", "09:30", "09:30", "09:30", "14:00"; or null
  // (24:00 only as an end of range, as OSM allows)
  function readTime(text, isEnd) {
    var m = text.trim().toLowerCase().match(/^(\d{1,2})(?:\s*[h:.]\s*(\d{2})?|(\d{2}))?$/);
    if (!m) { return null; }
    var h = parseInt(m[1], 10), min = parseInt(m[2] || m[3] || "0", 10);
    if (min > 59 || h > 24 || (h === 24 && (min > 0 || !isEnd))) { return null; }
    return (h < 10 ? "0" : "") + h + ":" + (min < 10 ? "0" : "") + min;
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
      if (ranges.length > 2) { return false; }
      return m[1].split(",").every(function (part) {
        var ends = part.split("-").map(function (p) { return DAYS.indexOf(p); });
        if (ends.some(function (i) { return i < 0; }) || ends.length > 2) { return false; }
        for (var d = ends[0]; d <= ends[ends.length - 1]; d++) { week[d] = ranges.slice(); }
        return true;
      });
    });
    return ok ? week : null;
  }

  function timeInput(id, value, label) {
    return el("input", {type: "text", id: id, value: value, "class": "heure", size: "5",
      maxlength: "5", inputmode: "numeric", autocomplete: "off", "aria-label": label});
  }

  function build(container, target, form) {
    var table = el("table", {"class": "grille-horaires"});
    var caption = el("caption", {"class": "sr-only"}, "Horaires de la semaine");
    var head = el("tr");
    table.appendChild(caption);
    ["Jour", "Matin", "Après-midi"].forEach(function (t) { head.appendChild(el("th", {scope: "col"}, t)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    var slots = [];  // {box, from, to, error, day}
    DAYS.forEach(function (day, d) {
      var row = el("tr");
      var th = el("th", {scope: "row"});
      th.appendChild(el("span", {"class": "jour-long"}, NAMES[d]));
      th.appendChild(el("span", {"class": "jour-court", "aria-hidden": "true"}, SHORT[d]));
      row.appendChild(th);
      SLOTS.forEach(function (slot) {
        var id = "grille-" + day + "-" + slot[0], what = NAMES[d] + " " + slot[3];
        var cell = el("td");
        var line = el("span", {"class": "creneau"});
        var box = el("input", {type: "checkbox", id: id, "data-day": d});
        var label = el("label", {"for": id, "class": "sr-only"}, what + " ouvert");
        var from = timeInput(id + "-debut", slot[1], what + ", début");
        var to = timeInput(id + "-fin", slot[2], what + ", fin");
        var error = el("span", {"class": "erreur-heure", id: id + "-erreur"});
        [box, label, from, el("span", {"aria-hidden": "true"}, "–"), to].forEach(function (n) { line.appendChild(n); });
        cell.appendChild(line);
        cell.appendChild(error);
        row.appendChild(cell);
        slots.push({box: box, from: from, to: to, error: error, day: d, name: what});
      });
      body.appendChild(row);
    });
    var note = el("p", {"class": "hint", "aria-live": "polite"});
    container.appendChild(table);
    container.appendChild(note);

    function fill(week) {
      slots.forEach(function (s, i) {
        var range = (week[s.day] || [])[i % 2];
        if (!range) { return; }
        var parts = range.split("-");
        s.box.checked = true;
        s.from.value = parts[0];
        s.to.value = parts[1];
      });
    }

    function mark(input, message, slot) {
      if (message) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", slot.error.id);
      } else {
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
    }

    // a slot's error, or "" (checked or not: a time typed wrong is said at once)
    function check(s, tidy) {
      var a = readTime(s.from.value, false), b = readTime(s.to.value, true), message = "";
      if (tidy && a) { s.from.value = a; }
      if (tidy && b) { s.to.value = b; }
      var badFrom = a === null, badTo = b === null;
      if (badFrom || badTo) {
        var shown = badFrom ? s.from.value : s.to.value;
        message = "Heure invalide «\u00a0" + shown.trim() + "\u00a0» : écrivez HH:MM, de 00:00 à 23:59.";
      } else if (a >= b) {
        badTo = true;
        message = "La fin (" + b + ") doit être après le début (" + a + ").";
      }
      mark(s.from, badFrom && message, s);
      mark(s.to, badTo && message, s);
      s.error.textContent = message;
      return message;
    }

    function update(tidy) {  // every slot checked, the text field rewritten when all are valid
      var week = {}, bad = [];
      slots.forEach(function (s, i) {
        var message = check(s, tidy);
        if (!s.box.checked) { return; }
        if (message) { bad.push(s); return; }
        var prev = week[s.day];
        var a = readTime(s.from.value, false), b = readTime(s.to.value, true);
        if (i % 2 && prev && prev.length && prev[0].split("-")[1] > a) {
          s.error.textContent = "L'après-midi commence avant la fin du matin.";
          mark(s.from, true, s);
          bad.push(s);
          return;
        }
        (week[s.day] = week[s.day] || []).push(a + "-" + b);
      });
      if (bad.length) {
        note.textContent = "La grille contient une erreur : les horaires ci-dessus ne sont pas modifiés.";
        return bad;
      }
      note.textContent = "";
      target.value = toOsm(week);
      return bad;
    }

    var parsed = fromOsm(target.value || "");
    if (parsed === null) {
      note.textContent = "Horaires trop complexes pour la grille : modifiez le texte ci-dessus, " +
        "ou cochez la grille pour les remplacer.";
    } else {
      fill(parsed);
    }
    table.addEventListener("change", function () { update(true); });
    // while typing, say at once what is wrong; the text field changes when a time is left
    // (a half-typed "2" of "25:00" must not become 02:00 in it)
    table.addEventListener("input", function (e) {
      var slot = slots.filter(function (s) { return s.from === e.target || s.to === e.target; })[0];
      if (slot) { check(slot, false); }
    });
    if (form) {
      form.addEventListener("submit", function (e) {
        if (!slots.some(function (s) { return s.box.checked; })) { return; }
        var bad = update(true);
        if (bad.length) {
          e.preventDefault();
          (bad[0].from.getAttribute("aria-invalid") ? bad[0].from : bad[0].to).focus();
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("grille-horaires");
    if (!container) { return; }
    var target = document.getElementById(container.getAttribute("data-target"));
    if (target) { build(container, target, container.closest("form")); }
  });
})();
