// Results page: the sticky bar counts the places ticked for the fiche d'orientation
// ("Fiche d'orientation (3)"). Text goes in with textContent only.
(function () {
  "use strict";
  var form = document.getElementById("form-fiche");
  var count = document.getElementById("nombre-choisis");
  if (!form || !count) { return; }
  function boxes() { return document.querySelectorAll('input[name="offres"][form="form-fiche"]'); }
  function update() {
    var n = 0;
    Array.prototype.forEach.call(boxes(), function (box) { if (box.checked) { n += 1; } });
    count.textContent = "(" + n + ")";
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "offres") { update(); }
  });
  update();
})();
