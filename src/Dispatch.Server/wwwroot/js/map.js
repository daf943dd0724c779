// The console's map: a thin ES module over Leaflet (wwwroot/lib/leaflet, copied from npm by the build), driven by
// Components/Map/LeafletMap.razor. The server sends everything already in the tiles' datum; this file only draws.
//
//   create(element, options, dotnet) -> map handle (an IJSObjectReference on the server)
//   handle.apply({ u, i })  one batch of changes per layer (u: units, i: incidents):
//                           p: puts [key, id, lat, lon, look, label, title], m: moves [key, lat, lon], r: removals [key]
//   handle.pick([lat, lon] | null)   shows the picked point (the intake form)
//   handle.track(view, player)       draws a unit's track and replays it with the controls inside `player`
//                                    (view: { points: [[lat, lon, ms since start]], start: epoch ms, offset: minutes, label })
//   handle.track(null)               removes it
//   handle.dispose()
//
// Markers are divIcons whose element carries data-id, data-lat and data-lon (tests and people's tools read them), and
// the map's element counts what it drew: data-units, data-incidents, data-batches.

let libraries;

function addCss(href) {
  if (document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.appendChild(link);
}

function addScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

// Leaflet and the clusterer are classic scripts (the clusterer extends the global L): load them once, on first use.
function loadLibraries() {
  libraries ??= (async () => {
    addCss('lib/leaflet/leaflet.css');
    addCss('lib/leaflet.markercluster/MarkerCluster.css');
    if (!window.L) await addScript('lib/leaflet/leaflet.js');
    if (!window.L.MarkerClusterGroup) await addScript('lib/leaflet.markercluster/leaflet.markercluster.js');
  })();
  return libraries;
}

function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const urgencyOf = (look) => Number((/urgency-(\d)/.exec(look) || [])[1] || 0);

export async function create(element, options, dotnet) {
  await loadLibraries();
  const L = window.L;
  const host = element.parentElement;
  const map = L.map(element, {
    zoomControl: true,
    attributionControl: !!options.tiles,
    maxZoom: options.maxZoom || 19,
    // Quarter steps, so a small map (the intake form's) fits its outline closely.
    zoomSnap: 0.25,
    // SVG paths: boundaries are DOM elements (styled by our CSS, visible to tests).
    preferCanvas: false,
  });
  if (options.tiles) {
    L.tileLayer(options.tiles.url, { maxZoom: options.tiles.maxZoom, attribution: options.tiles.attribution }).addTo(map);
  } else {
    host.classList.add('dispatch-map-offline');
  }

  // The view first: layers added to a map without one are drawn only later.
  if (options.bounds) map.fitBounds(options.bounds, { padding: [8, 8] });
  else map.setView([0, 0], 2);

  // Coarse to fine, so a district's outline lies under its towns' and cells'.
  const outlines = L.featureGroup().addTo(map);
  for (const area of options.areas || []) {
    const polygon = L.polygon(area.polygons, {
      className: `map-boundary map-boundary-${area.kind}`,
      interactive: false,
    });
    polygon.addTo(outlines);
    const path = polygon.getElement && polygon.getElement();
    if (path) {
      path.setAttribute('data-code', area.code);
      path.setAttribute('data-kind', area.kind);
    }
    if (area.kind === 'district' || area.kind === 'town') {
      L.tooltip({ permanent: true, direction: 'center', className: `map-area-label map-area-label-${area.kind}` })
        .setLatLng(polygon.getBounds().getCenter()).setContent(escapeHtml(area.name)).addTo(outlines);
    }
  }

  // Units above incidents: a unit's dot stays clickable where it stands on an incident.
  map.createPane('units').style.zIndex = 650;
  const layers = {
    u: { group: L.featureGroup().addTo(map), markers: new Map(), count: 'units', clustered: false, pane: 'units' },
    i: {
      group: L.markerClusterGroup({
        chunkedLoading: true,
        maxClusterRadius: 48,
        disableClusteringAtZoom: 17,
        showCoverageOnHover: false,
        // A cluster takes the colour of its most urgent incident.
        iconCreateFunction: (cluster) => {
          const top = Math.max(...cluster.getAllChildMarkers().map((m) => urgencyOf(m.options.look)));
          return L.divIcon({
            className: `map-cluster urgency-${top}`,
            html: `<span>${cluster.getChildCount()}</span>`,
            iconSize: [32, 32],
          });
        },
      }).addTo(map),
      markers: new Map(),
      count: 'incidents',
      clustered: true,
      pane: 'markerPane',
    },
  };

  function stamp(marker) {
    const el = marker.getElement();
    if (!el) return;
    const at = marker.getLatLng();
    el.dataset.id = marker.options.id;
    el.dataset.lat = at.lat;
    el.dataset.lon = at.lng;
    el.title = marker.options.title;
  }

  // Sized icons, so Leaflet centres them on their point and the element's box is what a person sees and clicks.
  function icon(layer, look, label) {
    return layer === 'u'
      ? L.divIcon({ className: `map-marker ${look}`, html: `<span class="map-label">${escapeHtml(label)}</span>`, iconSize: [14, 14] })
      : L.divIcon({ className: `map-marker ${look}`, html: escapeHtml(label), iconSize: [12 + 7 * String(label).length, 18] });
  }

  function applyLayer(name, changes) {
    const layer = layers[name];
    if (!changes) return;
    const add = [];
    const remove = [];
    for (const key of changes.r || []) {
      const marker = layer.markers.get(key);
      if (!marker) continue;
      layer.markers.delete(key);
      remove.push(marker);
    }
    for (const [key, id, lat, lon, look, label, title] of changes.p || []) {
      let marker = layer.markers.get(key);
      if (marker && layer.clustered) remove.push(marker); // a clustered marker changes outside its group
      if (!marker) {
        marker = L.marker([lat, lon], { id, title, look, keyboard: false, pane: layer.pane });
        marker.on('add', () => stamp(marker));
        marker.on('click', () => dotnet.invokeMethodAsync('Clicked', name, key));
        layer.markers.set(key, marker);
        if (!layer.clustered) add.push(marker);
      } else {
        marker.setLatLng([lat, lon]);
      }
      Object.assign(marker.options, { id, title, look });
      marker.setIcon(icon(name, look, label));
      if (layer.clustered) add.push(marker);
      stamp(marker);
    }
    for (const [key, lat, lon] of changes.m || []) {
      const marker = layer.markers.get(key);
      if (!marker) continue;
      if (layer.clustered) {
        remove.push(marker);
        add.push(marker);
      }
      marker.setLatLng([lat, lon]);
      stamp(marker);
    }
    if (layer.clustered) {
      if (remove.length) layer.group.removeLayers(remove);
      if (add.length) layer.group.addLayers(add);
    } else {
      for (const marker of remove) layer.group.removeLayer(marker);
      for (const marker of add) layer.group.addLayer(marker);
    }
    host.dataset[layer.count] = layer.markers.size;
  }

  let batches = 0;
  function apply(changes) {
    if (!changes) return;
    applyLayer('u', changes.u);
    applyLayer('i', changes.i);
    host.dataset.batches = ++batches;
  }

  let pin = null;
  function pick(point) {
    if (pin) {
      pin.remove();
      pin = null;
    }
    if (!point) {
      delete host.dataset.picked;
      return;
    }
    pin = L.marker(point, {
      icon: L.divIcon({ className: 'map-marker map-picked', iconSize: [16, 16] }),
      interactive: false,
      keyboard: false,
    }).addTo(map);
    host.dataset.picked = `${point[0]},${point[1]}`;
  }

  if (options.pickable) {
    host.classList.add('dispatch-map-pickable');
    // The intake form's map is a mouse aid: the keyboard types the coordinates, so its map and zoom buttons are no Tab
    // stops between the longitude and the description (issue 19).
    element.tabIndex = -1;
    for (const control of host.querySelectorAll('.leaflet-control a, .leaflet-control button')) control.tabIndex = -1;
    map.on('click', (e) => {
      const at = [Number(e.latlng.lat.toFixed(6)), Number(e.latlng.lng.toFixed(6))];
      pick(at);
      dotnet.invokeMethodAsync('PointPicked', at[0], at[1]);
    });
  }
  pick(options.picked);

  // A map created while its box was still being laid out (a drawer, a flex row) measures itself again once sized.
  const resize = new ResizeObserver(() => map.invalidateSize());
  resize.observe(element);

  apply(options.changes);
  host.dataset.units = layers.u.markers.size;
  host.dataset.incidents = layers.i.markers.size;
  host.dataset.ready = 'true';

  let replay = null;
  function track(view, player) {
    if (replay) {
      replay.stop();
      replay = null;
    }
    if (view && view.points.length) replay = replayTrack(L, map, host, view, player);
  }

  return {
    apply,
    pick,
    track,
    dispose() {
      if (replay) replay.stop();
      resize.disconnect();
      map.remove();
      delete host.dataset.ready;
    },
  };
}

// The position at `t` (ms since the track's start), interpolated in time between the points around it, and the speed
// (km/h) of that stretch: what the replay's marker shows.
export function positionAt(points, t) {
  const last = points.length - 1;
  if (t <= points[0][2] || last === 0) return { lat: points[0][0], lon: points[0][1], kmh: 0 };
  if (t >= points[last][2]) return { lat: points[last][0], lon: points[last][1], kmh: 0 };
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid][2] <= t) lo = mid;
    else hi = mid;
  }
  const [aLat, aLon, aT] = points[lo];
  const [bLat, bLon, bT] = points[hi];
  const r = (t - aT) / (bT - aT);
  const kmh = (distanceMeters(aLat, aLon, bLat, bLon) / ((bT - aT) / 1000)) * 3.6;
  return { lat: aLat + r * (bLat - aLat), lon: aLon + r * (bLon - aLon), kmh };
}

