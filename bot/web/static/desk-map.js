/* The desk's small maps of request areas (bot/web/templates/desk/_area_map.html).
   Each point is already the centre of a ~500 m cell (handlers/places/coarse.py AREA): it is
   drawn as a circle of that size, never as a pin on a door. The table next to the map
   holds the same requests, so the map adds nothing that keyboard users would miss. */
(function () {
  "use strict";
  if (typeof L === "undefined") {
    return;
  }
  var CELL_RADIUS_M = 250;

  function draw(element) {
    var points;
    try {
      points = JSON.parse(element.getAttribute("data-points") || "[]");
    } catch (e) {
      return;
    }
    if (!points.length) {
      element.hidden = true;
      return;
    }
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 16,
      attribution: element.getAttribute("data-attribution") || ""
    }).addTo(map);
    var link = element.getAttribute("data-link") || "";
    var bounds = [];
    points.forEach(function (point) {
      var centre = [point.lat, point.lon];
      bounds.push(centre);
      var circle = L.circle(centre, {
        radius: CELL_RADIUS_M,
        weight: 2,
        color: "#0b5cad",
        fillOpacity: 0.25
      }).addTo(map);
      var box = document.createElement("div");
      point.ids.forEach(function (id, index) {
        if (index) {
          box.appendChild(document.createTextNode(" "));
        }
        var anchor = document.createElement("a");
        anchor.href = link + String(Number(id));
        anchor.textContent = "#" + String(Number(id));
        box.appendChild(anchor);
      });
      circle.bindPopup(box);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 14);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    }
  }

  document.querySelectorAll(".desk-map").forEach(draw);
})();
