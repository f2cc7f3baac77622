/* nachbarbot: the public map and a place's small map (Leaflet, markercluster, served by
   the bot). Progressive: the filter form, the list and the place pages work without this
   file; with it the filters apply at once, the list follows the map's view and the details
   open beside the map. Inside Telegram (a Mini App) the initData from the address's
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
  if (!mapEl || !L.markerClusterGroup) {
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
    numberingSystem: mapEl.dataset.numbers || "latn"
  });
  var center = mapEl.dataset.center.split(",").map(parseFloat);
  var map = baseMap(mapEl).setView(center, parseInt(mapEl.dataset.zoom, 10));
  var CLOSE_UP = 18;
  var cluster = L.markerClusterGroup({
    chunkedLoading: true,
    showCoverageOnHover: false,
    disableClusteringAtZoom: CLOSE_UP,
    // markercluster's own bubble, with its count in the page's digits.
    iconCreateFunction: function (group) {
      var childCount = group.getChildCount();
      var size = childCount < 10 ? "small" : childCount < 100 ? "medium" : "large";
      return new L.DivIcon({
        html: "<div><span>" + numbers.format(childCount) + "</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: new L.Point(40, 40)
      });
    },
    // Markers are added in chunks so the page stays responsive; once the last chunk is in,
    // the map says so (data-ready, which the browser tests and the benchmark wait for).
    chunkProgress: function (processed, total) {
      if (processed >= total) {
        mapEl.dataset.ready = "1";
      }
    }
  });
  map.addLayer(cluster);
  var icon = new L.Icon.Default();
  var places = [];
  var markers = {};
  var kinds = {};
  var fitted = false;
  var loading = 0;
  // Moving the map to a place chosen in the list keeps the list as it is.
  var holdListUntil = 0;

  function filterParams() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "" && key !== "lang") {
        params.append(key, value);
      }
    });
    return params;
  }

  function line(place) {
    var li = document.createElement("li");
    li.dataset.placeId = place[0];
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

  function updateList() {
    var bounds = map.getBounds();
    var visible = places.filter(function (p) {
      return bounds.contains([p[1], p[2]]);
    });
    var shown = visible.slice(0, LIST_LIMIT);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (p) {
      fragment.appendChild(line(p));
    });
    list.replaceChildren(fragment);
    var text = visible.length > shown.length ? count.dataset.many : count.dataset.all;
    count.textContent = text
      .replace("{shown}", numbers.format(shown.length))
      .replace("{total}", numbers.format(visible.length));
  }

  function load(event) {
    var address = mapEl.dataset.api;
    if (event) {
      // The filters changed: the page's own address follows, so it can be shared.
      var params = filterParams();
      var query = params.toString();
      history.replaceState(
        null, "", "?" + (query ? query + "&" : "") + "lang=" + lang + location.hash
      );
      params.set("lang", lang);
      address = "/api/places?" + params.toString();
    }
    var ticket = ++loading;
    mapEl.setAttribute("aria-busy", "true");
    // The first load is the one the page preloads (same address, same credentials).
    fetch(address, { credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (ticket !== loading) {
          return;
        }
        kinds = data.kinds;
        places = data.places;
        markers = {};
        var layers = places.map(function (p) {
          var marker = L.marker([p[1], p[2]], { title: p[3], alt: p[3], icon: icon });
          marker.on("click", function () {
            show(p[0]);
          });
          markers[p[0]] = marker;
          return marker;
        });
        cluster.clearLayers();
        cluster.addLayers(layers);
        if (!layers.length) {
          mapEl.dataset.ready = "1";
        }
        if (!fitted && places.length) {
          fitted = true;
          map.fitBounds(
            L.latLngBounds(places.map(function (p) {
              return [p[1], p[2]];
            })),
            { maxZoom: 15, padding: [20, 20] }
          );
        }
        updateList();
        mapEl.removeAttribute("aria-busy");
      });
  }

  function show(id, fromList) {
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
    var marker = markers[id];
    if (fromList && marker) {
      // Close enough that no cluster hides it (zoomToShowLayer breaks when the filters
      // replace the markers during its animation).
      holdListUntil = Date.now() + 1500;
      map.setView(marker.getLatLng(), CLOSE_UP);
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
    show(item.dataset.placeId, true);
  });
  form.addEventListener("change", load);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(event);
  });
  load();

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
