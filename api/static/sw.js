/* Opora's service worker (served as /sw.js, scope "/"): without a connection the worklist and the case pages
 * opened before are shown from this device; everything else says there is no connection.
 * Pages are fetched from the network first; only a successful page of the worklist or a case is kept, and
 * logging out deletes what was kept (app.js). Forms are never sent by the worker: visits recorded without a
 * connection are queued by app.js and sent with their idempotency keys.
 */
"use strict";

var PAGES = "opora-pages";
var STATIC = "opora-static-v1";
var SHELL = ["/static/app.css", "/static/app.js", "/static/favicon.svg", "/static/offline.html"];
var KEPT = /^\/(cases\/\d+)?$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== STATIC && name !== PAGES; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (request.mode !== "navigate") { return; }
  if (url.pathname === "/login") {  // logged out or the session ended: nothing of the cases stays on the device
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  var key = url.origin + url.pathname;  // a page is kept once, whatever its query
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected && KEPT.test(url.pathname) && !url.search) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(key); }).then(function (hit) {
      return hit || caches.match("/static/offline.html");
    }).then(function (hit) { return hit || Response.error(); });
  }));
});
