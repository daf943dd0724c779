// The console's map: a thin ES module over Leaflet (wwwroot/lib/leaflet, copied from npm by the build), driven by
// Components/Map/LeafletMap.razor. The server sends everything already in the tiles' datum; this file only draws.
//
//   create(element, options, dotnet) -> map handle (an IJSObjectReference on the server)
//   handle.apply({ u, i })  one batch of changes per layer (u: units, i: incidents):
//                           p: puts [key, id, lat, lon, look, label, title], m: moves [key, lat, lon], r: removals [key]
//   handle.pick([lat, lon] | null)   shows the picked point (the intake form)
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

  return {
    apply,
    pick,
    dispose() {
      resize.disconnect();
      map.remove();
      delete host.dataset.ready;
    },
  };
}
