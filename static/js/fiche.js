// Fiche d'orientation: a print button (progressive enhancement; without JavaScript the
// browser's own print command works).
(function () {
  "use strict";
  var button = document.getElementById("imprimer");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