function distanceMeters(aLat, aLon, bLat, bLon) {
  const rad = Math.PI / 180;
  const dLat = (bLat - aLat) * rad;
  const dLon = (bLon - aLon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * rad) * Math.cos(bLat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

// The replay: the track as a line with its points, a marker that moves along it in time, and the controls rendered by
// TrackReplay.razor inside `player` ([data-role] play, speed, scrub, clock, kmh; close in the panel around it). Runs in the browser on animation
// frames: nothing goes to the server while it plays. Esc clicks the panel's close button.
function replayTrack(L, map, host, view, player) {
  const points = view.points;
  const duration = points[points.length - 1][2];
  const layer = L.featureGroup().addTo(map);
  const line = L.polyline(points.map((p) => [p[0], p[1]]), { className: 'map-track', interactive: false }).addTo(layer);
  for (const p of points) L.circleMarker([p[0], p[1]], { radius: 2.5, className: 'map-track-point', interactive: false }).addTo(layer);
  const head = L.marker([points[0][0], points[0][1]], {
    icon: L.divIcon({ className: 'map-marker map-track-head', html: '<span class="map-label"></span>', iconSize: [16, 16] }),
    interactive: false,
    keyboard: false,
    pane: 'units',
    zIndexOffset: 1000,
  }).addTo(layer);
  map.fitBounds(line.getBounds(), { padding: [40, 40], maxZoom: 17 });
  host.dataset.trackPoints = points.length;

  const $ = (role) => player && player.querySelector(`[data-role=${role}]`);
  const play = $('play');
  const scrub = $('scrub');
  const clock = $('clock');
  const speedNow = $('kmh');
  const speeds = player ? [...player.querySelectorAll('[data-role=speed]')] : [];
  if (scrub) {
    scrub.max = String(duration);
    scrub.step = String(Math.max(1, Math.round(duration / 1000)));
  }

  let t = 0;
  let rate = 1;
  let playing = false;
  let frame = 0;
  let lastFrame = 0;

  const pad = (n) => String(n).padStart(2, '0');
  function timeText(ms) {
    // The city's local time: the server sends its offset from UTC at the track's start.
    const d = new Date(view.start + ms + view.offset * 60000);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }

  function show() {
    const at = positionAt(points, t);
    head.setLatLng([at.lat, at.lon]);
    const text = `${timeText(t)} · ${Math.round(at.kmh)} ${view.label}`;
    const el = head.getElement();
    if (el) {
      el.dataset.lat = Number(at.lat.toFixed(6));
      el.dataset.lon = Number(at.lon.toFixed(6));
      el.dataset.t = Math.round(t);
      el.firstChild.textContent = text;
    }
    if (clock) clock.textContent = timeText(t);
    if (speedNow) speedNow.textContent = `${Math.round(at.kmh)} ${view.label}`;
    if (scrub && !scrub.matches(':active')) scrub.value = String(Math.round(t));
    host.dataset.trackT = Math.round(t);
  }

  function setPlaying(on) {
    playing = on && duration > 0;
    if (play) {
      play.textContent = playing ? play.dataset.pause : play.dataset.play;
      play.setAttribute('aria-pressed', String(playing));
    }
    host.dataset.trackPlaying = String(playing);
    cancelAnimationFrame(frame);
    if (playing) {
      lastFrame = performance.now();
      frame = requestAnimationFrame(step);
    }
  }

  function step(now) {
    t = Math.min(duration, t + (now - lastFrame) * rate);
    lastFrame = now;
    show();
    if (t >= duration) setPlaying(false);
    else frame = requestAnimationFrame(step);
  }

  const onPlay = () => {
    if (!playing && t >= duration) t = 0;
    setPlaying(!playing);
  };
  const onScrub = () => {
    t = Number(scrub.value);
    show();
  };
  const onSpeed = (e) => {
    rate = Number(e.currentTarget.dataset.speed) || 1;
    for (const b of speeds) b.setAttribute('aria-pressed', String(b === e.currentTarget));
  };
  const onKey = (e) => {
    if (e.key !== 'Escape') return;
    // The panel's own close button (beside the player), so the server hears it as a click.
    const close = player && player.closest('[data-track-panel]')?.querySelector('[data-role=close]');
    if (close) close.click();
  };
  play?.addEventListener('click', onPlay);
  scrub?.addEventListener('input', onScrub);
  for (const b of speeds) b.addEventListener('click', onSpeed);
  document.addEventListener('keydown', onKey);
  for (const b of speeds) b.setAttribute('aria-pressed', String(Number(b.dataset.speed) === rate));
  setPlaying(false);
  show();

  return {
    stop() {
      cancelAnimationFrame(frame);
      play?.removeEventListener('click', onPlay);
      scrub?.removeEventListener('input', onScrub);
      for (const b of speeds) b.removeEventListener('click', onSpeed);
      document.removeEventListener('keydown', onKey);
      layer.remove();
      delete host.dataset.trackPoints;
      delete host.dataset.trackT;
      delete host.dataset.trackPlaying;
    },
  };
}
