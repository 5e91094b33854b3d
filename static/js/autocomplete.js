// Commune autocomplete on the search box (progressive enhancement: the form works without it).
// The list shows each commune's postcodes; it closes as soon as the focus leaves the field
// (an answer arriving after that never reopens it), so a click elsewhere never picks a
// commune. Text goes in with textContent only.
(function () {
  "use strict";
  var input = document.getElementById("lieu");
  var list = document.getElementById("suggestions");
  var hidden = input.form ? input.form.querySelector('input[name="code_commune"]') : null;
  if (!input || !list || !window.fetch) return;
  var timer = null, active = -1, items = [], asked = 0;

  function close() {
    list.hidden = true; list.textContent = ""; active = -1; items = [];
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function label(c) {
    var codes = (c.codes_postaux || []).slice(0, 3).join(", ");
    return c.nom + " (" + (codes || c.departement) + ")";
  }
  function choose(i) {
    var c = items[i]; if (!c) return;
    input.value = label(c);
    if (hidden) hidden.value = c.code;
    close();
  }
  function render() {
    list.textContent = "";
    if (document.activeElement !== input) { close(); return; }
    items.forEach(function (c, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "suggestion-" + i;
      li.textContent = label(c); // textContent: never HTML
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    if (hidden) hidden.value = ""; // typed by hand: the server reads the text
    var q = input.value.trim();
    if (q.length < 2 || /^\d{1,4}$/.test(q)) { close(); return; }
    timer = setTimeout(function () {
      var mine = ++asked;
      fetch("/api/v1/communes?limite=8&q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
        .then(function (data) {
          if (mine !== asked) return; // a later question is under way
          items = data.communes || []; active = -1; render();
        })
        .catch(close);
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      Array.prototype.forEach.call(list.children, function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", "suggestion-" + active);
    } else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
    else if (e.key === "Escape" || e.key === "Tab") { close(); }
  });
  // focus leaving the field closes the list at once; a pending question is dropped
  input.addEventListener("blur", function () { clearTimeout(timer); asked += 1; close(); });
  document.addEventListener("pointerdown", function (e) {
    if (e.target !== input && !list.contains(e.target)) { close(); }
  });
})();
