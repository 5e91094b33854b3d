// Planners' page: accessibility choropleth (hours of help per 1,000 people in need, graduated
// classes given by the page), proposed stops, sortable tables, print button.
// Tooltips, popups and icons are DOM nodes filled with textContent: names come from the
// directory (any source, any structure account) and Leaflet inserts strings as HTML.
(function () {
  "use strict";

  function node(tag, text, className) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) { el.textContent = String(text); }
    if (className) { el.className = className; }
    return el;
  }

  function frNumber(value, decimals) {
    return Number(value).toLocaleString("fr-FR", {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    });
  }

  function sortable(table) {
    var headers = table.querySelectorAll("th[data-tri]");
    headers.forEach(function (th, column) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.getAttribute("data-tri") === "nombre";
        rows.sort(function (a, b) {
          var x = a.cells[column].textContent.trim(), y = b.cells[column].textContent.trim();
          var cmp;
          if (numeric) {
            var nx = parseFloat(x.replace(/\s/g, "").replace(",", "."));
            var ny = parseFloat(y.replace(/\s/g, "").replace(",", "."));
            nx = isNaN(nx) ? Infinity : nx; ny = isNaN(ny) ? Infinity : ny;
            cmp = nx - ny;
          } else {
            cmp = x.localeCompare(y, "fr");
          }
          return ascending ? cmp : -cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  }
  document.querySelectorAll("table.triable").forEach(sortable);

  var printButton = document.getElementById("bouton-imprimer");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }

  var element = document.getElementById("carte");
  if (!element || !window.L) return;
  var config = JSON.parse(element.getAttribute("data-config"));
  var plan = JSON.parse(document.getElementById("donnees-plan").textContent || "null");

  function colour(p) {
    if (p.classe === "zone_blanche") { return config.blanche; }
    for (var i = 0; i < config.bins.length; i++) {
      var bin = config.bins[i];
      if (p.accessibilite >= bin[0] && (bin[1] === null || p.accessibilite < bin[1])) {
        return bin[2];
      }
    }
    return config.bins[config.bins.length - 1][2];
  }

  var CLASSES = { zone_blanche: "zone blanche", sous_dotee: "sous-dotée", dotee: "dotée" };

  function communeTooltip(p, stop) {
    var box = node("div");
    box.appendChild(node("strong", p.nom));
    box.appendChild(node("div", frNumber(p.accessibilite, 1) + " h pour 1 000 (" +
      (CLASSES[p.classe] || p.classe) + ")"));
    box.appendChild(node("div", "Besoin : " + frNumber(p.besoin, 0)));
    if (p.duree_min_plus_proche !== null && p.offre_plus_proche) {
      box.appendChild(node("div", "Aide la plus proche : " + p.offre_plus_proche + ", " +
        frNumber(p.duree_min_plus_proche, 0) + " min"));
    }
    if (stop) { box.appendChild(node("div", "Atteinte par l'arrêt " + stop)); }
    return box;
  }

  function stopPopup(stop) {
    var box = node("div");
    box.appendChild(node("strong", stop.rang + ". " + stop.nom));
    box.appendChild(node("p", stop.phrase));
    return box;
  }

  var map = L.map(element, { preferCanvas: false });
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 18 }).addTo(map);
  var stopsLayer = L.featureGroup().addTo(map);
  var reachedBy = {};
  if (plan && plan.arrets) {
    plan.arrets.forEach(function (stop) {
      var at = [stop.point.lat, stop.point.lon];
      L.marker(at, {
        title: stop.nom,
        icon: L.divIcon({ className: "arret-marker", html: node("span", stop.rang), iconSize: [26, 26] })
      }).bindPopup(stopPopup(stop)).addTo(stopsLayer);
      stop.communes_atteintes.forEach(function (c) { reachedBy[c.code] = stop.nom; });
    });
  }
  fetch(config.geojson).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        var p = f.properties, reached = reachedBy[p.code];
        return { color: reached ? "#0b57d0" : "#555", weight: reached ? 2 : 0.5,
                 fillColor: colour(p), fillOpacity: 0.7 };
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(function () { return communeTooltip(p, reachedBy[p.code]); });
      }
    }).addTo(map);
    layer.bringToBack();
    map.fitBounds(layer.getBounds());
    element.setAttribute("data-communes", String(data.features.length));
  }).catch(function () {
    element.setAttribute("data-erreur", "1");
    if (stopsLayer.getLayers().length) map.fitBounds(stopsLayer.getBounds());
  });
  if (stopsLayer.getLayers().length) map.fitBounds(stopsLayer.getBounds());
  else map.setView([46.6, 2.4], 6);
})();
