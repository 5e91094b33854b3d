// The widget's configuration page: the snippets and the preview follow the form as it is
// filled (the same query the server builds on submit), and "Copier" buttons. Text goes in
// with textContent only.
(function () {
  "use strict";
  var form = document.getElementById("config-widget");
  if (!form) return;
  var scriptCode = document.getElementById("extrait-script");
  var frameCode = document.getElementById("extrait-iframe");
  var preview = document.getElementById("apercu");
  var previewLink = document.getElementById("lien-apercu");
  var site = new URL(previewLink.getAttribute("href"), document.baseURI);
  var DEFAULTS = { couleur: "#1f4e79", titre: "Trouver un lieu d'aide au numérique", limite: "5" };

  function attr(value) {  // an attribute value inside the snippet (shown as text)
    return String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function values() {
    var data = new FormData(form);
    var out = [];
    var cp = (data.get("code_postal") || "").trim();
    if (cp) out.push(["code_postal", cp]);
    var services = data.getAll("services");
    if (services.length) out.push(["services", services.join(",")]);
    ["couleur", "titre", "limite"].forEach(function (name) {
      var v = String(data.get(name) || "").trim();
      if (v && v !== DEFAULTS[name]) out.push([name, v]);
    });
    return out;
  }

  function update() {
    var pairs = values();
    var url = new URL("/widget", site.origin);
    pairs.forEach(function (p) { url.searchParams.set(p[0], p[1]); });
    var data = pairs.map(function (p) {
      return " data-" + p[0].replace("_", "-") + "=\"" + attr(p[1]) + "\"";
    }).join("");
    var title = (new FormData(form).get("titre") || DEFAULTS.titre).trim() || DEFAULTS.titre;
    scriptCode.textContent = "<script src=\"" + site.origin + "/widget.js\"" + data + " defer></script>";
    frameCode.textContent = "<iframe src=\"" + attr(url.href) + "\" title=\"" + attr(title) +
      "\" width=\"100%\" height=\"520\" style=\"border:0\" loading=\"lazy\"></iframe>";
    previewLink.href = url.href;
    if (preview.src !== url.href) preview.src = url.href;
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  var status = document.getElementById("copie-etat");
  Array.prototype.forEach.call(document.querySelectorAll(".copier"), function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-cible")).textContent;
      navigator.clipboard.writeText(text).then(function () {
        status.textContent = "Code copié.";
      }, function () {
        status.textContent = "Copie impossible : sélectionnez le code et copiez-le.";
      });
    });
  });
})();
