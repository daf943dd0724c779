// Keys of the past screens' timeline scrubber (TimelineScrubber.razor): Space plays or pauses, ← and → step to the
// previous or next recorded step, Esc goes back to live. Never from a field (typing a number or a time) or a button
// (Space presses it), and Esc leaves an open drawer to close itself (dispatch.js) before it leaves the past.
// The scrubber's element says data-keys="on" once they are listened for (a key pressed before that is lost).
export function listen(scrubber, element) {
  const keys = { ' ': 'play', 'ArrowLeft': 'prev', 'ArrowRight': 'next', 'Escape': 'live' };
  function onKey(e) {
    const key = keys[e.key];
    if (!key || e.ctrlKey || e.altKey || e.metaKey || e.defaultPrevented) return;
    const t = e.target;
    if (t.closest && t.closest('input, textarea, select, button, [contenteditable], .mud-popover-open')) return;
    if (key === 'live' && document.querySelector('[data-escape-closes]')) return;
    e.preventDefault();
    scrubber.invokeMethodAsync('Key', key);
  }
  document.addEventListener('keydown', onKey);
  element.dataset.keys = 'on';
  return {
    dispose: () => {
      document.removeEventListener('keydown', onKey);
      delete element.dataset.keys;
    },
  };
}
