// mapdir widget: <script src="https://…/widget.js" data-code-postal="87400"
//   data-services="demarches-administratives" data-limite="5" data-couleur="#1f4e79"
//   data-titre="…" defer></script>
// Builds the widget's iframe right after this script tag (DOM nodes only, no HTML string)
// and lets it grow with its content. Sets no cookie and loads nothing else.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var source = new URL(script.src, document.baseURI);
  var page = new URL(source.pathname.replace(/widget\.js$/, "widget"), source.origin);
  var names = { codePostal: "code_postal", services: "services", limite: "limite",
                couleur: "couleur", titre: "titre" };
  Object.keys(names).forEach(function (key) {
    var value = script.dataset[key];
    if (value) page.searchParams.set(names[key], value);
  });
  var frame = document.createElement("iframe");
  frame.src = page.href;
  frame.title = script.dataset.titre || "Trouver un lieu d'aide au numérique";
  frame.setAttribute("loading", "lazy");
  frame.className = "mapdir-widget";
  frame.style.width = "100%";
  frame.style.minHeight = "200px";
  frame.style.height = "480px";
  frame.style.border = "0";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== source.origin) return;
    var data = event.data;
    if (!data || data.type !== "mapdir-widget-hauteur" || typeof data.hauteur !== "number") return;
    frame.style.height = Math.min(Math.max(data.hauteur, 200), 4000) + "px";
  });
})();
