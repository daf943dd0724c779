// The field app: a unit's phone over the unit hub (/hubs/unit), working through coverage gaps. Every tap, note,
// resolution, position, photo and report goes into the local queue first (fieldStore, IndexedDB) with the time it was
// made and an id made here; the queue is sent in order whenever the hub is connected, and the server applies each step
// once per id. Offline, the screen moves on as the rules would (the next button appears at once); once the queue is
// empty, the server's own view of the unit replaces the guess. Plain script, no framework: the shell is /field.
'use strict';

(function () {
  const config = JSON.parse(document.getElementById('field-config').textContent);
  const login = config.login;
  const root = document.getElementById('field-app');
  const store = window.fieldStore;

  // ---- words -------------------------------------------------------------------------------------------------
  function T(key, ...args) {
    const template = Object.prototype.hasOwnProperty.call(config.text, key) ? config.text[key] : null;
    if (template === null) return args.length ? key + ' ' + args.join(' ') : key;
    return template.replace(/\{(\d+)(:[^}]*)?\}/g, (m, i) => (args[+i] ?? '').toString());
  }
  const has = (key) => Object.prototype.hasOwnProperty.call(config.text, key);
  const URGENCIES = ['', 'Low', 'Normal', 'High', 'Critical'];
  const urgencyName = (u) => (typeof u === 'number' ? URGENCIES[u] : u) || '';
  const categoryName = (code) => (config.categories.find((c) => c.code === code) || { name: code }).name;
  const clock = new Intl.DateTimeFormat(config.culture, { timeZone: config.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const hhmm = new Intl.DateTimeFormat(config.culture, { timeZone: config.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const time = (iso) => (iso ? clock.format(new Date(iso)) : '');
  const join = (...parts) => parts.filter((p) => p && String(p).trim()).join(' · ') || null;

  // ---- what a tap does, as the rules say (FieldActions on the server) -------------------------------------
  const MOVES = {
    OffDuty: ['OnDuty'], Available: ['OffDuty'], Dispatched: ['AcceptAndGo'], EnRoute: ['OnScene'],
    OnScene: ['Returning', 'Clear'], Returning: ['Clear', 'OffDuty'],
  };
  const AFTER = { OnDuty: 'Available', OffDuty: 'OffDuty', AcceptAndGo: 'EnRoute', EnRoute: 'EnRoute', OnScene: 'OnScene', Returning: 'Returning', Clear: 'Available' };
  const finished = (state) => state === 'Resolved' || state === 'Closed';
  const mayNote = (s) => s === 'EnRoute' || s === 'OnScene' || s === 'Returning';
  const mayResolve = () => unit && (unit.status === 'OnScene' || unit.status === 'Returning') && job
    && (!job.leadDepartment || job.leadDepartment === unit.department);

  // ---- state ---------------------------------------------------------------------------------------------------
  let unit = null;      // the roster line: the server's, or what the queued taps make of it
  let job = null;       // the unit's incident as the crew needs it
  let messages = [];    // newest first: { seq, kind, at, title, detail, acked }
  let reports = [];     // my reports, newest first
  let pendingCount = 0;
  let connection = null;
  let connected = false;
  let problem = null;
  let notice = null;
  let noticeOffline = false;
  let lastFix = null;   // the phone's last position: { latitude, longitude, accuracy, at }
  let positionSentAt = null;
  const seen = new Set();

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function keep() {
    try {
      await store.put(login, 'unit', unit);
      await store.put(login, 'job', job);
      await store.put(login, 'messages', messages.slice(0, 30));
      await store.put(login, 'reports', reports.slice(0, 50));
    } catch (e) { console.warn('field: could not keep the state', e); }
  }

  // ---- the DOM -----------------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c.nodeType ? c : document.createTextNode(String(c)));
    return e;
  }

  // replaceChildren, leaving out what is not there (it would write "null").
  function fill(node, ...children) {
    node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  const ui = {};
  function build() {
    ui.status = el('section', { class: 'fa-status', 'data-testid': 'field-status', 'aria-live': 'polite' });
    ui.alert = el('div', { class: 'fa-alert', 'data-testid': 'field-problem', role: 'alert', hidden: true });
    ui.notice = el('div', { class: 'fa-notice', 'data-testid': 'field-notice', 'aria-live': 'polite', hidden: true });
    ui.actions = el('div', { class: 'fa-actions', 'data-testid': 'field-actions' });

    // Notes and the resolution: right under the buttons, so a phone keyboard does not hide the button that sends them.
    ui.note = el('textarea', { id: 'field-note', rows: 2, maxlength: 2000, 'aria-label': T('fieldpage.note'), placeholder: T('fieldpage.note') });
    ui.noteSend = el('button', { type: 'submit', class: 'fa-button fa-primary', 'data-testid': 'field-note-send', disabled: true }, T('fieldpage.note-send'));
    ui.resolution = el('textarea', { id: 'field-resolution', rows: 2, maxlength: 2000, 'aria-label': T('fieldpage.resolution'), placeholder: T('fieldpage.resolution') });
    ui.resolve = el('button', { type: 'submit', class: 'fa-button fa-success', 'data-testid': 'field-resolve', disabled: true }, T('fieldpage.resolve'));
    // Enabled as the crew types (input, not change: no second tap), and kept in view above the keyboard.
    for (const [box, button] of [[ui.note, ui.noteSend], [ui.resolution, ui.resolve]]) {
      box.addEventListener('input', () => { button.disabled = !box.value.trim(); });
      box.addEventListener('focus', () => setTimeout(() => button.scrollIntoView({ block: 'nearest' }), 350));
    }
    ui.resolveForm = el('form', { class: 'fa-form', novalidate: true, autocomplete: 'off', onsubmit: (e) => { e.preventDefault(); sendText('Resolve', ui.resolution, ui.resolve); } },
      el('label', { for: 'field-resolution', class: 'fa-label' }, T('fieldpage.resolution')), ui.resolution, ui.resolve);
    ui.notes = el('section', { class: 'fa-card', 'data-testid': 'field-notes' },
      ui.resolveForm,
      el('form', { class: 'fa-form', novalidate: true, autocomplete: 'off', onsubmit: (e) => { e.preventDefault(); sendText('Note', ui.note, ui.noteSend); } },
        el('label', { for: 'field-note', class: 'fa-label' }, T('fieldpage.note')), ui.note, ui.noteSend));

    ui.job = el('section', { class: 'fa-card fa-job', 'data-testid': 'field-assignment', hidden: true });

    ui.photoFile = el('input', { id: 'field-photo-file', class: 'fa-file', type: 'file', accept: 'image/jpeg,image/png,image/webp', capture: 'environment',
      onchange: () => { ui.photoName.textContent = ui.photoFile.files[0] ? ui.photoFile.files[0].name : T('fieldpage.photo-pick'); ui.photoSend.disabled = !ui.photoFile.files[0]; } });
    ui.photoName = el('span', {}, T('fieldpage.photo-pick'));
    ui.photoCaption = el('input', { id: 'field-photo-caption', type: 'text', maxlength: 200, placeholder: T('fieldpage.photo-caption'), 'aria-label': T('fieldpage.photo-caption') });
    ui.photoSend = el('button', { type: 'button', class: 'fa-button fa-primary', 'data-testid': 'field-photo-send', disabled: true, onclick: sendPhoto }, T('fieldpage.photo-send'));
    ui.photo = el('section', { class: 'fa-card', 'data-testid': 'field-photo' },
      el('label', { for: 'field-photo-file', class: 'fa-button fa-pick' }, ui.photoName), ui.photoFile, ui.photoCaption, ui.photoSend);

    ui.share = el('input', { type: 'checkbox', id: 'field-share', onchange: () => share(ui.share.checked) });
    ui.positionLine = el('div', { class: 'fa-hint' });
    ui.position = el('section', { class: 'fa-card', 'data-testid': 'field-position' },
      el('label', { for: 'field-share', class: 'fa-switch fa-button' }, ui.share, T('fieldpage.share-position')), ui.positionLine);

    ui.report = buildReport();
    ui.reports = el('ul', { class: 'fa-list', 'data-testid': 'field-my-reports' });

    ui.messages = el('ul', { class: 'fa-list', 'data-testid': 'field-messages' });
    root.append(ui.status, ui.alert, ui.notice, ui.actions, ui.notes, ui.job, ui.photo, ui.position,
      ui.report,
      el('section', { class: 'fa-card' }, el('h2', { class: 'fa-heading' }, T('fieldapp.my-reports')), ui.reports),
      el('section', { class: 'fa-card', 'aria-live': 'polite' }, el('h2', { class: 'fa-heading' }, T('fieldpage.messages')), ui.messages),
      el('a', { class: 'fa-button fa-chat', href: '/field/online', 'data-testid': 'field-chat-link' }, T('fieldapp.chat')));
  }

  function buildReport() {
    ui.reportCategory = el('select', { id: 'field-report-category', 'aria-label': T('fieldapp.report-category') },
      el('option', { value: '' }, T('fieldapp.report-category')),
      config.categories.map((c) => el('option', { value: c.code }, c.name)));
    ui.reportText = el('textarea', { id: 'field-report-text', rows: 2, maxlength: 2000, placeholder: T('fieldapp.report-text'), 'aria-label': T('fieldapp.report-text') });
    ui.reportPhoto = el('input', { id: 'field-report-photo', type: 'file', accept: 'image/jpeg,image/png,image/webp', capture: 'environment', 'aria-label': T('fieldpage.photo-pick') });
    ui.reportFixed = el('input', { type: 'checkbox', id: 'field-report-fixed', onchange: () => { ui.reportFix.hidden = !ui.reportFixed.checked; validReport(); } });
    ui.reportFix = el('textarea', { id: 'field-report-fix', rows: 2, maxlength: 2000, placeholder: T('fieldapp.report-fix'), 'aria-label': T('fieldapp.report-fix'), hidden: true });
    ui.reportSend = el('button', { type: 'submit', class: 'fa-button fa-primary', 'data-testid': 'field-report-send', disabled: true }, T('fieldapp.report-send'));
    for (const input of [ui.reportCategory, ui.reportText, ui.reportFix]) input.addEventListener('input', validReport);
    return el('details', { class: 'fa-card', 'data-testid': 'field-report' },
      el('summary', { class: 'fa-heading' }, T('fieldapp.report')),
      el('form', { class: 'fa-form', novalidate: true, autocomplete: 'off', onsubmit: (e) => { e.preventDefault(); sendReport(); } },
        ui.reportCategory, ui.reportText,
        el('label', { for: 'field-report-photo', class: 'fa-label' }, T('fieldpage.photo-pick')), ui.reportPhoto,
        el('label', { for: 'field-report-fixed', class: 'fa-switch' }, ui.reportFixed, T('fieldapp.report-fixed')), ui.reportFix,
        el('div', { class: 'fa-hint' }, T('fieldapp.report-where')),
        ui.reportSend));
  }

  function validReport() {
    ui.reportSend.disabled = !ui.reportCategory.value || !ui.reportText.value.trim() || (ui.reportFixed.checked && !ui.reportFix.value.trim());
  }

  function render() {
    const status = unit ? unit.status : null;
    root.dataset.status = status || '';
    // Status line.
    ui.status.className = 'fa-status fa-status-' + (status || 'unknown');
    ui.status.dataset.status = status || '';
    fill(ui.status,
      el('div', { class: 'fa-callsign', 'data-testid': 'field-callsign' }, (unit && unit.callSign) || config.unit.callSign),
      el('div', { class: 'fa-status-line' },
        el('span', { class: 'fa-status-name' }, status ? T('fieldpage.status.' + status) : T('fieldapp.connecting')),
        unit && unit.incidentNumber ? el('span', { class: 'fa-number' }, unit.incidentNumber) : null,
        unit && unit.statusSince ? el('span', { class: 'fa-since' }, hhmm.format(new Date(unit.statusSince))) : null),
      status === 'OffDuty' ? el('div', { class: 'fa-hint', 'data-testid': 'field-off-duty-hint' }, T('fieldpage.off-duty-hint')) : null);

    ui.alert.hidden = !problem;
    ui.alert.textContent = problem || '';
    ui.notice.hidden = !notice;
    ui.notice.textContent = notice || '';

    // One button per move; the crew leaving an incident its department leads unresolved is said in so many words.
    const resolvable = mayResolve();
    fill(ui.actions,...(status ? MOVES[status] || [] : []).map((action, i) => {
      const unresolved = action === 'Clear' && resolvable && !job.resolved;
      return el('button', {
        type: 'button', class: 'fa-button fa-action ' + (i === 0 && !unresolved ? 'fa-primary' : 'fa-outlined'),
        'data-testid': 'field-action', 'data-action': action, 'data-unresolved': unresolved ? 'true' : null,
        onclick: () => move(action),
      }, unresolved ? T('fieldapp.clear-unresolved') : T('fieldpage.action.' + action));
    }));

    const onJob = unit && unit.incidentId && mayNote(status);
    ui.notes.hidden = !onJob;
    ui.resolveForm.hidden = !resolvable || (job && job.resolved);
    ui.photo.hidden = !onJob;
    ui.position.hidden = !status || status === 'OffDuty';
    ui.positionLine.textContent = positionSentAt ? T('fieldpage.position-sent', positionSentAt) : '';
    ui.positionLine.dataset.testid = positionSentAt ? 'field-position-sent' : '';

    renderJob();
    renderReports();
    renderMessages();
    const count = ui.pending;
    count.hidden = pendingCount === 0;
    count.dataset.count = String(pendingCount);
    count.textContent = pendingCount ? T('fieldapp.pending', pendingCount) : '';
  }

  function renderJob() {
    const shown = job && unit && unit.incidentId === job.incidentId;
    ui.job.hidden = !shown;
    if (!shown) { ui.job.replaceChildren(); return; }
    ui.job.dataset.number = job.number;
    ui.job.dataset.incident = job.incidentId;
    fill(ui.job,
      el('div', { class: 'fa-job-head' },
        el('span', { class: 'fa-number', 'data-testid': 'field-assignment-number' }, job.number),
        job.urgency ? el('span', { class: 'fa-chip fa-urgency-' + urgencyName(job.urgency) }, T('urgency.' + urgencyName(job.urgency))) : null,
        job.state ? el('span', { class: 'fa-chip', 'data-testid': finished(job.state) ? 'field-resolved' : null }, T('state.' + job.state)) : null,
        // Resolved on this phone, not yet heard back from the centre.
        job.resolved && !finished(job.state) ? el('span', { class: 'fa-chip fa-done', 'data-testid': 'field-resolved' }, T('fieldpage.resolved')) : null),
      el('div', { class: 'fa-category', 'data-testid': 'field-assignment-category' }, categoryName(job.category)),
      job.description ? el('p', { class: 'fa-description', 'data-testid': 'field-assignment-description' }, job.description) : null,
      job.address ? el('div', { class: 'fa-address', 'data-testid': 'field-assignment-address' }, job.address) : null,
      job.lat != null ? el('div', { class: 'fa-hint', 'data-testid': 'field-assignment-coordinates' },
        `${T('fieldpage.coordinates')} ${job.lat.toFixed(5)}, ${job.lon.toFixed(5)}`) : null,
      job.mapUrl ? el('a', { class: 'fa-button fa-outlined', href: job.mapUrl, 'data-testid': 'field-map-link' }, T('fieldpage.open-map')) : null);
  }

  function renderReports() {
    fill(ui.reports,...(reports.length ? reports.map((r) => el('li', {
      class: 'fa-item', 'data-testid': 'field-my-report', 'data-id': r.id, 'data-number': r.number || null, 'data-incident': r.incidentId || null, 'data-status': r.status || '',
      'data-pending': r.pending ? 'true' : 'false', 'data-refused': r.refused ? 'true' : null,
    },
      el('div', { class: 'fa-item-head' },
        el('span', {}, time(r.occurredAt)),
        el('b', {}, categoryName(r.category)),
        r.number ? el('span', { class: 'fa-number' }, r.number) : null,
        el('span', { class: 'fa-chip' }, r.refused ? T('fieldapp.report-refused')
          : r.pending ? T('fieldapp.report-pending') : (has('state.' + r.status) ? T('state.' + r.status) : r.status)),
        r.fixedOnSpot ? el('span', { class: 'fa-chip fa-done' }, T('fieldapp.report-fixed-short')) : null),
      el('div', { class: 'fa-item-detail' }, r.refused || r.description))) : [el('li', { class: 'fa-hint' }, T('fieldapp.no-reports'))]));
  }

  function renderMessages() {
    fill(ui.messages,...(messages.length ? messages.map((m) => el('li', {
      class: 'fa-item fa-message-' + m.kind, 'data-testid': 'field-message', 'data-kind': m.kind, 'data-seq': m.seq, 'data-acked': m.acked ? 'true' : 'false',
    },
      el('div', { class: 'fa-item-head' }, el('span', {}, hhmm.format(new Date(m.at))), el('b', {}, m.title),
        m.acked ? el('span', { class: 'fa-acked', title: T('fieldpage.msg.acked') }, '✓✓') : null),
      m.detail ? el('div', { class: 'fa-item-detail' }, m.detail) : null)) : [el('li', { class: 'fa-hint', 'data-testid': 'field-no-messages' }, T('fieldpage.no-messages'))]));
  }

  function setNet(state) {
    ui.net.dataset.state = state;
    ui.net.textContent = T('fieldapp.net.' + state);
  }

  function say(text, isProblem) {
    if (isProblem) { problem = text; notice = null; } else { notice = text; problem = null; }
    render();
  }

  // ---- taps into the queue -------------------------------------------------------------------------------------
  async function enqueue(item) {
    item.login = login;
    await store.add(item);
    pendingCount++;
  }

  function stepOf(name, fields) {
    return {
      id: uuid(), step: name, occurredAt: new Date().toISOString(),
      incidentId: name === 'OnDuty' || name === 'OffDuty' || name === 'Position' ? null : (unit && unit.incidentId) || null, ...fields,
    };
  }

  async function move(action) {
    if (!unit) return;
    await enqueue({ kind: 'step', step: stepOf(action) });
    // The screen moves on at once, as the rules will.
    unit = { ...unit, status: AFTER[action], statusSince: new Date().toISOString() };
    if (action === 'Clear') { unit.incidentId = null; unit.incidentNumber = null; job = null; }
    queued(T('fieldpage.action.' + action));
  }

  async function sendText(step, box, button) {
    const text = box.value.trim();
    if (!text || !unit || !unit.incidentId) return;
    button.disabled = true;
    await enqueue({ kind: 'step', step: stepOf(step, { text }) });
    box.value = '';
    if (step === 'Resolve' && job) job = { ...job, resolved: true };
    queued(step === 'Resolve' ? T('fieldpage.resolved') : T('fieldpage.note-sent'));
  }

  async function sendPhoto() {
    const file = ui.photoFile.files[0];
    if (!file || !unit || !unit.incidentId) return;
    await enqueue({ kind: 'photo', incidentId: unit.incidentId, blob: file, name: file.name, caption: ui.photoCaption.value.trim(), occurredAt: new Date().toISOString() });
    ui.photoFile.value = '';
    ui.photoCaption.value = '';
    ui.photoName.textContent = T('fieldpage.photo-pick');
    ui.photoSend.disabled = true;
    queued(T('fieldpage.photo-sent'));
  }

  async function sendReport() {
    if (ui.reportSend.disabled) return;
    ui.reportSend.disabled = true;
    const fix = await here();
    if (!fix) { say(T('fieldapp.report-no-position'), true); validReport(); return; }
    const report = {
      id: uuid(), occurredAt: new Date().toISOString(), category: ui.reportCategory.value, description: ui.reportText.value.trim(),
      latitude: fix.latitude, longitude: fix.longitude, accuracy: fix.accuracy,
      fixedOnSpot: ui.reportFixed.checked, fix: ui.reportFixed.checked ? ui.reportFix.value.trim() : null,
    };
    await enqueue({ kind: 'report', report });
    const photo = ui.reportPhoto.files[0];
    if (photo) await enqueue({ kind: 'photo', reportId: report.id, blob: photo, name: photo.name, caption: '', occurredAt: report.occurredAt });
    reports.unshift({ id: report.id, category: report.category, description: report.description, occurredAt: report.occurredAt, fixedOnSpot: report.fixedOnSpot, pending: true });
    for (const input of [ui.reportCategory, ui.reportText, ui.reportFix, ui.reportPhoto]) input.value = '';
    ui.reportFixed.checked = false;
    ui.reportFix.hidden = true;
    validReport();
    queued(T('fieldapp.report-kept'));
  }

  function queued(what) {
    notice = connected ? what : T('fieldapp.kept-offline', what);
    noticeOffline = !connected;
    problem = null;
    render();
    keep();
    flush();
  }

  // ---- position ------------------------------------------------------------------------------------------------
  let watch = null;
  let lastQueued = 0;
  function share(on) {
    if (!('geolocation' in navigator)) { say(T('fieldpage.position-unavailable'), true); ui.share.checked = false; return; }
    if (!on) { if (watch !== null) navigator.geolocation.clearWatch(watch); watch = null; return; }
    watch = navigator.geolocation.watchPosition(async (p) => {
      lastFix = { latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy || 0, at: new Date(p.timestamp || Date.now()).toISOString() };
      // One fix in 15 s is plenty for the board; the first goes at once.
      if (Date.now() - lastQueued < 15000 || !unit || unit.status === 'OffDuty') return;
      lastQueued = Date.now();
      await enqueue({ kind: 'step', step: { ...stepOf('Position', { latitude: lastFix.latitude, longitude: lastFix.longitude, accuracy: lastFix.accuracy }), occurredAt: lastFix.at } });
      render();
      keep();
      flush();
    }, (error) => {
      say(T(error.code === 1 ? 'fieldpage.position-denied' : 'fieldpage.position-unavailable'), true);
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  }

  // Where the phone is now for a report: a fresh fix, or the last one from the last ten minutes.
  function here() {
    return new Promise((resolve) => {
      const recent = lastFix && Date.now() - Date.parse(lastFix.at) < 600000 ? lastFix : null;
      if (!('geolocation' in navigator)) { resolve(recent); return; }
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy || 0 }),
        () => resolve(recent), { enableHighAccuracy: true, maximumAge: 60000, timeout: 15000 });
    });
  }

  // ---- sending the queue ---------------------------------------------------------------------------------------
  let flushing = false;
  let again = false;
  let retryTimer = null;

  async function flush() {
    if (flushing) { again = true; return; }
    if (!connected) { await count(); return; }
    flushing = true;
    let stopped = false;
    try {
      do {
        again = false;
        const held = new Set();
        for (const item of await store.all(login)) {
          if (!connected) { stopped = true; break; }
          // A report the server could not take holds back the photo that belongs to it, nothing else.
          if (item.kind === 'photo' && item.reportId && held.has(item.reportId)) continue;
          const outcome = await send(item);
          if (outcome === 'hold') { if (item.kind === 'report') held.add(item.report.id); continue; }
          if (outcome === 'offline') { stopped = true; break; }
          if (typeof outcome === 'number') { stopped = true; retryLater(outcome); break; }
          await store.remove(item.seq);
          // How many items this page has handed to the server (a test, or a curious crew, can see the queue move).
          root.dataset.sent = String(Number(root.dataset.sent || 0) + 1);
        }
      } while (again && !stopped);
    } finally {
      flushing = false;
    }
    await count();
    if (!stopped && pendingCount === 0 && connected) {
      // All sent: "kept on the phone" is no longer true.
      if (noticeOffline) { notice = T('fieldapp.sent-now'); noticeOffline = false; }
      await refresh();
    }
    render();
    keep();
  }

  async function count() {
    try { pendingCount = (await store.all(login)).length; } catch { /* the count only */ }
    render();
  }

  function retryLater(seconds) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, Math.max(1, seconds) * 1000);
  }

  // 'done' (sent, or refused for good: removed), 'hold' (kept, the rest goes on), 'offline', or seconds to wait.
  async function send(item) {
    if (item.kind === 'photo') return sendQueuedPhoto(item);
    const method = item.kind === 'report' ? 'Report' : 'Step';
    const argument = item.kind === 'report' ? item.report : item.step;
    let reply;
    try {
      reply = await connection.invoke(method, argument);
    } catch (e) {
      if (!connected || connection.state !== 'Connected') return 'offline';
      // The server could not take it at all (a hub error): kept, shown, tried again next time.
      say(T('fieldapp.step-failed', label(item), e && e.message ? e.message : String(e)), true);
      return 'hold';
    }
    if (reply && reply.ok) {
      if (item.kind === 'report') {
        reports = reports.map((r) => (r.id === item.report.id ? { ...r, pending: false, incidentId: reply.incidentId, number: reply.number, status: r.status || 'Reported' } : r));
        await store.put(login, 'report/' + item.report.id, reply.incidentId);
      } else if (item.step.step === 'Position') {
        positionSentAt = time(item.step.occurredAt);
      }
      return 'done';
    }
    if (reply && reply.code === 'overloaded') return reply.retryAfterSeconds || 2;
    // Refused for good (the rules, or a field out of bounds): dropped from the queue, and the crew is told which and why.
    const why = (reply && reply.message) || (reply && reply.code) || '?';
    if (item.kind === 'report') reports = reports.map((r) => (r.id === item.report.id ? { ...r, pending: false, refused: why } : r));
    say(T('fieldapp.step-refused', label(item), time(item.kind === 'report' ? item.report.occurredAt : item.step.occurredAt), why), true);
    return 'done';
  }

  async function sendQueuedPhoto(item) {
    if (!navigator.onLine) return 'offline';
    let incidentId = item.incidentId;
    if (!incidentId && item.reportId) {
      incidentId = await store.get(login, 'report/' + item.reportId);
      // Its report was refused: there is no incident to attach it to.
      if (!incidentId) return 'done';
    }
    const form = new FormData();
    form.append('photo', item.blob, item.name || 'photo.jpg');
    if (item.caption) form.append('caption', item.caption);
    let response;
    try {
      response = await fetch(`/api/incidents/${incidentId}/photos`, { method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json' } });
    } catch {
      return 'offline';
    }
    if (response.ok) return 'done';
    if (response.status === 429 || response.status >= 500) return Number(response.headers.get('Retry-After')) || 5;
    let why = T('fieldpage.photo-refused', response.status);
    try {
      const p = await response.json();
      why = p.detail || (p.errors && Object.values(p.errors).flat().join(' ')) || p.title || why;
    } catch { /* the status says it */ }
    say(T('fieldapp.step-refused', T('fieldapp.photo'), time(item.occurredAt), why), true);
    return 'done';
  }

  function label(item) {
    if (item.kind === 'report') return T('fieldapp.report');
    if (item.kind === 'photo') return T('fieldapp.photo');
    const s = item.step.step;
    if (s === 'Note') return T('fieldpage.note');
    if (s === 'Resolve') return T('fieldpage.resolve');
    if (s === 'Position') return T('fieldpage.share-position');
    return has('fieldpage.action.' + s) ? T('fieldpage.action.' + s) : s;
  }

  // ---- the server's view ---------------------------------------------------------------------------------------
  async function refresh() {
    if (!connected) return;
    try {
      const me = await connection.invoke('Me');
      // Taps made meanwhile are the newer truth: the server's line waits until they are sent.
      if ((await store.all(login)).length) return;
      unit = me;
      job = me.incidentId ? (await loadJob(me.incidentId)) || (job && job.incidentId === me.incidentId ? job : null) : null;
    } catch (e) {
      console.warn('field: refresh failed', e);
    }
    render();
    keep();
  }

  async function loadJob(incidentId) {
    try {
      const r = await fetch(`/api/incidents/${incidentId}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!r.ok) return null;
      const d = await r.json();
      const location = d.location || null;
      return {
        incidentId: d.id, number: d.number, category: d.category, urgency: d.urgency, description: d.description, address: d.address,
        lat: location ? location.lat : null, lon: location ? location.lon : null,
        mapUrl: location ? `geo:${location.lat.toFixed(6)},${location.lon.toFixed(6)}?q=${location.lat.toFixed(6)},${location.lon.toFixed(6)}` : null,
        leadDepartment: d.leadDepartment, state: d.state, resolved: d.state === 'Resolved' || d.state === 'Closed',
      };
    } catch {
      return null;
    }
  }

  async function loadReports() {
    try {
      const filed = await connection.invoke('MyReports');
      const local = reports.filter((r) => r.pending || r.refused);
      reports = [...local, ...filed.filter((f) => !local.some((l) => l.incidentId === f.incidentId)).map((f) => ({
        id: f.incidentId, incidentId: f.incidentId, number: f.number, category: f.category, description: f.description,
        status: f.status, occurredAt: f.occurredAt, fixedOnSpot: f.fixedOnSpot, pending: false,
      }))];
      render();
      keep();
    } catch (e) {
      // A server without the grid workers' reports: the list is what this phone filed.
      console.info('field: my reports unavailable', e && e.message);
    }
  }

  function describe(m) {
    const b = m.body || {};
    const by = (who) => (who ? T('fieldpage.msg.by', who) : null);
    switch (m.kind) {
      case 'assignment': return [T('fieldpage.msg.assignment', b.number), join(categoryName(b.category), b.address)];
      case 'incident': return [T('fieldpage.msg.incident', b.number),
        join((b.changes || []).map((c) => (has('timeline.' + c) ? T('timeline.' + c) : c)).join('、'), T('fieldpage.msg.state', T('state.' + b.state)))];
      case 'released': return [T('fieldpage.msg.released', b.incidentNumber || ''), by(b.by)];
      case 'status': return [T('fieldpage.msg.status', has('fieldpage.command.' + b.command) ? T('fieldpage.command.' + b.command) : b.command), by(b.by)];
      case 'overdue': return [T('fieldpage.msg.overdue', b.incidentNumber), T('fieldpage.msg.overdue.detail', T('units.status.' + b.status), b.limitMinutes)];
      case 'message': return [T('fieldpage.msg.text', b.fromName || b.from), b.text];
      default: return [m.kind, JSON.stringify(b)];
    }
  }

  async function onMessages(batch) {
    let jobChanged = false;
    for (const m of batch) {
      if (seen.has(m.seq)) { ack(m.seq); continue; }
      seen.add(m.seq);
      const [title, detail] = describe(m);
      messages = [{ seq: m.seq, kind: m.kind, at: m.at, title, detail, acked: false }, ...messages.filter((x) => x.seq !== m.seq)].slice(0, 30);
      const b = m.body || {};
      if (m.kind === 'assignment') {
        job = {
          incidentId: b.incidentId, number: b.number, category: b.category, urgency: b.urgency, description: b.description, address: b.address,
          lat: b.lat, lon: b.lon, mapUrl: b.mapUrl, leadDepartment: b.leadDepartment, state: null, resolved: false,
        };
      } else if (m.kind === 'incident' && job && job.incidentId === b.incidentId) {
        job = { ...job, state: b.state, leadDepartment: b.leadDepartment, resolved: job.resolved || b.state === 'Resolved' || b.state === 'Closed' };
      }
      if (m.kind !== 'message') jobChanged = true;
    }
    render();
    // On screen now: the centre hears the phone has them.
    for (const m of batch) await ack(m.seq);
    if (jobChanged) await refresh();
    keep();
  }

  async function ack(seq) {
    try {
      await connection.invoke('Ack', seq);
      messages = messages.map((m) => (m.seq === seq ? { ...m, acked: true } : m));
      render();
    } catch { /* not acknowledged: it comes again on the next connection, the safe side */ }
  }

  // ---- the connection ------------------------------------------------------------------------------------------
  let reconnect = null;
  function schedule() {
    clearTimeout(reconnect);
    if (navigator.onLine) reconnect = setTimeout(start, 3000);
  }

  async function start() {
    clearTimeout(reconnect);
    if (!navigator.onLine) { setNet('offline'); return; }
    if (connection.state !== 'Disconnected') return;
    setNet('connecting');
    try {
      await connection.start();
    } catch (e) {
      if (e && e.statusCode === 401) { location.href = '/signin?returnUrl=%2Ffield'; return; }
      setNet(navigator.onLine ? 'connecting' : 'offline');
      schedule();
      return;
    }
    connected = true;
    setNet('online');
    await flush();
    await loadReports();
    root.dataset.live = 'true';
  }

  function connect() {
    connection = new signalR.HubConnectionBuilder().withUrl('/hubs/unit').configureLogging(signalR.LogLevel.Warning).build();
    connection.on('Messages', onMessages);
    connection.onclose(() => {
      connected = false;
      root.dataset.live = 'false';
      setNet(navigator.onLine ? 'connecting' : 'offline');
      schedule();
    });
    // No signal: stop at once rather than wait for the socket to time out; the taps go to the queue meanwhile.
    window.addEventListener('offline', () => {
      connected = false;
      root.dataset.live = 'false';
      setNet('offline');
      connection.stop();
    });
    window.addEventListener('online', start);
    start();
  }

  // ---- start ---------------------------------------------------------------------------------------------------
  async function boot() {
    ui.net = document.querySelector('[data-testid=field-connection]');
    ui.pending = document.querySelector('[data-testid=field-pending]');
    build();
    try {
      unit = (await store.get(login, 'unit')) || null;
      job = (await store.get(login, 'job')) || null;
      messages = (await store.get(login, 'messages')) || [];
      reports = (await store.get(login, 'reports')) || [];
      for (const m of messages) seen.add(m.seq);
    } catch (e) { console.warn('field: nothing kept', e); }
    if (unit && unit.id !== config.unit.id) { unit = null; job = null; }
    await count();
    setNet(navigator.onLine ? 'connecting' : 'offline');
    render();
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('/field/sw.js', { scope: '/field' }).catch((e) => console.warn('field: no service worker', e));
    }
    connect();
  }

  boot();
})();
