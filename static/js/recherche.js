// Search form: picking a day, a part of the day or a date ticks the opening choice it
// belongs to. Without JavaScript the server infers the same (mapdir/web/search_pages.py).
(function () {
  "use strict";
  function tick(fieldIds, radioId) {
    var radio = document.getElementById(radioId);
    fieldIds.forEach(function (id) {
      var field = document.getElementById(id);
      if (!field || !radio) { return; }
      field.addEventListener("change", function () {
        if (field.value) { radio.checked = true; }
      });
    });
  }
  tick(["ouvert_jour", "ouvert_moment"], "ouvert-jour");
  tick(["ouvert_le"], "ouvert-date");
})();
