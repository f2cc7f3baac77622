/* nachbarbot: the public map and a place's small map (Leaflet, served by the bot).
   Progressive: the filter form, the list and the place pages work without this file; with
   it the filters apply at once, the map loads the clusters and places of the tiles in view
   as it moves (bot/web/public/map_tiles.py), the list follows the map's view and the
   details open beside the map. Inside Telegram (a Mini App) the initData from the address's
   fragment is sent to our server, which checks it; no script from telegram.org. */
(function () {
  "use strict";
  if (!window.L) {
    return;
  }
  var LIST_LIMIT = 200;

  function baseMap(el, options) {
    var map = L.map(el, options || {});
    map.attributionControl.setPrefix(false);
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: el.dataset.attribution || ""
    }).addTo(map);
    return map;
  }

  // A place's page: one marker.
  var placeEl = document.getElementById("place-map");
  if (placeEl) {
    var at = [parseFloat(placeEl.dataset.lat), parseFloat(placeEl.dataset.lon)];
    var small = baseMap(placeEl).setView(at, 16);
    L.marker(at, { title: placeEl.dataset.name, alt: placeEl.dataset.name, keyboard: false })
      .addTo(small);
  }

  var mapEl = document.getElementById("map");
  if (!mapEl) {
    return;
  }
  var lang = mapEl.dataset.lang;
  // Easy language: what the place links add to stay in it ("?lang=de&easy=1"), or "".
  var keep = mapEl.dataset.keep || "";
  var form = document.getElementById("filters");
  // On a phone's screen the filters fold away so that the map is in the first screen
  // (the same width as map.css's one-column layout).
  var filterBox = document.getElementById("filter-box");
  if (filterBox && window.matchMedia("(max-width: 60rem)").matches) {
    filterBox.open = false;
  }
  var list = document.getElementById("place-list");
  var count = document.getElementById("list-count");
  var details = document.getElementById("details");
  // The server's numbering system for the language (locales.numbering_system), so that the
  // map's counts and the page's numbers have the same digits: the browser's own default
  // for a language differs between browsers and versions (Arabic-Indic or Latin for "ar").
  var numbers = new Intl.NumberFormat(lang, {
    numberingSystem: mapEl.dataset.numbering || "latn"
  });
  // The zooms the server answers for (bot/web/public/map_tiles.py): further out a tile
  // would cover more than the city.
  var MIN_ZOOM = parseInt(mapEl.dataset.minZoom, 10);
  var CLOSE_UP = parseInt(mapEl.dataset.closeUp, 10);
  var map = baseMap(mapEl, { minZoom: MIN_ZOOM });
  // Where the (filtered) places are, from the page: the first view without loading them all.
  var box = (mapEl.dataset.bounds || "").split(",").map(parseFloat);
  if (box.length === 4) {
    map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { maxZoom: 15, padding: [20, 20] });
  } else {
    map.setView(mapEl.dataset.center.split(",").map(parseFloat), 12);
  }
  var icon = new L.Icon.Default();
  var kinds = {};
  var query = filterParams();
  var listed = 0;
  // Moving the map to a place chosen in the list keeps the list as it is.
  var holdListUntil = 0;

  function filterParams() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "" && key !== "lang") {
        params.append(key, value);
      }
    });
    params.set("lang", lang);
    return params;
  }

  // A cluster: markercluster's bubble (its styles), with its count in the page's digits;
  // a click shows the places it stands for, as markercluster's own does.
  function bubble(c) {
    var size = c[2] < 10 ? "small" : c[2] < 100 ? "medium" : "large";
    var marker = L.marker([c[0], c[1]], {
      icon: new L.DivIcon({
        html: "<div><span>" + numbers.format(c[2]) + "</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: new L.Point(40, 40)
      })
    });
    marker.on("click", function () {
      map.fitBounds([[c[3], c[4]], [c[5], c[6]]], { maxZoom: CLOSE_UP, padding: [20, 20] });
    });
    return marker;
  }

  function pin(p) {
    var marker = L.marker([p[1], p[2]], { title: p[3], alt: p[3], icon: icon });
    marker.on("click", function () {
      show(p[0]);
    });
    return marker;
  }

  // Leaflet's grid of tiles asks for the tiles the view needs as the map moves and
  // zooms, and lets go of the others: each tile's clusters and places are loaded with it
  // and taken off the map with it.
  var Places = L.GridLayer.extend({
    createTile: function (coords, done) {
      var tile = document.createElement("div");
      var group = L.layerGroup();
      tile.places = group;
      var address = "/api/places/tile/" + coords.z + "/" + coords.x + "/" + coords.y;
      fetch(address + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : { clusters: [], places: [] };
        })
        .then(function (data) {
          data.clusters.forEach(function (c) {
            group.addLayer(bubble(c));
          });
          data.places.forEach(function (p) {
            group.addLayer(pin(p));
          });
          if (tile.places) {
            group.addTo(map);
          }
          done(null, tile);
        })
        .catch(function (error) {
          done(error, tile);
        });
      return tile;
    }
  });
  var places = new Places({ minZoom: MIN_ZOOM, noWrap: true, updateWhenZooming: false });
  places.on("tileunload", function (event) {
    if (event.tile.places) {
      map.removeLayer(event.tile.places);
      event.tile.places = null;
    }
  });
  // Once the view's tiles are drawn, the map says so (data-ready, which the browser tests
  // and the benchmark wait for).
  places.on("load", function () {
    mapEl.dataset.ready = "1";
    mapEl.removeAttribute("aria-busy");
  });
  places.on("loading", function () {
    mapEl.setAttribute("aria-busy", "true");
  });
  places.addTo(map);

  function line(place) {
    var li = document.createElement("li");
    li.dataset.placeId = place[0];
    li.dataset.at = place[1] + "," + place[2];
    var a = document.createElement("a");
    a.href = "/place/" + place[0] + keep;
    a.textContent = place[3];
    li.appendChild(a);
    if (place[4]) {
      var translated = document.createElement("span");
      translated.className = "translated";
      translated.textContent = place[4];
      li.appendChild(document.createTextNode(" "));
      li.appendChild(translated);
    }
    var kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = kinds[place[5]] || place[5];
    li.appendChild(document.createTextNode(" "));
    li.appendChild(kind);
    return li;
  }

  // The list follows the view: the first places in it by name, from the server.
  function updateList() {
    var b = map.getBounds();
    var params = new URLSearchParams(query);
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (v) { return v.toFixed(5); }).join(","));
    var ticket = ++listed;
    fetch("/api/places?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (ticket !== listed) {
          return;
        }
        if (data.error) {
          // Too large a part of the map: the server's own words, in the page's language.
          count.textContent = data.error;
          return;
        }
        kinds = data.kinds;
        var fragment = document.createDocumentFragment();
        data.places.forEach(function (p) {
          fragment.appendChild(line(p));
        });
        list.replaceChildren(fragment);
        var text = data.total > data.places.length ? count.dataset.many : count.dataset.all;
        count.textContent = text
          .replace("{shown}", numbers.format(data.places.length))
          .replace("{total}", numbers.format(data.total));
      });
  }

  function load(event) {
    // The filters changed: the page's own address follows, so it can be shared.
    query = filterParams();
    var shared = new URLSearchParams(query);
    shared.delete("lang");
    var text = shared.toString();
    history.replaceState(
      null, "", "?" + (text ? text + "&" : "") + "lang=" + lang + location.hash
    );
    places.redraw();
    updateList();
  }

  function show(id, at) {
    var panel = "/place/" + id + "/panel?lang=" + encodeURIComponent(lang);
    fetch(panel + (keep ? "&easy=1" : ""), {
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        details.innerHTML = html;
        var heading = details.querySelector("h2");
        // Where the person is looking: on a phone the panel is below the list, so it is
        // scrolled into view (as little as needed) rather than opened out of sight.
        (heading || details).focus({ preventScroll: true });
        details.scrollIntoView({ block: "nearest" });
      });
    if (at) {
      // Close enough that no cluster hides it.
      holdListUntil = Date.now() + 1500;
      map.setView(at.split(",").map(parseFloat), CLOSE_UP);
    }
  }

  map.on("moveend", function () {
    if (Date.now() > holdListUntil) {
      updateList();
    }
  });
  list.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    var item = event.target.closest("li[data-place-id]");
    if (!link || !item || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    show(item.dataset.placeId, item.dataset.at);
  });
  form.addEventListener("change", load);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(event);
  });
  updateList();

  // -- inside Telegram ---------------------------------------------------------------
  function telegram(type, data) {
    var message = JSON.stringify({ eventType: type, eventData: data || {} });
    try {
      if (window.TelegramWebviewProxy) {
        window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data || {}));
      } else if (window.parent !== window) {
        window.parent.postMessage(message, "https://web.telegram.org");
      }
    } catch (ignored) {
      // Outside Telegram nobody listens.
    }
  }

  var initData = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData");
  if (initData) {
    telegram("web_app_ready");
    telegram("web_app_expand");
    fetch(mapEl.dataset.miniappApi, {
      method: "POST",
      body: initData,
      headers: { "Content-Type": "text/plain" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (me) {
        if (!me) {
          return;
        }
        if (me.language && me.language !== lang) {
          var url = new URL(location.href);
          url.searchParams.set("lang", me.language);
          location.replace(url.toString());
          return;
        }
        if (me.places.length) {
          var mine = document.getElementById("mine");
          var fragment = document.createDocumentFragment();
          me.places.forEach(function (place) {
            var li = document.createElement("li");
            li.dataset.placeId = place.id;
            var a = document.createElement("a");
            a.href = "/place/" + place.id + keep;
            a.textContent = place.name;
            li.appendChild(a);
            fragment.appendChild(li);
          });
          document.getElementById("mine-list").replaceChildren(fragment);
          mine.hidden = false;
        }
      });
  }
})();
