// Small browser helpers for the console. No polling of data: ages tick on the client from a timestamp.
window.dispatch = {
  setCookie(name, value) {
    document.cookie = `${name}=${encodeURIComponent(value)};path=/;max-age=31536000;samesite=lax`;
  },
  // Focuses the element the first matching selector finds (one selector, or several in order of preference). An
  // element inside something still sliding in (a drawer) cannot take the focus until it is visible, so keep trying
  // for a moment.
  focus(selectors, tries = 40) {
    const el = [].concat(selectors).map((s) => document.querySelector(s)).find(Boolean);
    if (el) el.focus();
    if ((!el || document.activeElement !== el) && tries > 0) {
      setTimeout(() => window.dispatch.focus(selectors, tries - 1), 25);
    }
  },
};

// The connection indicator follows Blazor's reconnect states, which Blazor reports by classes on
// #components-reconnect-modal: show/retrying → reconnecting, failed → offline, rejected → the circuit is
// gone, so load the page again (it comes back current).
(function () {
  const states = {
    'components-reconnect-show': 'reconnecting',
    'components-reconnect-retrying': 'reconnecting',
    'components-reconnect-failed': 'offline',
    'components-reconnect-paused': 'offline',
    'components-reconnect-rejected': 'offline',
    'components-reconnect-hide': 'live',
  };
  function apply(state) {
    const indicator = document.getElementById('connection-indicator');
    if (!indicator) return;
    indicator.dataset.state = state;
    const label = indicator.querySelector('.label');
    if (label) label.textContent = indicator.dataset['label' + state[0].toUpperCase() + state.slice(1)] || state;
  }
  // After Blazor gives up (failed), try again every 3 s. Blazor.reconnect() resolves false when it reached a server
  // that does not know the circuit (its node died or restarted, and the balancer sent us to another): the circuit
  // is gone, so load the page again — without this the console sat on "offline" after a failover. It throws when
  // no server answered yet: try again later.
  let retrying = null;
  function retryLater() {
    if (retrying) return;
    retrying = setTimeout(async () => {
      let reached = false, ok = false;
      try {
        ok = !!(window.Blazor && Blazor.reconnect && await Blazor.reconnect());
        reached = true;
      } catch { /* no server answered */ }
      retrying = null; // only now: the reconnect's own state changes must not start a second one meanwhile
      if (reached && !ok) location.reload();
      else if (!reached) retryLater();
    }, 3000);
  }
  function watch() {
    const modal = document.getElementById('components-reconnect-modal');
    if (!modal) return;
    new MutationObserver(() => {
      for (const [cls, state] of Object.entries(states)) {
        if (modal.classList.contains(cls)) {
          apply(state);
          if (cls === 'components-reconnect-rejected') location.reload();
          if (cls === 'components-reconnect-failed') retryLater();
          return;
        }
      }
    }).observe(modal, { attributes: true, attributeFilter: ['class'] });
  }
  document.addEventListener('DOMContentLoaded', watch);
  window.addEventListener('offline', () => apply('offline'));
})();

// Live ages and deadlines. Every element with data-since (an ISO instant) shows how long ago that was. Every
// element with data-deadline-from and data-deadline-due shows the time left (with a minus sign once it ran out)
// and carries the class on-time, warning (once the body's data-warning-share of the time is used) or overdue,
// exactly as DeadlineClock.StateAt decides on the server. Rows that just arrived (a push, a scroll of the
// virtualized board) are filled at once rather than on the next tick.
(function () {
  const deadlineStates = ['on-time', 'warning', 'overdue'];
  function format(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
  }
  // Resolution deadlines run for days: "2d 3:04:05" (2天 on a Chinese console).
  function formatLeft(ms) {
    const abs = Math.abs(ms), days = Math.floor(abs / 86400000);
    const unit = (document.documentElement.lang || '').startsWith('zh') ? '天' : 'd';
    const text = days > 0 ? `${days}${unit} ${format(abs - days * 86400000)}` : format(abs);
    return ms < 0 ? `\u2212${text}` : text;
  }
  function deadlineState(from, due, now, share) {
    if (now >= due) return 'overdue';
    return due > from && now - from >= (due - from) * share ? 'warning' : 'on-time';
  }
  function tick() {
    const live = Date.now();
    // Inside a past screen ([data-as-of], issue 20) ages and deadlines stand still at that moment.
    const at = (el) => { const past = el.closest('[data-as-of]'); return past ? Date.parse(past.dataset.asOf) : live; };
    for (const el of document.querySelectorAll('[data-since]')) {
      const text = format(at(el) - Date.parse(el.dataset.since));
      if (el.textContent !== text) el.textContent = text;
    }
    const share = parseFloat(document.body.dataset.warningShare) || 0.8;
    for (const el of document.querySelectorAll('[data-deadline-due]')) {
      const from = Date.parse(el.dataset.deadlineFrom), due = Date.parse(el.dataset.deadlineDue);
      // Whole seconds left, rounded up, so the text reaches 0:00 exactly when the state turns overdue.
      const now = at(el), left = due - now, text = formatLeft(left > 0 ? Math.ceil(left / 1000) * 1000 : left);
      if (el.textContent !== text) el.textContent = text;
      const state = deadlineState(from, due, now, share);
      if (!el.classList.contains(state)) {
        el.classList.remove(...deadlineStates);
        el.classList.add(state);
      }
    }
  }
  setInterval(tick, 1000);
  let queued = false;
  function soon() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; tick(); });
  }
  document.addEventListener('DOMContentLoaded', () => {
    tick();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-since', 'data-deadline-due', 'data-as-of'] });
  });
})();

