// Results / offer map (progressive enhancement: the HTML list carries the same information).
// Data comes from <script type="application/json" id="carte-donnees">; popups are built with
// DOM nodes and textContent only, never innerHTML of data. Local Leaflet, no CDN.
(function () {
  "use strict";
  var container = document.getElementById("carte");
  var source = document.getElementById("carte-donnees");
  if (!container || !source || !window.L) return;
  var data;
  try { data = JSON.parse(source.textContent); } catch (e) { return; }
  if (!data || !data.offres) return;

  container.hidden = false;
  var map = L.map(container, { scrollWheelZoom: false });
  L.tileLayer(data.tuiles.url, { attribution: data.tuiles.attribution, maxZoom: 19 }).addTo(map);

  function popup(offre) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = offre.nom;
    box.appendChild(title);
    if (offre.adresse) {
      var addr = document.createElement("div");
      addr.textContent = offre.adresse;
      box.appendChild(addr);
    }
    if (offre.distance_km !== null && offre.distance_km !== undefined) {
      var dist = document.createElement("div");
      dist.textContent = String(offre.distance_km).replace(".", ",") + " km";
      box.appendChild(dist);
    }
    var link = document.createElement("a");
    link.href = offre.url;
    link.textContent = "Voir le détail";
    box.appendChild(link);
    return box;
  }

  var group = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false }) : L.featureGroup();
  var bounds = [];
  data.offres.forEach(function (offre) {
    var marker = L.marker([offre.lat, offre.lon], { title: offre.nom, alt: offre.nom, keyboard: true });
    marker.bindPopup(function () { return popup(offre); });
    group.addLayer(marker);
    bounds.push([offre.lat, offre.lon]);
  });
  map.addLayer(group);

  if (data.origine) {
    L.circleMarker([data.origine.lat, data.origine.lon], { radius: 7, color: "#000091", weight: 3, fillOpacity: 0.2 })
      .bindTooltip("Point de départ de la recherche").addTo(map);
    bounds.push([data.origine.lat, data.origine.lon]);
  }
  if (bounds.length > 1) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  } else if (bounds.length === 1) {
    map.setView(bounds[0], data.zoom || 13);
  } else {
    map.setView([46.6, 2.4], 5);
  }
})();
