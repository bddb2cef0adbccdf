// The staff scanner's service worker: the scanner page opens where there is no signal (a basement
// hall, a crowded square). Served by tenants/events/checkin_views.py, scoped to the street's event
// pages. What it keeps:
//  - the scanner pages (…/events/<id>/scanner) a staff member has opened online, and
//  - the scripts and styles they load.
// Both are asked of the network first, so an online visit is never stale; the kept copy answers
// when the network fails or is slower than NETWORK_MS. Scans themselves are not its business:
// checkin.js queues them in localStorage and sends each once the network is back (the nonce).
"use strict";

var VERSION = {{ version|tojson }};
var ASSETS = {{ assets|tojson }};
var STATIC = {{ static_prefix|tojson }};
var OFFLINE_TITLE = {{ offline_title|tojson }};
var OFFLINE_TEXT = {{ offline_text|tojson }};
var ASSET_CACHE = "ljt-scanner-assets-" + VERSION;
var PAGE_CACHE = "ljt-scanner-pages";
var SCANNER = /\/events\/\d+\/scanner$/;
var NETWORK_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(ASSET_CACHE)
      .then(function (cache) { return cache.addAll(ASSETS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("ljt-scanner-assets-") === 0 && name !== ASSET_CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function pageKey(url) {
  var parsed = new URL(url);
  return parsed.origin + parsed.pathname;
}

function keepable(response) {
  var type = response.headers.get("Content-Type") || "";
  return response.ok && !response.redirected && response.type === "basic" &&
    (type.indexOf("text/") === 0 || type.indexOf("javascript") !== -1 || type.indexOf("svg") !== -1);
}

// the network's answer (kept for later), or the kept copy when the network fails or dawdles
function networkFirst(request, cacheName, key) {
  return new Promise(function (resolve) {
    var done = false;
    function answer(response) {
      if (!done && response) {
        done = true;
        resolve(response);
      }
    }
    function kept() {
      return caches.open(cacheName).then(function (cache) { return cache.match(key); });
    }
    var timer = setTimeout(function () { kept().then(answer); }, NETWORK_MS);
    fetch(request)
      .then(function (response) {
        clearTimeout(timer);
        return caches.open(cacheName).then(function (cache) {
          if (keepable(response)) return cache.put(key, response.clone());
          // the page now redirects to the login or is refused: keep no copy of it
          if (cacheName === PAGE_CACHE &&
              (response.type === "opaqueredirect" || response.status >= 400)) {
            return cache.delete(key);
          }
        }).then(function () { answer(response); }, function () { answer(response); });
      })
      .catch(function () {
        clearTimeout(timer);
        kept().then(function (hit) { answer(hit || offline(request)); });
      });
  });
}

function offline(request) {
  if (request.mode !== "navigate") return Response.error();
  function escape(text) { return text.replace(/&/g, "&amp;").replace(/</g, "&lt;"); }
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>" + escape(OFFLINE_TITLE) + "</title><p>" + escape(OFFLINE_TEXT) + "</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8",
                              "Content-Security-Policy": "default-src 'none'" } }
  );
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && SCANNER.test(url.pathname)) {
    event.respondWith(networkFirst(request, PAGE_CACHE, pageKey(request.url)));
  } else if (url.pathname.indexOf(STATIC) === 0) {
    event.respondWith(networkFirst(request, ASSET_CACHE, url.origin + url.pathname));
  }
});

// The first visit: the page was loaded before this worker ran, so it asks for itself (and for
// whatever else it loaded) to be kept.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (!data.keep || !SCANNER.test(new URL(data.keep).pathname)) return;
  var assets = (data.assets || []).filter(function (url) {
    return new URL(url).origin === self.location.origin && new URL(url).pathname.indexOf(STATIC) === 0;
  });
  var source = event.source;
  event.waitUntil(Promise.all([
    fetch(data.keep, { credentials: "same-origin" }).then(function (response) {
      if (!keepable(response)) return;
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.put(pageKey(data.keep), response);
      }).then(function () {
        if (source) source.postMessage({ kept: data.keep });  // the page says it is ready
      });
    }),
    caches.open(ASSET_CACHE).then(function (cache) {
      return Promise.all(assets.map(function (url) {
        return cache.add(url).catch(function () {});
      }));
    })
  ]).catch(function () {}));
});