// Keyboard: in a textarea marked data-enter-submits, Enter submits the form and Shift+Enter starts a new line.
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey && t instanceof HTMLTextAreaElement && t.closest('[data-enter-submits]')) {
    e.preventDefault();
    t.form && t.form.requestSubmit();
  }
});

// Keyboard: urgency 1–4 on the intake form. Alt+1…4 anywhere in a [data-urgency-keys] form; plain 1–4 and the
// arrow keys while the urgency group itself has the focus; Enter there submits like any other field. The
// option is clicked, so the server sees the same event a mouse click makes.
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (!(t instanceof Element)) return;
  const form = t.closest('[data-urgency-keys]');
  if (!form) return;
  const group = t.closest('[data-urgency-group]');
  const digit = /^(?:Digit|Numpad)([1-4])$/.exec(e.code);
  if (digit && !e.ctrlKey && !e.metaKey && !e.shiftKey && (e.altKey || group)) {
    const option = form.querySelector(`[data-urgency-option="${digit[1]}"]`);
    if (option) { e.preventDefault(); option.click(); }
    return;
  }
  if (!group || e.altKey || e.ctrlKey || e.metaKey) return;
  if (['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) {
    const options = [...group.querySelectorAll('[data-urgency-option]')];
    const current = options.findIndex((o) => o.getAttribute('aria-checked') === 'true');
    const step = e.key === 'ArrowRight' || e.key === 'ArrowUp' ? 1 : -1;
    const next = options[Math.min(options.length - 1, Math.max(0, current + step))];
    e.preventDefault();
    if (next && next !== options[current]) next.click();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    const f = t.closest('form');
    f && f.requestSubmit();
  }
});

// Keyboard (issue 19): in a form marked data-jump-keys, Alt+<letter> jumps to the field its data-jump-<letter> names (the
// intake form: Alt+C category, Alt+L latitude…), and Ctrl+Enter presses its [data-file-and-open] button (file the call
// and open it on the board). Matched on e.code, so a Chinese input method or a Mac's Option characters change nothing.
document.addEventListener('keydown', (e) => {
  if (!(e.target instanceof Element) || e.metaKey || e.shiftKey) return;
  const form = e.target.closest('[data-jump-keys]');
  if (!form) return;
  const letter = /^Key([A-Z])$/.exec(e.code);
  if (e.altKey && !e.ctrlKey && letter) {
    const id = form.getAttribute(`data-jump-${letter[1].toLowerCase()}`);
    const field = id && document.getElementById(id);
    if (field) {
      e.preventDefault();
      field.focus();
      if (field.select) field.select();
    }
  } else if (e.ctrlKey && !e.altKey && e.key === 'Enter') {
    const open = form.querySelector('[data-file-and-open]');
    if (open) {
      e.preventDefault();
      open.click();
    }
  }
});

// Keyboard: Enter in an autocomplete whose list is open picks the highlighted item (MudBlazor does that on
// key-up); it must not also submit the form. With the list closed, Enter submits as in any field.
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.key === 'Enter' && t instanceof HTMLInputElement && t.closest('.mud-autocomplete')
      && document.querySelector('.mud-popover-open .mud-list-item')) {
    e.preventDefault();
  }
});

