// The field app's service worker (served at /field/sw.js by FieldApp, controlling /field): keeps the app's shell and
// scripts so the app opens without signal. The shell comes from the network when there is one (it carries the unit and
// the language) and from the cache when there is none; the scripts from the cache, refreshed in the background.
// Nothing else is touched: the API, the hub and every other page go to the network as they would without a worker.
'use strict';

const CACHE = 'dispatch-field-v1';
const SHELL = '/field';
const ASSETS = ['/field/app.js', '/field/store.js', '/field/field.css', '/field/manifest.webmanifest', '/field/icon.svg', '/lib/signalr/signalr.min.js'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    // The shell only when signed in as a unit (a sign-in page is no shell to keep).
    try {
      const response = await fetch(SHELL, { credentials: 'same-origin', redirect: 'manual' });
      if (response.ok) await cache.put(SHELL, response);
    } catch { /* kept on the next visit */ }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === SHELL) {
    event.respondWith(shell(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request, url.pathname));
  }
});

async function shell(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Only a unit's shell is kept: a redirect to the sign-in page or a refusal is passed on, not kept.
    if (response.ok && !response.redirected) await cache.put(SHELL, response.clone());
    return response;
  } catch {
    return (await cache.match(SHELL)) || new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
}

async function asset(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  const fresh = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(path, response.clone());
    return response;
  });
  if (kept) {
    fresh.catch(() => undefined);
    return kept;
  }
  return fresh;
}
