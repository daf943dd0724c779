// Small browser helpers for the console. No polling of data: ages tick on the client from a timestamp.
window.dispatch = {
  setCookie(name, value) {
    document.cookie = `${name}=${encodeURIComponent(value)};path=/;max-age=31536000;samesite=lax`;
  },
  focus(selector) {
    const el = document.querySelector(selector);
    if (el) el.focus();
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
  function watch() {
    const modal = document.getElementById('components-reconnect-modal');
    if (!modal) return;
    new MutationObserver(() => {
      for (const [cls, state] of Object.entries(states)) {
        if (modal.classList.contains(cls)) {
          apply(state);
          if (cls === 'components-reconnect-rejected') location.reload();
          if (cls === 'components-reconnect-failed') setTimeout(() => window.Blazor && Blazor.reconnect && Blazor.reconnect(), 3000);
          return;
        }
      }
    }).observe(modal, { attributes: true, attributeFilter: ['class'] });
  }
  document.addEventListener('DOMContentLoaded', watch);
  window.addEventListener('offline', () => apply('offline'));
})();

// Live ages: every element with data-since (an ISO instant) shows how long ago that was.
(function () {
  function format(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
  }
  setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-since]')) {
      el.textContent = format(now - Date.parse(el.dataset.since));
    }
  }, 1000);
})();

// Keyboard: in a textarea marked data-enter-submits, Enter submits the form and Shift+Enter starts a new line.
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.key === 'Enter' && !e.shiftKey && t instanceof HTMLTextAreaElement && t.closest('[data-enter-submits]')) {
    e.preventDefault();
    t.form && t.form.requestSubmit();
  }
});