// Keyboard: table rows ([data-row-nav]) open with Enter or Space and move with the arrow keys. (The board's own rows
// go through its selection, below.)
document.addEventListener('keydown', (e) => {
  const row = e.target;
  if (!(row instanceof HTMLElement) || !row.hasAttribute('data-row-nav') || e.altKey || e.ctrlKey || e.metaKey) return;
  if (row.closest('[data-board-keys]')) return;
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    row.click();
  } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    let next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
    while (next && !next.hasAttribute('data-row-nav')) next = e.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling;
    if (next) { e.preventDefault(); next.focus(); next.scrollIntoView({ block: 'nearest' }); }
  }
});

// Keyboard: Escape inside a panel marked data-escape-closes presses its [data-close] button (unless a list or
// menu inside it is open: Escape closes that first). With nothing focused (the focused button just went away),
// Escape closes the open panel.
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || !(e.target instanceof Element)) return;
  const panel = e.target.closest('[data-escape-closes]')
    || (e.target === document.body ? document.querySelector('[data-escape-closes]') : null);
  if (!panel || document.querySelector('.mud-popover-open')) return;
  const close = panel.querySelector('[data-close]');
  if (close) { e.preventDefault(); close.click(); }
});

// The field page (a unit's phone). A photo goes from the file input straight to the photos endpoint (multipart, field
// "photo", optional "caption") with the page's own cookie; the answer comes back as { ok, status, message, noFile },
// message being the server's own words when it refused (problem details: detail, else the field errors, else title).
window.dispatch.uploadPhoto = async function (input, url, caption) {
  const file = input && input.files && input.files[0];
  if (!file) return { ok: false, status: 0, message: null, noFile: true };
  const form = new FormData();
  form.append('photo', file, file.name);
  if (caption) form.append('caption', caption);
  let response;
  try {
    response = await fetch(url, { method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json' } });
  } catch {
    return { ok: false, status: 0, message: null, noFile: false };
  }
  if (response.ok) {
    input.value = '';
    return { ok: true, status: response.status, message: null, noFile: false };
  }
  let message = null;
  try {
    const problem = await response.json();
    const errors = problem && problem.errors ? Object.values(problem.errors).flat().join(' ') : '';
    message = (problem && problem.detail) || errors || (problem && problem.title) || null;
  } catch { /* not JSON: the status says it */ }
  return { ok: false, status: response.status, message, noFile: false };
};

// The field page's "share my position": each fix goes to the page (which sends it through the unit's command path);
// -1 when the browser has no geolocation (or the page is not a secure context).
window.dispatch.watchPosition = function (page) {
  if (!('geolocation' in navigator) || !window.isSecureContext) return -1;
  return navigator.geolocation.watchPosition(
    (p) => page.invokeMethodAsync('OnPosition', p.coords.latitude, p.coords.longitude, p.coords.accuracy || 0, p.timestamp),
    (e) => page.invokeMethodAsync('OnPositionError', e.code),
    { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
};

window.dispatch.clearWatch = function (id) {
  if (id >= 0 && 'geolocation' in navigator) navigator.geolocation.clearWatch(id);
};

// Keyboard: in a panel ([data-escape-closes], the incident drawer) that offers numbered units to send
// ([data-unit-keys]), the digits 1–9 send the unit with that number — unless a text field has the focus (the digit is
// text there), a modifier is held, or a list is open. With nothing focused, the open panel takes the key, as Escape
// does. The key reaches the server as the custom event "unitkey" (@onunitkey, UnitKeyEventArgs), so no other key does.
if (window.Blazor && Blazor.registerCustomEventType) {
  Blazor.registerCustomEventType('unitkey', { createEventArgs: (e) => ({ key: (e.detail && e.detail.key) || '' }) });
}
document.addEventListener('keydown', (e) => {
  const digit = /^(?:Digit|Numpad)([1-9])$/.exec(e.code);
  if (!digit || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.repeat || !(e.target instanceof Element)) return;
  const t = e.target;
  if (t.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], [role="textbox"]')) return;
  const panel = t.closest('[data-escape-closes]') || (t === document.body ? document.querySelector('[data-escape-closes]') : null);
  const units = panel && panel.querySelector('[data-unit-keys]');
  if (!units || document.querySelector('.mud-popover-open')) return;
  e.preventDefault();
  units.dispatchEvent(new CustomEvent('unitkey', { bubbles: true, detail: { key: digit[1] } }));
});

// An exercise node (body.exercise): every tab's title says so too, whatever the page sets it to, so a window on the
// taskbar cannot pass for the live city.
(function () {
  if (!document.body || !document.body.classList.contains('exercise')) return;
  const mark = '【演练 EXERCISE】';
  const keep = () => { if (!document.title.startsWith(mark)) document.title = mark + document.title; };
  keep();
  new MutationObserver(keep).observe(document.head, { subtree: true, childList: true, characterData: true });
})();
// A click on a board row reaches the server as "rowopen" on the board's table, with the row's id: a row is HTML shared by
// every board on the node (BoardRowMarkup), without a handler of its own.
if (window.Blazor && Blazor.registerCustomEventType) {
  Blazor.registerCustomEventType('rowopen', {
    browserEventName: 'click',
    createEventArgs: (e) => {
      const row = e.target instanceof Element ? e.target.closest('tr[data-row-nav]') : null;
      return { id: row ? row.dataset.id : null };
    },
  });
}
// A changed incident's row is new HTML: if the row that had the keyboard focus was replaced, the focus moves to its
// replacement (same incident), so the keys carry on from there.
(function () {
  let focused = null;
  document.addEventListener('focusin', (e) => {
    focused = e.target instanceof Element && e.target.matches('tr[data-row-nav]') ? e.target : null;
  });
  new MutationObserver(() => {
    if (!focused || focused.isConnected) return;
    const id = focused.dataset.id;
    focused = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    const again = document.querySelector(`tr[data-row-nav][data-id='${id}']`);
    if (again) again.focus({ preventScroll: true });
  }).observe(document.body, { childList: true, subtree: true });
})();
// Keyboard on the board ([data-board-keys], issue 19): ↓/j and ↑/k move the selection over the rows, Enter (or Space) opens
// the selected row, n opens the next incident waiting for this dispatcher. Only from the board itself — a row, or nothing
// focused — never from a field, an open list or the open drawer. The key reaches the server as "boardkey", with the row
// that has the focus, so the selection starts where a click or Tab left it.
if (window.Blazor && Blazor.registerCustomEventType) {
  Blazor.registerCustomEventType('boardkey', { createEventArgs: (e) => ({ key: (e.detail && e.detail.key) || '', id: (e.detail && e.detail.id) || null }) });
}
document.addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || !(e.target instanceof Element)) return;
  const board = document.querySelector('[data-board-keys]');
  if (!board) return;
  const t = e.target;
  // Not from a field, a button or a link (their own keys), nor while a list or the drawer is open. Anything else on the
  // page will do: a row, nothing, or the page heading Blazor focuses after a navigation.
  if (t.closest('input, textarea, select, button, a[href], [contenteditable=""], [contenteditable="true"], [role="textbox"], .mud-popover')) return;
  if (document.querySelector('.mud-popover-open') || document.querySelector('[data-testid=incident-drawer]')) return;
  const keys = { ArrowDown: 'next', KeyJ: 'next', ArrowUp: 'prev', KeyK: 'prev', Enter: 'open', Space: 'open', KeyN: 'waiting' };
  const key = keys[e.code] || keys[e.key];
  if (!key || e.shiftKey) return;
  e.preventDefault();
  const row = t.closest && t.closest('tr[data-id]');
  board.dispatchEvent(new CustomEvent('boardkey', { bubbles: true, detail: { key, id: row ? row.dataset.id : null } }));
});

// Brings a board row into view and focuses it. A virtualized row may not be in the page yet: scroll to where it lies
// (its index × the row height), and the focus follows once it is drawn.
window.dispatch.showRow = function (container, index, height, id) {
  const box = document.querySelector(container);
  if (!box) return;
  const selector = `tr[data-id='${id}']`;
  const row = box.querySelector(selector);
  if (row) {
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
    return;
  }
  box.scrollTop = Math.max(0, index * height - box.clientHeight / 2);
  window.dispatch.focus(selector);
};

// A short two-tone chime for a new or returned incident (only when the dispatcher turned the sound on). Made by the
// browser's audio API: no sound file to ship. A browser may refuse sound before the first key or click on the page.
window.dispatch.chime = function () {
  try {
    const Audio = window.AudioContext || window.webkitAudioContext;
    if (!Audio) return;
    const ctx = window.dispatch._audio || (window.dispatch._audio = new Audio());
    const now = ctx.currentTime;
    [880, 1320].forEach((freq, i) => {
      const osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.17);
    });
  } catch { /* no sound is no reason to fail */ }
};
