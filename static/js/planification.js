// Planners' page: access-time choropleth, proposed stops with their catchments, sortable tables.
// Tooltips, popups and icons are DOM nodes filled with textContent: names come from the
// directory (any source, any structure account) and Leaflet inserts strings as HTML.
(function () {
  "use strict";
  var COLOURS = { couverte: "#2da44e", peu_couverte: "#d4a72c", zone_blanche: "#cf222e" };

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
            var nx = parseFloat(x.replace(",", ".")), ny = parseFloat(y.replace(",", "."));
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

  function node(tag, text) {
    var el = document.createElement(tag);
    if (text !== undefined) { el.textContent = String(text); }
    return el;
  }

  function stopPopup(stop) {
    var box = node("div");
    box.appendChild(node("strong", stop.rang + ". " + stop.nom));
    box.appendChild(node("div", "+" + stop.gain_marginal + " habitants"));
    return box;
  }

  function communeTooltip(p, coveringStop) {
    var text = p.nom + " : " + (p.duree_estimee_min === null ? "aucun lieu" :
      p.duree_estimee_min + " min (" + p.offre_nom + ")");
    if (coveringStop) { text += " — couverte par l'arrêt " + coveringStop; }
    return node("span", text);
  }

  var element = document.getElementById("carte");
  if (!element || !window.L) return;
  var config = JSON.parse(element.getAttribute("data-config"));
  var plan = JSON.parse(document.getElementById("donnees-plan").textContent || "null");
  var map = L.map(element, { preferCanvas: false });
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 18 }).addTo(map);
  var stopsLayer = L.featureGroup().addTo(map);
  var newlyCovered = {};
  if (plan && plan.arrets) {
    plan.arrets.forEach(function (stop) {
      var at = [stop.point.lat, stop.point.lon];
      L.circle(at, { radius: config.seuil_km * 1000, color: "#0b57d0", weight: 1, fillOpacity: 0.05 })
        .addTo(stopsLayer);
      L.marker(at, {
        title: stop.nom,
        icon: L.divIcon({ className: "arret-marker", html: node("span", stop.rang), iconSize: [26, 26] })
      }).bindPopup(stopPopup(stop)).addTo(stopsLayer);
      stop.communes_nouvellement_couvertes.forEach(function (c) { newlyCovered[c.code] = stop.nom; });
    });
  }
  fetch(config.geojson).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        var p = f.properties;
        return { color: newlyCovered[p.code] ? "#0b57d0" : "#555", weight: newlyCovered[p.code] ? 2 : 0.5,
                 fillColor: COLOURS[p.classe] || "#999", fillOpacity: 0.55 };
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(function () { return communeTooltip(p, newlyCovered[p.code]); });
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
