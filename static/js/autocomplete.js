// Commune autocomplete on the search box (progressive enhancement: the form works without it).
(function () {
  "use strict";
  var input = document.getElementById("lieu");
  var list = document.getElementById("suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null, active = -1, items = [];

  function close() { list.hidden = true; list.textContent = ""; active = -1; input.setAttribute("aria-expanded", "false"); }
  function choose(i) {
    var c = items[i]; if (!c) return;
    input.value = c.nom + " (" + c.code + ")";
    var hidden = document.getElementById("code_commune");
    if (hidden) hidden.value = c.code;
    close();
  }
  function render() {
    list.textContent = "";
    items.forEach(function (c, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "suggestion-" + i;
      li.textContent = c.nom + " (" + c.departement + ") — " + c.code; // textContent: never HTML
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2 || /^\d{1,4}$/.test(q)) { close(); return; }
    timer = setTimeout(function () {
      fetch("/api/v1/communes?limite=8&q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
        .then(function (data) { items = data.communes || []; active = -1; render(); })
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
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
